"""Deal registrations in files: import from a PRM or CRM export (CSV or XLSX; all rows or none,
a bad row named by row and column) and export as formula-safe CSV / XLSX, recorded in the
egress ledger and read back by the import. The rules the rows follow are told in
``engine.program.registrations``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import update
from sqlmodel import col

from engine.errors import ImportFileError, OverlapError

# The account import's column cleaners: dates decided day-first or month-first per column,
# amounts in every currency and locale an export writes them in.
from engine.importing import BLANK_WORDS, clean_amounts, clean_dates, read_export
from engine.paths import resource
from engine.program.registrations import (
    SharedAccounts,
    registration_settings,
    registrations,
    side_named,
)
from engine.store.clock import today as local_today
from engine.store.ledger import export_table
from engine.store.models import Partner, Registration
from engine.store.registration_state import (
    PARTNER,
    conflict_pairs,
    read_registrations,
)
from engine.store.workspace import US, Workspace, now, resolve_partner

# ---------------------------------------------------------------------- import


@cache
def _vocabulary() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Header aliases per field, in order of preference, and status words -> status."""
    spec = json.loads(resource("registration_headers.json").read_text(encoding="utf-8"))
    headers = {name: tuple(_normal(a) for a in aliases) for name, aliases in spec["fields"].items()}
    statuses = {_normal(w): status for status, words in spec["statuses"].items() for w in words}
    return headers, statuses


def _normal(text: Any) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).casefold()).split())


def _columns(headers: Sequence[str]) -> dict[str, str]:
    """Which header holds each field (a header serves one field only)."""
    normal = {h: _normal(h) for h in headers}
    found: dict[str, str] = {}
    used: set[str] = set()
    for name, aliases in _vocabulary()[0].items():
        for alias in aliases:
            header = next((h for h in headers if normal[h] == alias and h not in used), None)
            if header is not None:
                found[name] = header
                used.add(header)
                break
    return found


@dataclass(frozen=True)
class RegistrationImport:
    """What an import of registrations did."""

    file_name: str
    rows: int
    added: int
    updated: int
    columns: dict[str, str]  # field -> the file's header
    conflicts: int  # conflicts among the partnership's registrations after the import

    def lines(self) -> list[str]:
        out = [
            f"{self.file_name}: {self.rows} registrations read, {self.added} added, "
            f"{self.updated} updated"
        ]
        out.append(
            "columns: "
            + ", ".join(f"{field} from '{header}'" for field, header in self.columns.items())
        )
        if self.conflicts:
            out.append(
                f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''}: two registrations "
                "of one account protected at once (see 'overlap registration conflicts')"
            )
        return out


