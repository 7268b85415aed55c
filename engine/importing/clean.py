"""Step 1, cleaning: the mapped columns to the standard fields (``standardize``).

Domains, amounts, stages, dates and priority are cleaned on whole columns or on a column's
distinct values, never row by row in Python; rows without a name are rejected and duplicates
listed, not dropped.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.errors import Cancelled, ImportFileError
from engine.importing.mapping import (
    STANDARD_FIELDS,
    FieldMapping,
    ProposedMapping,
    _as_list,
    _find_header,
    _norm,
)
from engine.importing.raw import RawExport, _arrow, _series
from engine.keys.domains import registrable_domains
from engine.output.formats import field_label
from engine.paths import resource
from engine.store.models import ACCOUNT_COLUMNS
from engine.store.workspace import Progress

Cancel = Callable[[], bool]

TEXT_FIELDS = ("external_id", "industry", "country", "city", "owner")
MONEY_FIELDS = ("annual_revenue", "deal_size")
DATE_FIELDS = ("deal_close_date", "first_touch")
STAGES = ("prospect", "customer", "churned", "other")

BLANK_WORDS = frozenset(
    {"", "n/a", "na", "n.a.", "none", "null", "nil", "-", "--", "—", "?", "tbd", "unknown", "#n/a"}
)


@dataclass(frozen=True)
class Standardized:
    """The cleaned accounts, the rejected rows and the duplicates of one export."""

    accounts: pd.DataFrame  # row_number + the standard fields + raw values + extra_json
    rejected: pd.DataFrame  # row_number, reason, raw_json
    duplicates: pd.DataFrame  # row_number, kind, value, first_row
    extra_columns: list[str]
    mapping: dict[str, str | list[str]]
    summary: dict[str, Any]


REPEATED_HEADER = "repeats the header row (exports joined together, or a report's next page)"


# The columns a user sees for an account (CSV / JSON listings): standard fields and raw values.
ACCOUNT_FIELDS: tuple[str, ...] = tuple(
    c for c in ACCOUNT_COLUMNS if c not in ("row_number", "extra_json")
)


def standardize(
    raw: RawExport,
    mapping: ProposedMapping | FieldMapping,
    *,
    stage_values: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Standardized:
    """Clean the mapped columns into the standard fields; raw values are kept beside them.

    Rows without a name are rejected with their row number; duplicate external ids and rows
    with the same name and domain are listed, not dropped. ``stage_values`` adds raw stage
    values to the standard vocabulary (``{"Gold Partner": "customer"}``).
    """
    if isinstance(mapping, ProposedMapping):
        stage_values = {**mapping.stage_values, **(stage_values or {})}
        columns = {f: list(c.headers) for f, c in mapping.fields.items() if c.headers}
    else:
        columns = {
            f: [_find_header(raw.headers, h) for h in _as_list(v)] for f, v in mapping.items() if v
        }
    # A list of web domains without company names (some partners share no more) is still
    # accounts: each is named by its first domain, and matching compares domains only.
    by_domain = not columns.get("name")
    if by_domain and not columns.get("domains"):
        raise ImportFileError(
            'no column holds the account names or web domains; choose one with --map name="Header" '
            f"(columns: {', '.join(raw.headers)})",
            where=raw.file_name,
        )

    def step(fraction: float, message: str) -> None:
        if cancel is not None and cancel():
            raise Cancelled()
        if progress is not None:
            progress(fraction, message)

    frame = raw.frame
    n = len(frame)
    warnings: list[str] = []
    out = _cleaned_fields(raw, columns, stage_values or {}, by_domain, step, warnings)

    step(0.75, "Keeping the other columns")
    used = {h for hs in columns.values() for h in hs}
    extra_columns = [h for h in raw.headers if h not in used]
    out["extra_json"] = _json_rows(frame[extra_columns]) if extra_columns else None

    step(0.85, "Checking rows")
    has_name = pc.fill_null(pc.greater(pc.binary_length(_arrow(out["name"])), 0), False)
    named = np.asarray(has_name.to_numpy(zero_copy_only=False), dtype=bool)
    rejected = _rejected_rows(raw, named, by_domain, warnings)
    if not named.all():  # copying a million rows only when some go, and only mapped fields
        out = {c: _kept(values, has_name, named) for c, values in out.items()}
    accounts = pd.DataFrame({c: _column(out.get(c), c, int(named.sum())) for c in ACCOUNT_COLUMNS})
    duplicates = _duplicates(accounts)

    mapped = [f for f in STANDARD_FIELDS if columns.get(f)]
    summary = {
        "rows": int(n) + len(raw.repeated_header_rows),
        "imported": len(accounts),
        "rejected": len(rejected),
        "duplicates": len(duplicates),
        "blank_rows": raw.blank_rows,
        "footer_lines": len(raw.footer_lines),
        "fields_mapped": mapped,
        "fields_not_found": [f for f in STANDARD_FIELDS if f not in mapped],
        "extra_columns": extra_columns,
        "with_domains": int(
            pc.sum(pc.greater(pc.binary_length(_arrow(accounts["domains"])), 0)).as_py() or 0
        ),
        "warnings": warnings,
    }
    mapping_dict = {
        f: (hs if f == "domains" and len(hs) > 1 else hs[0]) for f, hs in columns.items() if hs
    }
    step(1.0, "Cleaned")
    return Standardized(accounts, rejected, duplicates, extra_columns, mapping_dict, summary)


def _cleaned_fields(
    raw: RawExport,
    columns: dict[str, list[str]],
    stage_values: Mapping[str, str],
    by_domain: bool,
    step: Callable[[float, str], None],
    warnings: list[str],
) -> dict[str, Any]:
    """Each standard field's cleaned values (and raw ones), by field name; every row kept."""
    frame = raw.frame
    out: dict[str, Any] = {"row_number": frame.index.to_numpy(dtype=np.int64)}
    step(0.05, "Cleaning names")
    if not by_domain:
        out["name"] = _series(_trimmed(frame[columns["name"][0]]), frame.index)
    else:
        warnings.append(
            "no company-name column: each account is named by its web domain, and matching "
            "compares domains only"
        )
    for name in TEXT_FIELDS:
        series = _mapped(frame, columns, name)
        out[name] = _text(series) if series is not None else None

    step(0.15, "Reading web domains")
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        domains_job = _start_domains(pool, frame, columns.get("domains", []), out)
        step(0.45, "Reading amounts")
        _clean_amount_fields(raw, columns, out, warnings)
        step(0.6, "Reading stages and dates")
        _clean_stage_date_fields(raw, columns, stage_values, out, warnings)
        if domains_job is not None:
            out["domains"] = domains_job.result()
            if by_domain:
                first = pc.split_pattern(_arrow(out["domains"]), " ", max_splits=1)
                out["name"] = _series(pc.list_element(first, 0), frame.index)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return out


