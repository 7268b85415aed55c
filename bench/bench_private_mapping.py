"""The two-laptop flow on generated lists: private matching feeds every step.

    .venv/bin/python bench/bench_private_mapping.py                 # 100k accounts a side
    .venv/bin/python bench/bench_private_mapping.py --accounts 10000 --check-bytes

Two workspaces, each with its own export only (bench/generate.py, 30% shared, 80% with a
website); three files (request, response, back); then overlaps, assign, shortlist, plans, a
plan file out and back with an edit, and a refresh (a new export on one side, the exchange run
again). Prints per step the wall time (target: 10 s a step at 100k accounts a side), the file
sizes, the shared counts of both sides (equal), the share of a full ``overlap map``'s
automatic links that the exchange finds (target 0.95 with websites; private matching finds
exact name and domain matches only), and with ``--check-bytes`` that no partner-only name or
domain is in either workspace or any file.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import generate
from engine import (
    Workspace,
    assign,
    create_plans_for_shortlist,
    export_share,
    find_overlaps,
    import_file,
    import_plan_file,
    list_plans,
    match_partner,
    prepare_keys,
    psi_finish,
    psi_request,
    psi_respond,
    set_override,
    set_share_policy,
    shortlist,
)
from engine.sharing.psi import account_psi_keys

POLICY = ["account_name", "domain", "lead", "plan", "next_steps", "stage", "deal_size"]


@dataclass
class Flow:
    """What one run measured and left behind."""

    folder: Path
    times: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU time of every thread
    load: dict[str, float] = field(default_factory=dict)  # the 1-minute load average at the start
    sizes: dict[str, int] = field(default_factory=dict)
    shared: dict[str, int] = field(default_factory=dict)
    found_share: float | None = None
    auto_links: int = 0
    plans: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    workspaces: list[Path] = field(default_factory=list)

    def timed(self, label: str, call: Callable[[], Any]) -> Any:
        self.load[label] = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        start, cpu = time.perf_counter(), time.process_time()
        value = call()
        self.times[label] = time.perf_counter() - start
        self.cpu[label] = time.process_time() - cpu
        return value


def _exchange(flow: Flow, a: Workspace, b: Workspace, tag: str) -> None:
    folder = flow.folder
    request, response, back = (folder / f"{tag}-{n}.ovpsi" for n in ("request", "response", "back"))
    flow.timed(f"{tag}: psi request (A)", lambda: psi_request(a, "Globex", request))
    flow.timed(f"{tag}: psi respond (B)", lambda: psi_respond(b, "Acme Corp", request, response))
    flow.timed(f"{tag}: psi finish (A)", lambda: psi_finish(a, "Globex", response, back=back))
    flow.timed(f"{tag}: psi finish back (B)", lambda: psi_finish(b, "Acme Corp", back))
    for path in (request, response, back):
        flow.sizes[path.name] = path.stat().st_size
        flow.files.append(path)


def _full_map(folder: Path, ours: Path, theirs: Path) -> set[tuple[str, str]]:
    """The automatic links of ``overlap map`` with both lists in one workspace (by CRM ids)."""
    with Workspace.create(folder / "full.overlap", "Acme Corp", []) as ws:
        ws.add_partner("Globex")
        import_file(ws, "us", ours)
        import_file(ws, "Globex", theirs)
        match_partner(ws, "Globex")
        links = ws.read_frame(
            "SELECT our_account_id, partner_account_id FROM match WHERE status = 'auto'"
        )
        ids = ws.accounts_by_id(links["our_account_id"].to_numpy(), ["external_id"])
        pids = ws.accounts_by_id(links["partner_account_id"].to_numpy(), ["external_id"])
        return set(zip(ids["external_id"], pids["external_id"], strict=True))


def _private_links(ws: Workspace) -> set[tuple[str, str]]:
    links = ws.read_frame(
        "SELECT our_account_id, partner_account_id FROM match WHERE method = 'private'"
    )
    ids = ws.accounts_by_id(links["our_account_id"].to_numpy(), ["external_id"])
    pids = ws.accounts_by_id(links["partner_account_id"].to_numpy(), ["external_id"])
    return set(zip(ids["external_id"], pids["external_id"], strict=True))


def run(
    folder: Path,
    accounts: int,
    *,
    shared: float = 0.3,
    seed: int = 11,
    compare: bool = True,
) -> Flow:
    """The whole flow in ``folder``; returns what it measured (workspaces stay closed there)."""
    flow = Flow(folder)
    flow.workspaces = [folder / "acme.overlap", folder / "globex.overlap"]
    ours, theirs, _truth = generate(accounts, accounts, shared, seed=seed, websites=0.8)
    ours_csv, theirs_csv = folder / "acme.csv", folder / "globex.csv"
    ours.to_csv(ours_csv, index=False)
    theirs.to_csv(theirs_csv, index=False)
    a = Workspace.create(flow.workspaces[0], "Acme Corp", [])
    b = Workspace.create(flow.workspaces[1], "Globex", [])
    try:
        a.add_partner("Globex")
        b.add_partner("Acme Corp")
        flow.timed("import own export (A)", lambda: import_file(a, "us", ours_csv))
        flow.timed("import own export (B)", lambda: import_file(b, "us", theirs_csv))
        set_share_policy(a, "Globex", fields=POLICY)
        set_share_policy(b, "Acme Corp", fields=POLICY)
        # Each side hashes its keys once per export (the CLI and the app do it at import once
        # private matching is in use; otherwise the first step that needs them does it).
        flow.timed("prepare keys (A)", lambda: prepare_keys(a))
        flow.timed("prepare keys (B)", lambda: prepare_keys(b))
        _exchange(flow, a, b, "first")
        over_a = flow.timed("overlaps (A)", lambda: find_overlaps(a, "Globex"))
        over_b = flow.timed("overlaps (B)", lambda: find_overlaps(b, "Acme Corp"))
        flow.shared = {"A": over_a.counts["shared"], "B": over_b.counts["shared"]}
        flow.timed("assign (A)", lambda: assign(a, "Globex"))
        flow.timed("assign (B)", lambda: assign(b, "Acme Corp"))
        picks = flow.timed("shortlist (A)", lambda: shortlist(a, "Globex"))
        flow.timed("plans for the shortlist (A)", lambda: create_plans_for_shortlist(a, "Globex"))
        first = picks.iloc[0]
        set_override(a, "Globex", first["our_key"], first["partner_key"], "partner", "they asked")
        out = folder / "acme.overlap-plan"
        flow.timed("plan file out (A)", lambda: export_share(a, "Globex", out, kind="plan"))
        got = flow.timed("plan file in (B)", lambda: import_plan_file(b, "Acme Corp", out))
        flow.plans["sent"] = got.plans_in_file
        flow.plans["placed by B"] = got.matched  # created ones included
        plans_b = list_plans(b, "Acme Corp")
        if not plans_b.empty:
            from engine import add_step

            add_step(b, int(plans_b["id"].iloc[0]), "Joint demo", "us", "Gil")
        back = folder / "globex.overlap-plan"
        flow.timed("plan file out (B)", lambda: export_share(b, "Acme Corp", back, kind="plan"))
        merged = flow.timed("plan file in (A)", lambda: import_plan_file(a, "Globex", back))
        flow.plans["items added back at A"] = merged.items_added
        flow.files += [out, back]
        flow.sizes[out.name] = out.stat().st_size
        flow.sizes[back.name] = back.stat().st_size

        # Refresh: B exports again (a few accounts gone, the rest unchanged) and the exchange
        # runs again; A's plans, leads and override carry over to the same accounts.
        plans_before = len(list_plans(a, "Globex"))
        refreshed = theirs.iloc[: int(len(theirs) * 0.98)]
        refreshed_csv = folder / "globex-refreshed.csv"
        refreshed.to_csv(refreshed_csv, index=False)
        flow.timed("import refreshed export (B)", lambda: import_file(b, "us", refreshed_csv))
        flow.timed("prepare keys of the refreshed export (B)", lambda: prepare_keys(b))
        _exchange(flow, a, b, "refresh")
        over_a = find_overlaps(a, "Globex")
        over_b = find_overlaps(b, "Acme Corp")
        flow.shared.update(
            {"A after refresh": over_a.counts["shared"], "B after refresh": over_b.counts["shared"]}
        )
        mapping = over_a.mapping
        shared_keys = set(zip(mapping["our_key"], mapping["partner_key"], strict=True))
        plans = list_plans(a, "Globex")
        flow.plans["A before refresh"] = plans_before
        flow.plans["A still on a shared account"] = int(
            sum(
                (o, p) in shared_keys
                for o, p in zip(plans["our_key"], plans["partner_key"], strict=True)
            )
        )
        if compare:
            full = flow.timed(
                "reference: overlap map with both lists",
                lambda: _full_map(folder, ours_csv, theirs_csv),
            )
            # The refreshed list dropped 2% of B's accounts: the share is taken over the links
            # whose accounts are still in both lists.
            still = set(refreshed.iloc[:, 0].astype(str))
            reachable = {(o, p) for o, p in full if p in still}
            flow.auto_links = len(reachable)
            flow.found_share = len(_private_links(a) & reachable) / max(1, len(reachable))
    finally:
        a.close()
        b.close()
    return flow


def partner_only_strings(folder: Path) -> tuple[list[str], list[str]]:
    """B's names and domains whose keys A does not hold, and that A's own export does not
    contain as text: none of them may appear in A's workspace or in any file."""
    with (
        Workspace.open(folder / "acme.overlap", lock=False) as a,
        Workspace.open(folder / "globex.overlap", lock=False) as b,
    ):
        ours = a.accounts(int(a.current_snapshot(None).id))  # type: ignore[union-attr, arg-type]
        theirs = b.accounts(int(b.current_snapshot(None).id))  # type: ignore[union-attr, arg-type]
    our_keys = set(account_psi_keys(ours)["key"])
    keys = account_psi_keys(theirs)
    touching = set(keys.loc[keys["key"].isin(our_keys), "account_id"])
    alone = theirs[~theirs["id"].isin(touching)]
    own_text = (folder / "acme.csv").read_text(encoding="utf-8").casefold()
    names = [n for n in alone["name"].dropna() if len(n) >= 6 and n.casefold() not in own_text]
    domains = [
        d for ds in alone["domains"].fillna("") for d in ds.split() if d.casefold() not in own_text
    ]
    return names, domains


