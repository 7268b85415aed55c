"""The group private matching works in: X25519 on Curve25519's prime-order subgroup, with
clamped scalars chosen so that blinding and unblinding are exact, and our keys' points kept in
the workspace so that an exchange only multiplies."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from engine import OverlapError, Workspace, import_file, psi_request, psi_respond
from engine.sharing import _curve25519, psi
from engine.sharing.psi import account_psi_keys, prepare_keys, private_matching_in_use

pytestmark = pytest.mark.skipif(not _curve25519.available(), reason="libsodium is missing")

KEYS = [f"n:company {n}".encode() for n in range(300)]


def _clamped(scalar: bytes) -> bool:
    value = int.from_bytes(scalar, "little")
    return value % 8 == 0 and 2**254 <= value < 2**255


def test_blinding_then_unblinding_gives_the_keyed_value_of_every_key() -> None:
    blind, key = _curve25519.random_blind(), _curve25519.random_scalar()
    unblind = _curve25519.unblinding(blind)
    assert all(_clamped(s) for s in (blind, key, unblind))  # X25519 multiplies by them as given
    hashed = _curve25519.hash_to_group(b"test", KEYS)
    blinded = _curve25519.multiply(hashed, blind)
    evaluated = _curve25519.multiply(blinded, key)
    assert _curve25519.multiply(evaluated, unblind) == _curve25519.multiply(hashed, key)
    # pseudorandom and distinct: nothing of the key shows through the blinding
    assert len(set(blinded)) == len(KEYS) and not set(blinded) & set(hashed)


def test_hashing_depends_on_the_tag_and_the_key_only() -> None:
    first = _curve25519.hash_to_group(b"test", KEYS[:5])
    assert _curve25519.hash_to_group(b"test", KEYS[:5]) == first
    assert not set(_curve25519.hash_to_group(b"other", KEYS[:5])) & set(first)


@pytest.mark.parametrize(
    "value",
    [
        bytes(32),  # the point of order one
        (1).to_bytes(32, "little"),  # u = 1 has order four on the curve: the result is zero
        (2**255 - 19).to_bytes(32, "little"),  # the field's size: not a canonical value
        b"\xff" * 32,  # above it, and the top bit set
        b"\x05" * 31,  # cut short
    ],
)
def test_a_value_outside_the_group_is_refused_as_damage(value: bytes) -> None:
    with pytest.raises(OverlapError, match="not a valid group element"):
        _curve25519.multiply([value], _curve25519.random_scalar())


def test_a_blinding_scalar_without_a_clamped_inverse_is_refused() -> None:
    # 2**254 + 8 has no clamped inverse for at least one of these; unblinding says so plainly
    refused = 0
    for m in range(1, 40):
        try:
            _curve25519.unblinding((2**254 + 8 * m).to_bytes(32, "little"))
        except OverlapError as error:
            assert "start a new exchange" in str(error)
            refused += 1
    assert 0 < refused < 39


CSV = "Account ID,Account Name,Website\n" + "".join(
    f"A-{n},Company {n} Ltd,company{n}.com\n" for n in range(40)
)


def _workspace(folder: Path, rows: str, us: str = "Acme Corp", partner: str = "Globex"):
    folder.mkdir(exist_ok=True)
    export = folder / "export.csv"
    export.write_text(rows, encoding="utf-8")
    ws = Workspace.create(folder / "ws.overlap", us, [])
    ws.add_partner(partner)
    import_file(ws, "us", export)
    return ws


def _two_laptops(tmp_path: Path) -> tuple[Workspace, Workspace]:
    """Acme's 40 companies and Globex's, 20 of them the same (Company 20 to 39)."""
    theirs = "Account ID,Account Name,Website\n" + "".join(
        f"G-{n},Company {n},company{n}.com\n" for n in range(20, 60)
    )
    return _workspace(tmp_path / "a", CSV), _workspace(
        tmp_path / "b", theirs, "Globex", "Acme Corp"
    )


def _kept(ws: Workspace) -> dict[str, bytes]:
    with sqlite3.connect(ws.path) as con:
        return dict(con.execute("SELECT key, point FROM psikeypoint").fetchall())


def test_prepared_points_are_kept_reused_and_follow_a_new_export(tmp_path, monkeypatch) -> None:
    ws = _workspace(tmp_path, CSV)
    try:
        assert not private_matching_in_use(ws)
        keys = set(account_psi_keys(ws.accounts(ws.current_snapshot(None).id))["key"])
        assert prepare_keys(ws) == len(keys) == 80  # a name and a domain each
        kept = _kept(ws)
        assert set(kept) == keys
        assert list(kept.values()) == _curve25519.hash_to_group(psi.TAG, [k.encode() for k in kept])

        # A request with every point kept hashes nothing.
        def no_hashing(*_args, **_kwargs):
            raise AssertionError("a kept point was hashed again")

        monkeypatch.setattr(_curve25519, "hash_to_group", no_hashing)
        psi_request(ws, "Globex", tmp_path / "request.ovpsi")
        assert private_matching_in_use(ws)
        monkeypatch.undo()

        # A new export: its new keys are hashed, the points of keys gone are dropped.
        export = tmp_path / "refreshed.csv"
        export.write_text(CSV.replace("company3.com", "company3-new.com"), encoding="utf-8")
        import_file(ws, "us", export)
        hashed: list[int] = []
        original = _curve25519.hash_to_group

        def counting(tag, keys, **kwargs):
            hashed.append(len(keys))
            return original(tag, keys, **kwargs)

        monkeypatch.setattr(_curve25519, "hash_to_group", counting)
        assert prepare_keys(ws) == 80
        assert hashed == [1]
        assert "d:company3-new.com" in _kept(ws) and "d:company3.com" not in _kept(ws)
    finally:
        ws.close()


def test_a_response_from_prepared_points_matches_one_computed_afresh(tmp_path) -> None:
    a, b = _two_laptops(tmp_path)
    try:
        prepare_keys(b)
        request = tmp_path / "request.ovpsi"
        psi_request(a, "Globex", request)
        psi_respond(b, "Acme Corp", request, tmp_path / "response.ovpsi")
        result = psi.psi_finish(a, "Globex", tmp_path / "response.ovpsi")
        assert result.shared_account_count == 20  # Company 20 to 39, by name and by domain
    finally:
        a.close()
        b.close()


def test_an_exchange_file_of_the_earlier_group_is_refused_by_version(tmp_path) -> None:
    old = tmp_path / "old.ovpsi"
    old.write_text(
        '{"format":"overlap-psi","version":2,"group":"ristretto255","kind":"request",'
        f'"exchange":"{os.urandom(16).hex()}","values":""}}',
        encoding="utf-8",
    )
    with pytest.raises(OverlapError, match="different Overlap version"):
        psi.read_psi_file(old)


def test_the_command_line_prepares_keys_and_import_does_once_matching_is_in_use(
    tmp_path, capsys
) -> None:
    from engine.cli import main

    ws = _workspace(tmp_path / "a", CSV)
    ws.close()
    path = str(tmp_path / "a" / "ws.overlap")
    assert main(["psi", "prepare", path]) == 0
    assert "80 keys prepared for private matching" in capsys.readouterr().out
    export = tmp_path / "refreshed.csv"
    export.write_text(CSV + "A-99,Company 99 Ltd,company99.com\n", encoding="utf-8")
    assert main(["import", path, str(export), "--side", "us"]) == 0
    assert "private matching" not in capsys.readouterr().out  # not in use yet: no work
    request = ["psi", "request", path, "--partner", "Globex", "--out", str(tmp_path / "r")]
    assert main(request) == 0
    export.write_text(CSV + "A-98,Company 98 Ltd,company98.com\n", encoding="utf-8")
    assert main(["import", path, str(export), "--side", "us"]) == 0
    assert "private matching: 82 keys prepared" in capsys.readouterr().out


def test_a_prepared_secret_answers_one_request_and_is_gone(tmp_path, monkeypatch) -> None:
    a, b = _two_laptops(tmp_path)
    try:
        prepare_keys(b)
        with sqlite3.connect(b.path) as con:
            (secret,) = con.execute("SELECT secret FROM psiprepared").fetchone()
        assert len(secret) == 32

        def no_new_secret() -> bytes:
            raise AssertionError("a prepared secret was there to use")

        monkeypatch.setattr(_curve25519, "random_scalar", no_new_secret)
        psi_request(a, "Globex", tmp_path / "request.ovpsi")
        psi_respond(b, "Acme Corp", tmp_path / "request.ovpsi", tmp_path / "response.ovpsi")
        monkeypatch.undo()
        with sqlite3.connect(b.path) as con:  # taken: it serves this one exchange
            assert con.execute("SELECT count(*) FROM psiprepared").fetchone() == (0,)
        result = psi.psi_finish(a, "Globex", tmp_path / "response.ovpsi")
        assert result.shared_account_count == 20

        # The next request is answered under a fresh secret, drawn then.
        psi_request(a, "Globex", tmp_path / "second.ovpsi")
        drawn: list[bytes] = []
        original = _curve25519.random_scalar
        monkeypatch.setattr(
            _curve25519, "random_scalar", lambda: drawn.append(original()) or drawn[-1]
        )
        psi_respond(b, "Acme Corp", tmp_path / "second.ovpsi", tmp_path / "second-back.ovpsi")
        assert len(drawn) == 1 and drawn[0] != secret
        assert (
            psi.psi_finish(a, "Globex", tmp_path / "second-back.ovpsi").shared_account_count == 20
        )
    finally:
        a.close()
        b.close()


def test_a_prepared_secret_goes_stale_with_a_new_export(tmp_path) -> None:
    a = _workspace(tmp_path / "a", CSV)
    b = _workspace(tmp_path / "b", CSV.replace("A-", "G-"), "Globex", "Acme Corp")
    try:
        prepare_keys(b)
        export = tmp_path / "b" / "refreshed.csv"
        export.write_text(CSV.replace("A-", "G-").replace("Company 7 ", "Kompany 7 "), "utf-8")
        import_file(b, "us", export)
        psi_request(a, "Globex", tmp_path / "request.ovpsi")
        psi_respond(b, "Acme Corp", tmp_path / "request.ovpsi", tmp_path / "response.ovpsi")
        with sqlite3.connect(b.path) as con:  # the stale one is erased, not used
            assert con.execute("SELECT count(*) FROM psiprepared").fetchone() == (0,)
        # 40 accounts; "Company 7 Ltd" is renamed but keeps its website
        assert psi.psi_finish(a, "Globex", tmp_path / "response.ovpsi").shared_account_count == 40
    finally:
        a.close()
        b.close()
