"""Plan files between two workspaces built from CRM exports: each plan is placed by the
receiver's own CRM id (whether or not its matcher linked the account), one nothing places is
kept as unplaced and attached later, edits come back, and both sides see one plan reference.

Acme imports its Salesforce report and Globex's HubSpot export; Globex imports its own export
and an older copy of Acme's in which Hooli had no website and another name, so Globex's matcher
does not link Hooli. Acme's copy of Globex's export still holds a record Globex has since
deleted (7007, Wayne Enterprises): Acme's plan for it names nothing Globex holds.
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from engine import (
    OverlapError,
    Workspace,
    add_metric,
    add_role,
    add_step,
    assign,
    create_plans_for_shortlist,
    egress_ledger,
    export_share,
    import_file,
    import_plan_file,
    list_plans,
    match_partner,
    place_unplaced,
    plan_detail,
    read_plan_file,
    record_agreement,
    set_share_policy,
    set_step_done,
    unplaced_plans,
)
from engine.cli import main
from engine.sharing.policy import DEFAULT_FIELDS
from engine.sharing.untrusted import canonical

DATA = Path(__file__).resolve().parents[2] / "data"


def _rewrite(source: Path, target: Path, change) -> Path:  # type: ignore[no-untyped-def]
    """A copy of a CRM export with some rows changed (``change`` edits a row dict in place)."""
    text = source.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(text.splitlines()))
    header = list(rows[0])
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, quoting=csv.QUOTE_MINIMAL)
        writer.writeheader()
        for row in rows:
            footer = row[header[0]].startswith(("Grand Totals", "Conf"))
            if row.get(header[0]) and not footer and change(row) is not False:
                writer.writerow(row)
    return target


@pytest.fixture
def laptops(tmp_path: Path):
    """(acme, globex): two workspaces, each with its own export and its copy of the other's."""
    globex_copy = tmp_path / "globex_as_acme_holds_it.csv"
    with open(globex_copy, "w", encoding="utf-8", newline="") as handle:
        handle.write((DATA / "crosspartner_globex.csv").read_text(encoding="utf-8-sig"))
        handle.write("7007,Wayne Enterprises,wayne.com,,customer,,Gina P.\n")

    def older_hooli(row: dict[str, str]) -> None:
        if row["Account Name"] == "Hooli":
            row["Account Name"], row["Website"] = "HLI Holdings", ""

    acme_copy = _rewrite(DATA / "crosspartner_acme.csv", tmp_path / "acme_old.csv", older_hooli)
    acme = Workspace.create(tmp_path / "acme.overlap", "Acme Corp", ["acme.com"])
    import_file(acme, "us", DATA / "crosspartner_acme.csv")
    acme.add_partner("Globex")
    import_file(acme, "Globex", globex_copy)
    match_partner(acme, "Globex")
    assign(acme, "Globex")
    globex = Workspace.create(tmp_path / "globex.overlap", "Globex", ["globex.com"])
    import_file(globex, "us", DATA / "crosspartner_globex.csv")
    globex.add_partner("Acme Corp")
    import_file(globex, "Acme Corp", acme_copy)
    match_partner(globex, "Acme Corp")
    assign(globex, "Acme Corp")
    yield acme, globex
    acme.close()
    globex.close()


def _plan_of(ws: Workspace, partner: str, account: str) -> int:
    plans = list_plans(ws, partner)
    return int(plans.loc[plans["account_name"] == account, "id"].iloc[0])


def _refs(ws: Workspace, partner: str) -> dict[str, str]:
    plans = list_plans(ws, partner)
    return dict(zip(plans["account_name"], plans["ref"], strict=True))


