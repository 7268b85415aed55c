"""Deals as a pilot is judged: co-sold by hand or by the account's plan, sourced or influenced,
their rep and stage; pilot accounts against the rest over time; credit for direct sellers."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from engine.errors import OverlapError
from engine.plans import create_plan
from engine.program.credit import credit_report, write_credit_report
from engine.program.deals import partner_deals, set_deal, stage_of
from engine.program.metrics import (
    add_opportunity,
    import_opportunities,
    partner_metrics,
    win_rate_text,
)
from engine.program.pilot import over_time, pilot_metrics
from engine.store.workspace import Workspace
from tests.engine.conftest import Mapped


@pytest.fixture
def deals(mapped: Mapped, data_dir: Path) -> Mapped:
    """The Acme / Globex mapping with plans on Hooli and Vandelay and a CRM's deal report."""
    create_plan(mapped.ws, "Globex", "id:A3", "id:G3")
    create_plan(mapped.ws, "Globex", "id:A5", "id:G5")
    import_opportunities(mapped.ws, "Globex", data_dir / "opportunities_partner_roles.csv")
    return mapped


def test_co_sold_parts_reps_and_stages(deals: Mapped) -> None:
    frame = partner_deals(deals.ws, "Globex").set_index("account_name")
    assert frame["co_sold"].to_dict() == {
        "Initech": True, "Hooli": True, "Stark": True, "Umbrella": False, "Vandelay": True,
        "Soylent": False, "Wayne": True, "Acme Widgets": True,
    }  # fmt: skip
    # Vandelay's deal was left unset; its account has a joint plan, so it counts as co-sold.
    assert frame.loc["Vandelay", "co_sold_why"] == "its account has a joint plan"
    assert frame.loc["Soylent", "co_sold_why"] == "set on the deal"  # "No" in the export
    assert frame.loc["Umbrella", "co_sold_why"] == "no partner involvement recorded"
    assert frame["partner_role"].to_dict() == {
        "Initech": "sourced", "Hooli": "influenced", "Stark": "sourced", "Umbrella": "",
        "Vandelay": "influenced", "Soylent": "", "Wayne": "influenced",
        "Acme Widgets": "sourced",
    }  # fmt: skip
    assert not frame.loc["Vandelay", "role_recorded"] and frame.loc["Hooli", "role_recorded"]
    # The deal's owner, else the account's owner in our list (Wayne has none; found by name).
    assert frame.loc["Initech", "rep"] == "Ann" and frame.loc["Hooli", "rep"] == "Dana Reyes"
    assert frame.loc["Wayne", "rep"] == "(no owner)" and frame.loc["Wayne", "our_key"] == "id:A7"
    assert frame.loc["Vandelay", "stage"] == "proposal"
    assert frame.loc["Soylent", "stage"] == "negotiation"
    assert frame["pilot"].sum() == 2


def test_the_user_sets_co_sold_and_the_part(deals: Mapped) -> None:
    frame = partner_deals(deals.ws, "Globex").set_index("account_name")
    vandelay, umbrella = int(frame.loc["Vandelay", "id"]), int(frame.loc["Umbrella", "id"])
    set_deal(deals.ws, vandelay, co_sold="no")
    set_deal(deals.ws, umbrella, co_sold="yes", partner_role="sourced", owner="  Eve   Stone ")
    frame = partner_deals(deals.ws, "Globex").set_index("account_name")
    assert not frame.loc["Vandelay", "co_sold"]  # the user said otherwise: the plan yields
    assert frame.loc["Umbrella", "co_sold"] and frame.loc["Umbrella", "rep"] == "Eve Stone"
    set_deal(deals.ws, vandelay, co_sold="auto", stage="negotiation")
    frame = partner_deals(deals.ws, "Globex").set_index("account_name")
    assert frame.loc["Vandelay", "co_sold"] and frame.loc["Vandelay", "stage"] == "negotiation"
    with pytest.raises(OverlapError, match="only an open deal has a stage"):
        set_deal(deals.ws, umbrella, stage="proposal")
    with pytest.raises(OverlapError, match="sourced, influenced"):
        set_deal(deals.ws, umbrella, partner_role="resold")
    with pytest.raises(OverlapError, match="no deal with id 999"):
        set_deal(deals.ws, 999, co_sold="yes")


