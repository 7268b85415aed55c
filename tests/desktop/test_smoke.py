"""``overlap --smoke-test``: the app checks itself offscreen; the installer's build relies on it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main as command_line

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "OVERLAP_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    environment.update(env)
    environment.pop("DISPLAY", None)
    return subprocess.run(
        [sys.executable, "-m", "engine", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_smoke_test_imports_matches_and_shows_the_overlaps(tmp_path: Path) -> None:
    run = _run(["--smoke-test", "60"], tmp_path, OVERLAP_FORBID_NETWORK="1")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    steps = re.findall(r"^smoke test: (.+) \(", run.stdout, re.MULTILINE)
    assert steps == [
        "open the demo workspace",
        "read our export",
        "import our export",
        "read the partner's export",
        "import the partner's export",
        "match",
        "show the overlaps",
    ]
    passed = re.search(r"smoke test passed in .*shared ([\d,]+)", run.stdout)
    assert passed is not None and int(passed.group(1).replace(",", "")) > 0
    assert "Traceback" not in output and "error" not in output.lower()
    assert (tmp_path / "data" / "demo.overlap").is_file()
    assert (tmp_path / "logs" / "smoke-test.png").stat().st_size > 0
    log = (tmp_path / "logs" / "overlap.log").read_text(encoding="utf-8")
    assert " ERROR " not in log


def test_a_failing_step_fails_the_smoke_test_with_its_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop.operations import matching

    def broken(_context: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the matcher is missing from this build")

    monkeypatch.setattr(matching, "run_matching", broken)
    assert command_line(["--smoke-test", "60"]) == 1
    err = capsys.readouterr().err
    assert "smoke test failed" in err
    assert "the matcher is missing from this build" in err


def test_the_smoke_test_fails_when_it_takes_too_long(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    assert command_line(["--smoke-test", "0.05"]) == 1
    assert time.monotonic() - started < 30
    assert "not done after 0.05 s (still at: open the demo workspace)" in capsys.readouterr().err


def test_the_window_only_start_prints_when_it_was_shown(tmp_path: Path) -> None:
    before = time.time()
    run = _run(["--quit-when-shown"], tmp_path)
    assert run.returncode == 0, run.stderr
    shown = re.search(r"window shown at ([\d.]+)", run.stdout)
    assert shown is not None
    assert before < float(shown.group(1)) < time.time()


@pytest.mark.parametrize(
    "args",
    [["--smoke-test", "soon"], ["--smoke-test", "0"], ["--quit-when-shown", "demo", "--print"]],
)
def test_the_check_flags_take_no_command_and_a_positive_limit(args: list[str]) -> None:
    try:
        status = command_line(args)
    except SystemExit as stop:
        status = stop.code
    assert status == 2
