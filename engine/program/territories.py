"""Territories of a partnership: which accounts each pair of reps covers, and where the overlap is.

A **territory** has a name, a rep on our side and a rep on the partner's, and up to six
criteria; a criterion left empty is open (any value, and no value, passes it):

* ``countries`` — ISO 3166-1 codes; any code or name is accepted and folded to alpha-2
  (``"USA"``, ``"Deutschland"``; see ``engine.program.geography``);
* ``regions`` — named sets of countries (``EMEA``, ``APAC``, ``NA``, ``LATAM``, ``DACH``, ...).
  Countries and regions are one place criterion: an account passes it when its country is one
  of the countries **or** in one of the regions. A region's name given among the countries is
  the region, even where a country code is spelled alike (``NA`` is North America; Namibia is
  written by its name);
* ``states`` — states or provinces (``CA``, ``California`` and ``US-CA`` are one state, see
  ``engine.program.geography.state_key``);
* ``industries`` — compared folded (``"Health & Beauty"`` = ``"health and beauty"``);
* ``revenue`` and ``employees`` — size bands on annual revenue and number of employees, each
  ``min <= value < max`` (the minimum counts, the maximum does not, so bands such as 1–200 and
  200–1,000 meet without a gap or an account in both); either bound may be left open.

**Membership.** An account is in a territory when it passes every criterion the territory
sets. A criterion that is set is never passed by an account without a value for it (an account
with no country is in no territory that names countries). For a shared account each field is
**our export's value, or the partner's where ours is empty** (field by field: our country with
the partner's employee count, if that is what the two exports hold). A single-side account
uses its own side's fields.

**No overlap.** Within a partnership an account is in at most one territory: a territory that
could hold an account another one holds — in every criterion one of the two is open, or both
are set with a value in common (a country, an industry, bands that meet) — is refused with an
error naming both and the accounts they would share.

**States** are not a standard field of an import: they are read from the column of the export
that was kept under a header such as ``Billing State/Province``, ``State/Region`` or ``State``
(``engine.program.geography.STATE_HEADERS``; ``state_sources`` says which one each side has). An
export without one has no states, so its accounts are in no territory that names states.

**Speed.** The fields are read per snapshot as Arrow columns and folded once per distinct
value; membership is a few numpy look-ups per territory over the whole mapping. A snapshot is
never changed, so its folded fields are kept per open workspace (some 30 MB a million
accounts): at a million accounts a side, the first summary takes about 0.4 s, the next 0.2 s.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlmodel import Session, col, select

from engine.errors import OverlapError
from engine.overlaps import LABELS, TerritoryFilter, build_mapping
from engine.program.geography import (
    REGIONS,
    STATE_HEADERS,
    countries,
    country_code,
    country_name,
    fold,
    region_countries,
    region_name,
    state_key,
    state_keys,
)
from engine.store.models import Partner, Snapshot, Territory
from engine.store.workspace import Progress, Workspace, now, resolve_partner

__all__ = [
    "NO_TERRITORY",
    "TERRITORY_SUMMARY_COLUMNS",
    "TerritoryDefinition",
    "add_territory",
    "define_territory",
    "in_territory",
    "parse_band",
    "remove_territory",
    "save_territory",
    "state_sources",
    "territories",
    "territory",
    "territory_filter",
    "territory_labels",
    "territory_summary",
]

NO_TERRITORY = "(no territory)"
TERRITORY_SUMMARY_COLUMNS = (
    "territory",
    "definition",
    "our_rep",
    "partner_rep",
    "ours_only",
    "shared",
    "partner_only",
    "shared_potential",
)

Band = tuple[float | None, float | None]
_OPEN: Band = (None, None)


# ---------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class TerritoryDefinition:
    """A territory's name, criteria and reps, normalized (see ``define_territory``)."""

    name: str
    countries: tuple[str, ...] = ()  # alpha-2 codes
    regions: tuple[str, ...] = ()  # region names
    states: tuple[str, ...] = ()  # state keys
    industries: tuple[str, ...] = ()  # as written
    revenue: Band = _OPEN
    employees: Band = _OPEN
    our_rep: str = ""
    partner_rep: str = ""

    def country_set(self) -> frozenset[str] | None:
        """The countries the place criterion lets in; None when it is open."""
        if not self.countries and not self.regions:
            return None
        codes = set(self.countries)
        for region in self.regions:
            codes |= region_countries(region)
        return frozenset(codes)

    def industry_set(self) -> frozenset[str] | None:
        return frozenset(fold(i) for i in self.industries) if self.industries else None

    def state_set(self) -> frozenset[str] | None:
        return frozenset(self.states) if self.states else None

    def places(self) -> tuple[str, ...]:
        """The countries and regions as a user writes them again: codes, with the name of a
        country whose code reads as a region ("Namibia", not "NA"), then the regions."""
        return (*self._countries_written(), *self.regions)

    def _countries_written(self) -> list[str]:
        regions = {fold(r) for r in REGIONS}
        return [country_name(c) if fold(c) in regions else c for c in self.countries]

    def describe(self) -> str:
        """The criteria in one line, e.g. ``countries US, CA · 200 to under 1,000 employees``."""
        parts = []
        if self.countries:
            parts.append("countries " + ", ".join(self._countries_written()))
        if self.regions:
            parts.append("regions " + ", ".join(self.regions))
        if self.states:
            parts.append("states " + ", ".join(self.states))
        if self.industries:
            parts.append("industries " + ", ".join(self.industries))
        if self.revenue != _OPEN:
            parts.append(band_text(self.revenue, "revenue"))
        if self.employees != _OPEN:
            parts.append(band_text(self.employees, "employees"))
        return " · ".join(parts) or "every account"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "name": self.name,
            "countries": list(self.countries),
            "regions": list(self.regions),
            "states": list(self.states),
            "industries": list(self.industries),
            "revenue": list(self.revenue),
            "employees": list(self.employees),
            "our_rep": self.our_rep,
            "partner_rep": self.partner_rep,
            "definition": self.describe(),
        }


