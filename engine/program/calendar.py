"""iCalendar files (RFC 5545) for next steps and sync meetings, written without a library.

The choices, made so that Outlook, Google Calendar and Apple Calendar all read the file alike:

* A **next step** is an all-day event on its due date (``DTSTART;VALUE=DATE`` and ``DTEND`` the
  day after, as RFC 5545 asks). A date has no time zone, so the step lands on the same day for
  both teams wherever they sit.
* A **sync meeting** is a timed event in the organiser's time zone: ``DTSTART;TZID=<IANA name>``
  in local wall time, and a ``VTIMEZONE`` for that zone built from its transitions in
  ``zoneinfo``. Wall time and zone keep a recurring 10:00 meeting at 10:00 across daylight
  saving changes, which a series of UTC times cannot do. Google and Apple recognise the IANA
  name; Outlook reads the ``VTIMEZONE``. A zone that changes by a yearly rule (the nth or last
  weekday of a month, as almost all do) gets one ``STANDARD`` and one ``DAYLIGHT`` part with a
  yearly ``RRULE``; a zone without daylight saving gets one fixed part; a zone whose changes
  follow no such rule (a few, such as Asia/Jerusalem or Africa/Casablanca) gets every change
  listed for the years around the events, six at least: a recurring meeting in such a zone is
  right for those years. UTC itself
  (``UTC``, ``Etc/UTC``, ``GMT``) is written as UTC times ending in ``Z``, with no ``VTIMEZONE``.
* Text values are escaped (backslash, ``;``, ``,`` and line breaks); every line ends in CRLF and
  is folded to at most 75 octets without splitting a UTF-8 character.
* Each event has a stable ``UID`` (given by the caller) so that a newer file describes the same
  events again instead of new ones.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from engine.errors import OverlapError
from engine.output.files import atomic_write

PRODID = "-//Overlap//Account mapping and co-selling//EN"
MAX_OCTETS = 75
UTC_ZONES = frozenset(
    ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu", "GMT",
     "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0", "Etc/Greenwich",
     "Greenwich")
)  # fmt: skip
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SPAN_YEARS = 6  # a zone's yearly rule is checked over at least this many years


# ---------------------------------------------------------------------- time zones


def zone(name: str) -> ZoneInfo:
    """The time zone named ``name`` (an IANA name such as Europe/Berlin), or a clear error."""
    text = str(name or "").strip()
    if not text:
        raise OverlapError("the time zone is empty (write an IANA name such as Europe/Berlin)")
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise OverlapError(
            f"'{text}' is not a time zone (write an IANA name such as Europe/Berlin or "
            "America/New_York)"
        ) from None


def time_zones() -> list[str]:
    """Every IANA time zone name this machine knows, sorted."""
    return sorted(name for name in available_timezones() if "/" in name or name == "UTC")


def local_zone_name() -> str:
    """The IANA name of this machine's time zone, or ``UTC`` when it cannot be told."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if name:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return name
    return "UTC"


def is_utc(name: str) -> bool:
    return name in UTC_ZONES


# ---------------------------------------------------------------------- text


def escape_text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks."""
    text = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded to lines of at most 75 octets, joined by CRLF and a space.

    A fold never falls inside a UTF-8 character: lines are cut between characters.
    """
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
            limit = MAX_OCTETS - 1  # a continuation line starts with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


# ---------------------------------------------------------------------- events


@dataclass(frozen=True)
class CalendarEvent:
    """One event: all-day on ``day``, or timed from ``start`` (local wall time in ``zone``).

    ``rrule`` is a recurrence rule without its name (``FREQ=WEEKLY;INTERVAL=2;BYDAY=TU``).
    """

    uid: str
    summary: str
    description: str = ""
    day: date | None = None
    start: datetime | None = None  # naive: wall time in ``zone``
    minutes: int = 30
    zone: str = "UTC"
    rrule: str | None = None
    sequence: int = 0
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.day is None) == (self.start is None):
            raise ValueError("an event is either all-day (day) or timed (start), not both")
        if self.start is not None and self.start.tzinfo is not None:
            raise ValueError("start is a wall time in the event's zone, without tzinfo")
        if self.start is not None and self.minutes <= 0:
            raise ValueError("a timed event lasts at least a minute")
        if not re.fullmatch(r"[A-Za-z0-9@._\-]+", self.uid):
            raise ValueError(f"not a usable UID: {self.uid!r}")


