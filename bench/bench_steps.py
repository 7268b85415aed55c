"""Benchmark of steps 3 to 5: overlaps, assign and shortlist on a 1M x 1M mapping.

Builds a workspace directly (accounts through ``Workspace.store_accounts``, matches through
``Workspace.insert_rows``; no import or matching), then times each step and prints the
figures; then the same steps limited to one territory, and the per-territory summary. Run:

    .venv/bin/python bench/bench_steps.py [--ours 1000000] [--partner 1000000] [--shared 300000]
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

from engine import (
    add_territory,
    assign,
    build_mapping,
    find_overlaps,
    forget_mappings,
    shortlist,
    territories,
    territory_filter,
    territory_summary,
)
from engine.store.models import Match, Snapshot
from engine.store.workspace import Workspace

STAGES = np.array(["prospect", "customer", "churned", "other"], dtype=object)
INDUSTRIES = np.array(
    ["Software", "Healthcare", "Retail", "Manufacturing", "Finance", "Energy", "Education"],
    dtype=object,
)
PRIORITIES = np.array(["high", "medium", "low", None], dtype=object)
TERRITORIES = {
    "Software large": dict(industries="Software", revenue="10M+"),
    "Software small": dict(industries="Software", revenue="<10M"),
    "Health and finance": dict(industries="Healthcare, Finance"),
    "Retail mid-size": dict(industries="Retail", revenue="1M-20M"),
}


def _accounts(rng: np.random.Generator, n: int, prefix: str) -> pd.DataFrame:
    """``n`` synthetic accounts; names ``Company <i>`` so both sides can share account numbers."""
    numbers = np.arange(n)
    days = rng.integers(0, 2000, n)
    first_touch = pd.to_datetime("2020-01-01") + pd.to_timedelta(days, unit="D")
    close = pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    has_deal = rng.random(n) < 0.3
    frame = pd.DataFrame(
        {
            "row_number": numbers + 2,
            "external_id": pd.Series(numbers).map(lambda i: f"{prefix}{i:07d}"),
            "name": pd.Series(numbers).map(lambda i: f"Company {i}"),
            "domains": pd.Series(numbers).map(lambda i: f"company{i}.com"),
            "industry": INDUSTRIES[rng.integers(0, len(INDUSTRIES), n)],
            "annual_revenue": np.where(rng.random(n) < 0.8, rng.integers(1, 5000, n) * 1e4, np.nan),
            "stage": STAGES[rng.choice(4, n, p=[0.55, 0.3, 0.1, 0.05])],
            "owner": np.where(
                rng.random(n) < 0.7, "Owner " + pd.Series(numbers % 97).astype(str), None
            ),
            "deal_size": np.where(has_deal, rng.integers(1, 500, n) * 1e3, np.nan),
            "deal_close_date": np.where(
                has_deal & (rng.random(n) < 0.7), close.strftime("%Y-%m-%d"), None
            ),
            "priority": PRIORITIES[rng.integers(0, 4, n)],
            "first_touch": np.where(rng.random(n) < 0.6, first_touch.strftime("%Y-%m-%d"), None),
        }
    )
    return frame


def build(path: Path, ours: int, partner: int, shared: int, seed: int = 7) -> None:
    """A workspace with ``ours`` and ``partner`` accounts, ``shared`` of them matched."""
    rng = np.random.default_rng(seed)
    ws = Workspace.create(path, "Acme Corp", ["acme.com"])
    try:
        globex = ws.add_partner("Globex")
        stamp = datetime.now(UTC)
        with ws.session() as session:
            snaps = [
                Snapshot(
                    partner_id=pid,
                    file_name=f"{name}.csv",
                    sha256="0",
                    imported_at=stamp,
                    mapping_json="{}",
                )
                for pid, name in ((None, "ours"), (globex.id, "globex"))
            ]
            session.add_all(snaps)
            session.commit()
            our_snap, partner_snap = (s.id for s in snaps)
        with ws.transaction() as conn:
            first = Workspace.store_accounts(conn, our_snap, _accounts(rng, ours, "A"))
            our_ids = first + np.arange(ours)
            first = Workspace.store_accounts(conn, partner_snap, _accounts(rng, partner, "G"))
            partner_ids = first + np.arange(partner)
        # Shared pairs: our i-th account with a shuffled partner account.
        pick = rng.permutation(partner)[:shared]
        matches = pd.DataFrame(
            {
                "partner_id": globex.id,
                "our_account_id": our_ids[:shared],
                "partner_account_id": partner_ids[pick],
                "method": "domain",
                "score": 100.0,
                "status": np.where(rng.random(shared) < 0.9, "auto", "accepted"),
                "explanation": "same domain",
                "matched_at": stamp.isoformat(),
            }
        )
        with ws.transaction() as conn:
            Workspace.insert_rows(conn, Match, matches)
    finally:
        ws.close()


def _timed(label: str, figures: dict[str, tuple[float, float]], call):  # type: ignore[no-untyped-def]
    """Run ``call``; keep and print its wall-clock and CPU seconds.

    CPU time is what the step costs this process; on a busy machine (other processes on the
    same cores) wall-clock time is longer by the share of the cores they take.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    figures[label] = (time.perf_counter() - wall, time.process_time() - cpu)
    print(
        f"  {label:<34} {figures[label][0]:6.2f} s wall {figures[label][1]:6.2f} s CPU", flush=True
    )
    return result


