"""Step 5: shortlist size and order, plan CRUD, shortlist plans, stall reasons, bad input."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from engine.errors import OverlapError
from engine.overlaps import mapping_from_frames
from engine.overrides import set_override
from engine.ownership import assign
from engine.plans import (
    add_metric,
    add_role,
    add_step,
    create_plan,
    create_plans_for_shortlist,
    list_plans,
    plan_detail,
    rank_shortlist,
    remove_plan_item,
    set_metric_actual,
    set_plan_grace_days,
    set_plan_status,
    set_step_done,
    shortlist,
    shortlist_size_advice,
    stalled_plans,
    update_plan,
)
from engine.store.models import Plan
from tests.engine.conftest import Mapped

TODAY = date(2026, 3, 1)


def _synthetic(n: int) -> pd.DataFrame:
    """n shared accounts: deal size i * 1000, alternating stage combinations."""
    ids = np.arange(1, n + 1)
    stages = np.array(["prospect", "customer"])
    ours = pd.DataFrame(
        {"id": ids, "external_id": [f"A{i}" for i in ids], "name": [f"Co {i}" for i in ids],
         "domains": "", "stage": stages[ids % 2], "deal_size": ids * 1000.0}
    )  # fmt: skip
    theirs = ours.assign(id=ids + 1000, external_id=[f"G{i}" for i in ids], stage="customer")
    theirs["deal_size"] = np.nan
    pairs = pd.DataFrame({"our_account_id": ids, "partner_account_id": ids + 1000})
    return mapping_from_frames(ours, theirs, pairs)


def test_shortlist_size_bounds_and_order() -> None:
    mapping = _synthetic(120)
    assert len(rank_shortlist(mapping)) == 30
    assert len(rank_shortlist(mapping, 20)) == 20
    assert len(rank_shortlist(mapping, 50)) == 50
    # 5 to 200 are allowed; outside the guide's 20 to 50 the size comes with advice.
    assert len(rank_shortlist(mapping, 5)) == 5 and len(rank_shortlist(mapping, 120)) == 120
    assert shortlist_size_advice(30) is None
    assert "small pilot" in (shortlist_size_advice(19) or "")
    assert "large pilot" in (shortlist_size_advice(51) or "")
    for bad in (4, 201, 0):
        with pytest.raises(OverlapError, match=r"5 to 200 accounts .* advises 20 to 50"):
            rank_shortlist(mapping, bad)
    picks = rank_shortlist(mapping, 20)
    assert list(picks["rank"]) == list(range(1, 21))
    assert picks["score"].is_monotonic_decreasing
    # Their customer + our prospect (even ids) beat customer of both at similar value.
    assert set(picks["our_stage"]) == {"prospect"}
    assert picks.iloc[0]["name"] == "Co 120"
    assert picks.iloc[0]["reason"] == (
        "Their customer, our prospect: ask for an introduction; potential $120.0k (open deals); "
        "no priority set"
    )


def test_shortlist_on_fixture_takes_all_when_fewer(mapped: Mapped) -> None:
    assign(mapped.ws, "Globex")
    picks = shortlist(mapped.ws, "Globex")
    assert len(picks) == 6
    # Initech: their customer/our prospect, high priority; Stark biggest value, customer of both.
    assert list(picks["name"][:2]) == ["Initech", "Stark"]
    assert picks.set_index("name").loc["Initech", "lead"] == "partner"
    # Initech's 100k is 2nd of 6 by value (Soylent has no deal figures, so none):
    # 50 * 5/6 + 30 * 1.0 (stages) + 20 * 1.0 (high).
    assert picks.set_index("name").loc["Initech", "score"] == round(50 * 5 / 6 + 30 + 20, 1)


def test_plan_crud(mapped: Mapped) -> None:
    assign(mapped.ws, "Globex")
    set_override(mapped.ws, "Globex", "id:A3", "id:G3", "us", "We met them at a fair")
    plan = create_plan(mapped.ws, "Globex", "id:A3", "id:G3", objective="Land a pilot")
    assert (plan.account_name, plan.lead, plan.status) == ("Hooli", "us", "draft")
    pid = int(plan.id)  # type: ignore[arg-type]
    add_role(mapped.ws, pid, "us", "Ann", "Account executive", "Runs the deal")
    add_role(mapped.ws, pid, "partner", "Ivy", "Partner manager")
    step = add_step(mapped.ws, pid, "Joint call", "partner", "Ivy", "2026-03-10", today=TODAY)
    metric = add_metric(mapped.ws, pid, "Pipeline", 100_000, None, "USD")
    set_step_done(mapped.ws, int(step.id))  # type: ignore[arg-type]
    set_metric_actual(mapped.ws, int(metric.id), "40000")  # type: ignore[arg-type]
    set_plan_status(mapped.ws, pid, "active")
    update_plan(mapped.ws, pid, notes="Budget in Q2")
    detail = plan_detail(mapped.ws, pid)
    assert detail.plan.status == "active" and detail.plan.notes == "Budget in Q2"
    assert list(detail.roles["person"]) == ["Ann", "Ivy"]
    assert bool(detail.steps.iloc[0]["done"]) and detail.steps.iloc[0]["due_date"] == "2026-03-10"
    assert detail.metrics.iloc[0][["target", "actual", "unit"]].tolist() == [100000, 40000, "USD"]
    remove_plan_item(mapped.ws, "step", int(step.id))  # type: ignore[arg-type]
    assert plan_detail(mapped.ws, pid).steps.empty
    listing = list_plans(mapped.ws, "Globex")
    assert listing["account_name"].tolist() == ["Hooli"]


def test_plans_for_whole_shortlist(mapped: Mapped) -> None:
    create_plan(mapped.ws, "Globex", "id:A1", "id:G1")
    created = create_plans_for_shortlist(mapped.ws, "Globex", 20)
    assert len(created) == 5  # six shared, Initech had one
    assert all(p.objective.startswith("Pilot: ") for p in created)
    # An objective leaves with a shared plan: it names the opportunity, never an amount.
    assert not [p.objective for p in created if re.search(r"\d", p.objective)]
    assert len(list_plans(mapped.ws, "Globex")) == 6
    assert create_plans_for_shortlist(mapped.ws, "Globex", 20) == []


def test_stall_reasons(mapped: Mapped) -> None:
    quiet = create_plan(mapped.ws, "Globex", "id:A1", "id:G1", lead="partner")
    fine = create_plan(mapped.ws, "Globex", "id:A2", "id:G2", lead="us")
    late = create_plan(mapped.ws, "Globex", "id:A5", "id:G5", lead="us")
    won = create_plan(mapped.ws, "Globex", "id:A6", "id:G6", status="won")
    add_role(mapped.ws, int(fine.id), "us", "Bob", "Owner")  # type: ignore[arg-type]
    add_step(mapped.ws, int(fine.id), "Demo", "us", "Bob", "2026-03-20", today=TODAY)  # type: ignore[arg-type]
    add_role(mapped.ws, int(late.id), "partner", "Hal", "Helper")  # type: ignore[arg-type]
    add_step(mapped.ws, int(late.id), "Send deck", "us", None, "2026-02-20", today=date(2026, 2, 1))  # type: ignore[arg-type]
    # The plans were made in January, past their grace period; the quiet one was last touched
    # 40 days before TODAY.
    _made_on(mapped, [quiet.id, fine.id, late.id, won.id], "2026-01-10")
    with mapped.ws.session() as session:
        plan = session.get(Plan, quiet.id)
        assert plan is not None
        plan.updated_at = pd.Timestamp("2026-01-20", tz="UTC").to_pydatetime()
        session.add(plan)
        session.commit()
    stalled = stalled_plans(mapped.ws, "Globex", today=TODAY).set_index("account_name")
    assert "Stark" not in stalled.index and "Umbrella" not in stalled.index  # won; healthy
    assert won.status == "won"
    assert stalled.loc["Initech", "reasons"] == [
        "no owner: nobody on the partner's side (the lead) is named in the roles",
        "no next step",
        "nothing updated for 40 days",
    ]
    assert stalled.loc["Vandelay", "reasons"] == [
        "no owner: nobody on our side (the lead) is named in the roles",
        "step 'Send deck' was due 20 Feb 2026 (9 days overdue)",
    ]


def _made_on(mapped: Mapped, plan_ids: list[int | None], day: str) -> None:
    with mapped.ws.session() as session:
        for plan_id in plan_ids:
            plan = session.get(Plan, plan_id)
            assert plan is not None
            plan.created_at = pd.Timestamp(day, tz="UTC").to_pydatetime()
            session.add(plan)
        session.commit()


def test_new_plans_have_a_grace_period_before_they_stall(mapped: Mapped) -> None:
    """Plans just made from a shortlist have no owner and no next step yet: that is not a
    stall on day one, only once the partnership's grace period (two weeks) has passed."""
    created = create_plans_for_shortlist(mapped.ws, "Globex", 20)
    assert len(created) == 6
    _made_on(mapped, [p.id for p in created], "2026-03-01")
    on_day_one = stalled_plans(mapped.ws, "Globex", today=date(2026, 3, 1))
    assert on_day_one.empty
    assert stalled_plans(mapped.ws, "Globex", today=date(2026, 3, 14)).empty  # day 13
    after = stalled_plans(mapped.ws, "Globex", today=date(2026, 3, 15))
    assert len(after) == 6
    assert all(reasons[0].startswith("no owner") for reasons in after["reasons"])
    # The grace period is a setting of the partnership; 0 means none.
    set_plan_grace_days(mapped.ws, "Globex", 30)
    assert stalled_plans(mapped.ws, "Globex", today=date(2026, 3, 15)).empty
    set_plan_grace_days(mapped.ws, "Globex", 0)
    assert len(stalled_plans(mapped.ws, "Globex", today=date(2026, 3, 1))) == 6
    # An overdue step is a stall even within the grace period.
    set_plan_grace_days(mapped.ws, "Globex", 14)
    plan_id = int(created[0].id)  # type: ignore[arg-type]
    add_step(mapped.ws, plan_id, "Intro call", "us", "Bob", "2026-03-03", today=date(2026, 3, 1))
    late = stalled_plans(mapped.ws, "Globex", today=date(2026, 3, 5))
    assert late["plan_id"].tolist() == [plan_id]
    assert late["reasons"].iloc[0] == ["step 'Intro call' was due 3 Mar 2026 (2 days overdue)"]
    for wrong in (-1, 366, "two weeks"):
        with pytest.raises(OverlapError, match="grace period"):
            set_plan_grace_days(mapped.ws, "Globex", wrong)  # type: ignore[arg-type]


