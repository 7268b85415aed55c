"""The egress ledger: every file that left through an export, with what it held, and the
data-sharing agreement that covered it.

Each export records kind, path, SHA-256 of the bytes written, the fields it carried, its row
count, the partnership and the time. The ledger can be listed and exported (CSV or XLSX), and
exporting it is itself recorded.

"Ensure proper data agreements are in place before exchanging account lists": before the first
file naming accounts leaves for a partner, the user records the agreement (date, scope,
reference) or confirms there is none (``record_agreement``); ``require_agreement`` refuses
otherwise. Agreements are never edited: each covers the files written after it, until the next,
and the ledger names the one in force when each file was written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import OverlapError
from engine.output.safe_cells import write_csv
from engine.output.tables import write_table
from engine.output.xlsx import Sheet, write_workbook
from engine.store.models import DataAgreement, EgressRecord, Partner
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
    "agreement",
]
AGREEMENT_KINDS = ("agreement", "none")


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
    frame["agreement"] = _covering(ws, frame)
    return frame[LEDGER_COLUMNS]


# ---------------------------------------------------------------------------- agreements


def record_agreement(
    ws: Workspace,
    partner: str | Partner,
    *,
    signed_on: str | date | None = None,
    scope: str = "",
    reference: str = "",
    none: bool = False,
) -> DataAgreement:
    """Record the data-sharing agreement with ``partner`` (the day it was signed, what it
    covers, its reference), or with ``none`` the user's confirmation that there is none."""
    record = resolve_partner(ws, partner)
    if none:
        if signed_on or scope.strip() or reference.strip():
            raise OverlapError("confirming there is no agreement takes no date, scope or reference")
        day = ""
    else:
        if signed_on is None or not str(signed_on).strip():
            raise OverlapError("give the day the agreement was signed (YYYY-MM-DD)")
        try:
            day = date.fromisoformat(str(signed_on).strip()[:10]).isoformat()
        except ValueError:
            raise OverlapError(
                f"the agreement's date '{signed_on}' is not a date (write YYYY-MM-DD)"
            ) from None
        if not scope.strip() and not reference.strip():
            raise OverlapError("give the agreement's scope or its reference (or both)")
    row = DataAgreement(
        partner_id=record.id,
        partner_name=record.name,
        kind="none" if none else "agreement",
        signed_on=day,
        scope=scope.strip(),
        reference=reference.strip(),
        recorded_at=now(),
    )
    ws.save(row)
    return row


def agreements(ws: Workspace, partner: str | Partner) -> pd.DataFrame:
    """The agreements recorded for a partnership, oldest first, each with its words."""
    record = resolve_partner(ws, partner)
    frame = ws.read_frame(
        "SELECT id, recorded_at, kind, signed_on, scope, reference FROM dataagreement "
        "WHERE partner_id = :p ORDER BY recorded_at, id",
        {"p": record.id},
    )
    frame["words"] = [_words(r) for r in frame.to_dict(orient="records")]
    return frame


def current_agreement(ws: Workspace, partner: str | Partner) -> str:
    """The agreement in force for a partnership in words, or "" before one is recorded."""
    frame = agreements(ws, partner)
    return str(frame["words"].iloc[-1]) if not frame.empty else ""


def require_agreement(ws: Workspace, partner: str | Partner) -> None:
    """Refuse a file naming accounts for ``partner`` until an agreement (or the confirmation
    that there is none) is recorded."""
    record = resolve_partner(ws, partner)
    if not current_agreement(ws, record):
        raise OverlapError(
            f"before the first file naming accounts leaves for {record.name}, record the "
            "data-sharing agreement (overlap share agreement WS --partner NAME --signed "
            "YYYY-MM-DD --scope TEXT --reference TEXT) or confirm there is none (--none); "
            "on the Share page: Data agreement"
        )


def _words(row: Mapping[Any, Any]) -> str:
    if row["kind"] == "none":
        return f"none (confirmed {str(row['recorded_at'])[:10]})"
    parts = [f"signed {row['signed_on']}"]
    parts += [str(row[k]) for k in ("reference", "scope") if row[k]]
    return "agreement: " + "; ".join(parts)


def _covering(ws: Workspace, ledger: pd.DataFrame) -> list[str]:
    """For each ledger row, the agreement in force for its partner when it was written."""
    found = ws.read_frame(
        "SELECT id, partner_name, recorded_at, kind, signed_on, scope, reference "
        "FROM dataagreement ORDER BY recorded_at, id"
    )
    by_partner: dict[str, list[tuple[str, str]]] = {}
    for row in found.to_dict(orient="records"):
        by_partner.setdefault(row["partner_name"], []).append(
            (str(row["recorded_at"]), _words(row))
        )
    covering = []
    for partner, written in zip(ledger["partner"], ledger["created_at"], strict=True):
        words = ""
        for recorded, text in by_partner.get(str(partner), []):
            if recorded <= str(written):
                words = text
        covering.append(words)
    return covering


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
