"""Step 1, reading (engine/importing/read.py): real-shaped CRM text exports, hostile files."""

from __future__ import annotations

import codecs
import contextlib
import json
import shutil
import time
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
from tests.engine.importing.conftest import _accounts, _by_name, snapshot_extra

# ------------------------------------------------------------------ exports shaped like real ones


def test_salesforce_report_with_footer(workspace: Workspace, data_dir: Path) -> None:
    report = import_file(workspace, "us", data_dir / "salesforce_report.csv")
    s = report.summary
    assert (s["imported"], s["rejected"], s["footer_lines"]) == (5, 1, 5)
    accounts = _accounts(workspace)
    assert "Grand Totals (6 records)" not in accounts["name"].tolist()
    acme = accounts.iloc[0]
    assert acme["row_number"] == 2 and acme["external_id"] == "0015g00000AcMe1AAB"
    assert acme["domains"] == "acme.com" and acme["domains_raw"] == "https://www.acme.com/about"
    assert acme["stage"] == "customer" and acme["stage_raw"] == "Customer - Direct"
    assert acme["annual_revenue"] == 1_200_000 and acme["annual_revenue_raw"] == "$1,200,000"
    assert acme["employees"] == 1200 and acme["priority"] == "high"
    assert acme["first_touch"] == "2021-03-04" and acme["country"] == "United States"
    rows = _by_name(accounts)
    assert (
        rows["Globex GmbH"]["domains"] == "globex.de"
        and rows["Globex GmbH"]["annual_revenue"] == 1.5e6
    )
    assert rows["Initech"]["domains"] == "initech.com" and rows["Initech"]["stage"] == "churned"
    assert (
        pd.isna(rows["Initech"]["annual_revenue"])
        and rows["Initech"]["annual_revenue_raw"] == "n/a"
    )
    # The nameless row is rejected with its spreadsheet row number; nothing vanished.
    rejected = workspace.rejected(report.snapshot_id)
    assert rejected["row_number"].tolist() == [5]
    assert rejected["reason"].iloc[0] == "no account name"
    assert json.loads(rejected["raw_json"].iloc[0])["Website"] == "nameless.com"
    # The repeated Acme row is reported twice (same id; same name and domain) but kept.
    assert set(report.duplicates["kind"]) == {"same external id", "same name and domain"}
    assert report.duplicates["first_row"].tolist() == [2, 2]
    assert (accounts["row_number"] == 7).any()
    # Unmapped columns are kept.
    snapshot = workspace.current_snapshot(None)
    assert json.loads(snapshot.extra_columns_json) == ["Phone"]
    assert json.loads(acme["extra_json"]) == ["(617) 555-0100"]


def test_salesforce_data_export(workspace: Workspace, data_dir: Path) -> None:
    report = import_file(workspace, "Globex", data_dir / "Account.csv")
    assert report.summary["imported"] == 3
    assert report.mapping["name"] == "Name" and report.mapping["external_id"] == "Id"
    assert report.mapping["first_touch"] == "CreatedDate"
    rows = _by_name(_accounts(workspace, "Globex"))
    acme = rows["Acme Corporation"]
    assert acme["first_touch"] == "2021-03-04" and acme["owner"] == "0055g000001abcDAAQ"
    assert rows["Stark Industries"]["annual_revenue"] == 2.5e9
    assert rows["Wayne Enterprises"]["domains"] == "wayne.co.uk"
    extra = json.loads(snapshot_extra(workspace, "Globex"))
    street = json.loads(acme["extra_json"])[extra.index("BillingStreet")]
    assert street == "1 Main St\nSuite 5"  # a quoted line break inside a value


def test_hubspot_export_with_bom(workspace: Workspace, data_dir: Path) -> None:
    report = import_file(workspace, "Globex", data_dir / "hubspot_companies.csv")
    assert report.raw.encoding == "utf-8-sig"
    assert report.mapping["domains"] == ["Company Domain Name", "Website URL"]
    assert report.mapping["name"] == "Company name"
    rows = _by_name(_accounts(workspace, "Globex"))
    assert rows["Hooli"]["external_id"] == "5012345678"
    assert rows["Hooli"]["domains"] == "hooli.xyz"  # the same domain twice, once
    assert rows["Pied Piper"]["domains"] == "piedpiper.com pied-piper.io"
    assert rows["Pied Piper"]["stage"] == "prospect"
    assert rows["Société Générale"]["stage"] == "churned"
    assert rows["Müller Maschinenbau"]["domains"] == "xn--mller-maschinen-zvb.de"
    assert rows["Freelance Bob"]["domains"] == ""  # gmail.com says nothing about the account
    assert rows["Hooli"]["first_touch"] == "2023-05-01"
    assert rows["Pied Piper"]["first_touch"] == "2024-02-29"


