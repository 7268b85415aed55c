"""Step 1, import: a CRM export of ours or the partner's, its column mapping, preview and checks."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.models.frame import RAW_ROLE, Column, FrameModel
from desktop.operations.formats import count, field_label
from desktop.pages.base import Page
from desktop.widgets.table import ROW_HEIGHT, DataTable

EXPORT_FILTERS = "CRM exports (*.csv *.tsv *.txt *.xlsx *.xls *.ods);;All files (*)"
# Standard fields in the order a user reads them; "" keeps the column as an extra one.
FIELDS = (
    "name",
    "domains",
    "external_id",
    "industry",
    "annual_revenue",
    "employees",
    "country",
    "city",
    "stage",
    "owner",
    "deal_size",
    "deal_close_date",
    "priority",
    "first_touch",
)
KEEP = "(keep as extra column)"
# What a person reads for a field (the template's words) → the field.
_BY_LABEL = {field_label(f): f for f in FIELDS}


Index = QModelIndex | QPersistentModelIndex


class ColumnMappingModel(QAbstractTableModel):
    """The export's columns with the standard field each one feeds; the field is editable."""

    HEADER, SAMPLES, FIELD, CONFIDENCE, REASON = range(5)
    TITLES = ("Column in the file", "Sample values", "Field", "Confidence", "Why")

    mapping_edited = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, frame: Any) -> None:
        self.beginResetModel()
        self.rows = frame.to_dict("records") if frame is not None else []
        self.endResetModel()

    def overrides(self) -> dict[str, Any]:
        """Every standard field → its column(s); "" for a field no column feeds."""
        chosen: dict[str, list[str]] = {f: [] for f in FIELDS}
        for row in self.rows:
            if row["field"]:
                chosen[row["field"]].append(row["header"])
        out: dict[str, Any] = {}
        for field, headers in chosen.items():
            if field == "domains":
                out[field] = headers
            else:
                out[field] = headers[0] if headers else ""
        return out

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.TITLES)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.HEADER:
                return row["header"]
            if column == self.SAMPLES:
                return row["samples"]
            if column == self.FIELD:
                return field_label(row["field"]) if row["field"] else KEEP
            if column == self.CONFIDENCE:
                return f"{row['confidence']}%" if row["field"] else ""
            return row["reason"]
        if role == RAW_ROLE:
            return row["confidence"] if column == self.CONFIDENCE else self.data(index)
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.SAMPLES, self.REASON):
            return row["samples"] if column == self.SAMPLES else row["reason"]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.CONFIDENCE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != self.FIELD or role != Qt.ItemDataRole.EditRole:
            return False
        field = "" if value in (KEEP, None) else _BY_LABEL.get(str(value), str(value))
        if field and field not in FIELDS:
            return False
        row = self.rows[index.row()]
        if row["field"] == field:
            return False
        row["field"] = field
        row["confidence"] = 100 if field else 0
        row["reason"] = "chosen by you" if field else "left out by you"
        # One column per field (domains aside): a field chosen here leaves its other column.
        if field and field != "domains":
            for number, other in enumerate(self.rows):
                if other is not row and other["field"] == field:
                    other["field"] = ""
                    other["confidence"] = 0
                    other["reason"] = "left out by you"
                    changed = self.index(number, self.FIELD)
                    self.dataChanged.emit(changed, self.index(number, self.REASON))
        self.dataChanged.emit(
            self.index(index.row(), self.FIELD), self.index(index.row(), self.REASON)
        )
        self.mapping_edited.emit()
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.TITLES[section] if 0 <= section < len(self.TITLES) else None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.FIELD:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags


