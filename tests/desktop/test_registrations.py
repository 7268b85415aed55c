"""The registrations page: import, register, conflicts side by side, decisions and undo, export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import Qt

from tests.desktop.conftest import until, wait_idle
from tests.desktop.steps import LEFT, go


def _today() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def mapped_window(qtbot, window, tmp_path: Path):
    """The window on a workspace with the hand-checked Acme / Globex accounts, matched."""
    from engine.store.workspace import Workspace
    from tests.engine.conftest import OURS, PAIRS, THEIRS, add_matches, add_snapshot

    path = tmp_path / "acme.overlap"
    with Workspace.create(path, "Acme Corp", ["acme.com"]) as ws:
        partner = ws.add_partner("Globex")
        ours = add_snapshot(ws, None, OURS)
        theirs = add_snapshot(ws, partner.id, THEIRS)
        add_matches(ws, int(partner.id), ours, theirs, PAIRS)
    window.open_workspace(str(path))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    wait_idle(qtbot, window)
    return window


def _export_file(tmp_path: Path) -> Path:
    """A PRM export dated relative to today, so protection holds whenever the test runs."""
    day = _today().date()
    rows = [
        ("DR-1", "Initech Inc", "Initech ERP rollout", "$120,000", day - timedelta(days=30),
         "Approved"),
        ("DR-2", "Hooli", "Hooli data platform", "45000", day - timedelta(days=10), "Pending"),
    ]  # fmt: skip
    lines = [
        "Deal Registration ID,Partner,Account Name,Opportunity Name,Amount,Registered Date,Status"
    ]
    lines += [f'{i},Globex,{a},{o},"{m}",{d.isoformat()},{s}' for i, a, o, m, d, s in rows]
    path = tmp_path / "deal_registrations.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _row(page, **where) -> int:
    """The shown row of the list whose values match ``where``."""
    frame = page.model.frame
    for row in range(page.model.rowCount()):
        record = frame.iloc[page.model.frame_row(row)]
        if all(record[k] == v for k, v in where.items()):
            return page.table.proxy.mapFromSource(page.model.index(row, 0)).row()
    raise AssertionError(f"no row with {where}")


def _select(page, **where) -> dict:
    page.table.setCurrentIndex(page.table.proxy.index(_row(page, **where), 0))
    return page.table.current_record()


def _statuses(page) -> dict[str, str]:
    frame = page.model.frame
    return dict(zip(frame["opportunity"], frame["status"], strict=True))


def test_registrations_import_conflict_decide_undo_export(
    qtbot, mapped_window, dialogs, tmp_path: Path, qtmodeltester
) -> None:
    window = mapped_window
    page = go(qtbot, window, "registrations")
    until(qtbot, lambda: page.view is not None)
    assert page.model.rowCount() == 0 and page.tabs.tabText(1) == "Conflicts (0)"
    assert page.accessibleName() == "Registrations page"

    # Import a PRM export.
    dialogs.open_files.append(str(_export_file(tmp_path)))
    qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.model.rowCount() == 2)
    assert "2 registrations read, 2 added" in page.footer_note.text()
    assert _statuses(page) == {
        "Initech ERP rollout": "approved",
        "Hooli data platform": "submitted",
    }
    assert set(page.model.frame["side_name"]) == {"Globex"}

    # Register our own deal on Initech: a conflict, flagged at once and listed side by side.
    _select(page, opportunity="Initech ERP rollout")
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.add_dialog
    assert dialog.account_edit.text() == "Initech"  # the selected registration's account
    dialog.side_combo.setCurrentIndex(dialog.side_combo.findData("us"))
    qtbot.keyClicks(dialog.opportunity_edit, "Initech analytics")
    dialog.amount_spin.setValue(50_000)
    dialog.accept()
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.model.rowCount() == 3)
    assert ("info", "Registered, with a conflict") in dialogs.calls
    assert page.tabs.tabText(1) == "Conflicts (1)"
    assert "1 conflict" in page.footer_note.text()
    ours = page.model.frame.set_index("opportunity").loc["Initech analytics"]
    assert ours["side_name"] == "Acme Corp (us)" and ours["amount"] == 50_000
    assert bool(ours["conflict"])
    until(qtbot, lambda: window.summary.states["registrations"][0] == "attention")

    page.tabs.setCurrentIndex(1)
    page.conflicts_table.setCurrentIndex(page.conflicts_table.proxy.index(0, 0))
    first, second = page.first_card.values, page.second_card.values
    assert first["opportunity"].text() == "Initech ERP rollout"
    assert first["side"].text() == "Globex" and first["status"].text() == "approved"
    assert second["opportunity"].text() == "Initech analytics"
    assert second["side"].text() == "Acme Corp (us)"
    assert "both protected from" in page.conflict_title.text()

    # Keep the partner's (registered first): ours is rejected, with the reason given.
    dialogs.texts.append("Globex registered it first")
    qtbot.mouseClick(page.first_card.keep_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: _statuses(page)["Initech analytics"] == "rejected")
    assert page.tabs.tabText(1) == "Conflicts (0)"
    assert page.model.frame.set_index("opportunity").loc[
        "Initech analytics", "decision_reason"
    ] == ("Globex registered it first")
    # Undo brings the conflict back; redo settles it again.
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    until(qtbot, lambda: _statuses(page)["Initech analytics"] == "submitted")
    assert page.tabs.tabText(1) == "Conflicts (1)"
    window.redo_action.trigger()
    wait_idle(qtbot, window)
    until(qtbot, lambda: _statuses(page)["Initech analytics"] == "rejected")

    # Decide in the list, by key: A approves; undo puts it back.
    page.tabs.setCurrentIndex(0)
    _select(page, opportunity="Hooli data platform")
    assert page.decision_buttons["approved"].isEnabled()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_A)
    wait_idle(qtbot, window)
    until(qtbot, lambda: _statuses(page)["Hooli data platform"] == "approved")
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    until(qtbot, lambda: _statuses(page)["Hooli data platform"] == "submitted")
    # A rejection without a reason is not made.
    _select(page, opportunity="Hooli data platform")
    dialogs.texts.append(None)
    qtbot.mouseClick(page.decision_buttons["rejected"], LEFT)
    wait_idle(qtbot, window)
    assert _statuses(page)["Hooli data platform"] == "submitted"
    # Undo of a registration removes it.
    done = page.stack.index()
    qtbot.mouseClick(page.add_button, LEFT)
    page.add_dialog.account_edit.setText("Stark")
    qtbot.keyClicks(page.add_dialog.opportunity_edit, "Stark expansion")
    page.add_dialog.accept()
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.model.rowCount() == 4)
    assert page.stack.index() == done + 1
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.model.rowCount() == 3)

    # Filters: a status, a search, conflicts only.
    page.filter_combo.setCurrentIndex(page.filter_combo.findData("rejected"))
    assert page.model.rowCount() == 1
    page.filter_combo.setCurrentIndex(0)
    page.search.setText("hooli")
    assert page.model.rowCount() == 1
    page.search.clear()
    # By account: a double-click lists that account's registrations.
    page.tabs.setCurrentIndex(2)
    assert page.accounts_model.rowCount() == 2
    index = page.accounts_table.proxy.index(1, 0)
    page.accounts_table.setCurrentIndex(index)
    page.accounts_table.doubleClicked.emit(index)
    assert page.tabs.currentIndex() == 0 and page.search.text() == "Initech"
    assert page.model.rowCount() == 2
    page.search.clear()

    # Export: what the list holds, to Excel.
    dialogs.save_files.append(str(tmp_path / "registrations.xlsx"))
    qtbot.mouseClick(page.export_button, LEFT)
    wait_idle(qtbot, window)
    exported = pd.read_excel(tmp_path / "registrations.xlsx", engine="calamine")
    assert len(exported) == 3 and "Protected Until" in exported.columns
    # The protection period for new registrations.
    page.days_spin.setValue(30)
    qtbot.mouseClick(page.days_button, LEFT)
    wait_idle(qtbot, window)
    assert "protected for 30 days" in page.footer_note.text()
    assert not dialogs.errors()
    for model in (page.model, page.conflicts_model, page.accounts_model):
        qtmodeltester.check(model, force_py=True)


def test_bad_input_is_explained_and_changes_nothing(
    qtbot, mapped_window, dialogs, tmp_path: Path
) -> None:
    window = mapped_window
    page = go(qtbot, window, "registrations")
    until(qtbot, lambda: page.view is not None)
    # An account that is not shared: a clear error, no registration, nothing to undo.
    qtbot.mouseClick(page.add_button, LEFT)
    page.add_dialog.account_edit.setText("Wayne")
    qtbot.keyClicks(page.add_dialog.opportunity_edit, "Wayne deal")
    page.add_dialog.accept()
    wait_idle(qtbot, window)
    assert any(
        "'Wayne' is our account but is not shared with Globex" in e for e in dialogs.errors()
    )
    assert page.model.rowCount() == 0 and page.stack.count() == 0
    # A file with a bad row: the row and column are named, nothing is imported.
    bad = tmp_path / "bad.csv"
    day = _today().date().isoformat()
    bad.write_text(
        "Account Name,Opportunity Name,Registered Date\n"
        f"Initech,Initech ERP,{day}\nNobody Inc,Nobody deal,{day}\n",
        encoding="utf-8",
    )
    dialogs.open_files.append(str(bad))
    qtbot.mouseClick(page.import_button, LEFT)  # as registered by the partner (the default)
    wait_idle(qtbot, window)
    assert any(
        "bad.csv, row 3, column 'Account Name': 'Nobody Inc' is not an account" in e
        for e in dialogs.errors()
    )
    assert page.model.rowCount() == 0
    assert window.summary.states["registrations"][0] == "not started"
