"""What an account is worth to the partnership: the deal value it can win, and on what basis.

**Potential** is the open deal sizes of both sides, summed, where either side has one. Where
neither has, it is an estimate from **our won deals at similar accounts**: the median won deal
of accounts in the same industry and size band, else the same size band, else the same industry,
else all our won deals (a group is used once it holds ``MIN_DEALS`` deals). With no open deal
and no won deals to learn from, the potential is 0 and says so.

A company's annual revenue is never potential (no one sells a company its whole revenue): it
places the account in a **size band** ("$100M–$1B") and nothing more.

``potential`` works on whole columns (a million accounts in well under a second); the won deals
are read once per workspace and our list and kept until either changes.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.store.workspace import Workspace

# Upper bounds of the size bands on annual revenue, with their names.
SIZE_BANDS: tuple[tuple[float, str], ...] = (
    (10e6, "under $10M"),
    (100e6, "$10M–$100M"),
    (1e9, "$100M–$1B"),
    (10e9, "$1B–$10B"),
    (float("inf"), "$10B and over"),
)
BAND_NAMES = tuple(name for _, name in SIZE_BANDS)

# The basis of an account's potential, best first.
OPEN_DEALS = "open deals"
SIMILAR = "won deals, similar"  # the same industry and size band
SAME_SIZE = "won deals, size band"
SAME_INDUSTRY = "won deals, industry"
ALL_WON = "won deals, all"
NO_FIGURES = "no deal figures"
BASES = (OPEN_DEALS, SIMILAR, SAME_SIZE, SAME_INDUSTRY, ALL_WON, NO_FIGURES)
ESTIMATES = (SIMILAR, SAME_SIZE, SAME_INDUSTRY, ALL_WON)
MIN_DEALS = 3


@dataclass(frozen=True)
class WonDeals:
    """Our won deals as medians per group: ``{group: (median amount, deals)}``."""

    by_industry_band: dict[tuple[str, int], tuple[float, int]] = field(default_factory=dict)
    by_band: dict[int, tuple[float, int]] = field(default_factory=dict)
    by_industry: dict[str, tuple[float, int]] = field(default_factory=dict)
    overall: tuple[float, int] | None = None

    @property
    def deals(self) -> int:
        return self.overall[1] if self.overall else 0


def band_codes(revenue: Any) -> np.ndarray:
    """Each annual revenue's size band (an index of ``SIZE_BANDS``); -1 where unknown."""
    values = np.asarray(revenue, dtype=float)
    bounds = np.asarray([bound for bound, _ in SIZE_BANDS[:-1]])
    codes = np.searchsorted(bounds, values, side="right").astype(np.int8)
    codes[~(values > 0)] = -1  # NaN, zero and negative figures place nothing
    return codes


def size_bands(revenue: Any) -> pd.Categorical:
    """Each annual revenue's size band by name ("$100M–$1B"); missing where unknown."""
    return pd.Categorical.from_codes(band_codes(revenue), categories=list(BAND_NAMES))  # type: ignore[call-overload,no-any-return]


def _industries(values: Any) -> pd.Series:
    """Industries compared as words: trimmed and case-folded; None where missing."""
    series = pd.Series(np.asarray(values, dtype=object), dtype=object)
    text = series.where(series.notna()).astype("str").str.strip().str.casefold()
    return text.where(text.notna() & (text != "")).astype(object)


def _medians(amounts: pd.Series, keys: list[pd.Series]) -> dict[Any, tuple[float, int]]:
    ok = np.logical_and.reduce([k.notna().to_numpy() for k in keys])
    if not ok.any():
        return {}
    grouped = amounts[ok].groupby([k[ok] for k in keys])
    stats = pd.DataFrame({"median": grouped.median(), "deals": grouped.size()})
    stats = stats[stats["deals"] >= MIN_DEALS]
    return {
        key: (float(median), int(deals))
        for key, median, deals in zip(
            stats.index, stats["median"].to_numpy(float), stats["deals"].to_numpy(int), strict=True
        )
    }


