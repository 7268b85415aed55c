"""The workspace: one SQLite file (``*.overlap``) holding everything of one company's mapping.

WAL journal, foreign keys on, ``PRAGMA user_version`` as the schema version. A file from a
newer Overlap is refused; an older one is copied to a backup and migrated step by step. One
process writes a workspace at a time: a lock file next to it makes a second one fail with a
clear "open elsewhere" message instead of a "database is locked" half-way through an import.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlmodel import Session, SQLModel, col, select

from engine.errors import Cancelled, WorkspaceError
from engine.output.files import atomic_write
from engine.store.models import (
    ACCOUNT_COLUMNS,
    ACCOUNT_SCHEMA,
    SCHEMA_GROUPS,
    SCHEMA_VERSION,
    Company,
    Match,
    Partner,
    Snapshot,
)

SUFFIX = ".overlap"
PARTNER_MODELS = ("referral", "co-sell", "reseller")
CADENCES = ("monthly", "quarterly", "semi-annual")
US = "us"

Progress = Callable[[float, str], None]
INSERT_CHUNK = 50_000
BLOCK_ROWS = 200_000  # accounts per AccountBlock: some 15 MB, far below SQLite's 1 GB blob cap
# zstd writes a million accounts as fast as lz4 (0.5 s) at half the size (70 MB, not 150).
_IPC_WRITE = pa.ipc.IpcWriteOptions(compression="zstd")
_DEFAULTS = {"domains": "", "stage": "other"}  # an account's values when its export has none
PAGE_SIZE = 16_384  # bytes; see _set_pragmas
APPLICATION_ID = 0x4F564C50  # "OVLP" in the file header: how a workspace is known as ours
SIDECARS = ("-wal", "-shm", "-journal")
QUICK_CHECK_SECONDS = 2.0  # the integrity check on open stops here (see _quick_check)


def now() -> datetime:
    """The current time, timezone-aware UTC (stored as such in every table)."""
    return datetime.now(UTC)


def today() -> date:
    """The user's calendar day: the date on this machine's clock, in its time zone.

    Date-only fields (a registration's date, a sync's) are days the user names as their
    calendar shows them; UTC's day is a different one for hours each day east and west of it.
    """
    return date.today()


class _Lock:
    """An exclusive lock on ``<workspace>.lock``, held while a process has the workspace open."""

    def __init__(self, path: Path) -> None:
        self.path = path.with_name(path.name + ".lock")
        self._fd: int | None = None

    def acquire(self, workspace: Path) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = (
                os.pread(fd, 64, 0).decode(errors="replace").strip()
                if sys.platform != "win32"
                else ""
            )
            os.close(fd)
            who = f" (process {holder})" if holder else ""
            raise WorkspaceError(
                f"{workspace.name} is open elsewhere{who}; close it there first",
                where=str(workspace),
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0) if sys.platform != "win32" else None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            with contextlib.suppress(OSError):
                self.path.unlink()


def _sqlite_message(error: BaseException) -> str:
    """Known SQLite failures, in words a user can act on."""
    text_ = str(getattr(error, "orig", error)).lower()
    if "locked" in text_ or "busy" in text_:
        return "the workspace is busy in another program; try again in a moment"
    if "disk is full" in text_ or "database or disk is full" in text_:
        return "the disk is full; free some space and try again (nothing was changed)"
    if "malformed" in text_ or "not a database" in text_ or "file is encrypted" in text_:
        return "the workspace file is damaged or is not an Overlap workspace"
    if "readonly" in text_ or "read-only" in text_:
        return "the workspace file is read-only"
    if "unable to open" in text_:
        return "the workspace file cannot be opened (check the folder and permissions)"
    return f"the workspace could not be written: {text_}"


@contextlib.contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's operational failures into a ``WorkspaceError`` naming the file."""
    try:
        yield
    except (exc.OperationalError, exc.DatabaseError, sqlite3.DatabaseError) as error:
        raise WorkspaceError(_sqlite_message(error), where=str(path)) from error


