"""Formula-safe cell values for files a partner opens in a spreadsheet (the OWASP CSV rule).

A value that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets. A CRM export can carry such a value (a company
called ``=HYPERLINK(...)``), so nothing we write may start one: XLSX writers store those values as
text cells, and CSV writers prefix them with a single quote, as OWASP recommends.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from engine.output.files import atomic_write

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: str) -> bool:
    """True when a spreadsheet could read ``value`` as a formula."""
    return value.startswith(FORMULA_STARTS)


def cell_text(value: Any) -> str:
    """A value as the text a cell shows; missing values become empty text."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_safe(value: Any) -> str:
    """A CSV field that no spreadsheet reads as a formula (OWASP: prefix a single quote)."""
    text = cell_text(value)
    return "'" + text if is_formula_like(text) else text


def csv_safe_texts(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """``csv_safe`` of a whole column of strings at once (nulls stay null)."""
    starts = "^[" + "".join("\\" + c if c in "-^]\\" else c for c in FORMULA_STARTS) + "]"
    risky = pc.match_substring_regex(values, starts)
    if not pc.any(risky).as_py():
        return values
    quote, nothing = pa.scalar("'", values.type), pa.scalar("", values.type)
    return pc.if_else(risky, pc.binary_join_element_wise(quote, values, nothing), values)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a UTF-8 CSV (with a BOM, so Excel detects it) of formula-safe fields; return rows."""
    count = 0
    with (
        atomic_write(path) as temporary,
        open(temporary, "w", encoding="utf-8-sig", newline="") as handle,
    ):
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow([csv_safe(h) for h in header])
        for row in rows:
            writer.writerow([csv_safe(v) for v in row])
            count += 1
    return count
