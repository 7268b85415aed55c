"""Jobs of the Registrations page: deal registrations added, decided, imported, exported, undone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.operations.core import JobContext, in_worker_process, who


@dataclass(frozen=True)
class RegistrationView:
    """What the registrations page shows; plain data."""

    registrations: Any  # DataFrame: REGISTRATION_COLUMNS and ``side_name``
    conflicts: Any  # DataFrame: both registrations of each conflict, side by side
    accounts: Any  # DataFrame: one row per registered account
    protection_days: int
    us: str
    partner: str


def load_registrations(context: JobContext, partner: str) -> RegistrationView:
    """The partnership's registrations, conflicts and accounts as of today (small reads)."""
    from engine import (
        registration_conflicts,
        registration_settings,
        registrations,
        registrations_by_account,
    )

    ws = context.workspace
    us = ws.company().name
    names = {"us": f"{us} (us)", "partner": partner}
    frame = registrations(ws, partner)
    frame["side_name"] = frame["side"].map(names)
    conflicts = registration_conflicts(ws, partner)
    for which in ("first", "second"):
        conflicts[f"{which}_label"] = [
            f"{names.get(side, side)}: {opportunity}"
            for side, opportunity in zip(
                conflicts[f"{which}_side"], conflicts[f"{which}_opportunity"], strict=True
            )
        ]
    conflicts["overlap"] = [
        f"{start} to {end}"
        for start, end in zip(conflicts["overlap_from"], conflicts["overlap_until"], strict=True)
    ]
    accounts = registrations_by_account(ws, partner)
    accounts["holder_name"] = accounts["holder"].map({**names, "both": "both sides", "": ""})
    return RegistrationView(
        frame,
        conflicts,
        accounts,
        registration_settings(ws, partner).protection_days,
        us,
        partner,
    )


@in_worker_process
def add_deal_registration(context: JobContext, partner: str, values: dict[str, Any]) -> Any:
    """Register a deal (finding its account reads the mapping: a heavy job at scale).

    Returns the engine's ``Registered``; the page keeps its id for undo.
    """
    from engine import add_registration

    return add_registration(context.workspace, partner, by=who(), **values)


def remove_deal_registration(context: JobContext, state: dict) -> None:
    """Undo of ``add_deal_registration``: remove the registration it made."""
    from engine import delete_registration

    if state.get("id") is not None:
        delete_registration(context.workspace, int(state["id"]))
        state["id"] = None


def decide_deal_registrations(
    context: JobContext, decisions: list[tuple[int, str, str | None]], state: dict
) -> None:
    """Decide one or more registrations ((id, status, reason)), all or none; the decisions
    they replaced are kept in ``state`` for undo."""
    from engine import decide_registration, restore_registration

    done: list[tuple[int, Any]] = []
    try:
        for registration_id, status, reason in decisions:
            previous = decide_registration(
                context.workspace, registration_id, status, reason=reason, by=who()
            )
            done.append((registration_id, previous))
    except BaseException:
        for registration_id, previous in reversed(done):
            restore_registration(context.workspace, registration_id, previous)
        raise
    state["previous"] = done


def restore_deal_registrations(context: JobContext, state: dict) -> None:
    """Undo of ``decide_deal_registrations``: every decision back as it was, last first."""
    from engine import restore_registration

    for registration_id, previous in reversed(state.get("previous", [])):
        restore_registration(context.workspace, registration_id, previous)


@in_worker_process
def import_deal_registrations(context: JobContext, partner: str, path: str, side: str) -> Any:
    """Import a PRM or CRM export of registrations; returns the engine's RegistrationImport."""
    from engine import import_registrations

    context.progress(0.0, f"Reading {Path(path).name}")
    return import_registrations(context.workspace, partner, path, side=side, by=who())


def export_deal_registrations(context: JobContext, partner: str, path: str) -> str:
    from engine import export_registrations

    context.progress(0.0, f"Writing {Path(path).name}")
    return str(export_registrations(context.workspace, partner, path))


def save_registration_settings(context: JobContext, partner: str, protection_days: int) -> int:
    from engine import set_registration_settings

    saved = set_registration_settings(
        context.workspace, partner, protection_days=protection_days, by=who()
    )
    return int(saved.protection_days)
