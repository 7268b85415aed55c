"""The workspace file: creation, versions and migration, one writer, atomic bulk writes."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine

from engine.errors import Cancelled, WorkspaceError
from engine.store.backups import restore_backup
from engine.store.checks import APPLICATION_ID, backups
from engine.store.connection import PAGE_SIZE
from engine.store.migrations import create_schema
from engine.store.models import SCHEMA_VERSION, Snapshot
from engine.store.workspace import Workspace, account_key, now

REPO = Path(__file__).resolve().parents[3]


def _user_version(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return int(con.execute("PRAGMA user_version").fetchone()[0])


def _tables(path: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(path)) as con:
        return {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _add_snapshot(ws: Workspace, names: list[str], *, progress=None, cancel=None) -> int:
    """Write one snapshot of our side with the given account names, in one transaction."""
    with ws.transaction() as connection:
        snapshot = Snapshot.__table__.insert().values(  # type: ignore[attr-defined]
            partner_id=None,
            file_name="ours.csv",
            sha256="0" * 64,
            imported_at=now(),
            mapping_json="{}",
        )
        snapshot_id = connection.execute(snapshot).inserted_primary_key[0]
        frame = pd.DataFrame(
            {"row_number": range(2, len(names) + 2), "name": names, "stage": "prospect"}
        )
        Workspace.store_accounts(connection, snapshot_id, frame, progress=progress, cancel=cancel)
    return int(snapshot_id)


def test_create_sets_up_a_private_wal_file(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "acme", "Acme Corp", ["ACME.com", "acme.com "])
    try:
        assert ws.path == tmp_path / "acme.overlap"
        assert stat.S_IMODE(os.stat(ws.path).st_mode) == 0o600
        assert ws.company().name == "Acme Corp"
        assert ws.company().domains_json == '["acme.com"]'
        with ws.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        ws.close()
    assert _user_version(tmp_path / "acme.overlap") == SCHEMA_VERSION


def test_create_refuses_an_existing_file_and_an_empty_name(tmp_path: Path) -> None:
    (tmp_path / "taken.overlap").write_text("mine")
    with pytest.raises(WorkspaceError, match="exists already"):
        Workspace.create(tmp_path / "taken.overlap", "Acme")
    assert (tmp_path / "taken.overlap").read_text() == "mine"
    with pytest.raises(WorkspaceError, match="needs a name"):
        Workspace.create(tmp_path / "x.overlap", "  ")


def test_a_newer_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "future.overlap"
    Workspace.create(path, "Acme").close()
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
        con.commit()
    before = path.read_bytes()
    with pytest.raises(WorkspaceError, match="newer Overlap"):
        Workspace.open(path)
    assert path.read_bytes() == before
    # The refusal released the lock: the file can be opened once the version is right again.
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        con.commit()
    Workspace.open(path).close()


def test_an_older_file_is_backed_up_then_migrated_step_by_step(tmp_path: Path) -> None:
    path = tmp_path / "old.overlap"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        create_schema(connection, up_to=1)
        connection.exec_driver_sql(
            "INSERT INTO company (name, domains_json, created_at) "
            "VALUES ('Acme', '[]', '2025-01-01')"
        )
    engine.dispose()
    assert "match" not in _tables(path)

    with Workspace.open(path) as ws:
        assert ws.company().name == "Acme"
        ws.add_partner("Globex")
    assert _user_version(path) == SCHEMA_VERSION
    assert {"match", "matchdecision", "ruleset", "plan"} <= _tables(path)

    backups = list(tmp_path.glob("old.v1-backup-*.overlap"))
    assert len(backups) == 1
    assert _user_version(backups[0]) == 1
    assert "match" not in _tables(backups[0])
    # Opening again migrates nothing and makes no second backup.
    Workspace.open(path).close()
    assert len(list(tmp_path.glob("old.v1-backup-*.overlap"))) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Name,Website\nAcme,acme.com\n", "not an Overlap workspace"),
        (b"", "not an Overlap workspace"),
    ],
)
def test_a_file_that_is_not_a_workspace_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "accounts.overlap"
    path.write_bytes(content)
    with pytest.raises(WorkspaceError, match=message):
        Workspace.open(path)


def test_a_damaged_file_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "damaged.overlap"
    Workspace.create(path, "Acme").close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(data))
    with pytest.raises(WorkspaceError, match=r"damaged|not an Overlap"):
        ws = Workspace.open(path)
        try:
            ws.partners()
        finally:
            ws.close()


def test_a_second_process_is_refused_while_the_workspace_is_open(workspace: Workspace) -> None:
    script = textwrap.dedent(
        f"""
        from engine.store.workspace import Workspace
        from engine.errors import WorkspaceError
        try:
            Workspace.open({str(workspace.path)!r})
        except WorkspaceError as error:
            print("refused:", error)
        else:
            print("opened")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert "refused:" in result.stdout
    assert "open elsewhere" in result.stdout
    assert f"process {os.getpid()}" in result.stdout


