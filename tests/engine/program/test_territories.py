"""Territories: definitions, overlap refusal, membership and the filtered steps 3 and 5.

The fixture is a pair of exports shaped like the CRMs' own (tests/data/territories_*.csv):
Acme's Salesforce report (every field quoted, CRLF, ``Billing State/Province``) and Globex's
HubSpot export (UTF-8 with BOM, ``State/Region``). Matching pairs them by domain: 11 shared,
4 ours only, 5 partner only. With the four territories of ``TERRITORIES``, counted by hand:

==================  ===========================  ==========================  =================
territory           shared                        ours only                   partner only
==================  ===========================  ==========================  =================
US West             Initrode (CA), Hooli          -                           Cascade (OR)
                    (California), Pied Piper
                    (no state of ours; theirs WA)
US East Enterprise  Umbrella (NY, 1,000 empl.)    Wayne (MA, 20,000)          Empire Bank (NY)
DACH Software       Kraftwerk (DE), Nomad (no     Alpen (CH, "SOFTWARE ")     Rhein Software
                    country of ours; theirs DE)                               (Deutschland)
UKI mid-market      Thames Data (UK, 200 empl.)   -                           Mersey (England,
                                                                              450)
(no territory)      Stark (NY, 999 empl.), Wien   Clyde (Scotland, 199),      Lone Star (TX)
                    Logistik (our industry is     Maple Leaf (ON, Canada)
                    Logistics), Liffey (1,000
                    empl.), Sydney Harbour (WA
                    in Australia)
==================  ===========================  ==========================  =================
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine import (
    NO_TERRITORY,
    TERRITORY_SUMMARY_COLUMNS,
    OverlapError,
    TerritoryFilter,
    Workspace,
    add_opportunity,
    add_territory,
    build_mapping,
    create_plan,
    define_territory,
    find_overlaps,
    import_file,
    list_plans,
    match_partner,
    overlap_summary,
    parse_band,
    remove_territory,
    save_territory,
    shortlist,
    state_sources,
    territories,
    territory,
    territory_filter,
    territory_labels,
    territory_summary,
)
from engine.cli import main as cli
from engine.program.geography import country_code, region_countries, state_key, state_keys
from engine.store.models import Snapshot

DATA = Path(__file__).resolve().parents[2] / "data"
OURS = DATA / "territories_acme_salesforce.csv"
THEIRS = DATA / "territories_globex_hubspot.csv"

TERRITORIES: list[dict[str, Any]] = [
    dict(
        name="US West",
        countries="US",
        states="CA, WA, OR",
        our_rep="Laura Roberts",
        partner_rep="Gina Park",
    ),
    dict(
        name="US East Enterprise",
        countries=["United States"],
        states=["NY", "Massachusetts"],
        employees="1000+",
        our_rep="Mark Chen",
        partner_rep="Hal Moss",
    ),
    dict(
        name="DACH Software",
        regions="DACH",
        industries="Software",
        our_rep="Jonas Weber",
        partner_rep="Ivy Novak",
    ),
    dict(
        name="UKI mid-market",
        regions="UKI",
        employees="200-1000",
        our_rep="Amy Hughes",
        partner_rep="Ivy Novak",
    ),
]
# (ours only, shared, partner only) per territory, counted by hand (module docstring).
BY_HAND = {
    "US West": (0, 3, 1),
    "US East Enterprise": (1, 1, 1),
    "DACH Software": (1, 2, 1),
    "UKI mid-market": (0, 1, 1),
    NO_TERRITORY: (2, 4, 1),
}
NAMES_BY_HAND = {
    "US West": {"Initrode", "Hooli", "Pied Piper", "Cascade Outfitters"},
    "US East Enterprise": {"Umbrella", "Wayne Enterprises", "Empire Bank"},
    "DACH Software": {"Kraftwerk Software GmbH", "Nomad Co", "Alpen Systems AG", "Rhein Software"},
    "UKI mid-market": {"Thames Data Ltd", "Mersey Brewing"},
}


def _build(path: Path, with_territories: bool = True) -> None:
    with Workspace.create(path, "Acme Corp", ["acme.com"]) as ws:
        ws.add_partner("Globex")
        import_file(ws, "us", OURS)
        import_file(ws, "Globex", THEIRS)
        match_partner(ws, "Globex")
        if with_territories:
            for spec in TERRITORIES:
                add_territory(ws, "Globex", **spec)


@pytest.fixture
def mapped_path(tmp_path: Path) -> Path:
    path = tmp_path / "acme.overlap"
    _build(path)
    return path


@pytest.fixture
def ws(mapped_path: Path) -> Iterator[Workspace]:
    with Workspace.open(mapped_path) as workspace:
        yield workspace


def _rows(ws: Workspace) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(ws.path)) as con:
        return con.execute("SELECT * FROM territory ORDER BY id").fetchall()


# ---------------------------------------------------------------------- membership


def test_the_fixture_maps_as_counted(ws: Workspace) -> None:
    result = find_overlaps(ws, "Globex")
    assert result.counts == {"ours_only": 4, "partner_only": 5, "shared": 11}
    assert state_sources(ws, "Globex") == {
        "us": "Billing State/Province",
        "partner": "State/Region",
    }


def test_summary_counts_each_territory_by_hand(ws: Workspace) -> None:
    summary = territory_summary(ws, "Globex")
    assert tuple(summary.columns) == TERRITORY_SUMMARY_COLUMNS
    assert summary["territory"].tolist() == [*(t["name"] for t in TERRITORIES), NO_TERRITORY]
    counts = {
        row.territory: (row.ours_only, row.shared, row.partner_only)
        for row in summary.itertuples(index=False)
    }
    assert counts == BY_HAND
    first = summary.iloc[0]
    assert (first["our_rep"], first["partner_rep"]) == ("Laura Roberts", "Gina Park")
    assert first["definition"] == "countries US · states US-CA, US-WA, US-OR"
    # No open deals and no won deals yet: company revenue (Initrode 5M, Hooli 10M, ...) is
    # never counted as potential.
    assert first["shared_potential"] == 0
    # Three won deals at Initrode (Software, under $10M) make the estimate of its Software
    # neighbours: their median, 30k, each (Hooli by industry alone: its $10M band has none).
    for amount in (20_000, 30_000, 40_000):
        add_opportunity(ws, "Globex", "Initrode", "2025-01-01", amount=amount,
                        closed="2025-03-01", outcome="won", our_key="id:001A1")  # fmt: skip
    first = territory_summary(ws, "Globex").iloc[0]
    assert first["shared_potential"] == 3 * 30_000


def test_each_account_is_labelled_with_its_territory(ws: Workspace) -> None:
    mapping = build_mapping(ws, "Globex", detail="all")
    labels = pd.Series(territory_labels(ws, "Globex", mapping), index=mapping.index)
    for name, expected in NAMES_BY_HAND.items():
        assert set(mapping.loc[labels == name, "name"]) == expected, name
    assert set(mapping.loc[labels.isna(), "name"]) == {
        "Stark",
        "Wien Logistik GmbH",
        "Liffey Analytics",
        "Sydney Harbour Pty Ltd",
        "Clyde Foods Ltd",
        "Maple Leaf Tech",
        "Lone Star Energy",
    }


def test_a_shared_account_takes_our_fields_then_the_partners(ws: Workspace) -> None:
    mapping = build_mapping(ws, "Globex", detail="all")
    labels = dict(zip(mapping["name"], territory_labels(ws, "Globex", mapping), strict=True))
    assert labels["Pied Piper"] == "US West"  # our state empty: theirs (WA) counts
    assert labels["Nomad Co"] == "DACH Software"  # our country empty: theirs (Germany) counts
    assert pd.isna(labels["Wien Logistik GmbH"])  # ours says Logistics, theirs Software
    assert pd.isna(labels["Sydney Harbour Pty Ltd"])  # WA in Australia is not Washington


def test_size_bands_hold_their_minimum_not_their_maximum(ws: Workspace) -> None:
    mapping = build_mapping(ws, "Globex", detail="all")
    labels = dict(zip(mapping["name"], territory_labels(ws, "Globex", mapping), strict=True))
    assert labels["Thames Data Ltd"] == "UKI mid-market"  # 200 employees: the minimum
    assert pd.isna(labels["Liffey Analytics"])  # 1,000: the maximum is out
    assert pd.isna(labels["Clyde Foods Ltd"])  # 199
    assert labels["Umbrella"] == "US East Enterprise"  # 1,000: "1000+" starts there
    assert pd.isna(labels["Stark"])  # 999
    # A revenue band alone: 1M to under 10M.
    for spec in TERRITORIES:
        remove_territory(ws, "Globex", spec["name"])
    add_territory(ws, "Globex", "Mid revenue", revenue="1M-10M")
    inside = find_overlaps(ws, "Globex", territory=_in(ws, "Mid revenue"))
    assert set(inside.mapping.loc[inside.mapping["status"] == "shared", "name"]) == {
        "Initrode",  # $5,000,000
        "Pied Piper",  # 1,000,000: the minimum
    }  # Hooli: ours empty, theirs 10,000,000, the maximum: out
    assert inside.counts == {"ours_only": 0, "partner_only": 1, "shared": 2}  # Cascade 9,999,999


# ---------------------------------------------------------------------- filtered steps


def _in(ws: Workspace, name: str) -> TerritoryFilter:
    """The filter the steps take to be limited to Globex's territory ``name``."""
    return territory_filter(ws, "Globex", name)


