"""Jobs of the Partners page: partnerships compared, and who leads our accounts across them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.operations.core import JobContext, in_worker_process, who


@dataclass(frozen=True)
class PartnersView:
    """The Partners page: partnerships compared, and our accounts across them."""

    comparison: Any  # DataFrame: one row per partnership, best first (engine COMPARISON_COLUMNS)
    findings: tuple[str, ...]
    rank_by: str
    accounts: Any  # DataFrame: our accounts shared with partners (engine CROSS_PARTNER_COLUMNS)
    counts: dict[str, int]
    partners: tuple[str, ...]


_CROSS_PARTNER = ("cross_partner",)


def _cross_partner(context: Any, progress: Any) -> Any:
    """The cross-partner view without the reasons (read per account when one is picked); kept
    in the worker's cache, so picking an account does not gather every partnership again."""
    from engine import cross_partner

    view = context.cache.get(_CROSS_PARTNER)
    if view is None:
        view = cross_partner(
            context.workspace, reasons=False, progress=progress, cancel=context.cancel
        )
        context.cache[_CROSS_PARTNER] = view
    return view


@in_worker_process
def load_partners(context: JobContext, rank_by: str) -> PartnersView:
    from engine import compare_partners

    view = _cross_partner(context, lambda f, m: context.progress(0.7 * f, m))
    comparison = compare_partners(
        context.workspace,
        rank_by=rank_by,
        progress=lambda f, m: context.progress(0.7 + 0.3 * f, m),
        cancel=context.cancel,
    )
    # Text as Arrow strings: the 600k-row list of a million accounts then crosses to the GUI
    # process as a few buffers (unpickled in milliseconds, not in most of a second).
    accounts = view.accounts.drop(columns=["domains"])
    text = [c for c in accounts.columns if accounts[c].dtype == object]
    return PartnersView(
        comparison=comparison.table,
        findings=tuple(comparison.findings),
        rank_by=comparison.rank_by,
        accounts=accounts.astype(dict.fromkeys(text, "str")),
        counts=dict(view.counts),
        partners=tuple(view.partners),
    )


@in_worker_process
def account_partners(context: JobContext, our_account_id: int) -> Any:
    """One of our accounts' partners side by side, with why each partnership's lead leads."""
    from engine import lead_reasons

    view = _cross_partner(context, context.progress)
    return lead_reasons(context.workspace, view.partners_of(our_account_id))


@in_worker_process
def compare_partnerships(context: JobContext, rank_by: str) -> Any:
    """Every partnership compared (for the dashboard): the engine's ``PartnerComparison``."""
    from engine import compare_partners

    return compare_partners(
        context.workspace, rank_by=rank_by, progress=context.progress, cancel=context.cancel
    )


@in_worker_process
def settle_account_lead(context: JobContext, account: str, leader: str, reason: str) -> Any:
    """Settle who leads one of our accounts across its partners; returns the changes (undo)."""
    from engine import settle_lead

    return settle_lead(context.workspace, account, leader, reason, by=who())


@in_worker_process
def restore_account_leads(context: JobContext, changes: Any) -> None:
    from engine import restore_leads

    restore_leads(context.workspace, changes)