def test_partners_are_validated(workspace: Workspace) -> None:
    assert [p.name for p in workspace.partners()] == ["Globex"]
    assert workspace.partner("globex").model == "co-sell"
    with pytest.raises(WorkspaceError, match="exists already"):
        workspace.add_partner("GLOBEX")
    with pytest.raises(WorkspaceError, match="unknown partnership model"):
        workspace.add_partner("Initech", model="franchise")
    with pytest.raises(WorkspaceError, match=r"no partner named 'Initech' \(partners: Globex\)"):
        workspace.partner("Initech")
    assert workspace.side_partner_id("us") is None
    assert workspace.side_partner_id("Globex") == workspace.partner("Globex").id


def test_a_cancelled_bulk_write_leaves_the_previous_state(
    workspace: Workspace, monkeypatch
) -> None:
    monkeypatch.setattr("engine.store.blocks.BLOCK_ROWS", 10)
    first = _add_snapshot(workspace, ["Initech", "Umbrella"])
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2  # cancel after two chunks were written

    with pytest.raises(Cancelled):
        _add_snapshot(workspace, [f"Company {i}" for i in range(100)], cancel=cancel)
    assert [s.id for s in workspace.snapshots(None)] == [first]
    assert workspace.accounts(first)["name"].tolist() == ["Initech", "Umbrella"]
    assert workspace.read_frame("SELECT COUNT(*) AS n FROM accountblock")["n"].iloc[0] == 1


