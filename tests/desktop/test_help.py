"""Help is real and offline: the method, best practices and a glossary from resources/help, the
same Markdown files the README links to; F1 opens it on the current page."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QUrl

from desktop.help import TOPICS, HelpDialog, help_dir
from tests.desktop.conftest import until, wait_idle

ROOT = Path(__file__).resolve().parents[2]


def test_every_help_file_exists_and_the_readme_links_to_each() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, _title in TOPICS:
        assert (help_dir() / name).is_file(), name
        assert f"resources/help/{name}" in readme, f"README does not link {name}"


def test_the_method_has_five_steps_and_the_glossary_defines_the_words_pages_use() -> None:
    method = (help_dir() / "method.md").read_text(encoding="utf-8")
    assert re.findall(r"^## (\d) (\w+)", method, re.M) == [
        ("1", "Import"),
        ("2", "Match"),
        ("3", "Overlaps"),
        ("4", "Ownership"),
        ("5", "Plans"),
    ]
    glossary = (help_dir() / "glossary.md").read_text(encoding="utf-8")
    terms = set(re.findall(r"^\*\*([^*]+)\*\*", glossary, re.M))
    for word in ("Shared account", "Review queue", "Rules of engagement", "Stalling", "Ledger"):
        assert word in terms, word


def test_f1_opens_help_on_the_page_then_the_method_and_links_between_topics(qtbot, window) -> None:
    window.open_demo()
    until(qtbot, lambda: window.workspace is not None, timeout=120_000)
    wait_idle(qtbot, window)
    window.go_to("overlaps")
    wait_idle(qtbot, window)
    window.show_help()
    dialog = window.help_dialog
    assert isinstance(dialog, HelpDialog) and dialog.isVisible()
    first = dialog.plain_text()
    assert first.startswith("Overlaps") and "ours only" in first and "Ctrl+F" in first
    dialog.show_topic("method.md")
    assert "The method in five steps" in dialog.plain_text()
    assert "review queue" in dialog.plain_text()
    dialog.browser.anchorClicked.emit(QUrl("glossary.md"))
    assert dialog.topics.currentItem().text() == "Glossary"
    assert "Rules of engagement" in dialog.plain_text()
    dialog.browser.anchorClicked.emit(QUrl("https://example.com/"))  # shown, never fetched
    assert dialog.topics.currentItem().text() == "Glossary"
    dialog.close()
