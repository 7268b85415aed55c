"""Step 1, mapping: an export's headers to the standard fields.

Known CRM header names (``resources/headers.json``, with the CRMs that write each), similar
header names, then the values; a saved profile for the same header set comes first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import pandas as pd

from engine.errors import ImportFileError
from engine.importing.raw import RawExport
from engine.keys.domains import looks_like_domains
from engine.output.formats import FIELD_LABELS
from engine.paths import resource
from engine.store.workspace import Workspace

FieldMapping = Mapping[str, str | Sequence[str]]


# The standard fields, in the order of the accounts table, with a line a user reads.
STANDARD_FIELDS: dict[str, str] = {
    "external_id": "The account's record id in your CRM (keeps decisions attached on refresh)",
    "name": "Company name (required, unless the file lists web domains only)",
    "domains": "Web site or domain; several allowed, separated by spaces or commas",
    "industry": "Industry or vertical",
    "annual_revenue": "Annual revenue, e.g. 1200000, $1.2M or 1.200.000,00 €",
    "employees": "Number of employees",
    "country": "Country of the headquarters or billing address",
    "city": "City",
    "stage": "Relationship: prospect, customer, churned or other (CRM values are understood)",
    "owner": "Account owner or account manager",
    "deal_size": "Amount of the open opportunity",
    "deal_close_date": "Expected close date of the open opportunity",
    "priority": "Strategic priority: high, medium or low",
    "first_touch": "Date the relationship began (e.g. the record's created date)",
}


def _norm(header: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", header.casefold()).split())


@dataclass(frozen=True)
class _Alias:
    field: str
    crm: str
    rank: int
    text: str


@cache
def _aliases() -> tuple[dict[str, list[_Alias]], tuple[str, ...]]:
    """Normalized header → the fields it names, each with every CRM that writes it."""
    spec = json.loads(resource("headers.json").read_text(encoding="utf-8"))
    found: dict[tuple[str, str], tuple[int, list[str], str]] = {}
    for field_name, groups in spec["fields"].items():
        rank = 0
        for crm, names in groups.items():
            for name in names:
                key = (_norm(name), field_name)
                best, crms, text = found.get(key, (rank, [], name))
                if crm not in crms:
                    crms.append(crm)
                found[key] = (min(best, rank), crms, text)
                rank += 1
    for field_name, label in FIELD_LABELS.items():  # the template's headers come back
        found.setdefault((_norm(label), field_name), (0, ["template"], label))
    table: dict[str, list[_Alias]] = {}
    for (norm, field_name), (rank, crms, text) in found.items():
        named = [c for c in crms if c not in ("plain", "localized")] or crms
        table.setdefault(norm, []).append(_Alias(field_name, "/".join(named), rank, text))
    return table, tuple(s.casefold() for s in spec.get("skip", []))


_CRM_NAMES = {
    "plain": "spreadsheet",
    "salesforce": "Salesforce",
    "hubspot": "HubSpot",
    "dynamics": "Dynamics 365",
    "pipedrive": "Pipedrive",
    "zoho": "Zoho",
    "attio": "Attio",
    "close": "Close",
    "email": "e-mail",
    "localized": "localized spreadsheet",
    "template": "Overlap template",
}


@dataclass(frozen=True)
class FieldChoice:
    """Which column(s) feed one standard field, how sure the guess is and why."""

    field: str
    headers: tuple[str, ...] = ()
    confidence: float = 0.0
    reason: str = "no column found"

    @property
    def header(self) -> str | None:
        return self.headers[0] if self.headers else None


@dataclass(frozen=True)
class ProposedMapping:
    """Standard field → column(s), with confidence and reason; plus the columns left over."""

    fields: dict[str, FieldChoice]
    headers: tuple[str, ...]
    profile: str | None = None
    stage_values: dict[str, str] = field(default_factory=dict)

    @property
    def unmapped(self) -> list[str]:
        """Headers no field uses, in file order; they are kept as extra columns."""
        used = {h for c in self.fields.values() for h in c.headers}
        return [h for h in self.headers if h not in used]

    @property
    def mapped(self) -> list[str]:
        return [f for f in STANDARD_FIELDS if self.fields[f].headers]

    @property
    def missing(self) -> list[str]:
        return [f for f in STANDARD_FIELDS if not self.fields[f].headers]

    def as_dict(self) -> dict[str, str | list[str]]:
        """{field: header} ({"domains": [headers]} when several); JSON-ready, as saved."""
        out: dict[str, str | list[str]] = {}
        for name, choice in self.fields.items():
            if choice.headers:
                out[name] = list(choice.headers) if name == "domains" else choice.headers[0]
        return out

    def with_overrides(self, overrides: FieldMapping | None) -> ProposedMapping:
        """The user's choices on top: ``{"name": "Client", "domains": ["Web", "Email"]}``.

        An empty header ("") unmaps a field. Unknown fields or headers are a clear error.
        """
        if not overrides:
            return self
        fields = dict(self.fields)
        for name, value in overrides.items():
            if name not in STANDARD_FIELDS:
                raise ImportFileError(
                    f"'{name}' is not a standard field (fields: {', '.join(STANDARD_FIELDS)})"
                )
            wanted = [value] if isinstance(value, str) else list(value)
            wanted = [w for w in wanted if w.strip()]
            resolved = tuple(_find_header(self.headers, w) for w in wanted)
            if len(resolved) > 1 and name != "domains":
                raise ImportFileError(f"only 'domains' can take several columns, not '{name}'")
            fields[name] = FieldChoice(
                name,
                resolved,
                1.0 if resolved else 0.0,
                "chosen by you" if resolved else "left out by you",
            )
            # One column feeds one field (domains aside): take it away from any other field.
            for other, choice in fields.items():
                if other != name and set(choice.headers) & set(resolved):
                    kept = tuple(h for h in choice.headers if h not in resolved)
                    fields[other] = replace(choice, headers=kept) if kept else FieldChoice(other)
        return replace(self, fields=fields)

    def table(self, raw: RawExport | None = None) -> pd.DataFrame:
        """One row per standard field: header(s), confidence, reason, sample values."""
        rows = []
        for name in STANDARD_FIELDS:
            choice = self.fields[name]
            samples = []
            if raw is not None:
                for h in choice.headers:
                    samples += raw.samples(h, 3)
            rows.append(
                {
                    "field": name,
                    "header": ", ".join(choice.headers),
                    "confidence": round(choice.confidence, 2),
                    "reason": choice.reason,
                    "samples": " | ".join(samples[:3]),
                }
            )
        return pd.DataFrame(rows)


def _find_header(headers: Sequence[str], wanted: str) -> str:
    for header in headers:
        if header == wanted:
            return header
    for header in headers:
        if header.casefold().strip() == wanted.casefold().strip() or _norm(header) == _norm(wanted):
            return header
    raise ImportFileError(f"the file has no column '{wanted}' (columns: {', '.join(headers)})")


def headers_key(headers: Iterable[str]) -> str:
    """The key a saved profile is found by: the normalized, sorted header set."""
    return json.dumps(sorted({_norm(h) for h in headers}), ensure_ascii=False)


def propose_mapping(
    raw: RawExport, *, ws: Workspace | None = None, profile: str | None = None
) -> ProposedMapping:
    """Guess which column feeds each standard field.

    A saved profile named ``profile``, or else one saved for the same header set, wins. Then
    known CRM header names (``resources/headers.json``), then similar header names, then the
    values (a column of web addresses or e-mail addresses gives domains).
    """
    headers = tuple(raw.headers)
    if ws is not None:
        saved = _load_profile(ws, name=profile, key=None if profile else headers_key(headers))
        if saved is not None:
            name, mapping, stage_values = saved
            base = ProposedMapping({f: FieldChoice(f) for f in STANDARD_FIELDS}, headers)
            known = {
                f: v
                for f, v in mapping.items()
                if all(_has_header(headers, h) for h in _as_list(v))
            }
            proposed = base.with_overrides(known)
            fields = {
                f: replace(c, reason=f"saved profile '{name}'") if c.headers else c
                for f, c in proposed.fields.items()
            }
            return replace(proposed, fields=fields, profile=name, stage_values=stage_values)
    return _guess_mapping(raw, headers)


def _load_profile(
    ws: Workspace, *, name: str | None, key: str | None
) -> tuple[str, dict[str, Any], dict[str, str]] | None:
    if name:
        frame = ws.read_frame(
            "SELECT name, mapping_json, stage_values_json FROM mappingprofile WHERE name = :n",
            {"n": name},
        )
    else:
        frame = ws.read_frame(
            "SELECT name, mapping_json, stage_values_json FROM mappingprofile "
            "WHERE headers_key = :k "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            {"k": key},
        )
    if frame.empty:
        return None
    row = frame.iloc[0]
    return (
        str(row["name"]),
        json.loads(row["mapping_json"]),
        json.loads(row["stage_values_json"] or "{}"),
    )


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _has_header(headers: Sequence[str], wanted: str) -> bool:
    try:
        _find_header(headers, wanted)
    except ImportFileError:
        return False
    return True


def _guess_mapping(raw: RawExport, headers: tuple[str, ...]) -> ProposedMapping:
    table, skip = _aliases()
    usable = [h for h in headers if not any(s in h.casefold() for s in skip)]
    hits: list[tuple[int, int, str, str, _Alias]] = []
    for position, header in enumerate(usable):
        for alias in table.get(_norm(header), []):
            hits.append((alias.rank, position, alias.field, header, alias))
    hits.sort(key=lambda h: (h[0], h[1]))
    chosen: dict[str, list[tuple[str, float, str]]] = {}
    taken: set[str] = set()
    for _rank, _pos, field_name, header, alias in hits:
        if header in taken:
            continue
        if field_name in chosen and field_name != "domains":
            continue
        if field_name == "domains" and alias.crm == "email":
            continue  # e-mail columns feed domains only when there is no web-site column
        crm = " / ".join(_CRM_NAMES.get(c, c) for c in alias.crm.split("/"))
        confidence = 0.97 if alias.crm not in ("plain", "localized") else 0.93
        chosen.setdefault(field_name, []).append(
            (header, confidence, f"'{header}' is a known {crm} column")
        )
        taken.add(header)
    if "domains" not in chosen:
        for _rank, _pos, field_name, header, alias in hits:
            if field_name == "domains" and alias.crm == "email" and header not in taken:
                chosen.setdefault("domains", []).append(
                    (header, 0.8, f"'{header}' holds e-mail addresses; their domains are used")
                )
                taken.add(header)
    _fuzzy(usable, table, chosen, taken)
    _sniff_domains(raw, usable, chosen, taken)
    fields: dict[str, FieldChoice] = {}
    for name in STANDARD_FIELDS:
        picks = chosen.get(name, [])
        if picks:
            fields[name] = FieldChoice(
                name,
                tuple(p[0] for p in picks),
                min(p[1] for p in picks),
                "; ".join(p[2] for p in picks),
            )
        else:
            fields[name] = FieldChoice(name)
    return ProposedMapping(fields, headers)


def _fuzzy(
    usable: Sequence[str],
    table: dict[str, list[_Alias]],
    chosen: dict[str, list[tuple[str, float, str]]],
    taken: set[str],
) -> None:
    """Headers that resemble a known one ("Billing Country (text)" ~ "Billing Country")."""
    from rapidfuzz import fuzz, process

    free = [h for h in usable if h not in taken]
    if not free:
        return
    choices = {alias: entries for alias, entries in table.items() if alias}
    keys = list(choices)
    scored: list[tuple[float, str, str, str]] = []
    for header in free:
        norm = _norm(header)
        if not norm:
            continue
        match = process.extractOne(norm, keys, scorer=fuzz.token_sort_ratio, score_cutoff=86)
        if match is None:
            continue
        alias_text, score, _ = match
        for alias in choices[alias_text]:
            if alias.crm != "email":
                scored.append((score, header, alias.field, alias.text))
                break
    for score, header, field_name, alias_text in sorted(scored, reverse=True):
        if header in taken or (field_name in chosen and field_name != "domains"):
            continue
        confidence = round(0.5 + 0.4 * (score - 86) / 14, 2)
        chosen.setdefault(field_name, []).append(
            (header, confidence, f"'{header}' resembles '{alias_text}' ({score:.0f}% alike)")
        )
        taken.add(header)


def _sniff_domains(
    raw: RawExport,
    usable: Sequence[str],
    chosen: dict[str, list[tuple[str, float, str]]],
    taken: set[str],
) -> None:
    """No web-site column by name: a column whose values are web or e-mail addresses."""
    if "domains" in chosen:
        return
    sample = raw.frame.head(500)
    best: tuple[float, str] | None = None
    for header in usable:
        if header in taken:
            continue
        share = looks_like_domains(sample[header])
        if share >= 0.6 and (best is None or share > best[0]):
            best = (share, header)
    if best:
        share, header = best
        chosen["domains"] = [
            (
                header,
                round(0.5 + 0.4 * share, 2),
                f"{share:.0%} of its values look like web or e-mail addresses",
            )
        ]
        taken.add(header)


def parse_overrides(items: Iterable[str]) -> dict[str, str | list[str]]:
    """``["name=Client", "domains=Web"]`` → ``{"name": "Client", "domains": "Web"}``."""
    out: dict[str, str | list[str]] = {}
    for item in items:
        name, sep, header = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ImportFileError(
                f"'{item}' is not FIELD=Header (e.g. --map name=\"Account Name\")"
            )
        if name == "domains" and "domains" in out:
            previous = out["domains"]
            out["domains"] = [*_as_list(previous), header.strip()]
        else:
            out[name] = header.strip()
    return out
