"""Step 2, matching: find the accounts both companies have, with a score and a reason for each.

Tiers, strongest first: a shared web domain; a domain the user declared an alias of another; the
same name key (``engine.keys.names``); then, for the accounts still unmatched on both sides, fuzzy
names: typos, abbreviations, registry word order, squashed words, acronyms and short everyday
names against long legal ones, with industry, country, city and websites raising or lowering
confidence. Each link gets a score (0–100), a method and a one-line explanation; above the
``auto`` threshold it is matched, between ``review`` and ``auto`` it waits for the user.

The core, ``match_frames``, is pure: two DataFrames in, one DataFrame of links out, the same
for the same input and symmetric in its two sides. Fuzzy candidates never come from all pairs
on big inputs: small sides are compared whole with rapidfuzz ``cdist`` in chunks, big ones
through blocks with capped sizes: every word both sides share (a block of a common word such as
"pharmaceuticals" compared whole with ``cdist`` while the sides are small enough, within a budget
of pairs), one-letter-left-out variants of the rarest word, neighbouring words joined, the two
rarest words together, and the first and last letters of names without spaces; pairs are
rescored with ``cpdist``. When only names alike by 90 or more are wanted, whole blocks of a
common word give way to blocks of names the same but for their rarest word. Scores weigh words
by IDF, so a rare brand counts far more than "Holdings".

The workspace functions store links for a partnership and keep user decisions (accept, reject,
link, unlink) keyed by ``account_key``, so decisions survive re-matching and refreshed imports.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel
from sqlalchemy import text

from engine.errors import Cancelled, OverlapError
from engine.keys.names import ACRONYM_STOPWORDS, name_keys, squashed_keys
from engine.store.models import DomainAlias, Match
from engine.store.workspace import Workspace, account_keys, now

try:  # the domain module is shared with import; matching works without its generic list
    from engine.keys.domains import GENERIC_DOMAINS, registrable_domain
except ImportError:  # pragma: no cover - only while the import step is being built
    GENERIC_DOMAINS = frozenset(
        {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "linkedin.com"}
    )

    def registrable_domain(value: str) -> str:
        return value.strip().lower()


Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]

MATCH_METHODS = ("domain", "alias", "name", "fuzzy", "manual")
MATCH_STATUSES = ("auto", "review", "accepted", "rejected", "manual")
SHARED_MATCH_STATUSES = ("auto", "accepted", "manual")
MATCH_DECISIONS = ("accept", "reject", "unlink")
DEFAULT_AUTO = 92.0
DEFAULT_REVIEW = 75.0
RESULT_COLUMNS = ["our_index", "partner_index", "method", "score", "status", "explanation"]

# Candidate generation. The scorer and cutoff are public so the benchmark can compare the
# blocking against brute force with the very same scorer (computed as ``ratio`` on words put in
# alphabetical order once, which is what ``token_sort_ratio`` does for every pair).
CANDIDATE_SCORER = fuzz.token_sort_ratio
CANDIDATE_CUTOFF = 70
# Sides whose product of sizes is below this are compared whole (cdist in chunks).
BRUTE_FORCE_CELLS = 25_000_000
CDIST_CHUNK_CELLS = 8_000_000
# A blocking key shared by more accounts than this on either side is too common to say anything.
BLOCK_CAP = 20
# A domain or name key carried by more accounts than this on either side links nothing by
# itself (a reseller's domain, "Holdings"): it would produce a flood of links.
CROWDED = 50
# rapidfuzz holds the GIL while it reads a chunk's strings (~0.1 s per million pairs): chunks
# this size keep a GUI thread running beside the matching responsive (no stall over ~50 ms).
SCORE_CHUNK = 250_000
EXPAND_CHUNK = 4_000_000  # pairs per step when a join's blocks are expanded into pairs
# A word held by rows of both sides whose product is at most this is a block compared whole
# with ``cdist`` ("zeria pharmaceuticals" meets "seloria pharmaceuticals"); bigger blocks
# ("and", "international" on large inputs) are skipped. All such blocks together compare at
# most ``BLOCK_CELL_BUDGET`` pairs: over it, the biggest blocks are left out first.
BLOCK_CELLS = 250_000
BLOCK_CELL_BUDGET = 20_000_000
# Names alike by this much or more share every word but a few letters: the blocks of the rest
# of a name and the blocking keys find them, and whole blocks of one shared word are not
# compared (they hold mostly unrelated names that merely share "international").
WORD_BLOCK_CUTOFF = 90
# Blocks this small are expanded into pairs and scored with the others (one call for all).
SMALL_BLOCK = 64
# The rarest words of a name that also get one-letter-left-out blocking keys (typos). Such a
# key shared by more than ``DELETION_CAP`` rows on a side (short made-up words collide a lot on
# big inputs) says too little to pay for the pairs it makes.
DELETION_WORDS = 1
DELETION_CAP = 6
MAX_TOKENS = 6
# Words are found by polynomial hashes modulo 2**64 (numpy's wrapping uint64 arithmetic). The
# base is odd, so it has an inverse modulo 2**64. Two words with the same hash only add a pair
# that scoring then drops.
HASH_BASE = 0x100000001B3
HASH_INVERSE = pow(HASH_BASE, -1, 2**64)
MIX = 0x9E3779B97F4A7C15  # odd: multiplying by it spreads low bits into the high ones


# ---------------------------------------------------------------------------- preparation


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
        folded = [" ".join(re.sub(r"[^\w]+", " ", str(v).casefold()).split()) for v in uniques]
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


# ---------------------------------------------------------------------------- joins


def _factorize(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes of strings (Arrow's hash table: several times pandas' speed on objects)."""
    if values.dtype.kind in "iu":
        return values.astype(np.int64), int(values.max()) + 1 if len(values) else 0
    encoded = pa.array(values, type=pa.string()).dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), len(encoded.dictionary)


