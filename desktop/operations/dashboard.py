"""Jobs of the Dashboard page: the partnership's figures, the refresh, engagement and deals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
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
    # The pilot: two groups compared in all and per period (engine.program.pilot), the deals
    # with co-sold and why, and the credit per direct seller.
    comparison: Any = None  # DataFrame: group, won, lost, win_rate_text, velocity_text, ...
    periods: Any = None  # DataFrame: the comparison as period "all deals", then each period
    co_sold: Any = None  # DataFrame: the comparison of co-sold and other deals
    pilot_findings: str = ""
    pilot_accounts: int = 0
    by: str = "quarter"
    compare: str = "pilot"
    deals: Any = None  # DataFrame: engine.program.deals.DEAL_COLUMNS
    credit: Any = None  # DataFrame: engine.program.credit.CREDIT_COLUMNS
    credit_text: str = ""


@in_worker_process
def load_dashboard(
    context: JobContext, partner: str, by: str = "quarter", compare: str = "pilot"
) -> DashboardView:
    import pandas as pd

    from engine import (
        CADENCE_GUIDANCE,
        build_mapping,
        credit_report,
        diff_mappings,
        engagement_score,
        last_mapping,
        list_leads,
        list_opportunities,
        mapping_baseline,
        partner_metrics,
        pilot_metrics,
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
    pilot = pilot_metrics(ws, partner, by=by, compare=compare)
    co_sold = pilot if compare == "co-sold" else pilot_metrics(ws, partner, compare="co-sold")
    credit = credit_report(ws, partner)
    periods = pd.concat(
        [pilot.comparison.assign(period="all deals"), pilot.over_time], ignore_index=True
    )
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
        comparison=pilot.comparison,
        periods=periods,
        co_sold=co_sold.comparison,
        pilot_findings=" ".join(pilot.findings),
        pilot_accounts=pilot.pilot_accounts,
        by=by,
        compare=compare,
        deals=pilot.deals.assign(
            co_sold_shown=pilot.deals["co_sold"].map({True: "yes", False: "no"})
        ),
        credit=credit.reps,
        credit_text=credit.explain(),
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
    partner_involved: bool | None,
    partner_role: str = "",
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
        partner_role=partner_role,
    )


def set_partner_deal(
    context: JobContext,
    deal_id: int,
    co_sold: str | None = None,
    partner_role: str | None = None,
    stage: str | None = None,
) -> None:
    """Set a deal's co-sold flag (yes / no / auto), the partner's part or its stage."""
    from engine import set_deal

    set_deal(context.workspace, deal_id, co_sold=co_sold, partner_role=partner_role, stage=stage)


@in_worker_process
def export_credit(context: JobContext, partner: str | None, path: str) -> str:
    """The credit for direct sellers written to ``path`` (XLSX with the deals, or CSV)."""
    from engine import credit_report, write_credit_report

    context.progress(0.0, f"Writing {Path(path).name}")
    return str(write_credit_report(credit_report(context.workspace, partner), path))


def set_partner_cadence(context: JobContext, partner: str, cadence: str) -> None:
    from engine import set_cadence

    set_cadence(context.workspace, partner, cadence)


@in_worker_process
def import_partner_opportunities(context: JobContext, partner: str, path: str) -> int:
    from engine import import_opportunities

    return len(import_opportunities(context.workspace, partner, path))
