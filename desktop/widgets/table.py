"""The one table view configuration every data table uses: fixed, uniform row heights."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desktop.models.frame import FrameModel, FrameProxy

ROW_HEIGHT = 24
# A header section's room beside its (bold) text: style.qss pads 6 px a side, plus a border;
# the sorted column also shows its arrow.
HEADER_PADDING = 13 + 3
SORT_ARROW = 14


class DataTable(QTableView):
    """A sortable, read-only table over a ``FrameModel`` behind a ``FrameProxy``.

    Rows have one fixed height (``QHeaderView.Fixed`` + a default section size), so the view
    never measures rows: scrolling a million rows costs only the visible cells.
    """

    def __init__(self, model: FrameModel, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = model
        self.proxy = FrameProxy(self)
        self.proxy.setSourceModel(model)
        self.setModel(self.proxy)
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
            self.setColumnWidth(column, max(width, self.header_width(column)))

    def current_source_row(self) -> int | None:
        """The model row of the selected row, or None."""
        index = self.currentIndex()
        if not index.isValid():
            return None
        return self.proxy.mapToSource(index).row()

    def current_record(self) -> dict | None:
        row = self.current_source_row()
        return None if row is None else self.source.record(row)
