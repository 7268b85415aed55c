"""Step 4 by hand: overrides of the lead the rules gave (who, when, why; undone through the
state they hand back) and disputes about who leads, kept from opening to resolution.

The leads the rules give are ``engine.ownership``'s; an override wins over them there
(``list_leads``) and survives re-assignment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import delete
from sqlmodel import col, select

from engine.errors import OverlapError
from engine.overlaps import build_mapping, shared_rows
from engine.ownership import LEADS
from engine.store.models import Dispute, OwnershipOverride, Partner
from engine.store.workspace import Workspace, now, resolve_partner

# ---------------------------------------------------------------------- overrides


@dataclass(frozen=True)
class OverrideState:
    """An override as it was: what ``set_override`` / ``clear_override`` hand back for undo."""

    lead: str
    reason: str
    decided_by: str | None
    decided_at: datetime


def _require_shared(ws: Workspace, record: Partner, our_key: str, partner_key: str) -> None:
    shared = shared_rows(build_mapping(ws, record))
    hit = (shared["our_key"] == our_key) & (shared["partner_key"] == partner_key)
    if not bool(hit.any()):
        raise OverlapError("this account is not shared with the partner (match it first)")


def _current_override(
    ws: Workspace, partner_id: int, our_key: str, partner_key: str
) -> OverrideState | None:
    with ws.session() as session:
        found = session.exec(
            select(OwnershipOverride).where(
                OwnershipOverride.partner_id == partner_id,
                OwnershipOverride.our_key == our_key,
                OwnershipOverride.partner_key == partner_key,
            )
        ).first()
    if found is None:
        return None
    return OverrideState(found.lead, found.reason, found.decided_by, found.decided_at)


def _write_override(
    ws: Workspace, partner_id: int, our_key: str, partner_key: str, state: OverrideState | None
) -> None:
    with ws.transaction() as connection:
        connection.execute(
            delete(OwnershipOverride).where(
                col(OwnershipOverride.partner_id) == partner_id,
                col(OwnershipOverride.our_key) == our_key,
                col(OwnershipOverride.partner_key) == partner_key,
            )
        )
        if state is not None:
            connection.execute(
                OwnershipOverride.__table__.insert().values(  # type: ignore[attr-defined]
                    partner_id=partner_id,
                    our_key=our_key,
                    partner_key=partner_key,
                    lead=state.lead,
                    reason=state.reason,
                    decided_by=state.decided_by,
                    decided_at=state.decided_at,
                )
            )


def set_override(
    ws: Workspace,
    partner: str | Partner,
    our_key: str,
    partner_key: str,
    lead: str,
    reason: str,
    *,
    by: str | None = None,
) -> OverrideState | None:
    """Set the lead of one shared account by hand; returns the override it replaced (for undo).

    Undo with ``restore_override(ws, partner, our_key, partner_key, returned_value)``.
    """
    record = resolve_partner(ws, partner)
    lead = str(lead).strip().lower()
    if lead not in LEADS:
        raise OverlapError(f"the lead is 'us' or 'partner', not '{lead}'")
    if not str(reason).strip():
        raise OverlapError("an override needs a reason (why this side leads)")
    _require_shared(ws, record, our_key, partner_key)
    previous = _current_override(ws, int(record.id), our_key, partner_key)  # type: ignore[arg-type]
    _write_override(
        ws,
        int(record.id),  # type: ignore[arg-type]
        our_key,
        partner_key,
        OverrideState(lead, str(reason).strip(), by, now()),
    )
    return previous


def clear_override(
    ws: Workspace, partner: str | Partner, our_key: str, partner_key: str
) -> OverrideState | None:
    """Remove the override of one account (the rules decide again); returns it (for undo)."""
    record = resolve_partner(ws, partner)
    previous = _current_override(ws, int(record.id), our_key, partner_key)  # type: ignore[arg-type]
    if previous is None:
        raise OverlapError("this account has no override to remove")
    _write_override(ws, int(record.id), our_key, partner_key, None)  # type: ignore[arg-type]
    return previous


def restore_override(
    ws: Workspace,
    partner: str | Partner,
    our_key: str,
    partner_key: str,
    state: OverrideState | None,
) -> None:
    """Put an account's override back as it was (``None``: no override). The undo step."""
    record = resolve_partner(ws, partner)
    _write_override(ws, int(record.id), our_key, partner_key, state)  # type: ignore[arg-type]


