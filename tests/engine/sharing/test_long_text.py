"""Any text a field can hold goes into every file a partner reads: PDF (cut into rows that fit a
page), XLSX (cut at Excel's cell limit, saying so) and CSV (whole). Issue 14, item 5."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from engine import OverlapError, export_share
from engine.output.pdf import ReportSection, write_report_pdf
from engine.output.safe_cells import write_csv
from engine.output.xlsx import CELL_CHARACTERS, SHEET_ROWS, Sheet, excel_text, write_workbook
from tests.engine.sharing_helpers import add_plan, mapped_workspace

LONG_TEXTS = {
    "3,500 characters": "Call the CFO about the renewal. " * 110,
    "100,000 with spaces": "pipeline " * 11_112,
    "100,000 without a space": "x" * 100_000,
    "long words": " ".join(["Donaudampfschifffahrtsgesellschaft" * 40] * 70),
    "5,000 line breaks": "\n" * 5_000 + "end",
    "lines and words": "step one, then two\n" * 2_000,
}


def _pdf_text(path: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    return result.stdout


@pytest.mark.parametrize("text", LONG_TEXTS.values(), ids=LONG_TEXTS.keys())
def test_the_plan_report_takes_any_text(text: str, tmp_path: Path) -> None:
    """It stopped with reportlab's LayoutError at about 3,500 characters in a step."""
    ws, partner_id, ours, theirs = mapped_workspace(tmp_path / "acme")
    add_plan(
        ws,
        partner_id,
        ours.iloc[0],
        theirs.iloc[0],
        objective=text,
        # A wide column and a narrow one of the tables; the other tables are laid out alike.
        steps=[{"what": text, "owner_party": "us", "owner_person": text, "due_date": "2026-12-01"}],
        metrics=[{"name": "Pipeline", "target": 1.0, "actual": 0.0, "unit": text[:3_500]}],
        roles=[{"party": "us", "person": "Ann", "role": "AE", "responsibility": text[:3_500]}],
    )
    path = tmp_path / "plans.pdf"
    export_share(ws, "Globex", path)
    ws.close()
    assert path.read_bytes().startswith(b"%PDF")


def test_no_text_is_lost_between_the_pieces(tmp_path: Path) -> None:
    """The report of the sync agenda: facts and sections, every character still there."""
    path = tmp_path / "agenda.pdf"
    words = "pipeline " * 11_112
    write_report_pdf(
        path,
        title="Sync agenda",
        author="Acme Corp",
        footer="confidential",
        facts=[("Note", "j" * 50_000)],
        sections=[
            ReportSection(
                heading="Next steps",
                header=["Step", "Owner", "Due"],
                rows=[["q" * 100_000, "Ann", "2026-12-01"], [words, "Bo", "k" * 3_000]],
                shares=[0.6, 0.2, 0.2],
                empty="none",
            )
        ],
    )
    shown = _pdf_text(path)
    if shown is None:
        pytest.skip("poppler-utils is not installed")
    assert shown.count("q") == 100_000 and shown.count("j") == 50_000
    assert shown.count("k") == 3_000 and shown.count("pipeline") == 11_112
    assert "\u2026" in shown  # the later pieces of a cell say they continue one


def test_a_cell_holds_what_excel_allows_and_says_where_it_was_cut(tmp_path: Path) -> None:
    """xlsxwriter cut longer text at 32,767 characters without a word in the file."""
    whole = "a" * CELL_CHARACTERS
    emoji = "\U0001f680" * 20_000  # two UTF-16 units each, as Excel counts them
    path = tmp_path / "long.xlsx"
    write_workbook(
        path,
        [
            Sheet(
                "Plans",
                ["Objective", "Steps"],
                [["x" * 100_000, whole], [emoji, "line\n" * 2_000]],
                wrap={"Objective"},
                preamble=[("Note", "n" * 40_000)],
                title="t" * 40_000,
            )
        ],
    )
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
    cut = [v for v in values if isinstance(v, str) and "cut here" in v]
    assert len(cut) == 4  # the title, the note, the objective and the rockets
    assert whole in values and "line\n" * 2_000 in values
    for value in cut:
        assert len(value.encode("utf-16-le")) // 2 <= CELL_CHARACTERS
        assert "a CSV export holds all of it" in value
    assert any(v.startswith("x" * 30_000) and "has 100,000" in v for v in cut)
    rockets = next(v for v in cut if v.startswith("\U0001f680"))
    assert rockets.split(" [")[0] == "\U0001f680" * len(rockets.split(" [")[0])
    assert excel_text("short") == "short"


def test_a_sheet_longer_than_excel_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """xlsxwriter dropped the rows past Excel's last one without a word."""
    path = tmp_path / "accounts.xlsx"
    with pytest.raises(OverlapError, match=r"export it as \.csv"):
        write_workbook(path, [Sheet("Accounts", ["Name"], [["Initech"]] * SHEET_ROWS)])
    assert not list(tmp_path.iterdir())


def test_csv_keeps_any_text_whole(tmp_path: Path) -> None:
    path = tmp_path / "plans.csv"
    texts = list(LONG_TEXTS.values())
    assert write_csv(path, ["Text"], [[t] for t in texts]) == len(texts)
    limit = csv.field_size_limit(1_000_000)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            assert [row[0] for row in csv.reader(handle)][1:] == texts
    finally:
        csv.field_size_limit(limit)