def test_a_bad_part_names_its_row(workspace: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "deals.csv"
    bad.write_text(
        "Account,Created,Partner Involved,Partner Role\n"
        "Acme,2025-01-01,yes,sourced\nInitech,2025-01-02,no,Partner Sourced\n",
        encoding="utf-8",
    )
    with pytest.raises(OverlapError, match="sourced is co-sold, yet marked 'no'") as error:
        import_opportunities(workspace, "Globex", bad)
    assert error.value.where == "deals.csv, row 3"
    with pytest.raises(OverlapError, match="sourced or influenced, not 'resold'"):
        add_opportunity(workspace, "Globex", "Acme", "2025-01-01", partner_role="resold")


def test_stage_words_of_crms() -> None:
    assert stage_of("Proposal/Price Quote") == "proposal"
    assert stage_of("Negotiation/Review") == "negotiation"
    assert stage_of("contractsent") == "negotiation"
    assert stage_of("qualifiedtobuy") == "qualification"
    assert stage_of("Id. Decision Makers") == "proposal"
    assert stage_of("Closed Won") == ""


def test_too_few_deals_to_judge() -> None:
    assert win_rate_text(2, 2) == "2 of 2 won \u2014 too few deals to judge"
    assert win_rate_text(0, 0) == "no closed deals"
    assert win_rate_text(4, 5) == "80% (4 of 5 won)"


def test_pilot_accounts_against_the_rest(deals: Mapped) -> None:
    result = pilot_metrics(deals.ws, "Globex")
    pilot, other = result.comparison.to_dict("records")
    assert (pilot["group"], pilot["deals"], pilot["won"], pilot["open"]) == (
        "pilot accounts", 2, 1, 1)  # fmt: skip
    assert pilot["win_rate_text"] == "1 of 1 won \u2014 too few deals to judge"
    assert other["win_rate_text"] == "80% (4 of 5 won)"
    assert other["velocity_text"] == "30 days"  # Initech 30, Wayne 30, Widgets 19, Umbrella 180
    assert result.pilot_accounts == 2
    assert result.findings[0] == (
        "Pilot accounts: 1 of 1 won \u2014 too few deals to judge; "
        "other accounts: 80% (4 of 5 won)."
    )
    # The plans were made today: every deal closed before the baseline.
    assert result.baseline == date.today()
    assert set(result.over_time["period"]) >= {"before the baseline"}
    # Co-sold (6 closed: 5 won) against the rest (1 won of 1; Soylent open).
    co, rest = pilot_metrics(deals.ws, "Globex", compare="co-sold").comparison.to_dict("records")
    assert (co["won"], co["closed"], rest["won"], rest["closed"]) == (4, 5, 1, 1)


def test_metrics_by_quarter_since_the_baseline(deals: Mapped) -> None:
    frame = partner_deals(deals.ws, "Globex")
    table = over_time(frame, date(2025, 2, 15), by="quarter", today=date(2025, 9, 30))
    assert list(dict.fromkeys(table["period"])) == [
        "before the baseline", "2025 Q1", "2025 Q2", "2025 Q3"]  # fmt: skip
    cells = table.set_index(["period", "group"])
    assert cells.loc[("before the baseline", "other accounts"), "won"] == 1  # Initech, 31 Jan
    q1 = cells.loc[("2025 Q1", "other accounts")]  # Stark lost; Wayne and Widgets won
    assert (q1["won"], q1["lost"]) == (2, 1)
    assert q1["win_rate_text"] == "2 of 3 won \u2014 too few deals to judge"
    assert cells.loc[("2025 Q2", "pilot accounts"), "won"] == 1  # Hooli
    assert cells.loc[("2025 Q1", "pilot accounts"), "win_rate_text"] == "no closed deals"
    monthly = over_time(frame, date(2025, 2, 15), by="month", today=date(2025, 4, 2))
    assert list(dict.fromkeys(monthly["period"]))[1:] == ["2025-02", "2025-03", "2025-04"]


def test_partner_metrics_count_plan_accounts_as_co_sold(deals: Mapped) -> None:
    table = partner_metrics(deals.ws, "Globex").table.set_index("group")
    assert table.loc["co-sold", "deals"] == 6 and table.loc["not co-sold", "deals"] == 2


def test_credit_for_direct_sellers(deals: Mapped, tmp_path: Path) -> None:
    report = credit_report(deals.ws, "Globex")
    reps = report.reps.set_index("rep")
    formula = '=HYPERLINK("http://x.example","rep")'  # an owner cell that is a formula
    assert list(reps.index) == ["Dana Reyes", "Ann", "(no owner)", formula, "Bob"]
    assert reps.loc["Ann"].to_dict() == {
        "sourced_deals": 1, "sourced_won": 1, "sourced_won_amount": 12_000.0,
        "influenced_deals": 1, "influenced_won": 0, "influenced_won_amount": 0.0,
        "open_pipeline": 8_000.0, "credited_amount": 12_000.0,
    }  # fmt: skip
    assert reps.loc["Bob", "credited_amount"] == 0 and reps.loc["Bob", "sourced_deals"] == 1
    assert "Umbrella" not in set(report.deals["account_name"])  # not co-sold: no credit
    half = credit_report(deals.ws, influenced_rate=0.5).reps.set_index("rep")
    assert half.loc["Dana Reyes", "credited_amount"] == 15_000
    assert half.loc["Ann", "credited_amount"] == 12_000
    with pytest.raises(OverlapError, match="from 0 to 100%"):
        credit_report(deals.ws, sourced_rate=1.5)

    written = write_credit_report(report, tmp_path / "credit.csv")
    with open(written, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["rep", "sourced_deals"]
    assert rows[4][0] == '\'=HYPERLINK("http://x.example","rep")'  # never a formula
    xlsx = write_credit_report(report, tmp_path / "credit.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None, engine="calamine", header=None)
    assert list(sheets) == ["Credit by rep", "Deals"]
    assert len(sheets["Deals"]) == 1 + 6  # the header and the six deals with a partner part


def test_from_the_command_line(
    deals: Mapped, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.cli import main as cli

    ws = deals.ws
    path = str(ws.path)
    wayne = int(partner_deals(ws, "Globex").set_index("account_name").loc["Wayne", "id"])
    ws.close()
    capsys.readouterr()
    assert cli(["metrics", path, "--partner", "Globex", "--by", "month"]) == 0
    out = capsys.readouterr().out
    assert "Pilot accounts (2 with a joint plan) vs the rest" in out
    assert "1 of 1 won \u2014 too few deals to judge" in out
    assert "100%" not in out
    assert cli(["opportunities", "set", path, "--partner", "Globex", str(wayne),
                "--co-sold", "no", "--owner", "Walt Ng"]) == 0  # fmt: skip
    assert capsys.readouterr().out == f"deal {wayne} (Wayne): not co-sold, rep Walt Ng\n"
    assert cli(["opportunities", "add", path, "--partner", "Globex", "--account", "Stark",
                "--opened", "2025-06-01", "--amount", "7000", "--part", "sourced",
                "--stage", "proposal"]) == 0  # fmt: skip
    assert cli(["credit", path, "--partner", "Globex", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    bob = next(r for r in report["reps"] if r["rep"] == "Bob")
    assert (bob["sourced_deals"], bob["open_pipeline"]) == (2, 7000.0)  # Stark's new deal
    assert "Walt Ng" not in {r["rep"] for r in report["reps"]}  # not co-sold: no credit
    out_file = tmp_path / "credit.xlsx"
    assert cli(["credit", path, "--out", str(out_file), "--influenced-rate", "50"]) == 0
    assert out_file.is_file() and "written to" in capsys.readouterr().out
    assert cli(["credit", path, "--sourced-rate", "150"]) == 2
    assert "from 0 to 100%" in capsys.readouterr().err
    assert (
        cli(["opportunities", "set", path, "--partner", "Globex", "999", "--co-sold", "yes"]) == 2
    )
    assert "no deal with id 999" in capsys.readouterr().err


def test_which_tool_fits_the_scale() -> None:
    from engine.overlaps import tool_fit

    assert tool_fit(0)[0] == "spreadsheet" and tool_fit(99)[0] == "spreadsheet"
    assert tool_fit(100)[0] == "crm" and tool_fit(999)[0] == "crm"
    assert tool_fit(1_000)[0] == "dedicated"
    assert "a spreadsheet is enough" in tool_fit(6)[1]
