"""Keeping the map fresh: refresh cadence per partnership, and what changed since last time.

Each partnership has a cadence — monthly for active partnerships, quarterly for strategic ones,
semi-annual for small ones — and so a date the next refresh is due. ``record_mapping`` stores a
**baseline** (a ``MappingRun``: the shared pairs with their stages and leads); ``refresh``
imports the partner's new export, re-matches, re-assigns, records a new baseline and returns
what changed since the previous one. The comparison itself, ``diff_mappings``, is pure: two
baselines (or mappings) in, the changes out.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import col, select

from engine.errors import Cancelled, OverlapError
from engine.overlaps import build_mapping, shared_rows
from engine.store.models import MappingRun, Partner
from engine.store.workspace import CADENCES, Progress, Workspace, now, resolve_partner

CADENCE_MONTHS = {"monthly": 1, "quarterly": 3, "semi-annual": 6}
CADENCE_GUIDANCE = {
    "monthly": "for active partnerships, with joint deals in motion",
    "quarterly": "for strategic partnerships",
    "semi-annual": "for small partnerships",
}
BASELINE_COLUMNS = ["our_key", "partner_key", "name", "our_stage", "partner_stage", "lead"]


# ---------------------------------------------------------------------- cadence


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_refresh_due(partner: Partner) -> date:
    """When the partnership's mapping is due again: last refresh (or creation) + cadence."""
    if partner.cadence not in CADENCE_MONTHS:
        raise OverlapError(f"unknown refresh cadence '{partner.cadence}'")
    base = partner.last_refresh_at or partner.created_at
    return _add_months(base.date(), CADENCE_MONTHS[partner.cadence])


def set_cadence(ws: Workspace, partner: str | Partner, cadence: str) -> Partner:
    record = resolve_partner(ws, partner)
    cadence = str(cadence).strip().lower()
    if cadence not in CADENCES:
        raise OverlapError(f"the cadence is one of {', '.join(CADENCES)}, not '{cadence}'")
    with ws.session() as session:
        stored = session.get(Partner, record.id)
        assert stored is not None
        stored.cadence = cadence
        session.add(stored)
        session.commit()
        session.refresh(stored)
    return stored


