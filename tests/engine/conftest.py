"""Workspaces with accounts and matches inserted directly (no import, no matching).

``add_mapping`` writes a snapshot per side, their accounts and the match rows; the fixture
``mapped`` is the hand-checked Acme / Globex data set the step 3-5 tests count on:

=========  =====================  =====================  ========  ======================
account    ours (A...)            Globex (G...)          match     potential revenue
=========  =====================  =====================  ========  ======================
Initech    prospect, deal 100k    customer               auto      100k (deal)
Umbrella   customer               prospect, deal 80k     accepted  80k (deal)
Hooli      prospect               prospect, deal 30k     auto      30k (deal)
Soylent    churned, rev 3M        customer, rev 3.5M     manual    0 (no deal; revenue: band)
Vandelay   prospect, deal 50k     prospect, deal 40k     auto      90k (deal)
Stark      customer, deal 200k    customer, deal 150k    auto      350k (deal)
Wayne      prospect               -                      -         ours only
Acme W.    customer               Cyberdyne (prospect)   review    ours only / partner only
-          -                      Tyrell (customer)      -         partner only, greenfield
Rejected   (Wayne)                Rejected Co (customer) rejected  partner only, greenfield
=========  =====================  =====================  ========  ======================
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest

from engine.store.models import Match, Snapshot
from engine.store.workspace import Workspace

ACCOUNT_FIELDS = (
    "external_id",
    "name",
    "domains",
    "industry",
    "annual_revenue",
    "stage",
    "owner",
    "deal_size",
    "deal_close_date",
    "priority",
    "first_touch",
)


def add_snapshot(
    ws: Workspace,
    partner_id: int | None,
    accounts: Sequence[dict[str, Any]],
    *,
    imported_at: datetime | None = None,
    file_name: str = "export.csv",
) -> dict[str, int]:
    """A snapshot of one side with these accounts; returns {external_id: account id}."""
    with ws.session() as session:
        snapshot = Snapshot(
            partner_id=partner_id,
            file_name=file_name,
            sha256="0" * 64,
            imported_at=imported_at or datetime.now(UTC),
            mapping_json="{}",
        )
        session.add(snapshot)
        session.commit()
        session.refresh(snapshot)
    frame = pd.DataFrame([{f: a.get(f) for f in ACCOUNT_FIELDS} for a in accounts])
    frame["domains"] = frame["domains"].fillna("")
    frame["stage"] = frame["stage"].fillna("other")
    frame.insert(0, "row_number", range(2, len(frame) + 2))
    with ws.transaction() as connection:
        first = Workspace.store_accounts(connection, snapshot.id, frame)
    return {str(e): first + i for i, e in enumerate(frame["external_id"])}


def add_matches(
    ws: Workspace,
    partner_id: int,
    our_ids: dict[str, int],
    partner_ids: dict[str, int],
    pairs: Sequence[tuple[str, str, str]],
    *,
    replace: bool = True,
) -> None:
    """Match rows (our external id, partner external id, status) for the partnership."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = pd.DataFrame(
        [
            {
                "partner_id": partner_id,
                "our_account_id": our_ids[o],
                "partner_account_id": partner_ids[p],
                "method": "domain",
                "score": 100.0,
                "status": status,
                "explanation": "test",
                "matched_at": stamp,
            }
            for o, p, status in pairs
        ]
    )
    with ws.transaction() as connection:
        if replace:
            connection.exec_driver_sql("DELETE FROM match WHERE partner_id = ?", (partner_id,))
        Workspace.insert_rows(connection, Match, rows)