def won_deals_of(deals: pd.DataFrame) -> WonDeals:
    """The medians of won deals given as ``amount``, ``industry``, ``annual_revenue``."""
    amounts = pd.to_numeric(deals["amount"], errors="coerce")
    keep = (amounts > 0).to_numpy()
    deals, amounts = deals[keep].reset_index(drop=True), amounts[keep].reset_index(drop=True)
    if deals.empty:
        return WonDeals()
    industry = _industries(deals["industry"])
    codes = band_codes(deals["annual_revenue"].to_numpy(dtype=float))
    band = pd.Series(np.where(codes >= 0, codes, np.nan)).astype("Int64")
    return WonDeals(
        by_industry_band=_medians(amounts, [industry, band]),
        by_band=_medians(amounts, [band]),
        by_industry=_medians(amounts, [industry]),
        overall=(float(amounts.median()), len(amounts)),
    )


_KEPT: weakref.WeakKeyDictionary[Workspace, tuple[tuple[Any, ...], WonDeals]]
_KEPT = weakref.WeakKeyDictionary()


def won_deals(ws: Workspace) -> WonDeals:
    """Our won deals (of every partnership, each once), placed at their accounts in our current
    list by CRM id, else by account name, for their industry and size band."""
    ours = ws.current_snapshot(None)
    digest_row = ws.read_frame(
        "SELECT count(*) AS n, total(amount) AS amount, max(id) AS last FROM opportunity "
        "WHERE outcome = 'won'"
    ).iloc[0]
    digest = (ours.id if ours else None, *(float(v or 0) for v in digest_row))
    kept = _KEPT.get(ws)
    if kept is not None and kept[0] == digest:
        return kept[1]
    deals = ws.read_frame(
        "SELECT id, our_key, account_name, amount FROM opportunity "
        "WHERE outcome = 'won' AND amount > 0"
    )
    found = WonDeals()
    if not deals.empty:
        deals["industry"] = None
        deals["annual_revenue"] = np.nan
        if ours is not None and ours.id is not None:
            _place(ws, int(ours.id), deals)
        found = won_deals_of(deals)
    _KEPT[ws] = (digest, found)
    return found


def _place(ws: Workspace, snapshot_id: int, deals: pd.DataFrame) -> None:
    """Fill ``industry`` and ``annual_revenue`` of ``deals`` from our accounts."""
    accounts = ws.accounts(snapshot_id, ["external_id", "name", "industry", "annual_revenue"])
    keys = deals["our_key"].astype("str")
    ids = keys.str.removeprefix("id:").where(keys.str.startswith("id:").fillna(False))
    by_id = accounts.dropna(subset=["external_id"]).drop_duplicates("external_id")
    by_id = by_id.set_index(by_id["external_id"].astype("str").str.strip())
    names = accounts["name"].astype("str").str.strip().str.casefold()
    by_name = accounts.assign(_name=names).drop_duplicates("_name", keep=False).set_index("_name")
    deal_names = deals["account_name"].astype("str").str.strip().str.casefold()
    for column in ("industry", "annual_revenue"):
        from_id = ids.map(by_id[column]) if len(by_id) else pd.Series(np.nan, index=deals.index)
        from_name = deal_names.map(by_name[column])
        deals[column] = from_id.where(ids.isin(by_id.index), from_name).to_numpy(dtype=object)


