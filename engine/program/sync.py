"""Running the partnership: the rhythm of sync meetings, attendance, the agenda of each sync and
the calendar of sync meetings and next steps.

**Sync meetings** are the partnership's regular calls with the partner: weekly, bi-weekly or
monthly, at a time of day in a time zone, for a number of minutes. They are not the *mapping
refresh* cadence of ``engine.program.refresh`` (monthly / quarterly / semi-annual), which says
when to import fresh exports. A monthly meeting falls on the same weekday of the month (the second
Tuesday, the last Friday), as calendars repeat monthly meetings.

**Logging a sync** writes to the engagement log, so the engagement score of
``engine.program.metrics`` counts it: ``sync_scheduled`` for every meeting that was due and
``sync_attended`` for the one held (a meeting marked missed is scheduled and not attended). It
moves the next date on by the rhythm, and keeps the mapping as it was at the meeting (a
``SyncMeeting``), which the next agenda compares with. ``undo_sync_log`` takes all of that back.

**The agenda** of the next sync has five sections, each saying "nothing" when empty: new shared
accounts since the last sync, stalled plans with their reasons, next steps overdue or due before
the following sync, registrations expiring or in conflict, and leads that changed. "Since the
last sync" compares the mapping now with the one kept at the last logged sync (else with the
newest mapping baseline of ``engine.program.refresh``). It is exported as text or PDF; the calendar
(``.ics``) holds the sync meetings as a series and each open next step on its due date.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import col, select

from engine.errors import OverlapError
from engine.output.files import atomic_write
from engine.plans import parse_date, stored_day
from engine.program.calendar import CalendarEvent, local_zone_name, write_calendar, zone
from engine.store.clock import today as local_today
from engine.store.models import EngagementEvent, MappingRun, Partner, SyncMeeting, SyncSchedule
from engine.store.workspace import US, Workspace, now, resolve_partner

RHYTHMS = ("weekly", "bi-weekly", "monthly")
RHYTHM_WORDS = {"weekly": "every week", "bi-weekly": "every 2 weeks", "monthly": "every month"}
DEFAULT_TIME = "10:00"
DEFAULT_MINUTES = 30
AGENDA_SECTIONS = ("new_shared", "stalled_plans", "next_steps", "registrations", "leads_changed")
OPEN_PLAN_STATUSES = ("draft", "active")
REGISTRATION_DAYS = 14  # registrations expiring within this many days go on the agenda
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _today(today: date | None) -> date:
    return today if today is not None else local_today()


def _day_text(day: date) -> str:
    """``Tue 11 Mar 2025`` (the same on every platform and locale)."""
    return f"{_WEEKDAY_NAMES[day.weekday()][:3]} {day.day} {day:%b %Y}"


# ---------------------------------------------------------------------- the rhythm


def week_of_month(day: date) -> int:
    """Which week of its month ``day``'s weekday falls in: 1-4, or -1 for a fifth (the last)."""
    number = (day.day - 1) // 7 + 1
    return -1 if number == 5 else number


