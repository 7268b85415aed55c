"""What a person sees wrong on a page, measured: text cut short, tables too short, scroll areas
nested. Used by the layout test and by ``bench/screenshots.py``, which prints the same findings
beside the pictures it saves."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QWidget,
)

# Room a push button's frame and padding take beside its text (style.qss: 12 px a side, a border).
BUTTON_PADDING = 26
# Room a header section takes beside its text (style.qss: 6 px a side and a border; bold text),
# and the sort arrow when it has one.
HEADER_PADDING = 13
SORT_ARROW = 14


def plain(text: str) -> str:
    if "<" in text and ">" in text:
        document = QTextDocument()
        document.setHtml(text)
        return document.toPlainText()
    return text


def _widest_line(widget: QWidget, text: str, bold: bool = False) -> int:
    font = QFont(widget.font())
    font.setBold(bold or font.bold())
    metrics = QFontMetrics(font)
    return max((metrics.horizontalAdvance(line) for line in text.splitlines()), default=0)


def _name(widget: QWidget, text: str) -> str:
    return f"{type(widget).__name__} {widget.objectName() or ''} {text[:40]!r}".replace("  ", " ")


def _shown(widget: QWidget, page: QWidget) -> bool:
    """Visible on screen: shown, of some size, and not scrolled out of a scroll area."""
    if not widget.isVisibleTo(page) or widget.width() <= 0 or widget.height() <= 0:
        return False
    return not widget.visibleRegion().isEmpty()


def cut_text(page: QWidget) -> list[str]:
    """Labels, buttons and header sections narrower than their text."""
    problems: list[str] = []
    for label in page.findChildren(QLabel):
        text = plain(label.text()).strip()
        if not text or label.wordWrap() or not _shown(label, page):
            continue
        if label.textFormat() == Qt.TextFormat.RichText or "<" in label.text():
            text = plain(label.text())
        need = _widest_line(label, text)
        have = label.contentsRect().width() - 2 * label.margin() - label.indent() * 0
        if need > have + 1:
            problems.append(f"{_name(label, text)} needs {need} px, has {have}")
    for button in page.findChildren(QPushButton):
        text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        if not text or not _shown(button, page):
            continue
        need = _widest_line(button, text) + BUTTON_PADDING
        if not button.icon().isNull():
            need += button.iconSize().width() + 4
        if need > button.width():
            problems.append(f"{_name(button, text)} needs {need} px, has {button.width()}")
    for view in page.findChildren(QTableView):
        if not _shown(view, page):
            continue
        header = view.horizontalHeader()
        model = view.model()
        if header.isHidden() or model is None:
            continue
        last = header.logicalIndex(header.count() - 1 - _hidden_at_end(header))
        for section in range(header.count()):
            if header.isSectionHidden(section):
                continue
            text = str(model.headerData(section, Qt.Orientation.Horizontal) or "")
            if not text:
                continue
            need = _widest_line(header, text, bold=True) + HEADER_PADDING
            if header.isSortIndicatorShown() and header.sortIndicatorSection() == section:
                need += SORT_ARROW
            have = header.sectionSize(section)
            if section == last and header.stretchLastSection():
                have = max(have, header.viewport().width() - header.sectionPosition(section))
            if need > have + 1:
                problems.append(
                    f"header {text!r} of {view.objectName() or 'a table'} "
                    f"needs {need} px, has {have}"
                )
    return problems


def columns_out_of_view(page: QWidget) -> list[str]:
    """Header sections past the right edge of their table: the table scrolls sideways."""
    problems: list[str] = []
    for view in page.findChildren(QTableView):
        if not _shown(view, page) or view.model() is None:
            continue
        header = view.horizontalHeader()
        for section in range(header.count()):
            if header.isSectionHidden(section):
                continue
            end = header.sectionViewportPosition(section) + min(header.sectionSize(section), 40)
            if end > header.viewport().width() + 1:
                text = view.model().headerData(section, Qt.Orientation.Horizontal)
                problems.append(f"column {text!r} of {view.objectName()!r} is out of view")
    return problems


def _hidden_at_end(header: QHeaderView) -> int:
    hidden = 0
    for visual in range(header.count() - 1, -1, -1):
        if not header.isSectionHidden(header.logicalIndex(visual)):
            break
        hidden += 1
    return hidden


def main_table(page: QWidget) -> QTableView | None:
    """The page's largest visible table: the one the page is about."""
    views = [v for v in page.findChildren(QTableView) if _shown(v, page)]
    views = [v for v in views if v.model() is not None]
    return max(views, key=lambda v: v.width() * v.height(), default=None)


def rows_shown(view: QTableView) -> int:
    """How many rows of the table fit in its viewport."""
    return view.viewport().height() // max(view.verticalHeader().defaultSectionSize(), 1)


def scroll_problems(page: QWidget) -> list[str]:
    """More than one scroll area of widgets on a page, or one inside another."""
    areas = [a for a in page.findChildren(QScrollArea) if a.isVisibleTo(page)]
    problems = []
    if len(areas) > 1:
        problems.append(f"{len(areas)} scroll areas on the page")
    for area in areas:
        parent = area.parentWidget()
        while parent is not None and parent is not page:
            if isinstance(parent, QAbstractScrollArea) and not isinstance(
                parent, QAbstractItemView
            ):
                problems.append(f"a scroll area inside a scroll area ({area.objectName()!r})")
                break
            parent = parent.parentWidget()
    return problems


def outside(page: QWidget) -> list[str]:
    """Buttons that are cut by the page's edge without a scroll area to reach them."""
    problems = []
    for button in page.findChildren(QPushButton):
        if not button.isVisibleTo(page) or not button.text():
            continue
        if _in_scroll_area(button, page):
            continue
        seen = button.visibleRegion().boundingRect()
        if seen != QRect(0, 0, button.width(), button.height()):
            problems.append(f"button {button.text()!r} is cut by the edge of the page")
    return problems


def _in_scroll_area(widget: QWidget, page: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not page:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False