def test_overlaps_filtered_by_territory(ws: Workspace) -> None:
    expected_opportunities = {
        "US West": {"ask_intro": 1, "joint_pursuit": 1, "greenfield": 1},
        "US East Enterprise": {"offer_intro": 1, "greenfield": 1},
        "DACH Software": {"ask_intro": 1, "joint_pursuit": 1},
        "UKI mid-market": {"offer_intro": 1, "greenfield": 1},
    }
    for name, kinds in expected_opportunities.items():
        result = find_overlaps(ws, "Globex", territory=_in(ws, name.upper()))
        assert result.territory == name
        ours_only, shared, partner_only = BY_HAND[name]
        assert result.counts == {
            "ours_only": ours_only,
            "shared": shared,
            "partner_only": partner_only,
        }
        assert int(result.matrix["accounts"].sum()) == shared
        found = result.opportunities["kind"].value_counts().to_dict()
        assert found == kinds, name
        assert result.to_dict()["territory"] == name
    west = find_overlaps(ws, "Globex", territory=_in(ws, "US West"))
    matrix = west.matrix.set_index(["our_stage", "partner_stage"])["accounts"]
    assert matrix[("customer", "customer")] == 1  # Initrode
    assert matrix[("prospect", "customer")] == 1  # Hooli
    assert matrix[("prospect", "prospect")] == 1  # Pied Piper (their SQL)
    opps = west.opportunities.set_index("kind")["name"]
    assert opps["ask_intro"] == "Hooli"
    assert opps["greenfield"] == "Cascade Outfitters"
    assert overlap_summary(west, us="Acme Corp")["territory"] == "US West"
    # Unfiltered figures keep their shape: no territory key.
    assert "territory" not in find_overlaps(ws, "Globex").to_dict()


