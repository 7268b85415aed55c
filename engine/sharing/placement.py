"""Where a plan of a partner's file belongs among our accounts.

A plan file names its account by both sides' keys: ``your_key`` is our own key of it (our CRM
id, ``id:...``, when our export has one) and ``sender_crm_id`` / ``recipient_crm_id`` are both
sides' CRM ids. The account is placed by our own key or CRM id first, whether or not our matcher
linked it to the partner's account (the sender's side linked them); by its web domain or its
name only when no id places it, and then only when exactly one of our accounts fits. A plan
nothing places is kept as unplaced with the reason, for the user to attach (``unplaced.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine.keys.names import name_keys
from engine.sharing.policy import SHARED_STATUSES
from engine.store.models import Partner
from engine.store.workspace import Workspace, account_keys


@dataclass(frozen=True)
class Placement:
    """An account of ours a plan belongs to; ``how`` says what placed it."""

    our_key: str
    partner_key: str
    account_name: str
    how: str  # key / crm id / domain / name / chosen


class AccountIndex:
    """Our current accounts by key, CRM id, domain and name key, and our matcher's links."""

    def __init__(self, ws: Workspace, partner: Partner) -> None:
        snapshot = ws.current_snapshot(None)
        accounts = (
            ws.accounts(snapshot.id, ["external_id", "name", "domains"])
            if snapshot is not None and snapshot.id is not None
            else pd.DataFrame(columns=["external_id", "name", "domains"])
        )
        keys = account_keys(accounts) if not accounts.empty else pd.Series(dtype=object)
        self.names: dict[str, str] = dict(zip(keys, accounts["name"].astype(str), strict=True))
        self.by_id: dict[str, str] = {}
        self.by_domain: dict[str, set[str]] = {}
        self.by_name: dict[str, set[str]] = {}
        names = name_keys(accounts["name"]) if not accounts.empty else pd.Series(dtype=object)
        for key, external, domains, name in zip(
            keys, accounts["external_id"], accounts["domains"], names, strict=True
        ):
            if external is not None and str(external).strip() and str(external) != "nan":
                self.by_id.setdefault(str(external).strip(), key)
            for domain in str(domains or "").split():
                self.by_domain.setdefault(domain.casefold(), set()).add(key)
            if name:
                self.by_name.setdefault(str(name), set()).add(key)
        self.linked = _linked_keys(ws, partner)

    def place(self, item: dict[str, Any]) -> Placement | str:
        """Where ``item`` (a checked plan of a file) belongs, or why nothing places it."""
        key, how = str(item.get("your_key") or ""), "key"
        if key not in self.names:
            key, how = self.by_id.get(str(item.get("recipient_crm_id") or ""), ""), "crm id"
        if not key:
            key, how = self._unique(item)
            if how == "why":
                return key  # the reason
        return Placement(key, self.partner_key(key, item), self.names[key], how)

    def _unique(self, item: dict[str, Any]) -> tuple[str, str]:
        """The one account the item's domain, else its name, points at: (key, how), or
        (reason, "why")."""
        domains = str(item.get("domain") or "").split()
        hits = set().union(*(self.by_domain.get(d.casefold(), set()) for d in domains))
        if len(hits) == 1:
            return next(iter(hits)), "domain"
        name = str(item.get("account_name") or "")
        named = self.by_name.get(str(name_keys([name]).iloc[0]), set()) if name else set()
        if len(hits) > 1 or len(named) > 1:
            return "several of our accounts share its domain or name; choose one", "why"
        if len(named) == 1:
            return next(iter(named)), "name"
        if item.get("recipient_crm_id") or str(item.get("your_key", "")).startswith("id:"):
            return "our CRM id of the account is not in our current export", "why"
        if not domains and not name:
            return "the file names it by no id, domain or name we hold", "why"
        return "no account of ours has its id, domain or name", "why"

    def partner_key(self, our_key: str, item: dict[str, Any]) -> str:
        """The partner's account of a plan on ``our_key``: our matcher's link when there is one,
        else the sender's CRM id, else the plan's own reference."""
        linked = self.linked.get(our_key)
        if linked:
            return linked
        if item.get("sender_crm_id"):
            return f"id:{item['sender_crm_id']}"
        return f"ref:{item['ref']}"

    def find(self, account: str) -> str | None:
        """Our account a user names by CRM id or by its key, for attaching a plan."""
        text = str(account).strip()
        if text in self.names:
            return text
        return self.by_id.get(text)


def _linked_keys(ws: Workspace, partner: Partner) -> dict[str, str]:
    """Our account key -> the key of the partner's account our matcher linked it to."""
    links = ws.read_frame(
        "SELECT our_account_id, partner_account_id FROM match "
        f"WHERE partner_id = :p AND status IN {SHARED_STATUSES}",
        {"p": partner.id},
    )
    if links.empty:
        return {}
    columns = ("external_id", "name", "domains")
    frame = ws.with_accounts(links, list(columns))
    ours, theirs = (
        account_keys(frame.rename(columns={f"{side}_{c}": c for c in columns}))
        for side in ("our", "partner")
    )
    return dict(zip(ours, theirs, strict=True))
