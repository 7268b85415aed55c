"""The tiers and the core, ``match_frames``: domains, aliases, name keys, thresholds, shapes
of input, determinism and symmetry (engine/matching/tiers.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import (
    Cancelled,
    OverlapError,
    match_frames,
)
from tests.engine.matching.accounts import accounts, link_for, pairs, universe

# ------------------------------------------------------------------------------------ tiers


def test_domain_tier_with_several_domains_and_generic_ones() -> None:
    ours = accounts(
        ("Acme Inc", "acme.com acme.de"),
        ("Jane's Bakery", "gmail.com"),
        ("Initrode", "initrode.com"),
    )
    theirs = accounts(
        ("ACME Deutschland", "acme.de"),
        ("Bob's Garage", "gmail.com"),
        ("Something else", "other.com"),
    )
    links = match_frames(ours, theirs)
    assert pairs(links) == {(0, 0)}
    row = link_for(links, 0, 0)
    assert (row["method"], row["score"], row["status"]) == ("domain", 100.0, "auto")
    assert row["explanation"] == "same domain acme.de"


def test_alias_tier() -> None:
    ours = accounts(("Block", "block.xyz"))
    theirs = accounts(("Square", "squareup.com"))
    assert match_frames(ours, theirs).empty
    links = match_frames(ours, theirs, aliases=[("squareup.com", "block.xyz")])
    row = link_for(links, 0, 0)
    assert (row["method"], row["status"]) == ("alias", "auto")
    assert row["explanation"] == "block.xyz is an alias of squareup.com"


def test_exact_name_tier_and_what_lowers_it() -> None:
    ours = accounts(
        ("Lowe's Companies, Inc.", "", "US"),
        ("Globex GmbH", "globex.de", "Germany"),
        ("Initech", "", "United States"),
    )
    theirs = accounts(
        ("LOWES", "", "USA"),
        ("Globex Corporation", "globex-corp.com", "US"),
        ("Initech LLC", "", "US"),
    )
    links = match_frames(ours, theirs)
    lowes = link_for(links, 0, 0)
    assert (lowes["method"], lowes["score"], lowes["status"]) == ("name", 100.0, "auto")
    assert lowes["explanation"] == "same name after removing legal forms; same country"
    # Same name, but another country and another website: a person should look.
    globex = link_for(links, 1, 1)
    assert globex["status"] == "review"
    assert "different country" in globex["explanation"]
    assert "different websites" in globex["explanation"]
    assert link_for(links, 2, 2)["status"] == "auto"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("Face Book", "Facebook Inc"),
        ("SponteraMotors", "Spontera Motors"),
        ("VesneviaPowerplc", "Vesnevia Power plc"),
        ("BungeLtd", "Bunge"),
    ],
)
def test_squashed_words(ours: str, theirs: str) -> None:
    links = match_frames(accounts((ours, "")), accounts((theirs, "")))
    row = link_for(links, 0, 0)
    assert (row["method"], row["status"]) == ("name", "auto")
    assert row["explanation"] in (
        "same name apart from spaces",
        "same name after removing legal forms",
    )


# ------------------------------------------------------------------------------------ thresholds


def test_thresholds_decide_auto_review_and_none() -> None:
    ours = accounts(("Velmira Foods", "", "US"))
    theirs = accounts(("Velmira Foods", "", "France"))  # same name, another country: 88
    score = link_for(match_frames(ours, theirs), 0, 0)["score"]
    assert 75 <= score < 92
    assert link_for(match_frames(ours, theirs), 0, 0)["status"] == "review"
    assert link_for(match_frames(ours, theirs, auto=score, review=50), 0, 0)["status"] == "auto"
    assert link_for(match_frames(ours, theirs, auto=100, review=score), 0, 0)["status"] == "review"
    assert match_frames(ours, theirs, auto=100, review=min(100, score + 0.1)).empty


def test_invalid_thresholds() -> None:
    with pytest.raises(OverlapError, match="review <= auto"):
        match_frames(accounts(("A", "")), accounts(("B", "")), auto=70, review=80)


# ------------------------------------------------------------------------------------ shapes


def test_duplicates_inside_one_crm_all_link() -> None:
    ours = accounts(("Acme Inc", "acme.com"), ("ACME Incorporated", "acme.com"), ("Acme", ""))
    theirs = accounts(("Acme Corp", "acme.com"))
    links = match_frames(ours, theirs)
    assert pairs(links) == {(0, 0), (1, 0), (2, 0)}


def test_a_duplicate_spelled_differently_still_links() -> None:
    ours = accounts(("Tagitron Lucia & Sons", ""))
    theirs = accounts(("Lucia Tagitron and Sons", ""), ("Tagitron Lucia & Sons plc", ""))
    assert pairs(match_frames(ours, theirs)) == {(0, 0), (0, 1)}


def test_an_empty_side() -> None:
    ours = accounts(("Acme", "acme.com"))
    empty = pd.DataFrame(
        {"name": pd.Series([], dtype=object), "domains": pd.Series([], dtype=object)}
    )
    for a, b in ((ours, empty), (empty, ours), (empty, empty)):
        links = match_frames(a, b)
        assert links.empty
        assert list(links.columns) == [
            "our_index",
            "partner_index",
            "method",
            "score",
            "status",
            "explanation",
        ]


def test_names_in_other_scripts() -> None:
    ours = accounts(
        ("トヨタ自動車株式会社", ""), ("Müller Maschinenbau GmbH", ""), ("İstanbul Gıda A.Ş.", "")
    )
    theirs = accounts(
        ("トヨタ自動車(株)", ""), ("MUELLER MASCHINENBAU AG", ""), ("ISTANBUL GIDA", "")
    )
    links = match_frames(ours, theirs)
    assert link_for(links, 0, 0)["method"] == "name"
    assert link_for(links, 2, 2)["method"] == "name"
    assert (1, 1) in pairs(links)  # "Müller" and "Mueller" are one letter apart


def test_cancel_between_chunks() -> None:
    ours = accounts(("Acme", "acme.com"))
    with pytest.raises(Cancelled):
        match_frames(ours, ours, cancel=lambda: True)


def test_progress_is_reported() -> None:
    seen: list[tuple[float, str]] = []
    match_frames(
        accounts(("Acme", "")), accounts(("Acme", "")), progress=lambda f, m: seen.append((f, m))
    )
    assert seen[-1][0] == 1.0
    assert all(0.0 <= f <= 1.0 for f, _ in seen)


# ------------------------------------------------------------------------------------ determinism


def test_same_input_same_output_in_same_order() -> None:
    ours, theirs = universe(1, 60)
    first = match_frames(ours, theirs)
    second = match_frames(ours.copy(), theirs.copy())
    pd.testing.assert_frame_equal(first, second)
    assert list(zip(first["our_index"], first["partner_index"], strict=True)) == sorted(
        pairs(first)
    )


NAMES = st.sampled_from(
    [
        "Acme Inc",
        "ACME",
        "Acme Holdings",
        "Globex GmbH",
        "Globex Corp",
        "Globecs",
        "Initech",
        "Initech LLC",
        "IBM",
        "International Business Machines",
        "Umbrella Group",
        "Umbrela",
        "Hooli",
        "Hooli XYZ",
        "Abbott",
        "Abbott Laboratories",
        "Face Book",
        "Facebook",
    ]
)
DOMAINS = st.sampled_from(["", "", "acme.com", "globex.de", "gmail.com", "hooli.com", "abbott.com"])
ROWS = st.lists(
    st.tuples(NAMES, DOMAINS, st.sampled_from(["", "US", "DE"])), min_size=0, max_size=8
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, ROWS)
def test_matching_is_symmetric(rows_a: list, rows_b: list) -> None:
    a = pd.DataFrame(rows_a, columns=["name", "domains", "country"])
    b = pd.DataFrame(rows_b, columns=["name", "domains", "country"])
    forward = match_frames(a, b)
    backward = match_frames(b, a)
    there = {
        (r.our_index, r.partner_index, r.method, r.score, r.status) for r in forward.itertuples()
    }
    back = {
        (r.partner_index, r.our_index, r.method, r.score, r.status) for r in backward.itertuples()
    }
    assert there == back


# ------------------------------------------------------------------------------ domain families

FUNDS = [
    "Municipal Income Trust",
    "Growth Fund",
    "Total Return Bond Fund",
    "Small Cap Value Fund",
    "International Equity Fund",
    "High Yield Fund",
    "Core Plus Bond Fund",
    "Global Allocation Fund",
    "Emerging Markets Fund",
    "Mid Cap Growth Fund",
    "Tax-Exempt Bond Fund",
    "Short Duration Income Fund",
    "Real Estate Securities Fund",
    "Dividend Income Fund",
    "Large Cap Core Fund",
    "Ultra Short Bond Fund",
    "Balanced Fund",
    "Convertible Securities Fund",
    "Floating Rate Fund",
    "Inflation Protected Fund",
    "Money Market Fund",
    "Select Opportunities Fund",
    "Sustainable Equity Fund",
    "Strategic Income Fund",
    "Technology Fund",
    "Health Sciences Fund",
    "Small Cap Growth Fund",
    "Value Fund",
    "Multi-Asset Fund",
    "Tax-Managed Equity Fund",
    "Intermediate Bond Fund",
    "Global Real Estate Fund",
    "Ohio Tax-Free Fund",
    "California Municipal Fund",
    "Short-Term Treasury Fund",
    "Quality Income Fund",
    "Enhanced Equity Fund",
    "Target Retirement 2030 Fund",
    "Target Retirement 2040 Fund",
    "Target Retirement 2050 Fund",
    "Nasdaq Index Fund",
    "S&P 500 Index Fund",
    "Bond Index Fund",
    "Commodity Strategy Fund",
    "Energy Infrastructure Fund",
    "Preferred Securities Fund",
    "Asia Pacific Fund",
    "European Equity Fund",
    "Latin America Fund",
    "Global Macro Fund",
]


def _manager_and_funds(funds: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Our asset manager; the partner's same manager among ``funds`` of its funds, all listing
    the manager's website, with other companies around them."""
    ours = accounts(
        ("Harbor Capital Advisors, Inc.", "harborcap.com", "United States", "Chicago"),
        ("Northwind Systems", "northwind.com", "US", "Seattle"),
        ("Velmira Foods", "velmira.com"),
    )
    rows = [(f"Harbor Capital {fund}", "harborcap.com", "US", "Chicago") for fund in FUNDS]
    theirs = accounts(
        ("Northwind Systems Inc", "northwind.com", "USA", "Seattle"),
        *rows[: funds - 1],
        ("Harbor Capital Advisors", "harborcap.com", "USA", "Chicago"),
        ("Velmira Foods LLC", "velmira.com"),
    )
    return ours, theirs


