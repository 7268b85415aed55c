"""Candidate pairs for the fuzzy tier: names alike enough to be scored, never all pairs when big.

Small sides are compared whole with rapidfuzz ``cdist`` in chunks, big ones through blocks with
capped sizes: every word both sides share (a block of a common word such as "pharmaceuticals"
compared whole with ``cdist`` while the sides are small enough, within a budget of pairs),
one-letter-left-out variants of the rarest word, neighbouring words joined, the two rarest words
together, and the first and last letters of names without spaces; pairs are rescored with
``cpdist``. When only names alike by 90 or more are wanted, whole blocks of a common word give
way to blocks of names the same but for their rarest word.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from engine.keys.names import squashed_keys
from engine.matching.joins import (
    _distinct,
    _expand_blocks,
    _join_keys,
    _stable_order,
    _unique_pairs,
)
from engine.matching.prepare import (
    MAX_TOKENS,
    Cancel,
    Progress,
    _check,
    _ranks,
    _report,
    _token_tables,
    _TokenTable,
)

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
# rapidfuzz holds the GIL while it reads a chunk's strings (~0.1 s per million pairs): chunks
# this size keep a GUI thread running beside the matching responsive (no stall over ~50 ms).
SCORE_CHUNK = 250_000
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
# Words are found by polynomial hashes modulo 2**64 (numpy's wrapping uint64 arithmetic). The
# base is odd, so it has an inverse modulo 2**64. Two words with the same hash only add a pair
# that scoring then drops.
HASH_BASE = 0x100000001B3
HASH_INVERSE = pow(HASH_BASE, -1, 2**64)
MIX = 0x9E3779B97F4A7C15  # odd: multiplying by it spreads low bits into the high ones
PLACE_MIX = 0xC2B2AE3D27D4EB4F  # another odd number, for the codes of places


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
    table_a: _TokenTable,
    table_b: _TokenTable,
    one_word: bool = False,
    places: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows whose rarest words (of four letters or more) are one typo apart: they are
    equal once one letter is left out of either or both. Variants held by more than
    ``DELETION_CAP`` rows on a side are keyed again with the rest of the name or, for a name of
    one word, its place (``places``: a code per row of each side, 0 when unknown). With
    ``one_word``, only names of one word."""
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
    a, b = _join_codes(sides[0][0], sides[0][1], sides[1][0], sides[1][1], DELETION_CAP)
    # A variant many names share (short words collide more the longer the lists) still links
    # names whose other words are the same ("gofoird united stores", "goford united stores").
    # Only the variants over the cap are keyed again: a small share of them.
    size = int(max(sides[0][0].max(initial=-1), sides[1][0].max(initial=-1))) + 1
    crowded = (np.bincount(sides[0][0], minlength=size) > DELETION_CAP) | (
        np.bincount(sides[1][0], minlength=size) > DELETION_CAP
    )
    keyed = []
    for side, (table, (codes_, rows_)) in enumerate(zip((table_a, table_b), sides, strict=True)):
        by_row = np.zeros(int(table.rows.max(initial=-1)) + 1, dtype=np.uint64)
        owners_, rest_codes, _whole = _rest_codes(table)
        by_row[owners_] = rest_codes
        rest = by_row[rows_]
        if places is not None:
            # A name of one word has no rest to agree on: its place stands in ("failon" and
            # "faioln" in Sevilla meet however many names "faion" stands for in a million).
            with np.errstate(over="ignore"):
                place = places[side][rows_].astype(np.uint64) * np.uint64(PLACE_MIX)
            rest = np.where(rest != 0, rest, place)
        many = (rest != 0) & crowded[codes_]
        with np.errstate(over="ignore"):
            keyed.append(
                ((codes_[many].astype(np.uint64) * np.uint64(MIX)) ^ rest[many], rows_[many])
            )
    codes = pd.factorize(np.concatenate([keyed[0][0], keyed[1][0]]))[0]
    n_a = len(keyed[0][0])
    ra, rb = _join_codes(codes[:n_a], keyed[0][1], codes[n_a:], keyed[1][1], DELETION_CAP)
    return np.r_[a, ra], np.r_[b, rb]


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
    places: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """``candidate_pairs`` of keys whose squashed keys (``compact``) and token tables may be
    made already; ``places`` (a code per row, 0 unknown) key the crowded typo variants of
    names of one word."""
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
        a, b = _keyed_pairs(tables, others, small_a, small_b, len(keys_b), by_rest, cancel, places)
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
    places: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs of small blocks, of blocking keys and of ``others`` (worked out in another
    thread: ``_end_pairs``, ``_compare_rests``), to be scored. Names of several words one typo
    apart and alike enough to be compared by the rest of the name (``by_rest``) have the same
    rest: then the typo keys are left to names of one word."""
    found = [
        (small_a, small_b),
        _deletion_pairs(*tables, one_word=by_rest, places=places),
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


def _texts(values: np.ndarray | pa.Array, at: np.ndarray) -> list[str]:
    """The strings at positions ``at``, as the list rapidfuzz takes."""
    if isinstance(values, pa.Array):
        return values.take(pa.array(at, type=pa.int64())).to_pylist()
    return values[at].tolist()


def _lengths(values: np.ndarray | pa.Array) -> np.ndarray:
    """Length in characters of each string."""
    array = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    return pc.utf8_length(array).to_numpy(zero_copy_only=False).astype(np.int64)
