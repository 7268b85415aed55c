"""What private matching carries and keeps: sealed account fields, the pairing both sides
compute alike, and the partner's shared accounts stored so every later step works unchanged.

Sealing. Each side seals, for each key, the fields its share policy allows of the account the
key belongs to, under a key only the same account key unlocks (see ``engine.sharing.psi``):
``tag = BLAKE2b(label_tag, exchange || point)`` (16 bytes) names the box and
``key = BLAKE2b(label_key, exchange || point)`` (32 bytes) opens it with AES-256-GCM. A key is
used for one box only (each key of a side is distinct, and the point is fresh per exchange), so
the nonce is fixed. Every box of a file is padded to one size: a box's length says nothing
about the account inside.

Pairing. Both sides end with the same list of (their reference, our reference) per shared
key; the pairs are chosen one-to-one, most shared keys first, then by the references, so both
workspaces link the same accounts and count the same number.

Storing. The partner's paired accounts become a partner snapshot marked ``private``, holding
those accounts only and only their allowed fields, and each pair a ``Match`` (method
``private``, status ``auto``). Earlier decisions on the same accounts (by CRM id, else name
and domains) apply again, so a refreshed exchange keeps rejections, leads and plans.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text

from engine.errors import OverlapError
from engine.matching.review import _apply_decisions, _latest_decisions, _stamp
from engine.sharing.policy import Policy
from engine.sharing.untrusted import (
    MAX_PSI_BOX_BYTES,
    PSI_TAG_BYTES,
    read_psi_account,
)
from engine.store.models import Match, Partner, Snapshot
from engine.store.workspace import Workspace

STAGES = ("prospect", "customer", "churned", "other")
NOTE = "Private matching finds exact name and domain matches only."

# Account field -> the share-policy field that lets it leave. The CRM id travels with the
# account name: it is how both sides' plan files and refreshes name the same account.
SEALED_FIELDS: dict[str, str] = {
    "external_id": "account_name",
    "name": "account_name",
    "domains": "domain",
    "stage": "stage",
    "industry": "industry",
    "country": "country",
    "city": "country",
    "deal_size": "deal_size",
    "deal_close_date": "deal_size",
    "annual_revenue": "annual_revenue",
    "owner": "owner",
    "first_touch": "lead_rationale",
    "priority": "lead_rationale",
}
_TEXT_LIMIT = 120  # characters of one text field in a box: boxes stay under MAX_PSI_BOX_BYTES
_NUMBERS = ("deal_size", "annual_revenue")
_LABELS = {"response": b"overlap/psi/v3/response", "back": b"overlap/psi/v3/back"}
_NONCE = bytes(12)


def sealed_fields(policy: Policy) -> list[str]:
    """The fields our boxes carry for a partner: a reference, then what the policy allows."""
    if policy.counts_only:
        return []
    return ["ref", *[f for f, allowed_by in SEALED_FIELDS.items() if policy.allows(allowed_by)]]


def summary(accounts: pd.DataFrame, policy: Policy) -> dict[str, Any]:
    """Our account count, and by stage when the policy shares stages or counts."""
    out: dict[str, Any] = {"accounts": len(accounts)}
    if policy.counts_only or policy.allows("stage"):
        stages = accounts["stage"].fillna("other").where(accounts["stage"].isin(STAGES), "other")
        out["by_stage"] = {s: int((stages == s).sum()) for s in STAGES}
    return out


def derive(point: bytes, exchange: str, direction: str) -> tuple[bytes, bytes]:
    """The tag (16 bytes) and box key (32 bytes) a shared key's point gives in one direction:
    one keyed BLAKE2b, cut in two."""
    digest = hashlib.blake2b(
        exchange.encode("ascii") + point, key=_LABELS[direction], digest_size=PSI_TAG_BYTES + 32
    ).digest()
    return digest[:PSI_TAG_BYTES], digest[PSI_TAG_BYTES:]


def _column(name: str, values: pd.Series) -> list[Any]:
    """One account field as a box carries it: None when empty, numbers as floats, stages from
    the fixed list, text cut to ``_TEXT_LIMIT`` characters."""
    if name in _NUMBERS:
        values = pd.to_numeric(values, errors="coerce").astype("float64")
    missing = values.isna().to_numpy()
    if name in _NUMBERS:
        cleaned: list[Any] = values.tolist()
    elif name == "stage":
        cleaned = values.where(values.isin(STAGES), "other").tolist()
    else:
        cleaned = [str(v)[:_TEXT_LIMIT] for v in values.astype(object).tolist()]
    return [None if empty else v for v, empty in zip(cleaned, missing, strict=True)]


def account_payloads(
    accounts: pd.DataFrame, fields: list[str], refs: dict[int, str]
) -> dict[int, bytes]:
    """The plaintext of each account of ``refs``: a JSON list of ``fields`` (the first is
    ``ref``); an account missing from ``accounts`` carries its reference only."""
    columns = [f for f in fields if f != "ref"]
    chosen = accounts[accounts["id"].isin(refs)]
    ids = [int(i) for i in chosen["id"].tolist()]
    values = [_column(f, chosen[f]) for f in columns]
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    empty = [None] * len(columns)
    payloads = {a: dumps([ref, *empty]).encode("utf-8") for a, ref in refs.items()}
    for account_id, *row in zip(ids, *values, strict=True):
        payloads[account_id] = dumps([refs[account_id], *row]).encode("utf-8")
    return payloads


def box_size(payloads: list[bytes]) -> int:
    """One size for every box of a file: the longest payload, its length prefix and the AEAD
    tag, rounded up to 32 bytes."""
    longest = max((len(p) for p in payloads), default=0) + 2 + 16
    size = -(-longest // 32) * 32
    if size > MAX_PSI_BOX_BYTES:  # pragma: no cover - text fields are cut to _TEXT_LIMIT
        raise OverlapError("an account's shared fields are too long to send")
    return size


def padded(payload: bytes, size: int) -> bytes:
    """A box's plaintext: the payload's length, the payload, zeros up to the box size."""
    plain = struct.pack(">H", len(payload)) + payload
    return plain + bytes(size - 16 - len(plain))


def seal(key: bytes, payload: bytes, size: int, associated: bytes) -> bytes:
    return seal_padded(key, padded(payload, size), associated)


def seal_padded(key: bytes, plain: bytes, associated: bytes) -> bytes:
    return AESGCM(key).encrypt(_NONCE, plain, associated)


def open_box(
    key: bytes, box: bytes, associated: bytes, fields: list[str], where: str
) -> dict[str, Any]:
    """The account inside a box, checked; a box that does not open is a damaged file."""
    try:
        plain = AESGCM(key).decrypt(_NONCE, box, associated)
    except InvalidTag:
        raise OverlapError(
            "a sealed account does not open: the file was changed on the way; nothing was changed",
            where=where,
        ) from None
    (length,) = struct.unpack(">H", plain[:2])
    try:
        values = json.loads(plain[2 : 2 + length].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise OverlapError(
            "a sealed account cannot be read; nothing was changed", where=where
        ) from None
    return read_psi_account(fields, values, where)


def new_refs(account_ids: list[int]) -> dict[int, str]:
    """A fresh random reference per account, for this exchange only."""
    raw = secrets.token_bytes(8 * len(account_ids)).hex()
    return {account_id: raw[16 * i : 16 * i + 16] for i, account_id in enumerate(account_ids)}


# ---------------------------------------------------------------------------- pairing


@dataclass
class SharedKey:
    """One key both sides hold: whose accounts it names, and the partner's account fields."""

    kind: str  # "d" domain, "n" name
    our_account_id: int
    our_ref: str
    their_ref: str
    requester_ref: str  # the requester's reference: both sides order pairs by it
    responder_ref: str
    theirs: dict[str, Any]


