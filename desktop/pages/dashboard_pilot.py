"""The Dashboard's pilot sections: pilot accounts against the rest over time, the deals with
their co-sold flag set by hand, and the credit for direct sellers."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.models.frame import Column, FrameModel
from desktop.pages.base import note, section
from desktop.widgets.table import DataTable


def card(parent: QWidget, title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(parent)
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 8, 12, 8)
    layout.addWidget(section(title, frame))
    return frame, layout


class PeriodsModel(FrameModel):
    """The two groups' figures in all and per period; a figure on too few deals says so."""

    COLUMNS = (
        Column("period", "Period"),
        Column("group", "Deals on"),
        Column("won", "Won", "count"),
        Column("lost", "Lost", "count"),
        Column("win_rate_text", "Win rate"),
        Column("velocity_text", "Median days to close"),
        Column("size_text", "Average won deal"),
    )


class DealsModel(FrameModel):
    """The partnership's deals: co-sold or not and why, the partner's part, stage, rep."""

    COLUMNS = (
        Column("account_name", "Account"),
        Column("outcome", "Outcome"),
        Column("stage", "Stage"),
        Column("amount", "Amount", "money"),
        Column("co_sold_shown", "Co-sold"),
        Column("co_sold_why", "Why"),
        Column("partner_role", "Partner's part"),
        Column("rep", "Rep"),
        Column("pilot", "Pilot account", "bool"),
    )


class CreditModel(FrameModel):
    """Credit per direct seller for the partner's deals on their accounts."""

    COLUMNS = (
        Column("rep", "Rep"),
        Column("sourced_won", "Sourced won", "count"),
        Column("sourced_won_amount", "Sourced amount", "money"),
        Column("influenced_won", "Influenced won", "count"),
        Column("influenced_won_amount", "Influenced amount", "money"),
        Column("open_pipeline", "Open pipeline", "money"),
        Column("credited_amount", "Credited", "money"),
    )


COMPARE_CHOICES = (("Pilot accounts vs the rest", "pilot"), ("Co-sold vs other deals", "co-sold"))
PERIOD_CHOICES = (("By quarter", "quarter"), ("By month", "month"))


class PilotPanel(QFrame):
    """Pilot accounts (shared accounts with a joint plan) against the rest, in all and per
    period since the baseline."""

    view_changed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        top = QHBoxLayout()
        top.addWidget(section("The pilot over time", self), 1)
        self.compare_combo = QComboBox(self)
        self.compare_combo.setAccessibleName("Which deals to compare")
        self.by_combo = QComboBox(self)
        self.by_combo.setAccessibleName("Periods since the baseline")
        for combo, choices in ((self.compare_combo, COMPARE_CHOICES),
                               (self.by_combo, PERIOD_CHOICES)):  # fmt: skip
            for text, value in choices:
                combo.addItem(text, value)
            combo.activated.connect(self._on_choice)
            top.addWidget(combo)
        layout.addLayout(top)
        self.findings_label = note("", self)
        layout.addWidget(self.findings_label)
        self.model = PeriodsModel()
        self.table = DataTable(self.model, "Pilot figures by period", self)
        self.table.setMinimumHeight(190)
        self.table.set_widths({"period": 140, "group": 120, "won": 55, "lost": 55,
                               "win_rate_text": 250, "velocity_text": 200})  # fmt: skip
        layout.addWidget(self.table)

    @property
    def compare(self) -> str:
        return str(self.compare_combo.currentData())

    @property
    def by(self) -> str:
        return str(self.by_combo.currentData())

    @Slot(int)
    def _on_choice(self, _index: int) -> None:
        self.view_changed.emit()

    def show_view(self, view: Any) -> None:
        self.model.set_frame(view.periods)
        since = "" if view.compare != "pilot" else f" ({view.pilot_accounts} pilot accounts)"
        self.findings_label.setText(f"{view.pilot_findings}{since}".strip())