def test_bad_plan_input(mapped: Mapped) -> None:
    with pytest.raises(OverlapError, match="not shared with Globex"):
        create_plan(mapped.ws, "Globex", "id:A7", "id:G9")
    plan = create_plan(mapped.ws, "Globex", "id:A1", "id:G1")
    with pytest.raises(OverlapError, match="has a plan already"):
        create_plan(mapped.ws, "Globex", "id:A1", "id:G1")
    pid = int(plan.id)  # type: ignore[arg-type]
    with pytest.raises(OverlapError, match="in the past"):
        add_step(mapped.ws, pid, "Call", "us", None, "2026-02-28", today=TODAY)
    with pytest.raises(OverlapError, match="not a date"):
        add_step(mapped.ws, pid, "Call", "us", None, "next week", today=TODAY)
    with pytest.raises(OverlapError, match="'us' or 'partner'"):
        add_role(mapped.ws, pid, "them", "X", "Y")
    with pytest.raises(OverlapError, match="not a number"):
        add_metric(mapped.ws, pid, "Pipeline", "lots")
    with pytest.raises(OverlapError, match="status is one of"):
        set_plan_status(mapped.ws, pid, "done")
    with pytest.raises(OverlapError, match="no plan 999"):
        add_role(mapped.ws, 999, "us", "X", "Y")
    with pytest.raises(OverlapError, match="no partner named"):
        shortlist(mapped.ws, "Nobody")


