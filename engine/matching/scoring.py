"""Scores for candidate pairs: fuzzy name scores, acronyms and prefixes, and other fields' evidence.

Scores weigh words by IDF, so a rare brand counts far more than "Holdings"; acronyms (IBM ↔
International Business Machines) and short everyday names starting exactly one long name (Abbott
↔ Abbott Laboratories) are review candidates; a brand contained whole in a name whose other words
are generic (Cigna ↔ Cigna Group) links automatically when it is the only such pair; two names
sharing a rare word that no other name carries (Deckers Brands ↔ DECKERS OUTDOOR CORP) are a
suggestion; industry, country, city and websites raise or lower a name-based score, and say so
in the explanation. An acronym needs a field that supports it; a near-spelling against another
field is offered only when it is a slip of the keys (``_one_slip``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from engine.keys.names import ACRONYM_STOPWORDS
from engine.matching.blocking import MIX, SCORE_CHUNK, _lengths
from engine.matching.joins import _factorize, _join_keys
from engine.matching.prepare import MAX_TOKENS, Cancel, _check, _Side, _TokenTable

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


def _contradictions(ours: _Side, theirs: _Side, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many other fields say the two accounts are different companies: a different
    country, a different city (both known), unrelated websites."""
    out = np.zeros(len(a), dtype=np.int64)
    for field_name, _plus, minus in _FIELDS:
        if minus > 0:
            va = getattr(ours, field_name)[a]
            vb = getattr(theirs, field_name)[b]
            out += (va != 0) & (vb != 0) & (va != vb)
    sites = ours.has_site[a] & theirs.has_site[b]
    return out + (sites & (ours.site_label[a] != theirs.site_label[b]))