def test_utf16_unicode_text(workspace: Workspace, data_dir: Path) -> None:
    report = import_file(workspace, "us", data_dir / "unicode_text.txt")
    assert (report.raw.encoding, report.raw.delimiter) == ("utf-16", "\t")
    rows = _by_name(_accounts(workspace))
    assert set(rows) == {
        "Müller GmbH",
        "Société Anonyme Française",
        "株式会社サンプル",
        "Ærø Fiskeri ApS",
    }
    assert rows["株式会社サンプル"]["domains"] == "sample.co.jp"
    assert rows["株式会社サンプル"]["country"] == "日本"
    assert rows["株式会社サンプル"]["annual_revenue"] == 100_000_000
    assert rows["Müller GmbH"]["annual_revenue"] == 2_500_000  # 2.500.000


def test_cp1252_semicolons_decimal_commas(workspace: Workspace, data_dir: Path) -> None:
    report = import_file(workspace, "us", data_dir / "cp1252_semicolon.csv")
    assert report.raw.encoding == "cp1252" and report.raw.delimiter == ";"
    rows = _by_name(_accounts(workspace))
    baker = rows["Bäckerei Müller"]
    assert baker["annual_revenue"] == pytest.approx(1_234_567.89)
    assert baker["city"] == "Köln" and baker["first_touch"] == "2024-03-05"
    assert baker["stage"] == "customer"
    assert rows["Café Zürich AG"]["annual_revenue"] == 12_500_000
    assert rows["Café Zürich AG"]["first_touch"] == "2023-12-31"
    assert rows["Café Zürich AG"]["stage"] == "prospect"
    assert rows["Société Générale"]["annual_revenue"] == pytest.approx(987.65)
    assert rows["Société Générale"]["stage"] == "churned"


def test_utf8_bom_plain_spreadsheet(workspace: Workspace, data_dir: Path) -> None:
    import_file(workspace, "us", data_dir / "utf8_bom.csv")
    rows = _by_name(_accounts(workspace))
    umbrella = rows["Umbrella Corp"]
    assert umbrella["external_id"] == "A-1" and umbrella["priority"] == "high"
    assert umbrella["deal_size"] == 12_000 and umbrella["deal_close_date"] == "2026-03-31"
    assert rows["Cyberdyne Systems"]["domains"] == "cyberdyne.ai"
    assert rows["Cyberdyne Systems"]["deal_size"] == pytest.approx(45_000.5)
    assert rows["Tyrell Corporation"]["domains"] == "tyrell.com"
    assert rows["Tyrell Corporation"]["stage"] == "churned"


def test_old_mac_line_ends(data_dir: Path) -> None:
    raw = read_export(data_dir / "old_mac.csv")
    assert raw.frame["Account Name"].tolist() == ["Acme", "Globex"]


MIXED = ["Acme Corporation", "Globex GmbH", "Initech", "Hooli", "Umbrella Corp", "Stark Industries"]


