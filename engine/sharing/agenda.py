"""The files a partner sync sends: the agenda (text or PDF) and the calendar (``.ics``) of sync
meetings and next steps, each recorded in the egress ledger.

What goes in the agenda and when the meetings fall is ``engine.program.sync``'s; this module
writes it out as the share policy allows (the calendar's next steps come from the share
preview, and an agenda naming accounts a policy keeps home says so). The ``.ics`` writer itself
is ``engine.program.calendar``'s.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from engine.errors import OverlapError
from engine.output.files import atomic_write
from engine.output.pdf import ReportSection, write_report_pdf
from engine.plans import stored_day
from engine.program.agenda import OPEN_PLAN_STATUSES, Agenda, AgendaItem, sync_agenda
from engine.program.calendar import CalendarEvent, write_calendar
from engine.program.sync import sync_schedule
from engine.sharing.policy import share_policy, share_preview
from engine.store.ledger import record_egress
from engine.store.models import Partner
from engine.store.workspace import Workspace, resolve_partner

# ---------------------------------------------------------------------- exports


@dataclass(frozen=True)
class AgendaExport:
    path: Path
    kind: str  # text / pdf
    sha256: str
    items: int
    warnings: tuple[str, ...]


AGENDA_FORMATS = ("text", "pdf")


def _policy_warnings(ws: Workspace, record: Partner) -> list[str]:
    policy = share_policy(ws, record)
    if policy.counts_only or not policy.allows("account_name"):
        return [
            f"The share policy for {record.name} keeps account names at home: this file calls "
            "accounts by their plan references; keep it inside your team all the same."
        ]
    return []


_STEP_TEXT = re.compile(r"step '.*?' was due")


def policy_agenda(ws: Workspace, record: Partner, agenda: Agenda) -> Agenda:
    """``agenda`` as the share policy lets it leave: account names, next steps, our stages and
    leads each only when the policy shares them (an account a policy keeps unnamed is called by
    its plan's reference, which both sides see)."""
    policy = share_policy(ws, record)
    allow = (lambda _name: False) if policy.counts_only else policy.allows
    refs = dict(ws.read_frame("SELECT id, ref FROM plan WHERE partner_id = :p", {"p": record.id})
                .itertuples(index=False, name=None))  # fmt: skip

    def named(item: AgendaItem, name: str) -> str:
        if allow("account_name") or not name:
            return name
        ref = refs.get(item.plan_id) if item.plan_id is not None else None
        return f"Account {ref}" if ref else "a shared account"

    sections = []
    for section in agenda.sections:
        items, note = [], section.note
        for item in section.items:
            if section.key == "next_steps" and not allow("next_steps"):
                note = "The share policy keeps next steps at home."
                continue
            if section.key == "leads_changed" and not allow("lead"):
                note = "The share policy keeps leads at home."
                continue
            title = item.title if section.key == "next_steps" else named(item, item.title)
            detail = item.detail
            if section.key == "new_shared" and not allow("stage"):
                detail = ""  # the stages on both sides: ours stays home
            if section.key == "stalled_plans" and not allow("next_steps"):
                detail = _STEP_TEXT.sub("a next step was due", detail)
            owner = item.owner if allow("lead") or section.key == "next_steps" else ""
            items.append(
                replace(item, title=title, account=named(item, item.account), detail=detail,
                        owner=owner)
            )  # fmt: skip
        sections.append(replace(section, items=items, note=note))
    return replace(agenda, sections=sections)


def write_agenda(agenda: Agenda, path: str | Path, *, kind: str = "text") -> Path:
    """Write ``agenda`` to ``path`` as text (UTF-8) or PDF; all or nothing."""
    path = Path(path)
    if kind not in AGENDA_FORMATS:
        raise OverlapError(f"the agenda is written as {' or '.join(AGENDA_FORMATS)}, not '{kind}'")
    if kind == "text":
        with atomic_write(path) as temporary:
            temporary.write_text(agenda.to_text(limit=10_000), encoding="utf-8", newline="\n")
        return path
    sections = []
    for number, section in enumerate(agenda.sections, start=1):
        header = [label for label, _name, _share in section.columns]
        rows = [
            [getattr(item, name) or "" for _label, name, _share in section.columns]
            for item in section.items
        ]
        sections.append(
            ReportSection(
                heading=f"{number}. {section.title}",
                header=header,
                rows=rows,
                shares=[share for _label, _name, share in section.columns],
                empty=section.nothing,
                note=section.note,
            )
        )
    facts = agenda.facts() + [("Note", w) for w in agenda.warnings]
    write_report_pdf(
        path,
        title=agenda.title,
        author=agenda.us,
        footer=f"{agenda.us} and {agenda.partner}: sync agenda (confidential)",
        facts=facts,
        sections=sections,
    )
    return path


def agenda_kind_for(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".pdf":
        return "pdf"
    if suffix in (".txt", ".text", ".md"):
        return "text"
    raise OverlapError("write the agenda to a .txt or .pdf file", where=str(path))


def export_agenda(
    ws: Workspace,
    partner: str | Partner,
    path: str | Path,
    *,
    kind: str | None = None,
    agenda: Agenda | None = None,
    today: date | None = None,
) -> AgendaExport:
    """Write the agenda of the next sync to ``path`` (.txt or .pdf) and record it in the
    egress ledger, since it is made to be shared."""
    record = resolve_partner(ws, partner)
    chosen = kind or agenda_kind_for(path)
    agenda = policy_agenda(ws, record, agenda or sync_agenda(ws, record, today=today))
    written = write_agenda(agenda, path, kind=chosen)
    entry = record_egress(
        ws,
        record,
        "agenda",
        written,
        fields=[s.title for s in agenda.sections],
        row_count=agenda.item_count(),
    )
    return AgendaExport(
        written, chosen, entry.sha256, agenda.item_count(), tuple(_policy_warnings(ws, record))
    )


# ---------------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class CalendarExport:
    path: Path
    sha256: str
    meetings: int  # 1 for the series of sync meetings, 0 without a rhythm
    steps: int
    skipped: int  # open steps without a due date
    warnings: tuple[str, ...]


def _seed(ws: Workspace, record: Partner) -> str:
    """What makes this partnership's UIDs its own: stable, and unique to the workspace."""
    company = ws.company()
    return "|".join(
        (
            company.name,
            company.created_at.isoformat(),
            str(record.id),
            record.created_at.isoformat(),
        )
    )


def _uid(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32] + "@overlap"


def calendar_events(
    ws: Workspace,
    partner: str | Partner,
    *,
    plan_ids: list[int] | None = None,
    steps: bool = True,
) -> tuple[list[CalendarEvent], int, list[str]]:
    """The sync meetings (one recurring event) and the open next steps of open plans (all-day
    events on their due dates), as the share policy allows them to leave.

    Returns (events, open steps skipped for having no due date, warnings).
    """
    record = resolve_partner(ws, partner)
    us = ws.company().name
    seed = _seed(ws, record)
    events: list[CalendarEvent] = []
    warnings: list[str] = []
    settings = sync_schedule(ws, record)
    if settings is not None:
        start = settings.starts_at()
        sequence = 0
        if settings.updated_at is not None:
            stamp = settings.updated_at
            stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
            sequence = max(0, int((stamp - datetime(2020, 1, 1, tzinfo=UTC)).total_seconds() // 60))
        events.append(
            CalendarEvent(
                uid=_uid(seed, "sync meetings"),
                summary=f"Partner sync: {us} and {record.name}",
                description=(
                    f"Sync meeting of {us} and {record.name}, {settings.rhythm_text()}.\n"
                    "The agenda is prepared in Overlap before each sync: new shared accounts, "
                    "stalled plans, next steps due, registrations, leads changed."
                ),
                start=start.replace(tzinfo=None),
                minutes=settings.duration_minutes,
                zone=settings.time_zone,
                rrule=settings.rrule(),
                sequence=sequence,
                categories=("Partner sync",),
            )
        )
    skipped = 0
    if steps:
        package = share_preview(ws, record, plan_ids=plan_ids)
        if package.counts_only or "next_steps" not in package.policy.fields:
            warnings.append(
                f"The share policy for {record.name} keeps next steps at home: the calendar "
                "holds the sync meetings only."
            )
        else:
            statuses = {}
            if package.plan_ids:
                marks = ",".join(str(int(i)) for i in package.plan_ids)
                found = ws.read_frame(f"SELECT id, status FROM plan WHERE id IN ({marks})")
                statuses = dict(zip(found["id"].astype(int), found["status"], strict=True))
            seen: dict[tuple[str, str], int] = {}
            position = {item["plan_ref"]: i for i, item in enumerate(package.plan_items)}
            for step in package.steps.to_dict(orient="records"):
                item = package.plan_items[position[step["Plan"]]]
                plan_id = package.plan_ids[position[step["Plan"]]]
                if step["Done"] == "yes" or statuses.get(plan_id) not in OPEN_PLAN_STATUSES:
                    continue
                due = stored_day(step["Due"])
                if due is None:
                    skipped += 1
                    continue
                key = " ".join(str(step["Next step"]).casefold().split())
                count = seen.get((item["ref"], key), 0)
                seen[(item["ref"], key)] = count + 1
                owner = str(step["Owner"]) + (f" ({step['Person']})" if step["Person"] else "")
                lines = [f"Next step of the joint plan for {step['Account']}.", f"Owner: {owner}."]
                if item.get("objective"):
                    lines.append(f"Objective: {item['objective']}")
                events.append(
                    CalendarEvent(
                        uid=_uid(seed, item["ref"], key, str(count)),
                        summary=f"{step['Next step']} ({step['Account']})",
                        description="\n".join(lines),
                        day=due,
                        categories=("Next step",),
                    )
                )
    return events, skipped, warnings


def export_calendar(
    ws: Workspace,
    partner: str | Partner,
    path: str | Path,
    *,
    plan_ids: list[int] | None = None,
    steps: bool = True,
) -> CalendarExport:
    """Write the sync meetings and next steps to an ``.ics`` file and record it in the ledger."""
    record = resolve_partner(ws, partner)
    path = Path(path)
    if path.suffix.lower() != ".ics":
        raise OverlapError("write the calendar to a file ending in .ics", where=str(path))
    events, skipped, warnings = calendar_events(ws, record, plan_ids=plan_ids, steps=steps)
    if not events:
        raise OverlapError(
            "there is nothing to put in a calendar yet: set the rhythm of the sync meetings or "
            "give next steps a due date"
        )
    write_calendar(path, events, name=f"{ws.company().name} and {record.name}")
    meetings = sum(1 for e in events if e.start is not None)
    fields = ["sync meetings"] + (["next steps", "account_name"] if len(events) > meetings else [])
    entry = record_egress(ws, record, "calendar", path, fields=fields, row_count=len(events))
    return CalendarExport(
        path, entry.sha256, meetings, len(events) - meetings, skipped, tuple(warnings)
    )
