"""The Partners page's program tab on a workspace of three partnerships: the model with its
seven aspects, changed and applied to the leads; the lifecycle stage and its checklist; our ARR
stage and its advice; enablement recorded and removed; the rules accepted by both sides; and a
dispute resolved on the Ownership page with the lead it names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import Workspace, list_leads, open_dispute
from tests.desktop.conftest import until, wait_idle
from tests.desktop.steps import LEFT, go
from tests.engine.partners_helpers import build_three_partners


@pytest.fixture
def panel(qtbot: Any, window: Any, tmp_path: Path, data_dir: Path) -> Any:
    path = build_three_partners(tmp_path / "acme.overlap", data_dir)
    window.open_workspace(str(path))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    wait_idle(qtbot, window)
    page = go(qtbot, window, "partners")
    until(qtbot, lambda: page.view is not None)
    page.tabs.setCurrentWidget(page.program)
    wait_idle(qtbot, window)
    shown = page.program
    until(qtbot, lambda: shown.view is not None)
    return shown


def _choose(qtbot: Any, window: Any, combo: Any, key: str) -> None:
    combo.setCurrentIndex(combo.findData(key))
    combo.activated.emit(combo.currentIndex())
    wait_idle(qtbot, window)


def _leads(window: Any, partner: str) -> set[str]:
    with Workspace.open(window.workspace.path, lock=False) as ws:
        return set(list_leads(ws, partner)["lead"])


def test_the_model_shows_its_aspects_and_drives_the_leads(qtbot, qtmodeltester, window, panel):
    for model in (panel.checklist_model, panel.enablement_model):
        qtmodeltester.check(model, force_py=True)
    assert panel.partner == "Globex"
    assert panel.model_combo.currentData() == "co-sell"
    assert "<b>Who negotiates:</b> Each side its own contract" in panel.aspects_label.text()
    assert panel.checklist_model.rowCount() >= 13
    # Reseller, then re-assigned: the partner leads every shared account.
    _choose(qtbot, window, panel.model_combo, "reseller")
    until(qtbot, lambda: panel.view.model == "reseller")
    assert "Globex is now a reseller partnership" in panel.status_label.text()
    assert "<b>Who owns the customer:</b> The reseller." in panel.aspects_label.text()
    qtbot.mouseClick(panel.assign_button, LEFT)
    wait_idle(qtbot, window)
    assert _leads(window, "Globex") == {"partner"}
    _choose(qtbot, window, panel.model_combo, "referral")
    qtbot.mouseClick(panel.assign_button, LEFT)
    wait_idle(qtbot, window)
    assert _leads(window, "Globex") == {"us"}


def test_stage_checklist_advice_enablement_and_acceptance(qtbot, window, panel) -> None:
    assert panel.stage_combo.currentData() == "recruit"
    _choose(qtbot, window, panel.stage_combo, "onboard")
    until(qtbot, lambda: panel.view.checklist["stage"] == "onboard")
    assert panel.next_label.text().startswith("To move to enable: rules of engagement accepted")
    # A scaleup without territories or registration rules is told so.
    _choose(qtbot, window, panel.arr_combo, "scaleup")
    until(qtbot, lambda: panel.view.arr_stage == "scaleup")
    assert "territories defined is missing" in panel.advice_label.text()
    assert panel.advice_label.isVisibleTo(panel)
    # Enablement: a session recorded, shown, counted, then removed.
    panel.enable_kind.setCurrentIndex(panel.enable_kind.findData("session"))
    panel.enable_title.setText("Joint pitch")
    qtbot.mouseClick(panel.enable_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: panel.enablement_model.rowCount() == 1)
    assert panel.enablement_label.text().startswith("<b>Enablement</b>: 1 session(s)")
    items = panel.checklist_model.frame.set_index("key")
    assert bool(items.loc["session", "done"])
    panel.enablement_table.selectRow(0)
    qtbot.mouseClick(panel.remove_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: panel.enablement_model.rowCount() == 0)
    # The rules, accepted by both sides once assigned.
    qtbot.mouseClick(panel.assign_button, LEFT)
    wait_idle(qtbot, window)
    for side, name in (("us", "Ana Hill"), ("partner", "Kevin Roberts")):
        panel.accept_side.setCurrentIndex(panel.accept_side.findData(side))
        panel.accept_by.setText(name)
        qtbot.mouseClick(panel.accept_button, LEFT)
        wait_idle(qtbot, window)
    items = panel.checklist_model.frame.set_index("key")
    assert bool(items.loc["rules", "done"])
    assert "Kevin Roberts" in str(items.loc["rules", "detail"])
    assert panel.accept_status.text().startswith("Version 1: us (Ana Hill, ")


def test_a_dispute_resolved_with_a_lead_changes_it(qtbot, window, panel, dialogs) -> None:
    qtbot.mouseClick(panel.assign_button, LEFT)
    wait_idle(qtbot, window)
    with Workspace.open(window.workspace.path, lock=False) as ws:
        leads = list_leads(ws, "Globex")
        row = leads[leads["lead"] == "us"].iloc[0]
        open_dispute(ws, "Globex", row["our_key"], row["partner_key"], "they met the CIO first")
    page = go(qtbot, window, "ownership")
    page.reload()
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.disputes_model.rowCount() == 1)
    page.disputes_table.selectRow(0)
    page.resolve_lead.setCurrentIndex(page.resolve_lead.findData("partner"))
    dialogs.texts.append("Globex leads; we support")
    page.resolve_selected()
    wait_idle(qtbot, window)
    with Workspace.open(window.workspace.path, lock=False) as ws:
        lead = list_leads(ws, "Globex").set_index("our_key").loc[row["our_key"]]
    assert lead["lead"] == "partner" and "Globex leads; we support" in lead["rationale"]


def test_the_plans_grace_period_is_set_per_partnership(qtbot, window, panel) -> None:
    assert panel.grace_spin.value() == 14
    assert panel.grace_spin.maximum() == 365
    panel.grace_spin.setValue(3)
    wait_idle(qtbot, window)
    until(qtbot, lambda: panel.view.plan_grace_days == 3)
    assert "Globex now has 3 days" in panel.status_label.text()
    with Workspace.open(window.workspace.path, lock=False) as ws:
        assert ws.partner("Globex").plan_grace_days == 3
        assert ws.partner("Tyrell").plan_grace_days == 14
    # Another partnership shows its own.
    _choose(qtbot, window, panel.partner_combo, "Tyrell")
    until(qtbot, lambda: panel.view.partner == "Tyrell")
    assert panel.grace_spin.value() == 14
