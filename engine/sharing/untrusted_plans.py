"""The declared schema of an arriving ``.overlap-plan`` file: every field of a plan, its steps,
metrics and roles, with its type, choices, length and count, read by ``read_plan_file``.

The schema language, the limits, and the bounded reading of bytes and JSON are
``engine.sharing.untrusted``'s, the one door of every arriving document; this module holds the
plan file's part of it, as ``psi.py``'s files have theirs there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import OverlapError
from engine.overlaps import STAGES
from engine.plans import OBJECTIVE_KINDS, PARTIES, PLAN_STATUSES
from engine.sharing import crypto
from engine.sharing.untrusted import (
    LONG_TEXT,
    MAX_ITEMS_PER_FILE,
    MAX_METRICS_PER_PLAN,
    MAX_PLAN_FILE_BYTES,
    MAX_PLANS_PER_FILE,
    MAX_ROLES_PER_PLAN,
    MAX_STEPS_PER_PLAN,
    PLAN_FORMAT,
    PLAN_SCHEMA_VERSION,
    SHORT_TEXT,
    Choice,
    Count,
    Flag,
    Invalid,
    IsoDate,
    IsoTime,
    ListOf,
    MapOf,
    Number,
    Optional,
    Record,
    Spec,
    Text,
    _numbered,
    _parse,
    _read_bounded,
    _shown,
    _wrong_type,
    canonical,
)


def _plan_label(index: int, item: Any) -> str:
    name = (item.get("label") or item.get("account_name")) if isinstance(item, dict) else None
    if isinstance(name, str) and name.strip():
        return f"plan {index + 1} ({_shown(name)})"
    return f"plan {index + 1}"


STEP = Record(
    {
        "what": Text(LONG_TEXT, blank=False),
        "owner_party": Choice(PARTIES),
        "owner_person": Optional(Text(SHORT_TEXT, null="keep"), None),
        "due_date": Optional(IsoDate(), None),
        "done": Optional(Flag(), False),
        "joint": Optional(Flag(), False),  # a step both sides take together
    }
)
# What both sides know of the plan's account (engine.program.outreach.INSIGHT_FIELDS).
INSIGHT = Record(
    {
        "needs": Optional(Text(LONG_TEXT, null="empty"), ""),
        "stakeholders": Optional(Text(LONG_TEXT, null="empty"), ""),
        "competitors": Optional(Text(LONG_TEXT, null="empty"), ""),
        "next_event": Optional(Text(SHORT_TEXT, null="empty"), ""),
        "next_event_date": Optional(IsoDate(), None),
    }
)
METRIC = Record(
    {
        "name": Text(SHORT_TEXT, blank=False),
        "target": Optional(Number(), None),
        "actual": Optional(Number(), None),
        "unit": Optional(Text(SHORT_TEXT, null="empty"), ""),
    }
)
ROLE = Record(
    {
        "party": Choice(PARTIES),
        "person": Text(SHORT_TEXT, blank=False),
        "role": Optional(Text(SHORT_TEXT, null="empty"), ""),
        "responsibility": Optional(Text(LONG_TEXT, null="empty"), ""),
    }
)
# A plan carries only the sections its sender's policy shares: an absent one stays absent.
PLAN = Record(
    {
        "ref": Text(SHORT_TEXT, blank=False),
        "your_key": Text(SHORT_TEXT, blank=False),
        # The reference both sides see, and both sides' CRM ids of the account.
        "plan_ref": Optional(Text(64, blank=False)),
        "sender_crm_id": Optional(Text(SHORT_TEXT, blank=False)),
        "recipient_crm_id": Optional(Text(SHORT_TEXT, blank=False)),
        "label": Optional(Text(SHORT_TEXT), ""),
        "account_name": Optional(Text(SHORT_TEXT)),
        "domain": Optional(Text(SHORT_TEXT, null="keep")),
        "stage": Optional(Choice(STAGES, null=True, blank=True)),
        "industry": Optional(Text(SHORT_TEXT, null="keep")),
        "country": Optional(Text(SHORT_TEXT, null="keep")),
        "city": Optional(Text(SHORT_TEXT, null="keep")),
        "annual_revenue": Optional(Number()),
        "deal_size": Optional(Number()),
        "deal_close_date": Optional(IsoDate()),
        "owner": Optional(Text(SHORT_TEXT, null="keep")),
        "lead": Optional(Choice(PARTIES, null=True)),
        "lead_rationale": Optional(Text(LONG_TEXT, null="keep")),
        "objective": Optional(Text(LONG_TEXT, null="empty")),
        "objective_kind": Optional(Choice(OBJECTIVE_KINDS)),
        "status": Optional(Choice(PLAN_STATUSES)),
        "notes": Optional(Text(LONG_TEXT, null="keep")),
        "why_together": Optional(Text(LONG_TEXT, null="empty")),
        "insights": Optional(INSIGHT),
        "steps": Optional(ListOf(STEP, MAX_STEPS_PER_PLAN, "steps", "per plan", _numbered("step"))),
        "metrics": Optional(
            ListOf(METRIC, MAX_METRICS_PER_PLAN, "metrics", "per plan", _numbered("metric"))
        ),
        "roles": Optional(ListOf(ROLE, MAX_ROLES_PER_PLAN, "roles", "per plan", _numbered("role"))),
    }
)
_SECTION_LIMITS = {
    "steps": MAX_STEPS_PER_PLAN,
    "metrics": MAX_METRICS_PER_PLAN,
    "roles": MAX_ROLES_PER_PLAN,
}
PLAN_CONTENT = Record(
    {
        "partnership": Optional(
            Record(
                {
                    "model": Optional(Text(SHORT_TEXT)),
                    "sender_calls_partner": Optional(Text(SHORT_TEXT)),
                }
            )
        ),
        "rules": Optional(
            Record(
                {
                    "version": Optional(Count(null=True)),
                    "criteria": Optional(
                        ListOf(
                            Record({"name": Text(SHORT_TEXT), "enabled": Optional(Flag())}),
                            32,
                            "criteria",
                            "in the rules",
                            _numbered("criterion"),
                        )
                    ),
                    "tie_breaker": Optional(Text(SHORT_TEXT, null="keep")),
                }
            )
        ),
        "counts_only": Optional(Flag(), False),
        "fields": Optional(
            ListOf(Text(SHORT_TEXT), 64, "fields", "per file", _numbered("field")), []
        ),
        "counts": Optional(MapOf(Text(64), Count(), 64), {}),
        "matrix": Optional(MapOf(Choice(STAGES), MapOf(Choice(STAGES), Count(), 8), 8), {}),
        "plans": Optional(ListOf(PLAN, MAX_PLANS_PER_FILE, "plans", "per file", _plan_label), []),
    }
)
PLAN_ENVELOPE = Record(
    {
        "partnership_id": Optional(Text(64, null="empty"), ""),
        "sender": Record({"company": Text(SHORT_TEXT)}),
        "sent_at": IsoTime(),
        "content_sha256": Text(64),
    }
)


@dataclass(frozen=True)
class PlanFile:
    """A checked plan file. ``plans`` holds each plan with only the fields ``PLAN`` declares,
    each of the type the workspace stores (ISO date text, float, bool), sections it does not
    share left out."""

    sender: str
    sent_at: str
    partnership_id: str
    content_sha256: str
    counts_only: bool
    counts: dict[str, int]
    matrix: dict[str, dict[str, int]]  # shared accounts by the sender's and our stage
    plans: list[dict[str, Any]]


def read_plan_file(path: str | Path, *, passphrase: str | None = None) -> PlanFile:
    """A plan file, decrypted and checked (format, version, content hash, schema, limits)."""
    where = str(path)
    data = _read_bounded(Path(path), MAX_PLAN_FILE_BYTES, "plan files")
    if crypto.is_encrypted(data):
        if not passphrase:
            raise OverlapError(
                "this plan file is encrypted; enter the passphrase the sender gave you", where=where
            )
        data = crypto.decrypt(data, passphrase, where=where)
    try:
        document = _parse(data, "this is not an Overlap plan file, or it was cut short on the way")
        return _plan_file(document, where)
    except Invalid as problem:
        raise OverlapError(f"{problem}; nothing was imported", where=where) from None


def _plan_file(document: Any, where: str) -> PlanFile:
    if not isinstance(document, dict) or document.get("format") != PLAN_FORMAT:
        raise OverlapError("this is not an Overlap plan file", where=where)
    if "schema_version" not in document:
        raise Invalid((), "schema_version is missing")
    version = Count().check(document["schema_version"], "schema_version", ())
    if version > PLAN_SCHEMA_VERSION:
        raise OverlapError(
            f"this plan file was written by a newer Overlap (schema {version}); "
            "update Overlap to import it",
            where=where,
        )
    if version < 1:
        raise Invalid((), "schema_version 0 is not a version Overlap writes")
    envelope = PLAN_ENVELOPE.check(document, "", ())
    content = document.get("content")
    if not isinstance(content, dict):
        raise _wrong_type(content, "content", (), "an object")
    try:
        digest = hashlib.sha256(canonical(content)).hexdigest()
    except UnicodeEncodeError:
        raise Invalid((), "the file holds text that is not valid Unicode") from None
    if digest != envelope["content_sha256"]:
        raise OverlapError(
            "the plan file was changed after it was written; nothing was imported", where=where
        )
    _check_item_budget(content.get("plans"))
    checked = PLAN_CONTENT.check(content, "", ())
    if checked["counts_only"] and checked["plans"]:
        # The import would merge plans while telling the user only counts arrived.
        raise Invalid(
            (),
            f"plans: a counts-only file carries no plans, and this one holds "
            f"{len(checked['plans']):,}",
        )
    return PlanFile(
        sender=envelope["sender"]["company"],
        sent_at=envelope["sent_at"],
        partnership_id=envelope["partnership_id"],
        content_sha256=envelope["content_sha256"],
        counts_only=checked["counts_only"],
        counts=checked["counts"],
        matrix=checked["matrix"],
        plans=checked["plans"],
    )


def _check_item_budget(plans: Any) -> None:
    """Refuse a file with too many steps, metrics and roles in all before checking each one.

    A plan counts up to its own limits: one over them is named by the schema check."""
    if not isinstance(plans, list) or len(plans) > MAX_PLANS_PER_FILE:
        return  # the schema names what is wrong
    items = sum(
        min(len(plan[section]), limit)
        for plan in plans
        if isinstance(plan, dict)
        for section, limit in _SECTION_LIMITS.items()
        if isinstance(plan.get(section), list)
    )
    if items > MAX_ITEMS_PER_FILE:
        raise Invalid(
            (),
            f"{items:,} steps, metrics and roles in all; Overlap reads at most "
            f"{MAX_ITEMS_PER_FILE:,} steps, metrics and roles per file",
        )


def check_plan_content(content: dict[str, Any]) -> None:
    """Refuse to write plan-file content a partner's Overlap would refuse to read."""
    try:
        _check_item_budget(content.get("plans"))
        PLAN_CONTENT.check(content, "", ())
    except Invalid as problem:
        raise OverlapError(
            f"{problem}; the partner's Overlap would refuse this file, so it was not written"
        ) from None


_CONFLICT_FIELDS: dict[str, Mapping[str, Spec]] = {
    "plan": PLAN.fields,
    "step": STEP.fields,
    "metric": METRIC.fields,
    "role": ROLE.fields,
    "insight": INSIGHT.fields,
}


def check_their_value(kind: str, field: str, value: Any) -> Any:
    """The partner's value of a stored conflict, checked as an arriving file's would be.

    Conflicts stored before files were checked at the door may hold anything; such a value is
    refused with a message that says to keep ours, which always settles the conflict."""
    spec = _CONFLICT_FIELDS.get(kind, {}).get(field)
    try:
        if spec is None:
            raise Invalid((), f"their {kind} {field} is not a field Overlap merges")
        return spec.check(value, f"their {field}", ())
    except Invalid as problem:
        raise OverlapError(f"{problem}; keep ours (--take ours) to settle this conflict") from None
