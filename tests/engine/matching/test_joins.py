"""Joins: the sort that stands in for a stable argsort (engine/matching/joins.py)."""

from __future__ import annotations

import numpy as np


def test_stable_order_is_a_stable_argsort() -> None:
    from engine.matching.joins import _stable_order

    codes = np.random.default_rng(3).integers(0, 50, 5_000)
    assert (_stable_order(codes) == np.argsort(codes, kind="stable")).all()
    assert len(_stable_order(np.empty(0, np.int64))) == 0
