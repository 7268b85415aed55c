"""Backups of a workspace: a copy before each upgrade, on request, and putting one back."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from engine.errors import WorkspaceError
from engine.output.files import atomic_write
from engine.store.checks import SIDECARS, SUFFIX, inspect, quick_check, recognise, sidecar
from engine.store.clock import now
from engine.store.connection import WorkspaceLock


def backup_path(path: Path, version: int | None = None) -> Path:
    """Where a backup of ``path`` goes: beside it, named by the time (and the version it
    had before an upgrade)."""
    stamp = now().strftime("%Y%m%d-%H%M%S")
    kind = f"v{version}-backup" if version is not None else "backup"
    return path.with_name(f"{path.stem}.{kind}-{stamp}{SUFFIX}")


def backup_before_upgrade(path: Path, version: int) -> Path:
    """Copy the file (with its WAL content) before an upgrade changes it."""
    backup = backup_path(path, version)
    with contextlib.closing(sqlite3.connect(path)) as source:
        copy_database(source, backup)
    return backup


def restore_backup(path: str | Path, backup: str | Path) -> Path | None:
    """Put ``backup`` in the place of the workspace at ``path``; return where the replaced
    file was kept (``<name>.replaced-<time>.overlap``, with its WAL), so nothing is lost, or
    None when there was no file to replace.

    The backup must be a sound Overlap workspace; the workspace must not be open elsewhere.
    """
    path, backup = Path(path), Path(backup)
    if not backup.is_file():
        raise WorkspaceError("no backup at this path", where=str(backup))
    recognise(backup, inspect(backup))
    problem = quick_check(backup, seconds=float("inf"))
    if problem:
        raise WorkspaceError(f"this backup is damaged too ({problem})", where=str(backup))
    lock = WorkspaceLock(path)
    lock.acquire(path)
    try:
        staged = path.with_name(f".{path.name}.restoring")
        with contextlib.closing(sqlite3.connect(backup)) as source:
            copy_database(source, staged)
        kept = path.with_name(f"{path.stem}.replaced-{now().strftime('%Y%m%d-%H%M%S')}{SUFFIX}")
        replaced = path.exists()
        # The WAL goes with its file: left beside the restored one, SQLite would replay it.
        for suffix in ("", *SIDECARS):
            if sidecar(path, suffix).exists():
                os.replace(sidecar(path, suffix), sidecar(kept, suffix))
        os.replace(staged, path)
    finally:
        lock.release()
    return kept if replaced else None


def copy_database(source: sqlite3.Connection, target: Path) -> None:
    """SQLite's online backup of ``source`` into a new private file at ``target``, written
    whole or not at all."""
    with atomic_write(target) as staged:
        try:
            with contextlib.closing(sqlite3.connect(staged)) as copy:
                source.backup(copy)
        except sqlite3.OperationalError as error:
            raise OSError(str(error)) from error  # atomic_write names the file it could not write
        os.chmod(staged, 0o600)
