"""A partner manager's whole journey on the demo exports, driven with clicks and keys."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from tests.desktop.conftest import DEMO, until, wait_idle
from tests.desktop.steps import LEFT, add_partner, go, import_file, new_workspace, run_matching


def statuses(page) -> dict[int, str]:
    frame = page.view.matches
    return dict(zip(frame["match_id"], frame["status"], strict=True))


def test_the_whole_journey(qtbot, window, dialogs, tmp_path: Path, qtmodeltester) -> None:
    # New workspace and partner.
    new_workspace(qtbot, window, tmp_path)
    add_partner(qtbot, window, "Globex")
    assert window.sidebar.item(0).data(Qt.ItemDataRole.UserRole + 10)[0] == "not started"

    # 1 Import both demo files.
    page = import_file(qtbot, window, dialogs, DEMO / "acme_salesforce.csv", "us")
    assert "1,200 accounts" in page.sides_label.text()
    import_file(qtbot, window, dialogs, DEMO / "globex_hubspot.csv", "Globex")
    assert "900 accounts" in page.sides_label.text()
    assert window.summary.states["import"][0] == "done"
    qtbot.mouseClick(page.next_button, LEFT)
    wait_idle(qtbot, window)
    assert window.current_page() is window.pages["match"]

    # 2 Match, then review three suggestions with the keyboard and undo one.
    match = run_matching(qtbot, window)
    review = match.view.review
    assert len(review) >= 3
    assert window.summary.states["match"] == (
        "attention",
        len(review),
        f"{len(review):,} to review",
    )
    assert f"review queue {len(review)}" in window.summary_label.text()
    ids = [int(review.iloc[i]["match_id"]) for i in range(3)]
    match.tabs.setCurrentIndex(0)
    qtbot.keyClick(match.review_table, Qt.Key.Key_A)
    qtbot.keyClick(match.review_table, Qt.Key.Key_R)
    qtbot.keyClick(match.review_table, Qt.Key.Key_A)
    wait_idle(qtbot, window)
    assert [statuses(match)[i] for i in ids] == ["accepted", "rejected", "accepted"]
    window.windowHandle().requestActivate()
    until(qtbot, window.isActiveWindow)
    qtbot.keyClick(match.review_table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert statuses(match)[ids[2]] == "review"
    match.reload()
    wait_idle(qtbot, window)
    assert [statuses(match)[i] for i in ids] == ["accepted", "rejected", "review"]
    assert window.summary.review == len(review) - 2

    # 3 Overlaps: the picture, then a matrix cell opens its accounts.
    overlaps = go(qtbot, window, "overlaps")
    until(qtbot, lambda: overlaps.view is not None)
    counts = overlaps.view.counts
    assert counts["shared"] > 250 and counts["ours_only"] > 0 and counts["partner_only"] > 0
    cell = overlaps.heatmap.cell_rect(0, 1).center().toPoint()  # our prospect x their customer
    qtbot.mouseClick(overlaps.heatmap, LEFT, pos=QPoint(cell.x(), cell.y()))
    expected = overlaps.heatmap.cells[("prospect", "customer")].accounts
    assert expected > 0
    assert overlaps.model.rowCount() == expected
    assert "prospect × Globex customer" in overlaps.list_label.text()
    qtmodeltester.check(overlaps.model, force_py=True)

    # 4 Ownership: apply the rules, override one lead with a reason.
    qtbot.mouseClick(overlaps.next_button, LEFT)
    wait_idle(qtbot, window)
    ownership = window.current_page()
    assert ownership is window.pages["ownership"]
    qtbot.mouseClick(ownership.apply_button, LEFT)
    wait_idle(qtbot, window)
    frame = ownership.model.frame
    assert len(frame) == counts["shared"]
    assert frame["lead"].isin(["us", "partner"]).all()
    assert frame["rationale"].str.match(r"^(We lead|Partner leads): ").all()
    ownership.table.selectRow(0)
    record = ownership.table.current_record()
    before = record["lead"]
    dialogs.texts.append("their AE already runs the renewal")
    qtbot.mouseClick(ownership.override_button, LEFT)
    wait_idle(qtbot, window)
    changed = ownership.model.frame.set_index("our_key").loc[record["our_key"]]
    assert changed["lead"] != before and bool(changed["overridden"])
    assert "their AE already runs the renewal" in changed["rationale"]
    qtmodeltester.check(ownership.model, force_py=True)

    # 5 Plans: build the shortlist, plan one account with a next step.
    plans = go(qtbot, window, "plans")
    qtbot.mouseClick(plans.shortlist_button, LEFT)
    wait_idle(qtbot, window)
    assert plans.shortlist_model.rowCount() == 30
    plans.shortlist_table.selectRow(0)
    qtbot.mouseClick(plans.plan_one_button, LEFT)
    wait_idle(qtbot, window)
    assert plans.editor.isEnabled() and plans.plan_id is not None
    qtbot.keyClicks(plans.objective_edit, "Joint pilot of both products")
    qtbot.mouseClick(plans.save_button, LEFT)
    qtbot.keyClicks(plans.step_what, "Intro call with their account executive")
    qtbot.keyClicks(plans.step_person, "Dana Smith")
    qtbot.keyClick(plans.step_what, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert plans.steps_model.rowCount() == 1
    assert plans.steps_model.index(0, 0).data() == "Intro call with their account executive"
    plans.reload()
    wait_idle(qtbot, window)
    assert plans.plans_model.rowCount() == 1
    assert plans.plans_model.frame["objective"].iat[0] == "Joint pilot of both products"
    for model in (plans.shortlist_model, plans.plans_model, plans.steps_model):
        qtmodeltester.check(model, force_py=True)

    # The dashboard.
    qtbot.mouseClick(plans.next_button, LEFT)
    wait_idle(qtbot, window)
    dashboard = window.current_page()
    assert dashboard is window.pages["dashboard"]
    assert dashboard.view is not None
    assert "quarterly" in dashboard.cadence_label.text()
    assert dashboard.score_label.text().endswith("/ 100")
    assert window.summary.states["plans"][0] in ("done", "attention")
    assert not dialogs.errors()
