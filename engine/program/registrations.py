"""Deal registration: one side claims an opportunity on a shared account, protected for a while.

A **registration** records which side registers the deal (us / the partner), the shared account,
the opportunity (name, amount, product, expected close), the day it was registered and its
status — submitted, approved, rejected, expired, won or lost — with the decision's reason, date
and author.

**Protection.** A registration is protected from the day it was registered through
``protected_until = registered_on + protection days``, both days included; from the day after,
it has expired. The period is a partnership setting (``DEFAULT_PROTECTION_DAYS`` until changed);
each registration keeps the period it was made with, as a PRM fixes an expiry date when it
approves, so changing the setting does not move existing expiries. A file's expiration date,
when it has one, gives the registration's own period. Expiry is derived whenever registrations
are read, for a given ``today``: a submitted or approved registration past its protection reads
as ``expired`` everywhere (lists, exports, conflicts, ownership); no job rewrites it.

**Conflicts.** Two registrations on the same account conflict when their protection periods
overlap and neither is rejected, lost or expired — whichever sides made them, two of one side
included. A conflict is flagged, not refused: both records are kept and shown side by side
until one is rejected (or lapses).

**Introduced first.** An approved registration that is still protected, or one that was won,
counts as its side's touch of the account on the day it was registered: the ownership rule
"introduced first" takes the earlier of that day and the side's CRM first touch, and says so
when a registration decided (``registration_touches``; see ``engine.ownership``).

Registrations are entered one by one or imported from a PRM or CRM export (CSV or XLSX; all rows
or none, a bad row named by row and column), exported as formula-safe CSV / XLSX (recorded in
the egress ledger), listed per account, and summarised for a partner sync's agenda
(``registrations_for_agenda``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, update
from sqlmodel import col, select

from engine.errors import ImportFileError, OverlapError

# The account import's column cleaners: dates decided day-first or month-first per column,
# amounts in every currency and locale an export writes them in.
from engine.importing import BLANK_WORDS, clean_amounts, clean_dates, read_export
from engine.overlaps import build_mapping, shared_rows
from engine.paths import resource
from engine.plans import parse_date
from engine.sharing.export import export_table
from engine.store.clock import today as local_today
from engine.store.models import Partner, Registration, RegistrationSetting
from engine.store.workspace import US, Workspace, now, resolve_partner

PARTNER = "partner"
SIDES = (US, PARTNER)
REGISTRATION_STATUSES = ("submitted", "approved", "rejected", "expired", "won", "lost")
# What a user decides on a registration (expiry comes with the date, not by decision).
REGISTRATION_DECISIONS = ("submitted", "approved", "rejected", "won", "lost")
# Registrations that hold a claim on their account (a conflict needs two of them).
ACTIVE_STATUSES = ("submitted", "approved", "won")
# Registrations that count as their side's touch of the account for "introduced first".
TOUCH_STATUSES = ("approved", "won")
DEFAULT_PROTECTION_DAYS = 90
MAX_PROTECTION_DAYS = 730

REGISTRATION_COLUMNS = [
    "id",
    "account_name",
    "side",
    "opportunity",
    "amount",
    "product",
    "expected_close",
    "registered_on",
    "protected_until",
    "days_left",
    "status",
    "decision_reason",
    "decided_on",
    "decided_by",
    "conflict",
    "conflicts_with",
    "external_id",
    "protection_days",
    "source",
    "our_key",
    "partner_key",
]
# One registration's fields in a conflict row, each twice: ``first_<field>``, ``second_<field>``.
CONFLICT_FIELDS = (
    "id",
    "side",
    "opportunity",
    "amount",
    "product",
    "expected_close",
    "registered_on",
    "protected_until",
    "status",
    "decision_reason",
    "external_id",
)


def _today(today: date | None) -> date:
    return today if today is not None else local_today()


# ---------------------------------------------------------------------- settings


@dataclass(frozen=True)
class RegistrationSettings:
    """A partnership's deal registration settings."""

    protection_days: int = DEFAULT_PROTECTION_DAYS
    updated_at: datetime | None = None
    updated_by: str | None = None


