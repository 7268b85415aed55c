"""Step 1, spreadsheets (engine/importing/sheets.py): XLSX sheets, zip bombs, XML entities."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest

from engine import (
    ImportFileError,
    Workspace,
    import_file,
    read_export,
)
from tests.engine.importing.conftest import _accounts, _by_name, snapshot_extra


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


def test_named_sheet(data_dir: Path) -> None:
    raw = read_export(data_dir / "dynamics_accounts.xlsx", sheet="my active accounts")
    assert raw.sheet == "My Active Accounts" and len(raw.frame) == 3
    hidden = read_export(data_dir / "dynamics_accounts.xlsx", sheet="hiddenSheet")
    assert hidden.sheet == "hiddenSheet" and hidden.frame.empty
    with pytest.raises(ImportFileError, match=r"no sheet named 'Nope'.*My Active Accounts"):
        read_export(data_dir / "dynamics_accounts.xlsx", sheet="Nope")
    with pytest.raises(ImportFileError, match="text file"):
        read_export(data_dir / "utf8_bom.csv", sheet="Sheet1")


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
