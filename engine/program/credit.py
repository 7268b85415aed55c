"""Credit for direct sellers: per rep (our account owner), the partner-sourced and
partner-influenced deals on their accounts and the amount credited to them.

A direct seller who loses quota when a partner brings or helps a deal competes with the
partner; crediting the rep for those deals is the usual fix, and this report is what sales
operations needs to align compensation with it. **Credited** is the won amount of each
partner-sourced deal times the sourced rate plus that of each partner-influenced deal times the
influenced rate (both 100% unless set). The deals and their part come from
``engine.program.deals`` (a co-sold deal with no part recorded counts as influenced).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engine.errors import OverlapError
from engine.output.safe_cells import write_csv
from engine.output.xlsx import Sheet, write_workbook
from engine.program.deals import partner_deals
from engine.store.models import Partner
from engine.store.workspace import Workspace, resolve_partner

CREDIT_COLUMNS = [
    "rep",
    "sourced_deals",
    "sourced_won",
    "sourced_won_amount",
    "influenced_deals",
    "influenced_won",
    "influenced_won_amount",
    "open_pipeline",
    "credited_amount",
]
DEAL_DETAIL_COLUMNS = [
    "rep",
    "partner",
    "account_name",
    "partner_role",
    "role_recorded",
    "outcome",
    "stage",
    "amount",
    "credited",
    "opened",
    "closed",
    "co_sold_why",
    "id",
]


@dataclass
class CreditReport:
    reps: pd.DataFrame  # CREDIT_COLUMNS, largest credit first
    deals: pd.DataFrame  # DEAL_DETAIL_COLUMNS: every sourced or influenced deal
    partners: list[str]
    sourced_rate: float
    influenced_rate: float

    def explain(self) -> str:
        return (
            f"Credited: won partner-sourced deals at {self.sourced_rate:.0%} and won "
            f"partner-influenced deals at {self.influenced_rate:.0%} of their amount, to the "
            "rep who owns the deal (else the account). A co-sold deal with no part recorded "
            "counts as influenced."
        )


def _rate(value: float, what: str) -> float:
    if not 0 <= value <= 1:
        raise OverlapError(f"the {what} rate is a share from 0 to 100%, not {value:.0%}")
    return float(value)


def credit_report(
    ws: Workspace,
    partner: str | Partner | None = None,
    *,
    sourced_rate: float = 1.0,
    influenced_rate: float = 1.0,
) -> CreditReport:
    """The credit report of one partnership, or of all of them (``partner`` None)."""
    rates = {"sourced": _rate(sourced_rate, "sourced"),
             "influenced": _rate(influenced_rate, "influenced")}  # fmt: skip
    records = [resolve_partner(ws, partner)] if partner is not None else ws.partners()
    parts = []
    for record in records:
        deals = partner_deals(ws, record)
        deals = deals[deals["partner_role"].isin(list(rates))]
        parts.append(deals.assign(partner=record.name))
    deals = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if deals.empty:
        return CreditReport(
            pd.DataFrame(columns=CREDIT_COLUMNS),
            pd.DataFrame(columns=DEAL_DETAIL_COLUMNS),
            [r.name for r in records],
            rates["sourced"],
            rates["influenced"],
        )
    amount = pd.to_numeric(deals["amount"], errors="coerce").fillna(0.0)
    won = deals["outcome"] == "won"
    rate = deals["partner_role"].map(rates).astype(float)
    deals = deals.assign(amount=amount, credited=(amount * rate).where(won, 0.0))
    sourced = deals["partner_role"] == "sourced"
    influenced = ~sourced
    is_open = deals["outcome"] == "open"
    table = pd.DataFrame(
        {
            "rep": deals["rep"],
            "sourced_deals": sourced.astype(int),
            "sourced_won": (sourced & won).astype(int),
            "sourced_won_amount": amount.where(sourced & won, 0.0),
            "influenced_deals": influenced.astype(int),
            "influenced_won": (influenced & won).astype(int),
            "influenced_won_amount": amount.where(influenced & won, 0.0),
            "open_pipeline": amount.where(is_open, 0.0),
            "credited_amount": deals["credited"],
        }
    )
    reps = table.groupby("rep", as_index=False, sort=False).sum()
    reps = reps.sort_values(["credited_amount", "rep"], ascending=[False, True], kind="stable")
    detail = deals[DEAL_DETAIL_COLUMNS].sort_values(["rep", "partner", "opened"], kind="stable")
    return CreditReport(
        reps.reset_index(drop=True)[CREDIT_COLUMNS],
        detail.reset_index(drop=True),
        [r.name for r in records],
        rates["sourced"],
        rates["influenced"],
    )


def write_credit_report(report: CreditReport, path: str | Path) -> Path:
    """The report as XLSX (a sheet per rep summary and one of the deals) or CSV (the reps);
    formula-safe either way. A name ending in neither gets ``.csv``."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        path = path.with_suffix(".csv")

    def rows(frame: pd.DataFrame) -> list[list[object]]:
        return frame.astype(object).where(frame.notna(), None).values.tolist()  # type: ignore[no-any-return]

    if path.suffix.lower() == ".csv":
        write_csv(path, list(CREDIT_COLUMNS), rows(report.reps))
        return path
    summary = Sheet(
        "Credit by rep",
        list(CREDIT_COLUMNS),
        rows(report.reps),
        title="Credit for direct sellers",
        preamble=[
            ("Partnerships", ", ".join(report.partners)),
            ("How credit is counted", report.explain()),
        ],
    )
    deals = Sheet("Deals", list(DEAL_DETAIL_COLUMNS), rows(report.deals), wrap={"co_sold_why"})
    write_workbook(path, [summary, deals])
    return path
