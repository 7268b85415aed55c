"""Step 2 in the window: run matching, review with the keyboard, undo, filters, links, aliases."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.pages.matching import MatchesModel
from tests.desktop.conftest import wait_idle
from tests.desktop.exports import write_ours, write_partner
from tests.desktop.steps import LEFT, add_partner, import_file, new_workspace, run_matching


@pytest.fixture
def matched(qtbot, window, dialogs, tmp_path: Path):
    new_workspace(qtbot, window, tmp_path)
    add_partner(qtbot, window)
    import_file(qtbot, window, dialogs, write_ours(tmp_path / "ours.csv"), "us")
    import_file(qtbot, window, dialogs, write_partner(tmp_path / "theirs.csv"), "Globex")
    return run_matching(qtbot, window)


def statuses(page) -> dict[int, str]:
    frame = page.view.matches
    return dict(zip(frame["match_id"], frame["status"], strict=True))


def test_review_with_the_keyboard_and_undo(qtbot, window, matched) -> None:
    page = matched
    assert page.view is not None
    review = page.view.review
    assert len(review) >= 2, page.view.matches[["our_name", "partner_name", "score", "status"]]
    page.tabs.setCurrentIndex(0)
    page.review_table.setFocus()
    first, second = int(review.iloc[0]["match_id"]), int(review.iloc[1]["match_id"])
    assert page.our_fields["name"].text() == review.iloc[0]["our_name"]
    assert page.their_fields["name"].text() == review.iloc[0]["partner_name"]
    assert page.explanation.text().startswith("Why:")

    waiting = len(review)
    assert page.tabs.tabText(0) == f"Review queue ({waiting})"
    qtbot.keyClick(page.review_table, Qt.Key.Key_A)
    assert statuses(page)[first] == "accepted"
    assert page.position == 1
    # One count of what is left: the heading, the tab and (after the refresh) the status bar.
    assert f"{waiting - 1} left" in page.position_label.text()
    assert page.tabs.tabText(0) == f"Review queue ({waiting - 1})"
    wait_idle(qtbot, window)
    page.reload()
    wait_idle(qtbot, window)
    assert page.view.counts["review"] == waiting - 1
    assert f"{waiting - 1} to review" in page.summary_label.text()
    window.refresh_summary()
    wait_idle(qtbot, window)
    status_bar = window.summary_label.text()
    assert f"review queue {waiting - 1}" in status_bar
    assert f"Matched: {page.view.counts['shared']} shared accounts" in status_bar
    fresh = page.view.review  # the reloaded queue holds the open suggestions only
    page.position = int((fresh["match_id"] == second).to_numpy().nonzero()[0][0])
    page._show_suggestion()
    qtbot.keyClick(page.review_table, Qt.Key.Key_R)
    wait_idle(qtbot, window)
    assert statuses(page)[second] == "rejected"

    # Undo the rejection: the link is back in review, in the window and in the workspace.
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    assert statuses(page)[second] == "review"
    page.reload()
    wait_idle(qtbot, window)
    assert statuses(page)[first] == "accepted"
    assert statuses(page)[second] == "review"
    window.redo_action.trigger()
    wait_idle(qtbot, window)
    page.reload()
    wait_idle(qtbot, window)
    assert statuses(page)[second] == "rejected"

    # Arrows move through the queue.
    page.position = 0
    qtbot.keyClick(page.review_table, Qt.Key.Key_Right)
    assert page.position == 1
    qtbot.keyClick(page.review_table, Qt.Key.Key_Left)
    assert page.position == 0


def test_results_filters(qtbot, window, matched) -> None:
    page = matched
    page.tabs.setCurrentIndex(1)
    total = page.matches_model.rowCount()
    page.method_combo.setCurrentText("domain")
    assert 0 < page.matches_model.rowCount() < total
    assert all(
        page.matches_model.index(r, MatchesModel.METHOD).data() == "domain"
        for r in range(page.matches_model.rowCount())
    )
    page.method_combo.setCurrentIndex(0)
    page.min_score.setValue(99)
    high = page.matches_model.rowCount()
    assert high < total
    page.min_score.setValue(0)
    window.find()
    assert window.focusWidget() is page.search
    qtbot.keyClicks(page.search, "siemens")
    assert page.matches_model.rowCount() == 1
    assert "of" in page.count_label.text()


def test_manual_link_and_alias(qtbot, window, matched, dialogs) -> None:
    page = matched
    page.tabs.setCurrentIndex(2)
    qtbot.keyClicks(page.our_search, "solo ours 3")
    qtbot.keyClick(page.our_search, Qt.Key.Key_Return)
    qtbot.keyClicks(page.their_search, "partner only 3")
    qtbot.keyClick(page.their_search, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert page.our_accounts.rowCount() >= 1 and page.their_accounts.rowCount() >= 1
    page.our_table.selectRow(0)
    page.their_table.selectRow(0)
    qtbot.mouseClick(page.link_button, LEFT)
    wait_idle(qtbot, window)
    page.reload()
    wait_idle(qtbot, window)
    manual = page.view.matches[page.view.matches["status"] == "manual"]
    assert len(manual) == 1
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    page.reload()
    wait_idle(qtbot, window)
    assert (page.view.matches["status"] == "manual").sum() == 0

    page.tabs.setCurrentIndex(3)
    qtbot.keyClicks(page.alias_a, "block.xyz")
    qtbot.keyClicks(page.alias_b, "squareup.com")
    qtbot.keyClick(page.alias_b, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert page.aliases_model.rowCount() == 1
    assert not dialogs.errors()


def test_every_match_page_model_passes_the_tester(qtmodeltester, matched) -> None:
    page = matched
    for model in (page.matches_model, page.review_model, page.aliases_model, page.our_accounts):
        qtmodeltester.check(model, force_py=True)


def test_a_score_below_the_threshold_never_reads_as_reaching_it(qtbot, window, matched) -> None:
    page = matched
    review = page.view.review
    review.loc[0, "score"] = 91.96  # auto is 92: shown rounded, it would read "92"
    page.position = 0
    page._show_suggestion()
    assert "score 91.9 ·" in page.position_label.text()
    assert page.auto_spin.value() == 92
