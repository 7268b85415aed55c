"""``overlap opportunities``, ``metrics``, ``credit``, ``engagement``, ``refresh``, ``baseline``,
``schedule``, ``partnership``: tracking joint success and keeping the map fresh, from a terminal."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from engine import (
    CADENCES,
    CO_SELL_GUIDANCE,
    CO_SOLD_SETTINGS,
    COMPARISONS,
    DEAL_STAGES,
    ENGAGEMENT_KINDS,
    OUTCOMES,
    PARTNER_ROLES,
    PARTNERSHIP_MODELS,
    PERIODS,
    OverlapError,
    Workspace,
    add_opportunity,
    credit_report,
    engagement_log,
    engagement_score,
    import_opportunities,
    log_engagement,
    next_refresh_due,
    partner_deals,
    partner_metrics,
    partnership_model,
    pilot_metrics,
    record_mapping,
    refresh_mapping,
    refresh_schedule,
    set_cadence,
    set_deal,
    write_credit_report,
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
    co_sold = add.add_mutually_exclusive_group()
    co_sold.add_argument(
        "--co-sold", action="store_true", default=None, help="the partner was involved"
    )
    co_sold.add_argument(
        "--not-co-sold", dest="co_sold", action="store_false",
        help="the partner was not involved (without either, a deal on an account with a joint "
        "plan counts as co-sold)",
    )  # fmt: skip
    _deal_fields(add)
    add.set_defaults(run=_opps_add)
    change = actions.add_parser(
        "set", help="set a deal's co-sold flag, the partner's part, its stage or its rep"
    )
    _partner_args(change)
    change.add_argument("id", type=int, metavar="ID", help="the deal's id (opportunities list)")
    change.add_argument(
        "--co-sold", choices=CO_SOLD_SETTINGS,
        help="yes or no by hand; auto: co-sold when its account has a joint plan",
    )  # fmt: skip
    _deal_fields(change)
    change.set_defaults(run=_opps_set)
    listing = actions.add_parser(
        "list", help="the deals entered or imported, co-sold or not and why, rep, pilot account"
    )
    _partner_args(listing)
    add_format_option(listing)
    listing.set_defaults(run=_opps_list)

    metrics = subparsers.add_parser(
        "metrics",
        help="win rate, deal velocity, deal size: co-sold vs not, pilot accounts vs the rest, "
        "over time; engagement score",
    )
    _partner_args(metrics)
    metrics.add_argument("--today", metavar="YYYY-MM-DD")
    metrics.add_argument(
        "--by", choices=PERIODS, default="quarter", help="periods since the baseline"
    )
    metrics.add_argument(
        "--compare", choices=list(COMPARISONS), default="pilot",
        help="the groups of the figures over time (default: %(default)s)",
    )  # fmt: skip
    add_format_option(metrics)
    metrics.set_defaults(run=_metrics)

    credit = subparsers.add_parser(
        "credit",
        help="credit for direct sellers: partner-sourced and -influenced deals per rep, "
        "for compensation",
    )
    credit.add_argument("workspace", metavar="WS")
    credit.add_argument("--partner", metavar="P", help="one partnership (default: all)")
    credit.add_argument(
        "--out", type=Path, metavar="FILE",
        help="write the report: .xlsx (reps and deals) or .csv (reps)",
    )  # fmt: skip
    for part in PARTNER_ROLES:
        credit.add_argument(
            f"--{part}-rate", type=float, default=100.0, metavar="PCT",
            help=f"share of a won partner-{part} deal credited (default: %(default)g)",
        )  # fmt: skip
    add_format_option(credit)
    credit.set_defaults(run=_credit)

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


def _deal_fields(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--part", choices=[*PARTNER_ROLES, "none"], help="what the partner did for the deal"
    )
    parser.add_argument("--stage", choices=[*DEAL_STAGES, "none"], help="an open deal's stage")
    parser.add_argument("--owner", metavar="NAME", help="our rep on the deal")


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
            partner_role="" if args.part in (None, "none") else args.part,
            stage="" if args.stage in (None, "none") else args.stage,
            owner=args.owner or "",
        )
    print(f"opportunity {item.id} added for {item.account_name}")
    return 0


def _opps_set(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        ws.partner(args.partner)  # the partnership exists
        set_deal(
            ws, args.id, co_sold=args.co_sold, partner_role=args.part, stage=args.stage,
            owner=args.owner,
        )  # fmt: skip
        deals = partner_deals(ws, args.partner)
    row = deals[deals["id"] == args.id]
    if row.empty:
        raise OverlapError(f"deal {args.id} is not a deal of {args.partner}")
    deal = row.iloc[0]
    print(
        f"deal {args.id} ({deal['account_name']}): "
        + (f"co-sold ({deal['co_sold_why']})" if deal["co_sold"] else "not co-sold")
        + (f", partner {deal['partner_role']}" if deal["partner_role"] else "")
        + (f", {deal['stage']}" if deal["stage"] else "")
        + f", rep {deal['rep']}"
    )
    return 0


def _opps_list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        emit_frame(partner_deals(ws, args.partner), args.format)
    return 0


_TEXT_COLUMNS = {
    "win_rate_text": "win rate",
    "velocity_text": "median days to close",
    "size_text": "average won deal",
}


def _readable(frame: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    """The figures in words: counts, then each rate as text (too few deals say so)."""
    return frame[[*first, "deals", "open", "won", "lost", *_TEXT_COLUMNS]].rename(
        columns=_TEXT_COLUMNS
    )


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")  # type: ignore[return-value]


def _metrics(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        today = parse_day(args.today)
        deals = partner_metrics(ws, args.partner)
        by_co_sold = pilot_metrics(ws, args.partner, compare="co-sold", by=args.by, today=today)
        pilot = pilot_metrics(ws, args.partner, compare="pilot", by=args.by, today=today)
        score = engagement_score(ws, args.partner, today=today)
    timeline = (pilot if args.compare == "pilot" else by_co_sold).over_time
    baseline = pilot.baseline.isoformat() if pilot.baseline else None
    if args.format == "json":
        emit_json(
            {
                "deals": _records(deals.table),
                "findings": deals.findings,
                "co_sold": _records(by_co_sold.comparison),
                "pilot": _records(pilot.comparison),
                "pilot_accounts": pilot.pilot_accounts,
                "pilot_findings": pilot.findings,
                "baseline": baseline,
                "by": args.by,
                "over_time": _records(timeline),
                "engagement": score.__dict__,
            }
        )
        return 0
    if args.format == "csv":
        every = pd.concat([by_co_sold.comparison, pilot.comparison], ignore_index=True)
        emit_frame(pd.concat([every.assign(period="all"), timeline], ignore_index=True), "csv")
        return 0
    print("Co-sold vs other deals")
    emit_frame(_readable(by_co_sold.comparison, ["group"]), "table")
    for line in deals.findings:
        print(line)
    print(f"\nPilot accounts ({pilot.pilot_accounts} with a joint plan) vs the rest")
    emit_frame(_readable(pilot.comparison, ["group"]), "table")
    for line in pilot.findings:
        print(line)
    if len(timeline):
        print(f"\nBy {args.by} since the baseline of {baseline} (deals by close date)")
        texts = timeline[["period", "group", "won", "lost", *_TEXT_COLUMNS]]
        emit_frame(texts.rename(columns=_TEXT_COLUMNS), "table")
    print()
    print(score.explain())
    return 0


def _credit(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        report = credit_report(
            ws,
            args.partner,
            sourced_rate=args.sourced_rate / 100,
            influenced_rate=args.influenced_rate / 100,
        )
    if args.out:
        path = write_credit_report(report, args.out)
        print(f"credit report of {len(report.reps)} reps written to {path}")
        return 0
    if args.format == "json":
        emit_json({"reps": _records(report.reps), "deals": _records(report.deals),
                   "how": report.explain()})  # fmt: skip
        return 0
    emit_frame(report.reps, args.format)
    if args.format == "table":
        print(report.explain())
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
