"""The plan editor's Outreach tab: why together, what both sides know of the account (needs,
stakeholders, competitors, next event) and a joint meeting's steps."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.pages.base import note


def _text_edit(parent: QWidget, name: str, placeholder: str, height: int) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    edit.setFixedHeight(height)
    edit.setTabChangesFocus(True)
    return edit


def _date_edit(parent: QWidget, name: str) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(QDate.currentDate().addDays(14))
    edit.setAccessibleName(name)
    return edit


class OutreachPanel(QWidget):
    """Edits the outreach of one plan; the page runs the jobs its signals ask for."""

    save_requested = Signal(str, dict)  # why together, insight fields
    joint_meeting_requested = Signal(str)  # the meeting's day, YYYY-MM-DD

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.why_edit = _text_edit(
            self, "Why together", "What the customer gains from both companies at once", 48
        )
        self.needs_edit = _text_edit(self, "The customer's needs", "What they must solve", 40)
        self.stakeholders_edit = _text_edit(
            self, "Stakeholders", "One a line: name, title, what they care about", 40
        )
        self.competitors_edit = QLineEdit(self)
        self.competitors_edit.setAccessibleName("Competitors in the deal")
        self.event_edit = QLineEdit(self)
        self.event_edit.setAccessibleName("Next event to meet the customer at")
        self.event_edit.setPlaceholderText("e.g. Retail Summit, their QBR")
        event_row = QHBoxLayout()
        event_row.addWidget(self.event_edit, 1)
        self.event_date_check = QCheckBox("on", self)
        self.event_date_check.setAccessibleName("The next event has a date")
        self.event_date = _date_edit(self, "Date of the next event")
        self.event_date_check.toggled.connect(self.event_date.setEnabled)
        self.event_date.setEnabled(False)
        event_row.addWidget(self.event_date_check)
        event_row.addWidget(self.event_date)
        form.addRow("Why together:", self.why_edit)
        form.addRow("Needs:", self.needs_edit)
        form.addRow("Stakeholders:", self.stakeholders_edit)
        form.addRow("Competitors:", self.competitors_edit)
        form.addRow("Next event:", event_row)
        layout.addLayout(form)
        self.save_button = QPushButton("Save outreach", self)
        self.save_button.setAccessibleName("Save why together and the account insights")
        self.save_button.clicked.connect(self.save)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        meeting = QHBoxLayout()
        self.meeting_date = _date_edit(self, "Day of the joint meeting")
        self.meeting_button = QPushButton("Add a joint meeting's steps", self)
        self.meeting_button.setAccessibleName(
            "Add the joint steps of a meeting with the customer: prepare, meet, debrief"
        )
        self.meeting_button.clicked.connect(self.ask_joint_meeting)
        meeting.addWidget(self.meeting_date)
        meeting.addWidget(self.meeting_button)
        meeting.addStretch(1)
        layout.addLayout(meeting)
        layout.addWidget(
            note(
                "Insights travel in plan files only when the share policy ticks them; why "
                "together goes with the plan, joint steps with the next steps.",
                self,
            )
        )
        layout.addStretch(1)

    def show_outreach(self, view: Any) -> None:
        insight = view.insight
        self.why_edit.setPlainText(view.why_together)
        self.needs_edit.setPlainText(insight.get("needs") or "")
        self.stakeholders_edit.setPlainText(insight.get("stakeholders") or "")
        self.competitors_edit.setText(insight.get("competitors") or "")
        self.event_edit.setText(insight.get("next_event") or "")
        day = insight.get("next_event_date")
        self.event_date_check.setChecked(bool(day))
        if day:
            self.event_date.setDate(QDate.fromString(day, "yyyy-MM-dd"))

    def values(self) -> tuple[str, dict[str, Any]]:
        dated = self.event_date_check.isChecked()
        return self.why_edit.toPlainText().strip(), {
            "needs": self.needs_edit.toPlainText().strip(),
            "stakeholders": self.stakeholders_edit.toPlainText().strip(),
            "competitors": self.competitors_edit.text().strip(),
            "next_event": self.event_edit.text().strip(),
            "next_event_date": self.event_date.date().toString("yyyy-MM-dd") if dated else None,
        }

    @Slot()
    def save(self) -> None:
        why, insight = self.values()
        self.save_requested.emit(why, insight)

    @Slot()
    def ask_joint_meeting(self) -> None:
        self.joint_meeting_requested.emit(self.meeting_date.date().toString("yyyy-MM-dd"))
