"""Crash consistency: run an ``overlap`` command and kill it at its N-th SQL statement.

``python -m tests.engine.crash N WS ARGS...`` runs ``overlap ARGS...`` (``WS`` is the
workspace it writes, for the checks) with every SQLite connection traced; at statement ``N``
the process kills itself with SIGKILL, as a power cut would stop it. ``N = 0`` runs the
command whole and prints the number of statements it ran and which of them were commits.

``committed_states`` and ``state`` are what the checks compare: a workspace after a kill
must be sound and equal to the state before the command or after one of its commits.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

REPO = Path(__file__).resolve().parents[2]
# Differ from run to run of the same command: row ids and a partnership's random salt.
RANDOM_COLUMNS = {"id", "ref_salt"}


def state(path: Path) -> tuple[Any, ...]:
    """What a workspace holds, for comparing states: its version and each table's rows.

    Timestamps and ``RANDOM_COLUMNS`` differ from run to run of the same command, so they are
    left out; rows are compared as a sorted list of the rest, hashed."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        tables = sorted(
            row[0]
            for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if not row[0].startswith("sqlite_")
        )
        content = []
        for table in tables:
            columns = [
                f'"{row[1]}"'
                for row in con.execute(f'PRAGMA table_info("{table}")')
                if row[1] not in RANDOM_COLUMNS and row[2].upper() != "DATETIME"
            ]
            rows = sorted(map(repr, con.execute(f'SELECT {", ".join(columns)} FROM "{table}"')))
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
            content.append((table, len(rows), digest))
        return (con.execute("PRAGMA user_version").fetchone()[0], tuple(content))


def soundness(path: Path) -> list[str]:
    """Problems SQLite finds in the file: integrity and foreign keys; empty when sound."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        problems = [row[0] for row in con.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [f"foreign key {row}" for row in con.execute("PRAGMA foreign_key_check")]
    return problems


def run(kill_at: int, workspace: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``overlap args`` in a new process killed at its ``kill_at``-th statement."""
    return subprocess.run(
        [sys.executable, "-m", "tests.engine.crash", str(kill_at), str(workspace), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=300,
    )


def counts(workspace: Path, args: list[str]) -> tuple[int, list[int]]:
    """How many statements ``overlap args`` runs, run whole, and which of them commit."""
    result = run(0, workspace, args)
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    statements, *commits = result.stdout.strip().splitlines()[-1].split()
    return int(statements), [int(c) for c in commits]


def _main(argv: list[str]) -> int:
    kill_at, _workspace, args = int(argv[0]), argv[1], argv[2:]
    seen = {"statements": 0}
    commits: list[int] = []

    def trace(sql: str) -> None:
        seen["statements"] += 1
        if sql.lstrip().upper().startswith("COMMIT"):
            commits.append(seen["statements"])
        if seen["statements"] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def traced(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(trace)

    event.listen(Engine, "connect", traced)
    real_connect = sqlite3.connect

    def connect(*a: Any, **k: Any) -> sqlite3.Connection:
        connection = real_connect(*a, **k)
        connection.set_trace_callback(trace)
        return connection

    sqlite3.connect = connect  # type: ignore[assignment]
    from engine.cli import main

    status = main(args)
    print(seen["statements"], *commits)
    return status


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
