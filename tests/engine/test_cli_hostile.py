"""Every command that writes a file, run against a locked output and with no terminal: status 2,
one ``error:`` line, no traceback, nothing half-written and nothing recorded (issue 14, item 7).

The walk over the parser is complete: each argument that names a file is either in ``WRITES``
(and then runs here against every lock) or in ``READS``, so a new command that writes a file
fails ``test_every_file_argument_is_known`` until it is added to ``WRITES``. Tests run as root
in CI, where permissions stop nothing, so the locks are ones that stop root too: a folder where
the file goes, a file where its folder goes, and the rename refused as Windows refuses it while
Excel holds the file.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine import Workspace, psi_request, psi_respond, record_agreement
from engine.cli import EXIT_USER_ERROR, build_parser, main
from engine.sharing import _curve25519
from tests.engine.conftest import OURS, THEIRS, Mapped
from tests.engine.sharing_helpers import add_plan, add_rules, mapped_workspace

REPO = Path(__file__).resolve().parents[2]

# Each command that writes a file: the argument naming it, and runs of the command ("{out:NAME}"
# where the file goes, "{dir:NAME}" where a folder of files goes).
WRITES: dict[tuple[str, str], list[str]] = {
    ("init", "workspace"): ["init {out:new.overlap} --us Acme"],
    ("backup", "out"): ["backup {ws} --out {out:copy.overlap}"],
    ("template", "file"): ["template {out:template.xlsx}", "template {out:template.csv}"],
    ("map", "out"): ["map {ours} {theirs} --out {out:links.csv}"],
    ("registration export", "file"): [
        "registration export {ws} --partner Globex {out:registrations.xlsx}",
        "registration export {ws} --partner Globex {out:registrations.csv}",
    ],
    ("sync agenda", "out"): [
        "sync agenda {ws} --partner Globex --out {out:agenda.txt}",
        "sync agenda {ws} --partner Globex --format pdf --out {out:agenda.pdf}",
    ],
    ("sync calendar", "out"): ["sync calendar {ws} --partner Globex --out {out:sync.ics}"],
    ("credit", "out"): ["credit {ws} --out {out:credit.xlsx}", "credit {ws} --out {out:c.csv}"],
    ("handoff", "out"): [
        "handoff {ws} --partner Globex --out {dir:handoff} --files pdf,xlsx,csv,plan,ics"
    ],
    ("share export", "out"): [
        f"share export {{ws}} --partner Globex --out {{out:plans.{kind}}}"
        for kind in ("xlsx", "pdf", "csv", "overlap-plan")
    ],
    ("psi request", "out"): ["psi request {ws} --partner Globex --out {out:request.ovpsi}"],
    ("psi respond", "out"): [
        "psi respond {partner_ws} --partner Acme --in {request} --out {out:response.ovpsi}"
    ],
    ("psi finish", "out"): [
        "psi finish {ws} --partner Globex --in {response} --out {out:back.ovpsi}"
    ],
    ("ledger", "out"): [
        "ledger {ws} --out {out:ledger.csv}",
        "ledger {ws} --out {out:ledger.xlsx}",
    ],
}
# Arguments that name a file Overlap only reads (the workspace is opened, not written over).
READS = {
    ("import", "file"),
    ("map", "ours"),
    ("map", "partner"),
    ("refresh", "file"),
    ("registration import", "file"),
    ("opportunities import", "file"),
    ("plan-file import", "input"),
    ("psi respond", "input"),
    ("psi finish", "input"),
    ("share export", "passphrase_file"),
    ("handoff", "passphrase_file"),
    ("plan-file import", "passphrase_file"),
    ("restore", "backup"),
}
# Options that ask on the terminal, and a run of each command that has one.
PROMPTS = {"--encrypt", "--ask"}
PROMPT_RUNS = {
    "share export": "share export {ws} --partner Globex --out {out:plans.overlap-plan} --encrypt",
    "handoff": "handoff {ws} --partner Globex --out {dir:handoff} --files plan --encrypt",
    "plan-file import": "plan-file import {partner_ws} --partner Acme --in {plan_file} --ask",
}


def _commands(
    parser: argparse.ArgumentParser, words: tuple[str, ...] = ()
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command line the parser takes (``"psi request"``) with its own parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*words, name))
            return
    yield " ".join(words), parser


def _names_a_file(action: argparse.Action) -> bool:
    if action.nargs == 0:  # a switch such as --same-file takes no value
        return False
    metavar = action.metavar
    words = " ".join(metavar) if isinstance(metavar, tuple) else (metavar or action.dest)
    return action.dest in ("out", "input", "file", "workspace") or bool(
        re.search(r"FILE|DIR|\bWS\b|BACKUP", words.upper())
    )


def test_every_file_argument_is_known() -> None:
    """A command that writes a file is run by the tests below; this fails until it is."""
    found = {
        # "--in FILE" is another spelling of the FILE after the workspace (engine/cli/files.py).
        (command, action.dest.removesuffix("_alias"))
        for command, parser in _commands(build_parser())
        for action in parser._actions
        if _names_a_file(action)
    }
    workspaces = {(c, d) for c, d in found if d == "workspace" and c != "init"}
    unknown = found - set(WRITES) - READS - workspaces
    assert not unknown, f"add these to WRITES (or READS when only read): {sorted(unknown)}"
    assert not set(WRITES) - found, "WRITES names arguments the parser no longer has"
    prompting = {
        command
        for command, parser in _commands(build_parser())
        for action in parser._actions
        if set(action.option_strings) & PROMPTS
    }
    assert prompting == set(PROMPT_RUNS)
    asking = {
        option
        for _command, parser in _commands(build_parser())
        for action in parser._actions
        if re.search(r"\bask", action.help or "")
        for option in action.option_strings
    }
    assert asking <= PROMPTS, f"options that ask on the terminal, not run here: {asking - PROMPTS}"


# ------------------------------------------------------------------------------ the workspaces


@dataclass
class World:
    """Our workspace (Acme, with plans for Globex), the partner's, and a folder for outputs."""

    tmp: Path
    ws: Path
    partner_ws: Path
    out: Path

    def request(self) -> Path:
        path = self.tmp / "request.ovpsi"
        if not path.exists():
            with Workspace.open(self.ws) as ws:
                psi_request(ws, "Globex", path)
        return path

    def response(self) -> Path:
        path = self.tmp / "response.ovpsi"
        if not path.exists():
            request = self.request()
            with Workspace.open(self.partner_ws) as ws:
                psi_respond(ws, "Acme", request, path)
        return path

    def plan_file(self) -> Path:
        return self._file("from-acme.overlap-plan", "{}")

    def argv(self, run: str, target: Path) -> list[str]:
        """The words of ``run``, its placeholders filled and its output at ``target``."""
        fill: dict[str, Callable[[], Path]] = {
            "{ws}": lambda: self.ws,
            "{partner_ws}": lambda: self.partner_ws,
            "{request}": self.request,
            "{response}": self.response,
            "{plan_file}": self.plan_file,
            "{ours}": lambda: self._file("ours.csv", "Account Name,Website\nInitech,initech.com\n"),
            "{theirs}": lambda: self._file(
                "theirs.csv", "Company name,Company Domain Name\nInitech Inc,initech.com\n"
            ),
        }
        return [
            str(target) if _output(word) else str(fill[word]()) if word in fill else word
            for word in run.split()
        ]

    def _file(self, name: str, text: str) -> Path:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return path