class _Problems:
    """The bad cells of a file: all of them are found, the first is reported with the count."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.items: list[tuple[int, str, str]] = []

    def add(self, row: int, header: str | None, message: str) -> None:
        self.items.append((row, header or "", message))

    def raise_first(self) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda item: item[0])
        row, header, message = self.items[0]
        rows = {item[0] for item in self.items}
        more = len(rows) - 1
        if more:
            message += f"; {more} more row{'s have' if more != 1 else ' has'} problems too"
        where = f"{self.file_name}, row {row}" + (f", column '{header}'" if header else "")
        raise OverlapError(f"{message}; nothing was imported", where=where)


def import_registrations(
    ws: Workspace,
    partner: str | Partner,
    path: str | Path,
    *,
    side: str | None = None,
    today: date | None = None,
    by: str | None = None,
) -> RegistrationImport:
    """Import the registrations of a PRM or CRM export (CSV, TSV or XLSX): all rows or none.

    Headers are recognised as the exports write them ("Deal Registration ID", "Account Name",
    "Opportunity Name", "Amount", "Expected Close Date", "Registered Date", "Status",
    "Partner", "Expiration Date", ...). Who registered comes from a side / partner column
    (``us``, ``partner`` or a company's name) or, for files without one, from ``side``. A row
    whose registration id, or else whose side, account, opportunity and date, is known already
    updates that registration. Any bad row raises an error naming its row and column, and
    nothing is written.
    """
    record = resolve_partner(ws, partner)
    partner_id = int(record.id)  # type: ignore[arg-type]
    day = today if today is not None else local_today()
    path = Path(path)
    raw = read_export(path)
    frame = raw.frame
    where = raw.file_name
    columns = _columns(raw.headers)
    if "account_id" not in columns and "account_name" not in columns:
        raise ImportFileError(
            "no account column (an account name or account id); headers: " + ", ".join(raw.headers),
            where=where,
        )
    for needed, words in (
        ("opportunity", "opportunity name"),
        ("registered_on", "registered date"),
    ):
        if needed not in columns:
            raise ImportFileError(
                f"no {words} column; headers: " + ", ".join(raw.headers), where=where
            )
    default_side = None
    if side is not None:
        default_side = side_named(side, ws.company().name, record.name)
        if default_side is None:
            raise OverlapError(f"the side that registers is 'us' or 'partner', not '{side}'")
    if "side" not in columns and default_side is None:
        raise ImportFileError(
            "the file does not say who registered each deal (no side or partner column); "
            "say which side registered them all (us or partner)",
            where=where,
        )
    problems = _Problems(where)
    numbers = [int(n) for n in frame.index]  # the rows as a spreadsheet numbers them

    def cells(name: str) -> pd.Series:
        if name not in columns:
            return pd.Series("", index=frame.index, dtype="str")
        return frame[columns[name]].astype("str").fillna("").str.strip()

    text: dict[str, list[str]] = {
        name: [str(v) for v in cells(name).tolist()] for name in _vocabulary()[0]
    }

    def dates(name: str) -> list[str | None]:
        values, _bad = clean_dates(cells(name), dayfirst_hint=raw.decimal_comma)
        out: list[str | None] = []
        for number, given, value in zip(numbers, text[name], values.tolist(), strict=True):
            iso = value if isinstance(value, str) and value else None
            if iso is None and given and given.casefold() not in BLANK_WORDS:
                problems.add(number, columns.get(name), f"'{given}' is not a date")
            out.append(iso)
        return out

    registered, expected = dates("registered_on"), dates("expected_close")
    expires, decided = dates("expires_on"), dates("decided_on")
    amounts, _bad = clean_amounts(cells("amount"), decimal_comma=raw.decimal_comma)
    accounts = SharedAccounts(ws, record)
    found = accounts.find([*text["account_id"], *text["account_name"]])
    us_name = ws.company().name
    settings_days = registration_settings(ws, record).protection_days
    rows: list[dict[str, Any]] = []
    seen_refs: dict[str, int] = {}
    for i, number in enumerate(numbers):
        item: dict[str, Any] = {}
        # The account: by its id first, else by its name.
        account_id, account_name = text["account_id"][i], text["account_name"][i]
        hit: int | str | None = None
        for ref in (account_id, account_name):
            if ref:
                hit = found[ref]
                if not isinstance(hit, str):
                    break
        if hit is None:
            header = columns.get("account_name") or columns.get("account_id")
            problems.add(number, header, "the account is empty")
        elif isinstance(hit, str):
            header = columns["account_name"] if account_name else columns["account_id"]
            problems.add(number, header, hit)
        else:
            item["our_key"], item["partner_key"], item["account_name"] = accounts.row(hit)
        # Who registered it.
        who_text = text["side"][i]
        who = side_named(who_text, us_name, record.name) if who_text else default_side
        if who is None:
            problems.add(
                number,
                columns.get("side"),
                f"'{who_text}' is neither us ({us_name}) nor the partner ({record.name})"
                if who_text
                else "the side that registered the deal is empty",
            )
        item["side"] = who
        item["opportunity"] = text["opportunity"][i]
        if not item["opportunity"]:
            problems.add(number, columns["opportunity"], "the opportunity name is empty")
        start = registered[i]
        if start is None and not text["registered_on"][i]:
            problems.add(number, columns["registered_on"], "the registration date is empty")
        elif start is not None and start > day.isoformat():
            problems.add(
                number,
                columns["registered_on"],
                f"the registration date {start} is after today ({day.isoformat()})",
            )
        item["registered_on"] = start
        value = float(amounts[i])
        given = text["amount"][i]
        if given and given.casefold() not in BLANK_WORDS:
            if math.isnan(value):
                problems.add(number, columns["amount"], f"the amount '{given}' is not a number")
            elif value < 0:
                problems.add(number, columns["amount"], f"the amount '{given}' is negative")
        item["amount"] = None if math.isnan(value) else value
        status_text = text["status"][i]
        status = _vocabulary()[1].get(_normal(status_text)) if status_text else "submitted"
        if status is None:
            problems.add(
                number,
                columns.get("status"),
                f"'{status_text}' is not a registration status (submitted, approved, rejected, "
                "expired, won or lost)",
            )
        item["status"] = status
        days = settings_days
        end = expires[i]
        if end is not None and start is not None:
            days = (date.fromisoformat(end) - date.fromisoformat(start)).days
            if days < 0:
                problems.add(
                    number,
                    columns["expires_on"],
                    f"the registration expires ({end}) before it was registered ({start})",
                )
        item["protection_days"] = days
        known_as = text["external_id"][i] or None
        if known_as is not None:
            if known_as in seen_refs:
                problems.add(
                    number,
                    columns["external_id"],
                    f"registration id '{known_as}' is also on row {seen_refs[known_as]}",
                )
            seen_refs.setdefault(known_as, number)
        item["external_id"] = known_as
        item["expected_close"] = expected[i]
        item["decided_on"] = decided[i]
        item["decision_reason"] = text["decision_reason"][i] or None
        item["decided_by"] = text["decided_by"][i] or None
        item["product"] = text["product"][i]
        rows.append(item)
    problems.raise_first()
    if not rows:
        raise ImportFileError(
            "the file has no registrations (no rows under the header)", where=where
        )
    return _store(ws, partner_id, rows, raw.file_name, columns, day, by)


def _store(
    ws: Workspace,
    partner_id: int,
    rows: list[dict[str, Any]],
    file_name: str,
    columns: dict[str, str],
    day: date,
    by: str | None,
) -> RegistrationImport:
    """Add the new registrations and update the known ones, in one transaction."""
    existing = ws.read_frame(
        "SELECT id, side, our_key, partner_key, opportunity, registered_on, external_id "
        "FROM registration WHERE partner_id = :p",
        {"p": partner_id},
    )
    by_ref = {
        str(r): int(i)
        for r, i in zip(existing["external_id"], existing["id"], strict=True)
        if isinstance(r, str) and r
    }
    by_natural = {
        (str(s), str(o), str(p), _normal(opp), str(d)): int(i)
        for i, s, o, p, opp, d in zip(
            existing["id"],
            existing["side"],
            existing["our_key"],
            existing["partner_key"],
            existing["opportunity"],
            existing["registered_on"],
            strict=True,
        )
    }
    stamp = now()
    added = updated = 0
    fields = (
        "side",
        "our_key",
        "partner_key",
        "account_name",
        "opportunity",
        "amount",
        "product",
        "expected_close",
        "registered_on",
        "protection_days",
        "status",
        "decision_reason",
        "decided_on",
        "decided_by",
        "external_id",
    )
    with ws.transaction() as connection:
        for row in rows:
            values = {name: row[name] for name in fields}
            natural = (
                row["side"],
                row["our_key"],
                row["partner_key"],
                _normal(row["opportunity"]),
                row["registered_on"],
            )
            known = by_ref.get(row["external_id"]) if row["external_id"] else None
            if known is None:
                known = by_natural.get(natural)
            if known is not None:
                if values["external_id"] is None:
                    values.pop("external_id")
                connection.execute(
                    update(Registration).where(col(Registration.id) == known).values(**values)
                )
                updated += 1
            else:
                connection.execute(
                    Registration.__table__.insert().values(  # type: ignore[attr-defined]
                        partner_id=partner_id, source=file_name, created_at=stamp, **values
                    )
                )
                added += 1
    frame = read_registrations(ws, partner_id, day)
    return RegistrationImport(
        file_name=file_name,
        rows=len(rows),
        added=added,
        updated=updated,
        columns=dict(columns),
        conflicts=len(conflict_pairs(frame)),
    )


# ---------------------------------------------------------------------- export


def registration_export_frame(
    ws: Workspace,
    partner: str | Partner,
    *,
    today: date | None = None,
    status: str | None = None,
) -> pd.DataFrame:
    """The registrations as an export shows them: headers a PRM, CRM or Overlap reads back."""
    record = resolve_partner(ws, partner)
    frame = registrations(ws, record, today=today, status=status)
    names = {US: ws.company().name, PARTNER: record.name}

    def crm_id(keys: pd.Series) -> pd.Series:
        text = keys.astype("str")
        return text.where(text.str.startswith("id:"), "").str.removeprefix("id:")

    return pd.DataFrame(
        {
            "Registration ID": frame["external_id"].astype(object),
            "Account Name": frame["account_name"].astype(object),
            "Account ID": crm_id(frame["our_key"]).astype(object),
            "Partner Account ID": crm_id(frame["partner_key"]).astype(object),
            "Registered By": frame["side"].map(names).astype(object),
            "Opportunity Name": frame["opportunity"].astype(object),
            "Amount": frame["amount"],
            "Product": frame["product"].astype(object),
            "Expected Close Date": frame["expected_close"].astype(object),
            "Registered Date": frame["registered_on"].astype(object),
            "Protected Until": frame["protected_until"].astype(object),
            "Status": frame["status"].astype(object),
            "Decision Reason": frame["decision_reason"].astype(object),
            "Decision Date": frame["decided_on"].astype(object),
            "Decided By": frame["decided_by"].astype(object),
            "Conflict": np.where(frame["conflict"].to_numpy(dtype=bool), "yes", "no"),
        }
    )


def export_registrations(
    ws: Workspace,
    partner: str | Partner,
    path: str | Path,
    *,
    today: date | None = None,
    status: str | None = None,
) -> Path:
    """Write the registrations (effective status) to ``.xlsx`` or ``.csv``; returns the path.

    Formula-safe (text cells in XLSX, OWASP quoting in CSV) and recorded in the egress ledger.
    The file reads back with ``import_registrations``.
    """
    record = resolve_partner(ws, partner)
    target = Path(path)
    if not target.parent.is_dir():
        raise OverlapError("the folder does not exist", where=str(target.parent))
    frame = registration_export_frame(ws, record, today=today, status=status)
    return export_table(frame, target, ws=ws, partner=record, sheet="Registrations")
