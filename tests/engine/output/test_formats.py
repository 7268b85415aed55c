"""One formatter for money, counts, scores and dates: the same figure reads the same everywhere."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.output import formats
from engine.output.formats import Conventions, count, day, moment, money, number, percent, score


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "$0"),
        (950, "$950"),
        (12_500, "$12.5k"),
        (145_900_000, "$145.9M"),
        (4_961_600_000, "$4.96B"),
        (112_000_000_000, "$112.0B"),
        (-2_500_000, "-$2.50M"),
        (999_960, "$1.00M"),  # never "$1,000.0k"
        (9_996_000, "$10.0M"),
        (-0.4, "$0"),
    ],
)
def test_money_one_rule_for_every_magnitude(value: float, text: str) -> None:
    assert money(value) == text


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, pd.NaT, "", "n/a"])
def test_missing_values_are_blank_never_nan_or_none(missing: object) -> None:
    assert money(missing) == ""
    assert count(missing) == ""
    assert score(missing) == ""


def test_counts_group_thousands() -> None:
    assert count(1200) == "1,200"
    assert count(np.int64(1_234_567)) == "1,234,567"
    assert number(3.5) == "3.5"
    assert number(7.0) == "7"
    assert percent(0.256) == "26%"


@pytest.mark.parametrize(
    ("value", "text"), [(91.96, "91.9"), (91.9, "91.9"), (92.0, "92"), (0.3, "0.3"), (100, "100")]
)
def test_scores_round_down_so_a_threshold_reads_right(value: float, text: str) -> None:
    assert score(value) == text


def test_dates_read_one_way_from_every_source() -> None:
    expected = "7 Dec 2026"
    assert day(dt.date(2026, 12, 7)) == expected
    assert day(dt.datetime(2026, 12, 7, 14, 5)) == expected
    assert day("2026-12-07") == expected
    assert day("2026-12-07 14:05:33.123456") == expected
    assert day(pd.Timestamp("2026-12-07")) == expected
    assert day(pd.NaT) == ""
    assert moment("2026-12-07 14:05:33.123456") == "7 Dec 2026, 14:05"
    assert moment(dt.date(2026, 12, 7)) == expected
    assert day("next quarter") == "next quarter"  # text that is not a date is kept


def test_conventions_of_another_locale() -> None:
    german = Conventions(
        decimal=",",
        group=".",
        currency="€",
        currency_first=False,
        order="dmy",
        months=("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
                "Nov.", "Dez."),
    )  # fmt: skip
    assert money(4_961_600_000, conventions=german) == "4,96B €"
    assert count(1200, conventions=german) == "1.200"
    assert score(91.96, conventions=german) == "91,9"
    assert day("2026-12-07", conventions=german) == "7 Dez. 2026"
    american = Conventions(order="mdy")
    assert day("2026-12-07", conventions=american) == "Dec 7, 2026"
    assert day("2026-12-07", conventions=Conventions(order="ymd")) == "2026-12-07"


def test_use_conventions_changes_later_calls() -> None:
    before = formats.conventions()
    try:
        formats.use_conventions(Conventions(group=" ", decimal=","))
        assert count(1200) == "1 200"
        assert money(145_900_000) == "$145,9M"
    finally:
        formats.use_conventions(before)
    assert count(1200) == "1,200"


def test_spreadsheets_keep_money_as_numbers_with_a_money_format(tmp_path) -> None:
    """An exported list stays summable in Excel: money cells are numbers shown as $1,234,567,
    never text such as "$1.23M"; other numbers keep the plain number format."""
    import openpyxl

    from engine.output.formats import MONEY_COLUMNS
    from engine.output.tables import write_table

    frame = pd.DataFrame(
        {
            "name": ["Initech", "Hooli"],
            "potential_revenue": [1_234_567.0, 30_000.0],
            "Annual revenue": [5e6, None],
            "employees": [150, 5000],
        }
    )
    path = write_table(frame, tmp_path / "accounts.xlsx")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert sheet["B2"].value == 1_234_567 and sheet["B2"].number_format == formats.XLSX_MONEY
    assert sheet["C2"].value == 5e6 and sheet["C2"].number_format == formats.XLSX_MONEY
    assert sheet["D3"].value == 5000 and sheet["D3"].number_format == "#,##0.##"
    assert {"potential_revenue", "Open deal size", "partner_deal_size"} <= MONEY_COLUMNS


def test_pdf_cells_read_as_the_pages() -> None:
    from engine.output.pdf import number_text

    assert number_text(4_961_600_000.0, "Potential") == "$4.96B"
    assert number_text(5e6, "Annual revenue") == "$5.00M"
    assert number_text(1234, "Employees") == "1,234"
    assert number_text(3.25, "Score") == "3.2"
    assert number_text("next week", "Due") == "next week"
