"""Countries, sales regions and states as CRMs write them, folded to one code each.

Countries come from ``resources/countries.csv``: every ISO 3166-1 country (and Kosovo) with its
alpha-2 and alpha-3 codes, its names (short, official, in its own language and the spellings
CRMs use: "USA", "UK", "Deutschland", ...) and the **area** it is sold from (Europe, Middle East,
Africa, Asia, Oceania, North America, Latin America, Antarctica). ``country_code`` folds any of
these to the alpha-2 code (``"U.S.A."`` → ``"US"``).

A **region** is a named set of countries: the four sales regions (``NA``, ``LATAM``, ``EMEA``,
``APAC``), made of areas; each area by its own name; and a few groups sales teams use (``DACH``,
``Nordics``, ``Benelux``, ``UKI``, ``ANZ``). Regions may nest (DACH is in Europe, which is in
EMEA).

A **state** is a country's first-level division (state, province, Land, territory). Those of
the countries where CRMs write them as postal codes or names interchangeably (``US``, ``CA``,
``AU``, ``IN``, ``MX``, ``BR``, ``DE``) come from ``resources/states.csv`` and fold to their ISO
3166-2 code (``"California"``, ``"CA"`` and ``"US-CA"`` → ``"US-CA"``). Any other value folds to
its text folded (``"Île-de-France"`` → ``"ile de france"``), so two spellings that fold alike
still meet.

Folding (``fold``): Unicode NFKD with accents dropped, case folded, ``&`` as ``and``, every run
of punctuation and spaces as one space, trimmed.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from engine.errors import OverlapError
from engine.paths import resource

__all__ = [
    "AREAS",
    "REGIONS",
    "Country",
    "countries",
    "country_code",
    "country_name",
    "fold",
    "region_countries",
    "region_name",
    "state_key",
    "state_keys",
]

AREAS = (
    "North America",
    "Latin America",
    "Europe",
    "Middle East",
    "Africa",
    "Asia",
    "Oceania",
    "Antarctica",
)
# Sales regions by the areas they cover, and groups of countries sales teams name.
_SALES_REGIONS: dict[str, tuple[str, ...]] = {
    "NA": ("North America",),
    "LATAM": ("Latin America",),
    "EMEA": ("Europe", "Middle East", "Africa"),
    "APAC": ("Asia", "Oceania"),
}
_GROUPS: dict[str, tuple[str, ...]] = {
    "DACH": ("DE", "AT", "CH"),
    "Nordics": ("DK", "FI", "IS", "NO", "SE"),
    "Benelux": ("BE", "NL", "LU"),
    "UKI": ("GB", "IE"),
    "ANZ": ("AU", "NZ"),
}
# Other names of the regions, folded.
_REGION_ALIASES = {
    "north america": "NA",
    "noram": "NA",
    "latin america": "LATAM",
    "europe middle east and africa": "EMEA",
    "asia pacific": "APAC",
    "asia pac": "APAC",
    "nordic": "Nordics",
    "nordic countries": "Nordics",
    "uk and ireland": "UKI",
    "australia and new zealand": "ANZ",
    "mea": "Middle East and Africa",
    "middle east and africa": "Middle East and Africa",
}
REGIONS: tuple[str, ...] = (
    *_SALES_REGIONS,
    *(a for a in AREAS if a not in ("North America", "Latin America")),
    "Middle East and Africa",
    *_GROUPS,
)

# Headers (folded) of a column holding the state, province or region of an account, as CRM
# exports name it; the first one a snapshot kept among its other columns is read.
STATE_HEADERS = (
    "state",
    "billing state",
    "billing state province",
    "billingstate",
    "billing state code",
    "state province",
    "state or province",
    "state region",
    "state code",
    "province",
    "shipping state",
    "shipping state province",
    "shippingstate",
    "mailing state",
    "mailing state province",
    "address 1 state province",
    "address1 stateorprovince",
    "bundesland",
)


def fold(value: object) -> str:
    """``value`` as text compared loosely: no accents, case folded, ``&`` → ``and``,
    punctuation and spaces as single spaces (``"Health & Beauty "`` → ``"health and beauty"``)."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    alpha3: str
    name: str
    area: str


@cache
def countries() -> tuple[Country, ...]:
    """Every known country, by alpha-2 code."""
    with open(resource("countries.csv"), encoding="utf-8", newline="") as handle:
        return tuple(
            Country(row["alpha2"], row["alpha3"], row["name"], row["area"])
            for row in csv.DictReader(handle)
        )