def _corroboration(
    ours: _Side, theirs: _Side, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: whether another field supports it (the same country, city or industry,
    related websites), and whether any field is known on both sides to tell."""
    agree = np.zeros(len(a), dtype=bool)
    known = ours.has_site[a] & theirs.has_site[b]
    agree |= known & (ours.site_label[a] == theirs.site_label[b])
    for field_name, _plus, _minus in _FIELDS:
        va = getattr(ours, field_name)[a]
        vb = getattr(theirs, field_name)[b]
        both = (va != 0) & (vb != 0)
        known |= both
        agree |= both & (va == vb)
    return agree, known


def _one_slip(ours: _Side, theirs: _Side, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether each pair's names are one slip of the keys apart: the same words in another
    order, or, without spaces, a letter left out or added, or two neighbouring letters swapped
    ("Plaxmont" / "Plaxemont", "Tisdan" / "Tisdna"); not a letter replaced by another."""
    out = np.zeros(len(a), dtype=bool)
    for i, (x, y, wx, wy) in enumerate(
        zip(ours.compact[a], theirs.compact[b], ours.keys[a], theirs.keys[b], strict=True)
    ):
        out[i] = sorted(wx.split()) == sorted(wy.split()) or _slipped(x, y)
    return out


def _slipped(x: str, y: str) -> bool:
    """Whether ``y`` is ``x`` with one letter left out or added, or two neighbours swapped."""
    if len(x) == len(y):
        apart = [i for i in range(len(x)) if x[i] != y[i]]
        return (
            len(apart) == 2
            and apart[1] == apart[0] + 1
            and (x[apart[0]], x[apart[1]]) == (y[apart[1]], y[apart[0]])
        )
    return abs(len(x) - len(y)) == 1 and Indel.distance(x, y) == 1


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


def _token_matrix(table: _TokenTable, n: int) -> np.ndarray:
    """Token ids per row, rarest first, padded with -1 to ``MAX_TOKENS`` columns."""
    matrix = np.full((n, MAX_TOKENS), -1, dtype=np.int64)
    keep = table.rank < MAX_TOKENS
    matrix[table.rows[keep], table.rank[keep]] = table.ids[keep]
    return matrix


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


# Base scores of an acronym: the only pair with those initials, or one of up to three.
ACRONYM, ACRONYM_SHARED = 82.0, 81.0


def _same_city_acronyms(
    x: _Side, y: _Side, short: np.ndarray, rows_y: np.ndarray, initials: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of a short one-word name of x (rows ``short``) and a name of y (rows ``rows_y``,
    with their ``initials``) that are its initials, in the same known city."""
    in_x, in_y = x.city[short] != 0, y.city[rows_y] != 0
    short, rows_y, initials = short[in_x], rows_y[in_y], initials[in_y]
    if len(short) == 0 or len(rows_y) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    codes, _size = _factorize(np.concatenate([x.keys[short], initials]))
    with np.errstate(over="ignore"):
        mixed = codes.astype(np.uint64) * np.uint64(MIX)
    mixed ^= np.concatenate([x.city[short], y.city[rows_y]])
    keys = pd.factorize(mixed)[0]
    cx, cy, _k, _c = _join_keys(keys[: len(short)], short, keys[len(short) :], rows_y, cap=3)
    return cx, cy


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
        # The only name with those initials on one side, for the only such acronym on the other.
        unique = (np.bincount(sx, minlength=len(x)) == 1)[sx]
        unique &= (np.bincount(sy, minlength=len(y)) == 1)[sy]
        # Initials shared by many names (more of them the longer the lists) still meet their
        # name in the same city: the city, which corroborates the acronym, narrows the block.
        cx, cy = _same_city_acronyms(x, y, short, ry[has], initials[has])
        sx, sy = np.r_[sx, cx], np.r_[sy, cy]
        unique = np.r_[unique, np.ones(len(cx), dtype=bool)]
        for i, j, once in zip(sx.tolist(), sy.tolist(), unique.tolist(), strict=True):
            words = (
                f"'{_clean(x.names[i].as_py())}' is the acronym of '{_clean(y.names[j].as_py())}'"
            )
            frames.append((i, j, flip, ACRONYM if once else ACRONYM_SHARED, words))
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
        # The same start written without its spaces ("Supermicro", "Super Micro Computer"):
        # the starts equal to a one-word name's squashed key, those of several words kept
        # when no other start is so written.
        starts = pa.array(start_arr, type=pa.string())
        squashed = pc.replace_substring(starts, " ", "")
        one = rx[one_word & (lengths >= 4)]
        hit = pc.is_in(squashed, value_set=pa.array(x.compact[one], type=pa.string()))
        at = np.flatnonzero(hit.to_numpy(zero_copy_only=False))
        if len(at):
            values = squashed.take(pa.array(at)).to_numpy(zero_copy_only=False).astype(object)
            codes, size = _factorize(values)
            once = (np.bincount(codes, minlength=size) == 1)[codes] & in_rest[owner_arr[at]]
            once &= pc.match_substring(starts.take(pa.array(at)), " ").to_numpy(
                zero_copy_only=False
            )
            sx_, sy_, _k, _c = _join_keys(
                x.compact[one], one, values[once], owner_arr[at][once], cap=1
            )
            px, py = np.r_[px, sx_], np.r_[py, sy_]
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


# Words that describe a company rather than name it: left over beside a brand contained whole
# ("Cigna" in "Cigna Group"), they weigh next to nothing. Words of a company's form (group,
# holdings) and the broad words registries append to a brand (financial, systems, energy) let
# the only such pair link automatically; other trade words could as well name a sister company
# ("Acme" / "Acme Steel"), so with them a pair is a suggestion unless other fields agree. Words
# frequent across the two lists count as trade words (``_generic_words``).
FORM_WORDS = frozenset(
    (
        "holdings",
        "group",
        "international",
        "worldwide",
        "global",
        "enterprises",
        "corporation",
        "incorporated",
        "america",
        "usa",
        "north",
        "american",
        "financial",
        "systems",
        "technology",
        "communications",
        "software",
        "energy",
        "services",
    )
)
TRADE_WORDS = frozenset(
    (
        "financial",
        "systems",
        "technology",
        "communications",
        "software",
        "services",
        "energy",
        "laboratories",
        "pharmaceuticals",
        "properties",
        "trust",
        "realty",
        "bancorp",
        "bancshares",
        "brands",
        "solutions",
        "partners",
        "resources",
        "capital",
        "networks",
        "health",
        "healthcare",
        "therapeutics",
        "analytics",
        "entertainment",
        "products",
        "manufacturing",
        "investment",
        "investments",
        "management",
        "insurance",
        "research",
        "transport",
        "transportation",
        "logistics",
        "national",
    )
)
# A contained word carried by more names than this on the other side is no brand.
CONTAINED_CAP = 3
# How often (share of all names, at least ``_FREQUENT_MIN``) makes a word frequent in the lists.
_FREQUENT_SHARE, _FREQUENT_MIN = 0.002, 8


def _generic_words(tables: tuple[_TokenTable, _TokenTable]) -> tuple[np.ndarray, np.ndarray]:
    """Per token id: a word of a company's form; a word of a trade or frequent across both
    lists."""
    size = len(tables[0].words)
    frequency = np.bincount(tables[0].ids, minlength=size) + np.bincount(
        tables[1].ids, minlength=size
    )
    rows = (tables[0].rows.max(initial=-1) + 1) + (tables[1].rows.max(initial=-1) + 1)
    frequent = frequency >= max(_FREQUENT_MIN, _FREQUENT_SHARE * rows)
    form = np.isin(tables[0].words, list(FORM_WORDS))
    return form, frequent | np.isin(tables[0].words, list(TRADE_WORDS))


# A spelling this many names carry (across both lists) is a word of the lists: two names that
# differ by such words on both sides are two companies, not even a suggestion. A spelling no
# other name carries (one name) is what a slip of the keys leaves: only then is a near-spelling
# automatic.
KNOWN_WORD = 3
SLIP_WORD = 1


def _known_spellings(
    tables: tuple[_TokenTable, _TokenTable],
    a: np.ndarray,
    b: np.ndarray,
    carried: int = KNOWN_WORD,
) -> np.ndarray:
    """Per pair: whether the names differ by distinctive words on both sides, each carried by
    at least ``carried`` names ("Reno Technology" / "Renco Technologies", where other companies
    are called Reno and others Renco): two spellings in use are two companies one letter
    apart, however alike."""
    form, trade = _generic_words(tables)
    frequency = np.bincount(tables[0].ids, minlength=len(form)) + np.bincount(
        tables[1].ids, minlength=len(form)
    )
    distinctive = ~(form | trade)
    ix, iy = _pair_tokens(tables[0], a), _pair_tokens(tables[1], b)
    lowest = []
    for mine, other in ((ix, iy), (iy, ix)):
        shared = (mine[:, :, None] == other[:, None, :]).any(axis=2)
        only = (mine >= 0) & ~shared & distinctive[np.maximum(mine, 0)]
        lowest.append(np.where(only, frequency[np.maximum(mine, 0)], -1))
    # Both sides have such a word (a maximum of 0 or more), and none is rarer than a known word.
    both = (lowest[0].max(axis=1, initial=-1) >= 0) & (lowest[1].max(axis=1, initial=-1) >= 0)
    rarest = np.minimum(
        np.where(lowest[0] >= 0, lowest[0], carried).min(axis=1, initial=carried),
        np.where(lowest[1] >= 0, lowest[1], carried).min(axis=1, initial=carried),
    )
    return both & (rarest >= carried)


def _pair_tokens(table: _TokenTable, rows: np.ndarray) -> np.ndarray:
    """Token ids of each of ``rows`` (rows may repeat), padded with -1 to ``MAX_TOKENS``."""
    unique, inverse = np.unique(rows, return_inverse=True)
    chosen = np.isin(table.rows, unique) & (table.rank < MAX_TOKENS)
    matrix = np.full((len(unique), MAX_TOKENS), -1, dtype=np.int64)
    matrix[np.searchsorted(unique, table.rows[chosen]), table.rank[chosen]] = table.ids[chosen]
    return matrix[inverse]


def _contained_candidates(
    ours: _Side, theirs: _Side, tables: tuple[_TokenTable, _TokenTable]
) -> pd.DataFrame:
    """Short brands contained whole in a longer name whose other words are all generic
    ("Cigna" / "Cigna Group", "J.B. Hunt" / "HUNT J B TRANSPORT SERVICES"): pairs (a, b),
    ``only`` when the other words are all words of a company's form, the brand's words are in
    no other name of the other side and that name contains no other brand of this side; and
    the explanation."""
    form, trade = _generic_words(tables)
    generic = form | trade
    out = []
    sides = ((ours, theirs, tables[0], tables[1]), (theirs, ours, tables[1], tables[0]))
    for flip, (x, y, tx, ty) in enumerate(sides):
        mx, my = _token_matrix(tx, len(x)), _token_matrix(ty, len(y))
        count_x = np.bincount(tx.rows, minlength=len(x))
        count_y = np.bincount(ty.rows, minlength=len(y))
        first = mx[:, 0]
        rows_x = np.flatnonzero((count_x >= 1) & (count_x <= MAX_TOKENS) & (first >= 0))
        rows_x = rows_x[~generic[first[rows_x]]]
        if len(rows_x) == 0:
            continue
        px, py, _k, _c = _join_keys(first[rows_x], rows_x, ty.ids, ty.rows, cap=CONTAINED_CAP)
        keep = (count_y[py] <= MAX_TOKENS) & (count_x[px] <= count_y[py])
        keep &= x.keys[px] != y.keys[py]
        px, py = px[keep], py[keep]
        ix, iy = mx[px], my[py]
        inside = np.ones(len(px), dtype=bool)
        for i in range(MAX_TOKENS):
            hit = (ix[:, i][:, None] == iy).any(axis=1)
            inside &= (ix[:, i] < 0) | hit
        px, py, ix, iy = px[inside], py[inside], ix[inside], iy[inside]
        leftover_generic = np.ones(len(px), dtype=bool)
        leftover_form = np.ones(len(px), dtype=bool)
        for j in range(MAX_TOKENS):
            mine = (iy[:, j][:, None] == ix).any(axis=1)
            extra = (iy[:, j] >= 0) & ~mine
            leftover_generic &= ~extra | generic[np.maximum(iy[:, j], 0)]
            leftover_form &= ~extra | form[np.maximum(iy[:, j], 0)]
        px, py = px[leftover_generic], py[leftover_generic]
        leftover_form = leftover_form[leftover_generic]
        if len(px) == 0:
            continue
        # Counted before any filtering by open pairs: "the only one" is true of the whole lists.
        once_x = np.bincount(px, minlength=len(x))[px] == 1
        once_y = np.bincount(py, minlength=len(y))[py] == 1
        # A brand several names contain is no suggestion: which one would be a guess.
        once = once_x & once_y
        px, py, form_only = px[once], py[once], leftover_form[once]
        for i, j, only in zip(px.tolist(), py.tolist(), form_only.tolist(), strict=True):
            words = (
                f"'{_clean(x.names[i].as_py())}' is '{_clean(y.names[j].as_py())}' "
                "without its generic words, the only account named so"
            )
            out.append((j, i, only, flip, words) if flip else (i, j, only, flip, words))
    if not out:
        return pd.DataFrame(
            {
                "a": np.empty(0, np.int64),
                "b": np.empty(0, np.int64),
                "only": np.empty(0, bool),
                "brand_side": np.empty(0, np.int64),
                "words": [],
            }
        )
    frame = pd.DataFrame(out, columns=["a", "b", "only", "brand_side", "words"])
    frame = frame.sort_values(["a", "b", "only", "words"], ascending=[True, True, False, True])
    return frame.drop_duplicates(["a", "b"]).astype({"a": np.int64, "b": np.int64})


# A rare word two names share whole, in no other name of either list ("Deckers Brands" /
# "DECKERS OUTDOOR CORP", "John Deere" / "DEERE & CO"): a renamed company, a brand beside its
# registrant, a word order a rule cannot undo. A suggestion, never automatic; shorter words
# than this say too little.
SHARED_WORD_LETTERS = 4


def _shared_word_candidates(
    ours: _Side, theirs: _Side, tables: tuple[_TokenTable, _TokenTable]
) -> pd.DataFrame:
    """Pairs (a, b) of names sharing a word that no other name of either side carries, the
    word neither generic (``_generic_words``) nor a little word, with the explanation."""
    form, trade = _generic_words(tables)
    ta, tb = tables
    size = len(ta.words)
    lengths = _lengths(ta.words) if size else np.empty(0, np.int64)
    usable = (np.bincount(ta.ids, minlength=size) == 1) & (np.bincount(tb.ids, minlength=size) == 1)
    usable &= ~(form | trade) & (lengths >= SHARED_WORD_LETTERS)
    usable &= ~np.isin(ta.words, list(ACRONYM_STOPWORDS))
    rows = []
    for table in tables:
        owner = np.full(size, -1, dtype=np.int64)
        hit = usable[table.ids]
        owner[table.ids[hit]] = table.rows[hit]
        rows.append(owner)
    words = np.flatnonzero(usable)
    a, b = rows[0][words], rows[1][words]
    differ = ours.keys[a] != theirs.keys[b]
    frame = pd.DataFrame({"a": a[differ], "b": b[differ], "w": ta.words[words[differ]]})
    frame = frame.sort_values(["a", "b", "w"]).drop_duplicates(["a", "b"])
    frame["words"] = [
        f"'{w}' is a rare word in both lists, in no other account's name" for w in frame["w"]
    ]
    return frame[["a", "b", "words"]].astype({"a": np.int64, "b": np.int64})
