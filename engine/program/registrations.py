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
the egress ledger) — both in ``engine.program.registration_files`` — listed per account, and
summarised for a partner sync's agenda (``registrations_for_agenda``). How stored rows read on a
day (expiry, conflicts, touches) is ``engine.store.registration_state``'s, which the ownership
step reads too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, update
from sqlmodel import col, select

from engine.errors import OverlapError

# The account import's column cleaners: dates decided day-first or month-first per column,
# amounts in every currency and locale an export writes them in.
from engine.importing import clean_amounts
from engine.overlaps import build_mapping, shared_rows
from engine.plans import parse_date
from engine.store.clock import today as local_today
from engine.store.models import Partner, Registration, RegistrationSetting
from engine.store.registration_state import (
    ACTIVE_STATUSES,
    PARTNER,
    conflict_pairs,
    read_registrations,
)
from engine.store.workspace import US, Workspace, now, resolve_partner

REGISTRATION_STATUSES = ("submitted", "approved", "rejected", "expired", "won", "lost")
# What a user decides on a registration (expiry comes with the date, not by decision).
REGISTRATION_DECISIONS = ("submitted", "approved", "rejected", "won", "lost")
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


class SharedAccounts:
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


def _effective(stored: str, registered_on: str, days: int, today: date) -> tuple[str, date]:
    """One registration's effective status on ``today`` and its last protected day."""
    until = date.fromisoformat(registered_on) + timedelta(days=int(days))
    if stored in ("submitted", "approved") and until < today:
        return "expired", until
    return stored, until


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
    frame = read_registrations(ws, int(record.id), _today(today))  # type: ignore[arg-type]
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
    accounts = SharedAccounts(ws, record)
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
    frame = read_registrations(ws, int(record.id), _today(today))  # type: ignore[arg-type]
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
    frame = read_registrations(ws, int(record.id), _today(today))  # type: ignore[arg-type]
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
    for first_id, second_id in conflict_pairs(frame):
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
    for first_id, second_id in conflict_pairs(frame):
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
    frame = read_registrations(workspace, int(record.id), today)  # type: ignore[arg-type]
    open_ = frame["status"].isin(("submitted", "approved")).to_numpy(dtype=bool)
    soon = open_ & (frame["days_left"] <= within_days).to_numpy(dtype=bool)
    expiring = frame[soon].sort_values(["protected_until", "id"], kind="stable")
    pending = frame[(frame["status"] == "submitted").to_numpy(dtype=bool)]
    return {
        "expiring": [_info(row) for _i, row in expiring.iterrows()],
        "conflicts": _conflicts_of(frame),
        "pending": [_info(row) for _i, row in pending.iterrows()],
    }


# ---------------------------------------------------------------------- adding and deciding


@dataclass(frozen=True)
class Registered:
    """A registration just made, with the conflicts it is part of (flagged, not refused)."""

    registration: RegistrationInfo
    conflicts: list[RegistrationConflict] = field(default_factory=list)


def side_named(value: Any, us_name: str, partner_name: str) -> str | None:
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
    who = side_named(side, ws.company().name, record.name)
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
    accounts = SharedAccounts(ws, record)
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
    frame = read_registrations(ws, partner_id, day)
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
