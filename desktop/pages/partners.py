"""Partners: every partnership compared, and our accounts across partners with lead conflicts.

Unlike the steps, this page is about the whole workspace, whatever partner the bar shows. The
comparison panel (``ComparisonPanel``) also sits on the dashboard, with the partner shown there
picked out among the others.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.models.frame import Column, FrameModel, mask_contains
from desktop.pages.base import Page, note, section
from desktop.pages.partner_program import ProgramPanel
from desktop.widgets.charts import MUTED, PARTNER, Bar, BarChart
from desktop.widgets.table import ROW_HEIGHT, DataTable

CONTESTED = QColor("#fde8e4")
NEEDS_LEAD = QColor("#fff4d6")
# What the comparison can be ranked by (the engine's measures, in words for the combo).
RANKINGS = (
    ("shared_customers", "Customers of both"),
    ("their_customers_our_prospects", "Their customers, our prospects"),
    ("shared_accounts", "Shared accounts"),
    ("potential_revenue", "Potential revenue"),
    ("co_sold_win_rate", "Co-sold win rate"),
    ("co_sold_deals", "Co-sold deals"),
    ("co_sold_average_deal", "Average co-sold deal"),
    ("engagement", "Engagement"),
)


class ComparisonModel(FrameModel):
    """One row per partnership, ranked; the measures most asked about first. Headings take two
    lines, so ten columns fit a laptop's width."""

    COLUMNS = (
        Column("rank", "#", "number"),
        Column("partner", "Partner"),
        Column("shared_accounts", "Shared\naccounts", "number", "Accounts both lists have"),
        Column("our_share_pct", "% of our\naccounts", "count", "Share of our accounts shared"),
        Column("shared_customers", "Customers\nof both", "number"),
        Column(
            "their_customers_our_prospects",
            "Their customers,\nour prospects",
            "number",
            "Their customers who are our prospects: where to ask for an introduction",
        ),
        Column(
            "co_sold_win_pct",
            "Co-sold\nwin rate %",
            "count",
            "Won / (won + lost) of the co-sold deals",
        ),
        Column("co_sold_deals", "Co-sold\ndeals", "number"),
        Column("co_sold_average_deal", "Avg won\nco-sold deal", "money"),
        Column("engagement", "Engage-\nment", "count", "Engagement score out of 100"),
        Column(
            "our_customers_their_prospects",
            "Our customers,\ntheir prospects",
            "number",
            "Our customers who are their prospects: where to offer an introduction",
        ),
        Column("potential_revenue", "Potential\nrevenue", "money", "Of the shared accounts"),
        Column("other_win_pct", "Other deals\nwin rate %", "count", "Deals without the partner"),
        Column("model", "Model"),
    )


class CrossPartnerModel(FrameModel):
    """Our accounts shared with partners: who shares each, who expects to lead, the flag."""

    NAME, SHARED_WITH, LEADING, STAGE, PARTNERS, CRM_ID, FLAG = range(7)
    COLUMNS = (
        Column("name", "Our account"),
        Column("partner_names", "Shared with"),
        Column("leading_partners", "Partner leads with", tooltip="Partnerships where they lead"),
        Column("our_stage", "Our stage"),
        Column("partners", "Partners", "number", "How many partners share it"),
        Column("our_external_id", "Our CRM id"),
        Column("flag", "Flag"),
    )


class AccountPartnersModel(FrameModel):
    """One of our accounts' partners side by side."""

    COLUMNS = (
        Column("partner", "Partner"),
        Column("partner_name", "Their account"),
        Column("partner_external_id", "Their CRM id"),
        Column("partner_stage", "Their stage"),
        Column("lead_text", "Lead"),
        Column("criterion", "Decided by", "label"),
        Column("rationale", "Why"),
    )


def comparison_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The engine's comparison with its shares as percents (the table shows whole numbers)."""
    frame = table.copy()
    for column, shown in (
        ("our_share", "our_share_pct"),
        ("co_sold_win_rate", "co_sold_win_pct"),
        ("other_win_rate", "other_win_pct"),
    ):
        frame[shown] = pd.to_numeric(frame[column], errors="coerce") * 100
    return frame


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def _lead_text(pairs: pd.DataFrame) -> pd.Series:
    lead = pairs["lead"].astype(object).to_numpy()
    partner = pairs["partner"].astype(object).to_numpy()
    words = np.where(
        lead == "partner",
        partner + " leads",
        np.where(lead == "us", "We lead", "No lead yet"),
    )
    return pd.Series(words, index=pairs.index, dtype=object)