def test_plan_files_arrive_whole_between_two_laptops(laptops, tmp_path: Path, capsys) -> None:
    acme, globex = laptops
    # Globex's matcher did not link Hooli: it is not among Globex's shared accounts.
    shared_on_globex = globex.read_frame(
        "SELECT count(*) AS n FROM match WHERE status IN ('auto', 'accepted', 'manual')"
    )["n"].iloc[0]
    assert shared_on_globex == 4  # Initech, Umbrella, Stark, Pied Piper
    set_share_policy(acme, "Globex", fields=[*DEFAULT_FIELDS, "stage"])
    create_plans_for_shortlist(acme, "Globex", 20)
    hooli = _plan_of(acme, "Globex", "Hooli")
    add_role(acme, hooli, "us", "Jane Doe", "AE", "Owns the deal")
    add_role(acme, hooli, "partner", "Ivy M.", "CSM", "Introduces us")
    add_step(acme, hooli, "Ask Ivy for an introduction", "partner", "Ivy M.", "2099-01-15")
    add_step(acme, hooli, "Discovery call", "us", "Jane Doe", "2099-02-01")
    add_metric(acme, hooli, "Pipeline", 250000, None, "USD")
    refs = _refs(acme, "Globex")
    assert all(ref.startswith("P-") for ref in refs.values())

    out = tmp_path / "acme.overlap-plan"
    export_share(acme, "Globex", out)
    document = read_plan_file(out)
    item = next(p for p in document.plans if p["account_name"] == "Hooli")
    assert (item["sender_crm_id"], item["recipient_crm_id"]) == ("0015g00000XP03AAA", "7003")
    assert item["plan_ref"] == refs["Hooli"]

    result = import_plan_file(globex, "Acme Corp", out)
    assert result.plans_in_file == 6 and result.created == 5
    # Wayne Enterprises names nothing Globex holds: listed by name, with the reason, kept.
    assert result.unplaced == [
        {
            "account": "Wayne Enterprises",
            "reason": "our CRM id of the account is not in our current export",
        }
    ]
    kept = unplaced_plans(globex, "Acme Corp")
    assert list(kept["account"]) == ["Wayne Enterprises"]
    assert kept["plan_ref"].iloc[0] == refs["Wayne Enterprises"]

    # Hooli is placed by Globex's own CRM id, with everything the plan carries, in Globex's words.
    theirs = plan_detail(globex, _plan_of(globex, "Acme Corp", "Hooli"))
    assert theirs.plan.ref == refs["Hooli"]
    assert theirs.plan.our_key == "id:7003" and theirs.plan.partner_key == "id:0015g00000XP03AAA"
    assert theirs.plan.objective == "Pilot: Our customer, their prospect: offer an introduction"
    assert theirs.plan.objective_kind == "customer:prospect"
    assert sorted(zip(theirs.roles["party"], theirs.roles["person"], strict=True)) == [
        ("partner", "Jane Doe"),
        ("us", "Ivy M."),
    ]
    owners = dict(zip(theirs.steps["what"], theirs.steps["owner_party"], strict=True))
    assert (owners["Ask Ivy for an introduction"], owners["Discovery call"]) == ("us", "partner")
    assert theirs.metrics[["name", "target", "unit"]].values.tolist() == [
        ["Pipeline", 250000.0, "USD"]
    ]
    mine = plan_detail(acme, hooli)
    assert mine.plan.objective == "Pilot: Their customer, our prospect: ask for an introduction"

    # Later, Globex's user attaches the kept plan to one of its accounts, by CRM id.
    with pytest.raises(OverlapError, match="no account in our current export"):
        place_unplaced(globex, "Acme Corp", int(kept["id"].iloc[0]), "9999")
    globex_path = globex.path
    globex.close()
    assert main(["plan-file", "unplaced", str(globex_path), "--partner", "Acme Corp"]) == 0
    assert "Wayne Enterprises" in capsys.readouterr().out
    place = ["plan-file", "place", str(globex_path), str(int(kept["id"].iloc[0]))]
    assert main([*place, "--partner", "Acme Corp", "--account", "7006"]) == 0
    assert "attached to account 7006 (a new plan)" in capsys.readouterr().out
    assert main([*place, "--partner", "Acme Corp", "--account", "7006"]) == 2
    assert "attached already" in capsys.readouterr().err
    globex = Workspace.open(globex_path)
    try:
        assert unplaced_plans(globex, "Acme Corp").empty
        wayne = list_plans(globex, "Acme Corp").set_index("account_name").loc["Cyberdyne Systems"]
        assert wayne["ref"] == refs["Wayne Enterprises"]

        # Globex edits Hooli's plan and sends it back.
        theirs = plan_detail(globex, _plan_of(globex, "Acme Corp", "Hooli"))
        intro = theirs.steps.loc[theirs.steps["what"] == "Ask Ivy for an introduction", "id"]
        set_step_done(globex, int(intro.iloc[0]))
        add_step(globex, int(theirs.plan.id), "Joint demo", "us", "Ivy M.", "2099-03-01")
        record_agreement(globex, "Acme Corp", none=True)
        back = tmp_path / "globex.overlap-plan"
        export_share(globex, "Acme Corp", back)
        assert egress_ledger(globex, "Acme Corp")["agreement"].iloc[-1].startswith("none")
    finally:
        globex.close()

    merged = import_plan_file(acme, "Globex", back)
    assert merged.unplaced == [] and merged.created == 0 and merged.conflicts == []
    steps = plan_detail(acme, hooli).steps.set_index("what")
    assert bool(steps.loc["Ask Ivy for an introduction", "done"])
    assert steps.loc["Joint demo", "owner_party"] == "partner"
    # One reference on both sides, for every plan.
    assert _refs(acme, "Globex") == refs


def test_a_plan_is_placed_by_domain_or_name_only_when_no_id_places_it(laptops, tmp_path) -> None:
    acme, globex = laptops
    create_plans_for_shortlist(acme, "Globex", 20)
    out = tmp_path / "acme.overlap-plan"
    export_share(acme, "Globex", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    for item in data["content"]["plans"]:
        if item["account_name"] == "Stark Industries":
            # As a sender whose copy of our export had no CRM ids would name it.
            item["your_key"] = "nd:stark|stark.com"
            del item["recipient_crm_id"]
    data["content_sha256"] = hashlib.sha256(canonical(data["content"])).hexdigest()
    out.write_text(json.dumps(data), encoding="utf-8")
    result = import_plan_file(globex, "Acme Corp", out)
    assert {"account": "Stark", "how": "domain"} in result.placed
    assert "Stark" in set(list_plans(globex, "Acme Corp")["account_name"])