def overrides(ws: Workspace, partner: str | Partner) -> pd.DataFrame:
    record = resolve_partner(ws, partner)
    return ws.read_frame(
        "SELECT our_key, partner_key, lead, reason, decided_by, decided_at "
        "FROM ownershipoverride WHERE partner_id = :p ORDER BY decided_at",
        {"p": record.id},
    )


# ---------------------------------------------------------------------- disputes


def open_dispute(
    ws: Workspace,
    partner: str | Partner,
    our_key: str,
    partner_key: str,
    note: str,
    *,
    by: str | None = None,
) -> Dispute:
    """Record a disagreement over who leads one shared account."""
    record = resolve_partner(ws, partner)
    if not str(note).strip():
        raise OverlapError("a dispute needs a note saying what is disputed")
    _require_shared(ws, record, our_key, partner_key)
    dispute = Dispute(
        partner_id=int(record.id),  # type: ignore[arg-type]
        our_key=our_key,
        partner_key=partner_key,
        note=str(note).strip(),
        opened_by=by,
        opened_at=now(),
    )
    ws.save(dispute)
    return dispute


def _dispute(session: Any, dispute_id: int) -> Dispute:
    found = session.get(Dispute, dispute_id)
    if found is None:
        raise OverlapError(f"there is no dispute {dispute_id}")
    return found  # type: ignore[no-any-return]


def note_dispute(ws: Workspace, dispute_id: int, note: str, *, by: str | None = None) -> Dispute:
    """Add a dated note to an open dispute."""
    if not str(note).strip():
        raise OverlapError("the note is empty")
    with ws.session() as session:
        dispute = _dispute(session, dispute_id)
        if dispute.resolved_at is not None:
            raise OverlapError(f"dispute {dispute_id} is resolved already")
        who = f" {by}" if by else ""
        dispute.note += f"\n[{now():%Y-%m-%d}{who}] {str(note).strip()}"
        session.add(dispute)
        session.commit()
        session.refresh(dispute)
    return dispute


def resolve_dispute(
    ws: Workspace,
    dispute_id: int,
    resolution: str,
    *,
    lead: str | None = None,
    by: str | None = None,
) -> Dispute:
    """Close a dispute with how it was settled. ``lead`` (us / partner) is who leads the
    account from now on: it becomes an override whose reason is the dispute and its
    resolution, so it holds when the rules are applied again."""
    if not str(resolution).strip():
        raise OverlapError("say how the dispute was resolved")
    if lead is not None and str(lead).strip().lower() not in LEADS:
        raise OverlapError(f"the lead is 'us' or 'partner', not '{lead}'")
    with ws.session() as session:
        dispute = _dispute(session, dispute_id)
        if dispute.resolved_at is not None:
            raise OverlapError(f"dispute {dispute_id} is resolved already")
    if lead is not None:
        first_line = dispute.note.splitlines()[0] if dispute.note else ""
        _write_override(
            ws,
            dispute.partner_id,
            dispute.our_key,
            dispute.partner_key,
            OverrideState(
                str(lead).strip().lower(),
                f"dispute {dispute_id} ({first_line}) resolved: {str(resolution).strip()}",
                by,
                now(),
            ),
        )
    with ws.session() as session:
        dispute = _dispute(session, dispute_id)
        dispute.resolution = str(resolution).strip()
        dispute.resolved_by = by
        dispute.resolved_at = now()
        session.add(dispute)
        session.commit()
        session.refresh(dispute)
    return dispute


def disputes(ws: Workspace, partner: str | Partner, *, open_only: bool = False) -> pd.DataFrame:
    """The partnership's disputes, newest first."""
    record = resolve_partner(ws, partner)
    where = " AND resolved_at IS NULL" if open_only else ""
    return ws.read_frame(
        "SELECT id, our_key, partner_key, note, opened_by, opened_at, resolution, resolved_by, "
        f"resolved_at FROM dispute WHERE partner_id = :p{where} ORDER BY opened_at DESC, id DESC",
        {"p": record.id},
    )
