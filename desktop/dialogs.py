"""Every modal question the app asks, in one module, so tests can answer them without blocking."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate
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


def choose_open_file(parent: QWidget | None, title: str, filters: str, folder: str = "") -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, folder, filters)
    return path


def choose_save_file(parent: QWidget | None, title: str, filters: str, suggested: str = "") -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path


def choose_folder(parent: QWidget | None, title: str, folder: str = "") -> str:
    return QFileDialog.getExistingDirectory(parent, title, folder)


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
        self.partner_check = QCheckBox("The partner was involved (co-sold)", self)
        self.partner_check.setAccessibleName("The partner was involved")
        form.addRow("Account:", self.account_edit)
        form.addRow("Amount:", self.amount_spin)
        form.addRow("Opened:", self.opened_edit)
        form.addRow("Outcome:", self.outcome_combo)
        form.addRow("Closed:", self.closed_edit)
        form.addRow("", self.partner_check)
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
            "partner_involved": self.partner_check.isChecked(),
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
