"""Step 4, ownership: the rules of engagement, who leads each shared account and why, overrides."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QBrush, QColor, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.models.frame import Column, FrameModel, mask_contains
from desktop.pages.base import Page, note
from desktop.widgets.table import DataTable

NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class OwnershipModel(FrameModel):
    """Shared accounts with their lead, the rule that decided and why."""

    NAME, LEAD, CRITERION, RATIONALE, OUR_STAGE, PARTNER_STAGE, OVERRIDDEN, DISPUTES = range(8)
    COLUMNS = (
        Column("name", "Account"),
        Column("lead", "Lead"),
        Column("criterion", "Decided by", "label"),
        Column("rationale", "Why"),
        Column("our_stage", "Our stage"),
        Column("partner_stage", "Their stage"),
        Column("overridden", "Overridden", "bool"),
        Column("open_disputes", "Disputes", "number"),
    )


class DisputesModel(FrameModel):
    COLUMNS = (
        Column("opened_at", "Opened", "date"),
        Column("our_key", "Our account"),
        Column("note", "Note"),
        Column("opened_by", "By"),
        Column("resolution", "Resolution"),
        Column("resolved_at", "Resolved", "date"),
    )


class OverrideCommand(QUndoCommand):
    """Set one account's lead by hand; undo puts the earlier override (or none) back."""

    def __init__(self, page: OwnershipPage, record: dict, lead: str, reason: str) -> None:
        super().__init__(f"Set {record['name']} lead to {'us' if lead == 'us' else 'partner'}")
        self.page = page
        self.partner = page.partner_name
        self.our_key = str(record["our_key"])
        self.partner_key = str(record["partner_key"])
        self.lead = lead
        self.reason = reason
        self.state: dict[str, Any] = {}

    def redo(self) -> None:
        from desktop.operations.ownership import override_lead

        self.page.ops.run(
            self.text(),
            partial(
                override_lead,
                partner=self.partner,
                our_key=self.our_key,
                partner_key=self.partner_key,
                lead=self.lead,
                reason=self.reason,
                state=self.state,
            ),
            on_failure=self.page.show_error,
            changes=("ownership",),
        )

    def undo(self) -> None:
        from desktop.operations.ownership import restore_lead

        self.page.ops.run(
            f"Undo {self.text()}",
            partial(
                restore_lead,
                partner=self.partner,
                our_key=self.our_key,
                partner_key=self.partner_key,
                state=self.state,
            ),
            on_failure=self.page.show_error,
            changes=("ownership",),
        )


