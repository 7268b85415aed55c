"""The plan editor's Outreach tab: why together and the account's insights saved and shown
again, a joint meeting's three steps added and marked joint."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate

from engine import plan_insight
from engine.store.workspace import Workspace
from tests.desktop.conftest import until, wait_idle
from tests.desktop.steps import LEFT, go
from tests.engine.sharing_helpers import add_plan, mapped_workspace


def test_outreach_saved_and_a_joint_meeting_added(
    qtbot: Any, window: Any, dialogs: Any, tmp_path: Path
) -> None:
    ws, partner_id, ours, theirs = mapped_workspace(tmp_path / "acme")
    plan_id = add_plan(ws, partner_id, ours.iloc[0], theirs.iloc[0], objective="Expand Initech")
    path = ws.path
    ws.close()
    window.open_workspace(str(path))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    page = go(qtbot, window, "plans")
    page.open_plan(plan_id)
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.editor.isEnabled())
    panel = page.outreach
    page.tabs.setCurrentIndex(1)  # the Plans tab, with the editor
    page.editor_tabs.setCurrentWidget(panel)
    assert panel.isVisible()
    assert panel.why_edit.toPlainText() == "" and not panel.event_date_check.isChecked()

    summit = date.today() + timedelta(days=30)
    qtbot.keyClicks(panel.why_edit, "Their ERP, our analytics: one rollout")
    qtbot.keyClicks(panel.needs_edit, "One ledger for 40 sites")
    qtbot.keyClicks(panel.competitors_edit, "Axolotl Systems")
    qtbot.keyClicks(panel.event_edit, "Retail Summit")
    panel.event_date_check.setChecked(True)
    panel.event_date.setDate(QDate(summit.year, summit.month, summit.day))
    qtbot.mouseClick(panel.save_button, LEFT)
    wait_idle(qtbot, window)

    panel.meeting_date.setDate(QDate(summit.year, summit.month, summit.day))
    qtbot.mouseClick(panel.meeting_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.steps_model.rowCount() == 3)
    assert page.steps_model.frame["joint"].astype(bool).all()
    assert not dialogs.errors()

    # Opened again from the workspace, the tab shows what was saved.
    panel.why_edit.clear()
    page.open_plan(plan_id)
    wait_idle(qtbot, window)
    until(qtbot, lambda: panel.why_edit.toPlainText() != "")
    assert panel.why_edit.toPlainText() == "Their ERP, our analytics: one rollout"
    assert panel.event_date_check.isChecked()
    assert panel.event_date.date().toString("yyyy-MM-dd") == summit.isoformat()
    with Workspace.open(path, lock=False) as check:
        assert plan_insight(check, plan_id).competitors == "Axolotl Systems"
