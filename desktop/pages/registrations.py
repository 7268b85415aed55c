"""Deal registrations: who claimed which deal on a shared account, protection, conflicts."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import dialogs
from desktop.dialogs import RegistrationDialog
from desktop.models.frame import mask_contains
from desktop.models.registrations import (
    ConflictsModel,
    RegisteredAccountsModel,
    RegistrationsModel,
)
from desktop.pages.base import Page, note, section
from desktop.widgets.table import DataTable

STATUSES = ("submitted", "approved", "rejected", "expired", "won", "lost")
CONFLICT_BRUSH = QBrush(QColor("#fde8e4"))
CLOSED_BRUSH = QBrush(QColor("#eef0f3"))
# The filter's choices: (label, status or a special key).
FILTERS = (
    ("All statuses", ""),
    ("In conflict", "conflict"),
    *((status.capitalize(), status) for status in STATUSES),
)
# A conflict's fields shown side by side: (label, field).
SIDE_BY_SIDE = (
    ("Registered by", "side"),
    ("Opportunity", "opportunity"),
    ("Amount", "amount"),
    ("Product", "product"),
    ("Expected close", "expected_close"),
    ("Registered on", "registered_on"),
    ("Protected until", "protected_until"),
    ("Status", "status"),
    ("Registration id", "external_id"),
    ("Decision reason", "decision_reason"),
)


class _DoneCommand(QUndoCommand):
    """A command whose first ``redo`` already ran: the job succeeded before it was pushed.

    A failed registration or decision never reaches the undo stack.
    """

    def __init__(self, page: RegistrationsPage, text: str) -> None:
        super().__init__(text)
        self.page = page
        self.partner = page.partner_name
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.again()

    def again(self) -> None:
        raise NotImplementedError


class AddRegistrationCommand(_DoneCommand):
    """Register a deal; undo removes the registration."""

    def __init__(self, page: RegistrationsPage, values: dict[str, Any], state: dict) -> None:
        super().__init__(page, f"Register {values['opportunity']}")
        self.values = values
        self.state = state

    def again(self) -> None:
        from desktop.operations.registrations import add_deal_registration

        self.page.ops.run(
            self.text(),
            partial(add_deal_registration, partner=self.partner, values=self.values),
            on_success=self._on_added,
            on_failure=self.page.show_error,
            changes=("registrations",),
        )

    def _on_added(self, made: Any) -> None:
        self.state["id"] = made.registration.id

    def undo(self) -> None:
        from desktop.operations.registrations import remove_deal_registration

        self.page.ops.run(
            f"Undo {self.text()}",
            partial(remove_deal_registration, state=self.state),
            on_failure=self.page.show_error,
            changes=("registrations",),
        )


class DecideCommand(_DoneCommand):
    """Decide one or more registrations; undo puts their earlier decisions back."""

    def __init__(
        self,
        page: RegistrationsPage,
        text: str,
        decisions: list[tuple[int, str, str | None]],
        state: dict,
    ) -> None:
        super().__init__(page, text)
        self.decisions = decisions
        self.state = state

    def again(self) -> None:
        from desktop.operations.registrations import decide_deal_registrations

        self.page.ops.run(
            self.text(),
            partial(decide_deal_registrations, decisions=self.decisions, state=self.state),
            on_failure=self.page.show_error,
            changes=("registrations",),
        )

    def undo(self) -> None:
        from desktop.operations.registrations import restore_deal_registrations

        self.page.ops.run(
            f"Undo {self.text()}",
            partial(restore_deal_registrations, state=self.state),
            on_failure=self.page.show_error,
            changes=("registrations",),
        )


class RegistrationCard(QFrame):
    """One registration of a conflict, field by field, with the button that keeps it."""

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.title = section(title, self)
        layout.addWidget(self.title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        self.values: dict[str, QLabel] = {}
        for row, (label, name) in enumerate(SIDE_BY_SIDE):
            caption = QLabel(f"{label}:", self)
            caption.setObjectName("note")
            value = QLabel("", self)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(f"{title}: {label}")
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, 1)
            self.values[name] = value
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.keep_button = QPushButton("Keep this one, reject the other…", self)
        self.keep_button.setAccessibleName(f"{title}: keep it and reject the other registration")
        layout.addWidget(self.keep_button)

    def show_registration(self, values: dict[str, str]) -> None:
        for name, label in self.values.items():
            label.setText(values.get(name, "") or "–")


class RegistrationsPage(Page):
    key = "registrations"
    title = "Registrations"
    number = 0
    heading = "deals {us} and {partner} have registered"
    help_text = (
        "A <b>deal registration</b> claims an opportunity on a shared account for one side. It is "
        "<b>protected</b> from the day it is registered through the last day of its protection "
        "period (90 days unless the partnership sets another), then it <b>expires</b> by itself. "
        "Two registrations of one account protected at the same time are a <b>conflict</b>: "
        "compare them side by side and keep one. Approved registrations (and won ones) count as "
        "the side's first touch for the rule <i>introduced first</i> the next time the rules of "
        "engagement are applied. Import a PRM or CRM export, or register deals one by one; "
        "decisions can be undone. Keys in the list: A approves, R rejects, W won, L lost."
    )
    next_label = "Apply them to ownership ›"
    next_key = "ownership"

    def __init__(self, window: Any) -> None:
        self.stack = QUndoStack()
        super().__init__(window)
        self.stack.setParent(self)
        self.view: Any = None
        self.add_dialog: RegistrationDialog | None = None
        self._notice: str | None = None  # what the last import did, shown once reloaded
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)

        bar = QHBoxLayout()
        self.filter_combo = QComboBox(self.body)
        for label, value in FILTERS:
            self.filter_combo.addItem(label, value)
        self.filter_combo.setAccessibleName("Show registrations of this status")
        self.filter_combo.currentIndexChanged.connect(self._apply_filter)
        bar.addWidget(self.filter_combo)
        self.search = QLineEdit(self.body)
        self.search.setPlaceholderText("Find an account or deal")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Find a registration by account or opportunity")
        self.search.setMinimumWidth(200)
        self.search.setMaximumWidth(260)
        self.search.textChanged.connect(self._apply_filter)
        bar.addWidget(self.search)
        self.counts_label = QLabel("", self.body)
        self.counts_label.setWordWrap(True)
        self.counts_label.setAccessibleName("Registration counts")
        bar.addWidget(self.counts_label, 1)
        self.add_button = QPushButton("Register a deal…", self.body)
        self.add_button.setObjectName("primaryButton")
        self.add_button.setAccessibleName("Register a deal on a shared account")
        self.add_button.clicked.connect(self.open_add_dialog)
        bar.addWidget(self.add_button)
        layout.addLayout(bar)

        self.tabs = QTabWidget(self.body)
        self.tabs.setAccessibleName("Registrations, conflicts and accounts")
        layout.addWidget(self.tabs, 1)
        self._build_list_tab()
        self._build_conflicts_tab()
        self._build_accounts_tab()

        files = QHBoxLayout()
        self.import_button = QPushButton("Import…", self.body)
        self.import_button.setAccessibleName("Import registrations from a PRM or CRM export")
        self.import_button.clicked.connect(self.import_file)
        files.addWidget(self.import_button)
        files_label = QLabel("as registered by", self.body)
        files_label.setToolTip("For files, or rows, that do not say who registered the deal")
        files.addWidget(files_label)
        self.import_side = QComboBox(self.body)
        self.import_side.setAccessibleName(
            "Who registered the deals of a file that does not say (its rows' side)"
        )
        self.import_side.setToolTip(files_label.toolTip())
        files_label.setBuddy(self.import_side)
        files.addWidget(self.import_side)
        self.export_button = QPushButton("Export…", self.body)
        self.export_button.setAccessibleName("Export the registrations to Excel or CSV")
        self.export_button.clicked.connect(self.export_file)
        files.addWidget(self.export_button)
        files.addStretch(1)
        days_label = QLabel("Protection:", self.body)
        files.addWidget(days_label)
        self.days_spin = QSpinBox(self.body)
        self.days_spin.setRange(1, 730)
        self.days_spin.setValue(90)
        self.days_spin.setSuffix(" days")
        self.days_spin.setAccessibleName("Days a new registration is protected")
        days_label.setBuddy(self.days_spin)
        files.addWidget(self.days_spin)
        self.days_button = QPushButton("Save", self.body)
        self.days_button.setAccessibleName("Save the protection period for new registrations")
        self.days_button.clicked.connect(self.save_protection)
        files.addWidget(self.days_button)
        layout.addLayout(files)
        self._fill_import_sides()

    # ------------------------------------------------------------------ building

    def _build_list_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        self.model = RegistrationsModel()
        self.model.set_row_brush(self._row_brush)
        self.table = DataTable(self.model, "Deal registrations", tab)
        self.table.set_widths(
            {
                "id": 40,
                "account_name": 160,
                "side_name": 110,
                "opportunity": 170,
                "amount": 70,
                "registered_on": 92,
                "protected_until": 92,
                "days_left": 75,
                "status": 80,
                "conflicts_with": 80,
                "product": 80,
                "decision_reason": 130,
                "external_id": 80,
            }
        )
        # The least read columns give up room first; a cut cell shows its text as a tooltip.
        self.table.squeeze_first(
            {
                "decision_reason": 70,
                "external_id": 0,
                "side_name": 60,
                "product": 70,
                "opportunity": 120,
                "account_name": 120,
                "status": 70,
            }
        )
        self.table.selectionModel().currentRowChanged.connect(self._on_selected)
        layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.detail_label = note("Select a registration to decide on it.", tab)
        actions.addWidget(self.detail_label, 1)
        self.decision_buttons: dict[str, QPushButton] = {}
        self._decision_keys: dict[Qt.Key, str] = {}
        for status, text, name, key in (
            ("approved", "Approve", "Approve the selected registration", "A"),
            ("rejected", "Reject…", "Reject the selected registration, with a reason", "R"),
            ("won", "Won", "Mark the selected registration's deal won", "W"),
            ("lost", "Lost", "Mark the selected registration's deal lost", "L"),
        ):
            button = QPushButton(text, tab)
            button.setAccessibleName(name)
            button.setToolTip(f"{name} ({key})")
            button.clicked.connect(partial(self.decide_selected, status))
            button.setEnabled(False)
            actions.addWidget(button)
            self.decision_buttons[status] = button
            self._decision_keys[getattr(Qt.Key, f"Key_{key}")] = status
        # A / R / W / L act in the list and on its buttons (an event filter: a plain QShortcut
        # would lose the letters to the list's type-ahead search).
        for widget in (self.table, *self.decision_buttons.values()):
            widget.installEventFilter(self)
        layout.addLayout(actions)
        self.tabs.addTab(tab, "Registrations")

    def _build_conflicts_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        splitter = QSplitter(Qt.Orientation.Vertical, tab)
        splitter.setChildrenCollapsible(False)
        self.conflicts_model = ConflictsModel()
        self.conflicts_table = DataTable(self.conflicts_model, "Registration conflicts", splitter)
        self.conflicts_table.set_widths(
            {"account_name": 150, "first_label": 280, "second_label": 280, "overlap": 180}
        )
        self.conflicts_table.selectionModel().currentRowChanged.connect(self._on_conflict_selected)
        splitter.addWidget(self.conflicts_table)
        # The two records scroll together, row by row, instead of squeezing on a small window.
        scroll = QScrollArea(splitter)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        pair = QWidget(scroll)
        pair.setObjectName("pageBody")
        pair.setAccessibleName("The two registrations side by side")
        pair_layout = QVBoxLayout(pair)
        pair_layout.setContentsMargins(0, 0, 0, 0)
        self.conflict_title = note("Select a conflict to compare its two registrations.", pair)
        pair_layout.addWidget(self.conflict_title)
        cards = QHBoxLayout()
        self.first_card = RegistrationCard("Earlier registration", pair)
        self.second_card = RegistrationCard("Later registration", pair)
        self.first_card.keep_button.clicked.connect(partial(self.keep_one, "first"))
        self.second_card.keep_button.clicked.connect(partial(self.keep_one, "second"))
        cards.addWidget(self.first_card, 1)
        cards.addWidget(self.second_card, 1)
        pair_layout.addLayout(cards, 1)
        scroll.setWidget(pair)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self._show_conflict(None)
        self.tabs.addTab(tab, "Conflicts")

    def _build_accounts_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        self.accounts_model = RegisteredAccountsModel()
        self.accounts_table = DataTable(self.accounts_model, "Registered accounts", tab)
        self.accounts_table.set_widths(
            {"account_name": 200, "registrations": 115, "active": 70, "holder_name": 150}
        )
        self.accounts_table.doubleClicked.connect(self._on_account_opened)
        layout.addWidget(self.accounts_table, 1)
        layout.addWidget(note("Double-click an account to list its registrations.", tab))
        self.tabs.addTab(tab, "By account")

    def _fill_import_sides(self) -> None:
        current = self.import_side.currentData() or "partner"
        self.import_side.clear()
        self.import_side.addItem(self.partner_name, "partner")
        self.import_side.addItem(f"{self.us_name} (us)", "us")
        self.import_side.setCurrentIndex(max(0, self.import_side.findData(current)))

    # ------------------------------------------------------------------ loading

    def undo_stack(self) -> QUndoStack:
        return self.stack

    def set_heading(self) -> None:
        super().set_heading()
        if hasattr(self, "import_side"):
            self._fill_import_sides()

    def reload(self) -> None:
        from desktop.operations.registrations import load_registrations

        self.load_for_partner("Reading registrations", load_registrations, self._on_loaded)

    def data_changed(self, what: str) -> None:
        if what in ("registrations", "matches", "decisions", "accounts"):
            super().data_changed(what)

    def _on_loaded(self, view: Any) -> None:
        if self.partner is None or view.partner != self.partner.name:
            return
        self.view = view
        self.days_spin.setValue(int(view.protection_days))
        frame = view.registrations
        self.model.set_frame(frame)
        self._apply_filter()
        self.conflicts_model.set_frame(view.conflicts)
        self.accounts_model.set_frame(view.accounts)
        conflicts = len(view.conflicts)
        self.tabs.setTabText(0, f"Registrations ({len(frame)})")
        self.tabs.setTabText(1, f"Conflicts ({conflicts})")
        self.tabs.setTabText(2, f"By account ({len(view.accounts)})")
        self._show_conflict(None)
        self._on_selected(self.table.currentIndex(), None)
        if len(frame):
            counts = frame["status"].value_counts()
            parts = [f"{int(counts[s])} {s}" for s in STATUSES if counts.get(s, 0)]
            self.counts_label.setText(" · ".join(parts))
        else:
            self.counts_label.setText("No registrations yet.")
        if conflicts:
            text = (
                f"<span style='color:#9a3412'><b>{conflicts} conflict"
                f"{'s' if conflicts != 1 else ''}</b></span>: two registrations of one account "
                "protected at once. Compare them on the Conflicts tab and keep one."
            )
        elif len(frame):
            text = (
                "Approved registrations count for “introduced first” when the rules of "
                "engagement are applied again."
            )
        else:
            text = "Register a deal, or import your PRM's or CRM's deal registration export."
        if self._notice:
            text = f"{self._notice} {text}"
            self._notice = None
        self.footer_note.setText(text)

    def _row_brush(self, frame_row: int) -> QBrush | None:
        frame = self.model.frame
        if frame is None:
            return None
        if bool(frame["conflict"].iat[frame_row]):
            return CONFLICT_BRUSH
        if frame["status"].iat[frame_row] in ("rejected", "expired", "lost"):
            return CLOSED_BRUSH
        return None

    @Slot()
    def _apply_filter(self, *_args: Any) -> None:
        frame = self.model.frame
        if frame is None:
            return
        mask = mask_contains(frame, ["account_name", "opportunity"], self.search.text())
        wanted = self.filter_combo.currentData()
        if wanted:
            chosen = (
                frame["conflict"].to_numpy(dtype=bool)
                if wanted == "conflict"
                else (frame["status"] == wanted).to_numpy(dtype=bool)
            )
            mask = chosen if mask is None else (mask & chosen)
        self.model.set_mask(mask)

    def focus_find(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    # ------------------------------------------------------------------ the list

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            status = self._decision_keys.get(Qt.Key(event.key()))
            if status is not None and modifiers == Qt.KeyboardModifier.NoModifier:
                if self.decision_buttons[status].isEnabled():
                    self.decide_selected(status)
                return True
        return super().eventFilter(watched, event)

    def _selected(self) -> dict | None:
        return self.table.current_record()

    def _on_selected(self, current: Any, _previous: Any) -> None:
        record = self._selected() if current is not None and current.isValid() else None
        for status, button in self.decision_buttons.items():
            allowed = record is not None and record["status"] != status
            if status == "approved" and record is not None and record["status"] == "expired":
                allowed = False
            button.setEnabled(allowed)
        if record is None:
            self.detail_label.setText("Select a registration to decide on it.")
            return
        left = int(record["days_left"])
        if record["status"] in ("submitted", "approved"):
            when = f"protected {left} more day{'s' if left != 1 else ''}" if left else "last day"
        else:
            when = record["status"]
        conflict = (
            f" · conflicts with {record['conflicts_with']}" if record.get("conflicts_with") else ""
        )
        self.detail_label.setText(
            f"{record['account_name']}: {record['opportunity']} ({when}){conflict}"
        )

    @Slot()
    def decide_selected(self, status: str) -> None:
        record = self._selected()
        if record is None or self.partner is None:
            self.show_error("user", "Select a registration first.")
            return
        if record["status"] == status:
            return
        reason = None
        if status == "rejected":
            reason = dialogs.ask_text(
                self,
                "Reject the registration",
                f"Why is {record['opportunity']} ({record['account_name']}) rejected?",
            )
            if not reason or not reason.strip():
                return
            reason = reason.strip()
        verb = {"approved": "Approve", "rejected": "Reject", "won": "Mark won", "lost": "Mark lost"}
        self._decide(
            f"{verb[status]} {record['opportunity']}", [(int(record["id"]), status, reason)]
        )

    def _decide(self, text: str, decisions: list[tuple[int, str, str | None]]) -> None:
        from desktop.operations.registrations import decide_deal_registrations

        state: dict[str, Any] = {}
        self.ops.run(
            text,
            partial(decide_deal_registrations, decisions=decisions, state=state),
            on_success=partial(self._on_decided, text, decisions, state),
            on_failure=self.show_error,
            changes=("registrations",),
        )

    def _on_decided(
        self, text: str, decisions: list[tuple[int, str, str | None]], state: dict, _result: Any
    ) -> None:
        self.stack.push(DecideCommand(self, text, decisions, state))

    # ------------------------------------------------------------------ conflicts

    def _conflict_record(self) -> dict | None:
        return self.conflicts_table.current_record()

    def _on_conflict_selected(self, current: Any, _previous: Any) -> None:
        self._show_conflict(self._conflict_record() if current.isValid() else None)

    def _show_conflict(self, record: dict | None) -> None:
        for card in (self.first_card, self.second_card):
            card.setEnabled(record is not None)
        if record is None:
            self.conflict_title.setText(
                "Select a conflict to compare its two registrations."
                if self.conflicts_model.rowCount()
                else "No conflicts: no account has two registrations protected at once."
            )
            for card in (self.first_card, self.second_card):
                card.show_registration({})
            return
        self.conflict_title.setText(
            f"<b>{record['account_name']}</b>: both protected from {record['overlap_from']} "
            f"to {record['overlap_until']}."
        )
        names = {"us": f"{self.us_name} (us)", "partner": self.partner_name}
        for which, card in (("first", self.first_card), ("second", self.second_card)):
            values = {}
            for _label, name in SIDE_BY_SIDE:
                value = record.get(f"{which}_{name}")
                if name == "side":
                    value = names.get(str(value), value)
                elif name == "amount" and value is not None:
                    value = f"{float(value):,.0f}"
                values[name] = "" if value is None else str(value)
            card.title.setText(
                f"{'Earlier' if which == 'first' else 'Later'} registration "
                f"(#{int(record[f'{which}_id'])})"
            )
            card.show_registration(values)

    @Slot()
    def keep_one(self, which: str) -> None:
        record = self._conflict_record()
        if record is None:
            return
        other = "second" if which == "first" else "first"
        keep_id, drop_id = int(record[f"{which}_id"]), int(record[f"{other}_id"])
        reason = dialogs.ask_text(
            self,
            "Keep one registration",
            f"Why is {record[f'{other}_opportunity']} rejected in favour of "
            f"{record[f'{which}_opportunity']}?",
            f"conflicts with registration {keep_id}, registered first"
            if which == "first"
            else f"conflicts with registration {keep_id}",
        )
        if not reason or not reason.strip():
            return
        decisions: list[tuple[int, str, str | None]] = []
        if record.get(f"{which}_status") == "submitted":
            decisions.append((keep_id, "approved", None))
        decisions.append((drop_id, "rejected", reason.strip()))
        self._decide(f"Keep registration {keep_id} on {record['account_name']}", decisions)

    # ------------------------------------------------------------------ accounts

    def _on_account_opened(self, index: Any) -> None:
        record = self.accounts_table.current_record()
        if record is None:
            return
        self.filter_combo.setCurrentIndex(0)
        self.search.setText(str(record["account_name"]))
        self.tabs.setCurrentIndex(0)

    # ------------------------------------------------------------------ adding

    @Slot()
    def open_add_dialog(self) -> None:
        if self.partner is None:
            self.show_error("user", "Add a partner first.")
            return
        record = self._selected()
        account = str(record["account_name"]) if record is not None else ""
        dialog = RegistrationDialog(self, self.us_name, self.partner_name, account)
        dialog.setObjectName("registrationDialog")
        dialog.accepted.connect(partial(self._on_add_accepted, dialog))
        dialog.finished.connect(dialog.deleteLater)
        self.add_dialog = dialog
        dialog.open()

    def _on_add_accepted(self, dialog: RegistrationDialog) -> None:
        from desktop.operations.registrations import add_deal_registration

        values = dialog.values()
        if self.partner is None:
            return
        self.ops.run(
            f"Registering {values['opportunity'] or 'a deal'}",
            partial(add_deal_registration, partner=self.partner.name, values=values),
            on_success=partial(self._on_added, values),
            on_failure=self.show_error,
            changes=("registrations",),
        )

    def _on_added(self, values: dict[str, Any], made: Any) -> None:
        state = {"id": made.registration.id}
        self.stack.push(AddRegistrationCommand(self, values, state))
        if made.conflicts:
            # Flagged, not refused: say so now, the Conflicts tab has both side by side.
            conflict = made.conflicts[0]
            other = conflict.first if conflict.first.id != made.registration.id else conflict.second
            whose = f"{self.us_name}'s" if other.side == "us" else f"{self.partner_name}'s"
            dialogs.show_info(
                self,
                "Registered, with a conflict",
                f"{whose} registration {other.opportunity} on {made.registration.account_name} "
                f"is protected until {other.protected_until}. Compare the two on the Conflicts "
                "tab and keep one.",
            )

    # ------------------------------------------------------------------ files and settings

    @Slot()
    def import_file(self) -> None:
        from desktop.operations.registrations import import_deal_registrations

        if self.partner is None:
            return
        path = dialogs.choose_open_file(
            self,
            "Import deal registrations",
            "Exports (*.csv *.tsv *.txt *.xlsx *.xls *.ods);;All files (*)",
        )
        if not path:
            return
        self.ops.run(
            "Importing registrations",
            partial(
                import_deal_registrations,
                partner=self.partner.name,
                path=path,
                side=self.import_side.currentData(),
            ),
            on_success=self._on_imported,
            on_failure=self.show_error,
            changes=("registrations",),
        )

    def _on_imported(self, result: Any) -> None:
        # An import rewrites what the undo stack's commands refer to: start a new history.
        self.stack.clear()
        self._notice = result.lines()[0] + "."

    @Slot()
    def export_file(self) -> None:
        from desktop.operations.registrations import export_deal_registrations

        if self.partner is None:
            return
        path = dialogs.choose_save_file(
            self, "Export deal registrations", "Excel (*.xlsx);;CSV (*.csv)", "registrations.xlsx"
        )
        if not path:
            return
        self.ops.run(
            "Exporting registrations",
            partial(export_deal_registrations, partner=self.partner.name, path=path),
            on_success=self._on_exported,
            on_failure=self.show_error,
        )

    def _on_exported(self, path: str) -> None:
        self.footer_note.setText(f"Wrote {path} (recorded in the ledger of files that left).")
        self.show_saved(path)

    @Slot()
    def save_protection(self) -> None:
        from desktop.operations.registrations import save_registration_settings

        if self.partner is None:
            return
        self.ops.run(
            "Saving the protection period",
            partial(
                save_registration_settings,
                partner=self.partner.name,
                protection_days=self.days_spin.value(),
            ),
            on_success=self._on_protection_saved,
            on_failure=self.show_error,
        )

    def _on_protection_saved(self, days: int) -> None:
        self.footer_note.setText(
            f"New registrations are protected for {days} days; existing ones keep their period."
        )
