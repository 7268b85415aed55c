"""Step 3, overlaps: label every account of a partnership and cross the shared ones by stage.

Everything here starts from one columnar **mapping**: a DataFrame with one row per account of
the partnership (our current snapshot, the partner's current snapshot), labelled

* ``shared`` — one row per shared pair (a ``match`` row with status auto, accepted or manual),
* ``ours_only`` — our accounts in no shared pair,
* ``partner_only`` — the partner's accounts in no shared pair,

with both sides' fields side by side (``our_stage`` / ``partner_stage``, ``our_deal_size`` /
``partner_deal_size``, ...). ``build_mapping`` makes it with three SQL reads and array joins,
no Python loop per row; the steps after this one (ownership, plans, refresh) take the same
frame. A mapping is kept in memory per open workspace and partnership until its shared pairs
change (a digest of the match rows tells), so steps 3 to 5 pay for the reading once. Treat a
mapping as read-only.

Reading a million accounts' text through sqlite3 costs seconds, and the matrix, the rules and
the shortlist need the text (names, keys, owners, industries) of the shared pairs only. So by
default (``detail="shared"``) the single-side rows carry their id and stage only;
``detail="all"`` (or ``with_detail`` for chosen rows) fills the rest. The partner's customers we
lack (the greenfield list) are read on their own by ``overlaps``.

Potential revenue of an account (``engine.potential``): the open deal sizes of both sides,
summed; where neither side has one, an estimate from our won deals at similar accounts. Annual
revenue only sets the account's ``size_band``. Each row says which basis it used
(``revenue_basis``).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.errors import Cancelled, OverlapError
from engine.opportunities import LIST_COLUMNS, named_opportunities, opportunity_counts
from engine.potential import ESTIMATES, OPEN_DEALS, WonDeals, basis_text, potential, won_deals
from engine.store.models import Partner
from engine.store.workspace import Progress, Workspace, account_key, resolve_partner

STAGES = ("prospect", "customer", "churned", "other")
LABELS = ("ours_only", "partner_only", "shared")
PRIORITIES = ("high", "medium", "low")
SHARED_STATUSES = ("auto", "accepted", "manual")
SIDES = ("our", "partner")

# The fields read for every account; the text fields only where detail is asked for.
_NUMERIC = ("stage", "deal_size", "annual_revenue", "priority")
_TEXT = ("external_id", "name", "domains", "industry", "owner", "first_touch", "deal_close_date")

# ---------------------------------------------------------------------- reading the mapping


_DATES = ("first_touch", "deal_close_date")
_CODES = {"stage": STAGES, "priority": PRIORITIES}

# A part is one block of rows of one side: field -> numpy array (codes for stage / priority).
Part = dict[str, np.ndarray]


def _codes(values: pa.ChunkedArray, labels: tuple[str, ...], other: int) -> np.ndarray:
    """Each value's position in ``labels`` (``other`` when it is none of them), as int8."""
    at = pc.index_in(values, value_set=pa.array(labels))
    return np.asarray(pc.fill_null(at, other).to_numpy(), dtype=np.int8)


