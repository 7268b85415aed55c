"""Jobs of step 5, the Plans page: the shortlist, the plans and their roles, steps and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.operations.core import JobContext, in_worker_process


def shortlist_size_limits() -> tuple[int, int]:
    """The smallest and the largest pilot shortlist the engine builds."""
    from engine import SHORTLIST_MAX, SHORTLIST_MIN

    return SHORTLIST_MIN, SHORTLIST_MAX


def shortlist_size_advice(size: int) -> str:
    """Why a pilot of ``size`` accounts may not serve, when it is outside the guide's 20 to 50
    ("" inside)."""
    from engine import shortlist_size_advice as advice

    return advice(size) or ""


def load_plans(context: JobContext, partner: str, territory: str | None = None) -> Any:
    """The partnership's plans (of ``territory``, when one is named), each with the reason it
    is stalling ("" when it is not)."""
    from engine import list_plans, stalled_plans, territory_filter

    ws = context.workspace
    frame = list_plans(ws, partner, territory=territory_filter(ws, partner, territory or None))
    stalled = stalled_plans(ws, partner)[["plan_id", "reason"]].rename(columns={"plan_id": "id"})
    frame = frame.merge(stalled, on="id", how="left")
    frame["reason"] = frame["reason"].fillna("")
    frame["stalled"] = frame["reason"] != ""
    return frame


@in_worker_process
def build_shortlist(
    context: JobContext, partner: str, size: int, territory: str | None = None
) -> Any:
    from engine import list_plans, shortlist, territory_filter

    ws = context.workspace
    picks = shortlist(
        ws,
        partner,
        size,
        territory=territory_filter(ws, partner, territory or None),
        progress=context.progress,
        cancel=context.cancel,
    )
    existing = list_plans(ws, partner)[["our_key", "partner_key"]].assign(has_plan=True)
    picks = picks.merge(existing, on=["our_key", "partner_key"], how="left")
    picks["has_plan"] = picks["has_plan"].astype("boolean").fillna(False).astype(bool)
    return picks


@in_worker_process
def create_shortlist_plans(
    context: JobContext, partner: str, size: int, territory: str | None = None
) -> int:
    from engine import create_plans_for_shortlist, territory_filter

    ws = context.workspace
    created = create_plans_for_shortlist(
        ws, partner, size, territory=territory_filter(ws, partner, territory or None)
    )
    return len(created)


def create_one_plan(
    context: JobContext, partner: str, our_key: str, partner_key: str, objective: str
) -> int:
    from engine import create_plan

    plan = create_plan(context.workspace, partner, our_key, partner_key, objective=objective)
    return int(plan.id)


def load_plan(context: JobContext, plan_id: int) -> Any:
    from engine import plan_detail

    return plan_detail(context.workspace, plan_id)


def save_plan(
    context: JobContext, plan_id: int, objective: str, lead: str | None, status: str, notes: str
) -> Any:
    from engine import plan_detail, update_plan

    update_plan(
        context.workspace, plan_id, objective=objective, lead=lead, status=status, notes=notes
    )
    return plan_detail(context.workspace, plan_id)


def add_plan_role(
    context: JobContext, plan_id: int, party: str, person: str, role: str, responsibility: str
) -> Any:
    from engine import add_role, plan_detail

    add_role(context.workspace, plan_id, party, person, role, responsibility)
    return plan_detail(context.workspace, plan_id)


def add_plan_step(
    context: JobContext, plan_id: int, what: str, party: str, person: str | None, due: str | None
) -> Any:
    from engine import add_step, plan_detail

    add_step(context.workspace, plan_id, what, party, person or None, due or None)
    return plan_detail(context.workspace, plan_id)


def mark_step_done(context: JobContext, plan_id: int, step_id: int, done: bool) -> Any:
    from engine import plan_detail, set_step_done

    set_step_done(context.workspace, step_id, done)
    return plan_detail(context.workspace, plan_id)


def add_plan_metric(
    context: JobContext, plan_id: int, name: str, target: float | None, unit: str
) -> Any:
    from engine import add_metric, plan_detail

    add_metric(context.workspace, plan_id, name, target=target, unit=unit)
    return plan_detail(context.workspace, plan_id)


def set_plan_metric_actual(
    context: JobContext, plan_id: int, metric_id: int, actual: float | str | None
) -> Any:
    from engine import plan_detail, set_metric_actual

    set_metric_actual(context.workspace, metric_id, actual)
    return plan_detail(context.workspace, plan_id)


def remove_plan_entry(context: JobContext, plan_id: int, kind: str, item_id: int) -> Any:
    """Remove a role, step or metric (``kind``) of a plan; returns the plan as it is now."""
    from engine import plan_detail, remove_plan_item

    remove_plan_item(context.workspace, kind, item_id)
    return plan_detail(context.workspace, plan_id)


@dataclass(frozen=True)
class OutreachView:
    """A plan's why together and its account's insights (engine.program.outreach)."""

    plan_id: int
    why_together: str
    insight: dict[str, Any]


def load_outreach(context: JobContext, plan_id: int) -> OutreachView:
    from engine import plan_detail, plan_insight

    plan = plan_detail(context.workspace, plan_id).plan
    insight = plan_insight(context.workspace, plan_id)
    return OutreachView(plan_id, plan.why_together or "", insight.to_dict())


def save_outreach(
    context: JobContext, plan_id: int, why_together: str, insight: dict[str, Any]
) -> OutreachView:
    from engine import set_plan_insight, set_why_together

    set_why_together(context.workspace, plan_id, why_together)
    set_plan_insight(context.workspace, plan_id, **insight)
    return load_outreach(context, plan_id)


def add_plan_joint_meeting(context: JobContext, plan_id: int, on: str) -> Any:
    from engine import add_joint_meeting, plan_detail

    add_joint_meeting(context.workspace, plan_id, on)
    return plan_detail(context.workspace, plan_id)
