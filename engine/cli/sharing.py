"""``overlap share``, ``overlap plan-file``, ``overlap psi`` and ``overlap ledger``: what leaves.

Passphrases are never taken on the command line (they would end up in the shell history):
``--passphrase-env NAME`` reads an environment variable, ``--passphrase-file FILE`` the first
line of a file, and ``--encrypt`` asks for one on the terminal.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

import pandas as pd

from engine import (
    EXPORT_KINDS,
    SHARE_FIELDS,
    OverlapError,
    Workspace,
    agreements,
    egress_ledger,
    export_egress_ledger,
    export_share,
    import_plan_file,
    place_unplaced,
    plan_conflicts,
    prepare_keys,
    psi_exchanges,
    psi_finish,
    psi_forget,
    psi_request,
    psi_respond,
    read_psi_file,
    record_agreement,
    require_agreement,
    resolve_conflict,
    set_share_policy,
    share_policy,
    share_preview,
    unplaced_plans,
)
from engine.cli.files import add_file_argument
from engine.cli.output import add_format_option, emit_frame, emit_json, render_table


def _progress(fraction: float, message: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{message} {fraction:4.0%}   ")
        if fraction >= 1:
            sys.stderr.write("\n")


PASSPHRASE_OPTIONS = (
    "give it with --passphrase-env NAME (an environment variable) or --passphrase-file FILE"
)


def _add_passphrase(parser: argparse.ArgumentParser, *, ask: bool) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--passphrase-env",
        metavar="NAME",
        help="read the passphrase from this environment variable",
    )
    group.add_argument(
        "--passphrase-file", metavar="FILE", help="read the passphrase from the first line of FILE"
    )
    if ask:
        group.add_argument(
            "--encrypt", action="store_true", help="ask for a passphrase and encrypt the file"
        )


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str | None:
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if not value:
            raise OverlapError(f"the environment variable {args.passphrase_env} is not set")
        return value
    if args.passphrase_file:
        try:
            return Path(args.passphrase_file).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError, UnicodeDecodeError):
            raise OverlapError(
                "the passphrase file cannot be read", where=args.passphrase_file
            ) from None
    if getattr(args, "encrypt", False) or getattr(args, "ask", False):
        # Without a terminal getpass would read (and echo) whatever stdin holds, or end in
        # EOFError: a script gives the passphrase through the environment or a file instead.
        if sys.stdin is None or not sys.stdin.isatty():
            raise OverlapError(
                f"there is no terminal to ask for the passphrase on: {PASSPHRASE_OPTIONS}"
            )
        try:
            value = getpass.getpass("Passphrase: ")
            if confirm and getpass.getpass("Again: ") != value:
                raise OverlapError("the two passphrases differ")
        except EOFError:
            raise OverlapError(f"no passphrase was typed: {PASSPHRASE_OPTIONS}") from None
        return value
    return None


def register(subparsers: argparse._SubParsersAction) -> None:
    share = subparsers.add_parser("share", help="share policy, preview and export of plans")
    actions = share.add_subparsers(dest="action", metavar="ACTION")

    policy = actions.add_parser("policy", help="show or change which fields may leave")
    policy.add_argument("workspace", metavar="WS")
    policy.add_argument("--partner", required=True)
    policy.add_argument(
        "--fields", metavar="F,F", help=f"exactly these fields ({', '.join(SHARE_FIELDS)})"
    )
    policy.add_argument(
        "--allow", action="append", default=[], metavar="FIELD", help="also share FIELD"
    )
    policy.add_argument(
        "--deny", action="append", default=[], metavar="FIELD", help="stop sharing FIELD"
    )
    mode = policy.add_mutually_exclusive_group()
    mode.add_argument("--counts-only", action="store_true", help="share only the counts by stage")
    mode.add_argument(
        "--with-plans", action="store_true", help="share plans (leave counts-only mode)"
    )
    policy.set_defaults(run=_policy)

    preview = actions.add_parser("preview", help="show exactly what an export will contain")
    preview.add_argument("workspace", metavar="WS")
    preview.add_argument("--partner", required=True)
    preview.add_argument("--format", choices=("table", "json"), default="table")
    preview.set_defaults(run=_preview)

    export = actions.add_parser(
        "export", help="write plans for the partner (xlsx, pdf, csv, overlap-plan)"
    )
    export.add_argument("workspace", metavar="WS")
    export.add_argument("--partner", required=True)
    add_file_argument(
        export, "out", "--out", help="the file to write: *.xlsx, *.pdf, *.csv or *.overlap-plan"
    )
    export.add_argument("--kind", choices=EXPORT_KINDS, help="file kind (default: from the suffix)")
    _add_passphrase(export, ask=True)
    export.set_defaults(run=_export)

    agreement = actions.add_parser(
        "agreement",
        help="record the data-sharing agreement (or that there is none); without options, list",
    )
    agreement.add_argument("workspace", metavar="WS")
    agreement.add_argument("--partner", required=True)
    agreement.add_argument("--signed", metavar="YYYY-MM-DD", help="the day it was signed")
    agreement.add_argument("--scope", default="", help="what it covers")
    agreement.add_argument("--reference", default="", help="its reference (contract number)")
    agreement.add_argument(
        "--none", action="store_true", help="confirm there is no agreement with this partner"
    )
    add_format_option(agreement)
    agreement.set_defaults(run=_agreement)

    plan_file = subparsers.add_parser(
        "plan-file",
        help="import a partner's .overlap-plan, settle conflicts, place the unplaced plans",
    )
    plan_actions = plan_file.add_subparsers(dest="action", metavar="ACTION")
    imp = plan_actions.add_parser("import", help="merge a partner's plan file into our plans")
    imp.add_argument("workspace", metavar="WS")
    imp.add_argument("--partner", required=True)
    add_file_argument(imp, "input", "--in", help="the partner's .overlap-plan file")
    _add_passphrase(imp, ask=False)
    imp.add_argument("--ask", action="store_true", help="ask for the passphrase on the terminal")
    imp.set_defaults(run=_plan_import)
    conflicts = plan_actions.add_parser("conflicts", help="list plan fields both sides changed")
    conflicts.add_argument("workspace", metavar="WS")
    conflicts.add_argument("--partner", required=True)
    conflicts.add_argument("--all", action="store_true", help="resolved ones too")
    add_format_option(conflicts)
    conflicts.set_defaults(run=_plan_conflicts)
    resolve = plan_actions.add_parser("resolve", help="settle a conflict")
    resolve.add_argument("workspace", metavar="WS")
    resolve.add_argument("conflict", type=int, metavar="ID")
    resolve.add_argument("--take", required=True, choices=("ours", "theirs"))
    resolve.set_defaults(run=_plan_resolve)
    unplaced = plan_actions.add_parser(
        "unplaced", help="plans of the partner's files that no account of ours took, and why"
    )
    unplaced.add_argument("workspace", metavar="WS")
    unplaced.add_argument("--partner", required=True)
    unplaced.add_argument("--all", action="store_true", help="those attached since too")
    add_format_option(unplaced)
    unplaced.set_defaults(run=_plan_unplaced)
    place = plan_actions.add_parser("place", help="attach an unplaced plan to one of our accounts")
    place.add_argument("workspace", metavar="WS")
    place.add_argument("unplaced", type=int, metavar="ID", help="as 'plan-file unplaced' lists")
    place.add_argument("--partner", required=True)
    place.add_argument(
        "--account", required=True, metavar="CRMID", help="our CRM id of the account"
    )
    place.set_defaults(run=_plan_place)

    psi = subparsers.add_parser(
        "psi", help="private matching by files: only the overlap is learned"
    )
    psi_actions = psi.add_subparsers(dest="action", metavar="ACTION")
    request = psi_actions.add_parser("request", help="step 1: write our blinded keys")
    request.add_argument("workspace", metavar="WS")
    request.add_argument("--partner", required=True)
    request.add_argument("--out", required=True, metavar="FILE")
    request.add_argument(
        "--counts-only", action="store_true", help="both sides learn only the number"
    )
    request.set_defaults(run=_psi_request)
    respond = psi_actions.add_parser("respond", help="step 2 (partner): answer a request")
    respond.add_argument("workspace", metavar="WS")
    respond.add_argument("--partner", required=True)
    add_file_argument(
        respond, "input", "--in", metavar="REQUEST_FILE", help="the partner's request file"
    )
    respond.add_argument("--out", required=True, metavar="FILE")
    respond.set_defaults(run=_psi_respond)
    finish = psi_actions.add_parser("finish", help="step 3: read the response (or the back file)")
    finish.add_argument("workspace", metavar="WS")
    finish.add_argument("--partner", required=True)
    add_file_argument(
        finish,
        "input",
        "--in",
        metavar="RESPONSE_FILE",
        help="the partner's response (or back) file",
    )
    finish.add_argument(
        "--out", metavar="FILE", help="a back file so the partner learns the same overlap"
    )
    add_format_option(finish)
    finish.set_defaults(run=_psi_finish)
    prepare = psi_actions.add_parser(
        "prepare",
        help="hash our keys ahead of an exchange, so each step only multiplies "
        "(done at import once private matching is in use)",
    )
    prepare.add_argument("workspace", metavar="WS")
    prepare.set_defaults(run=_psi_prepare)
    listing = psi_actions.add_parser("list", help="exchanges and their state")
    listing.add_argument("workspace", metavar="WS")
    listing.add_argument("--partner")
    add_format_option(listing)
    listing.set_defaults(run=_psi_list)

    forget = psi_actions.add_parser(
        "forget", help="abandon an unfinished exchange (erase its secret)"
    )
    forget.add_argument("workspace", metavar="WS")
    forget.add_argument("exchange", metavar="EXCHANGE_ID", help="as shown by 'overlap psi list'")
    forget.set_defaults(run=_psi_forget)

    ledger = subparsers.add_parser("ledger", help="every file that left: list or export")
    ledger.add_argument("workspace", metavar="WS")
    ledger.add_argument("--partner")
    ledger.add_argument("--out", metavar="FILE", help="export the ledger to a .csv or .xlsx file")
    add_format_option(ledger)
    ledger.set_defaults(run=_ledger)


def _policy(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        current = share_policy(ws, args.partner)
        fields = list(current.fields)
        if args.fields is not None:
            fields = [f.strip() for f in args.fields.split(",") if f.strip()]
        fields += [f for f in args.allow if f not in fields]
        fields = [f for f in fields if f not in args.deny]
        counts_only = True if args.counts_only else False if args.with_plans else None
        changed = args.fields is not None or args.allow or args.deny or counts_only is not None
        policy = (
            set_share_policy(ws, args.partner, fields=fields, counts_only=counts_only)
            if changed
            else current
        )
    print(f"partner: {policy.partner}")
    print(f"mode: {'counts only (no names)' if policy.counts_only else 'plans'}")
    for name, (label, _default) in SHARE_FIELDS.items():
        print(f"  [{'x' if name in policy.fields else ' '}] {name:15} {label}")
    return 0


def _preview(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        package = share_preview(ws, args.partner)
    if args.format == "json":
        emit_json(package.describe())
        return 0
    described = package.describe()
    print(f"What leaves for {package.partner}:")
    print("  fields: " + ", ".join(described["fields"]))
    for name, count in described["rows"].items():
        if not package.counts_only:
            print(f"  {name}: {count} rows ({', '.join(described['columns'][name])})")
    print("  counts: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in package.counts.items()))
    if not package.matrix.empty:
        print("\nShared accounts by stage:")
        matrix = package.matrix.copy()
        matrix.insert(0, "our stage", [str(s) for s in matrix.index])
        sys.stdout.write(render_table(matrix.reset_index(drop=True)))
    for cell in package.small_cells() if package.counts_only else []:
        print(
            f"  warning: {cell[0]} x {cell[1]} counts {cell[2]} account(s); "
            "small enough to point at one"
        )
    for warning in package.warnings:
        print(f"warning: {warning}")
    if not package.counts_only and not package.plans.empty:
        print()
        emit_frame(package.plans, "table", max_rows=20)
    return 0


def _export(args: argparse.Namespace) -> int:
    passphrase = _passphrase(args, confirm=True)
    with Workspace.open(args.workspace) as ws:
        if not share_policy(ws, args.partner).counts_only:
            require_agreement(ws, args.partner)  # plans name accounts (and their CRM ids)
        result = export_share(
            ws, args.partner, args.out, kind=args.kind, passphrase=passphrase, progress=_progress
        )
    lock = " (encrypted)" if result.encrypted else ""
    print(f"wrote {result.path}{lock}: {result.row_count} rows, sha256 {result.sha256}")
    for warning in result.package.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _plan_import(args: argparse.Namespace) -> int:
    passphrase = _passphrase(args, confirm=False)
    with Workspace.open(args.workspace) as ws:
        result = import_plan_file(
            ws, args.partner, args.input, passphrase=passphrase, progress=_progress
        )
    if result.counts_only:
        print(f"{result.sender} shared counts only: " + json.dumps(result.counts))
        return 0
    again = " (this file was imported before)" if result.already_imported else ""
    print(
        f"imported {result.plans_in_file} plan(s) from {result.sender}{again}: "
        f"{result.matched} matched, {result.created} new, {result.fields_taken} field(s) and "
        f"{result.items_added} item(s) taken, {len(result.conflicts)} conflict(s), "
        f"{len(result.unplaced)} unplaced"
    )
    for placed in result.placed:
        if placed["how"] != "key":
            print(f"  placed by {placed['how']}: {placed['account']}")
    for left in result.unplaced:
        print(f"  unplaced: {left['account']}: {left['reason']}")
    if result.unplaced:
        print(
            "attach them with: overlap plan-file unplaced, then "
            "overlap plan-file place ID --account CRMID"
        )
    for conflict in result.conflicts:
        print(
            f"  conflict: {conflict['account']} {conflict['item']} {conflict['field']}: "
            f"ours {conflict['ours']!r}, theirs {conflict['theirs']!r}"
        )
    if result.conflicts:
        print(
            "settle them with: overlap plan-file conflicts, then "
            "overlap plan-file resolve ID --take ours|theirs"
        )
    return 0


def _plan_unplaced(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = unplaced_plans(ws, args.partner, include_placed=args.all)
    emit_frame(frame, args.format)
    return 0


def _plan_place(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        result = place_unplaced(ws, args.partner, args.unplaced, args.account)
    made = "a new plan" if result.created else "its plan"
    print(
        f"unplaced plan {args.unplaced} attached to account {args.account} ({made}): "
        f"{result.fields_taken} field(s) and {result.items_added} item(s) taken, "
        f"{len(result.conflicts)} conflict(s)"
    )
    return 0


def _agreement(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        if args.none or args.signed or args.scope or args.reference:
            record_agreement(
                ws,
                args.partner,
                signed_on=args.signed,
                scope=args.scope,
                reference=args.reference,
                none=args.none,
            )
        frame = agreements(ws, args.partner)
    if frame.empty:
        print(f"no data-sharing agreement recorded for {args.partner}")
        return 0
    emit_frame(frame, args.format)
    return 0


def _plan_conflicts(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = plan_conflicts(ws, args.partner, open_only=not args.all)
    emit_frame(frame, args.format)
    return 0


def _plan_resolve(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        resolve_conflict(ws, args.conflict, args.take)
    print(f"conflict {args.conflict}: took {args.take}")
    return 0


def _psi_request(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        step = psi_request(
            ws, args.partner, args.out, counts_only=args.counts_only, progress=_progress
        )
    print(f"wrote {step.path}: {step.our_count} blinded keys; send it to the partner")
    return 0


def _psi_prepare(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        count = prepare_keys(ws, progress=_progress)
    print(f"{count:,} keys prepared for private matching")
    return 0


def _psi_respond(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        read_psi_file(args.input)  # a damaged file is named before anything else
        if not share_policy(ws, args.partner).counts_only:
            require_agreement(ws, args.partner)  # the response seals our shared accounts
        step = psi_respond(ws, args.partner, args.input, args.out, progress=_progress)
    print(
        f"wrote {step.path}: {step.their_count} of their keys evaluated, "
        f"{step.our_count} of ours tagged and sealed; send it back"
    )
    return 0


def _psi_finish(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        read_psi_file(args.input)  # a damaged file is named before anything else
        if args.out is not None and not share_policy(ws, args.partner).counts_only:
            require_agreement(ws, args.partner)  # the back file seals our shared accounts
        result = psi_finish(ws, args.partner, args.input, back=args.out, progress=_progress)
    print(
        f"shared keys: {result.shared_keys} "
        f"(our keys {result.our_count}, theirs {result.their_count})",
        file=sys.stderr,
    )
    if not result.counts_only:
        total = "" if result.partner_total is None else f" of their {result.partner_total:,}"
        print(
            f"{result.partner_accounts:,} shared accounts{total} stored with the fields their "
            "policy allows; 'overlap overlaps', 'assign', 'shortlist' and plans now work for "
            "this partner. Private matching finds exact name and domain matches only.",
            file=sys.stderr,
        )
    if result.back_path is not None:
        print(f"wrote {result.back_path}; send it to the partner", file=sys.stderr)
    if not result.counts_only:
        emit_frame(result.shared_accounts, args.format)
    return 0


def _psi_list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = psi_exchanges(ws, args.partner)
    emit_frame(frame, args.format)
    return 0


def _psi_forget(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        psi_forget(ws, args.exchange)
    print(f"exchange {args.exchange}: secret erased")
    return 0


def _ledger(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        if args.out:
            path = export_egress_ledger(ws, args.out, args.partner)
            print(f"wrote {path}")
            return 0
        frame = egress_ledger(ws, args.partner)
    emit_frame(frame if not frame.empty else pd.DataFrame(columns=frame.columns), args.format)
    return 0
