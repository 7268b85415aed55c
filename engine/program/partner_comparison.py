"""Partners compared: one row per partnership, from the same functions the steps use
(``overlap_counts``, ``overlap_matrix``, ``deal_metrics``, ``score_engagement``): shared accounts,
shared customers, their customers who are our prospects and the reverse, potential revenue,
co-sold deals, co-sold win rate, average co-sold deal and engagement; ranked by the measure the
user picks, with the leaders in words. (Our accounts across partners are
``engine.program.partners``'.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import OverlapError
from engine.overlaps import build_mapping, overlap_counts, overlap_matrix, shared_rows
from engine.program.metrics import (
    deal_metrics,
    engagement_log,
    list_opportunities,
    score_engagement,
)
from engine.program.partners import checked_progress, joined_names, plain_value, progress_part
from engine.store.models import Partner
from engine.store.workspace import Progress, Workspace

COMPARISON_MEASURES: dict[str, tuple[str, bool]] = {
    "shared_accounts": ("Shared accounts", True),
    "shared_customers": ("Shared customers (customer of both)", True),
    "their_customers_our_prospects": ("Their customers, our prospects", True),
    "our_customers_their_prospects": ("Our customers, their prospects", True),
    "potential_revenue": ("Potential revenue of the shared accounts", True),
    "co_sold_deals": ("Co-sold deals", True),
    "co_sold_win_rate": ("Co-sold win rate", True),
    "co_sold_average_deal": ("Average won co-sold deal", True),
    "engagement": ("Engagement score", True),
}
COMPARISON_COLUMNS = [
    "rank",
    "partner",
    "model",
    "shared_accounts",
    "our_share",
    "shared_customers",
    "their_customers_our_prospects",
    "our_customers_their_prospects",
    "potential_revenue",
    "co_sold_deals",
    "co_sold_won",
    "co_sold_lost",
    "co_sold_win_rate",
    "other_win_rate",
    "co_sold_average_deal",
    "co_sold_median_days",
    "engagement",
]


# ---------------------------------------------------------------------- comparing partners


@dataclass
class PartnerComparison:
    """One row per partnership (``COMPARISON_COLUMNS``), best first by ``rank_by``; the leaders
    of the main measures in words."""

    rank_by: str
    table: pd.DataFrame
    findings: list[str]

    def to_dict(self) -> dict[str, Any]:
        rows = [
            {k: plain_value(v) for k, v in record.items()}
            for record in self.table.to_dict(orient="records")
        ]
        return {"rank_by": self.rank_by, "partners": rows, "findings": list(self.findings)}


def _cell(matrix: pd.DataFrame, our_stage: str, partner_stage: str, column: str) -> float:
    hit = matrix[(matrix["our_stage"] == our_stage) & (matrix["partner_stage"] == partner_stage)]
    return float(hit[column].sum())


def _partnership_row(
    ws: Workspace, record: Partner, our_total: int, day: date, progress: Progress
) -> dict[str, Any]:
    mapping = build_mapping(ws, record, progress=progress)
    counts = overlap_counts(mapping)
    matrix = overlap_matrix(mapping)
    shared = shared_rows(mapping)
    distinct_ours = int(shared["our_id"].nunique())
    deals = deal_metrics(list_opportunities(ws, record)).set_index("group").to_dict("index")
    co, other = deals["co-sold"], deals["not co-sold"]
    engagement = score_engagement(engagement_log(ws, record), day)
    return {
        "partner": record.name,
        "model": record.model,
        "shared_accounts": int(counts["shared"]),
        "our_share": distinct_ours / our_total if our_total else np.nan,
        "shared_customers": int(_cell(matrix, "customer", "customer", "accounts")),
        "their_customers_our_prospects": int(_cell(matrix, "prospect", "customer", "accounts")),
        "our_customers_their_prospects": int(_cell(matrix, "customer", "prospect", "accounts")),
        "potential_revenue": float(matrix["potential_revenue"].sum()),
        "co_sold_deals": int(co["deals"]),
        "co_sold_won": int(co["won"]),
        "co_sold_lost": int(co["lost"]),
        "co_sold_win_rate": float(co["win_rate"]),
        "other_win_rate": float(other["win_rate"]),
        "co_sold_average_deal": float(co["average_deal_size"]),
        "co_sold_median_days": float(co["median_days_to_close"]),
        "engagement": float(engagement.score),
    }


def compare_partners(
    ws: Workspace,
    *,
    rank_by: str = "shared_customers",
    today: date | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PartnerComparison:
    """Every partnership side by side, ranked by ``rank_by`` (one of ``COMPARISON_MEASURES``).

    ``our_share`` is the share of our accounts the partnership shares (0..1); win rates are
    0..1 (NaN without closed deals); ``engagement`` is the 0-100 score as of ``today``.
    Ties, and partnerships without a value (no closed deal), rank after the others by name.
    """
    if rank_by not in COMPARISON_MEASURES:
        measures = ", ".join(COMPARISON_MEASURES)
        raise OverlapError(f"unknown measure '{rank_by}' (measures: {measures})")

    day = today if today is not None else datetime.now(UTC).date()
    step = checked_progress(progress, cancel)
    step(0.0, "Reading the partnerships")
    records = ws.partners()
    ours = ws.current_snapshot(None)
    our_total = int(ours.account_count) if ours is not None else 0
    rows = []
    for number, record in enumerate(records):
        span = 1.0 / max(1, len(records))
        step(span * number, f"Comparing {record.name}")
        rows.append(
            _partnership_row(ws, record, our_total, day, progress_part(step, span * number, span))
        )
    table = pd.DataFrame(rows, columns=COMPARISON_COLUMNS[1:])
    table = _ranked(table, rank_by)
    step(1.0, "Partners compared")
    return PartnerComparison(rank_by, table, _comparison_findings(table))


def _ranked(table: pd.DataFrame, rank_by: str) -> pd.DataFrame:
    if table.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    higher = COMPARISON_MEASURES[rank_by][1]
    value = pd.to_numeric(table[rank_by], errors="coerce")
    closed = table["co_sold_won"] + table["co_sold_lost"]
    order = pd.DataFrame(
        {
            "missing": value.isna(),
            "value": -value if higher else value,
            # Between equal win rates, the one resting on more closed deals first.
            "closed": -closed,
            "name": table["partner"].str.casefold(),
        }
    )
    ranked = table.loc[order.sort_values(["missing", "value", "closed", "name"]).index]
    ranked = ranked.reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked[COMPARISON_COLUMNS]


def _leaders(table: pd.DataFrame, column: str) -> tuple[list[str], float] | None:
    """The partnerships with the highest value of ``column`` (None: no value above 0)."""
    values = pd.to_numeric(table[column], errors="coerce")
    if values.isna().all() or values.max() <= 0:
        return None
    best = float(values.max())
    return table.loc[values == best, "partner"].tolist(), best


def _comparison_findings(table: pd.DataFrame) -> list[str]:
    if table.empty:
        return ["No partnerships yet: add a partner to compare."]
    if len(table) == 1:
        return [f"Only one partnership so far ({table['partner'].iloc[0]}): nothing to compare."]
    out = []
    for column, words in (
        ("shared_accounts", "Most shared accounts"),
        ("shared_customers", "Most shared customers"),
        ("their_customers_our_prospects", "Most of their customers among our prospects"),
    ):
        lead = _leaders(table, column)
        if lead is None:
            continue
        names, best = lead
        each = " each" if len(names) > 1 else ""
        out.append(f"{words}: {joined_names(names)} ({best:,.0f}{each}).")
    rated = table[table["co_sold_win_rate"].notna()]
    if rated.empty:
        out.append("No co-sold deal closed yet with any partner: no win rate to compare.")
    else:
        best = float(rated["co_sold_win_rate"].max())
        top = rated[rated["co_sold_win_rate"] == best]
        closed = "; ".join(
            f"{int(r['co_sold_won'])} of {int(r['co_sold_won'] + r['co_sold_lost'])}"
            for r in top.to_dict(orient="records")
        )
        out.append(
            f"Best co-sold win rate: {joined_names(top['partner'].tolist())}, {best:.0%} "
            f"({closed} closed co-sold deals won)."
        )
    lead = _leaders(table, "engagement")
    if lead is not None:
        out.append(f"Most engaged: {joined_names(lead[0])} ({lead[1]:.0f}/100).")
    return out
