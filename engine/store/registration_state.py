"""Deal registrations as they stand on a day: protection, expiry, conflicts, touches.

The rules are told in ``engine.program.registrations``, which adds, decides, imports and
exports registrations. This module only reads the stored rows and derives their state, so that
the ownership step can count a registration as its side's touch of an account ("introduced
first") without reaching up into the program layer.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from engine.store.clock import today as local_today
from engine.store.models import Partner
from engine.store.workspace import US, Workspace, resolve_partner

PARTNER = "partner"
SIDES = (US, PARTNER)
# Registrations that hold a claim on their account (a conflict needs two of them).
ACTIVE_STATUSES = ("submitted", "approved", "won")
# Registrations that count as their side's touch of the account for "introduced first".
TOUCH_STATUSES = ("approved", "won")


_SELECT = (
    "SELECT id, side, our_key, partner_key, account_name, opportunity, amount, product, "
    "expected_close, registered_on, protection_days, status AS stored_status, decision_reason, "
    "decided_on, decided_by, external_id, source FROM registration"
)


def read_registrations(ws: Workspace, partner_id: int, today: date) -> pd.DataFrame:
    """Every registration of the partnership with its protection, effective status, conflicts."""
    frame = ws.read_frame(
        f"{_SELECT} WHERE partner_id = :p ORDER BY registered_on, id", {"p": partner_id}
    )
    for column in _OPTIONAL_TEXT:  # missing text is None, whatever SQLite handed back
        values = frame[column].astype(object)
        frame[column] = values.where(values.notna(), None)
    frame["amount"] = frame["amount"].astype("float64")
    return with_state(frame, today)


_OPTIONAL_TEXT = (
    "expected_close",
    "decision_reason",
    "decided_on",
    "decided_by",
    "external_id",
    "source",
)


def with_state(frame: pd.DataFrame, today: date) -> pd.DataFrame:
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
    pairs = conflict_pairs(frame)
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


def conflict_pairs(frame: pd.DataFrame) -> list[tuple[int, int]]:
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


def registration_touches(
    ws: Workspace, partner: str | Partner, *, today: date | None = None
) -> pd.DataFrame:
    """Per registered account, the day each side's earliest counting registration was made.

    A registration counts when it is approved and still protected on ``today``, or won (see
    ``engine.program.registrations``). Columns: ``our_key``, ``partner_key``, ``us`` and ``partner``
    (datetime64; NaT when that side has none). Small: one row per registered account.
    """
    record = resolve_partner(ws, partner)
    day = today if today is not None else local_today()
    frame = read_registrations(ws, int(record.id), day)  # type: ignore[arg-type]
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