def _total(figures: dict[str, tuple[float, float]]) -> None:
    wall = sum(w for w, _c in figures.values())
    cpu = sum(c for _w, c in figures.values())
    print(f"  {'total':<34} {wall:6.2f} s wall {cpu:6.2f} s CPU")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ours", type=int, default=1_000_000)
    parser.add_argument("--partner", type=int, default=1_000_000)
    parser.add_argument("--shared", type=int, default=300_000)
    parser.add_argument("--workspace", type=Path, help="reuse (or create) this workspace file")
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory(prefix="overlap-bench-")
    path = args.workspace or Path(folder.name) / "bench.overlap"
    if not path.exists():
        start = time.perf_counter()
        build(path, args.ours, args.partner, args.shared)
        print(f"workspace built in {time.perf_counter() - start:.1f} s: {path}")
    print(
        f"{args.ours:,} x {args.partner:,} accounts, {args.shared:,} shared "
        f"({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})"
    )
    with Workspace.open(path) as ws:
        print("One mapping, handed to each step (as the desktop runs them):")
        one: dict[str, tuple[float, float]] = {}
        mapping = _timed("build_mapping", one, lambda: build_mapping(ws, "Globex"))
        result = _timed("overlaps", one, lambda: find_overlaps(ws, "Globex", mapping=mapping))
        leads = _timed(
            "assign (incl. writing leads)", one, lambda: assign(ws, "Globex", mapping=mapping)
        )
        picks = _timed("shortlist", one, lambda: shortlist(ws, "Globex", mapping=mapping))
        _total(one)
        assert result.counts["shared"] == args.shared and len(leads) == args.shared
        assert len(picks) == 30

        print("Each step called on its own (the mapping is kept between calls):")
        forget_mappings(ws)
        kept: dict[str, tuple[float, float]] = {}
        _timed("overlaps (builds the mapping)", kept, lambda: find_overlaps(ws, "Globex"))
        _timed("assign", kept, lambda: assign(ws, "Globex"))
        _timed("shortlist", kept, lambda: shortlist(ws, "Globex"))
        _total(kept)

        print("Each step cold (mapping rebuilt every call, as separate CLI runs):")
        cold: dict[str, tuple[float, float]] = {}
        for label, call in (
            ("overlaps", lambda: find_overlaps(ws, "Globex")),
            ("assign", lambda: assign(ws, "Globex")),
            ("shortlist", lambda: shortlist(ws, "Globex")),
        ):
            forget_mappings(ws)
            _timed(label, cold, call)
        _total(cold)

        print("By territory (four territories on industry and revenue; mapping kept):")
        if not territories(ws, "Globex"):
            for name, criteria in TERRITORIES.items():
                add_territory(ws, "Globex", name, **criteria)
        mapping = build_mapping(ws, "Globex")
        by: dict[str, tuple[float, float]] = {}
        summary = _timed(
            "summary (first: reads the fields)",
            by,
            lambda: territory_summary(ws, "Globex", mapping=mapping),
        )
        _timed("summary again", by, lambda: territory_summary(ws, "Globex", mapping=mapping))
        west = _timed(
            "overlaps of one territory",
            by,
            lambda: find_overlaps(
                ws,
                "Globex",
                territory=territory_filter(ws, "Globex", "Software large"),
                mapping=mapping,
            ),
        )
        _timed(
            "shortlist of one territory",
            by,
            lambda: shortlist(
                ws,
                "Globex",
                territory=territory_filter(ws, "Globex", "Software large"),
                mapping=mapping,
            ),
        )
        _total(by)
        assert int(summary["shared"].sum()) == args.shared
        assert west.counts["shared"] == int(
            summary.set_index("territory").loc["Software large", "shared"]
        )
    folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
