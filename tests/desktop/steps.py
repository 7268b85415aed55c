"""What a user does in the window, as functions the page tests and the journey test share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tests.desktop.conftest import until, wait_idle

LEFT = Qt.MouseButton.LeftButton


def new_workspace(qtbot: Any, window: Any, folder: Path, name: str = "Acme Corp") -> None:
    window.new_action.trigger()
    welcome = window.welcome
    welcome.company_edit.clear()
    qtbot.keyClicks(welcome.company_edit, name)
    qtbot.keyClicks(welcome.domains_edit, "acme.com")
    welcome.folder_edit.setText(str(folder))
    qtbot.mouseClick(welcome.create_button, LEFT)
    until(qtbot, lambda: window.workspace is not None)
    wait_idle(qtbot, window)


def add_partner(qtbot: Any, window: Any, name: str = "Globex") -> None:
    qtbot.mouseClick(window.add_partner_button, LEFT)
    dialog = window.add_partner_dialog
    qtbot.keyClicks(dialog.name_edit, name)
    dialog.accept()
    until(qtbot, lambda: window.partner is not None and window.partner.name == name)
    wait_idle(qtbot, window)


def go(qtbot: Any, window: Any, key: str) -> Any:
    window.go_to(key)
    wait_idle(qtbot, window)
    page = window.pages[key]
    assert window.current_page() is page
    return page


def import_file(qtbot: Any, window: Any, dialogs: Any, path: Path, side: str) -> Any:
    page = go(qtbot, window, "import")
    page.side_combo.setCurrentIndex(page.side_combo.findData(side))
    dialogs.open_files.append(str(path))
    qtbot.mouseClick(page.choose_button, LEFT)
    wait_idle(qtbot, window)
    assert page.preview is not None, dialogs.errors()
    assert page.import_button.isEnabled()
    qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    assert "Imported." in page.validation_label.text(), dialogs.errors()
    return page


def run_matching(qtbot: Any, window: Any) -> Any:
    page = go(qtbot, window, "match")
    qtbot.mouseClick(page.run_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.view is not None and len(page.view.matches) > 0)
    wait_idle(qtbot, window)
    return page
