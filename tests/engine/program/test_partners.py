"""Many partners: our accounts across three partnerships, lead conflicts, settling them, and
the partnerships compared (see tests/engine/partners_helpers.py for the data)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import (
    OverlapError,
    Workspace,
    add_opportunity,
    compare_partners,
    cross_partner,
    deal_metrics,
    find_overlaps,
    import_file,
    import_opportunities,
    lead_reasons,
    list_leads,
    list_opportunities,
    log_engagement,
    match_partner,
    open_dispute,
    restore_leads,
    set_override,
    set_rules,
    settle_lead,
)
from engine.cli import main as cli
from tests.engine.conftest import add_matches, add_snapshot
from tests.engine.partners_helpers import build_three_partners

INITECH = "0015g00000XP01AAA"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = Path(__file__).resolve().parents[2] / "data"
    return build_three_partners(tmp_path_factory.mktemp("three") / "acme.overlap", data)


@pytest.fixture
def ws_path(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "acme.overlap"
    shutil.copy(template, path)
    return path


@pytest.fixture
def ws(ws_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(ws_path)
    yield workspace
    workspace.close()


def _by_name(frame: pd.DataFrame) -> dict[str, dict]:
    return {str(r["name"]): r for r in frame.to_dict(orient="records")}


def _overrides(ws: Workspace) -> int:
    return int(ws.read_frame("SELECT count(*) AS n FROM ownershipoverride")["n"].iloc[0])


# ---------------------------------------------------------------------- the view


def test_every_shared_account_with_its_partners_and_flags(ws: Workspace) -> None:
    view = cross_partner(ws)
    assert view.partners == ("Globex", "Tyrell", "Wonka")
    assert view.counts == {
        "partnerships": 3,
        "shared": 8,
        "several": 5,
        "contested": 2,
        "needs_lead": 0,
        "shown": 8,
    }
    # Contested first, then shared with more partners, then our list's order.
    assert view.accounts["name"].tolist() == [
        "Initech",
        "Hooli",
        "Stark Industries",
        "Pied Piper",
        "Dunder Mifflin",
        "Umbrella Corporation",
        "Soylent",
        "Vandelay Industries",
    ]
    rows = _by_name(view.accounts)
    expected = {  # partners, leading partners, we lead, contested
        "Initech": ("Globex, Tyrell, Wonka", "Globex, Tyrell, Wonka", 0, True),
        "Hooli": ("Globex, Tyrell", "Globex, Tyrell", 0, True),
        "Stark Industries": ("Globex, Tyrell", "", 2, False),
        "Pied Piper": ("Globex, Wonka", "Globex", 1, False),
        "Dunder Mifflin": ("Tyrell, Wonka", "", 2, False),
        "Umbrella Corporation": ("Globex", "", 1, False),
        "Soylent": ("Tyrell", "Tyrell", 0, False),
        "Vandelay Industries": ("Wonka", "Wonka", 0, False),
    }
    for name, (sharing, leading, we_lead, contested) in expected.items():
        row = rows[name]
        assert (row["partner_names"], row["leading_partners"]) == (sharing, leading), name
        assert row["partners"] == len(sharing.split(", "))
        assert row["partner_leads"] == (len(leading.split(", ")) if leading else 0)
        assert (row["we_lead"], bool(row["contested"]), bool(row["needs_lead"])) == (
            we_lead,
            contested,
            False,
        )
    assert rows["Initech"]["flag"] == "Globex, Tyrell and Wonka all expect to lead"
    assert rows["Hooli"]["flag"] == "Globex and Tyrell both expect to lead"
    assert rows["Pied Piper"]["flag"] == ""
    initech = rows["Initech"]
    assert (initech["our_external_id"], initech["domains"], initech["our_stage"]) == (
        INITECH,
        "initech.com",
        "prospect",
    )
    assert initech["our_key"] == f"id:{INITECH}"
    # Accounts nobody shares are not listed.
    assert not {"Wayne Enterprises", "Massive Dynamic"} & set(rows)
    assert len(view.pairs) == 14  # 5 Globex + 5 Tyrell + 4 Wonka


def test_one_account_shows_its_partners_side_by_side(ws: Workspace) -> None:
    view = cross_partner(ws, account="initech")  # our account's name, any case
    assert view.accounts["name"].tolist() == ["Initech"]
    assert view.counts["shown"] == 1 and view.counts["shared"] == 8  # counts: the whole picture
    pairs = view.pairs
    assert pairs["partner"].tolist() == ["Globex", "Tyrell", "Wonka"]
    assert pairs["partner_name"].tolist() == ["Initech Inc", "Initech", "Initech GmbH"]
    assert pairs["partner_external_id"].tolist() == ["7001", "001TY0000001AAA", "W-100"]
    assert pairs["partner_stage"].tolist() == ["customer"] * 3
    assert pairs["lead"].tolist() == ["partner"] * 3
    assert set(pairs["criterion"]) == {"relationship"}
    assert set(pairs["rationale"]) == {
        "Partner leads: Initech is their customer and our prospect (rule 1, stronger relationship)"
    }
    assert set(pairs["lead_note"]) == {""}
    # The same account by our CRM id and by its key; partners_of gives the same rows.
    assert cross_partner(ws, account=INITECH).accounts["name"].tolist() == ["Initech"]
    assert cross_partner(ws, account=f"id:{INITECH}").accounts["name"].tolist() == ["Initech"]
    whole = cross_partner(ws, reasons=False)
    side = whole.partners_of(int(view.accounts["our_account_id"].iloc[0]))
    assert side["partner"].tolist() == ["Globex", "Tyrell", "Wonka"]
    assert set(side["rationale"]) == {""}  # reasons=False leaves them to lead_reasons
    assert lead_reasons(ws, side)["rationale"].tolist() == pairs["rationale"].tolist()


def test_filters_by_partner_and_flag(ws: Workspace) -> None:
    wonka = cross_partner(ws, partner="wonka")
    assert wonka.accounts["name"].tolist() == [
        "Initech",
        "Pied Piper",
        "Dunder Mifflin",
        "Vandelay Industries",
    ]
    # Each account still lists all its partners.
    assert set(wonka.pairs["partner"]) == {"Globex", "Tyrell", "Wonka"}
    flagged = cross_partner(ws, flag="contested")
    assert flagged.accounts["name"].tolist() == ["Initech", "Hooli"]
    assert len(flagged.pairs) == 5
    both = cross_partner(ws, flag="contested", partner="Wonka")
    assert both.accounts["name"].tolist() == ["Initech"]
    assert cross_partner(ws, flag="needs_lead").accounts.empty


def test_leads_read_as_ownership_reads_them(ws: Workspace) -> None:
    """Overrides win over the rules and open disputes are counted, as on the ownership step."""
    set_override(ws, "Wonka", f"id:{INITECH}", "id:W-100", "us", "we run the Initech account")
    open_dispute(ws, "Tyrell", "id:0015g00000XP03AAA", "id:001TY0000002AAA", "both claim Hooli")
    pairs = cross_partner(ws).pairs
    for partner in ("Globex", "Tyrell", "Wonka"):
        expected = list_leads(ws, partner).sort_values(["our_key", "partner_key"])
        got = pairs[pairs["partner"] == partner].sort_values(["our_key", "partner_key"])
        for column in ("lead", "criterion", "rationale", "overridden", "open_disputes"):
            assert got[column].tolist() == expected[column].tolist(), (partner, column)
    rows = _by_name(cross_partner(ws).accounts)
    assert rows["Initech"]["leading_partners"] == "Globex, Tyrell"
    assert rows["Initech"]["flag"] == "Globex and Tyrell both expect to lead"


def test_a_partnership_without_leads_and_rules_changed_since(ws: Workspace, tmp_path: Path) -> None:
    # Wonka sends a new export with Massive Dynamic in it; it is matched, not assigned yet.
    export = tmp_path / "wonka_v2.csv"
    original = (
        Path(__file__).resolve().parents[2] / "data" / "crosspartner_wonka.csv"
    ).read_bytes()
    export.write_bytes(
        original + "W-106;Massive Dynamic;massivedynamic.com;Kunde;;USA\r\n".encode("cp1252")
    )
    import_file(ws, "Wonka", export)
    match_partner(ws, "Wonka")
    # Tyrell's rules change after its leads were set.
    set_rules(ws, "Tyrell", tie_breaker="partner")
    view = cross_partner(ws)
    rows = _by_name(view.accounts)
    massive = rows["Massive Dynamic"]
    assert (massive["partner_names"], massive["no_lead"], bool(massive["needs_lead"])) == (
        "Wonka",
        1,
        True,
    )
    assert massive["flag"] == "no lead yet with Wonka"
    # Wonka's other pairs keep their leads though the import gave its accounts new ids.
    assert rows["Vandelay Industries"]["leading_partners"] == "Wonka"
    assert rows["Pied Piper"]["we_lead"] == 1
    assert rows["Soylent"]["flag"] == "lead set under older rules with Tyrell"
    assert rows["Initech"]["flag"] == (
        "Globex, Tyrell and Wonka all expect to lead; lead set under older rules with Tyrell"
    )
    assert rows["Umbrella Corporation"]["flag"] == ""  # Globex only: its rules did not change
    needing = cross_partner(ws, flag="needs_lead")
    assert set(needing.accounts["name"]) == {
        "Massive Dynamic",
        "Initech",
        "Hooli",
        "Soylent",
        "Stark Industries",
        "Dunder Mifflin",
    }
    notes = needing.pairs.set_index(["partner", "our_name"])["lead_note"]
    assert notes[("Wonka", "Massive Dynamic")] == "no lead yet: apply the rules"
    assert notes[("Tyrell", "Soylent")] == "decided under older rules"
    assert view.counts["needs_lead"] == 6


# ---------------------------------------------------------------------- bad input


def test_unknown_accounts_and_partners_are_clear_errors(ws: Workspace) -> None:
    with pytest.raises(
        OverlapError, match=r"no account of ours is 'Intech' .*did you mean 'Initech'"
    ):
        cross_partner(ws, account="Intech")
    with pytest.raises(OverlapError, match=r"no account of ours is 'Nobody Inc' \(use our CRM id"):
        cross_partner(ws, account="Nobody Inc")
    with pytest.raises(
        OverlapError,
        match=r"Wayne Enterprises \(0015g00000XP07AAA\) is one of our accounts, but no partner",
    ):
        cross_partner(ws, account="wayne enterprises")
    with pytest.raises(
        OverlapError, match=r"no partner named 'Acme' \(partners: Globex, Tyrell, Wonka\)"
    ):
        cross_partner(ws, partner="Acme")
    with pytest.raises(OverlapError, match=r"unknown flag 'red' \(use contested or needs_lead\)"):
        cross_partner(ws, flag="red")
    with pytest.raises(OverlapError, match="name the account"):
        cross_partner(ws, account="  ")
    # A partner's CRM id is not one of our accounts.
    with pytest.raises(OverlapError, match="no account of ours is 'W-100'"):
        cross_partner(ws, account="W-100")


def test_a_name_two_of_our_accounts_share_asks_for_the_crm_id(workspace: Workspace) -> None:
    globex = int(workspace.partner("Globex").id)  # type: ignore[arg-type]
    ours = add_snapshot(
        workspace,
        None,
        [
            {"external_id": "A1", "name": "Acme", "domains": "acme.io", "stage": "customer"},
            {"external_id": "A2", "name": "ACME", "domains": "acme.fr", "stage": "prospect"},
        ],
    )
    theirs = add_snapshot(
        workspace,
        globex,
        [
            {"external_id": "G1", "name": "Acme", "domains": "acme.io", "stage": "customer"},
            {"external_id": "G2", "name": "Acme FR", "domains": "acme.fr", "stage": "customer"},
        ],
    )
    add_matches(workspace, globex, ours, theirs, [("A1", "G1", "auto"), ("A2", "G2", "auto")])
    with pytest.raises(
        OverlapError, match=r"'acme' names 2 of our accounts .*use our CRM id \(A1, A2\)"
    ):
        cross_partner(workspace, account="acme")
    assert cross_partner(workspace, account="A2").accounts["name"].tolist() == ["ACME"]
    # No lead assigned yet in the partnership: both need one.
    view = cross_partner(workspace)
    assert view.accounts["needs_lead"].tolist() == [True, True]
    assert set(view.accounts["flag"]) == {"no lead yet with Globex"}


def test_an_empty_workspace_has_nothing_to_show(workspace: Workspace) -> None:
    view = cross_partner(workspace)
    assert view.accounts.empty and view.pairs.empty
    assert view.counts == {
        "partnerships": 1,
        "shared": 0,
        "several": 0,
        "contested": 0,
        "needs_lead": 0,
        "shown": 0,
    }
    assert json.loads(json.dumps(view.to_dict()))["accounts"] == []
    with pytest.raises(OverlapError, match="our accounts are not imported yet"):
        cross_partner(workspace, account="Initech")
    comparison = compare_partners(workspace)
    assert comparison.table["shared_accounts"].tolist() == [0]
    assert comparison.findings == ["Only one partnership so far (Globex): nothing to compare."]


# ---------------------------------------------------------------------- settling a lead


def test_settling_a_contested_account_and_undoing_it(ws: Workspace) -> None:
    changes = settle_lead(ws, "Initech", "tyrell", "Tyrell's team runs the Initech rollout")
    assert [(c.partner, c.lead, c.previous) for c in changes] == [
        ("Globex", "us", None),
        ("Tyrell", "partner", None),
        ("Wonka", "us", None),
    ]
    view = cross_partner(ws, account="Initech")
    row = view.accounts.iloc[0]
    assert (row["leading_partners"], row["we_lead"], bool(row["contested"])) == ("Tyrell", 2, False)
    assert view.pairs["criterion"].tolist() == ["override"] * 3
    assert view.pairs["rationale"].tolist() == [
        "We lead: set by hand — Tyrell's team runs the Initech rollout",
        "Partner leads: set by hand — Tyrell's team runs the Initech rollout",
        "We lead: set by hand — Tyrell's team runs the Initech rollout",
    ]
    assert cross_partner(ws).counts["contested"] == 1
    # The ownership step reads the same leads.
    globex = list_leads(ws, "Globex").set_index("name")
    assert (globex.loc["Initech", "lead"], bool(globex.loc["Initech", "overridden"])) == (
        "us",
        True,
    )
    # Undo: every lead as it was.
    restore_leads(ws, changes)
    assert _overrides(ws) == 0
    assert cross_partner(ws).counts["contested"] == 2


def test_settling_keeps_earlier_overrides_for_undo(ws: Workspace) -> None:
    set_override(ws, "Globex", "id:0015g00000XP03AAA", "id:7003", "us", "our exec knows them")
    changes = settle_lead(ws, "Hooli", "us", "we lead Hooli everywhere")
    assert [(c.partner, c.lead) for c in changes] == [("Globex", "us"), ("Tyrell", "us")]
    assert changes[0].previous is not None and changes[0].previous.reason == "our exec knows them"
    assert cross_partner(ws, account="Hooli").accounts["we_lead"].tolist() == [2]
    restore_leads(ws, changes)
    globex = list_leads(ws, "Globex").set_index("name")
    assert globex.loc["Hooli", "rationale"] == "We lead: set by hand — our exec knows them"
    assert _overrides(ws) == 1


def test_settling_refuses_bad_input_and_changes_nothing(ws: Workspace) -> None:
    with pytest.raises(
        OverlapError, match="'Wonka' does not share Hooli; it is shared with Globex and Tyrell"
    ):
        settle_lead(ws, "Hooli", "Wonka", "a reason")
    with pytest.raises(OverlapError, match="needs a reason"):
        settle_lead(ws, "Hooli", "Globex", "   ")
    with pytest.raises(OverlapError, match="is one of our accounts, but no partner shares it"):
        settle_lead(ws, "Massive Dynamic", "us", "a reason")
    assert _overrides(ws) == 0


# ---------------------------------------------------------------------- comparing partners


def test_partnerships_compared_and_ranked(ws: Workspace, data_dir: Path) -> None:
    import_opportunities(ws, "Globex", data_dir / "opportunities_salesforce.csv")
    for outcome, closed in (("won", "2025-03-01"), ("lost", "2025-04-01")):
        add_opportunity(
            ws, "Tyrell", "Hooli", "2025-01-01", amount=10_000, closed=closed, outcome=outcome,
            partner_involved=True,
        )  # fmt: skip
    today = date(2025, 6, 30)
    for day in ("2025-06-02", "2025-06-16"):
        log_engagement(ws, "Wonka", "sync_attended", day)
    result = compare_partners(ws, today=today)
    table = result.table.set_index("partner")
    assert result.table["partner"].tolist() == ["Tyrell", "Globex", "Wonka"]  # customers of both
    assert result.table["rank"].tolist() == [1, 2, 3]
    assert table["shared_accounts"].to_dict() == {"Tyrell": 5, "Globex": 5, "Wonka": 4}
    assert table["our_share"].to_dict() == {"Tyrell": 0.5, "Globex": 0.5, "Wonka": 0.4}
    assert table["shared_customers"].to_dict() == {"Tyrell": 2, "Globex": 1, "Wonka": 1}
    assert table["their_customers_our_prospects"].to_dict() == {
        "Tyrell": 2,
        "Globex": 3,
        "Wonka": 2,
    }
    assert table["our_customers_their_prospects"].to_dict() == {
        "Tyrell": 0,
        "Globex": 1,
        "Wonka": 0,
    }
    # No shared account has an open deal, so each is estimated from our four won deals (10k,
    # 12k, 30k, 50k): Software accounts by the three Software deals' median, 12k; the others
    # by the median of all four, 21k. Company revenue (Umbrella's $20M) is never summed.
    # Tyrell: Initech, Hooli (Software) + Soylent, Stark, Dunder Mifflin = 2 x 12k + 3 x 21k.
    # Globex: Initech, Hooli, Pied Piper + Umbrella, Stark; Wonka: Initech, Pied Piper + 2.
    assert table["potential_revenue"].to_dict() == {
        "Tyrell": 2 * 12_000 + 3 * 21_000,
        "Globex": 3 * 12_000 + 2 * 21_000,
        "Wonka": 2 * 12_000 + 2 * 21_000,
    }
    # Globex's export: co-sold Initech won 12,000, Hooli won 30,000, Stark lost.
    globex = table.loc["Globex"]
    assert (globex["co_sold_deals"], globex["co_sold_won"], globex["co_sold_lost"]) == (3, 2, 1)
    assert globex["co_sold_win_rate"] == pytest.approx(2 / 3)
    assert globex["other_win_rate"] == pytest.approx(1 / 3)
    assert globex["co_sold_average_deal"] == pytest.approx(21_000)
    assert table.loc["Tyrell", "co_sold_win_rate"] == pytest.approx(0.5)
    assert pd.isna(table.loc["Wonka", "co_sold_win_rate"])
    assert table.loc["Wonka", "engagement"] > table.loc["Globex", "engagement"] == 0
    # The same figures as the steps show for each partnership.
    for partner in ("Globex", "Tyrell", "Wonka"):
        counts = find_overlaps(ws, partner).counts
        assert table.loc[partner, "shared_accounts"] == counts["shared"]
        co = deal_metrics(list_opportunities(ws, partner)).set_index("group").loc["co-sold"]
        assert table.loc[partner, "co_sold_deals"] == co["deals"]
    assert result.findings == [
        "Most shared accounts: Tyrell and Globex (5 each).",
        "Most shared customers: Tyrell (2).",
        "Most of their customers among our prospects: Globex (3).",
        "Best co-sold win rate: Globex, 67% (2 of 3 closed co-sold deals won).",
        f"Most engaged: Wonka ({table.loc['Wonka', 'engagement']:.0f}/100).",
    ]
    by_rate = compare_partners(ws, rank_by="co_sold_win_rate", today=today)
    assert by_rate.table["partner"].tolist() == ["Globex", "Tyrell", "Wonka"]  # none last
    by_intro = compare_partners(ws, rank_by="their_customers_our_prospects", today=today)
    assert by_intro.table["partner"].tolist() == ["Globex", "Tyrell", "Wonka"]  # tie by name
    document = json.loads(json.dumps(result.to_dict()))
    assert document["rank_by"] == "shared_customers"
    assert document["partners"][2]["co_sold_win_rate"] is None
    with pytest.raises(OverlapError, match=r"unknown measure 'size' \(measures: shared_accounts"):
        compare_partners(ws, rank_by="size")


# ---------------------------------------------------------------------- the command line


def test_cli_partners_accounts_compare_and_settle(
    ws_path: Path, capsys: pytest.CaptureFixture
) -> None:
    ws = str(ws_path)
    assert cli(["partners", "accounts", ws]) == 0
    out = capsys.readouterr().out
    assert out.startswith("8 of our accounts shared with 3 partnership(s): 5 with two or more")
    # The table fits 100 columns: a long flag wraps inside its column.
    assert max(map(len, out.splitlines()[2:])) <= 100
    assert "Globex, Tyrell and Wonka all expect to lead" in " ".join(out.split())
    assert cli(["partners", "accounts", ws, "--flagged", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("name,our_external_id,domains,our_stage,partners,partner_names")
    assert [line.split(",")[0] for line in lines[1:]] == ["Initech", "Hooli"]
    assert cli(["partners", "accounts", ws, "--account", "Hooli"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Hooli (0015g00000XP03AAA), our prospect: shared with 2 partner(s)")
    assert "! Globex and Tyrell both expect to lead" in out and "Partner leads: Hooli" in out
    assert cli(["partners", "accounts", ws, "--partner", "Wonka", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [a["name"] for a in document["accounts"]][:1] == ["Initech"]
    assert [w["partner"] for w in document["accounts"][0]["with"]] == ["Globex", "Tyrell", "Wonka"]
    assert cli(["partners", "compare", ws]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Partnerships ranked by shared customers")
    assert "Most shared customers: Tyrell (2)." in out
    assert cli(["partners", "compare", ws, "--rank-by", "shared_accounts", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["partners"][0]["partner"] == "Globex"
    assert cli(["partners", "settle", ws, "--account", "Hooli", "--lead", "Globex",
                "--reason", "Globex has the champion"]) == 0  # fmt: skip
    assert capsys.readouterr().out == "Globex leads; we lead with Tyrell (2 lead(s) set by hand)\n"
    assert cli(["partners", "accounts", ws, "--flagged", "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # only Initech is left


def test_cli_bad_input_exits_2_with_one_line(ws_path: Path, capsys: pytest.CaptureFixture) -> None:
    ws = str(ws_path)
    for args, message in (
        (["partners", "accounts", ws, "--account", "Nobody"],
         "error: no account of ours is 'Nobody'"),
        (["partners", "accounts", ws, "--partner", "Acme"], "error: no partner named 'Acme'"),
        (["partners", "settle", ws, "--account", "Hooli", "--lead", "Wonka", "--reason", "x"],
         "error: 'Wonka' does not share Hooli"),
        (["partners", "compare", ws, "--today", "yesterday"], "error: --today 'yesterday' is not"),
    ):  # fmt: skip
        assert cli(args) == 2, args
        err = capsys.readouterr().err
        assert err.startswith(message) and err.count("\n") == 1, err


def test_more_than_64_partnerships_are_told_apart() -> None:
    """Sets of partnerships are bit masks of several 64-bit words past 64 partnerships."""
    from engine.program.partners import _flag_texts, _set_bit, _texts, _words

    names = [f"P{i}" for i in range(70)]
    masks = np.zeros((3, _words(len(names))), dtype=np.uint64)
    _set_bit(masks, np.array([0, 0, 2]), 1)
    _set_bit(masks, np.array([0, 1]), 66)
    _set_bit(masks, np.array([2]), 69)
    assert _texts(masks, names).tolist() == ["P1, P66", "P66", "P1, P69"]
    missing = np.zeros_like(masks)
    _set_bit(missing, np.array([1]), 68)
    stacked = np.concatenate([masks, missing, np.zeros_like(masks)], axis=1)
    assert _flag_texts(stacked, names).tolist() == [
        "P1 and P66 both expect to lead",
        "no lead yet with P68",
        "P1 and P69 both expect to lead",
    ]


def test_a_registration_that_introduces_first_settles_a_contested_account(ws: Workspace) -> None:
    """The four parts together: a deal registration decides "introduced first" for Globex, the
    rules applied again make us the lead of Hooli there, the cross-partner view no longer
    flags Hooli, and the agenda of the next sync with Globex lists the lead that changed."""
    from datetime import timedelta

    from engine import add_registration, assign, log_sync, set_sync_schedule, sync_agenda

    def hooli() -> pd.Series:
        accounts = cross_partner(ws, reasons=False).accounts
        return accounts[accounts["name"] == "Hooli"].iloc[0]

    assert bool(hooli()["contested"]) and hooli()["leading_partners"] == "Globex, Tyrell"
    today = date.today()
    set_sync_schedule(ws, "Globex", rhythm="weekly", next_date=today, time_zone="UTC")
    log_sync(ws, "Globex", today=today)
    set_rules(ws, "Globex", order=["first_touch", "relationship", "deal_stage", "product_fit"])
    ours = today - timedelta(days=200)
    add_registration(ws, "Globex", "Hooli", side="us", opportunity="Hooli rollout",
                     registered_on=ours, status="won", today=today)  # fmt: skip
    add_registration(ws, "Globex", "Hooli", side="partner", opportunity="Hooli data",
                     registered_on=today - timedelta(days=10), status="approved",
                     today=today)  # fmt: skip
    assign(ws, "Globex", today=today)

    assert not bool(hooli()["contested"]) and hooli()["leading_partners"] == "Tyrell"
    leads = sync_agenda(ws, "Globex", today=today).section("leads_changed").items
    assert [(i.title, i.detail) for i in leads] == [("Hooli", "lead Globex → Acme Corp")]
    lead = list_leads(ws, "Globex").set_index("name").loc["Hooli"]
    assert lead["lead"] == "us"
    assert f"we registered a deal for Hooli on {ours.isoformat()}" in lead["rationale"]