class FieldDelegate(QStyledItemDelegate):
    """A combo box of the standard fields in the mapping table's field column."""

    def createEditor(self, parent: QWidget, _option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.addItems([KEEP, *(field_label(f) for f in FIELDS)])
        combo.setAccessibleName(f"Field for column {index.sibling(index.row(), 0).data()}")
        combo.activated.connect(partial(self._commit, combo))
        return combo

    def _commit(self, combo: QComboBox, _index: int) -> None:
        self.commitData.emit(combo)

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


class PreviewModel(FrameModel):
    """The first standardized rows, as they will be saved."""

    COLUMNS = (
        Column("row_number", "Row", "number"),
        Column("name", field_label("name")),
        Column("domains", field_label("domains")),
        Column("stage", field_label("stage")),
        Column("stage_raw", "Stage in file"),
        Column("industry", field_label("industry")),
        Column("country", field_label("country")),
        Column("annual_revenue", field_label("annual_revenue"), "money"),
        Column("deal_size", field_label("deal_size"), "money"),
        Column("owner", field_label("owner")),
        Column("external_id", field_label("external_id")),
    )


class RejectedModel(FrameModel):
    """Rows that did not become accounts, with why."""

    COLUMNS = (
        Column("row_number", "Row", "number"),
        Column("reason", "Reason"),
        Column("raw_json", "Values in the file"),
    )


class DuplicatesModel(FrameModel):
    COLUMNS = (
        Column("row_number", "Row", "number"),
        Column("kind", "Duplicate of"),
        Column("value", "Value"),
        Column("first_row", "First seen in row", "number"),
    )


class DropZone(QFrame):
    """Accepts a dropped export file."""

    file_dropped = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setAccessibleName("Drop a CRM export here")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            self.setProperty("dragging", True)
            self.style().polish(self)
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: Any) -> None:
        self.setProperty("dragging", False)
        self.style().polish(self)

    def dropEvent(self, event: QDropEvent) -> None:
        self.setProperty("dragging", False)
        self.style().polish(self)
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.file_dropped.emit(url.toLocalFile())
                event.acceptProposedAction()
                return