def test_a_process_killed_mid_write_leaves_the_previous_state(tmp_path: Path) -> None:
    path = tmp_path / "killed.overlap"
    with Workspace.create(path, "Acme") as ws:
        first = _add_snapshot(ws, ["Initech", "Umbrella"])
    script = textwrap.dedent(
        f"""
        import os, signal
        import engine.store.blocks
        import engine.store.workspace
        from tests.engine.store.test_workspace import _add_snapshot
        engine.store.blocks.BLOCK_ROWS = 1000
        def progress(fraction, _message):
            if fraction > 0.5:
                os.kill(os.getpid(), signal.SIGKILL)
        ws = engine.store.workspace.Workspace.open({str(path)!r})
        _add_snapshot(ws, [f"Company {{i}}" for i in range(10_000)], progress=progress)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == -9, result.stderr
    with Workspace.open(path) as ws:  # the dead process's lock went with it
        assert [s.id for s in ws.snapshots(None)] == [first]
        assert ws.accounts(first)["name"].tolist() == ["Initech", "Umbrella"]
        assert ws.read_frame("SELECT COUNT(*) AS n FROM accountblock")["n"].iloc[0] == 1


def test_missing_values_are_stored_as_null(workspace: Workspace) -> None:
    with workspace.transaction() as connection:
        snapshot_id = connection.execute(
            Snapshot.__table__.insert().values(  # type: ignore[attr-defined]
                partner_id=None, file_name="a.csv", sha256="0", imported_at=now(), mapping_json="{}"
            )
        ).inserted_primary_key[0]
        frame = pd.DataFrame(
            {
                "row_number": [2, 3],
                "name": ["Initech", "Umbrella"],
                "annual_revenue": [1.5e6, float("nan")],
                "industry": pd.array(["Software", pd.NA], dtype="string"),
            }
        )
        Workspace.store_accounts(connection, snapshot_id, frame)
    accounts = workspace.accounts(snapshot_id)
    assert accounts["annual_revenue"].isna().tolist() == [False, True]
    assert accounts["industry"].isna().tolist() == [False, True]
    assert accounts["stage"].tolist() == ["other", "other"]  # the defaults apply
    assert accounts["domains"].tolist() == ["", ""]


def test_account_keys_prefer_the_crm_id() -> None:
    assert account_key("001A", "Initech", "initech.com") == "id:001A"
    assert account_key(None, "  Initech  LLC ", "b.com a.com") == "nd:initech llc|a.com b.com"
    assert account_key("", "Initech", "") == "nd:initech|"


def test_a_version_4_workspace_keeps_its_accounts_matches_and_leads(tmp_path: Path) -> None:
    """A file written by the previous release (accounts in a row table) opens migrated."""
    path = tmp_path / "acme.overlap"
    path.write_bytes((Path(__file__).parents[2] / "data" / "workspace_v4.overlap").read_bytes())
    assert _user_version(path) == 4 and "account" in _tables(path)

    from engine import build_mapping, list_leads, list_matches

    with Workspace.open(path) as ws:
        ours = ws.accounts(ws.current_snapshot(None).id)  # type: ignore[union-attr,arg-type]
        assert ours["id"].tolist() == [1, 2, 3, 4]
        assert ours["name"].tolist()[:2] == ["Acme Robotics Inc", "Zorvane Logistics GmbH"]
        assert ours["annual_revenue"].tolist()[0] == 1_200_000
        assert ours["stage"].tolist() == ["customer", "prospect", "prospect", "churned"]
        matches = list_matches(ws, "Globex")
        assert list(zip(matches["our_id"], matches["partner_id"], strict=True)) == [
            ("A1", "901"),
            ("A2", "902"),
            ("A3", "903"),
        ]
        mapping = build_mapping(ws, "Globex")
        assert (mapping["status"] == "shared").sum() == 3
        assert set(list_leads(ws, "Globex")["lead"]) == {"us"}
    assert _user_version(path) == SCHEMA_VERSION
    assert "account" not in _tables(path) and "accountblock" in _tables(path)
    with contextlib.closing(sqlite3.connect(path)) as con:
        referenced = {row[2] for row in con.execute("PRAGMA foreign_key_list(match)")}
    assert referenced == {"partner"}
    (backup,) = tmp_path.glob("acme.v4-backup-*.overlap")
    assert "account" in _tables(backup)


def test_a_version_4_workspace_with_interleaved_account_ids_keeps_its_pairs(
    tmp_path: Path,
) -> None:
    """Ids that were not consecutive per snapshot are renumbered, matches and leads with them."""
    path = tmp_path / "acme.overlap"
    path.write_bytes((Path(__file__).parents[2] / "data" / "workspace_v4.overlap").read_bytes())
    # Ours 1-4 become 1, 3, 5, 7 and the partner's 5-8 become 2, 4, 6, 8, everywhere.
    moved = {1: 1, 2: 3, 3: 5, 4: 7, 5: 2, 6: 4, 7: 6, 8: 8}
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("PRAGMA foreign_keys=OFF")
        for table, column in (
            ("account", "id"),
            ("match", "our_account_id"),
            ("match", "partner_account_id"),
            ("assignment", "our_account_id"),
            ("assignment", "partner_account_id"),
        ):
            con.executemany(
                f"UPDATE {table} SET {column} = ? WHERE {column} = ?",
                [(new + 1000, old) for old, new in moved.items()],
            )
            con.execute(f"UPDATE {table} SET {column} = {column} - 1000 WHERE {column} > 1000")
        con.commit()

    with Workspace.open(path) as ws:
        links = ws.read_frame(
            "SELECT 0 AS t, id, our_account_id, partner_account_id FROM match UNION ALL "
            "SELECT 1, id, our_account_id, partner_account_id FROM assignment ORDER BY 1, 2"
        )
        named = ws.with_accounts(links, ["name"])
        pairs = list(zip(named["our_name"], named["partner_name"], strict=True))
        assert ws.read_frame("PRAGMA foreign_key_check").empty
    expected = [
        ("Acme Robotics Inc", "Acme Robotics"),
        ("Zorvane Logistics GmbH", "Zorvane Logistics"),
        ("Velmira Foods", "Velmira Foods Ltd"),
    ]
    assert pairs == expected * 2


def test_a_version_5_workspace_gains_every_table_of_version_6(tmp_path: Path) -> None:
    """Sync meetings, territories and deal registrations all arrive in one migration, with
    their columns and indexes as a new workspace has them, and each feature works on the file."""
    from engine import (
        add_territory,
        registration_settings,
        set_registration_settings,
        set_sync_schedule,
        sync_schedule,
        territories,
    )
    from engine.store.models import SCHEMA_GROUPS

    path = tmp_path / "five.overlap"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        create_schema(connection, up_to=5)
        connection.exec_driver_sql(
            "INSERT INTO company (name, domains_json, created_at) "
            "VALUES ('Acme', '[]', '2025-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO partner (name, model, cadence, auto_threshold, review_threshold, "
            "created_at) VALUES ('Globex', 'co-sell', 'quarterly', 92, 75, '2025-01-01')"
        )
    engine.dispose()
    new = {model.__tablename__ for model in SCHEMA_GROUPS[6]}  # type: ignore[attr-defined]
    assert new == {
        "syncschedule", "syncmeeting", "territory", "registration", "registrationsetting",
    }  # fmt: skip
    assert not new & _tables(path)

    fresh = tmp_path / "fresh.overlap"
    Workspace.create(fresh, "Acme").close()

    def shape(file: Path) -> dict[str, tuple[list[tuple[str, str]], set[str]]]:
        with contextlib.closing(sqlite3.connect(file)) as con:
            return {
                table: (
                    [(r[1], r[2]) for r in con.execute(f"PRAGMA table_info({table})")],
                    {r[1] for r in con.execute(f"PRAGMA index_list({table})")},
                )
                for table in sorted(new)
            }

    with Workspace.open(path) as ws:
        set_sync_schedule(ws, "Globex", rhythm="monthly", next_date="2026-03-10", time_zone="UTC")
        add_territory(ws, "Globex", "DACH", regions="DACH", our_rep="Ann")
        set_registration_settings(ws, "Globex", protection_days=60)
        assert sync_schedule(ws, "Globex").rhythm == "monthly"  # type: ignore[union-attr]
        assert [t.name for t in territories(ws, "Globex")] == ["DACH"]
        assert registration_settings(ws, "Globex").protection_days == 60
    assert _user_version(path) == SCHEMA_VERSION
    assert shape(path) == shape(fresh)
    assert "ix_registration_partner_account" in shape(path)["registration"][1]
    (backup,) = tmp_path.glob("five.v5-backup-*.overlap")
    assert not new & _tables(backup)


def test_a_version_6_workspace_gains_the_name_aliases_of_version_7(tmp_path: Path) -> None:
    from engine import add_name_alias, list_name_aliases
    from engine.store.models import SCHEMA_GROUPS

    path = tmp_path / "six.overlap"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        create_schema(connection, up_to=6)
        connection.exec_driver_sql(
            "INSERT INTO company (name, domains_json, created_at) "
            "VALUES ('Acme', '[]', '2025-01-01')"
        )
    engine.dispose()
    new = {model.__tablename__ for model in SCHEMA_GROUPS[7]}  # type: ignore[attr-defined]
    assert new == {"namealias"}
    assert not new & _tables(path)
    with Workspace.open(path) as ws:
        add_name_alias(ws, "Facebook", "Meta Platforms, Inc.")
        assert list_name_aliases(ws)[["name", "other_name"]].values.tolist() == [
            ["Facebook", "Meta Platforms, Inc."]
        ]
    assert _user_version(path) == SCHEMA_VERSION
    assert new <= _tables(path)
    (backup,) = tmp_path.glob("six.v6-backup-*.overlap")
    assert not new & _tables(backup)


def test_an_upgrade_adds_the_new_columns_of_existing_tables_with_their_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.store import migrations

    path = tmp_path / "older.overlap"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        create_schema(connection, up_to=SCHEMA_VERSION - 1)
        connection.exec_driver_sql("ALTER TABLE snapshot DROP COLUMN first_account_id")
        connection.exec_driver_sql(
            "INSERT INTO company (name, domains_json, created_at) "
            "VALUES ('Acme', '[]', '2025-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO snapshot (file_name, sha256, imported_at, mapping_json, "
            "extra_columns_json, counts_json, account_count) "
            "VALUES ('ours.csv', 'x', '2025-01-01', '{}', '[]', '{}', 0)"
        )
    engine.dispose()
    monkeypatch.setitem(migrations.SCHEMA_COLUMNS, SCHEMA_VERSION, [(Snapshot, "first_account_id")])
    with Workspace.open(path):
        pass
    with contextlib.closing(sqlite3.connect(path)) as con:
        assert con.execute("SELECT first_account_id FROM snapshot").fetchall() == [(0,)]
    assert _user_version(path) == SCHEMA_VERSION


def _beside(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


@pytest.mark.parametrize("version", [3, 6])
@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_another_programs_database_is_refused_and_left_byte_identical(
    tmp_path: Path, version: int, journal: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database of another program, whatever its user_version, is never changed."""
    path = tmp_path / "notes.overlap"
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute(f"PRAGMA journal_mode={journal}")
        con.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
        con.execute("INSERT INTO note (body) VALUES ('buy milk')")
        con.execute(f"PRAGMA user_version={version}")
        con.commit()
    before, files = path.read_bytes(), _beside(path)
    with pytest.raises(WorkspaceError, match=r"not an Overlap workspace.*left unchanged"):
        Workspace.open(path)
    from engine.cli import main

    assert main(["import", str(path), "--side", "us", str(REPO / "tests/data/Account.csv")]) == 2
    assert main(["partner", "add", str(path), "Globex"]) == 2
    assert capsys.readouterr().err.count("not an Overlap workspace") == 2
    assert path.read_bytes() == before
    assert _beside(path) == files  # no backup, no -wal, -shm or lock file


def test_a_workspace_of_the_release_before_the_application_id_is_recognised(
    tmp_path: Path,
) -> None:
    path = tmp_path / "six.overlap"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        create_schema(connection)
        connection.exec_driver_sql("PRAGMA application_id=0")
        connection.exec_driver_sql(
            "INSERT INTO company (name, domains_json, created_at) "
            "VALUES ('Acme', '[]', '2025-01-01')"
        )
    engine.dispose()
    with Workspace.open(path) as ws:
        assert ws.company().name == "Acme"
    with contextlib.closing(sqlite3.connect(path)) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def _damage_partner_page(path: Path) -> None:
    """Overwrite the cells of the page holding the partner table (page 3 of a new file)."""
    data = bytearray(path.read_bytes())
    start = 2 * PAGE_SIZE
    data[start + 8 : start + 400] = b"\x5a" * 392
    path.write_bytes(bytes(data))


def test_a_damaged_workspace_is_refused_with_the_backup_to_restore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.cli import main

    path = tmp_path / "acme.overlap"
    with Workspace.create(path, "Acme") as ws:
        ws.add_partner("Globex")
    assert main(["backup", str(path)]) == 0
    (backup,) = backups(path)
    _damage_partner_page(path)
    damaged = path.read_bytes()
    with pytest.raises(
        WorkspaceError, match=rf"damaged .*overlap restore acme.overlap {backup.name}"
    ):
        Workspace.open(path)
    capsys.readouterr()
    for command in (
        ["partner", "add", str(path), "Initech"],
        ["import", str(path), "--side", "us", str(REPO / "tests/data/Account.csv")],
        ["match", str(path), "--partner", "Globex"],
    ):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "damaged" in err and "Traceback" not in err
    assert path.read_bytes() == damaged

    assert main(["restore", str(path), str(backup)]) == 0
    assert "the file it replaced is kept as" in capsys.readouterr().out
    with Workspace.open(path) as ws:
        assert [p.name for p in ws.partners()] == ["Globex"]
    (kept,) = tmp_path.glob("acme.replaced-*.overlap")
    assert kept.read_bytes() == damaged


def test_restore_refuses_a_damaged_backup_and_a_workspace_open_elsewhere(
    workspace: Workspace, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.overlap"
    workspace.backup_to(copy)
    with pytest.raises(WorkspaceError, match="open elsewhere"):
        restore_backup(workspace.path, copy)
    _damage_partner_page(copy)
    with pytest.raises(WorkspaceError, match="backup is damaged"):
        restore_backup(tmp_path / "other.overlap", copy)


def test_an_upgrade_is_one_transaction(tmp_path: Path) -> None:
    """A failure half-way through an upgrade (here: the account table cannot be read into
    blocks) leaves the file exactly at its old version, matches and all; the next open does
    the whole upgrade again."""
    path = tmp_path / "acme.overlap"
    path.write_bytes((Path(__file__).parents[2] / "data" / "workspace_v4.overlap").read_bytes())
    before = _tables(path)
    with contextlib.closing(sqlite3.connect(path)) as con:
        matches = con.execute("SELECT * FROM match ORDER BY id").fetchall()
    import engine.store.migrations as migrations

    def broken(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    original = migrations.write_blocks
    migrations.write_blocks = broken  # type: ignore[assignment]
    try:
        with pytest.raises(WorkspaceError):
            Workspace.open(path)
    finally:
        migrations.write_blocks = original  # type: ignore[assignment]
    assert _user_version(path) == 4 and _tables(path) == before
    with contextlib.closing(sqlite3.connect(path)) as con:
        assert con.execute("SELECT * FROM match ORDER BY id").fetchall() == matches
    with Workspace.open(path) as ws:
        assert len(ws.read_frame("SELECT id FROM match")) == len(matches)