class SettleLeadCommand(QUndoCommand):
    """Settle who leads one account across its partners; undo puts every earlier lead back."""

    def __init__(self, page: PartnersPage, record: dict, leader: str, reason: str) -> None:
        who = "we lead" if leader == "us" else f"{leader} leads"
        super().__init__(f"Settle {record['name']}: {who}")
        self.page = page
        self.account = str(record["our_key"])
        self.leader = leader
        self.reason = reason
        self.changes: Any = None
        self._undo_asked = False

    def redo(self) -> None:
        from desktop.operations.partners import settle_account_lead

        self.page.ops.run(
            self.text(),
            partial(
                settle_account_lead, account=self.account, leader=self.leader, reason=self.reason
            ),
            on_success=self._on_settled,
            on_failure=self._on_failed,
            changes=("ownership",),
        )

    def _on_settled(self, changes: Any) -> None:
        self.changes = changes
        if self._undo_asked:  # undo was asked before the settlement came back
            self._undo_asked = False
            self._restore()

    def _on_failed(self, kind: str, message: str) -> None:
        self.setObsolete(True)  # nothing was changed: there is nothing to undo
        if kind != "cancelled":
            self.page.show_error(kind, message)

    def undo(self) -> None:
        if self.changes is None:
            self._undo_asked = True
            return
        self._restore()

    def _restore(self) -> None:
        from desktop.operations.partners import restore_account_leads

        changes, self.changes = self.changes, None
        self.page.ops.run(
            f"Undo {self.text()}",
            partial(restore_account_leads, changes=changes),
            on_failure=self.page.show_error,
            changes=("ownership",),
        )


