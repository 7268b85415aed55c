"""Step 2, matching: find the accounts both companies have, with a score and a reason for each.

Tiers, strongest first: a shared web domain; a domain the user declared an alias of another; the
same name key (``engine.keys.names``); then, for the accounts still unmatched on both sides, fuzzy
names: typos, abbreviations, registry word order, squashed words, acronyms and short everyday
names against long legal ones, with industry, country, city and websites raising or lowering
confidence. Each link gets a score (0–100), a method and a one-line explanation; above the
``auto`` threshold it is matched, between ``review`` and ``auto`` it waits for the user.

The package is cut as a pipeline, each stage importing only the ones before it:

- ``joins``: pairs of rows sharing a key, as integer sorts (every stage joins);
- ``prepare``: a side's columns as arrays (keys, domains, hashed fields) and its words;
- ``blocking``: candidate pairs of names, never all pairs on big inputs;
- ``scoring``: fuzzy scores, acronyms and prefixes, and the evidence of other fields in words;
- ``families``: a domain several accounts of a side carry, resolved inside its group by names;
- ``tiers``: the domain, alias, name and fuzzy tiers and ``match_frames``, the pure core;
- ``review``: decisions (accept, reject, link, unlink, undo, a domain family at once), stored
  links and domain aliases;
- here: ``match_partner``, which matches a partnership in a workspace and re-applies decisions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import text

from engine.errors import OverlapError
from engine.matching.blocking import CANDIDATE_CUTOFF, CANDIDATE_SCORER, candidate_pairs
from engine.matching.prepare import Cancel, Progress, _check, _report
from engine.matching.review import (
    MATCH_DECISIONS,
    MATCH_STATUSES,
    SHARED_MATCH_STATUSES,
    ReviewDecision,
    _aliases,
    _apply_decisions,
    _latest_decisions,
    _name_aliases,
    _stamp,
    accept_above,
    accept_family,
    add_alias,
    add_name_alias,
    decide,
    decide_many,
    link,
    link_counts,
    list_aliases,
    list_matches,
    list_name_aliases,
    remove_alias,
    remove_name_alias,
    undo_decision,
)
from engine.matching.tiers import (
    DEFAULT_AUTO,
    DEFAULT_REVIEW,
    MATCH_METHODS,
    _validate_thresholds,
    match_frames,
)
from engine.store.models import Match
from engine.store.workspace import Workspace


@dataclass(frozen=True)
class MatchSummary:
    """What one matching of a partnership found."""

    partner: str
    ours: int  # accounts on our side
    theirs: int  # accounts on the partner's side
    counts: dict[str, dict[str, int]]  # method -> status -> links
    shared: int  # links with a shared status (auto, accepted, manual)
    review: int  # links waiting for a person
    our_duplicates: int  # our accounts linked to several of the partner's
    partner_duplicates: int  # partner accounts linked to several of ours
    decisions_applied: int
    auto: float
    review_threshold: float
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The summary in a few lines for a terminal or a status bar."""
        out = [
            f"{self.partner}: {self.shared:,} shared, {self.review:,} to review "
            f"({self.ours:,} of our accounts, {self.theirs:,} of theirs; "
            f"auto >= {self.auto:g}, review >= {self.review_threshold:g})"
        ]
        for method in MATCH_METHODS:
            if method in self.counts:
                parts = ", ".join(
                    f"{n:,} {status}" for status, n in sorted(self.counts[method].items())
                )
                out.append(f"  {method:<7} {parts}")
        if self.our_duplicates or self.partner_duplicates:
            out.append(
                f"  duplicates: {self.our_duplicates:,} of our accounts and "
                f"{self.partner_duplicates:,} of theirs link to more than one account"
            )
        if self.decisions_applied:
            out.append(f"  {self.decisions_applied:,} earlier decision(s) re-applied")
        out.extend(f"  note: {note}" for note in self.notes)
        return out


# The account columns matching reads.
MATCH_COLUMNS = ("external_id", "row_number", "name", "domains", "industry", "country", "city")


def _current_accounts(
    ws: Workspace, partner_id: int | None, side: str
) -> tuple[pd.DataFrame, bool]:
    """A side's current accounts, and whether they have company names (see ``has_names``)."""
    snapshot = ws.current_snapshot(partner_id)
    if snapshot is None or snapshot.id is None:
        raise OverlapError(f"{side} has no imported accounts yet; import an export first")
    if snapshot.source == "private":
        raise OverlapError(
            f"{side}'s accounts come from private matching and are linked already; to refresh "
            "them, run private matching again (or import their export to match the full lists)"
        )
    return ws.accounts(snapshot.id, MATCH_COLUMNS), has_names(snapshot.mapping_json)