def pair(shared: list[SharedKey]) -> list[tuple[SharedKey, set[str]]]:
    """One-to-one pairs of accounts, most shared keys first; the same pairs on both sides."""
    counts = Counter((k.requester_ref, k.responder_ref) for k in shared)
    kinds: dict[tuple[str, str], set[str]] = {}
    first: dict[tuple[str, str], SharedKey] = {}
    for key in shared:
        at = (key.requester_ref, key.responder_ref)
        kinds.setdefault(at, set()).add(key.kind)
        first.setdefault(at, key)
    used_requester: set[str] = set()
    used_responder: set[str] = set()
    chosen = []
    for at in sorted(counts, key=lambda a: (-counts[a], a)):
        if at[0] in used_requester or at[1] in used_responder:
            continue
        used_requester.add(at[0])
        used_responder.add(at[1])
        chosen.append((first[at], kinds[at]))
    return chosen


# ---------------------------------------------------------------------------- storing


def _explanation(kinds: set[str]) -> str:
    on = " and ".join(w for k, w in (("d", "domain"), ("n", "name")) if k in kinds)
    return f"same {on} (private matching: exact keys only)"


def store_shared(
    ws: Workspace,
    partner: Partner,
    exchange: str,
    pairs: list[tuple[SharedKey, set[str]]],
    fields: list[str],
    their_summary: dict[str, Any],
) -> int:
    """Store the partner's paired accounts as a private snapshot and link them to ours, in one
    transaction; returns the new snapshot's id."""
    current = ws.current_snapshot(None)
    if current is None or current.id is None:
        raise OverlapError("import our own accounts first; private matching compares them")
    ours = ws.accounts(current.id, ["external_id", "name", "domains"])
    our_names = ours.set_index("id")["name"]
    rows = []
    for number, (key, _kinds) in enumerate(pairs):
        theirs = key.theirs
        row: dict[str, Any] = {f: theirs.get(f) for f in SEALED_FIELDS if f in theirs}
        # Without their name we show ours: both name one company (the keys say so).
        if not row.get("name"):
            row["name"] = str(our_names.get(key.our_account_id, ""))
        row["domains"] = row.get("domains") or ""
        row["stage_raw"] = row.get("stage")
        row["row_number"] = number + 2
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["row_number", *SEALED_FIELDS, "stage_raw"])
    for name in _NUMBERS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    shown = [f for f in fields if f != "ref"] or ["name"]
    counts = {
        "imported": len(frame),
        "private": True,
        "exchange": exchange,
        "fields": shown,
        "partner_accounts": their_summary.get("accounts"),
        "partner_by_stage": their_summary.get("by_stage") or None,
    }
    with ws.transaction() as connection:
        result = connection.execute(
            text(
                "INSERT INTO snapshot (partner_id, file_name, sha256, imported_at, mapping_json, "
                "extra_columns_json, counts_json, first_account_id, account_count, source) "
                "VALUES (:p, :f, :h, :t, :m, '[]', :c, 0, 0, 'private')"
            ),
            {
                "p": partner.id,
                "f": f"private matching {exchange[:8]}",
                "h": hashlib.sha256(exchange.encode("ascii")).hexdigest(),
                "t": _stamp(),
                "m": json.dumps({f: f for f in ["name", *shown] if f in SEALED_FIELDS}),
                "c": json.dumps(counts),
            },
        )
        snapshot_id = int(result.lastrowid)  # type: ignore[attr-defined]
        first = Workspace.store_accounts(connection, snapshot_id, frame)
    theirs_now = ws.accounts(snapshot_id, ["external_id", "name", "domains"])
    links = pd.DataFrame(
        {
            "our_account_id": np.array([k.our_account_id for k, _ in pairs], dtype=np.int64),
            "partner_account_id": np.arange(len(pairs), dtype=np.int64) + first,
            "method": "private",
            "score": 100.0,
            "status": "auto",
            "explanation": [_explanation(kinds) for _, kinds in pairs],
        }
    )
    links, _applied = _apply_decisions(
        links,
        ours,
        theirs_now,
        _latest_decisions(ws, int(partner.id)),  # type: ignore[arg-type]
    )
    links = links[links["status"].notna()]
    links.insert(0, "partner_id", partner.id)
    links["matched_at"] = _stamp()
    with ws.transaction() as connection:
        connection.execute(text("DELETE FROM match WHERE partner_id = :p"), {"p": partner.id})
        Workspace.insert_rows(connection, Match, links)
    return snapshot_id


def private_snapshot(ws: Workspace, partner_id: int) -> Snapshot | None:
    """The partner's current snapshot when it comes from private matching, else None."""
    current = ws.current_snapshot(partner_id)
    return current if current is not None and current.source == "private" else None
