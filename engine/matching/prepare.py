"""A side's accounts made ready for matching: name keys, domains and folded fields as arrays.

``_prepare`` turns a DataFrame of accounts into a ``_Side`` (plain numpy and Arrow arrays: the
joins and rapidfuzz scorers read them without Python objects per row); ``_token_tables`` splits
both sides' name keys into words with one vocabulary and IDF weights, which blocking and scoring
share. Also the ``progress`` and ``cancel`` callbacks every stage takes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.errors import Cancelled, OverlapError
from engine.keys.domains import GENERIC_DOMAINS
from engine.keys.names import name_keys, squashed_keys
from engine.matching.joins import _distinct

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]

# The words of a name looked at, rarest first (token matrices, neighbouring words joined).
MAX_TOKENS = 6


@dataclass
class _Side:
    """One side's columns as plain arrays, ready for joins and scorers."""

    names: pa.Array  # original names, for explanations (Arrow: a fraction of Python strings)
    keys: np.ndarray  # name keys
    compact: np.ndarray  # name keys without spaces ("face book" = "facebook")
    domain_values: pa.Array  # every (account, domain) pair: the domain, generic ones removed
    domain_rows: np.ndarray  # ... and the account's position
    one_run: np.ndarray  # the key is one run of eight letters or more (squashed words?)
    has_site: np.ndarray  # has at least one domain
    site_label: np.ndarray  # first domain without its suffix ("acme" of acme.co.uk), hashed
    # Compared for equality only, so kept as 64-bit hashes of the folded values (0: none):
    # a million accounts' strings would cost some hundred megabytes a field.
    industry: np.ndarray
    country: np.ndarray
    city: np.ndarray
    tokens: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)


# Country spellings CRMs use, folded like name keys, → one code. Unknown values compare as
# written, so only a known pair of different countries counts against a match.
_COUNTRIES = {
    "us": "united states|usa|us|u s|u s a|united states of america|america",
    "gb": "united kingdom|uk|u k|gb|gbr|great britain|england|scotland|wales|britain",
    "de": "germany|deutschland|de|deu|ger",
    "fr": "france|fr|fra",
    "ca": "canada|ca|can",
    "au": "australia|au|aus",
    "nl": "netherlands|the netherlands|holland|nl|nld|nederland",
    "jp": "japan|jp|jpn|nippon|日本",
    "se": "sweden|sverige|se|swe",
    "fi": "finland|suomi|fi|fin",
    "dk": "denmark|danmark|dk|dnk",
    "no": "norway|norge|no|nor",
    "mx": "mexico|mx|mex",
    "es": "spain|espana|es|esp",
    "ch": "switzerland|schweiz|suisse|svizzera|ch|che",
    "it": "italy|italia|it|ita",
    "br": "brazil|brasil|br|bra",
    "at": "austria|osterreich|at|aut",
    "be": "belgium|belgique|belgie|be|bel",
    "ie": "ireland|eire|ie|irl",
    "in": "india|in|ind|bharat",
    "cn": "china|people s republic of china|prc|cn|chn|中国",
    "kr": "south korea|korea|republic of korea|kr|kor",
    "sg": "singapore|sg|sgp",
    "pl": "poland|polska|pl|pol",
    "pt": "portugal|pt|prt",
    "tr": "turkey|turkiye|tr|tur",
    "il": "israel|il|isr",
    "ae": "united arab emirates|uae|ae|are",
    "za": "south africa|za|zaf",
    "nz": "new zealand|nz|nzl",
    "ar": "argentina|ar|arg",
    "cl": "chile|cl|chl",
    "co": "colombia|co|col",
}
_COUNTRY_CODES = {
    alias: code for code, aliases in _COUNTRIES.items() for alias in aliases.split("|")
}


