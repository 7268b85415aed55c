"""Sharing benchmarks: private matching on 100k x 100k keys, plan export of 500 plans.

    .venv/bin/python bench/bench_sharing.py              # PSI 100k x 100k keys + 500-plan export
    .venv/bin/python bench/bench_sharing.py --keys 20000 --plans 100

Targets (issue 6): each PSI step <= 10 s; exporting 500 plans <= 5 s per file kind.
Each side has ``keys / 2`` accounts with one domain and one name key each, 30% of them shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import (
    Workspace,
    export_share,
    import_plan_file,
    psi_finish,
    psi_request,
    psi_respond,
)
from engine.store.models import Match, Plan, PlanMetric, PlanRole, PlanStep, Snapshot
from engine.store.workspace import account_keys, now

WORDS = [
    "Alpine",
    "Borealis",
    "Cobalt",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Indigo",
    "Juniper",
]


def _accounts(start: int, count: int) -> pd.DataFrame:
    numbers = range(start, start + count)
    return pd.DataFrame(
        {
            "external_id": [f"X{n:07d}" for n in numbers],
            "name": [f"{WORDS[n % 10]} {n:07d} Holdings" for n in numbers],
            "domains": [f"{WORDS[n % 10].lower()}{n:07d}.com" for n in numbers],
            "stage": ["customer" if n % 3 == 0 else "prospect" for n in numbers],
        }
    )


def _snapshot(ws: Workspace, partner_id: int | None, frame: pd.DataFrame) -> pd.DataFrame:
    with ws.session() as session:
        snapshot = Snapshot(
            partner_id=partner_id,
            file_name="bench.csv",
            sha256="0" * 64,
            imported_at=now(),
            mapping_json="{}",
        )
        session.add(snapshot)
        session.commit()
        session.refresh(snapshot)
    frame = frame.assign(row_number=range(2, len(frame) + 2))
    assert snapshot.id is not None
    with ws.transaction() as connection:
        Workspace.store_accounts(connection, snapshot.id, frame)
    return ws.accounts(snapshot.id)


def _timed(label: str, fn, limit: float | None = None):  # type: ignore[no-untyped-def]
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    verdict = "" if limit is None else ("  ok" if seconds <= limit else f"  OVER {limit:g} s")
    # CPU time counts every thread; on an idle 2-core machine the wall time of the PSI steps
    # is about half of it.
    print(f"  {label:44} {seconds:7.2f} s wall {cpu:7.2f} s cpu{verdict}", flush=True)
    return result, seconds


def bench_psi(folder: Path, keys: int) -> None:
    accounts = keys // 2
    shared = int(accounts * 0.3)
    print(f"PSI: {keys:,} keys a side ({accounts:,} accounts, {shared:,} shared)")
    a = Workspace.create(folder / "psi-a", "Acme Corp", [])
    b = Workspace.create(folder / "psi-b", "Globex", [])
    try:
        a.add_partner("Globex")
        b.add_partner("Acme Corp")
        _snapshot(a, None, _accounts(0, accounts))
        _snapshot(b, None, _accounts(accounts - shared, accounts))
        request, _ = _timed(
            "request (hash, blind, shuffle)",
            lambda: psi_request(a, "Globex", folder / "req.ovpsi"),
            10,
        )
        _timed(
            "respond (re-blind theirs, blind ours)",
            lambda: psi_respond(b, "Acme Corp", folder / "req.ovpsi", folder / "resp.ovpsi"),
            10,
        )
        result, _ = _timed(
            "finish (+ back file)",
            lambda: psi_finish(a, "Globex", folder / "resp.ovpsi", back=folder / "back.ovpsi"),
            10,
        )
        back, _ = _timed(
            "finish on the partner's side (back file)",
            lambda: psi_finish(b, "Acme Corp", folder / "back.ovpsi"),
            10,
        )
        size = sum((folder / n).stat().st_size for n in ("req.ovpsi", "resp.ovpsi", "back.ovpsi"))
        print(
            f"  keys sent {request.our_count:,}; shared keys {result.shared_keys:,} "
            f"(expected {2 * shared:,}); shared accounts {result.shared_account_count:,} / "
            f"{back.shared_account_count:,}; files {size / 1e6:.1f} MB"
        )
        assert result.shared_keys == 2 * shared and result.shared_account_count == shared
    finally:
        a.close()
        b.close()


def bench_export(folder: Path, count: int) -> None:
    print(f"Plan export: {count:,} plans, 3 steps, 2 metrics and 2 roles each")
    ws = Workspace.create(folder / "plans-a", "Acme Corp", [])
    partner = ws.add_partner("Globex")
    ours = _snapshot(ws, None, _accounts(0, count))
    theirs = _snapshot(ws, partner.id, _accounts(0, count))
    with ws.transaction() as connection:
        Workspace.insert_rows(
            connection,
            Match,
            pd.DataFrame(
                {
                    "partner_id": partner.id,
                    "our_account_id": ours["id"],
                    "partner_account_id": theirs["id"],
                    "method": "domain",
                    "score": 100.0,
                    "status": "auto",
                    "explanation": "same domain",
                    "matched_at": now().isoformat(sep=" "),
                }
            ),
        )
        stamp = now().isoformat(sep=" ")
        plans = pd.DataFrame(
            {
                "partner_id": partner.id,
                "our_key": account_keys(ours),
                "partner_key": account_keys(theirs),
                "account_name": ours["name"],
                "lead": ["us" if i % 2 else "partner" for i in range(count)],
                "objective": [
                    f"Land the {n} platform deal together with a joint demo" for n in ours["name"]
                ],
                "status": "active",
                "notes": "",
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        Workspace.insert_rows(connection, Plan, plans)
    ids = ws.read_frame("SELECT id FROM plan ORDER BY id")["id"].tolist()
    with ws.transaction() as connection:
        Workspace.insert_rows(
            connection,
            PlanStep,
            pd.DataFrame(
                [
                    {
                        "plan_id": i,
                        "what": what,
                        "owner_party": party,
                        "owner_person": "Ann Lee",
                        "due_date": "2027-01-15",
                        "done": False,
                    }
                    for i in ids
                    for what, party in (
                        ("Intro call", "us"),
                        ("Technical workshop", "partner"),
                        ("Joint proposal", "us"),
                    )
                ]
            ),
        )
        Workspace.insert_rows(
            connection,
            PlanMetric,
            pd.DataFrame(
                [
                    {"plan_id": i, "name": n, "target": 100000.0, "actual": 25000.0, "unit": "USD"}
                    for i in ids
                    for n in ("Pipeline", "Won")
                ]
            ),
        )
        Workspace.insert_rows(
            connection,
            PlanRole,
            pd.DataFrame(
                [
                    {
                        "plan_id": i,
                        "party": p,
                        "person": person,
                        "role": "Account executive",
                        "responsibility": "Owns the deal",
                    }
                    for i in ids
                    for p, person in (("us", "Ann Lee"), ("partner", "Gil Roy"))
                ]
            ),
        )
    try:
        for name in ("plans.xlsx", "plans.pdf", "plans.csv", "plans.overlap-plan"):
            _timed(f"export {name}", lambda name=name: export_share(ws, "Globex", folder / name), 5)
        _timed(
            "export plans.enc.overlap-plan (encrypted)",
            lambda: export_share(
                ws, "Globex", folder / "plans.enc.overlap-plan", passphrase="correct horse battery"
            ),
            5,
        )
        pages = _pdf_pages(folder / "plans.pdf")
        print(f"  PDF pages: {pages}")
        b = Workspace.create(folder / "plans-b", "Globex", [])
        try:
            b_partner = b.add_partner("Acme Corp")
            b_ours = _snapshot(b, None, _accounts(0, count))
            b_theirs = _snapshot(b, b_partner.id, _accounts(0, count))
            with b.transaction() as connection:
                Workspace.insert_rows(
                    connection,
                    Match,
                    pd.DataFrame(
                        {
                            "partner_id": b_partner.id,
                            "our_account_id": b_ours["id"],
                            "partner_account_id": b_theirs["id"],
                            "method": "domain",
                            "score": 100.0,
                            "status": "auto",
                            "explanation": "same domain",
                            "matched_at": now().isoformat(sep=" "),
                        }
                    ),
                )
            imported, _ = _timed(
                "import plans.overlap-plan on the partner's side",
                lambda: import_plan_file(b, "Acme Corp", folder / "plans.overlap-plan"),
                5,
            )
            print(f"  created {imported.created:,} plans, {imported.items_added:,} items")
        finally:
            b.close()
    finally:
        ws.close()


def _pdf_pages(path: Path) -> int:
    return path.read_bytes().count(b"/Type /Page\n") or path.read_bytes().count(b"/Type /Page")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keys", type=int, default=100_000, help="PSI keys a side (default 100000)"
    )
    parser.add_argument("--plans", type=int, default=500, help="plans to export (default 500)")
    parser.add_argument("--skip-psi", action="store_true", help="only the plan export")
    parser.add_argument("--keep", metavar="DIR", help="write the files to DIR and keep them")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} cores, load average {load:.2f} (other work slows the wall times)")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.keep or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        if not args.skip_psi:
            bench_psi(folder, args.keys)
        bench_export(folder, args.plans)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
