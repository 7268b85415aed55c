"""``overlap init`` and ``overlap partner``: create a workspace and its partnerships."""

from __future__ import annotations

import argparse

import pandas as pd

from engine.cli.output import add_format_option, emit_frame
from engine.workspace import CADENCES, PARTNER_MODELS, Workspace


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


def _init(args: argparse.Namespace) -> int:
    with Workspace.create(args.workspace, args.us, args.domain) as ws:
        print(f"created {ws.path} for {args.us}")
    return 0


def _partner_add(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        partner = ws.add_partner(args.name, model=args.model, cadence=args.cadence)
        print(f"added partner {partner.name} ({partner.model}, refreshed {partner.cadence})")
    return 0


def _partner_list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = pd.DataFrame(
            [{"name": p.name, "model": p.model, "cadence": p.cadence} for p in ws.partners()],
            columns=["name", "model", "cadence"],
        )
    emit_frame(frame, args.format)
    return 0
