"""Joins for matching: pairs of rows that share a key, found by integer sorts (no hash join).

Every stage joins: the exact tiers on domains and name keys, blocking on its keys, scoring on
acronyms and name starts. Keys are integer codes; a key held by too many rows is skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

EXPAND_CHUNK = 4_000_000  # pairs per step when a join's blocks are expanded into pairs


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
