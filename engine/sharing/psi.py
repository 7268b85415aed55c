"""Private matching by e-mail: an ECDH private set intersection over files (ristretto255).

Three files, two machines, no list leaves either:

1. ``request`` (us): our keys - registrable domains and company-name keys - hashed to the group
   with a domain-separation tag, raised to a fresh secret ``a``, shuffled.
2. ``respond`` (partner): raises our values to their fresh secret ``b`` (kept in order, or
   shuffled for a counts-only exchange) and adds their own keys as ``H(y) ** b``, shuffled.
3. ``finish`` (us): raises their values to ``a`` and compares: ``H(x) ** ab == H(y) ** ba``
   exactly when ``x == y``. We learn which of our keys - so which of our accounts - are shared,
   and nothing else; optionally a ``back`` file tells the partner the positions of their
   matching values, so they learn the same overlap. In counts-only mode only the number is
   learned by either side.

What each side learns besides the overlap: the number of keys of the other side. Secrets are
fresh per exchange, live only in the workspace and are erased as soon as they are no longer
needed (the partner's right after responding; ours when the exchange finishes).

Arriving files are read and checked by ``engine.sharing.untrusted``, where their schema and
limits are declared.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import select

from engine.errors import Cancelled, OverlapError
from engine.output.files import atomic_write
from engine.sharing import _ristretto
from engine.sharing.policy import share_policy
from engine.sharing.untrusted import (
    PSI_FORMAT,
    PSI_FORMAT_VERSION,
    PSI_GROUP,
    PsiFile,
    read_psi_file,
)
from engine.store.ledger import record_egress
from engine.store.models import PsiExchange
from engine.store.workspace import Workspace, now, resolve_partner

# The domain-separation tag: keys hashed for this protocol never collide with any other use.
TAG = b"overlap/psi/v1/ristretto255/account-key"
SUFFIX = ".ovpsi"

Progress = Callable[[float, str], None]


@dataclass
class PsiStep:
    """What one step of an exchange did."""

    exchange_id: str
    kind: str  # request / response / back / finished
    path: Path | None
    our_count: int
    their_count: int = 0
    counts_only: bool = False


@dataclass
class PsiResult:
    """The end of an exchange: how much is shared and, unless counts-only, which accounts."""

    exchange_id: str
    counts_only: bool
    our_count: int
    their_count: int
    shared_keys: int
    shared_accounts: pd.DataFrame = field(default_factory=pd.DataFrame)
    back_path: Path | None = None

    @property
    def shared_account_count(self) -> int:
        return len(self.shared_accounts)


# ---------------------------------------------------------------------------- keys


def account_psi_keys(accounts: pd.DataFrame) -> pd.DataFrame:
    """One row per (account id, key): ``d:<domain>`` for each non-generic domain and
    ``n:<name key>`` for the name. Both sides compute keys the same way, so equal keys meet."""
    from engine.keys.domains import is_generic_domain
    from engine.keys.names import name_keys

    if accounts.empty:
        return pd.DataFrame(
            {"account_id": pd.Series(dtype="int64"), "key": pd.Series(dtype=object)}
        )
    ids = accounts["id"].tolist()
    rows: list[tuple[int, str]] = []
    for account_id, domains in zip(ids, accounts["domains"].fillna("").astype(str), strict=True):
        for domain in domains.split():
            domain = domain.strip().lower().removeprefix("www.")
            if domain and not is_generic_domain(domain):
                rows.append((account_id, "d:" + domain))
    for account_id, key in zip(ids, name_keys(accounts["name"].fillna("")), strict=True):
        if isinstance(key, str) and key.strip():
            rows.append((account_id, "n:" + key))
    return pd.DataFrame(rows, columns=["account_id", "key"]).drop_duplicates(ignore_index=True)


def _our_accounts(ws: Workspace) -> pd.DataFrame:
    snapshot = ws.current_snapshot(None)
    if snapshot is None or snapshot.id is None:
        raise OverlapError("import our own accounts first; private matching compares them")
    return ws.accounts(snapshot.id)


# ---------------------------------------------------------------------------- files


def _pack(points: list[bytes]) -> str:
    return base64.b64encode(b"".join(points)).decode("ascii")


def _write(path: Path, document: dict[str, Any]) -> None:
    document = {"format": PSI_FORMAT, "version": PSI_FORMAT_VERSION, "group": PSI_GROUP, **document}
    with atomic_write(path) as temporary:
        temporary.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")


def _exchange(ws: Workspace, exchange_id: str, role: str, where: str) -> PsiExchange:
    with ws.session() as session:
        exchange = session.exec(
            select(PsiExchange).where(
                PsiExchange.exchange_id == exchange_id, PsiExchange.role == role
            )
        ).first()
    if exchange is None:
        raise OverlapError(
            "this file answers an exchange this workspace did not start", where=where
        )
    return exchange


def _shuffled(items: list[Any]) -> list[Any]:
    items = list(items)
    secrets.SystemRandom().shuffle(items)
    return items


# ---------------------------------------------------------------------------- the three steps


def psi_request(
    ws: Workspace,
    partner: str,
    out: str | Path,
    *,
    counts_only: bool = False,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PsiStep:
    """Write the first file of an exchange: our keys, hashed, blinded and shuffled."""
    record = resolve_partner(ws, partner)
    out = Path(out)
    counts_only = counts_only or share_policy(ws, record).counts_only
    keys = _shuffled(sorted(set(account_psi_keys(_our_accounts(ws))["key"])))
    if not keys:
        raise OverlapError("our accounts have no names or domains to compare")
    secret = _ristretto.random_scalar()
    points = _ristretto.hash_and_blind(
        TAG, [k.encode("utf-8") for k in keys], secret, progress=progress, cancel=cancel
    )
    exchange_id = uuid.uuid4().hex
    _write(
        out,
        {
            "kind": "request",
            "exchange": exchange_id,
            "counts_only": counts_only,
            "values": _pack(points),
        },
    )
    with ws.session() as session:
        session.add(
            PsiExchange(
                partner_id=record.id,  # type: ignore[arg-type]
                exchange_id=exchange_id,
                role="requester",
                state="requested",
                counts_only=counts_only,
                secret=secret,
                keys_json=json.dumps(keys),
                our_count=len(keys),
                created_at=now(),
            )
        )
        session.commit()
    record_egress(ws, record, "psi-request", out, fields=["blinded keys"], row_count=len(points))
    return PsiStep(exchange_id, "request", out, len(keys), counts_only=counts_only)


def psi_respond(
    ws: Workspace,
    partner: str,
    request: str | Path,
    out: str | Path,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PsiStep:
    """Answer a partner's request: theirs re-blinded, ours blinded, both with a fresh secret."""
    record = resolve_partner(ws, partner)
    request, out = Path(request), Path(out)
    document = read_psi_file(request)
    if document.kind != "request":
        raise OverlapError(
            "this is not a request file; 'respond' needs the partner's request", where=str(request)
        )
    exchange_id, theirs = document.exchange, document.values
    # Our policy decides what leaves, whatever the request asks for.
    counts_only = document.counts_only or share_policy(ws, record).counts_only
    keys = _shuffled(sorted(set(account_psi_keys(_our_accounts(ws))["key"])))
    secret = _ristretto.random_scalar()

    def part(start: float, end: float) -> Progress | None:
        if progress is None:
            return None
        return lambda f, m: progress(start + (end - start) * f, m)

    doubled = _ristretto.blind(theirs, secret, progress=part(0, 0.5), cancel=cancel)
    if counts_only:
        doubled = _shuffled(doubled)  # the requester then learns only how many matched
    ours = _ristretto.hash_and_blind(
        TAG, [k.encode("utf-8") for k in keys], secret, progress=part(0.5, 1), cancel=cancel
    )
    if cancel is not None and cancel():
        raise Cancelled()
    _write(
        out,
        {
            "kind": "response",
            "exchange": exchange_id,
            "counts_only": counts_only,
            "doubled": _pack(doubled),
            "values": _pack(ours),
        },
    )
    with ws.session() as session:
        session.add(
            PsiExchange(
                partner_id=record.id,  # type: ignore[arg-type]
                exchange_id=exchange_id,
                role="responder",
                state="responded",
                counts_only=counts_only,
                secret=None,  # not needed any more: a back file names positions, not values
                keys_json=None if counts_only else json.dumps(keys),
                our_count=len(keys),
                their_count=len(theirs),
                created_at=now(),
            )
        )
        session.commit()
    record_egress(
        ws, record, "psi-response", out, fields=["blinded keys"], row_count=len(doubled) + len(ours)
    )
    return PsiStep(exchange_id, "response", out, len(keys), len(theirs), counts_only)


