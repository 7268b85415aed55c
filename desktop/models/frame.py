"""A read-only table model over a DataFrame that stays smooth at a million rows.

Each column is kept as the frame's own column and the rows shown are an index array (``_view``)
into them, so ``data()`` is two look-ups and a format: O(1) per cell whatever the row count.
Values become Python objects a block of rows at a time, when a cell of the block is first
shown: showing a 200k-row frame costs the GUI thread a few blocks, not a conversion of every
column (tens of milliseconds the window would freeze for).
Sorting and filtering are vectorized over whole columns (pandas), never one Python call per
row, so they take milliseconds at 200k rows where a per-row ``lessThan`` takes seconds.

Entity models (accounts, matches, assignments, ...) are ``FrameModel`` with their own named
column constants; ``FrameProxy`` sorts on ``RAW_ROLE`` (the unformatted value) and hands large
sorts to the model's vectorized sort.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush

from desktop.operations import formats

RAW_ROLE = Qt.ItemDataRole.UserRole + 1
# Above this many rows, sorting is done by the model on whole columns instead of by the proxy.
PROXY_SORT_LIMIT = 2_000

Index = QModelIndex | QPersistentModelIndex

_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# Rows per block of a column converted to Python objects at once (a power of two).
BLOCK_SHIFT = 12
BLOCK_MASK = (1 << BLOCK_SHIFT) - 1


class LazyColumn:
    """One column's values as Python objects (missing = None), converted block by block."""

    __slots__ = ("_blocks", "length", "source")

    def __init__(self, source: Any, length: int) -> None:
        self.source = source  # a pandas Series with a plain index, or None: every value None
        self.length = length
        self._blocks: list[list[Any] | None] = [None] * ((length >> BLOCK_SHIFT) + 1)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, row: Any) -> Any:
        number = int(row) >> BLOCK_SHIFT
        block = self._blocks[number]
        if block is None:
            block = self._convert(number)
        return block[int(row) & BLOCK_MASK]

    def __setitem__(self, row: Any, value: Any) -> None:
        number = int(row) >> BLOCK_SHIFT
        block = self._blocks[number]
        if block is None:
            block = self._convert(number)
        block[int(row) & BLOCK_MASK] = value

    def _convert(self, number: int) -> list[Any]:
        start = number << BLOCK_SHIFT
        stop = min(self.length, start + (1 << BLOCK_SHIFT))
        if self.source is None:
            block: list[Any] = [None] * (stop - start)
        else:
            block = list(self.source.iloc[start:stop].to_numpy(dtype=object, na_value=None))
        self._blocks[number] = block
        return block

    def series(self) -> Any:
        """The whole column as a pandas Series (for vectorized sorting)."""
        import pandas as pd

        if self.source is None:
            return pd.Series([None] * self.length, dtype=object)
        return self.source


def _is_plain_index(index: Any) -> bool:
    import pandas as pd

    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def format_number(value: Any) -> str:
    return formats.number(value)


def format_money(value: Any) -> str:
    return formats.money(value)


def format_text(value: Any) -> str:
    if _is_missing(value):
        return ""
    return str(value)


def format_bool(value: Any) -> str:
    return "yes" if value is True or value == 1 else ""


FORMATS: dict[str, Callable[[Any], str]] = {
    "text": format_text,
    "number": format_number,
    "money": format_money,
    "score": formats.score,
    "bool": format_bool,
    "label": lambda v: "" if _is_missing(v) else str(v).replace("_", " "),
    "date": formats.day,
    "moment": formats.moment,
    "count": formats.count,
}


@dataclass(frozen=True)
class Column:
    """One shown column: the frame's column ``key``, its heading and how values look."""

    key: str
    title: str
    kind: str = "text"  # text / number / count / money / score / bool / label / date / moment
    tooltip: str = ""


