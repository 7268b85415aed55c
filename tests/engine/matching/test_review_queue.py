"""The review queue is worth a user's time: near-spellings of another brand that the other
fields contradict are not offered, nor acronyms another field contradicts; countries are
compared with their accents folded (engine/matching/tiers.py, scoring.py, prepare.py)."""

from __future__ import annotations

from engine import match_frames
from tests.engine.matching.accounts import accounts, pairs


def test_a_near_spelling_of_another_brand_in_another_city_is_not_offered() -> None:
    ours = accounts(("Rosnix Networks AG", "", "Germany", "Hamburg"))
    elsewhere = accounts(("Rysnix Networks Corporation", "", "United States", "Dallas"))
    assert match_frames(ours, elsewhere).empty
    one_field = accounts(("Rysnix Networks Corporation", "", "Germany", "Berlin"))
    assert match_frames(ours, one_field).empty
    # The same near-spelling in the same place is still a suggestion, with its evidence.
    here = accounts(("Rysnix Networks GmbH", "", "Germany", "Hamburg"))
    links = match_frames(ours, here)
    assert pairs(links) == {(0, 0)}
    assert links["status"].iloc[0] == "review"
    assert "same city" in links["explanation"].iloc[0]


def test_a_slip_of_the_keys_in_another_city_stays_a_lower_ranked_suggestion() -> None:
    # A letter left out, added or two neighbours swapped: the same company's other office.
    ours = accounts(("Plaxmont Inc.", "", "United States", "San Francisco"))
    for slipped in ("Plaxemont, Inc.", "Plamxont Inc", "Plaxmnt Inc"):
        links = match_frames(ours, accounts((slipped, "", "United States", "Boston")))
        assert pairs(links) == {(0, 0)}, slipped
        assert links["status"].iloc[0] == "review"
        assert "different city" in links["explanation"].iloc[0]
    # Ranked below the same slip in the same city, which wins the account.
    both = accounts(
        ("Plaxemont, Inc.", "", "United States", "Boston"),
        ("Plaxemont Incorporated", "", "United States", "San Francisco"),
    )
    assert pairs(match_frames(ours, both)) == {(0, 1)}
    # A letter replaced spells another brand; in another country, a second company.
    assert match_frames(ours, accounts(("Plaxmort Inc.", "", "United States", "Boston"))).empty
    assert match_frames(ours, accounts(("Plaxemont Inc.", "", "Canada", "Toronto"))).empty


def test_names_nearly_the_same_stay_a_suggestion_against_one_field() -> None:
    ours = accounts(("Merkora International Communications", "", "Germany", "Hamburg"))
    theirs = accounts(("Merrkora International Communications", "", "Germany", "Berlin"))
    links = match_frames(ours, theirs)
    assert pairs(links) == {(0, 0)}
    assert "different city" in links["explanation"].iloc[0]
    # Two fields against it: a second company.
    abroad = accounts(("Merrkora International Communications", "", "France", "Paris"))
    assert match_frames(ours, abroad).empty


def test_an_acronym_needs_no_field_against_it() -> None:
    ours = accounts(("STR", "", "United States", "Chicago"))
    theirs = accounts(("Sven Turner Retail Inc.", "", "United States", "Dallas"))
    assert match_frames(ours, theirs).empty
    same_city = accounts(("Sven Turner Retail Inc.", "", "United States", "Chicago"))
    links = match_frames(ours, same_city)
    assert pairs(links) == {(0, 0)}
    assert "acronym" in links["explanation"].iloc[0]
    assert "same city" in links["explanation"].iloc[0]
    # Without other fields the acronym stays a suggestion (IBM ~ International Business Machines).
    bare = match_frames(accounts(("IBM", "")), accounts(("International Business Machines", "")))
    assert pairs(bare) == {(0, 0)}


def test_countries_are_compared_with_accents_folded() -> None:
    ours = accounts(("Funmiar Freight", "", "España", "Valencia"))
    theirs = accounts(("Funmira Freight", "", "Spain", "Valencia"))
    links = match_frames(ours, theirs)
    assert pairs(links) == {(0, 0)}
    assert "same country" in links["explanation"].iloc[0]


def test_a_letter_replaced_in_the_same_place_waits_for_a_person() -> None:
    # One slip of the keys in the same city and country links at once...
    ours = accounts(("Crotera Agriculture LLC", "", "United States", "Denver"))
    slip = match_frames(ours, accounts(("Crottera Agriculture Co", "", "US", "Denver")))
    assert slip["status"].tolist() == ["auto"]
    # ... a letter replaced spells another brand: a suggestion, not a link.
    other = match_frames(ours, accounts(("Brotera Agriculture Co", "", "US", "Denver")))
    assert other["status"].tolist() == ["review"]