def test_shortlist_and_plans_filtered_by_territory(ws: Workspace) -> None:
    picks = shortlist(ws, "Globex", 20, territory=_in(ws, "US West"))
    assert set(picks["name"]) == {"Initrode", "Hooli", "Pied Piper"}
    assert len(shortlist(ws, "Globex", 20)) == 11
    dach = shortlist(ws, "Globex", 20, territory=_in(ws, "dach software"))
    assert dach["name"].tolist() == ["Kraftwerk Software GmbH", "Nomad Co"]
    shared = build_mapping(ws, "Globex")
    for name in ("Initrode", "Kraftwerk Software GmbH", "Stark"):
        row = shared[shared["name"] == name].iloc[0]
        create_plan(ws, "Globex", row["our_key"], row["partner_key"])
    assert len(list_plans(ws, "Globex")) == 3
    assert list_plans(ws, "Globex", territory=_in(ws, "US West"))["account_name"].tolist() == [
        "Initrode"
    ]
    assert list_plans(ws, "Globex", territory=_in(ws, "DACH Software"))[
        "account_name"
    ].tolist() == ["Kraftwerk Software GmbH"]
    assert list_plans(ws, "Globex", territory=_in(ws, "UKI mid-market")).empty


@pytest.mark.parametrize(
    "call",
    [
        lambda ws: find_overlaps(ws, "Globex", territory=_in(ws, "Mars")),
        lambda ws: shortlist(ws, "Globex", territory=_in(ws, "Mars")),
        lambda ws: list_plans(ws, "Globex", territory=_in(ws, "Mars")),
        lambda ws: remove_territory(ws, "Globex", "Mars"),
        lambda ws: territory(ws, "Globex", "Mars"),
    ],
)
def test_an_unknown_territory_is_a_clear_error(ws: Workspace, call: Any) -> None:
    with pytest.raises(OverlapError, match="no territory named 'Mars' for Globex") as caught:
        call(ws)
    assert "US West, US East Enterprise, DACH Software, UKI mid-market" in str(caught.value)


