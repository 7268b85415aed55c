"""``overlap overlaps``: step 3 from a terminal (counts, stage matrix, a cell, opportunities)."""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any

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
from engine.cli.output import (
    add_format_option,
    emit_frame,
    emit_json,
    render_table,
    terminal_width,
)
from engine.output.formats import count, money


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
        # In the app's words; scripts also get the kind's code (what --opportunities takes).
        labels = {kind: label for kind, (label, _action) in OPPORTUNITY_KINDS.items()}
        opps = opps.assign(opportunity=opps["kind"].map(labels).fillna(opps["kind"]))
        columns = ["opportunity", "action", "name", "our_stage", "partner_stage"]
        columns += ["potential_revenue", "our_key", "partner_key"]
        if args.format != "table":
            columns.insert(0, "kind")
        emit_frame(opps[columns], args.format, max_rows=50)
        return 0
    if args.summary:
        shareable = overlap_summary(result, us=us)
        if args.format == "json":
            emit_json(shareable)
        elif args.format == "csv":
            emit_frame(_summary_cells(shareable), "csv")
        else:
            _print_summary(shareable)
        return 0
    if args.format == "json":
        emit_json(result.to_dict())
    elif args.format == "csv":
        emit_frame(result.matrix, "csv")
    else:
        _print_table(result)
    return 0


def _summary_cells(summary: dict[str, Any]) -> pd.DataFrame:
    """The shareable counts, one row per cell of the stage matrix."""
    return pd.DataFrame(
        [
            {"our_stage": ours, "partner_stage": theirs, "accounts": accounts}
            for ours, row in summary["matrix"].items()
            for theirs, accounts in row.items()
        ],
        columns=["our_stage", "partner_stage", "accounts"],
    )


def _print_summary(summary: dict[str, Any]) -> None:
    """The counts a partner may see (no names, no revenue), as tables."""
    out = sys.stdout
    counts = summary["counts"]
    where = f", territory {summary['territory']}" if summary.get("territory") else ""
    out.write(f"{summary.get('us') or 'Us'} and {summary['partner']}{where}\n")
    out.write(
        f"ours only {count(counts.get('ours_only'))} · shared {count(counts.get('shared'))} · "
        f"partner only {count(counts.get('partner_only'))}\n"
    )
    fit = summary.get("tool_fit")
    if isinstance(fit, dict) and fit.get("advice"):
        out.write(textwrap.fill(fit["advice"], terminal_width()) + "\n")
    out.write(f"\nShared accounts (our stage x {summary['partner']}'s stage)\n")
    out.write(render_table(_stage_matrix(summary["matrix"])))
    out.write("\nOpportunities\n")
    out.write(render_table(_opportunity_table(summary["opportunities"])))


def _opportunity_table(counts: Any) -> pd.DataFrame:
    """Each kind of opportunity, how many accounts, and what to do next."""
    return pd.DataFrame(
        [
            {"opportunity": label, "accounts": int(counts.get(kind, 0)), "next": action}
            for kind, (label, action) in OPPORTUNITY_KINDS.items()
        ]
    )


def _stage_matrix(matrix: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Our stages down, theirs across: the first column names the row."""
    rows = []
    for ours in STAGES:
        row = matrix.get(ours) or {}
        rows.append({"our stage": f"ours {ours}", **{f"theirs {t}": row.get(t) for t in STAGES}})
    return pd.DataFrame(rows)


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
        cells = pivot.map(money if value == "potential_revenue" else count)
        cells.insert(0, "our stage", cells.index)
        out.write(f"{title} (our stage x {result.partner}'s stage)\n")  # type: ignore[attr-defined]
        out.write(render_table(cells.reset_index(drop=True)))
        out.write("\n")
    out.write(textwrap.fill(result.revenue_basis, terminal_width()) + "\n\n")  # type: ignore[attr-defined]
    kinds = result.opportunities["kind"].value_counts()  # type: ignore[attr-defined]
    out.write(render_table(_opportunity_table(kinds)))
