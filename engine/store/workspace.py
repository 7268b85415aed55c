"""The workspace: one SQLite file (``*.overlap``) holding everything of one company's mapping.

WAL journal, foreign keys on, ``PRAGMA user_version`` as the schema version. A file from a
newer Overlap is refused; an older one is copied to a backup and migrated step by step. One
process writes a workspace at a time: a lock file next to it makes a second one fail with a
clear "open elsewhere" message instead of a "database is locked" half-way through an import.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlmodel import Session, SQLModel, col, select

from engine.errors import Cancelled, OverlapError, WorkspaceError
from engine.store.backups import backup_before_upgrade, copy_database
from engine.store.blocks import write_blocks
from engine.store.checks import (
    APPLICATION_ID,
    SUFFIX,
    damaged,
    inspect,
    quick_check,
    recognise,
)
from engine.store.clock import now
from engine.store.connection import WorkspaceLock, set_pragmas, sqlite_errors
from engine.store.migrations import create_schema, upgrade
from engine.store.models import (
    ACCOUNT_COLUMNS,
    ACCOUNT_SCHEMA,
    SCHEMA_VERSION,
    Company,
    Partner,
    Snapshot,
)

PARTNER_MODELS = ("referral", "co-sell", "reseller")
CADENCES = ("monthly", "quarterly", "semi-annual")
US = "us"

Progress = Callable[[float, str], None]
INSERT_CHUNK = 50_000


class Workspace:
    """An open workspace. Use ``Workspace.create`` or ``Workspace.open``; close it when done."""

    def __init__(self, path: Path, engine: Engine, lock: WorkspaceLock) -> None:
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
        lock = WorkspaceLock(path)
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
        holder = WorkspaceLock(path)  # released at close; a no-op when never acquired (lock=False)
        if lock:
            holder.acquire(path)
        try:
            facts = inspect(path)
            recognise(path, facts)
            if facts.version < SCHEMA_VERSION and not lock:
                raise WorkspaceError(
                    "this workspace needs an upgrade; open it normally first", where=str(path)
                )
            if lock:  # a helper process opens a file its parent has just checked
                problem = quick_check(path)
                if problem:
                    raise damaged(path, problem)
            if facts.version < SCHEMA_VERSION:
                backup_before_upgrade(path, facts.version)
                upgrade(path, facts.version)
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
        event.listen(engine, "connect", set_pragmas)
        return engine

    def backup_to(self, target: Path) -> None:
        """A consistent copy of this workspace at ``target``, written whole or not at all."""
        with self.engine.connect() as connection:
            copy_database(cast(sqlite3.Connection, connection.connection.driver_connection), target)

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
        write_blocks(connection, snapshot_id, frame, first, progress=progress, cancel=cancel)
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
            raise damaged(self.path, f"the accounts of import {snapshot_id}: {error}") from None
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


def resolve_partner(ws: Workspace, partner: str | Partner) -> Partner:
    """The partnership ``partner`` names (a name or a ``Partner``), or a clear ``OverlapError``."""
    if isinstance(partner, Partner):
        return partner
    if not str(partner).strip():
        raise OverlapError("name the partner (--partner NAME)")
    return ws.partner(str(partner))
