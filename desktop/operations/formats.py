"""How figures, dates and field names read on every page: the engine's one formatter
(``engine.output.formats``) with the conventions of the system locale, read through ``QLocale``.

Pages, table models and charts format through this module only, so a figure reads the same on
the matrix, in a table and in a file exported from the page.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QLocale

from engine.output.formats import (
    ENGLISH_MONTHS,
    FIELD_LABELS,
    Conventions,
    count,
    day,
    field_label,
    is_missing,
    moment,
    money,
    number,
    percent,
    score,
    use_conventions,
)

__all__ = [
    "FIELD_LABELS",
    "conventions_of",
    "count",
    "day",
    "field_label",
    "is_missing",
    "moment",
    "money",
    "number",
    "percent",
    "score",
    "use_system_locale",
]


def _order(pattern: str) -> Literal["dmy", "mdy", "ymd"]:
    """The order of day, month and year in a Qt date pattern such as ``M/d/yy``."""
    positions = {part: pattern.find(part) for part in "dMy"}
    if any(place < 0 for place in positions.values()):
        return "dmy"
    ordered = "".join(sorted(positions, key=positions.__getitem__)).lower()
    return ordered if ordered in ("dmy", "mdy", "ymd") else "dmy"  # type: ignore[return-value]


def conventions_of(locale: QLocale) -> Conventions:
    """A locale's separators, currency sign, date order and short month names."""
    if locale.language() == QLocale.Language.C:
        return Conventions()
    symbol = locale.currencySymbol(QLocale.CurrencySymbolFormat.CurrencySymbol) or "$"
    sample = locale.toCurrencyString(1.0)
    months = tuple(
        locale.standaloneMonthName(month, QLocale.FormatType.ShortFormat)
        or ENGLISH_MONTHS[month - 1]
        for month in range(1, 13)
    )
    return Conventions(
        decimal=locale.decimalPoint() or ".",
        group=locale.groupSeparator() or ",",
        currency=symbol,
        currency_first=not sample.rstrip().endswith(symbol),
        order=_order(locale.dateFormat(QLocale.FormatType.ShortFormat)),
        months=months,
    )


def use_system_locale() -> Conventions:
    """Make the locale's conventions those of every page; returns them. ``QLocale()`` is the
    system locale unless ``QLocale.setDefault`` chose another (as a test does)."""
    found = conventions_of(QLocale())
    use_conventions(found)
    return found
