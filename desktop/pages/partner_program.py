"""The Partners page's program tab: one partnership as the guide runs it.

Its model (referral, co-sell, reseller) with the guide's seven aspects, and what changing it
does to the leads; its lifecycle stage with the checklist of what is done and what moves it on;
our ARR stage and the advice it gives; enablement; each side's acceptance of the rules.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import pandas as pd
from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.models.frame import Column, FrameModel
from desktop.pages.base import note
from desktop.widgets.table import ROW_HEIGHT, DataTable

ENABLEMENT_KINDS = (
    ("session", "Session held"),
    ("trained", "People trained"),
    ("certified", "People certified"),
    ("material", "Material shared"),
)
SIDES = (("both", "Both sides"), ("us", "Ours"), ("partner", "Theirs"))
NOT_DONE = QColor("#fff4d6")


class ChecklistModel(FrameModel):
    COLUMNS = (
        Column("mark", "Done"),
        Column("label", "What"),
        Column("stage", "Stage", "label"),
        Column("detail", "Where it stands"),
    )


class EnablementModel(FrameModel):
    COLUMNS = (
        Column("on", "Date", "date"),
        Column("kind", "What", "label"),
        Column("side", "Side", "label"),
        Column("people", "People", "number"),
        Column("title", "Topic"),
    )


def checklist_frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(items, columns=["key", "label", "done", "detail", "stage"])
    frame["mark"] = frame["done"].map(lambda d: "✓ done" if d else "✗ not yet")
    return frame


def _combo(parent: QWidget, name: str, items: Any) -> QComboBox:
    combo = QComboBox(parent)
    combo.setAccessibleName(name)
    for item in items:
        key, text = item if isinstance(item, tuple) else (item, item)
        combo.addItem(text, key)
    return combo


class ProgramPanel(QWidget):
    """One partnership's program; ``page`` runs the jobs and shows their errors."""

    def __init__(self, page: Any, parent: QWidget) -> None:
        super().__init__(parent)
        self.page = page
        self.view: Any = None
        self.partner: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(self._build_bar())
        self.advice_label = QLabel("", self)
        self.advice_label.setObjectName("warningText")
        self.advice_label.setWordWrap(True)
        self.advice_label.setAccessibleName("Advice for our stage")
        layout.addWidget(self.advice_label)
        self.status_label = note("", self)
        self.status_label.setAccessibleName("What the last change did")
        self.status_label.hide()
        layout.addWidget(self.status_label)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.setChildrenCollapsible(False)
        split.addWidget(self._build_model_card(split))
        split.addWidget(self._build_lifecycle(split))
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 640])
        layout.addWidget(split, 1)

    # ------------------------------------------------------------------ building

    def _build_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.partner_combo = _combo(self, "The partnership shown", ())
        self.model_combo = _combo(self, "The partnership's model", ())
        self.stage_combo = _combo(self, "The partnership's lifecycle stage", ())
        for text, combo in (
            ("Partnership:", self.partner_combo),
            ("Model:", self.model_combo),
            ("Stage:", self.stage_combo),
        ):
            label = QLabel(text, self)
            label.setBuddy(combo)
            bar.addWidget(label)
            bar.addWidget(combo)
        self.partner_combo.setMinimumWidth(140)
        self.partner_combo.activated.connect(self._on_partner_chosen)
        self.model_combo.activated.connect(self._on_model_chosen)
        self.stage_combo.activated.connect(self._on_stage_chosen)
        self.assign_button = QPushButton("Re-assign leads", self)
        self.assign_button.setAccessibleName("Apply the rules and the model to the leads again")
        self.assign_button.setToolTip("The leads follow a new model once assigned again")
        self.assign_button.clicked.connect(self.reassign)
        bar.addWidget(self.assign_button)
        bar.addStretch(1)
        arr_label = QLabel("Our ARR stage:", self)
        self.arr_combo = _combo(self, "Our stage by annual recurring revenue", ())
        arr_label.setBuddy(self.arr_combo)
        self.arr_combo.activated.connect(self._on_arr_chosen)
        bar.addWidget(arr_label)
        bar.addWidget(self.arr_combo)
        return bar

    def _build_model_card(self, parent: QWidget) -> QFrame:
        card = QFrame(parent)
        card.setObjectName("card")
        column = QVBoxLayout(card)
        column.setContentsMargins(10, 6, 10, 8)
        self.model_title = QLabel("", card)
        self.model_title.setObjectName("sectionTitle")
        self.model_title.setWordWrap(True)
        column.addWidget(self.model_title)
        self.aspects_label = QLabel("", card)
        self.aspects_label.setWordWrap(True)
        self.aspects_label.setTextFormat(Qt.TextFormat.RichText)
        self.aspects_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.aspects_label.setAccessibleName("The model's seven aspects: who does what")
        column.addWidget(self.aspects_label)
        column.addStretch(1)
        grace = QHBoxLayout()
        grace_label = QLabel("New plans have", card)
        self.grace_spin = QSpinBox(card)
        self.grace_spin.setRange(0, 365)
        self.grace_spin.setValue(14)
        self.grace_spin.setSuffix(" days")
        self.grace_spin.setKeyboardTracking(False)  # one change on Enter, not one per digit
        self.grace_spin.setAccessibleName("Days a new plan has before it stalls")
        grace_label.setBuddy(self.grace_spin)
        self.grace_spin.valueChanged.connect(self._on_grace_chosen)
        grace.addWidget(grace_label)
        grace.addWidget(self.grace_spin)
        grace.addWidget(QLabel("to get an owner and a next step before they stall", card), 1)
        column.addLayout(grace)
        column.addWidget(QLabel("<b>Rules of engagement accepted</b>", card))
        self.accept_status = note("", card)
        self.accept_status.setAccessibleName("Who accepted the rules in force, when, how")
        column.addWidget(self.accept_status)
        accept = QHBoxLayout()
        self.accept_side = _combo(card, "Which side accepted", (("us", "Us"), ("partner", "Them")))
        accept.addWidget(self.accept_side)
        self.accept_by = QLineEdit(card)
        self.accept_by.setPlaceholderText("Who accepted")
        self.accept_by.setAccessibleName("Who accepted the rules")
        accept.addWidget(self.accept_by, 1)
        self.accept_file = QLineEdit(card)
        self.accept_file.setPlaceholderText("Through plan file (optional)")
        self.accept_file.setAccessibleName("The plan file the acceptance came by")
        accept.addWidget(self.accept_file, 1)
        self.accept_button = QPushButton("Record", card)
        self.accept_button.setAccessibleName("Record the acceptance of the current rules")
        self.accept_button.clicked.connect(self.record_acceptance)
        accept.addWidget(self.accept_button)
        column.addLayout(accept)
        return card

    def _build_lifecycle(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        column = QVBoxLayout(box)
        column.setContentsMargins(6, 0, 0, 0)
        self.stage_title = QLabel("", box)
        self.stage_title.setObjectName("sectionTitle")
        self.stage_title.setWordWrap(True)
        column.addWidget(self.stage_title)
        self.next_label = note("", box)
        self.next_label.setAccessibleName("What moves the partnership to the next stage")
        column.addWidget(self.next_label)
        self.checklist_model = ChecklistModel()
        self.checklist_model.set_row_brush(self._checklist_brush)
        self.checklist_table = DataTable(self.checklist_model, "Partnership checklist", box)
        self.checklist_table.set_widths({"mark": 76, "label": 150, "stage": 72})
        self.checklist_table.wrap_rows()  # "Where it stands" reads whole, on two lines if need be
        self.checklist_table.setMinimumHeight(5 * ROW_HEIGHT + 30)
        column.addWidget(self.checklist_table, 3)
        self.enablement_label = QLabel("", box)
        self.enablement_label.setWordWrap(True)
        self.enablement_label.setAccessibleName("Enablement so far")
        column.addWidget(self.enablement_label)
        self.enablement_model = EnablementModel()
        self.enablement_table = DataTable(self.enablement_model, "Enablement", box)
        self.enablement_table.set_widths({"on": 96, "kind": 90, "side": 70, "people": 64})
        self.enablement_table.setMinimumHeight(2 * ROW_HEIGHT + 30)
        column.addWidget(self.enablement_table, 2)
        form = QHBoxLayout()
        second = QHBoxLayout()
        self.enable_kind = _combo(box, "What to record", ENABLEMENT_KINDS)
        form.addWidget(self.enable_kind)
        self.enable_side = _combo(box, "Whose people", SIDES)
        form.addWidget(self.enable_side)
        self.enable_people = QSpinBox(box)
        self.enable_people.setRange(0, 100_000)
        self.enable_people.setPrefix("people ")
        self.enable_people.setAccessibleName("How many people")
        self.enable_people.setMinimumWidth(110)
        form.addWidget(self.enable_people)
        self.enable_title = QLineEdit(box)
        self.enable_title.setPlaceholderText("Topic, course or material")
        self.enable_title.setAccessibleName("Topic, course or material")
        second.addWidget(self.enable_title, 1)
        self.enable_date = QDateEdit(QDate.currentDate(), box)
        self.enable_date.setCalendarPopup(True)
        self.enable_date.setDisplayFormat("yyyy-MM-dd")
        self.enable_date.setAccessibleName("When")
        form.addWidget(self.enable_date)
        form.addStretch(1)
        self.enable_button = QPushButton("Add", box)
        self.enable_button.setAccessibleName("Record the enablement")
        self.enable_button.clicked.connect(self.record_enablement)
        second.addWidget(self.enable_button)
        self.remove_button = QPushButton("Remove", box)
        self.remove_button.setAccessibleName("Remove the selected enablement entry")
        self.remove_button.clicked.connect(self.remove_enablement)
        second.addWidget(self.remove_button)
        column.addLayout(form)
        column.addLayout(second)
        return box

    # ------------------------------------------------------------------ loading

    def set_partners(self, names: Any, current: str | None) -> None:
        """The partnerships to choose from; shows ``current`` (else the one shown before)."""
        wanted = self.partner or current
        self.partner_combo.clear()
        for name in names:
            self.partner_combo.addItem(str(name), str(name))
        at = self.partner_combo.findData(wanted)
        self.partner_combo.setCurrentIndex(max(0, at))
        self.partner = self.partner_combo.currentData()

    def reload(self) -> None:
        from desktop.operations.program import load_program

        if self.partner is None or self.page.workspace is None:
            return
        self.page.ops.run(
            "Reading the partnership's program",
            partial(load_program, partner=self.partner),
            on_success=self._on_loaded,
            on_failure=self.page.show_error,
        )

    def _on_loaded(self, view: Any) -> None:
        self.view = view
        checklist = view.checklist
        if not self.model_combo.count():  # the engine's vocabularies, on the first load
            for combo, items in (
                (self.model_combo, view.models),
                (self.stage_combo, view.stages),
                (self.arr_combo, (("", "Not recorded"), *view.arr_stages)),
            ):
                for item in items:
                    key, text = item if isinstance(item, tuple) else (item, item)
                    combo.addItem(text, key)
        self.model_combo.setCurrentIndex(self.model_combo.findData(view.model))
        self.stage_combo.setCurrentIndex(self.stage_combo.findData(checklist["stage"]))
        self.arr_combo.setCurrentIndex(max(0, self.arr_combo.findData(view.arr_stage)))
        self.grace_spin.setMaximum(view.max_grace_days)
        self.grace_spin.setValue(view.plan_grace_days)
        self.model_title.setText(f"{view.partner}: {view.model} — {view.summary}")
        self.aspects_label.setText(
            "".join(f"<p style='margin:0 0 4px 0'><b>{label}:</b> {html.escape(value)}</p>"
                    for label, value in view.aspects)
        )  # fmt: skip
        self.stage_title.setText(f"Lifecycle: {checklist['stage']} — {checklist['focus']}")
        self.next_label.setText(checklist["next"])
        self.checklist_model.set_frame(checklist_frame(checklist["items"]))
        rules = next((i for i in checklist["items"] if i["key"] == "rules"), None)
        detail = str(rules["detail"]) if rules else ""
        self.accept_status.setText(detail[:1].upper() + detail[1:] + "." if detail else "")
        self.enablement_model.set_frame(view.enablement)
        self.enablement_label.setText(f"<b>Enablement</b>: {view.enablement_text}")
        self.advice_label.setText(" ".join(checklist["advice"]))
        self.advice_label.setVisible(bool(checklist["advice"]))

    def _say(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def _checklist_brush(self, row: int) -> QBrush | None:
        frame = self.checklist_model.frame
        return None if bool(frame["done"].iat[row]) else QBrush(NOT_DONE)

    # ------------------------------------------------------------------ changes

    def _run(self, label: str, job: Any, changes: tuple[str, ...], after: Any = None) -> None:
        def done(result: Any) -> None:
            if after is not None:
                after(result)
            self.reload()

        self.page.ops.run(label, job, on_success=done, on_failure=self.page.show_error,
                          changes=changes)  # fmt: skip

    @Slot(int)
    def _on_partner_chosen(self, _index: int) -> None:
        self.partner = self.partner_combo.currentData()
        self.reload()

    @Slot(int)
    def _on_model_chosen(self, _index: int) -> None:
        from desktop.operations.program import change_partner

        model = self.model_combo.currentData()
        if self.partner is None or self.view is None or model == self.view.model:
            return
        self._run(
            "Changing the partnership's model",
            partial(change_partner, partner=self.partner, model=model),
            ("partners",),
            self._on_model_changed,
        )

    def _on_model_changed(self, change: Any) -> None:
        text = f"{change.partner} is now a {change.model} partnership: re-assign the leads."
        self._say(text + (f" {change.advice}" if change.advice else ""))

    @Slot(int)
    def _on_stage_chosen(self, _index: int) -> None:
        from desktop.operations.program import change_partner

        if self.partner is None:
            return
        self._run(
            "Moving the partnership to another stage",
            partial(change_partner, partner=self.partner, stage=self.stage_combo.currentData()),
            ("partners",),
        )

    @Slot(int)
    def _on_grace_chosen(self, days: int) -> None:
        from desktop.operations.program import change_plan_grace_days

        if self.partner is None or self.view is None or days == self.view.plan_grace_days:
            return
        self._run(
            "Changing the plans' grace period",
            partial(change_plan_grace_days, partner=self.partner, days=days),
            ("partners", "plans"),
            lambda stored: self._say(
                f"A new plan of {self.partner} now has {stored} days to get an owner and a "
                "next step before it stalls."
            ),
        )

    @Slot(int)
    def _on_arr_chosen(self, _index: int) -> None:
        from desktop.operations.program import change_arr_stage

        self._run(
            "Recording our ARR stage",
            partial(change_arr_stage, stage=self.arr_combo.currentData()),
            ("partners",),
        )

    def reassign(self) -> None:
        from desktop.operations.program import reassign_leads

        if self.partner is None:
            return
        self._run(
            "Applying the rules and the model",
            partial(reassign_leads, partner=self.partner),
            ("ownership",),
            lambda n: self._say(f"Leads of {n:,} shared accounts assigned."),
        )

    def record_enablement(self) -> None:
        from desktop.operations.program import record_enablement

        if self.partner is None:
            return
        fields = {
            "kind": self.enable_kind.currentData(),
            "title": self.enable_title.text(),
            "side": self.enable_side.currentData(),
            "people": self.enable_people.value(),
            "on": self.enable_date.date().toString("yyyy-MM-dd"),
        }
        self._run(
            "Recording enablement",
            partial(record_enablement, partner=self.partner, **fields),
            ("sync",),
            lambda _id: self.enable_title.clear(),
        )

    def remove_enablement(self) -> None:
        from desktop.operations.program import drop_enablement

        record = self.enablement_table.current_record()
        if record is None:
            return
        self._run(
            "Removing enablement",
            partial(drop_enablement, item_id=int(record["id"])),
            ("sync",),
        )

    def record_acceptance(self) -> None:
        from desktop.operations.program import record_acceptance

        if self.partner is None:
            return
        self._run(
            "Recording the acceptance of the rules",
            partial(
                record_acceptance,
                partner=self.partner,
                side=self.accept_side.currentData(),
                by=self.accept_by.text(),
                plan_file=self.accept_file.text(),
            ),
            ("ownership",),
            lambda _v: self.accept_by.clear(),
        )
