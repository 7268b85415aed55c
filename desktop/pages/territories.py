"""Territories: which accounts each pair of reps covers, and where the overlap is, per territory.

Adding, changing and removing a territory are ``QUndoCommand``s on the page's stack: Edit >
Undo (Ctrl+Z) removes an added territory, puts a changed one back as it was and restores a
removed one, through the operations layer. A change is saved first and pushed on the stack only
once the engine accepted it, so a refused territory (an overlap, a band that holds nothing)
leaves nothing to undo; its reason shows under the editor.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.models.frame import Column, FrameModel
from desktop.pages.base import Page, note, section
from desktop.widgets.table import DataTable

NO_TERRITORY = "(no territory)"
OUTSIDE = QBrush(QColor("#e6e9ef"))


class TerritoriesModel(FrameModel):
    """A partnership's territories with their reps and accounts, the accounts in none last."""

    TERRITORY, OURS_ONLY, SHARED, PARTNER_ONLY, POTENTIAL, OUR_REP, PARTNER_REP, DEFINITION = range(
        8
    )
    COLUMNS = (
        Column("territory", "Territory"),
        Column("ours_only", "Ours only", "number", "Our accounts the partner does not have"),
        Column("shared", "Shared", "number", "Accounts both companies have"),
        Column("partner_only", "Partner only", "number", "The partner's accounts we do not have"),
        Column(
            "shared_potential",
            "Potential",
            "money",
            "Deal value of the shared accounts: open deal sizes, else our won deals at similar "
            "accounts",
        ),
        Column("our_rep", "Our rep"),
        Column("partner_rep", "Their rep"),
        Column("definition", "Covers"),
    )


class SaveTerritoryCommand(QUndoCommand):
    """A territory added or changed; undo removes it, or puts the earlier definition back."""

    def __init__(self, page: TerritoriesPage, saved: Any, previous: Any | None) -> None:
        text = (
            f"Add territory {saved.name}"
            if previous is None
            else f"Change territory {previous.name}"
        )
        super().__init__(text)
        self.page = page
        self.partner = page.partner_name
        self.saved = saved
        self.previous = previous
        self._saved_already = True  # the page saved it before pushing this command

    def redo(self) -> None:
        from desktop.operations.territories import save_partner_territory

        if self._saved_already:
            self._saved_already = False
            return
        replacing = self.previous.name if self.previous is not None else None
        self.page.run_change(
            self.text(),
            partial(
                save_partner_territory,
                partner=self.partner,
                definition=self.saved,
                replacing=replacing,
            ),
        )

    def undo(self) -> None:
        from desktop.operations.territories import remove_partner_territory, save_partner_territory

        if self.previous is None:
            job = partial(remove_partner_territory, partner=self.partner, name=self.saved.name)
        else:
            job = partial(
                save_partner_territory,
                partner=self.partner,
                definition=self.previous,
                replacing=self.saved.name,
            )
        self.page.run_change(f"Undo {self.text()}", job)


class RemoveTerritoryCommand(QUndoCommand):
    """A territory removed; undo adds it back as it was."""

    def __init__(self, page: TerritoriesPage, removed: Any) -> None:
        super().__init__(f"Remove territory {removed.name}")
        self.page = page
        self.partner = page.partner_name
        self.removed = removed
        self._removed_already = True

    def redo(self) -> None:
        from desktop.operations.territories import remove_partner_territory

        if self._removed_already:
            self._removed_already = False
            return
        self.page.run_change(
            self.text(),
            partial(remove_partner_territory, partner=self.partner, name=self.removed.name),
        )

    def undo(self) -> None:
        from desktop.operations.territories import save_partner_territory

        self.page.run_change(
            f"Undo {self.text()}",
            partial(
                save_partner_territory,
                partner=self.partner,
                definition=self.removed,
                replacing=None,
            ),
        )


