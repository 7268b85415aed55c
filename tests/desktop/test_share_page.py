"""The Share page: policy boxes, the preview, exports with the ledger, a partner's plan file
with a conflict settled, and private matching, all through the window's operations."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from engine import Workspace, egress_ledger, export_share, psi_respond
from engine.sharing.untrusted import canonical
from tests.desktop.conftest import until, wait_idle
from tests.engine.sharing_helpers import add_plan, add_rules, mapped_workspace

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def acme_path(tmp_path: Path) -> Path:
    ws, partner_id, ours, theirs = mapped_workspace(tmp_path / "acme")
    add_rules(ws, partner_id)
    add_plan(
        ws,
        partner_id,
        ours.iloc[0],
        theirs.iloc[0],
        objective="Expand Initech to the EU",
        steps=[
            {
                "what": "Intro call",
                "owner_party": "us",
                "owner_person": "Ann",
                "due_date": "2026-12-01",
            }
        ],
    )
    add_plan(
        ws, partner_id, ours.iloc[1], theirs.iloc[1], objective="Land Umbrella", lead="partner"
    )
    path = ws.path
    ws.close()
    return path


def _share_page(qtbot: Any, window: Any, path: Path) -> Any:
    window.open_workspace(str(path))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    wait_idle(qtbot, window)
    window.go_to("share")
    wait_idle(qtbot, window)
    page = window.pages["share"]
    until(qtbot, lambda: page.view is not None)
    return page


def test_policy_preview_export_and_ledger(
    qtbot, window, dialogs, acme_path: Path, tmp_path: Path
) -> None:
    page = _share_page(qtbot, window, acme_path)
    assert (
        page.field_boxes["account_name"].isChecked()
        and not page.field_boxes["annual_revenue"].isChecked()
    )
    assert page.preview_model.rowCount() == 2
    assert "2 plans, 1 next steps" in page.preview_label.text()
    headers = [
        page.preview_model.headerData(i, Qt.Orientation.Horizontal)
        for i in range(page.preview_model.columnCount())
    ]
    assert "Account" in headers and "Annual revenue" not in headers

    # Ticking revenue adds the column to the preview.
    with qtbot.waitSignal(page.policy_changed, timeout=20_000):
        page.field_boxes["annual_revenue"].setChecked(True)
    wait_idle(qtbot, window)
    headers = [
        page.preview_model.headerData(i, Qt.Orientation.Horizontal)
        for i in range(page.preview_model.columnCount())
    ]
    assert "Annual revenue" in headers

    # Counts only: the matrix, no names, and the small-cell warning.
    with qtbot.waitSignal(page.policy_changed, timeout=20_000):
        page.counts_only_box.setChecked(True)
    wait_idle(qtbot, window)
    assert "No names" in page.preview_label.text()
    assert "small enough to point at one account" in page.warning_label.text()
    assert not page.field_boxes["account_name"].isEnabled()
    with qtbot.waitSignal(page.policy_changed, timeout=20_000):
        page.counts_only_box.setChecked(False)
    wait_idle(qtbot, window)

    # No file naming accounts leaves before the data-sharing agreement is on record.
    assert "No data-sharing agreement recorded yet" in page.agreement_label.text()
    dialogs.save_files.append(str(tmp_path / "early.xlsx"))
    qtbot.mouseClick(page.xlsx_button, LEFT)
    until(qtbot, lambda: len(dialogs.errors()) == 1)
    assert "data-sharing agreement" in dialogs.errors()[0]
    assert not (tmp_path / "early.xlsx").exists()
    dialogs.calls.clear()
    page.agreement_date.setText("2026-11-30")
    page.agreement_reference.setText("DSA-114")
    page.agreement_scope.setText("Shared accounts and joint plans")
    qtbot.mouseClick(page.agreement_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: "DSA-114" in page.agreement_label.text())

    # Export Excel and an encrypted plan file; both land in the ledger table.
    dialogs.save_files.append(str(tmp_path / "plans.xlsx"))
    with qtbot.waitSignal(page.file_exported, timeout=20_000):
        qtbot.mouseClick(page.xlsx_button, LEFT)
    page.encrypt_box.setChecked(True)
    dialogs.save_files.append(str(tmp_path / "plans"))
    dialogs.secrets.append("correct horse battery")
    with qtbot.waitSignal(page.file_exported, timeout=20_000):
        qtbot.mouseClick(page.plan_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.ledger_model.rowCount() == 2)
    assert (tmp_path / "plans.xlsx").is_file() and (tmp_path / "plans.overlap-plan").is_file()
    kinds = {page.ledger_model.record(r)["kind"] for r in range(2)}
    assert kinds == {"xlsx", "plan"}
    assert "DSA-114" in page.ledger_model.record(0)["agreement"]
    assert not dialogs.errors()
    window.close()
    with Workspace.open(acme_path) as a:
        covered = set(egress_ledger(a, "Globex")["agreement"])
    assert covered == {"agreement: signed 2026-11-30; DSA-114; Shared accounts and joint plans"}


def test_an_unplaced_plan_is_listed_and_attached_from_the_page(
    qtbot, window, dialogs, tmp_path: Path
) -> None:
    # Globex's plan for an account Acme's export no longer holds (Umbrella's CRM id is gone).
    b, partner_id, ours, theirs = mapped_workspace(
        tmp_path / "globex", "Globex", "Acme Corp", mirror=True
    )
    add_plan(
        b,
        partner_id,
        ours.iloc[1],
        theirs.iloc[1],
        objective="Land Umbrella together",
        steps=[{"what": "Security review", "owner_party": "us", "due_date": "2099-01-10"}],
    )
    export_share(b, "Acme Corp", tmp_path / "b.overlap-plan")
    b.close()
    a, _pid, _o, _t = mapped_workspace(tmp_path / "acme")
    with a.transaction() as connection:
        connection.exec_driver_sql("DELETE FROM match")
    a_path = a.path
    a.close()
    # As if Acme's export had changed the account's CRM id, domain and name since Globex's copy.
    document = json.loads((tmp_path / "b.overlap-plan").read_text(encoding="utf-8"))
    (item,) = document["content"]["plans"]
    item.update(
        recipient_crm_id="A-20",
        your_key="id:A-20",
        domain="umbrella.example",
        account_name="Umbrella Pharma",
        label="Umbrella Pharma",
    )
    document["content_sha256"] = hashlib.sha256(canonical(document["content"])).hexdigest()
    (tmp_path / "moved.overlap-plan").write_text(json.dumps(document), encoding="utf-8")
    page = _share_page(qtbot, window, a_path)
    dialogs.open_files.append(str(tmp_path / "moved.overlap-plan"))
    with qtbot.waitSignal(page.plans_imported, timeout=20_000):
        qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    assert "Unplaced: Umbrella Pharma" in page.import_label.text(), dialogs.errors()
    until(qtbot, lambda: page.unplaced_model.rowCount() == 1)
    assert page.unplaced_model.record(0)["reason"] == (
        "our CRM id of the account is not in our current export"
    )
    page.attach_account.setText("A-2")
    with qtbot.waitSignal(page.plans_imported, timeout=20_000):
        qtbot.mouseClick(page.attach_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.unplaced_model.rowCount() == 0)
    assert "Attached to our account A-2 (a new plan)" in page.import_label.text()
    assert not dialogs.errors()
    window.close()
    with Workspace.open(a_path) as a:
        plan = a.read_frame("SELECT * FROM plan").iloc[0]
        steps = a.read_frame("SELECT what, owner_party FROM planstep")
    assert (plan["account_name"], plan["objective"]) == ("Umbrella Corp", "Land Umbrella together")
    assert steps.values.tolist() == [["Security review", "partner"]]


def test_import_plan_file_and_settle_the_conflict(
    qtbot, window, dialogs, acme_path: Path, tmp_path: Path
) -> None:
    # The partner imports our plans, changes the objective, and sends them back.
    with Workspace.open(acme_path) as a:
        export_share(a, "Globex", tmp_path / "a.overlap-plan")
    b, _pid, _o, _t = mapped_workspace(tmp_path / "globex", "Globex", "Acme Corp", mirror=True)
    try:
        from engine import import_plan_file

        import_plan_file(b, "Acme Corp", tmp_path / "a.overlap-plan")
        with b.transaction() as connection:
            connection.exec_driver_sql(
                "UPDATE plan SET objective = 'Expand Initech to the EU and the UK' "
                "WHERE account_name = 'Initech Inc'"
            )
        export_share(
            b, "Acme Corp", tmp_path / "b.overlap-plan", passphrase="correct horse battery"
        )
    finally:
        b.close()
    with Workspace.open(acme_path) as a, a.transaction() as connection:
        connection.exec_driver_sql(
            "UPDATE plan SET objective = 'Expand Initech to Germany' WHERE account_name = 'Initech'"
        )

    page = _share_page(qtbot, window, acme_path)
    dialogs.open_files.append(str(tmp_path / "b.overlap-plan"))
    dialogs.secrets.append("correct horse battery")
    with qtbot.waitSignal(page.plans_imported, timeout=20_000):
        qtbot.mouseClick(page.import_button, LEFT)
    wait_idle(qtbot, window)
    assert "1 conflict(s)" in page.import_label.text(), dialogs.errors()
    until(qtbot, lambda: page.conflicts_model.rowCount() == 1)
    record = page.conflicts_model.record(0)
    assert (record["field"], record["theirs"]) == (
        "objective",
        "Expand Initech to the EU and the UK",
    )
    assert page.take_button.isEnabled()
    qtbot.mouseClick(page.take_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: page.conflicts_model.rowCount() == 0)
    wait_idle(qtbot, window)
    window.close()
    with Workspace.open(acme_path) as a:
        objective = a.read_frame("SELECT objective FROM plan WHERE account_name = 'Initech'")[
            "objective"
        ][0]
    assert objective == "Expand Initech to the EU and the UK"


def test_private_matching_from_the_page(
    qtbot, window, dialogs, acme_path: Path, tmp_path: Path
) -> None:
    from engine.sharing import _curve25519

    if not _curve25519.available():
        pytest.skip("libsodium is missing")
    page = _share_page(qtbot, window, acme_path)
    dialogs.save_files.append(str(tmp_path / "req.ovpsi"))
    qtbot.mouseClick(page.psi_request_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: "Request saved" in page.psi_label.text())
    b, _pid, _o, _t = mapped_workspace(tmp_path / "globex", "Globex", "Acme Corp", mirror=True)
    try:
        psi_respond(b, "Acme Corp", tmp_path / "req.ovpsi", tmp_path / "resp.ovpsi")
    finally:
        b.close()
    dialogs.open_files.append(str(tmp_path / "resp.ovpsi"))
    dialogs.save_files.append(str(tmp_path / "back.ovpsi"))
    qtbot.mouseClick(page.psi_finish_button, LEFT)
    wait_idle(qtbot, window)
    until(qtbot, lambda: "finished" in page.psi_label.text())
    # Initech, Umbrella and Hooli share domains and names; Vandelay and Pied Piper do not.
    names = sorted(page.shared_model.record(r)["name"] for r in range(page.shared_model.rowCount()))
    assert names == ["Hooli", "Initech", "Umbrella Corp"]
    assert (tmp_path / "back.ovpsi").is_file()
    until(qtbot, lambda: page.ledger_model.rowCount() == 2)
    assert not dialogs.errors()
