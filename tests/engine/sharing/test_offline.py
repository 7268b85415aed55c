"""Offline: import, match, plan export and private matching run with every socket refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import (
    Workspace,
    egress_ledger,
    export_share,
    import_file,
    import_plan_file,
    match_partner,
    psi_finish,
    psi_request,
    psi_respond,
)
from engine.paths import resource
from engine.sharing import _curve25519

ACME = resource("demo", "acme_salesforce.csv")
GLOBEX = resource("demo", "globex_hubspot.csv")


@pytest.mark.skipif(not _curve25519.available(), reason="libsodium is missing")
def test_import_match_export_and_psi_without_network(no_network, tmp_path: Path) -> None:
    plans_module = pytest.importorskip("engine.plans")
    with (
        Workspace.create(tmp_path / "acme", "Acme Corp", ["acme.com"]) as acme,
        Workspace.create(tmp_path / "globex", "Globex", ["globex.com"]) as globex,
    ):
        acme.add_partner("Globex")
        globex.add_partner("Acme Corp")
        import_file(acme, "us", ACME)
        import_file(acme, "Globex", GLOBEX)
        import_file(globex, "us", GLOBEX)
        import_file(globex, "Acme Corp", ACME)
        match_partner(acme, "Globex")
        match_partner(globex, "Acme Corp")
        created = plans_module.create_plans_for_shortlist(acme, "Globex", 20)
        assert len(created) == 20

        for name in ("plans.xlsx", "plans.pdf", "plans.overlap-plan"):
            export_share(acme, "Globex", tmp_path / name)
        merged = import_plan_file(globex, "Acme Corp", tmp_path / "plans.overlap-plan")
        assert merged.matched >= 18  # the partner's own matching finds (nearly) the same accounts

        psi_request(acme, "Globex", tmp_path / "req.ovpsi")
        psi_respond(globex, "Acme Corp", tmp_path / "req.ovpsi", tmp_path / "resp.ovpsi")
        result = psi_finish(acme, "Globex", tmp_path / "resp.ovpsi", back=tmp_path / "back.ovpsi")
        theirs = psi_finish(globex, "Acme Corp", tmp_path / "back.ovpsi")
        assert result.shared_keys == theirs.shared_keys > 0
        # exact keys catch most of what matching found (fuzzy matches are matching's own)
        assert result.shared_account_count >= 0.5 * _shared_by_matching(acme)
        assert len(egress_ledger(acme)) == 5 and len(egress_ledger(globex)) == 1
    assert not no_network


def _shared_by_matching(ws: Workspace) -> int:
    return int(
        ws.read_frame(
            "SELECT COUNT(*) AS n FROM match WHERE status IN ('auto','accepted','manual')"
        )["n"][0]
    )
