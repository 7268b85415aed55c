"""Step 1, saving (engine/importing/save.py): snapshots, transactions, shrinking lists, the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from engine import (
    ImportFileError,
    OverlapError,
    Workspace,
    import_file,
    list_profiles,
)
from engine.cli import main as cli
from engine.errors import Cancelled, ShrinkingListError
from tests.engine.importing.conftest import _ws_file


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
    assert "Imported 1 accounts" in capsys.readouterr().out
    assert cli(["import", str(ws), "--side", "us", str(data_dir / "header_only.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: header_only.csv: ") and err.count("\n") == 1


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


def test_cli_import_and_accounts(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    ws = _ws_file(tmp_path)
    capsys.readouterr()
    assert cli(["import", str(ws), "--side", "us", str(data_dir / "salesforce_report.csv")]) == 0
    out = capsys.readouterr().out
    assert "Imported 5 accounts" in out and "Rejected 1 rows" in out and "Not in the file" in out
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


def test_the_import_summary_names_fields_as_the_template_does(
    workspace: Workspace, data_dir: Path
) -> None:
    report = import_file(workspace, "us", data_dir / "salesforce_report.csv")
    text = "\n".join(report.lines())
    assert "Company name from 'Account Name'" in text
    assert "Annual revenue from 'Annual Revenue'" in text
    for code_word in ("external_id", "annual_revenue", "deal_close_date", "←"):
        assert code_word not in text
