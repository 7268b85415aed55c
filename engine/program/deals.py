"""The deals of a partnership as the pilot is judged: co-sold or not, sourced or influenced by the
partner, their sales stage, their rep, and whether their account is a pilot account.

**Co-sold** is a flag set by hand on each deal (``co_sold``: ``yes`` / ``no``). Until the user
sets it, a deal counts as co-sold when it was entered or imported as co-sold, or when its
account is a **pilot account**: a shared account with a joint plan. ``co_sold_why`` says which.

**The partner's part** (``partner_role``) is ``sourced`` (the partner brought the deal) or
``influenced`` (the partner helped an existing deal). A co-sold deal with no part recorded
counts as influenced (``role_recorded`` is False then).

**The rep** of a deal is the owner entered or imported with it, else the owner of its account in
our list: the direct seller who is credited (``engine.program.credit``).

A deal finds its account by our CRM id (``our_key``) or else by its account name's matching key.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import OverlapError
from engine.keys.names import name_keys
from engine.overlaps import keys_of
from engine.store.models import Opportunity, Partner
from engine.store.workspace import Workspace, resolve_partner

CO_SOLD_SETTINGS = ("yes", "no", "auto")  # auto: as the deal's account and entry say
PARTNER_ROLES = ("sourced", "influenced")
DEAL_STAGES = ("qualification", "proposal", "negotiation")

# Words of a CRM's open stages, in the order they are tried (Salesforce's standard stages,
# HubSpot's deal stages): a stage naming none of them is left unknown.
_STAGE_WORDS = (
    ("negotiation", ("negotiat", "contract sent", "contractsent", "commit")),
    ("proposal", ("proposal", "quote", "presentation", "decision maker", "decisionmaker")),
    ("qualification", ("qualif", "prospect", "discovery", "needs analysis", "appointment")),
)

DEAL_COLUMNS = [
    "id",
    "account_name",
    "amount",
    "opened",
    "closed",
    "outcome",
    "stage",
    "co_sold",
    "co_sold_why",
    "partner_role",
    "role_recorded",
    "rep",
    "pilot",
    "our_key",
    "co_sold_setting",
]


def stage_of(raw: Any) -> str:
    """The sales stage (qualification / proposal / negotiation) a CRM's stage names, or ''."""
    text = " ".join(re.sub(r"[^0-9a-z]+", " ", str(raw or "").lower()).split())
    for stage, words in _STAGE_WORDS:
        if any(word in text for word in words):
            return stage
    return ""


def role_of(raw: Any, where: str | None = None) -> str:
    """``sourced`` / ``influenced`` / '' from a cell such as "Partner Sourced" or "none"."""
    text = " ".join(re.sub(r"[^0-9a-z]+", " ", str(raw or "").lower()).split())
    if text in ("", "none", "no", "nan", "n a", "direct"):
        return ""
    for role in PARTNER_ROLES:
        if role in text:
            return role
    raise OverlapError(f"the partner's part is sourced or influenced, not '{raw}'", where=where)


def _choice(value: str, choices: tuple[str, ...], what: str) -> str:
    text = str(value).strip().lower()
    if text not in choices:
        raise OverlapError(f"the {what} is one of {', '.join(choices)}, not '{value}'")
    return text


def set_deal(
    ws: Workspace,
    deal_id: int,
    *,
    co_sold: str | None = None,
    partner_role: str | None = None,
    stage: str | None = None,
    owner: str | None = None,
) -> Opportunity:
    """Set a deal's co-sold flag (yes / no / auto), the partner's part (sourced / influenced /
    none), its sales stage (an open deal's; none clears it) or its rep; None leaves a field."""
    with ws.session() as session:
        deal = session.get(Opportunity, deal_id)
        if deal is None:
            raise OverlapError(f"no deal with id {deal_id} (see 'overlap opportunities list')")
        if co_sold is not None:
            setting = _choice(co_sold, CO_SOLD_SETTINGS, "co-sold setting")
            deal.co_sold = "" if setting == "auto" else setting
            deal.partner_involved = setting == "yes"
        if partner_role is not None:
            text = str(partner_role).strip().lower()
            deal.partner_role = "" if text in ("", "none") else _choice(text, PARTNER_ROLES, "part")
        if stage is not None:
            text = str(stage).strip().lower()
            if text not in ("", "none") and deal.outcome != "open":
                raise OverlapError(
                    f"deal {deal_id} is {deal.outcome}: only an open deal has a stage"
                )
            deal.stage = "" if text in ("", "none") else _choice(text, DEAL_STAGES, "stage")
        if owner is not None:
            deal.owner = " ".join(str(owner).split())
        session.add(deal)
        session.commit()
        session.refresh(deal)
        return deal


