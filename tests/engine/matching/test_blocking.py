"""Candidate pairs: blocking finds what brute force finds, never a pair brute force would not,
with brute force's scores (engine/matching/blocking.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.matching.blocking import candidate_pairs
from tests.engine.matching.accounts import universe


def _blocked_and_brute(
    keys_a: np.ndarray, keys_b: np.ndarray, cutoff: int
) -> tuple[pd.DataFrame, pd.DataFrame, set, set]:
    """Candidate pairs by blocking and by brute force, as frames and as sets of (a, b)."""
    brute = candidate_pairs(keys_a, keys_b, cutoff=cutoff, brute_force=True)
    blocked = candidate_pairs(keys_a, keys_b, cutoff=cutoff, brute_force=False)
    found = set(zip(blocked["a"], blocked["b"], strict=True))
    wanted = set(zip(brute["a"], brute["b"], strict=True))
    return blocked, brute, found, wanted


def test_blocking_finds_what_brute_force_finds() -> None:
    ours, theirs = universe(7, 400)
    from engine.keys.names import name_keys

    keys_a, keys_b = name_keys(ours["name"]).to_numpy(), name_keys(theirs["name"]).to_numpy()
    _blocked, _brute, found, wanted = _blocked_and_brute(keys_a, keys_b, 85)
    assert found <= wanted
    # Brute force also finds different brands that share a long common word; blocking skips
    # some of those, never a true pair (row i of one side is row i of the other).
    assert len(found) >= 0.85 * len(wanted)
    assert {(i, j) for i, j in wanted if i == j} <= found


def test_blocking_at_a_high_cutoff_finds_names_alike_but_for_their_rarest_word() -> None:
    """From ``WORD_BLOCK_CUTOFF`` names are blocked by all their words but the rarest: pairs
    whose brands differ by more than a typo are found there, one-word names by their typo
    keys, squashed and glued spellings by their ends."""
    ours, theirs = universe(11, 400)
    from engine.keys.names import name_keys

    special_a = [
        "choraron financial",
        "tinnix",
        "face book",
        "delta covitaro mining",
        "blorkal communications",
    ]
    special_b = [
        "coraro financial",
        "tinix",
        "facebook",
        "deltacovitarominingcompany",
        "brekalo communications",
    ]
    keys_a = np.r_[name_keys(ours["name"]).to_numpy(), np.array(special_a, dtype=object)]
    keys_b = np.r_[name_keys(theirs["name"]).to_numpy(), np.array(special_b, dtype=object)]
    blocked, brute, found, wanted = _blocked_and_brute(keys_a, keys_b, 90)
    assert found <= wanted
    assert len(found) >= 0.97 * len(wanted)
    # The brute force score of each pair found is the one reported.
    scores = brute.set_index(["a", "b"])["score"]
    assert all(scores[(a, b)] == s for a, b, s in blocked.itertuples(index=False))
    start = len(ours)
    assert {(start + i, start + i) for i in range(len(special_a))} <= found


@pytest.mark.parametrize("cutoff", [70, 90])
def test_blocking_finds_names_the_same_without_spaces_behind_a_common_start(cutoff: int) -> None:
    """ "libertyfortekshipping" meets "liberty fortek shipping" though a crowd of names begins
    with "liberty" and ends with "shipping" (too many to pair by their ends)."""
    crowd_a = [f"liberty {w}shipping" for w in ("alpha", "beta", "gamma", "delta", "omega")]
    crowd_b = [f"liberty {w} shipping" for w in ("north", "south", "east", "west", "upper")]
    keys_a = np.array(["libertyfortekshipping", *crowd_a * 6], dtype=object)
    keys_b = np.array(["liberty fortek shipping", *crowd_b * 6], dtype=object)
    blocked = candidate_pairs(keys_a, keys_b, cutoff=cutoff, brute_force=False)
    assert (0, 0, 100.0) in set(blocked.itertuples(index=False, name=None))


def test_blocking_at_a_high_cutoff_finds_a_name_with_one_word_more() -> None:
    """ "capital rux logistics" meets "capital logistics" at 90 though both words are common and
    crowds of names begin with "capital" or end with "logistics"."""
    made_up = [
        f"{a}{b}"
        for a in ("zor", "vel", "quin", "dra", "plo")
        for b in ("ix", "an", "ova", "eta", "um")
    ]
    keys_a = np.array(
        [
            "capital rux logistics",
            *(f"capital {w} holdings" for w in made_up),
            *(f"{w} logistics" for w in made_up),
        ],
        dtype=object,
    )
    keys_b = np.array(
        [
            "capital logistics",
            *(f"capital {w} partners" for w in made_up[:5]),
            *(f"{w}s logistics group" for w in made_up[:5]),
        ],
        dtype=object,
    )
    _blocked, _brute, found, wanted = _blocked_and_brute(keys_a, keys_b, 90)
    assert (0, 0) in wanted
    assert (0, 0) in found


KEY_WORDS = st.sampled_from(
    ["acme", "acne", "zeria", "seloria", "intl", "holdings", "東京", "zürich", "ab", "l", ""]
)
KEYS = st.lists(st.lists(KEY_WORDS, max_size=4).map(" ".join), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(KEYS, KEYS, st.sampled_from([70, 90]))
def test_blocking_never_fails_and_never_invents_a_pair(
    keys_a: list[str], keys_b: list[str], cutoff: int
) -> None:
    """Any names (empty, one word, repeated, in any script): blocking finds only pairs brute
    force finds, with brute force's scores."""
    a, b = np.array(keys_a, dtype=object), np.array(keys_b, dtype=object)
    blocked, brute, found, wanted = _blocked_and_brute(a, b, cutoff)
    assert found <= wanted
    scores = brute.set_index(["a", "b"])["score"]
    assert all(scores[(i, j)] == s for i, j, s in blocked.itertuples(index=False))


