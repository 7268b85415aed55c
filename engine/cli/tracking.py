"""``overlap opportunities``, ``metrics``, ``engagement``, ``refresh``, ``baseline``,
``schedule``, ``partnership``: tracking joint success and keeping the map fresh, from a terminal."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from engine import (
    CADENCES,
    CO_SELL_GUIDANCE,
    ENGAGEMENT_KINDS,
    OUTCOMES,
    PARTNERSHIP_MODELS,
    OverlapError,
    Workspace,
    add_opportunity,
    engagement_log,
    engagement_score,
    import_opportunities,
    list_opportunities,
    log_engagement,
    next_refresh_due,
    partner_metrics,
    partnership_model,
    record_mapping,
    refresh_mapping,
    refresh_schedule,
    set_cadence,
)
from engine.cli.dates import parse_day
from engine.cli.importing import add_replace_option, replace_hint
from engine.cli.output import add_format_option, emit_frame, emit_json


def _partner_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workspace", metavar="WS")
    parser.add_argument("--partner", required=True, metavar="P")


def register(subparsers: argparse._SubParsersAction) -> None:
    opps = subparsers.add_parser("opportunities", help="joint and other deals, for the metrics")
    actions = opps.add_subparsers(dest="action", metavar="ACTION")
    imp = actions.add_parser("import", help="add the deals of a CSV export of opportunities")
    _partner_args(imp)
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.set_defaults(run=_opps_import)
    add = actions.add_parser("add", help="enter one deal")
    _partner_args(add)
    add.add_argument("--account", required=True, metavar="NAME")
    add.add_argument("--opened", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--closed", metavar="YYYY-MM-DD")
    add.add_argument("--amount", metavar="N")
    add.add_argument("--outcome", choices=OUTCOMES, default="open")
    add.add_argument("--co-sold", action="store_true", help="the partner was involved")
    add.set_defaults(run=_opps_add)
    listing = actions.add_parser("list", help="the deals entered or imported")
    _partner_args(listing)
    add_format_option(listing)
    listing.set_defaults(run=_opps_list)

    metrics = subparsers.add_parser(
        "metrics", help="win rate, deal velocity, deal size co-sold vs not; engagement score"
    )
    _partner_args(metrics)
    metrics.add_argument("--today", metavar="YYYY-MM-DD")
    add_format_option(metrics)
    metrics.set_defaults(run=_metrics)

    engagement = subparsers.add_parser("engagement", help="the partner engagement log and score")
    actions = engagement.add_subparsers(dest="action", metavar="ACTION")
    log = actions.add_parser("log", help="log a sync call, CRM update or contact")
    _partner_args(log)
    log.add_argument("--kind", required=True, choices=ENGAGEMENT_KINDS)
    log.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    log.add_argument("--note", default="", metavar="TEXT")
    log.set_defaults(run=_engagement_log)
    show = actions.add_parser("show", help="the log and the score")
    _partner_args(show)
    show.add_argument("--today", metavar="YYYY-MM-DD")
    add_format_option(show)
    show.set_defaults(run=_engagement_show)

    ref = subparsers.add_parser(
        "refresh", help="import the partner's new export, re-match, and show what changed"
    )
    _partner_args(ref)
    ref.add_argument("file", type=Path, metavar="FILE")
    ref.add_argument("--sheet", metavar="NAME")
    ref.add_argument("--profile", metavar="NAME", help="a saved column mapping")
    add_replace_option(ref)
    add_format_option(ref)
    ref.set_defaults(run=_refresh)

    base = subparsers.add_parser(
        "baseline", help="record the current mapping as the baseline of the next refresh"
    )
    _partner_args(base)
    base.set_defaults(run=_baseline)

    schedule = subparsers.add_parser("schedule", help="refresh cadence and due dates")
    schedule.add_argument("workspace", metavar="WS")
    schedule.add_argument("--partner", metavar="P", help="with --cadence: the partnership")
    schedule.add_argument("--cadence", choices=CADENCES, help="set the partnership's cadence")
    schedule.add_argument("--overdue", action="store_true", help="only overdue partnerships")
    schedule.add_argument("--today", metavar="YYYY-MM-DD")
    add_format_option(schedule)
    schedule.set_defaults(run=_schedule)

    models = subparsers.add_parser(
        "partnership", help="referral, co-sell and reseller models, and when co-selling fits"
    )
    models.add_argument("--model", choices=list(PARTNERSHIP_MODELS))
    add_format_option(models)
    models.set_defaults(run=_partnership)


def _opps_import(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        added = import_opportunities(ws, args.partner, args.file)
    co_sold = int(added["partner_involved"].sum()) if len(added) else 0
    print(f"{len(added)} opportunities added ({co_sold} co-sold)")
    return 0


def _opps_add(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        item = add_opportunity(
            ws,
            args.partner,
            args.account,
            args.opened,
            amount=args.amount,
            closed=args.closed,
            outcome=args.outcome,
            partner_involved=args.co_sold,
        )
    print(f"opportunity {item.id} added for {item.account_name}")
    return 0


def _opps_list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        emit_frame(list_opportunities(ws, args.partner), args.format)
    return 0


def _metrics(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        deals = partner_metrics(ws, args.partner)
        score = engagement_score(ws, args.partner, today=parse_day(args.today))
    if args.format == "json":
        emit_json(
            {
                "deals": deals.table.astype(object)
                .where(deals.table.notna(), None)
                .to_dict(orient="records"),
                "findings": deals.findings,
                "engagement": score.__dict__,
            }
        )
        return 0
    table = deals.table
    if args.format == "table":
        table = table.assign(
            win_rate=table["win_rate"].map(lambda v: "-" if pd.isna(v) else f"{v:.0%}"),
            median_days_to_close=table["median_days_to_close"].map(
                lambda v: "-" if pd.isna(v) else f"{v:.0f}"
            ),
            average_deal_size=table["average_deal_size"].map(
                lambda v: "-" if pd.isna(v) else f"{v:,.0f}"
            ),
        )
    emit_frame(table, args.format)
    if args.format == "table":
        for line in deals.findings:
            print(line)
        print(score.explain())
    return 0


def _engagement_log(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        event = log_engagement(ws, args.partner, args.kind, args.date, args.note)
    print(f"logged {event.kind} on {event.at}")
    return 0


def _engagement_show(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        log = engagement_log(ws, args.partner)
        score = engagement_score(ws, args.partner, today=parse_day(args.today))
    if args.format == "json":
        emit_json({"score": score.__dict__, "log": log.to_dict(orient="records")})
        return 0
    emit_frame(log, args.format)
    if args.format == "table":
        print(score.explain())
    return 0


def _baseline(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        run = record_mapping(ws, args.partner)
    print(f"mapping recorded as the refresh baseline ({run.ran_at:%Y-%m-%d})")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws, replace_hint():
        result = refresh_mapping(
            ws,
            args.partner,
            args.file,
            sheet=args.sheet,
            profile=args.profile,
            replace=args.replace,
        )
        due = next_refresh_due(ws.partner(args.partner))
    changes = result.changes
    if args.format == "json":
        emit_json({**changes.to_dict(), "next_due": due.isoformat()})
        return 0
    frame = changes.to_frame()
    if args.format == "csv":
        emit_frame(frame, "csv")
        return 0
    since = f"since {result.previous.ran_at:%Y-%m-%d}" if result.previous else "since the import"
    counts = changes.counts()
    print(
        f"What changed {since}: {counts['new_shared']} new shared, "
        f"{counts['no_longer_shared']} no longer shared, {counts['stage_changes']} stage "
        f"changes, {counts['lead_changes']} lead changes. Next refresh due {due.isoformat()}."
    )
    emit_frame(frame[["change", "name", "detail"]], "table", max_rows=100)
    return 0


def _schedule(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        if args.cadence:
            if not args.partner:
                raise OverlapError("--cadence needs --partner P")
            set_cadence(ws, args.partner, args.cadence)
        frame = refresh_schedule(ws, today=parse_day(args.today))
    if args.overdue:
        frame = frame[frame["overdue"]]
    emit_frame(frame, args.format)
    return 0


def _partnership(args: argparse.Namespace) -> int:
    models = [partnership_model(args.model)] if args.model else list(PARTNERSHIP_MODELS.values())
    if args.format == "json":
        emit_json(
            {"models": [m.to_dict() for m in models], "co_sell_guidance": list(CO_SELL_GUIDANCE)}
        )
        return 0
    frame = pd.DataFrame([m.to_dict() for m in models])
    if args.format == "csv":
        emit_frame(frame, "csv")
        return 0
    for model in models:
        print(f"{model.name}: {model.summary}")
        for label, value in (
            ("promotes", model.who_promotes),
            ("negotiates", model.who_negotiates),
            ("brand", model.whose_brand),
            ("supports", model.who_supports),
            ("partner paid", model.partner_paid),
            ("fits when", model.fits_when),
        ):
            print(f"  {label:13} {value}")
        print()
    print("When co-selling fits:")
    for line in CO_SELL_GUIDANCE:
        print(f"  - {line}")
    return 0
