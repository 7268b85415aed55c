"""Private mapping between two laptops: each side imports only its own export, three files
leave both workspaces with the shared accounts and the fields the other side allows, and every
later step works; nothing about a partner-only account is in either workspace or any file."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from bench.bench_private_mapping import partner_only_strings, run, workspace_text
from engine import (
    OverlapError,
    Workspace,
    find_overlaps,
    list_plans,
    psi_finish,
    psi_request,
    psi_respond,
    set_share_policy,
)
from engine.keys.names import name_keys
from engine.sharing import _curve25519
from tests.engine.sharing_helpers import add_snapshot

pytestmark = pytest.mark.skipif(not _curve25519.available(), reason="libsodium is missing")

OURS = [
    {
        "external_id": "0013000001AAA",
        "name": "Initech LLC",
        "domains": "initech.com",
        "stage": "customer",
        "owner": "Peter Gibbons",
    },
    {
        "external_id": "0013000001AAB",
        "name": "Umbrella Corporation",
        "domains": "umbrella.com",
        "stage": "prospect",
        "owner": "Alice Abernathy",
    },
    {
        "external_id": "0013000001AAC",
        "name": "Hooli",
        "domains": "",
        "stage": "prospect",
        "owner": "Gavin Belson",
    },
    {
        "external_id": "0013000001AAD",
        "name": "Siro Kevin Freight",
        "domains": "",
        "stage": "churned",
        "owner": "Kim Wexler",
    },
]
THEIRS = [
    {
        "external_id": "hs-501",
        "name": "Initech",
        "domains": "initech.com",
        "stage": "prospect",
        "owner": "Bill Lumbergh",
    },
    {
        "external_id": "hs-502",
        "name": "Hooli Inc.",
        "domains": "hooli.xyz",
        "stage": "customer",
        "owner": "Richard Hendricks",
    },
    {
        "external_id": "hs-503",
        "name": "KEVIN SIRO FREIGHT CO",
        "domains": "sirofreight.com",
        "stage": "customer",
        "owner": "Howard Hamlin",
    },
    {
        "external_id": "hs-504",
        "name": "Pied Piper",
        "domains": "piedpiper.com",
        "stage": "customer",
        "owner": "Jared Dunn",
    },
    {
        "external_id": "hs-505",
        "name": "Vandelay Industries",
        "domains": "vandelayind.com",
        "stage": "prospect",
        "owner": "Art Vandelay",
    },
]
PARTNER_ONLY = [
    "Pied Piper",
    "piedpiper.com",
    "Vandelay Industries",
    "vandelayind.com",
    "Jared Dunn",
    "Art Vandelay",
    "hs-504",
    "hs-505",
]


def _pair(tmp: Path) -> tuple[Workspace, Workspace]:
    a = Workspace.create(tmp / "a.overlap", "Acme Corp", [])
    a.add_partner("Globex")
    add_snapshot(a, None, OURS)
    b = Workspace.create(tmp / "b.overlap", "Globex", [])
    b.add_partner("Acme Corp")
    add_snapshot(b, None, THEIRS)
    return a, b


def _exchange(a: Workspace, b: Workspace, tmp: Path, tag: str = "x") -> list[Path]:
    files = [tmp / f"{tag}-{n}.ovpsi" for n in ("request", "response", "back")]
    psi_request(a, "Globex", files[0])
    psi_respond(b, "Acme Corp", files[0], files[1])
    psi_finish(a, "Globex", files[1], back=files[2])
    psi_finish(b, "Acme Corp", files[2])
    return files


def _digests(texts: list[str]) -> set[bytes]:
    out = set()
    for text in texts:
        for variant in {text, text.lower(), "d:" + text.lower(), "n:" + text.lower()}:
            for algorithm in ("md5", "sha1", "sha256", "sha512", "blake2b"):
                out.add(hashlib.new(algorithm, variant.encode()).digest())
    return out


def _contains_digest(blob: bytes, digests: set[bytes]) -> bool:
    """Whether any digest is in ``blob`` as raw bytes, hex or base64."""
    prefixes = {d[:8] for d in digests}
    view = memoryview(blob)
    if any(bytes(view[i : i + 8]) in prefixes for i in range(len(blob) - 7)):
        return True
    lowered = blob.lower()
    if any(d.hex().encode() in lowered for d in digests):
        return True
    return any(base64.b64encode(d)[:16] in blob for d in digests)


def test_both_sides_get_the_shared_accounts_with_the_fields_the_other_allows(tmp_path) -> None:
    a, b = _pair(tmp_path)
    try:
        set_share_policy(b, "Acme Corp", fields=["account_name", "domain", "stage"])
        files = _exchange(a, b, tmp_path)
        over_a, over_b = find_overlaps(a, "Globex"), find_overlaps(b, "Acme Corp")
        # Initech (domain and name), Hooli (name), Kevin Siro Freight (name, words reordered)
        assert over_a.counts["shared"] == over_b.counts["shared"] == 3
        shared_a = over_a.mapping[over_a.mapping["status"] == "shared"].set_index("our_name")
        assert shared_a.loc["Initech LLC", "partner_external_id"] == "hs-501"
        assert shared_a.loc["Hooli", "partner_stage"] == "customer"  # B shares its stage
        shared_b = over_b.mapping[over_b.mapping["status"] == "shared"].set_index("our_name")
        assert shared_b.loc["Initech", "partner_external_id"] == "0013000001AAA"
        assert shared_b.loc["Initech", "partner_stage"] == "other"  # A's policy keeps stage
        # What can be known of the partner-only accounts: B's count and counts by stage.
        assert over_a.counts["partner_only"] == 2
        assert over_a.private is not None
        assert over_a.private["partner_by_stage"] == {
            "prospect": 2,
            "customer": 3,
            "churned": 0,
            "other": 0,
        }
        assert "exact name and domain matches only" in over_a.private["note"]
        assert over_b.private is not None and over_b.private["partner_by_stage"] is None
        assert over_b.counts["partner_only"] == 1  # Umbrella
        a.close()
        b.close()
        # In bytes: no partner-only name, domain, id or owner, nor their hashes; no owner of a
        # shared account either (neither policy shares owners).
        blobs = [workspace_text(tmp_path / "a.overlap")] + [f.read_bytes() for f in files]
        text = b"\n".join(blobs).lower()
        secret = [*PARTNER_ONLY, "Bill Lumbergh", "Richard Hendricks", "Howard Hamlin"]
        assert [s for s in secret if s.lower().encode() in text] == []
        assert b"hooli inc." in text  # the check finds what is there: B allows names
        keys = list(name_keys(["Pied Piper", "Vandelay Industries"]))
        assert not _contains_digest(b"\n".join(blobs), _digests([*PARTNER_ONLY, *keys]))
        ours_only = ["Umbrella Corporation", "umbrella.com", "Alice Abernathy", "0013000001AAB"]
        b_text = b"\n".join([workspace_text(tmp_path / "b.overlap")]).lower()
        assert [s for s in ours_only if s.lower().encode() in b_text] == []
    finally:
        a.close()
        b.close()


def test_a_changed_box_is_refused_and_nothing_is_stored(tmp_path) -> None:
    a, b = _pair(tmp_path)
    try:
        psi_request(a, "Globex", tmp_path / "r.ovpsi")
        psi_respond(b, "Acme Corp", tmp_path / "r.ovpsi", tmp_path / "s.ovpsi")
        document = json.loads((tmp_path / "s.ovpsi").read_text())
        boxes = bytearray(base64.b64decode(document["boxes"]))
        for i in range(0, len(boxes), document["box_size"]):
            boxes[i] ^= 1
        document["boxes"] = base64.b64encode(bytes(boxes)).decode()
        (tmp_path / "bad.ovpsi").write_text(json.dumps(document))
        with pytest.raises(OverlapError, match="changed on the way"):
            psi_finish(a, "Globex", tmp_path / "bad.ovpsi")
        assert a.current_snapshot(a.partner("Globex").id) is None
        assert a.read_frame("SELECT * FROM match").empty
        # The true response still finishes the exchange.
        assert psi_finish(a, "Globex", tmp_path / "s.ovpsi").partner_accounts == 3
    finally:
        a.close()
        b.close()


def test_a_refresh_keeps_rejections_and_plans(tmp_path) -> None:
    from engine import create_plan, decide

    a, b = _pair(tmp_path)
    try:
        _exchange(a, b, tmp_path, "one")
        mapping = find_overlaps(a, "Globex").mapping
        shared = mapping[mapping["status"] == "shared"].set_index("our_name")
        create_plan(
            a,
            "Globex",
            shared.loc["Initech LLC", "our_key"],
            shared.loc["Initech LLC", "partner_key"],
        )
        decide(a, "Globex", int(shared.loc["Hooli", "match_id"]), "reject")
        # B's new export: a new account, the rest unchanged; the exchange runs again.
        add_snapshot(
            b,
            None,
            [
                *THEIRS,
                {
                    "external_id": "hs-506",
                    "name": "Umbrella Corp",
                    "domains": "umbrella.com",
                    "stage": "prospect",
                },
            ],
        )
        _exchange(a, b, tmp_path, "two")
        over = find_overlaps(a, "Globex")
        names = set(over.mapping.loc[over.mapping["status"] == "shared", "our_name"])
        assert names == {"Initech LLC", "Siro Kevin Freight", "Umbrella Corporation"}
        plans = list_plans(a, "Globex")
        assert len(plans) == 1
        assert (plans["partner_key"].iloc[0], plans["our_key"].iloc[0]) in set(
            zip(over.mapping["partner_key"], over.mapping["our_key"], strict=True)
        )
        assert find_overlaps(b, "Acme Corp").counts["shared"] == 4  # B has no rejection
    finally:
        a.close()
        b.close()


@pytest.mark.slow
def test_the_two_laptop_flow_on_generated_lists(tmp_path) -> None:
    flow = run(tmp_path, 1_000, seed=5)
    assert flow.shared["A"] == flow.shared["B"] > 200
    assert flow.shared["A after refresh"] == flow.shared["B after refresh"]
    assert flow.found_share is not None and flow.found_share >= 0.9
    assert flow.plans["sent"] == flow.plans["A before refresh"] == 30
    assert flow.plans["placed by B"] >= 30
    assert flow.plans["items added back at A"] == 1
    assert flow.plans["A still on a shared account"] >= 28  # B's refreshed list lost 2%
    names, domains = partner_only_strings(tmp_path)
    assert len(names) > 300 and len(domains) > 200
    for workspace in flow.workspaces:
        blob = b"\n".join([workspace_text(workspace)] + [f.read_bytes() for f in flow.files])
        text = blob.lower()
        if workspace.name.startswith("acme"):
            assert [s for s in names + domains if s.lower().encode() in text] == []
            assert not _contains_digest(blob, _digests(domains[:300]))


def test_matching_leaves_privately_matched_accounts_alone(tmp_path) -> None:
    from engine import match_partner

    a, b = _pair(tmp_path)
    try:
        _exchange(a, b, tmp_path)
        before = a.read_frame("SELECT * FROM match")
        with pytest.raises(OverlapError, match="run private matching again"):
            match_partner(a, "Globex")
        assert a.read_frame("SELECT * FROM match").equals(before)
    finally:
        a.close()
        b.close()


def test_a_box_carries_each_field_cleaned_and_nothing_for_an_account_without_a_row() -> None:
    import pandas as pd

    from engine.sharing.private import account_payloads

    accounts = pd.DataFrame(
        {
            "id": [7, 8, 9],
            "name": ["Acme GmbH", None, "N" * 200],
            "stage": ["customer", "Closed Won", None],
            "deal_size": [1200, None, "n/a"],
        }
    )
    payloads = account_payloads(
        accounts, ["ref", "name", "stage", "deal_size"], {7: "r7", 8: "r8", 9: "r9", 11: "r11"}
    )
    opened = {a: json.loads(p) for a, p in payloads.items()}
    assert opened == {
        7: ["r7", "Acme GmbH", "customer", 1200.0],
        8: ["r8", None, "other", None],
        9: ["r9", "N" * 120, None, None],
        11: ["r11", None, None, None],
    }
    assert b"NaN" not in payloads[9]
