"""The one table view configuration every data table uses: fixed, uniform row heights."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QFont, QFontMetrics, QHelpEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QToolTip, QWidget

from desktop.models.frame import FrameModel, FrameProxy

ROW_HEIGHT = 24
# A header section's room beside its (bold) text: style.qss pads 6 px a side, plus a border;
# the sorted column also shows its arrow.
HEADER_PADDING = 13 + 3
SORT_ARROW = 14
# The narrowest a squeezed column gets (its heading still decides when it is wider).
SQUEEZED = 48


class DataTable(QTableView):
    """A sortable, read-only table over a ``FrameModel`` behind a ``FrameProxy``.

    Rows have one fixed height (``QHeaderView.Fixed`` + a default section size), so the view
    never measures rows: scrolling a million rows costs only the visible cells.

    Columns fit the view's width: when their widths add up to more than it, the columns named
    by ``squeeze_first`` give up room first, then every column in proportion, down to its
    heading's width; a cut-short cell shows its whole text as a tooltip. A column the user
    resizes keeps the width they gave it until the view is fitted again.
    """

    def __init__(self, model: FrameModel, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = model
        self.proxy = FrameProxy(self)
        self.proxy.setSourceModel(model)
        self.setModel(self.proxy)
        # The widths the columns are meant to have; the shown ones are these, fitted to the view.
        self._wanted: dict[int, int] = {}
        self._squeeze: list[tuple[int, int]] = []
        self._fitting = False
        self.setObjectName(name.replace(" ", "_"))
        self.setAccessibleName(name)
        self.setSortingEnabled(True)
        # Rows come in the engine's order (best first, file order...) until a header is clicked.
        self.horizontalHeader().setSortIndicatorClearable(True)
        self.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        vertical.setMinimumSectionSize(ROW_HEIGHT)
        vertical.hide()
        horizontal = self.horizontalHeader()
        horizontal.setStretchLastSection(True)
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setDefaultSectionSize(130)
        horizontal.setHighlightSections(False)
        self.proxy.modelReset.connect(self.fit_headers)
        self.proxy.headerDataChanged.connect(self.fit_headers)
        self.proxy.layoutChanged.connect(self.fit_headers)
        horizontal.sortIndicatorChanged.connect(self.fit_headers)
        horizontal.sectionResized.connect(self._on_section_resized)
        # A vertical scroll bar coming or going changes the room the columns have.
        self.verticalScrollBar().rangeChanged.connect(self.fit_width)
        self.proxy.modelReset.connect(self.fit_width)
        self.fit_headers()

    def header_width(self, column: int) -> int:
        """The narrowest a column can be with its whole heading shown."""
        text = str(self.model().headerData(column, Qt.Orientation.Horizontal) or "")
        font = QFont(self.horizontalHeader().font())
        font.setBold(True)
        metrics = QFontMetrics(font)
        widest = max((metrics.horizontalAdvance(line) for line in text.splitlines()), default=0)
        return widest + HEADER_PADDING if widest else 0

    @Slot()
    def fit_headers(self) -> None:
        """Widen any column too narrow for its heading: a heading is never cut short."""
        header = self.horizontalHeader()
        for column in range(header.count()):
            need = self.header_width(column)
            if header.isSortIndicatorShown() and header.sortIndicatorSection() == column:
                need += SORT_ARROW
            if header.sectionSize(column) < need:
                header.resizeSection(column, need)

    def set_widths(self, widths: dict[str, int]) -> None:
        """Set column widths by key; a width too narrow for the heading becomes wide enough."""
        for key, width in widths.items():
            try:
                column = self.source.column_index(key)
            except KeyError:
                continue
            self._wanted[column] = max(width, self.header_width(column))
            self.setColumnWidth(column, self._wanted[column])
        self.fit_width()

    def wrap_rows(self) -> None:
        """Wrap long texts onto more lines, each row as tall as its text (for short tables: the
        rows are measured, which costs time on long ones)."""
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().sectionResized.connect(self.resizeRowsToContents)

    def squeeze_first(self, keys: dict[str, int]) -> None:
        """The columns that give up room first, in order, each down to the width it keeps
        (or its heading's), when the view is too narrow."""
        self._squeeze = []
        for key, keep in keys.items():
            try:
                self._squeeze.append((self.source.column_index(key), keep))
            except KeyError:
                continue
        self.fit_width()

    def _floor(self, column: int) -> int:
        need = self.header_width(column)
        header = self.horizontalHeader()
        if header.isSortIndicatorShown() and header.sortIndicatorSection() == column:
            need += SORT_ARROW
        return max(need, SQUEEZED)

    @Slot(int, int, int)
    def _on_section_resized(self, column: int, _old: int, new: int) -> None:
        header = self.horizontalHeader()
        if self._fitting or header.visualIndex(column) == header.count() - 1:
            return  # our own fitting, or the stretched last column following the view
        self._wanted[column] = new

    @Slot()
    def fit_width(self) -> None:
        """Fit the columns' widths into the view's width (see the class's note)."""
        header = self.horizontalHeader()
        room = self.viewport().width()
        if room <= 50 or header.count() == 0:
            return
        shown = [
            header.logicalIndex(visual)
            for visual in range(header.count())
            if not header.isSectionHidden(header.logicalIndex(visual))
        ]
        if not shown:
            return
        widths = {c: self._wanted.get(c, header.defaultSectionSize()) for c in shown}
        widths = {c: max(w, self.header_width(c)) for c, w in widths.items()}
        excess = sum(widths.values()) - room
        for column, keep in self._squeeze:
            if excess <= 0:
                break
            if column in widths:
                floor = max(keep, self._floor(column))
                give = min(excess, max(widths[column] - floor, 0))
                widths[column] -= give
                excess -= give
        # Then every column in proportion: first keeping what the squeezed ones were promised,
        # then, if that is not enough, down to the headings' widths.
        for kept in (dict(self._squeeze), {}):
            if excess <= 0:
                break
            spare = {c: max(w - max(self._floor(c), kept.get(c, 0)), 0) for c, w in widths.items()}
            total = sum(spare.values())
            if total > 0:
                share = min(excess / total, 1.0)
                for column, room_to_give in spare.items():
                    give = min(int(room_to_give * share + 0.999), room_to_give)
                    widths[column] -= give
                    excess -= give
        self._fitting = True
        try:
            for column in shown[:-1]:
                header.resizeSection(column, widths[column])
            last = shown[-1]
            used = sum(widths[c] for c in shown[:-1])
            header.resizeSection(last, max(widths[last], room - used))
        finally:
            self._fitting = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_width()

    def showEvent(self, event: QShowEvent) -> None:
        # A table on a page not shown is not told of the window's resizing: fit it on showing.
        super().showEvent(event)
        self.fit_width()

    def viewportEvent(self, event: QEvent) -> bool:
        """A cell whose text is cut short shows the whole of it when hovered."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.indexAt(event.pos())
            if index.isValid() and not index.data(Qt.ItemDataRole.ToolTipRole):
                text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
                need = self.fontMetrics().horizontalAdvance(text) + 12
                if text and need > self.columnWidth(index.column()):
                    QToolTip.showText(event.globalPos(), text, self.viewport())
                    return True
        return super().viewportEvent(event)

    def current_source_row(self) -> int | None:
        """The model row of the selected row, or None."""
        index = self.currentIndex()
        if not index.isValid():
            return None
        return self.proxy.mapToSource(index).row()

    def current_record(self) -> dict | None:
        row = self.current_source_row()
        return None if row is None else self.source.record(row)
