"""Step 5, plans: the pilot shortlist and a joint plan per account, with stalled plans flagged."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.models.frame import Column, FrameModel
from desktop.pages.base import Page, note, section
from desktop.pages.plan_outreach import OutreachPanel
from desktop.widgets.table import DataTable
from desktop.widgets.territory_filter import TerritoryFilter

PLAN_STATUSES = ("draft", "active", "won", "lost", "paused")
STALLED = QBrush(QColor("#fde8e4"))


class ShortlistModel(FrameModel):
    COLUMNS = (
        Column("rank", "#", "number"),
        Column("name", "Account"),
        Column("reason", "Why it was picked"),
        Column("score", "Score", "score"),
        Column("potential_revenue", "Potential", "money"),
        Column("our_stage", "Our stage"),
        Column("partner_stage", "Their stage"),
        Column("has_plan", "Plan", "bool"),
    )


class PlansModel(FrameModel):
    ACCOUNT, STALLED_REASON, LEAD, STATUS, OPEN_STEPS, NEXT_DUE = range(6)
    COLUMNS = (
        Column("account_name", "Account"),
        Column("reason", "Stalling because"),
        Column("lead", "Lead"),
        Column("status", "Status"),
        Column("open_steps", "Open steps", "number"),
        Column("next_due", "Next due", "date"),
        Column("ref", "Plan ref", tooltip="The reference both partners see for this plan"),
    )


class RolesModel(FrameModel):
    COLUMNS = (
        Column("party", "Party"),
        Column("person", "Person"),
        Column("role", "Role"),
        Column("responsibility", "Responsibility"),
    )


class StepsModel(FrameModel):
    COLUMNS = (
        Column("what", "Next step"),
        Column("owner_party", "Owner"),
        Column("owner_person", "Person"),
        Column("due_date", "Due", "date"),
        Column("done", "Done", "bool"),
        Column("joint", "Joint", "bool", "Both companies take this step together"),
    )


class MetricsModel(FrameModel):
    COLUMNS = (
        Column("name", "Metric"),
        Column("target", "Target", "number"),
        Column("actual", "Actual", "number"),
        Column("unit", "Unit"),
    )


def _party_combo(parent: QWidget, name: str) -> QComboBox:
    combo = QComboBox(parent)
    combo.addItem("us", "us")
    combo.addItem("partner", "partner")
    combo.setAccessibleName(name)
    return combo


class PlansPage(Page):
    key = "plans"
    title = "Plans"
    number = 5
    heading = "joint plans for the accounts that matter most"
    help_text = (
        "<b>Start small, prove value:</b> pick a pilot of 20–50 shared accounts — the "
        "shortlist ranks them by potential revenue, stage combination (their customer and our "
        "prospect first) and strategic priority — and write a joint plan for each: the objective, "
        "who does what on each side, the next steps with owners and dates, and how success is "
        "measured. Plans with no owner, no next step, an overdue step or no update for 30 days "
        "are flagged as stalling."
    )
    next_label = "Next: track the results ›"
    next_key = "dashboard"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.plan_id: int | None = None
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(self.body)
        self.tabs.setAccessibleName("Shortlist and plans")
        # In the tab bar's corner: it limits both tabs, and takes no height of its own.
        self.territory_filter = TerritoryFilter(self.tabs)
        self.territory_filter.territory_changed.connect(self._on_territory_changed)
        self.tabs.setCornerWidget(self.territory_filter, Qt.Corner.TopRightCorner)
        layout.addWidget(self.tabs)
        self._build_shortlist_tab()
        self._build_plans_tab()

    # ------------------------------------------------------------------ building

    def _build_shortlist_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        bar = QHBoxLayout()
        size_label = QLabel("Pilot size:", tab)
        self.size_spin = QSpinBox(tab)
        # The engine's limits are set on the first reload (they load with the engine).
        self.size_spin.setRange(30, 30)
        self.size_spin.setValue(30)
        self.size_spin.setAccessibleName("Number of accounts in the pilot")
        size_label.setBuddy(self.size_spin)
        self.size_advice = QLabel("", tab)
        self.size_advice.setWordWrap(True)
        self.size_advice.setAccessibleName("Advice on the pilot size")
        self.size_advice.setVisible(False)
        self.size_spin.valueChanged.connect(self._on_size_changed)
        self.shortlist_button = QPushButton("Build the pilot shortlist", tab)
        self.shortlist_button.setObjectName("primaryButton")
        self.shortlist_button.setAccessibleName("Build the pilot shortlist")
        self.shortlist_button.clicked.connect(self.build_shortlist)
        self.plan_all_button = QPushButton("Create plans for the shortlist", tab)
        self.plan_all_button.setAccessibleName("Create a draft plan for every shortlisted account")
        self.plan_all_button.clicked.connect(self.create_plans_for_shortlist)
        self.plan_one_button = QPushButton("Plan the selected account", tab)
        self.plan_one_button.setAccessibleName("Create a plan for the selected account")
        self.plan_one_button.clicked.connect(self.create_plan_for_selected)
        for widget in (size_label, self.size_spin, self.shortlist_button):
            bar.addWidget(widget)
        bar.addWidget(self.size_advice, 1)
        bar.addStretch(0)
        layout.addLayout(bar)
        self.shortlist_model = ShortlistModel()
        self.shortlist_table = DataTable(self.shortlist_model, "Pilot shortlist", tab)
        self.shortlist_table.set_widths(
            {
                "rank": 40,
                "name": 200,
                "reason": 330,
                "score": 55,
                "potential_revenue": 90,
                "our_stage": 85,
                "partner_stage": 85,
                "has_plan": 45,
            }
        )
        layout.addWidget(self.shortlist_table, 1)
        self.shortlist_note = note("Build the shortlist to see the accounts to start with.", tab)
        below = QHBoxLayout()
        below.addWidget(self.shortlist_note, 1)
        below.addWidget(self.plan_one_button)
        below.addWidget(self.plan_all_button)
        layout.addLayout(below)
        self.plan_all_button.setEnabled(False)
        self.plan_one_button.setEnabled(False)
        self.tabs.addTab(tab, "Pilot shortlist")

    def _build_plans_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        splitter = QSplitter(Qt.Orientation.Horizontal, tab)
        splitter.setChildrenCollapsible(False)
        self._build_plans_list(splitter)

        # The editor is tabs (the plan, roles, next steps, metrics), not one long scrolled form:
        # each part fits a laptop screen whole, and the page keeps a single way to scroll.
        editor = QWidget(splitter)
        editor.setObjectName("pageBody")
        editor.setAccessibleName("Plan editor")
        editor_layout = QVBoxLayout(editor)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        self.plan_title = QLabel("Select a plan to edit it.", editor)
        self.plan_title.setObjectName("sectionTitle")
        self.plan_title.setWordWrap(True)
        editor_layout.addWidget(self.plan_title)
        self.editor_tabs = QTabWidget(editor)
        self.editor_tabs.setAccessibleName("Parts of the plan")
        editor_layout.addWidget(self.editor_tabs, 1)
        editor_tabs: list[QVBoxLayout] = []
        for label in ("Plan", "Roles", "Next steps", "Success metrics"):
            part = QWidget(self.editor_tabs)
            editor_tabs.append(QVBoxLayout(part))
            self.editor_tabs.addTab(part, label)
        form_layout = editor_tabs[0]
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.objective_edit = QPlainTextEdit(editor)
        self.objective_edit.setAccessibleName("Objective of the plan")
        self.objective_edit.setPlaceholderText("e.g. Land a joint pilot of both products by Q3")
        self.objective_edit.setFixedHeight(60)
        self.objective_edit.setTabChangesFocus(True)
        self.lead_combo = _party_combo(editor, "Lead of the plan")
        self.status_combo = QComboBox(editor)
        self.status_combo.addItems(list(PLAN_STATUSES))
        self.status_combo.setAccessibleName("Status of the plan")
        self.notes_edit = QPlainTextEdit(editor)
        self.notes_edit.setAccessibleName("Notes")
        self.notes_edit.setFixedHeight(48)
        self.notes_edit.setTabChangesFocus(True)
        form.addRow("Objective:", self.objective_edit)
        form.addRow("Lead:", self.lead_combo)
        form.addRow("Status:", self.status_combo)
        form.addRow("Notes:", self.notes_edit)
        form_layout.addLayout(form)
        self.save_button = QPushButton("Save plan", editor)
        self.save_button.setObjectName("primaryButton")
        self.save_button.setAccessibleName("Save the plan")
        self.save_button.clicked.connect(self.save_plan)
        form_layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        form_layout.addStretch(1)

        self._build_roles(editor, editor_tabs[1])
        self._build_steps(editor, editor_tabs[2])
        self._build_metrics(editor, editor_tabs[3])
        self.outreach = OutreachPanel(self.editor_tabs)
        self.outreach.save_requested.connect(self.save_outreach)
        self.outreach.joint_meeting_requested.connect(self.add_joint_meeting)
        self.editor_tabs.addTab(self.outreach, "Outreach")
        # Delete removes the selected row of whichever of the two tables has the focus.
        for table, remove in (
            (self.roles_table, self.remove_role),
            (self.steps_table, self.remove_step),
        ):
            shortcut = QShortcut(QKeySequence(Qt.Key.Key_Delete), table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(remove)
        self.editor = editor
        splitter.addWidget(editor)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([680, 400])
        layout.addWidget(splitter)
        self.editor.setEnabled(False)
        self.tabs.addTab(tab, "Plans")

    def _build_plans_list(self, splitter: QSplitter) -> None:
        """The plans, on the left of the Plans tab."""
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.stalled_label = QLabel("", left)
        self.stalled_label.setWordWrap(True)
        left_layout.addWidget(self.stalled_label)
        self.plans_model = PlansModel()
        self.plans_model.set_row_brush(self._plan_brush)
        self.plans_table = DataTable(self.plans_model, "Joint plans", left)
        self.plans_table.set_widths(
            {
                "account_name": 170,
                "reason": 180,
                "lead": 60,
                "status": 60,
                "open_steps": 90,
                "next_due": 95,
            }
        )
        self.plans_table.selectionModel().currentRowChanged.connect(self._on_plan_selected)
        left_layout.addWidget(self.plans_table, 1)
        splitter.addWidget(left)

    def _build_roles(self, editor: QWidget, form_layout: QVBoxLayout) -> None:
        """The plan's roles and responsibilities, with a row to add one."""
        form_layout.addWidget(section("Roles and responsibilities", editor))
        self.roles_model = RolesModel()
        self.roles_table = DataTable(self.roles_model, "Roles", editor)
        self.roles_table.setMinimumHeight(90)
        form_layout.addWidget(self.roles_table, 1)
        row = QHBoxLayout()
        self.role_party = _party_combo(editor, "Party of the new role")
        self.role_person = QLineEdit(editor)
        self.role_person.setPlaceholderText("Person")
        self.role_person.setAccessibleName("Person")
        self.role_name = QLineEdit(editor)
        self.role_name.setPlaceholderText("Role, e.g. account executive")
        self.role_name.setAccessibleName("Role")
        add_role = QPushButton("Add role", editor)
        add_role.setAccessibleName("Add the role")
        add_role.clicked.connect(self.add_role)
        self.remove_role_button = QPushButton("Remove", editor)
        self.remove_role_button.setAccessibleName("Remove the selected role")
        self.remove_role_button.setToolTip("Remove the selected role (Delete)")
        self.remove_role_button.clicked.connect(self.remove_role)
        for widget in (self.role_party, self.role_person, self.role_name, add_role):
            row.addWidget(widget)
        form_layout.addLayout(row)
        form_layout.addWidget(self.remove_role_button, 0, Qt.AlignmentFlag.AlignRight)

    def _build_steps(self, editor: QWidget, form_layout: QVBoxLayout) -> None:
        """The plan's next steps, with a row to add one."""
        form_layout.addWidget(section("Next steps", editor))
        self.steps_model = StepsModel()
        self.steps_table = DataTable(self.steps_model, "Next steps", editor)
        self.steps_table.setMinimumHeight(90)
        form_layout.addWidget(self.steps_table, 1)
        row = QHBoxLayout()
        self.step_what = QLineEdit(editor)
        self.step_what.setPlaceholderText("What, e.g. intro call with their AE")
        self.step_what.setAccessibleName("Next step")
        self.step_party = _party_combo(editor, "Owner of the next step")
        self.step_person = QLineEdit(editor)
        self.step_person.setPlaceholderText("Owner")
        self.step_person.setAccessibleName("Person owning the next step")
        self.step_due = QDateEdit(editor)
        self.step_due.setCalendarPopup(True)
        self.step_due.setDisplayFormat("yyyy-MM-dd")
        self.step_due.setDate(QDate.currentDate().addDays(14))
        self.step_due.setMinimumDate(QDate.currentDate())
        self.step_due.setAccessibleName("Due date of the next step")
        add_step = QPushButton("Add step", editor)
        add_step.setAccessibleName("Add the next step")
        add_step.clicked.connect(self.add_step)
        self.step_what.returnPressed.connect(self.add_step)
        row.addWidget(self.step_what, 2)
        for widget in (self.step_party, self.step_person, self.step_due, add_step):
            row.addWidget(widget)
        form_layout.addLayout(row)
        done = QPushButton("Mark the selected step done", editor)
        done.setAccessibleName("Mark the selected step done")
        done.clicked.connect(self.mark_step_done)
        self.remove_step_button = QPushButton("Remove", editor)
        self.remove_step_button.setAccessibleName("Remove the selected next step")
        self.remove_step_button.setToolTip("Remove the selected next step (Delete)")
        self.remove_step_button.clicked.connect(self.remove_step)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(done)
        row.addWidget(self.remove_step_button)
        form_layout.addLayout(row)

    def _build_metrics(self, editor: QWidget, form_layout: QVBoxLayout) -> None:
        """The plan's success metrics, with a row to add one."""
        form_layout.addWidget(section("Success metrics", editor))
        self.metrics_model = MetricsModel()
        self.metrics_table = DataTable(self.metrics_model, "Success metrics", editor)
        self.metrics_table.setMinimumHeight(80)
        form_layout.addWidget(self.metrics_table, 1)
        row = QHBoxLayout()
        self.metric_name = QLineEdit(editor)
        self.metric_name.setPlaceholderText("Metric, e.g. pipeline created")
        self.metric_name.setAccessibleName("Metric name")
        self.metric_target = QDoubleSpinBox(editor)
        self.metric_target.setRange(0, 1e12)
        self.metric_target.setDecimals(0)
        self.metric_target.setAccessibleName("Target")
        self.metric_target.setMaximumWidth(120)
        self.metric_unit = QLineEdit(editor)
        self.metric_unit.setPlaceholderText("Unit")
        self.metric_unit.setAccessibleName("Unit")
        self.metric_unit.setMaximumWidth(80)
        add_metric = QPushButton("Add metric", editor)
        add_metric.setAccessibleName("Add the success metric")
        add_metric.clicked.connect(self.add_metric)
        row.addWidget(self.metric_name, 2)
        for widget in (self.metric_target, self.metric_unit, add_metric):
            row.addWidget(widget)
        form_layout.addLayout(row)
        self.actual_button = QPushButton("Record actual…", editor)
        self.actual_button.setAccessibleName("Record the actual value of the selected metric")
        self.actual_button.clicked.connect(self.record_actual)
        self.metrics_table.doubleClicked.connect(lambda _index: self.record_actual())
        form_layout.addWidget(self.actual_button, 0, Qt.AlignmentFlag.AlignRight)

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        from desktop.operations.plans import shortlist_size_limits
        from desktop.operations.territories import territory_names

        if self.partner is not None and self.size_spin.minimum() == self.size_spin.maximum():
            self.size_spin.setRange(*shortlist_size_limits())
        self.load_for_partner("Reading territories", territory_names, self._on_territory_names)

    @Slot(int)
    def _on_size_changed(self, size: int) -> None:
        from desktop.operations.plans import shortlist_size_advice

        advice = shortlist_size_advice(size)
        self.size_advice.setText(advice)
        self.size_advice.setVisible(bool(advice))

    def _on_territory_names(self, names: list[str]) -> None:
        if self.territory_filter.set_names(names):
            self._forget_shortlist()
        self._load_plans()

    def _load_plans(self) -> None:
        from desktop.operations.plans import load_plans

        if self.partner is None:
            return
        self.ops.run(
            "Reading plans",
            partial(
                load_plans, partner=self.partner.name, territory=self.territory_filter.current()
            ),
            on_success=self._on_plans,
            on_failure=self.show_error,
        )

    @Slot(str)
    def _on_territory_changed(self, _name: str) -> None:
        self._forget_shortlist()
        self._load_plans()

    def _forget_shortlist(self) -> None:
        """The shortlist shown was picked for another territory: clear it."""
        self.shortlist_model.set_frame(None)
        self.plan_all_button.setEnabled(False)
        self.plan_one_button.setEnabled(False)
        territory = self.territory_filter.current()
        self.shortlist_note.setText(
            f"Build the shortlist to see the accounts of {territory} to start with."
            if territory
            else "Build the shortlist to see the accounts to start with."
        )

    def data_changed(self, what: str) -> None:
        if what in ("plans", "ownership", "matches", "decisions", "territories"):
            super().data_changed(what)

    def _on_plans(self, frame: Any) -> None:
        self.plans_model.set_frame(frame)
        stalled = int(frame["stalled"].sum()) if len(frame) else 0
        self.tabs.setTabText(
            1, f"Plans ({len(frame)})" + (f" · {stalled} stalling" if stalled else "")
        )
        if stalled:
            self.stalled_label.setText(
                f"<span style='color:#9a3412'><b>{stalled} plan{'s' if stalled != 1 else ''} "
                "stalling</b> — highlighted, with the reason beside the account.</span>"
            )
        else:
            territory = self.territory_filter.current()
            self.stalled_label.setText(
                f"{len(frame)} plans, none stalling."
                if len(frame)
                else f"No plans in {territory}."
                if territory
                else "No plans yet."
            )
        self.footer_note.setText(
            "Keep every plan moving: a named owner on each side and a dated next step."
            if len(frame)
            else "Build the shortlist, then create plans for it."
        )
        if self.plan_id is not None:
            self._select_plan(self.plan_id)

    def _plan_brush(self, frame_row: int) -> QBrush | None:
        frame = self.plans_model.frame
        return STALLED if frame is not None and bool(frame["stalled"].iat[frame_row]) else None

    # ------------------------------------------------------------------ shortlist

    @Slot()
    def build_shortlist(self) -> None:
        from desktop.operations.plans import build_shortlist

        if self.partner is None:
            return
        self.ops.run(
            "Ranking the shared accounts",
            partial(
                build_shortlist,
                partner=self.partner.name,
                size=self.size_spin.value(),
                territory=self.territory_filter.current(),
            ),
            on_success=self._on_shortlist,
            on_failure=self.show_error,
        )

    def _on_shortlist(self, frame: Any) -> None:
        self.shortlist_model.set_frame(frame)
        has = bool(len(frame))
        self.plan_all_button.setEnabled(has)
        self.plan_one_button.setEnabled(has)
        planned = int(frame["has_plan"].sum()) if has else 0
        territory = self.territory_filter.current()
        where = f" in {territory}" if territory else ""
        self.shortlist_note.setText(
            f"{len(frame)} accounts picked{where}, {planned} already with a plan. Start with "
            "these, prove value, then widen."
            if has
            else f"No shared accounts{where} to pick from yet."
        )

    @Slot()
    def create_plans_for_shortlist(self) -> None:
        from desktop.operations.plans import create_shortlist_plans

        if self.partner is None:
            return
        self.ops.run(
            "Creating plans",
            partial(
                create_shortlist_plans,
                partner=self.partner.name,
                size=self.size_spin.value(),
                territory=self.territory_filter.current(),
            ),
            on_success=self._on_plans_created,
            on_failure=self.show_error,
            changes=("plans",),
        )

    def _on_plans_created(self, count: int) -> None:
        self.shortlist_note.setText(
            f"Created {count} draft plans. Open the Plans tab to fill them in."
        )
        self.tabs.setCurrentIndex(1)
        self.build_shortlist()

    @Slot()
    def create_plan_for_selected(self) -> None:
        from desktop.operations.plans import create_one_plan

        record = self.shortlist_table.current_record()
        if record is None or self.partner is None:
            self.show_error("user", "Select an account of the shortlist first.")
            return
        self.ops.run(
            "Creating a plan",
            partial(
                create_one_plan,
                partner=self.partner.name,
                our_key=str(record["our_key"]),
                partner_key=str(record["partner_key"]),
                objective="",
            ),
            on_success=self._on_plan_created,
            on_failure=self.show_error,
            changes=("plans",),
        )

    def _on_plan_created(self, plan_id: int) -> None:
        self.plan_id = plan_id
        self.tabs.setCurrentIndex(1)
        self.build_shortlist()
        self.open_plan(plan_id)

    # ------------------------------------------------------------------ plan editor

    def _select_plan(self, plan_id: int) -> None:
        frame = self.plans_model.frame
        if frame is None:
            return
        for row in range(self.plans_model.rowCount()):
            if int(frame["id"].iat[self.plans_model.frame_row(row)]) == plan_id:
                index = self.plans_table.proxy.mapFromSource(self.plans_model.index(row, 0))
                self.plans_table.blockSignals(True)
                self.plans_table.setCurrentIndex(index)
                self.plans_table.blockSignals(False)
                return

    def _on_plan_selected(self, current: Any, _previous: Any) -> None:
        if not current.isValid():
            return
        record = self.plans_model.record(self.plans_table.proxy.mapToSource(current).row())
        if self.plan_id != int(record["id"]) or not self.editor.isEnabled():
            self.open_plan(int(record["id"]))

    def open_plan(self, plan_id: int) -> None:
        from desktop.operations.plans import load_plan

        self.plan_id = plan_id
        self.ops.run(
            "Reading the plan",
            partial(load_plan, plan_id=plan_id),
            on_success=self._show_plan,
            on_failure=self.show_error,
        )

    def _show_plan(self, detail: Any) -> None:
        plan = detail.plan
        if plan.id != self.plan_id:
            return
        self.editor.setEnabled(True)
        self.plan_title.setText(f"Plan for {plan.account_name}")
        self.objective_edit.setPlainText(plan.objective or "")
        self.lead_combo.setCurrentIndex(max(0, self.lead_combo.findData(plan.lead or "us")))
        self.status_combo.setCurrentText(plan.status)
        self.notes_edit.setPlainText(plan.notes or "")
        self.roles_model.set_frame(detail.roles)
        self.steps_model.set_frame(detail.steps)
        self.metrics_model.set_frame(detail.metrics)
        self._select_plan(int(plan.id))
        self._load_outreach(int(plan.id))

    def _load_outreach(self, plan_id: int) -> None:
        from desktop.operations.plans import load_outreach

        self.ops.run(
            "Reading the plan's outreach",
            partial(load_outreach, plan_id=plan_id),
            on_success=self._show_outreach,
            on_failure=self.show_error,
        )

    def _show_outreach(self, view: Any) -> None:
        if view.plan_id == self.plan_id:
            self.outreach.show_outreach(view)

    @Slot(str, dict)
    def save_outreach(self, why_together: str, insight: dict) -> None:
        from desktop.operations.plans import save_outreach

        if self.plan_id is None:
            return
        self.ops.run(
            "Saving the outreach",
            partial(save_outreach, plan_id=self.plan_id, why_together=why_together,
                    insight=insight),
            on_success=self._show_outreach,
            on_failure=self.show_error,
            changes=("plans",),
        )  # fmt: skip

    @Slot(str)
    def add_joint_meeting(self, on: str) -> None:
        from desktop.operations.plans import add_plan_joint_meeting

        if self.plan_id is None:
            return
        self._run_plan_job(
            "Adding the joint meeting", partial(add_plan_joint_meeting, plan_id=self.plan_id, on=on)
        )

    def _run_plan_job(self, label: str, fn: Any) -> None:
        self.ops.run(
            label, fn, on_success=self._show_plan, on_failure=self.show_error, changes=("plans",)
        )

    @Slot()
    def save_plan(self) -> None:
        from desktop.operations.plans import save_plan

        if self.plan_id is None:
            return
        self._run_plan_job(
            "Saving the plan",
            partial(
                save_plan,
                plan_id=self.plan_id,
                objective=self.objective_edit.toPlainText().strip(),
                lead=self.lead_combo.currentData(),
                status=self.status_combo.currentText(),
                notes=self.notes_edit.toPlainText().strip(),
            ),
        )

    @Slot()
    def add_role(self) -> None:
        from desktop.operations.plans import add_plan_role

        if self.plan_id is None:
            return
        self._run_plan_job(
            "Adding a role",
            partial(
                add_plan_role,
                plan_id=self.plan_id,
                party=self.role_party.currentData(),
                person=self.role_person.text(),
                role=self.role_name.text(),
                responsibility="",
            ),
        )
        self.role_person.clear()
        self.role_name.clear()

    @Slot()
    def add_step(self) -> None:
        from desktop.operations.plans import add_plan_step

        if self.plan_id is None or not self.step_what.text().strip():
            return
        self._run_plan_job(
            "Adding a next step",
            partial(
                add_plan_step,
                plan_id=self.plan_id,
                what=self.step_what.text().strip(),
                party=self.step_party.currentData(),
                person=self.step_person.text().strip() or None,
                due=self.step_due.date().toString("yyyy-MM-dd"),
            ),
        )
        self.step_what.clear()

    @Slot()
    def mark_step_done(self) -> None:
        from desktop.operations.plans import mark_step_done

        record = self.steps_table.current_record()
        if record is None or self.plan_id is None:
            return
        self._run_plan_job(
            "Marking a step done",
            partial(
                mark_step_done,
                plan_id=self.plan_id,
                step_id=int(record["id"]),
                done=not bool(record["done"]),
            ),
        )

    @Slot()
    def add_metric(self) -> None:
        from desktop.operations.plans import add_plan_metric

        if self.plan_id is None or not self.metric_name.text().strip():
            return
        self._run_plan_job(
            "Adding a success metric",
            partial(
                add_plan_metric,
                plan_id=self.plan_id,
                name=self.metric_name.text().strip(),
                target=float(self.metric_target.value()) or None,
                unit=self.metric_unit.text().strip(),
            ),
        )
        self.metric_name.clear()

    @Slot()
    def record_actual(self) -> None:
        from desktop.operations.plans import set_plan_metric_actual

        record = self.metrics_table.current_record()
        if self.plan_id is None:
            return
        if record is None:
            self.show_error("user", "Select a success metric first.")
            return
        current = record.get("actual")
        shown = "" if current is None or current != current else f"{float(current):g}"
        unit = str(record.get("unit") or "").strip()
        answer = dialogs.ask_text(
            self,
            "Record the actual value",
            f"Actual value of “{record['name']}”"
            + (f" ({unit})" if unit else "")
            + " — leave empty to clear it:",
            shown,
        )
        if answer is None:
            return
        self._run_plan_job(
            "Recording an actual value",
            partial(
                set_plan_metric_actual,
                plan_id=self.plan_id,
                metric_id=int(record["id"]),
                actual=answer.strip() or None,
            ),
        )

    def _remove_selected(self, table: Any, kind: str, label: str) -> None:
        from desktop.operations.plans import remove_plan_entry

        record = table.current_record()
        if self.plan_id is None or record is None:
            return
        self._run_plan_job(
            label,
            partial(remove_plan_entry, plan_id=self.plan_id, kind=kind, item_id=int(record["id"])),
        )

    @Slot()
    def remove_role(self) -> None:
        self._remove_selected(self.roles_table, "role", "Removing a role")

    @Slot()
    def remove_step(self) -> None:
        self._remove_selected(self.steps_table, "step", "Removing a next step")
