"""Step 2, match: run the matching, review the grey band with the keyboard, link by hand, aliases.

Every decision (accept, reject, unlink, manual link) is a ``QUndoCommand`` on the page's stack:
Edit > Undo (Ctrl+Z) reverses it in the workspace through the operations layer.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QKeyEvent, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.models.frame import Column, FrameModel, mask_contains
from desktop.operations.formats import count, score
from desktop.pages.base import Page, note
from desktop.widgets.table import DataTable

METHODS = ("domain", "alias", "name", "fuzzy", "manual")
STATUSES = ("auto", "review", "accepted", "rejected", "manual")
DECISION_WORDS = {"accept": "Accept", "reject": "Reject", "unlink": "Unlink"}


class MatchesModel(FrameModel):
    """Links between our accounts and the partner's."""

    OUR_NAME, PARTNER_NAME, OUR_DOMAINS, PARTNER_DOMAINS, METHOD, SCORE, STATUS, EXPLANATION = (
        range(8)
    )
    COLUMNS = (
        Column("our_name", "Our account"),
        Column("partner_name", "Their account"),
        Column("our_domains", "Our domains"),
        Column("partner_domains", "Their domains"),
        Column("method", "Method"),
        Column("score", "Score", "score"),
        Column("status", "Status"),
        Column("explanation", "Why"),
    )


class ReviewModel(FrameModel):
    """The review queue: suggestions in the grey band, best first."""

    COLUMNS = (
        Column("status", "Status"),
        Column("score", "Score", "score"),
        Column("our_name", "Our account"),
        Column("partner_name", "Their account"),
        Column("explanation", "Why"),
    )


class AccountsModel(FrameModel):
    """Accounts of one side, for linking by hand."""

    COLUMNS = (
        Column("name", "Account"),
        Column("domains", "Domains"),
        Column("country", "Country"),
        Column("external_id", "CRM id"),
    )


class AliasesModel(FrameModel):
    COLUMNS = (Column("domain", "Domain"), Column("other_domain", "Same company as"))


class DecisionCommand(QUndoCommand):
    """One review decision or manual link; undo restores the link's earlier status."""

    def __init__(
        self, page: MatchPage, text: str, job: Any, match_id: int | None, status: str
    ) -> None:
        super().__init__(text)
        self.page = page
        self.job = job  # partial of an operations function taking (context, state=...)
        self.match_id = match_id
        self.status = status
        self.previous: str | None = None
        self.state: dict[str, Any] = {}

    def redo(self) -> None:
        from desktop.operations.core import JobContext  # noqa: F401 - documents the job signature

        self.previous = self.page.local_status(self.match_id)
        self.page.set_local_status(self.match_id, self.status)
        self.page.ops.run(
            self.text(),
            partial(self.job, state=self.state),
            on_success=self.page.on_decided,
            on_failure=self.page.on_decision_failed,
            changes=("decisions",),
        )

    def undo(self) -> None:
        from desktop.operations.matching import undo_decision

        self.page.set_local_status(self.match_id, self.previous)
        self.page.ops.run(
            f"Undo {self.text()}",
            partial(undo_decision, state=self.state),
            on_success=self.page.on_decided,
            on_failure=self.page.on_decision_failed,
            changes=("decisions",),
        )


class FamilyCommand(DecisionCommand):
    """A domain family's suggestions accepted at once; undo puts them back in review."""

    def __init__(self, page: MatchPage, text: str, job: Any, match_ids: list[int]) -> None:
        super().__init__(page, text, job, None, "accepted")
        self.match_ids = match_ids

    def redo(self) -> None:
        for match_id in self.match_ids:
            self.page.set_local_status(match_id, "accepted")
        super().redo()

    def undo(self) -> None:
        for match_id in self.match_ids:
            self.page.set_local_status(match_id, "review")
        super().undo()


