"""Review: a partnership's stored links, the user's decisions on them, and domain aliases.

Decisions (accept, reject, link, unlink) are keyed by ``account_key``, so they survive
re-matching and refreshed imports: ``match_partner`` applies them again with
``_apply_decisions``. ``undo_decision`` reverses one. Domain aliases (squareup.com = block.xyz)
feed the alias tier of the next matching.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text

from engine.errors import OverlapError
from engine.keys.domains import GENERIC_DOMAINS, registrable_domain
from engine.keys.names import name_keys
from engine.store.models import DomainAlias, NameAlias
from engine.store.workspace import Workspace, account_key, account_keys, now

MATCH_STATUSES = ("auto", "review", "accepted", "rejected", "manual")
SHARED_MATCH_STATUSES = ("auto", "accepted", "manual")
MATCH_DECISIONS = ("accept", "reject", "unlink")


@dataclass(frozen=True)
class ReviewDecision:
    """A review decision just made; ``undo`` restores what was there before."""

    partner_id: int
    match_id: int
    previous_status: str | None  # None: the link did not exist before (a manual link)
    decision_id: int
    new_status: str


def _stamp() -> str:
    """Now, written the way the ORM writes datetimes to SQLite (UTC, no zone suffix)."""
    return now().strftime("%Y-%m-%d %H:%M:%S.%f")


def _aliases(ws: Workspace) -> list[tuple[str, str]]:
    frame = ws.read_frame("SELECT domain, other_domain FROM domainalias ORDER BY id")
    return list(zip(frame["domain"], frame["other_domain"], strict=True))


def _latest_decisions(ws: Workspace, partner_id: int) -> pd.DataFrame:
    """The newest decision of each pair of account keys."""
    frame = ws.read_frame(
        "SELECT id, our_key, partner_key, decision, reason, decided_at FROM matchdecision "
        "WHERE partner_id = :p ORDER BY decided_at, id",
        {"p": partner_id},
    )
    return frame.drop_duplicates(["our_key", "partner_key"], keep="last")


def _apply_decisions(
    frame: pd.DataFrame, ours: pd.DataFrame, theirs: pd.DataFrame, decisions: pd.DataFrame
) -> tuple[pd.DataFrame, int]:
    """Links with the user's decisions applied; decisions on accounts no longer there wait."""
    if decisions.empty:
        return frame, 0
    our_keys = pd.DataFrame(
        {"our_key": account_keys(ours).to_numpy(), "our_account_id": ours["id"].to_numpy()}
    )
    their_keys = pd.DataFrame(
        {
            "partner_key": account_keys(theirs).to_numpy(),
            "partner_account_id": theirs["id"].to_numpy(),
        }
    )
    targets = decisions.merge(our_keys, on="our_key").merge(their_keys, on="partner_key")
    if targets.empty:
        return frame, 0
    frame = frame.merge(
        targets[["our_account_id", "partner_account_id", "decision", "reason"]],
        on=["our_account_id", "partner_account_id"],
        how="outer",
        sort=False,
    )
    decision = frame["decision"].fillna("")
    existing = frame["status"].notna()
    new_status = {
        "accept": "accepted",
        "reject": "rejected",
        "unlink": "rejected",
        "link": "manual",
    }
    for kind, status in new_status.items():
        frame.loc[(decision == kind) & existing, "status"] = status
    created = ~existing & decision.isin(["accept", "link"])
    reasons = frame["reason"].fillna("").astype(str)
    frame.loc[created, "method"] = "manual"
    frame.loc[created, "score"] = 100.0
    frame.loc[created, "status"] = np.where(decision[created] == "accept", "accepted", "manual")
    frame.loc[created, "explanation"] = [
        "linked by hand" + (f": {r}" if r else "") for r in reasons[created]
    ]
    frame = frame[frame["status"].notna()]
    applied = int((decision != "").sum())
    frame = frame.sort_values(["our_account_id", "partner_account_id"], kind="stable")
    columns = ["our_account_id", "partner_account_id", "method", "score", "status", "explanation"]
    out = frame[columns].reset_index(drop=True)
    out = out.astype({"our_account_id": np.int64, "partner_account_id": np.int64, "score": float})
    return out, applied