def registration_settings(ws: Workspace, partner: str | Partner) -> RegistrationSettings:
    """The partnership's settings (the defaults until some are saved)."""
    record = resolve_partner(ws, partner)
    with ws.session() as session:
        found = session.exec(
            select(RegistrationSetting).where(RegistrationSetting.partner_id == record.id)
        ).first()
    if found is None:
        return RegistrationSettings()
    return RegistrationSettings(int(found.protection_days), found.updated_at, found.updated_by)


def _days(value: Any, what: str = "protection period") -> int:
    text = str(value).strip()
    try:
        days = int(text)
    except ValueError:
        days = -1
    if not 1 <= days <= MAX_PROTECTION_DAYS:
        raise OverlapError(
            f"the {what} is a whole number of days from 1 to {MAX_PROTECTION_DAYS}, not '{value}'"
        )
    return days


def set_registration_settings(
    ws: Workspace, partner: str | Partner, *, protection_days: int | str, by: str | None = None
) -> RegistrationSettings:
    """Set the partnership's protection period; registrations made from now on get it.

    Existing registrations keep the period they were made with. Returns the new settings.
    """
    record = resolve_partner(ws, partner)
    days = _days(protection_days)
    stamp = now()
    with ws.session() as session:
        found = session.exec(
            select(RegistrationSetting).where(RegistrationSetting.partner_id == record.id)
        ).first()
        if found is None:
            found = RegistrationSetting(partner_id=int(record.id), updated_at=stamp)  # type: ignore[arg-type]
        found.protection_days = days
        found.updated_at = stamp
        found.updated_by = by
        session.add(found)
        session.commit()
    return RegistrationSettings(days, stamp, by)


# ---------------------------------------------------------------------- finding the account


class _SharedAccounts:
    """The partnership's shared accounts, and which one a reference (CRM id, key, name) names.

    References resolve as ``engine.overlaps.find_shared`` does (an account key, then a CRM id
    of either side, then a name of either side, ignoring case), many at once: an import of
    thousands of rows looks each column up once, not once per row.
    """

    def __init__(self, ws: Workspace, record: Partner) -> None:
        self.ws = ws
        self.record = record
        self.shared = shared_rows(build_mapping(ws, record))
        self._folded: dict[str, pd.Series] = {}
        self._lists: list[tuple[str, pd.Series, pd.Series]] | None = None

    def _hits(self, columns: Sequence[str], refs: set[str], fold: bool) -> dict[str, set[int]]:
        found: dict[str, set[int]] = {}
        for column in columns:
            if fold:
                if column not in self._folded:
                    self._folded[column] = self.shared[column].astype("str").str.casefold()
                values = self._folded[column]
            else:
                values = self.shared[column]
            at = np.flatnonzero(values.isin(list(refs)).to_numpy(dtype=bool))
            for position, value in zip(at, values.to_numpy(dtype=object)[at], strict=True):
                found.setdefault(str(value), set()).add(int(position))
        return found

    def find(self, refs: Iterable[str]) -> dict[str, int | str]:
        """Each reference -> its row in ``shared``, or the sentence saying why there is none."""
        todo = {str(r).strip() for r in refs if str(r).strip()}
        found: dict[str, int | str] = {}
        ambiguous: dict[str, set[int]] = {}
        for columns in (("our_key", "partner_key"), ("our_external_id", "partner_external_id")):
            if not todo:
                break
            for ref, positions in self._hits(columns, todo, fold=False).items():
                if len(positions) == 1:
                    found[ref] = next(iter(positions))
                    todo.discard(ref)
                elif ref in todo:
                    ambiguous[ref] = positions
        if todo:
            by_name = self._hits(("our_name", "partner_name"), {r.casefold() for r in todo}, True)
            for ref in list(todo):
                positions = by_name.get(ref.casefold(), set())
                if len(positions) == 1:
                    found[ref] = next(iter(positions))
                    todo.discard(ref)
                elif positions:
                    ambiguous[ref] = positions
        for ref in todo:
            if ref in ambiguous:
                keys = self.shared["our_key"].to_numpy(dtype=object)[sorted(ambiguous[ref])[:5]]
                found[ref] = (
                    f"'{ref}' names {len(ambiguous[ref])} shared accounts; use a CRM id or key "
                    f"({', '.join(str(k) for k in keys)})"
                )
            else:
                found[ref] = self._not_shared(ref)
        return found

    def one(self, ref: str) -> int:
        """The row ``ref`` names, or an ``OverlapError`` saying why none does."""
        if not str(ref).strip():
            raise OverlapError("name the account (a CRM id, key or name of a shared account)")
        hit = self.find([ref])[str(ref).strip()]
        if isinstance(hit, str):
            raise OverlapError(hit)
        return hit

    def row(self, position: int) -> tuple[str, str, str]:
        """(our key, partner key, name) of a shared row."""
        shared = self.shared
        return (
            str(shared["our_key"].iat[position]),
            str(shared["partner_key"].iat[position]),
            str(shared["name"].iat[position]),
        )

    def _not_shared(self, ref: str) -> str:
        """Why ``ref`` names no shared account: whose list has it, if any."""
        if self._lists is None:
            self._lists = []
            for whose, partner_id in (("ours", None), ("theirs", self.record.id)):
                snapshot = self.ws.current_snapshot(partner_id)
                if snapshot is None or snapshot.id is None:
                    continue
                table = self.ws.accounts(snapshot.id, ["external_id", "name"])
                self._lists.append(
                    (
                        whose,
                        table["external_id"].astype("str"),
                        table["name"].astype("str").str.casefold(),
                    )
                )
        holders = {
            whose
            for whose, ids, names in self._lists
            if bool(ids.eq(ref).fillna(False).any())
            or bool(names.eq(ref.casefold()).fillna(False).any())
        }
        partner = self.record.name
        if holders == {"ours", "theirs"}:
            return (
                f"'{ref}' is in our list and in {partner}'s, but the two are not matched; "
                "a registration is for a shared account (match them first)"
            )
        if holders == {"ours"}:
            return (
                f"'{ref}' is our account but is not shared with {partner}; a registration is for "
                "a shared account (match it first)"
            )
        if holders == {"theirs"}:
            return (
                f"'{ref}' is {partner}'s account but is not shared with us; a registration is for "
                "a shared account (match it first)"
            )
        return (
            f"'{ref}' is not an account of ours or of {partner}; give the name or CRM id of a "
            "shared account"
        )