@pytest.mark.parametrize("funds", [30, 33, 51])
def test_a_domain_family_links_its_namesake_and_offers_the_funds(funds: int) -> None:
    ours, theirs = _manager_and_funds(funds)
    links = match_frames(ours, theirs)
    manager = funds  # the partner's "Harbor Capital Advisors"
    auto = links[links["status"] == "auto"]
    assert pairs(auto) == {(0, manager), (1, 0), (2, funds + 1)}
    family = links[(links["our_index"] == 0) & (links["partner_index"] != manager)]
    assert set(family["partner_index"]) == set(range(1, funds))
    assert set(family["status"]) == {"review"}
    assert set(family["method"]) == {"domain"}
    assert all("a subsidiary, fund or division?" in e for e in family["explanation"])
    assert "harborcap.com" in link_for(links, 0, 1)["explanation"]


def test_no_cliff_at_a_count_of_accounts() -> None:
    """33 and 51 accounts on one domain behave alike: the namesake automatic, the rest review."""
    outcomes = []
    for funds in (33, 51):
        names = FUNDS[: funds - 1]
        theirs = accounts(
            *[(f"Harbor Capital {n}", "harborcap.com") for n in names],
            ("Harbor Capital Advisors", "harborcap.com"),
        )
        ours = accounts(("Harbor Capital Advisors, Inc.", "harborcap.com"))
        links = match_frames(ours, theirs)
        auto = links[links["status"] == "auto"]
        outcomes.append(
            (pairs(auto) == {(0, funds - 1)}, int((links["status"] == "review").sum()) == funds - 1)
        )
    assert outcomes == [(True, True), (True, True)]


