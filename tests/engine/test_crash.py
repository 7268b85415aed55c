"""Crash consistency: a process killed anywhere in a write leaves the last committed state.

Each command that writes much (import, match, plan-file merge, refresh, and the upgrade of an
older workspace) runs in a process that kills itself (SIGKILL) at one of its SQL statements,
at a few points drawn once per statement count (``bench/bench_crash.py`` kills at many more).
After each kill the workspace must open, be sound (integrity and foreign keys) and hold what
it held before the command or after one of the command's commits.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from bench.v4_workspace import inflate_v4_workspace
from engine.cli import main
from engine.store.workspace import Workspace
from tests.engine import crash

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
POINTS = 3  # kill points per command in the suite


def _cli(*args: str) -> None:
    assert main([str(a) for a in args]) == 0


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_workspaces(tmp_path_factory.mktemp("crash"))


def build_workspaces(folder: Path) -> dict[str, Path]:
    """Acme's workspace mapped with Globex, Globex's mapped with Acme, a plan file from Acme
    and a small workspace of version 4."""
    acme, globex = folder / "acme.overlap", folder / "globex.overlap"
    plans = folder / "plans.overlap-plan"
    _cli("init", acme, "--us", "Acme Corp")
    _cli("partner", "add", acme, "Globex")
    _cli("import", acme, "--side", "us", DEMO / "acme_salesforce.csv")
    _cli("import", acme, "--side", "Globex", DEMO / "globex_hubspot.csv")
    _cli("match", acme, "--partner", "Globex")
    _cli("assign", acme, "--partner", "Globex")
    _cli("plan", "create", acme, "--partner", "Globex", "--shortlist")
    _cli("share", "agreement", acme, "--partner", "Globex", "--none")
    _cli("share", "export", acme, "--partner", "Globex", "--out", plans)
    _cli("init", globex, "--us", "Globex")
    _cli("partner", "add", globex, "Acme Corp")
    _cli("import", globex, "--side", "us", DEMO / "globex_hubspot.csv")
    _cli("import", globex, "--side", "Acme Corp", DEMO / "acme_salesforce.csv")
    _cli("match", globex, "--partner", "Acme Corp")
    small_v4 = inflate_v4_workspace(folder / "old.overlap", 3_000)
    return {"acme": acme, "globex": globex, "plans": plans, "v4": small_v4}


COMMANDS = {
    "import": ("acme", ["import", "{ws}", "--side", "Globex", str(DEMO / "globex_hubspot.csv")]),
    # Other thresholds than the first match's, so that the command changes the matches.
    "match": ("acme", ["match", "{ws}", "--partner", "Globex", "--auto", "97", "--review", "60"]),
    "plan-file merge": (
        "globex",
        ["plan-file", "import", "{ws}", "--partner", "Acme Corp", "--in", "{plans}"],
    ),
    "refresh": (
        "acme",
        ["refresh", "{ws}", "--partner", "Globex", str(DEMO / "globex_hubspot.csv")],
    ),
    "upgrade": ("v4", ["partner", "list", "{ws}"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_kill_at_any_statement_leaves_a_committed_state(
    command: str, mapped: dict[str, Path], tmp_path: Path
) -> None:
    check_kills(command, mapped, tmp_path, points=POINTS, seed=command)


def check_kills(
    command: str, mapped: dict[str, Path], folder: Path, *, points: int, seed: str
) -> int:
    """Kill ``command`` at ``points`` statements drawn with ``seed``; returns the kills run."""
    source, template = COMMANDS[command]

    def fresh(name: str) -> tuple[Path, list[str]]:
        ws = folder / f"{name}.overlap"
        shutil.copyfile(mapped[source], ws)
        args = [a.format(ws=ws, plans=mapped["plans"]) for a in template]
        return ws, args

    ws, args = fresh("whole")
    before = crash.state(ws)
    statements, commits = crash.counts(ws, args)
    after = crash.state(ws)
    assert commits and before != after
    # A command that commits more than once may stop between its commits: the state after
    # each commit but the last is the one a kill at the next statement leaves.
    committed = {before, after}
    for commit in commits[:-1]:
        ws, args = fresh(f"after-{commit}")
        assert crash.run(commit + 1, ws, args).returncode == -9
        committed.add(crash.state(ws))
    draw = random.Random(seed).sample(range(1, statements + 1), min(points, statements))
    for kill_at in sorted(draw):
        ws, args = fresh(f"killed-{kill_at}")
        result = crash.run(kill_at, ws, args)
        assert result.returncode == -9, f"not killed at {kill_at}: {result.stderr}"
        assert crash.soundness(ws) == [], f"killed at {kill_at}"
        assert crash.state(ws) in committed, f"killed at statement {kill_at} of {statements}"
        with Workspace.open(ws) as workspace:  # and it opens, finishing nothing half-done
            assert workspace.partners()
    return len(draw)