def workspace_text(path: Path) -> bytes:
    """Everything a workspace holds, as bytes: the files on disk and every table decoded
    (accounts decompressed from their blocks)."""
    parts = [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
    with sqlite3.connect(path) as connection:
        parts += [line.encode("utf-8") for line in connection.iterdump()]
    with Workspace.open(path, lock=False) as ws:
        with ws.session() as _session:
            pass
        snapshots = [
            s for side in [None, *[p.id for p in ws.partners()]] for s in ws.snapshots(side)
        ]
        for snapshot in snapshots:
            parts.append(ws.accounts(int(snapshot.id)).to_csv().encode("utf-8"))  # type: ignore[arg-type]
    return b"\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="accounts a side")
    parser.add_argument("--no-compare", action="store_true", help="skip the full overlap map")
    parser.add_argument("--check-bytes", action="store_true", help="search for partner-only text")
    parser.add_argument("--folder", type=Path, help="keep the workspaces and files here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.folder or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        flow = run(folder, args.accounts, compare=not args.no_compare)
        print(f"Private mapping: {args.accounts:,} accounts a side, 30% shared, 80% with a website")
        # CPU time counts every thread: on an idle 2-core machine the group operations run on
        # both cores, and the wall time of a private-matching step is about half of it.
        # Others' work on the machine slows the wall time: the load average says how much.
        print(f"  {'step':<45} {'wall':>9} {'cpu':>9} {'load':>6}")
        for label, seconds in flow.times.items():
            mark = "" if seconds <= 10 or label.startswith("reference") else "  (over 10 s)"
            cpu, load = flow.cpu[label], flow.load[label]
            print(f"  {label:<45} {seconds:7.2f} s {cpu:7.2f} s {load:6.2f}{mark}")
        for name, size in flow.sizes.items():
            print(f"  file {name:<40} {size / 2**20:8.2f} MiB")
        print(f"  shared accounts: {flow.shared}")
        print(f"  plans: {flow.plans}")
        if flow.found_share is not None:
            print(
                f"  share of overlap map's {flow.auto_links:,} automatic links found privately: "
                f"{flow.found_share:.3f} (target 0.95)"
            )
        if args.check_bytes:
            names, domains = partner_only_strings(folder)
            blobs = [workspace_text(flow.workspaces[0])] + [p.read_bytes() for p in flow.files]
            text = b"\n".join(blobs).lower()
            leaked = [s for s in names + domains if s.lower().encode("utf-8") in text]
            print(
                f"  partner-only names and domains checked: {len(names) + len(domains):,}; "
                f"found in A's workspace or a file: {len(leaked)}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
