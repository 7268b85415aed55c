"""Jobs of the Share page: the policy and its preview, the exports, the partner's plan file and
its conflicts, private matching by files, and the ledger of what left.

The job functions take the worker's ``JobContext`` and use only the engine's public facade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class ShareView:
    """What the page shows; plain data handed from the worker to the GUI thread."""

    fields: tuple[dict[str, Any], ...]
    allowed: tuple[str, ...]
    counts_only: bool
    described: dict[str, Any]
    table: pd.DataFrame  # plans, or the matrix in counts-only mode
    conflicts: pd.DataFrame
    exchanges: pd.DataFrame
    ledger: pd.DataFrame
    agreement: str = ""  # the data-sharing agreement in force, in words; "" before one
    unplaced: pd.DataFrame | None = None  # the partner's plans no account of ours took


def load_share(context: Any, *, partner: str) -> ShareView:
    from engine import (
        current_agreement,
        egress_ledger,
        plan_conflicts,
        psi_exchanges,
        share_fields,
        share_policy,
        share_preview,
        unplaced_plans,
    )

    ws = context.workspace
    policy = share_policy(ws, partner)
    package = share_preview(ws, partner, progress=context.progress, cancel=context.cancel)
    if package.counts_only:
        table = package.matrix.reset_index().rename(
            columns={package.matrix.index.name: "Our stage"}
        )
    else:
        table = package.plans
    return ShareView(
        fields=tuple(share_fields()),
        allowed=tuple(policy.fields),
        counts_only=policy.counts_only,
        described=package.describe(),
        table=table,
        conflicts=plan_conflicts(ws, partner),
        exchanges=psi_exchanges(ws, partner),
        ledger=egress_ledger(ws, partner),
        agreement=current_agreement(ws, partner),
        unplaced=unplaced_plans(ws, partner),
    )


def save_policy(context: Any, *, partner: str, fields: list[str], counts_only: bool) -> ShareView:
    from engine import set_share_policy

    set_share_policy(context.workspace, partner, fields=fields, counts_only=counts_only)
    return load_share(context, partner=partner)


def record_data_agreement(
    context: Any, *, partner: str, signed_on: str, scope: str, reference: str, none: bool
) -> ShareView:
    from engine import record_agreement

    record_agreement(
        context.workspace, partner, signed_on=signed_on, scope=scope, reference=reference, none=none
    )
    return load_share(context, partner=partner)


def attach_unplaced(context: Any, *, partner: str, unplaced_id: int, account: str) -> str:
    from engine import place_unplaced

    result = place_unplaced(context.workspace, partner, unplaced_id, account)
    made = "a new plan" if result.created else "its plan"
    return (
        f"Attached to our account {account} ({made}): "
        f"{result.fields_taken + result.items_added} change(s) taken, "
        f"{len(result.conflicts)} conflict(s) to settle."
    )


def export_file(context: Any, *, partner: str, path: str, passphrase: str | None) -> str:
    from engine import export_share, require_agreement, share_policy

    if not share_policy(context.workspace, partner).counts_only:
        require_agreement(context.workspace, partner)  # plans name accounts

    result = export_share(
        context.workspace,
        partner,
        path,
        passphrase=passphrase,
        progress=context.progress,
        cancel=context.cancel,
    )
    return f"Saved {result.path.name}: {result.row_count} rows" + (
        " (encrypted)" if result.encrypted else ""
    )


def import_plans(context: Any, *, partner: str, path: str, passphrase: str | None) -> str:
    from engine import import_plan_file

    result = import_plan_file(
        context.workspace,
        partner,
        path,
        passphrase=passphrase,
        progress=context.progress,
        cancel=context.cancel,
    )
    if result.counts_only:
        shared = result.counts.get("shared_accounts", 0)
        return f"{result.sender} shared counts only: {shared} shared accounts."
    again = " This file was imported before; nothing changed." if not result.changed else ""
    return (
        f"Imported {result.plans_in_file} plan(s) from {result.sender}: {result.matched} matched, "
        f"{result.created} new, {result.fields_taken + result.items_added} change(s) taken, "
        f"{len(result.conflicts)} conflict(s) to settle, {len(result.unplaced)} unplaced."
        + "".join(f" Unplaced: {u['account']} ({u['reason']})." for u in result.unplaced)
        + again
    )


def settle_conflict(context: Any, *, conflict_id: int, take: str) -> None:
    from engine import resolve_conflict

    resolve_conflict(context.workspace, conflict_id, take)


def psi_step(
    context: Any, *, step: str, partner: str, source: str, out: str, counts_only: bool
) -> Any:
    from engine import psi_finish, psi_request, psi_respond

    ws, progress, cancel = context.workspace, context.progress, context.cancel
    if step == "request":
        done = psi_request(
            ws, partner, out, counts_only=counts_only, progress=progress, cancel=cancel
        )
        return (
            f"Request saved: {done.our_count:,} blinded keys. Send {done.path.name} to {partner}.",
            None,
        )
    if step == "respond":
        done = psi_respond(ws, partner, source, out, progress=progress, cancel=cancel)
        return (
            f"Response saved ({done.our_count:,} keys of ours). "
            f"Send {done.path.name} back to {partner}.",
            None,
        )
    result = psi_finish(ws, partner, source, back=out or None, progress=progress, cancel=cancel)
    text = (
        f"Private matching finished: {result.shared_keys:,} shared keys "
        f"(our keys {result.our_count:,}, theirs {result.their_count:,})"
    )
    if not result.counts_only:
        text += f"; {result.shared_account_count:,} of our accounts are shared"
    if result.back_path is not None:
        text += f". Send {result.back_path.name} to {partner} so they learn the same overlap"
    return text + ".", result.shared_accounts


def export_ledger_file(context: Any, *, partner: str, path: str) -> str:
    from engine import export_egress_ledger

    return str(export_egress_ledger(context.workspace, path, partner))


def share_field_labels() -> dict[str, tuple[str, bool]]:
    """The fields a policy may let leave: name -> (label, shared by default). A constant of
    the engine, read on the GUI thread when the page is built."""
    from engine import SHARE_FIELDS

    return SHARE_FIELDS


def plan_file_is_encrypted(path: str) -> bool:
    """Whether a plan file needs a passphrase: a look at its first bytes, on the GUI thread
    before the import job starts, so the page can ask for the passphrase first."""
    from engine import plan_file_is_encrypted as is_encrypted

    return is_encrypted(path)