# ---------------------------------------------------------------------- definitions


@pytest.mark.parametrize(
    ("spec", "other", "words"),
    [
        # Same region, bands that meet: the overlap is named with both territories.
        (
            dict(name="EMEA mid-market", regions="EMEA", employees="200-1000"),
            "DACH Software",
            "an account in AT, CH, DE, in industry Software, with 200 to under 1,000 employees",
        ),
        # A country inside a region of another, no other criteria.
        (dict(name="Austria", countries="AT"), "DACH Software", "in AT, in industry Software"),
        # State names and codes are one state.
        (
            dict(name="California", states="California", industries="Retail, Software"),
            "US West",
            "in US, in state US-CA, in industry Retail, Software",
        ),
        # An open band meets every band.
        (dict(name="Big", employees="5000+", countries="GB"), "UKI mid-market", None),
    ],
)
def test_overlapping_territories_are_refused(
    ws: Workspace, spec: dict[str, Any], other: str, words: str | None
) -> None:
    before = _rows(ws)
    if words is None:
        # 5000+ and 200-1000 do not meet: accepted, the control case.
        add_territory(ws, "Globex", **spec)
        assert len(_rows(ws)) == len(before) + 1
        return
    with pytest.raises(OverlapError) as caught:
        add_territory(ws, "Globex", **spec)
    message = str(caught.value)
    assert f"territory '{spec['name']}' overlaps territory '{other}'" in message
    assert words in message
    assert "narrow one of them" in message
    assert _rows(ws) == before


def test_territories_that_only_touch_are_accepted(ws: Workspace) -> None:
    add_territory(ws, "Globex", "UKI small", regions="UKI", employees="<200")
    add_territory(ws, "Globex", "UKI large", regions="UK and Ireland", employees="1000-")
    add_territory(ws, "Globex", "US Central", countries="US", states="TX, IL")
    add_territory(ws, "Globex", "DACH other", regions="DACH", industries="Logistics, Retail")
    summary = territory_summary(ws, "Globex").set_index("territory")
    assert summary.loc["UKI small", "ours_only"] == 1  # Clyde, 199
    assert summary.loc["UKI large", "shared"] == 1  # Liffey, 1,000
    assert summary.loc["US Central", "partner_only"] == 1  # Lone Star (TX)
    assert summary.loc["DACH other", "shared"] == 1  # Wien Logistik
    assert summary.loc[NO_TERRITORY, "shared"] == 2  # Stark, Sydney Harbour