def _mapped(frame: pd.DataFrame, columns: dict[str, list[str]], name: str) -> pd.Series | None:
    """The column feeding field ``name`` (the first, for domains), or None when not mapped."""
    headers = columns.get(name)
    return frame[headers[0]] if headers else None


def _start_domains(
    pool: ThreadPoolExecutor, frame: pd.DataFrame, headers: list[str], out: dict[str, Any]
) -> Future[pd.Series] | None:
    """Start cleaning the web domains (all domain columns joined) on ``pool``; the raw values
    go in ``out`` now, the registrable domains come from the returned job."""
    if not headers:
        out["domains"] = pd.Series("", index=frame.index, dtype="str")
        out["domains_raw"] = None
        return None
    joined = _trimmed(frame[headers[0]])
    for extra in headers[1:]:
        other = _trimmed(frame[extra])
        joined = pc.utf8_trim_whitespace(
            pc.binary_join_element_wise(joined, other, pa.scalar(" ", pa.large_string()))
        )
    raw_domains = _series(joined, frame.index)
    # The heaviest field runs on a second core while this one cleans the others
    # (pyarrow's kernels release the GIL).
    job = pool.submit(registrable_domains, raw_domains, drop_generic=True)
    out["domains_raw"] = _text(raw_domains)
    return job


def _clean_amount_fields(
    raw: RawExport, columns: dict[str, list[str]], out: dict[str, Any], warnings: list[str]
) -> None:
    """Money fields (with their raw values) and employees into ``out``."""
    frame = raw.frame
    for name in MONEY_FIELDS:
        series = _mapped(frame, columns, name)
        if series is None:
            out[name] = out[f"{name}_raw"] = None
            continue
        values, bad = clean_amounts(series, decimal_comma=raw.decimal_comma)
        out[name] = values
        out[f"{name}_raw"] = _text(series)
        _warn(warnings, name, bad)
    series = _mapped(frame, columns, "employees")
    if series is not None:
        values, bad = clean_amounts(series, decimal_comma=raw.decimal_comma, ranges=True)
        out["employees"] = values
        _warn(warnings, "employees", bad)
    else:
        out["employees"] = None


