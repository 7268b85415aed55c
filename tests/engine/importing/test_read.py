"""Step 1, Import: real-shaped CRM exports, hostile files, mapping, cleaning and saving."""

from __future__ import annotations

import codecs
import contextlib
import io
import json
import shutil
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from engine import (
    ImportFileError,
    OverlapError,
    Workspace,
    import_file,
    list_profiles,
    parse_overrides,
    propose_mapping,
    read_export,
    save_profile,
    standardize,
    write_template,
)
from engine.cli import main as cli
from engine.errors import Cancelled, ShrinkingListError
from engine.importing import classify_stage, clean_amounts, clean_dates


def _accounts(ws: Workspace, side: str = "us") -> pd.DataFrame:
    snapshot = ws.current_snapshot(ws.side_partner_id(side))
    assert snapshot is not None and snapshot.id is not None
    return ws.accounts(snapshot.id)


def _by_name(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["name"]: row for row in frame.to_dict("records")}


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


def snapshot_extra(ws: Workspace, side: str) -> str:
    snapshot = ws.current_snapshot(ws.side_partner_id(side))
    assert snapshot is not None
    return snapshot.extra_columns_json


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


def test_dynamics_xlsx_hidden_columns(workspace: Workspace, data_dir: Path) -> None:
    report = import_file(workspace, "us", data_dir / "dynamics_accounts.xlsx")
    assert report.raw.sheet == "My Active Accounts"
    assert "hiddenSheet" in report.raw.sheets
    used = {h for v in report.mapping.values() for h in ([v] if isinstance(v, str) else v)}
    assert not any("(Do Not Modify)" in h for h in used)
    assert report.mapping["external_id"] == "Account Number"
    assert report.mapping["stage"] == "Relationship Type"
    rows = _by_name(_accounts(workspace))
    contoso = rows["Contoso Ltd"]
    assert contoso["domains"] == "contoso.com" and contoso["stage"] == "customer"
    assert contoso["annual_revenue"] == 1234567.5 and contoso["employees"] == 820
    assert contoso["first_touch"] == "2020-04-05" and contoso["country"] == "United States"
    assert rows["Fabrikam, Inc."]["annual_revenue_raw"] == "50000"  # a whole number, no ".0"
    assert rows["Northwind Traders"]["stage"] == "churned"
    extra = json.loads(snapshot_extra(workspace, "us"))
    assert extra[:3] == [
        "(Do Not Modify) Account",
        "(Do Not Modify) Row Checksum",
        "(Do Not Modify) Modified On",
    ]
    assert json.loads(contoso["extra_json"])[0] == "2b4f2a1c-1111-ef11-8409-000d3a5b2c11"


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


def _export(path: Path, names: list[str]) -> Path:
    rows = "".join(f"{n},{n.lower().replace(' ', '')}.com\r\n" for n in names)
    path.write_text("Account Name,Website\r\n" + rows, encoding="utf-8")
    return path


def test_an_export_without_accounts_never_replaces_a_list(
    workspace: Workspace, data_dir: Path
) -> None:
    import_file(workspace, "us", data_dir / "salesforce_report.csv")
    for replace in (False, True):
        with pytest.raises(ImportFileError) as caught:
            import_file(workspace, "us", data_dir / "header_only.csv", replace=replace)
        message = str(caught.value)
        assert message.startswith("header_only.csv: ") and "no accounts" in message
        assert "5 accounts" in message and "nothing was imported" in message
    assert len(workspace.snapshots(None)) == 1


