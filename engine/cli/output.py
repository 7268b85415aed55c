"""How subcommands print results: a table a person reads, CSV (opens in Excel) or JSON.

The table (the default) reads like the app: money as ``$145.9M``, counts as ``1,200``, scores
rounded down, dates as ``7 Dec 2026`` and moments to the minute (``engine.output.formats``),
blanks for missing values, no internal keys, headers in words. It fits the terminal (100
columns when there is none): long texts wrap inside their column, and a table still too wide
prints in column blocks, each repeating the first column. CSV and JSON keep every column and
raw values, for scripts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from engine import csv_safe_texts
from engine.output import formats

FORMATS = ("table", "csv", "json")
FALLBACK_WIDTH = 100
GAP = "  "
# A text column is not squeezed narrower than this (or its header), a cell not over more lines.
MIN_TEXT_WIDTH = 12
MAX_CELL_LINES = 6
# A table narrows its text columns to fit, none under this; a table that needs them narrower
# splits into blocks of columns, its text columns at most READABLE_TEXT_WIDTH wide to begin.
SQUEEZED_TEXT_WIDTH = 20
READABLE_TEXT_WIDTH = 30

# Columns that hold the workspace's internal account keys ("id:0015…", "dom:acme.com"): scripts
# get them (CSV, JSON), a person does not.
_INTERNAL = re.compile(r"(^|_)key$")
_MONEY = re.compile(
    r"((?<!with)_amount|^amount|revenue|potential|pipeline|deal_size|deal_value|(^|_)value)$"
)
_FLAG = re.compile(r"^(done|is_.+|has_.+)$")
_SCORE = re.compile(r"(^|_)score$")
_IDENTIFIER = re.compile(r"(^|_)(id|rank|version|year)$|^#$")


def add_format_option(parser: argparse.ArgumentParser, default: str = "table") -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=default,
        help="table (to read), csv or json (for scripts, every column) (default: %(default)s)",
    )


def emit_frame(frame: pd.DataFrame, fmt: str, *, max_rows: int | None = None) -> None:
    """Print a DataFrame in the chosen format to stdout."""
    out = sys.stdout
    if fmt == "csv":
        frame = _formula_safe(frame)
        frame.to_csv(out, index=False, lineterminator="\n")
    elif fmt == "json":
        out.write(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
        out.write("\n")
    else:
        if frame.empty:
            out.write("(none)\n")
            return
        shown = frame if max_rows is None else frame.head(max_rows)
        out.write(render_table(shown))
        if max_rows is not None and len(frame) > max_rows:
            out.write(f"... {len(frame) - max_rows:,} more rows (use --format csv for all)\n")


def terminal_width() -> int:
    """The terminal's width in characters, or 100 when output goes to a file or pipe."""
    return shutil.get_terminal_size((FALLBACK_WIDTH, 24)).columns


def render_table(frame: pd.DataFrame, width: int | None = None) -> str:
    """``frame`` as aligned text a person reads, at most ``width`` characters wide."""
    width = max(20, width or terminal_width())
    frame = frame[[c for c in frame.columns if not _INTERNAL.search(str(c))]]
    if frame.columns.empty:
        return "(none)\n"
    headers = [str(c).replace("_", " ") for c in frame.columns]
    cells = [[_one_line(v) for v in _formatter(str(c), frame[c])(frame[c])] for c in frame.columns]
    right = [
        _is_numeric(frame[c]) or _all_figures(col)
        for c, col in zip(frame.columns, cells, strict=True)
    ]
    natural = [max([len(h), *map(len, col)]) for h, col in zip(headers, cells, strict=True)]
    floors = [
        n if r else min(n, max(len(h), MIN_TEXT_WIDTH, _longest_word(col)))
        for n, h, r, col in zip(natural, headers, right, cells, strict=True)
    ]
    # One block when squeezing the text columns a little is enough (none under
    # SQUEEZED_TEXT_WIDTH); else blocks of columns at a readable width, each squeezed to fit.
    squeezed = _fit(
        natural,
        [max(f, min(n, SQUEEZED_TEXT_WIDTH)) for f, n in zip(floors, natural, strict=True)],
        width,
    )
    if _span(squeezed) <= width:
        blocks = [list(range(len(natural)))]
    else:
        readable = [
            n if r else min(n, max(f, READABLE_TEXT_WIDTH))
            for n, f, r in zip(natural, floors, right, strict=True)
        ]
        blocks = _blocks(readable, width)
    parts = []
    for block in blocks:
        widths = _fit([natural[i] for i in block], [floors[i] for i in block], width)
        parts.append(
            _render_block(
                [headers[i] for i in block],
                [cells[i] for i in block],
                [right[i] for i in block],
                widths,
            )
        )
    return "\n".join(parts)


def _span(widths: list[int]) -> int:
    return sum(widths) + len(GAP) * (len(widths) - 1)