def _clean_stage_date_fields(
    raw: RawExport,
    columns: dict[str, list[str]],
    stage_values: Mapping[str, str],
    out: dict[str, Any],
    warnings: list[str],
) -> None:
    """Stage (with its raw values), the date fields and priority into ``out``."""
    frame = raw.frame
    series = _mapped(frame, columns, "stage")
    if series is not None:
        out["stage"], unknown = _stages(series, stage_values)
        out["stage_raw"] = _text(series)
        if unknown:
            warnings.append(
                f"{field_label('stage')}: {len(unknown)} value(s) not recognized, counted as "
                "'other' "
                f"(e.g. {', '.join(repr(u) for u in unknown[:3])}); a profile can map them"
            )
    else:
        out["stage"] = pd.Series("other", index=frame.index, dtype="str")
        out["stage_raw"] = None
    for name in DATE_FIELDS:
        series = _mapped(frame, columns, name)
        if series is None:
            out[name] = None
            continue
        out[name], bad = clean_dates(series, dayfirst_hint=raw.decimal_comma)
        _warn(warnings, name, bad)
    series = _mapped(frame, columns, "priority")
    if series is not None:
        out["priority"], bad = _priorities(series)
        _warn(warnings, "priority", bad)
    else:
        out["priority"] = None


def _rejected_rows(
    raw: RawExport, named: np.ndarray, by_domain: bool, warnings: list[str]
) -> pd.DataFrame:
    """The rows without a name (or usable domain), and those repeating the header row."""
    frame = raw.frame
    rejected = _rejected(
        frame.iloc[:0] if named.all() else frame[~named],
        "no usable web domain (the file has no name column; gmail.com and the like do not count)"
        if by_domain
        else "no account name",
    )
    repeated = raw.repeated_header_rows
    if repeated:
        header_row = [raw.renamed_headers.get(h, h) for h in raw.headers]
        copies = pd.DataFrame(
            [header_row] * len(repeated), index=list(repeated), columns=raw.headers
        )
        rejected = pd.concat([rejected, _rejected(copies, REPEATED_HEADER)], ignore_index=True)
        rejected = rejected.sort_values("row_number", kind="stable", ignore_index=True)
        shown = ", ".join(str(r) for r in repeated[:5]) + (", ..." if len(repeated) > 5 else "")
        warnings.append(
            f"{len(repeated)} row(s) repeat the header row (row {shown}), as when exports are "
            "joined together or a report is saved page by page: they were skipped"
        )
    return rejected


def _kept(values: Any, mask: pa.Array, rows: np.ndarray) -> Any:
    """The values of the rows ``mask`` (Arrow) and ``rows`` (numpy) keep, of one cleaned field:
    Arrow strings filtered in Arrow, other columns with numpy."""
    if values is None:
        return None
    if isinstance(values, pd.Series) and values.dtype == "str":
        return _series(pc.filter(_arrow(values), mask))
    if isinstance(values, pd.Series):
        return pd.Series(values.to_numpy()[rows])
    return np.asarray(values)[rows]


def _column(values: Any, column: str, n: int) -> Any:
    """A column of the accounts frame as an array (an all-missing one when not mapped)."""
    if values is None:
        if column in ("annual_revenue", "employees", "deal_size"):
            return np.full(n, np.nan)
        return _series(pa.nulls(n, pa.large_string())).array
    return (
        values.to_numpy()
        if isinstance(values, pd.Series) and values.dtype != "str"
        else (values.array if isinstance(values, pd.Series) else values)
    )


def _warn(warnings: list[str], name: str, bad: list[str]) -> None:
    if bad:
        examples = ", ".join(repr(b) for b in bad[:3])
        warnings.append(
            f"{field_label(name)}: {len(bad)} value(s) not understood, left empty (e.g. {examples})"
        )


def _trimmed(series: pd.Series) -> pa.Array:
    return pc.utf8_trim_whitespace(_arrow(series))


def _text(series: pd.Series) -> pd.Series:
    """Stripped text; empty cells become missing (NULL in the workspace)."""
    stripped = _trimmed(series)
    empty = pc.equal(pc.binary_length(stripped), 0)
    return _series(pc.if_else(empty, pa.scalar(None, stripped.type), stripped), series.index)