# Our current list's keys and owners, by workspace and snapshot: the dashboard reads the deals
# several times, and a list of 200k accounts takes a second to key.
_ACCOUNTS: weakref.WeakKeyDictionary[Workspace, tuple[int, pd.DataFrame]] = (
    weakref.WeakKeyDictionary()
)


def _our_accounts(ws: Workspace, *, names: bool) -> pd.DataFrame:
    """Our current list, one row per account key: our_key, owner and, with ``names``, the name
    key (only deals without a known CRM key need it)."""
    snapshot = ws.current_snapshot(None)
    if snapshot is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ("our_key", "name_key",
                                                                  "account_owner")})  # fmt: skip
    cached = _ACCOUNTS.get(ws)
    if cached is not None and cached[0] == snapshot.id:
        frame = cached[1]
    else:
        ours = ws.accounts(int(snapshot.id), ["external_id", "name", "domains", "owner"])  # type: ignore[arg-type]
        frame = pd.DataFrame(
            {
                "our_key": keys_of(ours["external_id"], ours["name"], ours["domains"]).to_numpy(),
                "name": ours["name"].astype(object).to_numpy(),
                "account_owner": ours["owner"].astype(object).to_numpy(),
            }
        ).drop_duplicates("our_key")
        _ACCOUNTS[ws] = (int(snapshot.id), frame)  # type: ignore[arg-type]
    if names and "name_key" not in frame:
        frame["name_key"] = name_keys(frame["name"]).to_numpy()
    return frame


def _known_keys(ws: Workspace) -> pd.Index:
    return pd.Index(_our_accounts(ws, names=False)["our_key"])


def partner_deals(ws: Workspace, partner: str | Partner) -> pd.DataFrame:
    """Every deal of the partnership with its account resolved (``DEAL_COLUMNS``)."""
    record = resolve_partner(ws, partner)
    deals = ws.read_frame(
        "SELECT id, account_name, our_key, amount, opened, closed, outcome, partner_involved, "
        "co_sold, partner_role, stage, owner FROM opportunity WHERE partner_id = :p "
        "ORDER BY opened, id",
        {"p": record.id},
    )
    if deals.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DEAL_COLUMNS})
    accounts = _our_accounts(ws, names=not deals["our_key"].isin(_known_keys(ws)).all())
    plans = ws.read_frame(
        "SELECT our_key, account_name FROM plan WHERE partner_id = :p", {"p": record.id}
    )
    # A deal's account: its CRM key when our list has it, else the one account of its name.
    by_key = accounts.set_index("our_key")
    deal_names = name_keys(deals["account_name"].astype(object))
    known = deals["our_key"].isin(by_key.index)
    key = deals["our_key"].where(known, None)
    if "name_key" in accounts:
        unique_names = accounts.drop_duplicates("name_key", keep=False).set_index("name_key")
        key = deals["our_key"].where(known, deal_names.map(unique_names["our_key"]))
    key = key.where(key.notna(), deals["our_key"])
    account_owner = key.map(by_key["account_owner"]).astype(object)
    account_owner = account_owner.where(account_owner.notna(), "")
    planned_keys = set(plans["our_key"])
    planned_names = set(name_keys(plans["account_name"].astype(object)))
    pilot = key.isin(planned_keys) | deal_names.isin(planned_names)

    setting = deals["co_sold"].fillna("").astype(str)
    entered = deals["partner_involved"].astype(bool)  # before co_sold existed (version 8)
    co_sold = (setting == "yes") | ((setting == "") & (entered | pilot))
    why = np.select(
        [setting == "yes", setting == "no", entered & (setting == ""), pilot & (setting == "")],
        [
            "set on the deal",
            "set on the deal",
            "entered as co-sold",
            "its account has a joint plan",
        ],
        default="no partner involvement recorded",
    )
    role = deals["partner_role"].fillna("").astype(str)
    owner = deals["owner"].fillna("").astype(str).str.strip()
    rep = owner.where(owner != "", account_owner.astype(str).str.strip())
    return pd.DataFrame(
        {
            "id": deals["id"].astype(int),
            "account_name": deals["account_name"],
            "amount": pd.to_numeric(deals["amount"], errors="coerce"),
            "opened": deals["opened"],
            "closed": deals["closed"],
            "outcome": deals["outcome"],
            "stage": deals["stage"].fillna("").astype(str),
            "co_sold": co_sold.astype(bool),
            "co_sold_why": why,
            "partner_role": np.where(role != "", role, np.where(co_sold, "influenced", "")),
            "role_recorded": role != "",
            "rep": rep.where(rep != "", "(no owner)"),
            "pilot": pilot.astype(bool),
            "our_key": key,
            "co_sold_setting": setting.replace("", "auto"),
        }
    )[DEAL_COLUMNS]