def test_a_free_mail_domain_links_nothing() -> None:
    ours = accounts(("Jane's Bakery", "gmail.com"), ("Quintaro Dental", "gmail.com"))
    theirs = accounts(*[(f"Client {n}", "gmail.com") for n in ("Zorvane", "Drexalon", "Plukasto")])
    assert match_frames(ours, theirs).empty


def test_a_shared_hosting_domain_with_unrelated_names_links_nothing_by_domain() -> None:
    hosted = [
        "Bella Nails Salon",
        "Smith & Jones Dental",
        "Riverside Plumbing",
        "Oakwood Veterinary Clinic",
        "Sunny Side Daycare",
        "Peak Performance Gym",
        "Golden Dragon Restaurant",
        "Miller Family Law",
        "Cedar Ridge Landscaping",
        "Blue Wave Surf Shop",
        "Harper Accounting",
        "Lakeside Auto Repair",
    ]
    ours = accounts(("Riverside Plumbing LLC", "hostnest.net"), ("Quintaro Bakery", "hostnest.net"))
    theirs = accounts(*[(name, "hostnest.net") for name in hosted])
    notes: list[str] = []
    links = match_frames(ours, theirs, notes=notes)
    assert "domain" not in set(links["method"])
    # The same name still links, by name.
    assert pairs(links[links["status"] == "auto"]) == {(0, 2)}
    assert any("unrelated names" in note for note in notes)


