"""The command line's tables (engine/cli/output.py): what a person reads, and what scripts get."""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest

from engine.cli import main
from engine.cli.output import emit_frame, render_table
from tests.engine.conftest import Mapped

# Shaped like `overlap overlaps --opportunities` and `overlap matches` rows.
ROWS = pd.DataFrame(
    {
        "match_id": [15, 2, 9],
        "name": [
            "Krersys Construction",
            "Torsolux Industrial Transport, GmbH & Co. KG, Niederlassung Süd und Ost",
            None,
        ],
        "potential_revenue": [3.22e11, np.nan, 45_000.0],
        "score": [91.96, 100.0, np.nan],
        "our_key": ["id:0015g00000005uMMUH", "id:0015g00000005uMMaa", "dom:vamira.com"],
        "decided_at": pd.to_datetime(
            ["2026-12-07 14:05:09.123456", "2026-12-06 09:30:00.5", "NaT"]
        ),
        "due_date": ["2026-12-14", None, "2027-01-06"],
        "done": [1, 0, 0],
    }
)


def _printed(frame: pd.DataFrame, fmt: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        emit_frame(frame, fmt)
    return out.getvalue()


def test_a_table_reads_like_the_app() -> None:
    text = render_table(ROWS, 100)
    for raw in ("e+11", "NaN", "None", "nan", "NaT", "id:0015", "dom:", ":09", ".123456", "_"):
        assert raw not in text, raw
    assert "$322.0B" in text and "$45.0k" in text
    assert "91.9" in text and "92" not in text  # a 91.96 never reads as reaching 92
    assert "7 Dec 2026, 14:05" in text and "6 Dec 2026, 09:30" in text
    assert "14 Dec 2026" in text and "6 Jan 2027" in text
    header = text.splitlines()[0]
    assert header.split("  ")[0] == "match id" and "potential revenue" in header
    assert "our key" not in header
    # Identifiers keep their digits; money and scores line up on the right.
    assert text.splitlines()[2].startswith("      15  Krersys")


def test_a_table_fits_the_width_and_wraps_long_text() -> None:
    text = render_table(ROWS, 100)
    assert max(map(len, text.splitlines())) <= 100
    assert "Niederlassung" in text  # wrapped onto a second line, not cut off
    narrow = render_table(ROWS, 60)
    assert max(map(len, narrow.splitlines())) <= 60
    # Too wide for one block: later blocks repeat the first column.
    blocks = narrow.split("\n\n")
    assert len(blocks) > 1
    assert all(block.startswith("match id") for block in blocks)
    assert "6 Jan 2027" in narrow and "$322.0B" in narrow


def test_the_terminal_width_is_used_and_100_without_one(monkeypatch: pytest.MonkeyPatch) -> None:
    wide = ROWS.assign(notes="a long note about the account " * 4)
    monkeypatch.delenv("COLUMNS", raising=False)
    assert max(map(len, _printed(wide, "table").splitlines())) <= 100
    monkeypatch.setenv("COLUMNS", "72")
    assert max(map(len, _printed(wide, "table").splitlines())) <= 72
    monkeypatch.setenv("COLUMNS", "200")
    assert max(map(len, _printed(wide, "table").splitlines())) > 100


def test_scripts_get_every_column_and_raw_values() -> None:
    records = json.loads(_printed(ROWS, "json"))
    assert records[0]["our_key"] == "id:0015g00000005uMMUH"
    assert records[0]["potential_revenue"] == 3.22e11 and records[1]["potential_revenue"] is None
    csv = _printed(ROWS, "csv")
    assert csv.splitlines()[0].startswith("match_id,name,potential_revenue,score,our_key")
    assert "322000000000.0" in csv


def test_mixed_cells_dates_and_flags() -> None:
    frame = pd.DataFrame(
        {
            "what": ["Intro call", "Joint meeting"],
            "registered_on": [dt.date(2026, 7, 30), None],
            "partner_involved": [True, False],
            "won_with_amount": [20, 10],
            "win_rate": ["71%", "38%"],
        }
    )
    lines = render_table(frame, 100).splitlines()
    assert lines[2].split() == ["Intro", "call", "30", "Jul", "2026", "yes", "20", "71%"]
    assert lines[3].split() == ["Joint", "meeting", "no", "10", "38%"]
    assert render_table(pd.DataFrame({"our_key": ["id:1"]}), 100) == "(none)\n"


def _overlap(argv: list[str]) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def test_overlaps_summary_is_a_table_and_json_or_csv_for_scripts(mapped: Mapped) -> None:
    path = str(mapped.ws.path)
    mapped.ws.close()
    text = _overlap(["overlaps", path, "--partner", "Globex", "--summary"])
    lines = text.splitlines()
    assert lines[:2] == ["Acme Corp and Globex", "ours only 2 · shared 6 · partner only 3"]
    assert "{" not in text and max(map(len, lines)) <= 100
    # Counts only: no account name and no revenue leaves in the summary.
    assert not any(name in text for name in ("Initech", "Umbrella", "Stark", "$"))
    row = next(line for line in lines if line.startswith("ours prospect"))
    assert row.split()[2:] == ["2", "1", "0", "0"]  # Hooli and Vandelay; Initech
    assert "Their customer, our prospect" in text
    shareable = json.loads(
        _overlap(["overlaps", path, "--partner", "Globex", "--summary", "--format", "json"])
    )
    assert shareable["counts"] == {"ours_only": 2, "partner_only": 3, "shared": 6}
    csv = _overlap(["overlaps", path, "--partner", "Globex", "--summary", "--format", "csv"])
    assert csv.splitlines()[0] == "our_stage,partner_stage,accounts"
    assert "prospect,prospect,2" in csv.splitlines()
    # The full view: the potential in money, the matrices as tables.
    full = _overlap(["overlaps", path, "--partner", "Globex"])
    assert "$350.0k" in full and max(map(len, full.splitlines())) <= 100


def test_opportunities_are_named_in_the_apps_words(mapped: Mapped) -> None:
    path = str(mapped.ws.path)
    mapped.ws.close()
    text = _overlap(["overlaps", path, "--partner", "Globex", "--opportunities"])
    header = text.splitlines()[0]
    assert header.split()[:2] == ["opportunity", "action"]
    assert "Their customer," in text  # wrapped to the column's width
    for code in ("ask_intro", "offer_intro", "joint_pursuit", "greenfield", "win_back"):
        assert code not in text
    # Scripts get the code too, the word --opportunities takes.
    rows = json.loads(
        _overlap(["overlaps", path, "--partner", "Globex", "--opportunities", "ask_intro",
                  "--format", "json"])
    )  # fmt: skip
    assert rows and {r["kind"] for r in rows} == {"ask_intro"}
    assert {r["opportunity"] for r in rows} == {"Their customer, our prospect"}