class FrameModel(QAbstractTableModel):
    """Rows of a DataFrame, shown through ``columns``; read-only, sortable, filterable."""

    COLUMNS: Sequence[Column] = ()

    def __init__(self, columns: Sequence[Column] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: list[Column] = list(columns if columns is not None else self.COLUMNS)
        self._arrays: list[LazyColumn] = [LazyColumn(None, 0) for _ in self.columns]
        self._view: np.ndarray = np.empty(0, dtype=np.intp)
        self._frame: Any = None
        self._mask: np.ndarray | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._formatters = [FORMATS.get(c.kind, format_text) for c in self.columns]
        self._row_brush: Callable[[int], QBrush | None] | None = None

    # ------------------------------------------------------------------ data in

    def set_frame(self, frame: Any) -> None:
        """Show ``frame`` (a pandas DataFrame); missing columns show empty."""
        self.beginResetModel()
        if frame is not None and not _is_plain_index(frame.index):
            frame = frame.reset_index(drop=True)
        # The frame is kept as given (not copied), so the page that owns it and the model see
        # the same values after ``set_value``.
        self._frame = frame
        length = 0 if frame is None else len(frame)
        self._arrays = [
            LazyColumn(
                frame[column.key] if frame is not None and column.key in frame.columns else None,
                length,
            )
            for column in self.columns
        ]
        self._mask = None
        self._view = np.arange(length, dtype=np.intp)
        if self._sort is not None:
            self._view = self._sorted(self._view, *self._sort)
        self.endResetModel()

    @property
    def frame(self) -> Any:
        """The whole DataFrame (not only the filtered rows), or None before any data."""
        return self._frame

    def frame_row(self, row: int) -> int:
        """The frame position of a shown row."""
        return int(self._view[row])

    def shown_row(self, frame_row: int) -> int | None:
        """The shown row of a frame position, or None when the filter hides it."""
        at = np.flatnonzero(self._view == frame_row)
        return int(at[0]) if len(at) else None

    def shown_frame(self) -> Any:
        """The rows shown (filtered and sorted), as a DataFrame."""
        if self._frame is None:
            return None
        return self._frame.iloc[self._view]

    def record(self, row: int) -> dict[str, Any]:
        """Every value of a shown row, by the frame's column names."""
        assert self._frame is not None
        values = self._frame.iloc[self.frame_row(row)].to_dict()
        return {k: (None if _is_missing(v) else v) for k, v in values.items()}

    def set_value(self, frame_row: int, key: str, value: Any) -> None:
        """Change one value in place (e.g. a match's status after a decision) and repaint it."""
        assert self._frame is not None
        self._frame.iloc[frame_row, self._frame.columns.get_loc(key)] = value
        for number, column in enumerate(self.columns):
            if column.key == key:
                # The frame's column may be a new array now (copy on write): read it again.
                self._arrays[number] = LazyColumn(self._frame[key], len(self._frame))
                shown = np.flatnonzero(self._view == frame_row)
                if len(shown):
                    index = self.index(int(shown[0]), number)
                    self.dataChanged.emit(index, index)

    def set_row_brush(self, fn: Callable[[int], QBrush | None] | None) -> None:
        """A background for some frame rows (e.g. stalled plans); ``fn`` gets the frame row."""
        self._row_brush = fn

    def column_index(self, key: str) -> int:
        for number, column in enumerate(self.columns):
            if column.key == key:
                return number
        raise KeyError(key)

    # ------------------------------------------------------------------ filtering and sorting

    def set_mask(self, mask: Any) -> None:
        """Show only the frame rows where ``mask`` (bool array, frame length) is true."""
        self.beginResetModel()
        length = 0 if self._frame is None else len(self._frame)
        if mask is None:
            self._mask = None
            view = np.arange(length, dtype=np.intp)
        else:
            self._mask = np.asarray(mask, dtype=bool)
            view = np.flatnonzero(self._mask).astype(np.intp)
        if self._sort is not None:
            view = self._sorted(view, *self._sort)
        self._view = view
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self.layoutAboutToBeChanged.emit()
        old = self._view
        self._sort = (column, order)
        self._view = self._sorted(old, column, order)
        self._remap_persistent(old)
        self.layoutChanged.emit()

    def _remap_persistent(self, old: np.ndarray) -> None:
        persistent = self.persistentIndexList()
        if not persistent:
            return
        position = np.empty(0 if self._frame is None else len(self._frame), dtype=np.intp)
        position[self._view] = np.arange(len(self._view))
        new = [self.index(int(position[old[index.row()]]), index.column()) for index in persistent]
        self.changePersistentIndexList(persistent, new)

    def _sorted(self, view: np.ndarray, column: int, order: Qt.SortOrder) -> np.ndarray:
        import pandas as pd

        values = self._arrays[column].series().iloc[view].reset_index(drop=True)
        if self.columns[column].kind in ("number", "count", "money", "score"):
            keys = pd.to_numeric(values, errors="coerce")
        else:
            # Vectorized over the column; missing values stay missing and sort last.
            keys = values.astype("string").str.casefold()
        ascending = order == Qt.SortOrder.AscendingOrder
        ordered = keys.sort_values(ascending=ascending, kind="stable", na_position="last")
        return view[ordered.index.to_numpy()]

    # ------------------------------------------------------------------ Qt's model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._view)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._formatters[column](self._arrays[column][self._view[row]])
        if role == RAW_ROLE:
            value = self._arrays[column][self._view[row]]
            if _is_missing(value):
                return None
            return value.item() if isinstance(value, np.generic) else value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return (
                _ALIGN_RIGHT
                if self.columns[column].kind in ("number", "count", "money", "score")
                else _ALIGN_LEFT
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self._formatters[column](self._arrays[column][self._view[row]])
            return text if len(text) > 40 else None
        if role == Qt.ItemDataRole.BackgroundRole and self._row_brush is not None:
            return self._row_brush(int(self._view[row]))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.ToolTipRole:
                return self.columns[section].tooltip or None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class FrameProxy(QSortFilterProxyModel):
    """Sorts by the raw value (``RAW_ROLE``): numbers as numbers, dates as ISO text.

    Up to ``PROXY_SORT_LIMIT`` rows Qt sorts; above it the model's vectorized sort is used, so a
    click on a header of a 1M-row table costs one numpy sort, not millions of Python calls.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(RAW_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(False)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, FrameModel) and source.rowCount() > PROXY_SORT_LIMIT:
            super().sort(-1, Qt.SortOrder.AscendingOrder)
            source.sort(column, order)
        else:
            super().sort(column, order)

    def source_row(self, row: int) -> int:
        """The source model's row of a proxy row."""
        return self.mapToSource(self.index(row, 0)).row()


def mask_contains(frame: Any, keys: Sequence[str], text: str) -> Any:
    """Rows of ``frame`` where any of ``keys`` contains ``text`` (case-insensitive), vectorized."""
    import pandas as pd

    text = text.strip().casefold()
    if not text or frame is None:
        return None
    mask = pd.Series(False, index=frame.index)
    for key in keys:
        if key in frame.columns:
            column = frame[key].astype("string").str.casefold()
            mask |= column.str.contains(text, regex=False).fillna(False).astype(bool)
    return mask.to_numpy()