def _unaccented(value: object) -> str:
    """Case and accents folded ("España" = "espana")."""
    decomposed = unicodedata.normalize("NFKD", str(value).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _hashed(values: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each string, 0 for an empty one (equal strings, equal hashes)."""
    hashes = pd.util.hash_array(np.asarray(values, dtype=object), categorize=True)
    return np.where(values == "", np.uint64(0), hashes)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A field for ``_evidence``, folded ("Düsseldorf" = "DUSSELDORF", "USA" = "us") and
    hashed (0: none). Folding runs once per distinct value."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=np.uint64)
    values = frame[name].astype(object).where(frame[name].notna(), "").to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    if len(uniques) == 0:
        return np.zeros(len(frame), dtype=np.uint64)
    uniques = np.asarray(uniques, dtype=object)
    if name == "country":
        folded = [" ".join(re.sub(r"[^\w]+", " ", _unaccented(v)).split()) for v in uniques]
        keys = np.array([_COUNTRY_CODES.get(v, v) for v in folded], dtype=object)
    else:
        keys = name_keys(pd.Series(uniques)).to_numpy(dtype=object)
    return np.where(codes >= 0, _hashed(keys)[np.maximum(codes, 0)], np.uint64(0))


def _prepare(frame: pd.DataFrame, by_name: bool = True) -> _Side:
    """A side ready for matching; ``by_name=False`` prepares the domains only."""
    if "name" not in frame.columns:
        raise OverlapError("the accounts have no 'name' column")
    n = len(frame)
    domain_values, domain_rows = _domains(frame)
    first = np.full(n, "", dtype=object)
    if not by_name:
        blank, none = np.full(n, "", dtype=object), np.zeros(n, dtype=np.uint64)
        return _Side(
            names=pa.nulls(n, pa.large_string()),
            keys=blank,
            compact=blank,
            domain_values=domain_values,
            domain_rows=domain_rows,
            has_site=np.zeros(n, dtype=bool),
            one_run=np.zeros(n, dtype=bool),
            site_label=none,
            industry=none,
            country=none,
            city=none,
        )
    names = pc.fill_null(pa.array(frame["name"], type=pa.large_string(), from_pandas=True), "")
    keys = name_keys(frame["name"]).to_numpy(dtype=object)
    compact = squashed_keys(pd.Series(keys, dtype=object)).to_numpy(dtype=object)
    # The first domain of each account (rows come in order, first domain first).
    starts = (
        np.flatnonzero(np.r_[True, domain_rows[1:] != domain_rows[:-1]])
        if len(domain_rows)
        else np.empty(0, dtype=np.int64)
    )
    first[domain_rows[starts]] = domain_values.take(pa.array(starts)).to_numpy(zero_copy_only=False)
    labels = pc.split_pattern(pa.array(first, type=pa.string()), ".", max_splits=1)
    return _Side(
        names=names,
        keys=keys,
        compact=compact,
        domain_values=domain_values,
        domain_rows=domain_rows,
        has_site=first != "",
        one_run=_one_run(keys),
        site_label=_hashed(pc.list_element(labels, 0).to_numpy(zero_copy_only=False)),
        industry=_column(frame, "industry"),
        country=_column(frame, "country"),
        city=_column(frame, "city"),
    )


def _domains(frame: pd.DataFrame) -> tuple[pa.Array, np.ndarray]:
    """Every (account, domain) pair once, in account order, first domain first, generic
    domains left out: the domains (Arrow strings) and the accounts' positions."""
    if "domains" not in frame.columns:
        return pa.array([], type=pa.large_string()), np.empty(0, dtype=np.int64)
    cells = pa.array(frame["domains"], type=pa.large_string(), from_pandas=True)
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    split = pc.split_pattern(pc.utf8_lower(pc.fill_null(cells, "")), " ")
    values = pc.list_flatten(split)
    rows = pc.list_parent_indices(split).to_numpy().astype(np.int64)
    generic = pa.array(sorted(GENERIC_DOMAINS), type=pa.large_string())
    keep = pc.and_(pc.not_equal(values, ""), pc.invert(pc.is_in(values, value_set=generic)))
    values, rows = pc.filter(values, keep), rows[keep.to_numpy(zero_copy_only=False)]
    if len(rows) > 1 and (rows[1:] == rows[:-1]).any():  # several domains in some cells
        codes = values.dictionary_encode().indices.to_numpy(zero_copy_only=False)
        once = ~pd.DataFrame({"r": rows, "d": codes}).duplicated().to_numpy()
        values, rows = pc.filter(values, pa.array(once)), rows[once]
    return values, rows


def _one_run(keys: np.ndarray) -> np.ndarray:
    values = pa.array(keys, type=pa.string())
    spaced = pc.match_substring(values, " ")
    long_enough = pc.greater_equal(pc.utf8_length(values), 8)
    return pc.and_(pc.invert(spaced), long_enough).to_numpy(zero_copy_only=False)


def _check(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled()


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(max(0.0, min(1.0, fraction)), message)


def _tokens(keys: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(row, token) of every token of every key."""
    split = pc.split_pattern(keys, " ")
    flat = pc.list_flatten(split)
    rows = pc.list_parent_indices(split).to_numpy().astype(np.int64)
    keep = pc.not_equal(flat, "")
    return rows[keep.to_numpy(zero_copy_only=False)], pc.filter(flat, keep)


@dataclass
class _TokenTable:
    rows: np.ndarray  # row of each (row, token) entry, sorted by row then rarity
    ids: np.ndarray  # token id
    idf: np.ndarray  # weight of each token id
    vocabulary: pa.Array  # token string per id
    words: np.ndarray  # the same as Python strings
    rank: np.ndarray  # 0 for a row's rarest token, 1 for the next...
    written_rows: np.ndarray  # row of every word in the order written (repeats kept)
    written_ids: np.ndarray  # its token id


def _token_tables(keys_a: np.ndarray, keys_b: np.ndarray) -> tuple[_TokenTable, _TokenTable]:
    """Token tables of both sides with one vocabulary and IDF weights counted over both."""
    rows_a, tok_a = _tokens(pa.array(keys_a, type=pa.string()))
    rows_b, tok_b = _tokens(pa.array(keys_b, type=pa.string()))
    encoded = (
        pa.chunked_array([tok_a, tok_b], type=pa.string()).combine_chunks().dictionary_encode()
    )
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    vocabulary = encoded.dictionary
    size = len(vocabulary)
    ids_a, ids_b = codes[: len(tok_a)], codes[len(tok_a) :]
    frequency = np.zeros(size, dtype=np.int64)
    dedup = []
    for rows, ids in ((rows_a, ids_a), (rows_b, ids_b)):
        if len(rows):
            pair = _distinct(rows * (size + 1) + ids)
            rows, ids = pair // (size + 1), pair % (size + 1)
        dedup.append((rows, ids))
        frequency += np.bincount(ids, minlength=size)
    total = len(keys_a) + len(keys_b)
    idf = np.log((total + 1) / (frequency + 0.5))
    words = np.asarray(vocabulary.to_pylist(), dtype=object)
    # Token ids from the rarest (ties by id): a row's tokens in that order are one integer sort.
    rarest = np.lexsort((np.arange(size), -idf))
    rarity = np.empty(size, dtype=np.int64)
    rarity[rarest] = np.arange(size)
    tables = []
    for (rows, ids), written in zip(dedup, ((rows_a, ids_a), (rows_b, ids_b)), strict=True):
        key = np.sort(rows * max(size, 1) + rarity[ids])
        rows, ids = key // max(size, 1), rarest[key % max(size, 1)]
        tables.append(_TokenTable(rows, ids, idf, vocabulary, words, _ranks(rows), *written))
    return tables[0], tables[1]


def _ranks(rows: np.ndarray) -> np.ndarray:
    """Position of each entry among the entries of its row (``rows`` sorted)."""
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1] if len(rows) else np.empty(0, np.int64)
    return np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
