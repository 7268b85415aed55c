"""Many partnerships in one workspace: our accounts across partners, and partners compared.

**Cross-partner view.** Every partnership maps its partner's list against the same list of ours
(our current snapshot), so one of our accounts can be shared with several partners. For each of
our accounts shared with at least one partner the view gives the partners that share it, with
their stage and the lead each partnership decided for it (``engine.ownership.ownership``: the
rules' lead, or the override set by hand). Two flags come out of the leads:

* **contested** — the lead is the *partner* in two or more partnerships: two partners both
  expect to lead the account, and only one of them can (settle it with ``settle_lead``);
* **needs a lead** — a partnership shares the account but has no lead for it yet (the rules
  were not applied since it became shared), or its lead was decided under rules that have been
  changed since (a newer version exists and no override holds it).

Everything is computed per partnership on the shared rows of its mapping (``build_mapping``,
kept between calls) and then gathered per account with array operations on our accounts'
positions, so a million accounts of ours shared with a few partners take seconds.

**Comparison.** One row per partnership, from the same functions the steps use
(``overlap_counts``, ``overlap_matrix``, ``deal_metrics``, ``score_engagement``): shared accounts,
shared customers, their customers who are our prospects and the reverse, potential revenue,
co-sold deals, co-sold win rate, average co-sold deal and engagement; ranked by the measure the
user picks, with the leaders in words.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete
from sqlmodel import col, select

from engine.errors import Cancelled, OverlapError
from engine.overlaps import build_mapping, shared_rows
from engine.overrides import OverrideState
from engine.ownership import LEADS, PARTNER, rules
from engine.store.models import OwnershipOverride, Partner
from engine.store.workspace import US, Progress, Workspace, now, resolve_partner, sqlite_errors

CROSS_FLAGS = ("contested", "needs_lead")

CROSS_PARTNER_COLUMNS = [
    "name",
    "our_external_id",
    "domains",
    "our_stage",
    "partners",
    "partner_names",
    "partner_leads",
    "leading_partners",
    "we_lead",
    "no_lead",
    "contested",
    "needs_lead",
    "flag",
    "our_key",
    "our_account_id",
]
PAIR_COLUMNS = [
    "partner",
    "partner_name",
    "partner_external_id",
    "partner_stage",
    "lead",
    "criterion",
    "rationale",
    "lead_note",
    "overridden",
    "open_disputes",
    "rules_version",
    "our_account_id",
    "our_key",
    "our_external_id",
    "our_name",
    "our_stage",
    "partner_key",
    "partner_account_id",
]


# What the comparison can be ranked by: (title, higher is better).
def joined_names(names: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def checked_progress(progress: Progress | None, cancel: Callable[[], bool] | None) -> Progress:
    def step(fraction: float, message: str) -> None:
        if cancel is not None and cancel():
            raise Cancelled()
        if progress is not None:
            progress(fraction, message)

    return step


def progress_part(step: Progress, start: float, span: float) -> Progress:
    return lambda fraction, message: step(start + span * fraction, message)


# ---------------------------------------------------------------------- partner sets as bits


def _words(partners: int) -> int:
    return max(1, (partners + 63) // 64)


def _set_bit(masks: np.ndarray, rows: np.ndarray, number: int) -> None:
    """Mark partnership ``number`` in the masks of ``rows`` (repeated rows are fine)."""
    masks[rows, number // 64] |= np.uint64(1) << np.uint64(number % 64)


def _members(mask: np.ndarray, names: Sequence[str]) -> list[str]:
    return [n for i, n in enumerate(names) if int(mask[i // 64]) >> (i % 64) & 1]


def _distinct_rows(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``masks`` and where each row is among them (hashing one column,
    sorting only when a row spans several words)."""
    if masks.shape[1] == 1:
        codes, uniques = pd.factorize(masks[:, 0])
        return np.asarray(uniques, dtype=np.uint64).reshape(-1, 1), codes
    unique, inverse = np.unique(masks, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1)


