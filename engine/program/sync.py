"""Running the partnership: the rhythm of sync meetings and their attendance.

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

**The agenda** of the next sync is ``engine.program.agenda``'s; it compares the mapping now with
the one kept here at the last logged sync. The agenda file and the calendar (``.ics``) of sync
meetings and next steps leave the laptop, so ``engine.sharing.agenda`` writes them from the share
policy's view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlmodel import select

from engine.errors import OverlapError
from engine.plans import parse_date
from engine.program.calendar import local_zone_name, zone
from engine.store.clock import today as local_today
from engine.store.models import EngagementEvent, Partner, SyncMeeting, SyncSchedule
from engine.store.workspace import Workspace, now, resolve_partner

RHYTHMS = ("weekly", "bi-weekly", "monthly")
RHYTHM_WORDS = {"weekly": "every week", "bi-weekly": "every 2 weeks", "monthly": "every month"}
DEFAULT_TIME = "10:00"
DEFAULT_MINUTES = 30
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _today(today: date | None) -> date:
    return today if today is not None else local_today()


def day_text(day: date) -> str:
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
        return f"{day_text(start.date())}, {start:%H:%M}–{end:%H:%M} {zone_text}"

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
                f"{day_text(day)} is not {which} {_WEEKDAY_NAMES[day.weekday()]} of its month; "
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
        out = f"Sync of {day_text(self.held_on)} logged as {what}"
        if self.attended and self.missed:
            out += f" ({len(self.missed)} earlier meeting(s) logged as missed)"
        if self.next_date is not None:
            out += f"; next sync {day_text(self.next_date)}"
        return out + "."


def current_baseline(
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
            f"the sync of {day_text(held)} has not happened yet; log it on the day or after"
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
    if attended:
        missed = tuple(due[:-1])
    else:
        # The meeting logged as missed keeps the day the user gave (the series' day else).
        given = held_on is not None and bool(str(held_on).strip())
        missed = (*due[:-1], held if given else due[-1])
    text = str(note or "").strip()
    baseline = current_baseline(ws, record) if attended else None
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
