"""The sidebar's ✔ means the step has content: a brand-new workspace shows none; the Dashboard
is done once it tracks a deal or the partner's engagement."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF

from desktop.widgets.charts import OverlapPicture, lens_area, venn_circles
from tests.desktop.conftest import until, wait_idle
from tests.desktop.steps import add_partner, new_workspace


def test_a_new_workspace_shows_no_step_done_until_it_has_content(
    qtbot, window, tmp_path: Path
) -> None:
    new_workspace(qtbot, window, tmp_path)
    add_partner(qtbot, window)
    until(qtbot, lambda: window.summary is not None and "dashboard" in window.summary.states)
    states = window.summary.states
    done = [key for key, state in states.items() if state[0] == "done"]
    assert done == [], states
    assert states["dashboard"][0] == "not started"

    path = window.workspace.path
    window.close_workspace()
    wait_idle(qtbot, window)
    from engine import add_opportunity, log_engagement
    from engine.store.workspace import Workspace

    ws = Workspace.open(path)
    try:
        add_opportunity(ws, "Globex", "Initech", "2026-11-02", amount=50_000, outcome="open")
        log_engagement(ws, "Globex", "crm_update", "2026-11-03")
    finally:
        ws.close()
    window.summary = None
    window.open_workspace(path)
    until(qtbot, lambda: window.summary is not None and "dashboard" in window.summary.states)
    wait_idle(qtbot, window)
    assert window.summary.states["dashboard"][:2] == ("done", 0)
    assert "1 deals tracked" in window.summary.states["dashboard"][2]


def test_venn_areas_are_proportional_to_the_counts() -> None:
    for ours, theirs, shared in ((1205, 903, 301), (5000, 300, 120), (40, 40, 40), (900, 50, 0)):
        r1, r2, distance = venn_circles(ours, theirs, shared)
        assert abs(r1 * r1 / (r2 * r2) - ours / theirs) < 0.01 * ours / theirs
        common = lens_area(r1, r2, distance) / (r1 * r1 * 3.141592653589793)
        assert abs(common - shared / ours) < 0.005, (ours, theirs, shared, common)


def test_the_picture_draws_a_small_partner_small(qtbot) -> None:
    picture = OverlapPicture()
    qtbot.addWidget(picture)
    picture.resize(400, 220)
    picture.set_counts(4000, 200, 100, ("Acme", "Tiny"))
    left, right = picture._geometry()
    ratio = (left.width() / right.width()) ** 2
    assert abs(ratio - 4200 / 300) < 0.2
    assert picture.rect().contains(left.toRect()) and picture.rect().contains(right.toRect())
    # The far edge of the small circle is the partner's alone; its near edge is shared.
    assert picture.region_at(QPointF(right.right() - 2, right.center().y())) == "partner_only"
    assert picture.region_at(QPointF(right.left() + 2, right.center().y())) == "shared"
    picture.set_counts(500, 500, 500, ("Acme", "Globex"))
    left, right = picture._geometry()
    assert abs(left.width() - right.width()) < 0.5