def _texts(masks: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The partnerships of each row of ``masks`` in words ("Globex, Tyrell"), made once per
    distinct set of partnerships."""
    if len(masks) == 0:
        return np.empty(0, dtype=object)
    unique, inverse = _distinct_rows(masks)
    table = np.array([", ".join(_members(row, names)) for row in unique], dtype=object)
    return table[inverse]


def _flag_texts(stacked: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The flag sentence of each row of three masks side by side: partner leads, no lead yet,
    lead under older rules; made once per distinct row."""
    if len(stacked) == 0:
        return np.empty(0, dtype=object)
    width = _words(len(names))

    def sentence(row: np.ndarray) -> str:
        leads = _members(row[:width], names)
        missing = _members(row[width : 2 * width], names)
        old = _members(row[2 * width :], names)
        parts = []
        if len(leads) >= 2:
            parts.append(
                f"{joined_names(leads)} {'both' if len(leads) == 2 else 'all'} expect to lead"
            )
        if missing:
            parts.append(f"no lead yet with {joined_names(missing)}")
        if old:
            parts.append(f"lead set under older rules with {joined_names(old)}")
        return "; ".join(parts)

    unique, inverse = _distinct_rows(stacked)
    table = np.array([sentence(row) for row in unique], dtype=object)
    return table[inverse]


# ---------------------------------------------------------------------- the cross-partner view


@dataclass
class CrossPartner:
    """Our accounts shared with partners, one row each (``accounts``), and every partnership's
    pair of each of them (``pairs``), after the filters asked for.

    ``counts`` describe the whole workspace, before filters: ``shared`` (our accounts shared
    with at least one partner), ``several`` (with two or more), ``contested``, ``needs_lead``;
    and ``shown`` (rows of ``accounts``).
    """

    partners: tuple[str, ...]
    accounts: pd.DataFrame
    pairs: pd.DataFrame
    counts: dict[str, int]

    def partners_of(self, our_account_id: int) -> pd.DataFrame:
        """The pairs of one of our accounts: its partners side by side, in partnership order."""
        rows = self.pairs[self.pairs["our_account_id"] == int(our_account_id)]
        return rows.reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: counts, and each account with its partners."""
        by_account: dict[int, list[dict[str, Any]]] = {}
        columns = ["partner", "partner_name", "partner_external_id", "partner_stage", "lead"]
        for row in self.pairs[["our_account_id", *columns, "lead_note"]].to_dict("records"):
            item = {c: plain_value(row[c]) for c in (*columns, "lead_note")}
            by_account.setdefault(int(row["our_account_id"]), []).append(item)
        accounts = []
        for record in self.accounts.to_dict(orient="records"):
            item = {str(k): plain_value(v) for k, v in record.items() if k != "our_account_id"}
            item["with"] = by_account.get(int(record["our_account_id"]), [])
            accounts.append(item)
        return {"partners": list(self.partners), "counts": dict(self.counts), "accounts": accounts}


def plain_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _text(values: Any) -> np.ndarray:
    """An object array of text with missing values as ""."""
    out = np.asarray(values, dtype=object)
    return np.where(pd.isna(out), "", out)


def _object(values: Any, index: pd.Index | None = None) -> pd.Series:
    """A text column kept as Python objects (a DataFrame would convert 300k strings to Arrow,
    and every later take would pay for it)."""
    return pd.Series(values, index=index, dtype=object, copy=False)


def _labels(values: pd.Series) -> np.ndarray:
    """A categorical column's labels as an object array, without a string conversion per row."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        labels = np.asarray(values.cat.categories, dtype=object)
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, labels[np.maximum(codes, 0)], "")  # type: ignore[no-any-return]
    return _text(values.to_numpy(dtype=object))


def _pair_keys(our: Any, partner: Any) -> np.ndarray:
    """One text per pair of account keys (the unit every lead decision is stored against)."""
    return _text(our) + "\x1f" + _text(partner)  # type: ignore[no-any-return]


