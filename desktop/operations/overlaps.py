"""Jobs of step 3, the Overlaps page: the picture of both lists, a region's accounts, a list
exported."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.operations.core import JobContext, in_worker_process


def export_frame(context: JobContext, frame: Any, path: str, partner: str | None = None) -> str:
    """Write a list the user asked for to XLSX or CSV; returns the path written.

    Formula-safe (a cell such as ``=HYPERLINK(...)`` stays text) and, for a partnership's
    list, recorded in the egress ledger like every other file that leaves.
    """
    from engine import export_table

    context.progress(0.0, f"Writing {Path(path).name}")
    written = export_table(frame, path, ws=context.workspace if partner else None, partner=partner)
    context.progress(1.0, f"Wrote {written.name}")
    return str(written)


@dataclass(frozen=True)
class OverlapView:
    counts: dict[str, int]
    matrix: Any  # DataFrame: our_stage, partner_stage, accounts, potential_revenue
    revenue_basis: str
    opportunities: Any  # DataFrame, one row per account, with kind / label / action
    shared: Any  # DataFrame of the shared pairs (the mapping's shared rows)
    territory: str | None = None  # the territory the figures are limited to
    private: str = ""  # after private matching: why the partner's other accounts are unknown
    # Which tool fits a tiny or a huge partnership (the guide's scale advice), else "".
    tool_fit: str = ""


@in_worker_process
def load_overlaps(context: JobContext, partner: str, territory: str | None = None) -> OverlapView:
    from engine import find_overlaps, territory_filter, tool_fit

    ws = context.workspace
    result = find_overlaps(
        ws,
        partner,
        territory=territory_filter(ws, partner, territory or None),
        progress=context.progress,
        cancel=context.cancel,
    )
    mapping = result.mapping
    shared = mapping[mapping["status"] == "shared"].reset_index(drop=True)
    band, advice = tool_fit(len(shared))
    return OverlapView(
        dict(result.counts),
        result.matrix,
        result.revenue_basis,
        result.opportunities,
        shared,
        result.territory,
        _private_text(result.private, partner),
        advice if band != "crm" and result.territory is None and len(shared) else "",
    )


def _private_text(private: dict[str, Any] | None, partner: str) -> str:
    if private is None:
        return ""
    by_stage = private.get("partner_by_stage")
    counts = (
        f" {partner}'s accounts by stage: "
        + ", ".join(f"{n:,} {stage}" for stage, n in by_stage.items())
        + "."
        if by_stage
        else f" {partner}'s policy does not share their counts by stage."
    )
    return f" {private['note']}{counts}"


@in_worker_process
def load_region(
    context: JobContext, partner: str, region: str, territory: str | None = None
) -> Any:
    """Every account of one region of the picture (ours only / shared / partner only), of
    ``territory`` when one is named."""
    from engine import build_mapping, in_territory

    ws = context.workspace
    mapping = build_mapping(
        ws, partner, detail="all", progress=context.progress, cancel=context.cancel
    )
    if territory:
        mapping = in_territory(ws, partner, mapping, territory)
    return mapping[mapping["status"] == region].reset_index(drop=True)
