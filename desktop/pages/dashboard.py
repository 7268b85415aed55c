"""Dashboard: does co-selling pay off (win rate, velocity, deal size); engagement; refresh."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.models.frame import Column, FrameModel
from desktop.pages.base import Page, note, section
from desktop.pages.dashboard_pilot import CreditPanel, DealsPanel, PilotPanel
from desktop.pages.partners import ComparisonPanel
from desktop.widgets.charts import OURS, SHARED, Bar, BarChart, compact
from desktop.widgets.table import DataTable


class ChangesModel(FrameModel):
    """What changed in the mapping since the last refresh's baseline."""

    COLUMNS = (Column("change", "Change"), Column("name", "Account"), Column("detail", "Detail"))


def _card(parent: QWidget, title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(parent)
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 8, 12, 8)
    layout.addWidget(section(title, frame))
    return frame, layout


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(number) else number


class DashboardPage(Page):
    key = "dashboard"
    title = "Dashboard"
    number = 0
    heading = "is co-selling with {partner} paying off?"
    help_text = (
        "Compare deals co-sold with the partner against the others: <b>win rate</b>, "
        "<b>velocity</b> (median days to close) and <b>average deal size</b>. Keep the partner "
        "engaged (sync calls attended, CRM updates) and <b>refresh the mapping on a cadence</b>: "
        "monthly for active partnerships, quarterly for strategic ones, semi-annually for small "
        "ones. A refresh shows what changed: new shared accounts, ones no longer shared, stage "
        "and lead changes."
    )
    next_label = ""
    next_key = ""
    scrolls = True

    def __init__(self, window: Any) -> None:
        # Long on purpose: it only makes the page's widgets and lays them out top to bottom, in
        # the order they are read; what they do is in the slots below.
        super().__init__(window)
        self.view: Any = None
        outer = QVBoxLayout(self.body)
        outer.setContentsMargins(0, 0, 0, 0)
        # One tab a topic: each fits a laptop screen, so nothing is read below the fold.
        self.sections = QTabWidget(self.body)
        self.sections.setAccessibleName("Dashboard topics")
        outer.addWidget(self.sections)
        overview = QWidget(self.sections)
        layout = QVBoxLayout(overview)
        self.sections.addTab(overview, "Co-sold vs other deals")

        deals, deals_layout = _card(overview, "Co-sold vs other deals")
        charts = QHBoxLayout()
        self.win_chart = BarChart("Win rate")
        self.velocity_chart = BarChart("Median days to close")
        self.size_chart = BarChart("Average won deal size")
        for chart in (self.win_chart, self.velocity_chart, self.size_chart):
            chart.setParent(deals)
            charts.addWidget(chart, 1)
        deals_layout.addLayout(charts)
        self.findings_label = note("", deals)
        deals_layout.addWidget(self.findings_label)
        row = QHBoxLayout()
        self.opportunities_label = QLabel("", deals)
        row.addWidget(self.opportunities_label, 1)
        self.add_deal_button = QPushButton("Add a deal…", deals)
        self.add_deal_button.setAccessibleName("Enter one opportunity by hand")
        self.add_deal_button.clicked.connect(self.add_deal)
        row.addWidget(self.add_deal_button)
        self.import_opps_button = QPushButton("Import opportunities (CSV)…", deals)
        self.import_opps_button.setAccessibleName("Import an export of opportunities")
        self.import_opps_button.clicked.connect(self.import_opportunities)
        row.addWidget(self.import_opps_button)
        deals_layout.addLayout(row)
        layout.addWidget(deals)
        self.comparison = ComparisonPanel(overview)
        self.comparison.compare_requested.connect(partial(self.next_requested.emit, "partners"))
        layout.addWidget(self.comparison)
        layout.addStretch(1)
        self.pilot_panel = PilotPanel(self.sections)
        self.pilot_panel.view_changed.connect(self.reload)
        self.sections.addTab(self.pilot_panel, "Pilot")
        self.deals_panel = DealsPanel(self.sections)
        self.deals_panel.deal_change_requested.connect(self.change_deal)
        self.sections.addTab(self.deals_panel, "Deals")
        self.credit_panel = CreditPanel(self.sections)
        self.credit_panel.export_requested.connect(self.export_credit)
        self.sections.addTab(self.credit_panel, "Credit")

        upkeep = QWidget(self.sections)
        layout = QVBoxLayout(upkeep)
        self.sections.addTab(upkeep, "Engagement and refresh")

        middle = QGridLayout()
        middle.setHorizontalSpacing(12)
        engagement, engagement_layout = _card(upkeep, "Partner engagement")
        self.score_label = QLabel("—", engagement)
        self.score_label.setObjectName("bigNumber")
        self.score_label.setAccessibleName("Engagement score out of 100")
        engagement_layout.addWidget(self.score_label)
        self.engagement_label = note("", engagement)
        engagement_layout.addWidget(self.engagement_label)
        buttons = QHBoxLayout()
        for kind, text in (
            ("sync_attended", "Log a sync call"),
            ("crm_update", "Log a CRM update"),
        ):
            button = QPushButton(text, engagement)
            button.setAccessibleName(text)
            button.clicked.connect(partial(self.log_engagement, kind))
            buttons.addWidget(button)
        buttons.addStretch(1)
        engagement_layout.addLayout(buttons)
        middle.addWidget(engagement, 0, 0)

        cadence, cadence_layout = _card(upkeep, "Mapping refresh cadence")
        cadence_row = QHBoxLayout()
        self.cadence_label = QLabel("", cadence)
        self.cadence_label.setWordWrap(True)
        self.cadence_label.setAccessibleName("Refresh cadence and due date")
        cadence_row.addWidget(self.cadence_label, 1)
        self.cadence_combo = QComboBox(cadence)
        self.cadence_combo.addItems(["monthly", "quarterly", "semi-annual"])
        self.cadence_combo.setAccessibleName("Refresh cadence of the partnership")
        self.cadence_combo.setToolTip("How often to refresh the mapping with this partner")
        # ``activated`` fires only on a user's choice, not when a reload sets the combo.
        self.cadence_combo.activated.connect(self.change_cadence)
        cadence_row.addWidget(self.cadence_combo, 0, Qt.AlignmentFlag.AlignTop)
        cadence_layout.addLayout(cadence_row)
        buttons = QHBoxLayout()
        self.refresh_button = QPushButton("Refresh with a new partner export…", cadence)
        self.refresh_button.setAccessibleName(
            "Refresh the mapping with a new export of the partner"
        )
        self.refresh_button.clicked.connect(self.refresh_mapping)
        self.baseline_button = QPushButton("Record baseline", cadence)
        self.baseline_button.setAccessibleName(
            "Record the current mapping as the baseline of the next refresh"
        )
        self.baseline_button.clicked.connect(self.record_baseline)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.baseline_button)
        buttons.addStretch(1)
        cadence_layout.addLayout(buttons)
        middle.addWidget(cadence, 0, 1)
        middle.setColumnStretch(0, 1)
        middle.setColumnStretch(1, 1)
        layout.addLayout(middle)

        changes, changes_layout = _card(upkeep, "What changed since the last refresh")
        self.changes_label = note("", changes)
        changes_layout.addWidget(self.changes_label)
        self.changes_model = ChangesModel()
        self.changes_table = DataTable(
            self.changes_model, "Changes since the last refresh", changes
        )
        self.changes_table.setMinimumHeight(150)
        self.changes_table.set_widths({"change": 130, "name": 220})
        changes_layout.addWidget(self.changes_table)
        layout.addWidget(changes, 1)

    def reload(self) -> None:
        from desktop.operations.dashboard import load_dashboard

        if self.partner is not None:
            self.ops.run(
                "Reading the dashboard",
                partial(
                    load_dashboard,
                    partner=self.partner.name,
                    by=self.pilot_panel.by,
                    compare=self.pilot_panel.compare,
                ),
                on_success=self._on_loaded,
                on_failure=self.show_error,
            )
            self.comparison.load(self.ops, self.partner.name)

    def _on_loaded(self, view: Any) -> None:
        self.view = view
        rows = {str(r["group"]): r for r in view.co_sold.to_dict("records")}
        co, other = rows.get("co-sold", {}), rows.get("not co-sold", {})

        def bars(key: str, text: str, enough: Any, fmt: Any) -> list[Bar]:
            """A bar per group; one resting on too few deals is empty and says so."""
            out = []
            for label, row, color in (("Co-sold", co, SHARED), ("Other", other, OURS)):
                judged = bool(row) and enough(row)
                value = _number(row.get(key)) if judged else 0.0
                shown = fmt(value) if judged else str(row.get(text) or "no deals")
                out.append(Bar(label, value, shown, color))
            return out

        co_deals, other_deals = int(_number(co.get("deals"))), int(_number(other.get("deals")))
        deals = f"{co_deals} co-sold · {other_deals} other deals"
        self.win_chart.set_bars(
            bars("win_rate", "win_rate_text", lambda r: bool(r["enough_deals"]),
                 lambda v: f"{v:.0%}"),
            deals,
        )  # fmt: skip
        self.velocity_chart.set_bars(
            bars("median_days_to_close", "velocity_text", lambda r: r["velocity_text"].endswith(
                " days"), lambda v: f"{v:.0f} days"),
            "won deals; fewer is faster",
        )  # fmt: skip
        self.size_chart.set_bars(
            bars("average_deal_size", "size_text",
                 lambda r: "too few" not in r["size_text"] and "no won" not in r["size_text"],
                 compact),
            "won deals with an amount",
        )  # fmt: skip
        self.pilot_panel.show_view(view)
        self.deals_panel.show_deals(view.deals)
        self.credit_panel.show_credit(view.credit, view.credit_text)
        self.findings_label.setText(view.findings)
        self.opportunities_label.setText(
            f"{view.opportunities:,} opportunities tracked."
            if view.opportunities
            else "No opportunities yet: import an export of opportunities, or add deals by hand."
        )
        engagement = view.engagement
        self.score_label.setText(f"{engagement.score:.0f} / 100")
        self.engagement_label.setText(view.engagement_text)
        s = view.schedule
        if s:
            overdue = bool(s.get("overdue"))
            last = s.get("last_refresh") or "never"
            status = (
                "<span style='color:#b42318'><b>overdue by "
                f"{int(s.get('days_overdue', 0))} days</b></span>"
                if overdue
                else f"next due <b>{s.get('next_due')}</b>"
            )
            self.cadence_label.setText(
                f"Refreshed <b>{s.get('cadence')}</b> ({view.guidance}). "
                f"Last refresh: {last}; {status}."
            )
            index = self.cadence_combo.findText(str(s.get("cadence")))
            if index >= 0:
                self.cadence_combo.setCurrentIndex(index)
        if view.changes is None:
            self.changes_model.set_frame(None)
            self.changes_label.setText(
                "No baseline yet. Record one now; the next refresh shows what changed since then."
            )
        else:
            self.changes_model.set_frame(view.changes)
            counts = view.changes["change"].value_counts().to_dict() if len(view.changes) else {}
            summary = ", ".join(f"{n} {k}" for k, n in counts.items()) or "nothing changed"
            self.changes_label.setText(f"Since the baseline of {view.baseline_at}: {summary}.")

    def data_changed(self, what: str) -> None:
        if what in ("dashboard", "ownership", "matches", "accounts", "decisions"):
            super().data_changed(what)

    @Slot()
    def record_baseline(self) -> None:
        from desktop.operations.dashboard import record_baseline

        if self.partner is None:
            return
        self.ops.run(
            "Recording the baseline",
            partial(record_baseline, partner=self.partner.name),
            on_failure=self.show_error,
            changes=("dashboard",),
        )

    @Slot()
    def refresh_mapping(self) -> None:
        from desktop.pages.importing import EXPORT_FILTERS

        if self.partner is None:
            return
        path = dialogs.choose_open_file(self, f"New export of {self.partner.name}", EXPORT_FILTERS)
        if path:
            self._refresh(path, replace=False)

    def _refresh(self, path: str, *, replace: bool) -> None:
        from desktop.operations.dashboard import refresh_partner

        if self.partner is None:
            return
        self.ops.run(
            f"Refreshing {self.partner.name}",
            partial(refresh_partner, partner=self.partner.name, path=path, replace=replace),
            on_success=partial(self._on_refreshed, path),
            on_failure=self.show_error,
            changes=("accounts", "matches", "ownership", "workspace"),
        )

    def confirm_replace(self, question: str) -> bool:
        """Whether a new export with under half the accounts of the list may replace it."""
        return dialogs.confirm(self, "Replace the list?", question)

    def _on_refreshed(self, path: str, outcome: Any) -> None:
        if outcome.confirm is not None:
            if self.confirm_replace(outcome.confirm):
                self._refresh(path, replace=True)
            else:
                self.changes_label.setText("Not refreshed; the current list stays as it was.")
            return
        self.changes_model.set_frame(outcome.changes)
        self.changes_label.setText(f"Refreshed: {len(outcome.changes):,} changes.")

    def log_engagement(self, kind: str) -> None:
        from desktop.operations.dashboard import log_partner_engagement

        if self.partner is None:
            return
        self.ops.run(
            "Logging engagement",
            partial(log_partner_engagement, partner=self.partner.name, kind=kind, note=""),
            on_failure=self.show_error,
            changes=("dashboard",),
        )

    @Slot()
    def import_opportunities(self) -> None:
        from desktop.operations.dashboard import import_partner_opportunities

        if self.partner is None:
            return
        path = dialogs.choose_open_file(
            self, "Opportunities export", "CSV files (*.csv);;All files (*)"
        )
        if not path:
            return
        self.ops.run(
            "Importing opportunities",
            partial(import_partner_opportunities, partner=self.partner.name, path=path),
            on_failure=self.show_error,
            changes=("dashboard",),
        )

    @Slot()
    def add_deal(self) -> None:
        from desktop.operations.dashboard import add_partner_opportunity

        if self.partner is None:
            return
        deal = dialogs.ask_deal(self, f"Add a deal ({self.partner.name} partnership)")
        if not deal:
            return
        self.ops.run(
            "Adding a deal",
            partial(add_partner_opportunity, partner=self.partner.name, **deal),
            on_failure=self.show_error,
            changes=("dashboard",),
        )

    @Slot(int, dict)
    def change_deal(self, deal_id: int, change: dict) -> None:
        from desktop.operations.dashboard import set_partner_deal

        self.ops.run(
            "Changing the deal",
            partial(set_partner_deal, deal_id=deal_id, **change),
            on_failure=self.show_error,
            changes=("dashboard",),
        )

    @Slot()
    def export_credit(self) -> None:
        from desktop.operations.dashboard import export_credit

        if self.partner is None:
            return
        path = dialogs.choose_save_file(
            self, "Export the credit for direct sellers", "Excel (*.xlsx);;CSV (*.csv)",
            f"credit-{self.partner.name}.xlsx",
        )  # fmt: skip
        if not path:
            return
        self.ops.run(
            "Exporting the credit",
            partial(export_credit, partner=self.partner.name, path=path),
            on_success=self._on_credit_exported,
            on_failure=self.show_error,
        )

    def _on_credit_exported(self, path: str) -> None:
        self.credit_panel.status_label.setText(f"Wrote {path}.")
        self.show_saved(path)

    @Slot(int)
    def change_cadence(self, index: int) -> None:
        from desktop.operations.dashboard import set_partner_cadence

        if self.partner is None or index < 0:
            return
        self.ops.run(
            "Changing the refresh cadence",
            partial(
                set_partner_cadence,
                partner=self.partner.name,
                cadence=self.cadence_combo.itemText(index),
            ),
            on_failure=self.show_error,
            changes=("dashboard",),
        )
