"""Private matching by e-mail: an OPRF-based private set intersection with associated data
over Curve25519's prime-order group, by three files. Neither list leaves its laptop; both
workspaces end with the shared accounts and, for those only, the fields the other side's share
policy allows.

Keys (``account_psi_keys``): every registrable, non-generic domain of an account (``d:``) and
its normalized company name, the name key the matcher uses (``n:``). Private matching finds
exact name and domain matches only.

Protocol. The group is the prime-order subgroup of Curve25519, worked with X25519 on
u-coordinates (``engine.sharing._curve25519``: clamped scalars, a blinding scalar whose
inverse is clamped too). ``H`` hashes a key to the group (SHA-512 with a domain-separation tag,
then Elligator 2); ``F_b(x) = H(x) ** b`` is an oblivious PRF keyed by the responder's fresh
secret ``b``; ``T_d`` and ``K_d`` are keyed BLAKE2b of ``exchange || point``
with a label per direction ``d`` (a 16-byte tag and a 32-byte AES-256-GCM key, see
``engine.sharing.private``). Each side's keys are distinct.

1. ``request`` (requester R, keys X): ``H(x) ** a`` for each ``x``, in byte order (the values
   are pseudorandom, so the order hides the keys'); ``a`` fresh.
2. ``respond`` (responder S, keys Y): ``(H(x) ** a) ** b`` in the order received (sorted
   when the exchange is counts-only); for each ``y``, in tag order, the tag ``T_resp(F_b(y))`` and
   a box: the fields S's policy allows of y's account, sealed under ``K_resp(F_b(y))``. S
   keeps ``F_b(y)`` of its keys until the back file arrives.
3. ``finish`` (R): unblinds each value with ``1/a`` to ``F_b(x)``; a tag equal to
   ``T_resp(F_b(x))`` marks a shared key and its box opens. The back file holds, for the
   shared keys only, ``T_back(F_b(x))`` and R's allowed fields under ``K_back(F_b(x))``.
4. ``finish`` of the back file (S): a tag equal to ``T_back(F_b(y))`` marks a shared key and
   its box opens. Both sides pair accounts from the same list of shared keys the same way.

Counts only: when either side's policy is counts-only the exchange is counts-only for both:
the responder sorts step 2's values (cutting their link to the request's order) and seals
nothing; the requester learns the number of shared keys and sends only that number back.

Leakage. The requester learns: the size of the responder's key set (the tags); which of the
keys it queried are shared, and for those the responder's allowed fields; the responder's
account count (and counts by stage when its policy shares stages or counts); the box size of
the file (the longest allowed payload, rounded to 32 bytes). It may query any set of up to its
request's size (a dishonest requester could put guessed names in place of its accounts): that
is the price of any one-round PSI and the request size bounds it. The responder learns the
size of the requester's key set and, from the back file, the shared keys and the requester's
allowed fields for them; it learns nothing the requester does not send back. A partner-only
account leaves nothing in either workspace: no name, no domain, no hash; the tags of the
response are pseudorandom without ``b``, which never leaves the responder and is erased when
the exchange ends.

Proof sketch (semi-honest, random oracle ``H``, one-more Gap Diffie-Hellman in the group).
The requester's view is simulated from the intersection: ``F_b`` is a pseudorandom function
under one-more-gap-DH, so the responder's tags of keys outside X are indistinguishable from
random 16-byte strings and their boxes, sealed under keys derived from unknown PRF values, are
indistinguishable from random bytes of the fixed box size (AES-GCM is IND-CPA); the evaluated
values are ``F_b(x)`` blinded by ``a``, computable from the ideal OPRF outputs. The responder's
view of the request is random points: ``a`` is fresh, drawn from about 2**250 clamped scalars,
and telling ``H(x) ** a`` from a uniform point takes a discrete logarithm on an interval of
that size (about 2**125 steps, the group's own security level). The back file holds tags and
boxes only for shared keys, which the simulator builds from the intersection and the
requester's allowed fields. With a malicious peer the protocol bounds what leaks by the
request size and authenticates every box (a changed byte fails the AEAD tag and nothing is
stored), but it does not prove the peer used its true list.

Cost. A requester's key costs three scalar multiplications (blind in ``request``, evaluate in
``respond``, unblind in ``finish``); a responder's key one. With libsodium 1.0.18 an X25519
multiplication takes about 30 us of CPU (ristretto255's takes 57 us, which is why this group),
run on every core. What does not depend on the partner's file is done ahead by
``prepare_keys`` (at import once private matching is in use, while the app's walk-through is
read, or by ``overlap psi prepare``): our keys hashed to the group (about 25 us each, kept per
export in ``PsiKeyPoint``) and, for the next ``respond``, a fresh secret ``b`` with ``F_b`` of
our keys (``PsiPrepared``). That secret serves one exchange: ``respond`` deletes it as it takes
it, and a new export makes it stale. Without it, ``respond`` draws ``b`` and evaluates our keys
itself. The rest (keys, tags, boxes, files) is a few seconds at 100,000 accounts.

Secrets are fresh per exchange (a prepared one is drawn for the next exchange and used by it
alone), live only in the workspace and are erased (with SQLite's secure delete and a WAL
checkpoint) when the exchange ends or is forgotten. Arriving files are
read and checked by ``engine.sharing.untrusted``, where their schema and limits are declared;
opened boxes are checked there too before anything is stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import select

from engine.errors import Cancelled, OverlapError
from engine.output.files import atomic_write
from engine.sharing import _curve25519, private
from engine.sharing.policy import share_policy
from engine.sharing.private import SharedKey, account_payloads, new_refs, sealed_fields, summary
from engine.sharing.untrusted import (
    PSI_FORMAT,
    PSI_FORMAT_VERSION,
    PSI_GROUP,
    PsiFile,
    read_psi_file,
)
from engine.store.connection import sqlite_errors
from engine.store.ledger import record_egress
from engine.store.models import Partner, PsiExchange, PsiPrepared
from engine.store.workspace import Workspace, now, resolve_partner

# The domain-separation tag: keys hashed for this protocol never collide with any other use.
TAG = b"overlap/psi/v3/curve25519/account-key"
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
    partner_accounts: int = 0  # the partner's shared accounts stored and linked to ours
    partner_total: int | None = None  # the partner's account count, as they share it
    snapshot_id: int | None = None  # the private snapshot holding them

    @property
    def shared_account_count(self) -> int:
        return len(self.shared_accounts)


# ---------------------------------------------------------------------------- keys


def account_psi_keys(accounts: pd.DataFrame) -> pd.DataFrame:
    """One row per (account id, key): ``d:<domain>`` for each non-generic domain and
    ``n:<name key, words sorted>`` for the name. Both sides compute keys the same way, so
    equal keys meet."""
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
            # Words in sorted order: a registry's word order ("Siro Kevin Freight") meets the
            # CRM's ("Kevin Siro Freight") without a second key per account.
            rows.append((account_id, "n:" + " ".join(sorted(key.split()))))
    return pd.DataFrame(rows, columns=["account_id", "key"]).drop_duplicates(ignore_index=True)


def _our_accounts(ws: Workspace) -> pd.DataFrame:
    snapshot = ws.current_snapshot(None)
    if snapshot is None or snapshot.id is None:
        raise OverlapError("import our own accounts first; private matching compares them")
    return ws.accounts(snapshot.id)


def _key_points(
    ws: Workspace,
    keys: list[str],
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[bytes]:
    """``H(key)`` for each of our keys, in order: the kept points, the missing ones computed
    and kept; points of keys we no longer hold are dropped."""
    with sqlite_errors(ws.path), ws.engine.connect() as connection:
        cursor = connection.connection.cursor()
        kept = dict(cursor.execute("SELECT key, point FROM psikeypoint").fetchall())
    missing = [key for key in keys if key not in kept]
    if missing:
        computed = _curve25519.hash_to_group(
            TAG, [k.encode("utf-8") for k in missing], progress=progress, cancel=cancel
        )
        kept.update(zip(missing, computed, strict=True))
    stale = kept.keys() - set(keys)
    if missing or stale:
        with ws.transaction() as connection:
            cursor = connection.connection.cursor()
            cursor.executemany("DELETE FROM psikeypoint WHERE key = ?", [(k,) for k in stale])
            cursor.executemany(
                "INSERT INTO psikeypoint (key, point) VALUES (?, ?)",
                [(key, kept[key]) for key in missing],
            )
    return [kept[key] for key in keys]


def prepare_keys(
    ws: Workspace,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> int:
    """Work out ahead of an exchange what does not depend on the partner's file: our keys
    hashed to the group (kept per export) and, for the next ``respond``, a fresh secret with
    our keys evaluated under it (used once). Returns how many keys are ready. Done at import
    once private matching is in use, and while the app's walk-through is read."""
    keys, _accounts = _key_accounts(_our_accounts(ws))
    points = _key_points(ws, keys, progress=_part(progress, 0, 0.5), cancel=cancel)
    digest = _keys_digest(keys)
    with ws.session() as session:
        ready = session.exec(select(PsiPrepared).where(PsiPrepared.keys_digest == digest))
        if ready.first() is not None:
            return len(keys)
    secret = _curve25519.random_scalar()
    evaluated = _curve25519.multiply(
        points, secret, progress=_part(progress, 0.5, 1), cancel=cancel
    )
    with ws.session() as session:
        for stale in session.exec(select(PsiPrepared)).all():
            session.delete(stale)
        session.add(
            PsiPrepared(
                secret=secret, keys_digest=digest, evaluated=b"".join(evaluated), created_at=now()
            )
        )
        session.commit()
    return len(keys)