def test_editing_moves_accounts_and_is_checked_like_adding(ws: Workspace) -> None:
    west = territory(ws, "Globex", "us west")
    wider = define_territory(
        "US West and Texas",
        countries=west.countries,
        states=[*west.states, "TX"],
        our_rep=west.our_rep,
        partner_rep="Gina P.",
    )
    save_territory(ws, "Globex", wider, replacing="US West")
    assert territories(ws, "Globex")[0].name == "US West and Texas"  # it keeps its place
    summary = territory_summary(ws, "Globex").set_index("territory")
    assert summary.loc["US West and Texas", "partner_only"] == 2  # Cascade and Lone Star
    assert summary.loc["US West and Texas", "partner_rep"] == "Gina P."
    # An edit may not overlap another territory, nor take another's name.
    before = _rows(ws)
    clash = define_territory("US West and Texas", countries="US", states="CA, NY")
    with pytest.raises(OverlapError, match="overlaps territory 'US East Enterprise'"):
        save_territory(ws, "Globex", clash, replacing="US West and Texas")
    renamed = define_territory("DACH Software", countries="US", states="CA")
    with pytest.raises(OverlapError, match="named 'DACH Software' exists already"):
        save_territory(ws, "Globex", renamed, replacing="US West and Texas")
    assert _rows(ws) == before
    # Removing gives the definition back; saving it restores the territory.
    removed = remove_territory(ws, "Globex", "US West and Texas")
    assert "US West and Texas" not in [t.name for t in territories(ws, "Globex")]
    save_territory(ws, "Globex", removed)
    assert territory(ws, "Globex", "US West and Texas") == removed


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (dict(name=" "), "a territory needs a name"),
        (dict(name="(No territory)", countries="US"), "names the accounts in no territory"),
        (dict(name="X"), "has no criteria"),
        (dict(name="X", countries="Narnia"), "unknown country 'Narnia' in territory 'X'"),
        (dict(name="X", regions="Mars"), "unknown region 'Mars' (regions: NA, LATAM, EMEA"),
        (dict(name="X", employees="1000-200"), "the minimum must be below the maximum"),
        (dict(name="X", employees="200-200"), "the employees band 200–200 holds nothing"),
        (dict(name="X", revenue="lots-more"), "the revenue bound 'lots' is not a number"),
        (dict(name="X", revenue="5"), "the revenue band '5' is not MIN-MAX"),
        (dict(name="X", employees=(-5, 10)), "not a positive number"),
        (dict(name="X", states="WA"), "is in more than one country (AU-WA, US-WA)"),
        (dict(name="X", countries="US", states="Calfornia"), "no state 'Calfornia' in United"),
        (dict(name="X", countries="US", states="AU-WA"), "AU-WA is not in the territory's"),
        (dict(name="us west", countries="FR"), "a territory named 'US West' exists already"),
    ],
)
def test_bad_definitions_are_refused_clearly(
    ws: Workspace, spec: dict[str, Any], message: str
) -> None:
    before = _rows(ws)
    with pytest.raises(OverlapError) as caught:
        add_territory(ws, "Globex", **spec)
    assert message in str(caught.value)
    assert _rows(ws) == before


def test_definitions_are_normalized() -> None:
    made = define_territory(
        "  Europe   North ",
        countries="Deutschland, DEU, nordics, U.K.",
        states="Bavaria, BY",
        industries="Health & Beauty, health and beauty, Software",
        revenue="$1.5M - 20M",
        employees=("", "250"),
    )
    assert made.name == "Europe North"
    assert made.countries == ("DE", "GB")
    assert made.regions == ("Nordics",)
    assert made.states == ("DE-BY",)
    assert made.industries == ("Health & Beauty", "Software")
    assert made.revenue == (1_500_000, 20_000_000)
    assert made.employees == (None, 250)
    assert made.describe() == (
        "countries DE, GB · regions Nordics · states DE-BY · industries Health & Beauty, "
        "Software · revenue 1.5M to under 20M · under 250 employees"
    )