def test_mixed_line_ends_keep_every_row_and_column(data_dir: Path) -> None:
    raw = read_export(data_dir / "mixed_line_ends.csv")
    assert raw.headers == ["Account Name", "Website", "Billing Street", "Type", "Billing Country"]
    assert raw.frame["Account Name"].tolist() == MIXED
    assert raw.frame.index.tolist() == [2, 3, 4, 5, 6, 7]
    assert raw.frame["Type"].tolist()[:3] == ["Customer", "Prospect", "Former Customer"]
    # Line breaks inside quoted cells are data, not line ends.
    assert raw.frame["Billing Street"].tolist()[1] == "Hauptstr. 5\nHinterhaus"
    assert raw.frame["Billing Street"].tolist()[3] == "1 Hacker Way\r\nBuilding 2"
    assert raw.footer_lines == (
        "Grand Totals (6 records)",
        "Confidential Information - Do Not Distribute",
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("last_type", ["Prospect", None], ids=["pyarrow", "pandas"])
@pytest.mark.parametrize(
    "ends",
    [("\r", "\n", "\r\n"), ("\n", "\r", "\r"), ("\r\n", "\r", "\n"), ("\r", "\r\n", "\r\n")],
)
def test_every_line_end_style_in_one_file(
    tmp_path: Path, ends: tuple[str, str, str], last_type: str | None, encoding: str
) -> None:
    """The header finder and both parsers (pyarrow; pandas, which takes the short last row)
    read ``\\r``, ``\\n`` and ``\\r\\n`` wherever they come, in UTF-8 and decoded UTF-16."""
    header, first, rest = ends
    last = "Initech;initech.com" + (f";{last_type}" if last_type else "")
    text = (
        f"Report: Accounts{header}{header}Account Name;Website;Type{header}"
        f"Société Générale;societegenerale.fr;Customer{first}"
        f'Müller GmbH;"mueller.de";Prospect{rest}'
        f'"Café{first}Zürich AG";cafe.ch;Customer{rest}'
        f"{last}{rest}"
    )
    path = tmp_path / "mixed.csv"
    path.write_bytes(text.encode(encoding))
    raw = read_export(path)
    assert raw.headers == ["Account Name", "Website", "Type"] and raw.header_row == 3
    assert raw.frame["Account Name"].tolist() == [
        "Société Générale",
        "Müller GmbH",
        f"Café{first}Zürich AG",
        "Initech",
    ]
    assert raw.frame["Type"].tolist() == ["Customer", "Prospect", "Customer", last_type or ""]
    assert raw.frame.index.tolist() == [4, 5, 6, 7]


def test_a_header_row_repeated_mid_file_is_skipped_and_reported(
    workspace: Workspace, data_dir: Path
) -> None:
    """Two HubSpot exports joined with ``cat``: the second's BOM and header sit in row 5."""
    report = import_file(workspace, "us", data_dir / "concatenated_exports.csv")
    names = _accounts(workspace)["name"].tolist()
    assert names == ["Hooli", "Pied Piper", "Initech", "Massive Dynamic", "Soylent"]
    rejected = workspace.rejected(report.snapshot_id)
    assert rejected["row_number"].tolist() == [5]
    assert "header row" in rejected["reason"].iloc[0]
    assert json.loads(rejected["raw_json"].iloc[0])["Company name"] == "Company name"
    assert report.summary["rejected"] == 1 and report.summary["imported"] == 5
    assert any("row 5" in w and "header" in w for w in report.summary["warnings"])
    assert any("header" in line and "row 5" in line for line in report.lines())


def test_a_repeated_quoted_header_after_a_byte_order_mark(tmp_path: Path) -> None:
    """Quoted exports with a BOM joined together: the parsers keep the BOM and the quotes."""
    part = codecs.BOM_UTF8 + b'"Account Name","Website"\r\n"Acme","acme.com"\r\n'
    path = tmp_path / "joined.csv"
    path.write_bytes(part * 3)
    raw = read_export(path)
    assert raw.frame["Account Name"].tolist() == ["Acme"] * 3
    assert raw.repeated_header_rows == (3, 5)


def test_joined_report_pages_lose_their_headers_and_footers(
    workspace: Workspace, data_dir: Path
) -> None:
    """Two Salesforce report exports joined: the first one's footer and the second one's
    header are in the middle of the file, and none of them is an account."""
    report = import_file(workspace, "us", data_dir / "report_pages.csv")
    names = _accounts(workspace)["name"].tolist()
    assert names == [
        "Acme Corporation",
        "Globex GmbH",
        "Initech",
        "Wayne Enterprises",
        "Stark Industries",
    ]
    assert report.summary["footer_lines"] == 8
    assert workspace.rejected(report.snapshot_id)["row_number"].tolist() == [10]


def test_a_header_line_over_one_mib_is_refused(workspace: Workspace, data_dir: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(ImportFileError) as caught:
        import_file(workspace, "us", data_dir / "long_header.csv")
    assert time.perf_counter() - started < 5
    message = str(caught.value)
    assert message.startswith("long_header.csv: ") and "1 MiB" in message
    assert workspace.snapshots(None) == []


def test_a_one_column_list_over_one_mib_is_read(tmp_path: Path) -> None:
    """Many short lines in the first MiB are no long header, even with one column."""
    path = tmp_path / "domains.csv"
    path.write_text("Website\n" + "".join(f"company{i}.com\n" for i in range(80_000)))
    raw = read_export(path)
    assert raw.headers == ["Website"] and len(raw.frame) == 80_000


def test_encoding_detected_when_only_the_middle_is_not_utf8(tmp_path: Path) -> None:
    rows = [f"Company {i},company{i}.com" for i in range(40_000)]
    rows.insert(20_000, "Bäckerei Müller,baeckerei.de")
    path = tmp_path / "mixed.csv"
    path.write_bytes(("Account Name,Website\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    raw = read_export(path)
    assert raw.encoding == "cp1252"
    assert raw.frame["Account Name"].iloc[20_000] == "Bäckerei Müller"
    assert raw.frame.index[20_000] == 20_002 and len(raw.frame) == 40_001


# ------------------------------------------------------------------ hostile files


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "the file is empty"),
        ("binary.csv", "binary data"),
        ("ragged.csv", "has 4 values but the header has 2 columns"),
    ],
)
def test_hostile_files_give_clear_errors(
    workspace: Workspace, data_dir: Path, name: str, message: str
) -> None:
    with pytest.raises(ImportFileError) as caught:
        import_file(workspace, "us", data_dir / name)
    assert message in str(caught.value)
    assert name in str(caught.value)
    assert workspace.snapshots(None) == []  # nothing half-written


def test_ragged_row_names_its_row(data_dir: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_export(data_dir / "ragged.csv")
    assert caught.value.where == "ragged.csv, row 3"


def test_header_only_gives_no_accounts(workspace: Workspace, data_dir: Path) -> None:
    report = import_file(workspace, "us", data_dir / "header_only.csv")
    assert report.summary["imported"] == 0 and report.summary["rejected"] == 0
    assert len(workspace.snapshots(None)) == 1


def test_duplicate_headers_are_kept_apart(data_dir: Path) -> None:
    raw = read_export(data_dir / "duplicate_headers.csv")
    assert raw.headers == ["Name", "Website", "Name (2)", "Website (2)"]
    assert raw.renamed_headers == {"Name (2)": "Name", "Website (2)": "Website"}
    result = standardize(raw, propose_mapping(raw))
    assert result.accounts["name"].tolist() == ["Acme", "Globex"]
    assert "Name (2)" in result.extra_columns


def test_formula_like_cells_are_data(workspace: Workspace, data_dir: Path) -> None:
    import_file(workspace, "us", data_dir / "formulas.csv")
    accounts = _accounts(workspace)
    assert accounts["name"].tolist() == ["=1+1", "-Minus Corp"]
    assert accounts["domains_raw"].iloc[0] == "=cmd|' /C calc'!A0"
    assert accounts["owner"].tolist() == ["@SUM(A1:A2)", "+Owner"]
    assert json.loads(accounts["extra_json"].iloc[0]) == ["+1 555 0100"]


def test_csv_named_xlsx_is_read_by_content(data_dir: Path) -> None:
    raw = read_export(data_dir / "csv_named.xlsx")
    assert raw.kind == "csv" and raw.frame["Account Name"].tolist() == ["Acme", "Globex"]


def test_binary_named_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    with pytest.raises(ImportFileError, match="not a spreadsheet"):
        read_export(path)


def test_hundred_thousand_character_cell(tmp_path: Path) -> None:
    long_name = "A" * 100_000
    path = tmp_path / "long.csv"
    path.write_text(
        f'Account Name,Website\n"{long_name}",acme.com\nGlobex,globex.com\n', encoding="utf-8"
    )
    raw = read_export(path)
    result = standardize(raw, propose_mapping(raw))
    assert result.accounts["name"].str.len().tolist() == [100_000, 6]


def test_three_hundred_thousand_blank_lines_fast(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "blanks.csv"
    path.write_text(
        "Account Name,Website\nAcme,acme.com\n"
        + "\n" * 300_000
        + "Globex,globex.com\n"
        + ",\n" * 1000
    )
    start = time.perf_counter()
    report = import_file(workspace, "us", path)
    elapsed = time.perf_counter() - start
    assert report.summary["imported"] == 2 and report.summary["blank_rows"] == 301_000
    assert _accounts(workspace)["row_number"].tolist() == [2, 300_003]
    assert elapsed < 3.0, f"{elapsed:.2f} s"


def test_no_socket_during_import(workspace: Workspace, data_dir: Path, no_network: list) -> None:
    from engine.keys.domains import _rules

    _rules.cache_clear()  # the suffix list is built again, under watch
    import_file(workspace, "us", data_dir / "salesforce_report.csv")
    import_file(workspace, "Globex", data_dir / "dynamics_accounts.xlsx")
    assert no_network == []


def test_workspace_fixture_copy_is_unchanged(data_dir: Path, tmp_path: Path) -> None:
    """Reading never writes next to the export (no lock files, no caches)."""
    copy = tmp_path / "export"
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    before = sorted(p.name for p in copy.iterdir())
    for path in copy.iterdir():
        with contextlib.suppress(ImportFileError):
            read_export(path)
    assert sorted(p.name for p in copy.iterdir()) == before
