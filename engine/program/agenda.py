"""The agenda of the next partner sync, in five sections that each say "nothing" when empty:
new shared accounts since the last sync, stalled plans with their reasons, next steps overdue or
due before the following sync, registrations expiring or in conflict, and leads that changed.

"Since the last sync" compares the mapping now with the one kept at the last logged sync
(``engine.program.sync``), else with the newest mapping baseline of ``engine.program.refresh``.
The agenda is written out (text or PDF, recorded in the egress ledger) by
``engine.sharing.agenda``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlmodel import col, select

from engine.plans import stored_day
from engine.program.sync import current_baseline, day_text, last_sync, sync_schedule
from engine.store.clock import today as local_today
from engine.store.models import MappingRun, Partner, SyncMeeting
from engine.store.workspace import US, Workspace, resolve_partner

AGENDA_SECTIONS = ("new_shared", "stalled_plans", "next_steps", "registrations", "leads_changed")
OPEN_PLAN_STATUSES = ("draft", "active")
REGISTRATION_DAYS = 14  # registrations expiring within this many days go on the agenda


@dataclass
class AgendaItem:
    """One line of the agenda: what it is about, and the words that go with it."""

    title: str
    detail: str = ""
    account: str = ""
    owner: str = ""
    due: str | None = None  # ISO date
    overdue: bool = False
    plan_id: int | None = None


@dataclass
class AgendaSection:
    key: str  # one of AGENDA_SECTIONS
    title: str
    items: list[AgendaItem]
    nothing: str  # what the section says when it has no item
    note: str = ""
    # The columns of its table in a PDF: (heading, item field, share of the page width).
    columns: tuple[tuple[str, str, float], ...] = (
        ("Account", "title", 0.4),
        ("Detail", "detail", 0.6),
    )


@dataclass
class Agenda:
    """The agenda of a partnership's next sync meeting."""

    partner: str
    us: str
    prepared_on: date
    meeting: date | None
    meeting_text: str
    rhythm_text: str
    last_sync: date | None
    since: str  # "the sync of Tue 25 Feb 2025", "the mapping baseline of ..." or ""
    engagement: str
    sections: list[AgendaSection]
    warnings: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Sync agenda: {self.us} and {self.partner}"

    def section(self, key: str) -> AgendaSection:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def item_count(self) -> int:
        return sum(len(s.items) for s in self.sections)

    def facts(self) -> list[tuple[str, str]]:
        return [
            ("Meeting", self.meeting_text),
            ("Sync meetings", self.rhythm_text),
            ("Last sync", day_text(self.last_sync) if self.last_sync else "none logged yet"),
            ("Engagement", self.engagement),
            ("Prepared on", f"{day_text(self.prepared_on)} by {self.us}"),
        ]

    def to_text(self, *, limit: int = 100) -> str:
        """The agenda as plain text, ready to paste or send (at most ``limit`` items a section)."""
        lines = [self.title, "=" * len(self.title)]
        lines += [f"{label}: {value}" for label, value in self.facts()]
        for number, section in enumerate(self.sections, start=1):
            count = f" ({len(section.items)})" if section.items else ""
            lines += ["", f"{number}. {section.title}{count}"]
            if section.note:
                lines.append(f"   {section.note}")
            if not section.items:
                lines.append(f"   {section.nothing}")
            for item in section.items[:limit]:
                about = f" ({item.account})" if item.account else ""
                extra = "; ".join(t for t in (item.detail, item.owner) if t)
                lines.append(f"   - {item.title}{about}" + (f": {extra}" if extra else ""))
            if len(section.items) > limit:
                lines.append(f"   ... and {len(section.items) - limit} more")
        for warning in self.warnings:
            lines += ["", f"Note: {warning}"]
        return "\n".join(lines) + "\n"

    def to_frame(self) -> pd.DataFrame:
        """One row per item, and one "nothing" row per empty section (``empty`` True)."""
        rows = []
        for section in self.sections:
            base = {"section_key": section.key, "section": section.title}
            if not section.items:
                rows.append({**base, "title": "Nothing", "account": "", "detail": section.nothing,
                             "owner": "", "due": None, "overdue": False, "plan_id": None,
                             "empty": True})  # fmt: skip
            for item in section.items:
                rows.append({**base, **item.__dict__, "empty": False})
        columns = ["section_key", "section", "title", "account", "detail", "owner", "due",
                   "overdue", "plan_id", "empty"]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "us": self.us,
            "prepared_on": self.prepared_on.isoformat(),
            "meeting": self.meeting.isoformat() if self.meeting else None,
            "meeting_text": self.meeting_text,
            "rhythm": self.rhythm_text,
            "last_sync": self.last_sync.isoformat() if self.last_sync else None,
            "since": self.since,
            "engagement": self.engagement,
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "note": s.note,
                    "nothing": None if s.items else s.nothing,
                    "items": [dict(i.__dict__) for i in s.items],
                }
                for s in self.sections
            ],
            "warnings": list(self.warnings),
        }