def refresh_schedule(ws: Workspace, *, today: date | None = None) -> pd.DataFrame:
    """Every partnership: cadence, last refresh, next due date, overdue and by how many days."""
    day = today if today is not None else datetime.now(UTC).date()
    rows = []
    for partner in ws.partners():
        due = next_refresh_due(partner)
        rows.append(
            {
                "partner": partner.name,
                "cadence": partner.cadence,
                "last_refresh": partner.last_refresh_at.date().isoformat()
                if partner.last_refresh_at
                else "",
                "next_due": due.isoformat(),
                "overdue": due < day,
                "days_overdue": max(0, (day - due).days),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["partner", "cadence", "last_refresh", "next_due", "overdue", "days_overdue"],
    )


def overdue_refreshes(ws: Workspace, *, today: date | None = None) -> pd.DataFrame:
    schedule = refresh_schedule(ws, today=today)
    return schedule[schedule["overdue"]].reset_index(drop=True)


# ---------------------------------------------------------------------- baselines


def mapping_baseline(mapping: pd.DataFrame, leads: pd.DataFrame | None = None) -> pd.DataFrame:
    """The shared pairs of a mapping as a baseline: keys, name, both stages and the lead.

    ``leads`` (``list_leads()``'s frame) gives the ``lead`` column; without it the lead is "".
    """
    shared = shared_rows(mapping) if "status" in mapping else mapping
    frame = pd.DataFrame(
        {
            "our_key": shared["our_key"].to_numpy(dtype=object),
            "partner_key": shared["partner_key"].to_numpy(dtype=object),
            "name": shared["name"].to_numpy(dtype=object),
            "our_stage": shared["our_stage"].astype(str).to_numpy(dtype=object),
            "partner_stage": shared["partner_stage"].astype(str).to_numpy(dtype=object),
        }
    )
    if leads is not None and len(leads):
        lead = leads[["our_key", "partner_key", "lead"]].astype(object)
        frame = frame.merge(lead, on=["our_key", "partner_key"], how="left")
    else:
        frame["lead"] = ""
    frame["lead"] = frame["lead"].fillna("").astype(object)
    return frame[BASELINE_COLUMNS]


def record_mapping(
    ws: Workspace, partner: str | Partner, *, mapping: pd.DataFrame | None = None
) -> MappingRun:
    """Store the partnership's current mapping as the baseline of the next refresh."""
    from engine.ownership import list_leads

    record = resolve_partner(ws, partner)
    if mapping is None:
        mapping = build_mapping(ws, record)
    current = mapping_baseline(mapping, list_leads(ws, record, mapping=mapping))
    ours = ws.current_snapshot(None)
    theirs = ws.current_snapshot(record.id)
    stamp = now()
    run = MappingRun(
        partner_id=int(record.id),  # type: ignore[arg-type]
        ran_at=stamp,
        our_snapshot_id=ours.id if ours else None,
        partner_snapshot_id=theirs.id if theirs else None,
        shared_json=current.to_json(orient="records", force_ascii=False),
    )
    with ws.session() as session:
        session.add(run)
        stored = session.get(Partner, record.id)
        assert stored is not None
        stored.last_refresh_at = stamp
        session.add(stored)
        session.commit()
        session.refresh(run)
    return run


def run_baseline(run: MappingRun) -> pd.DataFrame:
    frame = pd.DataFrame(json.loads(run.shared_json), columns=BASELINE_COLUMNS)
    return frame.astype(object).fillna("")


def last_mapping(ws: Workspace, partner: str | Partner) -> MappingRun | None:
    """The newest stored baseline of the partnership, if any."""
    record = resolve_partner(ws, partner)
    with ws.session() as session:
        return session.exec(
            select(MappingRun)
            .where(MappingRun.partner_id == record.id)
            .order_by(col(MappingRun.ran_at).desc(), col(MappingRun.id).desc())
        ).first()


# ---------------------------------------------------------------------- the diff


@dataclass
class MappingChanges:
    """What changed between two mappings, one frame per kind of change."""

    new_shared: pd.DataFrame
    no_longer_shared: pd.DataFrame
    stage_changes: pd.DataFrame
    lead_changes: pd.DataFrame

    def counts(self) -> dict[str, int]:
        return {
            "new_shared": len(self.new_shared),
            "no_longer_shared": len(self.no_longer_shared),
            "stage_changes": len(self.stage_changes),
            "lead_changes": len(self.lead_changes),
        }

    def to_frame(self) -> pd.DataFrame:
        """All changes in one table: ``change``, ``name``, ``detail``, keys."""
        parts = []
        for change, frame in (
            ("new shared", self.new_shared),
            ("no longer shared", self.no_longer_shared),
            ("stage change", self.stage_changes),
            ("lead change", self.lead_changes),
        ):
            parts.append(
                pd.DataFrame(
                    {
                        "change": change,
                        "name": frame["name"].to_numpy(dtype=object),
                        "detail": frame["detail"].to_numpy(dtype=object),
                        "our_key": frame["our_key"].to_numpy(dtype=object),
                        "partner_key": frame["partner_key"].to_numpy(dtype=object),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "changes": self.to_frame().to_dict(orient="records"),
        }


def _stage_words(before: pd.Series, after: pd.Series, whose: str) -> pd.Series:
    changed = before != after
    return pd.Series(
        [f"{whose} {b} → {a}" if c else "" for b, a, c in zip(before, after, changed, strict=True)],
        index=before.index,
        dtype=object,
    )


def diff_mappings(before: pd.DataFrame, after: pd.DataFrame) -> MappingChanges:
    """The changes from ``before`` to ``after`` (baselines or mappings); pure.

    Pairs are the same when both account keys are. A stage change names the side ("theirs
    prospect → customer"); a lead change needs a lead on both sides of the comparison.
    """
    old = mapping_baseline(before) if "status" in before else before[BASELINE_COLUMNS]
    new = mapping_baseline(after) if "status" in after else after[BASELINE_COLUMNS]
    old = old.astype(object).fillna("").drop_duplicates(["our_key", "partner_key"])
    new = new.astype(object).fillna("").drop_duplicates(["our_key", "partner_key"])
    both = old.merge(
        new, on=["our_key", "partner_key"], how="outer", suffixes=("_before", "_after"),
        indicator=True,
    )  # fmt: skip
    added = both[both["_merge"] == "right_only"]
    removed = both[both["_merge"] == "left_only"]
    kept = both[both["_merge"] == "both"]

    def frame(rows: pd.DataFrame, name: str, detail: pd.Series | str, **extra: Any) -> pd.DataFrame:
        out = pd.DataFrame(
            {
                "our_key": rows["our_key"].to_numpy(dtype=object),
                "partner_key": rows["partner_key"].to_numpy(dtype=object),
                "name": rows[name].to_numpy(dtype=object),
                "detail": detail.to_numpy(dtype=object)
                if isinstance(detail, pd.Series)
                else detail,
            }
        )
        for key, values in extra.items():
            out[key] = values.to_numpy(dtype=object)
        return out.sort_values("name", kind="stable").reset_index(drop=True)

    new_shared = frame(
        added,
        "name_after",
        "shared now: ours "
        + added["our_stage_after"].astype(str)
        + ", theirs "
        + added["partner_stage_after"].astype(str),
        our_stage=added["our_stage_after"],
        partner_stage=added["partner_stage_after"],
    )
    gone = frame(
        removed,
        "name_before",
        "no longer shared (was ours "
        + removed["our_stage_before"].astype(str)
        + ", theirs "
        + removed["partner_stage_before"].astype(str)
        + ")",
        our_stage=removed["our_stage_before"],
        partner_stage=removed["partner_stage_before"],
    )
    moved = kept[
        (kept["our_stage_before"] != kept["our_stage_after"])
        | (kept["partner_stage_before"] != kept["partner_stage_after"])
    ]
    ours_text = _stage_words(moved["our_stage_before"], moved["our_stage_after"], "ours")
    theirs_text = _stage_words(
        moved["partner_stage_before"], moved["partner_stage_after"], "theirs"
    )
    stage_text = pd.Series(
        ["; ".join(t for t in pair if t) for pair in zip(ours_text, theirs_text, strict=True)],
        index=moved.index,
        dtype=object,
    )
    stages = frame(
        moved,
        "name_after",
        stage_text,
        our_stage_before=moved["our_stage_before"],
        our_stage_after=moved["our_stage_after"],
        partner_stage_before=moved["partner_stage_before"],
        partner_stage_after=moved["partner_stage_after"],
    )
    switched = kept[
        (kept["lead_before"] != "")
        & (kept["lead_after"] != "")
        & (kept["lead_before"] != kept["lead_after"])
    ]
    leads = frame(
        switched,
        "name_after",
        "lead " + switched["lead_before"].astype(str) + " → " + switched["lead_after"].astype(str),
        lead_before=switched["lead_before"],
        lead_after=switched["lead_after"],
    )
    return MappingChanges(new_shared, gone, stages, leads)


# ---------------------------------------------------------------------- a refresh


@dataclass
class RefreshResult:
    changes: MappingChanges
    run: MappingRun
    previous: MappingRun | None
    imported: Any  # engine.importing.ImportReport
    matched: Any  # engine.matching.MatchSummary


def refresh_mapping(
    ws: Workspace,
    partner: str | Partner,
    path: str | Path,
    *,
    sheet: str | None = None,
    profile: str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> RefreshResult:
    """Import the partner's new export, re-match, re-assign, and say what changed.

    The comparison is with the last recorded baseline; with none, with the mapping as it was
    just before this import. The import obeys ``import_file``'s rule: an export with no
    accounts is refused, one with under half of them needs ``replace``.
    """
    from engine.importing import import_file
    from engine.matching import match_partner
    from engine.ownership import assign, list_leads

    record = resolve_partner(ws, partner)

    def part(start: float, span: float) -> Progress | None:
        if progress is None:
            return None
        return lambda fraction, message: progress(start + span * fraction, message)

    previous = last_mapping(ws, record)
    if previous is not None:
        before = run_baseline(previous)
    else:
        mapping = build_mapping(ws, record)
        before = mapping_baseline(mapping, list_leads(ws, record, mapping=mapping))
    imported = import_file(
        ws,
        record.name,
        path,
        sheet=sheet,
        profile=profile,
        replace=replace,
        progress=part(0.0, 0.4),
        cancel=cancel,
    )
    matched = match_partner(ws, record.name, progress=part(0.4, 0.4), cancel=cancel)
    if cancel is not None and cancel():
        raise Cancelled()
    assign(ws, record, progress=part(0.8, 0.15), cancel=cancel)
    run = record_mapping(ws, record)
    if progress is not None:
        progress(1.0, "Refresh done")
    return RefreshResult(diff_mappings(before, run_baseline(run)), run, previous, imported, matched)
