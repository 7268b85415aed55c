"""``overlap overlaps``: step 3 from a terminal (counts, stage matrix, a cell, opportunities)."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from engine import (
    OPPORTUNITY_KINDS,
    STAGES,
    OverlapError,
    Workspace,
    find_overlaps,
    overlap_summary,
    parse_cell,
    territory_filter,
    territory_summary,
)
from engine.cli.output import add_format_option, emit_frame, emit_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "overlaps", help="ours only / partner only / shared, and shared accounts by stage"
    )
    parser.add_argument("workspace", metavar="WS")
    parser.add_argument("--partner", required=True, metavar="P")
    parser.add_argument("--territory", metavar="NAME", help="only the accounts of this territory")
    view = parser.add_mutually_exclusive_group()
    view.add_argument(
        "--cell", metavar="OURSTAGE:PARTNERSTAGE", help="list the shared accounts of one cell"
    )
    view.add_argument(
        "--opportunities",
        nargs="?",
        const="all",
        choices=["all", *OPPORTUNITY_KINDS],
        help="list the named opportunities (all, or one kind)",
    )
    view.add_argument("--summary", action="store_true", help="counts only, no names: safe to share")
    view.add_argument(
        "--territories",
        action="store_true",
        help="per territory: its reps and accounts ours only / shared / partner only",
    )
    add_format_option(parser)
    parser.set_defaults(run=_overlaps)


def _overlaps(args: argparse.Namespace) -> int:
    if args.territories:
        if args.territory:
            raise OverlapError("--territories lists every territory; leave out --territory")
        with Workspace.open(args.workspace) as ws:
            summary = territory_summary(ws, args.partner)
        if args.format == "json":
            emit_json(summary.to_dict(orient="records"))
        else:
            emit_frame(summary, args.format)
        return 0
    with Workspace.open(args.workspace) as ws:
        result = find_overlaps(
            ws, args.partner, territory=territory_filter(ws, args.partner, args.territory)
        )
        us = ws.company().name
    if args.cell:
        frame = result.cell(*parse_cell(args.cell))
        emit_frame(frame.drop(columns=["our_id", "partner_id"]), args.format, max_rows=50)
        return 0
    if args.opportunities:
        opps = result.opportunities
        if args.opportunities != "all":
            opps = opps[opps["kind"] == args.opportunities]
        columns = ["kind", "action", "name", "our_stage", "partner_stage", "potential_revenue"]
        emit_frame(opps[[*columns, "our_key", "partner_key"]], args.format, max_rows=50)
        return 0
    if args.summary:
        emit_json(overlap_summary(result, us=us))
        return 0
    if args.format == "json":
        emit_json(result.to_dict())
    elif args.format == "csv":
        emit_frame(result.matrix, "csv")
    else:
        _print_table(result)
    return 0


def _print_table(result: object) -> None:
    counts = result.counts  # type: ignore[attr-defined]
    matrix: pd.DataFrame = result.matrix  # type: ignore[attr-defined]
    out = sys.stdout
    if result.territory is not None:  # type: ignore[attr-defined]
        out.write(f"Territory: {result.territory}\n")  # type: ignore[attr-defined]
    private = result.private  # type: ignore[attr-defined]
    partner_only = counts["partner_only"]
    out.write(
        f"ours only {counts['ours_only']:,} · shared {counts['shared']:,} · "
        f"partner only {'unknown' if partner_only < 0 else format(partner_only, ',')}"
        + (" (names unknown: private matching)" if private is not None else "")
        + "\n\n"
    )
    if private is not None:
        out.write(private["note"] + "\n")
        by_stage = private.get("partner_by_stage")
        if by_stage:
            shown = ", ".join(f"{s} {n:,}" for s, n in by_stage.items())
            out.write(f"{result.partner}'s accounts by stage (all, as shared): {shown}\n")  # type: ignore[attr-defined]
        else:
            out.write(f"{result.partner}'s policy does not share their counts by stage.\n")  # type: ignore[attr-defined]
        out.write("\n")
    if matrix.empty:
        raise OverlapError("nothing to show")
    for value, title in (("accounts", "Shared accounts"), ("potential_revenue", "Potential")):
        pivot = matrix.pivot(index="our_stage", columns="partner_stage", values=value)
        pivot = pivot.reindex(index=list(STAGES), columns=list(STAGES))
        pivot.index = [f"ours {s}" for s in pivot.index]
        pivot.columns = [f"theirs {s}" for s in pivot.columns]
        shown = pivot.map(lambda v: f"{v:,.0f}")
        out.write(f"{title} (our stage x {result.partner}'s stage)\n")  # type: ignore[attr-defined]
        out.write(shown.to_string())
        out.write("\n\n")
    out.write(result.revenue_basis + "\n\n")  # type: ignore[attr-defined]
    kinds = result.opportunities["kind"].value_counts()  # type: ignore[attr-defined]
    for kind, (label, action) in OPPORTUNITY_KINDS.items():
        out.write(f"{label}: {int(kinds.get(kind, 0)):,} -> {action}\n")
