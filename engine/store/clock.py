"""The time of a workspace's records: UTC instants, and the user's calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """The current time, timezone-aware UTC (stored as such in every table)."""
    return datetime.now(UTC)


def today() -> date:
    """The user's calendar day: the date on this machine's clock, in its time zone.

    Date-only fields (a registration's date, a sync's) are days the user names as their
    calendar shows them; UTC's day is a different one for hours each day east and west of it.
    """
    return date.today()
