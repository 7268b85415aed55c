"""The sidebar's job: the state of each step of a partnership and the status bar's sentence,
computed on the worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from desktop.operations.core import JobContext
from desktop.operations.formats import count, day


@dataclass(frozen=True)
class Summary:
    """Plain data: per step (status, count, note) and the status bar's sentence."""

    states: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    status_text: str = ""
    our_accounts: int = 0
    partner_accounts: int = 0
    shared: int = 0
    review: int = 0


def _count(ws: Any, sql: str, **params: Any) -> int:
    # One scalar straight from SQLite: no DataFrame per count, as this runs after every change
    # on the thread that shares the GIL with the window.
    from sqlalchemy import text

    try:
        with ws.engine.connect() as connection:
            return int(connection.execute(text(sql), params).scalar() or 0)
    except Exception:
        return 0


def _sync_state(ws: Any, partner_id: int, today: str) -> tuple[str, int, str]:
    """The Agenda step: not started without a rhythm, attention when a sync is not logged."""
    frame = ws.read_frame(
        "SELECT next_date FROM syncschedule WHERE partner_id = :p", {"p": partner_id}
    )
    if frame.empty:
        return ("not started", 0, "")
    next_date = str(frame["next_date"].iloc[0])
    if next_date < today:
        return ("attention", 1, f"the sync of {day(next_date)} is not logged")
    return ("done", 0, f"next sync {day(next_date)}")


def summarize(context: JobContext, partner_id: int | None) -> Summary:
    ws = context.workspace
    ours = ws.current_snapshot(None)
    our_count = ours.account_count if ours else 0
    if partner_id is None:
        states = {"import": ("attention" if not ours else "not started", 0, "add a partner")}
        return Summary(
            states, f"{our_count:,} accounts of ours · add a partner to start mapping", our_count
        )
    theirs = ws.current_snapshot(partner_id)
    their_count = theirs.account_count if theirs else 0
    from engine import link_counts

    # Shared and to review as the Match and Overlaps pages count them (one source).
    counts = {**_counts(ws, partner_id), **link_counts(ws, ws.side_name(partner_id))}
    shared, review = counts["shared"], counts["review"]
    states = _step_states(counts, int(ours is not None) + int(theirs is not None))
    territories = _count(ws, "SELECT count(*) FROM territory WHERE partner_id = :p", p=partner_id)
    if territories:
        states["territories"] = ("done", 0, f"{territories} territories")

    # The sync's day is the user's calendar day, as on the Agenda page.
    states["agenda"] = _sync_state(ws, partner_id, date.today().isoformat())
    partner = next((x for x in ws.partners() if x.id == partner_id), None)
    if partner is not None:
        states["registrations"] = _registrations_state(ws, partner)
    refresh_text = ""
    if partner is not None:
        from engine import next_refresh_due

        due = next_refresh_due(partner)
        late = due < datetime.now(UTC).date()
        last = partner.last_refresh_at
        done = f"last refresh {day(last)}" if last is not None else "not refreshed yet"
        refresh_text = (
            f"{done} ({partner.cadence}, {'overdue since' if late else 'due'} {day(due)})"
        )
        states["dashboard"] = _dashboard_state(ws, partner_id, late, bool(our_count))
    text = (
        f"Matched: {count(shared)} shared accounts · {count(our_count)} of ours, "
        f"{count(their_count)} of theirs · review queue {count(review)} · {refresh_text}"
        if our_count
        else "Import our accounts to start"
    )
    return Summary(states, text, our_count, their_count, shared, review)


def _counts(ws: Any, partner_id: int) -> dict[str, int]:
    """What the steps' states are read from: matches, leads, disputes, plans of a partnership."""
    p = {"p": partner_id}
    return {
        "matches": _count(ws, "SELECT count(*) FROM match WHERE partner_id = :p", **p),
        "assigned": _count(ws, "SELECT count(*) FROM assignment WHERE partner_id = :p", **p),
        "disputes": _count(
            ws, "SELECT count(*) FROM dispute WHERE partner_id = :p AND resolved_at IS NULL", **p
        ),
        "plans": _count(ws, "SELECT count(*) FROM plan WHERE partner_id = :p", **p),
        # The plans the Plans page and the agenda call stalling, by the same rule.
        "stalled": _stalled(ws, partner_id),
    }


def _stalled(ws: Any, partner_id: int) -> int:
    """How many open plans are stalling (``engine.stalled_plans``: grace period included)."""
    from engine import stalled_plans

    return len(stalled_plans(ws, ws.side_name(partner_id)))


def _step_states(counts: dict[str, int], sides: int) -> dict[str, tuple[str, int, str]]:
    """Import to Plans: (status, count, note) from the counts and the sides imported."""
    review, disputes, plans = counts["review"], counts["disputes"], counts["plans"]
    states: dict[str, tuple[str, int, str]] = {}
    states["import"] = (
        ("done", 0, "both lists imported")
        if sides == 2
        else ("attention", 2 - sides, "import both lists")
        if sides
        else ("not started", 0, "")
    )
    if not counts["matches"]:
        states["match"] = ("not started", 0, "")
    elif review:
        states["match"] = ("attention", review, f"{review:,} to review")
    else:
        states["match"] = ("done", 0, "")
    states["overlaps"] = ("done", 0, "") if counts["shared"] else ("not started", 0, "")
    if disputes:
        states["ownership"] = ("attention", disputes, f"{disputes} open disputes")
    elif counts["assigned"]:
        states["ownership"] = ("done", 0, "")
    else:
        states["ownership"] = ("not started", 0, "")
    stalled = counts["stalled"]
    if plans and stalled:
        states["plans"] = ("attention", stalled, f"{stalled} plans stalling")
    elif plans:
        states["plans"] = ("done", 0, "")
    else:
        states["plans"] = ("not started", 0, "")
    return states


def _dashboard_state(ws: Any, partner_id: int, late: bool, imported: bool) -> tuple[str, int, str]:
    """Done once it tracks something (deals, sync calls, CRM updates), not merely because no
    refresh is due yet: a new partnership's dashboard is not started. An overdue refresh of a
    mapping that exists needs attention."""
    p = {"p": partner_id}
    deals = _count(ws, "SELECT count(*) FROM opportunity WHERE partner_id = :p", **p)
    events = _count(ws, "SELECT count(*) FROM engagementevent WHERE partner_id = :p", **p)
    if late and (imported or deals or events):
        return ("attention", 1, "refresh overdue")
    if deals or events:
        return ("done", 0, f"{deals:,} deals tracked" if deals else "engagement logged")
    return ("not started", 0, "")


def _registrations_state(ws: Any, partner: Any) -> tuple[str, int, str]:
    """Attention while two registrations of one account are protected at once."""
    from engine import registration_conflicts

    if not _count(ws, "SELECT count(*) FROM registration WHERE partner_id = :p", p=partner.id):
        return ("not started", 0, "")
    conflicts = len(registration_conflicts(ws, partner))
    if conflicts:
        return ("attention", conflicts, f"{conflicts} registration conflicts")
    return ("done", 0, "")