def _keys_digest(keys: list[str]) -> str:
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


def _take_prepared(ws: Workspace, keys: list[str]) -> tuple[bytes, list[bytes]] | None:
    """The secret prepared for our current keys and their points under it, deleted as it is
    taken (one exchange each); None when nothing fits."""
    _erase_secret_pages(ws)
    with ws.session() as session:
        prepared = session.exec(select(PsiPrepared)).all()
        for record in prepared:
            session.delete(record)
        session.commit()
    if prepared:
        _checkpoint(ws)
    fitting = [r for r in prepared if r.keys_digest == _keys_digest(keys)]
    if not fitting:
        return None
    raw, size = fitting[0].evaluated, _curve25519.POINT_BYTES
    return fitting[0].secret, [raw[i : i + size] for i in range(0, len(raw), size)]


def private_matching_in_use(ws: Workspace) -> bool:
    """True once this workspace has made or answered a private-matching exchange."""
    with sqlite_errors(ws.path), ws.engine.connect() as connection:
        return connection.exec_driver_sql("SELECT 1 FROM psiexchange LIMIT 1").first() is not None


# ---------------------------------------------------------------------------- files


def _pack(points: list[bytes]) -> str:
    return base64.b64encode(b"".join(points)).decode("ascii")


def read_points(text: str) -> list[bytes]:
    raw = base64.b64decode(text)
    size = _curve25519.POINT_BYTES
    return [raw[i : i + size] for i in range(0, len(raw), size)]


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


