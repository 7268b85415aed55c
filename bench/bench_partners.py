"""Benchmark of many partners: the cross-partner view and the comparison at a million accounts.

Builds a workspace directly, as ``bench_steps.py`` does (accounts through
``Workspace.store_accounts``, matches through ``Workspace.insert_rows``; no import or
matching): a million accounts of ours and three partners, each sharing 300k of our accounts
drawn at random (so some 220k of ours are shared with two or three partners), every
partnership's leads assigned by the default rules. Then times ``cross_partner`` cold (the
mappings built anew, as a CLI run does) and warm (mappings kept, as the desktop has them), its
filters, ``settle_lead`` and ``compare_partners``. Run:

    .venv/bin/python bench/bench_partners.py [--ours 1000000] [--partner 500000]
        [--shared 300000] [--partners 3] [--workspace FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_steps import _accounts, _timed, _total

from engine import (
    assign,
    compare_partners,
    cross_partner,
    forget_mappings,
    restore_leads,
    settle_lead,
)
from engine.store.models import Match, Snapshot
from engine.store.workspace import Workspace

NAMES = ("Globex", "Tyrell", "Wonka", "Cyberdyne", "Soylent", "Initech", "Hooli", "Umbrella")


def build(path: Path, ours: int, partner: int, shared: int, partners: int, seed: int = 7) -> None:
    """``ours`` accounts of ours; ``partners`` partners of ``partner`` accounts, each sharing
    ``shared`` of ours (chosen at random, so partners overlap); leads assigned."""
    rng = np.random.default_rng(seed)
    ws = Workspace.create(path, "Acme Corp", ["acme.com"])
    try:
        records = [ws.add_partner(NAMES[i % len(NAMES)] + ("" if i < 8 else f" {i}"))
                   for i in range(partners)]  # fmt: skip
        stamp = datetime.now(UTC)
        with ws.session() as session:
            snaps = [
                Snapshot(
                    partner_id=pid,
                    file_name=f"{pid or 'ours'}.csv",
                    sha256="0",
                    imported_at=stamp,
                    mapping_json="{}",
                )
                for pid in (None, *(r.id for r in records))
            ]
            session.add_all(snaps)
            session.commit()
            snap_ids = [s.id for s in snaps]
        with ws.transaction() as conn:
            first = Workspace.store_accounts(conn, snap_ids[0], _accounts(rng, ours, "A"))
            our_ids = first + np.arange(ours)
        for number, record in enumerate(records):
            with ws.transaction() as conn:
                frame = _accounts(rng, partner, f"P{number}-")
                first = Workspace.store_accounts(conn, snap_ids[number + 1], frame)
                partner_ids = first + np.arange(partner)
                matches = pd.DataFrame(
                    {
                        "partner_id": record.id,
                        "our_account_id": our_ids[rng.permutation(ours)[:shared]],
                        "partner_account_id": partner_ids[rng.permutation(partner)[:shared]],
                        "method": "domain",
                        "score": 100.0,
                        "status": "auto",
                        "explanation": "same domain",
                        "matched_at": stamp.isoformat(),
                    }
                )
                Workspace.insert_rows(conn, Match, matches)
            assign(ws, record.name)
            forget_mappings(ws)
    finally:
        ws.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours", type=int, default=1_000_000)
    parser.add_argument("--partner", type=int, default=500_000)
    parser.add_argument("--shared", type=int, default=300_000)
    parser.add_argument("--partners", type=int, default=3)
    parser.add_argument("--workspace", type=Path, help="reuse (or create) this workspace file")
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory(prefix="overlap-bench-")
    path = args.workspace or Path(folder.name) / "bench.overlap"
    if not path.exists():
        start = time.perf_counter()
        build(path, args.ours, args.partner, args.shared, args.partners)
        print(f"workspace built in {time.perf_counter() - start:.1f} s: {path}")
    print(
        f"{args.ours:,} accounts of ours; {args.partners} partners of {args.partner:,} accounts, "
        f"{args.shared:,} shared each ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})"
    )
    with Workspace.open(path) as ws:
        print("Cross-partner view, cold (every mapping built, as a CLI run):")
        cold: dict[str, tuple[float, float]] = {}
        view = _timed(
            "cross_partner(reasons=False)", cold, lambda: cross_partner(ws, reasons=False)
        )
        _total(cold)
        counts = view.counts
        print(
            f"  {counts['shared']:,} of our accounts shared, {counts['several']:,} with two or "
            f"more partners, {counts['contested']:,} contested, {counts['needs_lead']:,} "
            "needing a lead"
        )
        assert counts["shared"] == len(view.accounts)
        assert len(view.pairs) == args.partners * args.shared

        print("Warm (mappings kept, as the desktop has them):")
        warm: dict[str, tuple[float, float]] = {}
        _timed("cross_partner(reasons=False)", warm, lambda: cross_partner(ws, reasons=False))
        _timed("cross_partner (with every reason)", warm, lambda: cross_partner(ws))
        flagged = _timed(
            "cross_partner(flag='contested')",
            warm,
            lambda: cross_partner(ws, flag="contested", reasons=False),
        )
        name = str(flagged.accounts["our_external_id"].iloc[0])
        one = _timed("cross_partner(account=CRM id)", warm, lambda: cross_partner(ws, account=name))
        assert len(one.accounts) == 1
        leader = str(one.pairs["partner"].iloc[0])
        changes = _timed(
            "settle_lead", warm, lambda: settle_lead(ws, name, leader, "bench: one partner leads")
        )
        _timed("restore_leads", warm, lambda: restore_leads(ws, changes))
        comparison = _timed("compare_partners", warm, lambda: compare_partners(ws))
        _total(warm)
        print(comparison.table[["rank", "partner", "shared_accounts", "shared_customers"]])

        print("Comparison, cold:")
        forget_mappings(ws)
        alone: dict[str, tuple[float, float]] = {}
        _timed("compare_partners", alone, lambda: compare_partners(ws))
        _total(alone)
    folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