class OwnershipPage(Page):
    key = "ownership"
    title = "Ownership"
    number = 4
    heading = "who leads each shared account"
    help_text = (
        "Agree the <b>rules of engagement</b> with the partner <i>before</i> conflicts arise, then "
        "apply them: for every shared account the first rule that tells the two sides apart gives "
        "the lead, and says why. Drag rules to reorder them, untick to switch one off. Override a "
        "lead by hand with a reason when the rules get it wrong; open a dispute when the two sides "
        "disagree. Rules are versioned, so every lead says which version decided it."
    )
    next_label = "Next: plan the joint work ›"
    next_key = "plans"

    def __init__(self, window: Any) -> None:
        # Long on purpose: it only makes the page's widgets and lays them out top to bottom, in
        # the order they are read; what they do is in the slots below.
        self.stack = QUndoStack()
        super().__init__(window)
        self.stack.setParent(self)
        self.view: Any = None
        self.criteria: dict[str, tuple[str, str]] = {}
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Horizontal, self.body)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter)

        rules_box = QFrame(splitter)
        rules_box.setObjectName("card")
        rules_layout = QVBoxLayout(rules_box)
        self.rules_title = QLabel("Rules of engagement", rules_box)
        self.rules_title.setObjectName("sectionTitle")
        self.rules_title.setWordWrap(True)  # the rules stay narrow: the leads table needs room
        rules_layout.addWidget(self.rules_title)
        self.rules_list = QListWidget(rules_box)
        self.rules_list.setAccessibleName("Rules of engagement, in order")
        self.rules_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.rules_list.setWordWrap(True)
        self.rules_list.currentRowChanged.connect(self._on_rule_selected)
        rules_layout.addWidget(self.rules_list, 1)
        self.rule_meaning = note("", rules_box)
        rules_layout.addWidget(self.rule_meaning)
        moves = QHBoxLayout()
        self.up_button = QPushButton("Move up", rules_box)
        self.up_button.setAccessibleName("Move the selected rule up")
        self.up_button.clicked.connect(partial(self.move_rule, -1))
        self.down_button = QPushButton("Move down", rules_box)
        self.down_button.setAccessibleName("Move the selected rule down")
        self.down_button.clicked.connect(partial(self.move_rule, 1))
        moves.addWidget(self.up_button)
        moves.addWidget(self.down_button)
        moves.addStretch(1)
        rules_layout.addLayout(moves)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fit_us = QLineEdit(rules_box)
        self.fit_us.setPlaceholderText("e.g. Software, Retail")
        self.fit_us.setAccessibleName("Industries or tags our product fits")
        self.fit_partner = QLineEdit(rules_box)
        self.fit_partner.setPlaceholderText("e.g. Healthcare")
        self.fit_partner.setAccessibleName("Industries or tags the partner's product fits")
        self.tie_combo = QComboBox(rules_box)
        self.tie_combo.addItem("us", "us")
        self.tie_combo.addItem("the partner", "partner")
        self.tie_combo.setAccessibleName("Tie-breaker: who leads when no rule decides")
        form.addRow("Our product fits:", self.fit_us)
        form.addRow("Their product fits:", self.fit_partner)
        form.addRow("Tie goes to:", self.tie_combo)
        rules_layout.addLayout(form)
        self.apply_button = QPushButton("Apply rules", rules_box)
        self.apply_button.setObjectName("primaryButton")
        self.apply_button.setAccessibleName("Save the rules and assign every lead")
        self.apply_button.clicked.connect(self.apply_rules)
        rules_layout.addWidget(self.apply_button)
        splitter.addWidget(rules_box)

        right = QWidget(splitter)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(right)
        self.tabs.setAccessibleName("Leads and disputes")
        leads = QWidget(self.tabs)
        leads_layout = QVBoxLayout(leads)
        bar = QHBoxLayout()
        self.counts_label = QLabel("", leads)
        bar.addWidget(self.counts_label, 1)
        self.search = QLineEdit(leads)
        self.search.setPlaceholderText("Find an account")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Find a shared account")
        self.search.setMaximumWidth(220)
        self.search.textChanged.connect(self._on_search_changed)
        bar.addWidget(self.search)
        leads_layout.addLayout(bar)
        self.model = OwnershipModel()
        self.model.set_row_brush(self._row_brush)
        self.table = DataTable(self.model, "Leads of the shared accounts", leads)
        self.table.set_widths(
            {
                "name": 190,
                "lead": 70,
                "criterion": 104,
                "rationale": 320,
                "our_stage": 84,
                "partner_stage": 92,
                "overridden": 88,
                "open_disputes": 74,
            }
        )
        # The reason reads in full in its tooltip, the stages are short words.
        self.table.squeeze_first({"rationale": 130, "name": 140, "overridden": 0, "criterion": 90})
        leads_layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.override_button = QPushButton("Override lead…", leads)
        self.override_button.setAccessibleName(
            "Give the selected account to the other side, with a reason"
        )
        self.override_button.clicked.connect(self.override_selected)
        self.dispute_button = QPushButton("Open dispute…", leads)
        self.dispute_button.setAccessibleName("Open a dispute on the selected account")
        self.dispute_button.clicked.connect(self.dispute_selected)
        actions.addStretch(1)
        actions.addWidget(self.dispute_button)
        actions.addWidget(self.override_button)
        leads_layout.addLayout(actions)
        self.tabs.addTab(leads, "Leads")
        disputes = QWidget(self.tabs)
        disputes_layout = QVBoxLayout(disputes)
        self.disputes_model = DisputesModel()
        self.disputes_table = DataTable(self.disputes_model, "Disputes", disputes)
        disputes_layout.addWidget(self.disputes_table, 1)
        settle = QHBoxLayout()
        settle.addStretch(1)
        settle.addWidget(QLabel("Lead after it:", disputes))
        self.resolve_lead = QComboBox(disputes)
        self.resolve_lead.setAccessibleName("Who leads the account once the dispute is resolved")
        for text, lead in (("As it is", None), ("We lead", "us"), ("Partner leads", "partner")):
            self.resolve_lead.addItem(text, lead)
        settle.addWidget(self.resolve_lead)
        resolve = QPushButton("Resolve the selected dispute…", disputes)
        resolve.setAccessibleName("Resolve the selected dispute")
        resolve.clicked.connect(self.resolve_selected)
        settle.addWidget(resolve)
        disputes_layout.addLayout(settle)
        self.tabs.addTab(disputes, "Disputes")
        right_layout.addWidget(self.tabs)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([250, 810])

    # ------------------------------------------------------------------ loading

    def undo_stack(self) -> QUndoStack:
        return self.stack

    def reload(self) -> None:
        from desktop.operations.ownership import load_ownership

        self.load_for_partner("Reading leads", load_ownership, self._on_loaded)

    def data_changed(self, what: str) -> None:
        if what in ("ownership", "matches", "decisions", "accounts"):
            super().data_changed(what)

    def _on_loaded(self, view: Any) -> None:
        self.view = view
        self.criteria = view.criteria
        rules = view.rules
        self.rules_list.clear()
        for criterion in rules.criteria:
            title, meaning = view.criteria.get(criterion.name, (criterion.name, ""))
            item = QListWidgetItem(title.capitalize())
            item.setData(NAME_ROLE, criterion.name)
            item.setToolTip(meaning)
            if criterion.name == "tie_breaker":
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                item.setText("Tie-breaker (always last)")
            else:
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                    | Qt.ItemFlag.ItemIsDragEnabled
                )
                item.setCheckState(
                    Qt.CheckState.Checked if criterion.enabled else Qt.CheckState.Unchecked
                )
            self.rules_list.addItem(item)
        self.fit_us.setText(", ".join(rules.product_fit.get("us", ())))
        self.fit_partner.setText(", ".join(rules.product_fit.get("partner", ())))
        self.tie_combo.setCurrentIndex(max(0, self.tie_combo.findData(rules.tie_breaker)))
        version = f"version {rules.version}" if rules.version else "defaults, not saved yet"
        self.rules_title.setText(f"Rules of engagement ({version})")
        frame = view.ownership
        self.model.set_frame(frame)
        self._on_search_changed(self.search.text())
        self.disputes_model.set_frame(view.disputes)
        open_disputes = int(view.disputes["resolved_at"].isna().sum()) if len(view.disputes) else 0
        self.tabs.setTabText(1, f"Disputes ({open_disputes})")
        if len(frame):
            leads = frame["lead"].value_counts()
            unassigned = int((frame["lead"] == "").sum())
            self.counts_label.setText(
                f"We lead {int(leads.get('us', 0)):,} · {self.partner_name} leads "
                f"{int(leads.get('partner', 0)):,}"
                + (f" · {unassigned:,} not assigned yet" if unassigned else "")
                + f" · {int(frame['overridden'].sum()):,} overridden"
            )
            self.footer_note.setText(
                "Leads are set. Next, pick the pilot accounts and plan the joint work."
                if not unassigned
                else "Apply the rules to give every shared account a lead."
            )
        else:
            self.counts_label.setText("No shared accounts yet.")
            self.footer_note.setText(
                "Match the accounts first: ownership is decided for shared accounts."
            )

    def _row_brush(self, frame_row: int) -> QBrush | None:
        frame = self.model.frame
        if frame is None:
            return None
        if int(frame["open_disputes"].iat[frame_row]) > 0:
            return QBrush(QColor("#fde8e4"))
        if bool(frame["overridden"].iat[frame_row]):
            return QBrush(QColor("#fff4d6"))
        return None

    # ------------------------------------------------------------------ rules

    @Slot(int)
    def _on_rule_selected(self, row: int) -> None:
        item = self.rules_list.item(row)
        if item is not None:
            self.rule_meaning.setText(item.toolTip())

    def move_rule(self, step: int) -> None:
        row = self.rules_list.currentRow()
        target = row + step
        last = self.rules_list.count() - 1  # the tie-breaker stays last
        if row < 0 or not 0 <= target < last or row == last:
            return
        item = self.rules_list.takeItem(row)
        self.rules_list.insertItem(target, item)
        self.rules_list.setCurrentRow(target)

    def rule_settings(self) -> tuple[list[str], dict[str, bool]]:
        order, enabled = [], {}
        for row in range(self.rules_list.count()):
            item = self.rules_list.item(row)
            name = item.data(NAME_ROLE)
            if name == "tie_breaker":
                continue
            order.append(name)
            enabled[name] = item.checkState() == Qt.CheckState.Checked
        order.append("tie_breaker")
        return order, enabled

    @Slot()
    def apply_rules(self) -> None:
        from desktop.operations.ownership import apply_rules

        if self.partner is None:
            return
        order, enabled = self.rule_settings()
        fit = {
            "us": [t.strip() for t in self.fit_us.text().split(",") if t.strip()],
            "partner": [t.strip() for t in self.fit_partner.text().split(",") if t.strip()],
        }
        self.apply_button.setEnabled(False)
        self.ops.run(
            "Assigning leads",
            partial(
                apply_rules,
                partner=self.partner.name,
                order=order,
                enabled=enabled,
                product_fit=fit,
                tie_breaker=self.tie_combo.currentData(),
            ),
            on_success=self._on_applied,
            on_failure=self._on_apply_failed,
            changes=("ownership",),
        )

    def _on_applied(self, view: Any) -> None:
        self.apply_button.setEnabled(True)
        self.stack.clear()
        self._on_loaded(view)

    def _on_apply_failed(self, kind: str, message: str) -> None:
        self.apply_button.setEnabled(True)
        if kind != "cancelled":
            self.show_error(kind, message)

    # ------------------------------------------------------------------ overrides and disputes

    @Slot()
    def override_selected(self) -> None:
        record = self.table.current_record()
        if record is None:
            self.show_error("user", "Select a shared account first.")
            return
        lead = "partner" if record.get("lead") == "us" else "us"
        who = "us" if lead == "us" else self.partner_name
        reason = dialogs.ask_text(
            self, "Override the lead", f"Why should {who} lead {record['name']}?"
        )
        if not reason or not reason.strip():
            return
        self.stack.push(OverrideCommand(self, record, lead, reason.strip()))

    @Slot()
    def dispute_selected(self) -> None:
        from desktop.operations.ownership import open_lead_dispute

        record = self.table.current_record()
        if record is None or self.partner is None:
            self.show_error("user", "Select a shared account first.")
            return
        text = dialogs.ask_text(self, "Open a dispute", f"What is disputed about {record['name']}?")
        if not text or not text.strip():
            return
        self.ops.run(
            "Opening a dispute",
            partial(
                open_lead_dispute,
                partner=self.partner.name,
                our_key=str(record["our_key"]),
                partner_key=str(record["partner_key"]),
                note=text.strip(),
            ),
            on_failure=self.show_error,
            changes=("ownership",),
        )

    @Slot()
    def resolve_selected(self) -> None:
        from desktop.operations.ownership import resolve_lead_dispute

        record = self.disputes_table.current_record()
        if record is None:
            return
        text = dialogs.ask_text(self, "Resolve the dispute", "How was it settled?")
        if not text or not text.strip():
            return
        self.ops.run(
            "Resolving a dispute",
            partial(
                resolve_lead_dispute,
                dispute_id=int(record["id"]),
                resolution=text.strip(),
                lead=self.resolve_lead.currentData(),
            ),
            on_failure=self.show_error,
            changes=("ownership",),
        )

    @Slot(str)
    def _on_search_changed(self, text: str) -> None:
        self.model.set_mask(mask_contains(self.model.frame, ["name", "rationale"], text))

    def focus_find(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
