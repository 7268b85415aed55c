"""Tracking joint success: deal metrics co-sold vs not, and the partner engagement score.

**Deals.** Opportunities (account, amount, opened, closed, outcome won / lost / open, partner
involved yes / no) come from a CSV export or are entered one by one. For the co-sold deals, the
others and all of them:

* *win rate* = won / (won + lost); open deals do not count;
* *deal velocity* = the median number of days from opened to closed of the **won** deals;
* *average deal size* = the mean amount of the won deals that have an amount;

each with the counts it rests on, so a rate from three deals reads as what it is.

**Engagement score** (0-100) of a partner over the last 90 days:

* attendance, 40 points: sync calls attended / calls scheduled (attended calls count as
  scheduled when no schedule was logged); no calls at all scores 0;
* CRM updates, 30 points: updates logged / one every two weeks (6 in 90 days), capped at 1;
* recency, 30 points: full when the last contact (a sync attended, a CRM update, a contact,
  an enablement session; not a meeting only scheduled or missed) is at most 14 days old,
  falling in a straight line to 0 at 90 days.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import ImportFileError, OverlapError
from engine.output.formats import money
from engine.program.deals import partner_deals, role_of, stage_of
from engine.store.models import EngagementEvent, Opportunity, Partner
from engine.store.workspace import Workspace, resolve_partner

OUTCOMES = ("won", "lost", "open")
ENGAGEMENT_KINDS = ("sync_scheduled", "sync_attended", "crm_update", "contact")
WINDOW_DAYS = 90

# Header aliases of an opportunities export (normalized: lower case, words only).
_ALIASES: dict[str, tuple[str, ...]] = {
    "account_name": ("account", "account name", "company", "company name", "organization"),
    "our_id": ("account id", "account external id", "crm id", "external id"),
    "amount": ("amount", "deal size", "value", "opportunity amount", "deal amount"),
    "opened": ("opened", "created", "created date", "open date", "start date", "opened on"),
    "closed": ("closed", "close date", "closed date", "closed on"),
    "outcome": ("outcome", "stage", "status", "result", "won lost"),
    "partner_involved": (
        "partner involved",
        "partner",
        "co sell",
        "co sold",
        "cosell",
        "partner sourced",
        "partner influenced",
    ),
    "partner_role": (
        "partner role",
        "partner part",
        "partner contribution",
        "partner type",
        "sourced influenced",
        "sourced or influenced",
    ),
    "owner": ("opportunity owner", "deal owner", "owner", "owner name", "sales rep", "rep"),
}
_WON = {"won", "closed won", "win", "closedwon", "won deal"}
_LOST = {"lost", "closed lost", "loss", "closedlost", "lost deal"}
_YES = {"yes", "y", "true", "1", "x", "co-sold", "co sold", "partner"}
_NO = {"no", "n", "false", "0", "", "nan", "none"}


def _normal(header: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(header).lower()).split())


def _date(value: Any, what: str, where: str | None = None) -> str:
    try:
        return date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise OverlapError(
            f"the {what} '{value}' is not a date (YYYY-MM-DD)", where=where
        ) from None


def _amount(value: Any, where: str | None = None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = re.sub(r"[\s$€£,]", "", str(value))
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise OverlapError(f"the amount '{value}' is not a number", where=where) from None
    if not math.isfinite(number) or number < 0:
        raise OverlapError(f"the amount '{value}' is not a positive number", where=where)
    return number


def _opportunity(
    partner_id: int,
    account_name: str,
    opened: Any,
    *,
    amount: Any = None,
    closed: Any = None,
    outcome: str = "open",
    partner_involved: bool | None = None,
    our_key: str | None = None,
    partner_role: str = "",
    stage: str = "",
    owner: str = "",
    where: str | None = None,
) -> Opportunity:
    name = str(account_name or "").strip()
    if not name or name == "nan":
        raise OverlapError("an opportunity needs an account name", where=where)
    result = str(outcome or "open").strip().lower()
    if result not in OUTCOMES:
        raise OverlapError(f"the outcome is won, lost or open, not '{outcome}'", where=where)
    opened_on = _date(opened, "opened date", where)
    closed_on = None
    if closed is not None and str(closed).strip() and str(closed) != "nan":
        closed_on = _date(closed, "close date", where)
        if closed_on < opened_on:
            raise OverlapError(
                f"the deal closed ({closed_on}) before it opened ({opened_on})", where=where
            )
    if result != "open" and closed_on is None:
        raise OverlapError(f"a {result} deal needs its close date", where=where)
    if result == "open" and closed_on is not None:
        raise OverlapError("a deal with a close date is won or lost, not open", where=where)
    role = role_of(partner_role, where)
    if role and partner_involved is False:
        raise OverlapError(f"a deal the partner {role} is co-sold, yet marked 'no'", where=where)
    if role and partner_involved is None:
        partner_involved = True
    return Opportunity(
        partner_id=partner_id,
        account_name=name,
        our_key=our_key,
        amount=_amount(amount, where),
        opened=opened_on,
        closed=closed_on,
        outcome=result,
        partner_involved=bool(partner_involved),
        # Unset ("") lets the deal's account decide: a pilot account's deals count as co-sold.
        co_sold="" if partner_involved is None else "yes" if partner_involved else "no",
        partner_role=role,
        stage=stage_of(stage) if result == "open" else "",
        owner=" ".join(str(owner or "").split()),
    )


def add_opportunity(
    ws: Workspace,
    partner: str | Partner,
    account_name: str,
    opened: str | date,
    *,
    amount: float | str | None = None,
    closed: str | date | None = None,
    outcome: str = "open",
    partner_involved: bool | None = None,
    our_key: str | None = None,
    partner_role: str = "",
    stage: str = "",
    owner: str = "",
) -> Opportunity:
    """Enter one opportunity by hand. ``partner_involved`` None leaves co-sold to the deal's
    account (``engine.program.deals``); ``partner_role`` is sourced, influenced or ''."""
    record = resolve_partner(ws, partner)
    item = _opportunity(
        int(record.id),  # type: ignore[arg-type]
        account_name,
        opened,
        amount=amount,
        closed=closed,
        outcome=outcome,
        partner_involved=partner_involved,
        our_key=our_key,
        partner_role=partner_role,
        stage=stage,
        owner=owner,
    )
    ws.save(item)
    return item


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ImportFileError("no file at this path", where=str(path))
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            return pd.read_csv(
                path, sep=None, engine="python", dtype=str, keep_default_na=False,
                encoding=encoding,
            )  # fmt: skip
        except UnicodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
            raise ImportFileError(
                f"this is not a readable CSV file ({error})", where=str(path)
            ) from None
    raise ImportFileError("the file's text encoding is not recognised", where=str(path))


def import_opportunities(ws: Workspace, partner: str | Partner, path: str | Path) -> pd.DataFrame:
    """Add the opportunities of a CSV export (all of them, or none if a row is bad).

    Recognised headers (any case): account / account name / company; amount / deal size;
    created / opened / created date; close date / closed; stage / outcome / status (Closed
    Won, Closed Lost, anything else is open, with its sales stage when it names one); partner
    involved / co-sell / partner (yes / no; blank leaves it to the deal's account); partner role
    (sourced / influenced; a "partner sourced" yes / no column says it too); opportunity owner;
    optionally account id (our CRM id). Returns the added rows.
    """
    record = resolve_partner(ws, partner)
    path = Path(path)
    raw = _read_csv(path)
    columns: dict[str, str] = {}
    for header in raw.columns:
        for field, names in _ALIASES.items():
            if _normal(header) in names and field not in columns:
                columns[field] = header
    for needed in ("account_name", "opened"):
        if needed not in columns:
            label = "account name" if needed == "account_name" else "created / opened date"
            raise ImportFileError(
                f"no {label} column (headers: {', '.join(map(str, raw.columns))})", where=str(path)
            )
    items = []
    for number, row in enumerate(raw.to_dict("records"), start=2):

        def get(field: str, row: dict[Any, Any] = row) -> Any:
            return row.get(columns[field]) if field in columns else None

        if not any(str(v).strip() for v in row.values()):
            continue
        stage = _normal(get("outcome") or "")
        outcome = "won" if stage in _WON else "lost" if stage in _LOST else "open"
        involved_text = _normal(get("partner_involved") or "")
        if involved_text not in _YES and involved_text not in _NO:
            raise OverlapError(
                f"'{get('partner_involved')}' is not yes or no",
                where=f"{path.name}, row {number}, column {columns['partner_involved']}",
            )
        involved = None if involved_text in ("", "nan") else involved_text in _YES
        role = get("partner_role") or ""
        # A "Partner Sourced" (or "Partner Influenced") yes / no column names the part too.
        header = _normal(columns.get("partner_involved", ""))
        if not role and involved and header in ("partner sourced", "partner influenced"):
            role = header.split()[1]
        our_id = str(get("our_id") or "").strip()
        items.append(
            _opportunity(
                int(record.id),  # type: ignore[arg-type]
                get("account_name"),
                get("opened"),
                amount=get("amount"),
                closed=get("closed") if outcome != "open" else None,
                outcome=outcome,
                partner_involved=involved,
                our_key=f"id:{our_id}" if our_id else None,
                partner_role=role,
                stage=get("outcome") or "",
                owner=get("owner") or "",
                where=f"{path.name}, row {number}",
            )
        )
    rows = pd.DataFrame([i.model_dump(exclude={"id"}) for i in items])
    with ws.transaction() as connection:  # an export can hold thousands of deals
        Workspace.insert_rows(connection, Opportunity, rows)
    return rows.drop(columns="partner_id", errors="ignore")


def list_opportunities(ws: Workspace, partner: str | Partner) -> pd.DataFrame:
    record = resolve_partner(ws, partner)
    frame = ws.read_frame(
        "SELECT id, account_name, our_key, amount, opened, closed, outcome, partner_involved, "
        "co_sold, partner_role, stage, owner FROM opportunity WHERE partner_id = :p "
        "ORDER BY opened, id",
        {"p": record.id},
    )
    frame["partner_involved"] = frame["partner_involved"].astype(bool)
    return frame


# ---------------------------------------------------------------------- deal metrics


def deal_metrics(deals: pd.DataFrame) -> pd.DataFrame:
    """Win rate, velocity and average deal size for co-sold, not co-sold and all deals; pure.

    ``deals`` has ``amount``, ``opened``, ``closed``, ``outcome``, ``partner_involved``.
    One row per group: ``group``, ``deals``, ``open``, ``won``, ``lost``, ``win_rate``
    (0..1, NaN without closed deals), ``median_days_to_close`` (won deals),
    ``average_deal_size`` (won deals with an amount), ``won_with_amount``.
    """
    involved = deals["partner_involved"].astype(bool) if len(deals) else pd.Series(dtype=bool)
    return pd.DataFrame(
        [
            group_figures(deals, mask, group)
            for group, mask in (
                ("co-sold", involved),
                ("not co-sold", ~involved),
                ("all", pd.Series(True, index=deals.index)),
            )
        ]
    )


def group_figures(deals: pd.DataFrame, mask: pd.Series, group: str) -> dict[str, Any]:
    """The figures of ``deal_metrics`` for the deals ``mask`` selects, as one row."""
    part = deals[mask.to_numpy(dtype=bool)] if len(deals) else deals
    outcome = part["outcome"].astype(str)
    won = part[outcome == "won"]
    lost = int((outcome == "lost").sum())
    days = (pd.to_datetime(won["closed"]) - pd.to_datetime(won["opened"])).dt.days.astype(float)
    amounts = pd.to_numeric(won["amount"], errors="coerce").dropna()
    closed = len(won) + lost
    return {
        "group": group,
        "deals": len(part),
        "open": int((outcome == "open").sum()),
        "won": len(won),
        "lost": lost,
        "win_rate": len(won) / closed if closed else np.nan,
        "median_days_to_close": float(days.median()) if len(days) else np.nan,
        "average_deal_size": float(amounts.mean()) if len(amounts) else np.nan,
        "won_with_amount": len(amounts),
    }


# Fewer closed deals than this, or fewer won ones for velocity and size, and a figure says so
# instead of a rate: "2 of 2 won - too few deals to judge" rather than 100%.
MIN_CLOSED_DEALS = 5
MIN_WON_DEALS = 3


def win_rate_text(won: int, closed: int) -> str:
    """A win rate in words, or why there is none to read."""
    if closed == 0:
        return "no closed deals"
    if closed < MIN_CLOSED_DEALS:
        return f"{won} of {closed} won \u2014 too few deals to judge"
    return f"{won / closed:.0%} ({won} of {closed} won)"


def enough_closed(row: dict[str, Any]) -> bool:
    return int(row["won"]) + int(row["lost"]) >= MIN_CLOSED_DEALS


def enough_won(row: dict[str, Any], count: str = "won") -> bool:
    return int(row[count]) >= MIN_WON_DEALS


@dataclass
class DealMetrics:
    table: pd.DataFrame
    findings: list[str]


def partner_metrics(ws: Workspace, partner: str | Partner) -> DealMetrics:
    """The deal metrics of a partnership, with the comparison in words. A deal is co-sold as
    ``engine.program.deals`` decides (set by hand, else its entry, else its account's plan)."""
    deals = partner_deals(ws, partner)
    table = deal_metrics(deals.assign(partner_involved=deals["co_sold"].astype(bool)))
    return DealMetrics(table, _findings(table))


def _findings(table: pd.DataFrame) -> list[str]:
    rows: dict[Any, Any] = table.set_index("group").to_dict(orient="index")
    co, other = rows["co-sold"], rows["not co-sold"]
    out = []
    if co["won"] + co["lost"] == 0 or other["won"] + other["lost"] == 0:
        out.append("Not enough closed deals on both sides yet to compare co-selling.")
        return out
    if not (enough_closed(co) and enough_closed(other)):
        out.append(
            f"Co-sold: {win_rate_text(int(co['won']), int(co['won'] + co['lost']))}; without "
            f"the partner: {win_rate_text(int(other['won']), int(other['won'] + other['lost']))}."
        )
        return out
    out.append(
        f"Win rate {co['win_rate']:.0%} co-sold ({int(co['won'])} of "
        f"{int(co['won'] + co['lost'])}) vs {other['win_rate']:.0%} without the partner "
        f"({int(other['won'])} of {int(other['won'] + other['lost'])})."
    )
    if not (enough_won(co) and enough_won(other)):
        return out
    if not (math.isnan(co["median_days_to_close"]) or math.isnan(other["median_days_to_close"])):
        faster = other["median_days_to_close"] - co["median_days_to_close"]
        word = "faster" if faster >= 0 else "slower"
        out.append(
            f"Co-sold deals close in {co['median_days_to_close']:.0f} days (median) vs "
            f"{other['median_days_to_close']:.0f}: {abs(faster):.0f} days {word}."
        )
    if not (math.isnan(co["average_deal_size"]) or math.isnan(other["average_deal_size"])):
        out.append(
            f"Average won deal {money(co['average_deal_size'])} co-sold vs "
            f"{money(other['average_deal_size'])} without the partner."
        )
    return out


# ---------------------------------------------------------------------- engagement


def log_engagement(
    ws: Workspace, partner: str | Partner, kind: str, at: str | date, note: str = ""
) -> EngagementEvent:
    """Log a sync call (scheduled / attended), a CRM update or a contact with the partner."""
    record = resolve_partner(ws, partner)
    kind = str(kind).strip().lower().replace("-", "_")
    if kind not in ENGAGEMENT_KINDS:
        raise OverlapError(f"the kind is one of {', '.join(ENGAGEMENT_KINDS)}, not '{kind}'")
    day = at.isoformat() if isinstance(at, date) else _date(at, "date")
    event = EngagementEvent(partner_id=int(record.id), kind=kind, at=day, note=str(note).strip())  # type: ignore[arg-type]
    ws.save(event)
    return event


def engagement_log(ws: Workspace, partner: str | Partner) -> pd.DataFrame:
    record = resolve_partner(ws, partner)
    return ws.read_frame(
        "SELECT id, kind, at, note FROM engagementevent WHERE partner_id = :p ORDER BY at, id",
        {"p": record.id},
    )


@dataclass
class EngagementScore:
    """The score (0-100), its three parts in points and the figures behind them."""

    score: float
    attendance: float
    crm_updates: float
    recency: float
    calls_scheduled: int
    calls_attended: int
    updates: int
    last_contact: str | None
    days_since_contact: int | None

    def explain(self) -> str:
        last = (
            f"last contact {self.last_contact} ({self.days_since_contact} days ago)"
            if self.last_contact
            else "no contact logged"
        )
        return (
            f"Engagement {self.score:.0f}/100: attendance {self.attendance:.0f}/40 "
            f"({self.calls_attended} of {self.calls_scheduled} calls), CRM updates "
            f"{self.crm_updates:.0f}/30 ({self.updates}), recency {self.recency:.0f}/30 ({last})."
        )


def score_engagement(
    events: pd.DataFrame, today: date, window_days: int = WINDOW_DAYS
) -> EngagementScore:
    """The engagement score of a log (``kind``, ``at``); pure. See the module docstring."""
    at = pd.to_datetime(events["at"]).dt.date if len(events) else pd.Series(dtype=object)
    past = events[(at <= today).to_numpy(dtype=bool)] if len(events) else events
    past_at = at[(at <= today).to_numpy(dtype=bool)] if len(events) else at
    recent = past[[(today - d).days < window_days for d in past_at]] if len(past) else past
    kinds = recent["kind"].value_counts() if len(recent) else pd.Series(dtype=int)
    attended = int(kinds.get("sync_attended", 0))
    scheduled = max(int(kinds.get("sync_scheduled", 0)), attended)
    updates = int(kinds.get("crm_update", 0))
    attendance = 40.0 * attended / scheduled if scheduled else 0.0
    expected = window_days / 14
    crm = 30.0 * min(updates / expected, 1.0)
    # Contact is a meeting held, an update or a contact: a meeting only scheduled (or missed)
    # is none, so it never makes the partner look more engaged.
    kinds_past = past["kind"].tolist() if len(past) else []
    contact_at = [d for d, k in zip(past_at, kinds_past, strict=True) if k != "sync_scheduled"]
    last = max(contact_at) if contact_at else None
    days = (today - last).days if last is not None else None
    if days is None:
        recency = 0.0
    elif days <= 14:
        recency = 30.0
    else:
        recency = max(0.0, 30.0 * (90 - days) / (90 - 14))
    return EngagementScore(
        score=round(attendance + crm + recency, 1),
        attendance=round(attendance, 1),
        crm_updates=round(crm, 1),
        recency=round(recency, 1),
        calls_scheduled=scheduled,
        calls_attended=attended,
        updates=updates,
        last_contact=last.isoformat() if last is not None else None,
        days_since_contact=days,
    )


def engagement_score(
    ws: Workspace, partner: str | Partner, *, today: date | None = None
) -> EngagementScore:
    day = today if today is not None else datetime.now(UTC).date()
    return score_engagement(engagement_log(ws, partner), day)
