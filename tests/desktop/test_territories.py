"""The Territories page on the demo workspace: add, refuse, edit, remove, undo; the filters of
the Overlaps and Plans pages."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from tests.desktop.conftest import until, wait_idle
from tests.desktop.steps import LEFT, go


@pytest.fixture
def demo(qtbot, window):
    """The window on the demo workspace, built through the app as a new user gets it, on its
    second partnership (Northwind), which has no territories yet (Globex's has two)."""
    window.open_demo()
    until(qtbot, lambda: window.workspace is not None, timeout=120_000)
    wait_idle(qtbot, window)
    window.partner_combo.setCurrentIndex(window.partner_combo.findText("Northwind"))
    until(qtbot, lambda: window.partner is not None and window.partner.name == "Northwind")
    wait_idle(qtbot, window)
    return window


def _fill(page: Any, **values: str) -> None:
    page.new_territory()
    for name, value in values.items():
        getattr(page, name).setText(value)


def _save(qtbot: Any, window: Any, page: Any) -> None:
    qtbot.mouseClick(page.save_button, LEFT)
    wait_idle(qtbot, window)


def _rows(page: Any) -> dict[str, dict[str, Any]]:
    frame = page.model.frame
    return {row["territory"]: row for row in frame.to_dict(orient="records")}


def _select(qtbot: Any, page: Any, name: str) -> None:
    for row in range(page.model.rowCount()):
        if page.model.record(row)["territory"] == name:
            page.table.selectRow(page.table.proxy.mapFromSource(page.model.index(row, 0)).row())
            return
    raise AssertionError(f"no row {name}")


def test_territories_are_added_refused_edited_removed_and_undone(qtbot, demo) -> None:
    page = go(qtbot, demo, "territories")
    until(qtbot, lambda: page.view is not None)
    assert page.model.rowCount() == 1  # the accounts in no territory: all of them
    totals = {k: _rows(page)["(no territory)"][k] for k in ("ours_only", "shared", "partner_only")}
    assert totals["shared"] > 0
    assert "no state column" in page.states_note.text()

    _fill(
        page,
        name_edit="North America",
        places_edit="NA",
        our_rep_edit="Laura Roberts",
        partner_rep_edit="Gina Park",
    )
    _save(qtbot, demo, page)
    until(qtbot, lambda: "North America" in _rows(page))
    america = _rows(page)["North America"]
    assert america["definition"] == "regions NA" and america["our_rep"] == "Laura Roberts"
    assert 0 < america["shared"] < totals["shared"]
    _fill(page, name_edit="EMEA", places_edit="EMEA")
    _save(qtbot, demo, page)
    until(qtbot, lambda: "EMEA" in _rows(page))
    rows = _rows(page)
    for column, total in totals.items():  # every account is counted once
        assert sum(r[column] for r in rows.values()) == total
    assert page.stack.count() == 2
    until(qtbot, lambda: demo.summary.states.get("territories", ("",))[0] == "done")

    # Refused: an overlap, then a band that holds nothing. Nothing to undo; the reason shows.
    _fill(page, name_edit="Germany", places_edit="Deutschland")
    _save(qtbot, demo, page)
    assert page.error_label.isVisible()
    assert "overlaps territory 'EMEA'" in page.error_label.text()
    _fill(page, name_edit="Big", places_edit="JP", employees_from="1000", employees_to="200")
    _save(qtbot, demo, page)
    assert "the minimum must be below the maximum" in page.error_label.text()
    assert page.stack.count() == 2 and set(_rows(page)) == {
        "North America",
        "EMEA",
        "(no territory)",
    }

    # Edit: North America's large accounts only; undo puts the whole region back.
    _select(qtbot, page, "North America")
    assert page.editing == "North America" and page.places_edit.text() == "NA"
    page.employees_from.setText("200")
    _save(qtbot, demo, page)
    until(qtbot, lambda: _rows(page)["North America"]["definition"].endswith("employees"))
    smaller = _rows(page)["North America"]["shared"]
    assert smaller < america["shared"]
    assert page.stack.undoText() == "Change territory North America"
    demo.undo_action.trigger()
    wait_idle(qtbot, demo)
    until(qtbot, lambda: _rows(page)["North America"]["definition"] == "regions NA")
    assert _rows(page)["North America"]["shared"] == america["shared"]
    demo.redo_action.trigger()
    wait_idle(qtbot, demo)
    until(qtbot, lambda: _rows(page)["North America"]["shared"] == smaller)

    # Remove with the Delete key, undo, redo.
    _select(qtbot, page, "EMEA")
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    wait_idle(qtbot, demo)
    until(qtbot, lambda: "EMEA" not in _rows(page))
    demo.undo_action.trigger()
    wait_idle(qtbot, demo)
    until(qtbot, lambda: "EMEA" in _rows(page))
    assert _rows(page)["EMEA"]["definition"] == "regions EMEA"
    demo.redo_action.trigger()
    wait_idle(qtbot, demo)
    until(qtbot, lambda: "EMEA" not in _rows(page))

    ModelTester(None).check(page.model, force_py=True)
    for edit in page.edits:
        assert edit.accessibleName()
    assert page.table.accessibleName() and page.remove_button.accessibleName()


def test_overlaps_and_plans_pages_filter_by_territory(qtbot, demo) -> None:
    page = go(qtbot, demo, "territories")
    until(qtbot, lambda: page.view is not None)
    _fill(page, name_edit="North America", places_edit="US, Canada")
    _save(qtbot, demo, page)
    _fill(page, name_edit="APAC", places_edit="APAC")
    _save(qtbot, demo, page)
    until(qtbot, lambda: {"North America", "APAC"} <= set(_rows(page)))
    expected = _rows(page)["North America"]

    overlaps = go(qtbot, demo, "overlaps")
    until(qtbot, lambda: overlaps.view is not None)
    assert overlaps.territory_filter.isVisible()
    everything = overlaps.view.counts
    combo = overlaps.territory_filter.combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All accounts",
        "North America",
        "APAC",
    ]
    combo.setCurrentIndex(1)
    wait_idle(qtbot, demo)
    until(qtbot, lambda: overlaps.view.territory == "North America")
    counts = overlaps.view.counts
    assert (counts["ours_only"], counts["shared"], counts["partner_only"]) == (
        expected["ours_only"],
        expected["shared"],
        expected["partner_only"],
    )
    assert counts["shared"] < everything["shared"]
    assert overlaps.list_label.text().endswith("shared accounts in North America")
    assert overlaps.model.rowCount() == counts["shared"]
    overlaps.picture.region_clicked.emit("ours_only")
    wait_idle(qtbot, demo)
    assert overlaps.model.rowCount() == counts["ours_only"]
    shared_names = set(overlaps.view.shared["name"])

    plans = go(qtbot, demo, "plans")
    plans.territory_filter.combo.setCurrentIndex(1)
    wait_idle(qtbot, demo)
    qtbot.mouseClick(plans.shortlist_button, LEFT)
    wait_idle(qtbot, demo)
    picks = plans.shortlist_model.frame
    assert len(picks) == min(30, counts["shared"])
    assert set(picks["name"]) <= shared_names
    assert "in North America" in plans.shortlist_note.text()
    qtbot.mouseClick(plans.plan_all_button, LEFT)
    wait_idle(qtbot, demo)
    until(qtbot, lambda: plans.plans_model.rowCount() == len(picks))
    plans.territory_filter.combo.setCurrentIndex(2)  # APAC: none of these plans
    wait_idle(qtbot, demo)
    until(qtbot, lambda: plans.plans_model.rowCount() == 0)
    assert plans.stalled_label.text() == "No plans in APAC."
    assert plans.shortlist_model.rowCount() == 0  # the shortlist was North America's
    plans.territory_filter.combo.setCurrentIndex(0)
    wait_idle(qtbot, demo)
    until(qtbot, lambda: plans.plans_model.rowCount() == len(picks))

    # A removed territory falls back to all accounts on the pages that showed it.
    territories_page = go(qtbot, demo, "territories")
    until(qtbot, lambda: "APAC" in _rows(territories_page))
    _select(qtbot, territories_page, "North America")
    qtbot.mouseClick(territories_page.remove_button, LEFT)
    wait_idle(qtbot, demo)
    overlaps = go(qtbot, demo, "overlaps")
    until(qtbot, lambda: overlaps.view is not None and overlaps.view.territory is None)
    assert overlaps.territory_filter.current() is None
    assert overlaps.view.counts == everything