# ---------------------------------------------------------------------- reading


_SELECT = (
    "SELECT id, side, our_key, partner_key, account_name, opportunity, amount, product, "
    "expected_close, registered_on, protection_days, status AS stored_status, decision_reason, "
    "decided_on, decided_by, external_id, source FROM registration"
)


def _read(ws: Workspace, partner_id: int, today: date) -> pd.DataFrame:
    """Every registration of the partnership with its protection, effective status, conflicts."""
    frame = ws.read_frame(
        f"{_SELECT} WHERE partner_id = :p ORDER BY registered_on, id", {"p": partner_id}
    )
    for column in _OPTIONAL_TEXT:  # missing text is None, whatever SQLite handed back
        values = frame[column].astype(object)
        frame[column] = values.where(values.notna(), None)
    frame["amount"] = frame["amount"].astype("float64")
    return _with_state(frame, today)


_OPTIONAL_TEXT = (
    "expected_close",
    "decision_reason",
    "decided_on",
    "decided_by",
    "external_id",
    "source",
)


def _with_state(frame: pd.DataFrame, today: date) -> pd.DataFrame:
    """Add ``protected_until``, ``days_left``, ``status`` (expiry applied) and conflicts."""
    frame = frame.reset_index(drop=True)
    start = pd.to_datetime(frame["registered_on"].astype(object), format="%Y-%m-%d")
    until = start + pd.to_timedelta(frame["protection_days"].astype("int64"), unit="D")
    day = pd.Timestamp(today)
    stored = frame["stored_status"].astype(object)
    lapsed = stored.isin(("submitted", "approved")) & (until < day)
    frame["protected_until"] = until.dt.strftime("%Y-%m-%d").astype(object)
    frame["days_left"] = (until - day).dt.days.astype("int64")
    frame["status"] = np.where(lapsed.to_numpy(dtype=bool), "expired", stored.to_numpy())
    frame["status"] = frame["status"].astype(object)
    frame["_start"] = start
    frame["_until"] = until
    pairs = _conflict_pairs(frame)
    others: dict[int, list[int]] = {}
    for a, b in pairs:
        others.setdefault(a, []).append(b)
        others.setdefault(b, []).append(a)
    ids = frame["id"].astype("int64").to_numpy()
    frame["conflict"] = np.array([int(i) in others for i in ids], dtype=bool)
    frame["conflicts_with"] = np.array(
        [", ".join(str(o) for o in sorted(others.get(int(i), []))) for i in ids], dtype=object
    )
    return frame