def _since_baseline(ws: Workspace, record: Partner) -> tuple[str, pd.DataFrame | None]:
    """What "since the last sync" compares with: the mapping kept at the last logged sync,
    else the newest mapping baseline of a refresh; (words, baseline) or ("", None)."""
    from engine.program.refresh import BASELINE_COLUMNS

    with ws.session() as session:
        kept = session.exec(
            select(SyncMeeting)
            .where(SyncMeeting.partner_id == record.id)
            .order_by(col(SyncMeeting.held_on).desc(), col(SyncMeeting.id).desc())
        ).first()
        run = session.exec(
            select(MappingRun)
            .where(MappingRun.partner_id == record.id)
            .order_by(col(MappingRun.ran_at).desc(), col(MappingRun.id).desc())
        ).first()
    if kept is not None:
        frame = pd.DataFrame(json.loads(kept.shared_json), columns=BASELINE_COLUMNS)
        return f"the sync of {day_text(date.fromisoformat(kept.held_on))}", frame.astype(
            object
        ).fillna("")
    if run is not None:
        frame = pd.DataFrame(json.loads(run.shared_json), columns=BASELINE_COLUMNS)
        return f"the mapping baseline of {day_text(run.ran_at.date())}", frame.astype(
            object
        ).fillna("")
    return "", None


def _party(value: Any, us: str, them: str) -> str:
    return {US: us, "partner": them}.get(str(value or ""), str(value or "") or "nobody")


def _step_items(
    ws: Workspace, record: Partner, us: str, day: date, horizon: date
) -> list[AgendaItem]:
    steps = ws.read_frame(
        "SELECT s.id, s.plan_id, s.what, s.owner_party, s.owner_person, s.due_date, "
        "p.account_name FROM planstep s JOIN plan p ON p.id = s.plan_id "
        "WHERE p.partner_id = :p AND NOT s.done AND s.due_date IS NOT NULL AND s.due_date != '' "
        f"AND s.due_date <= :h AND p.status IN {OPEN_PLAN_STATUSES} "
        "ORDER BY s.due_date, p.account_name, s.id",
        {"p": record.id, "h": horizon.isoformat()},
    )
    items = []
    for step in steps.to_dict(orient="records"):
        due = stored_day(step["due_date"])
        if due is None:
            continue
        owner = _party(step["owner_party"], us, record.name)
        person = step["owner_person"]
        if isinstance(person, str) and person.strip():
            owner = f"{owner} ({person.strip()})"
        if due < day:
            late = (day - due).days
            detail = f"overdue since {day_text(due)} ({late} day{'s' if late != 1 else ''})"
        elif due == day:
            detail = "due today"
        else:
            detail = f"due {day_text(due)}"
        items.append(
            AgendaItem(
                title=str(step["what"]),
                detail=detail,
                account=str(step["account_name"]),
                owner=owner,
                due=due.isoformat(),
                overdue=due < day,
                plan_id=int(step["plan_id"]),
            )
        )
    return items


def _registration_items(ws: Workspace, record: Partner, *, today: date) -> list[AgendaItem]:
    """The partnership's deal registrations that expire within ``REGISTRATION_DAYS`` days or
    are in conflict with another registration, one item each (account, what is wrong)."""
    from engine.program.registrations import registrations_for_agenda

    found = registrations_for_agenda(ws, record, today=today, within_days=REGISTRATION_DAYS)
    us = ws.company().name
    items = []
    for r in found["expiring"]:
        left = "today" if r.days_left == 0 else f"in {r.days_left} day{'s' * (r.days_left != 1)}"
        items.append(
            AgendaItem(
                title=r.account_name,
                detail=f"{_party(r.side, us, record.name)}'s registration '{r.opportunity}' "
                f"({r.status}) stops being protected {left}, after {r.protected_until}",
                owner=_party(r.side, us, record.name),
                due=r.protected_until,
            )
        )
    for c in found["conflicts"]:
        first, second = c.first, c.second
        items.append(
            AgendaItem(
                title=c.account_name,
                detail=f"in conflict: {_party(first.side, us, record.name)} registered "
                f"'{first.opportunity}' on {first.registered_on} and "
                f"{_party(second.side, us, record.name)} '{second.opportunity}' on "
                f"{second.registered_on}; both protected {c.overlap_from} to {c.overlap_until}",
            )
        )
    return items