def _fit(natural: list[int], floors: list[int], width: int) -> list[int]:
    """Column widths: the widest text columns give way, down to a floor, until the row fits."""
    widths = list(natural)
    while _span(widths) > width:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def _blocks(widths: list[int], width: int) -> list[list[int]]:
    """Column indexes per block of at most ``width``; later blocks repeat the first column."""
    if _span(widths) <= width or len(widths) == 1:
        return [list(range(len(widths)))]
    blocks: list[list[int]] = []
    current = [0]
    used = widths[0]
    for i in range(1, len(widths)):
        if len(current) > 1 and used + len(GAP) + widths[i] > width:
            blocks.append(current)
            current, used = [0], widths[0]
        current.append(i)
        used += len(GAP) + widths[i]
    blocks.append(current)
    return blocks


def _render_block(
    headers: list[str], cells: list[list[str]], right: list[bool], widths: list[int]
) -> str:
    lines = [_row(headers, widths, right), GAP.join("-" * w for w in widths)]
    for r in range(len(cells[0])):
        lines.append(_row([column[r] for column in cells], widths, right))
    return "\n".join(lines) + "\n"


def _row(values: list[str], widths: list[int], right: list[bool]) -> str:
    """One table row; a value wider than its column wraps onto more lines (at most six)."""
    wrapped = [_wrap(v, w) for v, w in zip(values, widths, strict=True)]
    height = max(len(w) for w in wrapped)
    lines = []
    for n in range(height):
        parts = []
        for pieces, w, r in zip(wrapped, widths, right, strict=True):
            piece = pieces[n] if n < len(pieces) else ""
            parts.append(piece.rjust(w) if r else piece.ljust(w))
        lines.append(GAP.join(parts).rstrip())
    return "\n".join(lines)


def _wrap(value: str, width: int) -> list[str]:
    if len(value) <= width:
        return [value]
    pieces = textwrap.wrap(value, width, break_long_words=True, break_on_hyphens=False) or [""]
    if len(pieces) > MAX_CELL_LINES:
        pieces = pieces[:MAX_CELL_LINES]
        pieces[-1] = pieces[-1][: width - 1].rstrip() + "…"
    return pieces


_FIGURE = re.compile(r"^[-+]?[$€£¥]?[\d.,]+\s?[%kMBT]?$")


def _all_figures(cells: list[str]) -> bool:
    """Text that is all figures ("71%", "120,600") lines up on the right like numbers."""
    filled = [c for c in cells if c]
    return bool(filled) and all(_FIGURE.match(c) for c in filled)


def _longest_word(cells: list[str]) -> int:
    """The longest word of a column (at most 24): narrower, it would break inside words."""
    return min(24, max((len(w) for c in cells for w in c.split()), default=0))


def _one_line(value: str) -> str:
    return " ".join(value.split()) if ("\n" in value or "\t" in value) else value


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )


def _formatter(name: str, values: pd.Series) -> Callable[[pd.Series], list[str]]:
    """How the cells of one column read, from its name and its values."""
    name = name.lower()
    kind = values.dtype
    if pd.api.types.is_bool_dtype(kind):
        return lambda col: [_yes_no(v) for v in col]
    if pd.api.types.is_datetime64_any_dtype(kind):
        return lambda col: [_when(v) for v in col]
    if pd.api.types.is_numeric_dtype(kind):
        if _FLAG.search(name) and set(values.dropna().unique()) <= {0, 1}:
            return lambda col: ["yes" if v == 1 else "" for v in col]
        if _IDENTIFIER.search(name):
            return lambda col: [_identifier(v) for v in col]
        if _SCORE.search(name):
            return lambda col: [formats.score(v) for v in col]
        if _MONEY.search(name):
            return lambda col: [formats.money(v) for v in col]
        return lambda col: [formats.number(v) for v in col]
    return lambda col: [_cell(v) for v in col]


def _cell(value: Any) -> str:
    """A cell of a column of mixed or text values."""
    if formats.is_missing(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return _yes_no(value)
    if isinstance(value, dt.date):
        return _when(value)
    if isinstance(value, float | np.floating):
        return formats.number(value)
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        return _when(value)
    if isinstance(value, list | tuple | set):
        return ", ".join(_cell(v) for v in value)
    return str(value)


# Dates and moments written as ISO text: "2026-12-07", "2026-12-07T14:05:09.123456+00:00".
_ISO_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def _when(value: Any) -> str:
    """A date as ``7 Dec 2026``; a moment with a time of day to the minute."""
    if formats.is_missing(value):
        return ""
    if isinstance(value, str):
        if "T" not in value and " " not in value:
            return formats.day(value)
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
        return formats.day(value)
    return formats.moment(value)


def _identifier(value: Any) -> str:
    if formats.is_missing(value):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else str(value)


def _yes_no(value: Any) -> str:
    if formats.is_missing(value):
        return ""
    return "yes" if bool(value) else "no"


def emit_json(value: Any) -> None:
    """Print a JSON document (dicts, lists, numbers) to stdout."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")


def _formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text a spreadsheet would run as a formula defused (``csv_safe``)."""
    texts = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    if not texts:
        return frame
    frame = frame.copy()
    for column in texts:
        values = frame[column]
        strings = np.fromiter((isinstance(v, str) for v in values), bool, len(values))
        if strings.any():
            safe = csv_safe_texts(pa.array(values[strings].tolist(), type=pa.string()))
            frame.loc[strings, column] = safe.to_pylist()
    return frame