def _empty_mask(values: pa.Array) -> np.ndarray:
    """Cells that say "no value" (empty, n/a, -, none...)."""
    lowered = pc.utf8_lower(values)
    empty = pc.is_in(lowered, value_set=pa.array(sorted(BLANK_WORDS), type=values.type))
    return pc.fill_null(empty, True).to_numpy(zero_copy_only=False)


_MULTIPLIERS = {
    "": 1.0,
    "k": 1e3,
    "thousand": 1e3,
    "tsd": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "mrd": 1e9,
    "billion": 1e9,
    "billions": 1e9,
}


_CURRENCY_WORDS = re.compile(
    r"usd|eur|gbp|chf|cad|aud|jpy|inr|cny|rmb|sek|nok|dkk|pln|brl|mxn|zar|dollars?|euros?|"
    r"approx|ca|about|~|\.$"
)


def _multiplier(suffix: str) -> float:
    """The factor of an amount's letters ("k", "mio", "meur", "bn usd"); NaN if unknown."""
    core = _CURRENCY_WORDS.sub("", suffix.strip(".")).strip(".")
    return _MULTIPLIERS.get(core, float("nan"))


def clean_amounts(
    series: pd.Series, *, decimal_comma: bool = False, ranges: bool = False
) -> tuple[np.ndarray, list[str]]:
    """Amounts as floats: "$1.2M", "1,200,000", "1.200.000,00 €", "12k", "(500)", "n/a".

    Plain numbers go through one vectorized conversion; the rest through vectorized string
    rules (currency out, the last of "," and "." with 1-2 trailing digits is the decimal mark,
    suffixes k / M / bn). Values that still make no sense are left empty and reported.
    """
    text = _trimmed(series)
    plain = pc.fill_null(pc.match_substring_regex(text, r"^-?[0-9]+(?:[.][0-9]+)?$"), False)
    values = np.full(len(text), np.nan)
    plain_np = plain.to_numpy(zero_copy_only=False)
    if plain_np.any():
        values[plain_np] = pc.cast(pc.filter(text, plain), pa.float64()).to_numpy(
            zero_copy_only=False
        )
    todo = ~plain_np & ~_empty_mask(text)
    if not todo.any():
        return values, []
    rest = pc.utf8_lower(pc.filter(text, pa.array(todo)))
    # Currency signs, spaces and other symbols out; letters stay for the suffix ("12k", "3 Mio").
    rest = pc.replace_substring_regex(rest, r"[^0-9a-z.,()+\-–]+", "")
    if ranges:  # "51-200", "10,001+": the lower bound
        rest = pc.replace_substring_regex(rest, r"^([0-9][0-9.,]*)(?:-|–|to|\+).*$", r"\1")
    parts = pc.extract_regex(
        rest, r"^(?P<neg>[-(]?)[a-z]*(?P<neg2>-?)(?P<num>[0-9][0-9.,]*)(?P<mult>[a-z.]*)\)?$"
    )
    num = pc.fill_null(pc.struct_field(parts, [2]), "")
    mult = pc.fill_null(pc.struct_field(parts, [3]), "")
    neg = pc.or_(
        pc.greater(pc.binary_length(pc.struct_field(parts, [0])), 0),
        pc.greater(pc.binary_length(pc.struct_field(parts, [1])), 0),
    )
    neg = pc.fill_null(neg, False)

    def found(needle: str, values: pa.Array = num) -> np.ndarray:
        return pc.fill_null(pc.greater_equal(pc.find_substring(values, needle), 0), False).to_numpy(
            zero_copy_only=False
        )

    def has(pattern: str) -> np.ndarray:
        matched = pc.match_substring_regex(num, pattern)
        return pc.fill_null(matched, False).to_numpy(zero_copy_only=False)

    has_comma = found(",")
    has_dot = found(".")
    backwards = pc.utf8_reverse(num)
    comma_after_dot = (
        (
            pc.less(pc.find_substring(backwards, ","), pc.find_substring(backwards, "."))
            .to_numpy(zero_copy_only=False)
            .astype(bool)
        )
        & has_comma
        & has_dot
    )
    several = r"{2,}" if decimal_comma else r"+"
    comma_thousands = has(r"^[0-9]{1,3}(?:,[0-9]{3})" + several + "$")
    dot_thousands = has(r"^[0-9]{1,3}(?:[.][0-9]{3})" + (r"+" if decimal_comma else r"{2,}") + "$")
    comma_decimal = comma_after_dot | (has_comma & ~has_dot & ~comma_thousands)
    drop_dots = comma_decimal | (has_dot & ~has_comma & dot_thousands)
    normalized = pc.if_else(pa.array(drop_dots), pc.replace_substring(num, ".", ""), num)
    normalized = pc.if_else(
        pa.array(comma_decimal),
        pc.replace_substring(normalized, ",", "."),
        pc.replace_substring(normalized, ",", ""),
    )
    ok = pc.match_substring_regex(normalized, r"^[0-9]+(?:[.][0-9]+)?$")
    numbers = pc.cast(pc.if_else(ok, normalized, pa.scalar(None, normalized.type)), pa.float64())
    codes, suffixes = pd.factorize(pd.Series(mult, dtype="str"))
    factors = np.array([_multiplier(str(x)) for x in suffixes] + [1.0])
    amounts = numbers.to_numpy(zero_copy_only=False) * factors[codes]
    amounts = np.where(neg.to_numpy(zero_copy_only=False), -amounts, amounts)
    values[todo] = amounts
    bad_mask = np.zeros(len(values), dtype=bool)
    bad_mask[todo] = np.isnan(amounts)
    if not bad_mask.any():
        return values, []
    bad = pd.Series(pc.filter(text, pa.array(bad_mask)), dtype="str").drop_duplicates().head(5)
    return values, [str(b) for b in bad]