def _nth_weekday(year: int, month: int, weekday: int, week: int) -> date:
    if week == -1:
        following = date(year + month // 12, month % 12 + 1, 1)
        last = following - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def next_sync_date(day: date, rhythm: str, week: int | None = None) -> date:
    """The meeting after the one on ``day``: a week, two weeks, or the same weekday of the
    next month (``week`` 1-4 or -1 for the last; by default the week ``day`` falls in)."""
    if rhythm == "weekly":
        return day + timedelta(days=7)
    if rhythm == "bi-weekly":
        return day + timedelta(days=14)
    if rhythm == "monthly":
        position = week if week is not None else week_of_month(day)
        month = day.month % 12 + 1
        year = day.year + (1 if day.month == 12 else 0)
        return _nth_weekday(year, month, day.weekday(), position)
    raise OverlapError(f"the sync rhythm is one of {', '.join(RHYTHMS)}, not '{rhythm}'")


@dataclass(frozen=True)
class SyncSettings:
    """A partnership's sync meetings: rhythm, next date, time of day, zone and length."""

    partner: str
    rhythm: str
    next_date: date
    time_of_day: str = DEFAULT_TIME
    time_zone: str = "UTC"
    duration_minutes: int = DEFAULT_MINUTES
    week_of_month: int | None = None
    updated_at: datetime | None = None

    def following(self, day: date) -> date:
        return next_sync_date(day, self.rhythm, self.week_of_month)

    def upcoming(self, count: int = 4, *, start: date | None = None) -> list[date]:
        """The next ``count`` meeting dates from the next date (or the first on/after ``start``)."""
        day = self.next_date
        if start is not None:
            while day < start:
                day = self.following(day)
        out = []
        for _ in range(count):
            out.append(day)
            day = self.following(day)
        return out

    def starts_at(self, day: date | None = None) -> datetime:
        """The meeting's start on ``day`` (the next date by default), in its zone."""
        hours, minutes = (int(part) for part in self.time_of_day.split(":"))
        chosen = day or self.next_date
        return datetime(
            chosen.year, chosen.month, chosen.day, hours, minutes, tzinfo=zone(self.time_zone)
        )

    def rhythm_text(self) -> str:
        """``every 2 weeks on Tuesday at 10:00 (Europe/Berlin)``."""
        weekday = _WEEKDAY_NAMES[self.next_date.weekday()]
        if self.rhythm == "monthly":
            week = self.week_of_month or week_of_month(self.next_date)
            when = f"every month on the {_ORDINALS[week]} {weekday}"
        else:
            when = f"{RHYTHM_WORDS[self.rhythm]} on {weekday}"
        return f"{when} at {self.time_of_day} ({self.time_zone})"

    def meeting_text(self, day: date | None = None) -> str:
        """``Tue 11 Mar 2025, 10:00-10:30 CET (Europe/Berlin)``."""
        start = self.starts_at(day)
        end = (start.replace(tzinfo=None) + timedelta(minutes=self.duration_minutes)).time()
        abbreviation = start.tzname() or ""
        zone_text = (
            f"{abbreviation} ({self.time_zone})"
            if abbreviation and abbreviation != self.time_zone
            else self.time_zone
        )
        return f"{_day_text(start.date())}, {start:%H:%M}–{end:%H:%M} {zone_text}"

    def rrule(self) -> str:
        weekday = _RRULE_DAYS[self.next_date.weekday()]
        if self.rhythm == "monthly":
            week = self.week_of_month or week_of_month(self.next_date)
            return f"FREQ=MONTHLY;BYDAY={week}{weekday}"
        interval = 1 if self.rhythm == "weekly" else 2
        return f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={weekday};WKST=MO"

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "rhythm": self.rhythm,
            "next_date": self.next_date.isoformat(),
            "time_of_day": self.time_of_day,
            "time_zone": self.time_zone,
            "duration_minutes": self.duration_minutes,
            "week_of_month": self.week_of_month,
            "described": self.rhythm_text(),
            "next_meeting": self.meeting_text(),
        }


def _settings(record: Partner, row: SyncSchedule) -> SyncSettings:
    return SyncSettings(
        partner=record.name,
        rhythm=row.rhythm,
        next_date=date.fromisoformat(row.next_date),
        time_of_day=row.time_of_day,
        time_zone=row.time_zone,
        duration_minutes=row.duration_minutes,
        week_of_month=row.week_of_month,
        updated_at=row.updated_at,
    )


def _schedule_row(session: Any, partner_id: int) -> SyncSchedule | None:
    return session.exec(select(SyncSchedule).where(SyncSchedule.partner_id == partner_id)).first()  # type: ignore[no-any-return]


def sync_schedule(ws: Workspace, partner: str | Partner) -> SyncSettings | None:
    """The partnership's sync meetings, or None when no rhythm is set yet."""
    record = resolve_partner(ws, partner)
    with ws.session() as session:
        row = _schedule_row(session, int(record.id))  # type: ignore[arg-type]
    return None if row is None else _settings(record, row)


