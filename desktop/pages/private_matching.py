"""The private-matching walk-through: both people, three e-mailed files, no list exchanged.

Opened from the Import and Match pages. Each side imports only its own export; the steps are
numbered for who does them ("you" start, the partner answers, you finish, the partner reads the
back file), each with its file dialog and a sentence saying what to send to whom.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from desktop import dialogs
from desktop.operations.private_matching import (
    NOTE,
    PrivateState,
    load_private,
    prepare_private,
    private_step,
)
from desktop.pages.base import note, section

FILES = "Private matching (*.ovpsi)"


class PrivateMatchingDialog(QDialog):
    """Walks both people through the three files of private matching."""

    def __init__(self, page: Any) -> None:
        super().__init__(page)
        self.page = page
        self.partner = page.partner.name
        self.state: PrivateState | None = None
        self.setObjectName("privateMatchingDialog")
        self.setWindowTitle(f"Private matching with {self.partner}")
        self.setAccessibleName("Private matching")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(
            section(f"Map accounts with {self.partner} without exchanging lists", self)
        )
        layout.addWidget(
            note(
                f"Each of you imports only your own export. Three files travel by e-mail; each "
                f"holds blinded values and, for shared accounts only, the fields each policy "
                f"allows, sealed so that only the same account unlocks them. At the end both "
                f"workspaces hold the shared accounts, and nothing of {self.partner}'s other "
                f"accounts: no names, no domains. {NOTE}",
                self,
            )
        )
        self.policy_label = note("", self)
        self.policy_label.setAccessibleName("What our policy lets leave")
        layout.addWidget(self.policy_label)
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        grid.setHorizontalSpacing(12)
        steps = (
            (
                "request",
                "1",
                "You",
                "Create the request…",
                f"Save it and e-mail it to {self.partner}.",
            ),
            (
                "respond",
                "2",
                self.partner,
                f"Answer {self.partner}'s request…",
                "When a request arrives: open it, save the response, e-mail it back.",
            ),
            (
                "finish",
                "3",
                "You",
                "Finish with the response…",
                f"Open {self.partner}'s response; save the back file and e-mail it to them.",
            ),
            (
                "back",
                "4",
                self.partner,
                "Read the back file…",
                f"When {self.partner}'s back file arrives: open it to finish on this side too.",
            ),
        )
        self.buttons: dict[str, QPushButton] = {}
        for row, (step, number, who, label, what) in enumerate(steps):
            number_label = QLabel(number, self)
            number_label.setObjectName("stepNumber")
            who_label = QLabel(f"<b>{who}</b>", self)
            button = QPushButton(label, self)
            button.setAccessibleName(label.rstrip("…"))
            button.clicked.connect(partial(self._on_step, step))
            self.buttons[step] = button
            grid.addWidget(number_label, row, 0)
            grid.addWidget(who_label, row, 1)
            grid.addWidget(note(what, self), row, 2)
            grid.addWidget(button, row, 3)
        layout.addLayout(grid)
        self.status_label = note("", self)
        self.status_label.setAccessibleName("Private matching status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status_label)
        self.result_label = note("", self)
        self.result_label.setAccessibleName("What the last step did")
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.reload()

    # ------------------------------------------------------------------ state

    def reload(self) -> None:
        self.page.ops.run(
            "Private matching",
            partial(load_private, partner=self.partner),
            on_success=self._on_state,
            on_failure=self._on_failed,
        )

    def _on_state(self, state: PrivateState) -> None:
        if self.state is None:  # first look: our keys are prepared while the steps are read
            self.page.ops.run("Preparing private matching", prepare_private)
        self.state = state
        if state.counts_only:
            shared = "counts only: no account leaves, only how many are shared"
        else:
            shared = ", ".join(state.fields) or "nothing but the match"
        agreement = state.agreement.removeprefix("agreement: ") or (
            "none recorded yet (record it on the Share page)"
        )
        self.policy_label.setText(
            f"What leaves for {state.partner} (the Share page's policy): {shared}. "
            f"Data-sharing agreement: {agreement}."
        )
        parts = []
        if state.waiting_for_response:
            parts.append(f"Waiting for {state.partner}'s response to our request (step 3).")
        if state.waiting_for_back:
            parts.append(f"Waiting for {state.partner}'s back file (step 4).")
        if state.shared is not None:
            total = "" if state.partner_accounts is None else f" of {state.partner_accounts:,}"
            parts.append(
                f"Last exchange: {state.shared:,} shared accounts{total} of {state.partner}'s. "
                "Their other accounts are unknown by design. A new export on either side: "
                "run the three files again; decisions, leads and plans carry over."
            )
        self.status_label.setText(" ".join(parts) or "No exchange yet: start with step 1.")
        self.buttons["finish"].setEnabled(state.waiting_for_response)
        self.buttons["back"].setEnabled(state.waiting_for_back)

    def _on_failed(self, _kind: str, message: str) -> None:
        self.result_label.setText(message)
        dialogs.show_error(self, "Private matching", message)

    # ------------------------------------------------------------------ steps

    def _on_step(self, step: str) -> None:
        name = self.partner.replace(" ", "-").lower()
        source, out = "", ""
        if step == "request":
            out = dialogs.choose_save_file(self, "Save the request", FILES, f"request-{name}.ovpsi")
        elif step == "respond":
            source = dialogs.choose_open_file(self, f"{self.partner}'s request", FILES)
            if source:
                out = dialogs.choose_save_file(
                    self, "Save the response", FILES, f"response-{name}.ovpsi"
                )
        elif step == "finish":
            source = dialogs.choose_open_file(self, f"{self.partner}'s response", FILES)
            if source:
                out = dialogs.choose_save_file(
                    self, "Save the back file", FILES, f"back-{name}.ovpsi"
                )
        else:
            source = dialogs.choose_open_file(self, f"{self.partner}'s back file", FILES)
        if (step != "back" and not out) or (step != "request" and not source):
            return
        self.result_label.setText("Working…")
        self.page.ops.run(
            "Private matching",
            partial(
                private_step,
                step="finish" if step == "back" else step,
                partner=self.partner,
                source=source,
                out=out,
            ),
            on_success=self._on_done,
            on_failure=self._on_failed,
            changes=("accounts", "matches", "ownership", "plans", "ledger"),
        )

    def _on_done(self, text: str) -> None:
        self.result_label.setText(text)
        self.reload()


def open_private_matching(page: Any) -> PrivateMatchingDialog:
    """Show the walk-through for the page's partner (non-modal, so files can be dragged in)."""
    dialog = PrivateMatchingDialog(page)
    dialog.show()
    return dialog
