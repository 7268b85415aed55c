"""``overlap match``, ``matches``, ``review``, ``alias`` and ``map``: step 2 from a terminal."""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from engine import (
    MATCH_STATUSES,
    OverlapError,
    Workspace,
    accept_above,
    accept_family,
    add_alias,
    add_name_alias,
    csv_safe_texts,
    decide_many,
    link,
    list_aliases,
    list_matches,
    list_name_aliases,
    match_frames,
    match_partner,
    remove_alias,
    remove_name_alias,
)
from engine.cli.output import add_format_option, emit_frame
from engine.matching import MATCH_COLUMNS, has_names
from engine.output.files import atomic_write

MAP_COLUMNS = [
    "our_id",
    "our_name",
    "partner_id",
    "partner_name",
    "method",
    "score",
    "status",
    "explanation",
]


def _thresholds(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--auto", type=float, metavar="N", help="score from which a link is automatic"
    )
    parser.add_argument(
        "--review", type=float, metavar="N", help="score from which a link is reviewed"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    match = subparsers.add_parser("match", help="match our accounts with a partner's")
    match.add_argument("workspace", metavar="WS")
    match.add_argument("--partner", required=True, metavar="P")
    _thresholds(match)
    match.set_defaults(run=_match)

    matches = subparsers.add_parser("matches", help="list a partnership's links")
    matches.add_argument("workspace", metavar="WS")
    matches.add_argument("--partner", required=True, metavar="P")
    matches.add_argument("--status", choices=MATCH_STATUSES)
    add_format_option(matches)
    matches.set_defaults(run=_matches)

    review = subparsers.add_parser("review", help="accept, reject, link or unlink accounts")
    review.add_argument("workspace", metavar="WS")
    review.add_argument("--partner", required=True, metavar="P")
    action = review.add_mutually_exclusive_group(required=True)
    action.add_argument(
        "--accept",
        type=int,
        nargs="+",
        metavar="MATCH",
        help="accept links by their match ids (--accept 9 10 15)",
    )
    action.add_argument("--reject", type=int, nargs="+", metavar="MATCH", help="reject links")
    action.add_argument("--unlink", type=int, nargs="+", metavar="MATCH", help="remove links")
    action.add_argument(
        "--all-above",
        type=float,
        metavar="SCORE",
        help="accept every link waiting for review that scores SCORE or more (as shown)",
    )
    action.add_argument(
        "--link", nargs=2, metavar=("OUR_ID", "PARTNER_ID"), help="link two accounts by hand"
    )
    action.add_argument(
        "--accept-family",
        metavar="DOMAIN",
        help="accept every link to review between accounts sharing this domain",
    )
    review.add_argument("--reason", metavar="TEXT")
    review.set_defaults(run=_review)

    alias = subparsers.add_parser("alias", help="domains of one company (squareup.com = block.xyz)")
    actions = alias.add_subparsers(dest="action", metavar="ACTION")
    add = actions.add_parser("add", help="declare two domains one company's")
    add.add_argument("workspace", metavar="WS")
    add.add_argument("domain", metavar="DOMAIN")
    add.add_argument("other", metavar="OTHER_DOMAIN")
    _name_option(add)
    add.set_defaults(run=_alias_add)
    remove = actions.add_parser("remove", help="forget an alias")
    remove.add_argument("workspace", metavar="WS")
    remove.add_argument("domain", metavar="DOMAIN")
    remove.add_argument("other", metavar="OTHER_DOMAIN")
    _name_option(remove)
    remove.set_defaults(run=_alias_remove)
    listing = actions.add_parser("list", help="list the aliases")
    listing.add_argument("workspace", metavar="WS")
    add_format_option(listing)
    _name_option(listing)
    listing.set_defaults(run=_alias_list)

    mapping = subparsers.add_parser(
        "map", help="import two exports and match them in one go (writes the links as CSV)"
    )
    mapping.add_argument("ours", metavar="OURS_FILE", type=Path)
    mapping.add_argument("partner", metavar="PARTNER_FILE", type=Path)
    mapping.add_argument("--out", required=True, metavar="FILE.csv", type=Path)
    _thresholds(mapping)
    mapping.add_argument("--quiet", action="store_true", help="print nothing but errors")
    mapping.set_defaults(run=_map)


def _match(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        summary = match_partner(ws, args.partner, auto=args.auto, review=args.review)
    print("\n".join(summary.lines()))
    return 0


def _matches(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        frame = list_matches(ws, args.partner, status=args.status)
    shown = frame.drop(columns=["our_account_id", "partner_account_id"])
    emit_frame(shown, args.format, max_rows=200 if args.format == "table" else None)
    return 0


def _review(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        if args.link:
            done = link(ws, args.partner, args.link[0], args.link[1], reason=args.reason)
            print(f"linked (match {done.match_id})")
            return 0
        if args.accept_family:
            accepted = accept_family(ws, args.partner, args.accept_family, reason=args.reason)
            print(f"{len(accepted):,} link(s) of the {args.accept_family} family accepted")
            return 0
        if args.all_above is not None:
            decided = accept_above(ws, args.partner, args.all_above, reason=args.reason)
        else:
            kind = next(k for k in ("accept", "reject", "unlink") if getattr(args, k))
            decided = decide_many(ws, args.partner, getattr(args, kind), kind, reason=args.reason)
    for done in decided:
        print(f"match {done.match_id}: {done.previous_status} -> {done.new_status}")
    if len(decided) > 1:
        print(f"{len(decided):,} links {decided[0].new_status}")
    return 0


def _name_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--name",
        action="store_true",
        help='company names, not domains (a former name, a brand: "Facebook" "Meta Platforms")',
    )


def _alias_add(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        if args.name:
            named = add_name_alias(ws, args.domain, args.other)
            print(f"'{named.name}' = '{named.other_name}'; match again to use it")
            return 0
        alias = add_alias(ws, args.domain, args.other)
    print(f"{alias.domain} = {alias.other_domain}; match again to use it")
    return 0


def _alias_remove(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        (remove_name_alias if args.name else remove_alias)(ws, args.domain, args.other)
    print("removed; match again to apply")
    return 0


def _alias_list(args: argparse.Namespace) -> int:
    with Workspace.open(args.workspace) as ws:
        emit_frame((list_name_aliases if args.name else list_aliases)(ws), args.format)
    return 0


def _same_bytes(one: Path, other: Path) -> bool:
    """Whether two files hold the same bytes (the same export given twice)."""
    if one.stat().st_size != other.stat().st_size:
        return False
    digests = []
    for path in (one, other):
        with path.open("rb") as handle:
            digests.append(hashlib.file_digest(handle, "sha256").hexdigest())
    return digests[0] == digests[1]


def _map(args: argparse.Namespace) -> int:
    """Steps 1 and 2 on a throw-away workspace; only the CSV of links stays."""
    from engine import import_file  # the import step; imported here so `map` alone needs it

    for path in (args.ours, args.partner):
        if not path.is_file():
            raise OverlapError("no such file", where=str(path))
    if args.out.parent and not args.out.parent.exists():
        raise OverlapError("the folder does not exist", where=str(args.out.parent))
    if _same_bytes(args.ours, args.partner):
        print(
            f"warning: {args.ours} and {args.partner} are the same file: every account will "
            "match itself",
            file=sys.stderr,
        )
    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="overlap-map-") as folder:
        with Workspace.create(Path(folder) / "map.overlap", "us") as ws:
            partner = ws.add_partner("partner")
            mark = time.perf_counter()
            # Side by side: reading and cleaning are mostly Arrow kernels, which release the
            # GIL, and the workspace takes one writer at a time.
            with ThreadPoolExecutor(max_workers=2) as pool:
                jobs = [
                    pool.submit(import_file, ws, "us", args.ours, same_file=True),
                    pool.submit(import_file, ws, partner.name, args.partner, same_file=True),
                ]
                for job in jobs:
                    job.result()
            timings.append(("import", time.perf_counter() - mark))
            # What the imports allocated is free now: handing it back to the system keeps
            # the matching's peak memory from stacking on top of the imports'.
            pa.default_memory_pool().release_unused()
            mark = time.perf_counter()
            frames = []
            by_name = True
            for partner_id in (None, partner.id):
                snapshot = ws.current_snapshot(partner_id)
                assert snapshot is not None and snapshot.id is not None
                frames.append(ws.accounts(snapshot.id, MATCH_COLUMNS))
                by_name = by_name and has_names(snapshot.mapping_json)
            timings.append(("read", time.perf_counter() - mark))
        mark = time.perf_counter()
        ours, theirs = frames
        links = match_frames(
            ours,
            theirs,
            by_name=by_name,
            auto=92.0 if args.auto is None else args.auto,
            review=75.0 if args.review is None else args.review,
        )
        timings.append(("match", time.perf_counter() - mark))
    mark = time.perf_counter()
    _write_map(args.out, links, ours, theirs)
    timings.append(("write", time.perf_counter() - mark))
    if not args.quiet:
        counts = links["status"].value_counts()
        print(
            f"{len(links):,} links ({counts.get('auto', 0):,} auto, "
            f"{counts.get('review', 0):,} review) "
            f"between {len(ours):,} and {len(theirs):,} accounts -> {args.out}"
        )
        print(
            f"{time.perf_counter() - started:.1f} s ("
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings)
            + ")",
            file=sys.stderr,
        )
    return 0


def _side_ids(frame: pd.DataFrame, rows: np.ndarray) -> pa.Array:
    """The ``rows``' ids: the file's external id where it has one, else the row number as a
    spreadsheet shows it."""
    external = pa.array(frame["external_id"], type=pa.large_string(), from_pandas=True)
    numbers = pa.array(frame["row_number"].to_numpy(dtype=np.int64)[rows]).cast(pa.large_string())
    taken = external.take(pa.array(rows, type=pa.int64()))
    return pc.coalesce(taken, numbers) if external.null_count < len(external) else numbers


def _write_map(path: Path, links: pd.DataFrame, ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    """The links as CSV (``MAP_COLUMNS``), written by Arrow: a million rows in well under a
    second."""
    a, b = links["our_index"].to_numpy(np.int64), links["partner_index"].to_numpy(np.int64)
    text = pa.large_string()

    def names(frame: pd.DataFrame, rows: np.ndarray) -> pa.Array:
        values = pa.array(frame["name"], type=text, from_pandas=True)
        return values.take(pa.array(rows, type=pa.int64()))

    columns = [
        _side_ids(ours, a),
        names(ours, a),
        _side_ids(theirs, b),
        names(theirs, b),
        pa.array(links["method"], type=text),
        pa.array(links["score"].to_numpy(float)),
        pa.array(links["status"], type=text),
        pa.array(links["explanation"], type=text),
    ]
    # Names come from CRM exports: a cell a spreadsheet would run as a formula is defused.
    columns = [csv_safe_texts(c) if pa.types.is_large_string(c.type) else c for c in columns]
    table = pa.table(columns, names=MAP_COLUMNS)
    with atomic_write(path) as temporary:
        pa_csv.write_csv(
            table, temporary, write_options=pa_csv.WriteOptions(quoting_style="needed", eol="\n")
        )