def _lookup(keys: Any, wanted: Any) -> np.ndarray:
    """Where each ``wanted`` key is in ``keys`` (its last occurrence, as a later decision
    replaces an earlier one), -1 where it is not."""
    wanted_index = pd.Index(wanted, dtype=getattr(wanted, "dtype", object))
    if len(keys) == 0:
        return np.full(len(wanted_index), -1, dtype=np.intp)
    index = pd.Index(keys, dtype=getattr(keys, "dtype", object))
    last = ~index.duplicated(keep="last")
    positions = np.flatnonzero(last)
    found = index[last].get_indexer(wanted_index)
    return np.where(found >= 0, positions[np.maximum(found, 0)], -1)


_LEAD_CODES = np.array(["", US, PARTNER], dtype=object)


def _rows(cursor: Any, sql: str, params: tuple[Any, ...], count: int) -> list[np.ndarray]:
    """A query's columns as object arrays."""
    rows = cursor.execute(sql, params).fetchall()
    if not rows:
        return [np.empty(0, dtype=object) for _ in range(count)]
    return [np.asarray(column, dtype=object) for column in zip(*rows, strict=True)]


def _leads(ws: Workspace, partner_id: int, shared: pd.DataFrame) -> dict[str, np.ndarray]:
    """The lead of each shared pair as ``ownership`` reads it: the override set by hand when
    there is one, else the stored assignment, else none yet; with the rules version, the
    override's reason and the open disputes.

    Stored assignments are found by their two account ids (integers: a 300k-row read costs a
    tenth of reading its keys and texts); pairs whose ids changed since (a list imported again,
    not yet re-assigned) are found by their account keys, as ``ownership`` finds them all.
    """
    n = len(shared)
    our_ids = shared["our_id"].to_numpy(dtype=np.int64)
    partner_ids = shared["partner_id"].to_numpy(dtype=np.int64)
    our_keys = shared["our_key"].to_numpy(dtype=object)
    partner_keys = shared["partner_key"].to_numpy(dtype=object)
    lead_sql = "CASE lead WHEN 'us' THEN 1 WHEN 'partner' THEN 2 ELSE 0 END"
    with sqlite_errors(ws.path), ws.engine.connect() as connection:
        cursor = connection.connection.cursor()  # type: ignore[union-attr]
        stored = np.array(
            cursor.execute(
                "SELECT coalesce(our_account_id, -1), coalesce(partner_account_id, -1), "
                f"{lead_sql}, coalesce(rules_version, -1) FROM assignment "
                "WHERE partner_id = ? ORDER BY id",
                (partner_id,),
            ).fetchall(),
            dtype=np.int64,
        ).reshape(-1, 4)
        code = np.zeros(n, dtype=np.int64)
        version = np.full(n, -1, dtype=np.int64)
        at = _lookup((stored[:, 0] << 32) + stored[:, 1], (our_ids << 32) + partner_ids)
        code[at >= 0] = stored[at[at >= 0], 2]
        version[at >= 0] = stored[at[at >= 0], 3]
        unmatched = at < 0
        if unmatched.any() and len(stored) > int((at >= 0).sum()):
            our, theirs, lead, number = _rows(
                cursor,
                f"SELECT our_key, partner_key, {lead_sql}, coalesce(rules_version, -1) "
                "FROM assignment WHERE partner_id = ? ORDER BY id",
                (partner_id,),
                4,
            )
            by_key = _lookup(
                _pair_keys(our, theirs),
                _pair_keys(our_keys[unmatched], partner_keys[unmatched]),
            )
            rows = np.flatnonzero(unmatched)[by_key >= 0]
            code[rows] = lead[by_key[by_key >= 0]].astype(np.int64)
            version[rows] = number[by_key[by_key >= 0]].astype(np.int64)
        our, theirs, hand, reason = _rows(
            cursor,
            "SELECT our_key, partner_key, lead, reason FROM ownershipoverride "
            "WHERE partner_id = ? ORDER BY id",
            (partner_id,),
            4,
        )
        our_d, theirs_d, open_count = _rows(
            cursor,
            "SELECT our_key, partner_key, count(*) FROM dispute "
            "WHERE partner_id = ? AND resolved_at IS NULL GROUP BY our_key, partner_key",
            (partner_id,),
            3,
        )
    lead = _LEAD_CODES[code]
    criterion = np.full(n, "", dtype=object)
    rationale = np.full(n, "", dtype=object)
    overridden = np.zeros(n, dtype=bool)
    disputes = np.zeros(n, dtype=np.int64)
    if len(our) or len(our_d):
        keys = _pair_keys(our_keys, partner_keys)
        if len(our):
            at = _lookup(_pair_keys(our, theirs), keys)
            overridden = at >= 0
            chosen = _text(hand[at[overridden]])
            lead[overridden] = chosen
            criterion[overridden] = "override"
            rationale[overridden] = (
                np.where(chosen == US, "We lead", "Partner leads").astype(object)
                + ": set by hand — "
                + _text(reason[at[overridden]])
            )
        if len(our_d):
            at = _lookup(_pair_keys(our_d, theirs_d), keys)
            disputes[at >= 0] = open_count[at[at >= 0]].astype(np.int64)
    return {
        "lead": lead,
        "criterion": criterion,
        "rationale": rationale,
        "overridden": overridden,
        "rules_version": np.where(version >= 0, version, -1),
        "open_disputes": disputes,
    }


