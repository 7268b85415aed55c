"""Step 1, reading: the bytes of an export to a raw table of strings.

Text exports (CSV / TSV / TXT) are read here: encodings (BOMs, UTF-16 without one, detection),
delimiters, title lines before the header, line ends of every style and report footers.
Spreadsheets are read by ``sheets``; both end in a ``RawExport`` (``raw``).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pyarrow as pa

from engine.errors import Cancelled, ImportFileError, OverlapError
from engine.importing.raw import (
    _SNIFF_LINES,
    RawExport,
    _drop_blank,
    _drop_repeated_headers,
    _drop_template_help,
    _footer_start,
    _footer_text,
    _short,
    _unique_headers,
)
from engine.importing.sheets import _read_sheet, _read_zip_spreadsheet

# Limits of what is read: far above any real export, far below what hurts the machine.
MAX_FILE_BYTES = 2_000_000_000
# The header row must end within the file's first MiB (its first lines are read from there).
MAX_HEADER_BYTES = 1 << 20


def read_export(path: str | Path, *, sheet: str | None = None) -> RawExport:
    """Read an export into strings. Any problem is an ``ImportFileError`` naming the file."""
    path = Path(path)
    where = path.name
    if not path.is_file():
        raise ImportFileError("the file does not exist or is not a file", where=str(path))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportFileError(f"the file is too large ({size / 1e9:.1f} GB)", where=where)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"the file cannot be read ({error.strerror})", where=where) from None
    if not data[:65536].strip() and not data.strip():
        raise ImportFileError("the file is empty", where=where)
    # The file's fingerprint is computed on the other core while the file is parsed.
    with ThreadPoolExecutor(max_workers=1) as pool:
        sha = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        raw = _read_any(path, data, sheet)
        return replace(raw, sha256=sha.result())


def _read_any(path: Path, data: bytes, sheet: str | None) -> RawExport:
    where = path.name
    sha = ""
    try:
        if data[:4] == b"PK\x03\x04":
            return _read_zip_spreadsheet(path, data, sha, sheet)
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            return _read_sheet(path, sha, "xls", sheet)
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods") and _looks_binary(data):
            raise ImportFileError(
                f"the file is named {path.suffix} but is not a spreadsheet Overlap can read "
                "(save it again as .xlsx or .csv)",
                where=where,
            )
        if sheet:
            raise ImportFileError(
                f"--sheet '{sheet}' was given but this is a text file", where=where
            )
        return _read_text(path, data, sha)
    except (OverlapError, Cancelled):
        raise
    except MemoryError:
        raise ImportFileError(
            "the file is too large for this computer's memory", where=where
        ) from None
    except Exception as error:  # a reader library failed on a malformed file
        raise ImportFileError(f"the file cannot be read: {_short(error)}", where=where) from None


def _looks_binary(data: bytes) -> bool:
    head = data[:65536]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return not _utf16_without_bom(head)
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    return controls > max(8, len(head) // 100)


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when text looks like UTF-16 written without a BOM."""
    sample = head[:4096]
    if len(sample) < 4:
        return None
    even_zero = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd_zero = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd_zero > 0.4 and even_zero < 0.05:
        return "utf-16-le"
    if even_zero > 0.4 and odd_zero < 0.05:
        return "utf-16-be"
    return None


