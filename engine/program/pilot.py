"""The metrics a pilot is judged by: its accounts against the rest, co-sold deals against the
others, and each figure over time (by month or quarter since the baseline).

**Pilot accounts** are the shared accounts with a joint plan (the shortlist once its plans are
made). **The baseline** is the first mapping recorded for the partnership (``overlap
baseline``), else the first plan, else the first deal: the day the pilot started to be measured.
A closed deal falls in the period of its close date; deals closed before the baseline form one
period of their own, the figures to compare with.

A figure that rests on too few deals says so ("2 of 2 won - too few deals to judge") instead
of reading as 100% (``engine.program.metrics.MIN_CLOSED_DEALS``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from engine.errors import OverlapError
from engine.output.formats import day, money
from engine.program.deals import partner_deals
from engine.program.metrics import (
    MIN_WON_DEALS,
    enough_closed,
    enough_won,
    group_figures,
    win_rate_text,
)
from engine.store.models import Partner
from engine.store.workspace import Workspace, resolve_partner

PERIODS = ("month", "quarter")
COMPARISONS = {
    "pilot": ("pilot accounts", "other accounts"),
    "co-sold": ("co-sold", "not co-sold"),
}
BEFORE = "before the baseline"


def velocity_text(row: dict[str, Any]) -> str:
    won = int(row["won"])
    if won == 0:
        return "no won deals"
    if won < MIN_WON_DEALS:
        return f"{won} won \u2014 too few to judge"
    return f"{row['median_days_to_close']:.0f} days"


def size_text(row: dict[str, Any]) -> str:
    count = int(row["won_with_amount"])
    if count == 0:
        return "no won amounts"
    if count < MIN_WON_DEALS:
        return f"{count} won \u2014 too few to judge"
    return money(row["average_deal_size"])


def _with_texts(row: dict[str, Any]) -> dict[str, Any]:
    closed = int(row["won"]) + int(row["lost"])
    return {
        **row,
        "closed": closed,
        "win_rate_text": win_rate_text(int(row["won"]), closed),
        "velocity_text": velocity_text(row),
        "size_text": size_text(row),
        "enough_deals": enough_closed(row),
    }


def _masks(deals: pd.DataFrame, compare: str) -> list[tuple[str, pd.Series]]:
    if compare not in COMPARISONS:
        raise OverlapError(f"compare is one of {', '.join(COMPARISONS)}, not '{compare}'")
    flag = deals["pilot" if compare == "pilot" else "co_sold"].astype(bool)
    first, second = COMPARISONS[compare]
    return [(first, flag), (second, ~flag)]


def compare_groups(deals: pd.DataFrame, compare: str = "pilot") -> pd.DataFrame:
    """One row per group (pilot accounts / other accounts, or co-sold / not co-sold): the
    figures of ``group_figures`` and each in words (``win_rate_text``, ...); pure."""
    return pd.DataFrame(
        [_with_texts(group_figures(deals, mask, group)) for group, mask in _masks(deals, compare)]
    )


def period_of(day: date, by: str) -> str:
    if by == "month":
        return f"{day:%Y-%m}"
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def _periods(start: date, end: date, by: str) -> list[str]:
    labels: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        label = period_of(date(year, month, 1), by)
        if not labels or labels[-1] != label:
            labels.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def over_time(
    deals: pd.DataFrame, baseline: date, *, by: str = "quarter", compare: str = "pilot",
    today: date | None = None,
) -> pd.DataFrame:  # fmt: skip
    """The figures of each group per period since ``baseline`` (closed deals by close date),
    after one row per group for the deals closed before it; pure."""
    if by not in PERIODS:
        raise OverlapError(f"the period is month or quarter, not '{by}'")
    end = today if today is not None else datetime.now(UTC).date()
    closed_on = pd.to_datetime(deals["closed"], errors="coerce").dt.date
    known = closed_on.notna()
    labels = [BEFORE, *_periods(baseline, max(end, baseline), by)]
    period = pd.Series(
        [
            (BEFORE if d < baseline else period_of(d, by)) if ok else None
            for d, ok in zip(closed_on, known, strict=True)
        ],
        index=deals.index,
        dtype=object,
    )
    rows = []
    for label in labels:
        in_period = period == label
        if label == BEFORE and not in_period.any():
            continue
        for group, mask in _masks(deals, compare):
            row = _with_texts(group_figures(deals, in_period & mask, group))
            rows.append({"period": label, **row})
    return pd.DataFrame(rows)


def baseline_of(ws: Workspace, partner: Partner, deals: pd.DataFrame) -> date | None:
    """The day the pilot started to be measured (see the module docstring)."""
    first = ws.read_frame(
        "SELECT (SELECT min(ran_at) FROM mappingrun WHERE partner_id = :p) AS run, "
        "(SELECT min(created_at) FROM plan WHERE partner_id = :p) AS plan",
        {"p": partner.id},
    )
    for value in (first.loc[0, "run"], first.loc[0, "plan"]):
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            return pd.Timestamp(str(value)).date()
    if len(deals):
        return pd.Timestamp(str(min(deals["opened"]))).date()
    return None


@dataclass
class PilotMetrics:
    """The pilot's figures: the two groups compared, the same per period, and in words."""

    comparison: pd.DataFrame  # compare_groups
    over_time: pd.DataFrame  # over_time (empty without a baseline)
    baseline: date | None
    by: str
    compare: str
    pilot_accounts: int
    deals: pd.DataFrame  # engine.program.deals.partner_deals
    findings: list[str]


def pilot_metrics(
    ws: Workspace,
    partner: str | Partner,
    *,
    by: str = "quarter",
    compare: str = "pilot",
    today: date | None = None,
) -> PilotMetrics:
    """The metrics a pilot is judged by (see the module docstring)."""
    record = resolve_partner(ws, partner)
    deals = partner_deals(ws, record)
    baseline = baseline_of(ws, record, deals)
    comparison = compare_groups(deals, compare)
    timeline = (
        over_time(deals, baseline, by=by, compare=compare, today=today)
        if baseline is not None
        else pd.DataFrame()
    )
    planned = ws.read_frame(
        "SELECT count(DISTINCT our_key) AS n FROM plan WHERE partner_id = :p", {"p": record.id}
    )
    count = int(planned["n"].iloc[0])
    return PilotMetrics(
        comparison, timeline, baseline, by, compare, count, deals,
        _findings(comparison, compare, count, baseline),
    )  # fmt: skip


def _findings(
    comparison: pd.DataFrame, compare: str, pilot_accounts: int, baseline: date | None
) -> list[str]:
    first, second = ({str(k): v for k, v in r.items()} for r in comparison.to_dict("records"))
    out = []
    if compare == "pilot" and pilot_accounts == 0:
        out.append(
            "No pilot accounts yet: make joint plans for the shortlist, and their deals are "
            "compared with the rest."
        )
    elif enough_closed(first) and enough_closed(second):
        out.append(
            f"Win rate {first['win_rate']:.0%} on {first['group']} ({first['won']} of "
            f"{first['closed']}) vs {second['win_rate']:.0%} on {second['group']} "
            f"({second['won']} of {second['closed']})."
        )
        if enough_won(first) and enough_won(second):
            out.append(
                f"Median days to close: {first['velocity_text']} vs {second['velocity_text']}; "
                f"average won deal {first['size_text']} vs {second['size_text']}."
            )
    else:
        out.append(
            f"{first['group'].capitalize()}: {first['win_rate_text']}; "
            f"{second['group']}: {second['win_rate_text']}."
        )
    if baseline is not None:
        out.append(f"Measured since the baseline of {day(baseline)}.")
    return out