def _time_of_day(value: str) -> str:
    match = re.fullmatch(r"\s*(\d{1,2})[:.h](\d{2})\s*", str(value or ""))
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise OverlapError(f"the time of day '{value}' is not a time (write HH:MM, e.g. 10:00)")
    return f"{int(match[1]):02d}:{match[2]}"


def set_sync_schedule(
    ws: Workspace,
    partner: str | Partner,
    *,
    rhythm: str,
    next_date: str | date,
    time_of_day: str = DEFAULT_TIME,
    time_zone: str | None = None,
    duration_minutes: int = DEFAULT_MINUTES,
    week: int | None = None,
) -> SyncSettings:
    """Set the rhythm and next date of the sync meetings (and their time, zone and length).

    ``time_zone`` defaults to this machine's. A monthly rhythm repeats on the weekday of
    ``next_date`` in the week of the month it falls in; ``week=-1`` makes it the last such
    weekday of each month (``next_date`` must then be one).
    """
    record = resolve_partner(ws, partner)
    rhythm = str(rhythm).strip().lower().replace("biweekly", "bi-weekly")
    if rhythm not in RHYTHMS:
        raise OverlapError(f"the sync rhythm is one of {', '.join(RHYTHMS)}, not '{rhythm}'")
    day = parse_date(next_date, "next sync date")
    clock = _time_of_day(time_of_day)
    zone_name = (time_zone or "").strip() or local_zone_name()
    zone(zone_name)
    try:
        minutes = int(duration_minutes)
    except (TypeError, ValueError):
        raise OverlapError(f"the length '{duration_minutes}' is not a number of minutes") from None
    if not 5 <= minutes <= 8 * 60:
        raise OverlapError(f"a sync meeting lasts 5 to 480 minutes, not {minutes}")
    position: int | None = None
    if rhythm == "monthly":
        natural = week_of_month(day)
        allowed = {natural} | ({-1} if (day + timedelta(days=7)).month != day.month else set())
        position = natural if week is None else int(week)
        if position not in allowed:
            which = "the last" if position == -1 else f"week {position} of the month: the"
            raise OverlapError(
                f"{_day_text(day)} is not {which} {_WEEKDAY_NAMES[day.weekday()]} of its month; "
                "choose a date that is"
            )
    elif week is not None:
        raise OverlapError("the week of the month is for a monthly rhythm only")
    with ws.session() as session:
        row = _schedule_row(session, int(record.id))  # type: ignore[arg-type]
        if row is None:
            partner_id = int(record.id)  # type: ignore[arg-type]
            row = SyncSchedule(partner_id=partner_id, rhythm=rhythm, next_date="", updated_at=now())
        row.rhythm = rhythm
        row.next_date = day.isoformat()
        row.week_of_month = position
        row.time_of_day = clock
        row.time_zone = zone_name
        row.duration_minutes = minutes
        row.updated_at = now()
        session.add(row)
        session.commit()
        session.refresh(row)
    return _settings(record, row)


def restore_sync_schedule(
    ws: Workspace, partner: str | Partner, previous: SyncSettings | None
) -> SyncSettings | None:
    """Put the sync meetings back as they were (``previous``; None removes the rhythm)."""
    record = resolve_partner(ws, partner)
    with ws.session() as session:
        row = _schedule_row(session, int(record.id))  # type: ignore[arg-type]
        if previous is None:
            if row is not None:
                session.delete(row)
                session.commit()
            return None
        if row is None:
            partner_id = int(record.id)  # type: ignore[arg-type]
            row = SyncSchedule(
                partner_id=partner_id, rhythm=previous.rhythm, next_date="", updated_at=now()
            )
        row.rhythm = previous.rhythm
        row.next_date = previous.next_date.isoformat()
        row.week_of_month = previous.week_of_month
        row.time_of_day = previous.time_of_day
        row.time_zone = previous.time_zone
        row.duration_minutes = previous.duration_minutes
        row.updated_at = now()
        session.add(row)
        session.commit()
        session.refresh(row)
    return _settings(record, row)