def _decode(data: bytes, where: str) -> tuple[str, str]:
    """Text and encoding: BOM, then strict UTF-8, then charset-normalizer, then cp1252."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise ImportFileError(
                    f"the file starts with a {encoding} byte-order mark but is not {encoding}",
                    where=where,
                ) from error
    utf16 = _utf16_without_bom(data[:4096])
    if utf16:
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(utf16), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        first_odd = error.start  # detection looks where the non-UTF-8 text is
    if _looks_binary(data):
        raise ImportFileError(
            "this is not a text export (CSV, TSV) or a spreadsheet: it holds binary data",
            where=where,
        )
    with contextlib.suppress(Exception):
        from charset_normalizer import from_bytes

        start = max(0, first_odd - 500_000)
        best = from_bytes(data[start : start + 1_000_000]).best()
        if best is not None and best.encoding not in ("utf_8", "ascii"):
            encoding = codecs.lookup(best.encoding).name
            # Western exports are cp1252 far more often than the look-alike code pages.
            if encoding in ("cp1250", "cp1252", "latin-1", "iso8859-1", "iso8859-15", "mac-roman"):
                encoding = "cp1252"
            with contextlib.suppress(UnicodeDecodeError, LookupError):
                return data.decode(encoding), encoding
    return data.decode("cp1252", errors="replace"), "cp1252"


def _utf8(data: bytes, where: str, *, detect: bool = False) -> tuple[bytes, str]:
    """The file's bytes as UTF-8 (BOM removed) and the encoding it was in.

    UTF-8 files, the usual case, are passed through without decoding: their start and end are
    checked here and the CSV parser validates the rest (a failure there decodes the whole file
    with detection, see ``_read_text``).
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:], "utf-8-sig"
    bom_or_wide = data.startswith(
        (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ) or _utf16_without_bom(data[:4096])
    if not bom_or_wide and not detect:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(data[: 1 << 20], final=False)
            tail = data[-(1 << 20) :]
            cut = next((i for i in range(min(4, len(tail))) if tail[i] & 0xC0 != 0x80), 0)
            tail[cut:].decode("utf-8")
            return data, "utf-8"
        except UnicodeDecodeError:
            pass
    text, encoding = _decode(data, where)
    return text.encode("utf-8"), encoding


def _read_text(path: Path, data: bytes, sha: str, *, detect: bool = False) -> RawExport:
    where = path.name
    utf8, encoding = _utf8(data, where, detect=detect)
    if b"\x00" in utf8[:65536] or _looks_binary(utf8[:65536]):
        raise ImportFileError(
            "this is not a text export (CSV, TSV) or a spreadsheet: it holds binary data",
            where=where,
        )
    delimiter, header_index, header_cells, body_start = _header_row(utf8, where)
    headers, renamed = _unique_headers(header_cells)
    footer, body_end = _footer_of_text(utf8, body_start, delimiter)
    body = memoryview(utf8)[body_start:body_end]  # no copy of a 200 MB export
    first_row = header_index + 2
    try:
        frame = _parse_with_pyarrow(body, headers, delimiter)
    except Exception:
        if encoding == "utf-8" and not detect:
            try:
                text = bytes(body).decode("utf-8")
            except UnicodeDecodeError:  # UTF-8 at both ends only: detect the real encoding
                return _read_text(path, data, sha, detect=True)
        else:
            text = bytes(body).decode("utf-8", errors="replace")
        frame = _parse_with_pandas(text, headers, delimiter, where, first_row)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    frame, blank = _drop_blank(frame)
    frame, repeated, page_footers = _drop_repeated_headers(frame, header_cells)
    frame, notes = _drop_template_help(frame)
    return RawExport(
        frame=frame,
        notes=notes,
        file_name=path.name,
        path=path,
        sha256=sha,
        kind="csv",
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_index + 1,
        blank_rows=blank,
        footer_lines=page_footers + footer,
        repeated_header_rows=repeated,
        renamed_headers=renamed,
        decimal_comma=delimiter == ";",
    )


def _header_row(utf8: bytes, where: str) -> tuple[str, int, list[str], int]:
    """The delimiter, the header row (its index among the first records and its cells) and
    the offset of the first byte under it; title lines and blank lines may come before it."""
    # Lines end in \n, \r\n or \r, mixed in one file when it was edited on several machines
    # or joined from several exports, and a quoted cell may hold any of them. bytes.splitlines()
    # splits on exactly those three; the csv module joins a quoted cell's lines back together.
    window = utf8[:MAX_HEADER_BYTES]
    raw_lines = window.splitlines(keepends=True)
    cut = len(utf8) > len(window)
    if cut and raw_lines:
        raw_lines.pop()  # the window may end inside this line
    raw_lines = raw_lines[:_SNIFF_LINES]
    head_lines = [ln.decode("utf-8", errors="replace") for ln in raw_lines]
    non_blank = [ln.rstrip("\r\n") for ln in head_lines if ln.strip()]
    if not non_blank and not cut:
        raise ImportFileError("the file is empty", where=where)
    delimiter = _sniff_delimiter(non_blank) if non_blank else ","
    # Leading blank lines and one-cell title lines ("Report: Accounts") come before the header.
    records = _records(head_lines, delimiter)
    widths = [len(cells) if "".join(cells).strip() else 0 for cells, _end in records]
    max_width = max(widths, default=0)
    if cut and len(raw_lines) < _SNIFF_LINES and max_width < 2:
        # The first MiB ends inside one of the first lines, and no line before it has the
        # columns of a header: that line is the header. Refused rather than read: a header
        # this long is tens of thousands of columns or no table at all (a file without line
        # ends), and no CRM writes either.
        raise ImportFileError(
            f"the header row does not end within the file's first 1 MiB "
            f"({MAX_HEADER_BYTES:,} bytes), far longer than any CRM export's; Overlap reads "
            "tables with one account per line and a header row of up to 1 MiB",
            where=where,
        )
    if not max_width:
        raise ImportFileError("the file holds no values, only delimiters", where=where)
    header_index = next(
        i for i, w in enumerate(widths) if w and (w >= max(2, max_width // 2) or max_width < 2)
    )
    header_cells, header_end = records[header_index]
    body_start = sum(map(len, raw_lines[:header_end]))
    return delimiter, header_index, header_cells, body_start


def _footer_of_text(utf8: bytes, body_start: int, delimiter: str) -> tuple[tuple[str, ...], int]:
    """A report footer's lines at the end of the file, and the offset where the rows end."""
    # Report footers live in the last lines; look only there.
    tail_start = max(body_start, len(utf8) - 20_000)
    tail = utf8[tail_start:].splitlines(keepends=True)
    tail_rows = [
        _fields(ln.decode("utf-8", errors="replace").rstrip("\r\n"), delimiter) for ln in tail
    ]
    footer_at = _footer_start(tail_rows)
    footer: tuple[str, ...] = ()
    body_end = len(utf8)
    if footer_at is not None:
        footer = _footer_text(tail_rows[footer_at:])
        body_end = tail_start + sum(map(len, tail[:footer_at]))
    return footer, body_end


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the most, most consistent columns."""
    best, best_score = ",", (0.0, 0)
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        for delimiter in (",", ";", "\t", "|"):
            try:
                rows = [
                    r for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)
                ]
            except csv.Error:
                continue
            # Title lines ("Report: Accounts") split into one cell by any delimiter.
            rows = list(itertools.dropwhile(lambda r: len(r) < 2, rows))
            if not rows or len(rows[0]) < 2:
                continue
            width = len(rows[0])
            consistent = sum(len(r) == width for r in rows) / len(rows)
            score = (round(consistent, 2), width)
            if score > best_score:
                best, best_score = delimiter, score
    finally:
        csv.field_size_limit(limit)
    return best


def _fields(line: str, delimiter: str) -> list[str]:
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]
    finally:
        csv.field_size_limit(limit)


def _records(lines: list[str], delimiter: str) -> list[tuple[list[str], int]]:
    """The CSV records of the first lines (with their line ends), each with the number of
    lines read up to its end: a quoted cell's line breaks stay inside its record."""
    records: list[tuple[list[str], int]] = []
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        records.extend((cells, reader.line_num) for cells in reader)
    except csv.Error:
        pass  # a broken line among the first: the records before it decide, the parser reports it
    finally:
        csv.field_size_limit(limit)
    return records


def _parse_with_pyarrow(body: memoryview, headers: list[str], delimiter: str) -> pd.DataFrame:
    """pyarrow's multi-threaded parser; it raises on anything odd (ragged rows, bad UTF-8)."""
    import pyarrow.csv as pacsv

    if not bytes(body[:65536]).strip() and not bytes(body).strip():
        return pd.DataFrame({h: pd.Series([], dtype="str") for h in headers})
    keys = [f"c{i}" for i in range(len(headers))]
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(body)),
        read_options=pacsv.ReadOptions(column_names=keys, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types={k: pa.large_string() for k in keys},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
        ),
    )
    frame = pd.DataFrame(
        {h: pd.Series(table.column(k), dtype="str") for h, k in zip(headers, keys, strict=True)}
    )
    return frame


def _parse_with_pandas(
    body: str, headers: list[str], delimiter: str, where: str, first_row: int
) -> pd.DataFrame:
    """pandas' C parser: slower, but reads ragged rows and says where a row is broken."""
    if not body.strip():
        return pd.DataFrame({h: pd.Series([], dtype="str") for h in headers})
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=delimiter,
            header=None,
            names=list(range(len(headers))),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            index_col=False,
        )
    except pd.errors.ParserError as error:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if match:
            expected, line, saw = (int(g) for g in match.groups())
            raise ImportFileError(
                f"this row has {saw} values but the header has {expected} columns "
                "(a value with a delimiter in it needs quotes)",
                where=f"{where}, row {first_row + line - 1}",
            ) from None
        raise ImportFileError(f"the file is not valid CSV: {_short(error)}", where=where) from None
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame(columns=list(range(len(headers))))
    frame.columns = pd.Index(headers)
    return frame.fillna("").astype("str")