def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Takes effect only in a new, empty file (before WAL fixes the layout); an existing file
    # keeps the page size it has. 16 KiB pages hold ~70 account rows instead of ~17: a
    # million-row import spends about a second less CPU in page handling, and an empty
    # workspace is still well under a megabyte.
    cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _migrate(connection: Connection, from_version: int) -> None:
    """Bring a file from ``from_version`` to ``SCHEMA_VERSION``, one version at a time.

    Runs inside one transaction that covers the schema changes too (``_upgrade``): a crash
    at any point leaves the file as it was, and the next open starts the upgrade afresh.
    """
    carried = _carried_rows(connection)
    for version in range(from_version + 1, SCHEMA_VERSION + 1):
        tables = [model.__table__ for model in SCHEMA_GROUPS[version]]  # type: ignore[attr-defined]
        SQLModel.metadata.create_all(connection, tables=tables)
        if version == 5:
            _accounts_to_blocks(connection)
        connection.exec_driver_sql(f"PRAGMA user_version={version}")
    lost = {table: (before, after) for table, before in carried.items()
            if (after := _carried_rows(connection)[table]) != before}  # fmt: skip
    if lost:
        # Never commit an upgrade that dropped rows: the transaction rolls back whole.
        raise WorkspaceError(
            "the upgrade of this workspace would lose rows "
            + ", ".join(f"{t} {b:,} -> {a:,}" for t, (b, a) in lost.items())
            + "; nothing was changed",
        )
    connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")


def _carried_rows(connection: Connection) -> dict[str, int]:
    """Row counts of what an upgrade carries over: accounts, their links and the decisions."""
    tables = _table_names(connection)
    counts: dict[str, int] = {}
    for table in ("match", "assignment", "matchdecision", "ownershipoverride", "plan"):
        if table in tables:
            counts[table] = int(
                connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one()
            )
    if "account" in tables:
        counts["accounts"] = int(
            connection.exec_driver_sql("SELECT count(*) FROM account").scalar_one()
        )
    else:
        counts["accounts"] = int(
            connection.exec_driver_sql(
                "SELECT coalesce(sum(account_count), 0) FROM snapshot"
            ).scalar_one()
        )
    return counts


def _table_names(connection: Connection) -> set[str]:
    rows = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
    return {row[0] for row in rows}


def _accounts_to_blocks(connection: Connection) -> None:
    """Version 5: move the ``account`` row table of versions 1-4 into ``AccountBlock``s.

    Each snapshot's accounts get consecutive ids in file order, in snapshot order. Old ids are
    kept where they already were so (they always were: one import was one insert); otherwise
    matches and assignments follow the new ids, through one map of every old id.
    """
    have = {row[1] for row in connection.exec_driver_sql("PRAGMA table_info(snapshot)").fetchall()}
    for column in ("first_account_id", "account_count"):
        if column not in have:
            connection.exec_driver_sql(
                f"ALTER TABLE snapshot ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0"
            )
    if "account" not in _table_names(connection):
        return
    foreign = connection.exec_driver_sql("PRAGMA foreign_key_list(match)").fetchall()
    if any(row[2] == "account" for row in foreign):
        # SQLite cannot drop a constraint: the match table is rebuilt without its references
        # to the account table, before any id changes and before that table goes (its DROP
        # would cascade to the matches).
        connection.exec_driver_sql("DROP INDEX IF EXISTS ix_match_partner_status")
        connection.exec_driver_sql("ALTER TABLE match RENAME TO match_v4")
        SQLModel.metadata.create_all(connection, tables=[Match.__table__])  # type: ignore[attr-defined]
        names = ", ".join(Match.__table__.columns.keys())  # type: ignore[attr-defined]
        connection.exec_driver_sql(f"INSERT INTO match ({names}) SELECT {names} FROM match_v4")
        connection.exec_driver_sql("DROP TABLE match_v4")
    columns = ", ".join(ACCOUNT_COLUMNS)
    snapshots = [r[0] for r in connection.exec_driver_sql("SELECT id FROM snapshot ORDER BY id")]
    connection.exec_driver_sql("CREATE TEMP TABLE account_ids (old INTEGER PRIMARY KEY, new)")
    next_id, moved = 1, False
    for snapshot_id in snapshots:
        frame = pd.read_sql_query(
            text(f"SELECT id, {columns} FROM account WHERE snapshot_id = :s ORDER BY id"),
            connection,
            params={"s": snapshot_id},
        )
        old = frame["id"].to_numpy(dtype=np.int64)
        first = int(old[0]) if len(old) and old[0] >= next_id else next_id
        new = first + np.arange(len(old), dtype=np.int64)
        if not np.array_equal(old, new):
            moved = True
            connection.exec_driver_sql(
                "INSERT INTO account_ids VALUES (?, ?)",
                list(zip(old.tolist(), new.tolist(), strict=True)),
            )
        _write_blocks(connection, snapshot_id, frame.drop(columns="id"), first)
        next_id = first + len(old)
    if moved:
        for table, column in (
            ("match", "our_account_id"),
            ("match", "partner_account_id"),
            ("assignment", "our_account_id"),
            ("assignment", "partner_account_id"),
        ):
            connection.exec_driver_sql(
                f"UPDATE {table} SET {column} = (SELECT new FROM account_ids WHERE old = {column}) "
                f"WHERE {column} IN (SELECT old FROM account_ids)"
            )
    connection.exec_driver_sql("DROP TABLE account_ids")
    connection.exec_driver_sql("DROP TABLE account")


