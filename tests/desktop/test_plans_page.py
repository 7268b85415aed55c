"""The Plans page's pilot size: the engine's limits, and the guide's advice outside 20 to 50."""

from __future__ import annotations

from tests.desktop.steps import add_partner, go, new_workspace


def test_pilot_size_takes_the_engines_limits_and_advises_outside_20_to_50(
    qtbot, window, tmp_path
) -> None:
    new_workspace(qtbot, window, tmp_path)
    add_partner(qtbot, window)
    page = go(qtbot, window, "plans")
    assert (page.size_spin.minimum(), page.size_spin.maximum()) == (5, 200)
    assert page.size_spin.value() == 30
    assert page.size_advice.isHidden()

    page.size_spin.setValue(8)
    assert page.size_spin.value() == 8
    assert not page.size_advice.isHidden()
    assert page.size_advice.text().startswith("8 accounts is a small pilot")
    assert "20 to 50" in page.size_advice.text()

    page.size_spin.setValue(120)
    assert page.size_advice.text().startswith("120 accounts is a large pilot")

    page.size_spin.setValue(50)
    assert page.size_advice.isHidden()
    assert page.size_advice.text() == ""
