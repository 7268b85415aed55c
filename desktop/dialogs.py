"""Every modal question the app asks, in one module, so tests can answer them without blocking."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)


def start_folder(folder: str = "") -> str:
    """Where a file dialog opens: ``folder`` if it is a folder that exists, else the folder the
    user last used (remembered), else their documents folder; never the current directory."""
    if folder and Path(folder).is_dir():
        return folder
    from desktop.settings import Settings

    last = Settings().last_folder()
    if last and Path(last).is_dir():
        return last
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


def _remember(path: str) -> str:
    if path:
        from desktop.settings import Settings

        folder = path if Path(path).is_dir() else str(Path(path).parent)
        Settings().set_last_folder(folder)
    return path


def _suggest(suggested: str) -> str:
    """A suggested file name placed in the start folder (a bare name would open in the current
    directory); a suggested path with a folder that exists is kept."""
    if not suggested:
        return start_folder()
    path = Path(suggested)
    if path.parent != Path(".") and path.parent.is_dir():
        return suggested
    return str(Path(start_folder()) / path.name)


def choose_open_file(parent: QWidget | None, title: str, filters: str, folder: str = "") -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, start_folder(folder), filters)
    return _remember(path)


def choose_save_file(parent: QWidget | None, title: str, filters: str, suggested: str = "") -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, _suggest(suggested), filters)
    return _remember(path)


def choose_folder(parent: QWidget | None, title: str, folder: str = "") -> str:
    return _remember(QFileDialog.getExistingDirectory(parent, title, start_folder(folder)))


def saved_box(parent: QWidget | None, title: str, path: str) -> QMessageBox:
    """Where an exported file went, with a button that opens its folder; shown without
    blocking (``open``), so work goes on while it is up."""
    box = QMessageBox(QMessageBox.Icon.Information, title, f"Saved to:\n{path}", parent=parent)
    box.setObjectName("savedBox")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    open_button = box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
    open_button.setObjectName("openFolderButton")
    box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(QMessageBox.StandardButton.Close)
    open_button.clicked.connect(partial(open_folder, str(Path(path).parent)))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box


def open_folder(folder: str) -> None:
    """Show ``folder`` in the system's file manager (a local URL: nothing leaves the machine)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(folder))


def show_saved(parent: QWidget | None, title: str, path: str) -> None:
    """Say where an exported file went and offer to open its folder."""
    saved_box(parent, title, path).open()


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value if ok else None


