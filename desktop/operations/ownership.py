"""Jobs of step 4, the Ownership page: the rules, the leads they assign, overrides and disputes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.operations.core import JobContext, in_worker_process, who


@dataclass(frozen=True)
class OwnershipView:
    rules: Any  # engine Rules (frozen dataclass: plain data)
    criteria: dict[str, tuple[str, str]]  # name -> (title, meaning)
    ownership: Any  # DataFrame of the shared accounts with lead and rationale
    disputes: Any


@in_worker_process
def load_ownership(context: JobContext, partner: str) -> OwnershipView:
    from engine import CRITERIA, disputes, list_leads, rules

    ws = context.workspace
    return OwnershipView(
        rules(ws, partner), dict(CRITERIA), list_leads(ws, partner), disputes(ws, partner)
    )


@in_worker_process
def apply_rules(
    context: JobContext,
    partner: str,
    order: list[str],
    enabled: dict[str, bool],
    product_fit: dict[str, list[str]],
    tie_breaker: str,
) -> OwnershipView:
    """Save the rules (a new version when they changed), assign every lead, read the result."""
    from engine import assign, set_rules

    ws = context.workspace
    set_rules(
        ws,
        partner,
        order=order,
        enabled=enabled,
        product_fit=product_fit,
        tie_breaker=tie_breaker,
        by=who(),
    )
    assign(ws, partner, by=who(), progress=context.progress, cancel=context.cancel)
    return load_ownership(context, partner)


def override_lead(
    context: JobContext,
    partner: str,
    our_key: str,
    partner_key: str,
    lead: str,
    reason: str,
    state: dict,
) -> None:
    from engine import set_override

    state["previous"] = set_override(
        context.workspace, partner, our_key, partner_key, lead, reason, by=who()
    )
    state["done"] = True


def restore_lead(
    context: JobContext, partner: str, our_key: str, partner_key: str, state: dict
) -> None:
    from engine import restore_override

    if state.get("done"):
        restore_override(context.workspace, partner, our_key, partner_key, state.get("previous"))
        state["done"] = False


def open_lead_dispute(
    context: JobContext, partner: str, our_key: str, partner_key: str, note: str
) -> None:
    from engine import open_dispute

    open_dispute(context.workspace, partner, our_key, partner_key, note, by=who())


def resolve_lead_dispute(
    context: JobContext, dispute_id: int, resolution: str, lead: str | None = None
) -> None:
    """Close a dispute; ``lead`` (us / partner), when given, leads the account from now on."""
    from engine import resolve_dispute

    resolve_dispute(context.workspace, dispute_id, resolution, lead=lead, by=who())
