"""``overlap init``, ``partner``, ``backup`` and ``restore``: a workspace and its partnerships."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from engine import model_advice
from engine.cli.output import add_format_option, emit_frame
from engine.cli.program import register_partner_actions
from engine.store.backups import backup_path, restore_backup
from engine.store.checks import backups
from engine.store.workspace import CADENCES, PARTNER_MODELS, Workspace


def register(subparsers: argparse._SubParsersAction) -> None:
    init = subparsers.add_parser("init", help="create a workspace for our company")
    init.add_argument("workspace", metavar="WS", help="workspace file to create (*.overlap)")
    init.add_argument("--us", required=True, metavar="NAME", help="our company's name")
    init.add_argument(
        "--domain",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="our web domain (repeatable)",
    )
    init.set_defaults(run=_init)

    partner = subparsers.add_parser("partner", help="add or list partnerships")
    actions = partner.add_subparsers(dest="action", metavar="ACTION")
    add = actions.add_parser("add", help="add a partnership")
    add.add_argument("workspace", metavar="WS")
    add.add_argument("name", metavar="NAME", help="the partner company's name")
    add.add_argument("--model", choices=PARTNER_MODELS, default="co-sell")
    add.add_argument(
        "--cadence",
        choices=CADENCES,
        default="quarterly",
        help="how often the mapping is refreshed",
    )
    add.set_defaults(run=_partner_add)
    listing = actions.add_parser("list", help="list partnerships")
    listing.add_argument("workspace", metavar="WS")
    add_format_option(listing)
    listing.set_defaults(run=_partner_list)
    register_partner_actions(actions)

    backup = subparsers.add_parser(
        "backup", help="write a copy of a workspace (beside it, unless --out names the file)"
    )
    backup.add_argument("workspace", metavar="WS")
    backup.add_argument("--out", metavar="FILE", help="the copy to write (*.overlap)")
    backup.set_defaults(run=_backup)
    restore = subparsers.add_parser(
        "restore",
        help="put a backup in the place of a workspace (the replaced file is kept); "
        "without BACKUP, list the backups beside it",
    )
    restore.add_argument("workspace", metavar="WS")
    restore.add_argument("backup", metavar="BACKUP", nargs="?", help="the backup to restore")
    restore.set_defaults(run=_restore)


def _init(args: argparse.Namespace) -> int:
    with Workspace.create(args.workspace, args.us, args.domain) as ws:
        print(f"created {ws.path} for {args.us}")
    return 0


def _partner_add(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        advice = model_advice(ws, args.model, adding=True)
        partner = ws.add_partner(args.name, model=args.model, cadence=args.cadence)
        print(f"added partner {partner.name} ({partner.model}, refreshed {partner.cadence})")
    if advice:
        print(f"! {advice}")
    return 0


def _partner_list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = pd.DataFrame(
            [
                {"name": p.name, "model": p.model, "stage": p.stage, "cadence": p.cadence}
                for p in ws.partners()
            ],
            columns=["name", "model", "stage", "cadence"],
        )
    emit_frame(frame, args.format)
    return 0


def _backup(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        target = Path(args.out) if args.out else backup_path(ws.path)
        ws.backup_to(target)
    print(f"wrote {target}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    if args.backup is None:
        found = backups(args.workspace)
        for backup in found:
            print(backup.name)
        print(
            f"{len(found)} backups beside {args.workspace}, newest first"
            if found
            else f"no backups beside {args.workspace}"
        )
        return 0
    kept = restore_backup(args.workspace, args.backup)
    print(f"restored {args.workspace} from {args.backup}")
    if kept:
        print(f"the file it replaced is kept as {kept}")
    return 0
