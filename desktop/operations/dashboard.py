"""Jobs of the Dashboard page: the partnership's figures, the refresh, engagement and deals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.operations.agenda import log_sync_meeting
from desktop.operations.core import JobContext, in_worker_process
from desktop.operations.importing import shrinking_question


@dataclass(frozen=True)
class DashboardView:
    metrics: Any  # DataFrame: group, deals, won, lost, win_rate, median_days_to_close, ...
    findings: Any  # sentences comparing co-sold with other deals
    engagement: Any  # EngagementScore
    engagement_text: str
    schedule: dict[str, Any]  # cadence, last refresh, next due, overdue days
    guidance: str
    changes: Any  # DataFrame of what changed since the baseline (None: no baseline yet)
    baseline_at: str | None
    opportunities: int


@in_worker_process
def load_dashboard(context: JobContext, partner: str) -> DashboardView:
    from engine import (
        CADENCE_GUIDANCE,
        build_mapping,
        diff_mappings,
        engagement_score,
        last_mapping,
        list_leads,
        list_opportunities,
        mapping_baseline,
        partner_metrics,
        refresh_schedule,
        run_baseline,
    )

    ws = context.workspace
    metrics = partner_metrics(ws, partner)
    engagement = engagement_score(ws, partner)
    schedule = refresh_schedule(ws)
    row = schedule[schedule[schedule.columns[0]].astype(str) == partner]
    record = ws.partner(partner)
    changes = None
    baseline_at = None
    run = last_mapping(ws, partner)
    if run is not None:
        mapping = build_mapping(ws, partner)
        current = mapping_baseline(mapping, list_leads(ws, partner, mapping=mapping))
        changes = diff_mappings(run_baseline(run), current).to_frame()
        baseline_at = f"{run.ran_at:%-d %b %Y}"
    findings = metrics.findings
    if isinstance(findings, list | tuple):
        findings = " ".join(str(f) for f in findings)
    return DashboardView(
        metrics=metrics.table,
        findings=str(findings or ""),
        engagement=engagement,
        engagement_text=engagement.explain(),
        schedule=row.iloc[0].to_dict() if len(row) else {},
        guidance=str(CADENCE_GUIDANCE.get(record.cadence, "")),
        changes=changes,
        baseline_at=baseline_at,
        opportunities=len(list_opportunities(ws, partner)),
    )


@in_worker_process
def record_baseline(context: JobContext, partner: str) -> None:
    from engine import record_mapping

    record_mapping(context.workspace, partner)


@dataclass(frozen=True)
class RefreshOutcome:
    """What ``refresh_partner`` did: what changed, or the question to ask before a new export
    with under half the accounts of the partner's list replaces it (nothing was imported)."""

    changes: Any = None
    confirm: str | None = None


@in_worker_process
def refresh_partner(
    context: JobContext, partner: str, path: str, replace: bool = False
) -> RefreshOutcome:
    from engine import ShrinkingListError, refresh_mapping

    try:
        result = refresh_mapping(
            context.workspace,
            partner,
            path,
            replace=replace,
            progress=context.progress,
            cancel=context.cancel,
        )
    except ShrinkingListError as error:
        return RefreshOutcome(confirm=shrinking_question(error, partner, path))
    return RefreshOutcome(changes=result.changes.to_frame())


def log_partner_engagement(context: JobContext, partner: str, kind: str, note: str) -> None:
    from datetime import date

    from engine import log_engagement

    if kind == "sync_attended":
        # A sync call is logged as the Agenda page logs it: the next sync date moves on.
        log_sync_meeting(context, partner=partner, attended=True, note=note, state={})
        return
    log_engagement(context.workspace, partner, kind, date.today(), note)


def add_partner_opportunity(
    context: JobContext,
    partner: str,
    account_name: str,
    opened: str,
    amount: float | None,
    closed: str | None,
    outcome: str,
    partner_involved: bool,
) -> None:
    from engine import add_opportunity

    add_opportunity(
        context.workspace,
        partner,
        account_name,
        opened,
        amount=amount,
        closed=closed,
        outcome=outcome,
        partner_involved=partner_involved,
    )


def set_partner_cadence(context: JobContext, partner: str, cadence: str) -> None:
    from engine import set_cadence

    set_cadence(context.workspace, partner, cadence)


@in_worker_process
def import_partner_opportunities(context: JobContext, partner: str, path: str) -> int:
    from engine import import_opportunities

    return len(import_opportunities(context.workspace, partner, path))
