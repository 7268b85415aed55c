"""What every step page has: a heading, the "what this step is for" panel, a body, a next action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.help_panel import HelpPanel

if TYPE_CHECKING:
    from desktop.main_window import MainWindow
    from desktop.operations.core import Operations
    from desktop.operations.workspace import PartnerInfo, WorkspaceInfo


# Below this page height the help panel starts folded (unless the user opened it).
COMPACT_HEIGHT = 600


@dataclass(frozen=True)
class StepState:
    """How the sidebar shows a step: not started / done / attention (with a count)."""

    status: str = "not started"
    count: int = 0
    note: str = ""


class Page(QWidget):
    """A step page. Subclasses fill ``self.body`` and implement ``reload``."""

    key = ""
    title = ""
    number = 0
    heading = ""
    help_text = ""
    next_label = ""
    next_key = ""
    scrolls = False  # True: the body scrolls as a whole (forms); False: tables take the space

    next_requested = Signal(str)  # the page key to go to next

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window
        self.setObjectName(f"page_{self.key}")
        self.setAccessibleName(f"{self.title} page")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 8, 18, 8)
        outer.setSpacing(6)
        self.heading_label = QLabel(self)
        self.heading_label.setObjectName("pageHeading")
        self.heading_label.setWordWrap(True)
        self.heading_label.setAccessibleName(f"{self.title} heading")
        outer.addWidget(self.heading_label)
        self.help = HelpPanel(self.help_text, self)
        self._help_choice = window.settings.help_collapsed(self.key)
        self.help.set_collapsed(bool(self._help_choice))
        self.help.toggle.clicked.connect(self._on_help_clicked)
        outer.addWidget(self.help)
        self.body = QWidget(self)
        self.body.setObjectName("pageBody")
        if self.scrolls:
            scroll = QScrollArea(self)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(self.body)
            outer.addWidget(scroll, 1)
        else:
            outer.addWidget(self.body, 1)
        footer = QHBoxLayout()
        self.footer_note = QLabel(self)
        self.footer_note.setObjectName("footerNote")
        self.footer_note.setWordWrap(True)
        self.footer_note.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        footer.addWidget(self.footer_note, 1)
        self.next_button = QPushButton(self.next_label or "Next", self)
        self.next_button.setObjectName("nextButton")
        self.next_button.setAccessibleName(self.next_label or "Next step")
        self.next_button.setVisible(bool(self.next_key))
        self.next_button.clicked.connect(self._on_next_clicked)
        footer.addWidget(self.next_button, 0, Qt.AlignmentFlag.AlignRight)
        outer.addLayout(footer)
        self.set_heading()

    def hasHeightForWidth(self) -> bool:
        # The pages sit in one QStackedWidget, whose height-for-width asks every page, and a
        # page asks each of its word-wrapped labels to lay its text out again. Any label whose
        # text changes (a status line, a progress message) re-ran that for all pages: 20-40 ms
        # of the GUI thread each time. A page takes the height the window gives it (the text
        # still wraps inside the page), so it need not offer one for its width.
        return False

    # ------------------------------------------------------------------ context

    @property
    def ops(self) -> Operations:
        return self.window_.ops

    @property
    def workspace(self) -> WorkspaceInfo | None:
        return self.window_.workspace

    @property
    def partner(self) -> PartnerInfo | None:
        return self.window_.partner

    @property
    def us_name(self) -> str:
        return self.workspace.company if self.workspace else "Us"

    @property
    def partner_name(self) -> str:
        return self.partner.name if self.partner else "Partner"

    def set_heading(self) -> None:
        prefix = f"{self.number}  " if self.number else ""
        heading = self.heading.format(us=self.us_name, partner=self.partner_name)
        self.heading_label.setText(f"{prefix}{self.title} — {heading}" if heading else self.title)

    # ------------------------------------------------------------------ life cycle

    def activate(self) -> None:
        """The page is shown (or the partner changed while it was shown): load its data."""
        self._seen = True
        self.set_heading()
        self.reload()

    def reload(self) -> None:
        """Ask the operations layer for this page's data."""

    def load_for_partner(
        self, label: str, job: Callable[..., Any], on_success: Callable[[Any], None]
    ) -> None:
        """Run ``job(context, partner=NAME)`` for the selected partnership, if there is one."""
        if self.partner is None:
            return
        self.ops.run(
            label,
            partial(job, partner=self.partner.name),
            on_success=on_success,
            on_failure=self.show_error,
        )

    def data_changed(self, what: str) -> None:
        """Something this page may show has changed; reload when visible."""
        if self.isVisible():
            self.reload()

    def focus_find(self) -> None:
        """Edit > Find: focus this page's search box, if it has one."""

    def undo_stack(self) -> Any:
        """The page's QUndoStack, if its actions can be undone."""
        return None

    def show_error(self, _kind: str, message: str) -> None:
        self.window_.show_job_error(self.title, message)

    def show_saved(self, path: str) -> None:
        """Say where an exported file went, with a button that opens its folder."""
        from desktop import dialogs

        dialogs.show_saved(self, "File saved", path)

    @Slot()
    def _on_help_clicked(self) -> None:
        self._help_choice = self.help.is_collapsed()
        self.window_.settings.set_help_collapsed(self.key, self._help_choice)

    def showEvent(self, event: Any) -> None:
        # Seen by the user: the page the window shows for an open workspace (pages that load
        # lazily may not call ``activate`` each time).
        if self.window_.workspace is not None and self.window_.current_page() is self:
            self._seen = True
        super().showEvent(event)

    def hideEvent(self, event: Any) -> None:
        # Read once is enough: leaving a page whose explanation was open folds it from then on
        # (remembered), so the data gets the room; the user can open it again, and that sticks.
        seen = getattr(self, "_seen", False)
        if seen and self._help_choice is None and not self.help.is_collapsed():
            self._help_choice = True
            self.window_.settings.set_help_collapsed(self.key, True)
            self.help.set_collapsed(True)
        super().hideEvent(event)

    def resizeEvent(self, event: Any) -> None:
        # Until the user decides, the help folds away on small windows to leave room for data.
        if self._help_choice is None:
            self.help.set_collapsed(event.size().height() < COMPACT_HEIGHT)
        super().resizeEvent(event)

    @Slot()
    def _on_next_clicked(self) -> None:
        self.next_requested.emit(self.next_key)


def section(title: str, parent: QWidget) -> QLabel:
    label = QLabel(title, parent)
    label.setObjectName("sectionTitle")
    return label


def note(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("note")
    label.setWordWrap(True)
    return label
