"""Shared intelligence and joint outreach: account insights, why together and joint-meeting
steps on a plan, and their trip through plan files under the share policy."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine import export_share, import_plan_file, plan_conflicts, resolve_conflict
from engine.errors import OverlapError
from engine.program.outreach import (
    add_joint_meeting,
    plan_insight,
    set_plan_insight,
    set_step_joint,
    set_why_together,
)
from engine.sharing.policy import DEFAULT_FIELDS, set_share_policy
from engine.store.workspace import Workspace
from tests.engine.sharing_helpers import add_plan, mapped_workspace

TODAY = date.today()


@pytest.fixture
def acme(tmp_path: Path) -> Any:
    ws, partner_id, ours, theirs = mapped_workspace(tmp_path / "acme")
    plan_id = add_plan(ws, partner_id, ours.iloc[0], theirs.iloc[0], objective="Expand Initech")
    yield ws, plan_id
    ws.close()


def _steps(ws: Workspace, plan_id: int) -> list[dict[str, Any]]:
    frame = ws.read_frame(
        "SELECT what, owner_party, due_date, joint FROM planstep WHERE plan_id = :p ORDER BY id",
        {"p": plan_id},
    )
    return frame.to_dict("records")


def test_insights_why_together_and_a_joint_meeting(acme: Any) -> None:
    ws, plan_id = acme
    assert plan_insight(ws, plan_id).empty
    meeting = TODAY + timedelta(days=20)
    set_plan_insight(ws, plan_id, needs="One ledger for 40 sites", stakeholders="Dana Fox, CFO",
                     next_event="Retail Summit", next_event_date=meeting)  # fmt: skip
    set_plan_insight(ws, plan_id, competitors="Axolotl Systems")  # the rest stays
    insight = plan_insight(ws, plan_id)
    assert insight.to_dict() == {
        "needs": "One ledger for 40 sites", "stakeholders": "Dana Fox, CFO",
        "competitors": "Axolotl Systems", "next_event": "Retail Summit",
        "next_event_date": meeting.isoformat(),
    }  # fmt: skip
    assert set_why_together(ws, plan_id, " Their ERP, our analytics ").why_together == (
        "Their ERP, our analytics"
    )
    steps = add_joint_meeting(ws, plan_id, meeting, today=TODAY)
    assert [s.joint for s in steps] == [True, True, True]
    assert [(s["what"][:22], s["owner_party"], s["due_date"]) for s in _steps(ws, plan_id)] == [
        ("Agree why together and", "us", (meeting - timedelta(days=7)).isoformat()),
        ("Joint meeting with Ini", "us", meeting.isoformat()),
        ("Debrief together and a", "partner", (meeting + timedelta(days=2)).isoformat()),
    ]  # the plan's lead (us) prepares and holds it; the partner leads the debrief
    assert not set_step_joint(ws, int(steps[2].id), False).joint  # type: ignore[arg-type]
    # A meeting in three days: its preparation is due today, not in the past.
    soon = add_joint_meeting(ws, plan_id, TODAY + timedelta(days=3), today=TODAY)
    assert soon[0].due_date == TODAY.isoformat()

    with pytest.raises(OverlapError, match="in the past"):
        add_joint_meeting(ws, plan_id, TODAY - timedelta(days=1), today=TODAY)
    with pytest.raises(OverlapError, match="is not a date"):
        set_plan_insight(ws, plan_id, next_event_date="after Easter")
    with pytest.raises(OverlapError, match="at most 20,000"):
        set_why_together(ws, plan_id, "x" * 20_001)
    with pytest.raises(OverlapError, match=r"not .*'budget'"):
        set_plan_insight(ws, plan_id, budget="1M")
    with pytest.raises(OverlapError, match="no plan with id 999"):
        plan_insight(ws, 999)


def test_they_travel_in_plan_files_as_the_policy_allows(acme: Any, tmp_path: Path) -> None:
    a, plan_id = acme
    set_plan_insight(a, plan_id, needs="One ledger for 40 sites", next_event="Retail Summit",
                     next_event_date=TODAY + timedelta(days=20))  # fmt: skip
    set_why_together(a, plan_id, "Their ERP, our analytics: one rollout")
    add_joint_meeting(a, plan_id, TODAY + timedelta(days=20))

    # The default policy keeps the insights home; why together and joint steps leave.
    minimal = tmp_path / "minimal.overlap-plan"
    export_share(a, "Globex", minimal)
    b, *_ = mapped_workspace(tmp_path / "globex", "Globex", "Acme Corp", mirror=True)
    try:
        import_plan_file(b, "Acme Corp", minimal)
        b_plan = int(b.read_frame("SELECT id FROM plan").iloc[0, 0])
        assert plan_insight(b, b_plan).empty
        assert b.read_frame("SELECT why_together FROM plan").iloc[0, 0] == (
            "Their ERP, our analytics: one rollout"
        )
        joint = [(s["owner_party"], bool(s["joint"])) for s in _steps(b, b_plan)]
        assert joint == [("partner", True), ("partner", True), ("us", True)]  # B's side

        set_share_policy(a, "Globex", fields=[*DEFAULT_FIELDS, "insights"])
        shared = tmp_path / "insights.overlap-plan"
        export_share(a, "Globex", shared)
        import_plan_file(b, "Acme Corp", shared)
        assert plan_insight(b, b_plan).needs == "One ledger for 40 sites"
        # B learns more; A, meanwhile, writes the same field otherwise: one conflict.
        set_plan_insight(b, b_plan, needs="One ledger for 40 sites, live before July",
                         competitors="Axolotl Systems")  # fmt: skip
        set_share_policy(b, "Acme Corp", fields=[*DEFAULT_FIELDS, "insights"])
        back = tmp_path / "back.overlap-plan"
        export_share(b, "Acme Corp", back)
    finally:
        b.close()
    set_plan_insight(a, plan_id, needs="One ledger for all 40 sites")
    merged = import_plan_file(a, "Globex", back)
    assert [(c["item"], c["field"]) for c in merged.conflicts] == [("insight", "needs")]
    assert plan_insight(a, plan_id).competitors == "Axolotl Systems"  # only B wrote it: taken
    conflict = plan_conflicts(a, "Globex")
    resolve_conflict(a, int(conflict["id"].iloc[0]), "theirs")
    assert plan_insight(a, plan_id).needs == "One ledger for 40 sites, live before July"


def test_from_the_command_line(acme: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main as cli

    ws, plan_id = acme
    path, plan = str(ws.path), str(plan_id)
    ws.close()
    meeting = (TODAY + timedelta(days=30)).isoformat()
    assert cli(["plan", "insight", path, plan, "--needs", "One ledger",
                "--next-event", "Retail Summit", "--next-event-date", meeting]) == 0  # fmt: skip
    assert "needs: One ledger" in capsys.readouterr().out
    assert cli(["plan", "why", path, plan, "Their ERP, our analytics"]) == 0
    assert cli(["plan", "joint-meeting", path, plan, "--on", meeting]) == 0
    assert capsys.readouterr().out.count("joint step") == 3
    assert cli(["plan", "add-step", path, plan, "--what", "Send the joint deck",
                "--owner", "partner", "--joint"]) == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("joint step")
    assert cli(["plan", "show", path, plan]) == 0
    out = capsys.readouterr().out
    assert "Why together: Their ERP, our analytics" in out
    assert f"next event date: {meeting}" in out
    assert cli(["plan", "insight", path, plan, "--next-event-date", "soon"]) == 2
    assert "is not a date" in capsys.readouterr().err
