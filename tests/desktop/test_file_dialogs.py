"""File dialogs open in the user's documents folder or the last folder used, never the current
directory; an export says where its file went and opens that folder on request."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QPushButton

# The real functions, taken before the suite's fixture swaps them for scripted answers.
from desktop.dialogs import choose_open_file, choose_save_file, saved_box, start_folder
from desktop.settings import Settings


@pytest.fixture
def documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "Documents"
    folder.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _where: str(folder))
    return folder


def test_first_dialog_starts_in_documents_not_the_current_directory(
    documents: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    asked: list[str] = []

    def fake_save(_parent, _title, folder, _filters):
        asked.append(folder)
        return str(tmp_path / "out" / "list.xlsx"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_save)
    (tmp_path / "out").mkdir()
    assert start_folder() == str(documents)
    path = choose_save_file(None, "Export the list", "Excel (*.xlsx)", "overlap-accounts.xlsx")
    assert asked == [str(documents / "overlap-accounts.xlsx")]
    assert not asked[0].startswith(os.getcwd())
    # The folder the user chose is remembered for the next dialog, open or save.
    assert Settings().last_folder() == str(tmp_path / "out")
    assert path == str(tmp_path / "out" / "list.xlsx")
    opened: list[str] = []

    def fake_open(_parent, _title, folder, _filters):
        opened.append(folder)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_open)
    assert choose_open_file(None, "Choose a CRM export", "CSV (*.csv)") == ""
    assert opened == [str(tmp_path / "out")]
    assert Settings().last_folder() == str(tmp_path / "out")  # a cancel changes nothing


def test_a_remembered_folder_that_is_gone_falls_back_to_documents(
    documents: Path, tmp_path: Path
) -> None:
    Settings().set_last_folder(str(tmp_path / "unplugged-drive"))
    assert start_folder() == str(documents)
    assert start_folder(str(tmp_path)) == str(tmp_path)  # a folder the caller names wins


def test_saved_box_says_where_and_opens_the_folder(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    path = tmp_path / "exports" / "intro.csv"
    box = saved_box(None, "File saved", str(path))
    qtbot.addWidget(box)
    assert str(path) in box.text()
    button = box.findChild(QPushButton, "openFolderButton")
    assert button is not None and button.text() == "Open folder"
    box.open()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "exports"))]
    assert not box.isVisible()


def test_welcome_browse_fills_the_workspace_folder(qtbot, window, dialogs, tmp_path) -> None:
    welcome = window.welcome
    dialogs.folders.append(str(tmp_path))
    qtbot.mouseClick(welcome.folder_button, Qt.MouseButton.LeftButton)
    assert ("folder", "Folder for the workspace file") in dialogs.calls
    assert welcome.folder_edit.text() == str(tmp_path)
    dialogs.folders.append("")  # cancelled: the folder stays
    qtbot.mouseClick(welcome.folder_button, Qt.MouseButton.LeftButton)
    assert welcome.folder_edit.text() == str(tmp_path)
