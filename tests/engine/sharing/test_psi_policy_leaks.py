"""The private-matching answer obeys the answering side's share policy: for each field a policy
can keep home, the partner's value of it reaches neither the requester's workspace nor any of
the three files once it is unticked, and does once it is ticked.

Each side imports only its own accounts. Globex's account carries values chosen to be found; the
requester (Acme) holds its own account under another name with only the shared domain.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import psi_finish, psi_request, psi_respond, record_agreement, set_share_policy
from engine.sharing.policy import SHARE_FIELDS
from engine.store.workspace import Workspace
from tests.engine.sharing_helpers import add_snapshot

# Globex's values of each field, as they would read if they reached Acme.
SENTINELS: dict[str, list[str]] = {
    "account_name": ["Bsideco", "G-SENT-77"],
    "domain": ["zanzi-bside.example"],
    # Stage words are keys of every file's counts by stage: Globex's CRM wording is searched,
    # and the stage itself below.
    "stage": ["Lapsed-Wombat"],
    "lead_rationale": ["2019-04-01"],
    "industry": ["Xylography"],
    "country": ["Ruritania", "Strelsau"],
    "deal_size": ["987654", "2031-03-17"],
    "annual_revenue": ["123456789"],
    "owner": ["ottoline@globex.example"],
}


def _side(path: Path, us: str, partner: str, account: dict) -> Workspace:  # type: ignore[type-arg]
    ws = Workspace.create(path, us, [])
    ws.add_partner(partner)
    add_snapshot(ws, None, [account])
    record_agreement(ws, partner, none=True)
    return ws


def _exchange(tmp_path: Path, allowed: list[str]) -> tuple[str, set[str]]:
    """The three files between Acme and Globex under Globex's ``allowed`` fields; everything
    Acme's workspace then holds of Globex's accounts and the files' bytes, as text, and the
    stages Acme holds for Globex's accounts."""
    acme = _side(
        tmp_path / "acme.overlap",
        "Acme Corp",
        "Globex",
        {"external_id": "A-7", "name": "Zanzibarco", "domains": "zanzibarco.example",
         "stage": "prospect"},
    )  # fmt: skip
    globex = _side(
        tmp_path / "globex.overlap",
        "Globex",
        "Acme Corp",
        {
            "external_id": "G-SENT-77",
            "name": "Zanzibarco Bsideco",
            "domains": "zanzibarco.example zanzi-bside.example",
            "stage": "churned",
            "stage_raw": "Lapsed-Wombat",
            "industry": "Xylography",
            "country": "Ruritania",
            "city": "Strelsau",
            "owner": "ottoline@globex.example",
            "annual_revenue": 123456789.0,
            "deal_size": 987654.0,
            "deal_close_date": "2031-03-17",
            "first_touch": "2019-04-01",
        },
    )
    try:
        set_share_policy(globex, "Acme Corp", fields=allowed)
        set_share_policy(acme, "Globex", fields=list(SHARE_FIELDS))
        request, response, back = (tmp_path / n for n in ("r.ovpsi", "s.ovpsi", "b.ovpsi"))
        psi_request(acme, "Globex", request)
        psi_respond(globex, "Acme Corp", request, response)
        psi_finish(acme, "Globex", response, back=back)
        partner = acme.partner("Globex")
        texts, stages = [], set()
        for snapshot in acme.snapshots(partner.id):
            assert snapshot.id is not None
            frame = acme.accounts(snapshot.id)
            texts += [str(v) for v in frame.astype(object).to_numpy().ravel() if v is not None]
            stages |= {str(v) for v in frame["stage"].dropna()}
        shared = acme.read_frame("SELECT count(*) AS n FROM match")["n"].iloc[0]
        assert shared == 1  # the exchange found the account
        files = [p.read_bytes().decode("latin-1") for p in (request, response, back)]
        return "\n".join(texts + files), stages
    finally:
        acme.close()
        globex.close()


@pytest.mark.parametrize("field", list(SENTINELS))
def test_an_unticked_field_never_reaches_the_requester(tmp_path: Path, field: str) -> None:
    everything_else = [f for f in SHARE_FIELDS if f != field]
    found, stages = _exchange(tmp_path, everything_else)
    leaked = [value for value in SENTINELS[field] if value in found]
    assert not leaked, f"the private-matching answer carries {field}: {leaked}"
    assert ("churned" in stages) is (field != "stage")


@pytest.mark.parametrize("field", list(SENTINELS))
def test_a_ticked_field_reaches_the_requester(tmp_path: Path, field: str) -> None:
    """The search above can fail: with the field ticked, its value arrives."""
    found, stages = _exchange(tmp_path, list(SHARE_FIELDS))
    if field == "stage":  # the stage arrives in Overlap's words, not the CRM's
        assert stages == {"churned"}
    else:
        assert any(value in found for value in SENTINELS[field]), field