@cache
def _country_index() -> dict[str, str]:
    """Folded code or name → alpha-2 code."""
    index: dict[str, str] = {}
    with open(resource("countries.csv"), encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names = [row["alpha2"], row["alpha3"], row["name"], *row["other_names"].split("|")]
            for name in names:
                if name:
                    index.setdefault(fold(name), row["alpha2"])
    return index


def country_code(value: object) -> str | None:
    """The alpha-2 code of a country written as a code or a name; None when unknown or empty."""
    if value is None:
        return None
    return _country_index().get(fold(value))


def country_name(code: str) -> str:
    """The short name of an alpha-2 code (the code itself when unknown)."""
    for country in countries():
        if country.code == code:
            return country.name
    return code


@cache
def _regions() -> dict[str, frozenset[str]]:
    """Region name → its countries' codes."""
    by_area: dict[str, set[str]] = {area: set() for area in AREAS}
    for country in countries():
        by_area.setdefault(country.area, set()).add(country.code)
    out: dict[str, frozenset[str]] = {}
    for name, areas in _SALES_REGIONS.items():
        out[name] = frozenset().union(*(by_area[a] for a in areas))
    for area in AREAS:
        if area not in ("North America", "Latin America"):
            out[area] = frozenset(by_area[area])
    out["Middle East and Africa"] = frozenset(by_area["Middle East"] | by_area["Africa"])
    for name, codes in _GROUPS.items():
        out[name] = frozenset(codes)
    return out


def region_name(value: object) -> str:
    """The canonical name of a region written in any of its spellings, or a clear error."""
    folded = fold(value)
    for name in _regions():
        if fold(name) == folded:
            return name
    if folded in _REGION_ALIASES:
        return _REGION_ALIASES[folded]
    raise OverlapError(f"unknown region '{value}' (regions: {', '.join(REGIONS)})")


def region_countries(name: str) -> frozenset[str]:
    """The alpha-2 codes of a region (its canonical name, see ``region_name``)."""
    return _regions()[region_name(name)]


# ---------------------------------------------------------------------------- states


@cache
def _states() -> tuple[dict[str, dict[str, str]], dict[str, set[str]]]:
    """(country → {folded name or code → ISO 3166-2 code}, folded name or code → codes)."""
    by_country: dict[str, dict[str, str]] = {}
    anywhere: dict[str, set[str]] = {}
    with open(resource("states.csv"), encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code"]
            country, local = code.split("-", 1)
            names = [code, local, row["name"], *row["other_names"].split("|")]
            for name in names:
                if name:
                    key = fold(name)
                    by_country.setdefault(country, {}).setdefault(key, code)
                    anywhere.setdefault(key, set()).add(code)
    return by_country, anywhere


def state_countries() -> tuple[str, ...]:
    """The countries whose states are known by name and code."""
    return tuple(sorted(_states()[0]))


def state_key(value: object, country: str | None = None) -> str | None:
    """The key a state is compared by: its ISO 3166-2 code when known, else its folded text.

    ``country`` (alpha-2) says which country's states to look in; without it a name or code
    known in exactly one country is taken. None for an empty value.
    """
    if value is None:
        return None
    folded = fold(value)
    if not folded:
        return None
    by_country, anywhere = _states()
    if country is not None:
        if country in by_country:
            return by_country[country].get(folded, folded)
        return folded
    codes = anywhere.get(folded, set())
    return next(iter(codes)) if len(codes) == 1 else folded


def state_keys(value: str, countries_: Iterable[str]) -> str:
    """The key of a state a user names for a territory covering ``countries_`` (alpha-2 codes;
    empty: anywhere), or a clear error when the name is ambiguous or unknown there."""
    folded = fold(value)
    if not folded:
        raise OverlapError("a state is empty")
    by_country, anywhere = _states()
    within = set(countries_)
    text = str(value).strip().upper()
    if re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", text) and text in anywhere.get(folded, set()):
        if within and text[:2] not in within:
            raise OverlapError(f"the state {text} is not in the territory's countries or regions")
        return text
    if within:
        found = {by_country[c][folded] for c in within if folded in by_country.get(c, {})}
        if len(found) == 1:
            return found.pop()
        if len(found) > 1:
            raise OverlapError(
                f"the state '{value}' is in more than one of the territory's countries "
                f"({', '.join(sorted(found))}); write one of these codes"
            )
        known = sorted(within & set(by_country))
        if known and known == sorted(within):
            names = ", ".join(country_name(c) for c in known)
            raise OverlapError(f"there is no state '{value}' in {names}")
        return folded
    codes = sorted(anywhere.get(folded, set()))
    if len(codes) > 1:
        raise OverlapError(
            f"the state '{value}' is in more than one country ({', '.join(codes)}); "
            "write one of these codes, or give the territory its country"
        )
    return codes[0] if codes else folded
