"""Agenda: the rhythm of the sync meetings with the partner, attendance, the agenda of the next
sync, its exports (text, PDF, calendar) and the e-mail hand-off of the plan files.

Setting the rhythm and logging a sync are decisions: each is a ``QUndoCommand`` on the page's
stack, undone through the operations layer like every other change.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, QTimeZone, QUrl, Signal, Slot
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.models.frame import Column, FrameModel
from desktop.operations.formats import day as day_text
from desktop.pages.base import Page, note, section
from desktop.widgets.table import DataTable

RHYTHMS = ("weekly", "bi-weekly", "monthly")
OVERDUE = QBrush(QColor("#fde8e4"))
NOTHING = QBrush(QColor("#f2f4f7"))
ALL_SECTIONS = ""
# How the table names each section, and how the summary counts its items (one, several).
SHORT = {
    "new_shared": "New shared",
    "stalled_plans": "Stalled plan",
    "next_steps": "Next step",
    "registrations": "Registration",
    "leads_changed": "Lead changed",
}
COUNTED = {
    "new_shared": ("new shared account", "new shared accounts"),
    "stalled_plans": ("stalled plan", "stalled plans"),
    "next_steps": ("step due or overdue", "steps due or overdue"),
    "registrations": (
        "registration expiring or in conflict",
        "registrations expiring or in conflict",
    ),
    "leads_changed": ("lead changed", "leads changed"),
}


class AgendaModel(FrameModel):
    """The items of the agenda, a "Nothing" row for each empty section."""

    SECTION, TITLE, ACCOUNT, DETAIL, OWNER, DUE = range(6)
    COLUMNS = (
        Column("section", "Section"),
        Column("title", "Item"),
        Column("account", "Account"),
        Column("detail", "Detail"),
        Column("owner", "Owner / lead"),
        Column("due", "Due", "date"),
    )


# ---------------------------------------------------------------------- undoable decisions


class ScheduleCommand(QUndoCommand):
    """Set the rhythm, next date, time, zone and length; undo puts the earlier ones back."""

    def __init__(self, page: AgendaPage, values: dict[str, Any]) -> None:
        super().__init__(f"Set the sync meetings with {page.partner_name}: {values['rhythm']}")
        self.page = page
        self.partner = page.partner_name
        self.values = values
        self.state: dict[str, Any] = {}

    def redo(self) -> None:
        from desktop.operations.agenda import save_sync_schedule

        self.page.ops.run(
            self.text(),
            partial(save_sync_schedule, partner=self.partner, values=self.values, state=self.state),
            on_success=self.page._on_schedule_saved,
            on_failure=partial(self.page._on_command_failed, self),
            changes=("sync",),
        )

    def undo(self) -> None:
        from desktop.operations.agenda import restore_sync_schedule_job

        self.page.ops.run(
            f"Undo {self.text()}",
            partial(restore_sync_schedule_job, partner=self.partner, state=self.state),
            on_failure=self.page.show_error,
            changes=("sync",),
        )


class SyncLogCommand(QUndoCommand):
    """Log the sync as attended or missed; undo removes the entries and the next date moves
    back."""

    def __init__(self, page: AgendaPage, attended: bool, note_text: str) -> None:
        what = "attended" if attended else "missed"
        super().__init__(f"Log the sync with {page.partner_name} as {what}")
        self.page = page
        self.partner = page.partner_name
        self.attended = attended
        self.note = note_text
        self.state: dict[str, Any] = {}

    def redo(self) -> None:
        from desktop.operations.agenda import log_sync_meeting

        self.page.ops.run(
            self.text(),
            partial(
                log_sync_meeting,
                partner=self.partner,
                attended=self.attended,
                note=self.note,
                state=self.state,
            ),
            on_success=self.page._on_sync_logged,
            on_failure=partial(self.page._on_command_failed, self),
            changes=("sync",),
        )

    def undo(self) -> None:
        from desktop.operations.agenda import undo_sync_meeting

        self.page.ops.run(
            f"Undo {self.text()}",
            partial(undo_sync_meeting, state=self.state),
            on_failure=self.page.show_error,
            changes=("sync",),
        )


# ---------------------------------------------------------------------- the rhythm dialog


class ScheduleDialog(QDialog):
    """The rhythm, next date, time of day, time zone and length of the sync meetings."""

    def __init__(
        self, parent: QWidget, partner: str, schedule: Any, zones: list[str], zone: str
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleDialog")
        self.setWindowTitle(f"Sync meetings with {partner}")
        self.setAccessibleName(f"Sync meetings with {partner}")
        form = QFormLayout(self)
        self.rhythm_combo = QComboBox(self)
        for rhythm, label in zip(
            RHYTHMS, ("every week", "every 2 weeks", "every month"), strict=True
        ):
            self.rhythm_combo.addItem(label, rhythm)
        self.rhythm_combo.setAccessibleName("Rhythm of the sync meetings")
        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd yyyy-MM-dd")
        self.date_edit.setAccessibleName("Date of the next sync meeting")
        self.time_edit = QTimeEdit(self)
        self.time_edit.setDisplayFormat("HH:mm")
        self.time_edit.setAccessibleName("Time of day of the sync meetings")
        self.zone_combo = QComboBox(self)
        self.zone_combo.setEditable(True)
        self.zone_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.zone_combo.addItems(zones)
        completer = QCompleter(zones, self.zone_combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.zone_combo.setCompleter(completer)
        self.zone_combo.setAccessibleName("Time zone of the sync meetings")
        self.minutes_spin = QSpinBox(self)
        self.minutes_spin.setRange(5, 480)
        self.minutes_spin.setSingleStep(15)
        self.minutes_spin.setSuffix(" min")
        self.minutes_spin.setAccessibleName("Length of the sync meetings in minutes")
        if schedule is None:
            self.rhythm_combo.setCurrentIndex(1)
            self.date_edit.setDate(QDate.currentDate().addDays(7))
            self.time_edit.setTime(QTime(10, 0))
            self.zone_combo.setCurrentText(zone)
            self.minutes_spin.setValue(30)
        else:
            self.rhythm_combo.setCurrentIndex(max(0, self.rhythm_combo.findData(schedule.rhythm)))
            day = schedule.next_date
            self.date_edit.setDate(QDate(day.year, day.month, day.day))
            self.time_edit.setTime(QTime.fromString(schedule.time_of_day, "HH:mm"))
            self.zone_combo.setCurrentText(schedule.time_zone)
            self.minutes_spin.setValue(int(schedule.duration_minutes))
        form.addRow("Meet:", self.rhythm_combo)
        form.addRow("Next meeting:", self.date_edit)
        form.addRow("At:", self.time_edit)
        form.addRow("Time zone:", self.zone_combo)
        form.addRow("Length:", self.minutes_spin)
        form.addRow(
            note(
                "A monthly meeting repeats on the same weekday of the month (the second "
                "Tuesday, the last Friday). This is not the mapping refresh cadence.",
                self,
            )
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        return {
            "rhythm": self.rhythm_combo.currentData(),
            "next_date": self.date_edit.date().toString("yyyy-MM-dd"),
            "time_of_day": self.time_edit.time().toString("HH:mm"),
            "time_zone": self.zone_combo.currentText().strip(),
            "duration_minutes": self.minutes_spin.value(),
        }


# ---------------------------------------------------------------------- the e-mail dialog


class HandoffDialog(QDialog):
    """What goes into the e-mail: the files, the plans, the folder and the address."""

    KINDS = (
        ("pdf", "PDF report (read without Overlap)", True),
        ("xlsx", "Excel workbook", True),
        ("plan", "Overlap plan file (.overlap-plan)", True),
        ("ics", "Calendar of sync meetings and next steps (.ics)", False),
    )

    def __init__(self, parent: QWidget, partner: str, plans: Any, agenda_plans: list[int]) -> None:
        super().__init__(parent)
        self.setObjectName("handoffDialog")
        self.setWindowTitle(f"Prepare the e-mail to {partner}")
        self.setAccessibleName(f"Prepare the e-mail to {partner}")
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self.to_edit = QLineEdit(self)
        self.to_edit.setPlaceholderText("optional, e.g. gina@globex.com")
        self.to_edit.setAccessibleName("The partner's e-mail address")
        form.addRow("To:", self.to_edit)
        self.kind_boxes: dict[str, QCheckBox] = {}
        files = QVBoxLayout()
        for kind, label, checked in self.KINDS:
            box = QCheckBox(label, self)
            box.setChecked(checked)
            box.setAccessibleName(f"Attach the {label}")
            files.addWidget(box)
            self.kind_boxes[kind] = box
        form.addRow("Files:", files)
        self.encrypt_box = QCheckBox("Encrypt the plan file with a passphrase", self)
        self.encrypt_box.setAccessibleName("Encrypt the plan file with a passphrase")
        form.addRow("", self.encrypt_box)
        self.plans_combo = QComboBox(self)
        self.plans_combo.setAccessibleName("Which plans to send")
        total = 0 if plans is None else len(plans)
        open_ids = (
            []
            if plans is None
            else [int(i) for i in plans[plans["status"].isin(["draft", "active"])]["id"]]
        )
        self.plans_combo.addItem(f"All plans ({total})", None)
        self.plans_combo.addItem(f"Open plans: draft and active ({len(open_ids)})", open_ids)
        self.plans_combo.addItem(f"Plans on this agenda ({len(agenda_plans)})", agenda_plans)
        form.addRow("Plans:", self.plans_combo)
        row = QHBoxLayout()
        self.folder_edit = QLineEdit(self)
        self.folder_edit.setAccessibleName("Folder the files are written to")
        documents = Path.home() / "Documents"
        base = documents if documents.is_dir() else Path.home()
        self.folder_edit.setText(str(base / f"Overlap - {partner}"))
        browse = QPushButton("Choose…", self)
        browse.setAccessibleName("Choose the folder")
        browse.clicked.connect(self._choose_folder)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        form.addRow("Folder:", row)
        hint = note(
            "Overlap writes the files into the folder, opens it, and puts a summary on the "
            "clipboard. Nothing is sent: you attach the files in your own e-mail.",
            self,
        )
        form.addRow(hint)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Write the files")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    @Slot()
    def _choose_folder(self) -> None:
        folder = dialogs.choose_folder(
            self, "Folder for the e-mail's files", self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(folder)

    def kinds(self) -> list[str]:
        return [kind for kind, box in self.kind_boxes.items() if box.isChecked()]

    def plan_ids(self) -> list[int] | None:
        return self.plans_combo.currentData()


# ---------------------------------------------------------------------- the page


class AgendaPage(Page):
    key = "agenda"
    title = "Agenda"
    number = 0
    heading = "the next sync with {partner}"
    help_text = (
        "Meet the partner on a <b>rhythm</b> — every week, every two weeks or every month — and "
        "log each sync here: attendance feeds the engagement score and the next date moves on. "
        "Before each sync the <b>agenda</b> lists what to talk about: new shared accounts since "
        "the last sync, stalled plans and why, next steps due or overdue, registrations expiring "
        "or in conflict, and leads that changed. Export it as text or PDF, put the sync meetings "
        "and next steps in both teams' calendars (.ics), and <b>prepare the e-mail</b> with the "
        "plan files: Overlap writes the files and the summary, you send them. Sync meetings are "
        "not the mapping refresh, whose cadence is on the Dashboard."
    )
    next_label = "Next: track the results ›"
    next_key = "dashboard"

    agenda_loaded = Signal()
    file_exported = Signal(str)
    email_prepared = Signal(object)

    def __init__(self, window: Any) -> None:
        self.stack = QUndoStack()
        super().__init__(window)
        self.stack.setParent(self)
        self.view: Any = None
        self.draft: Any = None
        self.handoff_dialog: HandoffDialog | None = None
        self.schedule_dialog: ScheduleDialog | None = None
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._build_schedule_card())
        self.tabs = QTabWidget(self.body)
        self.tabs.setAccessibleName("Agenda and e-mail")
        self.tabs.addTab(self._build_agenda_tab(), "Agenda")
        self.tabs.addTab(self._build_email_tab(), "E-mail to the partner")
        layout.addWidget(self.tabs, 1)

    # ------------------------------------------------------------------ building

    def _build_schedule_card(self) -> QFrame:
        card = QFrame(self.body)
        card.setObjectName("card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(12, 8, 12, 8)
        top = QHBoxLayout()
        top.addWidget(section("Sync meetings", card))
        top.addStretch(1)
        self.schedule_button = QPushButton("Set the rhythm…", card)
        self.schedule_button.setAccessibleName(
            "Set the rhythm, next date, time and zone of the sync meetings"
        )
        self.schedule_button.clicked.connect(self.edit_schedule)
        top.addWidget(self.schedule_button)
        layout.addLayout(top)
        self.schedule_label = QLabel("", card)
        self.schedule_label.setWordWrap(True)
        self.schedule_label.setAccessibleName("Next sync meeting")
        layout.addWidget(self.schedule_label)

        row = QHBoxLayout()
        self.attended_button = QPushButton("Log attendance", card)
        self.attended_button.setObjectName("primaryButton")
        self.attended_button.setAccessibleName("Log the sync as attended (undo with Ctrl+Z)")
        self.attended_button.setToolTip("The sync took place: log it and move to the next date")
        self.attended_button.clicked.connect(partial(self.log_sync, True))
        self.missed_button = QPushButton("Log as missed", card)
        self.missed_button.setAccessibleName("Log the next sync as missed (undo with Ctrl+Z)")
        self.missed_button.setToolTip("The sync did not take place: move to the next date")
        self.missed_button.clicked.connect(partial(self.log_sync, False))
        self.note_edit = QLineEdit(card)
        self.note_edit.setPlaceholderText("Note on the sync (optional)")
        self.note_edit.setAccessibleName("Note on the sync")
        self.note_edit.setMinimumWidth(160)
        self.engagement_label = note("", card)
        self.engagement_label.setAccessibleName("Attendance and engagement")
        row.addWidget(self.attended_button)
        row.addWidget(self.missed_button)
        row.addWidget(self.note_edit, 2)
        row.addWidget(self.engagement_label, 3)
        layout.addLayout(row)
        return card

    def _build_agenda_tab(self) -> QWidget:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        self.agenda_label = QLabel("", tab)
        self.agenda_label.setWordWrap(True)
        self.agenda_label.setAccessibleName("Agenda summary")
        layout.addWidget(self.agenda_label)
        self.warning_label = QLabel("", tab)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #9a3412;")
        self.warning_label.setAccessibleName("Agenda warnings")
        self.warning_label.hide()
        layout.addWidget(self.warning_label)
        bar = QHBoxLayout()
        self.section_combo = QComboBox(tab)
        self.section_combo.setAccessibleName("Show one section of the agenda")
        self.section_combo.addItem("All sections", ALL_SECTIONS)
        self.section_combo.setMinimumContentsLength(12)
        self.section_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.section_combo.currentIndexChanged.connect(self._on_section_chosen)
        bar.addWidget(self.section_combo)
        bar.addStretch(1)
        bar.addWidget(QLabel("Export:", tab))
        self.text_button = QPushButton("Text…", tab)
        self.pdf_button = QPushButton("PDF…", tab)
        self.ics_button = QPushButton("Calendar (.ics)…", tab)
        self.email_button = QPushButton("Prepare e-mail…", tab)
        self.email_button.setObjectName("primaryButton")
        for button, name, slot in (
            (self.text_button, "Export the agenda as text", partial(self.export_agenda, "txt")),
            (self.pdf_button, "Export the agenda as PDF", partial(self.export_agenda, "pdf")),
            (self.ics_button, "Export the sync meetings and next steps as a calendar file",
             self.export_calendar),
            (self.email_button, "Prepare the e-mail with the plan files", self.prepare_email),
        ):  # fmt: skip
            button.setAccessibleName(name)
            button.clicked.connect(slot)
            bar.addWidget(button)
        layout.addLayout(bar)
        self.model = AgendaModel()
        self.model.set_row_brush(self._row_brush)
        self.table = DataTable(self.model, "Agenda of the next sync", tab)
        self.table.set_widths(
            {"section": 110, "title": 220, "account": 120, "detail": 330, "owner": 130, "due": 85}
        )
        layout.addWidget(self.table, 1)
        return tab

    def _build_email_tab(self) -> QWidget:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        self.email_label = note(
            "Prepare e-mail writes the chosen plan files into a folder and opens it, and puts a "
            "ready-to-paste summary on the clipboard: what is attached, what changed, the next "
            "steps and what we ask of the partner. Nothing is sent by Overlap.",
            tab,
        )
        self.email_label.setAccessibleName("E-mail hand-off")
        layout.addWidget(self.email_label)
        self.summary_edit = QPlainTextEdit(tab)
        self.summary_edit.setReadOnly(True)
        self.summary_edit.setAccessibleName("Summary of the e-mail")
        self.summary_edit.setPlaceholderText("The summary of the e-mail appears here.")
        layout.addWidget(self.summary_edit, 1)
        row = QHBoxLayout()
        self.mail_button = QPushButton("Open e-mail draft", tab)
        self.mail_button.setObjectName("primaryButton")
        self.mail_button.setAccessibleName("Open a new e-mail with the subject and summary")
        self.mail_button.clicked.connect(self.open_mail)
        self.copy_button = QPushButton("Copy summary", tab)
        self.copy_button.setAccessibleName("Copy the summary to the clipboard again")
        self.copy_button.clicked.connect(self.copy_summary)
        self.folder_button = QPushButton("Show files", tab)
        self.folder_button.setAccessibleName("Open the folder with the files")
        self.folder_button.clicked.connect(self.open_folder)
        again = QPushButton("Prepare e-mail…", tab)
        again.setAccessibleName("Prepare the e-mail with the plan files")
        again.clicked.connect(self.prepare_email)
        for button in (self.mail_button, self.copy_button, self.folder_button):
            button.setEnabled(False)
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(again)
        layout.addLayout(row)
        return tab

    # ------------------------------------------------------------------ loading

    def undo_stack(self) -> QUndoStack:
        return self.stack

    def reload(self) -> None:
        from desktop.operations.agenda import load_agenda

        self.load_for_partner("Preparing the agenda", load_agenda, self._on_loaded)

    def data_changed(self, what: str) -> None:
        if what in ("sync", "plans", "ownership", "matches", "decisions", "accounts", "dashboard"):
            super().data_changed(what)

    def _on_loaded(self, view: Any) -> None:
        self.view = view
        self._show_schedule(view)
        self._show_agenda(view.agenda, view.items)
        self.agenda_loaded.emit()

    def _show_schedule(self, view: Any) -> None:
        schedule = view.schedule
        agenda = view.agenda
        last = agenda.facts()[2][1]
        refresh = (
            f"<span style='color:#667085'>(The mapping refresh, {view.cadence}, is set on the "
            "Dashboard.)</span>"
        )
        if schedule is None:
            self.schedule_label.setText(
                f"No rhythm yet for the sync meetings with {self.partner_name}: set one, every "
                f"week, every 2 weeks or every month. Last sync: {last}. {refresh}"
            )
            self.schedule_button.setText("Set the rhythm…")
            self.missed_button.setEnabled(False)
        else:
            self.schedule_label.setText(
                f"Next sync: <b>{schedule.meeting_text()}</b> · {schedule.rhythm_text()} · "
                f"last sync: {last}. {refresh}"
            )
            self.schedule_button.setText("Change the rhythm…")
            # A meeting is missed once its day has come; until then there is nothing to log.
            day = schedule.next_date
            due = QDate(day.year, day.month, day.day) <= QDate.currentDate()
            self.missed_button.setEnabled(due)
            self.missed_button.setToolTip(
                "The sync did not take place: move to the next date"
                if due
                else f"The next sync is on {day_text(day)}: it can be logged as missed then"
            )
        self.engagement_label.setText(f"Engagement {agenda.engagement}")

    def _show_agenda(self, agenda: Any, items: Any) -> None:
        shown = items.assign(section=items["section_key"].map(SHORT).fillna(items["section"]))
        self.model.set_frame(shown)
        parts = []
        for part in agenda.sections:
            count = len(part.items)
            words = COUNTED[part.key]
            parts.append(f"<b>{count}</b> {words[count != 1]}" if count else f"no {words[1]}")
        since = f", compared with {agenda.since}" if agenda.since else ""
        meeting = agenda.meeting_text if agenda.meeting else "the next sync"
        self.agenda_label.setText(f"For {meeting}{since}: " + " · ".join(parts) + ".")
        current = self.section_combo.currentData()
        self.section_combo.blockSignals(True)
        self.section_combo.clear()
        self.section_combo.addItem(f"All sections ({agenda.item_count()})", ALL_SECTIONS)
        for part in agenda.sections:
            self.section_combo.addItem(f"{part.title} ({len(part.items)})", part.key)
        self.section_combo.setCurrentIndex(max(0, self.section_combo.findData(current)))
        self.section_combo.blockSignals(False)
        self._on_section_chosen(self.section_combo.currentIndex())
        self.warning_label.setText(" ".join(agenda.warnings))
        self.warning_label.setVisible(bool(agenda.warnings))

    @Slot(int)
    def _on_section_chosen(self, _index: int) -> None:
        key = self.section_combo.currentData()
        frame = self.model.frame
        if not key or frame is None:
            self.model.set_mask(None)
        else:
            self.model.set_mask((frame["section_key"] == key).to_numpy())

    def _row_brush(self, frame_row: int) -> QBrush | None:
        frame = self.model.frame
        if frame is None:
            return None
        if bool(frame["empty"].iat[frame_row]):
            return NOTHING
        return OVERDUE if bool(frame["overdue"].iat[frame_row]) else None

    # ------------------------------------------------------------------ schedule and attendance

    @Slot()
    def edit_schedule(self) -> None:
        if self.partner is None or self.view is None:
            return
        # Qt knows the system's IANA zone on every platform (Windows included).
        system = bytes(QTimeZone.systemTimeZoneId().data()).decode() or self.view.zone
        zone = system if system in self.view.zones else self.view.zone
        dialog = ScheduleDialog(
            self, self.partner_name, self.view.schedule, list(self.view.zones), zone
        )
        dialog.accepted.connect(partial(self.save_schedule, dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.schedule_dialog = dialog

    def save_schedule(self, dialog: ScheduleDialog) -> None:
        if self.partner is None:
            return
        self.stack.push(ScheduleCommand(self, dialog.values()))

    def _on_schedule_saved(self, settings: Any) -> None:
        self.footer_note.setText(
            f"Saved: sync meetings {settings.rhythm_text()}. Undo with Ctrl+Z."
        )

    @Slot(bool)
    def log_sync(self, attended: bool) -> None:
        if self.partner is None:
            return
        self.stack.push(SyncLogCommand(self, attended, self.note_edit.text().strip()))
        self.note_edit.clear()

    def _on_sync_logged(self, text: str) -> None:
        self.footer_note.setText(f"{text} Undo with Ctrl+Z.")

    def _on_command_failed(self, command: QUndoCommand, kind: str, message: str) -> None:
        """A refused decision changed nothing: it leaves the stack, with nothing to undo."""
        top = self.stack.count() - 1
        if top >= 0 and self.stack.index() == top + 1 and self.stack.command(top) is command:
            command.setObsolete(True)
            self.stack.undo()  # an obsolete command is dropped, not undone
        self.show_error(kind, message)

    # ------------------------------------------------------------------ exports

    @Slot(str)
    def export_agenda(self, suffix: str) -> None:
        from desktop.operations.agenda import export_agenda_file

        if self.partner is None:
            return
        stem = f"{self.us_name}-{self.partner_name}-sync-agenda".replace(" ", "-").lower()
        filters = "PDF (*.pdf)" if suffix == "pdf" else "Text (*.txt)"
        path = dialogs.choose_save_file(self, "Export the agenda", filters, f"{stem}.{suffix}")
        if not path:
            return
        if not path.lower().endswith(f".{suffix}"):
            path += f".{suffix}"
        self.ops.run(
            "Exporting the agenda",
            partial(export_agenda_file, partner=self.partner.name, path=path),
            on_success=partial(self._on_exported, path=path),
            on_failure=self.show_error,
            changes=("ledger",),
        )

    @Slot()
    def export_calendar(self) -> None:
        from desktop.operations.agenda import export_calendar_file

        if self.partner is None:
            return
        stem = f"{self.us_name}-{self.partner_name}-calendar".replace(" ", "-").lower()
        path = dialogs.choose_save_file(
            self, "Export the calendar", "iCalendar (*.ics)", f"{stem}.ics"
        )
        if not path:
            return
        if not path.lower().endswith(".ics"):
            path += ".ics"
        self.ops.run(
            "Exporting the calendar",
            partial(export_calendar_file, partner=self.partner.name, path=path),
            on_success=partial(self._on_exported, path=path),
            on_failure=self.show_error,
            changes=("ledger",),
        )

    def _on_exported(self, message: str, path: str = "") -> None:
        self.footer_note.setText(message)
        self.file_exported.emit(message)
        if path:
            self.show_saved(path)

    # ------------------------------------------------------------------ the e-mail hand-off

    def _agenda_plan_ids(self) -> list[int]:
        if self.view is None:
            return []
        ids = self.view.items["plan_id"].dropna()
        return sorted({int(i) for i in ids})

    @Slot()
    def prepare_email(self) -> None:
        if self.partner is None:
            return
        plans = self.view.plans if self.view is not None else None
        dialog = HandoffDialog(self, self.partner_name, plans, self._agenda_plan_ids())
        dialog.accepted.connect(partial(self._on_handoff_accepted, dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.handoff_dialog = dialog

    def _on_handoff_accepted(self, dialog: HandoffDialog) -> None:
        from desktop.operations.agenda import prepare_email

        if self.partner is None:
            return
        kinds = dialog.kinds()
        folder = dialog.folder_edit.text().strip()
        if not kinds or not folder:
            self.show_error("user", "Choose at least one file and a folder.")
            return
        passphrase = None
        if dialog.encrypt_box.isChecked() and "plan" in kinds:
            passphrase = dialogs.ask_secret(
                self,
                "Encrypt the plan file",
                "Passphrase (at least 8 characters; tell it to the partner by phone):",
            )
            if not passphrase:
                return
        self.ops.run(
            "Writing the e-mail's files",
            partial(
                prepare_email,
                partner=self.partner.name,
                folder=folder,
                kinds=kinds,
                plan_ids=dialog.plan_ids(),
                to=dialog.to_edit.text().strip() or None,
                passphrase=passphrase,
            ),
            on_success=self._on_email_prepared,
            on_failure=self.show_error,
            changes=("ledger",),
        )

    def _on_email_prepared(self, draft: Any) -> None:
        self.draft = draft
        self.summary_edit.setPlainText(draft.text)
        QGuiApplication.clipboard().setText(draft.text)
        for button in (self.mail_button, self.copy_button, self.folder_button):
            button.setEnabled(True)
        files = ", ".join(draft.files)
        warnings = "".join(f" {w}" for w in draft.warnings)
        self.email_label.setText(
            f"Written to {draft.folder}: {files}. The summary is on the clipboard: paste it into "
            f"your e-mail and attach the files. Nothing was sent.{warnings}"
        )
        self.tabs.setCurrentIndex(1)
        self.open_folder()
        self.email_prepared.emit(draft)

    @Slot()
    def open_folder(self) -> None:
        if self.draft is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.draft.folder))

    @Slot()
    def open_mail(self) -> None:
        if self.draft is not None:
            QDesktopServices.openUrl(QUrl(self.draft.mailto, QUrl.ParsingMode.StrictMode))

    @Slot()
    def copy_summary(self) -> None:
        if self.draft is not None:
            QGuiApplication.clipboard().setText(self.draft.text)
            self.footer_note.setText("The summary is on the clipboard.")