def _partnership_pairs(
    ws: Workspace, record: Partner, progress: Progress
) -> tuple[pd.DataFrame, int]:
    """One partnership's shared pairs with their lead; and its current rules version."""
    mapping = build_mapping(ws, record, progress=lambda f, m: progress(0.8 * f, m))
    shared = shared_rows(mapping)
    progress(0.8, f"Reading {record.name}'s leads")
    leads = _leads(ws, int(record.id), shared)  # type: ignore[arg-type]
    version = rules(ws, record).version
    lead = leads["lead"]
    outdated = (lead != "") & ~leads["overridden"] & (leads["rules_version"] < version)
    note = np.where(
        lead == "",
        "no lead yet: apply the rules",
        np.where(outdated, "decided under older rules", ""),
    ).astype(object)
    n = len(shared)
    rules_version = pd.array(leads["rules_version"], dtype="Int64")
    rules_version[leads["rules_version"] < 0] = pd.NA
    frame = pd.DataFrame(
        {
            "partner": _object(np.full(n, record.name, dtype=object)),
            "partner_name": _object(shared["partner_name"].to_numpy(dtype=object)),
            "partner_external_id": _object(
                _text(shared["partner_external_id"].to_numpy(dtype=object))
            ),
            "partner_stage": _object(_labels(shared["partner_stage"])),
            "lead": _object(lead),
            "criterion": _object(leads["criterion"]),
            "rationale": _object(leads["rationale"]),
            "lead_note": _object(note),
            "overridden": leads["overridden"],
            "open_disputes": leads["open_disputes"],
            "rules_version": rules_version,
            "our_account_id": shared["our_id"].to_numpy(dtype=np.int64),
            "our_key": _object(shared["our_key"].to_numpy(dtype=object)),
            "our_external_id": _object(_text(shared["our_external_id"].to_numpy(dtype=object))),
            "our_name": _object(shared["our_name"].to_numpy(dtype=object)),
            "our_stage": _object(_labels(shared["our_stage"])),
            "partner_key": _object(shared["partner_key"].to_numpy(dtype=object)),
            "partner_account_id": shared["partner_id"].to_numpy(dtype=np.int64),
            "our_domains": _object(_text(shared["our_domains"].to_numpy(dtype=object))),
            "outdated": outdated,
        },
        copy=False,
    )
    return frame, version


# Above this many pairs of a partnership, its reasons are read in one pass, not key by key.
_BULK_REASONS = 20_000