def _read_part(
    ws: Workspace, snapshot_id: int, rows: np.ndarray | None = None, skip: tuple[str, ...] = ()
) -> Part:
    """A snapshot's accounts as a part: every field, for every account or the ``rows`` given
    (positions in file order). ``skip`` text fields are left empty."""
    columns = [
        "stage",
        "priority",
        "deal_size",
        "annual_revenue",
        *(n for n in _TEXT if n not in skip),
    ]
    table = ws.accounts_table(snapshot_id, columns)
    if rows is not None:
        table = table.take(pa.array(rows, type=pa.int64()))
    n = len(table)
    part: Part = {
        "id": table["id"].to_numpy(),
        "stage": _codes(table["stage"], STAGES, 3),
        "priority": _codes(pc.utf8_lower(table["priority"]), PRIORITIES, -1),
    }
    for name in ("deal_size", "annual_revenue"):
        part[name] = pc.fill_null(table[name], np.nan).to_numpy()
    for name in _TEXT:
        if name in skip:
            part[name] = _missing(name, n)
        elif name in _DATES:
            stamps = pc.strptime(table[name], format="%Y-%m-%d", unit="s", error_is_null=True)
            part[name] = stamps.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
        else:
            part[name] = table[name].to_numpy(zero_copy_only=False)
    part["key"] = keys_of(
        pd.Series(part["external_id"]), pd.Series(part["name"]), pd.Series(part["domains"])
    ).to_numpy(dtype=object)
    return part


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where each ``wanted`` id is in the ascending ``ids`` (-1 where it is not)."""
    at = np.searchsorted(ids, wanted)
    inside = at < len(ids)
    found = np.zeros(len(wanted), dtype=bool)
    found[inside] = ids[at[inside]] == wanted[inside]
    return np.where(found, at, -1)


def _read_detail(ws: Workspace, ids: np.ndarray, skip: tuple[str, ...] = ()) -> Part:
    """Every field of the accounts with these ids (of one or more snapshots), in no set order."""
    parts = [
        _read_part(ws, snapshot_id, positions, skip)
        for snapshot_id, positions in ws.account_positions(ids)
    ]
    if not parts:
        return _read_part(ws, -1)
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def _read_stages(ws: Workspace, snapshot_id: int) -> Part:
    """Id and stage of every account of a snapshot (the least a single-side row needs)."""
    table = ws.accounts_table(snapshot_id, ["stage"])
    return {"id": table["id"].to_numpy(), "stage": _codes(table["stage"], STAGES, 3)}


def _dates(values: Any) -> np.ndarray:
    parsed = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce", format="ISO8601")
    return parsed.to_numpy(dtype="datetime64[ns]")


def _take(part: Part, positions: np.ndarray) -> Part:
    return {name: values[positions] for name, values in part.items()}


def _fill(part: Part, detail: Part) -> Part:
    """``part`` with the fields of ``detail`` for the rows (ids) ``detail`` has."""
    out = dict(part)
    index = pd.Index(detail["id"])
    where = index.get_indexer(pd.Index(part["id"]))
    has = where >= 0
    for name, values in detail.items():
        if name in ("id", "stage"):
            continue
        column = out.get(name)
        if column is None:
            column = _missing(name, len(part["id"]))
        column = column.copy()
        column[has] = values[where[has]]
        out[name] = column
    return out


def _missing(name: str, length: int) -> np.ndarray:
    if name in _CODES:
        return np.full(length, -1, dtype=np.int8)
    if name in ("deal_size", "annual_revenue"):
        return np.full(length, np.nan)
    if name in _DATES:
        return np.full(length, np.datetime64("NaT"), dtype="datetime64[ns]")
    if name == "id":
        return np.zeros(length, dtype=np.int64)
    return np.empty(length, dtype=object)  # object arrays start out as None


_FIELDS = ("id", "key", *_NUMERIC, *_TEXT)


def _column(name: str, blocks: list[tuple[np.ndarray | None, int]]) -> Any:
    """One mapping column from its row blocks (None = the block lacks this field).

    The column is allocated once, missing, and the blocks that have values are copied in.
    """
    total = sum(n for _b, n in blocks)
    out = _missing(name, total)
    start = 0
    for values, n in blocks:
        if values is not None and n:
            out[start : start + n] = values
        start += n
    if name == "id":
        mask = np.ones(total, dtype=bool)
        start = 0
        for values, n in blocks:
            if values is not None:
                mask[start : start + n] = False
            start += n
        return pd.arrays.IntegerArray(out, mask)
    if name in _CODES:
        return pd.Categorical.from_codes(  # type: ignore[call-overload]
            out, categories=list(_CODES[name])
        )
    if out.dtype == object:
        # Text stays in object arrays: the steps after this one hand these values to numpy
        # and Python, and converting 300k x 14 strings to Arrow and back costs more than it
        # saves.
        return pd.Series(out, dtype=object, copy=False)
    return out


def _assemble(
    match_id: np.ndarray,
    match_status: np.ndarray,
    shared_our: Part,
    shared_partner: Part,
    our_only: Part,
    partner_only: Part,
    won: WonDeals | None = None,
) -> pd.DataFrame:
    """The mapping from its five blocks: shared pairs (both sides), then each side's own."""
    n_shared, n_ours, n_theirs = len(match_id), len(our_only["id"]), len(partner_only["id"])
    columns: dict[str, Any] = {
        "status": pd.Categorical.from_codes(  # type: ignore[call-overload]
            np.repeat(np.array([2, 0, 1], dtype=np.int8), [n_shared, n_ours, n_theirs]),
            categories=list(LABELS),
        ),
        "match_id": _column(
            "id",
            [(np.asarray(match_id, dtype=np.int64), n_shared), (None, n_ours), (None, n_theirs)],
        ),
        "match_status": _column(
            "match_status",
            [(np.asarray(match_status, dtype=object), n_shared), (None, n_ours), (None, n_theirs)],
        ),
    }
    for side, single, other in (("our", our_only, None), ("partner", None, partner_only)):
        shared = shared_our if side == "our" else shared_partner
        for name in _FIELDS:
            blocks = [
                (shared.get(name), n_shared),
                ((single or {}).get(name), n_ours),
                ((other or {}).get(name), n_theirs),
            ]
            columns[f"{side}_{name}"] = _column(name, blocks)
    our_name = columns["our_name"].to_numpy()
    columns["name"] = pd.Series(
        np.where(pd.isna(our_name), columns["partner_name"].to_numpy(), our_name),
        dtype=object,
        copy=False,
    )
    columns.update(_potential(columns, won))
    # copy=False: a DataFrame would otherwise stack the 30 columns into blocks (seconds at 1M).
    return pd.DataFrame({c: columns[c] for c in _COLUMN_ORDER}, copy=False)


