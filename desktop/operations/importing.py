"""Jobs of step 1, the Import page: what each side imported, a file previewed, mapped and
imported."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.operations.core import JobContext, in_worker_process
from desktop.operations.formats import moment


@dataclass(frozen=True)
class SideStatus:
    side: str  # "us" or the partner's name
    label: str  # Acme Corp (us) / Globex
    file_name: str | None
    imported_at: str | None
    accounts: int
    rejected: int
    # The partner's shared accounts came by private matching: their other accounts never did.
    private: bool = False


def import_status(context: JobContext, partner_id: int | None) -> list[SideStatus]:
    """What each side of the partnership has imported so far."""
    import json

    ws = context.workspace
    out = []
    sides: list[tuple[str, int | None, str]] = [("us", None, f"{ws.company().name} (us)")]
    if partner_id is not None:
        name = ws.side_name(partner_id)
        sides.append((name, partner_id, name))
    for side, pid, label in sides:
        snapshot = ws.current_snapshot(pid)
        if snapshot is None:
            out.append(SideStatus(side, label, None, None, 0, 0))
            continue
        counts = json.loads(snapshot.counts_json or "{}")
        out.append(
            SideStatus(
                side,
                label,
                snapshot.file_name,
                moment(snapshot.imported_at),
                int(counts.get("imported", 0)),
                int(counts.get("rejected", 0)),
                private=getattr(snapshot, "source", "export") == "private",
            )
        )
    return out


@dataclass(frozen=True)
class ImportPreview:
    path: str
    file_name: str
    sheet: str | None
    sheets: tuple[str, ...]
    columns: Any  # DataFrame: header, samples, field, confidence, reason
    accounts: Any  # the first standardized rows
    rejected: Any  # every rejected row: row_number, reason, raw_json
    duplicates: Any
    summary: dict[str, Any]
    mapping: dict[str, Any]
    notes: tuple[str, ...]


PREVIEW_ROWS = 500


def _raw_export(context: JobContext, path: str, sheet: str | None) -> Any:
    import os

    from engine import read_export

    stamp = os.stat(path).st_mtime_ns
    key = ("raw", path, sheet, stamp)
    if key not in context.cache:
        for old in [k for k in context.cache if isinstance(k, tuple) and k and k[0] == "raw"]:
            del context.cache[old]
        context.cache[key] = read_export(path, sheet=sheet)
    return context.cache[key]


@in_worker_process
def preview_import(
    context: JobContext, path: str, sheet: str | None, overrides: dict[str, Any] | None
) -> ImportPreview:
    """Read a file, propose (or apply) the column mapping and clean it, without saving."""
    import pandas as pd

    from engine import propose_mapping, standardize

    context.progress(0.0, f"Reading {Path(path).name}")
    raw = _raw_export(context, path, sheet)
    proposed = propose_mapping(raw, ws=context.workspace).with_overrides(overrides or None)
    result = standardize(raw, proposed, progress=context.progress, cancel=context.cancel)
    by_header: dict[str, tuple[str, float, str]] = {}
    for name, choice in proposed.fields.items():
        for header in choice.headers:
            by_header[header] = (name, float(choice.confidence), choice.reason)
    rows = []
    for header in raw.headers:
        field_name, confidence, reason = by_header.get(header, ("", 0.0, "kept as an extra column"))
        rows.append(
            {
                "header": header,
                "samples": " | ".join(raw.samples(header, 3)),
                "field": field_name,
                "confidence": round(confidence * 100),
                "reason": reason,
            }
        )
    return ImportPreview(
        path=path,
        file_name=raw.file_name,
        sheet=raw.sheet,
        sheets=tuple(raw.sheets),
        columns=pd.DataFrame(rows),
        accounts=result.accounts.head(PREVIEW_ROWS),
        rejected=result.rejected,
        duplicates=result.duplicates,
        summary=dict(result.summary),
        mapping=dict(result.mapping),
        notes=tuple(raw.notes),
    )


@dataclass(frozen=True)
class ImportOutcome:
    """What ``run_import`` did: the report's lines, or the question to ask before importing
    an export with under half the accounts of the side's list, or the very file that is the
    other side's list (``same_file``; nothing was imported)."""

    lines: tuple[str, ...] = ()
    confirm: str | None = None
    same_file: bool = False


@in_worker_process
def run_import(
    context: JobContext,
    side: str,
    path: str,
    sheet: str | None,
    overrides: dict[str, Any] | None,
    replace: bool = False,
    same_file: bool = False,
) -> ImportOutcome:
    from engine import (
        SameFileError,
        ShrinkingListError,
        import_file,
        prepare_keys,
        private_matching_in_use,
    )

    try:
        report = import_file(
            context.workspace,
            side,
            path,
            sheet=sheet,
            overrides=overrides or None,
            replace=replace,
            same_file=same_file,
            progress=context.progress,
            cancel=context.cancel,
        )
    except ShrinkingListError as error:
        return ImportOutcome(confirm=shrinking_question(error, side, path))
    except SameFileError as error:
        return ImportOutcome(
            confirm=f"{Path(path).name}: {error.message}.\n\nImport it anyway?",
            same_file=True,
        )
    lines = tuple(report.lines())
    if side.strip().casefold() == "us" and private_matching_in_use(context.workspace):
        # The next private-matching exchange then only multiplies.
        count = prepare_keys(context.workspace, progress=context.progress, cancel=context.cancel)
        lines += (f"Private matching: {count:,} keys prepared for the next exchange",)
    return ImportOutcome(lines=lines)


def shrinking_question(error: Any, side: str, path: str) -> str:
    """The question before an export with under half the accounts of the side's list
    becomes the list (``ShrinkingListError``)."""
    label = "our" if side.strip().casefold() == "us" else f"{side}'s"
    accounts = "account" if error.incoming == 1 else "accounts"
    return (
        f"{Path(path).name} has {error.incoming:,} {accounts}, under half of the "
        f"{error.current:,} in {label} current list. A filtered view or one page of a "
        "report is the usual cause.\n\nImport it anyway, as the new list? The current "
        "list stays in the workspace as an earlier import."
    )


@in_worker_process
def save_mapping_profile(
    context: JobContext, name: str, path: str, sheet: str | None, overrides: dict[str, Any] | None
) -> str:
    from engine import propose_mapping, save_profile

    raw = _raw_export(context, path, sheet)
    proposed = propose_mapping(raw, ws=context.workspace).with_overrides(overrides or None)
    save_profile(context.workspace, name, proposed)
    return name


def write_import_template(context: JobContext, path: str) -> str:
    from engine import write_template

    return str(write_template(path))