def _short(value: float, money: bool) -> str:
    if money:
        for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= size:
                return f"{value / size:,.4g}{suffix}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def band_text(band: Band, what: str) -> str:
    """``(200, 1000)`` → ``"200 to under 1,000 employees"``; revenue reads ``"revenue 1M ..."``."""
    low, high = band
    money = what == "revenue"
    if low is not None and high is not None:
        words = f"{_short(low, money)} to under {_short(high, money)}"
    elif low is not None:
        words = f"at least {_short(low, money)}"
    elif high is not None:
        words = f"under {_short(high, money)}"
    else:
        words = "any"
    return f"revenue {words}" if money else f"{words} employees"


_SUFFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "mn": 1e6, "mio": 1e6, "b": 1e9, "bn": 1e9}


def _amount(text: str, what: str) -> float:
    cleaned = re.sub(r"[\s,$€£¥]", "", text).lower()
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([a-z]*)", cleaned)
    if not found or found.group(2) not in _SUFFIXES:
        raise OverlapError(
            f"the {what} bound '{text.strip()}' is not a number (write e.g. 200, 50k, 1.5M)"
        )
    return float(found.group(1)) * _SUFFIXES[found.group(2)]


def parse_band(text: str | Sequence[float | str | None] | None, what: str) -> Band:
    """A size band from ``"MIN-MAX"``, ``"MIN+"`` / ``"MIN-"``, ``"-MAX"`` / ``"<MAX"``, or a
    (min, max) pair; ``what`` (revenue / employees) names it in errors. None or "" is open."""
    if text is None:
        return _OPEN
    if isinstance(text, str):
        raw = text.strip()
        if not raw:
            return _OPEN
        if raw.startswith("<"):
            low_text, high_text = "", raw[1:]
        elif raw.endswith("+"):
            low_text, high_text = raw[:-1], ""
        else:
            pieces = re.split(r"\s*(?:-|–|—|\.\.|\bto\b)\s*", raw)
            if len(pieces) != 2:
                raise OverlapError(
                    f"the {what} band '{raw}' is not MIN-MAX (e.g. 200-1000, 1M-10M, 1000+, <200)"
                )
            low_text, high_text = pieces
        low = _amount(low_text, what) if low_text.strip() else None
        high = _amount(high_text, what) if high_text.strip() else None
    else:
        pair = list(text)
        if len(pair) != 2:
            raise OverlapError(f"the {what} band needs a minimum and a maximum")
        low, high = (_bound(v, what) for v in pair)
    return _checked_band((low, high), what)


