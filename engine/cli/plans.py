"""``overlap shortlist``, ``plan``, ``stalled``: step 5 from a terminal."""

from __future__ import annotations

import argparse
import sys

from engine import (
    INSIGHT_FIELDS,
    PLAN_STATUSES,
    SHORTLIST_ADVISED,
    SHORTLIST_DEFAULT,
    SHORTLIST_MAX,
    SHORTLIST_MIN,
    Workspace,
    add_joint_meeting,
    add_metric,
    add_role,
    add_step,
    build_mapping,
    create_plan,
    create_plans_for_shortlist,
    find_shared,
    list_plans,
    plan_detail,
    plan_insight,
    remove_plan_item,
    set_plan_insight,
    set_plan_status,
    set_step_done,
    set_step_joint,
    set_why_together,
    shortlist,
    shortlist_size_advice,
    stalled_plans,
    territory_filter,
    update_plan,
)
from engine.cli.dates import parse_day
from engine.cli.output import add_format_option, emit_frame, emit_json


def _partner_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workspace", metavar="WS")
    parser.add_argument("--partner", required=True, metavar="P")


def _plan_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workspace", metavar="WS")
    parser.add_argument("plan", type=int, metavar="PLAN_ID")


def register(subparsers: argparse._SubParsersAction) -> None:
    short = subparsers.add_parser("shortlist", help="the pilot shortlist of shared accounts")
    _partner_args(short)
    _size_option(short)
    short.add_argument("--territory", metavar="NAME", help="pick among this territory's accounts")
    add_format_option(short)
    short.set_defaults(run=_shortlist)

    plan = subparsers.add_parser("plan", help="joint account plans")
    actions = plan.add_subparsers(dest="action", metavar="ACTION")
    create = actions.add_parser("create", help="a plan for one account, or for the shortlist")
    _partner_args(create)
    which = create.add_mutually_exclusive_group(required=True)
    which.add_argument("--account", metavar="REF", help="a CRM id of either side, a key or a name")
    which.add_argument("--shortlist", action="store_true", help="draft plans for the shortlist")
    _size_option(create)
    create.add_argument(
        "--territory", metavar="NAME", help="with --shortlist: the shortlist of this territory"
    )
    create.add_argument("--objective", default="", metavar="TEXT")
    create.add_argument("--lead", choices=["us", "partner"])
    create.add_argument("--notes", default="", metavar="TEXT")
    create.set_defaults(run=_create)

    listing = actions.add_parser("list", help="the partnership's plans")
    _partner_args(listing)
    listing.add_argument("--territory", metavar="NAME", help="only this territory's plans")
    add_format_option(listing)
    listing.set_defaults(run=_list)

    show = actions.add_parser("show", help="a plan with its roles, steps and metrics")
    _plan_args(show)
    add_format_option(show)
    show.set_defaults(run=_show)

    step = actions.add_parser("add-step", help="add a next step")
    _plan_args(step)
    step.add_argument("--what", required=True, metavar="TEXT")
    step.add_argument("--owner", required=True, choices=["us", "partner"], help="owner party")
    step.add_argument("--person", metavar="NAME")
    step.add_argument("--due", metavar="YYYY-MM-DD")
    step.add_argument("--joint", action="store_true", help="both sides take it together")
    step.set_defaults(run=_add_step)

    role = actions.add_parser("add-role", help="add a role and responsibility")
    _plan_args(role)
    role.add_argument("--party", required=True, choices=["us", "partner"])
    role.add_argument("--person", required=True, metavar="NAME")
    role.add_argument("--role", required=True, metavar="TEXT")
    role.add_argument("--responsibility", default="", metavar="TEXT")
    role.set_defaults(run=_add_role)

    metric = actions.add_parser("add-metric", help="add a success metric")
    _plan_args(metric)
    metric.add_argument("--name", required=True, metavar="TEXT")
    metric.add_argument("--target", metavar="N")
    metric.add_argument("--actual", metavar="N")
    metric.add_argument("--unit", default="", metavar="TEXT")
    metric.set_defaults(run=_add_metric)

    done = actions.add_parser("done", help="mark a step done")
    done.add_argument("workspace", metavar="WS")
    done.add_argument("step", type=int, metavar="STEP_ID")
    done.add_argument("--undo", action="store_true", help="mark it open again")
    done.set_defaults(run=_done)

    status = actions.add_parser("set-status", help="draft, active, won, lost or paused")
    _plan_args(status)
    status.add_argument("status", choices=PLAN_STATUSES)
    status.set_defaults(run=_status)

    update = actions.add_parser("update", help="change the objective, lead or notes")
    _plan_args(update)
    update.add_argument("--objective", metavar="TEXT")
    update.add_argument("--lead", choices=["us", "partner"])
    update.add_argument("--notes", metavar="TEXT")
    update.set_defaults(run=_update)

    remove = actions.add_parser("remove", help="remove a role, step or metric")
    remove.add_argument("workspace", metavar="WS")
    remove.add_argument("kind", choices=["role", "step", "metric"])
    remove.add_argument("id", type=int, metavar="ID")
    remove.set_defaults(run=_remove)
    _register_outreach(actions)

    stalled = subparsers.add_parser("stalled", help="open plans that are stalling, and why")
    _partner_args(stalled)
    stalled.add_argument("--today", metavar="YYYY-MM-DD", help="the date to judge by")
    add_format_option(stalled)
    stalled.set_defaults(run=_stalled)


