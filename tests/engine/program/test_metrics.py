"""Tracking: opportunity import, deal metrics by hand, engagement score by hand."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from engine.errors import ImportFileError, OverlapError
from engine.program.metrics import (
    add_opportunity,
    deal_metrics,
    engagement_score,
    import_opportunities,
    list_opportunities,
    log_engagement,
    partner_metrics,
    score_engagement,
)
from engine.store.workspace import Workspace


def test_import_and_metrics_by_hand(workspace: Workspace, data_dir: Path) -> None:
    added = import_opportunities(workspace, "Globex", data_dir / "opportunities_salesforce.csv")
    assert len(added) == 7
    deals = list_opportunities(workspace, "Globex")
    assert deals.set_index("account_name").loc["Initech", "amount"] == 12_000
    assert deals.set_index("account_name").loc["Initech", "our_key"] == "id:A1"
    assert deals.set_index("account_name").loc["Soylent", "outcome"] == "open"
    table = partner_metrics(workspace, "Globex").table.set_index("group")
    co, other, every = table.loc["co-sold"], table.loc["not co-sold"], table.loc["all"]
    # Co-sold: won Initech (30 days, 12k) and Hooli (60 days, 30k); lost Stark.
    assert (co["deals"], co["won"], co["lost"], co["open"]) == (3, 2, 1, 0)
    assert co["win_rate"] == pytest.approx(2 / 3)
    assert co["median_days_to_close"] == 45.0
    assert co["average_deal_size"] == 21_000.0
    # Not co-sold: won Umbrella (180 days, 50k); lost Wayne and Vandelay; Soylent open.
    assert (other["deals"], other["won"], other["lost"], other["open"]) == (4, 1, 2, 1)
    assert other["win_rate"] == pytest.approx(1 / 3)
    assert other["median_days_to_close"] == 180.0
    assert other["average_deal_size"] == 50_000.0
    assert every["win_rate"] == pytest.approx(3 / 6)
    assert every["median_days_to_close"] == 60.0
    findings = partner_metrics(workspace, "Globex").findings
    # Three closed deals a side read as counts, not as rates.
    assert findings == [
        "Co-sold: 2 of 3 won \u2014 too few deals to judge; without the partner: 1 of 3 won "
        "\u2014 too few deals to judge."
    ]
    for number in range(6):  # three more won and lost on each side
        for involved in (True, False):
            add_opportunity(workspace, "Globex", f"Extra {number}", "2025-01-01", amount=1000,
                            closed="2025-01-31", outcome="won" if number % 2 else "lost",
                            partner_involved=involved)  # fmt: skip
    findings = partner_metrics(workspace, "Globex").findings
    assert findings[0] == "Win rate 56% co-sold (5 of 9) vs 44% without the partner (4 of 9)."
    assert findings[1] == "Co-sold deals close in 30 days (median) vs 30: 0 days faster."


def test_metrics_without_deals() -> None:
    empty = pd.DataFrame(columns=["amount", "opened", "closed", "outcome", "partner_involved"])
    table = deal_metrics(empty)
    assert table["deals"].tolist() == [0, 0, 0]
    assert math.isnan(table.loc[0, "win_rate"])


def test_entered_opportunities_and_bad_values(workspace: Workspace, tmp_path: Path) -> None:
    add_opportunity(workspace, "Globex", "Initech", "2025-01-01", amount=1000, closed="2025-01-11",
                    outcome="won", partner_involved=True)  # fmt: skip
    assert len(list_opportunities(workspace, "Globex")) == 1
    with pytest.raises(OverlapError, match="before it opened"):
        add_opportunity(workspace, "Globex", "X", "2025-02-01", closed="2025-01-01", outcome="won")
    with pytest.raises(OverlapError, match="needs its close date"):
        add_opportunity(workspace, "Globex", "X", "2025-02-01", outcome="lost")
    with pytest.raises(OverlapError, match="not a number"):
        add_opportunity(workspace, "Globex", "X", "2025-02-01", amount="lots")
    bad = tmp_path / "bad.csv"
    bad.write_text("Account,Created,Stage,Amount\nAcme,2025-01-01,Closed Won,5\n", encoding="utf-8")
    with pytest.raises(OverlapError, match="needs its close date") as error:
        import_opportunities(workspace, "Globex", bad)
    assert error.value.where == "bad.csv, row 2"
    assert len(list_opportunities(workspace, "Globex")) == 1  # nothing from the bad file
    headless = tmp_path / "h.csv"
    headless.write_text("Name,When\nAcme,2025\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="no account name column"):
        import_opportunities(workspace, "Globex", headless)


def test_engagement_score_by_hand() -> None:
    today = date(2026, 3, 1)
    events = pd.DataFrame(
        {
            "kind": ["sync_scheduled"] * 4 + ["sync_attended"] * 3 + ["crm_update"] * 3
            + ["contact", "contact"],
            "at": ["2026-01-05", "2026-01-19", "2026-02-02", "2026-02-16",
                   "2026-01-05", "2026-01-19", "2026-02-16",
                   "2026-01-10", "2026-02-01", "2026-02-10",
                   "2025-10-01", "2026-02-05"],
        }
    )  # fmt: skip
    score = score_engagement(events, today)
    assert (score.calls_scheduled, score.calls_attended, score.updates) == (4, 3, 3)
    assert score.attendance == 30.0  # 40 * 3/4
    assert score.crm_updates == pytest.approx(round(30 * 3 / (90 / 14), 1))  # 14.0
    # Last contact 2026-02-16, 13 days before: full recency.
    assert score.recency == 30.0 and score.days_since_contact == 13
    assert score.score == pytest.approx(30 + 14.0 + 30)
    later = score_engagement(events, date(2026, 4, 17))  # 60 days after the last contact
    assert later.recency == pytest.approx(round(30 * 30 / 76, 1))
    assert score_engagement(events.iloc[0:0], today).score == 0


def test_engagement_log(workspace: Workspace) -> None:
    log_engagement(workspace, "Globex", "sync-attended", "2026-02-20", "QBR")
    log_engagement(workspace, "Globex", "crm_update", date(2026, 2, 21))
    result = engagement_score(workspace, "Globex", today=date(2026, 3, 1))
    assert result.calls_attended == 1 and result.updates == 1
    assert "Engagement" in result.explain()
    with pytest.raises(OverlapError, match="kind is one of"):
        log_engagement(workspace, "Globex", "lunch", "2026-02-20")
    with pytest.raises(OverlapError, match="not a date"):
        log_engagement(workspace, "Globex", "contact", "yesterday")
