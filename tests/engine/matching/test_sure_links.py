"""Automatic links that other evidence contradicts wait for a person: a near-spelling beside an
account's sure partner or against another website, a short name shared by companies in other
places, a website shared by differently named accounts in different countries or by unlike
names in different cities, two spellings both in use (engine/matching/tiers.py)."""

from __future__ import annotations

from engine import match_frames
from tests.engine.matching.accounts import accounts, link_for


def test_a_near_spelling_beside_a_sure_partner_is_a_suggestion() -> None:
    ours = accounts(("Sasta Medical", "", "United States", "Chicago"))
    theirs = accounts(
        ("Sasta Medical", "", "United States", "Chicago"),
        ("Sata Medical", "", "United States", "Chicago"),
    )
    links = match_frames(ours, theirs)
    assert link_for(links, 0, 0)["status"] == "auto"
    second = link_for(links, 0, 1)
    assert (second["method"], second["status"]) == ("fuzzy", "review")
    # Alone, the same near-spelling in the same city is still automatic.
    alone = match_frames(ours, theirs.iloc[[1]].reset_index(drop=True))
    assert link_for(alone, 0, 0)["status"] == "auto"


def test_a_near_spelling_against_another_website_is_a_suggestion() -> None:
    place = {"country": "United States", "city": "Austin", "industry": "Biotechnology"}
    ours = accounts({"name": "Jyzon Biosciences", "domains": "jyzon-hq.com", **place})
    theirs = accounts({"name": "Jyszon Biosciences LLC", "domains": "jyszon.com", **place})
    row = link_for(match_frames(ours, theirs), 0, 0)
    assert (row["method"], row["status"]) == ("fuzzy", "review")
    assert "different websites" in row["explanation"]


def test_a_short_name_with_a_field_against_it_is_a_suggestion() -> None:
    ours = accounts(
        ("PCA Inc.", "", "United States", "Atlanta"),
        ("SGB, Inc", "sgb-tools.com", "United States", "Boston"),
        ("KLM", "", "Netherlands", "Amsterdam"),
        ("Northwind Inc", "", "United States", "Seattle"),
    )
    theirs = accounts(
        ("PCA Co.", "", "United States", "New York"),
        ("SGB Co", "sgbfoods.com", "United States", "Boston"),
        ("KLM N.V.", "", "Netherlands", "Amsterdam"),
        ("Northwind LLC", "", "United States", "Portland"),
    )
    links = match_frames(ours, theirs)
    for i in (0, 1):
        row = link_for(links, i, i)
        assert (row["method"], row["status"]) == ("name", "review"), row
    # Nothing against it, or a longer name in another city: automatic as before.
    assert link_for(links, 2, 2)["status"] == "auto"
    assert link_for(links, 3, 3)["status"] == "auto"


def test_a_website_of_differently_named_accounts_abroad_is_a_suggestion() -> None:
    ours = accounts(
        ("Wood Klaus P.L.C.", "wood.co.uk", "United Kingdom", "Bristol"),
        ("Initrode", "initrode.com", "United States", "Dallas"),
    )
    theirs = accounts(
        ("WoodPaulAssocInc.", "wood.co.uk", "United States", "Chicago"),
        ("Initrode Holdings", "initrode.com", "United States", "Houston"),
    )
    links = match_frames(ours, theirs)
    wood = link_for(links, 0, 0)
    assert (wood["method"], wood["status"]) == ("domain", "review")
    assert wood["explanation"] == "same domain wood.co.uk; different names; different country"
    # The same country and names alike (one within the other): the website decides, whatever
    # the cities.
    initrode = link_for(links, 1, 1)
    assert (initrode["score"], initrode["status"]) == (100.0, "auto")


def test_a_website_of_unlike_names_in_another_city_is_a_suggestion() -> None:
    usa = "United States"
    ours = accounts(
        ("Kralro Telecom", "kralro-intl.com", usa, "Miami"),
        ("Stogota Manufacturing", "stogota.com", usa, "Austin"),
        ("SVS", "vrinzetis.com", usa, "Boston"),
        ("Drudex Solutions", "drudex.com", usa, "Denver"),
    )
    theirs = accounts(
        ("Titan Kralro Motors, LLC", "kralro-intl.com", usa, "Dallas"),
        ("StogotaManufacturing Inc", "stogota.com", usa, "Chicago"),
        ("Southern Vrinzetis Shipping", "vrinzetis.com", usa, "New York"),
        ("Drudex Hotels", "drudex.com", usa, "Denver"),
    )
    links = match_frames(ours, theirs)
    kralro = link_for(links, 0, 0)
    assert (kralro["method"], kralro["status"]) == ("domain", "review")
    assert kralro["explanation"] == ("same domain kralro-intl.com; different names; different city")
    # Names alike once written alike, an acronym, or the same city: the website decides.
    for i in (1, 2, 3):
        row = link_for(links, i, i)
        assert (row["method"], row["status"]) == ("domain", "auto"), row


def test_two_spellings_both_in_use_are_two_companies_not_a_slip() -> None:
    usa = "United States"
    ours = accounts(
        ("Reno Technology", "", usa, "Seattle"),
        ("Glanzanova Inc.", "", usa, "Atlanta"),
        ("Reno Freight", "", usa, "Boston"),
        ("Reno Dental Group", "", usa, "Denver"),
        ("Vexa Technology", "", usa, "Denver"),
        ("Lumo Technology", "", usa, "Denver"),
    )
    theirs = accounts(
        ("Renco Technologies Inc.", "", usa, "Seattle"),
        ("Glananova Inc.", "", usa, "Atlanta"),
        ("Renco Brewing", "", usa, "Miami"),
        ("Renco Mining Corp", "", usa, "Dallas"),
        ("Pardo Technology", "", usa, "Miami"),
        ("Quill Technology", "", usa, "Miami"),
    )
    links = match_frames(ours, theirs)
    # Other companies are called Reno and others Renco: the two are words of the lists, and
    # the pair is not even offered.
    assert (0, 0) not in set(zip(links["our_index"], links["partner_index"], strict=True))
    # A spelling no other name carries is a slip of the keys: automatic as before.
    assert link_for(links, 1, 1)["status"] == "auto"
    # Each spelling carried by one other name: neither is what a slip leaves, a suggestion.
    pair = match_frames(ours.iloc[[0, 2, 4, 5]], theirs.iloc[[0, 2, 4, 5]])
    reno = link_for(pair.reset_index(drop=True), 0, 0)
    assert (reno["method"], reno["status"]) == ("fuzzy", "review"), reno
    # With the other Renos and Rencos gone, Reno / Renco is such a slip too.
    alone = match_frames(ours.iloc[[0]], theirs.iloc[[0]])
    assert link_for(alone, 0, 0)["status"] == "auto"