def test_na_is_north_america_and_namibia_is_written_by_name() -> None:
    made = define_territory("Mixed", countries="NA, Namibia, MX")
    assert made.regions == ("NA",) and made.countries == ("NA", "MX")
    assert made.describe() == "countries Namibia, MX · regions NA"
    assert made.places() == ("Namibia", "MX", "NA")
    assert define_territory("Mixed", countries=", ".join(made.places())) == made
    assert "US" in made.country_set() and "NA" in made.country_set()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("200-1000", (200, 1000)),
        ("200 – 1,000", (200, 1000)),
        ("1M-10M", (1e6, 1e7)),
        ("50k..2.5m", (5e4, 2.5e6)),
        ("1000+", (1000, None)),
        ("1000-", (1000, None)),
        ("<200", (None, 200)),
        ("-200", (None, 200)),
        ("10 to 20", (10, 20)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_bands_are_read_as_users_write_them(text: str | None, band: tuple[Any, Any]) -> None:
    assert parse_band(text, "employees") == band


def test_geography_folds_what_crms_write() -> None:
    for written in ("USA", "U.S.A.", "United States of America", "us", "USA "):
        assert country_code(written) == "US"
    assert country_code("Deutschland") == country_code("DEU") == "DE"
    assert country_code("Scotland") == "GB"
    assert country_code("Côte d'Ivoire") == country_code("Ivory Coast") == "CI"
    assert country_code("Narnia") is None
    assert region_countries("dach") == {"AT", "CH", "DE"}
    assert {"DE", "AE", "ZA"} <= region_countries("EMEA")
    assert "MX" in region_countries("LATAM") and "MX" not in region_countries("NA")
    assert state_key("California", "US") == state_key("ca", "US") == "US-CA"
    assert state_key("WA", "AU") == "AU-WA" and state_key("WA") == "wa"
    assert state_key("Île-de-France", "FR") == "ile de france"
    assert state_keys("Ile de France", ["FR"]) == "ile de france"


# ---------------------------------------------------------------------- storage and edges


def test_territories_belong_to_one_partnership(ws: Workspace) -> None:
    ws.add_partner("Initech")
    add_territory(ws, "Initech", "US West", countries="US")  # the name is free there
    assert [t.name for t in territories(ws, "Initech")] == ["US West"]
    summary = territory_summary(ws, "Initech")
    assert summary["territory"].tolist() == ["US West", NO_TERRITORY]
    assert summary[["ours_only", "shared", "partner_only"]].sum().tolist() == [15, 0, 0]
    with ws.session() as session:
        session.delete(ws.partner("Initech"))
        session.commit()
    assert len(_rows(ws)) == len(TERRITORIES)


def test_an_export_without_states_is_in_no_state_territory(tmp_path: Path) -> None:
    path = tmp_path / "acme.overlap"
    with Workspace.create(path, "Acme Corp") as ws:
        ws.add_partner("Globex")
        import_file(ws, "Globex", THEIRS)
        import_file(ws, "us", DATA / "salesforce_report.csv")  # no state column
        add_territory(ws, "Globex", "New York", countries="US", states="NY")
        add_territory(ws, "Globex", "Texas", countries="US", states="TX")
        assert state_sources(ws, "Globex") == {"us": None, "partner": "State/Region"}
        summary = territory_summary(ws, "Globex").set_index("territory")
        # Nothing matched: every Globex account is partner only, ours ours only.
        assert summary.loc["New York", "partner_only"] == 3  # Umbrella, Stark, Empire Bank
        assert summary.loc["New York", "ours_only"] == 0
        assert summary.loc["Texas", "partner_only"] == 1
        assert summary["ours_only"].sum() == summary.loc[NO_TERRITORY, "ours_only"]


def test_states_are_read_from_the_kept_column_however_it_was_written(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "acme.overlap", "Acme Corp") as ws:
        ws.add_partner("Globex")
        with ws.session() as session:
            snapshot = Snapshot(
                partner_id=None,
                file_name="accounts.csv",
                sha256="0" * 64,
                imported_at=datetime.now(UTC),
                mapping_json="{}",
                extra_columns_json='["Phone", "Notes", "Mailing State/Province"]',
            )
            session.add(snapshot)
            session.commit()
            session.refresh(snapshot)
        extra = [
            '["555","a, \\"quoted\\" note","CA"]',  # as importing writes most rows
            '["555", "tab\\there", "Calif\\u00f3rnia"]',  # as json.dumps writes odd ones
            '["555","","California"]',
            '["555","x"]',  # a short row: no state
            None,
            '["555","","WA"]',
        ]
        frame = pd.DataFrame(
            {
                "row_number": range(2, 8),
                "name": [f"Account {i}" for i in range(6)],
                "country": ["US", "US", "United States", "US", "US", "Australia"],
                "extra_json": extra,
            }
        )
        with ws.transaction() as connection:
            Workspace.store_accounts(connection, int(snapshot.id), frame)  # type: ignore[arg-type]
        add_territory(ws, "Globex", "California", countries="US", states="California")
        add_territory(ws, "Globex", "Western Australia", states="AU-WA")
        summary = territory_summary(ws, "Globex").set_index("territory")
        # "CA", "California" and "Califórnia" (unescaped, then its accent folded).
        assert summary.loc["California", "ours_only"] == 3
        assert summary.loc["Western Australia", "ours_only"] == 1
        assert summary.loc[NO_TERRITORY, "ours_only"] == 2  # the short row, the empty one
        assert state_sources(ws, "Globex")["us"] == "Mailing State/Province"


def test_a_partnership_with_nothing_imported_has_empty_territories(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "new.overlap", "Acme Corp") as ws:
        ws.add_partner("Globex")
        add_territory(ws, "Globex", "EMEA", regions="EMEA")
        summary = territory_summary(ws, "Globex")
        assert summary[["ours_only", "shared", "partner_only"]].to_numpy().sum() == 0
        assert find_overlaps(ws, "Globex", territory=_in(ws, "EMEA")).counts["shared"] == 0


# ---------------------------------------------------------------------- command line


def test_cli_adds_lists_filters_and_removes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "acme.overlap"
    _build(path, with_territories=False)
    ws_arg = str(path)
    assert (
        cli(
            [
                *("territory", "add", ws_arg, "US West", "--partner", "Globex"),
                *("--countries", "US", "--states", "CA,WA,OR"),
                *("--our-rep", "Laura Roberts", "--partner-rep", "Gina Park"),
            ]
        )
        == 0
    )
    assert "territory 'US West' added: countries US · states US-CA" in capsys.readouterr().out
    cli(["territory", "add", ws_arg, "UKI", "--partner", "Globex", "--regions", "UKI"])
    capsys.readouterr()
    assert cli(["territory", "list", ws_arg, "--partner", "Globex"]) == 0
    listed = capsys.readouterr().out
    assert "Laura Roberts" in listed and "column 'State/Region'" in listed
    assert cli(["overlaps", ws_arg, "--partner", "Globex", "--territories", "--format", "csv"]) == 0
    summary = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert summary.set_index("territory").loc["US West", "shared"] == 3
    assert summary.set_index("territory").loc["UKI", "shared"] == 2  # Thames, Liffey
    cli(["overlaps", ws_arg, "--partner", "Globex", "--territory", "us west"])
    out = capsys.readouterr().out
    assert out.startswith("Territory: US West\nours only 0 · shared 3 · partner only 1")
    short = ["shortlist", ws_arg, "--partner", "Globex", "--size", "20", "--territory", "UKI"]
    assert cli([*short, "--format", "csv"]) == 0
    picks = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(picks["name"]) == {"Thames Data Ltd", "Liffey Analytics"}
    create = ["plan", "create", ws_arg, "--partner", "Globex", "--shortlist", "--size", "20"]
    assert cli([*create, "--territory", "UKI"]) == 0
    assert "2 draft plans created" in capsys.readouterr().out
    cli(["plan", "list", ws_arg, "--partner", "Globex", "--territory", "US West"])
    assert capsys.readouterr().out.strip() == "(none)"
    edit = ["territory", "edit", ws_arg, "UKI", "--partner", "Globex", "--employees", "200-1000"]
    assert cli(edit) == 0
    assert "regions UKI · 200 to under 1,000 employees" in capsys.readouterr().out
    assert cli(["territory", "remove", ws_arg, "UKI", "--partner", "Globex"]) == 0
    assert "territory 'UKI' removed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["territory", "add", "{ws}", "EMEA", "--regions", "EMEA"], "overlaps territory 'UKI'"),
        (["territory", "add", "{ws}", "X", "--employees", "9-1"], "minimum must be below"),
        (["territory", "remove", "{ws}", "Mars"], "no territory named 'Mars'"),
        (["overlaps", "{ws}", "--territory", "Mars"], "no territory named 'Mars'"),
        (["shortlist", "{ws}", "--territory", "Mars"], "no territory named 'Mars'"),
        (["plan", "list", "{ws}", "--territory", "Mars"], "no territory named 'Mars'"),
        (["overlaps", "{ws}", "--territories", "--territory", "UKI"], "leave out --territory"),
    ],
)
def test_cli_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    path = tmp_path / "acme.overlap"
    with Workspace.create(path, "Acme Corp") as ws:
        ws.add_partner("Globex")
        add_territory(ws, "Globex", "UKI", regions="UKI")
    argv = [a.replace("{ws}", str(path)) for a in args] + ["--partner", "Globex"]
    assert cli(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