class DealsPanel(QFrame):
    """Each deal with its co-sold flag and why; the user sets co-sold, part and stage."""

    deal_change_requested = Signal(int, dict)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(section("Deals: co-sold, the partner's part, stage", self))
        layout.addWidget(
            note(
                "Co-sold is set by hand on each deal. Until it is, a deal on a pilot account "
                "(a shared account with a joint plan) counts as co-sold.",
                self,
            )
        )
        self.model = DealsModel()
        self.table = DataTable(self.model, "Deals of the partnership", self)
        self.table.setMinimumHeight(200)
        self.table.set_widths(
            {"account_name": 190, "outcome": 70, "stage": 100, "amount": 90,
             "co_sold_shown": 70, "co_sold_why": 200, "partner_role": 110}
        )  # fmt: skip
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.co_sold_combo = QComboBox(self)
        for text, value in (("Co-sold: as its account says", "auto"), ("Co-sold: yes", "yes"),
                            ("Co-sold: no", "no")):  # fmt: skip
            self.co_sold_combo.addItem(text, value)
        self.co_sold_combo.setAccessibleName("Co-sold flag of the selected deal")
        self.part_combo = QComboBox(self)
        for text, value in (("Partner's part: not recorded", "none"), ("Sourced", "sourced"),
                            ("Influenced", "influenced")):  # fmt: skip
            self.part_combo.addItem(text, value)
        self.part_combo.setAccessibleName("The partner's part in the selected deal")
        self.stage_combo = QComboBox(self)
        for text, value in (("Stage: not recorded", "none"), ("Qualification", "qualification"),
                            ("Proposal", "proposal"), ("Negotiation", "negotiation")):  # fmt: skip
            self.stage_combo.addItem(text, value)
        self.stage_combo.setAccessibleName("Stage of the selected open deal")
        self.apply_button = QPushButton("Set for the selected deal", self)
        self.apply_button.setAccessibleName("Set co-sold, part and stage of the selected deal")
        self.apply_button.clicked.connect(self.apply)
        for widget in (self.co_sold_combo, self.part_combo, self.stage_combo):
            row.addWidget(widget)
        row.addWidget(self.apply_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.table.selectionModel().currentRowChanged.connect(self._on_selected)
        self._on_selected()

    def show_deals(self, deals: Any) -> None:
        self.model.set_frame(deals)
        self._on_selected()

    @Slot()
    def _on_selected(self, *_args: Any) -> None:
        record = self.table.current_record()
        for widget in (self.co_sold_combo, self.part_combo, self.stage_combo, self.apply_button):
            widget.setEnabled(record is not None)
        if record is None:
            return
        self.stage_combo.setEnabled(record.get("outcome") == "open")
        role = record.get("partner_role") if record.get("role_recorded") else "none"
        for combo, value in ((self.co_sold_combo, record.get("co_sold_setting") or "auto"),
                             (self.part_combo, role or "none"),
                             (self.stage_combo, record.get("stage") or "none")):  # fmt: skip
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))

    @Slot()
    def apply(self) -> None:
        record = self.table.current_record()
        if record is None:
            return
        change = {
            "co_sold": self.co_sold_combo.currentData(),
            "partner_role": self.part_combo.currentData(),
        }
        if record.get("outcome") == "open":
            change["stage"] = self.stage_combo.currentData()
        self.deal_change_requested.emit(int(record["id"]), change)


class CreditPanel(QFrame):
    """Credit per direct seller, for sales operations to align compensation."""

    export_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        top = QHBoxLayout()
        top.addWidget(section("Credit for direct sellers", self), 1)
        self.export_button = QPushButton("Export for sales operations…", self)
        self.export_button.setAccessibleName("Export the credit per rep as a spreadsheet")
        self.export_button.clicked.connect(self.export_requested)
        top.addWidget(self.export_button)
        layout.addLayout(top)
        self.explain_label = note("", self)
        layout.addWidget(self.explain_label)
        self.model = CreditModel()
        self.table = DataTable(self.model, "Credit per rep", self)
        self.table.setMinimumHeight(170)
        self.table.set_widths({"rep": 170})
        layout.addWidget(self.table)
        self.status_label = QLabel("", self)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

    def show_credit(self, credit: Any, text: str) -> None:
        self.model.set_frame(credit)
        empty = credit is None or not len(credit)
        self.explain_label.setText(
            "No partner-sourced or partner-influenced deals yet." if empty else text
        )
        self.export_button.setEnabled(not empty)