# ---------------------------------------------------------------------- attendance


@dataclass(frozen=True)
class SyncLog:
    """What logging one sync wrote, and what undoing it puts back."""

    partner: str
    held_on: date
    attended: bool
    missed: tuple[date, ...]  # earlier meetings of the series that passed without one
    event_ids: tuple[int, ...]
    meeting_id: int | None
    previous_next: date | None  # the schedule's next date before
    next_date: date | None  # the schedule's next date after

    def text(self) -> str:
        what = "attended" if self.attended else "missed"
        out = f"Sync of {_day_text(self.held_on)} logged as {what}"
        if self.attended and self.missed:
            out += f" ({len(self.missed)} earlier meeting(s) logged as missed)"
        if self.next_date is not None:
            out += f"; next sync {_day_text(self.next_date)}"
        return out + "."


def _current_baseline(
    ws: Workspace, record: Partner, mapping: pd.DataFrame | None = None
) -> pd.DataFrame:
    from engine.overlaps import build_mapping
    from engine.ownership import list_leads
    from engine.program.refresh import mapping_baseline

    if mapping is None:
        mapping = build_mapping(ws, record)
    return mapping_baseline(mapping, list_leads(ws, record, mapping=mapping))


def log_sync(
    ws: Workspace,
    partner: str | Partner,
    *,
    held_on: str | date | None = None,
    attended: bool = True,
    note: str = "",
    today: date | None = None,
) -> SyncLog:
    """Log the sync meeting held on ``held_on`` (default today), or mark the next one missed.

    With a rhythm set, the meeting logged is the one of the series on or before ``held_on``
    (a meeting moved by a day or two is still that meeting); meetings of the series before it
    that were not logged count as missed. The next date moves to the meeting after it. One
    transaction: the engagement log, the mapping kept for the next agenda and the next date.
    """
    record = resolve_partner(ws, partner)
    day = _today(today)
    settings = sync_schedule(ws, record)
    if held_on is not None and str(held_on).strip():
        held = parse_date(held_on, "sync date")
    elif not attended and settings is not None:
        held = settings.next_date
    else:
        held = day
    if held > day:
        raise OverlapError(
            f"the sync of {_day_text(held)} has not happened yet; log it on the day or after"
        )
    if not attended and settings is None:
        raise OverlapError(
            "set the rhythm of the sync meetings first: a missed sync is one that was due"
        )
    due: list[date] = []
    next_date: date | None = None
    if settings is not None:
        meeting = settings.next_date
        while True:
            following = settings.following(meeting)
            if following > held:
                break
            due.append(meeting)
            meeting = following
        due.append(meeting)  # the meeting logged: the last of the series on or before the day
        next_date = settings.following(meeting)
    missed = tuple(due[:-1]) if attended else tuple(due)
    text = str(note or "").strip()
    baseline = _current_baseline(ws, record) if attended else None
    partner_id = int(record.id)  # type: ignore[arg-type]
    events: list[EngagementEvent] = [
        EngagementEvent(
            partner_id=partner_id, kind="sync_scheduled", at=d.isoformat(), note="missed"
        )
        for d in missed
    ]
    attended_event = None
    if attended:
        events.append(
            EngagementEvent(
                partner_id=partner_id, kind="sync_scheduled", at=held.isoformat(), note=text
            )
        )
        attended_event = EngagementEvent(
            partner_id=partner_id, kind="sync_attended", at=held.isoformat(), note=text
        )
        events.append(attended_event)
    meeting_id = None
    with ws.session() as session:
        for event in events:
            session.add(event)
        session.flush()
        if attended_event is not None and baseline is not None:
            kept = SyncMeeting(
                partner_id=partner_id,
                held_on=held.isoformat(),
                event_id=attended_event.id,
                shared_json=baseline.to_json(orient="records", force_ascii=False),
                recorded_at=now(),
            )
            session.add(kept)
            session.flush()
            meeting_id = kept.id
        if settings is not None and next_date is not None:
            row = _schedule_row(session, partner_id)
            assert row is not None
            row.next_date = next_date.isoformat()
            row.updated_at = now()
            session.add(row)
        session.commit()
        ids = tuple(int(e.id) for e in events if e.id is not None)
    return SyncLog(
        partner=record.name,
        held_on=held,
        attended=attended,
        missed=missed,
        event_ids=ids,
        meeting_id=meeting_id,
        previous_next=settings.next_date if settings is not None else None,
        next_date=next_date,
    )


