"""The iCalendar writer, read back by a strict reader: CRLF, 75-octet folding on character
boundaries, TEXT escaping, all-day dates, times with TZID and a VTIMEZONE that agrees with
zoneinfo across daylight saving changes, UTC times, recurrence rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from engine.errors import OverlapError
from engine.program.calendar import (
    CalendarEvent,
    calendar_text,
    escape_text,
    fold,
    local_zone_name,
    vtimezone,
    write_calendar,
)
from tests.engine.ics_reader import Component, ZoneReader, local_time, parse, physical_lines

STAMP = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _read(events: list[CalendarEvent], name: str = "Acme Corp and Globex") -> Component:
    return parse(calendar_text(events, name=name, stamp=STAMP).encode("utf-8"))


def _utc(event: Component, prop: str, zones: dict[str, ZoneReader]) -> datetime:
    """A DTSTART / DTEND as a UTC instant, through the file's own VTIMEZONE."""
    value = event.one(prop)
    if value.value.endswith("Z"):
        return local_time(value.value[:-1]).replace(tzinfo=UTC)
    wall = local_time(value.value)
    return (wall - zones[value.params["TZID"]].offset(wall)).replace(tzinfo=UTC)


def _zones(calendar: Component, until: datetime) -> dict[str, ZoneReader]:
    return {tz.text("TZID"): ZoneReader(tz, until) for tz in calendar.components("VTIMEZONE")}


def test_the_envelope_lines_and_line_ends() -> None:
    data = calendar_text(
        [CalendarEvent(uid="a1@overlap", summary="Intro call", day=date(2026, 3, 10))],
        name="Acme Corp and Globex",
        stamp=STAMP,
    ).encode("utf-8")
    lines = physical_lines(data)
    assert lines[:5] == [
        b"BEGIN:VCALENDAR",
        b"VERSION:2.0",
        b"PRODID:-//Overlap//Account mapping and co-selling//EN",
        b"CALSCALE:GREGORIAN",
        b"METHOD:PUBLISH",
    ]
    assert data.count(b"\r\n") == data.count(b"\n"), "every line ends in CRLF"
    calendar = parse(data)
    assert calendar.text("X-WR-CALNAME") == "Acme Corp and Globex"
    (event,) = calendar.components("VEVENT")
    assert event.one("DTSTAMP").value == "20260301T120000Z"


def test_all_day_next_step() -> None:
    calendar = _read(
        [CalendarEvent(uid="s1@overlap", summary="Send the proposal", day=date(2026, 12, 31))]
    )
    (event,) = calendar.components("VEVENT")
    start, end = event.one("DTSTART"), event.one("DTEND")
    assert (start.params, start.value) == ({"VALUE": "DATE"}, "20261231")
    assert (end.params, end.value) == ({"VALUE": "DATE"}, "20270101")  # the day after
    assert event.one("TRANSP").value == "TRANSPARENT"
    assert not calendar.components("VTIMEZONE")  # a date has no time zone


@pytest.mark.parametrize(
    ("zone", "first", "before", "after"),
    [
        # Europe/Berlin moves to summer time on Sunday 29 March 2026.
        ("Europe/Berlin", datetime(2026, 3, 24, 10, 0), timedelta(hours=1), timedelta(hours=2)),
        # America/New_York on Sunday 8 March 2026.
        ("America/New_York", datetime(2026, 3, 3, 9, 0), timedelta(hours=-5), timedelta(hours=-4)),
        # Australia/Sydney leaves summer time on Sunday 5 April 2026.
        (
            "Australia/Sydney",
            datetime(2026, 3, 31, 16, 0),
            timedelta(hours=11),
            timedelta(hours=10),
        ),
    ],
)
def test_weekly_meeting_keeps_its_wall_time_across_the_change(
    zone: str, first: datetime, before: timedelta, after: timedelta
) -> None:
    meeting = CalendarEvent(
        uid="sync@overlap",
        summary="Partner sync",
        start=first,
        minutes=45,
        zone=zone,
        rrule=f"FREQ=WEEKLY;INTERVAL=1;BYDAY={first.strftime('%a')[:2].upper()};WKST=MO",
    )
    calendar = _read([meeting])
    (event,) = calendar.components("VEVENT")
    assert event.one("DTSTART").params == {"TZID": zone}
    assert event.one("DTSTART").value == first.strftime("%Y%m%dT%H%M%S")
    assert event.one("DTEND").value == (first + timedelta(minutes=45)).strftime("%Y%m%dT%H%M%S")
    zones = _zones(calendar, datetime(2031, 1, 1))
    assert set(zones) == {zone}
    start = _utc(event, "DTSTART", zones)
    assert start == (first - before).replace(tzinfo=UTC)
    assert _utc(event, "DTEND", zones) - start == timedelta(minutes=45)
    # The second meeting is after the change: same wall time, another UTC time.
    rule = rrulestr(event.one("RRULE").value, dtstart=first)
    second = rule.after(first)
    assert second is not None and second.time() == first.time()
    assert second - first == timedelta(days=7)
    shifted = second - zones[zone].offset(second)
    assert shifted == second - after
    assert shifted.replace(tzinfo=UTC) == second.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize(
    "zone",
    [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "Europe/Dublin",
        "Asia/Tokyo",
        "Asia/Kolkata",
        "Pacific/Chatham",
        "America/Santiago",  # no nth-weekday rule: its changes are listed
        "Asia/Jerusalem",  # the Friday before the last Sunday: listed
        "Africa/Casablanca",  # Ramadan: listed
    ],
)
def test_vtimezone_agrees_with_zoneinfo_every_day_for_years(zone: str) -> None:
    lines = vtimezone(zone, 2026, 2028)
    text = "".join(line + "\r\n" for line in ["BEGIN:VCALENDAR", *lines, "END:VCALENDAR"])
    (tz,) = parse(text.encode("utf-8")).components("VTIMEZONE")
    assert tz.text("TZID") == zone
    reader = ZoneReader(tz, datetime(2031, 1, 1))
    info = ZoneInfo(zone)
    day = datetime(2026, 1, 1, 12, 0)
    while day < datetime(2029, 12, 31):
        for hour in (3, 12, 21):
            wall = day.replace(hour=hour)
            expected = wall.replace(tzinfo=info).utcoffset()
            # Wall times within two hours of a change are ambiguous or skipped: not compared.
            near = {(wall + timedelta(hours=h)).replace(tzinfo=info).utcoffset() for h in (-2, 2)}
            if len(near | {expected}) == 1:
                assert reader.offset(wall) == expected, (zone, wall)
        day += timedelta(days=1)


