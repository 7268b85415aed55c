"""Jobs of the private-matching walk-through: where an exchange with a partner stands, and its
three files (request, response, back) with the last step that reads the back file.

The job functions take the worker's ``JobContext`` and use only the engine's public facade.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOTE = "Private matching finds exact name and domain matches only."


@dataclass(frozen=True)
class PrivateState:
    """Where private matching with one partner stands; plain data for the GUI thread."""

    partner: str
    counts_only: bool  # our policy answers with counts only
    fields: tuple[str, ...]  # what our policy lets leave, in words
    waiting_for_response: bool  # we sent a request and wait for the partner's response
    waiting_for_back: bool  # we answered a request and wait for the partner's back file
    shared: int | None  # shared accounts stored from the last exchange (None before one)
    partner_accounts: int | None  # the partner's account count, as they shared it
    agreement: str  # the data-sharing agreement in force, in words; "" before one


def load_private(context: Any, *, partner: str) -> PrivateState:
    from engine import (
        SHARE_FIELDS,
        OverlapError,
        current_agreement,
        find_overlaps,
        psi_exchanges,
        share_policy,
    )

    ws = context.workspace
    policy = share_policy(ws, partner)
    exchanges = psi_exchanges(ws, partner)
    open_ = exchanges[exchanges["state"] != "finished"]
    shared = total = None
    overlaps = None
    try:
        overlaps = find_overlaps(ws, partner, progress=context.progress, cancel=context.cancel)
    except OverlapError:  # before our own import there is nothing to show
        overlaps = None
    if overlaps is not None and overlaps.private is not None:
        shared = int(overlaps.counts["shared"])
        total = overlaps.private.get("partner_accounts")
    return PrivateState(
        partner=partner,
        counts_only=policy.counts_only,
        fields=tuple(SHARE_FIELDS[f][0] for f in policy.fields if f in SHARE_FIELDS),
        waiting_for_response=bool((open_["role"] == "requester").any()),
        waiting_for_back=bool((open_["role"] == "responder").any()),
        shared=shared,
        partner_accounts=total,
        agreement=current_agreement(ws, partner),
    )


def prepare_private(context: Any) -> int:
    """Hash our keys to the group while the walk-through is read, so each step only
    multiplies; returns how many keys are ready."""
    from engine import prepare_keys

    return prepare_keys(context.workspace, progress=context.progress, cancel=context.cancel)


def private_step(context: Any, *, step: str, partner: str, source: str, out: str) -> str:
    """One step of the exchange; returns what happened and what to do next, in words."""
    from engine import (
        psi_finish,
        psi_request,
        psi_respond,
        read_psi_file,
        require_agreement,
        share_policy,
    )

    ws, progress, cancel = context.workspace, context.progress, context.cancel
    if step == "request":
        done = psi_request(ws, partner, out, progress=progress, cancel=cancel)
        return (
            f"Step 1 done: {Path(out).name} holds {done.our_count:,} blinded keys and nothing "
            f"readable. E-mail it to {partner}; they answer it in their Overlap (step 2)."
        )
    if source:
        read_psi_file(source)  # a damaged or foreign file is named before anything else
    sealing = step == "respond" or bool(out)
    if sealing and not share_policy(ws, partner).counts_only:
        require_agreement(ws, partner)  # the file seals our shared accounts' allowed fields
    if step == "respond":
        done = psi_respond(ws, partner, source, out, progress=progress, cancel=cancel)
        return (
            f"Step 2 done: {Path(out).name} answers {partner}'s request. E-mail it back to "
            f"{partner}; when their back file comes, read it here (step 4)."
        )
    result = psi_finish(ws, partner, source, back=out or None, progress=progress, cancel=cancel)
    if result.counts_only:
        text = f"Finished, counts only: {result.shared_keys:,} shared keys."
    else:
        total = "" if result.partner_total is None else f" (of their {result.partner_total:,})"
        text = (
            f"Finished: {result.partner_accounts:,} shared accounts{total} are stored with the "
            f"fields {partner}'s policy allows. Overlaps, ownership, the shortlist and plans now "
            f"work for {partner}. {NOTE}"
        )
    if result.back_path is not None:
        text += f" E-mail {result.back_path.name} to {partner} so they learn the same (step 4)."
    return text