OURS = [
    dict(
        external_id="A1",
        name="Initech",
        domains="initech.com",
        stage="prospect",
        deal_size=100_000,
        annual_revenue=5e6,
        owner="Ann",
        first_touch="2024-03-01",
        industry="Software",
        priority="high",
    ),
    dict(
        external_id="A2",
        name="Umbrella",
        domains="umbrella.com",
        stage="customer",
        annual_revenue=20e6,
        owner="Bob",
        first_touch="2022-01-10",
        industry="Healthcare",
        priority="medium",
    ),
    dict(
        external_id="A3",
        name="Hooli",
        domains="hooli.com",
        stage="prospect",
        annual_revenue=8e6,
        first_touch="2025-02-01",
        industry="Software",
    ),
    dict(
        external_id="A4",
        name="Soylent",
        domains="soylent.com",
        stage="churned",
        annual_revenue=3e6,
        owner="Cy",
        industry="Food",
    ),
    dict(
        external_id="A5",
        name="Vandelay",
        domains="vandelay.com",
        stage="prospect",
        deal_size=50_000,
        owner="Ann",
        first_touch="2024-06-01",
        deal_close_date="2026-03-01",
        industry="Manufacturing",
    ),
    dict(
        external_id="A6",
        name="Stark",
        domains="stark.com",
        stage="customer",
        deal_size=200_000,
        annual_revenue=100e6,
        owner="Bob",
        industry="Energy",
        priority="high",
    ),
    dict(external_id="A7", name="Wayne", domains="wayne.com", stage="prospect", industry="Retail"),
    dict(external_id="A8", name="Acme Widgets", domains="acmewidgets.com", stage="customer"),
]
THEIRS = [
    dict(
        external_id="G1",
        name="Initech Inc",
        domains="initech.com",
        stage="customer",
        annual_revenue=6e6,
        owner="Gina",
        first_touch="2023-01-01",
        industry="Software",
    ),
    dict(
        external_id="G2",
        name="Umbrella Corp",
        domains="umbrella.com",
        stage="prospect",
        deal_size=80_000,
        annual_revenue=20e6,
        owner="Hal",
        industry="Healthcare",
    ),
    dict(
        external_id="G3",
        name="Hooli",
        domains="hooli.com",
        stage="prospect",
        deal_size=30_000,
        annual_revenue=9e6,
        owner="Ivy",
        first_touch="2024-12-01",
        deal_close_date="2026-01-15",
    ),
    dict(
        external_id="G4",
        name="Soylent",
        domains="soylent.com",
        stage="customer",
        annual_revenue=3.5e6,
    ),
    dict(
        external_id="G5",
        name="Vandelay Industries",
        domains="vandelay.com",
        stage="prospect",
        deal_size=40_000,
        first_touch="2024-01-01",
        deal_close_date="2026-05-01",
    ),
    dict(
        external_id="G6",
        name="Stark",
        domains="stark.com",
        stage="customer",
        deal_size=150_000,
        owner="Jo",
        priority="low",
    ),
    dict(
        external_id="G7", name="Tyrell", domains="tyrell.com", stage="customer", annual_revenue=50e6
    ),
    dict(external_id="G8", name="Cyberdyne", domains="cyberdyne.com", stage="prospect"),
    dict(external_id="G9", name="Rejected Co", domains="rejected.com", stage="customer"),
]
PAIRS = [
    ("A1", "G1", "auto"),
    ("A2", "G2", "accepted"),
    ("A3", "G3", "auto"),
    ("A4", "G4", "manual"),
    ("A5", "G5", "auto"),
    ("A6", "G6", "auto"),
    ("A7", "G9", "rejected"),
    ("A8", "G8", "review"),
]


@dataclass
class Mapped:
    ws: Workspace
    partner_id: int
    ours: dict[str, int]
    theirs: dict[str, int]


@pytest.fixture
def mapped(workspace: Workspace) -> Mapped:
    """The Acme / Globex data set of the module docstring, in a workspace."""
    partner_id = int(workspace.partner("Globex").id)  # type: ignore[arg-type]
    ours = add_snapshot(workspace, None, OURS)
    theirs = add_snapshot(workspace, partner_id, THEIRS)
    add_matches(workspace, partner_id, ours, theirs, PAIRS)
    return Mapped(workspace, partner_id, ours, theirs)


@pytest.fixture
def day_apart_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[date]:
    """This machine's clock in a zone whose calendar day differs from UTC's right now (a day
    ahead in the Pacific when UTC is past 10:00, else a day behind); the local day."""
    zone = "Etc/GMT-14" if datetime.now(UTC).hour >= 10 else "Etc/GMT+12"
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    local = date.today()
    assert local != datetime.now(UTC).date()
    yield local
    monkeypatch.undo()
    time.tzset()
