"""The main window: menus, the workspace and partner bar, the sidebar of steps and the pages."""

from __future__ import annotations

import importlib
import logging
import sys
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPainter,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.operations.core import Operations
from desktop.operations.workspace import PartnerInfo, WorkspaceInfo
from desktop.pages.welcome import WelcomePage
from desktop.settings import Settings, engine_paths

log = logging.getLogger(__name__)

APP_TITLE = "Overlap"
VERSION = "0.1.0"

# (key, sidebar label, module, class). Modules load when a workspace opens, not at start-up.
STEPS: list[tuple[str, str, str, str]] = [
    ("import", "1  Import", "desktop.pages.importing", "ImportPage"),
    ("match", "2  Match", "desktop.pages.matching", "MatchPage"),
    ("overlaps", "3  Overlaps", "desktop.pages.overlaps", "OverlapsPage"),
    ("ownership", "4  Ownership", "desktop.pages.ownership", "OwnershipPage"),
    ("plans", "5  Plans", "desktop.pages.plans", "PlansPage"),
    ("territories", "Territories", "desktop.pages.territories", "TerritoriesPage"),
    ("agenda", "Agenda", "desktop.pages.agenda", "AgendaPage"),
    ("registrations", "Registrations", "desktop.pages.registrations", "RegistrationsPage"),
    ("dashboard", "Dashboard", "desktop.pages.dashboard", "DashboardPage"),
    ("share", "Share", "desktop.pages.share", "SharePage"),
    ("partners", "Partners", "desktop.pages.partners", "PartnersPage"),
]
# View > go to a page: Ctrl+number for the five numbered steps (the number the sidebar shows),
# Ctrl+Shift+initial for the other pages (there is no key "Ctrl+10" for an eleventh entry).
SHORTCUTS: dict[str, str] = {
    "import": "Ctrl+1",
    "match": "Ctrl+2",
    "overlaps": "Ctrl+3",
    "ownership": "Ctrl+4",
    "plans": "Ctrl+5",
    "territories": "Ctrl+Shift+T",
    "agenda": "Ctrl+Shift+A",
    "registrations": "Ctrl+Shift+R",
    "dashboard": "Ctrl+Shift+D",
    "share": "Ctrl+Shift+S",
    "partners": "Ctrl+Shift+P",
}
STATE_ROLE = Qt.ItemDataRole.UserRole + 10
KEY_ROLE = Qt.ItemDataRole.UserRole + 11
# Room kept above the window for its title bar, which the geometry Qt sets does not include.
TITLE_BAR = 32
# The largest window opened by default: beyond it, lines of text grow too long to read.
LARGEST = QSize(1680, 1050)


def shortcut_help() -> str:
    """The View shortcuts in words, as ``SHORTCUTS`` sets them."""
    steps = [SHORTCUTS[key] for key, label, _m, _c in STEPS if label[:1].isdigit()]
    others = [
        f"{SHORTCUTS[key]} {label.strip().lower()}"
        for key, label, _m, _c in STEPS
        if not label[:1].isdigit()
    ]
    first, last = steps[0], steps[-1].removeprefix("Ctrl+")
    return f"{first}…{last} go to the five steps · {', '.join(others)}"


def default_geometry(available: QRect) -> QRect:
    """Where a first window goes on a screen whose free area is ``available``.

    A laptop screen (1366 x 768 and smaller) gets all of its width and height, less the title
    bar; a larger one nine tenths, up to ``LARGEST``; centred either way.
    """
    room = QSize(available.width(), max(available.height() - TITLE_BAR, 1))
    width = room.width() if room.width() <= 1440 else int(room.width() * 0.9)
    height = room.height() if room.height() <= 820 else int(room.height() * 0.9)
    size = QSize(min(width, LARGEST.width()), min(height, LARGEST.height()))
    rect = QRect(0, 0, size.width(), size.height())
    rect.moveCenter(available.center())
    rect.moveTop(max(rect.top(), available.top() + TITLE_BAR))
    return rect


