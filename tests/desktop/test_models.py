"""The table models: Qt's model contract, raw-value sorting, vectorized filters, O(1) data()."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt

from desktop.models.frame import RAW_ROLE, Column, FrameModel, FrameProxy, mask_contains
from desktop.widgets.table import ROW_HEIGHT, DataTable

COLUMNS = [
    Column("name", "Account"),
    Column("stage", "Stage"),
    Column("deal_size", "Deal size", "money"),
    Column("score", "Score", "score"),
]


def frame(rows: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "name": [f"Company {i:07d}" for i in range(rows)],
            "stage": rng.choice(["prospect", "customer", "churned", None], rows),
            "deal_size": np.where(rng.random(rows) < 0.2, np.nan, rng.random(rows) * 1e6),
            "score": rng.integers(50, 100, rows).astype(float),
        }
    )


def test_model_contract(qtmodeltester) -> None:
    model = FrameModel(COLUMNS)
    model.set_frame(frame())
    qtmodeltester.check(model, force_py=True)
    proxy = FrameProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)


def test_empty_model_contract(qtmodeltester) -> None:
    model = FrameModel(COLUMNS)
    qtmodeltester.check(model, force_py=True)
    model.set_frame(frame(0))
    qtmodeltester.check(model, force_py=True)


def test_display_and_raw_values() -> None:
    model = FrameModel(COLUMNS)
    data = frame(10)
    data.loc[0, "deal_size"] = 1_250_000.0
    data.loc[1, "deal_size"] = np.nan
    model.set_frame(data)
    assert model.data(model.index(0, 2)) == "$1.25M"
    assert model.data(model.index(0, 2), RAW_ROLE) == 1_250_000.0
    assert model.data(model.index(1, 2)) == ""
    assert model.data(model.index(1, 2), RAW_ROLE) is None
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Deal size"
    assert model.index(0, 3).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight


def test_proxy_sorts_numbers_as_numbers() -> None:
    model = FrameModel(COLUMNS)
    model.set_frame(pd.DataFrame({"name": ["a", "b", "c"], "deal_size": [900.0, 10_000.0, 80.0]}))
    proxy = FrameProxy()
    proxy.setSourceModel(model)
    proxy.sort(2, Qt.SortOrder.AscendingOrder)
    shown = [proxy.index(r, 0).data() for r in range(3)]
    assert shown == ["c", "a", "b"]  # as text "10,000" < "80" < "900" would be wrong


def test_big_sorts_are_vectorized_and_keep_missing_last() -> None:
    model = FrameModel(COLUMNS)
    model.set_frame(frame(50_000))
    proxy = FrameProxy()
    proxy.setSourceModel(model)
    started = time.perf_counter()
    proxy.sort(2, Qt.SortOrder.DescendingOrder)
    assert time.perf_counter() - started < 1.0
    values = [proxy.index(r, 2).data(RAW_ROLE) for r in range(proxy.rowCount())]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=True)
    assert values[-1] is None and values[0] is not None


def test_mask_filters_rows_and_keeps_sort() -> None:
    model = FrameModel(COLUMNS)
    data = frame(1000)
    model.set_frame(data)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    model.set_mask(mask_contains(data, ["name"], "company 000001"))
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert len(names) == 10
    assert names == sorted(names, reverse=True)
    assert all("000001" in n for n in names)
    model.set_mask(None)
    assert model.rowCount() == 1000


def test_data_is_constant_time_per_cell_at_a_million_rows() -> None:
    """Scrolling stays smooth: data() on a 1M-row model costs what it costs on 1k rows."""

    def per_cell(rows: int) -> float:
        model = FrameModel(COLUMNS)
        model.set_frame(frame(rows))
        rng = np.random.default_rng(1)
        picks = [
            (int(r), int(c))
            for r, c in zip(rng.integers(0, rows, 20_000), rng.integers(0, 4, 20_000), strict=True)
        ]
        indexes = [model.index(r, c) for r, c in picks]
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            for index in indexes:
                model.data(index, Qt.ItemDataRole.DisplayRole)
            best = min(best, (time.perf_counter() - started) / len(indexes))
        return best

    small = per_cell(1_000)
    big = per_cell(1_000_000)
    print(f"data(): {small * 1e6:.2f} µs/cell at 1k rows, {big * 1e6:.2f} µs/cell at 1M rows")
    assert big < 25e-6
    assert big < small * 3


def test_table_rows_have_one_fixed_height(qtbot) -> None:
    model = FrameModel(COLUMNS)
    model.set_frame(frame(1_000_000))
    table = DataTable(model, "Big table")
    qtbot.addWidget(table)
    table.resize(800, 600)
    table.show()
    qtbot.waitExposed(table)
    header = table.verticalHeader()
    assert header.sectionResizeMode(0) == header.ResizeMode.Fixed
    assert header.defaultSectionSize() == ROW_HEIGHT
    started = time.perf_counter()
    table.scrollToBottom()
    table.viewport().repaint()
    table.scrollTo(table.model().index(500_000, 0))
    table.viewport().repaint()
    assert time.perf_counter() - started < 0.5
    assert table.rowAt(10) > 400_000
    table.close()


@pytest.mark.parametrize(
    "kind", ["text", "number", "count", "money", "score", "bool", "label", "date", "moment"]
)
def test_every_format_accepts_missing_values(kind: str) -> None:
    model = FrameModel([Column("x", "X", kind)])
    model.set_frame(pd.DataFrame({"x": [None, np.nan, 1.0]}))
    assert model.index(0, 0).data() == ""
    assert model.index(1, 0).data() == ""
    assert model.index(2, 0).data() != "" or kind == "bool"
    assert model.index(0, 0).parent() == QModelIndex()


def test_money_scores_and_dates_read_as_everywhere_else() -> None:
    """One rule for every magnitude (not "$112,000.0M" in a table and "$112.0B" on a chart),
    scores rounded down so 91.96 never reads as reaching 92, dates as "7 Dec 2026"."""
    model = FrameModel(
        [
            Column("potential", "Potential", "money"),
            Column("score", "Score", "score"),
            Column("due", "Due", "date"),
        ]
    )
    model.set_frame(
        pd.DataFrame(
            {
                "potential": [112_000_000_000.0, 4_961_600_000.0, 145_900_000.0],
                "score": [91.96, 92.0, 100.0],
                "due": ["2026-12-07", "2026-12-07 14:05:00.123456", None],
            }
        )
    )
    shown = [[model.index(r, c).data() for c in range(3)] for r in range(3)]
    assert shown == [
        ["$112.0B", "91.9", "7 Dec 2026"],
        ["$4.96B", "92", "7 Dec 2026"],
        ["$145.9M", "100", ""],
    ]


def test_the_locale_gives_separators_currency_and_date_order() -> None:
    from PySide6.QtCore import QLocale

    from desktop.operations.formats import conventions_of
    from engine.output.formats import count, day, money

    german = conventions_of(QLocale("de_DE"))
    assert (money(4_961_600_000, conventions=german), count(1200, conventions=german)) == (
        "4,96B €",
        "1.200",
    )
    assert day("2026-12-07", conventions=german) == "7 Dez 2026"
    american = conventions_of(QLocale("en_US"))
    assert day("2026-12-07", conventions=american) == "Dec 7, 2026"
    assert money(145_900_000, conventions=american) == "$145.9M"
    assert conventions_of(QLocale.c()) == conventions_of(QLocale("C"))