class ImportPage(Page):
    key = "import"
    title = "Import"
    number = 1
    heading = "bring in {us}'s and {partner}'s account lists"
    help_text = (
        "Export the accounts from each CRM (Salesforce, HubSpot, Dynamics, Pipedrive, a "
        "spreadsheet…) and import them here, ours and the partner's. Overlap proposes which column "
        "is which standard field; check it, change what is wrong, and look at the rejected rows. "
        "Best practice: agree with the partner which fields to share (name, web site, stage, "
        "owner) "
        "and send them the template if they have no CRM export."
    )
    next_label = "Next: match the accounts ›"
    next_key = "match"

    def __init__(self, window: Any) -> None:
        # Long on purpose: it only makes the page's widgets and lays them out top to bottom, in
        # the order they are read; what they do is in the slots below.
        super().__init__(window)
        self.preview: Any = None
        self.path: str | None = None
        self.sheet: str | None = None
        # What the user has confirmed for the import under way: (replace, same_file).
        self._confirmed = (False, False)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(350)
        self._preview_timer.timeout.connect(self.refresh_preview)
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)

        self.sides_label = QLabel("", self.body)
        self.sides_label.setObjectName("note")
        self.sides_label.setWordWrap(True)
        self.sides_label.setAccessibleName("What each side has imported")
        layout.addWidget(self.sides_label)

        self.drop = DropZone(self.body)
        self.drop.file_dropped.connect(self.load_file)
        drop_layout = QHBoxLayout(self.drop)
        drop_layout.setContentsMargins(12, 8, 12, 8)
        side_label = QLabel("Import for:", self.drop)
        self.side_combo = QComboBox(self.drop)
        self.side_combo.setAccessibleName("Whose accounts the file holds")
        self.side_combo.setMinimumWidth(160)
        side_label.setBuddy(self.side_combo)
        drop_layout.addWidget(side_label)
        drop_layout.addWidget(self.side_combo)
        self.file_label = QLabel("Drop a CRM export here, or", self.drop)
        self.file_label.setWordWrap(True)
        drop_layout.addWidget(self.file_label, 1)
        self.choose_button = QPushButton("Choose a file…", self.drop)
        self.choose_button.setAccessibleName("Choose an export file")
        self.choose_button.clicked.connect(self.choose_file)
        drop_layout.addWidget(self.choose_button)
        self.sheet_combo = QComboBox(self.drop)
        self.sheet_combo.setAccessibleName("Sheet of the workbook")
        self.sheet_combo.setVisible(False)
        self.sheet_combo.activated.connect(self._on_sheet_chosen)
        drop_layout.addWidget(self.sheet_combo)
        layout.addWidget(self.drop)

        self.validation_label = QLabel("", self.body)
        self.validation_label.setWordWrap(True)
        self.validation_label.setAccessibleName("Validation summary")
        layout.addWidget(self.validation_label)

        self.tabs = QTabWidget(self.body)
        self.tabs.setAccessibleName("Import details")
        self.mapping_model = ColumnMappingModel(self)
        self.mapping_model.mapping_edited.connect(self._on_mapping_edited)
        self.mapping_table = QTableView(self.tabs)
        self.mapping_table.setObjectName("columnMapping")
        self.mapping_table.setAccessibleName("Column mapping")
        self.mapping_table.setModel(self.mapping_model)
        self.mapping_table.setItemDelegateForColumn(
            ColumnMappingModel.FIELD, FieldDelegate(self.mapping_table)
        )
        self.mapping_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.mapping_table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.mapping_table.setWordWrap(False)
        vertical = self.mapping_table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT + 6)
        vertical.hide()
        horizontal = self.mapping_table.horizontalHeader()
        horizontal.setStretchLastSection(True)
        for column, width in ((0, 190), (1, 260), (2, 190), (3, 100)):
            self.mapping_table.setColumnWidth(column, width)
        self.tabs.addTab(self.mapping_table, "Column mapping")
        self.preview_model = PreviewModel()
        self.preview_table = DataTable(self.preview_model, "Standardized preview", self.tabs)
        self.tabs.addTab(self.preview_table, "Preview")
        self.rejected_model = RejectedModel()
        self.rejected_table = DataTable(self.rejected_model, "Rejected rows", self.tabs)
        self.rejected_table.set_widths({"row_number": 70, "reason": 220})
        self.tabs.addTab(self.rejected_table, "Rejected rows")
        self.duplicates_model = DuplicatesModel()
        self.duplicates_table = DataTable(self.duplicates_model, "Possible duplicates", self.tabs)
        self.tabs.addTab(self.duplicates_table, "Possible duplicates")
        layout.addWidget(self.tabs, 1)

        actions = QHBoxLayout()
        self.template_button = QPushButton("Export the template…", self.body)
        self.template_button.setAccessibleName(
            "Export the import template for a partner without a CRM"
        )
        self.template_button.clicked.connect(self.export_template)
        self.profile_button = QPushButton("Save mapping as profile…", self.body)
        self.profile_button.setAccessibleName("Save this column mapping as a profile")
        self.profile_button.clicked.connect(self.save_profile)
        self.import_button = QPushButton("Import", self.body)
        self.import_button.setObjectName("primaryButton")
        self.import_button.setAccessibleName("Import the file")
        self.import_button.clicked.connect(self.run_import)
        actions.addWidget(self.template_button)
        self.private_button = QPushButton("Private matching…", self.body)
        self.private_button.setAccessibleName(
            "Private matching: map accounts with the partner without exchanging lists"
        )
        self.private_button.setToolTip(
            "Each side imports only its own export; three e-mailed files find the shared "
            "accounts. Private matching finds exact name and domain matches only."
        )
        self.private_button.clicked.connect(self.open_private_matching)
        actions.addWidget(self.private_button)
        actions.addStretch(1)
        actions.addWidget(self.profile_button)
        actions.addWidget(self.import_button)
        layout.addLayout(actions)
        self._set_file_actions(False)
        self.setTabOrder(self.side_combo, self.choose_button)
        self.setTabOrder(self.choose_button, self.tabs)

    # ------------------------------------------------------------------ state

    def _set_file_actions(self, enabled: bool) -> None:
        self.import_button.setEnabled(enabled)
        self.profile_button.setEnabled(enabled)

    def reload(self) -> None:
        from desktop.operations.importing import import_status

        self._fill_sides()
        self.ops.run(
            "Reading imports",
            partial(import_status, partner_id=self.partner.id if self.partner else None),
            on_success=self._on_status,
            on_failure=self.show_error,
        )

    def _fill_sides(self) -> None:
        current = self.side_combo.currentData()
        self.side_combo.blockSignals(True)
        self.side_combo.clear()
        self.side_combo.addItem(f"{self.us_name} (us)", "us")
        if self.partner is not None:
            self.side_combo.addItem(f"{self.partner.name} (partner)", self.partner.name)
        index = self.side_combo.findData(current) if current else -1
        self.side_combo.setCurrentIndex(max(0, index))
        self.side_combo.blockSignals(False)

    def _on_status(self, sides: list[Any]) -> None:
        parts = []
        missing = []
        for side in sides:
            if side.private:
                parts.append(
                    f"<b>{side.label}</b>: {side.accounts:,} shared accounts by private "
                    f"matching ({side.imported_at})"
                )
            elif side.file_name:
                extra = f", {side.rejected:,} rejected" if side.rejected else ""
                parts.append(
                    f"<b>{side.label}</b>: {side.accounts:,} accounts from {side.file_name} "
                    f"({side.imported_at}{extra})"
                )
            else:
                parts.append(f"<b>{side.label}</b>: not imported yet")
                missing.append(side)
        self.sides_label.setText("  ·  ".join(parts))
        if missing and self.path is None:
            index = self.side_combo.findData(missing[0].side)
            if index >= 0:
                self.side_combo.setCurrentIndex(index)
        private = next((s for s in sides if s.private), None)
        if private is not None:
            self.footer_note.setText(
                f"Private matching: {private.accounts:,} shared accounts with {private.label}; "
                "their other accounts stay with them."
            )
        elif not missing and len(sides) == 2:
            self.footer_note.setText(
                "Both lists are in. Import a newer export any time to refresh."
            )
        elif self.partner is None:
            self.footer_note.setText("Add a partner (top right) to import their list.")
        else:
            self.footer_note.setText(
                "Import " + " and ".join(s.label for s in missing) + " to go on."
            )

    # ------------------------------------------------------------------ choosing a file

    @Slot()
    def choose_file(self) -> None:
        path = dialogs.choose_open_file(self, "Choose a CRM export", EXPORT_FILTERS)
        if path:
            self.load_file(path)

    @Slot(str)
    def load_file(self, path: str) -> None:
        self.path = path
        self.sheet = None
        self.mapping_model.set_rows(None)
        self.file_label.setText(f"<b>{Path(path).name}</b>")
        self.refresh_preview(proposed=True)

    @Slot(int)
    def _on_sheet_chosen(self, _index: int) -> None:
        self.sheet = self.sheet_combo.currentText() or None
        self.refresh_preview(proposed=True)

    @Slot()
    def _on_mapping_edited(self) -> None:
        self._preview_timer.start()

    @Slot()
    def refresh_preview(self, proposed: bool = False) -> None:
        from desktop.operations.importing import preview_import

        if not self.path:
            return
        overrides = (
            None if proposed or not self.mapping_model.rows else self.mapping_model.overrides()
        )
        self._set_file_actions(False)
        self.validation_label.setText("Reading the file…")
        self.ops.run(
            f"Reading {Path(self.path).name}",
            partial(preview_import, path=self.path, sheet=self.sheet, overrides=overrides),
            on_success=self._on_preview,
            on_failure=self._on_preview_failed,
        )

    def _on_preview(self, preview: Any) -> None:
        if preview.path != self.path:
            return
        self.preview = preview
        self.sheet = preview.sheet
        self.sheet_combo.setVisible(len(preview.sheets) > 1)
        self.sheet_combo.clear()
        self.sheet_combo.addItems(list(preview.sheets))
        if preview.sheet:
            self.sheet_combo.setCurrentText(preview.sheet)
        self.mapping_model.set_rows(preview.columns)
        for row in range(self.mapping_model.rowCount()):
            self.mapping_table.openPersistentEditor(
                self.mapping_model.index(row, ColumnMappingModel.FIELD)
            )
        self.preview_model.set_frame(preview.accounts)
        self.rejected_model.set_frame(preview.rejected)
        self.duplicates_model.set_frame(preview.duplicates)
        s = preview.summary
        self.tabs.setTabText(2, f"Rejected rows ({count(s['rejected'])})")
        self.tabs.setTabText(3, f"Possible duplicates ({count(s['duplicates'])})")
        missing = ", ".join(field_label(f) for f in s["fields_not_found"]) or "none"
        lines = [
            f"<b>{count(s['imported'])}</b> accounts ready · <b>{count(s['rejected'])}</b> "
            f"rejected · {count(s['duplicates'])} possible duplicates · "
            f"{count(s['with_domains'])} with a web domain",
            f"Fields mapped: {len(s['fields_mapped'])} · not found: {missing}",
        ]
        lines += [f"⚠ {w}" for w in s.get("warnings", [])]
        lines += [f"ℹ {n}" for n in preview.notes]
        self.validation_label.setText("<br>".join(lines))
        self._set_file_actions(True)
        self.import_button.setText(
            f"Import {count(s['imported'])} accounts for {self.side_combo.currentText()}"
        )

    def _on_preview_failed(self, kind: str, message: str) -> None:
        self.validation_label.setText(f"<span style='color:#b42318'>{message}</span>")
        self._set_file_actions(False)

    # ------------------------------------------------------------------ importing

    @Slot()
    def run_import(self) -> None:
        self._import(replace=False, same_file=False)

    def _import(self, *, replace: bool, same_file: bool) -> None:
        from desktop.operations.importing import run_import

        if not self.path or self.preview is None:
            return
        self._confirmed = (replace, same_file)
        side = self.side_combo.currentData()
        self._set_file_actions(False)
        self.ops.run(
            f"Importing {Path(self.path).name}",
            partial(
                run_import,
                side=side,
                path=self.path,
                sheet=self.sheet,
                overrides=self.mapping_model.overrides(),
                replace=replace,
                same_file=same_file,
            ),
            on_success=self._on_imported,
            on_failure=self._on_import_failed,
            changes=("accounts",),
        )

    def confirm_replace(self, question: str) -> bool:
        """Whether to import an export with under half the accounts of the current list."""
        return dialogs.confirm(self, "Replace the list?", question)

    def confirm_same_file(self, question: str) -> bool:
        """Whether to import the very file that is the other side's current list."""
        return dialogs.confirm(self, "Import anyway?", question)

    def _on_imported(self, outcome: Any) -> None:
        if outcome.confirm is not None:
            self._set_file_actions(True)
            replace, same_file = self._confirmed
            if outcome.same_file and self.confirm_same_file(outcome.confirm):
                self._import(replace=replace, same_file=True)
            elif not outcome.same_file and self.confirm_replace(outcome.confirm):
                self._import(replace=True, same_file=same_file)
            else:
                self.validation_label.setText("Not imported; the current list stays as it was.")
            return
        self.validation_label.setText("<br>".join(["<b>Imported.</b>", *outcome.lines]))
        self.path = None
        self.preview = None
        self.file_label.setText("Drop the next export here, or")
        self.import_button.setText("Import")
        self.mapping_model.set_rows(None)

    def _on_import_failed(self, kind: str, message: str) -> None:
        self._set_file_actions(True)
        if kind != "cancelled":
            self.show_error(kind, message)
        else:
            self.validation_label.setText("Import cancelled; nothing was changed.")

    # ------------------------------------------------------------------ profile and template

    @Slot()
    def save_profile(self) -> None:
        from desktop.operations.importing import save_mapping_profile

        if not self.path:
            return
        name = dialogs.ask_text(
            self, "Save the mapping", "Profile name (e.g. Salesforce accounts report):"
        )
        if not name or not name.strip():
            return
        self.ops.run(
            "Saving the mapping profile",
            partial(
                save_mapping_profile,
                name=name.strip(),
                path=self.path,
                sheet=self.sheet,
                overrides=self.mapping_model.overrides(),
            ),
            on_success=self._on_profile_saved,
            on_failure=self.show_error,
        )

    def _on_profile_saved(self, name: str) -> None:
        self.footer_note.setText(
            f"Saved the mapping as “{name}”; files with the same columns will use it."
        )

    @Slot()
    def open_private_matching(self) -> None:
        """The walk-through of private matching with the current partner."""
        from desktop.pages.private_matching import open_private_matching

        if self.partner is None:
            self.footer_note.setText("Add a partner (top right) to match privately.")
            return
        self.private_dialog = open_private_matching(self)

    def export_template(self) -> None:
        from desktop.operations.importing import write_import_template

        path = dialogs.choose_save_file(
            self, "Export the template", "Excel (*.xlsx);;CSV (*.csv)", "overlap-template.xlsx"
        )
        if not path:
            return
        if Path(path).suffix.lower() not in (".xlsx", ".csv"):
            path += ".xlsx"
        self.ops.run(
            "Writing the template",
            partial(write_import_template, path=path),
            on_success=self._on_template_written,
            on_failure=self.show_error,
        )

    def _on_template_written(self, path: str) -> None:
        self.footer_note.setText(
            f"Template written to {path}. Send it to a partner without a CRM export."
        )
        self.show_saved(path)

    def data_changed(self, what: str) -> None:
        if what in ("accounts", "workspace"):
            super().data_changed(what)