def fit_to_screen(geometry: QRect, available: QRect) -> QRect:
    """``geometry`` made to fit ``available``: no larger than it, moved wholly inside it.

    A window remembered from a bigger monitor, or one that was unplugged, opens on the screen
    that is there, with its status bar and title bar in view.
    """
    top = available.top() + TITLE_BAR
    width = min(geometry.width(), available.width())
    height = min(geometry.height(), max(available.bottom() + 1 - top, 1))
    left = min(max(geometry.left(), available.left()), available.right() + 1 - width)
    y = min(max(geometry.top(), top), available.bottom() + 1 - height)
    return QRect(left, y, width, height)


def icon(name: str) -> QIcon:
    """An SVG icon from resources/icons (crisp at any device pixel ratio)."""
    path = engine_paths().resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


class StepDelegate(QStyledItemDelegate):
    """Draws a step's state at the right of its sidebar row: ✔ done, ! n attention."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        state = index.data(STATE_ROLE)
        if not state:
            return
        status, count = state[0], state[1]
        if status == "done":
            text, color = "✔", QColor("#1f8a4c")
        elif status == "attention":
            text, color = (f"! {count:,}" if count else "!"), QColor("#c2410c")
        else:
            return
        painter.save()
        rect = QRect(option.rect)
        rect.setRight(rect.right() - 10)
        painter.setPen(color)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(
            rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), 32))


class AddPartnerDialog(QDialog):
    """Name, partnership model and refresh cadence of a new partner."""

    def __init__(self, parent: QWidget, models: tuple[str, ...], cadences: tuple[str, ...]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a partner")
        self.setAccessibleName("Add a partner")
        layout = QFormLayout(self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Partner company name")
        self.model_combo = QComboBox(self)
        self.model_combo.addItems(list(models))
        self.model_combo.setCurrentText("co-sell")
        self.model_combo.setAccessibleName("Partnership model")
        self.cadence_combo = QComboBox(self)
        self.cadence_combo.addItems(list(cadences))
        self.cadence_combo.setCurrentText("quarterly")
        self.cadence_combo.setAccessibleName("Refresh cadence")
        layout.addRow("Partner company:", self.name_edit)
        layout.addRow("Partnership model:", self.model_combo)
        layout.addRow("Refresh cadence:", self.cadence_combo)
        hint = QLabel(
            "Refresh monthly for active partnerships, quarterly for strategic ones, "
            "semi-annually for small ones.",
            self,
        )
        hint.setWordWrap(True)
        hint.setObjectName("note")
        layout.addRow(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)


class MainWindow(QMainWindow):
    workspace_opened = Signal(object)
    workspace_closed = Signal()
    partner_changed = Signal(object)

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAccessibleName("Overlap main window")
        self.setWindowIcon(icon("overlap"))
        self.settings = settings or Settings()
        self.ops = Operations(self)
        self.workspace: WorkspaceInfo | None = None
        self.partner: PartnerInfo | None = None
        self.pages: dict[str, Any] = {}
        self.summary: Any = None
        self.undo_group = QUndoGroup(self)
        self._demo_building = False

        self.ops.busy_changed.connect(self._on_busy_changed)
        self.ops.progress_changed.connect(self._on_progress_changed)
        self.ops.data_changed.connect(self._on_data_changed)
        self.ops.job_failed.connect(self._on_job_failed)

        self._build_top_bar()
        self._build_central()
        self._build_status_bar()
        self._build_menus()
        self._update_title()
        self.place_on_screen()
        self._show_welcome()

    def place_on_screen(self) -> None:
        """Size and place the window from the screen's free area, or as it was last time but
        clamped to the screen it opens on."""
        remembered = self.settings.geometry()
        if remembered is not None and self.restoreGeometry(remembered):
            screen = QGuiApplication.screenAt(self.geometry().center())
            screen = screen or QGuiApplication.primaryScreen()
            available = screen.availableGeometry()
            self.setGeometry(fit_to_screen(self.geometry(), available))
            return
        screen = QGuiApplication.primaryScreen()
        self.setGeometry(default_geometry(screen.availableGeometry()))

    # ------------------------------------------------------------------ building

    def _build_top_bar(self) -> None:
        bar = QWidget(self)
        bar.setObjectName("topBar")
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(14, 6, 14, 6)
        self.workspace_label = QLabel("No workspace open", bar)
        self.workspace_label.setObjectName("workspaceLabel")
        self.workspace_label.setAccessibleName("Open workspace")
        layout.addWidget(self.workspace_label, 1)
        partner_label = QLabel("Partner:", bar)
        self.partner_label = partner_label
        layout.addWidget(partner_label)
        self.partner_combo = QComboBox(bar)
        self.partner_combo.setObjectName("partnerCombo")
        self.partner_combo.setAccessibleName("Partner")
        self.partner_combo.setMinimumWidth(180)
        self.partner_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.partner_combo.currentIndexChanged.connect(self._on_partner_index_changed)
        partner_label.setBuddy(self.partner_combo)
        layout.addWidget(self.partner_combo)
        self.add_partner_button = QPushButton("Add partner…", bar)
        self.add_partner_button.setAccessibleName("Add a partner")
        self.add_partner_button.clicked.connect(self.add_partner)
        layout.addWidget(self.add_partner_button)
        self.top_bar = bar

    def _build_central(self) -> None:
        root = QWidget(self)
        layout = QVBoxLayout(root)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        if sys.platform == "darwin":  # the menu bar is the screen's: the bar keeps its row
            layout.addWidget(self.top_bar)
        else:
            # The workspace and partner sit on the menu bar's row, so every page gets that
            # row's height (a laptop screen has little of it).
            self.top_bar.layout().setContentsMargins(14, 0, 6, 0)
            self.menuBar().setCornerWidget(self.top_bar, Qt.Corner.TopRightCorner)
        self.stack = QStackedWidget(root)
        layout.addWidget(self.stack, 1)
        self.welcome = WelcomePage(self)
        self.welcome.create_requested.connect(self.create_workspace)
        self.welcome.open_requested.connect(self.open_workspace)
        self.welcome.browse_requested.connect(self.browse_workspace)
        self.welcome.demo_requested.connect(self.open_demo)
        self.stack.addWidget(self.welcome)

        self.steps_view = QSplitter(Qt.Orientation.Horizontal, root)
        self.steps_view.setChildrenCollapsible(False)
        self.sidebar = QListWidget(self.steps_view)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Steps")
        self.sidebar.setItemDelegate(StepDelegate(self.sidebar))
        self.sidebar.setMinimumWidth(190)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setMaximumWidth(240)
        self.sidebar.currentRowChanged.connect(self._on_step_row_changed)
        self.pages_stack = QStackedWidget(self.steps_view)
        self.pages_stack.setObjectName("pages")
        self.steps_view.addWidget(self.sidebar)
        self.steps_view.addWidget(self.pages_stack)
        self.steps_view.setStretchFactor(1, 1)
        self.steps_view.setSizes([190, 1090])
        self.stack.addWidget(self.steps_view)
        self.setCentralWidget(root)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.summary_label = QLabel("", bar)
        self.summary_label.setObjectName("summaryLabel")
        self.summary_label.setAccessibleName("Mapping summary")
        bar.addWidget(self.summary_label, 1)
        self.progress_label = QLabel("", bar)
        self.progress_bar = QProgressBar(bar)
        self.progress_bar.setAccessibleName("Progress")
        self.progress_bar.setMaximumWidth(200)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", bar)
        self.cancel_button.setAccessibleName("Cancel the running task")
        self.cancel_button.clicked.connect(self.ops.cancel)
        for widget in (self.progress_label, self.progress_bar, self.cancel_button):
            bar.addPermanentWidget(widget)
            widget.hide()

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.new_action = self._action(
            file_menu, "&New workspace…", QKeySequence.StandardKey.New, self.new_workspace
        )
        self.open_action = self._action(
            file_menu, "&Open workspace…", QKeySequence.StandardKey.Open, self.browse_workspace
        )
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(file_menu, "Open the &demo", None, self.open_demo)
        self.close_action = self._action(
            file_menu, "&Close workspace", QKeySequence.StandardKey.Close, self.close_workspace
        )
        file_menu.addSeparator()
        self.add_partner_action = self._action(file_menu, "Add &partner…", None, self.add_partner)
        file_menu.addSeparator()
        quit_action = self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        edit_menu = menu.addMenu("&Edit")
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence.StandardKey.Redo, QKeySequence("Ctrl+Shift+Z")])
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        self._action(edit_menu, "&Find", QKeySequence.StandardKey.Find, self.find)

        view_menu = menu.addMenu("&View")
        self.step_actions: list[QAction] = []
        for key, label, _module, _cls in STEPS:
            action = self._action(
                view_menu,
                label.replace("  ", " "),
                QKeySequence(SHORTCUTS[key]),
                partial(self.go_to, key),
            )
            self.step_actions.append(action)

        help_menu = menu.addMenu("&Help")
        self._action(
            help_menu, "Overlap &help", QKeySequence.StandardKey.HelpContents, self.show_help
        )
        about = self._action(help_menu, "&About Overlap", None, self.show_about)
        about.setMenuRole(QAction.MenuRole.AboutRole)
        self._update_actions()

    def _action(self, menu: Any, text: str, shortcut: Any, slot: Any) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # ------------------------------------------------------------------ workspace

    @Slot()
    def new_workspace(self) -> None:
        self._show_welcome()
        self.welcome.company_edit.setFocus()

    @Slot()
    def browse_workspace(self) -> None:
        path = dialogs.choose_open_file(
            self,
            "Open a workspace",
            "Overlap workspaces (*.overlap)",
            str(engine_paths().data_dir()),
        )
        if path:
            self.open_workspace(path)

    @Slot(str)
    def open_workspace(self, path: str) -> None:
        from desktop.operations.workspace import open_workspace

        self.ops.run(
            f"Opening {Path(path).name}",
            partial(open_workspace, path=path),
            on_success=self._on_workspace_opened,
            on_failure=partial(self._on_open_failed, path),
        )

    @Slot(str, str, list)
    def create_workspace(self, path: str, name: str, domains: list[str]) -> None:
        from desktop.operations.workspace import create_workspace

        self.ops.run(
            f"Creating {Path(path).name}",
            partial(create_workspace, path=path, name=name, domains=domains),
            on_success=self._on_workspace_opened,
            on_failure=self._on_create_failed,
        )

    @Slot()
    def open_demo(self) -> None:
        path = engine_paths().data_dir() / "demo.overlap"
        if path.exists():
            self.open_workspace(str(path))
            return
        from desktop.operations.workspace import build_demo

        self._demo_building = True
        self.ops.run(
            "Building the demo workspace",
            partial(build_demo, path=str(path)),
            on_success=self._on_workspace_opened,
            on_failure=self._on_demo_failed,
            changes=("workspace",),
        )

    @Slot()
    def close_workspace(self) -> None:
        from desktop.operations.workspace import close_workspace

        if self.workspace is None:
            return
        self.ops.run("Closing the workspace", close_workspace)
        self.settings.set_last_workspace(None)
        self.workspace = None
        self.partner = None
        self._clear_pages()
        self._show_welcome()
        self.workspace_closed.emit()

    def _on_workspace_opened(self, info: WorkspaceInfo) -> None:
        self._demo_building = False
        self.workspace = info
        self.settings.set_last_workspace(info.path)
        self.settings.add_recent(info.path)
        self._ensure_pages()
        self._fill_partners(self.settings.last_partner())
        self.stack.setCurrentWidget(self.steps_view)
        self._update_title()
        self._update_actions()
        if self.sidebar.currentRow() < 0:
            self.sidebar.setCurrentRow(0)
        else:
            self._activate_current()
        self.refresh_summary()
        self.workspace_opened.emit(info)

    def _on_open_failed(self, path: str, kind: str, message: str) -> None:
        if kind == "user" and "no workspace at this path" in message:
            self.settings.remove_recent(path)
        self._show_welcome()
        if kind != "cancelled":
            dialogs.show_error(self, "Cannot open the workspace", message)

    def _on_create_failed(self, kind: str, message: str) -> None:
        self.welcome.set_error(message)

    def _on_demo_failed(self, kind: str, message: str) -> None:
        self._demo_building = False
        if kind != "cancelled":
            dialogs.show_error(self, "Cannot build the demo workspace", message)

    def _show_welcome(self) -> None:
        self.welcome.refresh(self.settings.recent(), str(engine_paths().data_dir()))
        self.stack.setCurrentWidget(self.welcome)
        self.summary_label.setText("Create or open a workspace to start")
        self._update_title()
        self._update_actions()

    def _update_title(self) -> None:
        if self.workspace is None:
            self.setWindowTitle(APP_TITLE)
            self.workspace_label.setText("No workspace open")
        else:
            name = Path(self.workspace.path).name
            self.setWindowTitle(f"{self.workspace.company} — {name} — {APP_TITLE}")
            self.workspace_label.setText(f"<b>{self.workspace.company}</b> workspace  ·  {name}")

    def _update_actions(self) -> None:
        open_ = self.workspace is not None
        if hasattr(self, "close_action"):
            self.close_action.setEnabled(open_)
            self.add_partner_action.setEnabled(open_)
            for action in self.step_actions:
                action.setEnabled(open_)
        self.partner_combo.setEnabled(open_)
        self.add_partner_button.setEnabled(open_)
        for widget in (self.partner_combo, self.add_partner_button, self.partner_label):
            widget.setVisible(open_)

    @Slot()
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.settings.recent():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(partial(self.open_workspace, path))
        if not self.settings.recent():
            self.recent_menu.addAction("(none)").setEnabled(False)

    # ------------------------------------------------------------------ partners

    @Slot()
    def add_partner(self) -> None:
        if self.workspace is None:
            return
        from desktop.operations.workspace import partner_choices

        dialog = AddPartnerDialog(self, *partner_choices())
        dialog.setObjectName("addPartnerDialog")
        dialog.accepted.connect(partial(self._on_add_partner_accepted, dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.add_partner_dialog = dialog

    def _on_add_partner_accepted(self, dialog: AddPartnerDialog) -> None:
        from desktop.operations.workspace import add_partner

        name = dialog.name_edit.text().strip()
        if not name:
            return
        self.settings.set_last_partner(name)
        self.ops.run(
            f"Adding {name}",
            partial(
                add_partner,
                name=name,
                model=dialog.model_combo.currentText(),
                cadence=dialog.cadence_combo.currentText(),
            ),
            on_success=self._on_partners_changed,
            on_failure=self._on_add_partner_failed,
            # Pages that show every partnership (and the worker's cached views) read it again.
            changes=("partners",),
        )

    def _on_add_partner_failed(self, _kind: str, message: str) -> None:
        dialogs.show_error(self, "Cannot add the partner", message)

    def _on_partners_changed(self, info: WorkspaceInfo) -> None:
        self.workspace = info
        self._fill_partners(self.settings.last_partner())

    def _fill_partners(self, select: str | None) -> None:
        assert self.workspace is not None
        self.partner_combo.blockSignals(True)
        self.partner_combo.clear()
        for partner in self.workspace.partners:
            self.partner_combo.addItem(partner.name, partner.id)
        if not self.workspace.partners:
            self.partner_combo.addItem("(add a partner)", None)
        index = self.partner_combo.findText(select) if select else -1
        self.partner_combo.setCurrentIndex(max(0, index))
        self.partner_combo.blockSignals(False)
        self._on_partner_index_changed(self.partner_combo.currentIndex())

    def reload_workspace_info(self) -> None:
        """Re-read partners (thresholds, refresh dates) after a job changed them."""
        from desktop.operations.workspace import workspace_info

        if self.workspace is not None:
            self.ops.run(
                "Reading the workspace", workspace_info, on_success=self._on_workspace_info_read
            )

    def _on_workspace_info_read(self, info: WorkspaceInfo) -> None:
        self.workspace = info
        if self.partner is not None:
            self.partner = next((p for p in info.partners if p.id == self.partner.id), self.partner)

    @Slot(int)
    def _on_partner_index_changed(self, index: int) -> None:
        if self.workspace is None:
            return
        partner_id = self.partner_combo.itemData(index)
        self.partner = next((p for p in self.workspace.partners if p.id == partner_id), None)
        if self.partner is not None:
            self.settings.set_last_partner(self.partner.name)
        for page in self.pages.values():
            page.set_heading()
        self.partner_changed.emit(self.partner)
        self._activate_current()
        self.refresh_summary()

    # ------------------------------------------------------------------ pages and steps

    def _ensure_pages(self) -> None:
        if self.pages:
            return
        for key, label, module_name, class_name in STEPS:
            try:
                module = importlib.import_module(module_name)
            except ImportError as error:
                if key != "share":
                    log.warning("page %s is not available: %s", key, error)
                continue
            cls = getattr(module, class_name, None)
            if cls is None:
                continue
            page = cls(self)
            page.next_requested.connect(self.go_to)
            self.pages[key] = page
            self.pages_stack.addWidget(page)
            item = QListWidgetItem(icon(key), label)
            item.setData(KEY_ROLE, key)
            item.setToolTip(getattr(page, "heading", "").format(us="us", partner="the partner"))
            stack = page.undo_stack()
            if stack is not None:
                self.undo_group.addStack(stack)
            self.sidebar.addItem(item)
            if key == "plans":
                separator = QListWidgetItem("")
                separator.setFlags(Qt.ItemFlag.NoItemFlags)
                separator.setSizeHint(QSize(10, 12))
                self.sidebar.addItem(separator)
        self.sidebar.setCurrentRow(0)

    def _clear_pages(self) -> None:
        self.sidebar.blockSignals(True)
        self.sidebar.clear()
        self.sidebar.blockSignals(False)
        for page in self.pages.values():
            stack = page.undo_stack()
            if stack is not None:
                self.undo_group.removeStack(stack)
                stack.clear()
            self.pages_stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()

    def current_page(self) -> Any:
        widget = self.pages_stack.currentWidget()
        return widget if widget in self.pages.values() else None

    @Slot(str)
    def go_to(self, key: str) -> None:
        for row in range(self.sidebar.count()):
            if self.sidebar.item(row).data(KEY_ROLE) == key:
                self.sidebar.setCurrentRow(row)
                return

    @Slot(int)
    def _on_step_row_changed(self, row: int) -> None:
        item = self.sidebar.item(row)
        if item is None:
            return
        page = self.pages.get(item.data(KEY_ROLE))
        if page is None:
            return
        self.pages_stack.setCurrentWidget(page)
        self._activate_current()

    def _activate_current(self) -> None:
        page = self.current_page()
        if page is None or self.workspace is None:
            return
        stack = page.undo_stack()
        self.undo_group.setActiveStack(stack)
        page.activate()

    # ------------------------------------------------------------------ state of the steps

    def refresh_summary(self) -> None:
        from desktop.operations.summary import summarize

        if self.workspace is None:
            return
        partner_id = self.partner.id if self.partner else None
        self.ops.run(
            "Counting", partial(summarize, partner_id=partner_id), on_success=self._on_summary
        )

    def _on_summary(self, summary: Any) -> None:
        self.summary = summary
        self.summary_label.setText(summary.status_text)
        for row in range(self.sidebar.count()):
            item = self.sidebar.item(row)
            key = item.data(KEY_ROLE)
            state = summary.states.get(key)
            item.setData(STATE_ROLE, state)
            if key is not None:
                label = next(lbl for k, lbl, _m, _c in STEPS if k == key)
                words = {
                    "done": "done",
                    "attention": "needs attention",
                    "not started": "not started",
                }
                status = words.get(state[0], state[0]) if state else ""
                detail = f", {state[2]}" if state and state[2] else ""
                item.setData(
                    Qt.ItemDataRole.AccessibleTextRole,
                    f"{label.strip()}: {status}{detail}".strip(": "),
                )

    @Slot(str)
    def _on_data_changed(self, what: str) -> None:
        for page in self.pages.values():
            page.data_changed(what)
        if what in ("workspace", "partners"):
            self.reload_workspace_info()
        self.refresh_summary()

    # ------------------------------------------------------------------ progress and errors

    @Slot(bool)
    def _on_busy_changed(self, busy: bool) -> None:
        for widget in (self.progress_label, self.progress_bar, self.cancel_button):
            widget.setVisible(busy)
        if not busy:
            self.progress_bar.reset()
            self.progress_label.setText("")

    @Slot(str, float, str)
    def _on_progress_changed(self, label: str, fraction: float, message: str) -> None:
        if label == "Counting":
            return
        self.progress_label.setText(message or label)
        if fraction < 0:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(fraction * 1000))

    @Slot(str, str, str)
    def _on_job_failed(self, label: str, kind: str, message: str) -> None:
        self.show_job_error(label, message)

    def show_job_error(self, title: str, message: str) -> None:
        dialogs.show_error(self, title, message)

    # ------------------------------------------------------------------ help, find, about

    @Slot()
    def find(self) -> None:
        page = self.current_page()
        if page is not None:
            page.focus_find()

    @Slot()
    def show_help(self) -> None:
        """Help > Overlap help (F1): this page's explanation and keys first, then the method,
        best practices and glossary (resources/help, the files the README links to)."""
        from desktop.help import HelpDialog

        page = self.current_page()
        shortcuts = (
            f"<p><b>Keys:</b> {shortcut_help()} · Ctrl+F find · Ctrl+Z / Ctrl+Shift+Z undo / "
            "redo · in the review queue A accepts, R rejects, ← → move between suggestions.</p>"
        )
        if page is not None:
            title, text = page.title, page.help_text
        else:
            title = "Getting started"
            text = "Create a workspace for your company, add a partner, then follow the five steps."
        previous = getattr(self, "help_dialog", None)
        if previous is not None:
            previous.close()
        dialog = HelpDialog(self, title, f"<p>{text}</p>{shortcuts}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(self._on_help_closed)
        self.help_dialog: Any = dialog
        dialog.show()

    @Slot()
    def _on_help_closed(self) -> None:
        self.help_dialog = None

    @Slot()
    def show_about(self) -> None:
        dialogs.show_about(
            self,
            "About Overlap",
            f"<h3>Overlap {VERSION}</h3><p>Account mapping and co-selling, offline. "
            "Your lists stay on this computer.</p>"
            f"<p>Settings: {self.settings.path}<br>Logs: {engine_paths().log_dir()}</p>",
        )

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set_geometry(self.saveGeometry())
        self.settings.sync()
        self.ops.shutdown()
        super().closeEvent(event)

    def style_icon(self, standard: QStyle.StandardPixmap) -> QIcon:
        return self.style().standardIcon(standard)
