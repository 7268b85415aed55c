"""Crash consistency, long: kill each writing command at many of its SQL statements.

The suite's ``tests/engine/test_crash.py`` kills import, match, plan-file merge, refresh and
the upgrade of a version-4 workspace at three statements each; this runs the same check at
``--points`` statements per command and prints the cases run and the failures. Run:

    .venv/bin/python bench/bench_crash.py [--points 40] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.engine.test_crash import COMMANDS, build_workspaces, check_kills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=40, help="kills per command")
    parser.add_argument("--seed", default="1")
    args = parser.parse_args()
    cases = failures = 0
    with tempfile.TemporaryDirectory() as folder:
        mapped = build_workspaces(Path(folder))
        for command in COMMANDS:
            started = time.perf_counter()
            work = Path(folder) / command.replace(" ", "-")
            work.mkdir()
            try:
                ran = check_kills(command, mapped, work, points=args.points, seed=args.seed)
                status = "ok"
            except AssertionError as error:
                ran, status = args.points, f"FAILED: {str(error).splitlines()[0]}"
                failures += 1
            cases += ran
            print(f"{command:16} {ran:4} kills  {time.perf_counter() - started:6.1f} s  {status}")
    print(f"cases run {cases}, failures {failures}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