class ComparisonPanel(QFrame):
    """How one partnership compares with the others: shared customers and co-sold win rate per
    partner, the chosen one picked out. For the dashboard."""

    compare_requested = Signal()  # the user wants the full comparison (the Partners page)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setAccessibleName("How this partnership compares with the others")
        self.partner: str | None = None
        self.comparison: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.title = section("Among your partnerships", self)
        layout.addWidget(self.title)
        charts = QHBoxLayout()
        self.customers_chart = BarChart("Customers of both", self)
        self.win_chart = BarChart("Co-sold win rate", self)
        for chart in (self.customers_chart, self.win_chart):
            charts.addWidget(chart, 1)
        layout.addLayout(charts)
        row = QHBoxLayout()
        self.summary_label = note("", self)
        self.summary_label.setAccessibleName("Rank of this partnership")
        row.addWidget(self.summary_label, 1)
        self.compare_button = QPushButton("Compare all partners ›", self)
        self.compare_button.setAccessibleName("Open the comparison of every partnership")
        self.compare_button.clicked.connect(self.compare_requested)
        row.addWidget(self.compare_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(row)

    def load(self, ops: Any, partner: str | None) -> None:
        from desktop.operations.partners import compare_partnerships

        self.partner = partner
        ops.run(
            "Comparing partnerships",
            partial(compare_partnerships, rank_by="shared_customers"),
            on_success=self._on_compared,
        )

    def _on_compared(self, comparison: Any) -> None:
        self.comparison = comparison
        table = comparison.table
        shown = table.head(5)
        if self.partner is not None and self.partner not in set(shown["partner"]):
            shown = pd.concat([shown, table[table["partner"] == self.partner]])

        def bars(column: str, text: Any) -> list[Bar]:
            out = []
            for row in shown.to_dict(orient="records"):
                value = row[column]
                missing = value is None or pd.isna(value)
                color = PARTNER if row["partner"] == self.partner else MUTED
                label = str(row["partner"])
                out.append(Bar(label, 0.0 if missing else float(value), text(value), color))
            return out

        self.customers_chart.set_bars(
            bars("shared_customers", lambda v: f"{int(v):,}"), "customer of both sides"
        )
        self.win_chart.set_bars(
            bars("co_sold_win_rate", lambda v: "no closed deals" if pd.isna(v) else f"{v:.0%}"),
            "won / (won + lost), co-sold deals",
        )
        self.summary_label.setText(self._summary(table))

    def _summary(self, table: pd.DataFrame) -> str:
        if len(table) < 2:
            return "Add more partners to compare this partnership with others."
        row = table[table["partner"] == self.partner]
        if row.empty:
            return " ".join(self.comparison.findings)
        rank = int(row["rank"].iloc[0])
        return (
            f"{self.partner} ranks {_ordinal(rank)} of {len(table)} by customers of both. "
            + " ".join(self.comparison.findings[1:3])
        )


class PartnersPage(Page):
    key = "partners"
    title = "Partners"
    number = 0
    heading = "all of {us}'s partnerships side by side"
    help_text = (
        "Every partnership at once. <b>Compare</b> them to see where to invest: the most "
        "customers in common, the most of <i>their customers that are our prospects</i>, the best "
        "co-sold win rate. Below, <b>our accounts across partners</b>: for each of our accounts, "
        "every partner that has it and who leads it in each partnership. An account is "
        "<b>flagged</b> when two partners both expect to lead it (only one can) or when a "
        "partnership has no lead for it yet. Pick an account to see its partners side by side, "
        "then settle who leads: the partner you choose leads, and we lead with the others. "
        "<b>Program</b>: one partnership's model (who promotes, negotiates, owns the customer), "
        "its lifecycle stage with what is done and what is not, and its enablement."
    )
    next_label = ""
    next_key = ""

    def __init__(self, window: Any) -> None:
        self.stack = QUndoStack()
        super().__init__(window)
        self.stack.setParent(self)
        self.view: Any = None
        self.pairs: Any = None
        self._stale = True
        self._selected: int | None = None
        self._names_codes: Any = None
        self._names_unique: list[list[str]] = []
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(self.body)
        self.tabs.setAccessibleName("Our accounts across partners; partnerships compared")
        layout.addWidget(self.tabs)

        self._build_accounts_tab()
        self._build_compare_tab()
        self.program = ProgramPanel(self, self.tabs)
        self.tabs.addTab(self.program, "Program")
        self._show_detail(None)

    def _build_accounts_tab(self) -> None:
        """Our accounts across partners: the filters, the accounts, the picked one."""
        accounts = QWidget(self.tabs)
        accounts_layout = QVBoxLayout(accounts)
        accounts_layout.setContentsMargins(6, 6, 6, 4)
        accounts_layout.setSpacing(4)
        self.counts_label = QLabel("", accounts)
        self.counts_label.setAccessibleName("Accounts shared with partners")
        self.counts_label.setWordWrap(True)
        accounts_layout.addWidget(self.counts_label)
        filters = QHBoxLayout()
        self.contested_box = QCheckBox("Only where two partners expect to lead", accounts)
        self.contested_box.setAccessibleName(
            "Show only the accounts two or more partners expect to lead"
        )
        self.contested_box.toggled.connect(self._apply_filters)
        filters.addWidget(self.contested_box)
        self.needs_box = QCheckBox("Only needing a lead", accounts)
        self.needs_box.setAccessibleName("Show only the accounts a partnership has no lead for")
        self.needs_box.toggled.connect(self._apply_filters)
        filters.addWidget(self.needs_box)
        filters.addStretch(1)
        self.partner_filter = QComboBox(accounts)
        self.partner_filter.setAccessibleName("Show only the accounts this partner shares")
        self.partner_filter.addItem("All partners", None)
        self.partner_filter.currentIndexChanged.connect(self._apply_filters)
        filters.addWidget(self.partner_filter)
        self.search = QLineEdit(accounts)
        self.search.setPlaceholderText("Find an account")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Find one of our accounts")
        self.search.setMaximumWidth(220)
        self.search.textChanged.connect(self._apply_filters)
        filters.addWidget(self.search)
        accounts_layout.addLayout(filters)

        across = QSplitter(Qt.Orientation.Vertical, accounts)
        across.setChildrenCollapsible(False)
        self.model = CrossPartnerModel()
        self.model.set_row_brush(self._account_brush)
        self.table = DataTable(self.model, "Our accounts across partners", across)
        self.table.set_widths(
            {"name": 180, "partner_names": 170, "leading_partners": 170, "our_stage": 90,
             "partners": 80, "our_external_id": 150}
        )  # fmt: skip
        self.table.selectionModel().currentRowChanged.connect(self._on_account_picked)
        across.addWidget(self.table)

        across.addWidget(self._build_detail(across))
        # The accounts take most of the height (ten rows on a laptop screen); the picked
        # account's partners, a handful of rows, keep room for three.
        self.table.setMinimumHeight(4 * ROW_HEIGHT + 36)
        self.pairs_table.setMinimumHeight(2 * ROW_HEIGHT + 30)
        across.setStretchFactor(0, 1)
        across.setStretchFactor(1, 0)
        across.setSizes([10_000, 1])  # the detail starts at its smallest
        accounts_layout.addWidget(across, 1)
        self.tabs.addTab(accounts, "Our accounts across partners")

    def _build_detail(self, across: QSplitter) -> QFrame:
        """The picked account's partners side by side, and who leads it."""
        detail = QFrame(across)
        detail.setObjectName("card")
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(10, 4, 10, 4)
        detail_layout.setSpacing(4)
        self.detail_title = QLabel("Pick an account to see its partners side by side.", detail)
        self.detail_title.setObjectName("sectionTitle")
        self.detail_title.setWordWrap(True)
        self.detail_title.setAccessibleName("The account picked")
        # The title and the lead's settling share one line, so the accounts above keep room.
        settle = QHBoxLayout()
        settle.addWidget(self.detail_title, 1)
        detail_layout.addLayout(settle)
        self.flag_label = QLabel("", detail)
        self.flag_label.setObjectName("errorText")
        self.flag_label.setWordWrap(True)
        self.flag_label.setAccessibleName("Why the account is flagged")
        self.flag_label.hide()
        detail_layout.addWidget(self.flag_label)
        self.pairs_model = AccountPartnersModel()
        self.pairs_table = DataTable(
            self.pairs_model, "The account's partners side by side", detail
        )
        self.pairs_table.set_widths(
            {"partner": 100, "partner_name": 160, "partner_external_id": 130,
             "partner_stage": 100, "lead_text": 120, "criterion": 110}
        )  # fmt: skip
        detail_layout.addWidget(self.pairs_table, 1)
        lead_label = QLabel("Lead:", detail)
        settle.addWidget(lead_label)
        self.leader_combo = QComboBox(detail)
        self.leader_combo.setAccessibleName("Who leads the account")
        self.leader_combo.setToolTip("The partner chosen leads; we lead with the others")
        lead_label.setBuddy(self.leader_combo)
        self.leader_combo.setMinimumWidth(160)
        settle.addWidget(self.leader_combo)
        self.settle_button = QPushButton("Settle the lead…", detail)
        self.settle_button.setObjectName("primaryButton")
        self.settle_button.setAccessibleName(
            "Settle who leads the account with every partner, with a reason"
        )
        self.settle_button.clicked.connect(self.settle_selected)
        settle.addWidget(self.settle_button)
        return detail

    def _build_compare_tab(self) -> None:
        """The partnerships compared, ranked by the chosen figure."""
        compare = QWidget(self.tabs)
        compare_layout = QVBoxLayout(compare)
        bar = QHBoxLayout()
        self.findings_label = note("", compare)
        self.findings_label.setAccessibleName("What the comparison shows")
        bar.addWidget(self.findings_label, 1)
        rank_label = QLabel("Rank by:", compare)
        bar.addWidget(rank_label, 0, Qt.AlignmentFlag.AlignTop)
        self.rank_combo = QComboBox(compare)
        for key, text in RANKINGS:
            self.rank_combo.addItem(text, key)
        self.rank_combo.setAccessibleName("Rank the partnerships by")
        rank_label.setBuddy(self.rank_combo)
        self.rank_combo.activated.connect(self._on_rank_chosen)
        bar.addWidget(self.rank_combo, 0, Qt.AlignmentFlag.AlignTop)
        compare_layout.addLayout(bar)
        self.comparison_model = ComparisonModel()
        self.comparison_model.set_row_brush(self._comparison_brush)
        self.comparison_table = DataTable(self.comparison_model, "Partnerships compared", compare)
        self.comparison_table.set_widths(
            {"rank": 32, "partner": 130, "shared_accounts": 84, "our_share_pct": 84,
             "shared_customers": 90, "their_customers_our_prospects": 140,
             "co_sold_win_pct": 96, "co_sold_deals": 80, "co_sold_average_deal": 110,
             "engagement": 80, "our_customers_their_prospects": 130, "potential_revenue": 90,
             "other_win_pct": 104}
        )  # fmt: skip
        compare_layout.addWidget(self.comparison_table, 1)
        self.tabs.addTab(compare, "Partnerships compared")

    # ------------------------------------------------------------------ loading

    def undo_stack(self) -> QUndoStack:
        return self.stack

    def set_heading(self) -> None:
        # The page is about every partnership, not the one the bar shows.
        heading = self.heading.format(us=self.us_name, partner="")
        self.heading_label.setText(f"{self.title} — {heading}")

    def activate(self) -> None:
        """Shown, or the bar's partner changed: the page does not depend on it, so it loads
        only when it has not yet, or when something changed since."""
        self.set_heading()
        if self._stale:
            self.reload()

    def reload(self) -> None:
        from desktop.operations.partners import load_partners

        if self.workspace is None:
            return
        self._stale = False
        self.ops.run(
            "Reading the partnerships",
            partial(load_partners, rank_by=self.rank_combo.currentData()),
            on_success=self._on_loaded,
            on_failure=self.show_error,
        )

    def data_changed(self, what: str) -> None:
        # "partners": one was added; "sync": a sync logged on the Agenda page moves the
        # engagement score compared here.
        kinds = (
            "ownership", "matches", "accounts", "decisions", "dashboard", "workspace",
            "partners", "sync",
        )  # fmt: skip
        if what in kinds:
            self._stale = True
            if self.isVisible():
                self.reload()

    def _on_loaded(self, view: Any) -> None:
        self.view = view
        self._show_comparison(view.comparison, view.findings)
        partners = list(view.partners)
        chosen = self.partner_filter.currentData()
        self.partner_filter.blockSignals(True)
        self.partner_filter.clear()
        self.partner_filter.addItem("All partners", None)
        for name in partners:
            self.partner_filter.addItem(f"Shared with {name}", name)
        self.partner_filter.setCurrentIndex(max(0, self.partner_filter.findData(chosen)))
        self.partner_filter.blockSignals(False)
        self.program.set_partners(partners, self.partner.name if self.partner else None)
        self.program.reload()
        accounts = view.accounts
        codes, uniques = pd.factorize(accounts["partner_names"])
        self._names_codes = codes
        self._names_unique = [str(u).split(", ") for u in uniques]
        self.model.set_frame(accounts)
        self._apply_filters()
        counts = view.counts
        if not counts.get("partnerships"):
            text = "No partnerships yet: add partners to see our accounts across them."
        elif not counts.get("shared"):
            text = "No account of ours is shared yet: import and match the partners' lists."
        else:
            text = (
                f"{counts['shared']:,} of our accounts shared · {counts['several']:,} with two "
                f"or more partners · <b>{counts['contested']:,}</b> that two or more partners "
                f"expect to lead · {counts['needs_lead']:,} needing a lead"
            )
        self.counts_label.setText(text)
        contested = counts.get("contested", 0)
        self.tabs.setTabText(
            0,
            f"Our accounts across partners ({contested:,} flagged)"
            if contested
            else "Our accounts across partners",
        )
        self.tabs.setTabText(1, f"Partnerships compared ({counts.get('partnerships', 0)})")
        self.footer_note.setText(
            "Settle each flagged account with the partners before co-selling it: one partner "
            "leads, and the others know."
            if counts.get("contested")
            else ""
        )
        self._reselect()

    def _show_comparison(self, table: Any, findings: Any) -> None:
        self.comparison_model.set_frame(comparison_frame(table))
        self.findings_label.setText(" ".join(findings))

    @Slot(int)
    def _on_rank_chosen(self, index: int) -> None:
        from desktop.operations.partners import compare_partnerships

        if self.workspace is None or index < 0:
            return
        self.ops.run(
            "Comparing partnerships",
            partial(compare_partnerships, rank_by=self.rank_combo.itemData(index)),
            on_success=self._on_compared,
            on_failure=self.show_error,
        )

    def _on_compared(self, comparison: Any) -> None:
        self._show_comparison(comparison.table, comparison.findings)

    def _comparison_brush(self, frame_row: int) -> QBrush | None:
        frame = self.comparison_model.frame
        if frame is None or self.partner is None:
            return None
        if frame["partner"].iat[frame_row] == self.partner.name:
            return QBrush(QColor("#eaf1fd"))
        return None

    def _account_brush(self, frame_row: int) -> QBrush | None:
        frame = self.model.frame
        if frame is None:
            return None
        if bool(frame["contested"].iat[frame_row]):
            return QBrush(CONTESTED)
        if bool(frame["needs_lead"].iat[frame_row]):
            return QBrush(NEEDS_LEAD)
        return None

    # ------------------------------------------------------------------ filters

    @Slot()
    def _apply_filters(self, *_args: Any) -> None:
        frame = self.model.frame
        if frame is None:
            return
        mask = np.ones(len(frame), dtype=bool)
        if self.contested_box.isChecked():
            mask &= frame["contested"].to_numpy(dtype=bool)
        if self.needs_box.isChecked():
            mask &= frame["needs_lead"].to_numpy(dtype=bool)
        name = self.partner_filter.currentData()
        if name is not None and self._names_codes is not None:
            member = np.array([name in names for names in self._names_unique] + [False])
            mask &= member[self._names_codes]  # code -1 (none) takes the last: False
        # Name and CRM id only: the partner filter covers partners (a 600k-row search stays fast).
        found = mask_contains(frame, ["name", "our_external_id"], self.search.text())
        if found is not None:
            mask &= found
        self.model.set_mask(None if mask.all() else mask)
        self._reselect()

    def focus_find(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # ------------------------------------------------------------------ one account

    def _reselect(self) -> None:
        """Keep the account picked selected after a reload or a filter, if it is still shown."""
        if self._selected is None:
            self._show_detail(None)
            return
        frame = self.model.frame
        ids = frame["our_account_id"].to_numpy() if frame is not None else np.empty(0)
        at = np.flatnonzero(ids == self._selected)
        shown = self.model.shown_row(int(at[0])) if len(at) else None
        if shown is None:
            self._selected = None
            self.table.clearSelection()
            self._show_detail(None)
            return
        index = self.table.proxy.mapFromSource(self.model.index(shown, 0))
        self.table.setCurrentIndex(index)
        self._load_account(self._selected)

    @Slot()
    def _on_account_picked(self, *_args: Any) -> None:
        record = self.table.current_record()
        if record is None:
            return
        account_id = int(record["our_account_id"])
        if account_id == self._selected and self.pairs is not None:
            return
        self._selected = account_id
        self._load_account(account_id)

    def _load_account(self, account_id: int) -> None:
        from desktop.operations.partners import account_partners

        self.ops.run(
            "Reading the account's partners",
            partial(account_partners, our_account_id=account_id),
            on_success=self._on_account_loaded,
            on_failure=self.show_error,
        )

    def _on_account_loaded(self, pairs: Any) -> None:
        if pairs is None or not len(pairs):
            self._show_detail(None)
            return
        if int(pairs["our_account_id"].iloc[0]) != self._selected:
            return  # another account was picked since
        pairs = pairs.copy()
        pairs["lead_text"] = _lead_text(pairs)
        self._show_detail(pairs)

    def _show_detail(self, pairs: Any) -> None:
        self.pairs = pairs
        self.pairs_model.set_frame(pairs)
        self.leader_combo.clear()
        if pairs is None:
            self.detail_title.setText("Pick an account to see its partners side by side.")
            self.flag_label.setText("")
            self.flag_label.hide()
            self.settle_button.setEnabled(False)
            self.leader_combo.setEnabled(False)
            return
        record = self._selected_record()
        name = str(pairs["our_name"].iloc[0])
        stage = str(pairs["our_stage"].iloc[0])
        sharing = list(dict.fromkeys(pairs["partner"].tolist()))
        self.detail_title.setText(
            f"{name} — our {stage}, shared with {len(sharing)} "
            f"partner{'s' if len(sharing) != 1 else ''}"
        )
        self.flag_label.setText(str(record.get("flag") or "") if record else "")
        self.flag_label.setVisible(bool(self.flag_label.text()))  # no blank line when unflagged
        leading = pairs.loc[pairs["lead"] == "partner", "partner"].tolist()
        for partner in sharing:
            self.leader_combo.addItem(f"{partner} leads, we lead with the others", partner)
        self.leader_combo.addItem("We lead with every partner", "us")
        if leading:
            self.leader_combo.setCurrentIndex(self.leader_combo.findData(leading[0]))
        self.settle_button.setEnabled(True)
        self.leader_combo.setEnabled(True)

    def _selected_record(self) -> dict | None:
        frame = self.model.frame
        if frame is None or self._selected is None:
            return None
        at = np.flatnonzero(frame["our_account_id"].to_numpy() == self._selected)
        if not len(at):
            return None
        values = frame.iloc[int(at[0])].to_dict()
        return {k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else v)
                for k, v in values.items()}  # fmt: skip

    @Slot()
    def settle_selected(self) -> None:
        record = self._selected_record()
        if record is None or self.pairs is None:
            self.show_error("user", "Pick one of our accounts first.")
            return
        leader = self.leader_combo.currentData()
        who = "we" if leader == "us" else leader
        reason = dialogs.ask_text(
            self,
            "Settle the lead",
            f"Why should {who} lead {record['name']}? (kept with each partnership's lead)",
        )
        if not reason or not reason.strip():
            return
        self.stack.push(SettleLeadCommand(self, record, leader, reason.strip()))
