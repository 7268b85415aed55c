"""``overlap registration``: deal registrations from a terminal (add, decide, import, export...)."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from engine import (
    REGISTRATION_STATUSES,
    Workspace,
    add_registration,
    decide_registration,
    delete_registration,
    export_registrations,
    import_registrations,
    registration_conflicts,
    registration_settings,
    registrations,
    registrations_by_account,
    set_registration_settings,
)
from engine.cli.dates import parse_day
from engine.cli.output import add_format_option, emit_frame
from engine.output import formats

LIST_COLUMNS = [
    "id",
    "account_name",
    "side",
    "opportunity",
    "amount",
    "registered_on",
    "protected_until",
    "status",
    "conflicts_with",
]
# A conflict's rows, side by side: label, field of each registration.
CONFLICT_ROWS = (
    ("registration", "id"),
    ("registration id", "external_id"),
    ("registered by", "side"),
    ("opportunity", "opportunity"),
    ("amount", "amount"),
    ("product", "product"),
    ("expected close", "expected_close"),
    ("registered on", "registered_on"),
    ("protected until", "protected_until"),
    ("status", "status"),
    ("decision reason", "decision_reason"),
)
DECISION_FLAGS = {
    "approve": "approved",
    "reject": "rejected",
    "won": "won",
    "lost": "lost",
    "reopen": "submitted",
}


def _partner_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workspace", metavar="WS")
    parser.add_argument("--partner", required=True, metavar="P")


def _today_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--today", metavar="YYYY-MM-DD", help="the date to judge protection by (default: today)"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    registration = subparsers.add_parser(
        "registration", help="deal registrations: protection, conflicts, decisions"
    )
    actions = registration.add_subparsers(dest="action", metavar="ACTION")

    add = actions.add_parser("add", help="register a deal on a shared account")
    _partner_args(add)
    add.add_argument(
        "--account", required=True, metavar="REF", help="a CRM id of either side, a key or a name"
    )
    add.add_argument("--side", required=True, choices=["us", "partner"], help="who registers")
    add.add_argument("--opportunity", required=True, metavar="TEXT")
    add.add_argument("--amount", metavar="N")
    add.add_argument("--product", default="", metavar="TEXT")
    add.add_argument("--close", metavar="YYYY-MM-DD", help="expected close date")
    add.add_argument("--registered", metavar="YYYY-MM-DD", help="registration date (default today)")
    add.add_argument(
        "--status", default="submitted", choices=REGISTRATION_STATUSES, help="default: submitted"
    )
    add.add_argument("--reason", metavar="TEXT", help="the decision's reason, if decided already")
    add.add_argument("--id", dest="external_id", metavar="ID", help="its id in the PRM or CRM")
    add.add_argument("--protection-days", type=int, metavar="N", help="default: the setting")
    add.add_argument("--by", metavar="NAME")
    _today_arg(add)
    add.set_defaults(run=_add)

    listing = actions.add_parser("list", help="the registrations, with protection and conflicts")
    _partner_args(listing)
    listing.add_argument("--status", choices=REGISTRATION_STATUSES, help="only this status")
    listing.add_argument("--account", metavar="REF", help="only this account")
    _today_arg(listing)
    add_format_option(listing)
    listing.set_defaults(run=_list)

    accounts = actions.add_parser("accounts", help="registrations per account: who holds it")
    _partner_args(accounts)
    _today_arg(accounts)
    add_format_option(accounts)
    accounts.set_defaults(run=_accounts)

    conflicts = actions.add_parser(
        "conflicts", help="registrations of one account protected at once, side by side"
    )
    _partner_args(conflicts)
    _today_arg(conflicts)
    add_format_option(conflicts)
    conflicts.set_defaults(run=_conflicts)

    decide = actions.add_parser("decide", help="approve, reject, or mark won or lost")
    decide.add_argument("workspace", metavar="WS")
    decide.add_argument("id", type=int, metavar="ID")
    which = decide.add_mutually_exclusive_group(required=True)
    for flag, status in DECISION_FLAGS.items():
        which.add_argument(
            f"--{flag}", dest="decision", action="store_const", const=status, help=status
        )
    decide.add_argument("--reason", metavar="TEXT", help="why (required to reject)")
    decide.add_argument("--on", metavar="YYYY-MM-DD", help="the decision date (default today)")
    decide.add_argument("--by", metavar="NAME")
    _today_arg(decide)
    decide.set_defaults(run=_decide)

    remove = actions.add_parser("remove", help="remove a registration entered by mistake")
    remove.add_argument("workspace", metavar="WS")
    remove.add_argument("id", type=int, metavar="ID")
    remove.set_defaults(run=_remove)

    importing = actions.add_parser(
        "import", help="registrations from a PRM or CRM export (all rows or none)"
    )
    _partner_args(importing)
    importing.add_argument("file", metavar="FILE", help="CSV, TSV or XLSX")
    importing.add_argument(
        "--side", choices=["us", "partner"], help="who registered them, when the file has no column"
    )
    importing.add_argument("--by", metavar="NAME")
    _today_arg(importing)
    importing.set_defaults(run=_import)

    exporting = actions.add_parser("export", help="the registrations to a CSV or XLSX file")
    _partner_args(exporting)
    exporting.add_argument("file", metavar="FILE", help="ends in .csv or .xlsx")
    exporting.add_argument("--status", choices=REGISTRATION_STATUSES, help="only this status")
    _today_arg(exporting)
    exporting.set_defaults(run=_export)

    settings = actions.add_parser("settings", help="show or set the protection period")
    _partner_args(settings)
    settings.add_argument("--protection-days", metavar="N", help="days a registration is protected")
    settings.add_argument("--by", metavar="NAME")
    settings.set_defaults(run=_settings)


def _money(value: Any) -> str:
    return formats.money(value)


def _add(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        made = add_registration(
            ws,
            args.partner,
            args.account,
            side=args.side,
            opportunity=args.opportunity,
            amount=args.amount,
            product=args.product,
            expected_close=args.close,
            registered_on=args.registered,
            status=args.status,
            reason=args.reason,
            external_id=args.external_id,
            protection_days=args.protection_days,
            today=parse_day(args.today),
            by=args.by,
        )
    info = made.registration
    print(
        f"registration {info.id}: {info.account_name}, {info.opportunity} ({info.status}), "
        f"protected until {info.protected_until}"
    )
    for conflict in made.conflicts:
        other = conflict.first if conflict.second.id == info.id else conflict.second
        print(
            f"conflict: registration {other.id} ({other.side}, {other.opportunity}) is protected "
            f"from {other.registered_on} until {other.protected_until}"
        )
    return 0


def _list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = registrations(
            ws,
            args.partner,
            today=parse_day(args.today),
            status=args.status,
            account=args.account,
        )
    emit_frame(frame if args.format != "table" else frame[LIST_COLUMNS], args.format)
    return 0


def _accounts(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = registrations_by_account(ws, args.partner, today=parse_day(args.today))
    if args.format == "table":
        frame = frame.drop(columns=["our_key", "partner_key"])
    emit_frame(frame, args.format)
    return 0


def _conflicts(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = registration_conflicts(ws, args.partner, today=parse_day(args.today))
    if args.format != "table":
        emit_frame(frame, args.format)
        return 0
    if frame.empty:
        print("No conflicts: no account has two registrations protected at once.")
        return 0
    for number, row in enumerate(frame.to_dict(orient="records")):
        if number:
            print()
        print(
            f"{row['account_name']}: protected twice from {row['overlap_from']} "
            f"to {row['overlap_until']}"
        )
        side_by_side = pd.DataFrame(
            {
                "": [label for label, _f in CONFLICT_ROWS],
                "first": [_cell(row, "first", f) for _l, f in CONFLICT_ROWS],
                "second": [_cell(row, "second", f) for _l, f in CONFLICT_ROWS],
            }
        )
        emit_frame(side_by_side, "table")
    return 0


def _cell(row: dict[Any, Any], which: str, name: str) -> str:
    value = row.get(f"{which}_{name}")
    if name == "amount":
        return _money(value)
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return "-"
    return str(value)


def _decide(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        decide_registration(
            ws,
            args.id,
            args.decision,
            reason=args.reason,
            on=args.on,
            by=args.by,
            today=parse_day(args.today),
        )
    print(f"registration {args.id} is {args.decision}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        delete_registration(ws, args.id)
    print(f"registration {args.id} removed")
    return 0


def _import(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        result = import_registrations(
            ws,
            args.partner,
            args.file,
            side=args.side,
            today=parse_day(args.today),
            by=args.by,
        )
    print("\n".join(result.lines()))
    return 0


def _export(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        path = export_registrations(
            ws,
            args.partner,
            args.file,
            today=parse_day(args.today),
            status=args.status,
        )
    print(f"wrote {path} (recorded in the egress ledger)")
    return 0


def _settings(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        if args.protection_days is not None:
            settings = set_registration_settings(
                ws, args.partner, protection_days=args.protection_days, by=args.by
            )
        else:
            settings = registration_settings(ws, args.partner)
    print(
        f"{args.partner}: a registration is protected for {settings.protection_days} days after "
        "the day it is registered, that last day included; new registrations get this period"
    )
    return 0
