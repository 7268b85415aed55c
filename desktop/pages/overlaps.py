"""Step 3, overlaps: ours only / shared / partner only, the stage matrix and the named openings."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.models.frame import Column, FrameModel, mask_contains
from desktop.pages.base import Page, note
from desktop.widgets.charts import Cell, Heatmap, OverlapPicture
from desktop.widgets.table import DataTable
from desktop.widgets.territory_filter import TerritoryFilter

STAGES = ("prospect", "customer", "churned", "other")
OPPORTUNITIES = (
    ("ask_intro", "Their customers, our prospects"),
    ("offer_intro", "Our customers, their prospects"),
    ("joint_pursuit", "Prospects of both"),
    ("win_back", "Churned vs customer"),
    ("greenfield", "Their customers, new to us"),
)
OPPORTUNITY_TIPS = {
    "ask_intro": "Ask the partner for an introduction",
    "offer_intro": "Offer the partner an introduction",
    "joint_pursuit": "Pursue them together",
    "win_back": "Churned on one side, customer on the other: learn from the side that kept it",
    "greenfield": (
        "The partner's customers that are not in our list (as far as the partner shared them)"
    ),
}


class OverlapAccountsModel(FrameModel):
    """The accounts listed under the picture and the matrix."""

    NAME, OUR_STAGE, PARTNER_STAGE, POTENTIAL, BASIS, OUR_OWNER, PARTNER_OWNER = range(7)
    COLUMNS = (
        Column("name", "Account"),
        Column("our_stage", "Our stage"),
        Column("partner_stage", "Their stage"),
        Column(
            "potential_revenue",
            "Potential",
            "money",
            "Deal value to win: open deal sizes, else our won deals at similar accounts",
        ),
        Column("revenue_basis", "Basis", "label"),
        Column("our_owner", "Our owner"),
        Column("partner_owner", "Their owner"),
        Column("size_band", "Size", "text", "Annual revenue band of the company"),
    )


class OverlapsPage(Page):
    key = "overlaps"
    title = "Overlaps"
    number = 3
    heading = "where {us} and {partner} meet"
    help_text = (
        "Every account is <b>ours only</b>, <b>partner only</b> or <b>shared</b>. The matrix "
        "crosses the shared ones by stage: <i>their customers that are our prospects</i> are "
        "where to ask for an introduction; <i>our customers that are their prospects</i> are where "
        "to offer one. Click a cell or an opportunity to list its accounts. "
        "Best practice: start with the 20–50 accounts of highest value, prove it works, then scale."
    )
    next_label = "Next: decide who leads ›"
    next_key = "ownership"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.view: Any = None
        self._list_frame: Any = None
        self._list_title = ""
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Vertical, self.body)
        splitter.setChildrenCollapsible(False)
        top = QWidget(splitter)
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        self.picture = OverlapPicture(top)
        self.picture.setMinimumWidth(280)
        self.picture.region_clicked.connect(self._on_region_clicked)
        top_layout.addWidget(self.picture, 2)
        self.heatmap = Heatmap(top)
        self.heatmap.cell_clicked.connect(self._on_cell_clicked)
        top_layout.addWidget(self.heatmap, 3)
        # The territory filter and the opportunities stand in a column beside the pictures, so
        # the list of accounts below keeps the height of the page.
        column = QVBoxLayout()
        column.setSpacing(4)
        self.opportunity_buttons: dict[str, QPushButton] = {}
        for kind, label in OPPORTUNITIES:
            button = QPushButton(label, top)
            button.setObjectName(f"opportunity_{kind}")
            button.setAccessibleName(label)
            button.setToolTip(OPPORTUNITY_TIPS[kind])
            button.clicked.connect(partial(self._on_opportunity_clicked, kind))
            column.addWidget(button)
            self.opportunity_buttons[kind] = button
        column.addStretch(1)
        top_layout.addLayout(column)
        splitter.addWidget(top)

        lower = QWidget(splitter)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.territory_filter = TerritoryFilter(lower)  # shown once territories exist
        self.territory_filter.territory_changed.connect(self._on_territory_changed)
        bar.addWidget(self.territory_filter)
        self.list_label = QLabel(
            "Click a cell, a circle or an opportunity to list its accounts.", lower
        )
        self.list_label.setObjectName("sectionTitle")
        self.list_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.list_label, 1)
        self.search = QLineEdit(lower)
        self.search.setPlaceholderText("Filter by name or owner")
        self.search.setAccessibleName("Filter the listed accounts")
        self.search.setClearButtonEnabled(True)
        self.search.setMaximumWidth(240)
        self.search.setMinimumWidth(120)
        self.search.textChanged.connect(self._on_search_changed)
        bar.addWidget(self.search)
        self.export_button = QPushButton("Export list…", lower)
        self.export_button.setAccessibleName("Export the listed accounts to CSV or Excel")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._on_export_clicked)
        bar.addWidget(self.export_button)
        lower_layout.addLayout(bar)
        self.model = OverlapAccountsModel()
        self.table = DataTable(self.model, "Listed accounts", lower)
        self.table.set_widths({"name": 240, "potential_revenue": 100, "revenue_basis": 150})
        self.table.setMinimumHeight(84)
        lower_layout.addWidget(self.table, 1)
        self.basis_label = note("", lower)
        lower_layout.addWidget(self.basis_label)
        self.fit_label = note("", lower)  # which tool fits a tiny or a huge partnership
        self.fit_label.setAccessibleName("Which tool fits this partnership's size")
        self.fit_label.hide()
        lower_layout.addWidget(self.fit_label)
        splitter.addWidget(lower)
        top.setMaximumHeight(196)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter)
        self.setTabOrder(self.picture, self.heatmap)

    # ------------------------------------------------------------------ data

    def reload(self) -> None:
        from desktop.operations.territories import territory_names

        self.load_for_partner("Reading territories", territory_names, self._on_territory_names)

    def _on_territory_names(self, names: list[str]) -> None:
        if self.territory_filter.set_names(names):
            self._list_frame = None
        self._load()

    def _load(self) -> None:
        from desktop.operations.overlaps import load_overlaps

        if self.partner is None:
            return
        self.ops.run(
            "Finding the overlaps",
            partial(
                load_overlaps,
                partner=self.partner.name,
                territory=self.territory_filter.current(),
            ),
            on_success=self._on_loaded,
            on_failure=self.show_error,
        )

    @Slot(str)
    def _on_territory_changed(self, _name: str) -> None:
        self._list_frame = None
        self._load()

    def _in_territory(self) -> str:
        """' in NAME' when the figures are limited to the territory NAME, else nothing."""
        territory = self.view.territory if self.view is not None else None
        return f" in {territory}" if territory else ""

    def _on_loaded(self, view: Any) -> None:
        self.view = view
        counts = view.counts
        self.picture.set_counts(
            counts.get("ours_only", 0),
            counts.get("shared", 0),
            counts.get("partner_only", 0),
            (self.us_name, self.partner_name),
        )
        cells = {
            (str(r.our_stage), str(r.partner_stage)): Cell(
                int(r.accounts), float(r.potential_revenue)
            )
            for r in view.matrix.itertuples(index=False)
        }
        self.heatmap.set_matrix(STAGES, STAGES, cells, (self.us_name, self.partner_name))
        kinds = view.opportunities["kind"].value_counts() if len(view.opportunities) else {}
        for kind, label in OPPORTUNITIES:
            count = int(kinds.get(kind, 0)) if len(view.opportunities) else 0
            button = self.opportunity_buttons[kind]
            button.setText(f"{label}: {count:,} ›")
            button.setEnabled(count > 0)
        # One short line; the full basis (counts per basis) is in the tooltip.
        self.basis_label.setText(
            "Potential = open deal sizes of both sides, else an estimate from our won deals at "
            "similar accounts (hover for the basis)."
        )
        self.basis_label.setToolTip(view.revenue_basis)
        self.basis_label.setAccessibleDescription(view.revenue_basis)
        self.fit_label.setText(view.tool_fit)
        self.fit_label.setVisible(bool(view.tool_fit))
        shared = counts.get("shared", 0)
        self.footer_note.setText(
            f"{shared:,} shared accounts{self._in_territory()}. Agree the rules of engagement "
            "before conflicts arise." + view.private
            if shared
            else f"No shared accounts{self._in_territory()}."
            if view.territory
            else "No shared accounts yet: import both lists and run the matching first."
        )
        if self._list_frame is None:
            self._show_list(view.shared, f"All {shared:,} shared accounts{self._in_territory()}")

    def _show_list(self, frame: Any, title: str) -> None:
        self._list_frame = frame
        self._list_title = title
        self.list_label.setText(title)
        self.model.set_frame(frame)
        self._on_search_changed(self.search.text())
        self.export_button.setEnabled(frame is not None and len(frame) > 0)

    # ------------------------------------------------------------------ clicks

    @Slot(str, str)
    def _on_cell_clicked(self, our_stage: str, partner_stage: str) -> None:
        if self.view is None:
            return
        shared = self.view.shared
        rows = shared[
            (shared["our_stage"] == our_stage) & (shared["partner_stage"] == partner_stage)
        ]
        rows = rows.sort_values("potential_revenue", ascending=False, kind="stable")
        self._show_list(
            rows.reset_index(drop=True),
            f"{self.us_name} {our_stage} × {self.partner_name} {partner_stage}: "
            f"{len(rows):,} accounts",
        )

    @Slot(str)
    def _on_region_clicked(self, region: str) -> None:
        from desktop.operations.overlaps import load_region

        if self.partner is None:
            return
        if region == "shared" and self.view is not None:
            self._show_list(
                self.view.shared,
                f"All {len(self.view.shared):,} shared accounts{self._in_territory()}",
            )
            return
        self.ops.run(
            "Listing accounts",
            partial(
                load_region,
                partner=self.partner.name,
                region=region,
                territory=self.view.territory if self.view is not None else None,
            ),
            on_success=partial(self._on_region_loaded, region),
            on_failure=self.show_error,
        )

    def _on_region_loaded(self, region: str, frame: Any) -> None:
        who = self.us_name if region == "ours_only" else self.partner_name
        self._show_list(frame, f"{who} only: {len(frame):,} accounts{self._in_territory()}")

    def _on_opportunity_clicked(self, kind: str) -> None:
        if self.view is None:
            return
        opps = self.view.opportunities
        rows = opps[opps["kind"] == kind].reset_index(drop=True)
        label = dict(OPPORTUNITIES)[kind]
        action = str(rows["action"].iloc[0]) if len(rows) else ""
        self._show_list(rows, f"{label}: {len(rows):,} — {action}")

    @Slot(str)
    def _on_search_changed(self, text: str) -> None:
        frame = self.model.frame
        self.model.set_mask(mask_contains(frame, ["name", "our_owner", "partner_owner"], text))

    def focus_find(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    @Slot()
    def _on_export_clicked(self) -> None:
        from desktop.operations.overlaps import export_frame

        frame = self.model.frame
        if frame is None or not len(frame):
            return
        path = dialogs.choose_save_file(
            self, "Export the list", "Excel (*.xlsx);;CSV (*.csv)", "overlap-accounts.xlsx"
        )
        if not path:
            return
        columns = [c.key for c in self.model.columns if c.key in frame.columns]
        extra = [
            c
            for c in ("our_external_id", "partner_external_id", "our_key", "partner_key")
            if c in frame.columns
        ]
        shown = self.model.shown_frame()
        self.ops.run(
            "Exporting the list",
            partial(
                export_frame,
                frame=shown[columns + extra].copy(),
                path=path,
                partner=self.partner.name if self.partner else None,
            ),
            on_success=self._on_exported,
            on_failure=self.show_error,
        )

    def _on_exported(self, path: str) -> None:
        self.footer_note.setText(f"Exported to {path}")
        self.show_saved(path)

    def data_changed(self, what: str) -> None:
        if what in ("matches", "accounts", "workspace", "territories"):
            self._list_frame = None
        super().data_changed(what)
