"""Share: what may leave for the partner, a preview of exactly that, the exports, the partner's
plan file with its conflicts, private matching by files, and the ledger of what left.

Every engine call runs on the database worker through ``Operations.run``; the jobs are in
``desktop.operations.share``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from desktop import dialogs
from desktop.models.frame import Column, FrameModel
from desktop.operations.share import (
    ShareView,
    attach_unplaced,
    export_file,
    export_ledger_file,
    import_plans,
    load_share,
    plan_file_is_encrypted,
    psi_step,
    record_data_agreement,
    save_policy,
    settle_conflict,
    share_field_labels,
)
from desktop.pages.base import Page, note, section
from desktop.widgets.table import ROW_HEIGHT, DataTable

# ---------------------------------------------------------------------------- models


class FramePreviewModel(FrameModel):
    """Whatever columns the preview has (they follow the policy)."""

    def show(self, frame: pd.DataFrame) -> None:
        self.beginResetModel()
        self.columns = [
            Column(str(c), str(c), "number" if pd.api.types.is_numeric_dtype(frame[c]) else "text")
            for c in frame.columns
        ]
        from desktop.models.frame import FORMATS, format_text

        self._formatters = [FORMATS.get(c.kind, format_text) for c in self.columns]
        self.endResetModel()
        self.set_frame(frame)


class ConflictsModel(FrameModel):
    ACCOUNT, ITEM, FIELD, OURS, THEIRS = range(5)
    COLUMNS = (
        Column("account", "Account"),
        Column("item", "Item"),
        Column("field", "Field"),
        Column("ours", "Ours"),
        Column("theirs", "Theirs"),
    )


class ExchangesModel(FrameModel):
    COLUMNS = (
        Column("created_at", "Started", "date"),
        Column("role", "Role"),
        Column("state", "State"),
        Column("counts_only", "Counts only", "bool"),
        Column("our_count", "Our keys", "number"),
        Column("their_count", "Their keys", "number"),
        Column("shared_keys", "Shared keys", "number"),
    )


class LedgerModel(FrameModel):
    COLUMNS = (
        Column("created_at", "When", "moment"),
        Column("kind", "Kind"),
        Column("path", "File"),
        Column("row_count", "Rows", "number"),
        Column("fields", "Fields"),
        Column("encrypted", "Encrypted", "bool"),
        Column("agreement", "Covered by"),
        Column("sha256", "SHA-256"),
    )


class UnplacedModel(FrameModel):
    COLUMNS = (
        Column("plan_ref", "Plan"),
        Column("account", "Account (their name)"),
        Column("reason", "Why it is not placed"),
        Column("our_crm_id", "Our CRM id (as they hold it)"),
        Column("domain", "Domain"),
    )


class SharedAccountsModel(FrameModel):
    COLUMNS = (
        Column("name", "Account"),
        Column("domains", "Domains"),
        Column("matched_on", "Matched on"),
    )


# ---------------------------------------------------------------------------- the page


class SharePage(Page):
    key = "share"
    title = "Share"
    heading = "what leaves for {partner}, and only that"
    help_text = (
        "Share only what is necessary. Choose the fields that may leave; <b>counts only</b> sends "
        "the overlap by stage with no names. The preview shows exactly what an export will "
        "contain. Excel and PDF files are read without Overlap; the <b>.overlap-plan</b> file is "
        "imported by the partner's Overlap and can be encrypted with a passphrase you give them by "
        "another channel. <b>Private matching</b> finds shared accounts by exchanging three files "
        "without either list leaving its laptop. Every file that leaves is in the ledger."
    )
    scrolls = True

    policy_changed = Signal()
    file_exported = Signal(str)
    plans_imported = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.view: ShareView | None = None
        self._loading = False
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        self._build_policy(layout)
        self._build_agreement(layout)
        self._build_preview(layout)
        self._build_plan_file(layout)
        self._build_private_matching(layout)
        self._build_ledger(layout)
        self._set_enabled(False)

    def _build_policy(self, layout: QVBoxLayout) -> None:
        """What may leave: a box per field, and counts only."""
        layout.addWidget(section("What may leave", self.body))
        self.field_boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        for number, (name, (label, _default)) in enumerate(share_field_labels().items()):
            box = QCheckBox(label, self.body)
            box.setObjectName(f"field_{name}")
            box.setAccessibleName(f"Share {label}")
            box.toggled.connect(self._on_policy_edited)
            grid.addWidget(box, number // 3, number % 3)
            self.field_boxes[name] = box
        layout.addLayout(grid)
        self.counts_only_box = QCheckBox(
            "Counts only: the overlap by stage, no account names", self.body
        )
        self.counts_only_box.setAccessibleName("Counts only")
        self.counts_only_box.toggled.connect(self._on_policy_edited)
        layout.addWidget(self.counts_only_box)

    def _build_agreement(self, layout: QVBoxLayout) -> None:
        """The data-sharing agreement that must be on record before names leave."""
        layout.addWidget(section("Data agreement", self.body))
        self.agreement_label = note("", self.body)
        self.agreement_label.setAccessibleName("Data agreement in force")
        layout.addWidget(self.agreement_label)
        row = QHBoxLayout()
        self.agreement_date = QLineEdit(self.body)
        self.agreement_date.setPlaceholderText("Signed on (YYYY-MM-DD)")
        self.agreement_scope = QLineEdit(self.body)
        self.agreement_scope.setPlaceholderText("Scope (what it covers)")
        self.agreement_reference = QLineEdit(self.body)
        self.agreement_reference.setPlaceholderText("Reference")
        for edit, name in (
            (self.agreement_date, "Agreement signed on"),
            (self.agreement_scope, "Agreement scope"),
            (self.agreement_reference, "Agreement reference"),
        ):
            edit.setAccessibleName(name)
            row.addWidget(edit, 1)
        self.agreement_button = QPushButton("Record agreement", self.body)
        self.agreement_button.clicked.connect(partial(self._on_agreement_clicked, False))
        self.no_agreement_button = QPushButton("There is none", self.body)
        self.no_agreement_button.setAccessibleName("Confirm there is no data-sharing agreement")
        self.no_agreement_button.clicked.connect(partial(self._on_agreement_clicked, True))
        row.addWidget(self.agreement_button)
        row.addWidget(self.no_agreement_button)
        layout.addLayout(row)

    def _build_preview(self, layout: QVBoxLayout) -> None:
        """The preview of exactly what leaves, and the export buttons."""
        layout.addWidget(section("Preview: exactly what leaves", self.body))
        self.preview_label = note("", self.body)
        self.preview_label.setAccessibleName("Preview summary")
        layout.addWidget(self.preview_label)
        self.warning_label = QLabel("", self.body)
        self.warning_label.setObjectName("warning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #B3261E;")
        layout.addWidget(self.warning_label)
        self.preview_model = FramePreviewModel()
        self.preview_table = DataTable(self.preview_model, "Preview", self.body)
        # Ten rows of the preview; the export buttons stand above it, in view with the summary.
        self.preview_table.setMinimumHeight(10 * ROW_HEIGHT + 36)
        buttons = QHBoxLayout()
        self.xlsx_button = QPushButton("Export Excel…", self.body)
        self.pdf_button = QPushButton("Export PDF…", self.body)
        self.plan_button = QPushButton("Export plan file…", self.body)
        self.encrypt_box = QCheckBox("Encrypt the plan file with a passphrase", self.body)
        for button, kind in (
            (self.xlsx_button, "xlsx"),
            (self.pdf_button, "pdf"),
            (self.plan_button, "plan"),
        ):
            button.setAccessibleName(button.text().rstrip("…"))
            button.clicked.connect(partial(self._on_export_clicked, kind))
            buttons.addWidget(button)
        buttons.addWidget(self.encrypt_box)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.preview_table)

    def _build_plan_file(self, layout: QVBoxLayout) -> None:
        """The partner's plan file: import it, settle its conflicts."""
        layout.addWidget(section("The partner's plan file", self.body))
        row = QHBoxLayout()
        self.import_button = QPushButton("Import plan file…", self.body)
        self.import_button.setAccessibleName("Import the partner's plan file")
        self.import_button.clicked.connect(self._on_import_clicked)
        row.addWidget(self.import_button)
        self.import_label = note("", self.body)
        row.addWidget(self.import_label, 1)
        layout.addLayout(row)
        self.conflicts_model = ConflictsModel()
        self.conflicts_table = DataTable(self.conflicts_model, "Conflicts", self.body)
        self.conflicts_table.setMinimumHeight(110)
        layout.addWidget(self.conflicts_table)
        row = QHBoxLayout()
        self.keep_button = QPushButton("Keep ours", self.body)
        self.take_button = QPushButton("Take theirs", self.body)
        self.keep_button.clicked.connect(partial(self._on_settle_clicked, "ours"))
        self.take_button.clicked.connect(partial(self._on_settle_clicked, "theirs"))
        row.addWidget(self.keep_button)
        row.addWidget(self.take_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(
            note(
                "Unplaced plans: plans of their files that name no account of ours by our CRM "
                "id, domain or name. Attach each to one of our accounts by its CRM id.",
                self.body,
            )
        )
        self.unplaced_model = UnplacedModel()
        self.unplaced_table = DataTable(self.unplaced_model, "Unplaced plans", self.body)
        self.unplaced_table.setMinimumHeight(100)
        self.unplaced_table.set_widths({"plan_ref": 110, "account": 180, "reason": 450})
        layout.addWidget(self.unplaced_table)
        row = QHBoxLayout()
        self.attach_account = QLineEdit(self.body)
        self.attach_account.setPlaceholderText("Our CRM id of the account")
        self.attach_account.setAccessibleName("Our CRM id to attach the plan to")
        self.attach_button = QPushButton("Attach to account", self.body)
        self.attach_button.clicked.connect(self._on_attach_clicked)
        row.addWidget(self.attach_account, 1)
        row.addWidget(self.attach_button)
        row.addStretch(2)
        layout.addLayout(row)

    def _build_private_matching(self, layout: QVBoxLayout) -> None:
        """Private matching by files: request, respond, finish."""
        layout.addWidget(section("Private matching by files", self.body))
        layout.addWidget(
            note(
                "1. Create a request and send it. 2. The partner responds with their Overlap. "
                "3. Finish with their response: you learn which of your accounts are shared and "
                "nothing else; optionally save a back file so they learn the same.",
                self.body,
            )
        )
        row = QHBoxLayout()
        self.psi_request_button = QPushButton("1  Create request…", self.body)
        self.psi_respond_button = QPushButton("2  Respond to a request…", self.body)
        self.psi_finish_button = QPushButton("3  Finish…", self.body)
        self.psi_request_button.clicked.connect(partial(self._on_psi_clicked, "request"))
        self.psi_respond_button.clicked.connect(partial(self._on_psi_clicked, "respond"))
        self.psi_finish_button.clicked.connect(partial(self._on_psi_clicked, "finish"))
        for button in (self.psi_request_button, self.psi_respond_button, self.psi_finish_button):
            row.addWidget(button)
        self.psi_counts_box = QCheckBox("Counts only", self.body)
        self.psi_back_box = QCheckBox("Save a back file for the partner", self.body)
        self.psi_back_box.setChecked(True)
        row.addWidget(self.psi_counts_box)
        row.addWidget(self.psi_back_box)
        row.addStretch(1)
        layout.addLayout(row)
        self.psi_label = note("", self.body)
        layout.addWidget(self.psi_label)
        self.shared_model = SharedAccountsModel()
        self.shared_table = DataTable(
            self.shared_model, "Shared accounts found privately", self.body
        )
        self.shared_table.setMinimumHeight(110)
        layout.addWidget(self.shared_table)
        self.exchanges_model = ExchangesModel()
        self.exchanges_table = DataTable(
            self.exchanges_model, "Private matching exchanges", self.body
        )
        self.exchanges_table.setMinimumHeight(90)
        layout.addWidget(self.exchanges_table)

    def _build_ledger(self, layout: QVBoxLayout) -> None:
        """The ledger of every file that left."""
        row = QHBoxLayout()
        row.addWidget(section("Ledger: every file that left", self.body), 1)
        self.ledger_button = QPushButton("Export ledger…", self.body)
        self.ledger_button.clicked.connect(self._on_ledger_export_clicked)
        row.addWidget(self.ledger_button)
        layout.addLayout(row)
        self.ledger_model = LedgerModel()
        self.ledger_table = DataTable(self.ledger_model, "Ledger", self.body)
        self.ledger_table.setMinimumHeight(140)
        self.ledger_table.set_widths(
            {"created_at": 170, "path": 300, "fields": 260, "agreement": 260}
        )
        layout.addWidget(self.ledger_table)

    # ------------------------------------------------------------------ loading

    def _set_enabled(self, enabled: bool) -> None:
        for widget in self.body.findChildren(QPushButton):
            widget.setEnabled(enabled)
        for box in (*self.field_boxes.values(), self.counts_only_box):
            box.setEnabled(enabled)

    def reload(self) -> None:
        if self.partner is None:
            self.preview_label.setText("Add a partner first: sharing is per partnership.")
            self._set_enabled(False)
            return
        self.ops.run(
            "Preparing the share preview",
            partial(load_share, partner=self.partner.name),
            on_success=self._on_loaded,
            on_failure=self.show_error,
        )

    def _on_loaded(self, view: ShareView) -> None:
        self.view = view
        self._loading = True
        try:
            for name, box in self.field_boxes.items():
                box.setChecked(name in view.allowed)
                box.setEnabled(not view.counts_only)
            self.counts_only_box.setChecked(view.counts_only)
        finally:
            self._loading = False
        self._set_enabled(True)
        for box in self.field_boxes.values():
            box.setEnabled(not view.counts_only)
        described = view.described
        if view.counts_only:
            text = (
                "Counts only: the number of shared accounts by stage "
                f"({described['counts']['shared_accounts']:,} in all). "
                "No names, domains or plans leave."
            )
        else:
            rows = described["rows"]
            text = (
                f"{rows['plans']:,} plans, {rows['next_steps']:,} next steps, "
                f"{rows['metrics']:,} metrics and "
                f"{rows['roles']:,} roles. Fields: {', '.join(described['fields'])}. "
                f"Never included unless ticked: revenue, owners, notes."
            )
        self.preview_label.setText(text)
        warnings = list(described["warnings"])
        if view.counts_only:
            warnings += [
                f"{c['ours']} × {c['theirs']}: {c['accounts']} account(s) — "
                "small enough to point at one account"
                for c in described["small_cells"]
            ]
        self.warning_label.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.preview_model.show(view.table)
        # The matrix keeps its stage order; plans start in plan-number order.
        self.preview_table.setSortingEnabled(not view.counts_only)
        if view.counts_only:
            self.preview_table.proxy.sort(-1)
        else:
            self.preview_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.agreement_label.setText(
            f"In force for {self.partner_name}: {view.agreement}."
            if view.agreement
            else "No data-sharing agreement recorded yet: record it, or confirm there is none, "
            "before the first file naming accounts leaves."
        )
        unplaced = view.unplaced if view.unplaced is not None else pd.DataFrame()
        self.unplaced_model.set_frame(unplaced)
        self.attach_button.setEnabled(len(unplaced) > 0)
        self.conflicts_model.set_frame(view.conflicts)
        self.keep_button.setEnabled(len(view.conflicts) > 0)
        self.take_button.setEnabled(len(view.conflicts) > 0)
        self.exchanges_model.set_frame(view.exchanges)
        self.ledger_model.set_frame(view.ledger.iloc[::-1].reset_index(drop=True))
        self.footer_note.setText(f"{len(view.ledger):,} file(s) have left for {self.partner_name}.")

    # ------------------------------------------------------------------ policy

    def _chosen_fields(self) -> list[str]:
        return [name for name, box in self.field_boxes.items() if box.isChecked()]

    @Slot()
    def _on_policy_edited(self) -> None:
        if self._loading or self.partner is None:
            return
        self.ops.run(
            "Saving the share policy",
            partial(
                save_policy,
                partner=self.partner.name,
                fields=self._chosen_fields(),
                counts_only=self.counts_only_box.isChecked(),
            ),
            on_success=self._on_policy_saved,
            on_failure=self.show_error,
        )

    def _on_policy_saved(self, view: ShareView) -> None:
        self._on_loaded(view)
        self.policy_changed.emit()

    # ------------------------------------------------------------------ agreement

    def _on_agreement_clicked(self, none: bool) -> None:
        if self.partner is None:
            return
        self.ops.run(
            "Recording the data agreement",
            partial(
                record_data_agreement,
                partner=self.partner.name,
                signed_on="" if none else self.agreement_date.text(),
                scope="" if none else self.agreement_scope.text(),
                reference="" if none else self.agreement_reference.text(),
                none=none,
            ),
            on_success=self._on_loaded,
            on_failure=self.show_error,
            changes=("ledger",),
        )

    # ------------------------------------------------------------------ exports

    def _on_export_clicked(self, kind: str) -> None:
        if self.partner is None:
            return
        stem = f"{self.us_name}-{self.partner_name}-plans".replace(" ", "-").lower()
        filters = {
            "xlsx": ("Excel workbook (*.xlsx)", ".xlsx"),
            "pdf": ("PDF report (*.pdf)", ".pdf"),
            "plan": ("Overlap plan file (*.overlap-plan)", ".overlap-plan"),
        }[kind]
        path = dialogs.choose_save_file(
            self, "Export for the partner", filters[0], stem + filters[1]
        )
        if not path:
            return
        if not path.lower().endswith(filters[1]):
            path += filters[1]
        passphrase = None
        if kind == "plan" and self.encrypt_box.isChecked():
            passphrase = dialogs.ask_secret(
                self,
                "Encrypt the plan file",
                "Passphrase (at least 8 characters; tell it to the partner by phone):",
            )
            if not passphrase:
                return
        self.ops.run(
            "Exporting for the partner",
            partial(export_file, partner=self.partner.name, path=path, passphrase=passphrase),
            on_success=partial(self._on_exported, path=path),
            on_failure=self.show_error,
            changes=("ledger",),
        )

    def _on_exported(self, message: str, path: str = "") -> None:
        self.footer_note.setText(message)
        self.file_exported.emit(message)
        self.reload()
        if path:
            self.show_saved(path)

    # ------------------------------------------------------------------ import and conflicts

    @Slot()
    def _on_import_clicked(self) -> None:
        if self.partner is None:
            return
        path = dialogs.choose_open_file(
            self, "Import the partner's plan file", "Overlap plan file (*.overlap-plan)"
        )
        if not path:
            return
        passphrase = None
        if plan_file_is_encrypted(path):
            passphrase = dialogs.ask_secret(
                self, "Encrypted plan file", "The passphrase the partner gave you:"
            )
            if not passphrase:
                return
        self.ops.run(
            "Importing the partner's plans",
            partial(import_plans, partner=self.partner.name, path=path, passphrase=passphrase),
            on_success=self._on_imported,
            on_failure=self.show_error,
            changes=("plans",),
        )

    def _on_imported(self, message: str) -> None:
        self.import_label.setText(message)
        self.plans_imported.emit()
        self.reload()

    def _on_attach_clicked(self) -> None:
        record = self.unplaced_table.current_record()
        if record is None and self.unplaced_model.rowCount() == 1:
            record = self.unplaced_model.record(0)
        if record is None or self.partner is None:
            self.import_label.setText("Select an unplaced plan first.")
            return
        account = self.attach_account.text().strip()
        if not account:
            self.import_label.setText("Give our CRM id of the account to attach the plan to.")
            return
        self.ops.run(
            "Attaching the plan",
            partial(
                attach_unplaced,
                partner=self.partner.name,
                unplaced_id=int(record["id"]),
                account=account,
            ),
            on_success=self._on_imported,
            on_failure=self.show_error,
            changes=("plans",),
        )

    def _on_settle_clicked(self, take: str) -> None:
        record = self.conflicts_table.current_record()
        if record is None and self.conflicts_model.rowCount() == 1:
            record = self.conflicts_model.record(0)
        if record is None:
            self.import_label.setText("Select a conflict first.")
            return
        self.ops.run(
            "Settling a conflict",
            partial(settle_conflict, conflict_id=int(record["id"]), take=take),
            on_success=self._on_settled,
            on_failure=self.show_error,
            changes=("plans",),
        )

    def _on_settled(self, _result: Any) -> None:
        self.reload()

    # ------------------------------------------------------------------ private matching

    def _on_psi_clicked(self, step: str) -> None:
        if self.partner is None:
            return
        name = self.partner_name.replace(" ", "-").lower()
        source, out = "", ""
        if step == "request":
            out = dialogs.choose_save_file(
                self, "Save the request", "Private matching (*.ovpsi)", f"request-{name}.ovpsi"
            )
            if not out:
                return
        elif step == "respond":
            source = dialogs.choose_open_file(
                self, "The partner's request", "Private matching (*.ovpsi)"
            )
            if not source:
                return
            out = dialogs.choose_save_file(
                self, "Save the response", "Private matching (*.ovpsi)", f"response-{name}.ovpsi"
            )
            if not out:
                return
        else:
            source = dialogs.choose_open_file(
                self, "The partner's response or back file", "Private matching (*.ovpsi)"
            )
            if not source:
                return
            if self.psi_back_box.isChecked():
                out = dialogs.choose_save_file(
                    self, "Save the back file", "Private matching (*.ovpsi)", f"back-{name}.ovpsi"
                )
        self.ops.run(
            "Private matching",
            partial(
                psi_step,
                step=step,
                partner=self.partner.name,
                source=source,
                out=out,
                counts_only=self.psi_counts_box.isChecked(),
            ),
            on_success=self._on_psi_done,
            on_failure=self.show_error,
            changes=("ledger",),
        )

    def _on_psi_done(self, result: tuple[str, Any]) -> None:
        text, shared = result
        self.psi_label.setText(text)
        if shared is not None:
            self.shared_model.set_frame(shared)
        self.reload()

    # ------------------------------------------------------------------ ledger

    @Slot()
    def _on_ledger_export_clicked(self) -> None:
        if self.partner is None:
            return
        path = dialogs.choose_save_file(
            self, "Export the ledger", "CSV (*.csv);;Excel (*.xlsx)", "overlap-ledger.csv"
        )
        if not path:
            return
        self.ops.run(
            "Exporting the ledger",
            partial(export_ledger_file, partner=self.partner.name, path=path),
            on_success=partial(self._on_exported, path=path),
            on_failure=self.show_error,
        )

    def data_changed(self, what: str) -> None:
        if what in ("plans", "matches", "workspace", "accounts", "ownership"):
            super().data_changed(what)
