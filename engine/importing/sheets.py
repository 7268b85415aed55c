"""Spreadsheets to a raw table: XLSX / XLSM / ODS (zip archives, checked first) and XLS."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from engine.errors import ImportFileError
from engine.importing.raw import (
    _FOOTER_SCAN,
    _SNIFF_LINES,
    RawExport,
    _drop_blank,
    _drop_repeated_headers,
    _drop_template_help,
    _footer_start,
    _series,
    _short,
    _unique_headers,
)

# Limits of a spreadsheet's zip archive: far above any real export, far below a zip bomb.
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_TOTAL = 1_500_000_000
MAX_ZIP_RATIO = 250


def _check_zip(path: Path, where: str) -> list[str]:
    """Refuse zip bombs and XML entity declarations before any parser sees the archive.

    Sizes in a zip's directory can lie, so every member is inflated in bounded chunks while
    the real bytes are counted; the first kilobytes of each XML part are checked for
    ``<!DOCTYPE`` / ``<!ENTITY``, which no spreadsheet needs.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ImportFileError(
            "the spreadsheet is damaged (not a valid zip archive)", where=where
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ImportFileError(
                f"the spreadsheet has {len(members):,} parts, more than any real export; "
                "it is not read",
                where=where,
            )
        declared = sum(m.file_size for m in members)
        if declared > MAX_ZIP_TOTAL:
            raise ImportFileError(
                f"the spreadsheet would unpack to {declared / 1e9:.1f} GB; it is not read "
                "(a zip bomb or a corrupted file)",
                where=where,
            )
        total = 0
        for member in members:
            if member.is_dir():
                continue
            ratio_limit = max(1 << 20, member.compress_size * MAX_ZIP_RATIO)
            if member.file_size > ratio_limit:
                raise ImportFileError(
                    f"the part {member.filename} is compressed "
                    f"{member.file_size // max(1, member.compress_size):,}"
                    " times, far more than real spreadsheets; it is not read (a zip bomb?)",
                    where=where,
                )
            if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ImportFileError(
                    f"the part {member.filename} uses an unsupported compression", where=where
                )
            real, head = _inflated_size(archive, member, ratio_limit)
            total += real
            if real > ratio_limit or total > MAX_ZIP_TOTAL:
                raise ImportFileError(
                    f"the part {member.filename} unpacks to far more than its size says; "
                    "it is not read (a zip bomb?)",
                    where=where,
                )
            if member.filename.endswith((".xml", ".rels", ".vml")) and (
                b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper()
            ):
                raise ImportFileError(
                    f"the spreadsheet declares XML entities ({member.filename}); Overlap does not "
                    "read such files (save it again from Excel)",
                    where=where,
                )
        return [m.filename for m in members]


def _inflated_size(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int
) -> tuple[int, bytes]:
    """Real size of a member, inflating at most ``limit`` + 1 bytes; plus its first 4 KB."""
    # Read the compressed bytes ourselves so a lying size field cannot stop the count early.
    with open(archive.filename or "", "rb") as handle:
        handle.seek(member.header_offset)
        fixed = handle.read(30)
        name_len = int.from_bytes(fixed[26:28], "little")
        extra_len = int.from_bytes(fixed[28:30], "little")
        handle.seek(member.header_offset + 30 + name_len + extra_len)
        remaining = member.compress_size
        inflater = zlib.decompressobj(-15) if member.compress_type == zipfile.ZIP_DEFLATED else None
        size, head = 0, b""
        while remaining > 0:
            chunk = handle.read(min(1 << 20, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            if inflater is None:
                out = chunk
                size += len(out)
            else:
                out = inflater.decompress(chunk, limit + 1 - size)
                size += len(out)
                while inflater.unconsumed_tail and size <= limit:
                    more = inflater.decompress(inflater.unconsumed_tail, limit + 1 - size)
                    if not more:
                        break
                    size += len(more)
                if inflater.unconsumed_tail:  # still more to inflate: over the limit
                    return limit + 1, head
            if len(head) < 4096:
                head += out[: 4096 - len(head)]
            if size > limit:
                return size, head
        return size, head


def _read_zip_spreadsheet(path: Path, data: bytes, sha: str, sheet: str | None) -> RawExport:
    where = path.name
    names = _check_zip(path, where)
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return _read_sheet(path, sha, "xlsx", sheet)
    if "content.xml" in names and "mimetype" in names:
        return _read_sheet(path, sha, "ods", sheet)
    raise ImportFileError(
        "this is a zip archive, not a spreadsheet; unpack it and import the CSV or XLSX inside",
        where=where,
    )


def _read_sheet(path: Path, sha: str, kind: str, sheet: str | None) -> RawExport:
    name, sheets, rows = _sheet_rows(path, sheet)
    where = f"{path.name}, sheet {name}"
    if not rows or not any(any(_cell_text(c) for c in r) for r in rows[:_SNIFF_LINES]):
        raise ImportFileError("the sheet is empty", where=where)
    width = max(map(len, rows))
    counts = [sum(1 for c in r if _cell_text(c)) for r in rows[:_SNIFF_LINES]]
    max_count = max(counts)
    header_index = next(
        i for i, c in enumerate(counts) if c >= max(1, min(2, max_count), max_count // 2)
    )
    header_cells = [_cell_text(c) for c in rows[header_index]]
    header_cells += [""] * (width - len(header_cells))
    headers, renamed = _unique_headers(header_cells)
    body = rows[header_index + 1 :]
    if body and min(map(len, body)) != width:
        body = [list(r) + [""] * (width - len(r)) for r in body]
    cells = np.empty((len(body), width), dtype=object)
    if body:
        cells[:] = body
    columns: dict[str, Any] = {}
    for j, header in enumerate(headers):
        column = cells[:, j]
        # Text columns go through as they are; numbers and dates become what Excel shows.
        if pd.api.types.infer_dtype(column, skipna=False) == "string":
            columns[header] = _series(pa.array(column, type=pa.large_string())).array
        else:
            columns[header] = pd.array(_cells_text(column), dtype="str")
    frame = pd.DataFrame(
        columns, index=pd.RangeIndex(header_index + 2, header_index + 2 + len(body))
    )
    frame, blank = _drop_blank(frame)
    frame, footer = _drop_sheet_footer(frame)
    frame, repeated, page_footers = _drop_repeated_headers(frame, header_cells)
    frame, notes = _drop_template_help(frame)
    return RawExport(
        frame=frame,
        notes=notes,
        file_name=path.name,
        path=path,
        sha256=sha,
        kind=kind,
        sheet=name,
        sheets=sheets,
        header_row=header_index + 1,
        blank_rows=blank,
        footer_lines=page_footers + footer,
        repeated_header_rows=repeated,
        renamed_headers=renamed,
    )


def _sheet_rows(path: Path, sheet: str | None) -> tuple[str, tuple[str, ...], list[list[Any]]]:
    """The sheet to read (``sheet``, or else the first visible one), every sheet's name and
    the sheet's rows of cells."""
    from python_calamine import CalamineWorkbook

    where = path.name
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:
        raise ImportFileError(
            f"the spreadsheet cannot be opened: {_short(error)}", where=where
        ) from None
    sheets = tuple(workbook.sheet_names)
    if not sheets:
        raise ImportFileError("the spreadsheet has no sheets", where=where)
    if sheet is None:
        visible = [s.name for s in workbook.sheets_metadata if str(s.visible).endswith("Visible")]
        name = visible[0] if visible else sheets[0]
    else:
        matches = [s for s in sheets if s.casefold() == sheet.strip().casefold()]
        if not matches:
            raise ImportFileError(
                f"there is no sheet named '{sheet}' (sheets: {', '.join(sheets)})", where=where
            )
        name = matches[0]
    try:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as error:
        raise ImportFileError(
            f"the sheet '{name}' cannot be read: {_short(error)}", where=where
        ) from None
    return name, sheets, rows


def _drop_sheet_footer(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A report footer in the last rows of a sheet goes; its lines are returned."""
    footer: tuple[str, ...] = ()
    if len(frame):
        tail = frame.tail(_FOOTER_SCAN)
        at = _footer_start([list(r) for r in tail.itertuples(index=False, name=None)])
        if at is not None:
            dropped = tail.iloc[at:]
            footer = tuple(
                " ".join(v for v in r if v.strip())
                for r in dropped.itertuples(index=False, name=None)
            )
            frame = frame.drop(index=dropped.index)
    return frame, footer


def _cells_text(column: np.ndarray) -> list[str]:
    """``_cell_text`` of a column, computed once per distinct value (numbers repeat a lot)."""
    if any(type(v) is bool for v in column):  # True == 1.0 would share a hash with 1.0
        return [_cell_text(v) for v in column]
    codes, uniques = pd.factorize(column)
    texts = np.array([_cell_text(v) for v in uniques] + [""], dtype=object)[codes]
    missing = np.flatnonzero(codes < 0)  # None and NaN, each shown as it is
    texts[missing] = [_cell_text(column[i]) for i in missing]
    return list(texts)


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a user sees (dates as ISO, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text.replace("T", " ")
    return str(value)