def _size_option(parser: argparse.ArgumentParser) -> None:
    low, high = SHORTLIST_ADVISED
    parser.add_argument(
        "--size",
        type=int,
        default=SHORTLIST_DEFAULT,
        metavar="N",
        help=f"accounts in the shortlist, {SHORTLIST_MIN} to {SHORTLIST_MAX}; the guide advises "
        f"{low} to {high} (default {SHORTLIST_DEFAULT})",
    )


def _warn_size(size: int) -> None:
    advice = shortlist_size_advice(size)
    if advice and SHORTLIST_MIN <= size <= SHORTLIST_MAX:
        print(f"warning: {advice}", file=sys.stderr)


def _shortlist(args: argparse.Namespace) -> int:
    _warn_size(args.size)
    with Workspace.open(args.workspace) as ws:
        picks = shortlist(
            ws,
            args.partner,
            args.size,
            territory=territory_filter(ws, args.partner, args.territory),
        )
    columns = ["rank", "name", "score", "lead", "reason"]
    emit_frame(picks if args.format != "table" else picks[columns], args.format)
    return 0


def _create(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        if args.shortlist:
            _warn_size(args.size)
            created = create_plans_for_shortlist(
                ws,
                args.partner,
                args.size,
                territory=territory_filter(ws, args.partner, args.territory),
            )
            print(f"{len(created)} draft plans created for the shortlist")
            return 0
        row = find_shared(build_mapping(ws, args.partner), args.account)
        plan = create_plan(
            ws,
            args.partner,
            str(row["our_key"]),
            str(row["partner_key"]),
            objective=args.objective,
            lead=args.lead,
            notes=args.notes,
        )
    print(f"plan {plan.id} created for {plan.account_name}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = list_plans(
            ws, args.partner, territory=territory_filter(ws, args.partner, args.territory)
        )
    if args.format == "table":
        frame = frame.drop(columns=["our_key", "partner_key"])
    emit_frame(frame, args.format)
    return 0


def _show(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        detail = plan_detail(ws, args.plan)
    plan = detail.plan
    if args.format == "json":
        emit_json(
            {
                "plan": plan.model_dump(mode="json"),
                "roles": detail.roles.to_dict(orient="records"),
                "steps": detail.steps.to_dict(orient="records"),
                "metrics": detail.metrics.to_dict(orient="records"),
            }
        )
        return 0
    if args.format == "csv":
        emit_frame(detail.steps, "csv")
        return 0
    print(
        f"Plan {plan.id} ({plan.ref}, as both partners see it): {plan.account_name} "
        f"({plan.status}), lead: {plan.lead or '-'}"
    )
    print(f"Objective: {plan.objective or '-'}")
    if plan.why_together:
        print(f"Why together: {plan.why_together}")
    with Workspace.open(args.workspace) as ws:
        insight = plan_insight(ws, args.plan)
    _print_insight(insight)
    if plan.notes:
        print(f"Notes: {plan.notes}")
    for title, frame in (("Roles", detail.roles), ("Next steps", detail.steps)):
        print(f"\n{title}")
        emit_frame(frame, "table")
    print("\nMetrics")
    emit_frame(detail.metrics, "table")
    return 0


def _add_step(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        step = add_step(ws, args.plan, args.what, args.owner, args.person, args.due)
        if args.joint:
            step = set_step_joint(ws, int(step.id))  # type: ignore[arg-type]
    print(f"{'joint ' if step.joint else ''}step {step.id} added to plan {args.plan}")
    return 0


def _add_role(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        role = add_role(ws, args.plan, args.party, args.person, args.role, args.responsibility)
    print(f"role {role.id} added to plan {args.plan}")
    return 0


def _add_metric(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        metric = add_metric(ws, args.plan, args.name, args.target, args.actual, args.unit)
    print(f"metric {metric.id} added to plan {args.plan}")
    return 0


def _done(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        step = set_step_done(ws, args.step, not args.undo)
    print(f"step {step.id} {'done' if step.done else 'open again'}")
    return 0


def _status(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        plan = set_plan_status(ws, args.plan, args.status)
    print(f"plan {plan.id} is {plan.status}")
    return 0


def _update(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        update_plan(ws, args.plan, objective=args.objective, lead=args.lead, notes=args.notes)
    print(f"plan {args.plan} updated")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        remove_plan_item(ws, args.kind, args.id)
    print(f"{args.kind} {args.id} removed")
    return 0


def _stalled(args: argparse.Namespace) -> int:
    today = parse_day(args.today)
    with Workspace.open(args.workspace) as ws:
        frame = stalled_plans(ws, args.partner, today=today)
    if args.format == "json":
        emit_json(frame.drop(columns=["reason"]).to_dict(orient="records"))
    else:
        emit_frame(frame.drop(columns=["reasons"]), args.format)
    return 0


# ---------------------------------------------------------------------------- joint outreach


def _register_outreach(actions: argparse._SubParsersAction) -> None:
    insight = actions.add_parser(
        "insight", help="what both sides know of the plan's account (without options: show it)"
    )
    _plan_args(insight)
    for name in INSIGHT_FIELDS:
        flag = "--" + name.replace("_", "-")
        metavar = "YYYY-MM-DD" if name.endswith("date") else "TEXT"
        insight.add_argument(flag, dest=name, metavar=metavar, help="'' clears it")
    insight.set_defaults(run=_insight)
    why = actions.add_parser("why", help="why together: the value of both companies at once")
    _plan_args(why)
    why.add_argument("text", metavar="TEXT")
    why.set_defaults(run=_why)
    meeting = actions.add_parser(
        "joint-meeting", help="add the joint steps of a meeting with the customer"
    )
    _plan_args(meeting)
    meeting.add_argument("--on", required=True, metavar="YYYY-MM-DD", help="the meeting's day")
    meeting.set_defaults(run=_joint_meeting)


def _print_insight(insight: object) -> None:
    if getattr(insight, "empty", True):
        print("Insights: none yet (overlap plan insight WS PLAN_ID --needs ...)")
        return
    print("Insights:")
    for name in INSIGHT_FIELDS:
        value = getattr(insight, name)
        if value:
            print(f"  {name.replace('_', ' ')}: {value}")


def _insight(args: argparse.Namespace) -> int:
    fields = {n: getattr(args, n) for n in INSIGHT_FIELDS if getattr(args, n) is not None}
    with Workspace.open(args.workspace) as ws:
        insight = set_plan_insight(ws, args.plan, **fields) if fields else plan_insight(
            ws, args.plan)  # fmt: skip
    _print_insight(insight)
    return 0


def _why(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        plan = set_why_together(ws, args.plan, args.text)
    print(f"why together of plan {plan.id}: {plan.why_together}")
    return 0


def _joint_meeting(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        steps = add_joint_meeting(ws, args.plan, args.on)
    for step in steps:
        print(f"joint step {step.id}: {step.what} ({step.owner_party}, due {step.due_date})")
    return 0
