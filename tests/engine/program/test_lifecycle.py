"""Running the partner program: the model drives the leads and the plan templates, our ARR stage
gives advice where a decision is made, enablement, the lifecycle checklist, disputes that
change a lead, each side's acceptance of the rules; on the demo and from the command line."""

from __future__ import annotations

import contextlib
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from engine.cli import main as cli
from engine.demo import build_demo
from engine.errors import OverlapError
from engine.overrides import disputes, open_dispute, resolve_dispute
from engine.ownership import assign, list_leads
from engine.plans import create_plans_for_shortlist, delete_plan, plan_detail
from engine.program.enablement import add_enablement, enablement_counts, remove_enablement
from engine.program.lifecycle import accept_rules, acceptances, checklist, set_partner
from engine.program.metrics import engagement_log, engagement_score
from engine.program.partnership import (
    CO_SELL_GUIDANCE,
    arr_stage,
    co_sell_fit,
    partner_count_advice,
    set_arr_stage,
)
from engine.sharing.policy import share_preview
from engine.store.clock import today as local_today
from engine.store.workspace import Workspace
from tests.engine.conftest import Mapped


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli([*args])
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------- on the demo


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.overlap")


def test_on_the_demo_the_model_decides_the_leads(demo_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo.overlap"
    path.write_bytes(demo_path.read_bytes())
    ws_arg = str(path)
    # Reseller: the partner leads every shared account, and each rationale says why.
    code, out, _err = _run("partner", "set", ws_arg, "Northwind", "--model", "reseller")
    assert code == 0 and "model referral -> reseller" in out
    assert _run("assign", ws_arg, "--partner", "Northwind")[0] == 0
    with Workspace.open(path) as ws:
        leads = list_leads(ws, "Northwind")
        assert len(leads) > 100
        assert (leads["lead"] == "partner").all()
        assert leads["rule_rationale"].str.contains("Northwind is a reseller").all()
    # Referral: we lead every shared account; the one dispute settled in Northwind's favour
    # stays an override (overrides outlive re-assignment), the rules give it to us as well.
    assert _run("partner", "set", ws_arg, "Northwind", "--model", "referral")[0] == 0
    assert _run("assign", ws_arg, "--partner", "Northwind")[0] == 0
    with Workspace.open(path) as ws:
        leads = list_leads(ws, "Northwind")
        assert (leads["rule_lead"] == "us").all()
        assert leads["rule_rationale"].str.contains("Northwind is a referral partner").all()
        assert (leads.loc[~leads["overridden"], "lead"] == "us").all()
        assert leads["overridden"].sum() == 1
        # Co-sell: the rules decide account by account again.
        set_partner(ws, "Northwind", model="co-sell")
        assign(ws, "Northwind")
        leads = list_leads(ws, "Northwind")
        assert set(leads["rule_lead"]) == {"us", "partner"}
        assert not leads["rule_rationale"].str.contains("partnership model").any()


def test_on_the_demo_a_resolved_dispute_and_a_missed_sync(demo_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "demo.overlap"
    path.write_bytes(demo_path.read_bytes())
    with Workspace.open(path) as ws:
        settled = disputes(ws, "Northwind")
        assert settled["resolution"].iloc[0] == "Northwind leads this one by exception"
        leads = list_leads(ws, "Globex")
        row = leads[leads["lead"] == "us"].iloc[0]
        before = engagement_score(ws, "Northwind")
    # A dispute resolved with a lead: that side leads now, the reason is the dispute.
    code, out, _err = _run(
        "dispute", "open", str(path), "--partner", "Globex", "--account", str(row["our_id"]),
        "--note", "Globex first met the buyer",
    )  # fmt: skip
    assert code == 0
    with Workspace.open(path) as ws:
        opened = int(disputes(ws, "Globex", open_only=True)["id"].iloc[0])
    code, out, _err = _run(
        "dispute", "resolve", str(path), str(opened), "--lead", "partner",
        "--resolution", "Globex leads, we support",
    )  # fmt: skip
    assert code == 0 and "the partner leads the account now" in out
    with Workspace.open(path) as ws:
        leads = list_leads(ws, "Globex").set_index("our_key")
        assert leads.loc[row["our_key"], "lead"] == "partner"
        assert f"dispute {opened} (Globex first met the buyer)" in str(
            leads.loc[row["our_key"], "rationale"]
        )
        assign(ws, "Globex")  # the lead holds when the rules are applied again
        assert list_leads(ws, "Globex").set_index("our_key").loc[row["our_key"], "lead"] == (
            "partner"
        )
    # A missed sync, logged with its day: stored on that day, and the score falls.
    day = local_today() - timedelta(days=3)
    code, out, _err = _run(
        "sync", "log", str(path), "--partner", "Northwind", "--missed", "--date", day.isoformat()
    )
    assert code == 0, _err
    with Workspace.open(path) as ws:
        log = engagement_log(ws, "Northwind")
        assert log[log["note"] == "missed"]["at"].tolist() == [day.isoformat()]
        after = engagement_score(ws, "Northwind")
    assert after.calls_scheduled == before.calls_scheduled + 1
    assert after.score < before.score and after.last_contact == before.last_contact


def test_the_demo_runs_its_program(demo_path: Path) -> None:
    with Workspace.open(demo_path) as ws:
        assert arr_stage(ws) == "startup"
        globex = checklist(ws, "Globex")
        assert globex.stage == "grow"
        done = {i.key: i.done for i in globex.items}
        assert done["rules"] and done["session"] and done["trained"] and done["materials"]
        assert globex.next_text().startswith(("To move to mature", "Ready to move to mature"))
        northwind = checklist(ws, "Northwind")
        assert northwind.stage == "onboard" and northwind.model == "referral"


# ---------------------------------------------------------------------- plan templates


def test_plans_from_the_shortlist_follow_the_model(mapped: Mapped) -> None:
    ws = mapped.ws
    set_partner(ws, "Globex", model="referral")
    assign(ws, "Globex")
    created = create_plans_for_shortlist(ws, "Globex", 20)
    steps = plan_detail(ws, int(created[0].id)).steps  # type: ignore[arg-type]
    assert steps["what"].tolist()[1] == "Introduction call: partner introduces us, then hands off"
    assert steps["owner_party"].tolist() == ["partner", "partner", "us", "us"]
    due = sorted(steps["due_date"].tolist())
    assert date.fromisoformat(due[0]) > local_today() - timedelta(days=2)
    # A reseller partnership: the deal-support plan, and its deals must be registered.
    for plan in created:
        delete_plan(ws, int(plan.id))  # type: ignore[arg-type]
    set_partner(ws, "Globex", model="reseller")
    created = create_plans_for_shortlist(ws, "Globex", 20)
    steps = plan_detail(ws, int(created[0].id)).steps  # type: ignore[arg-type]
    assert steps["what"].iloc[0] == "Reseller registers the deal"
    item = {i.key: i for i in checklist(ws, "Globex").items}["reseller_registered"]
    assert not item.done and item.detail == f"{len(created)} open plan(s) without a registration"


def test_the_exported_plan_carries_the_models_seven_aspects(mapped: Mapped) -> None:
    ws = mapped.ws
    set_partner(ws, "Globex", model="referral")
    lines = dict(share_preview(ws, "Globex").summary_lines())
    assert lines["Model"] == "referral"
    assert lines["Who negotiates"] == "We do, directly with the customer."
    assert lines["Who owns the customer"] == "We do."
    assert lines["How the partner is paid"].startswith("A commission")
    assert len([k for k in lines if k.startswith(("Who", "How"))]) == 7


# ---------------------------------------------------------------------- ARR stage advice


def test_a_fourth_co_sell_partner_at_the_startup_stage_warns(workspace: Workspace) -> None:
    ws_arg = str(workspace.path)
    for name in ("Initech", "Hooli"):
        workspace.add_partner(name, model="co-sell")
    workspace.close()
    code, out, _err = _run("partner", "add", ws_arg, "Tyrell")
    assert code == 0 and "!" not in out  # no stage recorded: nothing to advise on
    code, out, _err = _run("company", "set", ws_arg, "--arr-stage", "startup")
    assert code == 0 and "$1-10M ARR: limited co-selling" in out
    code, out, _err = _run("partner", "add", ws_arg, "Wonka", "--model", "referral")
    assert "!" not in out  # a referral partner is no co-selling
    code, out, _err = _run("partner", "add", ws_arg, "Stark")
    assert out.splitlines()[1] == (
        "! 5 co-sell partners at $1-10M ARR: the guide advises limited co-selling, tested with "
        "two or three partners already selling to your market, until it works."
    )
    with Workspace.open(ws_arg) as ws:
        change = set_partner(ws, "Wonka", model="co-sell")
        assert change.advice is not None and change.advice.startswith("6 co-sell partners")
        with pytest.raises(OverlapError, match="unknown ARR stage 'huge'"):
            set_arr_stage(ws, "huge")
    assert partner_count_advice("startup", 3) is None
    # One source: the guidance lists the stage advice, and the old $1-5M figure is gone.
    assert any(line.startswith("$1-10M ARR: limited co-selling") for line in CO_SELL_GUIDANCE)
    assert not [line for line in CO_SELL_GUIDANCE if "1-5M" in line]
    assert co_sell_fit(20_000_000)[0].startswith("$10-100M ARR: build the processes")


def test_a_scaleup_partnership_without_territories_or_registration_rules(
    mapped: Mapped,
) -> None:
    ws = mapped.ws
    set_arr_stage(ws, "scaleup")
    advice = checklist(ws, "Globex").advice
    assert advice[0].startswith("$10-100M ARR: build the processes")
    assert "At $10-100M ARR: territories defined is missing." in advice
    assert "At $10-100M ARR: deal registration rules set is missing." in advice
    assert "At $10-100M ARR: enablement session held is missing." in advice
    ws.close()
    code, out, _err = _run("partner", "show", str(ws.path), "Globex")
    assert code == 0 and "[ ] Territories defined" in out
    assert "territories defined is missing" in out


# ---------------------------------------------------------------------- enablement, lifecycle


def test_enablement_feeds_the_score_and_the_checklist(mapped: Mapped) -> None:
    ws = mapped.ws
    day = local_today() - timedelta(days=5)
    before = engagement_score(ws, "Globex")
    session = add_enablement(ws, "Globex", "session", "Joint pitch", on=day)
    after = engagement_score(ws, "Globex")
    assert before.recency == 0 and after.recency == 30.0
    assert after.last_contact == day.isoformat()
    add_enablement(ws, "Globex", "certified", "Admin course", side="partner", people=3, on=day)
    counts = enablement_counts(ws, "Globex")
    assert (counts.sessions, counts.certified_partner, counts.trained_us) == (1, 3, 0)
    done = {i.key: i.done for i in checklist(ws, "Globex").items}
    assert done["session"] and not done["trained"]  # nobody of ours yet
    with pytest.raises(OverlapError, match="whose people were trained"):
        add_enablement(ws, "Globex", "trained", "Basics", people=2)
    with pytest.raises(OverlapError, match="how many people were certified"):
        add_enablement(ws, "Globex", "certified", "Basics", side="us")
    with pytest.raises(OverlapError, match="the kind is one of"):
        add_enablement(ws, "Globex", "webinar", "Basics")
    with pytest.raises(OverlapError, match="is in the future"):
        add_enablement(ws, "Globex", "material", "Deck", on=local_today() + timedelta(days=1))
    remove_enablement(ws, int(session.id))  # type: ignore[arg-type]
    assert engagement_log(ws, "Globex").empty
    ws.close()
    code, out, _err = _run(
        "enablement", "add", str(ws.path), "--partner", "Globex", "--kind", "trained",
        "--title", "Globex basics", "--side", "us", "--people", "4",
    )  # fmt: skip
    assert code == 0 and "trained: 4 of ours, 0 of theirs; certified: 0 of ours, 3 of theirs" in out
    code, out, _err = _run("enablement", "list", str(ws.path), "--partner", "Globex")
    assert "Globex basics" in out and "Admin course" in out


def test_lifecycle_stage_and_what_moves_it_on(mapped: Mapped) -> None:
    ws = mapped.ws
    first = checklist(ws, "Globex")
    assert first.stage == "recruit" and first.next_text() == "Ready to move to onboard."
    ws.close()
    code, out, _err = _run("partner", "set", str(ws.path), "Globex", "--stage", "onboard")
    assert code == 0 and out.strip() == "Globex: stage recruit -> onboard"
    code, _out, err = _run("partner", "set", str(ws.path), "Globex")
    assert code == 2 and "say what to change" in err
    ws = Workspace.open(ws.path)
    onboard = checklist(ws, "Globex")
    assert onboard.next_text() == (
        "To move to enable: rules of engagement accepted by both sides; leads assigned; "
        "sync rhythm set."
    )
    set_partner(ws, "Globex", stage="grow")
    assert "Co-sell" in checklist(ws, "Globex").focus
    with pytest.raises(OverlapError, match="unknown lifecycle stage 'scale'"):
        set_partner(ws, "Globex", stage="scale")
    ws.close()


def test_both_sides_accept_a_rules_version(mapped: Mapped) -> None:
    ws = mapped.ws
    with pytest.raises(OverlapError, match="no rules of engagement are saved yet"):
        accept_rules(ws, "Globex", "us", "Ana")
    assign(ws, "Globex")
    accept_rules(ws, "Globex", "us", "Ana Hill")
    item = {i.key: i for i in checklist(ws, "Globex").items}["rules"]
    assert not item.done and item.detail.endswith("not yet accepted by the partner")
    ws.close()
    code, out, _err = _run(
        "agreement", "accept", str(ws.path), "--partner", "Globex", "--side", "partner",
        "--by", "Kevin Roberts", "--plan-file", "acme-plans.overlap-plan",
    )  # fmt: skip
    assert code == 0 and out.strip() == (
        "rules version 1: the partner accepted (Kevin Roberts) through acme-plans.overlap-plan"
    )
    with Workspace.open(ws.path) as ws:
        item = {i.key: i for i in checklist(ws, "Globex").items}["rules"]
        assert item.done and "through acme-plans.overlap-plan" in item.detail
        assert acceptances(ws, "Globex")["side"].tolist() == ["partner", "us"]
        with pytest.raises(OverlapError, match="rules version 4 does not exist"):
            accept_rules(ws, "Globex", "us", "Ana", version=4)


def test_resolving_a_dispute_with_a_bad_lead_changes_nothing(mapped: Mapped) -> None:
    ws = mapped.ws
    assign(ws, "Globex")
    leads = list_leads(ws, "Globex")
    row = leads.iloc[0]
    dispute = open_dispute(ws, "Globex", row["our_key"], row["partner_key"], "who met them first")
    with pytest.raises(OverlapError, match="the lead is 'us' or 'partner', not 'both'"):
        resolve_dispute(ws, int(dispute.id), "shared", lead="both")  # type: ignore[arg-type]
    assert disputes(ws, "Globex", open_only=True)["id"].tolist() == [dispute.id]
    assert not list_leads(ws, "Globex")["overridden"].any()


def test_partner_set_changes_the_plans_grace_period(mapped: Mapped) -> None:
    from engine.plans import stalled_plans

    ws = mapped.ws
    create_plans_for_shortlist(ws, "Globex", 5)
    assert stalled_plans(ws, "Globex").empty  # two weeks of grace by default
    ws.close()
    code, out, _err = _run("partner", "set", str(ws.path), "Globex", "--plan-grace-days", "0")
    assert code == 0
    assert out.strip() == (
        "Globex: a new plan has 0 days to get an owner and a next step before it stalls"
    )
    code, _out, err = _run("partner", "set", str(ws.path), "Globex", "--plan-grace-days", "400")
    assert code == 2 and "the grace period must be 0 to 365 days (got 400)" in err
    with Workspace.open(ws.path) as reopened:
        assert reopened.partner("Globex").plan_grace_days == 0
        assert len(stalled_plans(reopened, "Globex")) == 5
