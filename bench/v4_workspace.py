"""A large workspace of schema version 4 (accounts in a row table), for upgrade tests.

Copies ``tests/data/workspace_v4.overlap`` (saved by the release that wrote version 4) and adds
``accounts`` accounts to each side's snapshot and a match for each pair, so that its upgrade
to the block layout takes seconds and can be interrupted. Used by the crash-consistency test
and ``bench/bench_crash.py``; run on its own to make a file:

    .venv/bin/python bench/v4_workspace.py OUT.overlap [--accounts 150000]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sqlite3
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "data" / "workspace_v4.overlap"


def inflate_v4_workspace(path: Path, accounts: int) -> Path:
    """Write the version-4 fixture to ``path`` with ``accounts`` more accounts a side, matched."""
    shutil.copyfile(FIXTURE, path)
    with contextlib.closing(sqlite3.connect(path)) as con:
        first = int(con.execute("SELECT max(id) FROM account").fetchone()[0]) + 1
        rows = []
        for side, snapshot_id in ((0, 1), (1, 2)):
            start = first + side * accounts
            rows.extend(
                (
                    start + i,
                    snapshot_id,
                    i + 10,
                    f"X{side}-{i}",
                    f"Company {i} {'Inc' if side == 0 else 'LLC'}",
                    f"company{i}.com",
                    "prospect" if i % 3 else "customer",
                )
                for i in range(accounts)
            )
        con.executemany(
            "INSERT INTO account (id, snapshot_id, row_number, external_id, name, domains, stage) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        con.executemany(
            "INSERT INTO match (partner_id, our_account_id, partner_account_id, method, score, "
            "status, explanation, matched_at) "
            "VALUES (1, ?, ?, 'domain', 100, 'auto', 'same domain', '2026-11-26 09:28:17')",
            ((first + i, first + accounts + i) for i in range(accounts)),
        )
        con.commit()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--accounts", type=int, default=150_000)
    args = parser.parse_args()
    inflate_v4_workspace(args.out, args.accounts)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