def sync_agenda(
    ws: Workspace,
    partner: str | Partner,
    *,
    today: date | None = None,
    mapping: pd.DataFrame | None = None,
) -> Agenda:
    """The agenda of the partnership's next sync (see the module docstring)."""
    from engine.plans import stalled_plans
    from engine.program.metrics import engagement_score
    from engine.program.refresh import diff_mappings

    record = resolve_partner(ws, partner)
    day = today if today is not None else local_today()
    us = ws.company().name
    settings = sync_schedule(ws, record)
    if settings is not None:
        meeting: date | None = settings.next_date
        reference = max(settings.next_date, day)
        horizon = settings.following(reference)
        meeting_text = settings.meeting_text()
        rhythm_text = settings.rhythm_text()
    else:
        meeting = None
        horizon = day + timedelta(days=14)
        meeting_text = "no sync scheduled yet"
        rhythm_text = "no rhythm set yet (weekly, bi-weekly or monthly)"
    warnings = []
    if settings is not None and settings.next_date < day:
        warnings.append(
            f"The sync of {day_text(settings.next_date)} is not logged yet: log it as attended "
            "or missed to move on to the next one."
        )
    since, before = _since_baseline(ws, record)
    current = current_baseline(ws, record, mapping)
    sections: list[AgendaSection] = []
    nothing_yet = (
        "Nothing to compare with yet: once a sync is logged, the next agenda lists the {} since it."
    )
    if before is None:
        changes = None
        compare_note = ""
    else:
        changes = diff_mappings(before, current)
        compare_note = f"Compared with {since}."
    new_items = (
        []
        if changes is None
        else [
            AgendaItem(title=str(r["name"]), detail=str(r["detail"]).replace("shared now: ", ""))
            for r in changes.new_shared.to_dict(orient="records")
        ]
    )
    sections.append(
        AgendaSection(
            "new_shared",
            "New shared accounts since the last sync",
            new_items,
            "Nothing new: no account became shared since then."
            if changes is not None
            else nothing_yet.format("accounts that became shared"),
            compare_note,
            (("Account", "title", 0.4), ("Stages now", "detail", 0.6)),
        )
    )
    stalled = stalled_plans(ws, record, today=day)
    sections.append(
        AgendaSection(
            "stalled_plans",
            "Stalled plans",
            [
                AgendaItem(
                    title=str(r["account_name"]),
                    detail=str(r["reason"]),
                    owner=_party(r["lead"], us, record.name) if r["lead"] else "",
                    plan_id=int(r["plan_id"]),
                )
                for r in stalled.to_dict(orient="records")
            ],
            "Nothing stalled: every open plan has an owner, a next step and recent updates.",
            "",
            (
                ("Account", "title", 0.26),
                ("Why it is stalling", "detail", 0.56),
                ("Lead", "owner", 0.18),
            ),
        )
    )
    sections.append(
        AgendaSection(
            "next_steps",
            "Next steps due or overdue",
            _step_items(ws, record, us, day, horizon),
            f"Nothing due: no next step is overdue or due by {day_text(horizon)}.",
            f"Open steps of open plans, overdue or due by {day_text(horizon)}"
            + (" (the sync after this one)." if settings is not None else "."),
            (
                ("Next step", "title", 0.36),
                ("Account", "account", 0.2),
                ("Owner", "owner", 0.2),
                ("When", "detail", 0.24),
            ),
        )
    )
    sections.append(
        AgendaSection(
            "registrations",
            "Registrations expiring or in conflict",
            _registration_items(ws, record, today=day),
            f"Nothing expiring: no registration expires in the next {REGISTRATION_DAYS} days or "
            "is in conflict.",
            "",
            (("Account", "title", 0.4), ("Registration", "detail", 0.6)),
        )
    )
    lead_items = []
    if changes is not None:
        for r in changes.lead_changes.to_dict(orient="records"):
            lead_items.append(
                AgendaItem(
                    title=str(r["name"]),
                    detail=f"lead {_party(r['lead_before'], us, record.name)} → "
                    f"{_party(r['lead_after'], us, record.name)}",
                )
            )
    sections.append(
        AgendaSection(
            "leads_changed",
            "Leads changed",
            lead_items,
            "Nothing changed: every shared account keeps its lead."
            if changes is not None
            else nothing_yet.format("leads that changed"),
            "",
            (("Account", "title", 0.4), ("Change", "detail", 0.6)),
        )
    )
    score = engagement_score(ws, record, today=day)
    return Agenda(
        partner=record.name,
        us=us,
        prepared_on=day,
        meeting=meeting,
        meeting_text=meeting_text,
        rhythm_text=rhythm_text,
        last_sync=last_sync(ws, record),
        since=since,
        engagement=f"{score.score:.0f}/100 ({score.calls_attended} of {score.calls_scheduled} "
        "sync calls attended in 90 days)",
        sections=sections,
        warnings=warnings,
    )
