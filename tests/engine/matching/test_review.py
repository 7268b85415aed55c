"""Matching in a workspace: stored links and thresholds, decisions that survive re-matching and
refreshed imports, undo, aliases, and the command line (engine/matching/review.py and
``match_partner``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from engine import (
    Cancelled,
    OverlapError,
    Workspace,
    accept_family,
    add_alias,
    decide,
    link,
    link_counts,
    list_aliases,
    list_matches,
    match_partner,
    remove_alias,
    undo_decision,
)
from engine.cli import main as cli
from engine.store.models import Snapshot
from engine.store.workspace import now
from tests.engine.conftest import Mapped, add_snapshot

# ------------------------------------------------------------------------------------ workspace


def load(ws: Workspace, side: str, rows: list[dict], file_name: str = "export.csv") -> int:
    """A snapshot of one side with these accounts (standard fields), as an import leaves it."""
    partner_id = ws.side_partner_id(side)
    snapshot = Snapshot(
        partner_id=partner_id,
        file_name=file_name,
        sha256=str(len(ws.snapshots(partner_id))),
        imported_at=now(),
        mapping_json=json.dumps({"name": "Name"}),
    )
    with ws.session() as session:
        session.add(snapshot)
        session.commit()
        session.refresh(snapshot)
    frame = pd.DataFrame(rows)
    frame.insert(0, "row_number", range(2, len(frame) + 2))
    with ws.transaction() as connection:
        Workspace.store_accounts(connection, snapshot.id, frame)
    assert snapshot.id is not None
    return snapshot.id


OURS = [
    {"external_id": "A1", "name": "Acme Inc", "domains": "acme.com"},
    {"external_id": "A2", "name": "Zorvane Logistics", "domains": ""},
    {"external_id": "A3", "name": "Velmira Foods", "domains": ""},
    {"external_id": "A4", "name": "Quintaro", "domains": ""},
]
THEIRS = [
    {"external_id": "P1", "name": "ACME Corporation", "domains": "acme.com"},
    {"external_id": "P2", "name": "Zorvane Logistic Services", "domains": ""},
    {"external_id": "P3", "name": "Velmira Foods LLC", "domains": ""},
    {"external_id": "P4", "name": "Drexalon", "domains": ""},
]


def statuses(ws: Workspace) -> dict[tuple[str, str], str]:
    frame = list_matches(ws, "Globex")
    return {
        (o, p): s
        for o, p, s in zip(frame["our_id"], frame["partner_id"], frame["status"], strict=True)
    }


def test_match_partner_stores_links_and_thresholds(workspace: Workspace) -> None:
    load(workspace, "us", OURS)
    load(workspace, "Globex", THEIRS)
    summary = match_partner(workspace, "Globex", auto=95, review=60)
    assert summary.shared == 2 and summary.review == 1
    assert summary.counts["domain"] == {"auto": 1}
    assert any("domain" in line for line in summary.lines())
    frame = list_matches(workspace, "Globex")
    assert list(frame.columns) == [
        "match_id",
        "our_account_id",
        "our_id",
        "our_name",
        "our_domains",
        "partner_account_id",
        "partner_id",
        "partner_name",
        "partner_domains",
        "method",
        "score",
        "status",
        "explanation",
    ]
    assert statuses(workspace) == {
        ("A1", "P1"): "auto",
        ("A2", "P2"): "review",
        ("A3", "P3"): "auto",
    }
    partner = workspace.partner("Globex")
    assert (partner.auto_threshold, partner.review_threshold) == (95, 60)
    # Stored thresholds apply when none are given; re-matching replaces the rows.
    match_partner(workspace, "Globex")
    assert len(list_matches(workspace, "Globex")) == 3
    assert len(list_matches(workspace, "Globex", status="review")) == 1


def test_decisions_survive_rematching_and_a_refreshed_import(workspace: Workspace) -> None:
    load(workspace, "us", OURS)
    load(workspace, "Globex", THEIRS)
    match_partner(workspace, "Globex", auto=95, review=60)
    frame = list_matches(workspace, "Globex")
    ids = {
        (o, p): m
        for o, p, m in zip(frame["our_id"], frame["partner_id"], frame["match_id"], strict=True)
    }
    decide(workspace, "Globex", ids[("A2", "P2")], "accept", reason="same company, checked")
    decide(workspace, "Globex", ids[("A3", "P3")], "reject", reason="different Velmira")
    link(workspace, "Globex", "A4", "P4", reason="Quintaro bought Drexalon")
    expected = {
        ("A1", "P1"): "auto",
        ("A2", "P2"): "accepted",
        ("A3", "P3"): "rejected",
        ("A4", "P4"): "manual",
    }
    assert statuses(workspace) == expected
    summary = match_partner(workspace, "Globex")
    assert summary.decisions_applied == 3
    assert statuses(workspace) == expected
    # A refreshed partner export: new snapshot, same CRM ids, one name respelled.
    refreshed = [dict(row) for row in THEIRS]
    refreshed[1]["name"] = "Zorvane Logistics Services Inc"
    load(workspace, "Globex", refreshed, file_name="export-march.csv")
    match_partner(workspace, "Globex")
    assert statuses(workspace) == expected


def test_decide_and_link_can_be_undone(workspace: Workspace) -> None:
    load(workspace, "us", OURS)
    load(workspace, "Globex", THEIRS)
    match_partner(workspace, "Globex", auto=95, review=60)
    frame = list_matches(workspace, "Globex", status="review")
    match_id = int(frame["match_id"].iloc[0])
    done = decide(workspace, "Globex", match_id, "reject")
    assert (done.previous_status, done.new_status) == ("review", "rejected")
    undo_decision(workspace, done)
    assert list_matches(workspace, "Globex", status="review")["match_id"].tolist() == [match_id]
    match_partner(workspace, "Globex")
    assert len(list_matches(workspace, "Globex", status="review")) == 1  # the decision is gone too
    made = link(workspace, "Globex", "A4", "P4")
    assert made.previous_status is None
    undo_decision(workspace, made)
    assert ("A4", "P4") not in statuses(workspace)
    with pytest.raises(OverlapError, match="no match"):
        decide(workspace, "Globex", 99_999, "accept")
    with pytest.raises(OverlapError, match="unknown decision"):
        decide(workspace, "Globex", match_id, "maybe")
    with pytest.raises(OverlapError, match="no account"):
        link(workspace, "Globex", "A404", "P1")


def test_matching_needs_both_sides(workspace: Workspace) -> None:
    with pytest.raises(OverlapError, match="no imported accounts"):
        match_partner(workspace, "Globex")


def test_cancelled_matching_writes_nothing(workspace: Workspace) -> None:
    load(workspace, "us", OURS)
    load(workspace, "Globex", THEIRS)
    match_partner(workspace, "Globex")
    before = list_matches(workspace, "Globex")
    with pytest.raises(Cancelled):
        match_partner(workspace, "Globex", auto=99, review=10, cancel=lambda: True)
    pd.testing.assert_frame_equal(list_matches(workspace, "Globex"), before)
    assert workspace.partner("Globex").auto_threshold == 92


def test_aliases(workspace: Workspace) -> None:
    load(workspace, "us", [{"external_id": "A1", "name": "Block", "domains": "block.xyz"}])
    load(workspace, "Globex", [{"external_id": "P1", "name": "Square", "domains": "squareup.com"}])
    add_alias(workspace, "https://www.SquareUp.com/us", "block.xyz")
    assert list_aliases(workspace)[["domain", "other_domain"]].values.tolist() == [
        ["block.xyz", "squareup.com"]
    ]
    with pytest.raises(OverlapError, match="already"):
        add_alias(workspace, "block.xyz", "squareup.com")
    with pytest.raises(OverlapError, match="generic"):
        add_alias(workspace, "gmail.com", "block.xyz")
    summary = match_partner(workspace, "Globex")
    assert summary.counts == {"alias": {"auto": 1}}
    remove_alias(workspace, "squareup.com", "block.xyz")
    assert list_aliases(workspace).empty
    assert match_partner(workspace, "Globex").shared == 0


# ------------------------------------------------------------------------------------ command line


def test_cli_match_matches_review_alias(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "acme.overlap"
    with Workspace.create(path, "Acme Corp", ["acme.com"]) as ws:
        ws.add_partner("Globex")
        load(ws, "us", OURS)
        load(ws, "Globex", THEIRS)
    assert cli(["match", str(path), "--partner", "Globex", "--auto", "95", "--review", "60"]) == 0
    out = capsys.readouterr().out
    assert "2 shared, 1 to review" in out and "domain" in out
    assert (
        cli(["matches", str(path), "--partner", "Globex", "--status", "review", "--format", "json"])
        == 0
    )
    listed = json.loads(capsys.readouterr().out)
    assert [(m["our_id"], m["partner_id"]) for m in listed] == [("A2", "P2")]
    assert (
        cli(["review", str(path), "--partner", "Globex", "--accept", str(listed[0]["match_id"])])
        == 0
    )
    assert "review -> accepted" in capsys.readouterr().out
    assert (
        cli(
            ["review", str(path), "--partner", "Globex", "--link", "A4", "P4", "--reason", "merger"]
        )
        == 0
    )
    assert cli(["alias", "add", str(path), "squareup.com", "block.xyz"]) == 0
    assert cli(["alias", "add", str(path), "squareup.com", "block.xyz"]) == 2
    assert "already" in capsys.readouterr().err
    assert cli(["matches", str(path), "--partner", "Globex", "--format", "csv"]) == 0
    assert "manual" in capsys.readouterr().out


def test_cli_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("engine.importing")
    ours = tmp_path / "ours.csv"
    theirs = tmp_path / "partner.csv"
    ours.write_text(
        "Account ID,Account Name,Website\nA1,Acme Inc,https://www.acme.com\nA2,Zorvane Logistics,\n"
        "A3,Velmira Foods,\n",
        encoding="utf-8",
    )
    theirs.write_text(
        "Company name,Company Domain Name\nACME Corporation,acme.com\n"
        "Velmira Foods LLC,\nDrexalon,\n",
        encoding="utf-8",
    )
    out = tmp_path / "links.csv"
    assert cli(["map", str(ours), str(theirs), "--out", str(out)]) == 0
    links = pd.read_csv(out, dtype=str)
    assert list(links.columns) == [
        "our_id",
        "our_name",
        "partner_id",
        "partner_name",
        "method",
        "score",
        "status",
        "explanation",
    ]
    assert links[["our_id", "partner_id", "method", "status"]].values.tolist() == [
        ["A1", "2", "domain", "auto"],
        ["A3", "3", "name", "auto"],
    ]
    assert cli(["map", str(tmp_path / "missing.csv"), str(theirs), "--out", str(out)]) == 2


def test_map_defuses_names_a_spreadsheet_would_run_as_formulas(tmp_path: Path) -> None:
    ours = tmp_path / "ours.csv"
    theirs = tmp_path / "partner.csv"
    # A CRM lets anyone type a company name; these open as formulas in Excel unless defused.
    ours.write_text(
        'Account ID,Account Name,Website\n=1+2,"=HYPERLINK(""http://x.example"",""Acme"")",'
        "acme.com\n@A2,-Globex,globex.com\n",
        encoding="utf-8",
    )
    theirs.write_text(
        "Record ID,Company name,Company Domain Name\n"
        "+77,+Acme Corp,acme.com\n78,Globex,globex.com\n",
        encoding="utf-8",
    )
    out = tmp_path / "links.csv"
    assert cli(["map", str(ours), str(theirs), "--out", str(out)]) == 0
    links = pd.read_csv(out, dtype=str)
    assert links[["our_id", "our_name", "partner_id", "partner_name"]].values.tolist() == [
        ["'=1+2", '\'=HYPERLINK("http://x.example","Acme")', "'+77", "'+Acme Corp"],
        ["'@A2", "'-Globex", "78", "Globex"],
    ]
    assert links["score"].tolist() == ["100", "100"]


def test_a_list_of_web_domains_is_matched_by_domain_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = tmp_path / "ours.csv"
    theirs = tmp_path / "domains.csv"
    ours.write_text(
        "Account ID,Account Name,Website\nA1,Acme Inc,https://www.acme.com\n"
        "A2,Globex Corporation,globex.com\nA3,Initech,\n",
        encoding="utf-8",
    )
    # The partner shares domains only: "initech.io" names an account no name can reach.
    theirs.write_text(
        "Record ID,Company Domain Name\n901,acme.com\n902,initech.io\n903,GLOBEX.COM\n",
        encoding="utf-8",
    )
    out = tmp_path / "links.csv"
    assert cli(["map", str(ours), str(theirs), "--out", str(out)]) == 0
    links = pd.read_csv(out, dtype=str)
    assert links[["our_id", "partner_id", "partner_name", "method"]].values.tolist() == [
        ["A1", "901", "acme.com", "domain"],
        ["A2", "903", "globex.com", "domain"],
    ]
    assert links["explanation"].tolist() == ["same domain acme.com", "same domain globex.com"]


def test_a_partner_sharing_domains_only_is_matched_without_names(workspace, tmp_path: Path) -> None:
    from engine import import_file

    ours = tmp_path / "ours.csv"
    ours.write_text(
        "Account ID,Account Name,Website\nA1,Acme Inc,acme.com\nA2,initech.io,\n",
        encoding="utf-8",
    )
    theirs = tmp_path / "domains.csv"
    theirs.write_text("Record ID,Website URL\n901,https://acme.com/\n902,initech.io\n")
    import_file(workspace, "us", ours)
    import_file(workspace, "Globex", theirs)
    summary = match_partner(workspace, "Globex")
    # Our A2 is *named* "initech.io" but has no website: with no partner names to compare,
    # only the shared domain links.
    assert list_matches(workspace, "Globex")[
        ["our_id", "partner_id", "method"]
    ].values.tolist() == [["A1", "901", "domain"]]
    assert "names were not compared: one side gave web domains only" in summary.notes


def test_accept_family_accepts_all_and_survives_rematching(workspace: Workspace) -> None:
    funds = ["Municipal Income Trust", "Growth Fund", "High Yield Fund", "Value Fund"]
    load(
        workspace,
        "us",
        [{"external_id": "A1", "name": "Harbor Capital", "domains": "harborcap.com"}],
    )
    load(
        workspace,
        "Globex",
        [
            {"external_id": "P0", "name": "Harbor Capital LLC", "domains": "harborcap.com"},
            *(
                {"external_id": f"P{i}", "name": f"Harbor Capital {f}", "domains": "harborcap.com"}
                for i, f in enumerate(funds, start=1)
            ),
        ],
    )
    match_partner(workspace, "Globex")
    before = statuses(workspace)
    assert before == {("A1", "P0"): "auto", **{("A1", f"P{i}"): "review" for i in range(1, 5)}}
    with pytest.raises(OverlapError, match="no link"):
        accept_family(workspace, "Globex", "other.com")
    done = accept_family(workspace, "Globex", "https://www.HarborCap.com/", reason="parent view")
    assert len(done) == 4
    expected = {("A1", "P0"): "auto", **{("A1", f"P{i}"): "accepted" for i in range(1, 5)}}
    assert statuses(workspace) == expected
    summary = match_partner(workspace, "Globex")
    assert summary.decisions_applied == 4
    assert statuses(workspace) == expected


def test_cli_accept_family(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "acme.overlap"
    with Workspace.create(path, "Acme Corp", ["acme.com"]) as ws:
        ws.add_partner("Globex")
        load(
            ws, "us", [{"external_id": "A1", "name": "Harbor Capital", "domains": "harborcap.com"}]
        )
        load(
            ws,
            "Globex",
            [
                {
                    "external_id": "P1",
                    "name": "Harbor Capital Growth Fund",
                    "domains": "harborcap.com",
                },
                {
                    "external_id": "P2",
                    "name": "Harbor Capital Value Fund",
                    "domains": "harborcap.com",
                },
            ],
        )
    assert cli(["match", str(path), "--partner", "Globex"]) == 0
    args = ["review", str(path), "--partner", "Globex", "--accept-family", "harborcap.com"]
    assert cli([*args, "--reason", "parent view"]) == 0
    assert "2 link(s) of the harborcap.com family accepted" in capsys.readouterr().out


def test_link_counts_are_the_overlaps_shared_pairs(mapped: Mapped) -> None:
    """The Match page, its review queue and the status bar count from ``link_counts``; its
    shared pairs are the Overlaps step's shared accounts, and links to an earlier list are not
    counted once a new list is imported."""
    from engine.overlaps import find_overlaps

    counts = link_counts(mapped.ws, "Globex")
    assert (counts["shared"], counts["review"], counts["rejected"]) == (6, 1, 1)
    assert counts["shared"] == find_overlaps(mapped.ws, "Globex").counts["shared"]
    # The partner sends a new list: the old links wait for the next matching, uncounted.
    add_snapshot(mapped.ws, mapped.partner_id, [dict(external_id="G1", name="Initech Inc")])
    assert link_counts(mapped.ws, "Globex")["shared"] == 0
    assert find_overlaps(mapped.ws, "Globex").counts["shared"] == 0
