"""The Partners page on a workspace of three partnerships: partnerships compared, our accounts
across partners with their filters, an account's partners side by side, settling a contested
lead with undo and redo; and the comparison on the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from engine import Workspace, add_opportunity, import_opportunities
from tests.desktop.conftest import until, wait_idle
from tests.desktop.steps import LEFT, go
from tests.engine.partners_helpers import build_three_partners


@pytest.fixture
def three_path(tmp_path: Path, data_dir: Path) -> Path:
    path = build_three_partners(tmp_path / "acme.overlap", data_dir)
    with Workspace.open(path) as ws:
        import_opportunities(ws, "Globex", data_dir / "opportunities_salesforce.csv")
        add_opportunity(
            ws, "Tyrell", "Hooli", "2025-01-01", amount=10_000, closed="2025-03-01",
            outcome="lost", partner_involved=True,
        )  # fmt: skip
    return path


@pytest.fixture
def page(qtbot: Any, window: Any, three_path: Path) -> Any:
    window.open_workspace(str(three_path))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    wait_idle(qtbot, window)
    shown = go(qtbot, window, "partners")
    until(qtbot, lambda: shown.view is not None)
    wait_idle(qtbot, window)
    return shown


def _names(page: Any) -> list[str]:
    model = page.model
    return [model.data(model.index(r, 0)) for r in range(model.rowCount())]


def _pick(qtbot: Any, window: Any, page: Any, name: str) -> None:
    row = _names(page).index(name)
    page.table.setCurrentIndex(page.table.proxy.mapFromSource(page.model.index(row, 0)))
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.pairs is not None and page.pairs["our_name"].iloc[0] == name)


def test_models_pass_the_tester(qtbot, qtmodeltester, window, page) -> None:
    _pick(qtbot, window, page, "Initech")
    for model in (page.comparison_model, page.model, page.pairs_model):
        assert model.rowCount() > 0
        qtmodeltester.check(model, force_py=True)
    for table in (page.comparison_table, page.table, page.pairs_table):
        qtmodeltester.check(table.proxy, force_py=True)


def test_partnerships_compared_and_accounts_across_them(qtbot, window, page, dialogs) -> None:
    assert page.heading_label.text() == "Partners — all of Acme Corp's partnerships side by side"
    assert page.tabs.tabText(0) == "Our accounts across partners (2 flagged)"
    assert page.tabs.tabText(1) == "Partnerships compared (3)"
    comparison = page.comparison_model
    partners = [comparison.data(comparison.index(r, 1)) for r in range(comparison.rowCount())]
    assert partners == ["Tyrell", "Globex", "Wonka"]
    win = comparison.column_index("co_sold_win_pct")
    assert comparison.data(comparison.index(1, win)) == "67"  # Globex: 2 of 3 co-sold won
    assert comparison.data(comparison.index(0, win)) == "0"  # Tyrell: its one co-sold lost
    assert "Most shared customers: Tyrell (2)." in page.findings_label.text()
    # Ranked by co-sold win rate instead: Globex first, Wonka (no closed deal) last.
    page.rank_combo.setCurrentIndex(page.rank_combo.findData("co_sold_win_rate"))
    page.rank_combo.activated.emit(page.rank_combo.currentIndex())
    wait_idle(qtbot, window)
    partners = [comparison.data(comparison.index(r, 1)) for r in range(comparison.rowCount())]
    assert partners == ["Globex", "Tyrell", "Wonka"]

    assert page.counts_label.text().startswith("8 of our accounts shared · 5 with two or more")
    assert _names(page) == [
        "Initech",
        "Hooli",
        "Stark Industries",
        "Pied Piper",
        "Dunder Mifflin",
        "Umbrella Corporation",
        "Soylent",
        "Vandelay Industries",
    ]
    background = page.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert background is not None and background.color().name() == "#fde8e4"  # contested
    assert page.model.index(2, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    # Only where two partners expect to lead; then one partner's accounts; then a search.
    page.contested_box.setChecked(True)
    assert _names(page) == ["Initech", "Hooli"]
    page.contested_box.setChecked(False)
    page.partner_filter.setCurrentIndex(page.partner_filter.findData("Wonka"))
    assert _names(page) == ["Initech", "Pied Piper", "Dunder Mifflin", "Vandelay Industries"]
    page.partner_filter.setCurrentIndex(0)
    qtbot.keyClicks(page.search, "dunder")
    assert _names(page) == ["Dunder Mifflin"]
    page.search.setText("XP05")  # our CRM id
    assert _names(page) == ["Vandelay Industries"]
    page.search.clear()
    window.find()
    assert page.search.hasFocus()
    controls = ("QLineEdit", "QComboBox", "QCheckBox", "QPushButton", "DataTable")
    for widget in page.findChildren(QWidget):
        if widget.isVisible() and type(widget).__name__ in controls:
            assert widget.accessibleName(), widget
    assert not dialogs.errors()


def test_settle_a_contested_account_with_undo_and_redo(qtbot, window, page, dialogs) -> None:
    assert not page.settle_button.isEnabled()
    page.settle_selected()  # nothing picked
    assert dialogs.errors() == ["Partners: Pick one of our accounts first."]
    dialogs.calls.clear()

    _pick(qtbot, window, page, "Initech")
    pairs = page.pairs_model
    assert pairs.rowCount() == 3
    assert [pairs.data(pairs.index(r, 0)) for r in range(3)] == ["Globex", "Tyrell", "Wonka"]
    lead = pairs.column_index("lead_text")
    assert [pairs.data(pairs.index(r, lead)) for r in range(3)] == [
        "Globex leads",
        "Tyrell leads",
        "Wonka leads",
    ]
    why = pairs.column_index("rationale")
    assert pairs.data(pairs.index(0, why)).startswith("Partner leads: Initech is their customer")
    assert page.detail_title.text() == "Initech — our prospect, shared with 3 partners"
    assert page.flag_label.text() == "Globex, Tyrell and Wonka all expect to lead"
    assert page.leader_combo.currentData() == "Globex"
    assert page.settle_button.isEnabled()

    page.leader_combo.setCurrentIndex(page.leader_combo.findData("Tyrell"))
    dialogs.texts.append("Tyrell runs the Initech rollout")
    qtbot.mouseClick(page.settle_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.view.counts["contested"] == 1)
    wait_idle(qtbot, window)
    assert page.tabs.tabText(0) == "Our accounts across partners (1 flagged)"
    until(qtbot, lambda: page.pairs is not None and page.pairs["lead"].tolist()[1] == "partner")
    assert page.pairs["lead"].tolist() == ["us", "partner", "us"]
    assert page.pairs["rationale"].tolist()[1] == (
        "Partner leads: set by hand — Tyrell runs the Initech rollout"
    )
    assert page.flag_label.text() == ""
    assert window.undo_action.text() == "&Undo Settle Initech: Tyrell leads"

    window.undo_action.trigger()
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.view.counts["contested"] == 2)
    with Workspace.open(window.workspace.path, lock=False) as ws:
        assert ws.read_frame("SELECT count(*) AS n FROM ownershipoverride")["n"].iloc[0] == 0
    window.redo_action.trigger()
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.view.counts["contested"] == 1)
    assert not dialogs.errors()


def test_the_bar_partner_does_not_reload_the_page(qtbot, window, page) -> None:
    view = page.view
    window.partner_combo.setCurrentIndex(window.partner_combo.findText("Wonka"))
    wait_idle(qtbot, window)
    assert page.view is view  # the page is about every partnership
    assert page.heading_label.text().startswith("Partners — all of Acme Corp's")


def test_the_dashboard_shows_the_partner_among_the_others(qtbot, window, page) -> None:
    dashboard = go(qtbot, window, "dashboard")
    panel = dashboard.comparison
    until(qtbot, lambda: panel.comparison is not None)
    assert [b.label for b in panel.customers_chart.bars] == ["Tyrell", "Globex", "Wonka"]
    assert [b.text for b in panel.win_chart.bars] == ["0%", "67%", "no closed deals"]
    assert panel.summary_label.text().startswith("Globex ranks 2nd of 3 by customers of both.")
    assert panel.customers_chart.accessibleDescription() == "Tyrell: 2; Globex: 1; Wonka: 1"
    qtbot.mouseClick(panel.compare_button, LEFT)
    wait_idle(qtbot, window)
    assert window.current_page() is page


def test_a_new_partner_and_a_logged_sync_show_when_the_page_is_shown_again(
    qtbot, window, page
) -> None:
    """The page loads once and keeps its view while nothing it shows changed: a partner added
    from the bar, or a sync logged on the Agenda page (engagement), is such a change."""
    from tests.desktop.steps import add_partner

    def compared() -> dict[str, str]:
        model = page.comparison_model
        column = model.column_index("engagement")
        return {
            model.data(model.index(r, 1)): model.data(model.index(r, column))
            for r in range(model.rowCount())
        }

    assert set(compared()) == {"Globex", "Tyrell", "Wonka"}
    before = compared()["Globex"]
    add_partner(qtbot, window, "Initrode")
    go(qtbot, window, "partners")
    until(qtbot, lambda: set(compared()) == {"Globex", "Tyrell", "Wonka", "Initrode"})
    assert page.tabs.tabText(1) == "Partnerships compared (4)"

    window.partner_combo.setCurrentIndex(window.partner_combo.findText("Globex"))
    wait_idle(qtbot, window)
    agenda = go(qtbot, window, "agenda")
    until(qtbot, lambda: agenda.view is not None)
    qtbot.mouseClick(agenda.attended_button, LEFT)
    wait_idle(qtbot, window)
    go(qtbot, window, "partners")
    until(qtbot, lambda: compared()["Globex"] != before)
