"""The Agenda page: the sync rhythm shown and edited (undoable), attendance logged and undone,
the agenda's sections with "nothing" rows, exports, and the e-mail hand-off with the folder,
the clipboard and the mailto: link (QDesktopServices patched: nothing opens)."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QTime, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QTimeEdit,
    QWidget,
)

from engine import assign, log_sync, record_agreement, set_sync_schedule
from engine.plans import set_plan_grace_days
from tests.desktop.conftest import until, wait_idle
from tests.desktop.steps import LEFT
from tests.engine.ics_reader import parse
from tests.engine.sharing_helpers import add_matches, add_plan, mapped_workspace

TODAY = datetime.now(UTC).date()


def _qdate(day: Any) -> QDate:
    return QDate(day.year, day.month, day.day)


@pytest.fixture
def acme_path(tmp_path: Path) -> Path:
    """Acme and Globex: a bi-weekly sync held a week ago, a new shared account since, an
    overdue step the partner owns and a plan with no next step."""
    ws, partner_id, ours, theirs = mapped_workspace(tmp_path / "acme")
    assign(ws, "Globex")
    held = TODAY - timedelta(days=7)
    set_sync_schedule(ws, "Globex", rhythm="bi-weekly", next_date=held, time_zone="Europe/Berlin")
    log_sync(ws, "Globex", held_on=held)
    add_matches(ws, partner_id, [(int(ours["id"][3]), int(theirs["id"][3]))], status="manual")
    add_plan(
        ws, partner_id, ours.iloc[0], theirs.iloc[0], objective="Expand Initech",
        roles=[{"party": "us", "person": "Ann", "role": "AE"}],
        steps=[
            {"what": "Send the case study", "owner_party": "partner", "owner_person": "Gina",
             "due_date": (TODAY - timedelta(days=2)).isoformat()},
            {"what": "Intro call", "owner_party": "us", "owner_person": "Ann",
             "due_date": (TODAY + timedelta(days=3)).isoformat()},
        ],
    )  # fmt: skip
    add_plan(
        ws, partner_id, ours.iloc[1], theirs.iloc[1], objective="Land Umbrella", lead="partner"
    )
    set_plan_grace_days(ws, "Globex", 0)  # the plan without a next step stalls at once
    record_agreement(ws, "Globex", none=True)  # files naming accounts may leave
    path = ws.path
    ws.close()
    return path


def _agenda_page(qtbot: Any, window: Any, path: Path) -> Any:
    window.open_workspace(str(path))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    wait_idle(qtbot, window)
    window.go_to("agenda")
    wait_idle(qtbot, window)
    page = window.pages["agenda"]
    assert window.current_page() is page
    until(qtbot, lambda: page.view is not None)
    return page


def _events(path: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return con.execute("SELECT kind, at FROM engagementevent ORDER BY id").fetchall()


def test_schedule_sections_attendance_and_undo(qtbot, window, dialogs, acme_path: Path) -> None:
    page = _agenda_page(qtbot, window, acme_path)
    meeting = TODAY + timedelta(days=7)
    assert page.view.schedule.rhythm == "bi-weekly"
    assert page.view.schedule.next_date == meeting
    label = page.schedule_label.text()
    assert f"Next sync: <b>{page.view.schedule.meeting_text()}</b>" in label
    assert "(Europe/Berlin)" in label and "every 2 weeks on" in label
    assert "The mapping refresh, quarterly, is set on the Dashboard" in label
    assert page.schedule_button.text() == "Change the rhythm…"
    assert not page.missed_button.isEnabled()  # the next sync is a week away

    # The sections: items, and a "Nothing" row for each empty one.
    frame = page.model.frame
    by_section = frame.groupby("section_key")["title"].apply(list).to_dict()
    assert by_section["new_shared"] == ["Vandelay Industries"]
    assert sorted(by_section["stalled_plans"]) == ["Initech", "Umbrella Corp"]
    assert by_section["next_steps"] == ["Send the case study", "Intro call"]
    assert by_section["registrations"] == ["Nothing"]
    assert by_section["leads_changed"] == ["Nothing"]
    assert "no registrations expiring or in conflict" in page.agenda_label.text()
    assert "<b>2</b> stalled plans" in page.agenda_label.text()
    assert page.model.frame["section"].iloc[0] == "New shared"
    overdue_row = frame.index[frame["title"] == "Send the case study"][0]
    assert page._row_brush(int(overdue_row)) is not None
    page.section_combo.setCurrentIndex(page.section_combo.findData("next_steps"))
    assert page.model.rowCount() == 2
    page.section_combo.setCurrentIndex(0)
    assert page.model.rowCount() == len(frame)
    from pytestqt.modeltest import ModelTester

    ModelTester(None).check(page.model, force_py=True)

    # Log attendance: the next meeting was held early; the date moves on by two weeks.
    before = _events(acme_path)
    qtbot.keyClicks(page.note_edit, "pipeline review")
    with qtbot.waitSignal(page.agenda_loaded, timeout=30_000):
        qtbot.mouseClick(page.attended_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.view.schedule.next_date == meeting + timedelta(days=14))
    assert "logged as attended" in page.footer_note.text()
    assert len(_events(acme_path)) == len(before) + 2
    assert page.engagement_label.text().startswith("Engagement ")
    assert "2 of 2 sync calls" in page.engagement_label.text()
    assert window.undo_action.isEnabled()

    window.undo_action.trigger()
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.view.schedule.next_date == meeting)
    assert _events(acme_path) == before
    window.redo_action.trigger()
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.view.schedule.next_date == meeting + timedelta(days=14))
    assert len(_events(acme_path)) == len(before) + 2
    assert not dialogs.errors()


def test_rhythm_edit_is_undoable_and_a_refusal_leaves_nothing(
    qtbot, window, dialogs, acme_path: Path
) -> None:
    page = _agenda_page(qtbot, window, acme_path)
    qtbot.mouseClick(page.schedule_button, LEFT)
    dialog = page.schedule_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.rhythm_combo.currentData() == "bi-weekly"
    assert dialog.zone_combo.currentText() == "Europe/Berlin"
    assert dialog.date_edit.date() == _qdate(TODAY + timedelta(days=7))
    dialog.rhythm_combo.setCurrentIndex(dialog.rhythm_combo.findData("monthly"))
    dialog.minutes_spin.setValue(60)
    dialog.time_edit.setTime(QTime(16, 30))
    with qtbot.waitSignal(page.agenda_loaded, timeout=30_000):
        dialog.accept()
    wait_idle(qtbot, window)
    until(qtbot, lambda: "every month on the" in page.schedule_label.text())
    assert "16:30–17:30" in page.schedule_label.text()
    assert page.stack.count() == 1
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    until(qtbot, lambda: "every 2 weeks on" in page.schedule_label.text())
    assert page.view.schedule.duration_minutes == 30

    qtbot.mouseClick(page.schedule_button, LEFT)
    page.schedule_dialog.zone_combo.setCurrentText("Mars/Olympus_Mons")
    page.schedule_dialog.accept()
    wait_idle(qtbot, window)
    assert any("is not a time zone" in e for e in dialogs.errors())
    # The refused change left the stack (and replaced the undone one's redo): nothing to undo.
    assert page.stack.count() == 0 and not window.undo_action.isEnabled()
    assert "every 2 weeks on" in page.schedule_label.text()


def test_exports_and_the_email_handoff(
    qtbot, window, dialogs, acme_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(QUrl(url)) or True)
    page = _agenda_page(qtbot, window, acme_path)

    dialogs.save_files.append(str(tmp_path / "agenda"))
    with qtbot.waitSignal(page.file_exported, timeout=30_000):
        qtbot.mouseClick(page.text_button, LEFT)
    text = (tmp_path / "agenda.txt").read_text(encoding="utf-8")
    assert text.startswith("Sync agenda: Acme Corp and Globex")
    assert "Nothing expiring" in text
    dialogs.save_files.append(str(tmp_path / "agenda.pdf"))
    with qtbot.waitSignal(page.file_exported, timeout=30_000):
        qtbot.mouseClick(page.pdf_button, LEFT)
    assert (tmp_path / "agenda.pdf").read_bytes().startswith(b"%PDF")
    dialogs.save_files.append(str(tmp_path / "globex.ics"))
    with qtbot.waitSignal(page.file_exported, timeout=30_000):
        qtbot.mouseClick(page.ics_button, LEFT)
    assert "the sync meetings and 2 next step(s)" in page.footer_note.text()
    events = parse((tmp_path / "globex.ics").read_bytes()).components("VEVENT")
    assert len(events) == 3

    qtbot.mouseClick(page.email_button, LEFT)
    dialog = page.handoff_dialog
    assert dialog is not None and dialog.isVisible()
    dialogs.folders.append(str(tmp_path / "mail"))
    browse = next(b for b in dialog.findChildren(QAbstractButton) if b.text() == "Choose…")
    qtbot.mouseClick(browse, LEFT)
    assert dialog.folder_edit.text() == str(tmp_path / "mail")
    qtbot.keyClicks(dialog.to_edit, "gina@globex.com")
    dialog.plans_combo.setCurrentIndex(2)  # the plans on this agenda
    assert dialog.plan_ids() and len(dialog.plan_ids()) == 2
    with qtbot.waitSignal(page.email_prepared, timeout=30_000):
        dialog.accept()
    wait_idle(qtbot, window)
    names = sorted(p.name for p in (tmp_path / "mail").iterdir())
    assert [Path(n).suffix for n in names] == [".overlap-plan", ".pdf", ".xlsx"]
    draft = page.draft
    assert QGuiApplication.clipboard().text() == draft.text
    assert "What we ask of Globex:" in page.summary_edit.toPlainText()
    assert page.tabs.currentIndex() == 1
    assert opened and opened[-1].isLocalFile()
    assert Path(opened[-1].toLocalFile()) == (tmp_path / "mail").resolve()
    qtbot.mouseClick(page.mail_button, LEFT)
    assert opened[-1].scheme() == "mailto"
    assert opened[-1].toString(QUrl.ComponentFormattingOption.FullyEncoded) == draft.mailto
    assert draft.mailto.startswith("mailto:gina@globex.com?subject=")
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(page.copy_button, LEFT)
    assert QGuiApplication.clipboard().text() == draft.text
    with contextlib.closing(sqlite3.connect(acme_path)) as con:
        kinds = sorted(r[0] for r in con.execute("SELECT kind FROM egressrecord"))
    assert kinds == ["agenda", "agenda", "calendar", "pdf", "plan", "xlsx"]
    assert not dialogs.errors()


def test_every_control_has_an_accessible_name(qtbot, window, acme_path: Path) -> None:
    page = _agenda_page(qtbot, window, acme_path)
    kinds = (QAbstractButton, QComboBox, QLineEdit, QDateEdit, QTimeEdit, QSpinBox, QTableView,
             QPlainTextEdit)  # fmt: skip
    inner = (QComboBox, QSpinBox, QDateEdit, QTimeEdit, QTableView)  # their own parts
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in page.findChildren(QWidget)
        if isinstance(w, kinds)
        and not w.accessibleName()
        and not isinstance(w.parent(), inner)
        and w.isVisibleTo(page)
    ]
    assert not unnamed, unnamed
    assert window.summary.states["agenda"][0] == "done"


def test_files_naming_accounts_wait_for_the_data_agreement(
    qtbot, window, dialogs, acme_path: Path, tmp_path: Path
) -> None:
    with contextlib.closing(sqlite3.connect(acme_path)) as con, con:
        con.execute("DELETE FROM dataagreement")
    page = _agenda_page(qtbot, window, acme_path)
    for button, name in ((page.text_button, "agenda.txt"), (page.ics_button, "globex.ics")):
        dialogs.save_files.append(str(tmp_path / name))
        qtbot.mouseClick(button, LEFT)
        wait_idle(qtbot, window)
        assert not (tmp_path / name).exists()
    errors = dialogs.errors()
    assert len(errors) == 2
    assert all("record the data-sharing agreement" in text for text in errors)
    assert all("Share page: Data agreement" in text for text in errors)
