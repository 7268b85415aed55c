"""Step 1, saving: an export read, mapped and cleaned becomes a new snapshot (``import_file``).

The snapshot, its accounts and rejected rows are written in one transaction; mapping profiles
are stored here too (``propose_mapping`` reads them back).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import Cancelled, ImportFileError, SameFileError, ShrinkingListError
from engine.importing.clean import Cancel, Standardized, standardize
from engine.importing.mapping import (
    FieldMapping,
    ProposedMapping,
    _as_list,
    headers_key,
    propose_mapping,
)
from engine.importing.raw import RawExport
from engine.importing.read import read_export
from engine.output.formats import count, day, field_label
from engine.store.workspace import US, Progress, Workspace, now


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the new snapshot and its counts."""

    snapshot_id: int
    side: str
    file_name: str
    summary: dict[str, Any]
    mapping: dict[str, str | list[str]]
    proposed: ProposedMapping
    duplicates: pd.DataFrame
    rejected: pd.DataFrame
    raw: RawExport

    def lines(self) -> list[str]:
        """The summary as a few lines a user reads, fields named as on the template."""
        s = self.summary
        out = [
            f"Imported {count(s['imported'])} accounts from {self.file_name} for {self.side} "
            f"(snapshot {self.snapshot_id})",
            f"Rejected {count(s['rejected'])} rows · {count(s['duplicates'])} possible "
            f"duplicates · {count(s['with_domains'])} accounts with a web domain",
            "Fields read: "
            + ", ".join(
                f"{field_label(f)} from {_show(self.mapping[f])}" for f in s["fields_mapped"]
            ),
            "Not in the file: "
            + (", ".join(field_label(f) for f in s["fields_not_found"]) or "none"),
        ]
        if s["extra_columns"]:
            out.append("Other columns kept: " + ", ".join(s["extra_columns"]))
        skipped = []
        if s["blank_rows"]:
            skipped.append(f"{count(s['blank_rows'])} blank rows")
        if s["footer_lines"]:
            skipped.append(f"{s['footer_lines']} report footer lines")
        if skipped:
            out.append("Skipped " + " and ".join(skipped))
        out += [f"Warning: {w}" for w in s["warnings"]]
        return out


def _show(value: str | list[str]) -> str:
    return " + ".join(f"'{v}'" for v in _as_list(value))