def _by_value(values: list[bytes]) -> list[int]:
    """Positions that put ``values`` in byte order. Blinded values and tags are pseudorandom,
    so their order says nothing about the keys behind them: as good as a shuffle, and fast."""
    return sorted(range(len(values)), key=values.__getitem__)


# ---------------------------------------------------------------------------- the three steps


def _key_accounts(accounts: pd.DataFrame) -> tuple[list[str], list[int]]:
    """Our distinct keys, each with the first account (in file order) it names."""
    pairs = account_psi_keys(accounts).drop_duplicates("key", ignore_index=True)
    return pairs["key"].tolist(), [int(i) for i in pairs["account_id"].to_numpy()]


def psi_request(
    ws: Workspace,
    partner: str,
    out: str | Path,
    *,
    counts_only: bool = False,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PsiStep:
    """Write the first file of an exchange: our keys, hashed, blinded and sorted."""
    record = resolve_partner(ws, partner)
    out = Path(out)
    counts_only = counts_only or share_policy(ws, record).counts_only
    keys, accounts = _key_accounts(_our_accounts(ws))
    if not keys:
        raise OverlapError("our accounts have no names or domains to compare")
    secret = _curve25519.random_blind()
    hashed = _key_points(ws, keys, progress=_part(progress, 0, 0.5), cancel=cancel)
    points = _curve25519.multiply(hashed, secret, progress=_part(progress, 0.5, 1), cancel=cancel)
    order = _by_value(points)  # the file's order hides the keys' order
    keys, accounts = [keys[i] for i in order], [accounts[i] for i in order]
    points = [points[i] for i in order]
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
                keys_json=json.dumps({"keys": keys, "accounts": accounts}),
                our_count=len(keys),
                created_at=now(),
            )
        )
        session.commit()
    record_egress(ws, record, "psi-request", out, fields=["blinded keys"], row_count=len(points))
    return PsiStep(exchange_id, "request", out, len(keys), counts_only=counts_only)