@cache
def _stage_vocabulary() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    spec = json.loads(resource("stages.json").read_text(encoding="utf-8"))
    vocabulary = {_norm(v): stage for stage, values in spec["values"].items() for v in values}
    keywords = tuple((k.casefold(), stage) for k, stage in spec.get("keywords", []))
    return vocabulary, keywords


def classify_stage(value: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The standard stage of one raw CRM value, or None when it is not recognized."""
    vocabulary, keywords = _stage_vocabulary()
    key = _norm(value)
    if extra:
        for raw_value, stage in extra.items():
            if _norm(raw_value) == key and stage in STAGES:
                return stage
    if key in vocabulary:
        return vocabulary[key]
    lowered = value.casefold()
    for keyword, stage in keywords:
        if keyword in lowered:
            return stage
    return None


def _stages(series: pd.Series, extra: Mapping[str, str]) -> tuple[np.ndarray, list[str]]:
    """Standard stages per distinct raw value (a column has a handful of them)."""
    codes, uniques = pd.factorize(_series(_trimmed(series)))
    unknown: list[str] = []
    mapped = []
    for value in uniques:
        stage = classify_stage(str(value), extra) if str(value).strip() else "other"
        if stage is None:
            unknown.append(str(value))
            stage = "other"
        mapped.append(stage)
    table = np.array([*mapped, "other"], dtype=object)
    return table[codes], unknown


_PRIORITY_WORDS = {
    "high": "high",
    "hi": "high",
    "h": "high",
    "hot": "high",
    "a": "high",
    "1": "high",
    "p1": "high",
    "tier 1": "high",
    "tier1": "high",
    "t1": "high",
    "top": "high",
    "strategic": "high",
    "critical": "high",
    "urgent": "high",
    "very high": "high",
    "yes": "high",
    "true": "high",
    "medium": "medium",
    "med": "medium",
    "m": "medium",
    "mid": "medium",
    "warm": "medium",
    "b": "medium",
    "2": "medium",
    "p2": "medium",
    "tier 2": "medium",
    "tier2": "medium",
    "t2": "medium",
    "normal": "medium",
    "moderate": "medium",
    "low": "low",
    "lo": "low",
    "l": "low",
    "cold": "low",
    "c": "low",
    "3": "low",
    "p3": "low",
    "tier 3": "low",
    "tier3": "low",
    "t3": "low",
    "4": "low",
    "p4": "low",
    "d": "low",
    "no": "low",
    "false": "low",
    "very low": "low",
}


def _priorities(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(_series(pc.utf8_lower(_trimmed(series))))
    mapped: list[str | None] = []
    bad: list[str] = []
    for value in uniques:
        text = " ".join(str(value).replace("-", " ").split())
        level = _PRIORITY_WORDS.get(text)
        if level is None and text:
            for word in ("high", "medium", "low"):
                if word in text:
                    level = word
                    break
        if level is None and text not in BLANK_WORDS:
            bad.append(str(value))
        mapped.append(level)
    table = np.array([*mapped, None], dtype=object)
    return table[codes], bad


_ISO = r"^(\d{4})-(\d{1,2})-(\d{1,2})"
_NUMERIC_DATE = r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})"


def clean_dates(series: pd.Series, *, dayfirst_hint: bool = False) -> tuple[pd.Series, list[str]]:
    """Dates to ISO (YYYY-MM-DD), deciding day-first vs month-first once per column.

    Times are cut off first, then only the distinct days are parsed: a column of a million
    timestamps holds a few thousand days.
    """
    part = pc.replace_substring_regex(_trimmed(series), r"(?:T|\s+)[0-9]{1,2}:[0-9]{2}.*$", "")
    codes, uniques = pd.factorize(_series(part))
    values = pd.Series(np.asarray(uniques, dtype=object), dtype="str")
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    iso = values.str.extract(_ISO)
    iso_ok = iso[0].notna()
    if iso_ok.any():
        joined = iso[0] + "-" + iso[1].str.zfill(2) + "-" + iso[2].str.zfill(2)
        result[iso_ok] = pd.to_datetime(joined[iso_ok], format="%Y-%m-%d", errors="coerce")
    numeric = values.str.extract(_NUMERIC_DATE)
    num_ok = numeric[0].notna() & ~iso_ok
    if num_ok.any():
        a = pd.to_numeric(numeric[0][num_ok], errors="coerce")
        b = pd.to_numeric(numeric[1][num_ok], errors="coerce")
        year_first = bool((numeric[0][num_ok].str.len() == 4).all())
        month_second = bool((b > 12).any())
        dotted = values[num_ok].str.contains(".", regex=False).mean() > 0.5
        dayfirst = not month_second and (bool((a > 12).any()) or dayfirst_hint or dotted)
        if year_first:
            formats = ["%Y/%m/%d", "%Y.%m.%d"]
        elif dayfirst:
            formats = ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y", "%d.%m.%y"]
        else:
            formats = ["%m/%d/%Y", "%m.%d.%Y", "%m-%d-%Y", "%m/%d/%y", "%m.%d.%y"]
        for fmt in formats:
            missing = num_ok & result.isna()
            if not missing.any():
                break
            result[missing] = pd.to_datetime(values[missing], format=fmt, errors="coerce")
    serial = values.str.match(r"^\d{5}(?:\.\d+)?$") & result.isna()
    if serial.any():  # Excel day numbers from a number-formatted cell
        days = pd.to_numeric(values[serial], errors="coerce")
        days = days.where((days > 20000) & (days < 80000))
        result[serial] = pd.to_datetime(days, unit="D", origin="1899-12-30").dt.floor("D")
    meaningful = (values.str.len() > 0) & ~values.str.lower().isin(BLANK_WORDS)
    rest = result.isna() & meaningful
    if rest.any():  # "5 Mar 2024", "March 5, 2024"
        with contextlib.suppress(Exception):
            parsed = pd.to_datetime(
                values[rest], format="mixed", errors="coerce", dayfirst=dayfirst_hint
            )
            result[rest] = parsed
    iso_text = result.dt.strftime("%Y-%m-%d")
    table = pa.array(
        [t if isinstance(t, str) else None for t in iso_text.tolist()] + [None],
        type=pa.large_string(),
    )
    codes = np.where(codes < 0, len(table) - 1, codes)
    out = _series(pc.take(table, pa.array(codes)), series.index)
    bad = values[result.isna() & meaningful]
    return out, [str(b) for b in bad.head(5)]


_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def _json_rows(frame: pd.DataFrame) -> pd.Series:
    """Each row's values as a JSON list of strings, built column-wise with pyarrow.

    Backslashes, quotes and the usual control characters are escaped in bulk; the rare row
    holding other control characters is written by ``json.dumps``.
    """
    if frame.empty:
        return pd.Series([], dtype="str", index=frame.index)
    sep = pa.scalar('","', pa.large_string())
    cells = []
    odd = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        values = pc.fill_null(_arrow(frame[column]), "")
        # Most columns hold nothing to escape: one scan says so, and they go as they are.
        if pc.any(pc.match_substring_regex(values, r'[\\"\x00-\x1f]')).as_py():
            odd |= pc.fill_null(
                pc.match_substring_regex(values, r"[\x00-\x08\x0b\x0c\x0e-\x1f]"), False
            ).to_numpy(zero_copy_only=False)
            for plain, escaped in _JSON_ESCAPES:
                values = pc.replace_substring(values, plain, escaped)
        cells.append(values)
    body = pc.binary_join_element_wise(*cells, sep) if len(cells) > 1 else cells[0]
    rows = pc.binary_join_element_wise(
        pa.scalar('["', pa.large_string()),
        body,
        pa.scalar('"]', pa.large_string()),
        pa.scalar("", pa.large_string()),
    )
    out = pd.Series(rows, dtype="str", index=frame.index)
    if odd.any():
        sub = frame[odd].fillna("")
        out[odd] = [
            json.dumps(list(r), ensure_ascii=False) for r in sub.itertuples(index=False, name=None)
        ]
    return out


def _rejected(frame: pd.DataFrame, reason: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(
            {"row_number": pd.Series([], dtype="int64"), "reason": [], "raw_json": []}
        )
    lines = frame.to_json(orient="records", lines=True, force_ascii=False).splitlines()
    return pd.DataFrame(
        {"row_number": frame.index.to_numpy(dtype=np.int64), "reason": reason, "raw_json": lines}
    )


def _first_seen(key: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dictionary codes of ``key`` (-1 for null), whether each row is its value's first, and
    the position of each code's first row.

    Dictionary codes are given in order of first appearance, so a row is the first of its
    value exactly when its code exceeds every code before it.
    """
    if isinstance(key, pa.ChunkedArray):
        key = key.combine_chunks()
    codes = pc.fill_null(pc.dictionary_encode(key).indices, -1).to_numpy(zero_copy_only=False)
    codes = codes.astype(np.int64, copy=False)
    first = np.zeros(len(codes), dtype=bool)
    if len(codes):
        seen = np.maximum.accumulate(codes)
        first[0] = codes[0] >= 0
        first[1:] = codes[1:] > seen[:-1]
    return codes, first, np.flatnonzero(first)


def _duplicates(accounts: pd.DataFrame) -> pd.DataFrame:
    """Rows sharing an external id, or a name and a domain, with the first row of each group."""
    found = []
    rows = accounts["row_number"].to_numpy(dtype=np.int64)

    def group(key: pa.Array, at: np.ndarray, kind: str, value: Callable[[np.ndarray], Any]) -> None:
        """Duplicates among the rows ``at`` (positions in ``accounts``) whose keys are ``key``."""
        codes, first, first_at = _first_seen(key)
        dup = ~first & (codes >= 0)
        if not dup.any():
            return
        where = np.flatnonzero(dup)
        found.append(
            pd.DataFrame(
                {
                    "row_number": rows[at[where]],
                    "kind": kind,
                    "value": value(at[where]),
                    "first_row": rows[at[first_at[codes[where]]]],
                }
            )
        )

    everyone = np.arange(len(accounts))
    ids = _arrow(accounts["external_id"])
    group(ids, everyone, "same external id", lambda at: pc.take(ids, pa.array(at)).to_pylist())
    # Same name and domain needs a domain that occurs more than once: only those rows are keyed.
    domains = pc.fill_null(_arrow(accounts["domains"]), "")
    domain_codes, _first, _at = _first_seen(domains)
    counts = np.bincount(domain_codes[domain_codes >= 0], minlength=1)
    has_domain = pc.greater(pc.binary_length(domains), 0).to_numpy(zero_copy_only=False)
    shared = np.flatnonzero(has_domain & (counts[np.maximum(domain_codes, 0)] > 1))
    name_text = _arrow(accounts["name"])
    if len(shared):
        taken = pa.array(shared)
        names = pc.utf8_lower(pc.take(name_text, taken))
        names = pc.replace_substring_regex(names, r"\s+", " ")
        key = pc.binary_join_element_wise(
            names, pc.take(domains, taken), pa.scalar(" | ", pa.large_string())
        )

        def label(at: np.ndarray) -> list[str]:
            where = pa.array(at)
            return [
                f"{n} ({d})"
                for n, d in zip(
                    pc.take(name_text, where).to_pylist(),
                    pc.take(domains, where).to_pylist(),
                    strict=True,
                )
            ]

        group(key, shared, "same name and domain", label)
    if not found:
        return pd.DataFrame(
            {"row_number": pd.Series([], dtype="int64"), "kind": [], "value": [], "first_row": []}
        )
    return pd.concat(found).sort_values("row_number", kind="stable").reset_index(drop=True)