def undo_sync_log(ws: Workspace, log: SyncLog) -> None:
    """Take back what ``log_sync`` wrote: its log entries, the mapping kept, the next date."""
    record = resolve_partner(ws, log.partner)
    with ws.session() as session:
        if log.meeting_id is not None:
            kept = session.get(SyncMeeting, log.meeting_id)
            if kept is not None:
                session.delete(kept)
        for event_id in log.event_ids:
            event = session.get(EngagementEvent, event_id)
            if event is not None:
                session.delete(event)
        row = _schedule_row(session, int(record.id))  # type: ignore[arg-type]
        if row is not None and log.previous_next is not None:
            row.next_date = log.previous_next.isoformat()
            row.updated_at = now()
            session.add(row)
        session.commit()


def last_sync(ws: Workspace, partner: str | Partner) -> date | None:
    """The date of the last sync attended, from the engagement log."""
    record = resolve_partner(ws, partner)
    frame = ws.read_frame(
        "SELECT max(at) AS at FROM engagementevent "
        "WHERE partner_id = :p AND kind = 'sync_attended'",
        {"p": record.id},
    )
    value = frame["at"].iloc[0] if len(frame) else None
    return date.fromisoformat(str(value)[:10]) if isinstance(value, str) and value else None


# ---------------------------------------------------------------------- the agenda


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
            ("Last sync", _day_text(self.last_sync) if self.last_sync else "none logged yet"),
            ("Engagement", self.engagement),
            ("Prepared on", f"{_day_text(self.prepared_on)} by {self.us}"),
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
        return f"the sync of {_day_text(date.fromisoformat(kept.held_on))}", frame.astype(
            object
        ).fillna("")
    if run is not None:
        frame = pd.DataFrame(json.loads(run.shared_json), columns=BASELINE_COLUMNS)
        return f"the mapping baseline of {_day_text(run.ran_at.date())}", frame.astype(
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
            detail = f"overdue since {_day_text(due)} ({late} day{'s' if late != 1 else ''})"
        elif due == day:
            detail = "due today"
        else:
            detail = f"due {_day_text(due)}"
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
    day = _today(today)
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
            f"The sync of {_day_text(settings.next_date)} is not logged yet: log it as attended "
            "or missed to move on to the next one."
        )
    since, before = _since_baseline(ws, record)
    current = _current_baseline(ws, record, mapping)
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
            f"Nothing due: no next step is overdue or due by {_day_text(horizon)}.",
            f"Open steps of open plans, overdue or due by {_day_text(horizon)}"
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
    from engine.sharing import share_policy

    policy = share_policy(ws, record)
    if policy.counts_only or not policy.allows("account_name"):
        return [
            f"The share policy for {record.name} keeps account names at home, and this file names "
            "accounts: keep it inside your team."
        ]
    return []


def write_agenda(agenda: Agenda, path: str | Path, *, kind: str = "text") -> Path:
    """Write ``agenda`` to ``path`` as text (UTF-8) or PDF; all or nothing."""
    from engine.sharing.pdf import ReportSection, write_report_pdf

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
    from engine.store.ledger import record_egress

    record = resolve_partner(ws, partner)
    chosen = kind or agenda_kind_for(path)
    agenda = agenda or sync_agenda(ws, record, today=today)
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
    from engine.sharing import share_preview

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
            for step in package.steps.to_dict(orient="records"):
                number = int(step["Plan"])
                item = package.plan_items[number - 1]
                plan_id = package.plan_ids[number - 1]
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
    from engine.store.ledger import record_egress

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