def create_schema(connection: Connection, up_to: int = SCHEMA_VERSION) -> None:
    """Create the tables of every version up to ``up_to`` (older versions exist for tests)."""
    for version in range(1, up_to + 1):
        tables = [model.__table__ for model in SCHEMA_GROUPS[version]]  # type: ignore[attr-defined]
        SQLModel.metadata.create_all(connection, tables=tables)
    connection.exec_driver_sql(f"PRAGMA user_version={up_to}")
    connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")


@dataclass(frozen=True)
class _FileFacts:
    """What a read-only look at an SQLite file tells before anything is changed in it."""

    version: int
    application_id: int
    tables: frozenset[str]


def _inspect(path: Path) -> _FileFacts:
    """Read a file's version, application id and table names without changing anything.

    Even a read-only connection to a WAL file leaves ``-wal`` and ``-shm`` files beside it;
    those that were not there before are removed again, so a refused file is left exactly
    as it was found.
    """
    found = {suffix for suffix in SIDECARS if _sidecar(path, suffix).exists()}
    try:
        uri = f"{path.absolute().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            application_id = int(con.execute("PRAGMA application_id").fetchone()[0])
            rows = con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    except sqlite3.DatabaseError as error:
        raise WorkspaceError(_sqlite_message(error), where=str(path)) from error
    finally:
        for suffix in set(SIDECARS) - found:
            with contextlib.suppress(OSError):
                _sidecar(path, suffix).unlink()
    return _FileFacts(version, application_id, frozenset(row[0] for row in rows))


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _recognise(path: Path, facts: _FileFacts) -> None:
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


def _quick_check(path: Path, seconds: float = QUICK_CHECK_SECONDS) -> str | None:
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


def _damaged(path: Path, problem: str) -> WorkspaceError:
    kept = backups(path)
    if kept:
        advice = f"restore its newest backup with: overlap restore {path.name} {kept[0].name}"
    else:
        advice = "no backup of it was found beside it; open it in a backup of this folder instead"
    return WorkspaceError(
        f"the workspace file is damaged ({problem}); nothing was written to it. {advice}",
        where=str(path),
    )


def _begin_exclusive(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN EXCLUSIVE")


def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 opens a transaction only before INSERT / UPDATE / DELETE and runs
    # CREATE, ALTER and DROP in autocommit: transactions are then begun by _begin_exclusive.
    dbapi_connection.isolation_level = None


def _upgrade(path: Path, version: int) -> None:
    """Migrate ``path`` from ``version`` in one transaction, schema changes included.

    A kill or power cut at any moment leaves the file at its old version with every row,
    and the next open starts over; it never finds half an upgrade to finish.
    """
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "connect", _no_driver_transactions)
    event.listen(engine, "begin", _begin_exclusive)
    try:
        with sqlite_errors(path), engine.begin() as connection:
            _migrate(connection, version)
    finally:
        engine.dispose()