def link_counts(ws: Workspace, partner: str) -> dict[str, int]:
    """The links between the two current lists, by status, with ``shared`` (auto, accepted and
    manual: the pairs the Overlaps step counts as shared accounts). The Match page, its review
    queue and the status bar count from here, so they agree."""
    record = ws.partner(partner)
    counts = dict.fromkeys((*MATCH_STATUSES, "shared"), 0)
    ours, theirs = ws.current_snapshot(None), ws.current_snapshot(record.id)
    if ours is None or theirs is None:
        return counts
    frame = ws.read_frame(
        "SELECT status, count(*) AS n FROM match "
        "WHERE partner_id = :p AND our_account_id BETWEEN :o AND :o + :on - 1 "
        "AND partner_account_id BETWEEN :t AND :t + :tn - 1 GROUP BY status",
        {"p": record.id, "o": ours.first_account_id, "on": ours.account_count,
         "t": theirs.first_account_id, "tn": theirs.account_count},
    )  # fmt: skip
    for status, n in zip(frame["status"], frame["n"], strict=True):
        counts[str(status)] = int(n)
    counts["shared"] = sum(counts[s] for s in SHARED_MATCH_STATUSES)
    return counts


def list_matches(ws: Workspace, partner: str, *, status: str | None = None) -> pd.DataFrame:
    """The partnership's links with both accounts' ids, names and domains, in our file order."""
    if status is not None and status not in MATCH_STATUSES:
        raise OverlapError(f"unknown status '{status}' (use {', '.join(MATCH_STATUSES)})")
    partner_id = ws.partner(partner).id
    where = "partner_id = :p" + (" AND status = :s" if status else "")
    # Account ids follow file order, so this is our file order, then the partner's.
    links = ws.read_frame(
        "SELECT id AS match_id, our_account_id, partner_account_id, method, score, status, "
        f"explanation FROM match WHERE {where} "
        "ORDER BY our_account_id, partner_account_id, id",
        {"p": partner_id, "s": status},
    )
    named = ws.with_accounts(links, ["external_id", "name", "domains"]).rename(
        columns={"our_external_id": "our_id", "partner_external_id": "partner_id"}
    )
    columns = ["match_id", "our_account_id", "our_id", "our_name", "our_domains"]
    columns += ["partner_account_id", "partner_id", "partner_name", "partner_domains"]
    return named[[*columns, "method", "score", "status", "explanation"]]