def test_an_export_under_half_the_list_needs_replace(
    workspace: Workspace, data_dir: Path, tmp_path: Path
) -> None:
    import_file(workspace, "us", data_dir / "salesforce_report.csv")  # 5 accounts
    small = _export(tmp_path / "page1.csv", ["Acme Corporation", "Initech"])
    with pytest.raises(ShrinkingListError) as caught:
        import_file(workspace, "us", small, profile="page")
    error = caught.value
    assert (error.current, error.incoming) == (5, 2)
    assert str(error).startswith("page1.csv: ") and "under half" in str(error)
    assert len(workspace.snapshots(None)) == 1 and list_profiles(workspace).empty
    report = import_file(workspace, "us", small, replace=True)
    assert report.summary["imported"] == 2
    assert workspace.current_snapshot(None).id == report.snapshot_id
    # Half or more is an ordinary refresh.
    half = _export(tmp_path / "half.csv", ["Hooli"])
    assert import_file(workspace, "us", half).summary["imported"] == 1


def test_cli_import_under_half_needs_replace(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    ws = _ws_file(tmp_path)
    assert cli(["import", str(ws), "--side", "us", str(data_dir / "salesforce_report.csv")]) == 0
    small = _export(tmp_path / "page1.csv", ["Acme Corporation"])
    capsys.readouterr()
    assert cli(["import", str(ws), "--side", "us", str(small)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: page1.csv: ") and captured.err.count("\n") == 1
    assert "--replace" in captured.err and "Traceback" not in captured.err
    with Workspace.open(ws) as opened:
        assert len(opened.snapshots(None)) == 1
    assert cli(["import", str(ws), "--side", "us", str(small), "--replace"]) == 0
    assert "imported 1 accounts" in capsys.readouterr().out
    assert cli(["import", str(ws), "--side", "us", str(data_dir / "header_only.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: header_only.csv: ") and err.count("\n") == 1


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


def _zip_bomb(path: Path, size: int = 60 << 20) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                member.write(chunk)


def test_zip_bomb_fails_fast(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _zip_bomb(path)
    assert path.stat().st_size < 200_000
    start = time.perf_counter()
    with pytest.raises(ImportFileError, match="zip bomb"):
        import_file(workspace, "us", path)
    assert time.perf_counter() - start < 1.0
    assert workspace.snapshots(None) == []


def test_zip_bomb_with_lying_sizes(tmp_path: Path) -> None:
    """A zip whose directory claims a small size for a huge member is caught by inflating."""
    path = tmp_path / "liar.xlsx"
    _zip_bomb(path, size=8 << 20)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    fake = (info.compress_size * 2).to_bytes(4, "little")
    assert data.count(real) >= 1
    path.write_bytes(bytes(data).replace(real, fake))
    with pytest.raises(ImportFileError, match="zip bomb"):
        read_export(path)


def _xlsx_with_entity(tmp_path: Path) -> tuple[Path, str]:
    import xlsxwriter

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    plain = tmp_path / "plain.xlsx"
    workbook = xlsxwriter.Workbook(str(plain))
    sheet = workbook.add_worksheet()
    sheet.write_string(0, 0, "Account Name")
    sheet.write_string(1, 0, "PLACEHOLDER")
    workbook.close()
    evil = tmp_path / "evil.xlsx"
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(evil, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                text = data.decode()
                text = text.replace(
                    "?>",
                    f'?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file://{secret}">]>',
                    1,
                ).replace("PLACEHOLDER", "&xxe;")
                data = text.encode()
            target.writestr(item, data)
    return evil, "TOP-SECRET-CONTENT"


def test_xlsx_external_entity_refused(tmp_path: Path) -> None:
    evil, _secret = _xlsx_with_entity(tmp_path)
    with pytest.raises(ImportFileError, match="XML entities"):
        read_export(evil)


def test_calamine_never_expands_external_entities(tmp_path: Path) -> None:
    """Even without Overlap's check, the reader does not read the entity's file."""
    from python_calamine import CalamineWorkbook

    evil, secret = _xlsx_with_entity(tmp_path)
    try:
        rows = CalamineWorkbook.from_path(str(evil)).get_sheet_by_index(0).to_python()
    except Exception as error:  # calamine refuses the undeclared-to-it entity outright
        assert "entity" in str(error)
        return
    assert secret not in str(rows)


def test_no_socket_during_import(workspace: Workspace, data_dir: Path, no_network: list) -> None:
    from engine.keys.domains import _rules

    _rules.cache_clear()  # the suffix list is built again, under watch
    import_file(workspace, "us", data_dir / "salesforce_report.csv")
    import_file(workspace, "Globex", data_dir / "dynamics_accounts.xlsx")
    assert no_network == []


# ------------------------------------------------------------------ mapping


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (  # Salesforce report
            [
                "Account Name",
                "Account ID",
                "Website",
                "Type",
                "Billing Country",
                "Account Owner",
                "Created Date",
            ],
            {
                "name": "Account Name",
                "external_id": "Account ID",
                "domains": "Website",
                "stage": "Type",
                "country": "Billing Country",
                "owner": "Account Owner",
                "first_touch": "Created Date",
            },
        ),
        (  # Salesforce Data Export (API names)
            [
                "Id",
                "Name",
                "Website",
                "AnnualRevenue",
                "NumberOfEmployees",
                "BillingCity",
                "CreatedDate",
            ],
            {
                "external_id": "Id",
                "name": "Name",
                "domains": "Website",
                "annual_revenue": "AnnualRevenue",
                "employees": "NumberOfEmployees",
                "city": "BillingCity",
                "first_touch": "CreatedDate",
            },
        ),
        (  # HubSpot
            [
                "Record ID",
                "Company name",
                "Company Domain Name",
                "Lifecycle Stage",
                "Company owner",
                "Create Date",
            ],
            {
                "external_id": "Record ID",
                "name": "Company name",
                "domains": "Company Domain Name",
                "stage": "Lifecycle Stage",
                "owner": "Company owner",
                "first_touch": "Create Date",
            },
        ),
        (  # Dynamics 365
            [
                "(Do Not Modify) Account",
                "(Do Not Modify) Row Checksum",
                "Account Name",
                "Website",
                "Relationship Type",
                "Address 1: City",
                "Created On",
            ],
            {
                "name": "Account Name",
                "domains": "Website",
                "stage": "Relationship Type",
                "city": "Address 1: City",
                "first_touch": "Created On",
            },
        ),
        (  # Pipedrive
            [
                "Organization - ID",
                "Organization - Name",
                "Organization - Website",
                "Organization - Label",
                "Organization - Owner",
            ],
            {
                "external_id": "Organization - ID",
                "name": "Organization - Name",
                "domains": "Organization - Website",
                "stage": "Organization - Label",
                "owner": "Organization - Owner",
            },
        ),
        (  # Zoho CRM
            [
                "Record Id",
                "Account Name",
                "Website",
                "Account Type",
                "Billing Country",
                "Created Time",
            ],
            {
                "external_id": "Record Id",
                "name": "Account Name",
                "domains": "Website",
                "stage": "Account Type",
                "country": "Billing Country",
                "first_touch": "Created Time",
            },
        ),
        (  # Attio
            ["Record ID", "Name", "Domains", "Categories", "Created at"],
            {
                "external_id": "Record ID",
                "name": "Name",
                "domains": "Domains",
                "industry": "Categories",
                "first_touch": "Created at",
            },
        ),
        (  # Close
            ["id", "display_name", "url", "status_label", "date_created"],
            {
                "external_id": "id",
                "name": "display_name",
                "domains": "url",
                "stage": "status_label",
                "first_touch": "date_created",
            },
        ),
        (  # plain spreadsheet
            ["account_id", "company_name", "website", "industry", "country", "priority"],
            {
                "external_id": "account_id",
                "name": "company_name",
                "domains": "website",
                "industry": "industry",
                "country": "country",
                "priority": "priority",
            },
        ),
    ],
)
def test_header_aliases(tmp_path: Path, headers: list[str], expected: dict[str, str]) -> None:
    path = tmp_path / "export.csv"
    pd.DataFrame([["x"] * len(headers)], columns=headers).to_csv(path, index=False)
    proposed = propose_mapping(read_export(path))
    got = {f: c.header for f, c in proposed.fields.items() if c.headers}
    for field_name, header in expected.items():
        assert got.get(field_name) == header, (field_name, got)
        assert proposed.fields[field_name].confidence >= 0.9
    assert not any("(Do Not Modify)" in h for c in proposed.fields.values() for h in c.headers)


def test_fuzzy_headers_and_value_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "Acount Nme,Indstry,Links\nAcme,Software,https://acme.com\nGlobex,Energy,globex.com\n"
    )
    proposed = propose_mapping(read_export(path))
    assert proposed.fields["name"].header == "Acount Nme"
    assert 0.5 <= proposed.fields["name"].confidence < 0.9
    assert "resembles" in proposed.fields["name"].reason
    assert proposed.fields["industry"].header == "Indstry"
    assert proposed.fields["domains"].header == "Links"
    assert "look like web" in proposed.fields["domains"].reason
    table = proposed.table(read_export(path))
    assert table.set_index("field").loc["domains", "samples"] == "https://acme.com | globex.com"


def test_email_column_feeds_domains_when_no_website(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("Company,Email\nAcme,jane@acme.com\nGlobex,bob@gmail.com\n")
    raw = read_export(path)
    result = standardize(raw, propose_mapping(raw))
    assert result.accounts["domains"].tolist() == ["acme.com", ""]


def test_overrides(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Client,Web,Mail,Kind\nAcme,acme.com,x@acme.de,Customer\n")
    overrides = parse_overrides(["name=Client", "domains=Web", "domains=Mail", "stage=Kind"])
    assert overrides == {"name": "Client", "domains": ["Web", "Mail"], "stage": "Kind"}
    report = import_file(workspace, "us", path, overrides=overrides)
    account = _accounts(workspace).iloc[0]
    assert (account["name"], account["domains"], account["stage"]) == (
        "Acme",
        "acme.com acme.de",
        "customer",
    )
    assert report.proposed.fields["name"].reason == "chosen by you"
    with pytest.raises(ImportFileError, match="no column 'Nope'"):
        import_file(workspace, "us", path, overrides={"name": "Nope"})
    with pytest.raises(ImportFileError, match="not a standard field"):
        import_file(workspace, "us", path, overrides={"colour": "Client"})
    with pytest.raises(ImportFileError, match="FIELD=Header"):
        parse_overrides(["name"])


def test_profiles_are_saved_and_reused(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Kunde,Netz,Art\nAcme,acme.com,Gold Partner\n")
    first = import_file(
        workspace,
        "us",
        path,
        overrides={"name": "Kunde", "domains": "Netz", "stage": "Art"},
        profile="partner-x",
    )
    assert first.summary["imported"] == 1
    again = tmp_path / "export2.csv"
    again.write_text("Kunde,Netz,Art\nGlobex,globex.com,Kunde\n")
    proposed = propose_mapping(read_export(again), ws=workspace)  # found by its header set
    assert proposed.profile == "partner-x"
    assert proposed.fields["domains"].header == "Netz"
    assert proposed.fields["domains"].reason == "saved profile 'partner-x'"
    save_profile(workspace, "partner-x", proposed, stage_values={"Gold Partner": "customer"})
    assert list_profiles(workspace)["name"].tolist() == ["partner-x"]
    import_file(workspace, "us", path)
    assert _accounts(workspace)["stage"].tolist() == ["customer"]


def test_template_round_trip(workspace: Workspace, tmp_path: Path) -> None:
    for name in ("template.xlsx", "template.csv"):
        path = write_template(tmp_path / name)
        raw = read_export(path)
        assert raw.headers[:3] == ["external_id", "name", "domains"]
        assert raw.frame.empty and raw.notes  # the explaining row is skipped
        proposed = propose_mapping(raw)
        assert proposed.missing == []
    csv_path = tmp_path / "template.csv"
    csv_path.write_text(
        csv_path.read_text(encoding="utf-8-sig") + "P-1,Acme,acme.com\r\n", encoding="utf-8"
    )
    report = import_file(workspace, "us", csv_path)
    assert report.summary["imported"] == 1
    with pytest.raises(OverlapError, match=r"\.xlsx or \.csv"):
        write_template(tmp_path / "template.pdf")


# ------------------------------------------------------------------ cleaning values


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


# ------------------------------------------------------------------ snapshots and transactions


def test_each_import_is_a_new_snapshot(workspace: Workspace, data_dir: Path) -> None:
    first = import_file(workspace, "us", data_dir / "salesforce_report.csv")
    second = import_file(workspace, "us", data_dir / "utf8_bom.csv")
    snapshots = workspace.snapshots(None)
    assert [s.id for s in snapshots] == [first.snapshot_id, second.snapshot_id]
    assert len(workspace.accounts(first.snapshot_id)) == 5  # the previous one stays
    assert workspace.current_snapshot(None).id == second.snapshot_id
    counts = json.loads(snapshots[0].counts_json)
    assert counts["imported"] == 5 and counts["rejected"] == 1
    assert json.loads(snapshots[1].mapping_json)["name"] == "company_name"
    assert (
        snapshots[0].sha256
        == __import__("hashlib")
        .sha256((data_dir / "salesforce_report.csv").read_bytes())
        .hexdigest()
    )


def test_cancel_leaves_nothing(workspace: Workspace, data_dir: Path) -> None:
    import_file(workspace, "us", data_dir / "utf8_bom.csv")
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(Cancelled):
        import_file(workspace, "us", data_dir / "salesforce_report.csv", cancel=cancel)
    assert len(workspace.snapshots(None)) == 1


def test_failure_while_writing_rolls_back(
    workspace: Workspace, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Workspace.insert_rows

    def fail_on_rejected(connection, table, frame, **kwargs):  # type: ignore[no-untyped-def]
        if table.__name__ == "RejectedRow":
            raise RuntimeError("disk unplugged")
        return original(connection, table, frame, **kwargs)

    monkeypatch.setattr(Workspace, "insert_rows", staticmethod(fail_on_rejected))
    with pytest.raises(RuntimeError):
        import_file(workspace, "us", data_dir / "salesforce_report.csv")
    assert workspace.snapshots(None) == []
    assert workspace.read_frame("SELECT COUNT(*) AS n FROM accountblock")["n"].iloc[0] == 0


def test_unknown_partner(workspace: Workspace, data_dir: Path) -> None:
    with pytest.raises(OverlapError, match="no partner named 'Nobody'"):
        import_file(workspace, "Nobody", data_dir / "utf8_bom.csv")


def test_progress_reaches_one(workspace: Workspace, data_dir: Path) -> None:
    seen: list[float] = []
    import_file(
        workspace, "us", data_dir / "salesforce_report.csv", progress=lambda f, _m: seen.append(f)
    )
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


# ------------------------------------------------------------------ command line


def _ws_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme.overlap"
    assert cli(["init", str(path), "--us", "Acme Corp"]) == 0
    assert cli(["partner", "add", str(path), "Globex"]) == 0
    return path


def test_cli_import_and_accounts(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    ws = _ws_file(tmp_path)
    capsys.readouterr()
    assert cli(["import", str(ws), "--side", "us", str(data_dir / "salesforce_report.csv")]) == 0
    out = capsys.readouterr().out
    assert "imported 5 accounts" in out and "rejected 1 rows" in out and "fields not found" in out
    assert cli(["accounts", str(ws), "--side", "us", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("external_id,name,domains,domains_raw")
    assert ",stage," in lines[0] and len(lines) == 6
    assert cli(["accounts", str(ws), "--side", "us", "--rejected", "--format", "json"]) == 0
    rejected = json.loads(capsys.readouterr().out)
    assert rejected[0]["row_number"] == 5
    assert cli(["accounts", str(ws), "--side", "us"]) == 0
    assert "Acme Corporation" in capsys.readouterr().out


def test_cli_csv_listing_defuses_formulas(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    ws = _ws_file(tmp_path)
    export = tmp_path / "crm.csv"
    export.write_text(
        "Account ID,Account Name,Website\nA1,=cmd|' /C calc'!A0,acme.com\nA2,Initech,initech.com\n"
    )
    assert cli(["import", str(ws), "--side", "us", str(export)]) == 0
    capsys.readouterr()
    assert cli(["accounts", str(ws), "--side", "us", "--format", "csv"]) == 0
    listed = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str)
    assert listed["name"].tolist() == ["'=cmd|' /C calc'!A0", "Initech"]
    assert listed["external_id"].tolist() == ["A1", "A2"]


def test_cli_map_and_profile(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    ws = _ws_file(tmp_path)
    export = tmp_path / "x.csv"
    export.write_text("Kunde,Netz\nAcme,acme.com\n")
    args = [
        "import",
        str(ws),
        "--side",
        "Globex",
        str(export),
        "--map",
        "name=Kunde",
        "--map",
        "domains=Netz",
    ]
    assert cli([*args, "--profile", "globex"]) == 0
    assert cli(["import", str(ws), "--side", "Globex", str(export)]) == 0
    assert "name ← 'Kunde'" in capsys.readouterr().out


def test_cli_user_errors_exit_2(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    ws = _ws_file(tmp_path)
    capsys.readouterr()
    assert cli(["import", str(ws), "--side", "us", str(data_dir / "ragged.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ragged.csv, row 3:") and err.count("\n") == 1
    assert "Traceback" not in err
    assert cli(["import", str(ws), "--side", "us", str(tmp_path / "missing.csv")]) == 2
    assert cli(["accounts", str(ws), "--side", "Globex"]) == 2
    assert "nothing imported yet" in capsys.readouterr().err


def test_cli_template(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli(["template", str(tmp_path / "t.xlsx")]) == 0
    assert (tmp_path / "t.xlsx").stat().st_size > 0
    assert cli(["template", str(tmp_path / "t.txt")]) == 2


def test_workspace_fixture_copy_is_unchanged(data_dir: Path, tmp_path: Path) -> None:
    """Reading never writes next to the export (no lock files, no caches)."""
    copy = tmp_path / "export"
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    before = sorted(p.name for p in copy.iterdir())
    for path in copy.iterdir():
        with contextlib.suppress(ImportFileError):
            read_export(path)
    assert sorted(p.name for p in copy.iterdir()) == before


def test_named_sheet(data_dir: Path) -> None:
    raw = read_export(data_dir / "dynamics_accounts.xlsx", sheet="my active accounts")
    assert raw.sheet == "My Active Accounts" and len(raw.frame) == 3
    hidden = read_export(data_dir / "dynamics_accounts.xlsx", sheet="hiddenSheet")
    assert hidden.sheet == "hiddenSheet" and hidden.frame.empty
    with pytest.raises(ImportFileError, match=r"no sheet named 'Nope'.*My Active Accounts"):
        read_export(data_dir / "dynamics_accounts.xlsx", sheet="Nope")
    with pytest.raises(ImportFileError, match="text file"):
        read_export(data_dir / "utf8_bom.csv", sheet="Sheet1")


def test_encoding_detected_when_only_the_middle_is_not_utf8(tmp_path: Path) -> None:
    rows = [f"Company {i},company{i}.com" for i in range(40_000)]
    rows.insert(20_000, "Bäckerei Müller,baeckerei.de")
    path = tmp_path / "mixed.csv"
    path.write_bytes(("Account Name,Website\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    raw = read_export(path)
    assert raw.encoding == "cp1252"
    assert raw.frame["Account Name"].iloc[20_000] == "Bäckerei Müller"
    assert raw.frame.index[20_000] == 20_002 and len(raw.frame) == 40_001
