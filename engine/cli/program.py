"""``overlap partner set|show``, ``company``, ``enablement``, ``agreement``: running the partner
program (the model and lifecycle stage of a partnership, our ARR stage, enablement, the rules
both sides accepted) from a terminal."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from engine import (
    ARR_STAGES,
    ENABLEMENT_KINDS,
    ENABLEMENT_SIDES,
    LIFECYCLE_STAGES,
    OverlapError,
    Workspace,
    accept_rules,
    acceptances,
    add_enablement,
    arr_stage,
    enablement,
    enablement_counts,
    partner_checklist,
    partnership_model,
    remove_enablement,
    set_arr_stage,
    set_partner,
    set_plan_grace_days,
)
from engine.cli.output import add_format_option, emit_frame, emit_json
from engine.store.workspace import PARTNER_MODELS


def register_partner_actions(actions: argparse._SubParsersAction) -> None:
    """``partner set`` and ``partner show`` (the ``partner`` command is engine.cli.workspace's)."""
    setting = actions.add_parser(
        "set", help="change a partnership's model, lifecycle stage or plans' grace period"
    )
    setting.add_argument("workspace", metavar="WS")
    setting.add_argument("name", metavar="NAME", help="the partner company's name")
    setting.add_argument("--model", choices=PARTNER_MODELS, help="referral, co-sell or reseller")
    setting.add_argument("--stage", choices=LIFECYCLE_STAGES, help="where it is in its lifecycle")
    setting.add_argument(
        "--plan-grace-days",
        type=int,
        metavar="N",
        help="days a new plan has to get an owner and a next step before it stalls (default 14)",
    )
    setting.set_defaults(run=_partner_set)
    show = actions.add_parser(
        "show", help="a partnership's model, lifecycle stage and checklist: done and not done"
    )
    show.add_argument("workspace", metavar="WS")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(run=_partner_show)


def register(subparsers: argparse._SubParsersAction) -> None:
    company = subparsers.add_parser("company", help="our company: its stage by ARR")
    actions = company.add_subparsers(dest="action", metavar="ACTION")
    setting = actions.add_parser("set", help="record our ARR stage (the advice follows it)")
    setting.add_argument("workspace", metavar="WS")
    setting.add_argument(
        "--arr-stage",
        required=True,
        choices=list(ARR_STAGES),
        help="; ".join(f"{k}: {r}" for k, (r, _t) in ARR_STAGES.items()),
    )
    setting.set_defaults(run=_company_set)
    show = actions.add_parser("show", help="our ARR stage and the guide's advice for it")
    show.add_argument("workspace", metavar="WS")
    show.set_defaults(run=_company_show)

    enable = subparsers.add_parser(
        "enablement", help="sessions held, people trained or certified, materials shared"
    )
    actions = enable.add_subparsers(dest="action", metavar="ACTION")
    add = actions.add_parser(
        "add", help="record a session, people trained or certified, a material shared"
    )
    add.add_argument("workspace", metavar="WS")
    add.add_argument("--partner", required=True, metavar="P")
    add.add_argument("--kind", required=True, choices=ENABLEMENT_KINDS)
    add.add_argument("--title", required=True, metavar="TEXT", help="topic, course or material")
    add.add_argument("--side", choices=ENABLEMENT_SIDES, default="both", help="whose people")
    add.add_argument("--people", type=int, default=0, metavar="N")
    add.add_argument("--date", metavar="YYYY-MM-DD", help="when (default: today)")
    add.add_argument("--note", default="", metavar="TEXT")
    add.set_defaults(run=_enablement_add)
    listing = actions.add_parser("list", help="the partnership's enablement, with its totals")
    listing.add_argument("workspace", metavar="WS")
    listing.add_argument("--partner", required=True, metavar="P")
    add_format_option(listing)
    listing.set_defaults(run=_enablement_list)
    remove = actions.add_parser("remove", help="remove one entry")
    remove.add_argument("workspace", metavar="WS")
    remove.add_argument("id", type=int, metavar="ID")
    remove.set_defaults(run=_enablement_remove)

    agreement = subparsers.add_parser(
        "agreement", help="each side's acceptance of the rules of engagement"
    )
    actions = agreement.add_subparsers(dest="action", metavar="ACTION")
    accept = actions.add_parser("accept", help="record that one side accepted a rules version")
    accept.add_argument("workspace", metavar="WS")
    accept.add_argument("--partner", required=True, metavar="P")
    accept.add_argument("--side", required=True, choices=("us", "partner"))
    accept.add_argument("--by", required=True, metavar="NAME", help="who accepted")
    accept.add_argument("--version", type=int, metavar="N", help="default: the current rules")
    accept.add_argument(
        "--plan-file",
        default="",
        metavar="NAME",
        help="the name of the plan file it came by (kept as a record; the file is not read)",
    )
    accept.set_defaults(run=_agreement_accept)
    shown = actions.add_parser("list", help="every acceptance recorded")
    shown.add_argument("workspace", metavar="WS")
    shown.add_argument("--partner", required=True, metavar="P")
    add_format_option(shown)
    shown.set_defaults(run=_agreement_list)


def _partner_set(args: argparse.Namespace) -> int:
    if args.model is None and args.stage is None and args.plan_grace_days is None:
        raise OverlapError("say what to change: --model M, --stage S and/or --plan-grace-days N")
    with Workspace.open(args.workspace) as ws:
        if args.plan_grace_days is not None:
            partner = set_plan_grace_days(ws, args.name, args.plan_grace_days)
            print(
                f"{partner.name}: a new plan has {partner.plan_grace_days} days to get an "
                "owner and a next step before it stalls"
            )
        if args.model is None and args.stage is None:
            return 0
        change = set_partner(ws, args.name, model=args.model, stage=args.stage)
    print(change.text())
    if change.advice:
        print(f"! {change.advice}")
    return 0


def _partner_show(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        checklist = partner_checklist(ws, args.name)
    model = partnership_model(checklist.model)
    if args.format == "json":
        emit_json({**checklist.to_dict(), "aspects": dict(model.aspects())})
        return 0
    out = sys.stdout
    out.write(f"{checklist.partner}: {model.name} partnership — {model.summary}\n")
    for label, text in model.aspects():
        out.write(f"  {label + ':':31} {text}\n")
    out.write(f"\nLifecycle stage: {checklist.stage} — {checklist.focus}\n")
    out.write(f"{checklist.next_text()}\n\nChecklist:\n")
    for item in checklist.items:
        out.write(f"  [{'x' if item.done else ' '}] {item.label} ({item.detail})\n")
    if checklist.advice:
        out.write("\nAdvice for our stage:\n")
        for line in checklist.advice:
            out.write(f"  - {line}\n")
    return 0


def _company_set(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        set_arr_stage(ws, args.arr_stage)
    low, text = ARR_STAGES[args.arr_stage]
    print(f"our ARR stage: {args.arr_stage} ({low})\n{text}")
    return 0


def _company_show(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        stage = arr_stage(ws)
        name = ws.company().name
    if not stage:
        print(f"{name}: no ARR stage recorded (overlap company set WS --arr-stage S)")
        return 0
    low, text = ARR_STAGES[stage]
    print(f"{name}: {stage} ({low})\n{text}")
    return 0


def _enablement_add(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        item = add_enablement(
            ws,
            args.partner,
            args.kind,
            args.title,
            side=args.side,
            people=args.people,
            on=args.date,
            note=args.note,
        )
        totals = enablement_counts(ws, args.partner)
    print(f"recorded {item.kind} '{item.title}' on {item.on} (entry {item.id})")
    print(totals.text())
    return 0


def _enablement_list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = enablement(ws, args.partner)
        totals = enablement_counts(ws, args.partner)
    emit_frame(frame, args.format)
    if args.format == "table":
        print(totals.text())
    return 0


def _enablement_remove(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        remove_enablement(ws, args.id)
    print(f"removed enablement entry {args.id}")
    return 0


def _agreement_accept(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        row = accept_rules(
            ws, args.partner, args.side, args.by, version=args.version, plan_file=args.plan_file
        )
    through = f" through {row.plan_file}" if row.plan_file else ""
    who = "we" if row.side == "us" else "the partner"
    print(f"rules version {row.version}: {who} accepted ({row.accepted_by}){through}")
    return 0


def _agreement_list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = acceptances(ws, args.partner)
    frame = frame.assign(accepted_at=pd.to_datetime(frame["accepted_at"]).dt.strftime("%Y-%m-%d"))
    emit_frame(frame, args.format)
    return 0