def _bound(value: float | str | None, what: str) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return _amount(value, what) if value.strip() else None
    return float(value)


def _checked_band(band: Band, what: str) -> Band:
    low, high = band
    for bound in (low, high):
        if bound is not None and (not math.isfinite(bound) or bound < 0):
            raise OverlapError(f"the {what} band has a bound that is not a positive number")
    if low is not None and high is not None and low >= high:
        raise OverlapError(
            f"the {what} band {_short(low, what == 'revenue')}–{_short(high, what == 'revenue')} "
            "holds nothing: the minimum must be below the maximum (the maximum itself is not in "
            "the band)"
        )
    return (low, high)


def _words(values: str | Iterable[str] | None) -> list[str]:
    """A list from a list, or from a comma- or semicolon-separated text; blanks dropped."""
    if values is None:
        return []
    items = re.split(r"[;,]", values) if isinstance(values, str) else list(values)
    return [str(v).strip() for v in items if str(v).strip()]


def _unique(values: Iterable[str], key: Callable[[str], str] = lambda v: v) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(key(value), value)
    return tuple(seen.values())


def define_territory(
    name: str,
    *,
    countries: str | Iterable[str] | None = None,
    regions: str | Iterable[str] | None = None,
    states: str | Iterable[str] | None = None,
    industries: str | Iterable[str] | None = None,
    revenue: str | Sequence[float | str | None] | None = None,
    employees: str | Sequence[float | str | None] | None = None,
    our_rep: str = "",
    partner_rep: str = "",
) -> TerritoryDefinition:
    """A territory from what a user wrote, normalized, or a clear ``OverlapError``.

    Lists may be given as lists or as comma-separated text. A name in ``countries`` that is a
    region's (``"EMEA"``, ``"NA"``) is taken as the region, even where a country code is
    spelled alike (``NA``: Namibia, written by its name).
    """
    title = " ".join(str(name or "").split())
    if not title:
        raise OverlapError("a territory needs a name")
    if title.casefold() == NO_TERRITORY.casefold():
        raise OverlapError(f"'{NO_TERRITORY}' names the accounts in no territory; choose another")
    codes: list[str] = []
    named_regions = [region_name(r) for r in _words(regions)]
    for value in _words(countries):
        # A region's name wins over a country code spelled alike: "NA" is North America
        # (Namibia is written by its name).
        with contextlib.suppress(OverlapError):
            named_regions.append(region_name(value))
            continue
        code = country_code(value)
        if code is None:
            raise OverlapError(
                f"unknown country '{value}' in territory '{title}' (write an ISO code such as "
                "DE or US, a country's name, or a region such as EMEA)"
            )
        codes.append(code)
    definition = TerritoryDefinition(
        name=title,
        countries=_unique(codes),
        regions=_unique(named_regions),
        industries=_unique(_words(industries), fold),
        revenue=parse_band(revenue, "revenue"),
        employees=parse_band(employees, "employees"),
        our_rep=" ".join(str(our_rep or "").split()),
        partner_rep=" ".join(str(partner_rep or "").split()),
    )
    place = definition.country_set() or frozenset()
    definition = replace(definition, states=_unique(state_keys(s, place) for s in _words(states)))
    if definition.describe() == "every account":
        raise OverlapError(
            f"territory '{title}' has no criteria: give it countries, regions, states, "
            "industries or a size band"
        )
    return definition


# ---------------------------------------------------------------------- overlap