def psi_finish(
    ws: Workspace,
    partner: str,
    answer: str | Path,
    *,
    back: str | Path | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PsiResult:
    """Finish an exchange from the partner's response (ours) or back file (theirs)."""
    record = resolve_partner(ws, partner)
    answer = Path(answer)
    document = read_psi_file(answer)
    exchange_id = document.exchange
    if document.kind == "back":
        if back is not None:
            raise OverlapError("a back file ends the exchange; there is nothing to send back")
        return _finish_back(ws, record.id, document, str(answer))
    if document.kind != "response":
        raise OverlapError("'finish' needs the partner's response or back file", where=str(answer))
    exchange = _exchange(ws, exchange_id, "requester", str(answer))
    if exchange.partner_id != record.id:
        raise OverlapError(
            "this file belongs to an exchange with another partner", where=str(answer)
        )
    if exchange.state == "finished" or exchange.secret is None or exchange.keys_json is None:
        raise OverlapError("this exchange is finished already; start a new one", where=str(answer))
    doubled, theirs = document.doubled, document.values
    keys: list[str] = json.loads(exchange.keys_json)
    if len(doubled) != len(keys):
        raise OverlapError(
            "the response does not answer our request (sizes differ)", where=str(answer)
        )
    theirs_blinded = _ristretto.blind(theirs, exchange.secret, progress=progress, cancel=cancel)
    their_set = set(theirs_blinded)
    matched_positions = [i for i, value in enumerate(doubled) if value in their_set]
    shared_keys = len(matched_positions)
    # Either side's policy can make the exchange counts-only (the response then says so).
    counts_only = exchange.counts_only or document.counts_only
    shared = pd.DataFrame(columns=["id", "name", "domains", "matched_on"])
    if not counts_only:
        matched_keys = {keys[i] for i in matched_positions}
        shared = _accounts_with_keys(ws, matched_keys)
    back_path = None
    if back is not None:
        back_path = Path(back)
        doubled_set = set(doubled)
        positions = [j for j, value in enumerate(theirs_blinded) if value in doubled_set]
        content: dict[str, Any] = {
            "kind": "back",
            "exchange": exchange_id,
            "counts_only": counts_only,
        }
        if counts_only:
            content["count"] = len(positions)
        else:
            content["positions"] = positions
        _write(back_path, content)
    result = PsiResult(
        exchange_id, counts_only, len(keys), len(theirs), shared_keys, shared, back_path
    )
    _close(ws, exchange, result)
    if back_path is not None:
        record_egress(
            ws,
            record,
            "psi-back",
            back_path,
            fields=["positions of shared values"],
            row_count=shared_keys,
        )
    return result


def _finish_back(ws: Workspace, partner_id: int | None, document: PsiFile, where: str) -> PsiResult:
    exchange_id = document.exchange
    exchange = _exchange(ws, exchange_id, "responder", where)
    if exchange.partner_id != partner_id:
        raise OverlapError("this file belongs to an exchange with another partner", where=where)
    if exchange.state == "finished":
        raise OverlapError("this exchange is finished already", where=where)
    if document.counts_only != exchange.counts_only:
        raise OverlapError(
            "the back file does not answer this exchange (counts only on one side, not the "
            "other); nothing was changed",
            where=where,
        )
    if exchange.counts_only:
        # Distinct keys on both sides: no more of ours can be shared than either side has.
        most = min(exchange.our_count, exchange.their_count)
        count = document.count or 0
        if count > most:
            raise OverlapError(
                f"the back file says {count} values are shared, more than this exchange holds "
                f"({most}); nothing was changed",
                where=where,
            )
        result = PsiResult(exchange_id, True, exchange.our_count, exchange.their_count, count)
    else:
        keys: list[str] = json.loads(exchange.keys_json or "[]")
        if any(p >= len(keys) for p in document.positions):
            raise OverlapError(
                "the back file is damaged (positions out of range); nothing was changed",
                where=where,
            )
        matched = {keys[p] for p in document.positions}
        result = PsiResult(
            exchange_id,
            False,
            exchange.our_count,
            exchange.their_count,
            len(matched),
            _accounts_with_keys(ws, matched),
        )
    _close(ws, exchange, result)
    return result


def _accounts_with_keys(ws: Workspace, keys: set[str]) -> pd.DataFrame:
    accounts = _our_accounts(ws)
    pairs = account_psi_keys(accounts)
    pairs = pairs[pairs["key"].isin(keys)]
    matched_on = pairs.groupby("account_id")["key"].agg(lambda k: " ".join(sorted(k)))
    shared = accounts[accounts["id"].isin(matched_on.index)][["id", "name", "domains"]].copy()
    shared["matched_on"] = shared["id"].map(matched_on)
    return shared.reset_index(drop=True)


def _close(ws: Workspace, exchange: PsiExchange, result: PsiResult) -> None:
    """Erase the secret and the key order; keep only the counts and our shared account ids."""
    _erase_secret_pages(ws)
    with ws.session() as session:
        stored = session.get(PsiExchange, exchange.id)
        assert stored is not None
        stored.secret = None
        stored.keys_json = None
        stored.state = "finished"
        stored.finished_at = now()
        stored.their_count = result.their_count
        stored.result_json = json.dumps(
            {
                "shared_keys": result.shared_keys,
                "shared_accounts": result.shared_account_count,
                "account_ids": [int(i) for i in result.shared_accounts.get("id", [])],
            }
        )
        session.add(stored)
        session.commit()
    _checkpoint(ws)


def _erase_secret_pages(ws: Workspace) -> None:
    # secure_delete makes SQLite zero the freed bytes of the old row instead of leaving them.
    with ws.transaction() as connection:
        connection.exec_driver_sql("PRAGMA secure_delete=ON")


def _checkpoint(ws: Workspace) -> None:
    # Old page images (with the secret) live in the WAL until a checkpoint copies and truncates it.
    with ws.transaction() as connection:
        connection.exec_driver_sql("PRAGMA secure_delete=ON")
    with ws.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def psi_exchanges(ws: Workspace, partner: str | None = None) -> pd.DataFrame:
    """Every exchange (of one partner, or all): role, state, counts, dates; never a secret."""
    sql = (
        "SELECT e.exchange_id, p.name AS partner, e.role, e.state, e.counts_only, e.our_count, "
        "e.their_count, e.result_json, e.created_at, e.finished_at, "
        "e.secret IS NOT NULL AS holds_secret "
        "FROM psiexchange e JOIN partner p ON p.id = e.partner_id"
    )
    params: dict[str, Any] = {}
    if partner is not None:
        sql += " WHERE e.partner_id = :p"
        params["p"] = resolve_partner(ws, partner).id
    frame = ws.read_frame(sql + " ORDER BY e.created_at, e.id", params)
    shared = [
        json.loads(r)["shared_keys"] if isinstance(r, str) else None for r in frame["result_json"]
    ]
    frame.insert(7, "shared_keys", shared)
    return frame.drop(columns=["result_json"])


def psi_forget(ws: Workspace, exchange_id: str) -> None:
    """Abandon an unfinished exchange: erase its secret and key order now."""
    with ws.session() as session:
        for exchange in session.exec(
            select(PsiExchange).where(PsiExchange.exchange_id == exchange_id)
        ):
            exchange.secret = None
            exchange.keys_json = None
            exchange.state = "finished"
            exchange.finished_at = now()
            session.add(exchange)
        session.commit()
    _checkpoint(ws)
