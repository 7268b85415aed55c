"""Plans of a partner's file that no account of ours took: listed with the reason, attached to
an account by the user later (its content merged then, as an import would have)."""

from __future__ import annotations

import json

import pandas as pd
from sqlmodel import select

from engine.errors import OverlapError
from engine.sharing.placement import AccountIndex, Placement
from engine.sharing.planfile import PlanImportResult, _merge_item, _new_plan, _syncs
from engine.store.models import Partner, Plan, PlanConflict, UnplacedPlan
from engine.store.workspace import Workspace, resolve_partner

UNPLACED_COLUMNS = [
    "id",
    "plan_ref",
    "account",
    "reason",
    "their_crm_id",
    "our_crm_id",
    "domain",
    "received_at",
    "placed_plan_id",
]


def unplaced_plans(
    ws: Workspace, partner: str | Partner, *, include_placed: bool = False
) -> pd.DataFrame:
    """The partner's plans waiting for an account of ours (with ``include_placed``, also those
    attached since, and to which plan)."""
    record = resolve_partner(ws, partner)
    sql = (
        "SELECT id, plan_ref, account_name AS account, reason, their_crm_id, our_crm_id, "
        "domain, received_at, placed_plan_id FROM unplacedplan WHERE partner_id = :p"
    )
    if not include_placed:
        sql += " AND placed_plan_id IS NULL"
    return ws.read_frame(sql + " ORDER BY id", {"p": record.id})[UNPLACED_COLUMNS]


def place_unplaced(
    ws: Workspace, partner: str | Partner, unplaced_id: int, account: str
) -> PlanImportResult:
    """Attach an unplaced plan to our account ``account`` (its CRM id, or its key) and merge
    its content into that account's plan (made now when it has none)."""
    record = resolve_partner(ws, partner)
    accounts = AccountIndex(ws, record)
    key = accounts.find(account)
    if key is None:
        raise OverlapError(
            f"no account in our current export has the CRM id '{account}'; "
            "give the id of one of our accounts (the Account ID column of our export)"
        )
    with ws.session() as session:
        row = session.get(UnplacedPlan, unplaced_id)
        if row is None or row.partner_id != record.id:
            raise OverlapError(f"{record.name} has no unplaced plan {unplaced_id}")
        if row.placed_plan_id is not None:
            raise OverlapError(
                f"unplaced plan {unplaced_id} was attached already (plan {row.placed_plan_id})"
            )
        item = json.loads(row.item_json)
        result = PlanImportResult(sender=record.name, sent_at="", plans_in_file=1)
        plan = session.exec(
            select(Plan).where(Plan.partner_id == record.id, Plan.our_key == key)
        ).first()
        if plan is None:
            placement = Placement(
                key, accounts.partner_key(key, item), accounts.names[key], "chosen"
            )
            plan = _new_plan(session, record, placement, item)
            result.created = 1
            result.placed.append({"account": plan.account_name, "how": "chosen"})
        result.matched = 1
        open_conflicts = {
            (c.plan_id, c.item, c.field): c
            for c in session.exec(
                select(PlanConflict).where(
                    PlanConflict.plan_id == plan.id, PlanConflict.status == "open"
                )
            )
        }
        syncs = _syncs(session, record)
        _merge_item(session, record, plan, item, syncs, open_conflicts, result, None)
        row.placed_plan_id = plan.id
        session.add(row)
        session.commit()
    return result
