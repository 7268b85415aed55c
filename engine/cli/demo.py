"""``overlap demo``: open the app on the demo workspace, or print its overlap without a window."""

from __future__ import annotations

import argparse
import textwrap


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="open the demo workspace (Acme Corp, its partners Globex and Northwind), building "
        "it on first use",
    )
    demo.add_argument(
        "--print",
        action="store_true",
        dest="print_only",
        help="print the overlap counts and matrix instead of opening the app",
    )
    demo.add_argument(
        "--quit-after",
        type=float,
        metavar="SECONDS",
        help="close the app this long after the demo workspace has opened (smoke tests)",
    )
    demo.set_defaults(run=_demo)


def _demo(args: argparse.Namespace) -> int:
    if not args.print_only:
        from engine.cli import _open_desktop

        return _open_desktop(demo=True, quit_after=args.quit_after)
    import sys

    from engine.cli.output import render_table, terminal_width
    from engine.demo import PARTNER, build_demo
    from engine.overlaps import find_overlaps
    from engine.store.workspace import Workspace

    def report(fraction: float, message: str) -> None:
        print(f"\r{fraction:4.0%} {message:<40}", end="", file=sys.stderr, flush=True)

    path = build_demo(progress=report if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    with Workspace.open(path) as ws:
        result = find_overlaps(ws, PARTNER)
        us = ws.company().name
        others = [(p.name, find_overlaps(ws, p).counts) for p in ws.partners() if p.name != PARTNER]
    counts = result.counts
    print(f"{us} and {PARTNER} ({path})")
    print(
        f"ours only {counts['ours_only']:,} · shared {counts['shared']:,} · "
        f"partner only {counts['partner_only']:,}"
    )
    matrix = result.matrix.pivot(index="our_stage", columns="partner_stage", values="accounts")
    stages = ["prospect", "customer", "churned", "other"]
    matrix = matrix.reindex(index=stages, columns=stages).fillna(0).astype(int)
    matrix.columns = [f"theirs {s}" for s in stages]
    matrix.insert(0, "our stage", [f"ours {s}" for s in stages])
    print(f"\nShared accounts (our stage x {PARTNER}'s stage)")
    sys.stdout.write(render_table(matrix.reset_index(drop=True)))
    print("\n" + textwrap.fill(result.revenue_basis, terminal_width()))
    for name, other in others:
        print(
            f"\n{us} and {name}: ours only {other['ours_only']:,} · shared {other['shared']:,} · "
            f"partner only {other['partner_only']:,}"
        )
    return 0
