"""Writing a share package to the files that leave - XLSX, PDF, CSV, ``.overlap-plan`` - and
recording each in the egress ledger."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from engine.errors import OverlapError
from engine.output.safe_cells import write_csv
from engine.output.xlsx import Sheet, write_workbook
from engine.sharing.package_rows import matrix_rows, rules_rows
from engine.sharing.policy import SHARE_FIELDS, SharePackage, share_preview
from engine.store.ledger import record_egress
from engine.store.models import Partner
from engine.store.workspace import resolve_partner

EXPORT_KINDS = ("xlsx", "pdf", "csv", "plan")
SUFFIXES = {"xlsx": ".xlsx", "pdf": ".pdf", "csv": ".csv", "plan": ".overlap-plan"}


@dataclass
class ExportResult:
    kind: str
    path: Path
    sha256: str
    row_count: int
    encrypted: bool
    package: SharePackage


def kind_for(path: str | Path) -> str:
    """The export kind a file name asks for, from its suffix."""
    name = str(path).lower()
    for kind, suffix in SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    raise OverlapError(
        "choose a file ending in .xlsx, .pdf, .csv or .overlap-plan", where=str(path)
    )


def _frame_sheet(name: str, frame: pd.DataFrame, wrap: Sequence[str] = ()) -> Sheet:
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    return Sheet(name, [str(c) for c in frame.columns], rows, wrap=set(wrap))


def package_sheets(package: SharePackage) -> list[Sheet]:
    """The sheets of the XLSX: Summary, Matrix, Rules, then Plans, Next steps, Metrics, Roles."""
    sheets = [
        Sheet(
            "Summary",
            ["Item", "Value"],
            [list(line) for line in package.summary_lines()],
            wrap={"Value"},
            title=f"Joint account plans: {package.us} and {package.partner}",
        )
    ]
    # The matrix and the rules leave only when the policy shares them (our stage, why a lead).
    if package.shares_matrix:
        header, rows = matrix_rows(package)
        sheets.append(Sheet("Overlap by stage", header, rows))
    if package.shares_rules:
        sheets.append(
            Sheet(
                "Rules",
                ["Order", "Criterion", "How it decides"],
                rules_rows(package) or [["", "No rules of engagement agreed yet", ""]],
                wrap={"How it decides"},
            )
        )
    if package.counts_only:
        return sheets
    sheets.append(_frame_sheet("Plans", package.plans, wrap=("Objective", "Why", "Notes")))
    if "next_steps" in package.policy.fields:
        sheets.append(_frame_sheet("Next steps", package.steps, wrap=("Next step",)))
    if "plan" in package.policy.fields:
        sheets.append(_frame_sheet("Metrics", package.metrics))
        sheets.append(_frame_sheet("Roles", package.roles, wrap=("Responsibility",)))
    return sheets


def _rows_of(package: SharePackage, kind: str) -> int:
    if package.counts_only:
        return len(package.matrix)
    return len(package.plans) if kind != "xlsx" else len(package.plans) + len(package.steps)


def export_share(
    ws: Any,
    partner: str | Partner,
    path: str | Path,
    *,
    kind: str | None = None,
    passphrase: str | None = None,
    plan_ids: Sequence[int] | None = None,
    package: SharePackage | None = None,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ExportResult:
    """Write the partnership's share package to ``path`` and record it in the ledger.

    ``package`` is the preview the user saw (built now when omitted). The kind comes from the
    suffix unless given; a passphrase encrypts an ``.overlap-plan`` (other kinds are read
    without Overlap and cannot be).
    """
    from engine.sharing.pdf import write_pdf
    from engine.sharing.planfile import write_plan_file

    record = resolve_partner(ws, partner)
    path = Path(path)
    kind = kind or kind_for(path)
    if kind not in EXPORT_KINDS:
        raise OverlapError(f"unknown export kind '{kind}' (use {', '.join(EXPORT_KINDS)})")
    if passphrase and kind != "plan":
        raise OverlapError(
            "only .overlap-plan files can be encrypted; XLSX, PDF and CSV are read without Overlap"
        )
    if not path.parent.is_dir():
        raise OverlapError("the folder does not exist", where=str(path.parent))
    if package is None:
        package = share_preview(
            ws,
            record,
            plan_ids=plan_ids,
            progress=(lambda f, m: progress(f * 0.5, m)) if progress else None,
            cancel=cancel,
        )
    if progress:
        progress(0.6, f"Writing {path.name}")
    # Each writer writes the whole file or nothing (engine.output.files.atomic_write).
    if kind == "xlsx":
        write_workbook(path, package_sheets(package))
    elif kind == "pdf":
        write_pdf(path, package)
    elif kind == "csv":
        _write_plans_csv(path, package)
    else:
        write_plan_file(ws, package, path, passphrase=passphrase)
    fields = ["counts by stage"] if package.counts_only else list(package.policy.fields)
    entry = record_egress(
        ws,
        record,
        kind,
        path,
        fields=fields,
        row_count=_rows_of(package, kind),
        encrypted=bool(passphrase),
    )
    if progress:
        progress(1.0, f"Saved {path.name}")
    return ExportResult(kind, path, entry.sha256, entry.row_count, bool(passphrase), package)


def _write_plans_csv(path: Path, package: SharePackage) -> None:
    if package.counts_only:
        if package.shares_matrix:
            header, rows = matrix_rows(package)
        else:
            header, rows = ["Shared accounts"], [[package.counts.get("shared_accounts", 0)]]
        write_csv(path, header, rows)
        return
    frame = package.plans
    write_csv(path, [str(c) for c in frame.columns], frame.astype(object).values.tolist())


def share_fields() -> list[dict[str, Any]]:
    """The fields a policy can allow: name, label, part of the minimal default."""
    return [{"name": n, "label": label, "default": d} for n, (label, d) in SHARE_FIELDS.items()]


def describe_json(package: SharePackage) -> str:
    return json.dumps(package.describe(), indent=2, default=str)
