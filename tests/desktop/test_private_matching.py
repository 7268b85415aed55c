"""Private matching from the Import page: the walk-through's three files with file dialogs,
then the partner's shared accounts on the Overlaps step; a back file naming accounts waits for
the data-sharing agreement."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from engine import (
    Workspace,
    find_overlaps,
    psi_finish,
    psi_request,
    psi_respond,
    record_agreement,
)
from engine.sharing import _curve25519
from tests.desktop.conftest import until, wait_idle
from tests.engine.sharing_helpers import add_snapshot

LEFT = Qt.MouseButton.LeftButton
pytestmark = pytest.mark.skipif(not _curve25519.available(), reason="libsodium is missing")

OURS = [
    {
        "external_id": "0013000001AAA",
        "name": "Initech LLC",
        "domains": "initech.com",
        "stage": "customer",
    },
    {
        "external_id": "0013000001AAB",
        "name": "Umbrella Corporation",
        "domains": "umbrella.com",
        "stage": "prospect",
    },
    {"external_id": "0013000001AAC", "name": "Hooli", "domains": "", "stage": "prospect"},
]
THEIRS = [
    {"external_id": "hs-501", "name": "Initech", "domains": "initech.com", "stage": "prospect"},
    {"external_id": "hs-502", "name": "Hooli Inc.", "domains": "hooli.xyz", "stage": "customer"},
    {
        "external_id": "hs-504",
        "name": "Pied Piper",
        "domains": "piedpiper.com",
        "stage": "customer",
    },
]


def _workspace(path: Path, us: str, partner: str, accounts: list[dict]) -> Path:
    ws = Workspace.create(path, us, [])
    ws.add_partner(partner)
    add_snapshot(ws, None, accounts)
    location = ws.path
    ws.close()
    return location


def _dialog(qtbot: Any, window: Any, path: Path) -> Any:
    window.open_workspace(str(path))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    wait_idle(qtbot, window)
    window.go_to("import")
    wait_idle(qtbot, window)
    page = window.pages["import"]
    qtbot.mouseClick(page.private_button, LEFT)
    dialog = page.private_dialog
    until(qtbot, lambda: dialog.state is not None)
    return dialog


def test_three_files_from_the_walk_through(qtbot, window, dialogs, tmp_path: Path) -> None:
    acme = _workspace(tmp_path / "acme.overlap", "Acme Corp", "Globex", OURS)
    globex = _workspace(tmp_path / "globex.overlap", "Globex", "Acme Corp", THEIRS)
    with Workspace.open(acme) as a:
        record_agreement(
            a, "Globex", signed_on="2026-11-02", scope="account mapping", reference="DPA-17"
        )
    dialog = _dialog(qtbot, window, acme)
    wait_idle(qtbot, window)
    with contextlib.closing(sqlite3.connect(acme)) as con:  # prepared while the steps are read
        assert con.execute("SELECT count(*) FROM psikeypoint").fetchone()[0] >= 3
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert any("exact name and domain matches only" in text for text in labels)
    assert "No exchange yet" in dialog.status_label.text()
    assert not dialog.buttons["finish"].isEnabled()

    dialogs.save_files.append(str(tmp_path / "request.ovpsi"))
    qtbot.mouseClick(dialog.buttons["request"], LEFT)
    until(qtbot, lambda: "Step 1 done" in dialog.result_label.text())
    until(qtbot, lambda: dialog.buttons["finish"].isEnabled())
    assert "Waiting for Globex's response" in dialog.status_label.text()

    with Workspace.open(globex) as b:  # the partner's laptop
        psi_respond(b, "Acme Corp", tmp_path / "request.ovpsi", tmp_path / "response.ovpsi")

    dialogs.open_files.append(str(tmp_path / "response.ovpsi"))
    dialogs.save_files.append(str(tmp_path / "back.ovpsi"))
    qtbot.mouseClick(dialog.buttons["finish"], LEFT)
    until(qtbot, lambda: "Finished: 2 shared accounts (of their 3)" in dialog.result_label.text())
    assert "back.ovpsi" in dialog.result_label.text()
    until(qtbot, lambda: "Last exchange: 2 shared accounts of 3" in dialog.status_label.text())
    assert not dialogs.errors()

    with Workspace.open(globex) as b:
        psi_finish(b, "Acme Corp", tmp_path / "back.ovpsi")
        assert find_overlaps(b, "Acme Corp").counts["shared"] == 2
    window.go_to("overlaps")
    wait_idle(qtbot, window)
    dialog.close()
    window.close()
    with Workspace.open(acme) as a:
        over = find_overlaps(a, "Globex")
        assert over.counts["shared"] == 2 and over.counts["partner_only"] == 1


def test_a_back_file_waits_for_the_agreement(qtbot, window, dialogs, tmp_path: Path) -> None:
    acme = _workspace(tmp_path / "acme.overlap", "Acme Corp", "Globex", OURS)
    globex = _workspace(tmp_path / "globex.overlap", "Globex", "Acme Corp", THEIRS)
    dialog = _dialog(qtbot, window, acme)
    assert "none recorded yet" in dialog.policy_label.text()
    dialogs.save_files.append(str(tmp_path / "request.ovpsi"))
    qtbot.mouseClick(dialog.buttons["request"], LEFT)
    until(qtbot, lambda: dialog.buttons["finish"].isEnabled())
    with Workspace.open(globex) as b:
        psi_respond(b, "Acme Corp", tmp_path / "request.ovpsi", tmp_path / "response.ovpsi")
    dialogs.open_files.append(str(tmp_path / "response.ovpsi"))
    dialogs.save_files.append(str(tmp_path / "back.ovpsi"))
    qtbot.mouseClick(dialog.buttons["finish"], LEFT)
    until(qtbot, lambda: bool(dialogs.errors()))
    assert "data-sharing agreement" in dialogs.errors()[0]
    assert not (tmp_path / "back.ovpsi").exists()
    dialog.close()


def test_the_import_page_says_what_private_matching_brought(
    qtbot, window, dialogs, tmp_path: Path
) -> None:
    acme = _workspace(tmp_path / "acme.overlap", "Acme Corp", "Globex", OURS)
    globex = _workspace(tmp_path / "globex.overlap", "Globex", "Acme Corp", THEIRS)
    with Workspace.open(acme) as a:
        psi_request(a, "Globex", tmp_path / "request.ovpsi")
    with Workspace.open(globex) as b:
        psi_respond(b, "Acme Corp", tmp_path / "request.ovpsi", tmp_path / "response.ovpsi")
    with Workspace.open(acme) as a:
        psi_finish(a, "Globex", tmp_path / "response.ovpsi")
    window.open_workspace(str(acme))
    until(qtbot, lambda: window.workspace is not None and window.partner is not None)
    wait_idle(qtbot, window)
    window.go_to("import")
    wait_idle(qtbot, window)
    page = window.pages["import"]
    until(qtbot, lambda: "Private matching" in page.footer_note.text())
    assert page.footer_note.text() == (
        "Private matching: 2 shared accounts with Globex; their other accounts stay with them."
    )
    assert "Both lists are in" not in page.footer_note.text()
    assert "<b>Globex</b>: 2 shared accounts by private matching" in page.sides_label.text()
    assert not dialogs.errors()
