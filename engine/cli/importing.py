"""``overlap import``, ``overlap accounts``, ``overlap template``: step 1 on the command line."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

import pandas as pd

from engine import (
    ACCOUNT_FIELDS,
    OverlapError,
    ShrinkingListError,
    Workspace,
    import_file,
    parse_overrides,
    prepare_keys,
    private_matching_in_use,
    write_template,
)
from engine.cli.output import add_format_option, emit_frame
from engine.errors import SameFileError

# What the table format shows; csv and json carry every standard field.
_TABLE_COLUMNS = ["external_id", "name", "domains", "stage", "country", "owner"]


def register(subparsers: argparse._SubParsersAction) -> None:
    imp = subparsers.add_parser(
        "import",
        help="import a CRM account export (CSV, TSV, XLSX, XLS, ODS) for us or a partner",
        description="Read an export, map its columns onto the standard fields, clean the "
        "values and save them as a new snapshot of that side (the previous one stays).",
    )
    imp.add_argument("workspace", metavar="WS", help="workspace file (*.overlap)")
    imp.add_argument("file", metavar="FILE", help="the export to import")
    imp.add_argument(
        "--side", required=True, metavar="us|PARTNER", help="'us' or the partner's name"
    )
    imp.add_argument("--sheet", metavar="S", help="sheet of a spreadsheet (default: the first)")
    imp.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=Header",
        help="use this column for a standard field (repeatable; 'domains' may be given twice)",
    )
    imp.add_argument(
        "--profile", metavar="P", help="use the saved mapping profile P, and save this mapping as P"
    )
    add_replace_option(imp)
    imp.add_argument(
        "--same-file",
        action="store_true",
        help="import it although it is the other side's current list, byte for byte",
    )
    imp.set_defaults(run=_import)

    accounts = subparsers.add_parser(
        "accounts", help="list the accounts (or rejected rows) of the latest import of a side"
    )
    accounts.add_argument("workspace", metavar="WS")
    accounts.add_argument("--side", required=True, metavar="us|PARTNER")
    accounts.add_argument("--rejected", action="store_true", help="list the rejected rows instead")
    add_format_option(accounts)
    accounts.set_defaults(run=_accounts)

    template = subparsers.add_parser(
        "template", help="write an empty export (XLSX or CSV) to send a partner without a CRM"
    )
    template.add_argument("file", metavar="FILE", help="a .xlsx or .csv file to create")
    template.set_defaults(run=_template)


def add_replace_option(parser: argparse.ArgumentParser) -> None:
    """``--replace``: the confirmation an export with under half the side's accounts needs."""
    parser.add_argument(
        "--replace",
        action="store_true",
        help="import even when the export has under half the accounts of the side's current "
        "list (an export with none is always refused)",
    )


@contextlib.contextmanager
def replace_hint() -> Iterator[None]:
    """A shrinking list is refused with what to type to import it anyway."""
    try:
        yield
    except ShrinkingListError as error:
        raise OverlapError(
            f"{error.message}; if it is the whole list, run the same command with --replace",
            where=error.where,
        ) from None


def _import(args: argparse.Namespace) -> int:
    overrides = parse_overrides(args.map)
    with Workspace.open(args.workspace) as ws, replace_hint(), _same_file_hint():
        report = import_file(
            ws,
            args.side,
            args.file,
            sheet=args.sheet,
            overrides=overrides,
            profile=args.profile,
            replace=args.replace,
            same_file=args.same_file,
        )
        for line in report.lines():
            print(line)
        if args.side == "us" and private_matching_in_use(ws):
            # The next exchange then only multiplies (see 'overlap psi prepare').
            print(f"private matching: {prepare_keys(ws):,} keys prepared")
    return 0


@contextlib.contextmanager
def _same_file_hint() -> Iterator[None]:
    """The file of the other side is refused with what to type to import it anyway."""
    try:
        yield
    except SameFileError as error:
        raise OverlapError(
            f"{error.message}; if you mean it, run the same command with --same-file",
            where=error.where,
        ) from None


def _accounts(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        partner_id = ws.side_partner_id(args.side)
        snapshot = ws.current_snapshot(partner_id)
        if snapshot is None or snapshot.id is None:
            raise OverlapError(f"nothing imported yet for {args.side}; run 'overlap import' first")
        if args.rejected:
            frame = ws.rejected(snapshot.id)
        else:
            frame = ws.accounts(snapshot.id)[["row_number", *ACCOUNT_FIELDS]]
            if args.format == "table":
                frame = frame[["row_number", *_TABLE_COLUMNS]]
            elif args.format == "csv":
                frame = frame[list(ACCOUNT_FIELDS)]
    if args.format == "table":
        frame = frame.astype(object).where(frame.notna(), "")
        emit_frame(pd.DataFrame(frame), "table", max_rows=50)
    else:
        emit_frame(frame, args.format)
    sys.stdout.flush()
    return 0


def _template(args: argparse.Namespace) -> int:
    path = write_template(args.file)
    print(f"wrote {path}: one column per standard field; row 2 explains each")
    return 0
