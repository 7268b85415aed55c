"""Sync meetings: the rhythm and next date, attendance into the engagement score (and its undo),
the agenda's sections on a prepared workspace, its text and PDF, the calendar file, the CLI."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from engine.cli import main as cli
from engine.errors import OverlapError
from engine.overrides import set_override
from engine.ownership import assign, list_leads
from engine.plans import (
    add_role,
    add_step,
    create_plan,
    set_plan_grace_days,
    set_step_done,
    update_plan,
)
from engine.program.agenda import sync_agenda
from engine.program.metrics import engagement_log, engagement_score, log_engagement
from engine.program.refresh import record_mapping
from engine.program.registrations import add_registration
from engine.program.sync import (
    last_sync,
    log_sync,
    next_sync_date,
    restore_sync_schedule,
    set_sync_schedule,
    sync_schedule,
    undo_sync_log,
    week_of_month,
)
from engine.sharing import DEFAULT_FIELDS, set_share_policy
from engine.sharing.agenda import export_agenda, export_calendar
from engine.store.workspace import Workspace
from tests.engine.conftest import PAIRS, Mapped, add_matches
from tests.engine.ics_reader import ZoneReader, local_time, parse

TODAY = datetime.now(UTC).date()


# ---------------------------------------------------------------------- the rhythm


def test_next_dates_by_rhythm() -> None:
    tuesday = date(2026, 3, 10)  # the second Tuesday of March 2026
    assert next_sync_date(tuesday, "weekly") == date(2026, 3, 17)
    assert next_sync_date(tuesday, "bi-weekly") == date(2026, 3, 24)
    assert week_of_month(tuesday) == 2
    assert next_sync_date(tuesday, "monthly") == date(2026, 4, 14)  # second Tuesday of April
    assert next_sync_date(date(2026, 12, 8), "monthly") == date(2027, 1, 12)  # over the year
    # The fifth Friday of a month is its last: the series goes on on the last Fridays.
    assert week_of_month(date(2026, 1, 30)) == -1
    assert next_sync_date(date(2026, 1, 30), "monthly") == date(2026, 2, 27)
    assert next_sync_date(date(2026, 2, 27), "monthly", -1) == date(2026, 3, 27)
    assert next_sync_date(date(2026, 3, 27), "monthly", -1) == date(2026, 4, 24)
    with pytest.raises(OverlapError, match="weekly, bi-weekly, monthly"):
        next_sync_date(tuesday, "daily")


def test_set_the_schedule_and_bad_input_changes_nothing(workspace: Workspace) -> None:
    assert sync_schedule(workspace, "Globex") is None
    for kwargs, message in (
        ({"rhythm": "daily", "next_date": "2026-03-10"}, "weekly, bi-weekly, monthly"),
        ({"rhythm": "weekly", "next_date": "10/03/2026"}, "is not a date"),
        ({"rhythm": "weekly", "next_date": "2026-03-10", "time_of_day": "25:00"}, "not a time"),
        ({"rhythm": "weekly", "next_date": "2026-03-10", "time_zone": "Mars/Base"}, "time zone"),
        ({"rhythm": "weekly", "next_date": "2026-03-10", "duration_minutes": 0}, "5 to 480"),
        ({"rhythm": "monthly", "next_date": "2026-03-10", "week": -1}, "not the last Tuesday"),
        ({"rhythm": "weekly", "next_date": "2026-03-10", "week": 2}, "monthly rhythm only"),
    ):
        with pytest.raises(OverlapError, match=message):
            set_sync_schedule(workspace, "Globex", **kwargs)  # type: ignore[arg-type]
    assert sync_schedule(workspace, "Globex") is None

    settings = set_sync_schedule(
        workspace, "Globex", rhythm="monthly", next_date="2026-03-31", time_of_day="9.30",
        time_zone="America/New_York", duration_minutes=45, week=-1,
    )  # fmt: skip
    assert settings.rhythm_text() == ("every month on the last Tuesday at 09:30 (America/New_York)")
    assert settings.upcoming(3) == [date(2026, 3, 31), date(2026, 4, 28), date(2026, 5, 26)]
    assert settings.meeting_text() == "Tue 31 Mar 2026, 09:30–10:15 EDT (America/New_York)"
    assert sync_schedule(workspace, "Globex") == settings

    biweekly = set_sync_schedule(
        workspace, "Globex", rhythm="biweekly", next_date=date(2026, 3, 10), time_zone="UTC"
    )
    assert biweekly.rhythm == "bi-weekly" and biweekly.week_of_month is None
    assert biweekly.rhythm_text() == "every 2 weeks on Tuesday at 10:00 (UTC)"
    # The mapping refresh cadence is another thing, and stays as it was.
    assert workspace.partner("Globex").cadence == "quarterly"
    restore_sync_schedule(workspace, "Globex", settings)
    assert sync_schedule(workspace, "Globex") == settings.__class__(
        **{**settings.__dict__, "updated_at": sync_schedule(workspace, "Globex").updated_at}
    )
    restore_sync_schedule(workspace, "Globex", None)
    assert sync_schedule(workspace, "Globex") is None


# ---------------------------------------------------------------------- attendance


def test_attendance_feeds_the_score_and_moves_the_next_date(mapped: Mapped) -> None:
    ws = mapped.ws
    start = TODAY - timedelta(days=21)
    set_sync_schedule(ws, "Globex", rhythm="weekly", next_date=start, time_zone="Europe/Berlin")
    before = engagement_score(ws, "Globex", today=TODAY)
    assert before.calls_attended == 0

    logged = log_sync(ws, "Globex", note="pipeline review", today=TODAY)
    # Three meetings of the series passed unlogged: they count as scheduled, not attended.
    assert logged.missed == (start, start + timedelta(days=7), start + timedelta(days=14))
    assert logged.held_on == TODAY and logged.next_date == TODAY + timedelta(days=7)
    assert sync_schedule(ws, "Globex").next_date == TODAY + timedelta(days=7)  # type: ignore[union-attr]
    score = engagement_score(ws, "Globex", today=TODAY)
    assert (score.calls_attended, score.calls_scheduled) == (1, 4)
    assert score.attendance == 10.0
    assert last_sync(ws, "Globex") == TODAY
    kinds = engagement_log(ws, "Globex")[["kind", "note"]].values.tolist()
    assert kinds.count(["sync_scheduled", "missed"]) == 3
    assert ["sync_attended", "pipeline review"] in kinds

    # Undo takes it all back.
    undo_sync_log(ws, logged)
    assert engagement_log(ws, "Globex").empty
    assert sync_schedule(ws, "Globex").next_date == start  # type: ignore[union-attr]
    assert ws.read_frame("SELECT count(*) AS n FROM syncmeeting")["n"][0] == 0
    assert last_sync(ws, "Globex") is None

    # A meeting marked missed is scheduled and not attended; the next date moves on.
    missed = log_sync(ws, "Globex", attended=False, today=TODAY)
    assert missed.missed == (start,) and missed.meeting_id is None
    assert missed.next_date == start + timedelta(days=7)
    score = engagement_score(ws, "Globex", today=TODAY)
    assert (score.calls_attended, score.calls_scheduled) == (0, 1)


def test_a_missed_sync_keeps_its_date_and_lowers_the_score(mapped: Mapped) -> None:
    ws = mapped.ws
    earlier = TODAY - timedelta(days=40)
    log_engagement(ws, "Globex", "sync_scheduled", earlier)
    log_engagement(ws, "Globex", "sync_attended", earlier, "kick-off")
    set_sync_schedule(ws, "Globex", rhythm="weekly", next_date=TODAY - timedelta(days=2))
    before = engagement_score(ws, "Globex", today=TODAY)
    missed_on = TODAY - timedelta(days=1)  # the meeting was moved a day, then missed

    logged = log_sync(ws, "Globex", held_on=missed_on, attended=False, today=TODAY)
    assert logged.missed == (missed_on,)
    log = engagement_log(ws, "Globex")
    assert log[log["note"] == "missed"]["at"].tolist() == [missed_on.isoformat()]
    after = engagement_score(ws, "Globex", today=TODAY)
    # Attendance falls (1 of 2) and a missed meeting is no contact: the last one is the kick-off.
    assert (after.calls_attended, after.calls_scheduled) == (1, 2)
    assert after.attendance < before.attendance
    assert after.last_contact == earlier.isoformat() and after.recency == before.recency
    assert after.score < before.score


def test_bad_attendance_is_refused_and_writes_nothing(mapped: Mapped) -> None:
    ws = mapped.ws
    with pytest.raises(OverlapError, match="set the rhythm"):
        log_sync(ws, "Globex", attended=False, today=TODAY)
    with pytest.raises(OverlapError, match="has not happened yet"):
        log_sync(ws, "Globex", held_on=TODAY + timedelta(days=1), today=TODAY)
    with pytest.raises(OverlapError, match="is not a date"):
        log_sync(ws, "Globex", held_on="yesterday", today=TODAY)
    with pytest.raises(OverlapError, match="no partner named"):
        log_sync(ws, "Initech", today=TODAY)
    assert engagement_log(ws, "Globex").empty
    # Without a rhythm, attendance is still logged (the schedule has nothing to move).
    logged = log_sync(ws, "Globex", today=TODAY)
    assert logged.next_date is None and logged.missed == ()
    assert engagement_score(ws, "Globex", today=TODAY).calls_attended == 1


# ---------------------------------------------------------------------- the agenda


@dataclass
class Prepared:
    ws: Workspace
    plans: dict[str, int]
    meeting: date


def _key(mapped: Mapped, ours: str, theirs: str) -> tuple[str, str]:
    return f"id:{ours}", f"id:{theirs}"


@pytest.fixture
def prepared(mapped: Mapped) -> Prepared:
    """Acme and Globex with a bi-weekly sync last held a week ago, and what happened since:
    Acme Widgets became shared, Initech changed lead, plans with steps due, overdue, stalled."""
    ws = mapped.ws
    assign(ws, "Globex")
    held = TODAY - timedelta(days=7)
    set_sync_schedule(
        ws, "Globex", rhythm="bi-weekly", next_date=held, time_of_day="10:00",
        time_zone="Europe/Berlin",
    )  # fmt: skip
    log_sync(ws, "Globex", held_on=held, today=TODAY)  # the mapping as it was is kept
    meeting = held + timedelta(days=14)

    # Since the sync: the review pair Acme Widgets / Cyberdyne was accepted ...
    pairs = [(o, p, "accepted" if o == "A8" else s) for o, p, s in PAIRS]
    add_matches(ws, mapped.partner_id, mapped.ours, mapped.theirs, pairs)
    # ... and Initech's lead was set by hand to the other side.
    leads = list_leads(ws, "Globex").set_index("our_key")["lead"]
    initech_lead = leads["id:A1"]
    other = "partner" if initech_lead == "us" else "us"
    set_override(ws, "Globex", "id:A1", "id:G1", other, "they own the relationship")

    past = TODAY - timedelta(days=30)  # steps entered a month ago, some now overdue
    plans: dict[str, int] = {}
    plan = create_plan(ws, "Globex", *_key(mapped, "A2", "G2"), lead="us", status="active")
    plans["Umbrella"] = int(plan.id)  # type: ignore[arg-type]
    add_role(ws, plans["Umbrella"], "us", "Ann", "account executive")
    add_step(ws, plans["Umbrella"], "Send the security questionnaire", "partner", "Hal",
             TODAY - timedelta(days=3), today=past)  # fmt: skip
    add_step(ws, plans["Umbrella"], "Joint call with the CIO", "us", "Ann",
             TODAY + timedelta(days=5), today=past)  # fmt: skip
    add_step(ws, plans["Umbrella"], "Quarterly review", "us", None,
             TODAY + timedelta(days=60), today=past)  # fmt: skip
    done = add_step(ws, plans["Umbrella"], "Intro e-mail", "us", "Ann",
                    TODAY - timedelta(days=10), today=past)  # fmt: skip
    set_step_done(ws, int(done.id), True)  # type: ignore[arg-type]
    plan = create_plan(ws, "Globex", *_key(mapped, "A6", "G6"), lead="partner", status="draft")
    plans["Stark"] = int(plan.id)  # type: ignore[arg-type]  # no role, no step: stalled
    set_plan_grace_days(ws, "Globex", 0)  # ... at once, without a new plan's two weeks
    plan = create_plan(ws, "Globex", *_key(mapped, "A3", "G3"), lead="us", status="won")
    plans["Hooli"] = int(plan.id)  # type: ignore[arg-type]
    add_step(ws, plans["Hooli"], "Old step of a won plan", "us", None,
             TODAY - timedelta(days=2), today=past)  # fmt: skip
    return Prepared(ws, plans, meeting)


def test_agenda_sections_on_a_prepared_workspace(prepared: Prepared) -> None:
    agenda = sync_agenda(prepared.ws, "Globex", today=TODAY)
    assert [s.key for s in agenda.sections] == [
        "new_shared", "stalled_plans", "next_steps", "registrations", "leads_changed",
    ]  # fmt: skip
    assert agenda.meeting == prepared.meeting
    assert agenda.last_sync == TODAY - timedelta(days=7)
    assert agenda.rhythm_text.startswith("every 2 weeks on ")
    assert "(Europe/Berlin)" in agenda.meeting_text
    assert agenda.engagement.startswith("70/100 (1 of 1 sync calls")
    assert not agenda.warnings

    new = agenda.section("new_shared")
    assert [(i.title, i.detail) for i in new.items] == [
        ("Acme Widgets", "ours customer, theirs prospect")
    ]
    assert new.note.startswith("Compared with the sync of ")

    stalled = agenda.section("stalled_plans")
    by_name = {i.title: i.detail for i in stalled.items}
    assert set(by_name) == {"Umbrella", "Stark"}
    assert "step 'Send the security questionnaire' was due" in by_name["Umbrella"]
    assert "3 days overdue" in by_name["Umbrella"]
    assert "no next step" in by_name["Stark"] and "no owner" in by_name["Stark"]

    steps = agenda.section("next_steps")
    assert [(i.title, i.account, i.overdue) for i in steps.items] == [
        ("Send the security questionnaire", "Umbrella", True),
        ("Joint call with the CIO", "Umbrella", False),
    ]  # not the one in 60 days, not the done one, not the won plan's
    assert steps.items[0].owner == "Globex (Hal)"
    assert (
        steps.items[0].detail.startswith("overdue since ") and "(3 days)" in steps.items[0].detail
    )
    assert steps.items[1].owner == "Acme Corp (Ann)"

    registrations = agenda.section("registrations")
    assert registrations.items == []
    assert registrations.nothing.startswith("Nothing expiring")

    leads = agenda.section("leads_changed")
    assert [i.title for i in leads.items] == ["Initech"]
    assert leads.items[0].detail in ("lead Acme Corp → Globex", "lead Globex → Acme Corp")

    text = agenda.to_text()
    assert text.startswith("Sync agenda: Acme Corp and Globex\n")
    assert "1. New shared accounts since the last sync (1)\n" in text
    assert "   - Acme Widgets: ours customer, theirs prospect\n" in text
    assert "4. Registrations expiring or in conflict\n   Nothing expiring" in text
    frame = agenda.to_frame()
    assert len(frame) == agenda.item_count() + 1  # one "nothing" row for registrations
    assert frame[frame["empty"]]["section_key"].tolist() == ["registrations"]


def test_agenda_lists_registrations_expiring_and_in_conflict(prepared: Prepared) -> None:
    ws = prepared.ws
    days = timedelta(days=1)
    # Protected for 90 days: registered 80 days ago, it stops being protected in 10 days.
    add_registration(ws, "Globex", "Initech", side="partner", opportunity="Initech ERP",
                     registered_on=TODAY - 80 * days, status="approved", today=TODAY)  # fmt: skip
    add_registration(ws, "Globex", "Umbrella", side="us", opportunity="Umbrella security",
                     registered_on=TODAY - 10 * days, today=TODAY)  # fmt: skip
    add_registration(ws, "Globex", "Umbrella", side="partner", opportunity="Umbrella cloud",
                     registered_on=TODAY - 5 * days, today=TODAY)  # fmt: skip
    section = sync_agenda(ws, "Globex", today=TODAY).section("registrations")
    assert [(i.title, i.owner, i.due) for i in section.items] == [
        ("Initech", "Globex", (TODAY + timedelta(days=10)).isoformat()),
        ("Umbrella", "", None),
    ]
    expiring, conflict = (i.detail for i in section.items)
    assert expiring.startswith("Globex's registration 'Initech ERP' (approved) stops being ")
    assert "in 10 days" in expiring
    assert conflict.startswith("in conflict: Acme Corp registered 'Umbrella security' on ")
    assert "Globex 'Umbrella cloud' on " in conflict
    text = sync_agenda(ws, "Globex", today=TODAY).to_text()
    assert "4. Registrations expiring or in conflict (2)\n" in text
    # The item is the account: named once, not again in brackets after itself.
    assert "   - Initech: Globex's registration 'Initech ERP'" in text
    assert "   - Umbrella: in conflict:" in text


def test_every_empty_section_says_nothing(workspace: Workspace) -> None:
    agenda = sync_agenda(workspace, "Globex", today=TODAY)
    assert agenda.item_count() == 0
    text = agenda.to_text()
    for section in agenda.sections:
        assert section.nothing.startswith("Nothing")
        assert f"   {section.nothing}\n" in text
    assert agenda.meeting_text == "no sync scheduled yet"
    assert "Nothing to compare with yet" in agenda.section("new_shared").nothing


def test_without_a_logged_sync_the_agenda_compares_with_the_mapping_baseline(
    mapped: Mapped,
) -> None:
    assign(mapped.ws, "Globex")
    record_mapping(mapped.ws, "Globex")
    pairs = [(o, p, "accepted" if o == "A8" else s) for o, p, s in PAIRS]
    add_matches(mapped.ws, mapped.partner_id, mapped.ours, mapped.theirs, pairs)
    set_sync_schedule(mapped.ws, "Globex", rhythm="weekly", next_date=TODAY - timedelta(days=2))
    agenda = sync_agenda(mapped.ws, "Globex", today=TODAY)
    assert agenda.since.startswith("the mapping baseline of ")
    assert [i.title for i in agenda.section("new_shared").items] == ["Acme Widgets"]
    # The sync two days ago is not logged yet: the agenda says so.
    assert agenda.warnings and "is not logged yet" in agenda.warnings[0]


def test_agenda_export_text_and_pdf_into_the_ledger(prepared: Prepared, tmp_path: Path) -> None:
    text = export_agenda(prepared.ws, "Globex", tmp_path / "agenda.txt", today=TODAY)
    assert text.kind == "text" and text.items == 6
    content = (tmp_path / "agenda.txt").read_text(encoding="utf-8")
    # Our stages stay home under the default policy; with them shared, the whole agenda leaves.
    assert "ours customer" not in content and "Acme Widgets" in content
    set_share_policy(prepared.ws, "Globex", fields=[*DEFAULT_FIELDS, "stage"])
    export_agenda(prepared.ws, "Globex", tmp_path / "agenda.txt", today=TODAY)
    content = (tmp_path / "agenda.txt").read_text(encoding="utf-8")
    assert content == sync_agenda(prepared.ws, "Globex", today=TODAY).to_text(limit=10_000)
    pdf = export_agenda(prepared.ws, "Globex", tmp_path / "agenda.pdf", today=TODAY)
    data = (tmp_path / "agenda.pdf").read_bytes()
    assert data.startswith(b"%PDF") and pdf.kind == "pdf"
    ledger = prepared.ws.read_frame("SELECT kind, path, row_count FROM egressrecord ORDER BY id")
    assert ledger.values.tolist() == [
        ["agenda", str((tmp_path / "agenda.txt").resolve()), 6],
        ["agenda", str((tmp_path / "agenda.txt").resolve()), 6],
        ["agenda", str((tmp_path / "agenda.pdf").resolve()), 6],
    ]
    assert not text.warnings
    set_share_policy(prepared.ws, "Globex", counts_only=True)
    again = export_agenda(prepared.ws, "Globex", tmp_path / "agenda2.txt", today=TODAY)
    assert again.warnings and "keep it inside your team" in again.warnings[0]
    with pytest.raises(OverlapError, match=r"\.txt or \.pdf"):
        export_agenda(prepared.ws, "Globex", tmp_path / "agenda.docx", today=TODAY)
    assert not (tmp_path / "agenda.docx").exists()


def test_pdf_agenda_reads_back(prepared: Prepared, tmp_path: Path) -> None:
    export_agenda(prepared.ws, "Globex", tmp_path / "agenda.pdf", today=TODAY)
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    words = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "agenda.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for expected in (
        "Sync agenda: Acme Corp and Globex",
        "1. New shared accounts since the last sync",
        "Acme Widgets",
        "Send the security questionnaire",
        "Nothing expiring",
        "5. Leads changed",
    ):
        assert expected in words, expected


# ---------------------------------------------------------------------- the calendar


def test_calendar_of_meetings_and_steps(prepared: Prepared, tmp_path: Path) -> None:
    result = export_calendar(prepared.ws, "Globex", tmp_path / "globex.ics")
    assert (result.meetings, result.steps, result.skipped) == (1, 3, 0)
    calendar = parse((tmp_path / "globex.ics").read_bytes())
    events = calendar.components("VEVENT")
    series = [e for e in events if e.one("DTSTART").params.get("TZID")]
    steps = [e for e in events if e.one("DTSTART").params.get("VALUE") == "DATE"]
    assert len(series) == 1 and len(steps) == 3  # the done step and the won plan's are out
    meeting = series[0]
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[prepared.meeting.weekday()]
    assert meeting.one("RRULE").value == f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday};WKST=MO"
    assert meeting.one("DTSTART").params == {"TZID": "Europe/Berlin"}
    assert meeting.one("DTSTART").value == prepared.meeting.strftime("%Y%m%dT100000")
    assert meeting.text("SUMMARY") == "Partner sync: Acme Corp and Globex"
    # Each occurrence of the next months is at 10:00 Berlin time, summer or winter.
    zones = {
        tz.text("TZID"): ZoneReader(tz, datetime(TODAY.year + 3, 1, 1))
        for tz in calendar.components("VTIMEZONE")
    }
    start = local_time(meeting.one("DTSTART").value)
    for wall in list(rrulestr(meeting.one("RRULE").value, dtstart=start))[:30]:
        utc = wall - zones["Europe/Berlin"].offset(wall)
        assert utc.replace(tzinfo=UTC) == wall.replace(tzinfo=ZoneInfo("Europe/Berlin"))
    summaries = sorted(e.text("SUMMARY") for e in steps)
    assert summaries == [
        "Joint call with the CIO (Umbrella)",
        "Quarterly review (Umbrella)",
        "Send the security questionnaire (Umbrella)",
    ]
    call = next(e for e in steps if e.text("SUMMARY").startswith("Joint call"))
    assert call.one("DTSTART").value == (TODAY + timedelta(days=5)).strftime("%Y%m%d")
    assert "Owner: Acme Corp (Ann)." in call.text("DESCRIPTION")
    uids = [e.text("UID") for e in events]
    assert len(set(uids)) == len(uids)
    # Stable: a second file has the same UIDs.
    export_calendar(prepared.ws, "Globex", tmp_path / "again.ics")
    again = parse((tmp_path / "again.ics").read_bytes()).components("VEVENT")
    assert sorted(e.text("UID") for e in again) == sorted(uids)
    ledger = prepared.ws.read_frame("SELECT kind, row_count FROM egressrecord ORDER BY id")
    assert ledger.values.tolist() == [["calendar", 4], ["calendar", 4]]


def test_calendar_follows_the_share_policy(prepared: Prepared, tmp_path: Path) -> None:
    set_share_policy(prepared.ws, "Globex", fields=["account_name", "lead", "plan"])
    result = export_calendar(prepared.ws, "Globex", tmp_path / "meetings.ics")
    assert (result.meetings, result.steps) == (1, 0)
    assert "keeps next steps at home" in result.warnings[0]
    with pytest.raises(OverlapError, match=r"ending in \.ics"):
        export_calendar(prepared.ws, "Globex", tmp_path / "meetings.txt")


def test_calendar_without_anything_to_put_in_it(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(OverlapError, match="nothing to put in a calendar"):
        export_calendar(workspace, "Globex", tmp_path / "x.ics")
    assert not (tmp_path / "x.ics").exists()
    assert workspace.read_frame("SELECT count(*) AS n FROM egressrecord")["n"][0] == 0


# ---------------------------------------------------------------------- workspace and CLI


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli(list(args))
    return code, out.getvalue(), err.getvalue()


def test_cli_set_log_show_agenda_calendar(mapped: Mapped, tmp_path: Path) -> None:
    path = str(mapped.ws.path)
    assign(mapped.ws, "Globex")
    mapped.ws.close()
    start = (TODAY - timedelta(days=7)).isoformat()
    code, out, err = _run(
        "sync", "set", path, "--partner", "Globex", "--rhythm", "weekly", "--next", start,
        "--time", "16:30", "--tz", "America/New_York", "--minutes", "45",
    )  # fmt: skip
    assert code == 0, err
    assert "at 16:30 (America/New_York)" in out
    code, out, err = _run("sync", "log", path, "--partner", "Globex", "--note", "call")
    assert code == 0, err
    assert "logged as attended" in out and "1 earlier meeting(s) logged as missed" in out
    code, out, _ = _run("sync", "show", path, "--partner", "Globex", "--format", "json")
    shown = json.loads(out)
    assert shown["schedule"]["next_date"] == (TODAY + timedelta(days=7)).isoformat()
    assert shown["last_sync"] == TODAY.isoformat()
    assert shown["engagement"]["calls_attended"] == 1
    code, out, _ = _run("sync", "agenda", path, "--partner", "Globex")
    assert code == 0 and out.startswith("Sync agenda: Acme Corp and Globex")
    assert "Nothing expiring" in out
    # A file naming accounts waits for the data-sharing agreement; the screen does not.
    agenda_out = ["--format", "pdf", "--out", str(tmp_path / "a.pdf")]
    code, _out, err = _run("sync", "agenda", path, "--partner", "Globex", *agenda_out)
    assert code == 2 and "record the data-sharing agreement" in err
    code, _out, err = _run(
        "sync", "calendar", path, "--partner", "Globex", "--out", str(tmp_path / "c.ics")
    )
    assert code == 2 and "record the data-sharing agreement" in err
    assert not (tmp_path / "a.pdf").exists() and not (tmp_path / "c.ics").exists()
    code, _out, err = _run(
        "sync", "calendar", path, "--partner", "Globex", "--no-steps", "--out",
        str(tmp_path / "meetings.ics"),
    )  # fmt: skip
    assert code == 0, err  # the sync meetings alone name no account
    code, _out, err = _run(
        "share", "agreement", path, "--partner", "Globex", "--signed", "2026-01-15",
        "--scope", "account mapping", "--reference", "DPA-7",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = _run("sync", "agenda", path, "--partner", "Globex", *agenda_out)
    assert code == 0, err
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    code, out, err = _run(
        "sync", "calendar", path, "--partner", "Globex", "--out", str(tmp_path / "c.ics")
    )
    assert code == 0, err
    assert "the sync meetings and 0 next step(s)" in out
    parse((tmp_path / "c.ics").read_bytes())
    # Mistakes: one line, status 2.
    code, _out, err = _run("sync", "agenda", path, "--partner", "Globex", "--format", "pdf")
    assert code == 2 and err == "error: a PDF agenda needs --out FILE.pdf\n"
    code, _out, err = _run(
        "sync", "set", path, "--partner", "Globex", "--rhythm", "weekly", "--next", "2026-13-01"
    )
    assert code == 2 and "is not a date" in err and err.count("\n") == 1
    code, _out, err = _run("sync", "log", path, "--partner", "Globex", "--date", "2999-01-01")
    assert code == 2 and "has not happened yet" in err


def test_plan_updates_do_not_disturb_the_sync_schedule(prepared: Prepared) -> None:
    before = sync_schedule(prepared.ws, "Globex")
    update_plan(prepared.ws, prepared.plans["Stark"], objective="Land Stark")
    assert sync_schedule(prepared.ws, "Globex") == before


def test_a_sync_logged_today_is_dated_the_users_day(mapped: Mapped, day_apart_from_utc) -> None:
    """The sync held today is dated by the user's calendar, not by UTC's (a day apart for
    hours each day east and west of Greenwich)."""
    logged = log_sync(mapped.ws, "Globex")
    assert logged.held_on == day_apart_from_utc
    assert last_sync(mapped.ws, "Globex") == day_apart_from_utc


@pytest.mark.parametrize(
    "command",
    [
        ["stalled", "--partner", "Globex"],
        ["metrics", "--partner", "Globex"],
        ["partners", "compare"],
        ["registration", "list", "--partner", "Globex"],
        ["sync", "agenda", "--partner", "Globex"],
    ],
)
def test_a_day_that_is_no_date_is_one_line_of_error(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "acme.overlap"
    assert cli(["init", str(path), "--us", "Acme Corp"]) == 0
    assert cli(["partner", "add", str(path), "Globex"]) == 0
    capsys.readouterr()
    args = (
        [*command[:2], str(path), *command[2:]]
        if command[0] in ("partners", "registration", "sync")
        else [command[0], str(path), *command[1:]]
    )
    assert cli([*args, "--today", "2026-02-30"]) == 2
    assert (
        capsys.readouterr().err.strip() == "error: --today '2026-02-30' is not a date (YYYY-MM-DD)"
    )
