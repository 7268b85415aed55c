"""The main window without engine steps: welcome, workspaces, partners, menus, settings, crashes."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt

from desktop.settings import Settings
from tests.desktop.conftest import until, wait_idle


def create(qtbot, window, tmp_path: Path, name: str = "Acme Corp") -> None:
    welcome = window.welcome
    welcome.company_edit.setText("")
    qtbot.keyClicks(welcome.company_edit, name)
    qtbot.keyClicks(welcome.domains_edit, "acme.com, acme.io")
    welcome.folder_edit.setText(str(tmp_path))
    qtbot.mouseClick(welcome.create_button, Qt.MouseButton.LeftButton)
    until(qtbot, lambda: window.workspace is not None)
    wait_idle(qtbot, window)


def test_starts_on_welcome_without_heavy_imports(window) -> None:
    assert window.stack.currentWidget() is window.welcome
    assert window.windowTitle() == "Overlap"
    assert not window.close_action.isEnabled()
    assert window.welcome.accessibleName() == "Welcome page"


def test_create_workspace_then_add_partner(qtbot, window, tmp_path: Path) -> None:
    create(qtbot, window, tmp_path)
    assert window.workspace.company == "Acme Corp"
    assert window.workspace.domains == ("acme.com", "acme.io")
    assert (tmp_path / "Acme Corp.overlap").is_file()
    assert "Acme Corp" in window.windowTitle()
    assert window.stack.currentWidget() is window.steps_view
    assert window.partner is None

    qtbot.mouseClick(window.add_partner_button, Qt.MouseButton.LeftButton)
    dialog = window.add_partner_dialog
    qtbot.keyClicks(dialog.name_edit, "Globex")
    dialog.cadence_combo.setCurrentText("monthly")
    dialog.accept()
    until(qtbot, lambda: window.partner is not None)
    wait_idle(qtbot, window)
    assert window.partner.name == "Globex"
    assert window.partner.cadence == "monthly"
    assert window.partner_combo.currentText() == "Globex"

    settings = Settings()
    assert settings.last_workspace() == str(tmp_path / "Acme Corp.overlap")
    assert settings.recent()[0] == str(tmp_path / "Acme Corp.overlap")
    assert settings.last_partner() == "Globex"


def test_creating_without_a_name_explains(qtbot, window) -> None:
    qtbot.mouseClick(window.welcome.create_button, Qt.MouseButton.LeftButton)
    assert "name" in window.welcome.error_label.text()
    assert window.workspace is None


def test_workspace_error_is_a_sentence_not_a_traceback(
    qtbot, window, tmp_path: Path, dialogs
) -> None:
    bad = tmp_path / "broken.overlap"
    bad.write_text("not a database")
    window.open_workspace(str(bad))
    wait_idle(qtbot, window)
    assert window.workspace is None
    assert dialogs.errors() and "not an Overlap workspace" in dialogs.errors()[0]
    assert "Traceback" not in dialogs.errors()[0]


def test_close_and_reopen_from_recent(qtbot, window, tmp_path: Path) -> None:
    create(qtbot, window, tmp_path)
    window.close_action.trigger()
    wait_idle(qtbot, window)
    assert window.workspace is None
    assert window.stack.currentWidget() is window.welcome
    item = window.welcome.recent_list.item(0)
    assert item.data(Qt.ItemDataRole.UserRole) == str(tmp_path / "Acme Corp.overlap")
    window.welcome.recent_list.itemActivated.emit(item)
    until(qtbot, lambda: window.workspace is not None)
    wait_idle(qtbot, window)
    assert window.workspace.company == "Acme Corp"


def test_geometry_is_remembered(qtbot, tmp_path: Path) -> None:
    from desktop.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(700, 500)
    first.show()
    qtbot.waitExposed(first)
    first.close()
    ini = Settings().path.read_text()
    assert "geometry" in ini
    assert "\\x" not in ini or "@ByteArray" in ini  # Qt's own byte format, no pickles
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert (second.size().width(), second.size().height()) == (700, 500)
    second.close()


def test_menus_help_about_and_shortcuts(qtbot, window, dialogs) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View", "&Help"]
    assert window.new_action.shortcut().toString() == "Ctrl+N"
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert window.undo_action.shortcut().toString() == "Ctrl+Z"
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert window.help_dialog.isVisible()
    assert window.help_dialog.windowTitle() == "Overlap help"
    window.help_dialog.close()
    window.show_about()
    assert any(kind == "about" and "Logs:" in text for kind, text in dialogs.calls)


def test_uncaught_exception_shows_the_log_path(dialogs, monkeypatch) -> None:
    import logging

    from desktop import app

    app.setup_logging()
    try:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            app.excepthook(*sys.exc_info())
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "_overlap", False):
                logging.getLogger().removeHandler(handler)
                handler.close()
    kind, details = dialogs.calls.pop()  # shown on purpose: not a failure of this test
    assert kind == "crash" and "RuntimeError: boom" in details
    assert "boom" in Path(app.log_path()).read_text()


def test_every_page_has_a_working_view_shortcut_that_help_names(
    qtbot, window, tmp_path: Path, monkeypatch
) -> None:
    """Eleven pages: Ctrl+10 and Ctrl+11 are no keys, so the pages after the five steps take
    Ctrl+Shift+initial; each key reaches its page and the help text says which key does."""
    from PySide6.QtGui import QKeySequence

    from desktop.main_window import STEPS

    keys = [action.shortcut() for action in window.step_actions]
    assert len(keys) == len(STEPS)
    assert all(k.count() == 1 and k.toString() for k in keys), [k.toString() for k in keys]
    assert len({k.toString() for k in keys}) == len(keys)
    assert [k.toString() for k in keys[:5]] == [f"Ctrl+{n}" for n in range(1, 6)]
    reserved = {QKeySequence(QKeySequence.StandardKey.Redo).toString(), "Ctrl+Shift+Z"}
    assert not {k.toString() for k in keys} & reserved

    create(qtbot, window, tmp_path)
    for (key, *_rest), sequence in zip(STEPS, keys, strict=True):
        qtbot.keyClick(window, sequence[0].key(), sequence[0].keyboardModifiers())
        wait_idle(qtbot, window)
        assert window.current_page() is window.pages[key], sequence.toString()

    window.show_help()
    shown = [window.help_dialog.plain_text()]
    window.help_dialog.close()
    for sequence in keys[5:]:
        assert sequence.toString() in shown[0]
    assert "Ctrl+1…5" in shown[0] and "Ctrl+1…11" not in shown[0]


def test_every_page_opens_with_no_partner_and_with_an_empty_one(
    qtbot, window, dialogs, tmp_path: Path
) -> None:
    """A new workspace: every page, the new ones included, opens without an error before a
    partner is added, and once one is added with nothing imported yet."""
    from desktop.main_window import STEPS
    from tests.desktop.steps import add_partner, go

    create(qtbot, window, tmp_path)
    for key, *_rest in STEPS:
        go(qtbot, window, key)
    add_partner(qtbot, window)
    for key, *_rest in STEPS:
        go(qtbot, window, key)
    assert not dialogs.errors()
    assert window.pages["partners"].comparison_model.rowCount() == 1
