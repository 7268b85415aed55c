"""The collapsible "what this step is for" panel at the top of each page."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QLabel, QToolButton, QVBoxLayout, QWidget


class HelpPanel(QFrame):
    """A heading button that folds a short explanation and the method's best practice."""

    collapsed_changed = Signal(bool)

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpPanel")
        self.setAccessibleName("What this step is for")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(4)
        self.toggle = QToolButton(self)
        self.toggle.setObjectName("helpToggle")
        self.toggle.setText("What this step is for")
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.toggle.setAccessibleName("Show or hide what this step is for")
        self.toggle.toggled.connect(self._on_toggled)
        self.body = QLabel(text, self)
        self.body.setObjectName("helpBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setAccessibleName("Best practice for this step")
        layout.addWidget(self.toggle)
        layout.addWidget(self.body)

    def minimumSizeHint(self) -> QSize:
        # The folded size: a small window squeezes the explanation rather than growing the
        # window (pages fold it themselves below a height, see ``Page.resizeEvent``).
        hint = self.toggle.sizeHint()
        margins = self.contentsMargins()
        return QSize(hint.width(), hint.height() + margins.top() + margins.bottom() + 12)

    def set_collapsed(self, collapsed: bool) -> None:
        self.toggle.setChecked(not collapsed)

    def is_collapsed(self) -> bool:
        return not self.toggle.isChecked()

    @Slot(bool)
    def _on_toggled(self, shown: bool) -> None:
        self.body.setVisible(shown)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.collapsed_changed.emit(not shown)
