"""The Dashboard's pilot: pilot accounts against the rest by period, too few deals said as such,
a deal's co-sold flag set by hand, the credit for direct sellers exported; and the Overlaps page
saying which tool fits a tiny partnership."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.desktop.conftest import until, wait_idle
from tests.desktop.steps import LEFT, go
from tests.engine.sharing_helpers import mapped_workspace


def with_pilot(path: Path) -> Path:
    """The demo workspace with a pilot: joint plans on 20 of Globex's accounts with deals (16
    of them co-sold, as a pilot where co-selling happens would be)."""
    from engine import Workspace, build_demo, build_mapping, create_plan, partner_deals

    build_demo(path)
    with Workspace.open(path) as ws:
        deals = partner_deals(ws, "Globex").drop_duplicates("our_key")
        picks = pd.concat([deals[deals["co_sold"]].head(16), deals[~deals["co_sold"]].head(4)])
        mapping = build_mapping(ws, "Globex")
        theirs = dict(zip(mapping["our_key"], mapping["partner_key"], strict=True))
        for key in picks["our_key"]:
            create_plan(ws, "Globex", str(key), str(theirs[key]), status="active")
    return path


@pytest.fixture
def demo(qtbot: Any, window: Any, tmp_path: Path) -> Any:
    window.open_workspace(str(with_pilot(tmp_path / "demo.overlap")))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    wait_idle(qtbot, window)
    return window


def _dashboard(qtbot: Any, window: Any) -> Any:
    page = go(qtbot, window, "dashboard")
    until(qtbot, lambda: page.view is not None)
    return page


def test_pilot_accounts_against_the_rest_and_deals_set_by_hand(
    qtbot: Any, demo: Any, dialogs: Any, tmp_path: Path
) -> None:
    page = _dashboard(qtbot, demo)
    periods = page.pilot_panel.model.frame
    assert list(periods["period"][:2]) == ["all deals", "all deals"]
    assert list(periods["group"][:2]) == ["pilot accounts", "other accounts"]
    assert periods["period"].str.match(r"^\d{4} Q[1-4]$").any()  # by quarter since the baseline
    assert "20 pilot accounts" in page.pilot_panel.findings_label.text()
    # No rate reads 100% off one or two deals: the cell says why there is none.
    few = periods[(periods["won"] + periods["lost"]).between(1, 4)]
    assert len(few) and few["win_rate_text"].str.endswith("too few deals to judge").all()
    assert not periods["win_rate_text"].str.startswith("100%").any()

    # By month, co-sold against the rest.
    panel = page.pilot_panel
    panel.by_combo.setCurrentIndex(panel.by_combo.findData("month"))
    panel.by_combo.activated.emit(panel.by_combo.currentIndex())
    panel.compare_combo.setCurrentIndex(panel.compare_combo.findData("co-sold"))
    panel.compare_combo.activated.emit(panel.compare_combo.currentIndex())
    wait_idle(qtbot, demo)
    until(qtbot, lambda: page.view.by == "month" and page.view.compare == "co-sold")
    periods = panel.model.frame
    assert periods["period"].str.match(r"^\d{4}-\d{2}$").any()
    assert set(periods["group"]) == {"co-sold", "not co-sold"}

    # A deal entered as not co-sold, set co-sold and partner-sourced by hand.
    deals = page.deals_panel
    frame = deals.model.frame
    row = int((~frame["co_sold"] & (frame["outcome"] == "won")).to_numpy().argmax())
    deal_id, account = int(frame["id"].iat[row]), frame["account_name"].iat[row]
    deals.table.setCurrentIndex(deals.table.proxy.mapFromSource(deals.model.index(row, 0)))
    assert deals.apply_button.isEnabled() and not deals.stage_combo.isEnabled()  # won: no stage
    deals.co_sold_combo.setCurrentIndex(deals.co_sold_combo.findData("yes"))
    deals.part_combo.setCurrentIndex(deals.part_combo.findData("sourced"))
    qtbot.mouseClick(deals.apply_button, LEFT)
    wait_idle(qtbot, demo)

    def changed() -> bool:
        deal = page.view.deals.set_index("id").loc[deal_id]
        return bool(deal["co_sold"]) and deal["partner_role"] == "sourced"

    until(qtbot, changed)
    rep = page.view.deals.set_index("id").loc[deal_id, "rep"]
    credit = page.credit_panel.model.frame.set_index("rep")
    assert credit.loc[rep, "sourced_won"] >= 1, account

    # Exported for sales operations: a workbook of the reps and the deals.
    target = tmp_path / "credit.xlsx"
    dialogs.save_files.append(str(target))
    qtbot.mouseClick(page.credit_panel.export_button, LEFT)
    wait_idle(qtbot, demo)
    until(qtbot, target.is_file)
    assert ("saved", str(target)) in dialogs.calls
    sheets = pd.read_excel(target, sheet_name=None, engine="calamine")
    assert list(sheets) == ["Credit by rep", "Deals"]
    assert not dialogs.errors()

    # The demo's partnership (296 shared accounts) is CRM-sized: no advice on tools.
    overlaps = go(qtbot, demo, "overlaps")
    until(qtbot, lambda: overlaps.view is not None)
    assert overlaps.fit_label.isHidden()


def test_a_tiny_partnership_hears_a_spreadsheet_is_enough(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    ws, *_ = mapped_workspace(tmp_path / "acme")
    path = ws.path
    ws.close()
    window.open_workspace(str(path))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    page = go(qtbot, window, "overlaps")
    until(qtbot, lambda: page.view is not None)
    assert not page.fit_label.isHidden()
    assert page.fit_label.text().startswith("Under 100 shared accounts a spreadsheet is enough")