def _effective(stored: str, registered_on: str, days: int, today: date) -> tuple[str, date]:
    """One registration's effective status on ``today`` and its last protected day."""
    until = date.fromisoformat(registered_on) + timedelta(days=int(days))
    if stored in ("submitted", "approved") and until < today:
        return "expired", until
    return stored, until


def _conflict_pairs(frame: pd.DataFrame) -> list[tuple[int, int]]:
    """(earlier id, later id) of every two active registrations of one account that overlap.

    One account is one shared pair; a registration whose pair shares either side's key with
    another (after a re-match) is on the same account too.
    """
    active = frame[frame["status"].isin(ACTIVE_STATUSES).to_numpy(dtype=bool)]
    if len(active) < 2:
        return []
    parts = []
    columns = ["id", "_start", "_until", "our_key", "partner_key"]
    for key in ("our_key", "partner_key"):
        both = active[columns].merge(active[columns], on=key, suffixes=("_a", "_b"))
        parts.append(both[["id_a", "id_b", "_start_a", "_start_b", "_until_a", "_until_b"]])
    both = pd.concat(parts, ignore_index=True)
    both = both[
        (both["id_a"] != both["id_b"])
        & (both["_start_a"] <= both["_until_b"])
        & (both["_start_b"] <= both["_until_a"])
    ]
    # The earlier registration first (then the lower id): each pair once.
    earlier = (both["_start_a"] < both["_start_b"]) | (
        (both["_start_a"] == both["_start_b"]) & (both["id_a"] < both["id_b"])
    )
    both = both[earlier.to_numpy(dtype=bool)]
    order = {int(i): n for n, i in enumerate(frame["id"])}  # oldest registration first
    return sorted(
        {(int(a), int(b)) for a, b in zip(both["id_a"], both["id_b"], strict=True)},
        key=lambda pair: (order[pair[0]], order[pair[1]]),
    )


def _public(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns=["_start", "_until", "stored_status"], errors="ignore")
    return out[REGISTRATION_COLUMNS].reset_index(drop=True)


def registrations(
    ws: Workspace,
    partner: str | Partner,
    *,
    today: date | None = None,
    status: str | None = None,
    account: str | None = None,
) -> pd.DataFrame:
    """The partnership's registrations, oldest first, as of ``today`` (default: today).

    Columns ``REGISTRATION_COLUMNS``: ``status`` is the effective one (expiry applied),
    ``protected_until`` the last protected day, ``days_left`` the days of protection after
    ``today`` (negative once expired), ``conflict`` / ``conflicts_with`` the registrations it
    conflicts with. ``status`` keeps one status; ``account`` (a CRM id, key or name) one account.
    """
    record = resolve_partner(ws, partner)
    frame = _read(ws, int(record.id), _today(today))  # type: ignore[arg-type]
    if status is not None:
        wanted = str(status).strip().lower()
        if wanted not in REGISTRATION_STATUSES:
            raise OverlapError(
                f"a registration's status is one of {', '.join(REGISTRATION_STATUSES)}, "
                f"not '{status}'"
            )
        frame = frame[(frame["status"] == wanted).to_numpy(dtype=bool)]
    if account is not None:
        frame = frame[_of_account(ws, record, frame, account)]
    return _public(frame)


def _of_account(ws: Workspace, record: Partner, frame: pd.DataFrame, ref: str) -> np.ndarray:
    """Rows of ``frame`` on the account ``ref`` names (a shared account, or a registered name)."""
    text = str(ref).strip()
    accounts = _SharedAccounts(ws, record)
    try:
        our_key, partner_key, _name = accounts.row(accounts.one(text))
    except OverlapError:
        # An account no longer shared (after a re-match) is still found by what was registered.
        mask = (
            frame["account_name"].astype("str").str.casefold().eq(text.casefold())
            | frame["our_key"].eq(text)
            | frame["partner_key"].eq(text)
        ).to_numpy(dtype=bool)
        if mask.any():
            return mask
        raise
    return (frame["our_key"].eq(our_key) | frame["partner_key"].eq(partner_key)).to_numpy(
        dtype=bool
    )