def has_names(mapping_json: str) -> bool:
    """Whether a snapshot's accounts carry company names: false for an export of web domains
    only, whose accounts are named by their domain (see ``engine.importing.standardize``)."""
    mapping = json.loads(mapping_json or "{}")
    return not mapping or "name" in mapping


def match_partner(
    ws: Workspace,
    partner_name: str,
    *,
    auto: float | None = None,
    review: float | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> MatchSummary:
    """Match our current accounts with a partner's and store the links.

    Thresholds given here become the partnership's settings; otherwise its stored ones apply.
    The partner's previous links are replaced in one transaction, and every earlier decision
    (accept, reject, link, unlink) is applied again to the accounts it names.
    """
    partner = ws.partner(partner_name)
    assert partner.id is not None
    auto = float(partner.auto_threshold if auto is None else auto)
    review = float(partner.review_threshold if review is None else review)
    _validate_thresholds(auto, review)
    ours, our_names = _current_accounts(ws, None, "our side")
    theirs, their_names = _current_accounts(ws, partner.id, partner.name)
    notes: list[str] = []
    links = match_frames(
        ours,
        theirs,
        by_name=our_names and their_names,
        aliases=_aliases(ws),
        name_aliases=_name_aliases(ws),
        auto=auto,
        review=review,
        progress=None if progress is None else (lambda f, m: progress(0.9 * f, m)),
        cancel=cancel,
        notes=notes,
    )
    frame = pd.DataFrame(
        {
            "our_account_id": ours["id"].to_numpy(np.int64)[links["our_index"].to_numpy()],
            "partner_account_id": theirs["id"].to_numpy(np.int64)[
                links["partner_index"].to_numpy()
            ],
            "method": links["method"].to_numpy(),
            "score": links["score"].to_numpy(),
            "status": links["status"].to_numpy(),
            "explanation": links["explanation"].to_numpy(),
        }
    )
    frame, applied = _apply_decisions(frame, ours, theirs, _latest_decisions(ws, partner.id))
    _check(cancel)
    frame.insert(0, "partner_id", partner.id)
    frame["matched_at"] = _stamp()
    _report(progress, 0.9, "Saving links")
    with ws.transaction() as connection:
        connection.execute(text("DELETE FROM match WHERE partner_id = :p"), {"p": partner.id})
        connection.execute(
            text("UPDATE partner SET auto_threshold = :a, review_threshold = :r WHERE id = :p"),
            {"a": auto, "r": review, "p": partner.id},
        )
        Workspace.insert_rows(
            connection,
            Match,
            frame,
            cancel=cancel,
            progress=None if progress is None else (lambda f, m: progress(0.9 + 0.1 * f, m)),
            label="Saving links",
        )
    _report(progress, 1.0, "Matched")
    return _summary(partner.name, len(ours), len(theirs), frame, applied, auto, review, notes)


def _summary(
    partner: str,
    n_ours: int,
    n_theirs: int,
    frame: pd.DataFrame,
    applied: int,
    auto: float,
    review: float,
    notes: list[str],
) -> MatchSummary:
    counts: dict[str, dict[str, int]] = {}
    sizes = frame.groupby(["method", "status"]).size()
    for method, status, n in zip(
        sizes.index.get_level_values(0),
        sizes.index.get_level_values(1),
        sizes.to_numpy(),
        strict=True,
    ):
        counts.setdefault(str(method), {})[str(status)] = int(n)
    shared = frame[frame["status"].isin(SHARED_MATCH_STATUSES)]
    return MatchSummary(
        partner=partner,
        ours=n_ours,
        theirs=n_theirs,
        counts=counts,
        shared=len(shared),
        review=int((frame["status"] == "review").sum()),
        our_duplicates=int((shared["our_account_id"].value_counts() > 1).sum()),
        partner_duplicates=int((shared["partner_account_id"].value_counts() > 1).sum()),
        decisions_applied=applied,
        auto=auto,
        review_threshold=review,
        notes=tuple(notes),
    )


__all__ = [
    "CANDIDATE_CUTOFF",
    "CANDIDATE_SCORER",
    "DEFAULT_AUTO",
    "DEFAULT_REVIEW",
    "MATCH_COLUMNS",
    "MATCH_DECISIONS",
    "MATCH_METHODS",
    "MATCH_STATUSES",
    "MatchSummary",
    "ReviewDecision",
    "accept_above",
    "accept_family",
    "add_alias",
    "add_name_alias",
    "candidate_pairs",
    "decide",
    "decide_many",
    "has_names",
    "link",
    "link_counts",
    "list_aliases",
    "list_matches",
    "list_name_aliases",
    "match_frames",
    "match_partner",
    "remove_alias",
    "remove_name_alias",
    "undo_decision",
]
