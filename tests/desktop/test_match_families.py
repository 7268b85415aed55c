"""Step 2 in the window: a domain family's suggestions (an asset manager's funds that list its
website) accepted at once from the review queue, kept through a new matching, undone."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt

from tests.desktop.conftest import wait_idle
from tests.desktop.steps import LEFT, add_partner, import_file, new_workspace, run_matching

FUNDS = (
    "Harbor Capital Municipal Income Trust",
    "Harbor Capital Bond Fund",
    "Harbor Capital Growth Fund",
)
OTHERS = (
    ("Zoetis Inc.", "zoetis.com", "United States"),
    ("Siemens AG", "siemens.com", "Germany"),
    ("Shopify Inc.", "shopify.com", "Canada"),
)


def write_ours(path: Path) -> Path:
    """A Salesforce export: the asset manager once, beside other companies."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Account ID", "Account Name", "Website", "Billing Country"])
        writer.writerow(["001A00001", "Harbor Capital Advisors", "www.harborcap.com", "USA"])
        for number, (name, site, country) in enumerate(OTHERS, start=2):
            writer.writerow([f"001A{number:05d}", name, f"https://{site}/", country])
    return path


def write_partner(path: Path) -> Path:
    """A HubSpot export: the manager and each of its funds, all on the manager's website."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Record ID", "Company name", "Company Domain Name", "Country/Region"])
        writer.writerow(["7001", "Harbor Capital Advisors, Inc.", "harborcap.com", "United States"])
        for number, fund in enumerate(FUNDS, start=2):
            writer.writerow([f"700{number}", fund, "harborcap.com", "United States"])
        for number, (name, site, country) in enumerate(OTHERS, start=6):
            writer.writerow([f"700{number}", name.split()[0], site, country])
    return path


def statuses(page) -> dict[str, str]:
    frame = page.view.matches
    return dict(zip(frame["partner_name"], frame["status"], strict=True))


def test_accept_a_domain_family_from_the_review_queue(qtbot, window, dialogs, tmp_path) -> None:
    new_workspace(qtbot, window, tmp_path)
    add_partner(qtbot, window)
    import_file(qtbot, window, dialogs, write_ours(tmp_path / "ours.csv"), "us")
    import_file(qtbot, window, dialogs, write_partner(tmp_path / "theirs.csv"), "Globex")
    page = run_matching(qtbot, window)
    page.reload()
    wait_idle(qtbot, window)
    # The namesake links at once; each fund waits, labelled as a family member.
    assert statuses(page)["Harbor Capital Advisors, Inc."] == "auto"
    assert {statuses(page)[fund] for fund in FUNDS} == {"review"}
    assert len(page.view.review) == len(FUNDS)
    page.tabs.setCurrentIndex(0)
    assert "subsidiary, fund or division" in page.explanation.text()
    assert page.family_button.isEnabled()

    qtbot.mouseClick(page.family_button, LEFT)
    wait_idle(qtbot, window)
    assert {statuses(page)[fund] for fund in FUNDS} == {"accepted"}
    assert not page.family_button.isEnabled()  # nothing of the family is left to review

    # Undo puts the whole family back in review, in the window and in the workspace.
    window.undo_action.trigger()
    wait_idle(qtbot, window)
    assert {statuses(page)[fund] for fund in FUNDS} == {"review"}
    page.reload()
    wait_idle(qtbot, window)
    assert {statuses(page)[fund] for fund in FUNDS} == {"review"}

    # The F key does the same from the queue list.
    page.tabs.setCurrentIndex(0)
    page.review_table.setFocus()
    qtbot.keyClick(page.review_table, Qt.Key.Key_F)
    wait_idle(qtbot, window)
    assert {statuses(page)[fund] for fund in FUNDS} == {"accepted"}

    # Stored, and kept when the accounts are matched again.
    page = run_matching(qtbot, window)
    page.reload()
    wait_idle(qtbot, window)
    assert {statuses(page)[fund] for fund in FUNDS} == {"accepted"}
    assert statuses(page)["Zoetis"] == "auto"
    assert not dialogs.errors()