def potential(
    our_deal: Any,
    partner_deal: Any,
    our_revenue: Any,
    partner_revenue: Any,
    our_industry: Any,
    partner_industry: Any,
    won: WonDeals | None,
) -> dict[str, Any]:
    """``potential_revenue``, ``revenue_basis`` (one of ``BASES``) and ``size_band`` per row.

    The size band comes from the larger of the two sides' annual revenue (both describe the
    same company); the industry is ours where we have it, else the partner's.
    """
    our_deal = np.asarray(our_deal, dtype=float)
    partner_deal = np.asarray(partner_deal, dtype=float)
    has_deal = ~(np.isnan(our_deal) & np.isnan(partner_deal))
    value = np.where(has_deal, np.nan_to_num(our_deal) + np.nan_to_num(partner_deal), 0.0)
    basis = np.where(has_deal, 0, len(BASES) - 1).astype(np.int8)
    revenue = np.fmax(
        np.asarray(our_revenue, dtype=float), np.asarray(partner_revenue, dtype=float)
    )
    codes = band_codes(revenue)
    todo = ~has_deal
    if won is not None and won.deals and todo.any():
        at = np.flatnonzero(todo)
        estimate, chosen = _estimates(
            won,
            np.asarray(our_industry, dtype=object)[at],
            np.asarray(partner_industry, dtype=object)[at],
            codes[at],
        )
        value[at] = estimate
        basis[at] = chosen
    return {
        "potential_revenue": value,
        "revenue_basis": pd.Categorical.from_codes(basis, categories=list(BASES)),  # type: ignore[call-overload]
        "size_band": pd.Categorical.from_codes(codes, categories=list(BAND_NAMES)),  # type: ignore[call-overload]
    }


def _industry_ids(values: np.ndarray, ids: dict[str, int]) -> np.ndarray:
    """Each value's id in ``ids`` (by its normalized words; new words get new ids), -1 where
    missing. Only the distinct values are normalized: a million rows cost one factorize."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = _industries(np.asarray(uniques, dtype=object))
    table = np.array(
        [-1 if name is None else ids.setdefault(name, len(ids)) for name in names] + [-1],
        dtype=np.int64,
    )
    return table[codes]  # the sentinel -1 picks the trailing -1


def _estimates(
    won: WonDeals, ours: np.ndarray, theirs: np.ndarray, bands: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The estimate and its basis (an index of ``BASES``) for rows without an open deal."""
    ids: dict[str, int] = {}
    for name, _ in won.by_industry_band:
        ids.setdefault(name, len(ids))
    for name in won.by_industry:
        ids.setdefault(name, len(ids))
    mine, other = _industry_ids(ours, ids), _industry_ids(theirs, ids)
    industry = np.where(mine >= 0, mine, other)
    n_ids, n_bands = len(ids) + 1, len(SIZE_BANDS) + 1  # the last slot stands for "unknown"
    similar = np.full((n_ids, n_bands), np.nan)
    for (name, band), (median, _) in won.by_industry_band.items():
        similar[ids[name], int(band)] = median
    by_band = np.full(n_bands, np.nan)
    for band, (median, _) in won.by_band.items():
        by_band[int(band)] = median
    by_industry = np.full(n_ids, np.nan)
    for name, (median, _) in won.by_industry.items():
        by_industry[ids[name]] = median
    row_ids = np.where(industry >= 0, industry, n_ids - 1)
    row_bands = np.where(bands >= 0, bands, n_bands - 1).astype(np.int64)
    assert won.overall is not None
    estimate = np.full(len(bands), won.overall[0])
    chosen = np.full(len(bands), BASES.index(ALL_WON), dtype=np.int8)
    tiers = (
        (SAME_INDUSTRY, by_industry[row_ids]),
        (SAME_SIZE, by_band[row_bands]),
        (SIMILAR, similar[row_ids, row_bands]),
    )
    for name, found in tiers:  # the best tier is written last
        hit = ~np.isnan(found)
        estimate[hit] = found[hit]
        chosen[hit] = BASES.index(name)
    return estimate, chosen


def basis_text(basis: pd.Series, won: WonDeals | None) -> str:
    """How the potential of these accounts was reached, in a sentence or two."""
    counts = basis.value_counts()
    parts = [f"{int(counts.get(b, 0)):,} by {b}" for b in BASES if counts.get(b, 0)]
    learned = (
        f" Estimates are the median of our {won.deals:,} won deals at similar accounts "
        f"(the same industry and size band where {MIN_DEALS} or more deals allow it)."
        if won is not None and won.deals
        else " No won deals are recorded yet to estimate from (Dashboard: add deals)."
    )
    return (
        "Potential is the deal value the partnership can win: the open deal sizes of both sides, "
        "else an estimate from our won deals; a company's annual revenue only sets its size "
        f"band. Accounts: {', '.join(parts) or 'none'}.{learned}"
    )