def _meet(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | bool | None:
    """What two criteria of one kind both let in: None (both open), a set, or False (nothing)."""
    if a is None:
        return b
    if b is None:
        return a
    common = a & b
    return common if common else False


def _band_meet(a: Band, b: Band) -> Band | bool:
    low = max((v for v in (a[0], b[0]) if v is not None), default=None)
    high = min((v for v in (a[1], b[1]) if v is not None), default=None)
    if low is not None and high is not None and low >= high:
        return False
    return (low, high)


def _listed(values: Iterable[str], limit: int = 6) -> str:
    items = sorted(values)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def overlap_words(a: TerritoryDefinition, b: TerritoryDefinition) -> str | None:
    """The accounts two territories would both hold, in words; None when they cannot meet."""
    places = _meet(a.country_set(), b.country_set())
    states = _meet(a.state_set(), b.state_set())
    industries = _meet(a.industry_set(), b.industry_set())
    revenue = _band_meet(a.revenue, b.revenue)
    employees = _band_meet(a.employees, b.employees)
    if False in (places, states, industries) or revenue is False or employees is False:
        return None
    words = []
    if isinstance(places, frozenset):
        words.append(f"in {_listed(places)}")
    if isinstance(states, frozenset):
        words.append(f"in state {_listed(states)}")
    if isinstance(industries, frozenset):
        names = {fold(i): i for i in (*a.industries, *b.industries)}
        words.append(f"in industry {_listed(names[i] for i in industries)}")
    if isinstance(revenue, tuple) and revenue != _OPEN:
        words.append(f"with {band_text(revenue, 'revenue')}")
    if isinstance(employees, tuple) and employees != _OPEN:
        words.append(f"with {band_text(employees, 'employees')}")
    return "an account " + ", ".join(words) if words else "every account"


# ---------------------------------------------------------------------- storage


def _from_row(row: Territory) -> TerritoryDefinition:
    return TerritoryDefinition(
        name=row.name,
        countries=tuple(json.loads(row.countries_json)),
        regions=tuple(json.loads(row.regions_json)),
        states=tuple(json.loads(row.states_json)),
        industries=tuple(json.loads(row.industries_json)),
        revenue=(row.revenue_min, row.revenue_max),
        employees=(row.employees_min, row.employees_max),
        our_rep=row.our_rep,
        partner_rep=row.partner_rep,
    )


def _rows(where: Workspace | Session, partner_id: int) -> list[Territory]:
    """The partnership's territory rows, oldest first (read in ``where``'s session, if one)."""
    if isinstance(where, Workspace):
        with where.session() as session:
            return _rows(session, partner_id)
    query = select(Territory).where(Territory.partner_id == partner_id)
    return list(where.exec(query.order_by(col(Territory.id))))


def territories(ws: Workspace, partner: str | Partner) -> list[TerritoryDefinition]:
    """The partnership's territories, in the order they were added."""
    record = resolve_partner(ws, partner)
    return [_from_row(r) for r in _rows(ws, int(record.id))]  # type: ignore[arg-type]


def _find(rows: Sequence[Territory], name: str, partner: str) -> Territory:
    wanted = " ".join(str(name or "").split()).casefold()
    for row in rows:
        if row.name.casefold() == wanted:
            return row
    known = ", ".join(r.name for r in rows) or "none yet"
    raise OverlapError(f"no territory named '{name}' for {partner} (territories: {known})")


def territory(ws: Workspace, partner: str | Partner, name: str) -> TerritoryDefinition:
    """The territory ``name`` (case-insensitive), or a clear error listing the territories."""
    record = resolve_partner(ws, partner)
    return _from_row(_find(_rows(ws, int(record.id)), name, record.name))  # type: ignore[arg-type]


def save_territory(
    ws: Workspace,
    partner: str | Partner,
    definition: TerritoryDefinition,
    *,
    replacing: str | None = None,
) -> TerritoryDefinition:
    """Add ``definition``, or put it in the place of the territory named ``replacing``.

    Refused, with nothing changed, when another territory has the name or could hold the same
    accounts (see the module docstring).
    """
    record = resolve_partner(ws, partner)
    partner_id = int(record.id)  # type: ignore[arg-type]
    # Normalized again: a definition built by hand goes through the same checks.
    definition = define_territory(
        definition.name,
        countries=definition.countries,
        regions=definition.regions,
        states=definition.states,
        industries=definition.industries,
        revenue=definition.revenue,
        employees=definition.employees,
        our_rep=definition.our_rep,
        partner_rep=definition.partner_rep,
    )
    with ws.session() as session:  # one transaction: the checks see what is written
        rows = _rows(session, partner_id)
        target = _find(rows, replacing, record.name) if replacing is not None else None
        others = [r for r in rows if target is None or r.id != target.id]
        for other in others:
            if other.name.casefold() == definition.name.casefold():
                raise OverlapError(
                    f"a territory named '{other.name}' exists already for {record.name}"
                )
        for other in others:
            shared = overlap_words(definition, _from_row(other))
            if shared is not None:
                raise OverlapError(
                    f"territory '{definition.name}' overlaps territory '{other.name}': {shared} "
                    "would be in both; narrow one of them so each account has one territory"
                )
        stamp = now()
        row = target or Territory(
            partner_id=partner_id, name=definition.name, created_at=stamp, updated_at=stamp
        )
        row.name = definition.name
        row.countries_json = json.dumps(list(definition.countries))
        row.regions_json = json.dumps(list(definition.regions))
        row.states_json = json.dumps(list(definition.states), ensure_ascii=False)
        row.industries_json = json.dumps(list(definition.industries), ensure_ascii=False)
        row.revenue_min, row.revenue_max = definition.revenue
        row.employees_min, row.employees_max = definition.employees
        row.our_rep = definition.our_rep
        row.partner_rep = definition.partner_rep
        row.updated_at = stamp
        session.add(row)
        session.commit()
    return definition


def add_territory(
    ws: Workspace, partner: str | Partner, name: str, **criteria: Any
) -> TerritoryDefinition:
    """Define (``define_territory``'s keywords) and add a territory to a partnership."""
    return save_territory(ws, partner, define_territory(name, **criteria))


def remove_territory(ws: Workspace, partner: str | Partner, name: str) -> TerritoryDefinition:
    """Remove a territory; returns it as it was (``save_territory`` puts it back)."""
    record = resolve_partner(ws, partner)
    with ws.session() as session:
        row = _find(_rows(session, int(record.id)), name, record.name)  # type: ignore[arg-type]
        removed = _from_row(row)
        session.delete(row)
        session.commit()
    return removed


# ---------------------------------------------------------------------- accounts' fields


@dataclass
class _Fields:
    """One snapshot's folded fields, per account in file order."""

    first_id: int
    count: int
    country: (
        np.ndarray
    )  # int16: position in engine.program.geography.countries(); -1 none, -2 unknown
    industry: np.ndarray  # int32 code into industry_values; -1 none
    industry_values: list[str]  # folded
    revenue: np.ndarray  # float64, NaN none
    employees: np.ndarray
    state: np.ndarray | None = None  # int32 code into state_values; -1 none (read when asked)
    state_values: list[str] = field(default_factory=list)


# Folded fields per open workspace and snapshot (a snapshot never changes). A few snapshots
# are kept: the current ones of a partnership or two; older ones leave as new ones come.
_KEPT: weakref.WeakKeyDictionary[Workspace, dict[int, _Fields]] = weakref.WeakKeyDictionary()
_KEPT_SNAPSHOTS = 4


def _encoded(values: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, list[Any]]:
    """Dictionary codes (-1 for null) and the distinct values of a string column."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    return codes, encoded.dictionary.to_pylist()


def _country_positions() -> dict[str, int]:
    return {c.code: i for i, c in enumerate(countries())}


def _read_fields(ws: Workspace, snapshot: Snapshot) -> _Fields:
    table = ws.accounts_table(
        int(snapshot.id),  # type: ignore[arg-type]
        ["country", "industry", "annual_revenue", "employees"],
    )
    positions = _country_positions()
    codes, distinct = _encoded(table["country"])
    lookup = np.array(
        [
            positions[code] if (code := country_code(v)) is not None else (-2 if fold(v) else -1)
            for v in distinct
        ]
        + [-1],
        dtype=np.int16,
    )
    country = lookup[codes]  # -1 (null) takes the last entry
    codes, distinct = _encoded(table["industry"])
    folded = [fold(v) for v in distinct]
    vocabulary = sorted(set(folded) - {""})
    at = {v: i for i, v in enumerate(vocabulary)}
    industry = np.array([at.get(v, -1) for v in folded] + [-1], dtype=np.int32)[codes]
    return _Fields(
        first_id=int(snapshot.first_account_id),
        count=int(snapshot.account_count),
        country=country,
        industry=industry,
        industry_values=vocabulary,
        revenue=pc.fill_null(table["annual_revenue"], np.nan).to_numpy(),
        employees=pc.fill_null(table["employees"], np.nan).to_numpy(),
    )


def _state_header(snapshot: Snapshot) -> tuple[int, str] | None:
    """(position, header) of the snapshot's kept column that holds the state, if any."""
    kept = json.loads(snapshot.extra_columns_json or "[]")
    folded = [fold(h) for h in kept]
    for wanted in STATE_HEADERS:
        if wanted in folded:
            at = folded.index(wanted)
            return at, str(kept[at])
    return None


_CELL = r'(?:[^"\\]|\\.)*'


def _read_states(ws: Workspace, snapshot: Snapshot, fields: _Fields) -> None:
    """Fill ``fields.state`` from the kept state column (none: every account has no state)."""
    found = _state_header(snapshot)
    if found is None:
        fields.state = np.full(fields.count, -1, dtype=np.int32)
        return
    position = found[0]
    table = ws.accounts_table(int(snapshot.id), ["extra_json"])  # type: ignore[arg-type]
    # The kept values are a JSON list of strings per account: the cell at ``position`` is cut
    # out by one regular expression over the whole column, then unescaped once per value.
    # (Rows with rare control characters are written by json.dumps: ", " between cells.)
    pattern = r"^\[\s*" + ('"' + _CELL + r'"\s*,\s*') * position + '"(?P<v>' + _CELL + ')"'
    cells = pc.struct_field(pc.extract_regex(table["extra_json"], pattern), [0])
    codes, distinct = _encoded(cells)
    texts = [json.loads(f'"{v}"') if v and "\\" in v else (v or "") for v in distinct]
    # A state is read with its account's country (WA is Washington in the US, Western
    # Australia in Australia): the distinct pairs are resolved, not every account.
    all_countries = countries()
    pairs = codes.astype(np.int64) * 1024 + (fields.country.astype(np.int64) + 2)
    unique, inverse = np.unique(pairs, return_inverse=True)
    keys = []
    for pair in unique.tolist():
        text_at, country_at = divmod(pair, 1024)
        country_at -= 2
        text = texts[text_at] if text_at >= 0 else ""
        country = all_countries[country_at].code if country_at >= 0 else None
        keys.append(state_key(text, country) or "")
    vocabulary = sorted(set(keys) - {""})
    at = {v: i for i, v in enumerate(vocabulary)}
    fields.state = np.array([at.get(k, -1) for k in keys], dtype=np.int32)[inverse.ravel()]
    fields.state_values = vocabulary


def _fields(ws: Workspace, snapshot: Snapshot | None, with_states: bool) -> _Fields | None:
    if snapshot is None or snapshot.id is None:
        return None
    kept = _KEPT.setdefault(ws, {})
    fields = kept.pop(int(snapshot.id), None)
    if fields is None:
        fields = _read_fields(ws, snapshot)
    kept[int(snapshot.id)] = fields  # last used last
    while len(kept) > _KEPT_SNAPSHOTS:
        kept.pop(next(iter(kept)))
    if with_states and fields.state is None:
        _read_states(ws, snapshot, fields)
    return fields


def state_sources(ws: Workspace, partner: str | Partner) -> dict[str, str | None]:
    """The header each side's current export keeps its states under (None: no such column),
    as ``{"us": ..., "partner": ...}``."""
    record = resolve_partner(ws, partner)
    out: dict[str, str | None] = {}
    for side, partner_id in (("us", None), ("partner", record.id)):
        snapshot = ws.current_snapshot(partner_id)
        found = _state_header(snapshot) if snapshot is not None else None
        out[side] = found[1] if found else None
    return out


# ---------------------------------------------------------------------- membership


@dataclass
class _Side:
    """One side's fields at the rows of a mapping (missing where the row has no account)."""

    fields: _Fields | None
    rows: np.ndarray  # position in the snapshot per mapping row, -1 none

    def take(self, name: str, missing: Any) -> np.ndarray:
        values = getattr(self.fields, name) if self.fields is not None else None
        if values is None:
            return np.full(len(self.rows), missing)
        out = values[np.maximum(self.rows, 0)]
        return np.where(self.rows >= 0, out, missing)


def _side_rows(mapping: pd.DataFrame, column: str, fields: _Fields | None) -> np.ndarray:
    ids = mapping[column].astype("Int64").to_numpy(dtype=np.int64, na_value=-1)
    if fields is None:
        return np.full(len(ids), -1, dtype=np.int64)
    rows = ids - fields.first_id
    return np.where((ids >= 0) & (rows >= 0) & (rows < fields.count), rows, -1)


def _allowed(vocabulary: Sequence[str], wanted: frozenset[str]) -> np.ndarray:
    """A look-up over ``vocabulary`` codes (+1 for -1, "none"): True where the value is wanted."""
    return np.array([False, *(v in wanted for v in vocabulary)], dtype=bool)


def _labels(
    ws: Workspace, record: Partner, mapping: pd.DataFrame, defs: Sequence[TerritoryDefinition]
) -> np.ndarray:
    """Each mapping row's territory: its position in ``defs``, -1 for none."""
    out = np.full(len(mapping), -1, dtype=np.int16)
    if not defs or not len(mapping):
        return out
    with_states = any(d.states for d in defs)
    sides = [
        _Side(fields, _side_rows(mapping, column, fields))
        for column, fields in (
            ("our_id", _fields(ws, ws.current_snapshot(None), with_states)),
            ("partner_id", _fields(ws, ws.current_snapshot(record.id), with_states)),
        )
    ]
    ours, theirs = sides
    # Our value where we have one, else the partner's: for countries and numbers the values
    # themselves are combined; industries and states are codes of each side's own vocabulary,
    # so each side is judged and the verdict of the side whose value counts is kept.
    our_country = ours.take("country", -1)
    country = np.where(our_country != -1, our_country, theirs.take("country", -1))
    numbers = {}
    for name in ("revenue", "employees"):
        mine = ours.take(name, np.nan)
        numbers[name] = np.where(np.isnan(mine), theirs.take(name, np.nan), mine)
    codes = {
        name: (ours.take(name, -1), theirs.take(name, -1))
        for name in ("industry", "state")
        if name == "industry" or with_states
    }
    positions = _country_positions()
    for number, definition in enumerate(defs):
        inside = np.ones(len(mapping), dtype=bool)
        place = definition.country_set()
        if place is not None:
            allowed = np.zeros(len(positions) + 2, dtype=bool)  # -2 and -1 land on the end
            allowed[[positions[c] for c in place if c in positions]] = True
            inside &= allowed[country]
        for name, wanted in (
            ("industry", definition.industry_set()),
            ("state", definition.state_set()),
        ):
            if wanted is None:
                continue
            verdicts = []
            for side, side_codes in zip(sides, codes[name], strict=True):
                vocabulary = getattr(side.fields, f"{name}_values", []) if side.fields else []
                verdicts.append(_allowed(vocabulary, wanted)[side_codes + 1])
            inside &= np.where(codes[name][0] >= 0, verdicts[0], verdicts[1])
        for name in ("revenue", "employees"):
            low, high = getattr(definition, name)
            if low is not None:
                inside &= numbers[name] >= low
            if high is not None:
                inside &= numbers[name] < high
        out[inside & (out < 0)] = number
    return out


def territory_labels(
    ws: Workspace, partner: str | Partner, mapping: pd.DataFrame
) -> pd.Categorical:
    """The territory of each row of a partnership's mapping (``engine.overlaps.build_mapping``),
    as a Categorical of territory names in their order; missing for rows in none."""
    record = resolve_partner(ws, partner)
    defs = territories(ws, record)
    codes = _labels(ws, record, mapping, defs)
    return pd.Categorical.from_codes(codes, categories=[d.name for d in defs])  # type: ignore[call-overload]


def in_territory(
    ws: Workspace, partner: str | Partner, mapping: pd.DataFrame, name: str
) -> pd.DataFrame:
    """The rows of ``mapping`` whose account is in the territory ``name``, in their order,
    indexed from 0 (unknown name: a clear error)."""
    record = resolve_partner(ws, partner)
    rows = _rows(ws, int(record.id))  # type: ignore[arg-type]
    wanted = _find(rows, name, record.name)
    defs = [_from_row(r) for r in rows]
    codes = _labels(ws, record, mapping, defs)
    keep = codes == next(i for i, r in enumerate(rows) if r.id == wanted.id)
    if keep.all():
        return mapping
    return mapping[keep].reset_index(drop=True)


@overload
def territory_filter(ws: Workspace, partner: str | Partner, name: str) -> TerritoryFilter: ...
@overload
def territory_filter(ws: Workspace, partner: str | Partner, name: None) -> None: ...
def territory_filter(
    ws: Workspace, partner: str | Partner, name: str | None
) -> TerritoryFilter | None:
    """What the steps take to limit their figures to the territory ``name`` (None: no limit).

    An unknown name is a clear error here, before any step runs.
    """
    if name is None:
        return None
    record = resolve_partner(ws, partner)
    found = territory(ws, record, name).name

    def keep(mapping: pd.DataFrame) -> pd.DataFrame:
        return in_territory(ws, record, mapping, found)

    return TerritoryFilter(found, keep)


def territory_summary(
    ws: Workspace,
    partner: str | Partner,
    *,
    mapping: pd.DataFrame | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> pd.DataFrame:
    """Where the overlap is: per territory (then the accounts in none), its definition, its
    reps and its accounts ours only / shared / partner only, with the shared accounts'
    potential revenue. Columns: ``TERRITORY_SUMMARY_COLUMNS``."""
    record = resolve_partner(ws, partner)
    if mapping is None:
        mapping = build_mapping(ws, record, progress=progress, cancel=cancel)
    defs = territories(ws, record)
    codes = _labels(ws, record, mapping, defs).astype(np.int64) + 1  # 0: in none
    status = np.asarray(mapping["status"].cat.codes.to_numpy(), dtype=np.int64)
    slots = len(defs) + 1
    counts = np.bincount(codes * len(LABELS) + status, minlength=slots * len(LABELS))
    counts = counts.reshape(slots, len(LABELS))
    shared = status == LABELS.index("shared")
    potential = np.bincount(
        codes[shared],
        weights=mapping["potential_revenue"].to_numpy(dtype=float)[shared],
        minlength=slots,
    )
    rows = [(d.name, d.describe(), d.our_rep, d.partner_rep) for d in defs]
    rows.append((NO_TERRITORY, "accounts no territory holds", "", ""))
    order = [*range(1, slots), 0]
    frame = pd.DataFrame(rows, columns=list(TERRITORY_SUMMARY_COLUMNS[:4]))
    for label in ("ours_only", "shared", "partner_only"):
        frame[label] = counts[order, LABELS.index(label)].astype(np.int64)
    frame["shared_potential"] = potential[order]
    return frame
