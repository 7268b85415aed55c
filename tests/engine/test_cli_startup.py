"""Start-up of the command line: ``overlap --help`` and ``import engine`` load no pandas or
SQLAlchemy, a command loads only its own module, and the command list stays current."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import engine
import engine.facade
from engine.cli import COMMAND_MODULES, build_parser, commands

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "sorted(m for m in ('pandas', 'sqlalchemy', 'sqlmodel', 'engine.facade') if m in sys.modules)"
)


def _run(code: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def test_help_imports_neither_pandas_nor_sqlalchemy() -> None:
    lines = _run(
        "import sys\n"
        "from desktop.launcher import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as done:\n    print('status', done.code)\n"
        f"print({HEAVY})\n"
    )
    assert lines[-2:] == ["status 0", "[]"]
    # Every command is listed with its help line.
    assert any(line.split()[:1] == ["shortlist"] for line in lines)
    assert "the pilot shortlist of shared accounts" in "\n".join(lines)


def test_import_engine_loads_the_facade_on_first_use() -> None:
    lines = _run(
        f"import sys, engine\nprint({HEAVY})\n"
        f"from engine import Workspace\nprint({HEAVY}, Workspace.__module__)\n"
    )
    assert lines == [
        "[]",
        "['engine.facade', 'pandas', 'sqlalchemy', 'sqlmodel'] engine.store.workspace",
    ]


def test_a_command_imports_only_its_own_module() -> None:
    lines = _run(
        "import sys\nfrom engine.cli import main\n"
        "try:\n    main(['review', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('engine.cli.')))\n"
    )
    assert lines[-1] == (
        "['engine.cli.commands', 'engine.cli.files', 'engine.cli.matching', 'engine.cli.output']"
    )


def test_the_command_list_is_current() -> None:
    """Fails after a command is added, renamed or re-described until the list is written
    again: .venv/bin/python -m engine.cli.commands"""
    assert commands.read_index() == commands.live_index(COMMAND_MODULES)


def test_an_unknown_or_unlisted_command_falls_back_to_every_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    full = build_parser()
    listed = build_parser(None)
    choices = [
        set(next(a for a in p._actions if a.dest == "command").choices or ())
        for p in (full, listed)
    ]
    assert choices[0] == choices[1] and "review" in choices[0]
    monkeypatch.setattr(commands, "read_index", lambda: [])
    parser = build_parser("review")
    args = parser.parse_args(["review", "ws.overlap", "--partner", "acme", "--accept", "3"])
    assert args.run is not None


def test_no_public_name_is_hidden_by_a_submodule_of_the_same_name() -> None:
    """``import engine.x`` sets ``engine.x`` to the module: a public name ``x`` would then
    resolve to the module instead of the function."""
    submodules = {m.name for m in pkgutil.iter_modules(engine.__path__)}
    assert not submodules & set(engine.facade.__all__)


def test_a_name_the_engine_does_not_have_is_an_import_error() -> None:
    with pytest.raises(ImportError, match="no_such_name"):
        from engine import no_such_name  # type: ignore[attr-defined]  # noqa: F401
    assert "Workspace" in dir(engine)


def test_the_plan_file_help_names_its_unplaced_plans() -> None:
    """``overlap --help`` reads the stored list: the plan-file line says that plans nothing
    placed are listed (``unplaced``) and attached (``place``)."""
    entry = next(e for e in commands.read_index() if e["name"] == "plan-file")
    assert "unplaced" in entry["help"]
    assert re.search(r"\bplace\b", entry["help"])