def lead_reasons(ws: Workspace, pairs: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` (rows of ``CrossPartner.pairs``) with the criterion and rationale of the leads
    the rules decided, read from the stored assignments; overrides keep theirs."""
    out = pairs.copy(deep=False)  # the two columns are replaced, not written into
    if out.empty:
        return out
    criterion = out["criterion"].to_numpy(dtype=object).copy()
    rationale = out["rationale"].to_numpy(dtype=object).copy()
    need = ~out["overridden"].to_numpy(dtype=bool) & (out["lead"].to_numpy(dtype=object) != "")
    ids = {p.name: int(p.id) for p in ws.partners()}  # type: ignore[arg-type]
    partner = out["partner"].to_numpy(dtype=object)
    with sqlite_errors(ws.path), ws.engine.connect() as connection:
        cursor = connection.connection.cursor()  # type: ignore[union-attr]
        for name in pd.unique(partner[need]):
            rows = np.flatnonzero(need & (partner == name))
            our_keys = out["our_key"].to_numpy(dtype=object)[rows]
            keys = _pair_keys(our_keys, out["partner_key"].to_numpy(dtype=object)[rows])
            sql = (
                "SELECT our_key, partner_key, criterion, rationale FROM assignment "
                "WHERE partner_id = ?"
            )
            if len(rows) > _BULK_REASONS:
                found = _rows(cursor, sql + " ORDER BY id", (ids[str(name)],), 4)
            else:
                parts = [[] for _ in range(4)]  # type: list[list[Any]]
                distinct = list(dict.fromkeys(our_keys.tolist()))
                for start in range(0, len(distinct), 500):
                    chunk = distinct[start : start + 500]
                    query = sql + f" AND our_key IN ({', '.join('?' * len(chunk))}) ORDER BY id"
                    for column, values in zip(
                        parts, _rows(cursor, query, (ids[str(name)], *chunk), 4), strict=True
                    ):
                        column.extend(values.tolist())
                found = [np.asarray(column, dtype=object) for column in parts]
            at = _lookup(_pair_keys(found[0], found[1]), keys)
            hit = at >= 0
            criterion[rows[hit]] = _text(found[2][at[hit]])
            rationale[rows[hit]] = _text(found[3][at[hit]])
    out["criterion"] = _object(criterion, out.index)
    out["rationale"] = _object(rationale, out.index)
    return out


def _empty_pairs() -> pd.DataFrame:
    columns = [*PAIR_COLUMNS, "our_domains", "outdated"]
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    for column in ("our_account_id", "partner_account_id", "open_disputes"):
        frame[column] = frame[column].astype(np.int64)
    frame["overridden"] = frame["overridden"].astype(bool)
    frame["outdated"] = frame["outdated"].astype(bool)
    frame["rules_version"] = frame["rules_version"].astype("Int64")
    return frame


def cross_partner(
    ws: Workspace,
    *,
    account: str | None = None,
    partner: str | Partner | None = None,
    flag: str | None = None,
    reasons: bool = True,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> CrossPartner:
    """Our accounts across every partnership of the workspace, flagged (see the module doc).

    ``account`` keeps one of our accounts (our CRM id, its key or its exact name; an account
    we do not have, or one no partner shares, is a clear error). ``partner`` keeps the
    accounts that partnership shares (each still listed with all its partners). ``flag``
    keeps the ``contested`` accounts or those that ``needs_lead``. ``reasons=False`` leaves
    the criterion and rationale of the leads the rules decided empty (``lead_reasons`` fills
    them for the pairs wanted later): at hundreds of thousands of pairs, their text is most
    of the reading.

    ``accounts`` columns: ``CROSS_PARTNER_COLUMNS``; contested accounts first, then those
    shared with more partners, then in our list's order. ``pairs`` columns: ``PAIR_COLUMNS``,
    partnership by partnership.
    """
    if flag is not None and flag not in CROSS_FLAGS:
        raise OverlapError(f"unknown flag '{flag}' (use {' or '.join(CROSS_FLAGS)})")
    kept_partner = resolve_partner(ws, partner) if partner is not None else None
    step = checked_progress(progress, cancel)
    step(0.0, "Reading the partnerships")
    records = ws.partners()
    names = tuple(p.name for p in records)
    ours = ws.current_snapshot(None)
    size = int(ours.account_count) if ours is not None else 0
    first = int(ours.first_account_id) if ours is not None else 0
    width = _words(len(records))
    shares = np.zeros((size, width), dtype=np.uint64)
    leads = np.zeros((size, width), dtype=np.uint64)
    missing = np.zeros((size, width), dtype=np.uint64)
    old = np.zeros((size, width), dtype=np.uint64)
    partners = np.zeros(size, dtype=np.int32)
    partner_leads = np.zeros(size, dtype=np.int32)
    we_lead = np.zeros(size, dtype=np.int32)
    no_lead = np.zeros(size, dtype=np.int32)
    frames = []
    for number, record in enumerate(records):
        span = 0.85 / max(1, len(records))
        frame, _version = _partnership_pairs(ws, record, progress_part(step, span * number, span))
        pos = frame["our_account_id"].to_numpy(dtype=np.int64) - first
        lead = frame["lead"].to_numpy(dtype=object)
        for rows, masks, tally in (
            (pos, shares, partners),
            (pos[lead == PARTNER], leads, partner_leads),
            (pos[lead == US], None, we_lead),
            (pos[lead == ""], missing, no_lead),
            (pos[frame["outdated"].to_numpy(dtype=bool)], old, None),
        ):
            hit = np.zeros(size, dtype=bool)
            hit[rows] = True  # a partnership counts once per account of ours
            distinct = np.flatnonzero(hit)
            if masks is not None:
                _set_bit(masks, distinct, number)
            if tally is not None:
                tally[distinct] += 1
        frames.append(frame)
    step(0.87, "Gathering the accounts")
    pairs = pd.concat(frames, ignore_index=True) if frames else _empty_pairs()
    pair_pos = pairs["our_account_id"].to_numpy(dtype=np.int64) - first
    at = np.flatnonzero(partners > 0)
    contested = partner_leads >= 2
    needs = (no_lead > 0) | old.any(axis=1)
    counts = {
        "partnerships": len(records),
        "shared": len(at),
        "several": int((partners >= 2).sum()),
        "contested": int(contested.sum()),
        "needs_lead": int(needs[at].sum()),
    }
    keep = np.zeros(size, dtype=bool)
    keep[at] = True
    if account is not None:
        only = np.zeros(size, dtype=bool)
        only[_find_account(ws, pairs, pair_pos, account)] = True
        keep &= only
    if kept_partner is not None:
        number = names.index(kept_partner.name)
        keep &= (shares[:, number // 64] >> np.uint64(number % 64) & np.uint64(1)).astype(bool)
    if flag == "contested":
        keep &= contested
    elif flag == "needs_lead":
        keep &= needs
    rows = np.flatnonzero(keep)
    # Contested first, then shared with more partners, then our list's order.
    rows = rows[np.lexsort((rows, -partners[rows], ~contested[rows]))]
    # Our account's own fields: from its first pair (every pair carries them).
    first_pair = np.full(size, len(pair_pos), dtype=np.int64)
    np.minimum.at(first_pair, pair_pos, np.arange(len(pair_pos), dtype=np.int64))
    source = first_pair[rows]

    def ours_of(column: str) -> pd.Series:
        return _object(pairs[column].to_numpy(dtype=object)[source])

    flags = np.full(len(rows), "", dtype=object)
    flagged = contested[rows] | needs[rows]
    if flagged.any():
        picked = rows[flagged]
        stacked = np.concatenate([leads[picked], missing[picked], old[picked]], axis=1)
        flags[flagged] = _flag_texts(stacked, names)
    accounts = pd.DataFrame(
        {
            "name": ours_of("our_name"),
            "our_external_id": ours_of("our_external_id"),
            "domains": ours_of("our_domains"),
            "our_stage": ours_of("our_stage"),
            "partners": partners[rows].astype(np.int64),
            "partner_names": _object(_texts(shares[rows], names)),
            "partner_leads": partner_leads[rows].astype(np.int64),
            "leading_partners": _object(_texts(leads[rows], names)),
            "we_lead": we_lead[rows].astype(np.int64),
            "no_lead": no_lead[rows].astype(np.int64),
            "contested": contested[rows],
            "needs_lead": needs[rows],
            "flag": _object(flags),
            "our_key": ours_of("our_key"),
            "our_account_id": (rows + first).astype(np.int64),
        },
        copy=False,
    )
    pairs = pairs[PAIR_COLUMNS]
    if len(rows) < counts["shared"]:
        pairs = pairs[keep[pair_pos]]
    if reasons:
        step(0.9, "Reading why each partner leads")
        pairs = lead_reasons(ws, pairs)
    counts["shown"] = len(accounts)
    step(1.0, "Cross-partner view ready")
    return CrossPartner(names, accounts, pairs.reset_index(drop=True), counts)


def _find_account(ws: Workspace, pairs: pd.DataFrame, pair_pos: np.ndarray, ref: str) -> int:
    """The position in our snapshot of the one shared account of ours ``ref`` names."""
    text = str(ref).strip()
    if not text:
        raise OverlapError("name the account: our CRM id, its key or its name")
    for column in ("our_key", "our_external_id"):
        hit = np.unique(pair_pos[(pairs[column] == text).to_numpy(dtype=bool)])
        if len(hit) == 1:
            return int(hit[0])
    folded = text.casefold()
    names = pairs["our_name"].astype("string").str.casefold()
    matches = (names == folded).fillna(False).to_numpy(dtype=bool)
    hit = np.unique(pair_pos[matches])
    if len(hit) == 1:
        return int(hit[0])
    if len(hit) > 1:
        named = pairs.loc[matches, "our_external_id"].drop_duplicates().head(5)
        raise OverlapError(
            f"'{ref}' names {len(hit)} of our accounts shared with partners; "
            f"use our CRM id ({', '.join(str(x) for x in named)})"
        )
    _not_shared(ws, text)
    hint = _closest(pairs["our_name"], text)
    raise OverlapError(
        f"no account of ours is '{ref}' (use our CRM id, account key or exact name)"
        + (f"; did you mean '{hint}'?" if hint else "")
    )


def _not_shared(ws: Workspace, text: str) -> None:
    """Raise a clear error when ``text`` names an account of ours that no partner shares."""
    ours = ws.current_snapshot(None)
    if ours is None:
        raise OverlapError("our accounts are not imported yet (import our export first)")
    table = ws.accounts_table(int(ours.id), ["external_id", "name"])  # type: ignore[arg-type]
    external = table["external_id"].to_numpy(zero_copy_only=False)
    name = pd.Series(table["name"].to_numpy(zero_copy_only=False), dtype="string")
    hit = (external == text) | (name.str.casefold() == text.casefold()).fillna(False).to_numpy(
        dtype=bool
    )
    if hit.any():
        at = int(np.argmax(hit))
        raise OverlapError(
            f"{name.iloc[at]} ({external[at] or 'no CRM id'}) is one of our accounts, "
            "but no partner shares it"
        )


def _closest(names: pd.Series, text: str) -> str | None:
    """The shared account name closest to ``text``, if one is close."""
    from rapidfuzz import fuzz, process

    choices = pd.unique(names.to_numpy(dtype=object))
    best = process.extractOne(
        text, choices, scorer=fuzz.WRatio, processor=str.casefold, score_cutoff=85
    )
    return str(best[0]) if best else None


# ---------------------------------------------------------------------- settling a lead


@dataclass(frozen=True)
class LeadChange:
    """One partnership's lead of an account as a settlement set it, and the override before."""

    partner: str
    partner_id: int
    our_key: str
    partner_key: str
    lead: str
    previous: OverrideState | None


def settle_lead(
    ws: Workspace,
    account: str,
    leader: str,
    reason: str,
    *,
    by: str | None = None,
) -> list[LeadChange]:
    """Settle who leads one of our accounts across every partnership that shares it.

    ``leader`` is the partner that leads (its partnership's lead becomes ``partner``; every
    other partnership's becomes ``us``: we coordinate with the others) or ``us`` (we lead in
    all). Each lead is set as an override with ``reason``, in one transaction, so it holds
    when rules are applied again. Returns the changes; ``restore_leads`` undoes them.
    """
    if not str(reason).strip():
        raise OverlapError("settling a lead needs a reason (why this side leads)")
    view = cross_partner(ws, account=account, reasons=False)
    pairs = view.pairs
    name = str(view.accounts["name"].iloc[0])
    sharing = list(dict.fromkeys(pairs["partner"].tolist()))
    wanted = str(leader).strip()
    if wanted.casefold() == US:
        chosen = US
    else:
        chosen = next((p for p in sharing if p.casefold() == wanted.casefold()), "")
        if not chosen:
            raise OverlapError(
                f"'{leader}' does not share {name}; it is shared with "
                f"{joined_names(sharing)} (or say 'us')"
            )
    ids = {p.name: int(p.id) for p in ws.partners()}  # type: ignore[arg-type]
    stamp = now()
    changes = []
    for row in pairs[["partner", "our_key", "partner_key"]].to_dict("records"):
        partner, our_key, partner_key = (
            str(row["partner"]),
            str(row["our_key"]),
            str(row["partner_key"]),
        )
        changes.append(
            LeadChange(
                partner=partner,
                partner_id=ids[partner],
                our_key=our_key,
                partner_key=partner_key,
                lead=PARTNER if partner == chosen else US,
                previous=_override_now(ws, ids[partner], our_key, partner_key),
            )
        )
    states = [(c, OverrideState(c.lead, str(reason).strip(), by, stamp)) for c in changes]
    _write_overrides(ws, states)
    return changes


def restore_leads(ws: Workspace, changes: Sequence[LeadChange]) -> None:
    """Put back the overrides a ``settle_lead`` replaced (the undo step), in one transaction."""
    _write_overrides(ws, [(c, c.previous) for c in changes])


def _override_now(
    ws: Workspace, partner_id: int, our_key: str, partner_key: str
) -> OverrideState | None:
    with ws.session() as session:
        found = session.exec(
            select(OwnershipOverride)
            .where(
                OwnershipOverride.partner_id == partner_id,
                OwnershipOverride.our_key == our_key,
                OwnershipOverride.partner_key == partner_key,
            )
            .order_by(col(OwnershipOverride.id).desc())
        ).first()
    if found is None:
        return None
    return OverrideState(found.lead, found.reason, found.decided_by, found.decided_at)


def _write_overrides(
    ws: Workspace, states: Sequence[tuple[LeadChange, OverrideState | None]]
) -> None:
    for _change, state in states:
        if state is not None and state.lead not in LEADS:
            raise OverlapError(f"the lead is 'us' or 'partner', not '{state.lead}'")
    with ws.transaction() as connection:
        for change, state in states:
            connection.execute(
                delete(OwnershipOverride).where(
                    col(OwnershipOverride.partner_id) == change.partner_id,
                    col(OwnershipOverride.our_key) == change.our_key,
                    col(OwnershipOverride.partner_key) == change.partner_key,
                )
            )
            if state is not None:
                connection.execute(
                    OwnershipOverride.__table__.insert().values(  # type: ignore[attr-defined]
                        partner_id=change.partner_id,
                        our_key=change.our_key,
                        partner_key=change.partner_key,
                        lead=state.lead,
                        reason=state.reason,
                        decided_by=state.decided_by,
                        decided_at=state.decided_at,
                    )
                )
