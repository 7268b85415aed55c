"""Fuzzy scores and their words: typos, acronyms, prefixes, rare words weighing more, and
corroborating fields raising and lowering a score (engine/matching/scoring.py)."""

from __future__ import annotations

import pytest

from engine import (
    match_frames,
)
from tests.engine.matching.accounts import accounts, link_for, pairs


@pytest.mark.parametrize(
    ("ours", "theirs", "status", "words"),
    [
        ("Schwab Charles Corp", "Charles Schwab Corporation", "auto", "names 100% alike"),
        (
            "Zoetis Animal Health Inc",
            "Zoetsi Animal Health",
            "review",
            "alike after removing legal forms",
        ),
        (
            "Hunt J B Transport Services Inc",
            "J.B. Hunt Transport Services",
            "auto",
            "names 100% alike",
        ),
        (
            "International Business Machines Corp",
            "IBM",
            "review",
            "'IBM' is the acronym of 'International Business Machines Corp'",
        ),
        (
            "Abbott",
            "Abbott Laboratories",
            "review",
            "'Abbott' is 'Abbott Laboratories' without its generic words, the only account",
        ),
        ("Clatilia Indl Automotive LLC", "Clatilia Industrial Automotive", "auto", "same name"),
    ],
)
def test_fuzzy_tier(ours: str, theirs: str, status: str, words: str) -> None:
    links = match_frames(
        accounts((ours, ""), ("Unrelated Widgets", "")),
        accounts((theirs, ""), ("Other Things", "")),
    )
    row = link_for(links, 0, 0)
    assert row["status"] == status
    assert words in row["explanation"]
    assert row["method"] in {"fuzzy", "name"}


def test_prefix_needs_exactly_one_account_starting_that_way() -> None:
    ours = accounts(("Abbott", ""))
    theirs = accounts(("Abbott Laboratories", ""), ("Abbott Energy Partners", ""))
    assert match_frames(ours, theirs).empty


def test_rare_words_count_more_than_common_ones() -> None:
    ours = accounts(("Summit Holdings Group", ""), ("Zorvane Holdings Group", ""))
    theirs = accounts(("Summit Logistics Group", ""), ("Zorvane Holding", ""))
    links = match_frames(ours, theirs)
    assert (1, 1) in pairs(links)
    assert (0, 0) not in pairs(links)


def test_corroborating_fields_raise_and_lower() -> None:
    ours = accounts(("Velmira Foods", "", "US", "Austin"), ("Velmira Foods", "", "US", "Austin"))
    theirs = accounts(
        ("Velmira Food Company", "", "US", "Austin"),
        ("Velmira Food Company", "", "France", "Paris"),
    )
    links = match_frames(ours, theirs)
    near = link_for(links, 0, 0)
    far = link_for(links, 1, 1) if (1, 1) in pairs(links) else None
    assert "same country; same city" in near["explanation"]
    assert far is None or far["score"] < near["score"]
