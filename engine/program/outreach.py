"""Shared intelligence and joint outreach on a joint plan.

* **Insights** of the plan's shared account, written by either side: the customer's needs, the
  stakeholders (one a line), the competitors in the deal, and the next event where both can
  meet it (what and when). One set per shared account.
* **Why together**: the value proposition of both companies at once, in a sentence or two.
* **Joint-meeting steps**: next steps both sides take together (``joint``), such as preparing
  and holding a joint meeting with the customer; ``add_joint_meeting`` adds the usual three.

Each travels in plan files under the share policy: why together with the plan, joint steps with
the next steps, insights only when the policy shares them (``engine.sharing.policy``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from engine.errors import OverlapError
from engine.plans import add_step, parse_date
from engine.store.models import AccountInsight, Plan, PlanStep
from engine.store.workspace import Workspace, now

INSIGHT_FIELDS = ("needs", "stakeholders", "competitors", "next_event", "next_event_date")
LONG_TEXT = 20_000  # as a plan file's long texts (engine.sharing.untrusted)
# The joint meeting's steps: (what, who owns it: "lead" / "other", days from the meeting).
JOINT_MEETING_STEPS = (
    ("Agree why together and the agenda for the meeting with {account}", "lead", -7),
    ("Joint meeting with {account}", "lead", 0),
    ("Debrief together and agree the next steps with {account}", "other", 2),
)


@dataclass
class Insight:
    needs: str = ""
    stakeholders: str = ""
    competitors: str = ""
    next_event: str = ""
    next_event_date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in INSIGHT_FIELDS}

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name) for name in INSIGHT_FIELDS)


def _plan(session: Any, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise OverlapError(f"no plan with id {plan_id}")
    return plan  # type: ignore[no-any-return]


def _text(value: str, what: str) -> str:
    text = str(value).strip()
    if len(text) > LONG_TEXT:
        raise OverlapError(f"the {what} is {len(text):,} characters; at most {LONG_TEXT:,}")
    return text


def plan_insight(ws: Workspace, plan_id: int) -> Insight:
    """The insights of the plan's shared account (empty when none were written)."""
    with ws.session() as session:
        plan = _plan(session, plan_id)
        row = _row(session, plan)
    return Insight(**{n: getattr(row, n) for n in INSIGHT_FIELDS}) if row else Insight()


def _row(session: Any, plan: Plan) -> AccountInsight | None:
    return session.exec(  # type: ignore[no-any-return]
        select(AccountInsight).where(
            AccountInsight.partner_id == plan.partner_id,
            AccountInsight.our_key == plan.our_key,
            AccountInsight.partner_key == plan.partner_key,
        )
    ).first()


def set_plan_insight(ws: Workspace, plan_id: int, **fields: str | date | None) -> Insight:
    """Write some of the insights (``INSIGHT_FIELDS``) of the plan's shared account; a field
    left out stays, an empty one is cleared."""
    unknown = set(fields) - set(INSIGHT_FIELDS)
    if unknown:
        raise OverlapError(f"an insight is one of {', '.join(INSIGHT_FIELDS)}, not {unknown}")
    with ws.session() as session:
        plan = _plan(session, plan_id)
        row = _row(session, plan) or AccountInsight(
            partner_id=plan.partner_id, our_key=plan.our_key, partner_key=plan.partner_key,
            updated_at=now(),
        )  # fmt: skip
        for name, value in fields.items():
            if name == "next_event_date":
                empty = value is None or not str(value).strip()
                day = None if empty else parse_date(value, "next event's date")  # type: ignore[arg-type]
                row.next_event_date = None if day is None else day.isoformat()
            else:
                setattr(row, name, _text(str(value or ""), name.replace("_", " ")))
        row.updated_at = now()
        plan.updated_at = now()
        session.add(row)
        session.add(plan)
        session.commit()
        return Insight(**{n: getattr(row, n) for n in INSIGHT_FIELDS})


def set_why_together(ws: Workspace, plan_id: int, text: str) -> Plan:
    """The plan's value proposition of both companies together."""
    with ws.session() as session:
        plan = _plan(session, plan_id)
        plan.why_together = _text(text, "why-together text")
        plan.updated_at = now()
        session.add(plan)
        session.commit()
        session.refresh(plan)
        return plan


def set_step_joint(ws: Workspace, step_id: int, joint: bool = True) -> PlanStep:
    """Mark a next step as one both companies take together, or not."""
    with ws.session() as session:
        step = session.get(PlanStep, step_id)
        if step is None:
            raise OverlapError(f"no step with id {step_id}")
        step.joint = bool(joint)
        session.add(step)
        session.commit()
        session.refresh(step)
        return step  # type: ignore[no-any-return]


def add_joint_meeting(
    ws: Workspace, plan_id: int, on: str | date, *, today: date | None = None
) -> list[PlanStep]:
    """The three joint steps of a meeting with the customer on ``on``: agree why together and
    the agenda a week before (the lead), the meeting (the lead), the debrief two days after
    (the other side). A preparation that would fall in the past is due today."""
    day = parse_date(on, "meeting date")
    first = today if today is not None else date.today()
    if day < first:
        raise OverlapError(f"the meeting date {day.isoformat()} is in the past")
    with ws.session() as session:
        plan = _plan(session, plan_id)
    lead = plan.lead or "us"
    other = "partner" if lead == "us" else "us"
    steps = []
    for what, owner, days in JOINT_MEETING_STEPS:
        due = max(day + timedelta(days=days), first)
        step = add_step(
            ws, plan_id, what.format(account=plan.account_name),
            lead if owner == "lead" else other, None, due, today=first,
        )  # fmt: skip
        steps.append(set_step_joint(ws, int(step.id)))  # type: ignore[arg-type]
    return steps