def _part(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    return lambda f, m: progress(start + (end - start) * f, m)


@dataclass
class _Plaintexts:
    """What our side seals, worked out before the points exist: the policy's fields, a fresh
    reference per account and each account's padded plaintext."""

    summary: dict[str, Any]
    fields: list[str]
    refs: dict[int, str]
    size: int = 0
    plains: dict[int, bytes] = field(default_factory=dict)


def _plaintexts(
    ws: Workspace, record: Partner, accounts: pd.DataFrame, account_ids: list[int]
) -> _Plaintexts:
    policy = share_policy(ws, record)
    fields = sealed_fields(policy)
    plain = _Plaintexts(summary(accounts, policy), fields, new_refs(sorted(set(account_ids))))
    if fields:
        payloads = account_payloads(accounts, fields, plain.refs)
        plain.size = private.box_size(list(payloads.values()))
        plain.plains = {a: private.padded(p, plain.size) for a, p in payloads.items()}
    return plain


def _sealed(
    plain: _Plaintexts, exchange_id: str, direction: str, entries: list[tuple[bytes, int]]
) -> dict[str, Any]:
    """The document part for ``entries`` (a key's point, the account it names): their tags
    and, when the policy allows fields, their boxes, in tag order."""
    derived = [private.derive(point, exchange_id, direction) for point, _a in entries]
    tags = [tag for tag, _key in derived]
    order = _by_value(tags)
    part: dict[str, Any] = {"tags": _pack([tags[i] for i in order]), "summary": plain.summary}
    if plain.fields:
        associated = exchange_id.encode("ascii") + direction.encode("ascii")
        boxes = []
        for i in order:
            key, account = derived[i][1], entries[i][1]
            boxes.append(private.seal_padded(key, plain.plains[account], associated))
        part.update({"fields": plain.fields, "box_size": plain.size, "boxes": _pack(boxes)})
    return part


def psi_respond(
    ws: Workspace,
    partner: str,
    request: str | Path,
    out: str | Path,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PsiStep:
    """Answer a partner's request: their keys evaluated under a fresh secret (drawn now, or
    by ``prepare_keys`` for this one exchange), and a tag and a sealed box of allowed fields
    for each of our keys."""
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
    frame = _our_accounts(ws)
    keys, accounts = _key_accounts(frame)
    # Our keys evaluated ahead (``prepare_keys``) under a secret kept for this one exchange;
    # otherwise a fresh secret, and our keys are evaluated here.
    prepared = _take_prepared(ws, keys)
    secret = prepared[0] if prepared else _curve25519.random_scalar()

    def our_side() -> tuple[list[bytes] | None, _Plaintexts]:
        hashed = None if prepared else _key_points(ws, keys, cancel=cancel)
        return hashed, _plaintexts(ws, record, frame, [] if counts_only else accounts)

    # Our side is worked out while the group operations on theirs run (they release the GIL).
    with (
        _curve25519.quick_turns(),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="psi-keys") as pool,
    ):
        ours = pool.submit(our_side)
        evaluated = _curve25519.multiply(
            theirs, secret, progress=_part(progress, 0, 0.45), cancel=cancel
        )
        hashed, plain = ours.result()
    if counts_only:
        evaluated = sorted(evaluated)  # the requester then learns only how many matched
    if prepared:
        points = prepared[1]
    else:
        points = _curve25519.multiply(
            hashed or [], secret, progress=_part(progress, 0.45, 0.9), cancel=cancel
        )
    if counts_only:  # tags only: the requester learns how many keys are shared
        plain.fields = []
    part = _sealed(plain, exchange_id, "response", list(zip(points, accounts, strict=True)))
    refs = plain.refs
    if cancel is not None and cancel():
        raise Cancelled()
    if cancel is not None and cancel():
        raise Cancelled()
    _write(
        out,
        {
            "kind": "response",
            "exchange": exchange_id,
            "counts_only": counts_only,
            "evaluated": _pack(evaluated),
            **part,
        },
    )
    state = {
        "keys": keys,
        "accounts": accounts,
        "refs": [refs.get(a, "") for a in accounts],
        "points": _pack(points),
    }
    with ws.session() as session:
        session.add(
            PsiExchange(
                partner_id=record.id,  # type: ignore[arg-type]
                exchange_id=exchange_id,
                role="responder",
                state="responded",
                counts_only=counts_only,
                secret=None,  # F_b of our keys is kept instead, until the back file arrives
                keys_json=None if counts_only else json.dumps(state),
                our_count=len(keys),
                their_count=len(theirs),
                created_at=now(),
            )
        )
        session.commit()
    record_egress(
        ws,
        record,
        "psi-response",
        out,
        fields=["evaluated keys", "key tags", *[f"sealed {f}" for f in part.get("fields", [])]],
        row_count=len(evaluated) + len(points),
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
    """Finish an exchange from the partner's response (ours) or back file (theirs); the
    partner's shared accounts are stored and linked to ours (see ``engine.sharing.private``)."""
    record = resolve_partner(ws, partner)
    answer = Path(answer)
    where = str(answer)
    document = read_psi_file(answer)
    exchange_id = document.exchange
    if document.kind == "back":
        if back is not None:
            raise OverlapError("a back file ends the exchange; there is nothing to send back")
        return _finish_back(ws, record, document, where)
    if document.kind != "response":
        raise OverlapError("'finish' needs the partner's response or back file", where=where)
    exchange = _exchange(ws, exchange_id, "requester", where)
    if exchange.partner_id != record.id:
        raise OverlapError("this file belongs to an exchange with another partner", where=where)
    if exchange.state == "finished" or exchange.secret is None or exchange.keys_json is None:
        raise OverlapError("this exchange is finished already; start a new one", where=where)
    state = json.loads(exchange.keys_json)
    keys: list[str] = state["keys"]
    accounts: list[int] = state["accounts"]
    if len(document.evaluated) != len(keys):
        raise OverlapError("the response does not answer our request (sizes differ)", where=where)
    # Either side's policy can make the exchange counts-only (the response then says so).
    counts_only = exchange.counts_only or document.counts_only
    unblinded = _curve25519.multiply(
        document.evaluated,
        _curve25519.unblinding(exchange.secret),
        progress=progress,
        cancel=cancel,
    )
    their_tags = {tag: j for j, tag in enumerate(document.tags)}
    derived = [private.derive(point, exchange_id, "response") for point in unblinded]
    matched = [(i, their_tags[tag]) for i, (tag, _key) in enumerate(derived) if tag in their_tags]
    if counts_only or not document.boxes:
        result = PsiResult(exchange_id, True, len(keys), len(document.tags), len(matched))
        if back is not None:
            result.back_path = Path(back)
            _write(
                result.back_path,
                {
                    "kind": "back",
                    "exchange": exchange_id,
                    "counts_only": True,
                    "count": len(matched),
                },
            )
        _close(ws, exchange, result)
        if result.back_path is not None:
            record_egress(
                ws,
                record,
                "psi-back",
                result.back_path,
                fields=["shared key count"],
                row_count=len(matched),
            )
        return result
    associated = exchange_id.encode("ascii") + b"response"
    shared: list[SharedKey] = []
    for i, j in matched:
        theirs = private.open_box(
            derived[i][1],
            document.boxes[j],
            associated,
            document.fields,
            where,
        )
        shared.append(
            SharedKey(keys[i][0], accounts[i], "", theirs["ref"], "", theirs["ref"], theirs)
        )
    plain = _plaintexts(ws, record, _our_accounts(ws), [accounts[i] for i, _j in matched])
    back_part = _sealed(
        plain, exchange_id, "back", [(unblinded[i], accounts[i]) for i, _j in matched]
    )
    back_fields, our_refs = plain.fields, plain.refs
    for key in shared:
        key.our_ref = key.requester_ref = our_refs[key.our_account_id]
    back_path = None
    if back is not None:
        back_path = Path(back)
        if back_fields:
            content = {"kind": "back", "exchange": exchange_id, **back_part}
        else:  # our policy is counts-only now: the partner learns the number only
            content = {
                "kind": "back",
                "exchange": exchange_id,
                "counts_only": True,
                "count": len(matched),
                "summary": back_part["summary"],
            }
        _write(back_path, content)
    result = _stored(ws, record, exchange_id, shared, document, len(keys))
    result.back_path = back_path
    _close(ws, exchange, result)
    if back_path is not None:
        record_egress(
            ws,
            record,
            "psi-back",
            back_path,
            fields=["key tags", *[f"sealed {f}" for f in back_fields]],
            row_count=len(matched),
        )
    return result


def _stored(
    ws: Workspace,
    record: Partner,
    exchange_id: str,
    shared: list[SharedKey],
    document: PsiFile,
    our_count: int,
) -> PsiResult:
    pairs = private.pair(shared)
    snapshot_id = private.store_shared(
        ws, record, exchange_id, pairs, document.fields, document.summary
    )
    ours = _our_accounts(ws)
    kinds = {k.our_account_id: kinds for k, kinds in pairs}
    shared_accounts = ours[ours["id"].isin(kinds)][["id", "name", "domains"]].copy()
    shared_accounts["matched_on"] = [
        " ".join(sorted({"d": "domain", "n": "name"}[k] for k in kinds[i]))
        for i in shared_accounts["id"]
    ]
    return PsiResult(
        exchange_id,
        False,
        our_count,
        len(document.tags),
        len(shared),
        shared_accounts.reset_index(drop=True),
        partner_accounts=len(pairs),
        partner_total=document.summary.get("accounts"),
        snapshot_id=snapshot_id,
    )


def _finish_back(ws: Workspace, record: Partner, document: PsiFile, where: str) -> PsiResult:
    exchange_id = document.exchange
    exchange = _exchange(ws, exchange_id, "responder", where)
    if exchange.partner_id != record.id:
        raise OverlapError("this file belongs to an exchange with another partner", where=where)
    if exchange.state == "finished":
        raise OverlapError("this exchange is finished already", where=where)
    if document.counts_only:
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
        _close(ws, exchange, result)
        return result
    if exchange.counts_only or exchange.keys_json is None:
        raise OverlapError(
            "the back file does not answer this exchange (counts only on one side, not the "
            "other); nothing was changed",
            where=where,
        )
    state = json.loads(exchange.keys_json)
    keys: list[str] = state["keys"]
    accounts: list[int] = state["accounts"]
    refs: list[str] = state["refs"]
    points = read_points(state["points"])
    derived = [private.derive(p, exchange_id, "back") for p in points]
    ours = {tag: k for k, (tag, _key) in enumerate(derived)}
    associated = exchange_id.encode("ascii") + b"back"
    shared: list[SharedKey] = []
    for tag, box in zip(document.tags, document.boxes, strict=True):
        k = ours.get(tag)
        if k is None:
            raise OverlapError(
                "the back file names a key this workspace did not send; nothing was changed",
                where=where,
            )
        theirs = private.open_box(
            derived[k][1],
            box,
            associated,
            document.fields,
            where,
        )
        shared.append(
            SharedKey(
                keys[k][0], accounts[k], refs[k], theirs["ref"], theirs["ref"], refs[k], theirs
            )
        )
    result = _stored(ws, record, exchange_id, shared, document, exchange.our_count)
    result.their_count = exchange.their_count
    _close(ws, exchange, result)
    return result


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
