"""How money, counts, scores and dates read wherever a person sees them: pages, terminal, PDF, CSV.

One rule for each, so the same figure reads the same on every page and in every file:

- money: ``$950``, ``$12.5k``, ``$145.9M``, ``$4.96B`` (two decimals under 10 of a unit, one
  above); missing is blank, never ``NaN`` or ``None``;
- counts: ``1,200``;
- scores: one decimal, rounded *down* (91.96 reads ``91.9``), so a score never reads as reaching a
  threshold it does not reach; a whole score reads ``92``;
- dates: ``7 Dec 2026``; a moment adds the time to the minute, ``7 Dec 2026, 14:05``;
- the standard account fields by the names of the import template (``FIELD_LABELS``): "CRM ID",
  "Annual revenue", never ``external_id`` or ``annual_revenue``.

The separators, the currency symbol, the order of day, month and year and the month names come
from a ``Conventions``. The engine defaults to the English ones above; the desktop app passes the
system locale's (read through ``QLocale``) to ``use_conventions`` once at start-up, and a caller
may pass ``conventions=`` to a single call. XLSX files keep numbers as numbers and use
``XLSX_MONEY`` / ``XLSX_DATE`` as cell formats instead.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "FIELD_LABELS",
    "MONEY_COLUMNS",
    "XLSX_COUNT",
    "XLSX_DATE",
    "XLSX_MONEY",
    "Conventions",
    "conventions",
    "count",
    "day",
    "field_label",
    "is_missing",
    "moment",
    "money",
    "number",
    "percent",
    "score",
    "use_conventions",
]

ENGLISH_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip

# Cell formats for XLSX files, where a figure stays a number the reader can sum.
XLSX_MONEY = '"$"#,##0'
XLSX_COUNT = "#,##0"
XLSX_DATE = "d mmm yyyy"

# The name a person reads for each standard account field: the template's headers, the Import
# page, the import summary and warnings, table headers. The code words (external_id) stay for
# the command line's --map and the files that travel between programs.
FIELD_LABELS: dict[str, str] = {
    "external_id": "CRM ID",
    "name": "Company name",
    "domains": "Website",
    "industry": "Industry",
    "annual_revenue": "Annual revenue",
    "employees": "Employees",
    "country": "Country",
    "city": "City",
    "stage": "Stage",
    "owner": "Account owner",
    "deal_size": "Open deal size",
    "deal_close_date": "Expected close date",
    "priority": "Priority",
    "first_touch": "Relationship since",
}


# Columns that hold money, by their code or shown name: a PDF shows them as money ($145.9M), a
# spreadsheet as numbers a reader can sum with the XLSX_MONEY format ($1,234,567).
_MONEY_NAMES = ("annual_revenue", "deal_size", "potential_revenue", "shared_potential", "amount")
MONEY_COLUMNS = frozenset(
    {
        *_MONEY_NAMES,
        *(f"{side}_{name}" for side in ("our", "partner") for name in _MONEY_NAMES),
        *(FIELD_LABELS[name] for name in ("annual_revenue", "deal_size")),
        "Potential",
        "Potential revenue",
        "Amount",
        "Deal size",
        "Revenue",
    }
)


def field_label(name: str) -> str:
    """``"annual_revenue"`` → ``"Annual revenue"``; a name with no label is returned as is."""
    return FIELD_LABELS.get(name, name)


_UNITS = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


@dataclass(frozen=True)
class Conventions:
    """A locale's way of writing numbers and dates."""

    decimal: str = "."
    group: str = ","
    currency: str = "$"
    currency_first: bool = True  # "$4.96B" rather than "4.96B $"
    order: Literal["dmy", "mdy", "ymd"] = "dmy"
    months: tuple[str, ...] = ENGLISH_MONTHS


_current = Conventions()


def use_conventions(new: Conventions) -> None:
    """Make ``new`` the conventions of every later call that does not pass its own."""
    global _current
    _current = new


def conventions() -> Conventions:
    """The conventions in use."""
    return _current