def _event_lines(event: CalendarEvent, stamp: datetime) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{_stamp(stamp)}"]
    if event.day is not None:
        lines.append(f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{event.day + timedelta(days=1):%Y%m%d}")
        lines.append("TRANSP:TRANSPARENT")
    else:
        assert event.start is not None
        end = event.start + timedelta(minutes=event.minutes)
        if is_utc(event.zone):
            lines.append(f"DTSTART:{_local(event.start)}Z")
            lines.append(f"DTEND:{_local(end)}Z")
        else:
            lines.append(f"DTSTART;TZID={event.zone}:{_local(event.start)}")
            lines.append(f"DTEND;TZID={event.zone}:{_local(end)}")
    if event.rrule:
        lines.append(f"RRULE:{event.rrule}")
    if event.sequence:
        lines.append(f"SEQUENCE:{int(event.sequence)}")
    lines.append(f"SUMMARY:{escape_text(event.summary)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    lines.append("END:VEVENT")
    return lines


def calendar_text(
    events: Sequence[CalendarEvent], *, name: str, stamp: datetime | None = None
) -> str:
    """The whole ``.ics`` text: CRLF line ends, folded lines, one VTIMEZONE per zone used."""
    moment = stamp or datetime.now(UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    years: dict[str, set[int]] = {}
    for event in events:
        if event.start is not None and not is_utc(event.zone):
            zone(event.zone)  # a clear error for an unknown zone
            years.setdefault(event.zone, set()).add(event.start.year)
    for zone_name in sorted(years):
        lines += vtimezone(zone_name, min(years[zone_name]), max(years[zone_name]))
    for event in events:
        lines += _event_lines(event, moment)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def write_calendar(
    path: str | Path,
    events: Sequence[CalendarEvent],
    *,
    name: str,
    stamp: datetime | None = None,
) -> Path:
    """Write ``events`` as an ``.ics`` file (UTF-8, CRLF) at ``path``; all or nothing."""
    path = Path(path)
    data = calendar_text(events, name=name, stamp=stamp).encode("utf-8")
    with atomic_write(path) as temporary:
        temporary.write_bytes(data)
    return path


# ---------------------------------------------------------------------- VTIMEZONE


@dataclass(frozen=True)
class _Change:
    at: datetime  # UTC instant
    before: timedelta
    after: timedelta
    name: str  # abbreviation after the change

    @property
    def wall(self) -> datetime:
        """The local wall time of the change, in the offset before it (RFC 5545 DTSTART)."""
        return (self.at + self.before).replace(tzinfo=None)


def _utc_offset(tz: ZoneInfo, moment: datetime) -> timedelta:
    offset = moment.astimezone(tz).utcoffset()
    return offset if offset is not None else timedelta(0)


def _changes(tz: ZoneInfo, year: int) -> list[_Change]:
    """The zone's offset changes in ``year`` (UTC instants, to the second)."""
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    before = _utc_offset(tz, moment)
    found = []
    while moment < end:
        step = min(moment + timedelta(days=1), end)
        after = _utc_offset(tz, step)
        if after != before:
            low, high = moment, step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) // 2
                if _utc_offset(tz, middle) == before:
                    low = middle
                else:
                    high = middle
            name = high.astimezone(tz).tzname() or ""
            found.append(_Change(high, before, after, name))
            before = after
        moment = step
    return found


def _positions(day: date) -> set[int]:
    """Which week of its month ``day``'s weekday is: 1-4, and -1 when it is the last one."""
    out = set()
    number = (day.day - 1) // 7 + 1
    if number <= 4:
        out.add(number)
    following = day + timedelta(days=7)
    if following.month != day.month:
        out.add(-1)
    return out


def _yearly_rule(changes: list[_Change]) -> str | None:
    """``FREQ=YEARLY;BYMONTH=m;BYDAY=nWD`` if one such rule gives every change, else None."""
    walls = [c.wall for c in changes]
    first = walls[0]
    same = all(
        (w.month, w.weekday(), w.time()) == (first.month, first.weekday(), first.time())
        for w in walls
    ) and all((c.before, c.after) == (changes[0].before, changes[0].after) for c in changes)
    if not same:
        return None
    common = set.intersection(*(_positions(w.date()) for w in walls))
    if not common:
        return None
    position = min(p for p in common if p > 0) if any(p > 0 for p in common) else -1
    return f"FREQ=YEARLY;BYMONTH={first.month};BYDAY={position}{WEEKDAYS[first.weekday()]}"


def _part(
    kind: str,
    start: datetime,
    before: timedelta,
    after: timedelta,
    name: str,
    rrule: str | None = None,
) -> list[str]:
    lines = [
        f"BEGIN:{kind}",
        f"DTSTART:{_local(start)}",
        f"TZOFFSETFROM:{_offset(before)}",
        f"TZOFFSETTO:{_offset(after)}",
    ]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    if name:
        lines.append(f"TZNAME:{escape_text(name)}")
    lines.append(f"END:{kind}")
    return lines


def vtimezone(name: str, first_year: int, last_year: int) -> list[str]:
    """The ``VTIMEZONE`` lines of zone ``name`` for events from ``first_year`` to ``last_year``.

    The zone's changes are read from ``zoneinfo`` for a span starting the year before the first
    event and at least ``_SPAN_YEARS`` long; see the module docstring for the three shapes.
    """
    tz = zone(name)
    start = first_year - 1
    stop = max(last_year + 1, start + _SPAN_YEARS - 1)
    years = list(range(start, stop + 1))
    per_year = [_changes(tz, year) for year in years]
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    opening = datetime(start, 1, 1, tzinfo=UTC)
    if all(not changes for changes in per_year):
        offset = _utc_offset(tz, opening)
        wall = (opening + offset).replace(tzinfo=None)
        name_ = opening.astimezone(tz).tzname() or ""
        lines += _part("STANDARD", wall, offset, offset, name_)
        return [*lines, "END:VTIMEZONE"]
    if all(len(changes) == 2 for changes in per_year):
        rules = [_yearly_rule([changes[i] for changes in per_year]) for i in (0, 1)]
        if all(rules):
            for index, rule in enumerate(rules):
                change = per_year[0][index]
                kind = "DAYLIGHT" if change.after > change.before else "STANDARD"
                lines += _part(kind, change.wall, change.before, change.after, change.name, rule)
            return [*lines, "END:VTIMEZONE"]
    # No yearly rule: every change of the span, after the offset in force when it opens.
    offset = _utc_offset(tz, opening)
    local = opening.astimezone(tz)
    kind = "DAYLIGHT" if local.dst() else "STANDARD"
    wall = (opening + offset).replace(tzinfo=None)
    lines += _part(kind, wall, offset, offset, local.tzname() or "")
    for changes in per_year:
        for change in changes:
            kind = "DAYLIGHT" if change.after > change.before else "STANDARD"
            lines += _part(kind, change.wall, change.before, change.after, change.name)
    return [*lines, "END:VTIMEZONE"]