def _match_rows(ws: Workspace, partner_id: int, match_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each link with both accounts' ids, names and domains; an error names every unknown id."""
    frame = ws.read_frame(
        "SELECT id, status, our_account_id, partner_account_id FROM match "
        "WHERE partner_id = :p AND id IN (SELECT value FROM json_each(:ids))",
        {"p": partner_id, "ids": json.dumps(match_ids)},
    )
    missing = [m for m in match_ids if m not in set(frame["id"].astype(int))]
    if missing:
        which = ", ".join(map(str, missing))
        noun = "match" if len(missing) == 1 else "matches"
        raise OverlapError(
            f"no {noun} {which} for this partner (see 'overlap matches'); nothing was changed"
        )
    named = ws.with_accounts(frame, ["external_id", "name", "domains"])
    return {int(r["id"]): {str(k): v for k, v in r.items()} for r in named.to_dict("records")}


def _none_if_missing(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _record_decision(
    connection: Any,
    partner_id: int,
    our_key: str,
    partner_key: str,
    decision: str,
    reason: str | None,
) -> int:
    result = connection.execute(
        text(
            "INSERT INTO matchdecision "
            "(partner_id, our_key, partner_key, decision, reason, decided_at) "
            "VALUES (:p, :o, :t, :d, :r, :at)"
        ),
        {
            "p": partner_id,
            "o": our_key,
            "t": partner_key,
            "d": decision,
            "r": reason,
            "at": _stamp(),
        },
    )
    return int(result.lastrowid)


def decide(
    ws: Workspace, partner: str, match_id: int, decision: str, *, reason: str | None = None
) -> ReviewDecision:
    """Accept, reject or unlink one link; the decision outlives re-matching and new imports.

    Returns a ``ReviewDecision``; ``undo_decision(ws, decision)`` puts the link back as it was.
    """
    return decide_many(ws, partner, [match_id], decision, reason=reason)[0]


def decide_many(
    ws: Workspace,
    partner: str,
    match_ids: Sequence[int],
    decision: str,
    *,
    reason: str | None = None,
) -> list[ReviewDecision]:
    """Accept, reject or unlink several links at once, as ``decide`` does each: all of them in
    one transaction, or none when one of the ids is not a link of this partnership."""
    if decision not in MATCH_DECISIONS:
        raise OverlapError(f"unknown decision '{decision}' (use {', '.join(MATCH_DECISIONS)})")
    partner_id = ws.partner(partner).id
    assert partner_id is not None
    ids = list(dict.fromkeys(int(m) for m in match_ids))
    if not ids:
        raise OverlapError("no match id given (see 'overlap matches')")
    rows = _match_rows(ws, partner_id, ids)
    status = {"accept": "accepted", "reject": "rejected", "unlink": "rejected"}[decision]
    done = []
    with ws.transaction() as connection:
        for match_id in ids:
            row = rows[match_id]
            our_key, partner_key = (
                account_key(
                    _none_if_missing(row[f"{side}_external_id"]),
                    row[f"{side}_name"],
                    _none_if_missing(row[f"{side}_domains"]) or "",
                )
                for side in ("our", "partner")
            )
            decision_id = _record_decision(
                connection, partner_id, our_key, partner_key, decision, reason
            )
            connection.execute(
                text("UPDATE match SET status = :s WHERE id = :m"), {"s": status, "m": match_id}
            )
            done.append(
                ReviewDecision(partner_id, match_id, str(row["status"]), decision_id, status)
            )
    return done


def accept_above(
    ws: Workspace, partner: str, score: float, *, reason: str | None = None
) -> list[ReviewDecision]:
    """Accept every link waiting for review that scores ``score`` or more, in one transaction.

    Scores read rounded down (91.96 reads 91.9), so the links accepted at 91.9 are the ones
    shown at 91.9 and above, and none shown below it.
    """
    waiting = list_matches(ws, partner, status="review")
    chosen = waiting[pd.to_numeric(waiting["score"], errors="coerce") >= float(score)]
    if chosen.empty:
        raise OverlapError(
            f"no link waiting for review scores {score:g} or more "
            f"({len(waiting):,} wait; see 'overlap matches --status review')"
        )
    why = reason or f"score {score:g} or more accepted"
    return decide_many(ws, partner, chosen["match_id"].astype(int).tolist(), "accept", reason=why)


def accept_family(
    ws: Workspace, partner: str, domain: str, *, reason: str | None = None
) -> list[ReviewDecision]:
    """Accept every link waiting for review whose two accounts both carry ``domain`` (a domain
    family: an asset manager and its funds, a company and its subsidiaries), for a
    parent-level view of the partnership.

    Each link is accepted as ``decide`` would: the decision is stored against the pair's
    account keys, so it survives re-matching and refreshed imports for these accounts. An
    account that joins the family later (a new fund) is not accepted by it: the user accepted
    the links they saw, and a new one waits for review like any other.
    """
    wanted = _alias_domain(domain)
    partner_id = ws.partner(partner).id
    assert partner_id is not None
    links = list_matches(ws, partner, status="review")

    def carries(cells: pd.Series) -> np.ndarray:
        # Stored domains are registrable domains already, space-separated.
        return np.array(
            [wanted in str(_none_if_missing(c) or "").lower().split() for c in cells], dtype=bool
        )

    family = links[carries(links["our_domains"]) & carries(links["partner_domains"])]
    if family.empty:
        raise OverlapError(f"no link to review shares the domain {wanted} for this partner")
    why = reason or f"family of {wanted} accepted"
    done = []
    with ws.transaction() as connection:
        for row in family.itertuples(index=False):
            our_key = account_key(
                _none_if_missing(row.our_id), row.our_name, _none_if_missing(row.our_domains) or ""
            )
            partner_key = account_key(
                _none_if_missing(row.partner_id),
                row.partner_name,
                _none_if_missing(row.partner_domains) or "",
            )
            decision_id = _record_decision(
                connection, partner_id, our_key, partner_key, "accept", why
            )
            connection.execute(
                text("UPDATE match SET status = 'accepted' WHERE id = :m"),
                {"m": int(row.match_id)},
            )
            done.append(
                ReviewDecision(partner_id, int(row.match_id), "review", decision_id, "accepted")
            )
    return done


def _find_account(
    ws: Workspace, partner_id: int | None, ref: int | str, side: str
) -> dict[str, Any]:
    snapshot = ws.current_snapshot(partner_id)
    if snapshot is None or snapshot.id is None:
        raise OverlapError(f"{side} has no imported accounts yet")
    accounts = ws.accounts(snapshot.id, ["external_id", "name", "domains"])
    frame = accounts[accounts["external_id"] == str(ref)]
    if frame.empty and str(ref).isdigit():
        frame = accounts[accounts["id"] == int(ref)]
    if frame.empty:
        raise OverlapError(f"no account '{ref}' on {side} (give its CRM id or account id)")
    return {str(k): v for k, v in frame.iloc[0].items()}


def link(
    ws: Workspace,
    partner: str,
    our_account: int | str,
    partner_account: int | str,
    *,
    reason: str | None = None,
) -> ReviewDecision:
    """Link two accounts by hand (by CRM id, else account id); survives re-matching."""
    found = ws.partner(partner)
    assert found.id is not None
    ours = _find_account(ws, None, our_account, "our side")
    theirs = _find_account(ws, found.id, partner_account, found.name)
    our_key = account_key(
        _none_if_missing(ours["external_id"]), ours["name"], ours["domains"] or ""
    )
    partner_key = account_key(
        _none_if_missing(theirs["external_id"]), theirs["name"], theirs["domains"] or ""
    )
    explanation = "linked by hand" + (f": {reason}" if reason else "")
    with ws.transaction() as connection:
        decision_id = _record_decision(connection, found.id, our_key, partner_key, "link", reason)
        existing = connection.execute(
            text(
                "SELECT id, status FROM match WHERE partner_id = :p AND our_account_id = :o "
                "AND partner_account_id = :t"
            ),
            {"p": found.id, "o": int(ours["id"]), "t": int(theirs["id"])},
        ).first()
        if existing is not None:
            connection.execute(
                text("UPDATE match SET status = 'manual' WHERE id = :m"), {"m": existing[0]}
            )
            return ReviewDecision(
                found.id, int(existing[0]), str(existing[1]), decision_id, "manual"
            )
        result = connection.execute(
            text(
                "INSERT INTO match (partner_id, our_account_id, partner_account_id, method, score, "
                "status, explanation, matched_at) "
                "VALUES (:p, :o, :t, 'manual', 100.0, 'manual', :e, :at)"
            ),
            {
                "p": found.id,
                "o": int(ours["id"]),
                "t": int(theirs["id"]),
                "e": explanation,
                "at": _stamp(),
            },
        )
        return ReviewDecision(found.id, int(result.lastrowid), None, decision_id, "manual")


def undo_decision(ws: Workspace, decision: ReviewDecision) -> None:
    """Reverse a ``decide`` or ``link``: the link's old status comes back, the decision goes.

    Redo is the same ``decide`` or ``link`` call made again.
    """
    with ws.transaction() as connection:
        connection.execute(
            text("DELETE FROM matchdecision WHERE id = :d"), {"d": decision.decision_id}
        )
        if decision.previous_status is None:
            connection.execute(text("DELETE FROM match WHERE id = :m"), {"m": decision.match_id})
        else:
            connection.execute(
                text("UPDATE match SET status = :s WHERE id = :m"),
                {"s": decision.previous_status, "m": decision.match_id},
            )


def _alias_exists(
    ws: Workspace, table: str, columns: tuple[str, str], first: str, second: str
) -> bool:
    """Whether the alias table ``table`` holds the pair (``first``, ``second``)."""
    found = ws.read_frame(
        f"SELECT id FROM {table} WHERE {columns[0]} = :a AND {columns[1]} = :b",
        {"a": first, "b": second},
    )
    return not found.empty


def _delete_alias(
    ws: Workspace, table: str, columns: tuple[str, str], first: str, second: str
) -> bool:
    """Remove the pair from the alias table ``table``; False when it was not there."""
    with ws.transaction() as connection:
        result = connection.execute(
            text(f"DELETE FROM {table} WHERE {columns[0]} = :a AND {columns[1]} = :b"),
            {"a": first, "b": second},
        )
    return bool(result.rowcount)


def _alias_domain(value: str) -> str:
    domain = registrable_domain(value).split()
    if not domain:
        raise OverlapError(f"'{value}' is not a web domain")
    if domain[0] in GENERIC_DOMAINS:
        raise OverlapError(
            f"'{domain[0]}' is a generic domain (free mail, social network...) and never matches"
        )
    return domain[0]


def add_alias(ws: Workspace, domain: str, other: str) -> DomainAlias:
    """Declare two domains one company's (squareup.com = block.xyz); used by the next matching."""
    first, second = sorted((_alias_domain(domain), _alias_domain(other)))
    if first == second:
        raise OverlapError(f"{first} and {second} are the same domain")
    if _alias_exists(ws, "domainalias", ("domain", "other_domain"), first, second):
        raise OverlapError(f"{first} = {second} is already an alias")
    alias = DomainAlias(domain=first, other_domain=second, created_at=now())
    ws.save(alias)
    return alias


def list_aliases(ws: Workspace) -> pd.DataFrame:
    """Every domain alias of the workspace: id, domain, other_domain, created_at."""
    return ws.read_frame(
        "SELECT id, domain, other_domain, created_at FROM domainalias ORDER BY domain, other_domain"
    )


def remove_alias(ws: Workspace, domain: str, other: str) -> None:
    """Forget that two domains are one company's."""
    first, second = sorted((_alias_domain(domain), _alias_domain(other)))
    if not _delete_alias(ws, "domainalias", ("domain", "other_domain"), first, second):
        raise OverlapError(f"{first} = {second} is not an alias")


def _name_aliases(ws: Workspace) -> list[tuple[str, str]]:
    frame = ws.read_frame("SELECT name, other_name FROM namealias ORDER BY id")
    return list(zip(frame["name"], frame["other_name"], strict=True))


def _alias_names(name: str, other: str) -> tuple[str, str]:
    """The two names as written (spaces tidied), in the order of their keys; an error when a
    name has no key or both have the same."""
    names = [" ".join(str(n).split()) for n in (name, other)]
    keys = name_keys(names).tolist()
    for written, key in zip(names, keys, strict=True):
        if not key:
            raise OverlapError(f"'{written}' is not a company name")
    if keys[0] == keys[1]:
        raise OverlapError(f"'{names[0]}' and '{names[1]}' already match as the same name")
    first, second = (names[0], names[1]) if keys[0] < keys[1] else (names[1], names[0])
    return first, second


def add_name_alias(ws: Workspace, name: str, other: str) -> NameAlias:
    """Declare two names one company's (a former name, a parent's brand: "Facebook" = "Meta
    Platforms"); the next matching links accounts so named as the same name."""
    first, second = _alias_names(name, other)
    if _alias_exists(ws, "namealias", ("name", "other_name"), first, second):
        raise OverlapError(f"'{first}' = '{second}' is already an alias")
    alias = NameAlias(name=first, other_name=second, created_at=now())
    ws.save(alias)
    return alias


def list_name_aliases(ws: Workspace) -> pd.DataFrame:
    """Every name alias of the workspace: id, name, other_name, created_at."""
    return ws.read_frame(
        "SELECT id, name, other_name, created_at FROM namealias ORDER BY name, other_name"
    )


def remove_name_alias(ws: Workspace, name: str, other: str) -> None:
    """Forget that two names are one company's."""
    first, second = _alias_names(name, other)
    if not _delete_alias(ws, "namealias", ("name", "other_name"), first, second):
        raise OverlapError(f"'{first}' = '{second}' is not an alias")
