"""Upgrading an older workspace to this version: one transaction, schema changes included.

Each version's tables are created in order (``SCHEMA_GROUPS``) and its new columns of older
tables added (``SCHEMA_COLUMNS``); version 5 also moved accounts from a row table into blocks.
A crash at any point leaves the file at its old version with every row, and an upgrade that
would lose rows is never committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy.schema import CreateColumn
from sqlmodel import SQLModel

from engine.errors import WorkspaceError
from engine.store.blocks import write_blocks
from engine.store.checks import APPLICATION_ID
from engine.store.connection import set_pragmas, sqlite_errors
from engine.store.models import (
    ACCOUNT_COLUMNS,
    SCHEMA_COLUMNS,
    SCHEMA_GROUPS,
    SCHEMA_VERSION,
    Match,
)


def _migrate(connection: Connection, from_version: int) -> None:
    """Bring a file from ``from_version`` to ``SCHEMA_VERSION``, one version at a time.

    Runs inside one transaction that covers the schema changes too (``_upgrade``): a crash
    at any point leaves the file as it was, and the next open starts the upgrade afresh.
    """
    carried = _carried_rows(connection)
    for version in range(from_version + 1, SCHEMA_VERSION + 1):
        tables = [model.__table__ for model in SCHEMA_GROUPS[version]]  # type: ignore[attr-defined]
        SQLModel.metadata.create_all(connection, tables=tables)
        _add_columns(connection, version)
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


def _add_columns(connection: Connection, version: int) -> None:
    """Add the columns ``version`` gave to tables of earlier versions (``SCHEMA_COLUMNS``).

    A table created by this very upgrade already has them; each added column has a server
    default, so the rows already there get it.
    """
    for model, name in SCHEMA_COLUMNS.get(version, []):
        table = model.__table__  # type: ignore[attr-defined]
        info = connection.exec_driver_sql(f'PRAGMA table_info("{table.name}")')
        present = {row[1] for row in info}
        if name not in present:
            ddl = CreateColumn(table.c[name]).compile(dialect=connection.dialect)
            connection.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN {ddl}')


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
        write_blocks(connection, snapshot_id, frame.drop(columns="id"), first)
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


def _begin_exclusive(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN EXCLUSIVE")


def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
    # Python's sqlite3 opens a transaction only before INSERT / UPDATE / DELETE and runs
    # CREATE, ALTER and DROP in autocommit: transactions are then begun by _begin_exclusive.
    dbapi_connection.isolation_level = None


def upgrade(path: Path, version: int) -> None:
    """Migrate ``path`` from ``version`` in one transaction, schema changes included.

    A kill or power cut at any moment leaves the file at its old version with every row,
    and the next open starts over; it never finds half an upgrade to finish.
    """
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", set_pragmas)
    event.listen(engine, "connect", _no_driver_transactions)
    event.listen(engine, "begin", _begin_exclusive)
    try:
        with sqlite_errors(path), engine.begin() as connection:
            _migrate(connection, version)
    finally:
        engine.dispose()