def restore_backup(path: str | Path, backup: str | Path) -> Path | None:
    """Put ``backup`` in the place of the workspace at ``path``; return where the replaced
    file was kept (``<name>.replaced-<time>.overlap``, with its WAL), so nothing is lost, or
    None when there was no file to replace.

    The backup must be a sound Overlap workspace; the workspace must not be open elsewhere.
    """
    path, backup = Path(path), Path(backup)
    if not backup.is_file():
        raise WorkspaceError("no backup at this path", where=str(backup))
    _recognise(backup, _inspect(backup))
    problem = _quick_check(backup, seconds=float("inf"))
    if problem:
        raise WorkspaceError(f"this backup is damaged too ({problem})", where=str(backup))
    lock = _Lock(path)
    lock.acquire(path)
    try:
        staged = path.with_name(f".{path.name}.restoring")
        with contextlib.closing(sqlite3.connect(backup)) as source:
            _copy_database(source, staged)
        kept = path.with_name(f"{path.stem}.replaced-{now().strftime('%Y%m%d-%H%M%S')}{SUFFIX}")
        replaced = path.exists()
        # The WAL goes with its file: left beside the restored one, SQLite would replay it.
        for suffix in ("", *SIDECARS):
            if _sidecar(path, suffix).exists():
                os.replace(_sidecar(path, suffix), _sidecar(kept, suffix))
        os.replace(staged, path)
    finally:
        lock.release()
    return kept if replaced else None


def write_backup(path: str | Path, out: str | Path | None = None) -> Path:
    """A consistent copy of the workspace at ``path`` (default: beside it, stamped)."""
    path = Path(path)
    target = (
        Path(out)
        if out
        else path.with_name(f"{path.stem}.backup-{now().strftime('%Y%m%d-%H%M%S')}{SUFFIX}")
    )
    with Workspace.open(path) as ws:
        ws.backup_to(target)
    return target