def _potential(columns: Any, won: WonDeals | None) -> dict[str, Any]:
    """Potential revenue, its basis and the size band (``engine.potential.potential``)."""
    return potential(
        columns["our_deal_size"],
        columns["partner_deal_size"],
        columns["our_annual_revenue"],
        columns["partner_annual_revenue"],
        columns["our_industry"],
        columns["partner_industry"],
        won,
    )


def _with_potential(mapping: pd.DataFrame, won: WonDeals | None) -> pd.DataFrame:
    """``mapping`` with its potential revenue and basis computed again (after filling rows)."""
    for column, values in _potential(mapping, won).items():
        mapping[column] = values
    return mapping


_COLUMN_ORDER = [
    "status",
    "name",
    "potential_revenue",
    "revenue_basis",
    "size_band",
    "match_id",
    "match_status",
    *[f"{side}_{f}" for side in SIDES for f in _FIELDS],
]


def _fingerprint(cursor: Any, partner_id: int, our_snap: int, partner_snap: int) -> tuple[Any, ...]:
    """A cheap digest of the shared pairs: any accept, reject or re-match changes it."""
    row = cursor.execute(
        "SELECT count(*), total(id), total((id % 1000003) * (id % 1000033)), "
        "total(((our_account_id % 1000003) * 7919 + partner_account_id % 1000033) % 2147483629), "
        "max(matched_at) FROM match "
        f"WHERE partner_id = ? AND status IN ({', '.join('?' * len(SHARED_STATUSES))})",
        (partner_id, *SHARED_STATUSES),
    ).fetchone()
    return (our_snap, partner_snap, *row)


# Mappings already built, per open workspace and partnership, with the digest they were built
# at. Snapshots are immutable, so a mapping stays right until the shared pairs change.
_CACHE: weakref.WeakKeyDictionary[
    Workspace, dict[tuple[int, str], tuple[tuple[Any, ...], pd.DataFrame]]
]
_CACHE = weakref.WeakKeyDictionary()


def forget_mappings(ws: Workspace) -> None:
    """Drop the mappings kept for ``ws`` (to free memory; they are rebuilt when needed)."""
    _CACHE.pop(ws, None)


def keys_of(external_id: pd.Series, name: pd.Series, domains: pd.Series) -> pd.Series:
    """``engine.store.workspace.account_key`` of many accounts, vectorized.

    ASCII rows with at most one domain go through string operations; the rest (non-ASCII names,
    several domains, missing values) through ``account_key`` itself, so the keys are identical.
    """
    ext = external_id.astype("str")
    has_id = (ext.notna() & (ext.str.strip() != "") & (ext != "nan")).to_numpy(dtype=bool)
    keys = np.full(len(ext), None, dtype=object)
    if has_id.any():
        keys[has_id] = ("id:" + ext[has_id].str.strip()).to_numpy(dtype=object)
    rest = ~has_id
    if not rest.any():  # the common case: every account has its CRM id
        return pd.Series(keys, index=external_id.index, dtype=object)
    nam = name.astype("str")
    dom = domains.astype("str")
    tricky = np.zeros(len(ext), dtype=bool)
    if rest.any():
        n, d = nam[rest], dom[rest]
        tricky[rest] = (
            n.isna()
            | d.isna()
            | ~n.str.isascii().fillna(False)
            | d.str.strip().str.contains(r"\s", regex=True).fillna(True)
        ).to_numpy(dtype=bool)
    simple = ~has_id & ~tricky
    if simple.any():
        collapsed = (
            nam[simple]
            .str.lower()
            .str.replace(r"[\t\n\x0b\x0c\r\x1c-\x1f ]+", " ", regex=True)
            .str.strip()
        )
        keys[simple] = ("nd:" + collapsed + "|" + dom[simple].str.strip()).to_numpy(dtype=object)
    if tricky.any():
        keys[tricky] = [
            account_key(None if pd.isna(e) else e, n, d)
            for e, n, d in zip(
                external_id[tricky].astype(object),
                name[tricky].astype(object),
                domains[tricky].astype(object),
                strict=True,
            )
        ]
    return pd.Series(keys, index=external_id.index, dtype=object)