def test_steps_stored_with_no_date_do_not_stop_the_readers(mapped: Mapped, tmp_path) -> None:
    """A step an earlier Overlap accepted from a partner's plan file with a due date that is
    no date (and an unknown owner side) must not crash the stalled list, the agenda or the
    calendar: they skip the date, as for a step with none."""
    from engine.program.agenda import sync_agenda
    from engine.program.sync import set_sync_schedule
    from engine.sharing.agenda import calendar_events

    plan = create_plan(mapped.ws, "Globex", "id:A1", "id:G1", lead="us")
    add_step(mapped.ws, int(plan.id), "Demo", "us", "Bob", "2026-03-20", today=TODAY)  # type: ignore[arg-type]
    with mapped.ws.transaction() as connection:
        connection.exec_driver_sql(
            "INSERT INTO planstep (plan_id, what, owner_party, due_date, done) "
            f"VALUES ({int(plan.id)}, 'Call', 'root', 'not-a-date', 0)"  # type: ignore[arg-type]
        )
    set_sync_schedule(mapped.ws, "Globex", rhythm="monthly", next_date="2026-03-10")
    stalled = stalled_plans(mapped.ws, "Globex", today=TODAY)
    assert not any("not-a-date" in " ".join(reasons) for reasons in stalled["reasons"])
    agenda = sync_agenda(mapped.ws, "Globex", today=TODAY)
    assert agenda is not None
    events, _skipped, _warnings = calendar_events(mapped.ws, "Globex")
    assert [e.summary for e in events if "Demo" in e.summary]
