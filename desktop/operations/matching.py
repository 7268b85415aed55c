"""Jobs of step 2, the Match page: matching, the review queue, decisions and their undo, aliases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.operations.core import JobContext, in_worker_process

_ACCOUNT_DETAIL = [
    "id",
    "external_id",
    "name",
    "domains",
    "industry",
    "country",
    "city",
    "stage",
    "owner",
]


def side_accounts(context: JobContext, partner_id: int | None) -> Any:
    """A side's current accounts (cached between jobs until something changes)."""
    ws = context.workspace
    snapshot = ws.current_snapshot(partner_id)
    if snapshot is None:
        import pandas as pd

        return pd.DataFrame(columns=_ACCOUNT_DETAIL)
    key = ("accounts", snapshot.id)
    if key not in context.cache:
        context.cache[key] = ws.accounts(snapshot.id)
    return context.cache[key]


@dataclass(frozen=True)
class MatchView:
    matches: Any  # every link: match_id, our_/partner_ name, domains, method, score, status, ...
    review: Any  # the links waiting for review, with both records' details
    aliases: Any
    auto: float
    review_threshold: float
    counts: dict[str, int]  # engine.link_counts: what the status bar counts too


@in_worker_process
def load_matches(context: JobContext, partner: str) -> MatchView:
    from engine import link_counts, list_aliases, list_matches

    ws = context.workspace
    record = ws.partner(partner)
    matches = list_matches(ws, partner)
    review = matches[matches["status"] == "review"].sort_values(
        "score", ascending=False, kind="stable"
    )
    # Details of the accounts in the queue only: a few hundred rows, not both whole lists.
    ids = sorted(
        {int(i) for i in review["our_account_id"]} | {int(i) for i in review["partner_account_id"]}
    )
    detail = ws.accounts_by_id(ids, _ACCOUNT_DETAIL)
    ours = detail.add_prefix("o_")
    theirs = detail.add_prefix("t_")
    review = review.merge(ours, left_on="our_account_id", right_on="o_id", how="left").merge(
        theirs, left_on="partner_account_id", right_on="t_id", how="left"
    )
    return MatchView(
        matches,
        review.reset_index(drop=True),
        list_aliases(ws),
        float(record.auto_threshold),
        float(record.review_threshold),
        link_counts(ws, partner),
    )


@in_worker_process
def run_matching(context: JobContext, partner: str, auto: float, review: float) -> Any:
    from engine import match_partner

    return match_partner(
        context.workspace,
        partner,
        auto=auto,
        review=review,
        progress=context.progress,
        cancel=context.cancel,
    )


def decide_match(
    context: JobContext, partner: str, match_id: int, decision: str, state: dict
) -> str:
    """Accept / reject / unlink; the engine's Decision is kept in ``state`` for undo."""
    from engine import decide

    state["decision"] = decide(context.workspace, partner, match_id, decision)
    return str(state["decision"].new_status)


def link_accounts(
    context: JobContext,
    partner: str,
    our_ref: str,
    partner_ref: str,
    reason: str | None,
    state: dict,
) -> str:
    from engine import link

    state["decision"] = link(context.workspace, partner, our_ref, partner_ref, reason=reason)
    return str(state["decision"].new_status)


def family_domain(row: Any) -> str | None:
    """The domain a review suggestion's two accounts both carry when it is a domain family's
    (a fund or subsidiary beside its sponsor's or parent's website), else None."""
    if row.get("method") != "domain":
        return None
    cells = [str(row.get(k) or "").lower().split() for k in ("o_domains", "t_domains")]
    shared = [d for d in cells[0] if d in cells[1]]
    named = [d for d in shared if f"same domain {d} " in str(row.get("explanation", ""))]
    found = named or shared
    return found[0] if found else None


def accept_family(context: JobContext, partner: str, domain: str, state: dict) -> str:
    """Accept every suggestion of a domain family at once (both accounts carry ``domain``);
    the engine's decisions are kept in ``state`` for undo."""
    from engine import accept_family as engine_accept_family

    state["decisions"] = engine_accept_family(context.workspace, partner, domain)
    return "accepted"


def undo_decision(context: JobContext, state: dict) -> str | None:
    """Reverse the decision (or a family's decisions) kept in ``state``; returns the status
    the links went back to."""
    from engine import undo_decision as engine_undo

    family = state.get("decisions")
    if family:
        for decision in reversed(family):
            engine_undo(context.workspace, decision)
        state["decisions"] = None
        return str(family[0].previous_status)
    decision = state.get("decision")
    if decision is None:
        return None
    engine_undo(context.workspace, decision)
    state["decision"] = None
    return decision.previous_status


@in_worker_process
def search_accounts(
    context: JobContext, partner_id: int | None, text: str, limit: int = 500
) -> Any:
    frame = side_accounts(context, partner_id)
    text = text.strip().casefold()
    if text:
        mask = (
            frame["name"]
            .astype("string")
            .str.casefold()
            .str.contains(text, regex=False)
            .fillna(False)
        )
        mask |= frame["domains"].astype("string").str.contains(text, regex=False).fillna(False)
        frame = frame[mask.astype(bool)]
    return frame.head(limit)[_ACCOUNT_DETAIL].reset_index(drop=True)


def add_domain_alias(context: JobContext, domain: str, other: str) -> Any:
    from engine import add_alias, list_aliases

    add_alias(context.workspace, domain, other)
    return list_aliases(context.workspace)


def remove_domain_alias(context: JobContext, domain: str, other: str) -> Any:
    from engine import list_aliases, remove_alias

    remove_alias(context.workspace, domain, other)
    return list_aliases(context.workspace)