def build_mapping(
    ws: Workspace,
    partner: str | Partner,
    *,
    detail: Literal["shared", "all"] = "shared",
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> pd.DataFrame:
    """Every account of the partnership, labelled ours_only / partner_only / shared.

    One row per shared pair, then our single-side accounts, then the partner's. Columns:
    ``status``, ``name``, ``potential_revenue``, ``revenue_basis``, ``match_id``,
    ``match_status``, and per side (``our_`` / ``partner_``): ``id``, ``key``, ``stage``,
    ``deal_size``, ``annual_revenue``, ``priority``, ``external_id``, ``name``, ``domains``,
    ``industry``, ``owner``, ``first_touch``, ``deal_close_date`` (dates as datetime64).

    With ``detail="shared"`` single-side rows carry their id and stage only (``with_detail``
    fills chosen rows later); ``detail="all"`` fills every row. The result is kept (see the
    module docstring); treat it as read-only.
    """
    if detail not in ("shared", "all"):
        raise OverlapError(f"unknown detail '{detail}' (use shared or all)")
    record = resolve_partner(ws, partner)
    ours = ws.current_snapshot(None)
    theirs = ws.current_snapshot(record.id)
    our_snap = int(ours.id) if ours and ours.id is not None else -1
    partner_snap = int(theirs.id) if theirs and theirs.id is not None else -1
    partner_id = int(record.id)  # type: ignore[arg-type]

    def step(fraction: float, message: str) -> None:
        if cancel is not None and cancel():
            raise Cancelled()
        if progress is not None:
            progress(fraction, message)

    with ws.engine.connect() as connection:
        cursor = connection.connection.cursor()  # type: ignore[union-attr]
        won = won_deals(ws)  # estimates change with the won deals too
        fingerprint = (*_fingerprint(cursor, partner_id, our_snap, partner_snap), won)
        cache = _CACHE.setdefault(ws, {})
        for level in ("all", detail) if detail == "shared" else ("all",):
            kept = cache.get((partner_id, level))
            if kept is not None and kept[0] == fingerprint:
                step(1.0, "Mapping ready")
                return kept[1]
        step(0.0, "Reading shared accounts")
        shared = cursor.execute(
            "SELECT id, status, our_account_id, partner_account_id FROM match "
            f"WHERE partner_id = ? AND status IN ({', '.join('?' * len(SHARED_STATUSES))}) "
            "ORDER BY id",
            (partner_id, *SHARED_STATUSES),
        ).fetchall()
    pairs = np.array(
        [(i, SHARED_STATUSES.index(st), o, p) for i, st, o, p in shared], dtype=np.int64
    ).reshape(-1, 4)
    step(0.2, "Reading our accounts")
    our_all = _read_stages(ws, our_snap)
    step(0.3, f"Reading {record.name}'s accounts")
    partner_all = _read_stages(ws, partner_snap)
    # Account ids are consecutive in file order: an id's position is found by binary search.
    our_at, partner_at = (
        _positions(our_all["id"], pairs[:, 2]),
        _positions(partner_all["id"], pairs[:, 3]),
    )
    current = (our_at >= 0) & (partner_at >= 0)  # pairs of older snapshots do not count
    our_at, partner_at, pairs = our_at[current], partner_at[current], pairs[current]
    shared_parts: list[Part] = []
    singles: list[Part] = []
    for fraction, snap, every, taken in (
        (0.4, our_snap, our_all, our_at),
        (0.6, partner_snap, partner_all, partner_at),
    ):
        step(fraction, "Reading shared accounts")
        alone = np.ones(len(every["id"]), dtype=bool)
        alone[taken] = False
        rows = np.flatnonzero(alone)
        if detail == "all":  # every field of every account: the snapshot is read once
            whole = _read_part(ws, snap)
            shared_parts.append(_take(whole, taken))
            singles.append(_take(whole, rows))
        else:
            shared_parts.append(_read_part(ws, snap, taken))
            singles.append(_take(every, rows))
    shared_our, shared_partner = shared_parts
    match = pairs[:, 0]
    statuses = np.asarray(SHARED_STATUSES, dtype=object)[pairs[:, 1]]
    step(0.9, "Labelling accounts")
    mapping = _assemble(match, statuses, shared_our, shared_partner, singles[0], singles[1], won)
    cache[(partner_id, detail)] = (fingerprint, mapping)
    step(1.0, "Mapping ready")
    return mapping


def with_detail(ws: Workspace, mapping: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    """A copy of ``mapping`` with every field filled for the single-side ``rows`` (a mask)."""
    wanted = rows & (mapping["status"] != "shared") & mapping["name"].isna()
    if not wanted.any():
        return mapping
    out = mapping.copy()
    for side in SIDES:
        ids = mapping.loc[wanted & mapping[f"{side}_id"].notna(), f"{side}_id"]
        if ids.empty:
            continue
        detail = _read_detail(ws, ids.to_numpy(dtype=np.int64))
        at = pd.Index(detail["id"]).get_indexer(pd.Index(ids.to_numpy(dtype=np.int64)))
        for name, values in detail.items():
            if name in ("id", "stage"):
                continue
            column = f"{side}_{name}"
            picked = values[at]
            if name in _CODES:
                labels = np.asarray(_CODES[name], dtype=object)
                picked = np.where(picked >= 0, labels[np.maximum(picked, 0)], None)  # type: ignore[call-overload]
            out.loc[ids.index, column] = picked  # type: ignore[index]
    out["name"] = out["our_name"].fillna(out["partner_name"])
    return _with_potential(out, won_deals(ws))


def _canonical(frame: pd.DataFrame) -> Part:
    """An accounts frame (the accounts table's columns) as a part."""
    stage = frame["stage"].astype(object).where(frame["stage"].isin(STAGES), "other")
    priority = frame["priority"] if "priority" in frame else pd.Series(None, index=frame.index)
    part: Part = {
        "id": frame["id"].to_numpy(dtype=np.int64),
        "stage": pd.Categorical(stage, categories=list(STAGES)).codes.astype(np.int8),
        "priority": pd.Categorical(
            priority.astype(object).str.lower() if priority.notna().any() else priority,
            categories=list(PRIORITIES),
        ).codes.astype(np.int8),
    }
    for name in ("deal_size", "annual_revenue"):
        values = frame[name] if name in frame else pd.Series(np.nan, index=frame.index)
        part[name] = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    for name in _TEXT:
        values = frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)
        cells = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
        part[name] = _dates(cells) if name in _DATES else cells
    part["key"] = keys_of(
        pd.Series(part["external_id"]), pd.Series(part["name"]), pd.Series(part["domains"])
    ).to_numpy(dtype=object)
    return part


def mapping_from_frames(
    ours: pd.DataFrame, theirs: pd.DataFrame, pairs: pd.DataFrame
) -> pd.DataFrame:
    """A mapping from two accounts frames and their matches, without a workspace.

    ``ours`` / ``theirs`` have the accounts table's columns (``id``, ``name``, ``stage``, ...);
    ``pairs`` has ``our_account_id``, ``partner_account_id`` and optionally the match's ``id``
    and ``status`` (rows whose status is not auto / accepted / manual are not shared).
    Single-side rows carry every field.
    """
    our_part, partner_part = _canonical(ours), _canonical(theirs)
    status = (
        pairs["status"].astype(object).to_numpy()
        if "status" in pairs
        else np.full(len(pairs), "manual", dtype=object)
    )
    match_id = (
        pairs["id"].to_numpy(dtype=np.int64) if "id" in pairs else np.arange(1, len(pairs) + 1)
    )
    our_at = pd.Index(our_part["id"]).get_indexer(
        pd.Index(pairs["our_account_id"].to_numpy(dtype=np.int64))
    )
    partner_at = pd.Index(partner_part["id"]).get_indexer(
        pd.Index(pairs["partner_account_id"].to_numpy(dtype=np.int64))
    )
    keep = np.isin(status, SHARED_STATUSES) & (our_at >= 0) & (partner_at >= 0)
    shared_our, shared_partner = (
        _take(our_part, our_at[keep]),
        _take(partner_part, partner_at[keep]),
    )
    our_only = _take(our_part, np.flatnonzero(~np.isin(our_part["id"], shared_our["id"])))
    partner_only = _take(
        partner_part, np.flatnonzero(~np.isin(partner_part["id"], shared_partner["id"]))
    )
    return _assemble(
        match_id[keep], status[keep], shared_our, shared_partner, our_only, partner_only
    )


# ---------------------------------------------------------------------- counts and matrix


def shared_rows(mapping: pd.DataFrame) -> pd.DataFrame:
    """The shared pairs of a mapping, indexed from 0 (a slice when they come first, no copy)."""
    shared = (mapping["status"] == "shared").to_numpy(dtype=bool)
    count = int(shared.sum())
    if shared[:count].all():
        return mapping.iloc[:count]
    return mapping[shared].reset_index(drop=True)


def overlap_counts(mapping: pd.DataFrame) -> dict[str, int]:
    """``{"ours_only", "partner_only", "shared"}``: accounts per label (shared = pairs)."""
    counts = mapping["status"].value_counts()
    return {label: int(counts.get(label, 0)) for label in LABELS}


def overlap_matrix(mapping: pd.DataFrame) -> pd.DataFrame:
    """Our stage x partner stage over the shared pairs, every cell present, in stage order.

    Columns: ``our_stage``, ``partner_stage``, ``accounts``, ``potential_revenue``,
    ``by_deal_size`` and ``by_estimate`` (how many accounts used open deals, and an estimate
    from won deals).
    """
    shared = shared_rows(mapping)
    grouped = shared.groupby(["our_stage", "partner_stage"], observed=False)
    matrix = pd.DataFrame(
        {
            "accounts": grouped.size(),
            "potential_revenue": grouped["potential_revenue"].sum(),
            "by_deal_size": grouped["revenue_basis"].agg(lambda b: int((b == OPEN_DEALS).sum())),
            "by_estimate": grouped["revenue_basis"].agg(lambda b: int(b.isin(ESTIMATES).sum())),
        }
    )
    full = pd.MultiIndex.from_product([STAGES, STAGES], names=["our_stage", "partner_stage"])
    matrix = matrix.reindex(full, fill_value=0).reset_index()
    matrix["our_stage"] = matrix["our_stage"].astype(str)
    matrix["partner_stage"] = matrix["partner_stage"].astype(str)
    for column in ("accounts", "by_deal_size", "by_estimate"):
        matrix[column] = matrix[column].astype(int)
    matrix["potential_revenue"] = matrix["potential_revenue"].astype(float)
    return matrix


def matrix_dict(matrix: pd.DataFrame) -> dict[str, dict[str, dict[str, float | int]]]:
    """The matrix as ``{our_stage: {partner_stage: {"accounts", "potential_revenue"}}}``."""
    out: dict[str, dict[str, dict[str, float | int]]] = {s: {} for s in STAGES}
    for row in matrix.to_dict(orient="records"):
        out[str(row["our_stage"])][str(row["partner_stage"])] = {
            "accounts": int(row["accounts"]),
            "potential_revenue": float(row["potential_revenue"]),
        }
    return out


def revenue_basis_text(mapping: pd.DataFrame, won: WonDeals | None = None) -> str:
    """The basis of the potential revenue of the shared accounts, in a sentence or two."""
    return basis_text(mapping.loc[mapping["status"] == "shared", "revenue_basis"], won)


def parse_cell(cell: str) -> tuple[str, str]:
    """``"prospect:customer"`` → ``("prospect", "customer")``, or a clear error."""
    parts = [p.strip().lower() for p in str(cell).split(":")]
    if len(parts) != 2 or not all(p in STAGES for p in parts):
        raise OverlapError(
            f"'{cell}' is not a cell; write OURSTAGE:PARTNERSTAGE with stages {', '.join(STAGES)}"
        )
    return parts[0], parts[1]


def cell_accounts(mapping: pd.DataFrame, our_stage: str, partner_stage: str) -> pd.DataFrame:
    """The shared accounts of one matrix cell (the drill-down), largest potential first."""
    if our_stage not in STAGES or partner_stage not in STAGES:
        raise OverlapError(f"stages are {', '.join(STAGES)}; got {our_stage}:{partner_stage}")
    rows = mapping[
        (mapping["status"] == "shared")
        & (mapping["our_stage"] == our_stage)
        & (mapping["partner_stage"] == partner_stage)
    ]
    return (
        rows[LIST_COLUMNS]
        .sort_values(["potential_revenue", "name"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )


# ---------------------------------------------------------------------- the step's result


@dataclass
class Overlaps:
    """What step 3 shows: counts, the stage matrix, the revenue basis and the opportunities."""

    partner: str
    counts: dict[str, int]
    matrix: pd.DataFrame
    revenue_basis: str
    opportunities: pd.DataFrame
    mapping: pd.DataFrame = field(repr=False)
    territory: str | None = None  # the territory the accounts were limited to, if any
    # From private matching: the partner's account count and counts by stage as they share
    # them, and why their other accounts are absent (see ``private_note``); else None.
    private: dict[str, Any] | None = None

    def cell(self, our_stage: str, partner_stage: str) -> pd.DataFrame:
        return cell_accounts(self.mapping, our_stage, partner_stage)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"counts", "matrix", "revenue_basis", "opportunities"}`` (counts only),
        and ``"territory"`` when the accounts were limited to one."""
        out: dict[str, Any] = {
            "counts": dict(self.counts),
            "matrix": matrix_dict(self.matrix),
            "revenue_basis": self.revenue_basis,
            "opportunities": opportunity_counts(self.opportunities),
        }
        if self.territory is not None:
            out["territory"] = self.territory
        if self.private is not None:
            out["private"] = dict(self.private)
        return out


@dataclass(frozen=True)
class TerritoryFilter:
    """A named part of a partnership's accounts that a step's figures can be limited to.

    Built by the program layer (``engine.program.territories.territory_filter``), which knows
    what a territory is; the steps only apply it. ``keep`` takes a mapping and returns its rows
    in the part, in their order (indexed from 0).
    """

    name: str  # as the territory spells it
    keep: Callable[[pd.DataFrame], pd.DataFrame] = field(repr=False)

    def apply(self, mapping: pd.DataFrame) -> pd.DataFrame:
        return self.keep(mapping)


def find_overlaps(
    ws: Workspace,
    partner: str | Partner,
    *,
    territory: TerritoryFilter | None = None,
    mapping: pd.DataFrame | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Overlaps:
    """Step 3 for one partnership. Pass ``mapping`` to reuse one already built; ``territory``
    (see ``engine.program.territories.territory_filter``) limits every figure to the accounts
    in it."""
    record = resolve_partner(ws, partner)
    if mapping is None:
        mapping = build_mapping(ws, record, progress=progress, cancel=cancel)
    if territory is not None:
        mapping = territory.apply(mapping)
    counts = overlap_counts(mapping)
    private = private_note(ws, record, counts) if territory is None else None
    return Overlaps(
        partner=record.name,
        counts=counts,
        matrix=overlap_matrix(mapping),
        revenue_basis=revenue_basis_text(mapping, won_deals(ws)),
        opportunities=named_opportunities(mapping, greenfield=_greenfield(ws, record, mapping)),
        mapping=mapping,
        territory=None if territory is None else territory.name,
        private=private,
    )


PRIVATE_NOTE = (
    "Private matching: only the accounts both sides have were exchanged, so the partner's "
    "other accounts are unknown by design. Private matching finds exact name and domain "
    "matches only."
)


def private_note(ws: Workspace, record: Partner, counts: dict[str, int]) -> dict[str, Any] | None:
    """What can be known of the partner's list after private matching (None otherwise): their
    account count and counts by stage as their policy shares them. ``counts["partner_only"]``
    becomes their count less the shared accounts, or -1 (unknown) without it."""
    snapshot = ws.current_snapshot(record.id)
    if snapshot is None or getattr(snapshot, "source", "export") != "private":
        return None
    stored = json.loads(snapshot.counts_json or "{}")
    total = stored.get("partner_accounts")
    counts["partner_only"] = int(total) - counts["shared"] if isinstance(total, int) else -1
    return {
        "partner_accounts": total,
        "partner_by_stage": stored.get("partner_by_stage"),
        "fields": stored.get("fields", []),
        "note": PRIVATE_NOTE,
    }


# Text fields the opportunity lists do not show: not read for the greenfield list.
_NOT_LISTED = ("industry", "first_touch", "deal_close_date")


def _empty_part() -> Part:
    return {name: _missing(name, 0) for name in _FIELDS}


def _greenfield(ws: Workspace, record: Partner, mapping: pd.DataFrame) -> pd.DataFrame | None:
    """The partner's customers we do not share, with their fields (None: the mapping has them).

    Read straight from the partner's snapshot, so the mapping is neither copied nor filled.
    """
    rows = (mapping["status"] == "partner_only") & (mapping["partner_stage"] == "customer")
    if not rows.any() or mapping.loc[rows, "partner_name"].notna().all():
        return None
    part = _read_detail(ws, mapping.loc[rows, "partner_id"].to_numpy(dtype=np.int64), _NOT_LISTED)
    empty = _empty_part()
    return _assemble(
        np.empty(0, np.int64), np.empty(0, object), empty, empty, empty, part, won_deals(ws)
    )


# The guide's advice on tools by the scale of a partnership (its shared accounts): a
# spreadsheet is enough under 100, CRM workflows carry it to about 1,000, beyond that a
# dedicated tool. (upper bound, band, advice)
TOOL_FIT = (
    (100, "spreadsheet", "Under 100 shared accounts a spreadsheet is enough: export the shared "
     "list, work it with the partner in one sheet, and keep the plans for the few that matter."),
    (1_000, "crm", "From 100 to 1,000 shared accounts, work them in your CRM: tag the shared "
     "accounts and the lead from this mapping, and run the follow-up as CRM workflows."),
    (None, "dedicated", "Beyond 1,000 shared accounts spreadsheets and CRM workflows break down: "
     "a dedicated tool earns its keep (territories, a shortlist, registrations and a refresh "
     "cadence, as here), and the pilot starts with the 20 to 50 accounts that matter most."),
)  # fmt: skip


def tool_fit(shared: int) -> tuple[str, str]:
    """``(band, advice)`` for a partnership of ``shared`` shared accounts (``TOOL_FIT``)."""
    for bound, band, advice in TOOL_FIT:
        if bound is None or shared < bound:
            return band, advice
    raise AssertionError("the last band has no bound")


def overlap_summary(result: Overlaps, *, us: str | None = None) -> dict[str, Any]:
    """Counts only, no account names or revenue: safe to share with the partner."""
    territory = {"territory": result.territory} if result.territory is not None else {}
    band, advice = tool_fit(int(result.counts.get("shared", 0)))
    return {
        "us": us,
        "partner": result.partner,
        **territory,
        "counts": dict(result.counts),
        "tool_fit": {"band": band, "advice": advice},
        "matrix": {
            o: {p: cell["accounts"] for p, cell in row.items()}
            for o, row in matrix_dict(result.matrix).items()
        },
        "opportunities": opportunity_counts(result.opportunities),
    }


def find_shared(mapping: pd.DataFrame, ref: str) -> pd.Series:
    """The one shared pair ``ref`` names: an account key, a CRM id of either side, or a name."""
    shared = mapping[mapping["status"] == "shared"]
    text = str(ref).strip()
    if not text:
        raise OverlapError("name the account (a CRM id, key or name)")
    for columns in (
        ("our_key", "partner_key"),
        ("our_external_id", "partner_external_id"),
    ):
        hit = shared[
            shared[columns[0]].eq(text).fillna(False) | shared[columns[1]].eq(text).fillna(False)
        ]
        if len(hit) == 1:
            return hit.iloc[0]
    folded = text.casefold()
    names = shared["our_name"].str.casefold().eq(folded).fillna(False) | shared[
        "partner_name"
    ].str.casefold().eq(folded).fillna(False)
    hit = shared[names]
    if len(hit) == 1:
        return hit.iloc[0]
    if len(hit) > 1:
        ids = ", ".join(str(k) for k in hit["our_key"].head(5))
        raise OverlapError(f"'{ref}' names {len(hit)} shared accounts; use a CRM id or key ({ids})")
    raise OverlapError(f"'{ref}' is not a shared account of this partnership")
