"""``overlap partners``: many partnerships at once (compare them; our accounts across them)."""

from __future__ import annotations

import argparse
import sys

from engine import (
    COMPARISON_MEASURES,
    Workspace,
    compare_partners,
    cross_partner,
    settle_lead,
)
from engine.cli.dates import parse_day
from engine.cli.output import add_format_option, emit_frame, emit_json
from engine.output import formats

_ACCOUNT_SHOWN = [
    "name",
    "our_external_id",
    "our_stage",
    "partners",
    "partner_names",
    "leading_partners",
    "flag",
]
_PAIR_SHOWN = [
    "partner",
    "partner_name",
    "partner_external_id",
    "partner_stage",
    "lead",
    "criterion",
    "lead_note",
    "rationale",
]
_COMPARED_SHOWN = {
    "rank": "rank",
    "partner": "partner",
    "shared_accounts": "shared",
    "our_share": "of ours",
    "shared_customers": "customers of both",
    "their_customers_our_prospects": "their cust./our prosp.",
    "co_sold_deals": "co-sold deals",
    "co_sold_win_rate": "co-sold win rate",
    "other_win_rate": "other win rate",
    "co_sold_average_deal": "avg co-sold deal",
    "engagement": "engagement",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "partners", help="compare partnerships; our accounts across partners, with lead conflicts"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    compare = actions.add_parser(
        "compare", help="every partnership side by side: overlap, co-sold win rate, engagement"
    )
    compare.add_argument("workspace", metavar="WS")
    compare.add_argument(
        "--rank-by",
        choices=list(COMPARISON_MEASURES),
        default="shared_customers",
        help="the measure that ranks the partnerships (default: %(default)s)",
    )
    compare.add_argument("--today", metavar="YYYY-MM-DD", help="the day engagement is scored on")
    add_format_option(compare)
    compare.set_defaults(run=_compare)

    accounts = actions.add_parser(
        "accounts",
        help="our accounts shared with partners: who shares each, who leads, conflicts",
    )
    accounts.add_argument("workspace", metavar="WS")
    accounts.add_argument(
        "--account", metavar="REF", help="one of our accounts (our CRM id, key or exact name)"
    )
    accounts.add_argument("--partner", metavar="P", help="only accounts this partner shares")
    only = accounts.add_mutually_exclusive_group()
    only.add_argument(
        "--flagged", action="store_true", help="only accounts two or more partners expect to lead"
    )
    only.add_argument(
        "--needs-lead",
        action="store_true",
        help="only accounts a partnership has no lead for, or a lead under older rules",
    )
    add_format_option(accounts)
    accounts.set_defaults(run=_accounts)

    settle = actions.add_parser(
        "settle", help="settle who leads one of our accounts across every partner sharing it"
    )
    settle.add_argument("workspace", metavar="WS")
    settle.add_argument("--account", required=True, metavar="REF", help="one of our accounts")
    settle.add_argument(
        "--lead",
        required=True,
        metavar="PARTNER|us",
        help="the partner that leads (we lead with the others), or 'us' (we lead with all)",
    )
    settle.add_argument("--reason", required=True, metavar="TEXT", help="why; kept with the leads")
    settle.set_defaults(run=_settle)


def _compare(args: argparse.Namespace) -> int:
    today = parse_day(args.today)
    with Workspace.open(args.workspace) as ws:
        result = compare_partners(ws, rank_by=args.rank_by, today=today)
    if args.format == "json":
        emit_json(result.to_dict())
        return 0
    if args.format == "csv":
        emit_frame(result.table, "csv")
        return 0
    shown = result.table[list(_COMPARED_SHOWN)].copy()
    for column in ("our_share", "co_sold_win_rate", "other_win_rate"):
        shown[column] = shown[column].map(formats.percent)
    shown["co_sold_average_deal"] = shown["co_sold_average_deal"].map(formats.money)
    shown["engagement"] = shown["engagement"].map(lambda v: f"{v:.0f}/100")
    title, _higher = COMPARISON_MEASURES[args.rank_by]
    sys.stdout.write(f"Partnerships ranked by {title.lower()}\n\n")
    emit_frame(shown.rename(columns=_COMPARED_SHOWN), "table")
    sys.stdout.write("\n" + "\n".join(result.findings) + "\n")
    return 0


def _accounts(args: argparse.Namespace) -> int:
    flag = "contested" if args.flagged else "needs_lead" if args.needs_lead else None
    with Workspace.open(args.workspace) as ws:
        view = cross_partner(
            ws,
            account=args.account,
            partner=args.partner,
            flag=flag,
            # Every pair's reason is read only for one account: at scale it is most of the time.
            reasons=args.account is not None,
        )
    if args.format == "json":
        emit_json(view.to_dict())
        return 0
    if args.account is not None:
        if args.format == "csv":
            emit_frame(view.pairs, "csv")
            return 0
        row = view.accounts.iloc[0]
        sys.stdout.write(
            f"{row['name']} ({row['our_external_id'] or row['our_key']}), our "
            f"{row['our_stage']}: shared with {int(row['partners'])} partner(s)\n"
        )
        if row["flag"]:
            sys.stdout.write(f"! {row['flag']}\n")
        sys.stdout.write("\n")
        emit_frame(view.pairs[_PAIR_SHOWN], "table")
        return 0
    if args.format == "csv":
        emit_frame(view.accounts, "csv")
        return 0
    counts = view.counts
    sys.stdout.write(
        f"{counts['shared']:,} of our accounts shared with {counts['partnerships']} "
        f"partnership(s): {counts['several']:,} with two or more partners, "
        f"{counts['contested']:,} that two or more partners expect to lead, "
        f"{counts['needs_lead']:,} needing a lead\n\n"
    )
    emit_frame(view.accounts[_ACCOUNT_SHOWN], "table", max_rows=50)
    return 0


def _settle(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        changes = settle_lead(ws, args.account, args.lead, args.reason)
    leader = next((c.partner for c in changes if c.lead == "partner"), None)
    others = [c.partner for c in changes if c.lead != "partner"]
    if leader is None:
        print(f"we lead with {', '.join(others)} ({len(changes)} lead(s) set by hand)")
    else:
        rest = f"; we lead with {', '.join(others)}" if others else ""
        print(f"{leader} leads{rest} ({len(changes)} lead(s) set by hand)")
    return 0
