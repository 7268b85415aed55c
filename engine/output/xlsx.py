"""XLSX workbooks a partner opens in Excel or LibreOffice: styled, filtered, never a formula.

Every text value is written with ``write_string`` (numbers with ``write_number``), so a value
such as ``=HYPERLINK(...)`` from a CRM export stays text; xlsxwriter's automatic ``write`` would
turn it into a formula. The workbook is also created with ``strings_to_formulas`` off as a
second guard.

Excel holds at most 32,767 characters in a cell and 1,048,576 rows in a sheet. A longer text is
cut with a note in the cell that says so (a CSV export holds all of it); a sheet with more rows
is refused before anything is written, rather than losing rows without a word.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from engine.errors import OverlapError
from engine.output.files import atomic_write
from engine.output.formats import MONEY_COLUMNS, XLSX_MONEY
from engine.output.safe_cells import cell_text

MAX_WIDTH = 60
MIN_WIDTH = 8
# Excel's limits (counted in UTF-16 code units, as Excel counts characters).
CELL_CHARACTERS = 32_767
SHEET_ROWS = 1_048_576


@dataclass
class Sheet:
    """One table of a workbook: a header row and rows of values."""

    name: str
    header: list[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)
    # Columns shown as wrapped text (long free text such as objectives and rationales).
    wrap: set[str] = field(default_factory=set)
    # A title and key/value lines written above the table (the summary sheet).
    preamble: list[tuple[str, Any]] = field(default_factory=list)
    title: str | None = None


def excel_text(text: str) -> str:
    """``text`` as a cell can hold it: whole, or cut to Excel's limit with a note saying so."""
    if len(text) <= CELL_CHARACTERS // 2:  # short of the limit even in UTF-16 pairs
        return text
    units = text.encode("utf-16-le")
    if len(units) // 2 <= CELL_CHARACTERS:
        return text
    note = (
        f" [\u2026 cut here: Excel holds {CELL_CHARACTERS:,} characters in a cell and this text "
        f"has {len(text):,}; a CSV export holds all of it]"
    )
    keep = CELL_CHARACTERS - len(note.encode("utf-16-le")) // 2
    # Cut on a code unit boundary; "ignore" drops half of an emoji's surrogate pair.
    return units[: 2 * keep].decode("utf-16-le", errors="ignore") + note


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to ``path``: bold header, widths, frozen header and autofilter per table."""
    for sheet in sheets:
        above = (2 if sheet.title else 0) + (len(sheet.preamble) + 1 if sheet.preamble else 0)
        if above + 1 + len(sheet.rows) > SHEET_ROWS:
            raise OverlapError(
                f"Excel holds {SHEET_ROWS:,} rows in a sheet and {sheet.name} has "
                f"{len(sheet.rows):,}: export it as .csv",
                where=str(path),
            )
    with atomic_write(path) as temporary:
        _write_workbook(temporary, sheets)


def _write_workbook(path: Path, sheets: Sequence[Sheet]) -> None:
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "constant_memory": False,
        },
    )
    try:
        header_format = workbook.add_format(
            {
                "bold": True,
                "bg_color": "#1F3A5F",
                "font_color": "#FFFFFF",
                "border": 1,
                "valign": "top",
            }
        )
        title_format = workbook.add_format({"bold": True, "font_size": 14})
        key_format = workbook.add_format({"bold": True, "valign": "top"})
        text_format = workbook.add_format({"valign": "top"})
        wrap_format = workbook.add_format({"valign": "top", "text_wrap": True})
        number_format = workbook.add_format({"valign": "top", "num_format": "#,##0.##"})
        money_format = workbook.add_format({"valign": "top", "num_format": XLSX_MONEY})
        for sheet in sheets:
            _write_sheet(
                workbook.add_worksheet(sheet.name[:31]),
                sheet,
                header_format=header_format,
                title_format=title_format,
                key_format=key_format,
                text_format=text_format,
                wrap_format=wrap_format,
                number_format=number_format,
                money_format=money_format,
            )
    finally:
        try:
            workbook.close()
        except FileCreateError as error:
            raise error.args[0] from None  # the OSError, for atomic_write to explain


def _put(
    worksheet: Any, row: int, col: int, value: Any, text_format: Any, number_format: Any
) -> int:
    """Write one cell, strings always as strings; return the shown text length (for widths)."""
    if isinstance(value, bool):
        worksheet.write_string(row, col, cell_text(value), text_format)
        return 3
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        worksheet.write_number(row, col, value, number_format)
        return len(f"{value:,}")
    text = excel_text(cell_text(value))
    if text == "":
        worksheet.write_blank(row, col, None, text_format)
        return 0
    worksheet.write_string(row, col, text, text_format)
    return max((len(line) for line in text.splitlines()), default=0)


def _write_sheet(worksheet: Any, sheet: Sheet, **formats: Any) -> None:
    text_format, number_format = formats["text_format"], formats["number_format"]
    row = 0
    widths = [max(MIN_WIDTH, len(h) + 2) for h in sheet.header]
    if sheet.title:
        worksheet.write_string(row, 0, excel_text(sheet.title), formats["title_format"])
        row += 2
    for key, value in sheet.preamble:
        worksheet.write_string(row, 0, excel_text(key), formats["key_format"])
        shown = _put(worksheet, row, 1, value, formats["wrap_format"], number_format)
        if widths:
            widths[0] = max(widths[0], len(key) + 2)
        if len(widths) > 1:
            widths[1] = max(widths[1], min(shown + 2, MAX_WIDTH))
        row += 1
    if sheet.preamble:
        row += 1
    header_row = row
    for col, name in enumerate(sheet.header):
        worksheet.write_string(header_row, col, excel_text(name), formats["header_format"])
    numbers = [
        formats["money_format"] if name in MONEY_COLUMNS else number_format for name in sheet.header
    ]
    for values in sheet.rows:
        row += 1
        for col, value in enumerate(values):
            wrapped = sheet.header[col] in sheet.wrap
            shown = _put(
                worksheet,
                row,
                col,
                value,
                formats["wrap_format"] if wrapped else text_format,
                numbers[col],
            )
            widths[col] = max(widths[col], min(shown + 2, MAX_WIDTH))
    for col, width in enumerate(widths):
        worksheet.set_column(col, col, width)
    # Printed, every sheet is one page wide with its header repeated on each page.
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4; Excel switches to Letter where that is the default
    worksheet.fit_to_pages(1, 0)
    if sheet.header:
        worksheet.repeat_rows(header_row)
        worksheet.freeze_panes(header_row + 1, 0)
        worksheet.autofilter(header_row, 0, max(row, header_row), len(sheet.header) - 1)
