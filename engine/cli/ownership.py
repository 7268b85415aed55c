"""``overlap rules``, ``assign``, ``ownership``, ``override``, ``dispute``: step 4 in a terminal."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from engine import (
    CRITERIA,
    OWNERSHIP_COLUMNS,
    OverlapError,
    Workspace,
    assign,
    build_mapping,
    clear_override,
    disputes,
    find_shared,
    list_leads,
    note_dispute,
    open_dispute,
    resolve_dispute,
    rules,
    set_override,
    set_rules,
)
from engine.cli.output import add_format_option, emit_frame, emit_json

SET_KEYS = ("order", "enable", "disable", "fit_us", "fit_partner", "tie_breaker")


def _partner_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workspace", metavar="WS")
    parser.add_argument("--partner", required=True, metavar="P")


def register(subparsers: argparse._SubParsersAction) -> None:
    rules_parser = subparsers.add_parser(
        "rules", help="show or change the rules of engagement (a change makes a new version)"
    )
    _partner_args(rules_parser)
    rules_parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="order=relationship,first_touch,deal_stage,product_fit; enable=NAME[,NAME]; "
        "disable=NAME[,NAME]; fit_us=INDUSTRY[,...]; fit_partner=INDUSTRY[,...]; "
        "tie_breaker=us|partner",
    )
    rules_parser.add_argument("--by", metavar="NAME", help="who changes the rules")
    add_format_option(rules_parser)
    rules_parser.set_defaults(run=_rules)

    assign_parser = subparsers.add_parser("assign", help="decide who leads each shared account")
    _partner_args(assign_parser)
    add_format_option(assign_parser)
    assign_parser.set_defaults(run=_assign)

    own = subparsers.add_parser("ownership", help="who leads each shared account, and why")
    _partner_args(own)
    own.add_argument("--lead", choices=["us", "partner"], help="only the accounts this side leads")
    add_format_option(own)
    own.set_defaults(run=_ownership)

    override = subparsers.add_parser("override", help="set (or clear) a lead by hand")
    _partner_args(override)
    override.add_argument(
        "--account", required=True, metavar="REF", help="a CRM id of either side, a key or a name"
    )
    what = override.add_mutually_exclusive_group(required=True)
    what.add_argument("--lead", choices=["us", "partner"])
    what.add_argument("--clear", action="store_true", help="let the rules decide again")
    override.add_argument("--reason", metavar="TEXT", help="why (required with --lead)")
    override.add_argument("--by", metavar="NAME")
    override.set_defaults(run=_override)

    dispute = subparsers.add_parser("dispute", help="disagreements over a lead")
    actions = dispute.add_subparsers(dest="action", metavar="ACTION")
    opening = actions.add_parser("open", help="open a dispute over one account")
    _partner_args(opening)
    opening.add_argument("--account", required=True, metavar="REF")
    opening.add_argument("--note", required=True, metavar="TEXT")
    opening.add_argument("--by", metavar="NAME")
    opening.set_defaults(run=_dispute_open)
    noting = actions.add_parser("note", help="add a note to an open dispute")
    noting.add_argument("workspace", metavar="WS")
    noting.add_argument("id", type=int, metavar="ID")
    noting.add_argument("--note", required=True, metavar="TEXT")
    noting.add_argument("--by", metavar="NAME")
    noting.set_defaults(run=_dispute_note)
    resolving = actions.add_parser("resolve", help="close a dispute with its resolution")
    resolving.add_argument("workspace", metavar="WS")
    resolving.add_argument("id", type=int, metavar="ID")
    resolving.add_argument("--resolution", required=True, metavar="TEXT")
    resolving.add_argument(
        "--lead", choices=("us", "partner"), help="who leads from now on (set as an override)"
    )
    resolving.add_argument("--by", metavar="NAME")
    resolving.set_defaults(run=_dispute_resolve)
    listing = actions.add_parser("list", help="the partnership's disputes")
    _partner_args(listing)
    listing.add_argument("--open", action="store_true", help="only open ones")
    add_format_option(listing)
    listing.set_defaults(run=_dispute_list)


def _names(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _rules(args: argparse.Namespace) -> int:
    order = None
    enabled: dict[str, bool] = {}
    fit: dict[str, list[str]] = {}
    tie = None
    for item in args.set:
        key, sep, value = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or key not in SET_KEYS:
            raise OverlapError(f"--set takes KEY=VALUE with KEY one of {', '.join(SET_KEYS)}")
        if key == "order":
            order = _names(value)
        elif key in ("enable", "disable"):
            for name in _names(value):
                if name not in CRITERIA:
                    raise OverlapError(
                        f"unknown criterion '{name}' (criteria: {', '.join(CRITERIA)})"
                    )
                enabled[name] = key == "enable"
        elif key in ("fit_us", "fit_partner"):
            fit["us" if key == "fit_us" else "partner"] = _names(value)
        else:
            tie = value.strip()
    with Workspace.open(args.workspace) as ws:
        if args.set:
            current = set_rules(
                ws,
                args.partner,
                order=order,
                enabled=enabled or None,
                product_fit=fit or None,
                tie_breaker=tie,
                by=args.by,
            )
        else:
            current = rules(ws, args.partner)
    if args.format == "json":
        emit_json(current.to_dict())
        return 0
    if args.format == "table":
        saved = f"version {current.version}" if current.version else "defaults, not saved yet"
        print(f"Rules of engagement ({saved})")
    emit_frame(current.table(), args.format)
    return 0


def _summary(frame: pd.DataFrame) -> None:
    print(f"{len(frame):,} shared accounts")
    counts = frame.groupby(["lead", "criterion"]).size().reset_index(name="count")
    for lead, criterion, count in counts.itertuples(index=False, name=None):
        who = "we lead" if lead == "us" else "partner leads" if lead == "partner" else "no lead"
        print(f"  {who:14} {criterion or '-':22} {count:,}")


def _assign(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = assign(ws, args.partner)
    if args.format == "table":
        version = frame["rules_version"].dropna()
        print(f"Assigned with rules version {int(version.iloc[0]) if len(version) else '-'}.")
        _summary(frame)
    else:
        emit_frame(frame[OWNERSHIP_COLUMNS], args.format)
    return 0


def _ownership(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = list_leads(ws, args.partner)
    if args.lead:
        frame = frame[frame["lead"] == args.lead]
    columns = OWNERSHIP_COLUMNS if args.format != "table" else ["name", "lead", "rationale"]
    emit_frame(frame[columns], args.format, max_rows=50 if args.format == "table" else None)
    return 0


def _keys(ws: Workspace, partner: str, ref: str) -> tuple[str, str, str]:
    row = find_shared(build_mapping(ws, partner), ref)
    return str(row["our_key"]), str(row["partner_key"]), str(row["name"])


def _override(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        our_key, partner_key, name = _keys(ws, args.partner, args.account)
        if args.clear:
            clear_override(ws, args.partner, our_key, partner_key)
            print(f"{name}: override removed; the rules decide again")
        else:
            if not args.reason:
                raise OverlapError("an override needs a reason (--reason TEXT)")
            set_override(ws, args.partner, our_key, partner_key, args.lead, args.reason, by=args.by)
            who = "we lead" if args.lead == "us" else "the partner leads"
            print(f"{name}: {who} (set by hand)")
    return 0


def _dispute_open(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        our_key, partner_key, name = _keys(ws, args.partner, args.account)
        dispute = open_dispute(ws, args.partner, our_key, partner_key, args.note, by=args.by)
    print(f"dispute {dispute.id} opened over {name}")
    return 0


def _dispute_note(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        note_dispute(ws, args.id, args.note, by=args.by)
    print(f"note added to dispute {args.id}")
    return 0


def _dispute_resolve(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        resolve_dispute(ws, args.id, args.resolution, lead=args.lead, by=args.by)
    who = {"us": "; we lead the account now", "partner": "; the partner leads the account now"}
    print(f"dispute {args.id} resolved{who.get(args.lead or '', '')}")
    return 0


def _dispute_list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = disputes(ws, args.partner, open_only=args.open)
    emit_frame(frame, args.format)
    if args.format == "table" and frame.empty:
        sys.stdout.flush()
    return 0