def _card(title: str, parent: QWidget) -> tuple[QFrame, QLabel, dict[str, QLabel]]:
    frame = QFrame(parent)
    frame.setObjectName("recordCard")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(10, 6, 10, 6)
    layout.setSpacing(4)
    heading = QLabel(title, frame)
    heading.setObjectName("sectionTitle")
    layout.addWidget(heading)
    form = QGridLayout()
    form.setHorizontalSpacing(8)
    form.setVerticalSpacing(2)
    form.setColumnStretch(1, 1)
    form.setColumnStretch(3, 1)
    labels = {}
    # Two fields a row, four rows: the review table below keeps room for ten suggestions.
    for index, (key, text) in enumerate(
        (
            ("name", "Name"),
            ("owner", "Owner"),
            ("domains", "Domains"),
            ("external_id", "CRM id"),
            ("industry", "Industry"),
            ("country", "Country"),
            ("city", "City"),
            ("stage", "Stage"),
        )
    ):
        caption = QLabel(f"{text}:", frame)
        caption.setObjectName("note")
        value = QLabel("", frame)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setAccessibleName(f"{title}: {text}")
        value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        value.setWordWrap(True)  # a long name or industry wraps rather than being cut
        caption.setBuddy(value)
        row, column = divmod(index, 2)
        form.addWidget(caption, row, 2 * column)
        form.addWidget(value, row, 2 * column + 1)
        labels[key] = value
    layout.addLayout(form)
    return frame, heading, labels