def is_missing(value: Any) -> bool:
    """None, NaN, NaT, pandas' NA or empty text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value != value)  # NaN, NaT and pd.NA are not equal to themselves
    except (TypeError, ValueError):
        return False


def _digits(value: float, decimals: int, c: Conventions) -> str:
    text = f"{abs(value):,.{decimals}f}"
    return text.replace(",", "\0").replace(".", c.decimal).replace("\0", c.group)


def _as_float(value: Any) -> float | None:
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isinf(number) else number


def money(value: Any, *, conventions: Conventions | None = None) -> str:
    """``145_900_000`` → ``"$145.9M"``, ``4_961_600_000`` → ``"$4.96B"``; missing → ``""``."""
    number = _as_float(value)
    if number is None:
        return ""
    c = conventions or _current
    size = abs(number)
    body = _digits(number, 0, c)
    for unit, suffix in _UNITS:
        scaled = size / unit
        # 999,960 would round to "1,000.0k": it reads as the next unit up instead.
        if round(scaled, 2 if scaled < 10 else 1) >= 1:
            decimals = 2 if scaled < 9.995 else 1
            body = _digits(scaled, decimals, c) + suffix
            break
    sign = "-" if number < 0 and any(ch in "123456789" for ch in body) else ""
    return f"{sign}{c.currency}{body}" if c.currency_first else f"{sign}{body} {c.currency}"


def count(value: Any, *, conventions: Conventions | None = None) -> str:
    """``1200`` → ``"1,200"``; missing → ``""``."""
    number = _as_float(value)
    if number is None:
        return ""
    c = conventions or _current
    return ("-" if number < 0 else "") + _digits(round(number), 0, c)


def number(value: Any, *, conventions: Conventions | None = None) -> str:
    """A measure that is not money: whole numbers as counts, others with one decimal."""
    figure = _as_float(value)
    if figure is None:
        return ""
    if figure.is_integer():
        return count(figure, conventions=conventions)
    c = conventions or _current
    return ("-" if figure < 0 else "") + _digits(figure, 1, c)


def score(value: Any, *, conventions: Conventions | None = None) -> str:
    """A match score, rounded down to one decimal: ``91.96`` → ``"91.9"``, ``92.0`` → ``"92"``.

    Rounding down keeps the comparison with a threshold true: a 91.96 beside "auto ≥ 92" never
    reads as 92.
    """
    figure = _as_float(value)
    if figure is None:
        return ""
    tenths = math.floor(figure * 10 + 1e-9) / 10
    c = conventions or _current
    if tenths.is_integer():
        return str(int(tenths))
    return f"{tenths:.1f}".replace(".", c.decimal)


def percent(value: Any, *, conventions: Conventions | None = None) -> str:
    """A share from 0 to 1 as a whole percentage: ``0.256`` → ``"26%"``."""
    figure = _as_float(value)
    if figure is None:
        return ""
    return count(figure * 100, conventions=conventions) + "%"


def _as_date(value: Any) -> dt.date | None:
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):  # includes pandas' Timestamp
        return value
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None


def day(value: Any, *, conventions: Conventions | None = None) -> str:
    """A date (or the date of a moment, or ISO text) as ``"7 Dec 2026"``; missing → ``""``.

    Text that is not a date is shown as written rather than lost.
    """
    when = _as_date(value)
    if when is None:
        return "" if is_missing(value) else str(value)
    c = conventions or _current
    month = c.months[when.month - 1]
    if c.order == "mdy":
        return f"{month} {when.day}, {when.year}"
    if c.order == "ymd":
        return f"{when.year}-{when.month:02d}-{when.day:02d}"
    return f"{when.day} {month} {when.year}"


def moment(value: Any, *, conventions: Conventions | None = None) -> str:
    """A date and time to the minute, ``"7 Dec 2026, 14:05"``; a bare date reads as ``day``."""
    when = _as_date(value)
    if when is None:
        return "" if is_missing(value) else str(value)
    text = day(when, conventions=conventions)
    if isinstance(when, dt.datetime):
        text += f", {when:%H:%M}"
    return text
