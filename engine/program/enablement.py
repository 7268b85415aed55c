"""Enablement of a partnership: sessions held, people trained or certified, materials shared.

A scaleup practice in the guide: each side's sellers learn the other's product, pitch and
rules. An enablement **session** is contact with the partner, so it is logged in the
engagement log too (``contact``) and counts for the engagement score's recency; the counts
feed the lifecycle checklist (``engine.program.lifecycle``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from engine.errors import OverlapError
from engine.plans import parse_date
from engine.store.clock import today as local_today
from engine.store.models import EnablementItem, EngagementEvent, Partner
from engine.store.workspace import Workspace, now, resolve_partner

ENABLEMENT_KINDS = ("session", "trained", "certified", "material")
ENABLEMENT_SIDES = ("us", "partner", "both")


@dataclass(frozen=True)
class EnablementCounts:
    """What a partnership's enablement adds up to."""

    sessions: int
    trained_us: int
    trained_partner: int
    certified_us: int
    certified_partner: int
    materials: int

    def text(self) -> str:
        return (
            f"{self.sessions} session(s); trained: {self.trained_us} of ours, "
            f"{self.trained_partner} of theirs; certified: {self.certified_us} of ours, "
            f"{self.certified_partner} of theirs; {self.materials} material(s) shared"
        )


def add_enablement(
    ws: Workspace,
    partner: str | Partner,
    kind: str,
    title: str,
    *,
    side: str = "both",
    people: int = 0,
    on: str | date | None = None,
    note: str = "",
) -> EnablementItem:
    """Record a session held, people trained or certified (``people`` on ``side``) or a
    material shared; a session also goes into the engagement log as a contact."""
    record = resolve_partner(ws, partner)
    kind = str(kind).strip().lower()
    if kind not in ENABLEMENT_KINDS:
        raise OverlapError(f"the kind is one of {', '.join(ENABLEMENT_KINDS)}, not '{kind}'")
    side = str(side).strip().lower()
    if side not in ENABLEMENT_SIDES:
        raise OverlapError(f"the side is one of {', '.join(ENABLEMENT_SIDES)}, not '{side}'")
    if not str(title).strip():
        raise OverlapError("name it: the session's topic, the course or the material")
    try:
        count = int(people)
    except (TypeError, ValueError):
        raise OverlapError(f"people is a whole number, not '{people}'") from None
    if count < 0:
        raise OverlapError(f"people cannot be negative (got {count})")
    if kind in ("trained", "certified"):
        if count == 0:
            raise OverlapError(f"say how many people were {kind} (--people N)")
        if side == "both":
            raise OverlapError(f"say whose people were {kind}: --side us or --side partner")
    day = parse_date(on, "enablement date") if on else local_today()
    if day > local_today():
        raise OverlapError(f"{day.isoformat()} is in the future; record enablement once held")
    partner_id = int(record.id)  # type: ignore[arg-type]
    with ws.session() as session:
        event_id = None
        if kind == "session":
            event = EngagementEvent(
                partner_id=partner_id,
                kind="contact",
                at=day.isoformat(),
                note=f"Enablement session: {str(title).strip()}",
            )
            session.add(event)
            session.flush()
            event_id = event.id
        item = EnablementItem(
            partner_id=partner_id,
            kind=kind,
            side=side,
            title=str(title).strip(),
            people=count,
            on=day.isoformat(),
            note=str(note).strip(),
            event_id=event_id,
            created_at=now(),
        )
        session.add(item)
        session.commit()
        session.refresh(item)
    return item


def remove_enablement(ws: Workspace, item_id: int) -> None:
    """Remove one enablement entry (and the engagement log entry of a session)."""
    with ws.session() as session:
        item = session.get(EnablementItem, item_id)
        if item is None:
            raise OverlapError(f"there is no enablement entry {item_id}")
        if item.event_id is not None:
            event = session.get(EngagementEvent, item.event_id)
            if event is not None:
                session.delete(event)
        session.delete(item)
        session.commit()


def enablement(ws: Workspace, partner: str | Partner) -> pd.DataFrame:
    """The partnership's enablement, newest first: id, on, kind, side, people, title, note."""
    record = resolve_partner(ws, partner)
    return ws.read_frame(
        'SELECT id, "on", kind, side, people, title, note FROM enablementitem '
        'WHERE partner_id = :p ORDER BY "on" DESC, id DESC',
        {"p": record.id},
    )


def enablement_counts(ws: Workspace, partner: str | Partner) -> EnablementCounts:
    frame = enablement(ws, partner)

    def people(kind: str, side: str) -> int:
        rows = frame[(frame["kind"] == kind) & (frame["side"] == side)]
        return int(rows["people"].sum())

    return EnablementCounts(
        sessions=int((frame["kind"] == "session").sum()),
        trained_us=people("trained", "us"),
        trained_partner=people("trained", "partner"),
        certified_us=people("certified", "us"),
        certified_partner=people("certified", "partner"),
        materials=int((frame["kind"] == "material").sum()),
    )
