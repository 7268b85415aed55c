"""The demo workspace: built through the public steps, in place atomically, printable headless."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine import (
    Cancelled,
    Workspace,
    build_demo,
    compare_partners,
    cross_partner,
    list_leads,
    list_matches,
    registration_conflicts,
    registrations,
    sync_agenda,
    sync_schedule,
    territories,
    territory_summary,
)


def test_build_demo_imports_matches_assigns_and_tracks(tmp_path: Path) -> None:
    seen: list[float] = []
    path = build_demo(tmp_path / "demo.overlap", progress=lambda f, _m: seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with Workspace.open(path) as ws:
        assert ws.company().name == "Acme Corp"
        assert [p.name for p in ws.partners()] == ["Globex", "Northwind"]
        links = list_matches(ws, "Globex")
        assert (links["status"].isin(["auto", "accepted", "manual"])).sum() > 250
        leads = list_leads(ws, "Globex")
        assert leads["lead"].isin(["us", "partner"]).all()
        assert int(ws.read_frame("SELECT count(*) AS n FROM opportunity")["n"][0]) > 0
        # Deal registrations of both sides, one conflict to settle, one pending decision.
        assert len(registrations(ws, "Globex")) == 8
        assert len(registration_conflicts(ws, "Globex")) == 1
        assert set(registrations(ws, "Globex")["status"]) == {
            "approved", "submitted", "rejected", "expired", "won",
        }  # fmt: skip
        # Every page has something to show: territories, sync meetings, a second partner.
        assert [t.name for t in territories(ws, "Globex")] == ["North America", "EMEA"]
        summary = territory_summary(ws, "Globex").set_index("territory")
        assert (summary.loc[["North America", "EMEA"], "shared"] > 0).all()
        assert sync_schedule(ws, "Globex").rhythm == "bi-weekly"  # type: ignore[union-attr]
        assert sync_schedule(ws, "Northwind").rhythm == "monthly"  # type: ignore[union-attr]
        assert sync_agenda(ws, "Globex").section("registrations").items
        view = cross_partner(ws, reasons=False)
        assert view.counts["several"] > 0 and view.counts["contested"] > 0
        assert list_leads(ws, "Northwind")["lead"].isin(["us", "partner"]).all()
        compared = compare_partners(ws)
        assert compared.table["partner"].tolist() == ["Globex", "Northwind"]
        assert compared.table["co_sold_deals"].min() > 0
    # An existing file is left as it is.
    assert build_demo(path) == path


def test_cancelled_build_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(Cancelled):
        build_demo(tmp_path / "demo.overlap", cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_overlap_demo_print(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "engine", "demo", "--print"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "ours only" in out and "shared" in out and "partner only" in out
    lines = out.splitlines()
    assert lines[3] == "Shared accounts (our stage x Globex's stage)"
    assert lines[4].split()[:3] == ["our", "stage", "theirs"]
    assert lines[6].split()[:2] == ["ours", "prospect"]
    assert max(map(len, lines)) <= 100


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt needs a display on Linux only")
def test_opening_the_app_without_a_screen_says_so(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Qt would abort the process; the command explains and exits like any user error."""
    from engine.cli import main

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: there is no screen") and "overlap demo --print" in error
