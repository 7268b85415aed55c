"""Dates given on the command line (``--today``, ``--date``...): ISO days, or a one-line error."""

from __future__ import annotations

from datetime import date

from engine.errors import OverlapError


def parse_day(value: str | None, option: str = "--today") -> date | None:
    """``value`` (YYYY-MM-DD) as a date; None when not given."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise OverlapError(f"{option} '{value}' is not a date (YYYY-MM-DD)") from None
