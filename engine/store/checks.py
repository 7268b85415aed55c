"""Knowing a file before writing to it: is it an Overlap workspace, of which version, sound?"""

from __future__ import annotations

import contextlib
import glob
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from engine.errors import WorkspaceError
from engine.store.connection import sqlite_message
from engine.store.models import SCHEMA_GROUPS, SCHEMA_VERSION

SUFFIX = ".overlap"
APPLICATION_ID = 0x4F564C50  # "OVLP" in the file header: how a workspace is known as ours
SIDECARS = ("-wal", "-shm", "-journal")
QUICK_CHECK_SECONDS = 2.0  # the integrity check on open stops here (see quick_check)


@dataclass(frozen=True)
class FileFacts:
    """What a read-only look at an SQLite file tells before anything is changed in it."""

    version: int
    application_id: int
    tables: frozenset[str]


def inspect(path: Path) -> FileFacts:
    """Read a file's version, application id and table names without changing anything.

    Even a read-only connection to a WAL file leaves ``-wal`` and ``-shm`` files beside it;
    those that were not there before are removed again, so a refused file is left exactly
    as it was found.
    """
    found = {suffix for suffix in SIDECARS if sidecar(path, suffix).exists()}
    try:
        uri = f"{path.absolute().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            application_id = int(con.execute("PRAGMA application_id").fetchone()[0])
            rows = con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    except sqlite3.DatabaseError as error:
        raise WorkspaceError(sqlite_message(error), where=str(path)) from error
    finally:
        for suffix in set(SIDECARS) - found:
            with contextlib.suppress(OSError):
                sidecar(path, suffix).unlink()
    return FileFacts(version, application_id, frozenset(row[0] for row in rows))


def sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def recognise(path: Path, facts: FileFacts) -> None:
    """Refuse anything that is not positively an Overlap workspace of a version we read.

    Files written since the application id was introduced carry it; older ones are known by
    the tables their version had. Another program's database that happens to have a
    ``user_version`` Overlap also used is refused before anything is written to it.
    """
    ours = facts.application_id == APPLICATION_ID or (
        facts.application_id == 0
        and 1 <= facts.version <= SCHEMA_VERSION
        and _tables_of(facts.version) <= facts.tables
    )
    if not ours:
        raise WorkspaceError(
            "this file is not an Overlap workspace (it is another program's database); "
            "it was left unchanged",
            where=str(path),
        )
    if facts.version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"this workspace was saved by a newer Overlap (format {facts.version}; this "
            f"version reads up to {SCHEMA_VERSION}); update Overlap to open it",
            where=str(path),
        )


def _tables_of(version: int) -> frozenset[str]:
    """The tables every workspace of ``version`` has."""
    return frozenset(
        str(model.__tablename__)
        for group in range(1, version + 1)
        for model in SCHEMA_GROUPS[group]
    )


def quick_check(path: Path, seconds: float = QUICK_CHECK_SECONDS) -> str | None:
    """The first problem ``PRAGMA quick_check`` finds in the file, or None.

    The check reads every page, about a second for a million accounts a side; past
    ``seconds`` it stops and the file counts as sound, so that a huge workspace still opens
    promptly (SQLite reports a damaged page it meets later as an error, and nothing is
    written past it).
    """
    deadline = time.monotonic() + seconds
    try:
        with contextlib.closing(sqlite3.connect(path)) as con:
            con.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
            rows = con.execute("PRAGMA quick_check(3)").fetchall()
    except sqlite3.OperationalError as error:
        if "interrupted" in str(error):
            return None
        return str(error)
    except sqlite3.DatabaseError as error:
        return str(error)
    # Each problem may start with "*** in database main ***" on a line of its own.
    lines = [line for row in rows for line in str(row[0]).splitlines()]
    problems = [line for line in lines if line != "ok" and not line.startswith("***")]
    return "; ".join(problems) or None


def backups(path: str | Path) -> list[Path]:
    """The backups of a workspace kept beside it, newest first."""
    path = Path(path)
    found = path.parent.glob(f"{glob.escape(path.stem)}.*backup-*{SUFFIX}")
    return sorted(found, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def damaged(path: Path, problem: str) -> WorkspaceError:
    kept = backups(path)
    if kept:
        advice = f"restore its newest backup with: overlap restore {path.name} {kept[0].name}"
    else:
        advice = "no backup of it was found beside it; open it in a backup of this folder instead"
    return WorkspaceError(
        f"the workspace file is damaged ({problem}); nothing was written to it. {advice}",
        where=str(path),
    )