def _join_keys(
    keys_a: Sequence[Any] | np.ndarray,
    rows_a: np.ndarray,
    keys_b: Sequence[Any] | np.ndarray,
    rows_b: np.ndarray,
    *,
    cap: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of rows sharing a key, skipping keys held by more than ``cap`` rows on a side.

    Returns (rows_a, rows_b, position in ``keys_a`` of the shared key, crowded keys as a boolean
    per distinct key).
    """
    empty = np.empty(0, dtype=np.int64)
    if len(keys_a) == 0 or len(keys_b) == 0:
        return empty, empty, empty, np.zeros(0, dtype=bool)
    both = [np.asarray(keys_a), np.asarray(keys_b)]
    if not all(k.dtype.kind in "iu" for k in both):
        both = [k.astype(object) for k in both]
    codes, size = _factorize(np.concatenate(both))
    code_a, code_b = codes[: len(keys_a)], codes[len(keys_a) :]
    count_a = np.bincount(code_a, minlength=size)
    count_b = np.bincount(code_b, minlength=size)
    crowded = (count_a > cap) | (count_b > cap)
    usable = (count_a > 0) & (count_b > 0) & ~crowded
    pos_a, pos_b = _expand_blocks(code_a, code_b, usable, np.where(usable, count_b, 0))
    return (
        np.asarray(rows_a, dtype=np.int64)[pos_a],
        np.asarray(rows_b, dtype=np.int64)[pos_b],
        pos_a,
        crowded & (count_a > 0) & (count_b > 0),
    )


def _expand_blocks(
    code_a: np.ndarray, code_b: np.ndarray, usable: np.ndarray, count_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (in ``code_a``, in ``code_b``) of every pair with the same usable code: each
    entry of a meets every entry of b with its code (a sort and a repeat, no hash join).
    ``count_b`` is the number of b entries of each usable code."""
    pos_a = np.flatnonzero(usable[code_a])
    keep_b = np.flatnonzero(usable[code_b])
    sorted_b = keep_b[_stable_order(code_b[keep_b])]
    start_b = np.r_[0, np.cumsum(count_b)[:-1]]
    codes = code_a[pos_a]
    reps = count_b[codes]
    ends = np.cumsum(reps)
    total = int(ends[-1]) if len(ends) else 0
    out_a, out_b = np.empty(total, np.int64), np.empty(total, np.int64)
    # EXPAND_CHUNK pairs at a time: the temporaries stay small at tens of millions of pairs.
    cuts = np.searchsorted(ends, np.arange(EXPAND_CHUNK, total, EXPAND_CHUNK), side="right")
    done = 0
    for lo, hi in itertools.pairwise([0, *cuts.tolist(), len(pos_a)]):
        r = reps[lo:hi]
        n = int(r.sum())
        if n == 0:
            continue
        offsets = np.arange(n, dtype=np.int64) - np.repeat(np.cumsum(r) - r, r)
        out_a[done : done + n] = np.repeat(pos_a[lo:hi], r)
        out_b[done : done + n] = sorted_b[np.repeat(start_b[codes[lo:hi]], r) + offsets]
        done += n
    return out_a, out_b


def _stable_order(codes: np.ndarray) -> np.ndarray:
    """``np.argsort(codes, kind="stable")`` of non-negative integers below 2**63 / len(codes),
    several times faster: each code is made unique by its position and sorted by value."""
    count = len(codes)
    if count == 0:
        return np.empty(0, np.int64)
    return np.sort(codes.astype(np.int64) * count + np.arange(count)) % count


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct integers (a sort: numpy's hash-based ``unique`` is far slower here)."""
    if len(values) == 0:
        return values
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def _unique_pairs(a: np.ndarray, b: np.ndarray, n_b: int) -> tuple[np.ndarray, np.ndarray]:
    if len(a) == 0:
        return a, b
    codes = _distinct(a.astype(np.int64) * max(n_b, 1) + b.astype(np.int64))
    return codes // max(n_b, 1), codes % max(n_b, 1)


# ---------------------------------------------------------------------------- exact tiers


def _alias_groups(aliases: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each aliased domain → one representative of its group (union-find, smallest name)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for first, second in aliases:
        a, b = find(first.strip().lower()), find(second.strip().lower())
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {d: find(d) for d in list(parent)}


def _domain_tier(
    ours: _Side, theirs: _Side, aliases: dict[str, str], notes: list[str]
) -> pd.DataFrame:
    arrow_a, rows_a = ours.domain_values, ours.domain_rows
    arrow_b, rows_b = theirs.domain_values, theirs.domain_rows
    # Domains as integer codes (Arrow's hash table), joined as numbers.
    encoded = pa.concat_arrays([arrow_a, arrow_b]).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    code_a, code_b = codes[: len(arrow_a)], codes[len(arrow_a) :]
    frames = []
    a, b, k, crowded = _join_keys(code_a, rows_a, code_b, rows_b, cap=CROWDED)
    if crowded.any():
        notes.append(
            f"{int(crowded.sum())} domain(s) carried by more than {CROWDED} accounts were not used"
        )
    if len(a):
        # Each pair once; a pair sharing several domains names the first in lexical order.
        order = np.lexsort((b, a))
        a, b, k = a[order], b[order], k[order]
        again = (a[1:] == a[:-1]) & (b[1:] == b[:-1])
        if again.any():
            several = np.r_[False, again] | np.r_[again, False]
            at = np.flatnonzero(several)
            group = pd.DataFrame(
                {"at": at, "a": a[at], "b": b[at], "d": arrow_a.take(pa.array(k[at]))}
            )
            keep = ~several
            keep[group.sort_values(["a", "b", "d"]).drop_duplicates(["a", "b"])["at"]] = True
            a, b, k = a[keep], b[keep], k[keep]
        large = pa.large_string()
        explanation = pc.binary_join_element_wise(
            pa.scalar("same domain ", large), arrow_a.take(pa.array(k)), pa.scalar("", large)
        ).to_numpy(zero_copy_only=False)
        frames.append(
            pd.DataFrame(
                {"a": a, "b": b, "method": "domain", "score": 100.0, "explanation": explanation}
            )
        )
    dom_a = arrow_a.to_numpy(zero_copy_only=False) if aliases else arrow_a
    dom_b = arrow_b.to_numpy(zero_copy_only=False) if aliases else arrow_b
    if aliases and len(dom_a) and len(dom_b):
        canon_a = np.array([aliases.get(d, d) for d in dom_a], dtype=object)
        canon_b = np.array([aliases.get(d, d) for d in dom_b], dtype=object)
        a, b, _k, _crowded = _join_keys(
            canon_a, np.arange(len(dom_a)), canon_b, np.arange(len(dom_b)), cap=CROWDED
        )
        differ = dom_a[a] != dom_b[b]
        if differ.any():
            pairs = pd.DataFrame(
                {
                    "a": rows_a[a[differ]],
                    "b": rows_b[b[differ]],
                    "da": dom_a[a[differ]],
                    "db": dom_b[b[differ]],
                }
            )
            # A lexical order of the two domains keeps the explanation symmetric.
            lo = np.where(pairs["da"] < pairs["db"], pairs["da"], pairs["db"])
            hi = np.where(pairs["da"] < pairs["db"], pairs["db"], pairs["da"])
            pairs["detail"] = [f"{x} is an alias of {y}" for x, y in zip(lo, hi, strict=True)]
            pairs = pairs.sort_values(["a", "b", "detail"]).drop_duplicates(["a", "b"])
            frames.append(
                pd.DataFrame(
                    {
                        "a": pairs["a"].to_numpy(),
                        "b": pairs["b"].to_numpy(),
                        "method": "alias",
                        "score": 100.0,
                        "explanation": pairs["detail"].to_numpy(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else _empty_links()


def _empty_links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": np.empty(0, dtype=np.int64),
            "b": np.empty(0, dtype=np.int64),
            "method": np.empty(0, dtype=object),
            "score": np.empty(0, dtype=float),
            "explanation": np.empty(0, dtype=object),
        }
    )


# How much each agreeing (plus) or disagreeing (minus) field moves a name-based score. CRMs
# name industries from different picklists, so a different industry says little; a different
# country says a lot.
_FIELDS = (("country", 2.0, 12.0), ("city", 3.0, 9.0), ("industry", 2.0, 0.0))
_RELATED_SITES, _OTHER_SITES = 3.0, 12.0


def _evidence(ours: _Side, theirs: _Side, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How industry, country, city and websites raise or lower a name-based score.

    Pairs reaching the name tiers share no domain (the domain tier would have linked them), so
    two websites mean two companies unless their names match ("acme.com" / "acme.de").
    """
    adjust = np.zeros(len(a), dtype=float)
    for field_name, plus, minus in _FIELDS:
        va = getattr(ours, field_name)[a]
        vb = getattr(theirs, field_name)[b]
        both = (va != 0) & (vb != 0)
        adjust += np.where(both & (va == vb), plus, 0.0) - np.where(both & (va != vb), minus, 0.0)
    sites = ours.has_site[a] & theirs.has_site[b]
    related = sites & (ours.site_label[a] == theirs.site_label[b])
    adjust += np.where(related, _RELATED_SITES, 0.0) - np.where(sites & ~related, _OTHER_SITES, 0.0)
    return adjust


def _evidence_words(ours: _Side, theirs: _Side, a: np.ndarray, b: np.ndarray) -> list[str]:
    """``_evidence`` in words ("same country; different websites"), for the links kept."""
    parts: list[list[str]] = [[] for _ in range(len(a))]
    for field_name, _plus, minus in _FIELDS:
        va = getattr(ours, field_name)[a]
        vb = getattr(theirs, field_name)[b]
        both = (va != 0) & (vb != 0)
        for i in np.flatnonzero(both & (va == vb)):
            parts[i].append(f"same {field_name}")
        if minus > 0:
            for i in np.flatnonzero(both & (va != vb)):
                parts[i].append(f"different {field_name}")
    sites = ours.has_site[a] & theirs.has_site[b]
    related = sites & (ours.site_label[a] == theirs.site_label[b])
    for i in np.flatnonzero(related):
        parts[i].append("related websites")
    for i in np.flatnonzero(sites & ~related):
        parts[i].append("different websites")
    return ["; ".join(p) for p in parts]


def _with_evidence(text_: str, words: str) -> str:
    return f"{text_}; {words}" if words else text_


def _name_tier(ours: _Side, theirs: _Side, notes: list[str]) -> pd.DataFrame:
    frames = []
    nonempty_a = np.flatnonzero(ours.keys != "")
    nonempty_b = np.flatnonzero(theirs.keys != "")
    a, b, _k, crowded = _join_keys(
        ours.keys[nonempty_a], nonempty_a, theirs.keys[nonempty_b], nonempty_b, cap=CROWDED
    )
    if crowded.any():
        notes.append(
            f"{int(crowded.sum())} name(s) carried by more than {CROWDED} accounts were not used"
        )
    if len(a):
        frames.append((a, b, 100.0, "same name after removing legal forms"))
    # Squashed or split words: "Face Book" = "Facebook".
    ca, cb = ours.compact[nonempty_a], theirs.compact[nonempty_b]
    a2, b2, _k, _c = _join_keys(ca, nonempty_a, cb, nonempty_b, cap=CROWDED)
    differ = ours.keys[a2] != theirs.keys[b2]
    if differ.any():
        frames.append((a2[differ], b2[differ], 96.0, "same name apart from spaces"))
    if not frames:
        return _empty_links()
    out = []
    for a_, b_, base, words in frames:
        adjust = _evidence(ours, theirs, a_, b_)
        out.append(
            pd.DataFrame(
                {
                    "a": a_,
                    "b": b_,
                    "method": "name",
                    "score": np.clip(base + np.minimum(adjust, 0.0), 0, 100),
                    "explanation": [
                        _with_evidence(words, w) for w in _evidence_words(ours, theirs, a_, b_)
                    ],
                }
            )
        )
    return pd.concat(out, ignore_index=True)


# ---------------------------------------------------------------------------- fuzzy candidates


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


def _letters(words: pa.Array, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every letter of every word, each word's letters together and in order: (the word's
    position in ``words``, the letter's position in its word, its code point). ASCII words
    are read straight from Arrow's UTF-8 bytes, the others through Python strings."""
    words = pa.concat_arrays([words]) if words.offset else words
    ascii_ = pc.binary_length(words).to_numpy(zero_copy_only=False) == lengths
    offsets = np.frombuffer(words.buffers()[1], dtype=np.int32)[: len(words) + 1]
    data = words.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    owners, codes = [], []
    if ascii_.all():
        owners.append(np.arange(len(words)))
        codes.append(data[offsets[0] : offsets[-1]])
    else:
        for index in np.flatnonzero(ascii_), np.flatnonzero(~ascii_):
            if ascii_[index[:1]].all():
                starts, counts = offsets[index], lengths[index]
                at = np.repeat(starts - np.cumsum(counts) + counts, counts)
                codes.append(data[at + np.arange(len(at))])
            else:
                width = int(lengths[index].max(initial=0))
                fixed = np.asarray(words.take(pa.array(index)).to_pylist(), dtype=f"<U{width}")
                matrix = fixed.view(np.uint32).reshape(len(index), width)
                codes.append(matrix[np.arange(width) < lengths[index][:, None]])
            owners.append(index)
    owner = np.concatenate(owners)
    counts = lengths[owner]
    word = np.repeat(owner, counts)
    position = np.arange(len(word)) - np.repeat(np.cumsum(counts) - counts, counts)
    return word, position, np.concatenate(codes).astype(np.uint64)


def _powers(count: int) -> np.ndarray:
    """``HASH_BASE`` to the powers 0 .. count - 1, modulo 2**64."""
    factors = np.full(count, HASH_BASE, dtype=np.uint64)
    factors[:1] = 1
    return np.cumprod(factors)


def _hash_sums(words: pa.Array, lengths: np.ndarray) -> tuple[np.ndarray, ...]:
    """``_letters`` of the words, with each letter's code point times ``HASH_BASE`` to its
    position, summed over the word's letters up to it (modulo 2**64, as numpy's uint64
    wraps), and the hash of each word: the sum over all its letters."""
    word, position, codes = _letters(words, lengths)
    hashes = np.zeros(len(words), dtype=np.uint64)
    if len(word) == 0:
        return word, position, codes, codes, hashes
    running = np.cumsum(codes * _powers(int(position.max(initial=0)) + 1)[position])
    last = np.r_[word[1:] != word[:-1], True]
    ends = running[last]
    before = np.r_[np.uint64(0), ends[:-1]]
    hashes[word[last]] = ends - before
    # ``running`` from each word's own start.
    running -= np.repeat(before, lengths[word[last]])
    return word, position, codes, running, hashes


def _deletion_hashes(
    words: pa.Array, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashes of the distinct one-letter-left-out variants of each word: (position in
    ``words``, hash), and the hash of each word. Leaving out letter i keeps the hash of the
    letters before it and moves the letters after it down one power (a multiplication by the
    base's inverse)."""
    word, position, codes, through, hashes = _hash_sums(words, lengths)
    before = through - codes * _powers(int(position.max(initial=0)) + 1)[position]
    after = hashes[word] - through
    variants = before + after * np.uint64(HASH_INVERSE)
    # Leaving out any letter of a run ("ll") gives the same variant: the first one stands.
    first = np.r_[True, (codes[1:] != codes[:-1]) | (position[1:] == 0)][: len(word)]
    return word[first], variants[first], hashes


def _deletion_pairs(
    table_a: _TokenTable, table_b: _TokenTable, one_word: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows whose rarest words (of four letters or more) are one typo apart: they are
    equal once one letter is left out of either or both. Variants held by more than
    ``DELETION_CAP`` rows on a side are skipped. With ``one_word``, only names of one word."""
    lengths = _word_lengths(table_a)
    da = (table_a.rank < DELETION_WORDS) & (lengths[table_a.ids] >= 4)
    db = (table_b.rank < DELETION_WORDS) & (lengths[table_b.ids] >= 4)
    if one_word:
        da &= _one_word(table_a)[table_a.rows]
        db &= _one_word(table_b)[table_b.rows]
    rare_ids = _distinct(np.concatenate([table_a.ids[da], table_b.ids[db]]))
    positions, variants, whole = _deletion_hashes(
        table_a.vocabulary.take(pa.array(rare_ids)), lengths[rare_ids]
    )
    positions = np.r_[np.arange(len(rare_ids)), positions]
    variants = np.r_[whole, variants]
    # A word's variants are all different: besides the word itself (rows with the same rarest
    # word), only a variant that two different words have links anything.
    # One plain sort: the hashes are mixed (their high bits vary little) and their low bits
    # give way to each entry's position (a collision of the shortened hashes only adds a pair
    # that scoring then drops).
    bits = np.uint64(max((len(variants) - 1).bit_length(), 1))
    mixed = variants * np.uint64(MIX) >> bits << bits
    packed = np.sort(mixed | np.arange(len(variants), dtype=np.uint64))
    order = (packed & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)
    ordered = packed >> bits
    new = np.r_[True, ordered[1:] != ordered[:-1]]
    shared = ~new | np.r_[~new[1:], False] | (order < len(rare_ids))
    owners = rare_ids[positions[order[shared]]]
    codes = (np.cumsum(new.view(np.uint8), dtype=np.int64) - 1)[shared]
    # The variants are the biggest arrays of the fuzzy tier at a million names: freed before
    # the rows are expanded.
    del positions, variants, order, ordered, new, shared
    # In token order, the sorts in ``_expand_blocks`` find them sorted already.
    by_owner = _stable_order(owners)
    owners, codes = owners[by_owner], codes[by_owner]
    per_token = np.bincount(owners, minlength=len(lengths))
    sides = []
    for table, sel in ((table_a, da), (table_b, db)):
        at, av = _expand_blocks(table.ids[sel], owners, per_token > 0, per_token)
        sides.append((codes[av], table.rows[sel][at]))
    return _join_codes(sides[0][0], sides[0][1], sides[1][0], sides[1][1], DELETION_CAP)


def _one_word(table: _TokenTable) -> np.ndarray:
    """Whether each row (up to the last with words) has one word."""
    return np.bincount(table.rows) == 1


def _join_codes(
    code_a: np.ndarray, rows_a: np.ndarray, code_b: np.ndarray, rows_b: np.ndarray, cap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows sharing an integer code held by at most ``cap`` rows on each side."""
    if len(code_a) == 0 or len(code_b) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    a, b, _k, _c = _join_keys(code_a, rows_a, code_b, rows_b, cap=cap)
    return a, b


def _word_lengths(table: _TokenTable) -> np.ndarray:
    """Length in characters of each word of the vocabulary."""
    return pc.utf8_length(table.vocabulary).to_numpy(zero_copy_only=False).astype(np.int64)


def _joined_word_pairs(table_a: _TokenTable, table_b: _TokenTable) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows where two neighbouring words of one are a word of the other ("face book"
    meets "facebook"; keys held by more than ``BLOCK_CAP`` rows on a side are skipped)."""
    vocabulary = table_a.vocabulary
    joined = []
    for table in (table_a, table_b):
        rows, ids = table.written_rows, table.written_ids
        first = np.flatnonzero(rows[1:] == rows[:-1])
        first = first[_ranks(rows)[first] < MAX_TOKENS]
        words = pc.binary_join_element_wise(
            vocabulary.take(pa.array(ids[first])), vocabulary.take(pa.array(ids[first + 1])), ""
        )
        found = pc.fill_null(pc.index_in(words, value_set=vocabulary), -1)
        at = found.to_numpy(zero_copy_only=False).astype(np.int64)
        joined.append((at[at >= 0], rows[first[at >= 0]]))
    # Two words joined on one side meet a word of the other, both ways.
    a_to_b = _join_codes(*joined[0], table_b.ids, table_b.rows, BLOCK_CAP)
    b_to_a = _join_codes(*joined[1], table_a.ids, table_a.rows, BLOCK_CAP)
    return np.r_[a_to_b[0], b_to_a[1]], np.r_[a_to_b[1], b_to_a[0]]


def _two_rarest_pairs(table_a: _TokenTable, table_b: _TokenTable) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows with the same two rarest words (keys held by more than ``BLOCK_CAP`` rows
    on a side are too common to say anything and are skipped)."""
    size = len(table_a.vocabulary)
    pair_codes = []
    for table in (table_a, table_b):
        first = np.flatnonzero(table.rank == 0)
        second = np.flatnonzero(table.rank == 1)
        has = np.isin(table.rows[first], table.rows[second])
        first = first[has]
        lo = np.minimum(table.ids[first], table.ids[second])
        hi = np.maximum(table.ids[first], table.ids[second])
        pair_codes.append((lo * size + hi, table.rows[first]))
    inverse = pd.factorize(np.concatenate([pair_codes[0][0], pair_codes[1][0]]))[0]
    n0 = len(pair_codes[0][0])
    return _join_codes(inverse[:n0], pair_codes[0][1], inverse[n0:], pair_codes[1][1], BLOCK_CAP)


def _sorted_words(
    tables: tuple[_TokenTable, _TokenTable], n_a: int, n_b: int
) -> tuple[pa.Array, pa.Array]:
    """Each of the ``n_a`` and ``n_b`` keys' words (repeats kept) in alphabetical order, joined
    by spaces: what ``token_sort_ratio`` compares. As Arrow strings: at a million names, a
    fraction of the memory of Python strings."""
    vocabulary = tables[0].vocabulary
    size = max(len(vocabulary), 1)
    # UTF-8 byte order is code point order, so this is Python's ``sorted`` of each key's words.
    alphabetical = pc.sort_indices(vocabulary).to_numpy().astype(np.int64)
    place = np.empty(len(vocabulary), dtype=np.int64)
    place[alphabetical] = np.arange(len(vocabulary))
    out = []
    for table, n in zip(tables, (n_a, n_b), strict=True):
        rows = table.written_rows
        ids = alphabetical[np.sort(rows * size + place[table.written_ids]) % size]
        offsets = np.r_[0, np.cumsum(np.bincount(rows, minlength=n))].astype(np.int32)
        words = vocabulary.take(pa.array(ids, type=pa.int64()))
        out.append(pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), words), " "))
    return out[0], out[1]


def candidate_pairs(
    keys_a: Sequence[str] | np.ndarray,
    keys_b: Sequence[str] | np.ndarray,
    *,
    cutoff: float = CANDIDATE_CUTOFF,
    brute_force: bool | None = None,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Pairs of name keys alike by at least ``cutoff``: the better of ``token_sort_ratio`` and
    ``ratio`` of the keys without spaces (squashed words).

    Brute force (all pairs, ``cdist`` in chunks) when the sides are small or ``brute_force`` is
    True; otherwise blocks of shared words (compared whole with ``cdist`` when not too big;
    from ``WORD_BLOCK_CUTOFF``, blocks of names the same but for their rarest word instead)
    and blocking keys with capped blocks, rescored with ``cpdist``. Returns columns a, b
    (positions) and score.
    """
    keys_a = np.asarray(keys_a, dtype=object)
    keys_b = np.asarray(keys_b, dtype=object)
    return _candidates(keys_a, keys_b, None, None, cutoff, brute_force, cancel, progress)


def _squashed_sides(keys_a: np.ndarray, keys_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``squashed_keys`` of both sides."""
    return (
        squashed_keys(pd.Series(keys_a, dtype=object)).to_numpy(dtype=object),
        squashed_keys(pd.Series(keys_b, dtype=object)).to_numpy(dtype=object),
    )


def _is_brute_force(n_a: int, n_b: int, brute_force: bool | None) -> bool:
    """Whether all pairs are compared: as asked, else when the sides are small."""
    return n_a * n_b <= BRUTE_FORCE_CELLS if brute_force is None else brute_force


def _candidates(
    keys_a: np.ndarray,
    keys_b: np.ndarray,
    compact: tuple[np.ndarray, np.ndarray] | None,
    tables: tuple[_TokenTable, _TokenTable] | None,
    cutoff: float,
    brute_force: bool | None,
    cancel: Cancel | None,
    progress: Progress | None,
) -> pd.DataFrame:
    """``candidate_pairs`` of keys whose squashed keys (``compact``) and token tables may be
    made already."""
    if len(keys_a) == 0 or len(keys_b) == 0:
        return pd.DataFrame(
            {"a": np.empty(0, np.int64), "b": np.empty(0, np.int64), "score": np.empty(0)}
        )
    if _is_brute_force(len(keys_a), len(keys_b), brute_force):
        compact = compact or _squashed_sides(keys_a, keys_b)
        tables = tables or _token_tables(keys_a, keys_b)
        sorted_a, sorted_b = (
            words.to_numpy(zero_copy_only=False)
            for words in _sorted_words(tables, len(keys_a), len(keys_b))
        )
        by_words = _cdist_pairs(sorted_a, sorted_b, cutoff, cancel, progress)
        squashed = _cdist_pairs(compact[0], compact[1], cutoff, cancel, progress)
        both = pd.concat([by_words, squashed], ignore_index=True)
        both = both.sort_values(["a", "b", "score"], ascending=[True, True, False])
        return both.drop_duplicates(["a", "b"]).reset_index(drop=True)
    # A second thread (Arrow and rapidfuzz release the GIL) makes the squashed keys, the
    # sorted words and the pairs of ends, and compares the bigger blocks whole, while the
    # token tables, the blocks and the other blocking keys are worked out here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        known = compact
        squashed_job = pool.submit(lambda: known or _squashed_sides(keys_a, keys_b))
        others = [pool.submit(lambda: _end_pairs(squashed_job.result()))]
        tables = tables or _token_tables(keys_a, keys_b)
        _check(cancel)
        small_a, small_b, blocks, by_rest = _whole_blocks(tables, cutoff)
        words = pool.submit(_sorted_words, tables, len(keys_a), len(keys_b))
        whole = []
        if by_rest:
            others.append(
                pool.submit(lambda: _compare_rests(blocks, tables, *words.result(), cutoff, cancel))
            )
        else:
            whole = [
                pool.submit(lambda: _compare_blocks(blocks, *words.result(), cutoff, cancel)),
                pool.submit(
                    lambda: _compare_blocks(blocks, *squashed_job.result(), cutoff, cancel)
                ),
            ]
        a, b = _keyed_pairs(tables, others, small_a, small_b, len(keys_b), by_rest, cancel)
        sorted_a, sorted_b = words.result()
        compact = squashed_job.result()
        # Only pairs whose lengths allow the cutoff by words or squashed are scored.
        fits = _lengths_fit(sorted_a, sorted_b, a, b, cutoff)
        fits |= _lengths_fit(compact[0], compact[1], a, b, cutoff)
        a, b = a[fits], b[fits]
        # ratio on words in alphabetical order is token_sort_ratio, without re-sorting each pair.
        by_squashed = pool.submit(_chunked_cpdist, compact[0], compact[1], a, b, cutoff, cancel)
        scores = np.maximum(
            _chunked_cpdist(sorted_a, sorted_b, a, b, cutoff, cancel, progress),
            by_squashed.result(),
        )
        keep = scores > 0 if cutoff > 0 else scores >= 0
        found = [(a[keep], b[keep], scores[keep].astype(float))]
        found += [job.result() for job in whole]
    a, b, scores = (np.concatenate(part) for part in zip(*found, strict=True))
    # One row per pair, with its best score (by words or squashed).
    order = np.lexsort((-scores, b, a))
    a, b, scores = a[order], b[order], scores[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])] if len(a) else np.empty(0, bool)
    return pd.DataFrame({"a": a[first], "b": b[first], "score": scores[first]})


def _lengths_fit(
    left: np.ndarray | pa.Array,
    right: np.ndarray | pa.Array,
    a: np.ndarray,
    b: np.ndarray,
    cutoff: float,
) -> np.ndarray:
    """Whether strings ``left[a]`` and ``right[b]`` are close enough in length for a ``ratio``
    of ``cutoff``: ``ratio`` is twice the letters in common over both lengths, so at most
    ``200 * shorter / (sum of lengths)``."""
    len_a, len_b = _lengths(left)[a], _lengths(right)[b]
    return 200 * np.minimum(len_a, len_b) >= cutoff * (len_a + len_b)


def _keyed_pairs(
    tables: tuple[_TokenTable, _TokenTable],
    others: list[Future[tuple[np.ndarray, np.ndarray]]],
    small_a: np.ndarray,
    small_b: np.ndarray,
    n_b: int,
    by_rest: bool,
    cancel: Cancel | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs of small blocks, of blocking keys and of ``others`` (worked out in another
    thread: ``_end_pairs``, ``_compare_rests``), to be scored. Names of several words one typo
    apart and alike enough to be compared by the rest of the name (``by_rest``) have the same
    rest: then the typo keys are left to names of one word."""
    found = [
        (small_a, small_b),
        _deletion_pairs(*tables, one_word=by_rest),
        _joined_word_pairs(*tables),
        _two_rarest_pairs(*tables),
    ]
    _check(cancel)
    found += [job.result() for job in others]
    a, b = (np.concatenate(side) for side in zip(*found, strict=True))
    return _unique_pairs(a, b, n_b)


def _whole_blocks(
    tables: tuple[_TokenTable, _TokenTable], cutoff: float
) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]], bool]:
    """Blocks of rows compared whole. Below ``WORD_BLOCK_CUTOFF``, rows sharing a word ("zeria
    pharmaceuticals" meets "seloria pharmaceuticals"); from it, rows whose words but the rarest
    are the same (the same pair, without "zeria international" meeting it). Returns the pairs
    of small blocks (to be scored; blocks of a word always), the rows (a, b) of each bigger
    block, the smallest first, at most ``BLOCK_CELL_BUDGET`` pairs in all, and whether they are
    blocks of the rest of a name (``_compare_rests``) or of a word (``_compare_blocks``).
    """
    ta, tb = tables
    words = _Grouping(ta.ids, ta.rows, tb.ids, tb.rows, len(ta.vocabulary))
    groupings = [words]
    pairs = [words.small_pairs()]
    if cutoff >= WORD_BLOCK_CUTOFF:
        (rows_a, rest_a, whole_a), (rows_b, rest_b, whole_b) = _rest_codes(ta), _rest_codes(tb)
        # Names of one word have no rest.
        many_a, many_b = rest_a != 0, rest_b != 0
        code_a, code_b = _coded(rest_a[many_a], rest_b[many_b])
        groupings.append(_Grouping(code_a, rows_a[many_a], code_b, rows_b[many_b]))
        pairs.append(groupings[-1].small_pairs())
        # A name with one word more than the other, its rarest, meets it.
        code_a, code_b = _coded(rest_a[many_a], whole_b)
        pairs.append(_join_codes(code_a, rows_a[many_a], code_b, rows_b, BLOCK_CAP))
        code_a, code_b = _coded(whole_a, rest_b[many_b])
        pairs.append(_join_codes(code_a, rows_a, code_b, rows_b[many_b], BLOCK_CAP))
    compared = groupings[-1]
    cells = compared.cells
    big = (cells > SMALL_BLOCK) & (cells <= BLOCK_CELLS)
    if int(cells[big].sum()) > BLOCK_CELL_BUDGET:
        # Leave out the biggest blocks until the rest fit the budget.
        sizes = np.sort(cells[big])
        cap = int(sizes[max(int(np.searchsorted(np.cumsum(sizes), BLOCK_CELL_BUDGET)) - 1, 0)])
        big &= cells <= cap
    blocks = [compared.block(code) for code in np.flatnonzero(big).tolist()]
    small_a, small_b = (np.concatenate(side) for side in zip(*pairs, strict=True))
    return small_a, small_b, blocks, compared is not words


def _rest_codes(table: _TokenTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row with words, a code of its words but the rarest (0 for a name of one word)
    and a code of all its words: the sum of a random number per word (modulo 2**64; two
    different sets of words with the same code only make a bigger block)."""
    salt = np.random.default_rng(len(table.vocabulary)).integers(
        1, 2**63, len(table.vocabulary), dtype=np.uint64
    )
    rows = table.rows
    if len(rows) == 0:
        return rows, salt[:0], salt[:0]
    starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
    whole = np.add.reduceat(salt[table.ids], starts)
    return rows[starts], whole - salt[table.ids[starts]], whole


def _coded(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (0, 1...) of the values of ``left`` and ``right``, the same for the same
    value."""
    codes = pd.factorize(np.concatenate([left, right]))[0]
    return codes[: len(left)], codes[len(left) :]


class _Grouping:
    """Rows of both sides grouped by an integer code (0 .. size - 1)."""

    def __init__(
        self,
        code_a: np.ndarray,
        rows_a: np.ndarray,
        code_b: np.ndarray,
        rows_b: np.ndarray,
        size: int | None = None,
    ) -> None:
        size = (
            size
            if size is not None
            else int(max(code_a.max(initial=-1), code_b.max(initial=-1))) + 1
        )
        self.code_a, self.code_b = code_a, code_b
        self.rows_a, self.rows_b = rows_a, rows_b
        self.count_a = np.bincount(code_a, minlength=size)
        self.count_b = np.bincount(code_b, minlength=size)
        self.cells = self.count_a * self.count_b
        self.sorted_a = rows_a[_stable_order(code_a)]
        self.sorted_b = rows_b[_stable_order(code_b)]
        self.start_a = np.cumsum(self.count_a) - self.count_a
        self.start_b = np.cumsum(self.count_b) - self.count_b

    def small_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows (a, b) of every pair in blocks of at most ``SMALL_BLOCK`` pairs."""
        small = (self.cells > 0) & (self.cells <= SMALL_BLOCK)
        pos_a, pos_b = _expand_blocks(
            self.code_a, self.code_b, small, np.where(small, self.count_b, 0)
        )
        return self.rows_a[pos_a], self.rows_b[pos_b]

    def block(self, code: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows (a, b) with the code."""
        a, b = self.start_a[code], self.start_b[code]
        return (
            self.sorted_a[a : a + self.count_a[code]],
            self.sorted_b[b : b + self.count_b[code]],
        )


def _compare_blocks(
    blocks: list[tuple[np.ndarray, np.ndarray]],
    left: np.ndarray | pa.Array,
    right: np.ndarray | pa.Array,
    cutoff: float,
    cancel: Cancel | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of rows of each block (a, b) whose strings have a ``ratio`` of at least
    ``cutoff``, with their scores."""
    found_a, found_b, found_s = [], [], []
    for ra, rb in blocks:
        _check(cancel)
        scores = process.cdist(
            _texts(left, ra),
            _texts(right, rb),
            scorer=fuzz.ratio,
            dtype=np.uint8,
            workers=1,
            score_cutoff=cutoff,
        )
        ia, ib = np.nonzero(scores >= max(cutoff, 1))
        found_a.append(ra[ia])
        found_b.append(rb[ib])
        found_s.append(scores[ia, ib].astype(float))
    empty_i, empty_f = np.empty(0, np.int64), np.empty(0, float)
    return (
        np.concatenate(found_a) if found_a else empty_i,
        np.concatenate(found_b) if found_b else empty_i,
        np.concatenate(found_s) if found_s else empty_f,
    )


def _compare_rests(
    blocks: list[tuple[np.ndarray, np.ndarray]],
    tables: tuple[_TokenTable, _TokenTable],
    sorted_a: pa.Array,
    sorted_b: pa.Array,
    cutoff: float,
    cancel: Cancel | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows of each block of names the same but for their rarest word that may be
    alike by ``cutoff``: their rarest words are at most as many insertions and deletions apart
    as ``ratio`` allows for the whole names (one comparison of short words in place of two
    of whole names; the pairs are then scored)."""
    rarest = []
    for table, words in ((tables[0], sorted_a), (tables[1], sorted_b)):
        first = table.rank == 0
        ids = np.zeros(len(words), dtype=np.int64)
        ids[table.rows[first]] = table.ids[first]
        rarest.append(ids)
    lengths_a, lengths_b = _lengths(sorted_a), _lengths(sorted_b)
    slack = (100 - cutoff) / 100
    found_a, found_b = [], []
    for ra, rb in blocks:
        _check(cancel)
        allowed = slack * (lengths_a[ra][:, None] + lengths_b[rb][None, :])
        apart = process.cdist(
            tables[0].words[rarest[0][ra]].tolist(),
            tables[1].words[rarest[1][rb]].tolist(),
            scorer=Indel.distance,
            dtype=np.int32,
            workers=1,
            score_cutoff=int(allowed.max()),
        )
        ia, ib = np.nonzero(apart <= allowed + 1e-6)
        found_a.append(ra[ia])
        found_b.append(rb[ib])
    empty = np.empty(0, np.int64)
    return (
        np.concatenate(found_a) if found_a else empty,
        np.concatenate(found_b) if found_b else empty,
    )


def _end_pairs(compact: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Squashed names ("ZairzitronAdvAutomotiveCorp") meet their spaced spelling: pairs of
    names the same without spaces, and of names of eight letters or more (without spaces)
    with the same first or the same last seven letters (keys held by more than ``BLOCK_CAP``
    rows on a side skipped)."""
    sides = [pa.array(values, type=pa.string()) for values in compact]
    everyone = [np.arange(len(values)) for values in sides]
    long = [
        np.flatnonzero(pc.utf8_length(values).to_numpy(zero_copy_only=False) >= 8)
        for values in sides
    ]
    found_a, found_b = [], []
    for bounds in (None, (0, 7), (-7,)):
        rows = everyone if bounds is None else long
        ends = [
            values if bounds is None else pc.utf8_slice_codeunits(values.take(r), *bounds)
            for values, r in zip(sides, rows, strict=True)
        ]
        encoded = pa.chunked_array(ends).combine_chunks().dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        a, b = _join_codes(
            codes[: len(rows[0])], rows[0], codes[len(rows[0]) :], rows[1], BLOCK_CAP
        )
        found_a.append(a)
        found_b.append(b)
    return np.concatenate(found_a), np.concatenate(found_b)


def _chunked_cpdist(
    left: np.ndarray | pa.Array,
    right: np.ndarray | pa.Array,
    a: np.ndarray,
    b: np.ndarray,
    cutoff: float,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """``ratio`` of the pairs ``left[a]``, ``right[b]`` (0 below ``cutoff``, as ``cdist``
    gives them), a chunk at a time: the pairs' strings are never all gathered at once."""
    out = np.empty(len(a), dtype=np.uint8)
    for start in range(0, len(a), SCORE_CHUNK):
        _check(cancel)
        stop = start + SCORE_CHUNK
        out[start:stop] = process.cpdist(
            _texts(left, a[start:stop]),
            _texts(right, b[start:stop]),
            scorer=fuzz.ratio,
            dtype=np.uint8,
            workers=-1,
            score_cutoff=cutoff,
        )
        _report(progress, stop / max(len(a), 1), "Scoring candidate names")
    return out


def _cdist_pairs(
    keys_a: np.ndarray,
    keys_b: np.ndarray,
    cutoff: float,
    cancel: Cancel | None,
    progress: Progress | None,
) -> pd.DataFrame:
    rows = max(1, CDIST_CHUNK_CELLS // max(len(keys_b), 1))
    found_a, found_b, found_s = [], [], []
    list_b = keys_b.tolist()
    for start in range(0, len(keys_a), rows):
        _check(cancel)
        block = process.cdist(
            keys_a[start : start + rows].tolist(),
            list_b,
            scorer=fuzz.ratio,
            dtype=np.uint8,
            workers=-1,
            score_cutoff=cutoff,
        )
        ia, ib = np.nonzero(block)
        found_a.append(ia + start)
        found_b.append(ib)
        found_s.append(block[ia, ib])
        _report(progress, (start + rows) / len(keys_a), "Comparing names")
    return pd.DataFrame(
        {
            "a": np.concatenate(found_a).astype(np.int64),
            "b": np.concatenate(found_b).astype(np.int64),
            "score": np.concatenate(found_s).astype(float),
        }
    )


# ---------------------------------------------------------------------------- fuzzy scoring


def _token_matrix(table: _TokenTable, n: int) -> np.ndarray:
    """Token ids per row, rarest first, padded with -1 to ``MAX_TOKENS`` columns."""
    matrix = np.full((n, MAX_TOKENS), -1, dtype=np.int64)
    keep = table.rank < MAX_TOKENS
    matrix[table.rows[keep], table.rank[keep]] = table.ids[keep]
    return matrix


def _texts(values: np.ndarray | pa.Array, at: np.ndarray) -> list[str]:
    """The strings at positions ``at``, as the list rapidfuzz takes."""
    if isinstance(values, pa.Array):
        return values.take(pa.array(at, type=pa.int64())).to_pylist()
    return values[at].tolist()


def _lengths(values: np.ndarray | pa.Array) -> np.ndarray:
    """Length in characters of each string."""
    array = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    return pc.utf8_length(array).to_numpy(zero_copy_only=False).astype(np.int64)


def _soft_overlap(
    ids_a: np.ndarray,
    ids_b: np.ndarray,
    idf: np.ndarray,
    vocabulary: np.ndarray,
    lengths: np.ndarray | None = None,
) -> np.ndarray:
    """IDF-weighted share of each side's words found in the other (Dice), typos forgiven.

    A rare word ("Zoetis") weighs far more than "Holdings" or "Group"; a word counts as found
    when the same or at most about one letter in five away (for words of four letters or more).
    """
    weight = np.where(ids_a >= 0, idf[np.maximum(ids_a, 0)], 0.0)
    weight_b = np.where(ids_b >= 0, idf[np.maximum(ids_b, 0)], 0.0)
    found_a = np.zeros(ids_a.shape, dtype=bool)
    found_b = np.zeros(ids_b.shape, dtype=bool)
    for i in range(MAX_TOKENS):
        for j in range(MAX_TOKENS):
            same = (ids_a[:, i] == ids_b[:, j]) & (ids_a[:, i] >= 0)
            found_a[:, i] |= same
            found_b[:, j] |= same
    words = vocabulary
    if lengths is None:
        lengths = _lengths(words)
    for i in range(MAX_TOKENS):
        open_a = (ids_a[:, i] >= 0) & ~found_a[:, i] & (lengths[np.maximum(ids_a[:, i], 0)] >= 4)
        if not open_a.any():
            continue
        for j in range(MAX_TOKENS):
            open_pair = open_a & (ids_b[:, j] >= 0) & ~found_b[:, j]
            open_pair &= lengths[np.maximum(ids_b[:, j], 0)] >= 4
            where = np.flatnonzero(open_pair)
            if len(where) == 0:
                continue
            scores = process.cpdist(
                words[ids_a[where, i]].tolist(),
                words[ids_b[where, j]].tolist(),
                scorer=fuzz.ratio,
                dtype=np.uint8,
                workers=-1,
            )
            hit = where[scores >= 80]
            found_a[hit, i] = True
            found_b[hit, j] = True
    total = weight.sum(axis=1) + weight_b.sum(axis=1)
    matched = (weight * found_a).sum(axis=1) + (weight_b * found_b).sum(axis=1)
    return np.divide(matched, total, out=np.zeros(len(total)), where=total > 0)


def _score_pairs(
    ours: _Side,
    theirs: _Side,
    a: np.ndarray,
    b: np.ndarray,
    by_words_all: np.ndarray,
    tables: tuple[_TokenTable, _TokenTable],
    cancel: Cancel | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fuzzy score (0–100) of each pair, how alike the names are in characters, and whether
    the rarest word of each is in the other as written."""
    word_lengths = _lengths(tables[0].words)
    matrix_a = _token_matrix(tables[0], len(ours))
    matrix_b = _token_matrix(tables[1], len(theirs))
    scores = np.empty(len(a), dtype=float)
    chars = np.empty(len(a), dtype=float)
    rare_exact = np.empty(len(a), dtype=bool)
    for start in range(0, len(a), SCORE_CHUNK):
        _check(cancel)
        sa, sb = a[start : start + SCORE_CHUNK], b[start : start + SCORE_CHUNK]
        by_words = by_words_all[start : start + SCORE_CHUNK]
        squashed = process.cpdist(
            ours.compact[sa].tolist(), theirs.compact[sb].tolist(), scorer=fuzz.ratio, workers=-1
        )
        char = np.maximum(by_words, squashed)
        # A name written as one run of letters cannot be compared word by word.
        one_run = ours.one_run[sa] | theirs.one_run[sb]
        ids_a, ids_b = matrix_a[sa], matrix_b[sb]
        overlap = _soft_overlap(ids_a, ids_b, tables[0].idf, tables[0].words, word_lengths)
        overlap = np.where(one_run, np.maximum(overlap, squashed / 100.0), overlap)
        # The rarest word of each name appears, spelled the same, in the other.
        rare_exact[start : start + SCORE_CHUNK] = (ids_a[:, :1] == ids_b).any(axis=1) & (
            ids_b[:, :1] == ids_a
        ).any(axis=1)
        scores[start : start + SCORE_CHUNK] = 0.5 * char + 50.0 * overlap
        chars[start : start + SCORE_CHUNK] = char
    return scores, chars, rare_exact


def _initials(keys: pa.Array) -> np.ndarray:
    """Initials of each key's significant words when it has three or more, else ""."""
    split = pc.split_pattern(keys, " ")
    words = pc.list_flatten(split)
    rows = pc.list_parent_indices(split).to_numpy().astype(np.int64)
    stop = pa.array(sorted(ACRONYM_STOPWORDS), type=pa.string())
    keep = pc.and_(pc.not_equal(words, ""), pc.invert(pc.is_in(words, value_set=stop)))
    keep_np = keep.to_numpy(zero_copy_only=False)
    letters = pc.utf8_slice_codeunits(pc.filter(words, keep), 0, 1)
    counts = np.bincount(rows[keep_np], minlength=len(keys))
    offsets = pa.array(np.r_[0, np.cumsum(counts)].astype(np.int32))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, letters), "")
    out = joined.to_numpy(zero_copy_only=False).astype(object)
    out[counts < 3] = ""
    return out


def _starts(keys: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The first one, two and three words of each key with more words than that: (start, row)."""
    split = pc.split_pattern(keys, " ")
    counts = pc.list_value_length(split).to_numpy(zero_copy_only=False)
    starts, owners = [], []
    for m in range(1, 4):
        rows = np.flatnonzero(counts > m)
        if len(rows) == 0:
            break
        sub = split.take(pa.array(rows, type=pa.int64()))
        starts.append(pc.binary_join(pc.list_slice(sub, 0, m), " ").to_numpy(zero_copy_only=False))
        owners.append(rows)
    if not starts:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    return np.concatenate(starts).astype(object), np.concatenate(owners).astype(np.int64)


def _special_candidates(
    ours: _Side, theirs: _Side, rest_a: np.ndarray, rest_b: np.ndarray
) -> pd.DataFrame:
    """Acronyms (IBM ↔ International Business Machines) and short everyday names that start
    exactly one long name on the other side (Abbott ↔ Abbott Laboratories); review only."""
    frames = []
    sides = ((ours, theirs, rest_a, rest_b), (theirs, ours, rest_b, rest_a))
    for flip, (x, y, rx, ry) in enumerate(sides):
        y_keys = pa.array(y.keys, type=pa.string())
        keys_rx = pa.array(x.keys[rx], type=pa.string())
        lengths = _lengths(keys_rx)
        one_word = pc.invert(pc.match_substring(keys_rx, " ")).to_numpy(zero_copy_only=False)
        # Acronyms: a one-word name of x equal to the initials of a name of y.
        short = rx[one_word & (lengths >= 3) & (lengths <= 6)]
        initials = _initials(y_keys)[ry]
        has = initials != ""
        sx, sy, _k, _c = _join_keys(x.keys[short], short, initials[has], ry[has], cap=3)
        for i, j in zip(sx.tolist(), sy.tolist(), strict=True):
            words = (
                f"'{_clean(x.names[i].as_py())}' is the acronym of '{_clean(y.names[j].as_py())}'"
            )
            frames.append((i, j, flip, 82.0, words))
        # Prefixes: counted over all of y, so "exactly one account starts that way" is true.
        start_arr, owner_arr = _starts(y_keys)
        if len(start_arr) == 0:
            continue
        codes, size = _factorize(start_arr)
        once = np.bincount(codes, minlength=size) == 1
        in_rest = np.zeros(len(y), dtype=bool)
        in_rest[ry] = True
        usable = once[codes] & in_rest[owner_arr]
        cand_x = rx[lengths >= 4]
        px, py, _k, _c = _join_keys(
            x.keys[cand_x], cand_x, start_arr[usable], owner_arr[usable], cap=1
        )
        for i, j in zip(px.tolist(), py.tolist(), strict=True):
            words = (
                f"'{_clean(x.names[i].as_py())}' is the start of '{_clean(y.names[j].as_py())}', "
                "the only account named so"
            )
            frames.append((i, j, flip, 80.0, words))
    if not frames:
        return pd.DataFrame({"a": [], "b": [], "base": [], "words": []})
    rows = [(i, j, s, w) if flip == 0 else (j, i, s, w) for i, j, flip, s, w in frames]
    out = pd.DataFrame(rows, columns=["a", "b", "base", "words"])
    out = out.sort_values(["a", "b", "base", "words"], ascending=[True, True, False, True])
    return out.drop_duplicates(["a", "b"]).astype({"a": np.int64, "b": np.int64})


def _clean(name: Any) -> str:
    return " ".join(str(name).split())


def _fuzzy_tier(
    ours: _Side,
    theirs: _Side,
    matched_a: np.ndarray,
    matched_b: np.ndarray,
    review: float,
    auto: float,
    cancel: Cancel | None,
    progress: Progress | None,
) -> pd.DataFrame:
    """Fuzzy links for pairs where at least one account has no exact link yet (so a duplicate
    spelled differently still links to the account its twin matched exactly)."""
    usable_a = np.flatnonzero(ours.keys != "")
    usable_b = np.flatnonzero(theirs.keys != "")
    if not (~matched_a[usable_a]).any() and not (~matched_b[usable_b]).any():
        return _empty_links()
    if len(usable_a) == 0 or len(usable_b) == 0:
        return _empty_links()
    tables = _token_tables(ours.keys, theirs.keys)
    found = _candidates(
        ours.keys,
        theirs.keys,
        (ours.compact, theirs.compact),
        tables,
        CANDIDATE_CUTOFF,
        None,
        cancel,
        progress,
    )
    a, b = found["a"].to_numpy(np.int64), found["b"].to_numpy(np.int64)
    open_pair = ~(matched_a[a] & matched_b[b]) & (ours.keys[a] != "") & (theirs.keys[b] != "")
    a, b, by_words = a[open_pair], b[open_pair], found["score"].to_numpy(float)[open_pair]
    _check(cancel)
    scores, chars, rare_exact = _score_pairs(ours, theirs, a, b, by_words, tables, cancel)
    final = np.clip(np.round(scores + _evidence(ours, theirs, a, b), 1), 0, 100)
    # Brands one letter apart are as often two companies as one typo: when the rarest words
    # differ, a person decides, unless the names are nearly identical and the city and country
    # agree.
    place = (ours.city[a] != 0) & (ours.city[a] == theirs.city[b])
    place &= (ours.country[a] != 0) & (ours.country[a] == theirs.country[b])
    trusted = rare_exact | (place & (chars >= 95))
    final = np.where(trusted, final, np.minimum(final, auto - 0.1))
    keep = final >= review
    fuzzy = pd.DataFrame(
        {
            "a": a[keep],
            "b": b[keep],
            "score": final[keep],
            "kind": 0,
            "char": chars[keep],
            "words": "",
        }
    )
    special = _special_candidates(ours, theirs, usable_a, usable_b)
    if len(special):
        sa, sb = special["a"].to_numpy(np.int64), special["b"].to_numpy(np.int64)
        open_special = ~(matched_a[sa] & matched_b[sb])
        special, sa, sb = special[open_special], sa[open_special], sb[open_special]
    if len(special):
        # Acronyms and prefixes always wait for a person, however well the rest agrees.
        special_scores = np.clip(
            special["base"].to_numpy(float) + _evidence(ours, theirs, sa, sb), 0, auto - 1
        )
        extra = pd.DataFrame(
            {
                "a": sa,
                "b": sb,
                "score": np.round(special_scores, 1),
                "kind": 1,
                "char": 0.0,
                "words": special["words"].to_numpy(object),
            }
        )
        fuzzy = pd.concat([fuzzy, extra[extra["score"] >= review]], ignore_index=True)
    fuzzy = fuzzy.sort_values(["a", "b", "score", "kind"], ascending=[True, True, False, True])
    fuzzy = fuzzy.drop_duplicates(["a", "b"])
    # Mutual best: a link stays when neither account has a better candidate (ties all stay,
    # so duplicates inside one CRM link to the same account).
    best_a = fuzzy.groupby("a")["score"].transform("max")
    best_b = fuzzy.groupby("b")["score"].transform("max")
    fuzzy = fuzzy[(fuzzy["score"] >= best_a) & (fuzzy["score"] >= best_b)]
    fa, fb = fuzzy["a"].to_numpy(np.int64), fuzzy["b"].to_numpy(np.int64)
    words = [
        _with_evidence(w if k else f"names {round(c)}% alike after removing legal forms", e)
        for w, k, c, e in zip(
            fuzzy["words"],
            fuzzy["kind"],
            fuzzy["char"],
            _evidence_words(ours, theirs, fa, fb),
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            "a": fa,
            "b": fb,
            "method": "fuzzy",
            "score": fuzzy["score"].to_numpy(float),
            "explanation": words,
        }
    )


# ---------------------------------------------------------------------------- the core


def match_frames(
    ours: pd.DataFrame,
    partner: pd.DataFrame,
    *,
    by_name: bool = True,
    aliases: Iterable[tuple[str, str]] = (),
    auto: float = DEFAULT_AUTO,
    review: float = DEFAULT_REVIEW,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Links between the rows of ``ours`` and ``partner`` (columns ``name``, optionally
    ``domains``, ``industry``, ``country``, ``city``).

    ``by_name=False`` compares domains only (the domain and alias tiers): for a side whose
    export has web domains and no company names.

    Returns one row per link with ``our_index`` / ``partner_index`` (row positions), ``method``,
    ``score``, ``status`` (``auto`` or ``review``) and ``explanation``, sorted by position.
    ``notes`` (a list) receives remarks such as domains too crowded to use.
    """
    _validate_thresholds(auto, review)
    notes = [] if notes is None else notes
    _report(progress, 0.0, "Preparing names")
    # Arrow's string kernels release the GIL: the two sides' keys are built side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_prepare, ours, by_name), pool.submit(_prepare, partner, by_name)]
        a_side, b_side = jobs[0].result(), jobs[1].result()
    _check(cancel)
    _report(progress, 0.15, "Matching domains")
    exact = [_domain_tier(a_side, b_side, _alias_groups(aliases), notes)]
    _check(cancel)
    if not by_name:
        notes.append("names were not compared: one side gave web domains only")
        return _result(exact[0], auto, review, progress)
    _report(progress, 0.25, "Matching names")
    exact.append(_name_tier(a_side, b_side, notes))
    links = pd.concat(exact, ignore_index=True)
    matched_a = np.zeros(len(a_side), dtype=bool)
    matched_b = np.zeros(len(b_side), dtype=bool)
    matched_a[links["a"].to_numpy(np.int64)] = True
    matched_b[links["b"].to_numpy(np.int64)] = True
    _check(cancel)
    _report(progress, 0.35, "Comparing the other names")
    fuzzy = _fuzzy_tier(
        a_side,
        b_side,
        matched_a,
        matched_b,
        review,
        auto,
        cancel,
        None if progress is None else (lambda f, m: progress(0.35 + 0.6 * f, m)),
    )
    return _result(pd.concat([links, fuzzy], ignore_index=True), auto, review, progress)


def _result(
    links: pd.DataFrame, auto: float, review: float, progress: Progress | None
) -> pd.DataFrame:
    """``match_frames``' result from the links of every tier: the best link of each pair."""
    rank = pd.Categorical(links["method"], categories=MATCH_METHODS).codes
    a, b = links["a"].to_numpy(np.int64), links["b"].to_numpy(np.int64)
    score = links["score"].to_numpy(float)
    order = np.lexsort((-score, rank, b, a))  # by pair, then tier, then best score first
    a, b, score = a[order], b[order], score[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])] if len(a) else np.empty(0, bool)
    links = links.iloc[order[first & (score >= review)]]
    status = np.where(links["score"] >= auto, "auto", "review")
    _report(progress, 1.0, "Matched")
    return pd.DataFrame(
        {
            "our_index": links["a"].to_numpy(np.int64),
            "partner_index": links["b"].to_numpy(np.int64),
            "method": links["method"].to_numpy(object),
            "score": links["score"].to_numpy(float).round(1),
            "status": status.astype(object),
            "explanation": links["explanation"].to_numpy(object),
        }
    )


def _validate_thresholds(auto: float, review: float) -> None:
    if not (0 <= review <= auto <= 100) or math.isnan(auto) or math.isnan(review):
        raise OverlapError(
            "thresholds must satisfy 0 <= review <= auto <= 100 "
            f"(got review {review:g}, auto {auto:g})"
        )


# ---------------------------------------------------------------------------- workspace


@dataclass(frozen=True)
class MatchSummary:
    """What one matching of a partnership found."""

    partner: str
    ours: int  # accounts on our side
    theirs: int  # accounts on the partner's side
    counts: dict[str, dict[str, int]]  # method -> status -> links
    shared: int  # links with a shared status (auto, accepted, manual)
    review: int  # links waiting for a person
    our_duplicates: int  # our accounts linked to several of the partner's
    partner_duplicates: int  # partner accounts linked to several of ours
    decisions_applied: int
    auto: float
    review_threshold: float
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The summary in a few lines for a terminal or a status bar."""
        out = [
            f"{self.partner}: {self.shared:,} shared, {self.review:,} to review "
            f"({self.ours:,} of our accounts, {self.theirs:,} of theirs; "
            f"auto >= {self.auto:g}, review >= {self.review_threshold:g})"
        ]
        for method in MATCH_METHODS:
            if method in self.counts:
                parts = ", ".join(
                    f"{n:,} {status}" for status, n in sorted(self.counts[method].items())
                )
                out.append(f"  {method:<7} {parts}")
        if self.our_duplicates or self.partner_duplicates:
            out.append(
                f"  duplicates: {self.our_duplicates:,} of our accounts and "
                f"{self.partner_duplicates:,} of theirs link to more than one account"
            )
        if self.decisions_applied:
            out.append(f"  {self.decisions_applied:,} earlier decision(s) re-applied")
        out.extend(f"  note: {note}" for note in self.notes)
        return out


@dataclass(frozen=True)
class ReviewDecision:
    """A review decision just made; ``undo`` restores what was there before."""

    partner_id: int
    match_id: int
    previous_status: str | None  # None: the link did not exist before (a manual link)
    decision_id: int
    new_status: str


# The account columns matching reads.
MATCH_COLUMNS = ("external_id", "row_number", "name", "domains", "industry", "country", "city")


def _stamp() -> str:
    """Now, written the way the ORM writes datetimes to SQLite (UTC, no zone suffix)."""
    return now().strftime("%Y-%m-%d %H:%M:%S.%f")


def _current_accounts(
    ws: Workspace, partner_id: int | None, side: str
) -> tuple[pd.DataFrame, bool]:
    """A side's current accounts, and whether they have company names (see ``has_names``)."""
    snapshot = ws.current_snapshot(partner_id)
    if snapshot is None or snapshot.id is None:
        raise OverlapError(f"{side} has no imported accounts yet; import an export first")
    return ws.accounts(snapshot.id, MATCH_COLUMNS), has_names(snapshot.mapping_json)


def has_names(mapping_json: str) -> bool:
    """Whether a snapshot's accounts carry company names: false for an export of web domains
    only, whose accounts are named by their domain (see ``engine.importing.standardize``)."""
    mapping = json.loads(mapping_json or "{}")
    return not mapping or "name" in mapping


def _aliases(ws: Workspace) -> list[tuple[str, str]]:
    frame = ws.read_frame("SELECT domain, other_domain FROM domainalias ORDER BY id")
    return list(zip(frame["domain"], frame["other_domain"], strict=True))


def _latest_decisions(ws: Workspace, partner_id: int) -> pd.DataFrame:
    """The newest decision of each pair of account keys."""
    frame = ws.read_frame(
        "SELECT id, our_key, partner_key, decision, reason, decided_at FROM matchdecision "
        "WHERE partner_id = :p ORDER BY decided_at, id",
        {"p": partner_id},
    )
    return frame.drop_duplicates(["our_key", "partner_key"], keep="last")


def match_partner(
    ws: Workspace,
    partner_name: str,
    *,
    auto: float | None = None,
    review: float | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> MatchSummary:
    """Match our current accounts with a partner's and store the links.

    Thresholds given here become the partnership's settings; otherwise its stored ones apply.
    The partner's previous links are replaced in one transaction, and every earlier decision
    (accept, reject, link, unlink) is applied again to the accounts it names.
    """
    partner = ws.partner(partner_name)
    assert partner.id is not None
    auto = float(partner.auto_threshold if auto is None else auto)
    review = float(partner.review_threshold if review is None else review)
    _validate_thresholds(auto, review)
    ours, our_names = _current_accounts(ws, None, "our side")
    theirs, their_names = _current_accounts(ws, partner.id, partner.name)
    notes: list[str] = []
    links = match_frames(
        ours,
        theirs,
        by_name=our_names and their_names,
        aliases=_aliases(ws),
        auto=auto,
        review=review,
        progress=None if progress is None else (lambda f, m: progress(0.9 * f, m)),
        cancel=cancel,
        notes=notes,
    )
    frame = pd.DataFrame(
        {
            "our_account_id": ours["id"].to_numpy(np.int64)[links["our_index"].to_numpy()],
            "partner_account_id": theirs["id"].to_numpy(np.int64)[
                links["partner_index"].to_numpy()
            ],
            "method": links["method"].to_numpy(),
            "score": links["score"].to_numpy(),
            "status": links["status"].to_numpy(),
            "explanation": links["explanation"].to_numpy(),
        }
    )
    frame, applied = _apply_decisions(frame, ours, theirs, _latest_decisions(ws, partner.id))
    _check(cancel)
    frame.insert(0, "partner_id", partner.id)
    frame["matched_at"] = _stamp()
    _report(progress, 0.9, "Saving links")
    with ws.transaction() as connection:
        connection.execute(text("DELETE FROM match WHERE partner_id = :p"), {"p": partner.id})
        connection.execute(
            text("UPDATE partner SET auto_threshold = :a, review_threshold = :r WHERE id = :p"),
            {"a": auto, "r": review, "p": partner.id},
        )
        Workspace.insert_rows(
            connection,
            Match,
            frame,
            cancel=cancel,
            progress=None if progress is None else (lambda f, m: progress(0.9 + 0.1 * f, m)),
            label="Saving links",
        )
    _report(progress, 1.0, "Matched")
    return _summary(partner.name, len(ours), len(theirs), frame, applied, auto, review, notes)


def _apply_decisions(
    frame: pd.DataFrame, ours: pd.DataFrame, theirs: pd.DataFrame, decisions: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """Links with the user's decisions applied; decisions on accounts no longer there wait."""
    if decisions.empty:
        return frame, 0
    our_keys = pd.DataFrame(
        {"our_key": account_keys(ours).to_numpy(), "our_account_id": ours["id"].to_numpy()}
    )
    their_keys = pd.DataFrame(
        {
            "partner_key": account_keys(theirs).to_numpy(),
            "partner_account_id": theirs["id"].to_numpy(),
        }
    )
    targets = decisions.merge(our_keys, on="our_key").merge(their_keys, on="partner_key")
    if targets.empty:
        return frame, 0
    frame = frame.merge(
        targets[["our_account_id", "partner_account_id", "decision", "reason"]],
        on=["our_account_id", "partner_account_id"],
        how="outer",
        sort=False,
    )
    decision = frame["decision"].fillna("")
    existing = frame["status"].notna()
    new_status = {
        "accept": "accepted",
        "reject": "rejected",
        "unlink": "rejected",
        "link": "manual",
    }
    for kind, status in new_status.items():
        frame.loc[(decision == kind) & existing, "status"] = status
    created = ~existing & decision.isin(["accept", "link"])
    reasons = frame["reason"].fillna("").astype(str)
    frame.loc[created, "method"] = "manual"
    frame.loc[created, "score"] = 100.0
    frame.loc[created, "status"] = np.where(decision[created] == "accept", "accepted", "manual")
    frame.loc[created, "explanation"] = [
        "linked by hand" + (f": {r}" if r else "") for r in reasons[created]
    ]
    frame = frame[frame["status"].notna()]
    applied = int((decision != "").sum())
    frame = frame.sort_values(["our_account_id", "partner_account_id"], kind="stable")
    columns = ["our_account_id", "partner_account_id", "method", "score", "status", "explanation"]
    out = frame[columns].reset_index(drop=True)
    out = out.astype({"our_account_id": np.int64, "partner_account_id": np.int64, "score": float})
    return out, applied


def _summary(
    partner: str,
    n_ours: int,
    n_theirs: int,
    frame: pd.DataFrame,
    applied: int,
    auto: float,
    review: float,
    notes: list[str],
) -> MatchSummary:
    counts: dict[str, dict[str, int]] = {}
    sizes = frame.groupby(["method", "status"]).size()
    for method, status, n in zip(
        sizes.index.get_level_values(0),
        sizes.index.get_level_values(1),
        sizes.to_numpy(),
        strict=True,
    ):
        counts.setdefault(str(method), {})[str(status)] = int(n)
    shared = frame[frame["status"].isin(SHARED_MATCH_STATUSES)]
    return MatchSummary(
        partner=partner,
        ours=n_ours,
        theirs=n_theirs,
        counts=counts,
        shared=len(shared),
        review=int((frame["status"] == "review").sum()),
        our_duplicates=int((shared["our_account_id"].value_counts() > 1).sum()),
        partner_duplicates=int((shared["partner_account_id"].value_counts() > 1).sum()),
        decisions_applied=applied,
        auto=auto,
        review_threshold=review,
        notes=tuple(notes),
    )


def list_matches(ws: Workspace, partner: str, *, status: str | None = None) -> pd.DataFrame:
    """The partnership's links with both accounts' ids, names and domains, in our file order."""
    if status is not None and status not in MATCH_STATUSES:
        raise OverlapError(f"unknown status '{status}' (use {', '.join(MATCH_STATUSES)})")
    partner_id = ws.partner(partner).id
    where = "partner_id = :p" + (" AND status = :s" if status else "")
    # Account ids follow file order, so this is our file order, then the partner's.
    links = ws.read_frame(
        "SELECT id AS match_id, our_account_id, partner_account_id, method, score, status, "
        f"explanation FROM match WHERE {where} "
        "ORDER BY our_account_id, partner_account_id, id",
        {"p": partner_id, "s": status},
    )
    named = ws.with_accounts(links, ["external_id", "name", "domains"]).rename(
        columns={"our_external_id": "our_id", "partner_external_id": "partner_id"}
    )
    columns = ["match_id", "our_account_id", "our_id", "our_name", "our_domains"]
    columns += ["partner_account_id", "partner_id", "partner_name", "partner_domains"]
    return named[[*columns, "method", "score", "status", "explanation"]]


def _match_row(ws: Workspace, partner_id: int, match_id: int) -> dict[str, Any]:
    frame = ws.read_frame(
        "SELECT id, status, our_account_id, partner_account_id FROM match "
        "WHERE id = :m AND partner_id = :p",
        {"m": int(match_id), "p": partner_id},
    )
    if frame.empty:
        raise OverlapError(f"no match {match_id} for this partner (see 'overlap matches')")
    named = ws.with_accounts(frame, ["external_id", "name", "domains"])
    return {str(k): v for k, v in named.iloc[0].items()}


def _none_if_missing(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _record_decision(
    connection: Any,
    partner_id: int,
    our_key: str,
    partner_key: str,
    decision: str,
    reason: str | None,
) -> int:
    result = connection.execute(
        text(
            "INSERT INTO matchdecision "
            "(partner_id, our_key, partner_key, decision, reason, decided_at) "
            "VALUES (:p, :o, :t, :d, :r, :at)"
        ),
        {
            "p": partner_id,
            "o": our_key,
            "t": partner_key,
            "d": decision,
            "r": reason,
            "at": _stamp(),
        },
    )
    return int(result.lastrowid)


def decide(
    ws: Workspace, partner: str, match_id: int, decision: str, *, reason: str | None = None
) -> ReviewDecision:
    """Accept, reject or unlink one link; the decision outlives re-matching and new imports.

    Returns a ``ReviewDecision``; ``undo_decision(ws, decision)`` puts the link back as it was.
    """
    if decision not in MATCH_DECISIONS:
        raise OverlapError(f"unknown decision '{decision}' (use {', '.join(MATCH_DECISIONS)})")
    partner_id = ws.partner(partner).id
    assert partner_id is not None
    row = _match_row(ws, partner_id, match_id)
    from engine.store.workspace import account_key

    our_key, partner_key = (
        account_key(
            _none_if_missing(row[f"{side}_external_id"]),
            row[f"{side}_name"],
            _none_if_missing(row[f"{side}_domains"]) or "",
        )
        for side in ("our", "partner")
    )
    status = {"accept": "accepted", "reject": "rejected", "unlink": "rejected"}[decision]
    with ws.transaction() as connection:
        decision_id = _record_decision(
            connection, partner_id, our_key, partner_key, decision, reason
        )
        connection.execute(
            text("UPDATE match SET status = :s WHERE id = :m"), {"s": status, "m": int(match_id)}
        )
    return ReviewDecision(partner_id, int(match_id), str(row["status"]), decision_id, status)


def _find_account(
    ws: Workspace, partner_id: int | None, ref: int | str, side: str
) -> dict[str, Any]:
    snapshot = ws.current_snapshot(partner_id)
    if snapshot is None or snapshot.id is None:
        raise OverlapError(f"{side} has no imported accounts yet")
    accounts = ws.accounts(snapshot.id, ["external_id", "name", "domains"])
    frame = accounts[accounts["external_id"] == str(ref)]
    if frame.empty and str(ref).isdigit():
        frame = accounts[accounts["id"] == int(ref)]
    if frame.empty:
        raise OverlapError(f"no account '{ref}' on {side} (give its CRM id or account id)")
    return {str(k): v for k, v in frame.iloc[0].items()}


def link(
    ws: Workspace,
    partner: str,
    our_account: int | str,
    partner_account: int | str,
    *,
    reason: str | None = None,
) -> ReviewDecision:
    """Link two accounts by hand (by CRM id, else account id); survives re-matching."""
    found = ws.partner(partner)
    assert found.id is not None
    ours = _find_account(ws, None, our_account, "our side")
    theirs = _find_account(ws, found.id, partner_account, found.name)
    from engine.store.workspace import account_key

    our_key = account_key(
        _none_if_missing(ours["external_id"]), ours["name"], ours["domains"] or ""
    )
    partner_key = account_key(
        _none_if_missing(theirs["external_id"]), theirs["name"], theirs["domains"] or ""
    )
    explanation = "linked by hand" + (f": {reason}" if reason else "")
    with ws.transaction() as connection:
        decision_id = _record_decision(connection, found.id, our_key, partner_key, "link", reason)
        existing = connection.execute(
            text(
                "SELECT id, status FROM match WHERE partner_id = :p AND our_account_id = :o "
                "AND partner_account_id = :t"
            ),
            {"p": found.id, "o": int(ours["id"]), "t": int(theirs["id"])},
        ).first()
        if existing is not None:
            connection.execute(
                text("UPDATE match SET status = 'manual' WHERE id = :m"), {"m": existing[0]}
            )
            return ReviewDecision(
                found.id, int(existing[0]), str(existing[1]), decision_id, "manual"
            )
        result = connection.execute(
            text(
                "INSERT INTO match (partner_id, our_account_id, partner_account_id, method, score, "
                "status, explanation, matched_at) "
                "VALUES (:p, :o, :t, 'manual', 100.0, 'manual', :e, :at)"
            ),
            {
                "p": found.id,
                "o": int(ours["id"]),
                "t": int(theirs["id"]),
                "e": explanation,
                "at": _stamp(),
            },
        )
        return ReviewDecision(found.id, int(result.lastrowid), None, decision_id, "manual")


def undo_decision(ws: Workspace, decision: ReviewDecision) -> None:
    """Reverse a ``decide`` or ``link``: the link's old status comes back, the decision goes.

    Redo is the same ``decide`` or ``link`` call made again.
    """
    with ws.transaction() as connection:
        connection.execute(
            text("DELETE FROM matchdecision WHERE id = :d"), {"d": decision.decision_id}
        )
        if decision.previous_status is None:
            connection.execute(text("DELETE FROM match WHERE id = :m"), {"m": decision.match_id})
        else:
            connection.execute(
                text("UPDATE match SET status = :s WHERE id = :m"),
                {"s": decision.previous_status, "m": decision.match_id},
            )


# ---------------------------------------------------------------------------- domain aliases


def _alias_domain(value: str) -> str:
    domain = registrable_domain(value).split()
    if not domain:
        raise OverlapError(f"'{value}' is not a web domain")
    if domain[0] in GENERIC_DOMAINS:
        raise OverlapError(
            f"'{domain[0]}' is a generic domain (free mail, social network...) and never matches"
        )
    return domain[0]


def add_alias(ws: Workspace, domain: str, other: str) -> DomainAlias:
    """Declare two domains one company's (squareup.com = block.xyz); used by the next matching."""
    first, second = sorted((_alias_domain(domain), _alias_domain(other)))
    if first == second:
        raise OverlapError(f"{first} and {second} are the same domain")
    existing = ws.read_frame(
        "SELECT id FROM domainalias WHERE domain = :a AND other_domain = :b",
        {"a": first, "b": second},
    )
    if not existing.empty:
        raise OverlapError(f"{first} = {second} is already an alias")
    alias = DomainAlias(domain=first, other_domain=second, created_at=now())
    ws.save(alias)
    return alias


def list_aliases(ws: Workspace) -> pd.DataFrame:
    """Every domain alias of the workspace: id, domain, other_domain, created_at."""
    return ws.read_frame(
        "SELECT id, domain, other_domain, created_at FROM domainalias ORDER BY domain, other_domain"
    )


def remove_alias(ws: Workspace, domain: str, other: str) -> None:
    """Forget that two domains are one company's."""
    first, second = sorted((_alias_domain(domain), _alias_domain(other)))
    with ws.transaction() as connection:
        result = connection.execute(
            text("DELETE FROM domainalias WHERE domain = :a AND other_domain = :b"),
            {"a": first, "b": second},
        )
    if result.rowcount == 0:
        raise OverlapError(f"{first} = {second} is not an alias")


__all__ = [
    "DEFAULT_AUTO",
    "DEFAULT_REVIEW",
    "MATCH_COLUMNS",
    "MATCH_DECISIONS",
    "MATCH_METHODS",
    "MATCH_STATUSES",
    "MatchSummary",
    "ReviewDecision",
    "add_alias",
    "candidate_pairs",
    "decide",
    "has_names",
    "link",
    "list_aliases",
    "list_matches",
    "match_frames",
    "match_partner",
    "remove_alias",
    "undo_decision",
]
