"""Overlaps, ownership, plans and the dashboard on the demo workspace (built once per test)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import Qt

from tests.desktop.conftest import until, wait_idle
from tests.desktop.steps import LEFT, go


@pytest.fixture
def demo(qtbot, window):
    """The window on the demo workspace, built through the app as a new user gets it."""
    window.open_demo()
    until(qtbot, lambda: window.workspace is not None, timeout=120_000)
    wait_idle(qtbot, window)
    assert window.workspace.company == "Acme Corp"
    assert window.partner.name == "Globex"
    return window


def test_demo_opens_with_every_step_and_state(qtbot, demo) -> None:
    keys = [
        demo.sidebar.item(r).data(Qt.ItemDataRole.UserRole + 11)
        for r in range(demo.sidebar.count())
    ]
    assert [k for k in keys if k][:9] == [
        "import",
        "match",
        "overlaps",
        "ownership",
        "plans",
        "territories",
        "agenda",
        "registrations",
        "dashboard",
    ]
    states = demo.summary.states
    assert states["import"][0] == "done"
    assert states["match"][0] == "attention" and states["match"][1] > 0
    assert states["ownership"][0] == "done"
    assert states["plans"][0] == "not started"
    assert demo.summary_label.text().startswith("Matched: 301 shared accounts · 1,200 of ours")
    assert "Acme Corp — demo.overlap" in demo.windowTitle()
    accessible = [demo.sidebar.item(r).data(Qt.ItemDataRole.AccessibleTextRole) for r in range(3)]
    assert "1  Import: done" in accessible[0] or accessible[0].startswith("1  Import")
    for page in demo.pages.values():
        assert page.accessibleName()


def test_the_demo_has_something_on_every_page_of_the_partnership(qtbot, demo) -> None:
    """A new user opening the demo sees territories, a sync rhythm with its agenda,
    registrations, and a second partner to compare with and share accounts with."""
    assert [demo.partner_combo.itemText(i) for i in range(demo.partner_combo.count())] == [
        "Globex",
        "Northwind",
    ]
    territories = go(qtbot, demo, "territories")
    until(qtbot, lambda: territories.view is not None)
    names = territories.model.frame["territory"].tolist()
    assert names[:2] == ["North America", "EMEA"]
    agenda = go(qtbot, demo, "agenda")
    until(qtbot, lambda: agenda.view is not None)
    assert agenda.view.schedule is not None and "every 2 weeks" in agenda.schedule_label.text()
    assert agenda.view.agenda.section("registrations").items
    registrations = go(qtbot, demo, "registrations")
    until(qtbot, lambda: registrations.view is not None)
    assert registrations.model.rowCount() == 8
    partners = go(qtbot, demo, "partners")
    until(qtbot, lambda: partners.view is not None)
    assert partners.comparison_model.rowCount() == 2
    assert partners.view.counts["several"] > 0 and partners.view.counts["contested"] > 0
    assert "flagged" in partners.tabs.tabText(0)
    for key in ("territories", "agenda", "registrations"):
        assert demo.summary.states[key][0] in ("done", "attention"), key


def test_overlaps_lists_and_exports(qtbot, demo, dialogs, tmp_path: Path) -> None:
    page = go(qtbot, demo, "overlaps")
    until(qtbot, lambda: page.view is not None)
    qtbot.mouseClick(page.opportunity_buttons["ask_intro"], LEFT)
    kinds = page.model.frame["kind"].unique().tolist()
    assert kinds == ["ask_intro"]
    assert page.model.rowCount() == int((page.view.opportunities["kind"] == "ask_intro").sum())
    dialogs.save_files.append(str(tmp_path / "intro.csv"))
    qtbot.mouseClick(page.export_button, LEFT)
    wait_idle(qtbot, demo)
    exported = pd.read_csv(tmp_path / "intro.csv")
    assert len(exported) == page.model.rowCount()
    # The user is told where the file went (with a button that opens its folder).
    assert ("saved", str(tmp_path / "intro.csv")) in dialogs.calls
    assert {"name", "our_stage", "partner_stage", "potential_revenue"} <= set(exported.columns)
    # The list left the machine: the egress ledger says so.
    with contextlib.closing(sqlite3.connect(demo.workspace.path)) as con:
        ledger = con.execute("SELECT kind, path, row_count FROM egressrecord").fetchall()
    assert ledger == [("list", str(tmp_path / "intro.csv"), page.model.rowCount())]
    # Keyboard on the heatmap: arrows then Enter open a cell.
    page.heatmap.setFocus()
    qtbot.keyClick(page.heatmap, Qt.Key.Key_Down)
    qtbot.keyClick(page.heatmap, Qt.Key.Key_Return)
    assert "customer × Globex prospect" in page.list_label.text()
    dialogs.save_files.append(str(tmp_path / "cell.xlsx"))
    qtbot.mouseClick(page.export_button, LEFT)
    wait_idle(qtbot, demo)
    assert len(pd.read_excel(tmp_path / "cell.xlsx", engine="calamine")) == page.model.rowCount()
    # The picture's regions list their accounts too, with names.
    page.picture.region_clicked.emit("partner_only")
    wait_idle(qtbot, demo)
    assert page.model.rowCount() == page.view.counts["partner_only"]
    assert page.model.frame["name"].notna().all()


def test_ownership_rules_override_undo_and_dispute(qtbot, demo, dialogs) -> None:
    page = go(qtbot, demo, "ownership")
    until(qtbot, lambda: page.view is not None)
    assert page.rules_list.count() == 5
    # Switch off the first rule and move "product fit" first, with a fit for the partner.
    page.rules_list.item(0).setCheckState(Qt.CheckState.Unchecked)
    page.rules_list.setCurrentRow(3)
    for _ in range(3):
        qtbot.mouseClick(page.up_button, LEFT)
    assert page.rule_settings()[0][0] == "product_fit"
    page.fit_partner.setText("Healthcare")
    qtbot.mouseClick(page.apply_button, LEFT)
    wait_idle(qtbot, demo)
    assert "version 2" in page.rules_title.text()
    frame = page.model.frame
    assert "relationship" not in set(frame["criterion"])
    # Override, then undo it.
    page.table.selectRow(0)
    record = page.table.current_record()
    dialogs.texts.append("agreed on the partner call")
    qtbot.mouseClick(page.override_button, LEFT)
    wait_idle(qtbot, demo)
    row = page.model.frame.set_index("our_key").loc[record["our_key"]]
    assert bool(row["overridden"]) and row["lead"] != record["lead"]
    demo.undo_action.trigger()
    wait_idle(qtbot, demo)
    row = page.model.frame.set_index("our_key").loc[record["our_key"]]
    assert not bool(row["overridden"]) and row["lead"] == record["lead"]
    # A dispute is listed and counted.
    page.table.selectRow(0)
    dialogs.texts.append("both AEs claim it")
    qtbot.mouseClick(page.dispute_button, LEFT)
    wait_idle(qtbot, demo)
    assert page.disputes_model.rowCount() == 1
    assert page.tabs.tabText(1) == "Disputes (1)"
    assert demo.summary.states["ownership"][0] == "attention"
    for model in (page.model, page.disputes_model):
        from pytestqt.modeltest import ModelTester

        ModelTester(None).check(model, force_py=True)


def test_plans_shortlist_stall_and_dashboard(qtbot, demo) -> None:
    page = go(qtbot, demo, "plans")
    page.size_spin.setValue(20)
    qtbot.mouseClick(page.shortlist_button, LEFT)
    wait_idle(qtbot, demo)
    assert page.shortlist_model.rowCount() == 20
    qtbot.mouseClick(page.plan_all_button, LEFT)
    wait_idle(qtbot, demo)
    frame = page.plans_model.frame
    assert len(frame) == 20
    # New draft plans have two weeks to get an owner and a next step: none is stalling on the
    # day it is made, on the page or in the sidebar.
    assert not frame["stalled"].any()
    assert page.plans_model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert page.stalled_label.text() == "20 plans, none stalling."
    assert "stalling" not in page.tabs.tabText(1)
    assert demo.summary.states["plans"][0] == "done"

    dashboard = go(qtbot, demo, "dashboard")
    until(qtbot, lambda: dashboard.view is not None)
    assert dashboard.win_chart.bars[0].label == "Co-sold"
    assert dashboard.win_chart.bars[0].value > dashboard.win_chart.bars[1].value
    before = dashboard.view.engagement.calls_attended
    buttons = [
        b
        for b in dashboard.findChildren(type(dashboard.refresh_button))
        if b.text() == "Log a sync call"
    ]
    qtbot.mouseClick(buttons[0], LEFT)
    wait_idle(qtbot, demo)
    until(qtbot, lambda: dashboard.view.engagement.calls_attended == before + 1)
    assert "Since the baseline" in dashboard.changes_label.text()


def test_plan_editor_records_actuals_and_removes_items(qtbot, demo, dialogs) -> None:
    page = go(qtbot, demo, "plans")
    page.size_spin.setValue(20)
    qtbot.mouseClick(page.shortlist_button, LEFT)
    wait_idle(qtbot, demo)
    page.shortlist_table.selectRow(0)
    qtbot.mouseClick(page.plan_one_button, LEFT)
    wait_idle(qtbot, demo)
    until(qtbot, lambda: page.editor.isEnabled())
    for person, role in (("Ana", "account executive"), ("Raj", "partner manager")):
        qtbot.keyClicks(page.role_person, person)
        qtbot.keyClicks(page.role_name, role)
        page.add_role()
        wait_idle(qtbot, demo)
    for what in ("intro call", "joint pitch"):
        qtbot.keyClicks(page.step_what, what)
        page.add_step()
        wait_idle(qtbot, demo)
    qtbot.keyClicks(page.metric_name, "pipeline created")
    page.metric_target.setValue(50000)
    page.add_metric()
    wait_idle(qtbot, demo)
    assert page.roles_model.rowCount() == 2 and page.steps_model.rowCount() == 2

    # Record the metric's actual value, then clear it again.
    page.metrics_table.selectRow(0)
    dialogs.texts.append("12500")
    qtbot.mouseClick(page.actual_button, LEFT)
    wait_idle(qtbot, demo)
    assert ("text", "Record the actual value") in dialogs.calls
    assert page.metrics_model.frame["actual"].tolist() == [12500]
    page.metrics_table.selectRow(0)
    dialogs.texts.append("lots")
    qtbot.mouseClick(page.actual_button, LEFT)
    wait_idle(qtbot, demo)
    assert any("actual value" in text for text in dialogs.errors())
    assert page.metrics_model.frame["actual"].tolist() == [12500]

    # Remove the selected role with the button, the selected step with the Delete key.
    page.roles_table.selectRow(0)
    qtbot.mouseClick(page.remove_role_button, LEFT)
    wait_idle(qtbot, demo)
    assert page.roles_model.frame["person"].tolist() == ["Raj"]
    page.editor_tabs.setCurrentIndex(2)  # the plan's "Next steps" tab
    page.steps_table.selectRow(1)
    page.steps_table.setFocus()
    until(qtbot, lambda: page.steps_table.hasFocus())
    qtbot.keyClick(page.steps_table, Qt.Key.Key_Delete)
    wait_idle(qtbot, demo)
    assert page.steps_model.frame["what"].tolist() == ["intro call"]
    assert page.roles_model.rowCount() == 1

    # Reopened from the workspace, the plan shows the same.
    plan_id = page.plan_id
    page.open_plan(plan_id)
    wait_idle(qtbot, demo)
    assert page.roles_model.frame["role"].tolist() == ["partner manager"]
    assert page.steps_model.frame["what"].tolist() == ["intro call"]
    assert page.metrics_model.frame["actual"].tolist() == [12500]


def test_dashboard_adds_a_deal_and_changes_the_cadence(qtbot, demo, dialogs) -> None:
    from desktop.dialogs import DealDialog

    page = go(qtbot, demo, "dashboard")
    until(qtbot, lambda: page.view is not None)
    before = page.view.opportunities
    # The form gives the fields the engine takes; an open deal has no close date.
    form = DealDialog(None, "Add a deal")
    qtbot.addWidget(form)
    qtbot.keyClicks(form.account_edit, "Initech")
    form.amount_spin.setValue(42000)
    assert not form.closed_edit.isEnabled() and form.values()["closed"] is None
    form.outcome_combo.setCurrentText("won")
    assert form.values()["partner_involved"] is None  # left to the deal's account
    form.co_sold_combo.setCurrentIndex(1)
    form.part_combo.setCurrentIndex(1)
    form.opened_edit.setDate(form.opened_edit.date().addDays(-30))
    deal = form.values()
    assert form.closed_edit.isEnabled()
    assert deal["account_name"] == "Initech" and deal["amount"] == 42000
    assert deal["outcome"] == "won" and deal["closed"] is not None and deal["partner_involved"]
    assert deal["partner_role"] == "sourced"

    dialogs.deals.append(deal)
    qtbot.mouseClick(page.add_deal_button, LEFT)
    wait_idle(qtbot, demo)
    until(qtbot, lambda: page.view.opportunities == before + 1)
    assert f"{before + 1:,} opportunities tracked" in page.opportunities_label.text()
    # A deal the engine refuses (closed before it opened) is an error, not a new row.
    dialogs.deals.append({**deal, "opened": "2030-01-01"})
    qtbot.mouseClick(page.add_deal_button, LEFT)
    wait_idle(qtbot, demo)
    assert any("before it opened" in text for text in dialogs.errors())
    assert page.view.opportunities == before + 1

    # The cadence combo shows the partnership's cadence and changes it.
    assert page.cadence_combo.currentText() == page.view.schedule["cadence"]
    index = page.cadence_combo.currentIndex()
    step = 1 if index < page.cadence_combo.count() - 1 else -1
    target = page.cadence_combo.itemText(index + step)
    page.cadence_combo.setFocus()
    qtbot.keyClick(page.cadence_combo, Qt.Key.Key_Down if step == 1 else Qt.Key.Key_Up)
    wait_idle(qtbot, demo)
    until(qtbot, lambda: page.view.schedule["cadence"] == target)
    assert f"Refreshed <b>{target}</b>" in page.cadence_label.text()
    assert page.cadence_combo.currentText() == target
    with contextlib.closing(sqlite3.connect(demo.workspace.path)) as con:
        stored = con.execute("SELECT cadence FROM partner WHERE name = 'Globex'").fetchall()
    assert stored == [(target,)]


def test_dashboard_chart_titles_fit_a_small_window(qtbot, demo) -> None:
    """At 1024x640 each chart's title is written whole, not cut off at the chart's edge."""
    from PySide6.QtGui import QFont, QFontMetrics

    from desktop.widgets.charts import BarChart

    demo.resize(1024, 640)
    page = go(qtbot, demo, "dashboard")
    until(qtbot, lambda: page.view is not None)
    charts = [c for c in page.findChildren(BarChart) if c.isVisible()]
    assert len(charts) >= 3
    for chart in charts:
        bold = QFont(chart.font())
        bold.setBold(True)
        assert QFontMetrics(bold).horizontalAdvance(chart.title) <= chart.width() - 16, chart.title