def registrations_by_account(
    ws: Workspace, partner: str | Partner, *, today: date | None = None
) -> pd.DataFrame:
    """One row per registered account: counts, who holds it now, until when, conflicts.

    Columns: ``account_name``, ``registrations``, ``active`` (submitted, approved or won, not
    expired), ``holder`` (us / partner / both / "" — the sides with an active registration),
    ``protected_until`` (the latest of the active ones), ``conflicts`` (registrations in a
    conflict), ``latest`` (the last registration date), ``our_key``, ``partner_key``.
    """
    record = resolve_partner(ws, partner)
    frame = _read(ws, int(record.id), _today(today))  # type: ignore[arg-type]
    columns = [
        "account_name",
        "registrations",
        "active",
        "holder",
        "protected_until",
        "conflicts",
        "latest",
        "our_key",
        "partner_key",
    ]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    frame["_active"] = frame["status"].isin(ACTIVE_STATUSES)
    rows = []
    for (our_key, partner_key), group in frame.groupby(["our_key", "partner_key"], sort=False):
        active = group[group["_active"].to_numpy(dtype=bool)]
        sides = set(active["side"])
        rows.append(
            {
                "account_name": str(group["account_name"].iloc[-1]),
                "registrations": len(group),
                "active": len(active),
                "holder": "both" if len(sides) > 1 else (next(iter(sides)) if sides else ""),
                "protected_until": str(active["protected_until"].max()) if len(active) else "",
                "conflicts": int(group["conflict"].sum()),
                "latest": str(group["registered_on"].max()),
                "our_key": our_key,
                "partner_key": partner_key,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values("account_name", key=lambda s: s.str.casefold()).reset_index(drop=True)


def registration_conflicts(
    ws: Workspace, partner: str | Partner, *, today: date | None = None
) -> pd.DataFrame:
    """Every conflict, the two registrations side by side (the earlier one first).

    Columns: ``account_name``, ``first_<f>`` and ``second_<f>`` for each field of
    ``CONFLICT_FIELDS``, ``overlap_from`` / ``overlap_until`` (the days both are protected),
    ``our_key``, ``partner_key``.
    """
    record = resolve_partner(ws, partner)
    frame = _read(ws, int(record.id), _today(today))  # type: ignore[arg-type]
    return _conflict_frame(frame)


def _conflict_frame(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "account_name",
        *[f"first_{f}" for f in CONFLICT_FIELDS],
        *[f"second_{f}" for f in CONFLICT_FIELDS],
        "overlap_from",
        "overlap_until",
        "our_key",
        "partner_key",
    ]
    by_id = frame.set_index("id", drop=False)
    rows = []
    for first_id, second_id in _conflict_pairs(frame):
        first, second = by_id.loc[first_id], by_id.loc[second_id]
        row: dict[str, Any] = {"account_name": first["account_name"]}
        for prefix, item in (("first", first), ("second", second)):
            for name in CONFLICT_FIELDS:
                value = item[name]
                row[f"{prefix}_{name}"] = None if _missing(value) else value
        row["overlap_from"] = max(first["registered_on"], second["registered_on"])
        row["overlap_until"] = min(first["protected_until"], second["protected_until"])
        row["our_key"], row["partner_key"] = first["our_key"], first["partner_key"]
        rows.append(row)
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame(rows, columns=columns)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


# ---------------------------------------------------------------------- plain data for others


@dataclass(frozen=True)
class RegistrationInfo:
    """One registration as plain data (for the CLI, the desktop and a sync's agenda)."""

    id: int
    account_name: str
    side: str  # us / partner
    opportunity: str
    amount: float | None
    product: str
    expected_close: str | None
    registered_on: str
    protected_until: str
    days_left: int  # days of protection after today; negative once expired
    status: str  # the effective status (expiry applied)
    decision_reason: str | None
    external_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class RegistrationConflict:
    """Two registrations of one account whose protection overlaps (the earlier one first)."""

    account_name: str
    first: RegistrationInfo
    second: RegistrationInfo
    overlap_from: str
    overlap_until: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _info(row: Any) -> RegistrationInfo:
    def text(value: Any) -> str | None:
        return None if _missing(value) or value == "" else str(value)

    amount = row["amount"]
    return RegistrationInfo(
        id=int(row["id"]),
        account_name=str(row["account_name"]),
        side=str(row["side"]),
        opportunity=str(row["opportunity"]),
        amount=None if _missing(amount) else float(amount),
        product=str(row["product"] or ""),
        expected_close=text(row["expected_close"]),
        registered_on=str(row["registered_on"]),
        protected_until=str(row["protected_until"]),
        days_left=int(row["days_left"]),
        status=str(row["status"]),
        decision_reason=text(row["decision_reason"]),
        external_id=text(row["external_id"]),
    )


def _conflicts_of(frame: pd.DataFrame, only: set[int] | None = None) -> list[RegistrationConflict]:
    by_id = frame.set_index("id", drop=False)
    out = []
    for first_id, second_id in _conflict_pairs(frame):
        if only is not None and not {first_id, second_id} & only:
            continue
        first, second = _info(by_id.loc[first_id]), _info(by_id.loc[second_id])
        out.append(
            RegistrationConflict(
                account_name=first.account_name,
                first=first,
                second=second,
                overlap_from=max(first.registered_on, second.registered_on),
                overlap_until=min(first.protected_until, second.protected_until),
            )
        )
    return out


def registrations_for_agenda(
    workspace: Workspace, partner: str | Partner, *, today: date, within_days: int = 14
) -> dict[str, list[Any]]:
    """What a partner sync should talk about, as plain data.

    ``"expiring"``: submitted or approved registrations whose protection ends within
    ``within_days`` of ``today`` (today included), soonest first; ``"conflicts"``: every
    ``RegistrationConflict``; ``"pending"``: submitted registrations waiting for a decision,
    oldest first. Lists of ``RegistrationInfo`` / ``RegistrationConflict``.
    """
    if within_days < 0:
        raise OverlapError(f"look ahead zero days or more, not {within_days}")
    record = resolve_partner(workspace, partner)
    frame = _read(workspace, int(record.id), today)  # type: ignore[arg-type]
    open_ = frame["status"].isin(("submitted", "approved")).to_numpy(dtype=bool)
    soon = open_ & (frame["days_left"] <= within_days).to_numpy(dtype=bool)
    expiring = frame[soon].sort_values(["protected_until", "id"], kind="stable")
    pending = frame[(frame["status"] == "submitted").to_numpy(dtype=bool)]
    return {
        "expiring": [_info(row) for _i, row in expiring.iterrows()],
        "conflicts": _conflicts_of(frame),
        "pending": [_info(row) for _i, row in pending.iterrows()],
    }


# ---------------------------------------------------------------------- introduced first


def registration_touches(
    ws: Workspace, partner: str | Partner, *, today: date | None = None
) -> pd.DataFrame:
    """Per registered account, the day each side's earliest counting registration was made.

    A registration counts when it is approved and still protected on ``today``, or won (see the
    module docstring). Columns: ``our_key``, ``partner_key``, ``us`` and ``partner``
    (datetime64; NaT when that side has none). Small: one row per registered account.
    """
    record = resolve_partner(ws, partner)
    frame = _read(ws, int(record.id), _today(today))  # type: ignore[arg-type]
    counting = frame[frame["status"].isin(TOUCH_STATUSES).to_numpy(dtype=bool)]
    columns = ["our_key", "partner_key", US, PARTNER]
    if counting.empty:
        return pd.DataFrame(
            {
                "our_key": pd.Series(dtype=object),
                "partner_key": pd.Series(dtype=object),
                US: pd.Series(dtype="datetime64[ns]"),
                PARTNER: pd.Series(dtype="datetime64[ns]"),
            }
        )
    earliest = counting.groupby(["our_key", "partner_key", "side"])["_start"].min().unstack("side")
    for side in SIDES:
        if side not in earliest.columns:
            earliest[side] = pd.NaT
    out = earliest.reset_index()
    out.columns.name = None
    for side in SIDES:
        out[side] = pd.to_datetime(out[side]).astype("datetime64[ns]")
    return out[columns]


# ---------------------------------------------------------------------- adding and deciding


@dataclass(frozen=True)
class Registered:
    """A registration just made, with the conflicts it is part of (flagged, not refused)."""

    registration: RegistrationInfo
    conflicts: list[RegistrationConflict] = field(default_factory=list)


def _side(value: Any, us_name: str, partner_name: str) -> str | None:
    """``us`` / ``partner`` from what a user or a file says, or None when it says neither."""
    text = " ".join(str(value or "").casefold().split())
    if text in ("us", "we", "our", "ours", "our side", "self", "no", "false", "n", "0"):
        return US
    if text in (PARTNER, "they", "their", "theirs", "partner side", "yes", "true", "y", "1"):
        return PARTNER
    if text == " ".join(us_name.casefold().split()):
        return US
    if text == " ".join(partner_name.casefold().split()):
        return PARTNER
    return None


def _status(value: Any, allowed: Sequence[str] = REGISTRATION_STATUSES) -> str:
    status = str(value or "").strip().lower()
    if status not in allowed:
        raise OverlapError(f"a registration's status is one of {', '.join(allowed)}, not '{value}'")
    return status


def _amount(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        if not str(value).strip():
            return None
        amounts, bad = clean_amounts(pd.Series([str(value)], dtype="str"))
        if bad or math.isnan(amounts[0]):
            raise OverlapError(f"the amount '{value}' is not a number")
        number = float(amounts[0])
    if not math.isfinite(number) or number < 0:
        raise OverlapError(f"the amount '{value}' is not a positive number")
    return number


def _existing_external(ws: Workspace, partner_id: int, external_id: str) -> int | None:
    with ws.session() as session:
        found = session.exec(
            select(Registration.id).where(
                Registration.partner_id == partner_id, Registration.external_id == external_id
            )
        ).first()
    return None if found is None else int(found)


def add_registration(
    ws: Workspace,
    partner: str | Partner,
    account: str,
    *,
    side: str,
    opportunity: str,
    amount: float | str | None = None,
    product: str = "",
    expected_close: str | date | None = None,
    registered_on: str | date | None = None,
    status: str = "submitted",
    reason: str | None = None,
    external_id: str | None = None,
    protection_days: int | str | None = None,
    today: date | None = None,
    by: str | None = None,
) -> Registered:
    """Register a deal on a shared account; a conflict with another registration is flagged.

    ``account`` is a CRM id of either side, an account key or a name of a shared account;
    ``side`` is ``us`` or ``partner``. ``registered_on`` defaults to ``today``; the protection
    period to the partnership's (``registration_settings``). A registration recorded as decided
    already (``status`` other than submitted) takes ``reason`` as its decision's reason.
    """
    record = resolve_partner(ws, partner)
    partner_id = int(record.id)  # type: ignore[arg-type]
    day = _today(today)
    who = _side(side, ws.company().name, record.name)
    if who is None or str(side).strip().lower() in ("yes", "no", "true", "false", "1", "0"):
        raise OverlapError(f"the side that registers is 'us' or 'partner', not '{side}'")
    name = str(opportunity or "").strip()
    if not name:
        raise OverlapError("a registration needs the opportunity's name")
    registered = day if registered_on is None else parse_date(registered_on, "registration date")
    if registered > day:
        raise OverlapError(
            f"the registration date {registered.isoformat()} is after today ({day.isoformat()})"
        )
    close = None
    if expected_close is not None and str(expected_close).strip():
        close = parse_date(expected_close, "expected close date").isoformat()
    days = (
        registration_settings(ws, record).protection_days
        if protection_days is None
        else _days(protection_days)
    )
    ref = str(external_id).strip() if external_id is not None and str(external_id).strip() else None
    if ref is not None:
        existing = _existing_external(ws, partner_id, ref)
        if existing is not None:
            raise OverlapError(f"registration id '{ref}' exists already (registration {existing})")
    value = _amount(amount)
    stored = _status(status)
    why = str(reason or "").strip() or None
    if stored == "rejected" and why is None:
        raise OverlapError("a rejection needs a reason (why the registration is refused)")
    accounts = _SharedAccounts(ws, record)
    our_key, partner_key, account_name = accounts.row(accounts.one(account))
    item = Registration(
        partner_id=partner_id,
        side=who,
        our_key=our_key,
        partner_key=partner_key,
        account_name=account_name,
        opportunity=name,
        amount=value,
        product=str(product or "").strip(),
        expected_close=close,
        registered_on=registered.isoformat(),
        protection_days=days,
        status=stored,
        decision_reason=why,
        decided_on=day.isoformat() if stored not in ("submitted", "expired") else None,
        decided_by=by if stored not in ("submitted", "expired") else None,
        external_id=ref,
        created_at=now(),
    )
    ws.save(item)
    frame = _read(ws, partner_id, day)
    new_id = int(item.id)  # type: ignore[arg-type]
    row = frame[frame["id"] == new_id].iloc[0]
    return Registered(_info(row), _conflicts_of(frame, {new_id}))


@dataclass(frozen=True)
class RegistrationDecision:
    """A registration's decision as it was: what ``decide_registration`` hands back for undo."""

    status: str
    decision_reason: str | None
    decided_on: str | None
    decided_by: str | None


def _get(session: Any, registration_id: int) -> Registration:
    found = session.get(Registration, int(registration_id))
    if found is None:
        raise OverlapError(f"there is no registration {registration_id}")
    return found  # type: ignore[no-any-return]


def decide_registration(
    ws: Workspace,
    registration_id: int,
    status: str,
    *,
    reason: str | None = None,
    on: str | date | None = None,
    by: str | None = None,
    today: date | None = None,
) -> RegistrationDecision:
    """Approve, reject, mark won or lost (or back to submitted) one registration.

    A rejection needs a reason; an expired registration cannot be approved (register the deal
    again). Returns the decision it replaced: ``restore_registration`` puts it back (undo).
    """
    decision = _status(status, REGISTRATION_DECISIONS)
    day = _today(today)
    decided = day if on is None or not str(on).strip() else parse_date(on, "decision date")
    text = str(reason or "").strip() or None
    if decision == "rejected" and text is None:
        raise OverlapError("a rejection needs a reason (why the registration is refused)")
    with ws.session() as session:
        item = _get(session, registration_id)
        effective, until = _effective(item.status, item.registered_on, item.protection_days, day)
        if effective == decision:
            raise OverlapError(f"registration {registration_id} is {decision} already")
        if decision in ("approved", "submitted") and effective == "expired":
            raise OverlapError(
                f"registration {registration_id} expired after {until.isoformat()} (its "
                "protection ended); register the deal again instead"
            )
        if decided.isoformat() < item.registered_on:
            raise OverlapError(
                f"the decision date {decided.isoformat()} is before the registration "
                f"({item.registered_on})"
            )
        previous = RegistrationDecision(
            item.status, item.decision_reason, item.decided_on, item.decided_by
        )
        item.status = decision
        if decision == "submitted":
            item.decision_reason, item.decided_on, item.decided_by = text, None, None
        else:
            item.decision_reason, item.decided_on, item.decided_by = text, decided.isoformat(), by
        session.add(item)
        session.commit()
    return previous


def restore_registration(ws: Workspace, registration_id: int, state: RegistrationDecision) -> None:
    """Put a registration's decision back as it was (the undo of ``decide_registration``)."""
    with ws.transaction() as connection:
        done = connection.execute(
            update(Registration)
            .where(col(Registration.id) == int(registration_id))
            .values(
                status=state.status,
                decision_reason=state.decision_reason,
                decided_on=state.decided_on,
                decided_by=state.decided_by,
            )
        )
        if not done.rowcount:
            raise OverlapError(f"there is no registration {registration_id}")


def delete_registration(ws: Workspace, registration_id: int) -> None:
    """Remove a registration (one entered by mistake); the undo of adding one."""
    with ws.transaction() as connection:
        done = connection.execute(
            delete(Registration).where(col(Registration.id) == int(registration_id))
        )
        if not done.rowcount:
            raise OverlapError(f"there is no registration {registration_id}")


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
    day = _today(today)
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
        default_side = _side(side, ws.company().name, record.name)
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
    accounts = _SharedAccounts(ws, record)
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
        who = _side(who_text, us_name, record.name) if who_text else default_side
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
    frame = _read(ws, partner_id, day)
    return RegistrationImport(
        file_name=file_name,
        rows=len(rows),
        added=added,
        updated=updated,
        columns=dict(columns),
        conflicts=len(_conflict_pairs(frame)),
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