def test_zone_with_a_yearly_rule_is_two_rrules() -> None:
    lines = vtimezone("Europe/Berlin", 2026, 2026)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in lines
    assert lines.count("BEGIN:DAYLIGHT") == 1 and lines.count("BEGIN:STANDARD") == 1
    assert "TZNAME:CEST" in lines and "TZNAME:CET" in lines
    lines = vtimezone("America/New_York", 2026, 2026)
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU" in lines


def test_utc_meetings_are_written_in_utc_without_a_vtimezone() -> None:
    calendar = _read(
        [
            CalendarEvent(
                uid="u@overlap", summary="Sync", start=datetime(2026, 3, 24, 9, 30), zone="UTC"
            )
        ]
    )
    (event,) = calendar.components("VEVENT")
    assert event.one("DTSTART").value == "20260324T093000Z"
    assert event.one("DTEND").value == "20260324T100000Z"
    assert event.one("DTSTART").params == {}
    assert not calendar.components("VTIMEZONE")


def test_escaping_of_commas_semicolons_backslashes_and_newlines() -> None:
    summary = "Call Initech, then; check C:\\deals\\q3"
    description = "Line one,\nline two; with a \\ backslash\r\nand a CRLF line\rand a CR line"
    calendar = _read(
        [
            CalendarEvent(
                uid="e@overlap",
                summary=summary,
                description=description,
                day=date(2026, 3, 10),
                categories=("Next step", "Initech, Inc"),
            )
        ]
    )
    (event,) = calendar.components("VEVENT")
    assert event.text("SUMMARY") == summary
    assert event.text("DESCRIPTION") == description.replace("\r\n", "\n").replace("\r", "\n")
    assert event.one("SUMMARY").value == "Call Initech\\, then\\; check C:\\\\deals\\\\q3"
    categories = event.one("CATEGORIES").value
    assert categories == "Next step,Initech\\, Inc"
    assert escape_text("a\nb") == "a\\nb"


def test_long_lines_fold_at_75_octets_between_characters() -> None:
    # Multi-byte characters (2, 3 and 4 octets) fall on every position of a fold.
    description = ("Zürich – 東京 🚀 Sales, " * 30).strip()
    calendar_bytes = calendar_text(
        [
            CalendarEvent(
                uid="f@overlap",
                summary="Ä" * 100,
                description=description,
                day=date(2026, 3, 10),
            )
        ],
        name="Ünïcödé " * 20,
        stamp=STAMP,
    ).encode("utf-8")
    lines = physical_lines(calendar_bytes)  # every line at most 75 octets and valid UTF-8
    assert max(len(line) for line in lines) >= 73  # folds use the room they have
    assert sum(line.startswith(b" ") for line in lines) > 10
    calendar = parse(calendar_bytes)
    (event,) = calendar.components("VEVENT")
    assert event.text("DESCRIPTION") == description
    assert event.text("SUMMARY") == "Ä" * 100
    assert fold("short") == "short"
    for length in range(70, 80):
        folded = fold("x" * length).split("\r\n")
        assert all(len(part.encode()) <= 75 for part in folded)
        assert "".join(p[1:] if i else p for i, p in enumerate(folded)) == "x" * length


def test_uids_and_a_file_written_all_at_once(tmp_path: Path) -> None:
    events = [
        CalendarEvent(uid=f"step-{n}@overlap", summary=f"Step {n}", day=date(2026, 3, n))
        for n in range(1, 6)
    ]
    path = write_calendar(tmp_path / "plans.ics", events, name="Plans", stamp=STAMP)
    again = write_calendar(tmp_path / "again.ics", events, name="Plans", stamp=STAMP)
    assert path.read_bytes() == again.read_bytes()
    uids = [e.text("UID") for e in parse(path.read_bytes()).components("VEVENT")]
    assert uids == [f"step-{n}@overlap" for n in range(1, 6)]
    assert not list(tmp_path.glob("*.part"))
    with pytest.raises(OverlapError, match="folder does not exist"):
        write_calendar(tmp_path / "nowhere" / "x.ics", events, name="Plans")


def test_bad_events_and_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="either all-day"):
        CalendarEvent(uid="x@o", summary="x")
    with pytest.raises(ValueError, match="UID"):
        CalendarEvent(uid="has space", summary="x", day=date(2026, 1, 1))
    with pytest.raises(ValueError, match="without tzinfo"):
        CalendarEvent(uid="x@o", summary="x", start=datetime(2026, 1, 1, 9, tzinfo=UTC))
    with pytest.raises(OverlapError, match="is not a time zone"):
        calendar_text(
            [
                CalendarEvent(
                    uid="x@o", summary="x", start=datetime(2026, 1, 1, 9), zone="Mars/Base"
                )
            ],
            name="x",
        )


def test_local_zone_name_is_a_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert local_zone_name() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "Not/AZone")
    ZoneInfo(local_zone_name())  # falls back to the system's, or UTC
