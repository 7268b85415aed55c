"""Command-line arguments that read the same way everywhere: input files after the workspace
(the old options still work), a shortlist size with advice, and one file for both sides."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from engine import Workspace, import_file
from engine.cli import EXIT_USER_ERROR, build_parser, main
from engine.cli.files import resolve
from engine.errors import SameFileError
from tests.engine.conftest import Mapped

# A Salesforce "Accounts" report, as exported.
EXPORT = (
    '"Account ID","Account Name","Website","Type","Billing Country"\n'
    '"0015g00000ABCDE","Initech Inc.","www.initech.com","Customer","United States"\n'
    '"0015g00000ABCDF","Hooli","https://hooli.com/","Prospect","United States"\n'
    '"0015g00000ABCDG","Umbrella Corporation","umbrella-corp.com","Customer","Germany"\n'
)


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _parsed(argv: list[str]) -> object:
    args = build_parser(argv[0]).parse_args(argv)
    resolve(args)
    return args


# ------------------------------------------------------------------------------ file arguments


@pytest.mark.parametrize(
    ("words", "dest"),
    [
        ("plan-file import ws.overlap --partner Acme", "input"),
        ("psi respond ws.overlap --partner Acme --out r.ovpsi", "input"),
        ("psi finish ws.overlap --partner Globex", "input"),
        ("share export ws.overlap --partner Globex", "out"),
    ],
)
def test_the_file_follows_the_workspace_and_the_old_option_still_works(
    words: str, dest: str
) -> None:
    head, tail = words.split(" ws.overlap ")
    option = "--out" if dest == "out" else "--in"
    positional = _parsed([*head.split(), "ws.overlap", "f.file", *tail.split()])
    flagged = _parsed([*head.split(), "ws.overlap", *tail.split(), option, "f.file"])
    both = _parsed([*head.split(), "ws.overlap", "f.file", *tail.split(), option, "./f.file"])
    assert getattr(positional, dest) == getattr(flagged, dest) == "f.file"
    assert getattr(both, dest) == "f.file"


def test_a_file_named_twice_differently_or_not_at_all_is_one_error_line() -> None:
    code, _out, err = _run(
        ["plan-file", "import", "ws.overlap", "a.overlap-plan", "--partner", "Acme", "--in", "b"]
    )
    assert code == EXIT_USER_ERROR
    assert err == ("error: FILE is named twice, as a.overlap-plan and as --in b: name it once\n")
    code, _out, err = _run(["share", "export", "ws.overlap", "--partner", "Globex"])
    assert code == EXIT_USER_ERROR
    assert err == "error: name the FILE after the workspace (or as --out FILE)\n"
    code, _out, err = _run(["psi", "finish", "ws.overlap", "--partner", "Globex"])
    assert err == "error: name the RESPONSE_FILE after the workspace (or as --in RESPONSE_FILE)\n"


# ------------------------------------------------------------------------------ shortlist size


def test_a_shortlist_outside_the_guide_warns_and_beyond_the_limits_is_refused(
    mapped: Mapped,
) -> None:
    path = str(mapped.ws.path)
    mapped.ws.close()
    code, out, err = _run(["shortlist", path, "--partner", "Globex", "--size", "10"])
    assert code == 0 and "Initech" in out
    assert err.startswith("warning: 10 accounts is a small pilot: the guide advises 20 to 50")
    code, out, err = _run(["shortlist", path, "--partner", "Globex", "--size", "30"])
    assert code == 0 and err == ""
    code, out, err = _run(["shortlist", path, "--partner", "Globex", "--size", "150"])
    assert code == 0 and err.startswith("warning: 150 accounts is a large pilot")
    code, out, err = _run(["shortlist", path, "--partner", "Globex", "--size", "4"])
    assert code == EXIT_USER_ERROR and "5 to 200 accounts (got 4)" in err and out == ""


# ------------------------------------------------------------------------------ one file, two sides


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "Accounts report 2026-12-07.csv"
    path.write_text(EXPORT, encoding="utf-8")
    return path


def test_our_export_imported_for_the_partner_is_refused(workspace: Workspace, export: Path) -> None:
    import_file(workspace, "us", export)
    with pytest.raises(SameFileError, match="this file is our current list already") as raised:
        import_file(workspace, "Globex", export)
    assert raised.value.other_side == "us"
    assert workspace.current_snapshot(workspace.side_partner_id("Globex")) is None
    # A copy under another name is the same file; re-importing our own list is not refused.
    copy = export.with_name("globex.csv")
    copy.write_bytes(export.read_bytes())
    with pytest.raises(SameFileError):
        import_file(workspace, "Globex", copy)
    import_file(workspace, "us", export)
    report = import_file(workspace, "Globex", copy, same_file=True)
    assert report.summary["imported"] == 3
    # Now the partner's list is that file too: ours cannot be replaced by it unasked.
    with pytest.raises(SameFileError, match="Globex's current list"):
        import_file(workspace, "us", copy)


def test_the_command_line_says_how_to_import_the_same_file_anyway(
    workspace: Workspace, export: Path
) -> None:
    path = str(workspace.path)
    workspace.close()
    assert _run(["import", path, str(export), "--side", "us"])[0] == 0
    code, out, err = _run(["import", path, str(export), "--side", "Globex"])
    assert code == EXIT_USER_ERROR and out == ""
    assert err.startswith(f"error: {export.name}: this file is our current list already")
    assert err.rstrip().endswith("run the same command with --same-file")
    code, out, _err = _run(["import", path, str(export), "--side", "Globex", "--same-file"])
    assert code == 0 and out.startswith("Imported 3 accounts")


def test_map_warns_when_both_files_are_one(export: Path, tmp_path: Path) -> None:
    code, _out, err = _run(["map", str(export), str(export), "--out", str(tmp_path / "l.csv")])
    assert code == 0
    assert err.startswith("warning: ") and "are the same file" in err
