"""``overlap sync`` and ``overlap handoff``: the rhythm of sync meetings, attendance, the agenda,
the calendar, and the e-mail hand-off of plan files, from a terminal.

Sync meetings are the partnership's regular calls; the *mapping refresh* cadence is
``overlap schedule``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine import (
    HANDOFF_DEFAULT_KINDS,
    HANDOFF_KINDS,
    RHYTHMS,
    OverlapError,
    Workspace,
    engagement_score,
    export_agenda,
    export_calendar,
    last_sync,
    local_zone_name,
    log_sync,
    prepare_handoff,
    require_agreement,
    set_sync_schedule,
    share_policy,
    sync_agenda,
    sync_schedule,
)
from engine.cli.dates import parse_day
from engine.cli.output import emit_json
from engine.cli.sharing import _add_passphrase, _passphrase


def _partner_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("workspace", metavar="WS")
    parser.add_argument("--partner", required=True, metavar="P")


def register(subparsers: argparse._SubParsersAction) -> None:
    sync = subparsers.add_parser(
        "sync", help="sync meetings with the partner: rhythm, attendance, agenda, calendar"
    )
    actions = sync.add_subparsers(dest="action", metavar="ACTION")

    setting = actions.add_parser("set", help="set the rhythm and next date of the sync meetings")
    _partner_args(setting)
    setting.add_argument("--rhythm", required=True, choices=RHYTHMS)
    setting.add_argument("--next", required=True, metavar="YYYY-MM-DD", help="the next meeting")
    setting.add_argument("--time", default="10:00", metavar="HH:MM", help="default: %(default)s")
    setting.add_argument(
        "--tz",
        metavar="ZONE",
        help=f"IANA time zone (default: this machine's, {local_zone_name()})",
    )
    setting.add_argument("--minutes", type=int, default=30, help="length (default: %(default)s)")
    setting.add_argument(
        "--last-weekday",
        action="store_true",
        help="monthly: on the last such weekday of each month (--next must be one)",
    )
    setting.set_defaults(run=_set)

    log = actions.add_parser("log", help="log a sync meeting as attended (or --missed)")
    _partner_args(log)
    log.add_argument("--date", metavar="YYYY-MM-DD", help="when it was held (default: today)")
    log.add_argument("--missed", action="store_true", help="the meeting did not take place")
    log.add_argument("--note", default="", metavar="TEXT")
    log.set_defaults(run=_log)

    show = actions.add_parser("show", help="the rhythm, the next meetings and attendance")
    _partner_args(show)
    show.add_argument("--today", metavar="YYYY-MM-DD")
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(run=_show)

    agenda = actions.add_parser("agenda", help="the agenda of the next sync (text or PDF)")
    _partner_args(agenda)
    agenda.add_argument("--format", choices=("text", "pdf", "json"), default="text")
    agenda.add_argument("--out", metavar="FILE", help="write it to FILE (.txt or .pdf)")
    agenda.add_argument("--today", metavar="YYYY-MM-DD")
    agenda.set_defaults(run=_agenda)

    calendar = actions.add_parser(
        "calendar", help="sync meetings and next steps as an iCalendar (.ics) file"
    )
    _partner_args(calendar)
    calendar.add_argument("--out", required=True, metavar="FILE.ics")
    calendar.add_argument("--no-steps", action="store_true", help="the sync meetings only")
    calendar.set_defaults(run=_calendar)

    handoff = subparsers.add_parser(
        "handoff", help="plan files in a folder, with the e-mail summary and a mailto: link"
    )
    _partner_args(handoff)
    handoff.add_argument("--out", required=True, metavar="DIR", help="the folder for the files")
    handoff.add_argument("--plans", metavar="ID,ID", help="only these plans (default: all)")
    handoff.add_argument(
        "--files",
        default=",".join(HANDOFF_DEFAULT_KINDS),
        metavar="KIND,KIND",
        help=f"among {', '.join(HANDOFF_KINDS)} (default: %(default)s)",
    )
    handoff.add_argument("--to", metavar="ADDRESS", help="the partner's e-mail address")
    _add_passphrase(handoff, ask=True)
    handoff.set_defaults(run=_handoff)


def _set(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        settings = set_sync_schedule(
            ws,
            args.partner,
            rhythm=args.rhythm,
            next_date=args.next,
            time_of_day=args.time,
            time_zone=args.tz,
            duration_minutes=args.minutes,
            week=-1 if args.last_weekday else None,
        )
    print(f"sync meetings with {settings.partner}: {settings.rhythm_text()}")
    print(f"next: {settings.meeting_text()}")
    return 0


def _log(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        logged = log_sync(
            ws, args.partner, held_on=args.date, attended=not args.missed, note=args.note
        )
    print(logged.text())
    return 0


def _show(args: argparse.Namespace) -> int:
    today = parse_day(args.today)
    with Workspace.open(args.workspace) as ws:
        settings = sync_schedule(ws, args.partner)
        last = last_sync(ws, args.partner)
        score = engagement_score(ws, args.partner, today=today)
    upcoming = [d.isoformat() for d in settings.upcoming(4)] if settings else []
    if args.format == "json":
        emit_json(
            {
                "schedule": settings.to_dict() if settings else None,
                "upcoming": upcoming,
                "last_sync": last.isoformat() if last else None,
                "engagement": score.__dict__,
            }
        )
        return 0
    if settings is None:
        print("no rhythm set for the sync meetings yet (overlap sync set ... --rhythm ...)")
    else:
        print(f"sync meetings: {settings.rhythm_text()}, {settings.duration_minutes} minutes")
        print(f"next: {settings.meeting_text()}")
        print(f"then: {', '.join(upcoming[1:])}")
    print(f"last sync attended: {last.isoformat() if last else 'none logged yet'}")
    print(score.explain())
    return 0


def _require_agreement_for_names(ws: Workspace, partner: str) -> None:
    """A file naming accounts (the share policy lets names leave) waits for the data-sharing
    agreement, as ``share export`` and ``handoff`` do."""
    policy = share_policy(ws, partner)
    if not policy.counts_only and policy.allows("account_name"):
        require_agreement(ws, partner)


def _agenda(args: argparse.Namespace) -> int:
    today = parse_day(args.today)
    if args.format == "pdf" and not args.out:
        raise OverlapError("a PDF agenda needs --out FILE.pdf")
    with Workspace.open(args.workspace) as ws:
        agenda = sync_agenda(ws, args.partner, today=today)
        if args.out:
            _require_agreement_for_names(ws, args.partner)
            kind = "pdf" if args.format == "pdf" else None
            result = export_agenda(ws, args.partner, args.out, kind=kind, agenda=agenda)
            print(f"wrote {result.path}: {result.items} items, sha256 {result.sha256}")
            for warning in result.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            return 0
    if args.format == "json":
        emit_json(agenda.to_dict())
    else:
        sys.stdout.write(agenda.to_text())
    return 0


def _calendar(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        if not args.no_steps:
            _require_agreement_for_names(ws, args.partner)  # the next steps name accounts
        result = export_calendar(ws, args.partner, args.out, steps=not args.no_steps)
    series = "the sync meetings and " if result.meetings else ""
    print(f"wrote {result.path}: {series}{result.steps} next step(s), sha256 {result.sha256}")
    if result.skipped:
        print(f"{result.skipped} open step(s) have no due date and are not in it", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _plan_ids(value: str | None) -> list[int] | None:
    if not value:
        return None
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise OverlapError(f"--plans '{value}' is not a list of plan numbers (e.g. 3,7)") from None


def _handoff(args: argparse.Namespace) -> int:
    passphrase = _passphrase(args, confirm=True)
    kinds = [k.strip() for k in args.files.split(",") if k.strip()]
    with Workspace.open(args.workspace) as ws:
        if not share_policy(ws, args.partner).counts_only:
            require_agreement(ws, args.partner)  # the plans name accounts
        result = prepare_handoff(
            ws,
            args.partner,
            Path(args.out),
            plan_ids=_plan_ids(args.plans),
            kinds=kinds,
            passphrase=passphrase,
            to=args.to,
        )
    for path in result.files:
        print(f"wrote {path}")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print()
    print(result.text())
    print()
    print(result.mailto)
    return 0
