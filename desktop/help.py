"""The Help window: the method in five steps, best practices and a glossary, offline.

Its pages are the Markdown files of resources/help, the same files the README links to, so the
app and the docs say one thing. A first page, "This page", holds the current step's own
explanation and the keyboard shortcuts.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.settings import engine_paths

# (file in resources/help, title in the list of topics), in reading order.
TOPICS: tuple[tuple[str, str], ...] = (
    ("index.md", "Overlap help"),
    ("method.md", "The method in five steps"),
    ("practices.md", "Best practices"),
    ("glossary.md", "Glossary"),
)
PAGE_TOPIC = "This page"


def help_dir() -> Path:
    return Path(engine_paths().resources_dir()) / "help"


def topic_text(name: str) -> str:
    """The Markdown of one help file ('' if the install lacks it)."""
    path = help_dir() / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""


class HelpDialog(QDialog):
    """Topics on the left, the chosen one on the right; links between topics work offline."""

    def __init__(self, parent: QWidget | None, page_title: str, page_html: str) -> None:
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle("Overlap help")
        self.setAccessibleName("Overlap help")
        self.resize(860, 600)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.topics = QListWidget(self)
        self.topics.setAccessibleName("Help topics")
        self.topics.setMaximumWidth(220)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("helpBrowser")
        self.browser.setAccessibleName("Help text")
        # Links to other help files open here; a web link is only shown, never fetched.
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(False)
        self.browser.setSearchPaths([str(help_dir())])
        self.browser.anchorClicked.connect(self._on_link)
        row.addWidget(self.topics)
        row.addWidget(self.browser, 1)
        layout.addLayout(row, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.page_html = f"<h1>{page_title}</h1>{page_html}"
        item = QListWidgetItem(PAGE_TOPIC)
        item.setData(Qt.ItemDataRole.UserRole, "")
        self.topics.addItem(item)
        for name, title in TOPICS:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.topics.addItem(item)
        self.topics.currentRowChanged.connect(self._on_topic)
        self.topics.setCurrentRow(0)

    def show_topic(self, name: str) -> None:
        """Show a help file by its name (``method.md``), or this page's help for ''."""
        for row in range(self.topics.count()):
            if self.topics.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.topics.setCurrentRow(row)
                return

    @Slot(int)
    def _on_topic(self, row: int) -> None:
        item = self.topics.item(row)
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        if not name:
            self.browser.setHtml(self.page_html)
            return
        self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(help_dir()) + "/"))
        self.browser.setMarkdown(topic_text(name))

    @Slot(QUrl)
    def _on_link(self, url: QUrl) -> None:
        name = Path(url.path()).name
        if url.scheme() in ("", "file") and any(name == topic for topic, _t in TOPICS):
            self.show_topic(name)

    def plain_text(self) -> str:
        """What the browser shows, as text (for tests and screen readers' sake)."""
        return self.browser.document().toPlainText()
