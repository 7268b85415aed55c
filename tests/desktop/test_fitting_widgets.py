"""Tables and charts sized to their room on a laptop screen: a table's columns fit its width
(the least read give up room first), long texts can wrap, a bar chart is as tall as its bars."""

from __future__ import annotations

import pandas as pd
from PySide6.QtGui import QColor

from desktop.models.frame import Column, FrameModel
from desktop.widgets.charts import Bar, BarChart
from desktop.widgets.table import ROW_HEIGHT, DataTable


class LeadsModel(FrameModel):
    COLUMNS = (
        Column("name", "Account"),
        Column("lead", "Lead"),
        Column("rationale", "Why"),
        Column("our_stage", "Our stage"),
        Column("partner_stage", "Their stage"),
        Column("open_disputes", "Disputes", "number"),
    )


def leads(rows: int = 12) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [f"Allied Chenkivan Holdings {i}" for i in range(rows)],
            "lead": ["partner"] * rows,
            "rationale": ["Partner leads: they introduced the account first, in March"] * rows,
            "our_stage": ["customer"] * rows,
            "partner_stage": ["prospect"] * rows,
            "open_disputes": [0] * rows,
        }
    )


def widths(table: DataTable) -> list[int]:
    return [table.columnWidth(c) for c in range(table.model().columnCount())]


def test_columns_fit_the_view_and_the_least_read_give_way_first(qtbot) -> None:
    model = LeadsModel()
    model.set_frame(leads())
    table = DataTable(model, "Leads")
    qtbot.addWidget(table)
    table.set_widths(
        {"name": 200, "lead": 70, "rationale": 320, "our_stage": 90, "partner_stage": 96}
    )
    table.squeeze_first({"rationale": 120})
    table.resize(1000, 400)
    table.show()
    qtbot.waitExposed(table)
    # Wide enough: every column has the width it was given.
    assert widths(table)[:5] == [200, 70, 320, 90, 96]
    table.resize(760, 400)
    qtbot.wait(10)
    shown = widths(table)
    # The reason gave up its room first; the others kept theirs, and nothing scrolls sideways.
    assert shown[2] < 320 and shown[:2] == [200, 70] and shown[3:5] == [90, 96]
    assert sum(shown) <= table.viewport().width() + 1
    assert table.horizontalScrollBar().maximum() == 0
    table.resize(560, 400)
    qtbot.wait(10)
    shown = widths(table)
    # Narrower still: the reason keeps what it was promised, the others shrink in proportion.
    assert shown[2] == 120
    assert shown[0] < 200
    assert sum(shown) <= table.viewport().width() + 1
    # Wide again: the widths come back.
    table.resize(1000, 400)
    qtbot.wait(10)
    assert widths(table)[:5] == [200, 70, 320, 90, 96]
    table.close()


def test_wrapped_rows_are_as_tall_as_their_text(qtbot) -> None:
    model = LeadsModel()
    model.set_frame(leads(3))
    table = DataTable(model, "Checklist")
    qtbot.addWidget(table)
    table.set_widths({"name": 120, "lead": 60, "rationale": 120, "our_stage": 80})
    table.wrap_rows()
    table.resize(700, 300)
    table.show()
    qtbot.waitExposed(table)
    table.resizeRowsToContents()
    # The reason takes several lines in a 120 px column, and its row grows to show them.
    assert table.rowHeight(0) >= 2 * ROW_HEIGHT
    table.close()


def test_a_bar_chart_is_as_tall_as_its_bars(qtbot) -> None:
    chart = BarChart("Win rate")
    qtbot.addWidget(chart)
    chart.set_bars(
        [Bar("Co-sold", 0.71, "71%", QColor("purple")), Bar("Other", 0.38, "38%", QColor("blue"))],
        "30 co-sold · 30 other deals",
    )
    line = chart.fontMetrics().height()
    # Title, two bars and the note as painted (paintEvent's steps), and no empty band below.
    painted = line + 14 + 2 * (line + 6 + 4) + line + 4
    assert painted <= chart.sizeHint().height() <= painted + 8
    three = chart.sizeHint().height()
    chart.set_bars([Bar(str(i), i, str(i), QColor("blue")) for i in range(5)], "note")
    assert chart.sizeHint().height() > three
