"""Step 1, cleaning (engine/importing/clean.py): amounts, dates, stages, named by domain."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine import (
    ImportFileError,
    Workspace,
    import_file,
    propose_mapping,
    read_export,
    standardize,
)
from engine.importing import classify_stage, clean_amounts, clean_dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$1.2M", 1_200_000),
        ("1,200,000", 1_200_000),
        ("1.200.000,00 €", 1_200_000),
        ("12k", 12_000),
        ("12K", 12_000),
        ("€ 3,5 Mio", 3_500_000),
        ("2.5bn", 2_500_000_000),
        ("USD 45,000.50", 45_000.5),
        ("(500)", -500),
        ("-42", -42),
        ("1 234 567", 1_234_567),
        ("1,5", 1.5),
        ("987", 987),
        ("n/a", None),
        ("", None),
        ("-", None),
        ("call me", None),
    ],
)
def test_money(raw: str, expected: float | None) -> None:
    values, _bad = clean_amounts(pd.Series([raw], dtype="str"))
    if expected is None:
        assert pd.isna(values[0])
    else:
        assert values[0] == pytest.approx(expected)


def test_money_reports_what_it_cannot_read() -> None:
    _values, bad = clean_amounts(pd.Series(["1", "call me", "n/a", "call me"], dtype="str"))
    assert bad == ["call me"]


def test_employee_ranges() -> None:
    values, _ = clean_amounts(pd.Series(["51-200", "10,001+", "1,000"], dtype="str"), ranges=True)
    assert values.tolist() == [51, 10_001, 1_000]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["3/4/2021", "12/31/2020"], ["2021-03-04", "2020-12-31"]),  # month first (US)
        (["04/03/2021", "31/12/2020"], ["2021-03-04", "2020-12-31"]),  # day first: 31 > 12
        (["05.03.2024"], ["2024-03-05"]),
        (["2021-03-04T10:11:12.000Z", "2024-02-29 09:00"], ["2021-03-04", "2024-02-29"]),
        (["11/15/2021 6:03 PM"], ["2021-11-15"]),
        (["5 Mar 2024", "March 5, 2024"], ["2024-03-05", "2024-03-05"]),
        (["44927"], ["2023-01-01"]),  # an Excel day number
        (["", "n/a"], [None, None]),
    ],
)
def test_dates(values: list[str], expected: list[str | None]) -> None:
    result, _bad = clean_dates(pd.Series(values, dtype="str"))
    assert [v if isinstance(v, str) else None for v in result.tolist()] == expected


@pytest.mark.parametrize(
    ("raw", "stage"),
    [
        ("Customer - Direct", "customer"),
        ("Customer - Channel", "customer"),
        ("Former Customer", "churned"),
        ("Prospect", "prospect"),
        ("marketingqualifiedlead", "prospect"),
        ("salesqualifiedlead", "prospect"),
        ("opportunity", "prospect"),
        ("customer", "customer"),
        ("evangelist", "customer"),
        ("Closed Won", "customer"),
        ("Closed Lost", "other"),
        ("Partner", "other"),
        ("Warm lead", "prospect"),
        ("Churned", "churned"),
        ("Ex-customer (2019)", "churned"),
    ],
)
def test_stage_vocabulary(raw: str, stage: str) -> None:
    assert classify_stage(raw) == stage


def test_unknown_stage_is_other_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Name,Stage\nAcme,Platinum\nGlobex,customer\n")
    raw = read_export(path)
    result = standardize(raw, propose_mapping(raw))
    assert result.accounts["stage"].tolist() == ["other", "customer"]
    assert result.accounts["stage_raw"].tolist() == ["Platinum", "customer"]
    assert any("Platinum" in w for w in result.summary["warnings"])
    extended = standardize(raw, propose_mapping(raw), stage_values={"platinum": "customer"})
    assert extended.accounts["stage"].tolist() == ["customer", "customer"]


def test_preview_is_cheap_and_separate(data_dir: Path) -> None:
    raw = read_export(data_dir / "salesforce_report.csv")
    preview = standardize(raw.head(2), propose_mapping(raw))
    assert len(preview.accounts) == 2
    assert raw.samples("Type", 3) == ["Customer - Direct", "Prospect", "Former Customer"]


def test_a_file_of_web_domains_without_names_is_named_by_domain(
    workspace: Workspace, data_dir: Path, tmp_path: Path
) -> None:
    report = import_file(workspace, "us", data_dir / "no_name_column.csv")
    accounts = workspace.accounts(report.snapshot_id)
    assert accounts[["name", "domains", "stage"]].values.tolist()[0] == [
        "acme.com",
        "acme.com",
        "customer",
    ]
    assert any("named by its web domain" in w for w in report.summary["warnings"])
    assert "name" not in report.mapping

    neither = tmp_path / "phones.csv"
    neither.write_text("Type,Phone\nCustomer,555\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="no column holds the account names or web domains"):
        import_file(workspace, "us", neither)
    assert len(workspace.snapshots(None)) == 1
