"""Refresh: cadence and due dates, baselines, the pure diff on two snapshots, a full refresh."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from engine.cli import main as cli
from engine.errors import ImportFileError, OverlapError, ShrinkingListError
from engine.overlaps import mapping_from_frames
from engine.overrides import set_override
from engine.ownership import assign
from engine.program.refresh import (
    diff_mappings,
    last_mapping,
    next_refresh_due,
    overdue_refreshes,
    record_mapping,
    refresh_mapping,
    refresh_schedule,
    run_baseline,
    set_cadence,
)
from engine.store.models import Partner
from engine.store.workspace import Workspace
from tests.engine.conftest import OURS, THEIRS, Mapped


def _frames(theirs: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    ours = pd.DataFrame(OURS).assign(id=range(1, len(OURS) + 1))
    partner = pd.DataFrame(theirs).assign(id=range(101, 101 + len(theirs)))
    by_domain = partner.set_index("domains")["id"]
    pairs = pd.DataFrame(
        [(o.id, by_domain[o.domains]) for o in ours.itertuples() if o.domains in by_domain.index],
        columns=["our_account_id", "partner_account_id"],
    )
    return ours, partner, pairs


def test_diff_on_two_snapshots() -> None:
    before = mapping_from_frames(*_frames(THEIRS))
    changed = [dict(a) for a in THEIRS if a["name"] != "Soylent"]  # Soylent left their list
    for account in changed:
        if account["name"] == "Hooli":
            account["stage"] = "customer"  # their prospect became a customer
    changed.append(dict(external_id="G10", name="Wayne Ent", domains="wayne.com", stage="prospect"))
    after = mapping_from_frames(*_frames(changed))
    changes = diff_mappings(before, after)
    assert changes.counts() == {
        "new_shared": 1, "no_longer_shared": 1, "stage_changes": 1, "lead_changes": 0,
    }  # fmt: skip
    assert changes.new_shared.iloc[0]["name"] == "Wayne"
    assert changes.new_shared.iloc[0]["detail"] == "shared now: ours prospect, theirs prospect"
    assert changes.no_longer_shared.iloc[0]["name"] == "Soylent"
    stage = changes.stage_changes.iloc[0]
    assert (stage["name"], stage["detail"]) == ("Hooli", "theirs prospect → customer")
    assert changes.to_frame()["change"].tolist() == [
        "new shared", "no longer shared", "stage change",
    ]  # fmt: skip


def test_lead_changes_need_both_leads() -> None:
    base = pd.DataFrame(
        {"our_key": ["id:A1", "id:A2"], "partner_key": ["id:G1", "id:G2"],
         "name": ["Initech", "Umbrella"], "our_stage": "prospect", "partner_stage": "customer",
         "lead": ["partner", ""]}
    )  # fmt: skip
    after = base.assign(lead=["us", "us"])
    changes = diff_mappings(base, after)
    assert changes.counts()["lead_changes"] == 1
    assert changes.lead_changes.iloc[0]["detail"] == "lead partner → us"
    assert diff_mappings(base, base).counts() == dict.fromkeys(changes.counts(), 0)


def test_record_mapping_and_baseline(mapped: Mapped) -> None:
    assign(mapped.ws, "Globex")
    first = record_mapping(mapped.ws, "Globex")
    stored = run_baseline(first)
    assert len(stored) == 6
    assert stored.set_index("name").loc["Initech", "lead"] == "partner"
    assert mapped.ws.partner("Globex").last_refresh_at is not None
    set_override(mapped.ws, "Globex", "id:A1", "id:G1", "us", "Agreed on the QBR")
    second = record_mapping(mapped.ws, "Globex")
    last = last_mapping(mapped.ws, "Globex")
    assert last is not None and last.id == second.id
    changes = diff_mappings(stored, run_baseline(second))
    assert changes.lead_changes["detail"].tolist() == ["lead partner → us"]


def test_cadence_due_and_overdue(workspace: Workspace) -> None:
    workspace.add_partner("Initrode", cadence="monthly")
    with workspace.session() as session:
        for partner in session.exec(__import__("sqlmodel").select(Partner)):
            partner.created_at = datetime(2026, 1, 31, tzinfo=UTC)
            session.add(partner)
        session.commit()
    globex, initrode = workspace.partner("Globex"), workspace.partner("Initrode")
    assert next_refresh_due(globex) == date(2026, 4, 30)  # quarterly
    assert next_refresh_due(initrode) == date(2026, 2, 28)  # month end kept
    schedule = refresh_schedule(workspace, today=date(2026, 3, 10)).set_index("partner")
    assert schedule.loc["Initrode", "overdue"] and schedule.loc["Initrode", "days_overdue"] == 10
    assert not schedule.loc["Globex", "overdue"]
    assert overdue_refreshes(workspace, today=date(2026, 3, 10))["partner"].tolist() == ["Initrode"]
    set_cadence(workspace, "Globex", "semi-annual")
    assert next_refresh_due(workspace.partner("Globex")) == date(2026, 7, 31)
    with pytest.raises(OverlapError, match="cadence is one of"):
        set_cadence(workspace, "Globex", "weekly")


def test_refresh_end_to_end(mapped: Mapped, tmp_path: Path) -> None:
    """Import a new Globex export, re-match, re-assign and report the changes."""
    assign(mapped.ws, "Globex")
    record_mapping(mapped.ws, "Globex")
    rows = [a for a in THEIRS if a["name"] != "Soylent"]
    export = pd.DataFrame(
        [
            {
                "Account ID": a["external_id"],
                "Account Name": a["name"],
                "Website": a["domains"],
                "Type": "Customer"
                if (a["stage"] == "customer" or a["name"] == "Hooli")
                else a["stage"].title(),
            }
            for a in rows
        ]
    )
    path = tmp_path / "globex_new.csv"
    export.to_csv(path, index=False)
    result = refresh_mapping(mapped.ws, "Globex", path)
    counts = result.changes.counts()
    assert "Soylent" in result.changes.no_longer_shared["name"].tolist()
    assert "Hooli" in result.changes.stage_changes["name"].tolist()
    assert counts["no_longer_shared"] >= 1
    assert last_mapping(mapped.ws, "Globex").id == result.run.id  # type: ignore[union-attr]


def test_refresh_obeys_the_rule_of_imports(mapped: Mapped, tmp_path: Path, data_dir: Path) -> None:
    """A refresh with a header-only export, or one with under half the partner's accounts,
    changes nothing; the second goes through with ``replace``."""
    globex = mapped.ws.side_partner_id("Globex")
    record_mapping(mapped.ws, "Globex")
    before = (len(mapped.ws.snapshots(globex)), last_mapping(mapped.ws, "Globex").id)
    with pytest.raises(ImportFileError, match="no accounts"):
        refresh_mapping(mapped.ws, "Globex", data_dir / "header_only.csv")
    small = tmp_path / "globex_page1.csv"
    small.write_text("Account Name,Website\nInitech Inc,initech.com\n", encoding="utf-8")
    with pytest.raises(ShrinkingListError, match="under half"):
        refresh_mapping(mapped.ws, "Globex", small)
    assert (len(mapped.ws.snapshots(globex)), last_mapping(mapped.ws, "Globex").id) == before
    result = refresh_mapping(mapped.ws, "Globex", small, replace=True)
    assert result.imported.summary["imported"] == 1
    assert last_mapping(mapped.ws, "Globex").id != before[1]


def test_cli_refresh_needs_replace_for_a_shrinking_list(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    ws = tmp_path / "acme.overlap"
    assert cli(["init", str(ws), "--us", "Acme Corp"]) == 0
    assert cli(["partner", "add", str(ws), "Globex"]) == 0
    ours = str(data_dir / "crosspartner_acme.csv")
    assert cli(["import", str(ws), "--side", "us", ours]) == 0
    export = str(data_dir / "salesforce_report.csv")
    assert cli(["import", str(ws), "--side", "Globex", export]) == 0
    small = tmp_path / "globex_page1.csv"
    small.write_text("Account Name,Website\nInitech,initech.com\n", encoding="utf-8")
    capsys.readouterr()
    assert cli(["refresh", str(ws), "--partner", "Globex", str(small)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: globex_page1.csv: ") and err.count("\n") == 1
    assert "--replace" in err
    assert cli(["refresh", str(ws), "--partner", "Globex", str(small), "--replace"]) == 0
    assert "What changed" in capsys.readouterr().out
