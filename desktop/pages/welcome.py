"""The welcome page: start a workspace for our company, open one or a recent one, or the demo."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class WelcomePage(QWidget):
    """Shown while no workspace is open. It knows nothing of the main window: it asks for what
    the user chose by its signals, and the window fills it (``refresh``, ``set_error``)."""

    create_requested = Signal(str, str, list)  # path, our company name, our domains
    open_requested = Signal(str)
    browse_requested = Signal()
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        # Long on purpose: it only makes the page's widgets and lays them out top to bottom, in
        # the order they are read; what they do is in the slots below.
        super().__init__(parent)
        self.setObjectName("page_welcome")
        self.setAccessibleName("Welcome page")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 28, 40, 28)
        outer.setSpacing(14)
        title = QLabel("Welcome to Overlap", self)
        title.setObjectName("welcomeTitle")
        outer.addWidget(title)
        intro = QLabel(
            "Find the accounts you and a partner have in common, agree who leads each one, and "
            "plan the joint work — all on this computer. Your lists never leave it unless you "
            "export them.",
            self,
        )
        intro.setWordWrap(True)
        intro.setObjectName("welcomeIntro")
        outer.addWidget(intro)

        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(12)
        outer.addLayout(grid, 1)

        new_box = QFrame(self)
        new_box.setObjectName("card")
        new_layout = QVBoxLayout(new_box)
        heading = QLabel("Start a new workspace", new_box)
        heading.setObjectName("sectionTitle")
        new_layout.addWidget(heading)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.company_edit = QLineEdit(new_box)
        self.company_edit.setPlaceholderText("e.g. Acme Corp")
        self.company_edit.setAccessibleName("Our company name")
        self.domains_edit = QLineEdit(new_box)
        self.domains_edit.setPlaceholderText("e.g. acme.com, acme.io")
        self.domains_edit.setAccessibleName("Our web domains")
        self.folder_edit = QLineEdit(new_box)
        self.folder_edit.setAccessibleName("Folder for the workspace file")
        self.folder_button = QPushButton("Browse…", new_box)
        self.folder_button.setAccessibleName("Choose the folder for the workspace file")
        self.folder_button.clicked.connect(self._on_browse_folder_clicked)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.folder_button)
        form.addRow("Our company:", self.company_edit)
        form.addRow("Our domains:", self.domains_edit)
        form.addRow("Save in folder:", folder_row)
        new_layout.addLayout(form)
        self.create_button = QPushButton("Create workspace", new_box)
        self.create_button.setObjectName("primaryButton")
        self.create_button.setAccessibleName("Create workspace")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._on_create_clicked)
        self.company_edit.returnPressed.connect(self._on_create_clicked)
        self.domains_edit.returnPressed.connect(self._on_create_clicked)
        self.error_label = QLabel("", new_box)
        self.error_label.setObjectName("errorText")
        self.error_label.setWordWrap(True)
        new_layout.addWidget(self.error_label)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.create_button)
        new_layout.addLayout(row)
        new_layout.addStretch(1)
        grid.addWidget(new_box, 0, 0)

        open_box = QFrame(self)
        open_box.setObjectName("card")
        open_layout = QVBoxLayout(open_box)
        heading = QLabel("Open", open_box)
        heading.setObjectName("sectionTitle")
        open_layout.addWidget(heading)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open a workspace…", open_box)
        self.open_button.setAccessibleName("Open a workspace file")
        self.open_button.clicked.connect(self.browse_requested)
        self.demo_button = QPushButton("Open the demo", open_box)
        self.demo_button.setAccessibleName("Open the demo workspace (Acme Corp and Globex)")
        self.demo_button.setToolTip(
            "Acme Corp's Salesforce export mapped against Globex's HubSpot export"
        )
        self.demo_button.clicked.connect(self.demo_requested)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        open_layout.addLayout(buttons)
        recent_label = QLabel("Recent workspaces", open_box)
        open_layout.addWidget(recent_label)
        self.recent_list = QListWidget(open_box)
        self.recent_list.setAccessibleName("Recent workspaces")
        self.recent_list.itemActivated.connect(self._on_recent_activated)
        recent_label.setBuddy(self.recent_list)
        open_layout.addWidget(self.recent_list, 1)
        grid.addWidget(open_box, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        steps = QLabel(
            "<b>The method in five steps:</b> 1 Import both CRM exports · 2 Match the accounts · "
            "3 See the overlaps · 4 Agree who leads · 5 Plan the joint work. "
            "Start small: 20–50 accounts prove the value before you scale.",
            self,
        )
        steps.setWordWrap(True)
        steps.setObjectName("note")
        outer.addWidget(steps)
        self.setTabOrder(self.company_edit, self.domains_edit)
        self.setTabOrder(self.domains_edit, self.folder_edit)
        self.setTabOrder(self.folder_edit, self.folder_button)
        self.setTabOrder(self.folder_button, self.create_button)
        self.setTabOrder(self.create_button, self.open_button)
        self.setTabOrder(self.open_button, self.demo_button)
        self.setTabOrder(self.demo_button, self.recent_list)

    def refresh(self, recent: list[str], default_folder: str) -> None:
        self.recent_list.clear()
        for path in recent:
            item = QListWidgetItem(f"{Path(path).stem}    —    {path}")
            item.setData(Qt.ItemDataRole.UserRole, path)
            item.setToolTip(path)
            self.recent_list.addItem(item)
        if not recent:
            item = QListWidgetItem("No recent workspaces yet")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.recent_list.addItem(item)
        if not self.folder_edit.text():
            self.folder_edit.setText(default_folder)

    def set_error(self, text: str) -> None:
        self.error_label.setText(text)

    @Slot()
    def _on_create_clicked(self) -> None:
        name = self.company_edit.text().strip()
        if not name:
            self.set_error("Enter our company's name first.")
            self.company_edit.setFocus()
            return
        domains = [
            d.strip()
            for d in self.domains_edit.text().replace(";", ",").replace(" ", ",").split(",")
        ]
        folder = Path(self.folder_edit.text().strip() or ".").expanduser()
        stem = (
            "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in name).strip()
            or "workspace"
        )
        self.set_error("")
        self.create_requested.emit(str(folder / f"{stem}.overlap"), name, [d for d in domains if d])

    @Slot()
    def _on_browse_folder_clicked(self) -> None:
        from desktop import dialogs

        folder = dialogs.choose_folder(
            self, "Folder for the workspace file", self.folder_edit.text().strip()
        )
        if folder:
            self.folder_edit.setText(folder)

    @Slot(QListWidgetItem)
    def _on_recent_activated(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if path:
            self.open_requested.emit(str(path))
