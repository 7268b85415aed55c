"""Step 4: each rule criterion, order and switches, versions, rationale, overrides, disputes."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.errors import OverlapError
from engine.overrides import (
    clear_override,
    disputes,
    note_dispute,
    open_dispute,
    restore_override,
    set_override,
)
from engine.ownership import assign, list_leads, rules, rules_history, set_rules
from tests.engine.conftest import Mapped


def _leads(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    return {r.name: (r.lead, r.criterion) for r in frame.itertuples()}


def _rationale(frame: pd.DataFrame, name: str) -> str:
    return str(frame.loc[frame["name"] == name, "rationale"].iloc[0])


def test_default_rules_and_rationale(mapped: Mapped) -> None:
    result = assign(mapped.ws, "Globex")
    assert _leads(result) == {
        "Initech": ("partner", "relationship"),  # their customer, our prospect
        "Umbrella": ("us", "relationship"),  # our customer, their prospect
        "Hooli": ("partner", "relationship"),  # both prospects, only they have a deal
        "Soylent": ("partner", "relationship"),  # customer beats churned
        "Vandelay": ("us", "relationship"),  # both deals; only we name an owner
        "Stark": ("us", "tie_breaker"),  # nothing decides
    }
    assert _rationale(result, "Initech") == (
        "Partner leads: Initech is their customer and our prospect (rule 1, stronger relationship)"
    )
    assert _rationale(result, "Umbrella") == (
        "We lead: Umbrella is our customer and their prospect (rule 1, stronger relationship)"
    )
    assert _rationale(result, "Hooli") == (
        "Partner leads: Hooli is a prospect of both; they have an open deal and we do not "
        "(rule 1, stronger relationship)"
    )
    assert _rationale(result, "Soylent") == (
        "Partner leads: Soylent is their customer and our churned customer "
        "(rule 1, stronger relationship)"
    )
    assert _rationale(result, "Vandelay") == (
        "We lead: Vandelay is a prospect of both; our record names an owner and theirs does not "
        "(rule 1, stronger relationship)"
    )
    assert _rationale(result, "Stark") == (
        "We lead: no earlier rule decides for Stark, so the tie-breaker gives it to us "
        "(rule 5, tie-breaker)"
    )
    assert set(result["rules_version"]) == {1}
    assert rules(mapped.ws, "Globex").version == 1
    # Read back from the workspace, the same.
    stored = list_leads(mapped.ws, "Globex")
    assert _leads(stored) == _leads(result)
    assert list(stored.columns[:8]) == [
        "our_id", "partner_id", "name", "lead", "criterion", "rationale", "rules_version",
        "overridden",
    ]  # fmt: skip


def test_first_touch_first(mapped: Mapped) -> None:
    new = set_rules(
        mapped.ws, "Globex", order=["first_touch", "relationship", "deal_stage", "product_fit"]
    )
    assert new.version == 1 and new.active()[0] == "first_touch"
    result = assign(mapped.ws, "Globex")
    leads = _leads(result)
    assert leads["Initech"] == ("partner", "first_touch")  # 2023-01-01 before 2024-03-01
    assert leads["Vandelay"] == ("partner", "first_touch")
    assert leads["Umbrella"] == ("us", "relationship")  # only we recorded a first touch
    assert _rationale(result, "Initech") == (
        "Partner leads: the partner first touched Initech on 2023-01-01, we on 2024-03-01 "
        "(rule 1, introduced first)"
    )


def test_switched_off_and_deal_stage(mapped: Mapped) -> None:
    set_rules(mapped.ws, "Globex", enabled={"relationship": False, "first_touch": False})
    result = assign(mapped.ws, "Globex")
    leads = _leads(result)
    assert leads["Vandelay"] == ("us", "deal_stage")  # 2026-03-01 closes before 2026-05-01
    assert leads["Umbrella"] == ("partner", "deal_stage")  # their open deal, none of ours
    assert leads["Hooli"] == ("partner", "deal_stage")
    assert _rationale(result, "Vandelay") == (
        "We lead: our deal for Vandelay closes on 2026-03-01, theirs on 2026-05-01 "
        "(rule 1, more advanced deal)"
    )
    assert _rationale(result, "Umbrella") == (
        "Partner leads: they have an open deal for Umbrella and we do not "
        "(rule 1, more advanced deal)"
    )
    # Switched off: rule numbers count the enabled criteria only.
    assert _rationale(result, "Stark").endswith("(rule 3, tie-breaker)")


def test_product_fit_and_tie_breaker(mapped: Mapped) -> None:
    set_rules(
        mapped.ws,
        "Globex",
        enabled={"relationship": False, "first_touch": False, "deal_stage": False},
        product_fit={"us": ["Healthcare"], "partner": ["energy", "software"]},
        tie_breaker="partner",
    )
    result = assign(mapped.ws, "Globex")
    leads = _leads(result)
    assert leads["Stark"] == ("partner", "product_fit")
    assert leads["Umbrella"] == ("us", "product_fit")
    assert leads["Initech"] == ("partner", "product_fit")
    assert leads["Soylent"] == ("partner", "tie_breaker")  # Food fits neither
    assert _rationale(result, "Umbrella") == (
        "We lead: Umbrella is in Healthcare, which fits our product only (rule 1, product fit)"
    )
    assert _rationale(result, "Soylent") == (
        "Partner leads: no earlier rule decides for Soylent, so the tie-breaker gives it to the "
        "partner (rule 2, tie-breaker)"
    )


def test_rule_versions(mapped: Mapped) -> None:
    assert rules(mapped.ws, "Globex").version == 0
    assign(mapped.ws, "Globex")
    assert rules(mapped.ws, "Globex").version == 1
    second = set_rules(mapped.ws, "Globex", enabled={"first_touch": False}, by="Ann")
    assert second.version == 2 and second.created_by == "Ann"
    assert set_rules(mapped.ws, "Globex", enabled={"first_touch": False}).version == 2  # no change
    third = set_rules(mapped.ws, "Globex", tie_breaker="partner")
    assert third.version == 3
    assert [r.version for r in rules_history(mapped.ws, "Globex")] == [1, 2, 3]
    assert set(list_leads(mapped.ws, "Globex")["rules_version"]) == {1}  # until re-assigned
    assert set(assign(mapped.ws, "Globex")["rules_version"]) == {3}
    table = third.table()
    assert list(table["criterion"]) == [
        "relationship", "first_touch", "deal_stage", "product_fit", "tie_breaker",
    ]  # fmt: skip
    assert table["rule"].fillna(0).tolist() == [1, 0, 2, 3, 4]  # first_touch is off


def test_bad_rules(mapped: Mapped) -> None:
    with pytest.raises(OverlapError, match="unknown criterion 'size'"):
        set_rules(mapped.ws, "Globex", order=["size"])
    with pytest.raises(OverlapError, match="each of these once"):
        set_rules(mapped.ws, "Globex", order=["relationship", "first_touch"])
    with pytest.raises(OverlapError, match="always the last"):
        set_rules(
            mapped.ws,
            "Globex",
            order=["tie_breaker", "relationship", "first_touch", "deal_stage", "product_fit"],
        )
    with pytest.raises(OverlapError, match="cannot be switched off"):
        set_rules(mapped.ws, "Globex", enabled={"tie_breaker": False})
    with pytest.raises(OverlapError, match="'us' or 'partner'"):
        set_rules(mapped.ws, "Globex", tie_breaker="both")
    with pytest.raises(OverlapError, match="no partner named"):
        assign(mapped.ws, "Nobody")


def test_override_survives_reassign_and_undoes(mapped: Mapped) -> None:
    assign(mapped.ws, "Globex")
    previous = set_override(
        mapped.ws, "Globex", "id:A1", "id:G1", "us", "We run the renewal", by="Ann"
    )
    assert previous is None
    after = assign(mapped.ws, "Globex")
    row = after[after["name"] == "Initech"].iloc[0]
    assert (row["lead"], row["criterion"], bool(row["overridden"])) == ("us", "override", True)
    assert row["rationale"] == "We lead: set by hand — We run the renewal"
    assert row["rule_lead"] == "partner"
    # Changing it hands back the old one; restoring it is the undo.
    replaced = set_override(mapped.ws, "Globex", "id:A1", "id:G1", "partner", "They asked")
    assert replaced is not None and replaced.lead == "us" and replaced.decided_by == "Ann"
    restore_override(mapped.ws, "Globex", "id:A1", "id:G1", replaced)
    assert list_leads(mapped.ws, "Globex").set_index("name").loc["Initech", "lead"] == "us"
    removed = clear_override(mapped.ws, "Globex", "id:A1", "id:G1")
    frame = list_leads(mapped.ws, "Globex").set_index("name")
    assert frame.loc["Initech", "lead"] == "partner"
    assert not frame.loc["Initech", "overridden"]
    restore_override(mapped.ws, "Globex", "id:A1", "id:G1", removed)  # undo the removal
    assert list_leads(mapped.ws, "Globex").set_index("name").loc["Initech", "overridden"]
    with pytest.raises(OverlapError, match="needs a reason"):
        set_override(mapped.ws, "Globex", "id:A1", "id:G1", "us", " ")
    with pytest.raises(OverlapError, match="not shared"):
        set_override(mapped.ws, "Globex", "id:A7", "id:G9", "us", "why not")
    with pytest.raises(OverlapError, match="'us' or 'partner'"):
        set_override(mapped.ws, "Globex", "id:A1", "id:G1", "them", "x")


def test_disputes(mapped: Mapped) -> None:
    dispute = open_dispute(
        mapped.ws, "Globex", "id:A2", "id:G2", "Globex says they own it", by="Hal"
    )
    assert list_leads(mapped.ws, "Globex").set_index("name").loc["Umbrella", "open_disputes"] == 1
    note_dispute(mapped.ws, int(dispute.id), "Call on Friday", by="Ann")  # type: ignore[arg-type]
    from engine.overrides import resolve_dispute

    done = resolve_dispute(mapped.ws, int(dispute.id), "We keep the lead", by="Ann")  # type: ignore[arg-type]
    assert done.resolved_by == "Ann" and done.resolution == "We keep the lead"
    assert "Call on Friday" in done.note
    assert disputes(mapped.ws, "Globex", open_only=True).empty
    assert len(disputes(mapped.ws, "Globex")) == 1
    with pytest.raises(OverlapError, match="resolved already"):
        resolve_dispute(mapped.ws, int(dispute.id), "again")  # type: ignore[arg-type]
    with pytest.raises(OverlapError, match="no dispute 99"):
        note_dispute(mapped.ws, 99, "x")