# ------------------------------------------------------------- short brands vs legal names


def test_a_short_brand_in_a_legal_name_of_form_words_links_automatically() -> None:
    ours = accounts(("Veltrano", ""), ("Quessant", ""))
    theirs = accounts(("VELTRANO FINANCIAL GROUP, INC.", ""), ("Orbalind Holdings", ""))
    link = link_for(match_frames(ours, theirs), 0, 0)
    assert link["status"] == "auto"
    assert "without its generic words" in link["explanation"]
    assert "the only account named so" in link["explanation"]


def test_registry_word_order_with_initials_is_a_contained_brand() -> None:
    ours = accounts(("K.L. Dravik", ""))
    theirs = accounts(("DRAVIK K L HOLDINGS INC", ""))
    assert link_for(match_frames(ours, theirs), 0, 0)["status"] == "auto"


def test_a_contained_brand_beats_a_near_spelling_of_another_brand() -> None:
    ours = accounts(("Paxoria", ""))
    theirs = accounts(("Paxoria Software, Inc.", ""), ("Maxoria Corp", ""))
    assert pairs(match_frames(ours, theirs)) == {(0, 0)}


def test_a_brand_with_a_trade_word_is_a_suggestion_however_much_the_fields_agree() -> None:
    # "Krinmos" and "Krinmos Mining" in one city are two companies as often as one: on generated
    # lists no brand-with-a-trade link that the fields made automatic was right.
    ours = accounts({"name": "Glaltrix", "country": "US", "city": "Austin"})
    theirs = accounts({"name": "Glaltrix Logistics", "country": "US", "city": "Austin"})
    assert link_for(match_frames(ours, theirs), 0, 0)["status"] == "review"
    ours["industry"], theirs["industry"] = "Manufacturing", "Manufacturing"
    link = link_for(match_frames(ours, theirs), 0, 0)
    assert link["status"] == "review" and "same city" in link["explanation"]
    # Words of a company's form only: automatic as before.
    form = accounts({"name": "Glaltrix Holdings Inc", "country": "US", "city": "Austin"})
    assert link_for(match_frames(ours, form), 0, 0)["status"] == "auto"


def test_a_brand_contained_in_two_names_is_no_automatic_link() -> None:
    ours = accounts(("Corvantis", ""))
    theirs = accounts(("Corvantis Holdings", ""), ("Corvantis Group", ""))
    assert "auto" not in set(match_frames(ours, theirs)["status"])
