"""Jobs of the Agenda page: the sync meetings, the agenda, the calendar file and the e-mail to
the partner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.operations.core import JobContext, in_worker_process


@dataclass(frozen=True)
class AgendaView:
    """The Agenda page's data: the sync meetings, the agenda, the plans to choose from."""

    schedule: Any  # engine SyncSettings, or None before a rhythm is set
    agenda: Any  # engine Agenda
    items: Any  # DataFrame: agenda.to_frame()
    plans: Any  # DataFrame: id, account_name, status
    cadence: str  # the mapping refresh cadence, named apart from the sync meetings
    zone: str  # this machine's time zone, the default of a new rhythm
    zones: tuple[str, ...]


@in_worker_process
def load_agenda(context: JobContext, partner: str) -> AgendaView:
    from engine import list_plans, local_zone_name, sync_agenda, sync_schedule, time_zones

    ws = context.workspace
    agenda = sync_agenda(ws, partner)
    return AgendaView(
        schedule=sync_schedule(ws, partner),
        agenda=agenda,
        items=agenda.to_frame(),
        plans=list_plans(ws, partner)[["id", "account_name", "status"]],
        cadence=ws.partner(partner).cadence,
        zone=local_zone_name(),
        zones=tuple(time_zones()),
    )


def save_sync_schedule(
    context: JobContext, partner: str, values: dict[str, Any], state: dict[str, Any]
) -> Any:
    """Set the rhythm of the sync meetings; ``state`` keeps what it was, for undo."""
    from engine import set_sync_schedule, sync_schedule

    ws = context.workspace
    previous = sync_schedule(ws, partner)
    saved = set_sync_schedule(ws, partner, **values)
    state["previous"], state["done"] = previous, True
    return saved


def restore_sync_schedule_job(context: JobContext, partner: str, state: dict[str, Any]) -> None:
    from engine import restore_sync_schedule

    if state.get("done"):
        restore_sync_schedule(context.workspace, partner, state.get("previous"))
        state["done"] = False


@in_worker_process
def _log_sync(
    context: JobContext, partner: str, attended: bool, note: str, held_on: str | None
) -> Any:
    from engine import log_sync

    return log_sync(context.workspace, partner, held_on=held_on, attended=attended, note=note)


def log_sync_meeting(
    context: JobContext, partner: str, attended: bool, note: str, state: dict[str, Any]
) -> str:
    """Log the sync (attended or missed); ``state`` keeps what was written, for undo.

    Logged again after an undo, it is the same meeting (the date of the first time).
    """
    held = state.get("held_on")
    logged = _log_sync(context, partner, attended, note, held)
    state["log"], state["held_on"] = logged, logged.held_on.isoformat()
    return str(logged.text())


def undo_sync_meeting(context: JobContext, state: dict[str, Any]) -> None:
    from engine import undo_sync_log

    logged = state.pop("log", None)
    if logged is not None:
        undo_sync_log(context.workspace, logged)


def _require_agreement_for_names(context: JobContext, partner: str) -> None:
    """A file naming accounts (the share policy lets names leave) waits for the data-sharing
    agreement, as the plan files and the e-mail hand-off do."""
    from engine import require_agreement, share_policy

    policy = share_policy(context.workspace, partner)
    if not policy.counts_only and policy.allows("account_name"):
        require_agreement(context.workspace, partner)


def export_agenda_file(context: JobContext, partner: str, path: str) -> str:
    from engine import export_agenda

    _require_agreement_for_names(context, partner)
    context.progress(0.0, f"Writing {Path(path).name}")
    result = export_agenda(context.workspace, partner, path)
    notes = "".join(f" {w}" for w in result.warnings)
    return f"Saved {result.path.name}: {result.items} item(s).{notes}"


def export_calendar_file(context: JobContext, partner: str, path: str) -> str:
    from engine import export_calendar

    _require_agreement_for_names(context, partner)  # the next steps name their accounts
    context.progress(0.0, f"Writing {Path(path).name}")
    result = export_calendar(context.workspace, partner, path)
    parts = (["the sync meetings"] if result.meetings else []) + [f"{result.steps} next step(s)"]
    text = f"Saved {result.path.name}: {' and '.join(parts)}."
    if result.skipped:
        text += f" {result.skipped} open step(s) have no due date and are not in it."
    return text + "".join(f" {w}" for w in result.warnings)


@dataclass(frozen=True)
class EmailDraft:
    folder: str
    files: tuple[str, ...]
    subject: str
    text: str  # subject and body, for the clipboard
    mailto: str
    warnings: tuple[str, ...]


def prepare_email(
    context: JobContext,
    partner: str,
    folder: str,
    kinds: list[str],
    plan_ids: list[int] | None,
    to: str | None,
    passphrase: str | None,
) -> EmailDraft:
    """Write the chosen plan files into ``folder``; the e-mail's summary and mailto: link."""
    from engine import prepare_handoff, require_agreement, share_policy

    if not share_policy(context.workspace, partner).counts_only:
        require_agreement(context.workspace, partner)  # the plans name accounts
    result = prepare_handoff(
        context.workspace,
        partner,
        folder,
        plan_ids=plan_ids,
        kinds=kinds,
        to=to or None,
        passphrase=passphrase or None,
        progress=context.progress,
        cancel=context.cancel,
    )
    return EmailDraft(
        folder=str(result.folder),
        files=tuple(p.name for p in result.files),
        subject=result.subject,
        text=result.text(),
        mailto=result.mailto,
        warnings=tuple(result.warnings),
    )