def test_word_hashes_and_typo_variants_follow_code_points() -> None:
    """ASCII words are hashed from Arrow's bytes, the others from their code points: a typo
    variant is a word with one character (not one byte) left out, in every script."""
    import pyarrow as pa

    from engine.matching.blocking import HASH_BASE, _deletion_hashes

    def hashed(word: str) -> int:
        return sum(ord(c) * pow(HASH_BASE, i, 2**64) for i, c in enumerate(word)) % 2**64

    words = ["acme", "zürich", "東京電力", "", "ll", "straße", "x" * 70, "acme"]
    array = pa.array(["skip", *words]).slice(1)
    lengths = np.array([len(w) for w in words])
    owners, variants, whole = _deletion_hashes(array, lengths)
    assert [int(h) for h in whole] == [hashed(w) for w in words]
    expected = {(i, hashed(w[:j] + w[j + 1 :])) for i, w in enumerate(words) for j in range(len(w))}
    got = list(zip(owners.tolist(), (int(v) for v in variants), strict=True))
    assert set(got) == expected
    assert len(got) == len(set(got))  # "ll" less one letter is one variant


def test_a_typo_variant_many_names_share_still_links_names_with_the_same_other_words() -> None:
    """A one-letter-left-out variant held by more names than ``DELETION_CAP`` on a side (short
    brands collide more the longer the lists) still links two names whose other words are
    the same: "gofoird united stores" meets "goford united stores"."""
    from engine.matching.blocking import DELETION_CAP, _deletion_pairs
    from engine.matching.prepare import _token_tables

    trades = ["mining", "foods", "capital", "airlines", "freight", "brewing", "labs", "media"]
    assert len(trades) > DELETION_CAP
    # Many accounts a side whose brand is "goford" or one letter from it, in other trades;
    # common words are made common by many other names.
    crowd_a = [f"goford {t}" for t in trades] + [f"gofords {t}" for t in trades]
    crowd_b = [f"goford {t}" for t in trades] + [f"goforde {t}" for t in trades]
    filler = [f"zz{i:03d} united stores {t}" for i in range(40) for t in ("north", "south")]
    filler += [f"yy{i:03d} {t}" for i in range(12) for t in trades]
    keys_a = np.array(["gofoird united stores", *crowd_a, *filler], dtype=object)
    keys_b = np.array(["goford united stores", *crowd_b, *filler], dtype=object)
    tables = _token_tables(keys_a, keys_b)
    a, b = _deletion_pairs(*tables)
    assert (0, 0) in set(zip(a.tolist(), b.tolist(), strict=True))


def test_a_crowded_typo_variant_of_a_one_word_name_still_meets_it_in_the_same_city() -> None:
    """A name of one word has no other words to agree on: past ``DELETION_CAP`` its place
    keys the variant, so "failon" meets "faioln" in Sevilla among many names near "faion"."""
    from engine.matching.blocking import DELETION_CAP, _deletion_pairs
    from engine.matching.prepare import _token_tables

    letters = "bcdeghkmnpqrstvwxyz"
    # "failon" and "faioln" meet through "faion" and "failn"; many names near each of them
    crowd_a = [f"fa{c}ion" for c in letters[:8]] + [f"fail{c}n" for c in letters[:8]]
    crowd_b = [f"fai{c}on" for c in letters[8:16]] + [f"fai{c}ln" for c in letters[8:16]]
    assert len(crowd_a) > DELETION_CAP
    keys_a = np.array(["failon", *crowd_a], dtype=object)
    keys_b = np.array(["faioln", *crowd_b], dtype=object)
    sevilla, elsewhere = 11, 12
    places = (
        np.array([sevilla] + [elsewhere] * len(crowd_a), dtype=np.uint64),
        np.array([sevilla] + [elsewhere + 1] * len(crowd_b), dtype=np.uint64),
    )
    tables = _token_tables(keys_a, keys_b)
    without = set(zip(*(side.tolist() for side in _deletion_pairs(*tables)), strict=True))
    assert (0, 0) not in without  # the crowd hides it
    a, b = _deletion_pairs(*tables, places=places)
    found = set(zip(a.tolist(), b.tolist(), strict=True))
    assert (0, 0) in found
    assert not any(x > 0 and y > 0 for x, y in found - without)  # other cities: nothing new
