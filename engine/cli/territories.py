"""``overlap territory``: a partnership's territories (add, edit, list, remove) from a terminal.

The per-territory summary (where the overlap is) is ``overlap overlaps WS --partner P
--territories``; ``--territory NAME`` limits ``overlaps``, ``shortlist`` and ``plan list``.
"""

from __future__ import annotations

import argparse

import pandas as pd

from engine import (
    REGIONS,
    Workspace,
    add_territory,
    define_territory,
    remove_territory,
    save_territory,
    state_sources,
    territories,
    territory,
)
from engine.cli.output import add_format_option, emit_frame, emit_json

_BAND_HELP = "MIN-MAX, MIN+ or <MAX; MIN counts, MAX does not (e.g. 200-1000, 1M-10M, 1000+)"


def _criteria(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--countries", metavar="LIST", help="countries, comma-separated: ISO codes or names"
    )
    parser.add_argument(
        "--regions", metavar="LIST", help=f"regions, comma-separated: {', '.join(REGIONS)}"
    )
    parser.add_argument(
        "--states", metavar="LIST", help="states or provinces, comma-separated (CA, California)"
    )
    parser.add_argument("--industries", metavar="LIST", help="industries, comma-separated")
    parser.add_argument("--revenue", metavar="BAND", help=f"annual revenue band: {_BAND_HELP}")
    parser.add_argument("--employees", metavar="BAND", help=f"employees band: {_BAND_HELP}")
    parser.add_argument("--our-rep", metavar="NAME", help="our rep for the territory")
    parser.add_argument("--partner-rep", metavar="NAME", help="the partner's rep")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "territory", help="territories of a partnership: by place, industry and size, with reps"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    add = actions.add_parser("add", help="add a territory (it may not overlap another)")
    add.add_argument("workspace", metavar="WS")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--partner", required=True, metavar="P")
    _criteria(add)
    add.set_defaults(run=_add)

    edit = actions.add_parser(
        "edit", help="change a territory: the criteria given replace theirs, '' clears one"
    )
    edit.add_argument("workspace", metavar="WS")
    edit.add_argument("name", metavar="NAME")
    edit.add_argument("--partner", required=True, metavar="P")
    edit.add_argument("--rename", metavar="NEW", help="a new name")
    _criteria(edit)
    edit.set_defaults(run=_edit)

    listing = actions.add_parser("list", help="the partnership's territories and their reps")
    listing.add_argument("workspace", metavar="WS")
    listing.add_argument("--partner", required=True, metavar="P")
    add_format_option(listing)
    listing.set_defaults(run=_list)

    remove = actions.add_parser("remove", help="remove a territory")
    remove.add_argument("workspace", metavar="WS")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--partner", required=True, metavar="P")
    remove.set_defaults(run=_remove)


def _add(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        added = add_territory(
            ws,
            args.partner,
            args.name,
            countries=args.countries,
            regions=args.regions,
            states=args.states,
            industries=args.industries,
            revenue=args.revenue,
            employees=args.employees,
            our_rep=args.our_rep or "",
            partner_rep=args.partner_rep or "",
        )
    print(f"territory '{added.name}' added: {added.describe()}")
    return 0


def _edit(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        old = territory(ws, args.partner, args.name)
        given = {
            key: getattr(args, key)
            for key in ("countries", "regions", "states", "industries", "revenue", "employees")
            if getattr(args, key) is not None
        }
        # Unchanged criteria stay as stored; the ones given are read as a user writes them.
        fresh = define_territory(
            args.rename or old.name,
            countries=given.get("countries", old.countries),
            regions=given.get("regions", old.regions),
            states=given.get("states", old.states),
            industries=given.get("industries", old.industries),
            revenue=given.get("revenue", old.revenue),
            employees=given.get("employees", old.employees),
            our_rep=old.our_rep if args.our_rep is None else args.our_rep,
            partner_rep=old.partner_rep if args.partner_rep is None else args.partner_rep,
        )
        saved = save_territory(ws, args.partner, fresh, replacing=old.name)
    print(f"territory '{saved.name}' saved: {saved.describe()}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        defs = territories(ws, args.partner)
        sources = state_sources(ws, args.partner)
    if args.format == "json":
        emit_json({"territories": [d.to_dict() for d in defs], "state_columns": sources})
        return 0
    frame = pd.DataFrame(
        [(d.name, d.describe(), d.our_rep, d.partner_rep) for d in defs],
        columns=["territory", "definition", "our_rep", "partner_rep"],
    )
    emit_frame(frame, args.format)
    if args.format == "table" and any(d.states for d in defs):
        for side, header in sources.items():
            whose = "our accounts" if side == "us" else f"{args.partner}'s accounts"
            where = f"column '{header}'" if header else "none (the export has no state column)"
            print(f"states of {whose}: {where}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        removed = remove_territory(ws, args.partner, args.name)
    print(f"territory '{removed.name}' removed")
    return 0