class MatchPage(Page):
    key = "match"
    title = "Match"
    number = 2
    heading = "the accounts {us} and {partner} both have"
    help_text = (
        "Accounts are matched by web domain first, then by company name (exact, then fuzzy). "
        "Above the <b>auto</b> score a match counts at once; between <b>review</b> and auto it "
        "waits for you. Review with the keyboard: <b>A</b> accepts, <b>R</b> rejects, "
        "<b>F</b> accepts a whole domain family, <b>←</b> / <b>→</b> move. "
        "Every decision can be undone (Ctrl+Z) and survives "
        "re-matching and refreshed imports. Declare domain aliases (block.xyz = squareup.com) for "
        "companies that use several."
    )
    next_label = "Next: see the overlaps ›"
    next_key = "overlaps"

    def __init__(self, window: Any) -> None:
        self.stack = QUndoStack()
        super().__init__(window)
        self.stack.setParent(self)
        self.view: Any = None
        self.position = 0
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)

        controls = QHBoxLayout()
        self.run_button = QPushButton("Run matching", self.body)
        self.run_button.setObjectName("primaryButton")
        self.run_button.setAccessibleName("Run matching")
        self.run_button.clicked.connect(self.run_matching)
        controls.addWidget(self.run_button)
        controls.addSpacing(12)
        self.auto_spin = QSpinBox(self.body)
        self.auto_spin.setRange(50, 100)
        self.auto_spin.setValue(92)
        self.auto_spin.setAccessibleName("Automatic match threshold")
        self.auto_spin.setToolTip("Scores at or above this are matched without review")
        self.review_spin = QSpinBox(self.body)
        self.review_spin.setRange(30, 100)
        self.review_spin.setValue(75)
        self.review_spin.setAccessibleName("Review threshold")
        self.review_spin.setToolTip(
            "Scores from this up to the automatic threshold wait for review"
        )
        auto_label = QLabel("Auto ≥", self.body)
        auto_label.setBuddy(self.auto_spin)
        review_label = QLabel("Review ≥", self.body)
        review_label.setBuddy(self.review_spin)
        controls.addWidget(auto_label)
        controls.addWidget(self.auto_spin)
        controls.addWidget(review_label)
        controls.addWidget(self.review_spin)
        self.summary_label = QLabel("", self.body)
        self.summary_label.setObjectName("note")
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        controls.addWidget(self.summary_label, 1)
        layout.addLayout(controls)

        self.tabs = QTabWidget(self.body)
        self.tabs.setAccessibleName("Matching views")
        layout.addWidget(self.tabs, 1)
        self._build_review_tab()
        self._build_results_tab()
        self._build_link_tab()
        self._build_aliases_tab()

    # ------------------------------------------------------------------ building

    def _build_review_tab(self) -> None:
        tab = QWidget(self.tabs)
        tab.setAccessibleName("Review queue")
        layout = QVBoxLayout(tab)
        top = QHBoxLayout()
        self.position_label = QLabel("No suggestions to review.", tab)
        self.position_label.setObjectName("sectionTitle")
        # May shrink (and clip) on a narrow window: the buttons beside it matter more.
        self.position_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.position_label, 1)
        self.prev_button = QPushButton("← Previous", tab)
        self.prev_button.setAccessibleName("Previous suggestion")
        self.prev_button.clicked.connect(self.previous_suggestion)
        self.accept_button = QPushButton("Accept (A)", tab)
        self.accept_button.setObjectName("primaryButton")
        self.accept_button.setAccessibleName("Accept this match")
        self.accept_button.clicked.connect(self.accept_current)
        self.reject_button = QPushButton("Reject (R)", tab)
        self.reject_button.setAccessibleName("Reject this match")
        self.reject_button.clicked.connect(self.reject_current)
        self.next_suggestion_button = QPushButton("Next →", tab)
        self.next_suggestion_button.setAccessibleName("Next suggestion")
        self.next_suggestion_button.clicked.connect(self.next_suggestion)
        self.family_button = QPushButton("Accept family (F)", tab)
        self.family_button.setAccessibleName("Accept every suggestion of this domain family")
        self.family_button.setToolTip("Accept every suggestion whose accounts share this website")
        self.family_button.clicked.connect(self.accept_family_current)
        for button in (
            self.prev_button,
            self.accept_button,
            self.reject_button,
            self.family_button,
            self.next_suggestion_button,
        ):
            top.addWidget(button)
        layout.addLayout(top)
        cards = QHBoxLayout()
        ours, self.our_heading, self.our_fields = _card("Our account", tab)
        theirs, self.their_heading, self.their_fields = _card("Their account", tab)
        cards.addWidget(ours, 1)
        cards.addWidget(theirs, 1)
        layout.addLayout(cards)
        self.explanation = QLabel("", tab)
        self.explanation.setObjectName("explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setAccessibleName("Why these two may be the same company")
        layout.addWidget(self.explanation)
        self.review_model = ReviewModel()
        self.review_table = DataTable(self.review_model, "Review queue list", tab)
        self.review_table.set_widths(
            {"status": 90, "score": 60, "our_name": 220, "partner_name": 220}
        )
        self.review_table.clicked.connect(self._on_review_row_clicked)
        self.review_table.setMinimumHeight(90)
        layout.addWidget(self.review_table, 1)
        self.review_tab = tab
        self.tabs.addTab(tab, "Review queue")
        # A / R / arrows act wherever the focus is in the review tab (the queue list included,
        # where a plain QShortcut would lose the letters to the list's type-ahead search).
        self._review_keys = {
            Qt.Key.Key_A: self.accept_current,
            Qt.Key.Key_R: self.reject_current,
            Qt.Key.Key_F: self.accept_family_current,
            Qt.Key.Key_Right: self.next_suggestion,
            Qt.Key.Key_Left: self.previous_suggestion,
        }
        tab.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for widget in (
            tab,
            self.review_table,
            self.accept_button,
            self.reject_button,
            self.family_button,
            self.prev_button,
            self.next_suggestion_button,
        ):
            widget.installEventFilter(self)

    def _build_results_tab(self) -> None:
        tab = QWidget(self.tabs)
        tab.setAccessibleName("All matches")
        layout = QVBoxLayout(tab)
        filters = QHBoxLayout()
        self.method_combo = QComboBox(tab)
        self.method_combo.addItems(["All methods", *METHODS])
        self.method_combo.setAccessibleName("Filter by method")
        self.status_combo = QComboBox(tab)
        self.status_combo.addItems(["All statuses", *STATUSES])
        self.status_combo.setAccessibleName("Filter by status")
        self.min_score = QSpinBox(tab)
        self.min_score.setRange(0, 100)
        self.min_score.setPrefix("score ≥ ")
        self.min_score.setAccessibleName("Minimum score")
        self.search = QLineEdit(tab)
        self.search.setPlaceholderText("Find a company or domain")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Find a match by name or domain")
        for widget in (self.method_combo, self.status_combo, self.min_score):
            filters.addWidget(widget)
        filters.addWidget(self.search, 1)
        self.method_combo.currentIndexChanged.connect(self._apply_filters)
        self.status_combo.currentIndexChanged.connect(self._apply_filters)
        self.min_score.valueChanged.connect(self._apply_filters)
        self.search.textChanged.connect(self._apply_filters)
        layout.addLayout(filters)
        self.matches_model = MatchesModel()
        self.matches_table = DataTable(self.matches_model, "Matches", tab)
        self.matches_table.set_widths(
            {
                "our_name": 200,
                "partner_name": 200,
                "our_domains": 140,
                "partner_domains": 140,
                "method": 70,
                "score": 55,
                "status": 80,
            }
        )
        layout.addWidget(self.matches_table, 1)
        actions = QHBoxLayout()
        self.count_label = QLabel("", tab)
        actions.addWidget(self.count_label, 1)
        for decision in ("accept", "reject", "unlink"):
            button = QPushButton(DECISION_WORDS[decision], tab)
            button.setAccessibleName(f"{DECISION_WORDS[decision]} the selected match")
            button.clicked.connect(partial(self._decide_selected, decision))
            actions.addWidget(button)
        layout.addLayout(actions)
        self.tabs.addTab(tab, "All matches")

    def _build_link_tab(self) -> None:
        tab = QWidget(self.tabs)
        tab.setAccessibleName("Link by hand")
        layout = QGridLayout(tab)
        self.our_search = QLineEdit(tab)
        self.our_search.setPlaceholderText("Search our accounts")
        self.our_search.setAccessibleName("Search our accounts")
        self.their_search = QLineEdit(tab)
        self.their_search.setPlaceholderText("Search the partner's accounts")
        self.their_search.setAccessibleName("Search the partner's accounts")
        self.our_accounts = AccountsModel()
        self.their_accounts = AccountsModel()
        self.our_table = DataTable(self.our_accounts, "Our accounts to link", tab)
        self.their_table = DataTable(self.their_accounts, "Partner accounts to link", tab)
        self.our_search.returnPressed.connect(partial(self._search_side, "us"))
        self.their_search.returnPressed.connect(partial(self._search_side, "partner"))
        our_button = QPushButton("Search", tab)
        our_button.setAccessibleName("Search our accounts")
        our_button.clicked.connect(partial(self._search_side, "us"))
        their_button = QPushButton("Search", tab)
        their_button.setAccessibleName("Search the partner's accounts")
        their_button.clicked.connect(partial(self._search_side, "partner"))
        row = QHBoxLayout()
        row.addWidget(self.our_search, 1)
        row.addWidget(our_button)
        layout.addLayout(row, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.their_search, 1)
        row.addWidget(their_button)
        layout.addLayout(row, 0, 1)
        layout.addWidget(self.our_table, 1, 0)
        layout.addWidget(self.their_table, 1, 1)
        bottom = QHBoxLayout()
        self.link_reason = QLineEdit(tab)
        self.link_reason.setPlaceholderText("Reason (optional), e.g. subsidiary of the same group")
        self.link_reason.setAccessibleName("Reason for the manual link")
        self.link_button = QPushButton("Link the two selected accounts", tab)
        self.link_button.setAccessibleName("Link the two selected accounts")
        self.link_button.clicked.connect(self.link_selected)
        bottom.addWidget(self.link_reason, 1)
        bottom.addWidget(self.link_button)
        layout.addLayout(bottom, 2, 0, 1, 2)
        self.tabs.addTab(tab, "Link by hand")

    def _build_aliases_tab(self) -> None:
        tab = QWidget(self.tabs)
        tab.setAccessibleName("Domain aliases")
        layout = QVBoxLayout(tab)
        layout.addWidget(
            note(
                "Some companies use several domains (block.xyz and squareup.com). Declare them "
                "here; the next matching treats them as one.",
                tab,
            )
        )
        row = QHBoxLayout()
        self.alias_a = QLineEdit(tab)
        self.alias_a.setPlaceholderText("block.xyz")
        self.alias_a.setAccessibleName("Domain")
        self.alias_b = QLineEdit(tab)
        self.alias_b.setPlaceholderText("squareup.com")
        self.alias_b.setAccessibleName("Same company's other domain")
        add = QPushButton("Add alias", tab)
        add.setAccessibleName("Add the domain alias")
        add.clicked.connect(self.add_alias)
        self.alias_b.returnPressed.connect(self.add_alias)
        row.addWidget(self.alias_a, 1)
        row.addWidget(QLabel("=", tab))
        row.addWidget(self.alias_b, 1)
        row.addWidget(add)
        layout.addLayout(row)
        self.aliases_model = AliasesModel()
        self.aliases_table = DataTable(self.aliases_model, "Domain aliases list", tab)
        layout.addWidget(self.aliases_table, 1)
        remove = QPushButton("Remove the selected alias", tab)
        remove.setAccessibleName("Remove the selected alias")
        remove.clicked.connect(self.remove_alias)
        layout.addWidget(remove, 0, Qt.AlignmentFlag.AlignRight)
        self.tabs.addTab(tab, "Domain aliases")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            action = self._review_keys.get(Qt.Key(event.key()))
            if action is not None and modifiers == Qt.KeyboardModifier.NoModifier:
                action()
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ loading

    def undo_stack(self) -> QUndoStack:
        return self.stack

    def reload(self) -> None:
        from desktop.operations.matching import load_matches

        self.load_for_partner("Reading matches", load_matches, self._on_loaded)

    def data_changed(self, what: str) -> None:
        if what == "decisions":
            return  # this page's own decisions are already shown
        if what in ("accounts", "workspace", "matches"):
            self.stack.clear()  # decisions made on links that a new matching replaced
        super().data_changed(what)

    def _on_loaded(self, view: Any) -> None:
        self.view = view
        self.auto_spin.setValue(round(view.auto))
        self.review_spin.setValue(round(view.review_threshold))
        self.matches_model.set_frame(view.matches)
        self._apply_filters()
        self.review_model.set_frame(view.review)
        self.aliases_model.set_frame(view.aliases)
        matches = view.matches
        if len(matches):
            # The status bar's numbers too (engine.link_counts).
            self.summary_label.setText(
                f"{count(len(matches))} links · {count(view.counts['shared'])} shared · "
                f"{count(view.counts['review'])} to review"
            )
            self.footer_note.setText(
                "Matches are saved. Review what is left, or go on: review decisions can be "
                "made later."
            )
        else:
            self.summary_label.setText("Not matched yet.")
            self.footer_note.setText("Run the matching once both lists are imported.")
        self._show_queue_count()
        self.position = self._next_open(0) if len(view.review) else 0
        self._show_suggestion()

    # ------------------------------------------------------------------ running

    @Slot()
    def run_matching(self) -> None:
        from desktop.operations.matching import run_matching

        if self.partner is None:
            return
        auto, review = self.auto_spin.value(), self.review_spin.value()
        if review > auto:
            self.show_error("user", "The review threshold must not be above the automatic one.")
            return
        self.run_button.setEnabled(False)
        self.ops.run(
            f"Matching with {self.partner.name}",
            partial(
                run_matching, partner=self.partner.name, auto=float(auto), review=float(review)
            ),
            on_success=self._on_matched,
            on_failure=self._on_match_failed,
            changes=("matches",),
        )

    def _on_matched(self, summary: Any) -> None:
        self.run_button.setEnabled(True)
        self.summary_label.setText(summary.lines()[0])
        self.window_.reload_workspace_info()

    def _on_match_failed(self, kind: str, message: str) -> None:
        self.run_button.setEnabled(True)
        if kind != "cancelled":
            self.show_error(kind, message)

    # ------------------------------------------------------------------ review queue

    def _review_frame(self) -> Any:
        return None if self.view is None else self.view.review

    def _next_open(self, start: int, step: int = 1) -> int:
        review = self._review_frame()
        if review is None or not len(review):
            return 0
        statuses = review["status"].to_numpy()
        position = start
        while 0 <= position < len(review):
            if statuses[position] == "review":
                return position
            position += step
        return min(max(start, 0), len(review) - 1)

    def _show_suggestion(self) -> None:
        from desktop.operations.matching import family_domain

        review = self._review_frame()
        empty = review is None or not len(review)
        open_left = self._show_queue_count()
        for button in (
            self.accept_button,
            self.reject_button,
            self.prev_button,
            self.next_suggestion_button,
        ):
            button.setEnabled(not empty)
        self.family_button.setEnabled(
            not empty
            and review.iloc[self.position]["status"] == "review"
            and family_domain(review.iloc[self.position]) is not None
        )
        self.our_heading.setText(f"{self.us_name}'s account")
        self.their_heading.setText(f"{self.partner_name}'s account")
        if empty:
            self.position_label.setText("No suggestions to review.")
            self.explanation.setText("Nothing waits for a decision.")
            for labels in (self.our_fields, self.their_fields):
                for label in labels.values():
                    label.setText("")
            return
        row = review.iloc[self.position]
        # The score rounded down, so 91.96 beside "Auto ≥ 92" never reads as 92.
        self.position_label.setText(
            f"{self.position + 1} of {count(len(review))} · score {score(row['score'])} · "
            f"{row['method']} · {row['status']} · {count(open_left)} left"
        )
        for prefix, labels in (("o_", self.our_fields), ("t_", self.their_fields)):
            for key, label in labels.items():
                value = row.get(prefix + key)
                shown = "" if value is None or value != value else str(value)
                label.setText(shown)
                label.setToolTip(shown)
        self.explanation.setText(f"Why: {row['explanation']}")
        self.review_table.selectRow(self._proxy_row_of(self.position))

    def _show_queue_count(self) -> int:
        """The suggestions still waiting, on the tab as in the heading; returns the count."""
        review = self._review_frame()
        waiting = int((review["status"] == "review").sum()) if review is not None else 0
        self.tabs.setTabText(0, f"Review queue ({count(waiting)})")
        return waiting

    def _proxy_row_of(self, frame_row: int) -> int:
        for row in range(self.review_model.rowCount()):
            if self.review_model.frame_row(row) == frame_row:
                return self.review_table.proxy.mapFromSource(self.review_model.index(row, 0)).row()
        return -1

    @Slot()
    def next_suggestion(self) -> None:
        review = self._review_frame()
        if review is not None and self.position + 1 < len(review):
            self.position += 1
            self._show_suggestion()

    @Slot()
    def previous_suggestion(self) -> None:
        if self.position > 0:
            self.position -= 1
            self._show_suggestion()

    @Slot()
    def accept_current(self) -> None:
        self._decide_current("accept")

    @Slot()
    def reject_current(self) -> None:
        self._decide_current("reject")

    def _decide_current(self, decision: str) -> None:
        review = self._review_frame()
        if review is None or not len(review) or self.partner is None:
            return
        row = review.iloc[self.position]
        self._push_decision(
            int(row["match_id"]), decision, str(row["our_name"]), str(row["partner_name"])
        )
        self.position = self._next_open(self.position)
        self._show_suggestion()

    @Slot()
    def accept_family_current(self) -> None:
        """Accept the current suggestion's domain family, as ``review --accept-family`` does."""
        from desktop.operations.matching import accept_family, family_domain

        review = self._review_frame()
        if not self.family_button.isEnabled() or review is None or self.partner is None:
            return
        domain = str(family_domain(review.iloc[self.position]))
        open_ = review[review["status"] == "review"]
        members = [int(r["match_id"]) for _, r in open_.iterrows() if family_domain(r) == domain]
        text = f"Accept the family of {domain} ({len(members):,} suggestions)"
        job = partial(accept_family, partner=self.partner.name, domain=domain)
        self.stack.push(FamilyCommand(self, text, job, members))
        self.position = self._next_open(self.position)
        self._show_suggestion()

    def _push_decision(self, match_id: int, decision: str, ours: str, theirs: str) -> None:
        from desktop.operations.matching import decide_match

        assert self.partner is not None
        status = {"accept": "accepted", "reject": "rejected", "unlink": "rejected"}[decision]
        self.stack.push(
            DecisionCommand(
                self,
                f"{DECISION_WORDS[decision]} {ours} = {theirs}",
                partial(
                    decide_match, partner=self.partner.name, match_id=match_id, decision=decision
                ),
                match_id,
                status,
            )
        )

    def _on_review_row_clicked(self, index: Any) -> None:
        self.position = self.review_table.proxy.mapToSource(index).row()
        self.position = self.review_model.frame_row(self.position)
        self._show_suggestion()

    def _decide_selected(self, decision: str) -> None:
        record = self.matches_table.current_record()
        if record is None:
            self.show_error("user", "Select a match in the table first.")
            return
        self._push_decision(
            int(record["match_id"]), decision, str(record["our_name"]), str(record["partner_name"])
        )

    # ------------------------------------------------------------------ local state after decisions

    def local_status(self, match_id: int | None) -> str | None:
        if self.view is None or match_id is None:
            return None
        hits = self.view.matches.index[self.view.matches["match_id"] == match_id]
        return str(self.view.matches.at[hits[0], "status"]) if len(hits) else None

    def set_local_status(self, match_id: int | None, status: str | None) -> None:
        if self.view is None or match_id is None or status is None:
            return
        for model in (self.matches_model, self.review_model):
            frame = model.frame
            if frame is None or not len(frame):
                continue
            for position in frame.index[frame["match_id"] == match_id]:
                model.set_value(int(position), "status", status)
        self._show_suggestion()

    def on_decided(self, _status: Any) -> None:
        self.window_.refresh_summary()

    def on_decision_failed(self, kind: str, message: str) -> None:
        self.show_error(kind, message)
        self.reload()

    # ------------------------------------------------------------------ filters

    @Slot()
    def _apply_filters(self) -> None:
        frame = self.matches_model.frame
        if frame is None:
            return
        import numpy as np

        mask = np.ones(len(frame), dtype=bool)
        if self.method_combo.currentIndex() > 0:
            mask &= (frame["method"] == self.method_combo.currentText()).to_numpy()
        if self.status_combo.currentIndex() > 0:
            mask &= (frame["status"] == self.status_combo.currentText()).to_numpy()
        if self.min_score.value() > 0:
            mask &= (frame["score"].astype(float) >= self.min_score.value()).to_numpy()
        text_mask = mask_contains(
            frame,
            ["our_name", "partner_name", "our_domains", "partner_domains"],
            self.search.text(),
        )
        if text_mask is not None:
            mask &= text_mask
        self.matches_model.set_mask(mask)
        self.count_label.setText(f"{int(mask.sum()):,} of {len(frame):,} links shown")

    def focus_find(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.search.setFocus()
        self.search.selectAll()

    # ------------------------------------------------------------------ manual links

    def _search_side(self, side: str) -> None:
        from desktop.operations.matching import search_accounts

        if self.partner is None:
            return
        text = self.our_search.text() if side == "us" else self.their_search.text()
        model = self.our_accounts if side == "us" else self.their_accounts
        self.ops.run(
            "Searching accounts",
            partial(
                search_accounts, partner_id=None if side == "us" else self.partner.id, text=text
            ),
            on_success=model.set_frame,
            on_failure=self.show_error,
        )

    @Slot()
    def link_selected(self) -> None:
        from desktop.operations.matching import link_accounts

        ours = self.our_table.current_record()
        theirs = self.their_table.current_record()
        if ours is None or theirs is None or self.partner is None:
            self.show_error("user", "Select one of our accounts and one of the partner's first.")
            return

        def ref(record: dict) -> str:
            return (
                str(record["external_id"]) if record.get("external_id") else str(int(record["id"]))
            )

        self.stack.push(
            DecisionCommand(
                self,
                f"Link {ours['name']} = {theirs['name']}",
                partial(
                    link_accounts,
                    partner=self.partner.name,
                    our_ref=ref(ours),
                    partner_ref=ref(theirs),
                    reason=self.link_reason.text().strip() or None,
                ),
                None,
                "manual",
            )
        )
        self.link_reason.clear()

    # ------------------------------------------------------------------ aliases

    @Slot()
    def add_alias(self) -> None:
        from desktop.operations.matching import add_domain_alias

        a, b = self.alias_a.text().strip(), self.alias_b.text().strip()
        if not a or not b:
            self.show_error("user", "Enter both domains of the company.")
            return
        self.ops.run(
            "Adding a domain alias",
            partial(add_domain_alias, domain=a, other=b),
            on_success=self._on_aliases,
            on_failure=self.show_error,
        )

    @Slot()
    def remove_alias(self) -> None:
        from desktop.operations.matching import remove_domain_alias

        record = self.aliases_table.current_record()
        if record is None:
            return
        self.ops.run(
            "Removing a domain alias",
            partial(remove_domain_alias, domain=record["domain"], other=record["other_domain"]),
            on_success=self._on_aliases,
            on_failure=self.show_error,
        )

    def _on_aliases(self, frame: Any) -> None:
        self.aliases_model.set_frame(frame)
        self.alias_a.clear()
        self.alias_b.clear()
        self.footer_note.setText("Aliases apply from the next matching: run it again to use them.")