def _band_edit(parent: QWidget, name: str, example: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setPlaceholderText("any")
    edit.setToolTip(f"{name}, e.g. {example}; empty: any")
    edit.setAccessibleName(name)
    edit.setMinimumWidth(70)
    edit.setMaximumWidth(120)
    return edit


def _bound_text(value: float | None) -> str:
    """A band's bound as the editor shows it: 1500000 → "1.5M", 9999999 → "9999999"."""
    if value is None:
        return ""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        scaled = value / size
        if scaled >= 1 and round(scaled, 3) == scaled:
            return f"{scaled:g}{suffix}"
    return f"{int(value)}" if float(value).is_integer() else f"{value:g}"


class TerritoriesPage(Page):
    key = "territories"
    title = "Territories"
    heading = "which accounts each pair of reps covers, and where the overlap is"
    help_text = (
        "A <b>territory</b> is the slice of accounts one rep on each side covers: by country or "
        "region, state, industry and size (annual revenue or employees). Each account is in one "
        "territory at most, so two territories that could hold the same account are refused. "
        "A field left empty covers any value; a size band holds its lower bound but not its "
        "upper one (200 to under 1,000 employees, then 1,000 to under 5,000). For a shared account "
        "our export's values count, the partner's where ours are empty. The table shows, per "
        "territory, where the overlap is; pick a territory on the Overlaps and Plans pages to "
        "see its matrix, opportunities, shortlist and plans."
    )
    next_label = "Next: a territory's overlaps ›"
    next_key = "overlaps"

    def __init__(self, window: Any) -> None:
        self.stack = QUndoStack()
        super().__init__(window)
        self.stack.setParent(self)
        self.view: Any = None
        self.editing: str | None = None  # the territory in the editor; None: a new one
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Horizontal, self.body)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter)

        left = self._build_table(splitter)

        scroll = QScrollArea(splitter)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        editor = QWidget(scroll)
        editor.setObjectName("pageBody")
        editor.setAccessibleName("Territory editor")
        form_layout = QVBoxLayout(editor)
        self.editor_title = section("New territory", editor)
        form_layout.addWidget(self.editor_title)
        form_layout.addLayout(self._build_fields(editor))
        self.error_label = QLabel("", editor)
        self.error_label.setObjectName("errorText")
        self.error_label.setWordWrap(True)
        self.error_label.setAccessibleName("Why the territory was not saved")
        self.error_label.hide()
        form_layout.addWidget(self.error_label)
        actions = QHBoxLayout()
        actions.addStretch(1)
        self.save_button = QPushButton("Add territory", editor)
        self.save_button.setObjectName("primaryButton")
        self.save_button.setAccessibleName("Save the territory")
        self.save_button.setToolTip("Save the territory (Enter in any field)")
        self.save_button.clicked.connect(self.save)
        actions.addWidget(self.save_button)
        form_layout.addLayout(actions)
        self.rules_note = note(
            "Empty fields cover any value. A band holds its first figure, not the one after "
            "“to under”: 200 to under 1,000, then 1,000 to under 5,000. Lists are "
            "comma-separated; countries are ISO codes or names; regions are NA, LATAM, EMEA, "
            "APAC, Europe, DACH, Nordics, Benelux, UKI, ANZ… Amounts may be written 250k or 1.5M.",
            editor,
        )
        form_layout.addWidget(self.rules_note)
        self.states_note = note("", editor)
        form_layout.addWidget(self.states_note)
        form_layout.addStretch(1)
        for edit in self.edits:
            edit.returnPressed.connect(self.save)
        scroll.setWidget(editor)
        self.editor = editor
        self.editor_scroll = scroll
        # The editor scrolls down on a small window, never sideways.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(editor.minimumSizeHint().width() + 16)
        left.setMinimumWidth(300)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 2)
        # The table first: on a laptop screen every column up to both reps is in view.
        splitter.setSizes([800, 330])
        self.remove_button.setEnabled(False)

    def _build_table(self, splitter: QSplitter) -> QWidget:
        """The territories and their accounts, on the left, with New and Remove."""
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.counts_label = QLabel("", left)
        self.counts_label.setWordWrap(True)
        left_layout.addWidget(self.counts_label)
        self.model = TerritoriesModel()
        self.model.set_row_brush(self._row_brush)
        self.table = DataTable(self.model, "Territories and their accounts", left)
        self.table.set_widths(
            {
                "territory": 140,
                "ours_only": 80,
                "shared": 64,
                "partner_only": 92,
                "shared_potential": 92,
                "our_rep": 110,
                "partner_rep": 110,
                "definition": 220,
            }
        )
        # What a territory covers reads in full in the form beside and in the cell's tooltip.
        self.table.squeeze_first({"definition": 90, "territory": 110})
        self.table.selectionModel().currentRowChanged.connect(self._on_row_selected)
        left_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New territory", left)
        self.new_button.setAccessibleName("Start a new territory in the editor")
        self.new_button.clicked.connect(self.new_territory)
        self.remove_button = QPushButton("Remove", left)
        self.remove_button.setAccessibleName("Remove the selected territory")
        self.remove_button.setToolTip("Remove the selected territory (Delete); Ctrl+Z undoes it")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.remove_button)
        left_layout.addLayout(buttons)
        shortcut = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self.remove_selected)
        splitter.addWidget(left)
        return left

    def _build_fields(self, editor: QWidget) -> QFormLayout:
        """The editor's fields: name, places, industries, bands and the reps."""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_edit = QLineEdit(editor)
        self.name_edit.setAccessibleName("Territory name")
        self.name_edit.setPlaceholderText("e.g. US West")
        self.places_edit = QLineEdit(editor)
        self.places_edit.setAccessibleName("Countries or regions")
        self.places_edit.setPlaceholderText("e.g. US, Canada, EMEA, DACH")
        self.states_edit = QLineEdit(editor)
        self.states_edit.setAccessibleName("States or provinces")
        self.states_edit.setPlaceholderText("e.g. CA, WA, Oregon")
        self.industries_edit = QLineEdit(editor)
        self.industries_edit.setAccessibleName("Industries")
        self.industries_edit.setPlaceholderText("e.g. Software, Retail")
        self.revenue_from = _band_edit(editor, "Annual revenue from", "1M")
        self.revenue_to = _band_edit(editor, "Annual revenue up to, not included", "50M")
        self.employees_from = _band_edit(editor, "Employees from", "200")
        self.employees_to = _band_edit(editor, "Employees up to, not included", "1000")
        self.our_rep_edit = QLineEdit(editor)
        self.our_rep_edit.setAccessibleName("Our rep for the territory")
        self.partner_rep_edit = QLineEdit(editor)
        self.partner_rep_edit.setAccessibleName("The partner's rep for the territory")
        self.edits = (
            self.name_edit,
            self.places_edit,
            self.states_edit,
            self.industries_edit,
            self.revenue_from,
            self.revenue_to,
            self.employees_from,
            self.employees_to,
            self.our_rep_edit,
            self.partner_rep_edit,
        )
        form.addRow("Name:", self.name_edit)
        form.addRow("Countries or regions:", self.places_edit)
        form.addRow("States or provinces:", self.states_edit)
        form.addRow("Industries:", self.industries_edit)
        for label, low, high in (
            ("Annual revenue:", self.revenue_from, self.revenue_to),
            ("Employees:", self.employees_from, self.employees_to),
        ):
            row = QHBoxLayout()
            row.addWidget(low, 1)
            row.addWidget(QLabel("to under", editor))
            row.addWidget(high, 1)
            form.addRow(label, row)
        self.our_rep_label = QLabel("Our rep:", editor)
        self.partner_rep_label = QLabel("Their rep:", editor)
        form.addRow(self.our_rep_label, self.our_rep_edit)
        form.addRow(self.partner_rep_label, self.partner_rep_edit)
        return form

    # ------------------------------------------------------------------ loading

    def undo_stack(self) -> QUndoStack:
        return self.stack

    def set_heading(self) -> None:
        super().set_heading()
        if hasattr(self, "our_rep_label"):
            self.our_rep_label.setText(f"{self.us_name} rep:")
            self.partner_rep_label.setText(f"{self.partner_name} rep:")

    def reload(self) -> None:
        from desktop.operations.territories import load_territories

        self.load_for_partner("Reading territories", load_territories, self._on_loaded)

    def data_changed(self, what: str) -> None:
        if what in ("territories", "matches", "decisions", "accounts", "workspace"):
            super().data_changed(what)

    def _on_loaded(self, view: Any) -> None:
        self.view = view
        self.model.set_frame(view.summary)
        frame = view.summary
        defined = len(view.definitions)
        outside = frame[frame["territory"] == NO_TERRITORY].iloc[0]
        inside_shared = int(frame["shared"].sum() - outside["shared"])
        total_shared = int(frame["shared"].sum())
        self.counts_label.setText(
            f"{defined} territor{'y' if defined == 1 else 'ies'}; they hold {inside_shared:,} of "
            f"{total_shared:,} shared accounts."
            if defined
            else "No territories yet: describe the first one in the editor on the right."
        )
        sources = view.state_sources
        missing = [
            who
            for who, side in ((self.us_name, "us"), (self.partner_name, "partner"))
            if not sources.get(side)
        ]
        found = [
            f"'{sources[side]}' ({who})"
            for who, side in ((self.us_name, "us"), (self.partner_name, "partner"))
            if sources.get(side)
        ]
        text = f"States are read from the column {' and '.join(found)}." if found else ""
        if missing:
            text += (
                f" {' and '.join(missing)}: no state column in the export, so those accounts "
                "are in no territory that names states."
            )
        self.states_note.setText(text.strip())
        self.footer_note.setText(
            "Where the overlap is: the shared column. Pick a territory on the Overlaps page to "
            "see its matrix and opportunities."
            if defined
            else "Territories are optional; they split the mapping between pairs of reps."
        )
        self._select(self.editing)

    def _row_brush(self, frame_row: int) -> QBrush | None:
        frame = self.model.frame
        if frame is not None and frame["territory"].iat[frame_row] == NO_TERRITORY:
            return OUTSIDE
        return None

    def _select(self, name: str | None) -> None:
        frame = self.model.frame
        if frame is None or name is None:
            return
        for row in range(self.model.rowCount()):
            if frame["territory"].iat[self.model.frame_row(row)] == name:
                index = self.table.proxy.mapFromSource(self.model.index(row, 0))
                self.table.selectionModel().blockSignals(True)
                self.table.setCurrentIndex(index)
                self.table.selectionModel().blockSignals(False)
                return

    def definition(self, name: str | None) -> Any:
        """The definition of the territory ``name`` as last read, or None."""
        if self.view is None or name is None:
            return None
        return next((d for d in self.view.definitions if d.name == name), None)

    # ------------------------------------------------------------------ editor

    def _on_row_selected(self, current: Any, _previous: Any) -> None:
        if not current.isValid():
            return
        record = self.model.record(self.table.proxy.mapToSource(current).row())
        found = self.definition(str(record["territory"]))
        if found is None:
            self.new_territory()
        else:
            self.edit(found)

    def edit(self, definition: Any) -> None:
        """Show ``definition`` in the editor, to change it."""
        self.editing = definition.name
        self.editor_title.setText(f"Territory: {definition.name}")
        self.save_button.setText("Save changes")
        self.name_edit.setText(definition.name)
        self.places_edit.setText(", ".join(definition.places()))
        self.states_edit.setText(", ".join(definition.states))
        self.industries_edit.setText(", ".join(definition.industries))
        self.revenue_from.setText(_bound_text(definition.revenue[0]))
        self.revenue_to.setText(_bound_text(definition.revenue[1]))
        self.employees_from.setText(_bound_text(definition.employees[0]))
        self.employees_to.setText(_bound_text(definition.employees[1]))
        self.our_rep_edit.setText(definition.our_rep)
        self.partner_rep_edit.setText(definition.partner_rep)
        self.remove_button.setEnabled(True)
        self._show_error("")

    @Slot()
    def new_territory(self) -> None:
        """Empty the editor for a new territory."""
        self.editing = None
        self.editor_title.setText("New territory")
        self.save_button.setText("Add territory")
        for edit in self.edits:
            edit.clear()
        self.remove_button.setEnabled(False)
        self.table.clearSelection()
        self._show_error("")
        self.name_edit.setFocus()

    def fields(self) -> dict[str, Any]:
        """The editor's fields as ``engine.define_territory`` takes them."""
        return {
            "name": self.name_edit.text(),
            "countries": self.places_edit.text(),
            "states": self.states_edit.text(),
            "industries": self.industries_edit.text(),
            "revenue": (self.revenue_from.text(), self.revenue_to.text()),
            "employees": (self.employees_from.text(), self.employees_to.text()),
            "our_rep": self.our_rep_edit.text(),
            "partner_rep": self.partner_rep_edit.text(),
        }

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))
        if message:
            self.editor_scroll.ensureWidgetVisible(self.error_label)

    @Slot()
    def save(self) -> None:
        from desktop.operations.territories import save_territory_fields

        if self.partner is None:
            return
        previous = self.definition(self.editing)
        self._show_error("")
        self.ops.run(
            "Saving the territory",
            partial(
                save_territory_fields,
                partner=self.partner.name,
                fields=self.fields(),
                replacing=self.editing,
            ),
            on_success=partial(self._on_saved, previous),
            on_failure=self._on_save_failed,
            changes=("territories",),
        )

    def _on_saved(self, previous: Any, saved: Any) -> None:
        self.stack.push(SaveTerritoryCommand(self, saved, previous))
        self.editing = saved.name
        self.editor_title.setText(f"Territory: {saved.name}")
        self.save_button.setText("Save changes")
        self.remove_button.setEnabled(True)

    def _on_save_failed(self, kind: str, message: str) -> None:
        if kind == "user":
            self._show_error(message[:1].upper() + message[1:])
        elif kind != "cancelled":
            self.show_error(kind, message)

    @Slot()
    def remove_selected(self) -> None:
        from desktop.operations.territories import remove_partner_territory

        found = self.definition(self.editing)
        if found is None or self.partner is None:
            return
        self.ops.run(
            f"Removing territory {found.name}",
            partial(remove_partner_territory, partner=self.partner.name, name=found.name),
            on_success=self._on_removed,
            on_failure=self.show_error,
            changes=("territories",),
        )

    def _on_removed(self, removed: Any) -> None:
        self.stack.push(RemoveTerritoryCommand(self, removed))
        self.new_territory()

    def run_change(self, label: str, job: Any) -> None:
        """Run an undo or redo of a territory change; the table follows what the engine did."""
        self.ops.run(label, job, on_failure=self._on_change_failed, changes=("territories",))

    def _on_change_failed(self, kind: str, message: str) -> None:
        self.show_error(kind, message)
        self.reload()

    def focus_find(self) -> None:
        self.table.setFocus()