def _output(word: str) -> tuple[str, str] | None:
    """("out" or "dir", the file name) of an output placeholder such as ``{out:plans.pdf}``."""
    found = re.fullmatch(r"\{(out|dir):(.+)\}", word)
    return (found[1], found[2]) if found else None


def _output_of(run: str) -> tuple[str, str]:
    return next(found for found in map(_output, run.split()) if found)


@pytest.fixture
def world(mapped: Mapped, tmp_path: Path) -> World:
    ws = mapped.ws
    add_rules(ws, mapped.partner_id)
    add_plan(
        ws,
        mapped.partner_id,
        OURS[0],
        THEIRS[0],
        objective="Expand Initech",
        steps=[{"what": "Intro call", "owner_party": "us", "due_date": "2030-01-15"}],
    )
    record_agreement(ws, "Globex", none=True)  # files naming accounts may leave
    ws.close()
    partner_ws, *_ = mapped_workspace(tmp_path / "globex.overlap", "Globex", "Acme")
    record_agreement(partner_ws, "Acme", none=True)
    partner_ws.close()
    out = tmp_path / "out"
    out.mkdir()
    return World(tmp_path, Path(ws.path), Path(partner_ws.path), out)


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``overlap argv`` in this process, stdin not a terminal; an escaping exception fails the
    test with its traceback."""
    out, err = io.StringIO(), io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO("")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        sys.stdin = stdin
    return code, out.getvalue(), err.getvalue()


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder`` with its bytes (None for a folder)."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def _ledger(world: World) -> int:
    with contextlib.closing(sqlite3.connect(world.ws)) as con:
        (count,) = con.execute("SELECT count(*) FROM egressrecord").fetchone()
    return int(count)


def _assert_refused(code: int, out: str, err: str) -> None:
    lines = err.splitlines()
    assert code == EXIT_USER_ERROR, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err + out


def _skip_without_psi(run: str) -> None:
    if run.startswith("psi ") and not _curve25519.available():
        pytest.skip("libsodium is missing")


# ------------------------------------------------------------------------------ locked outputs

RUNS = [
    pytest.param(command, run, id=f"{command}-{_output_of(run)[1]}")
    for (command, _argument), runs in WRITES.items()
    for run in runs
]


@pytest.mark.parametrize("lock", ["in_the_way", "under_a_file", "open_elsewhere"])
@pytest.mark.parametrize(("command", "run"), RUNS)
def test_a_locked_output_ends_in_one_error_line(
    command: str, run: str, lock: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _skip_without_psi(run)
    kind, name = _output_of(run)
    target = world.out / name
    refused: list[str] = []
    if lock == "in_the_way":  # a folder where a file goes, a file where a folder goes
        if kind == "dir":
            target.write_bytes(b"a file of that name")
        else:
            target.mkdir()
            (target / "keep.txt").write_bytes(b"kept")
    elif lock == "under_a_file":
        (world.out / "blocker").write_bytes(b"a file, not a folder")
        target = world.out / "blocker" / name
    else:  # open in Excel: Windows refuses to replace the file (and keeps the old one)
        if kind == "dir":
            target.mkdir()
        else:
            target.write_bytes(b"the file as it was")
        real_replace = os.replace

        def excel_holds(source: str | Path, destination: str | Path) -> None:
            if target in (Path(destination), Path(destination).parent):
                refused.append(str(destination))
                raise PermissionError(13, "The process cannot access the file", str(destination))
            real_replace(source, destination)

        monkeypatch.setattr(os, "replace", excel_holds)
    argv = world.argv(run, target)
    before, ledger = _tree(world.out), _ledger(world)

    code, out, err = _run(argv)

    _assert_refused(code, out, err)
    assert str(target if lock != "under_a_file" else target.parent) in err
    if lock == "open_elsewhere" and command != "init":  # init refuses any file that is there
        assert refused and "close it" in err
    assert _tree(world.out) == before, "a file was left, changed or half-written"
    assert _ledger(world) == ledger, "a file that was not written is in the ledger"


@pytest.mark.parametrize(("command", "run"), RUNS)
def test_each_run_writes_its_file_when_nothing_is_in_the_way(
    command: str, run: str, world: World
) -> None:
    """The runs above fail because of the lock alone: unlocked, each one succeeds."""
    _skip_without_psi(run)
    _kind, name = _output_of(run)
    code, _out, err = _run(world.argv(run, world.out / name))
    assert code == 0, err
    assert (world.out / name).exists()
    assert not list(world.out.rglob("*.part")), "a temporary file was left"


# ------------------------------------------------------------------------------ no terminal


@pytest.mark.parametrize("command", sorted(PROMPT_RUNS))
def test_asking_for_a_passphrase_without_a_terminal(command: str, world: World) -> None:
    run = PROMPT_RUNS[command]
    found = [f for f in map(_output, run.split()) if f]
    argv = world.argv(run, world.out / (found[0][1] if found else "unused"))
    before = _tree(world.out)
    code, out, err = _run(argv)
    _assert_refused(code, out, err)
    assert "--passphrase-env" in err and "--passphrase-file" in err
    assert _tree(world.out) == before


def test_the_process_itself_prints_one_line(world: World) -> None:
    """Outside pytest's capture: a real process, stdin from /dev/null, output locked."""
    (world.out / "plans.xlsx").mkdir()
    runs = [
        "share export {ws} --partner Globex --out {out:plans.xlsx}",
        "share export {ws} --partner Globex --out {out:plans.overlap-plan} --encrypt",
    ]
    for run in runs:
        result = subprocess.run(
            [sys.executable, "-m", "engine", *world.argv(run, world.out / _output_of(run)[1])],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        _assert_refused(result.returncode, result.stdout, result.stderr)
    assert _tree(world.out) == {"plans.xlsx": None}


def test_a_passphrase_file_that_is_not_text_ends_in_one_error_line(world: World) -> None:
    """It ended in a UnicodeDecodeError traceback."""
    key = world.tmp / "passphrase.bin"
    key.write_bytes(b"\xff\xfe\x00 not UTF-8")
    run = "share export {ws} --partner Globex --out {out:plans.overlap-plan}"
    argv = [*world.argv(run, world.out / "plans.overlap-plan"), "--passphrase-file", str(key)]
    code, out, err = _run(argv)
    _assert_refused(code, out, err)
    assert "passphrase file cannot be read" in err and not list(world.out.iterdir())
