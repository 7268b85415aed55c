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
        (
            "Deckers Brands",
            "DECKERS OUTDOOR CORP",
            "review",
            "'deckers' is a rare word in both lists, in no other account's name",
        ),
        ("John Deere", "DEERE & CO", "review", "'deere' is a rare word in both lists"),
        (
            "Supermicro",
            "Super Micro Computer, Inc.",
            "review",
            "'Supermicro' is the start of 'Super Micro Computer, Inc.', the only account",
        ),
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
    # "Summit" names several companies on each side; "Zorvane" one.
    ours = accounts(
        ("Summit Holdings Group", ""), ("Zorvane Holdings Group", ""), ("Summit Foods", "")
    )
    theirs = accounts(
        ("Summit Logistics Group", ""), ("Zorvane Holding", ""), ("Summit Pacific Bank", "")
    )
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


def test_a_shared_rare_word_is_a_suggestion_only_when_no_other_name_has_it() -> None:
    ours = accounts(("Deckers Brands", "", "US", "Goleta"), ("Velmira Foods", "", "US", "Austin"))
    theirs = accounts(("Deckers Outdoor Corp", "", "US", "Goleta"), ("Tarnix", "", "US", "Austin"))
    links = match_frames(ours, theirs)
    assert pairs(links) == {(0, 0)}
    # Agreeing fields raise it, but it stays a suggestion.
    assert link_for(links, 0, 0)["status"] == "review"
    assert "same country; same city" in link_for(links, 0, 0)["explanation"]
    # A second name with the word: which one is meant would be a guess.
    two = accounts(("Deckers Outdoor Corp", ""), ("Deckers Marine Supply", ""))
    assert match_frames(accounts(("Deckers Brands", "")), two).empty
    # A field against it: two companies.
    abroad = accounts(("Deckers Outdoor Corp", "", "France", "Paris"))
    assert match_frames(ours, abroad).empty


def test_an_acronym_needs_a_field_that_supports_it() -> None:
    ours = accounts({"name": "STR", "industry": "Retail"})
    other_trade = accounts({"name": "Sven Turner Retail Inc.", "industry": "Banking"})
    assert match_frames(ours, other_trade).empty
    same_trade = accounts({"name": "Sven Turner Retail Inc.", "industry": "Retail"})
    links = match_frames(ours, same_trade)
    assert pairs(links) == {(0, 0)}
    assert "same industry" in links["explanation"].iloc[0]
    # In lists of names alone, only when no other name has the initials.
    two = accounts(("Sven Turner Retail Inc.", ""), ("Southern Textile Resources", ""))
    assert match_frames(accounts(("STR", "")), two).empty


def test_initials_many_names_share_still_meet_their_name_in_the_same_city() -> None:
    ours = accounts(("STR", "", "United States", "Chicago"))
    theirs = accounts(
        ("Southern Textile Resources", "", "United States", "Dallas"),
        ("Silver Tree Realty", "", "United States", "Boston"),
        ("Sven Turner Retail Inc.", "", "United States", "Chicago"),
        ("Summit Trade Routes", "", "United States", "Miami"),
    )
    links = match_frames(ours, theirs)
    assert pairs(links) == {(0, 2)}
    assert link_for(links, 0, 2)["status"] == "review"
    assert "acronym" in link_for(links, 0, 2)["explanation"]