def ask_secret(parent: QWidget | None, title: str, label: str) -> str | None:
    """A passphrase: typed hidden, never echoed on screen."""
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Password)
    return value if ok else None


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def show_info(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def show_about(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.about(parent, title, text)


def show_crash(parent: QWidget | None, text: str, details: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, "Overlap hit a problem", text, parent=parent)
    box.setDetailedText(details)
    box.exec()


def amount_spin(parent: QWidget) -> QDoubleSpinBox:
    """A whole-currency amount field where 0 reads "unknown" (deals and registrations)."""
    spin = QDoubleSpinBox(parent)
    spin.setRange(0, 1e12)
    spin.setDecimals(0)
    spin.setGroupSeparatorShown(True)
    spin.setSpecialValueText("unknown")
    spin.setAccessibleName("Amount (0 if unknown)")
    return spin


class DealDialog(QDialog):
    """One opportunity entered by hand: account, amount, dates, outcome, partner involvement."""

    def __init__(self, parent: QWidget | None, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        form = QFormLayout(self)
        self.account_edit = QLineEdit(self)
        self.account_edit.setAccessibleName("Account name")
        self.account_edit.setPlaceholderText("e.g. Initech")
        self.amount_spin = amount_spin(self)
        self.opened_edit = self._date_edit("Opened on")
        self.outcome_combo = QComboBox(self)
        self.outcome_combo.addItems(["open", "won", "lost"])
        self.outcome_combo.setAccessibleName("Outcome")
        self.closed_edit = self._date_edit("Closed on")
        self.co_sold_combo = QComboBox(self)
        for text, value in (
            ("As its account says (co-sold on a pilot account)", None),
            ("Yes: the partner was involved", True),
            ("No: we sold it alone", False),
        ):
            self.co_sold_combo.addItem(text, value)
        self.co_sold_combo.setAccessibleName("Co-sold with the partner")
        self.part_combo = QComboBox(self)
        for text, value in (("Not recorded", ""), ("Sourced by the partner", "sourced"),
                            ("Influenced by the partner", "influenced")):  # fmt: skip
            self.part_combo.addItem(text, value)
        self.part_combo.setAccessibleName("The partner's part in the deal")
        form.addRow("Account:", self.account_edit)
        form.addRow("Amount:", self.amount_spin)
        form.addRow("Opened:", self.opened_edit)
        form.addRow("Outcome:", self.outcome_combo)
        form.addRow("Closed:", self.closed_edit)
        form.addRow("Co-sold:", self.co_sold_combo)
        form.addRow("Partner's part:", self.part_combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        # An open deal has no close date: the field only applies to won or lost ones.
        self.outcome_combo.currentTextChanged.connect(self._on_outcome)
        self._on_outcome(self.outcome_combo.currentText())

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(QDate.currentDate())
        edit.setAccessibleName(name)
        return edit

    def _on_outcome(self, outcome: str) -> None:
        self.closed_edit.setEnabled(outcome != "open")

    def values(self) -> dict[str, Any]:
        outcome = self.outcome_combo.currentText()
        return {
            "account_name": self.account_edit.text().strip(),
            "amount": float(self.amount_spin.value()) or None,
            "opened": self.opened_edit.date().toString("yyyy-MM-dd"),
            "closed": None if outcome == "open" else self.closed_edit.date().toString("yyyy-MM-dd"),
            "outcome": outcome,
            "partner_involved": self.co_sold_combo.currentData(),
            "partner_role": self.part_combo.currentData(),
        }


class RegistrationDialog(QDialog):
    """One deal registration entered by hand."""

    def __init__(self, parent: QWidget, us: str, partner: str, account: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Register a deal")
        self.setAccessibleName("Register a deal")
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        self.account_edit = QLineEdit(account, self)
        self.account_edit.setPlaceholderText("Name or CRM id of a shared account")
        self.account_edit.setAccessibleName("Account: name or CRM id of a shared account")
        self.side_combo = QComboBox(self)
        self.side_combo.addItem(partner, "partner")
        self.side_combo.addItem(f"{us} (us)", "us")
        self.side_combo.setAccessibleName("Registered by")
        self.opportunity_edit = QLineEdit(self)
        self.opportunity_edit.setPlaceholderText("e.g. Initech ERP rollout")
        self.opportunity_edit.setAccessibleName("Opportunity name")
        self.amount_spin = amount_spin(self)
        self.product_edit = QLineEdit(self)
        self.product_edit.setAccessibleName("Product")
        self.close_check = QCheckBox("Expected close:", self)
        self.close_check.setAccessibleName("The deal has an expected close date")
        self.close_edit = self._date_edit("Expected close date")
        self.close_edit.setDate(QDate.currentDate().addMonths(3))
        self.close_edit.setEnabled(False)
        self.close_check.toggled.connect(self.close_edit.setEnabled)
        self.registered_edit = self._date_edit("Registration date")
        self.registered_edit.setMaximumDate(QDate.currentDate())
        self.status_combo = QComboBox(self)
        self.status_combo.addItems(["submitted", "approved"])
        self.status_combo.setAccessibleName("Status")
        form.addRow("Account:", self.account_edit)
        form.addRow("Registered by:", self.side_combo)
        form.addRow("Opportunity:", self.opportunity_edit)
        form.addRow("Amount:", self.amount_spin)
        form.addRow("Product:", self.product_edit)
        form.addRow(self.close_check, self.close_edit)
        form.addRow("Registered on:", self.registered_edit)
        form.addRow("Status:", self.status_combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setDate(QDate.currentDate())
        edit.setAccessibleName(name)
        return edit

    def values(self) -> dict[str, Any]:
        """The fields as ``engine.add_registration`` takes them."""
        return {
            "account": self.account_edit.text().strip(),
            "side": self.side_combo.currentData(),
            "opportunity": self.opportunity_edit.text().strip(),
            "amount": float(self.amount_spin.value()) or None,
            "product": self.product_edit.text().strip(),
            "expected_close": (
                self.close_edit.date().toString("yyyy-MM-dd")
                if self.close_check.isChecked()
                else None
            ),
            "registered_on": self.registered_edit.date().toString("yyyy-MM-dd"),
            "status": self.status_combo.currentText(),
        }


def ask_deal(parent: QWidget | None, title: str) -> dict[str, Any] | None:
    """The fields of one opportunity (``DealDialog.values()``), or None if cancelled."""
    dialog = DealDialog(parent, title)
    try:
        return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
