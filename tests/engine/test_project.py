"""The project's own rules: the engine stands without Qt, the code is clean, CI runs the README."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_ci_runs_the_test_command_of_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    assert len(commands) == 2, "the quick start is exactly two commands"
    run_command, test_command = commands
    assert "overlap demo" in run_command
    assert "pytest" in test_command
    assert test_command.strip() in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_the_engine_imports_and_runs_without_qt() -> None:
    """Every engine module imports, and the CLI works, with PySide6 made unimportable."""
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6", "desktop"):
                    raise ImportError(f"{name} is not available to the engine")
                return None

        sys.meta_path.insert(0, NoQt())
        import engine
        for module in pkgutil.walk_packages(engine.__path__, "engine."):
            importlib.import_module(module.name)
        from engine.cli import build_parser
        build_parser()
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "desktop"))
        print("leaked:", leaked)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "leaked: []" in result.stdout


@pytest.mark.skipif(not (BIN / "lint-imports").exists(), reason="import-linter is not installed")
def test_import_contract_holds() -> None:
    result = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache"], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _circles(package: str) -> list[list[str]]:
    """The import circles among the modules of ``package``: each a list of modules that all
    reach each other (imports inside functions count too)."""
    import grimp

    graph = grimp.build_graph(package)
    edges = {
        m: set(graph.find_modules_directly_imported_by(m)) & graph.modules for m in graph.modules
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in edges[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return circles


@pytest.mark.parametrize("package", ["engine", "desktop"])
def test_no_import_circles(package: str) -> None:
    assert _circles(package) == []


def test_no_file_is_over_about_800_lines() -> None:
    """A file that grows past this is asking to be cut into rooms (see README, For developers)."""
    long = {
        str(path.relative_to(REPO)): lines
        for folder in ("engine", "desktop")
        for path in (REPO / folder).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 850
    }
    assert long == {}


@pytest.mark.skipif(shutil.which("ruff", path=str(BIN)) is None, reason="ruff is not installed")
def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [
            str(BIN / "ruff"),
            "check",
            "engine",
            "desktop",
            "tests",
            "bench",
            "packaging",
            "build_installer.py",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(not (BIN / "mypy").exists(), reason="mypy is not installed")
def test_mypy_is_clean() -> None:
    result = subprocess.run([str(BIN / "mypy")], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", sorted(p.name for p in (REPO / "bench").glob("*.py")))
def test_each_bench_script_starts(script: str) -> None:
    """The benchmarks are not run here, but each must still load against today's engine."""
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr


def test_the_readme_command_table_lists_every_command() -> None:
    """Each subcommand, and each action of one (``territory add``), has its row in the table."""
    import argparse

    from engine.cli import build_parser

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| "))

    def actions(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    missing = []
    for name, command in actions(build_parser()).items():
        verbs = actions(command)
        if not verbs and not re.search(rf"`{re.escape(name)}[ `\\]", table):
            missing.append(name)
        for verb in verbs:  # "`plan create\|list`": the verb among others joined by \|
            if not re.search(rf"`{re.escape(name)} (?:[\w-]+\\\|)*{re.escape(verb)}[ `\\]", table):
                missing.append(f"{name} {verb}")
    assert not missing, f"commands missing from the README's table: {missing}"
