"""Jobs of the Partners page's program tab: a partnership's model and lifecycle stage, its
checklist, our ARR stage, enablement and the rules each side accepted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.operations.core import JobContext, in_worker_process, who


@dataclass(frozen=True)
class ProgramView:
    """One partnership's program: its model and the model's seven aspects, its lifecycle
    stage with the checklist, our ARR stage, and its enablement."""

    partner: str
    model: str
    summary: str
    aspects: tuple[tuple[str, str], ...]
    checklist: dict[str, Any]  # engine Checklist.to_dict(): stage, focus, next, items, advice
    arr_stage: str
    enablement: Any  # DataFrame: id, on, kind, side, people, title, note
    enablement_text: str
    # The vocabularies, from the engine: models, lifecycle stages, ARR stages (key, range).
    models: tuple[str, ...]
    stages: tuple[str, ...]
    arr_stages: tuple[tuple[str, str], ...]
    # Days a new plan has to get an owner and a next step before it stalls, and the most allowed.
    plan_grace_days: int = 14
    max_grace_days: int = 365


@in_worker_process
def load_program(context: JobContext, partner: str) -> ProgramView:
    from engine import (
        ARR_STAGES,
        LIFECYCLE_STAGES,
        MAX_GRACE_DAYS,
        PARTNER_MODELS,
        arr_stage,
        enablement,
        enablement_counts,
        partner_checklist,
        partnership_model,
    )

    ws = context.workspace
    checklist = partner_checklist(ws, partner)
    model = partnership_model(checklist.model)
    return ProgramView(
        partner=checklist.partner,
        model=model.name,
        summary=model.summary,
        aspects=tuple(model.aspects()),
        checklist=checklist.to_dict(),
        arr_stage=arr_stage(ws),
        enablement=enablement(ws, partner),
        enablement_text=enablement_counts(ws, partner).text(),
        models=tuple(PARTNER_MODELS),
        stages=tuple(LIFECYCLE_STAGES),
        arr_stages=tuple((key, low) for key, (low, _text) in ARR_STAGES.items()),
        plan_grace_days=ws.partner(checklist.partner).plan_grace_days,
        max_grace_days=MAX_GRACE_DAYS,
    )


@in_worker_process
def change_partner(
    context: JobContext, partner: str, model: str | None = None, stage: str | None = None
) -> Any:
    """Set a partnership's model or stage; returns the engine's ``PartnerChange`` (advice,
    the values before)."""
    from engine import set_partner

    return set_partner(context.workspace, partner, model=model, stage=stage)


@in_worker_process
def change_plan_grace_days(context: JobContext, partner: str, days: int) -> int:
    """Set the days a new plan has before it stalls; returns the days stored."""
    from engine import set_plan_grace_days

    return set_plan_grace_days(context.workspace, partner, days).plan_grace_days


@in_worker_process
def reassign_leads(context: JobContext, partner: str) -> int:
    """Apply the rules (and the model) again; the number of shared accounts."""
    from engine import assign

    return len(assign(context.workspace, partner, by=who(), progress=context.progress))


@in_worker_process
def change_arr_stage(context: JobContext, stage: str) -> str:
    from engine import set_arr_stage

    return set_arr_stage(context.workspace, stage)


@in_worker_process
def record_enablement(context: JobContext, partner: str, **fields: Any) -> int:
    from engine import add_enablement

    item = add_enablement(context.workspace, partner, **fields)
    return int(item.id)  # type: ignore[arg-type]


@in_worker_process
def drop_enablement(context: JobContext, item_id: int) -> None:
    from engine import remove_enablement

    remove_enablement(context.workspace, item_id)


@in_worker_process
def record_acceptance(
    context: JobContext, partner: str, side: str, by: str, plan_file: str = ""
) -> int:
    """Record one side's acceptance of the current rules; the version accepted."""
    from engine import accept_rules

    return int(accept_rules(context.workspace, partner, side, by, plan_file=plan_file).version)
