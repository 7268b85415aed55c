"""Small workspaces for the sharing tests: accounts, shared matches and plans written directly."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from engine.store.models import Match, Plan, PlanMetric, PlanRole, PlanStep, RuleSet, Snapshot
from engine.store.workspace import Workspace, account_key, now


def add_snapshot(
    ws: Workspace, partner_id: int | None, accounts: Sequence[dict[str, Any]]
) -> pd.DataFrame:
    """A snapshot of one side with ``accounts`` (dicts of Account fields); returns its rows."""
    with ws.session() as session:
        snapshot = Snapshot(
            partner_id=partner_id,
            file_name="fixture.csv",
            sha256="0" * 64,
            imported_at=now(),
            mapping_json="{}",
        )
        session.add(snapshot)
        session.commit()
        session.refresh(snapshot)
    frame = pd.DataFrame(list(accounts))
    frame["row_number"] = range(2, len(frame) + 2)
    assert snapshot.id is not None
    with ws.transaction() as connection:
        Workspace.store_accounts(connection, snapshot.id, frame)
    assert snapshot.id is not None
    return ws.accounts(snapshot.id)


def add_matches(
    ws: Workspace, partner_id: int, pairs: Sequence[tuple[int, int]], status: str = "auto"
) -> None:
    frame = pd.DataFrame(
        {
            "partner_id": partner_id,
            "our_account_id": [p[0] for p in pairs],
            "partner_account_id": [p[1] for p in pairs],
            "method": "domain",
            "score": 100.0,
            "status": status,
            "explanation": "same domain",
            "matched_at": now().isoformat(sep=" "),
        }
    )
    with ws.transaction() as connection:
        Workspace.insert_rows(connection, Match, frame)


def key_of(row: Any) -> str:
    return account_key(row["external_id"], row["name"], row["domains"])


def add_plan(
    ws: Workspace,
    partner_id: int,
    ours: Any,
    theirs: Any,
    *,
    objective: str = "",
    lead: str = "us",
    status: str = "active",
    steps: Sequence[dict[str, Any]] = (),
    metrics: Sequence[dict[str, Any]] = (),
    roles: Sequence[dict[str, Any]] = (),
    notes: str = "",
) -> int:
    with ws.session() as session:
        plan = Plan(
            partner_id=partner_id,
            our_key=key_of(ours),
            partner_key=key_of(theirs),
            account_name=ours["name"],
            lead=lead,
            objective=objective,
            status=status,
            notes=notes,
            created_at=now(),
            updated_at=now(),
        )
        session.add(plan)
        session.commit()
        session.refresh(plan)
        assert plan.id is not None
        for step in steps:
            session.add(PlanStep(plan_id=plan.id, **step))
        for metric in metrics:
            session.add(PlanMetric(plan_id=plan.id, **metric))
        for role in roles:
            session.add(PlanRole(plan_id=plan.id, **role))
        session.commit()
        return plan.id


def add_rules(ws: Workspace, partner_id: int) -> None:
    criteria = [
        {"name": "relationship", "enabled": True},
        {"name": "first_touch", "enabled": True},
        {"name": "deal_stage", "enabled": True},
        {"name": "product_fit", "enabled": False},
        {"name": "tie_breaker", "enabled": True},
    ]
    with ws.session() as session:
        session.add(
            RuleSet(
                partner_id=partner_id,
                version=2,
                criteria_json=json.dumps(criteria),
                created_at=now(),
            )
        )
        session.commit()


OUR_ACCOUNTS = [
    {
        "external_id": "A-1",
        "name": "Initech",
        "domains": "initech.com",
        "stage": "customer",
        "owner": "ann@acme.com",
        "annual_revenue": 5e6,
    },
    {
        "external_id": "A-2",
        "name": "Umbrella Corp",
        "domains": "umbrella.com",
        "stage": "prospect",
        "owner": "bob@acme.com",
        "annual_revenue": 7e7,
    },
    {"external_id": "A-3", "name": "Hooli", "domains": "hooli.xyz", "stage": "customer"},
    {
        "external_id": "A-4",
        "name": "Vandelay Industries",
        "domains": "vandelay.com",
        "stage": "prospect",
    },
]
THEIR_ACCOUNTS = [
    {"external_id": "G-1", "name": "Initech Inc", "domains": "initech.com", "stage": "prospect"},
    {"external_id": "G-2", "name": "Umbrella", "domains": "umbrella.com", "stage": "customer"},
    {"external_id": "G-3", "name": "Hooli", "domains": "hooli.xyz", "stage": "customer"},
    {"external_id": "G-9", "name": "Pied Piper", "domains": "piedpiper.com", "stage": "prospect"},
]


def mapped_workspace(
    path: Path, us: str = "Acme Corp", partner: str = "Globex", *, mirror: bool = False
) -> tuple[Workspace, int, pd.DataFrame, pd.DataFrame]:
    """A workspace with both lists and three shared accounts (``mirror`` swaps the sides)."""
    ws = Workspace.create(path, us, [])
    record = ws.add_partner(partner)
    assert record.id is not None
    ours_list, theirs_list = (
        (THEIR_ACCOUNTS, OUR_ACCOUNTS) if mirror else (OUR_ACCOUNTS, THEIR_ACCOUNTS)
    )
    ours = add_snapshot(ws, None, ours_list)
    theirs = add_snapshot(ws, record.id, theirs_list)
    add_matches(ws, record.id, [(int(ours["id"][i]), int(theirs["id"][i])) for i in range(3)])
    return ws, record.id, ours, theirs