class Workspace:
    """An open workspace. Use ``Workspace.create`` or ``Workspace.open``; close it when done."""

    def __init__(self, path: Path, engine: Engine, lock: _Lock) -> None:
        self.path = path
        self.engine = engine
        self._lock = lock
        self._writing = threading.RLock()

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def create(cls, path: str | Path, us_name: str, us_domains: Sequence[str] = ()) -> Workspace:
        """Create a new workspace file, readable by its owner only."""
        path = Path(path)
        if path.suffix != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        if not us_name.strip():
            raise WorkspaceError("our company needs a name (--us NAME)")
        if path.exists():
            raise WorkspaceError(
                "a file of that name exists already; choose another name", where=str(path)
            )
        if not path.parent.is_dir():
            raise WorkspaceError("the folder does not exist", where=str(path.parent))
        lock = _Lock(path)
        lock.acquire(path)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            engine = cls._engine(path)
            with sqlite_errors(path), engine.begin() as connection:
                create_schema(connection)
            workspace = cls(path, engine, lock)
            with workspace.session() as session:
                session.add(
                    Company(
                        name=us_name.strip(),
                        domains_json=json.dumps(
                            sorted({d.strip().lower() for d in us_domains if d.strip()})
                        ),
                        created_at=now(),
                    )
                )
                session.commit()
        except BaseException:
            lock.release()
            raise
        return workspace

    @classmethod
    def open(cls, path: str | Path, *, lock: bool = True) -> Workspace:
        """Open an existing workspace, migrating an older file after backing it up.

        ``lock=False`` is only for a helper process of the process that holds the workspace
        open (the desktop app's worker process, which runs heavy jobs on the same file): it
        opens the file without taking the lock, relying on its parent to hold the lock for
        as long as the helper has the file open. Such a helper never migrates the file; the
        lock holder has done that already.
        """
        path = Path(path)
        if not path.is_file():
            raise WorkspaceError("no workspace at this path", where=str(path))
        with open(path, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise WorkspaceError("this file is not an Overlap workspace", where=str(path))
        holder = _Lock(path)  # released at close; a no-op when never acquired (lock=False)
        if lock:
            holder.acquire(path)
        try:
            facts = _inspect(path)
            _recognise(path, facts)
            if facts.version < SCHEMA_VERSION and not lock:
                raise WorkspaceError(
                    "this workspace needs an upgrade; open it normally first", where=str(path)
                )
            if lock:  # a helper process opens a file its parent has just checked
                problem = _quick_check(path)
                if problem:
                    raise _damaged(path, problem)
            if facts.version < SCHEMA_VERSION:
                cls._backup(path, facts.version)
                _upgrade(path, facts.version)
            engine = cls._engine(path)
            if lock and facts.application_id != APPLICATION_ID and facts.version == SCHEMA_VERSION:
                with sqlite_errors(path), engine.begin() as connection:
                    connection.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
        except BaseException:
            holder.release()
            raise
        return cls(path, engine, holder)

    @staticmethod
    def _engine(path: Path) -> Engine:
        engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _set_pragmas)
        return engine

    @staticmethod
    def _backup(path: Path, version: int) -> Path:
        """Copy the file (with its WAL content) before a migration changes it."""
        stamp = now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.stem}.v{version}-backup-{stamp}{SUFFIX}")
        with contextlib.closing(sqlite3.connect(path)) as source:
            _copy_database(source, backup)
        return backup

    def backup_to(self, target: Path) -> None:
        """A consistent copy of this workspace at ``target``, written whole or not at all."""
        with self.engine.connect() as connection:
            _copy_database(
                cast(sqlite3.Connection, connection.connection.driver_connection), target
            )

    def close(self) -> None:
        self.engine.dispose()
        self._lock.release()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sessions and bulk rows

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session for small edits; commits are the caller's."""
        with sqlite_errors(self.path), Session(self.engine, expire_on_commit=False) as session:
            yield session

    def save(self, record: SQLModel) -> None:
        """Write one record (new or changed) in a transaction of its own; ``record`` gets its
        id and database defaults."""
        with self.session() as session:
            session.add(record)
            session.commit()
            session.refresh(record)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction for a multi-row change: all of it lands, or none of it.

        Threads of this process take turns (``overlap map`` imports two files at once): a
        long write makes the other wait its turn rather than run into SQLite's busy timeout.
        """
        with self._writing, sqlite_errors(self.path), self.engine.begin() as connection:
            yield connection

    @staticmethod
    def insert_rows(
        connection: Connection,
        table: type[SQLModel],
        frame: pd.DataFrame,
        *,
        progress: Progress | None = None,
        cancel: Callable[[], bool] | None = None,
        label: str = "Saving",
    ) -> None:
        """Insert a DataFrame's rows into ``table`` with executemany, in chunks.

        Columns are those of the frame; NaN / NaT / pd.NA become NULL. Runs inside the caller's
        transaction, so a cancel or crash between chunks leaves nothing behind.
        """
        if frame.empty:
            return
        name = table.__tablename__  # type: ignore[attr-defined]
        columns = list(frame.columns)
        # The driver's own cursor: it takes an iterator of rows, with no list in between.
        cursor = cast(sqlite3.Cursor, connection.connection.cursor())
        total = len(frame)
        for start in range(0, total, INSERT_CHUNK):
            if cancel is not None and cancel():
                raise Cancelled()
            chunk = frame.iloc[start : start + INSERT_CHUNK]
            placeholders, values = _bind_columns(chunk)
            sql = f'INSERT INTO "{name}" ({", ".join(columns)}) VALUES ({", ".join(placeholders)})'
            cursor.executemany(sql, zip(*values, strict=True))
            if progress is not None:
                progress(min(1.0, (start + len(chunk)) / total), label)

    def read_frame(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run a SELECT and return its rows as a DataFrame."""
        with sqlite_errors(self.path), self.engine.connect() as connection:
            return pd.read_sql_query(text(sql), connection, params=params or {})

    def with_accounts(self, links: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
        """``links`` (``our_account_id``, ``partner_account_id``) with both accounts' columns,
        named ``our_<column>`` and ``partner_<column>``, indexed from 0."""
        out = links.reset_index(drop=True)
        for side in ("our", "partner"):
            found = self.accounts_by_id(out[f"{side}_account_id"].to_numpy(), columns)
            for column in columns:
                out[f"{side}_{column}"] = found[column].to_numpy()
        return out

    # ------------------------------------------------------------------ us and partners

    def company(self) -> Company:
        with self.session() as session:
            company = session.exec(select(Company)).first()
        if company is None:
            raise WorkspaceError("this workspace has no company; it was not created by Overlap")
        return company

    def partners(self) -> list[Partner]:
        with self.session() as session:
            return list(session.exec(select(Partner).order_by(Partner.name)))

    def partner(self, name: str) -> Partner:
        """The partnership named ``name`` (case-insensitive), or a clear error listing them."""
        for partner in self.partners():
            if partner.name.casefold() == name.strip().casefold():
                return partner
        known = ", ".join(p.name for p in self.partners()) or "none yet"
        raise WorkspaceError(f"no partner named '{name}' (partners: {known})")

    def add_partner(
        self, name: str, *, model: str = "co-sell", cadence: str = "quarterly"
    ) -> Partner:
        name = name.strip()
        if not name:
            raise WorkspaceError("a partner needs a name")
        if name.casefold() == US:
            raise WorkspaceError("'us' names our own side; give the partner its company name")
        if model not in PARTNER_MODELS:
            raise WorkspaceError(
                f"unknown partnership model '{model}' (use {', '.join(PARTNER_MODELS)})"
            )
        if cadence not in CADENCES:
            raise WorkspaceError(f"unknown refresh cadence '{cadence}' (use {', '.join(CADENCES)})")
        if any(p.name.casefold() == name.casefold() for p in self.partners()):
            raise WorkspaceError(f"a partner named '{name}' exists already")
        partner = Partner(name=name, model=model, cadence=cadence, created_at=now())
        self.save(partner)
        return partner

    def side_partner_id(self, side: str) -> int | None:
        """``us`` → None; a partner's name → its id."""
        return None if side.strip().casefold() == US else self.partner(side).id

    def side_name(self, partner_id: int | None) -> str:
        if partner_id is None:
            return self.company().name
        with self.session() as session:
            partner = session.get(Partner, partner_id)
        return partner.name if partner else f"partner {partner_id}"

    # ------------------------------------------------------------------ snapshots

    def snapshots(self, partner_id: int | None) -> list[Snapshot]:
        """Every import of one side, oldest first."""
        with self.session() as session:
            side = col(Snapshot.partner_id)
            query = select(Snapshot).where(
                side.is_(None) if partner_id is None else side == partner_id
            )
            order = (col(Snapshot.imported_at), col(Snapshot.id))
            return list(session.exec(query.order_by(*order)))

    def current_snapshot(self, partner_id: int | None) -> Snapshot | None:
        """The newest import of one side, or None before the first."""
        snapshots = self.snapshots(partner_id)
        return snapshots[-1] if snapshots else None

    # ------------------------------------------------------------------ accounts

    @staticmethod
    def store_accounts(
        connection: Connection,
        snapshot_id: int,
        frame: pd.DataFrame | pa.Table,
        *,
        progress: Progress | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> int:
        """Store a new snapshot's accounts (``ACCOUNT_SCHEMA`` columns; missing ones are empty).

        Runs inside the caller's transaction. The accounts get consecutive ids in file order;
        returns the first.
        """
        row = connection.exec_driver_sql(
            "SELECT coalesce(max(first_account_id + account_count), 1) FROM snapshot"
        ).fetchone()
        first = int(row[0]) if row else 1
        _write_blocks(connection, snapshot_id, frame, first, progress=progress, cancel=cancel)
        return first

    def accounts_table(self, snapshot_id: int, columns: Sequence[str] | None = None) -> pa.Table:
        """The accounts of a snapshot in file order: ``id`` and ``columns`` (default all)."""
        wanted = list(ACCOUNT_COLUMNS if columns is None else columns)
        unknown = [c for c in wanted if c not in ACCOUNT_COLUMNS and c != "id"]
        if unknown:
            raise ValueError(f"not account columns: {unknown}")
        fields = [ACCOUNT_SCHEMA.get_field_index(c) for c in wanted if c != "id"]
        options = pa.ipc.IpcReadOptions(included_fields=fields)
        with sqlite_errors(self.path), self.engine.connect() as connection:
            first = connection.exec_driver_sql(
                "SELECT first_account_id, account_count FROM snapshot WHERE id = ?", (snapshot_id,)
            ).fetchone()
            blocks = connection.exec_driver_sql(
                "SELECT data FROM accountblock WHERE snapshot_id = ? ORDER BY part", (snapshot_id,)
            ).fetchall()
        schema = pa.schema([ACCOUNT_SCHEMA.field(c) for c in wanted if c != "id"])
        try:
            parts = [
                pa.ipc.open_file(pa.py_buffer(b[0]), options=options).read_all() for b in blocks
            ]
        except (pa.ArrowInvalid, OSError) as error:
            # A damaged page inside a block's data: SQLite's page checks cannot see it.
            raise _damaged(self.path, f"the accounts of import {snapshot_id}: {error}") from None
        table = pa.concat_tables(parts) if parts else schema.empty_table()
        table = table.select([c for c in wanted if c != "id"])
        ids = pa.array(np.arange(len(table), dtype=np.int64) + (int(first[0]) if first else 0))
        table = table.add_column(0, "id", ids)
        return table.select(wanted if "id" in wanted else ["id", *wanted])

    def accounts(self, snapshot_id: int, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The accounts of a snapshot, in file order, as a DataFrame (``id`` first)."""
        return self.accounts_table(snapshot_id, columns).to_pandas()

    def account_positions(self, ids: Sequence[int] | np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Where the accounts with these ids are: (snapshot id, positions in file order of
        the distinct ids it holds) for each snapshot holding some. Unknown ids are left out."""
        wanted = np.asarray(ids, dtype=np.int64)
        with sqlite_errors(self.path), self.engine.connect() as connection:
            ranges = connection.exec_driver_sql(
                "SELECT id, first_account_id, account_count FROM snapshot "
                "WHERE account_count > 0 ORDER BY first_account_id"
            ).fetchall()
        found = []
        for snapshot_id, first, count in ranges:
            inside = wanted[(wanted >= first) & (wanted < first + count)]
            if len(inside):
                found.append((int(snapshot_id), np.unique(inside) - first))
        return found

    def accounts_by_id(
        self, ids: Sequence[int] | np.ndarray, columns: Sequence[str]
    ) -> pd.DataFrame:
        """The accounts with these ids (of any snapshots), in the order given (``id`` first).

        An id no snapshot has gives a row of missing values.
        """
        names = [c for c in columns if c != "id"]
        parts = [
            self.accounts_table(snapshot_id, names).take(pa.array(positions)).to_pandas()
            for snapshot_id, positions in self.account_positions(ids)
        ]
        found = pd.concat(parts, ignore_index=True) if parts else self.accounts(-1, names)
        wanted = pd.DataFrame({"id": np.asarray(ids, dtype=np.int64)})
        return wanted.merge(found, on="id", how="left")

    def rejected(self, snapshot_id: int) -> pd.DataFrame:
        return self.read_frame(
            "SELECT row_number, reason, raw_json FROM rejectedrow "
            "WHERE snapshot_id = :s ORDER BY row_number",
            {"s": snapshot_id},
        )


def _write_blocks(
    connection: Connection,
    snapshot_id: int,
    frame: pd.DataFrame | pa.Table,
    first: int,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> None:
    """Write accounts as ``AccountBlock`` rows and record their ids on the snapshot."""
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    columns = []
    for field in ACCOUNT_SCHEMA:
        if field.name in table.column_names:
            column = table.column(field.name)
            if column.type != field.type:
                column = column.cast(field.type)
        else:
            column = pa.nulls(len(table), field.type)
        if field.name in _DEFAULTS:
            column = pc.fill_null(column, _DEFAULTS[field.name])
        columns.append(column)
    table = pa.Table.from_arrays(columns, schema=ACCOUNT_SCHEMA)
    total = len(table)
    for part, start in enumerate(range(0, total, BLOCK_ROWS)):
        if cancel is not None and cancel():
            raise Cancelled()
        chunk = table.slice(start, BLOCK_ROWS)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_file(sink, ACCOUNT_SCHEMA, options=_IPC_WRITE) as writer:
            writer.write_table(chunk, max_chunksize=BLOCK_ROWS)
        connection.exec_driver_sql(
            "INSERT INTO accountblock (snapshot_id, part, rows, data) VALUES (?, ?, ?, ?)",
            (snapshot_id, part, len(chunk), memoryview(sink.getvalue())),
        )
        if progress is not None:
            progress(min(1.0, (start + len(chunk)) / total), "Saving accounts")
    connection.exec_driver_sql(
        "UPDATE snapshot SET first_account_id = ?, account_count = ? WHERE id = ?",
        (first, total, snapshot_id),
    )


def _copy_database(source: sqlite3.Connection, target: Path) -> None:
    """SQLite's online backup of ``source`` into a new private file at ``target``, written
    whole or not at all."""
    with atomic_write(target) as staged:
        try:
            with contextlib.closing(sqlite3.connect(staged)) as copy:
                source.backup(copy)
        except sqlite3.OperationalError as error:
            raise OSError(str(error)) from error  # atomic_write names the file it could not write
        os.chmod(staged, 0o600)


def _bind_columns(chunk: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """Each column as a list of plain Python values, with the SQL placeholder that binds it.

    Binding ``None`` is the slowest thing ``sqlite3`` does (it looks for an adapter, several
    hundred nanoseconds a value), so missing values avoid it where that is exact: a float
    column binds NaN, which SQLite stores as NULL; a text column without empty strings binds
    "" for a missing value through ``NULLIF(?, '')``. Everything else goes as before.
    """
    placeholders: list[str] = []
    values: list[list[Any]] = []
    for column in chunk.columns:
        series = chunk[column]
        dtype = series.dtype
        placeholder = "?"
        if dtype == "str":
            text = pa.array(series)
            if isinstance(text, pa.ChunkedArray):
                text = text.combine_chunks()
            if text.null_count:
                lengths = pc.binary_length(text)
                if pc.any(pc.equal(lengths, 0)).as_py():
                    # "" and NULL both occur: they stay distinct, at the price of None.
                    values.append(text.to_numpy(zero_copy_only=False).tolist())
                    placeholders.append(placeholder)
                    continue
                text = pc.fill_null(text, "")
                placeholder = "NULLIF(?, '')"
            values.append(text.to_numpy(zero_copy_only=False).tolist())
        elif isinstance(dtype, np.dtype) and dtype.kind == "f":
            # sqlite3 binds NaN as NULL.
            values.append(series.to_numpy(dtype=np.float64).tolist())
        elif isinstance(dtype, np.dtype) and dtype.kind in "iub":
            numbers = series.to_numpy(dtype=np.int64)
            if len(numbers) > 1 and (numbers == numbers[0]).all():
                # One value in every row (the partnership of every match): written into the SQL.
                placeholders.append(str(int(numbers[0])))
                continue
            values.append(numbers.tolist())
        else:
            values.append(series.astype(object).where(series.notna(), None).tolist())
        placeholders.append(placeholder)
    if not values:  # every column was written into the SQL: bind the first to keep the rows
        placeholders[0] = "?"
        values.append(chunk.iloc[:, 0].to_numpy(dtype=np.int64).tolist())
    return placeholders, values


def account_key(external_id: str | None, name: str, domains: str) -> str:
    """A key for an account that outlives snapshots: its CRM id, else its name and domains.

    User decisions (match reviews, ownership overrides, plans) are stored against these keys,
    so they survive re-matching and refreshed imports.
    """
    if external_id is not None and str(external_id).strip() and str(external_id) != "nan":
        return f"id:{str(external_id).strip()}"
    words = " ".join(str(name).casefold().split())
    return f"nd:{words}|{' '.join(sorted(str(domains or '').split()))}"


def account_keys(frame: pd.DataFrame) -> pd.Series:
    """``account_key`` for every row of an accounts DataFrame."""
    return pd.Series(
        [
            account_key(e, n, d)
            for e, n, d in zip(frame["external_id"], frame["name"], frame["domains"], strict=True)
        ],
        index=frame.index,
        dtype=object,
    )
