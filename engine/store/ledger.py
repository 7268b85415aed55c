"""The egress ledger: every file that left through an export, with what it held.

Each export records kind, path, SHA-256 of the bytes written, the fields it carried, its row
count, the partnership and the time. The ledger can be listed and exported (CSV or XLSX), and
exporting it is itself recorded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import OverlapError
from engine.output.safe_cells import write_csv
from engine.output.tables import write_table
from engine.output.xlsx import Sheet, write_workbook
from engine.store.models import EgressRecord, Partner
from engine.store.workspace import Workspace, now, resolve_partner

LEDGER_COLUMNS = [
    "id",
    "created_at",
    "partner",
    "kind",
    "path",
    "sha256",
    "fields",
    "row_count",
    "encrypted",
]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_egress(
    ws: Workspace,
    partner: Partner | None,
    kind: str,
    path: Path,
    *,
    fields: list[str],
    row_count: int,
    encrypted: bool = False,
) -> EgressRecord:
    """Add a ledger entry for ``path`` (written already), with the hash of its bytes."""
    record = EgressRecord(
        partner_id=partner.id if partner else None,
        partner_name=partner.name if partner else "",
        kind=kind,
        path=str(Path(path).resolve()),
        sha256=file_sha256(path),
        fields_json=json.dumps(fields),
        row_count=row_count,
        encrypted=encrypted,
        created_at=now(),
    )
    ws.save(record)
    return record


def egress_ledger(ws: Workspace, partner: str | None = None) -> pd.DataFrame:
    """The ledger, oldest first, optionally of one partnership."""
    sql = (
        "SELECT id, created_at, partner_name AS partner, kind, path, sha256, fields_json, "
        "row_count, encrypted FROM egressrecord"
    )
    params: dict[str, Any] = {}
    if partner is not None:
        sql += " WHERE partner_id = :p"
        params["p"] = resolve_partner(ws, partner).id
    frame = ws.read_frame(sql + " ORDER BY created_at, id", params)
    frame["fields"] = [", ".join(json.loads(f)) for f in frame.pop("fields_json")]
    frame["encrypted"] = frame["encrypted"].astype(bool)
    return frame[LEDGER_COLUMNS]


def export_egress_ledger(ws: Workspace, path: str | Path, partner: str | None = None) -> Path:
    """Write the ledger to ``path`` (``.csv`` or ``.xlsx``) and record that export too."""
    path = Path(path)
    frame = egress_ledger(ws, partner)
    rows = frame.astype(object).values.tolist()
    if path.suffix.lower() == ".xlsx":
        write_workbook(path, [Sheet("Ledger", list(frame.columns), rows)])
    elif path.suffix.lower() == ".csv":
        write_csv(path, list(frame.columns), rows)
    else:
        raise OverlapError("the ledger is exported as .csv or .xlsx", where=str(path))
    owner = resolve_partner(ws, partner) if partner is not None else None
    record_egress(ws, owner, "ledger", path, fields=list(frame.columns), row_count=len(frame))
    return path


def export_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    ws: Any = None,
    partner: str | Partner | None = None,
    sheet: str = "Accounts",
) -> Path:
    """Write any table a user exports (an account list, a review queue) formula-safe.

    ``.xlsx`` gets a styled sheet with text cells, anything else a CSV with OWASP quoting
    (``engine.output.tables.write_table``). With ``ws`` and ``partner`` the file is recorded in
    the egress ledger as kind ``list``.
    """
    path = write_table(frame, path, sheet=sheet)
    if ws is not None and partner is not None:
        header = [str(c) for c in frame.columns]
        record_egress(
            ws, resolve_partner(ws, partner), "list", path, fields=header, row_count=len(frame)
        )
    return path
