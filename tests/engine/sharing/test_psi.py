"""Private set intersection over files: correctness against the plain intersection, what the
files reveal (nothing but blinded group elements), secrets erased, damaged files refused."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from engine import (
    OverlapError,
    Workspace,
    egress_ledger,
    psi_exchanges,
    psi_finish,
    psi_request,
    psi_respond,
)
from engine.keys.names import name_keys
from engine.sharing import _curve25519
from engine.sharing.psi import account_psi_keys
from tests.engine.sharing_helpers import add_snapshot

pytestmark = pytest.mark.skipif(not _curve25519.available(), reason="libsodium is missing")


def _workspace(path: Path, us: str, partner: str, accounts: list[dict]) -> Workspace:
    ws = Workspace.create(path, us, [])
    ws.add_partner(partner)
    add_snapshot(ws, None, accounts)
    return ws


def _accounts(prefix: str, numbers: range) -> list[dict]:
    return [{"name": f"{prefix} Company {n}", "domains": f"company{n}.com"} for n in numbers]


OURS = [
    {"name": "Initech LLC", "domains": "initech.com"},
    {"name": "Umbrella Corporation", "domains": "umbrella.com www.umbrella-corp.com"},
    {"name": "Hooli", "domains": ""},
    {"name": "Vandelay Industries", "domains": "vandelay.com"},
    {"name": "Gmail user", "domains": "gmail.com"},
]
THEIRS = [
    {"name": "Initech", "domains": "initech.com"},
    {"name": "Hooli Inc.", "domains": "hooli.xyz"},
    {"name": "Pied Piper", "domains": "piedpiper.com"},
    {"name": "Another Gmail user", "domains": "gmail.com"},
]


@pytest.fixture
def pair(tmp_path: Path):
    a = _workspace(tmp_path / "a", "Acme Corp", "Globex", OURS)
    b = _workspace(tmp_path / "b", "Globex", "Acme Corp", THEIRS)
    yield a, b, tmp_path
    a.close()
    b.close()


def test_three_steps_find_the_overlap_on_both_sides(pair) -> None:
    a, b, tmp = pair
    request = psi_request(a, "Globex", tmp / "req.ovpsi")
    assert request.our_count == len(set(account_psi_keys(a.accounts(1))["key"]))
    respond = psi_respond(b, "Acme Corp", tmp / "req.ovpsi", tmp / "resp.ovpsi")
    assert respond.their_count == request.our_count
    with sqlite3.connect(a.path) as con:
        (secret,) = con.execute("SELECT secret FROM psiexchange").fetchone()
    assert len(secret) == 32
    result = psi_finish(a, "Globex", tmp / "resp.ovpsi", back=tmp / "back.ovpsi")
    # initech.com + name "initech", name "hooli"; gmail.com is generic and never a key
    assert result.shared_keys == 3
    assert sorted(result.shared_accounts["name"]) == ["Hooli", "Initech LLC"]
    assert result.their_count == respond.our_count
    theirs = psi_finish(b, "Acme Corp", tmp / "back.ovpsi")
    assert sorted(theirs.shared_accounts["name"]) == ["Hooli Inc.", "Initech"]
    assert theirs.shared_keys == 3

    # Secrets and key orders are gone once finished, on both sides, and not left in the WAL.
    for ws in (a, b):
        exchanges = psi_exchanges(ws)
        assert list(exchanges["state"]) == ["finished"] and not exchanges["holds_secret"].any()
        with sqlite3.connect(ws.path) as con:
            assert con.execute("SELECT secret, keys_json FROM psiexchange").fetchall() == [
                (None, None)
            ]
    for file in (a.path, Path(str(a.path) + "-wal")):
        assert not file.exists() or secret not in file.read_bytes()

    kinds = list(egress_ledger(a)["kind"]) + list(egress_ledger(b)["kind"])
    assert sorted(kinds) == ["psi-back", "psi-request", "psi-response"]
    with pytest.raises(OverlapError, match="finished already"):
        psi_finish(a, "Globex", tmp / "resp.ovpsi")


def test_counts_only_reveals_only_the_number(pair) -> None:
    a, b, tmp = pair
    psi_request(a, "Globex", tmp / "req.ovpsi", counts_only=True)
    psi_respond(b, "Acme Corp", tmp / "req.ovpsi", tmp / "resp.ovpsi")
    result = psi_finish(a, "Globex", tmp / "resp.ovpsi", back=tmp / "back.ovpsi")
    assert result.counts_only and result.shared_keys == 3 and result.shared_accounts.empty
    back = json.loads((tmp / "back.ovpsi").read_text())
    assert back["count"] == 3 and "positions" not in back
    theirs = psi_finish(b, "Acme Corp", tmp / "back.ovpsi")
    assert theirs.shared_keys == 3 and theirs.shared_accounts.empty


def test_damaged_or_foreign_files_are_refused(pair) -> None:
    a, b, tmp = pair
    psi_request(a, "Globex", tmp / "req.ovpsi")
    document = json.loads((tmp / "req.ovpsi").read_text())
    raw = bytearray(base64.b64decode(document["values"]))
    raw[32:64] = b"\xff" * 32  # not a canonical value: at or above the field size p
    document["values"] = base64.b64encode(bytes(raw)).decode()
    (tmp / "bad.ovpsi").write_text(json.dumps(document))
    with pytest.raises(OverlapError, match="not a valid group element"):
        psi_respond(b, "Acme Corp", tmp / "bad.ovpsi", tmp / "resp.ovpsi")
    assert not (tmp / "resp.ovpsi").exists()
    (tmp / "trunc.ovpsi").write_text((tmp / "req.ovpsi").read_text()[:200])
    with pytest.raises(OverlapError):
        psi_respond(b, "Acme Corp", tmp / "trunc.ovpsi", tmp / "resp.ovpsi")
    with pytest.raises(OverlapError, match="did not start"):
        # B never sent a request, so a response-shaped file cannot be finished there
        psi_respond(b, "Acme Corp", tmp / "req.ovpsi", tmp / "resp.ovpsi")
        psi_finish(b, "Acme Corp", tmp / "resp.ovpsi")
    with pytest.raises(OverlapError, match="not a request"):
        psi_respond(a, "Globex", tmp / "resp.ovpsi", tmp / "x.ovpsi")


@pytest.mark.slow
def test_against_the_plain_intersection_10k(tmp_path: Path) -> None:
    # 10k accounts a side, 2.5k shared; every account gives a domain key and a name key.
    a = _workspace(tmp_path / "a", "Acme Corp", "Globex", _accounts("Alpha", range(0, 10_000)))
    b = _workspace(tmp_path / "b", "Globex", "Acme Corp", _accounts("Alpha", range(7_500, 17_500)))
    try:
        psi_request(a, "Globex", tmp_path / "req.ovpsi")
        psi_respond(b, "Acme Corp", tmp_path / "req.ovpsi", tmp_path / "resp.ovpsi")
        result = psi_finish(a, "Globex", tmp_path / "resp.ovpsi", back=tmp_path / "back.ovpsi")
        keys_a = set(account_psi_keys(a.accounts(1))["key"])
        keys_b = set(account_psi_keys(b.accounts(1))["key"])
        assert len(keys_a) == len(keys_b) == 20_000
        plain = keys_a & keys_b
        assert result.shared_keys == len(plain) == 5_000
        names = a.accounts(1)["name"]
        plain_accounts = {
            n
            for n, k in zip(names, name_keys(names), strict=True)
            if "n:" + " ".join(sorted(k.split())) in plain
        }
        assert set(result.shared_accounts["name"]) == plain_accounts
        assert len(plain_accounts) == 2_500
        theirs = psi_finish(b, "Acme Corp", tmp_path / "back.ovpsi")
        assert (
            set(theirs.shared_accounts["name"]) == plain_accounts
        )  # same names on both sides here
    finally:
        a.close()
        b.close()


def _windows(data: bytes, size: int) -> set[bytes]:
    return {data[i : i + size] for i in range(0, len(data) - size + 1)}


@pytest.mark.slow
def test_files_leak_no_name_domain_or_unkeyed_hash(pair) -> None:
    a, b, tmp = pair
    psi_request(a, "Globex", tmp / "req.ovpsi")
    psi_respond(b, "Acme Corp", tmp / "req.ovpsi", tmp / "resp.ovpsi")
    psi_finish(a, "Globex", tmp / "resp.ovpsi", back=tmp / "back.ovpsi")
    files = [tmp / "req.ovpsi", tmp / "resp.ovpsi", tmp / "back.ovpsi"]
    text = "".join(f.read_text(encoding="utf-8") for f in files)
    blob = b"".join(
        base64.b64decode(value)
        for f in files
        for k, value in json.loads(f.read_text()).items()
        if k in ("values", "evaluated", "tags", "boxes")
    )
    lowered = text.lower()

    # 1. No name, name key, domain or key text, in any case.
    plain = set()
    for accounts in (OURS, THEIRS):
        for account in accounts:
            plain.add(account["name"].lower())
            plain.update(d.lower() for d in account["domains"].split())
    plain.update(name_keys([x["name"] for x in OURS + THEIRS]).str.lower())
    assert not [p for p in plain if p in lowered]

    # 2. A dictionary of 100k domains (the real ones among them), hashed the obvious ways,
    #    finds nothing in the files: neither as hex in the text nor as raw bytes anywhere.
    domains = [f"company{i}.com" for i in range(100_000 - 20)]
    domains += [d for x in OURS + THEIRS for d in x["domains"].split()] + list(plain)
    hexes: set[str] = set()
    raws: dict[int, set[bytes]] = {}
    real = {d for x in OURS + THEIRS for d in x["domains"].split()} | plain
    for domain in domains:
        variants = {domain, "www." + domain}
        if domain in real:  # and the protocol's own key spellings for the real ones
            variants |= {domain.removeprefix("www."), "d:" + domain, "n:" + domain}
        for variant in variants:
            data = variant.encode()
            for algorithm in ("md5", "sha1", "sha256", "sha512"):
                digest = hashlib.new(algorithm, data).digest()
                hexes.add(digest.hex())
                raws.setdefault(len(digest), set()).add(digest)
    hex_windows = {size: _windows(lowered.encode(), size) for size in (32, 40, 64, 128)}
    assert not any(h.encode() in hex_windows[len(h)] for h in hexes)
    for size, digests in raws.items():
        assert not digests & _windows(blob, size)
    # and the raw digests are not hidden in the base64 text either
    b64 = {base64.b64encode(d).decode().rstrip("=")[:20] for ds in raws.values() for d in ds}
    assert not [s for s in b64 if s in text]


def test_cancel_writes_nothing(pair) -> None:
    from engine import Cancelled

    a, b, tmp = pair
    with pytest.raises(Cancelled):
        psi_request(a, "Globex", tmp / "req.ovpsi", cancel=lambda: True)
    assert not (tmp / "req.ovpsi").exists() and psi_exchanges(a).empty and egress_ledger(a).empty
    psi_request(a, "Globex", tmp / "req.ovpsi")
    with pytest.raises(Cancelled):
        psi_respond(b, "Acme Corp", tmp / "req.ovpsi", tmp / "resp.ovpsi", cancel=lambda: True)
    assert not (tmp / "resp.ovpsi").exists() and psi_exchanges(b).empty


def test_forget_erases_an_unfinished_exchange(pair) -> None:
    from engine.cli import main

    a, _b, tmp = pair
    step = psi_request(a, "Globex", tmp / "req.ovpsi")
    assert psi_exchanges(a)["holds_secret"].iloc[0]
    path = a.path
    a.close()
    assert main(["psi", "forget", str(path), step.exchange_id]) == 0
    with Workspace.open(path) as ws:
        exchanges = psi_exchanges(ws)
        assert list(exchanges["state"]) == ["finished"] and not exchanges["holds_secret"].any()


def test_a_counts_only_policy_answers_with_counts_only_whatever_the_request_asks(pair) -> None:
    from engine import set_share_policy

    a, b, tmp = pair
    set_share_policy(b, "Acme Corp", counts_only=True)
    psi_request(a, "Globex", tmp / "req.ovpsi")  # asks for the accounts
    psi_respond(b, "Acme Corp", tmp / "req.ovpsi", tmp / "resp.ovpsi")
    assert json.loads((tmp / "resp.ovpsi").read_text())["counts_only"] is True
    result = psi_finish(a, "Globex", tmp / "resp.ovpsi", back=tmp / "back.ovpsi")
    assert result.counts_only and result.shared_keys == 3 and result.shared_accounts.empty
    assert "positions" not in json.loads((tmp / "back.ovpsi").read_text())


def test_a_counts_only_policy_on_the_requesting_side_asks_for_counts_only(pair) -> None:
    from engine import set_share_policy

    a, b, tmp = pair
    set_share_policy(a, "Globex", counts_only=True)
    psi_request(a, "Globex", tmp / "req.ovpsi")
    assert json.loads((tmp / "req.ovpsi").read_text())["counts_only"] is True
    psi_respond(b, "Acme Corp", tmp / "req.ovpsi", tmp / "resp.ovpsi")
    assert psi_finish(a, "Globex", tmp / "resp.ovpsi").shared_accounts.empty
