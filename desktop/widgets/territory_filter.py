"""The step pages' territory filter: "Territory: [All accounts ▾]", hidden while none exist."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

ALL_ACCOUNTS = "All accounts"


class TerritoryFilter(QWidget):
    """A combo of the partnership's territories; ``current()`` is the chosen name or None."""

    territory_changed = Signal(str)  # the territory's name, "" for all accounts

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Territory:", self)
        self.combo = QComboBox(self)
        self.combo.setObjectName("territoryCombo")
        self.combo.setAccessibleName("Limit to a territory")
        self.combo.setToolTip("Show only the accounts of one territory (Territories page)")
        self.combo.setMinimumWidth(170)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        label.setBuddy(self.combo)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        self.combo.addItem(ALL_ACCOUNTS, "")
        self.combo.currentIndexChanged.connect(self._on_index_changed)
        self.setVisible(False)

    def current(self) -> str | None:
        """The chosen territory's name, or None for all accounts."""
        return str(self.combo.currentData() or "") or None

    def set_names(self, names: Sequence[str]) -> bool:
        """Offer these territories, keeping the choice when it is still one of them.

        Returns whether the choice changed (it falls back to all accounts when its territory
        is gone). Emits nothing: the page reloads as it sees fit.
        """
        before = self.current()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(ALL_ACCOUNTS, "")
        for name in names:
            self.combo.addItem(name, name)
        at = self.combo.findData(before) if before else 0
        self.combo.setCurrentIndex(max(at, 0))
        self.combo.blockSignals(False)
        self.setVisible(bool(names))
        return self.current() != before

    def set_current(self, name: str | None) -> None:
        """Choose ``name`` (None: all accounts) without emitting."""
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(self.combo.findData(name or ""), 0))
        self.combo.blockSignals(False)

    @Slot(int)
    def _on_index_changed(self, _index: int) -> None:
        self.territory_changed.emit(self.current() or "")