def import_file(
    ws: Workspace,
    side: str,
    path: str | Path,
    *,
    sheet: str | None = None,
    overrides: FieldMapping | None = None,
    profile: str | None = None,
    replace: bool = False,
    same_file: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportReport:
    """Read, map, clean and save one export as a new snapshot of ``side`` ("us" or a partner).

    The previous snapshot stays. Everything is written in one transaction: an error, a cancel
    or a crash leaves the workspace as it was. With ``profile``, the mapping is taken from the
    saved profile of that name if there is one, and saved under that name afterwards.

    An export with no accounts never replaces a side's list, and one with under half of its
    accounts raises ``ShrinkingListError`` unless ``replace`` confirms it (see
    ``_check_replacement``). The very file (same SHA-256) that is another side's current list
    raises ``SameFileError`` unless ``same_file`` confirms it.
    """
    partner_id = ws.side_partner_id(side)
    side_name = US if partner_id is None else ws.side_name(partner_id)

    def sub(start: float, end: float) -> Progress | None:
        if progress is None:
            return None
        return lambda f, m: progress(start + (end - start) * f, m)

    if progress:
        progress(0.0, f"Reading {Path(path).name}")
    raw = read_export(path, sheet=sheet)
    if not same_file:
        _check_other_sides(ws, partner_id, raw)
    if cancel is not None and cancel():
        raise Cancelled()
    proposed = propose_mapping(raw, ws=ws, profile=profile).with_overrides(overrides)
    result = standardize(raw, proposed, progress=sub(0.25, 0.6), cancel=cancel)
    accounts = result.accounts
    counts = {k: v for k, v in result.summary.items() if k != "warnings"}
    write = sub(0.6, 1.0)
    if write is not None:
        write(0.0, "Saving accounts")
    with ws.transaction() as connection:
        _check_replacement(connection, partner_id, side_name, result, raw.file_name, replace)
        snapshot_id = _insert_snapshot(connection, partner_id, raw, result, profile, counts)
        Workspace.store_accounts(connection, snapshot_id, accounts, progress=write, cancel=cancel)
        from engine.store.models import RejectedRow

        if not result.rejected.empty:
            Workspace.insert_rows(
                connection,
                RejectedRow,
                result.rejected.assign(snapshot_id=snapshot_id),
                cancel=cancel,
            )
        if profile:
            _store_profile(connection, profile, raw.headers, result.mapping, proposed.stage_values)
    if progress:
        progress(1.0, "Imported")
    return ImportReport(
        snapshot_id=snapshot_id,
        side=side_name,
        file_name=raw.file_name,
        summary=result.summary,
        mapping=result.mapping,
        proposed=proposed,
        duplicates=result.duplicates,
        rejected=result.rejected,
        raw=raw,
    )


def _check_other_sides(ws: Workspace, partner_id: int | None, raw: RawExport) -> None:
    """Refuse the file that is already another side's current list (our export picked again
    for the partner, or the partner's for us): matched against itself, every account would
    be shared and the overlap would mean nothing."""
    found = ws.read_frame(
        "SELECT s.partner_id, s.file_name, s.imported_at, p.name AS partner FROM snapshot s "
        "LEFT JOIN partner p ON p.id = s.partner_id "
        "WHERE s.sha256 = :sha AND s.partner_id IS NOT :side AND s.id = ("
        "  SELECT t.id FROM snapshot t WHERE t.partner_id IS s.partner_id"
        "  ORDER BY t.imported_at DESC, t.id DESC LIMIT 1)",
        {"sha": raw.sha256, "side": partner_id},
    )
    if found.empty:
        return
    other = found.iloc[0]
    side = US if pd.isna(other["partner_id"]) else str(other["partner"])
    whose = "our current list" if side == US else f"{side}'s current list"
    raise SameFileError(
        f"this file is {whose} already (imported from {other['file_name']} on "
        f"{day(other['imported_at'])}): one list matched against itself makes every account "
        "shared, so nothing was imported; check that this is the right export",
        where=raw.file_name,
        other_side=side,
    )


def _check_replacement(
    connection: Any,
    partner_id: int | None,
    side_name: str,
    result: Standardized,
    file_name: str,
    replace: bool,
) -> None:
    """Refuse an export that would silently empty or gut the side's current list.

    A header-only file, a filtered view or one page of a report imports without an error,
    and the overlap then drops to nothing: the user sees it only later, if at all.
    """
    current = connection.exec_driver_sql(
        "SELECT account_count, file_name FROM snapshot WHERE partner_id IS ? "
        "ORDER BY imported_at DESC, id DESC LIMIT 1",
        (partner_id,),
    ).first()
    if current is None or not current[0]:
        return
    count, previous = int(current[0]), current[1]
    incoming = len(result.accounts)
    whose = "our" if partner_id is None else f"{side_name}'s"
    if incoming == 0:
        rows = result.summary["rows"]
        found = "no rows under its header" if not rows else f"none of its {rows:,} rows is usable"
        raise ImportFileError(
            f"this export has no accounts ({found}); importing it would replace the {count:,} "
            f"accounts of {whose} list (from {previous}) with none, so nothing was imported: "
            "check that it is the right file, exported in full",
            where=file_name,
        )
    if incoming * 2 < count and not replace:
        accounts = "account" if incoming == 1 else "accounts"
        raise ShrinkingListError(
            f"this export has {incoming:,} {accounts}, under half of the {count:,} in {whose} "
            f"list (from {previous}), as a filtered view or one page of a report would; "
            "nothing was imported",
            where=file_name,
            current=count,
            incoming=incoming,
        )


def _insert_snapshot(
    connection: Any,
    partner_id: int | None,
    raw: RawExport,
    result: Standardized,
    profile: str | None,
    counts: dict[str, Any],
) -> int:
    from sqlalchemy import insert

    from engine.store.models import Snapshot

    statement = insert(Snapshot.__table__).values(  # type: ignore[attr-defined]
        partner_id=partner_id,
        file_name=raw.file_name,
        sha256=raw.sha256,
        sheet=raw.sheet,
        imported_at=now(),
        mapping_json=json.dumps(result.mapping, ensure_ascii=False),
        extra_columns_json=json.dumps(result.extra_columns, ensure_ascii=False),
        profile=profile,
        counts_json=json.dumps(counts, ensure_ascii=False),
    )
    return int(connection.execute(statement).inserted_primary_key[0])


def _store_profile(
    connection: Any,
    name: str,
    headers: Sequence[str],
    mapping: Mapping[str, str | Sequence[str]],
    stage_values: Mapping[str, str],
) -> None:
    from sqlalchemy import insert, select, update

    from engine.store.models import MappingProfile

    table = MappingProfile.__table__  # type: ignore[attr-defined]
    values = {
        "headers_key": headers_key(headers),
        "mapping_json": json.dumps(dict(mapping), ensure_ascii=False),
        "stage_values_json": json.dumps(dict(stage_values), ensure_ascii=False),
    }
    existing = connection.execute(select(table.c.id).where(table.c.name == name)).first()
    if existing:
        connection.execute(update(table).where(table.c.id == existing[0]).values(**values))
    else:
        connection.execute(insert(table).values(name=name, created_at=now(), **values))


def save_profile(
    ws: Workspace,
    name: str,
    mapping: ProposedMapping | FieldMapping,
    *,
    headers: Sequence[str] | None = None,
    stage_values: Mapping[str, str] | None = None,
) -> None:
    """Save a mapping under ``name``; it is reused for files with the same headers."""
    name = name.strip()
    if not name:
        raise ImportFileError("a mapping profile needs a name")
    if isinstance(mapping, ProposedMapping):
        headers = headers or mapping.headers
        stage_values = {**mapping.stage_values, **(stage_values or {})}
        mapping = mapping.as_dict()
    if headers is None:
        headers = [h for v in mapping.values() for h in _as_list(v)]
    with ws.transaction() as connection:
        _store_profile(connection, name, headers, mapping, stage_values or {})


def list_profiles(ws: Workspace) -> pd.DataFrame:
    """The saved mapping profiles: name, mapping, created."""
    return ws.read_frame(
        "SELECT name, mapping_json AS mapping, created_at FROM mappingprofile ORDER BY name"
    )
