"""Step 5, joint plans: a pilot shortlist of shared accounts and a plan per account.

"Start small, prove value": the **pilot shortlist** ranks the shared accounts and picks N of
them (30 by default, 20 to 50 allowed), each with the reason it was picked. The score (0-100):

* 50 points for value — the account's potential revenue (see ``engine.overlaps``) as a
  percentile among the shared accounts;
* 30 points for the stage combination — their customer and our prospect scores highest (an
  introduction opens the door), then our customer and their prospect, prospect of both,
  churned on one side and customer on the other, customer of both;
* 20 points for strategic priority — the higher of the two sides' priorities.

A **joint plan** has a lead, an objective, roles per party, next steps (owner, due date,
done), success metrics (target, actual, unit), a status and notes. A plan is **stalling** when
it has no owner (no lead, or nobody named for the lead's side), no open next step, an overdue
step, or nothing updated for 30 days; each with its reason. A new plan has a grace period (the
partnership's ``plan_grace_days``, two weeks unless changed) to get an owner and a next step:
30 plans just made from a shortlist are not "stalling" on the day they are made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import select

from engine.errors import OverlapError
from engine.output.formats import day as day_text
from engine.output.formats import money
from engine.overlaps import STAGES, TerritoryFilter, build_mapping, shared_rows
from engine.partner_models import template_steps
from engine.store.models import Partner, Plan, PlanMetric, PlanRole, PlanStep, new_plan_ref
from engine.store.workspace import US, Progress, Workspace, now, resolve_partner

PARTIES = (US, "partner")
PLAN_STATUSES = ("draft", "active", "won", "lost", "paused")
OPEN_STATUSES = ("draft", "active")
SHORTLIST_DEFAULT, SHORTLIST_MIN, SHORTLIST_MAX = 30, 5, 200
# The size the guide advises for a pilot; outside it, shortlist_size_advice says why.
SHORTLIST_ADVISED = (20, 50)
STALE_DAYS = 30
GRACE_DAYS = 14  # the default of Partner.plan_grace_days
MAX_GRACE_DAYS = 365

# (our stage, partner stage) -> (score 0..1, why in words)
_COMBINATIONS: dict[tuple[str, str], tuple[float, str]] = {
    ("prospect", "customer"): (1.0, "their customer, our prospect: ask for an introduction"),
    ("customer", "prospect"): (0.8, "our customer, their prospect: offer an introduction"),
    ("prospect", "prospect"): (0.7, "prospect of both: pursue it together"),
    ("churned", "customer"): (0.5, "their customer, churned with us: win it back together"),
    ("customer", "churned"): (0.5, "our customer, churned with them: help them win it back"),
    ("customer", "customer"): (0.4, "customer of both: expand together"),
}
_OTHER_COMBINATION = (0.1, "other stages")
# The same opportunity in words a file read by both sides cannot get wrong: {us} is the side
# writing, {them} the other (the partner reading the file).
_NAMED_COMBINATIONS: dict[tuple[str, str], str] = {
    ("prospect", "customer"): "{them}'s customer, {us}'s prospect: {us} asks for an introduction",
    ("customer", "prospect"): "{us}'s customer, {them}'s prospect: {us} offers an introduction",
    ("prospect", "prospect"): "prospect of both: {us} and {them} pursue it together",
    ("churned", "customer"): "{them}'s customer, churned with {us}: win it back together",
    ("customer", "churned"): "{us}'s customer, churned with {them}: help {them} win it back",
    ("customer", "customer"): "customer of both: {us} and {them} expand together",
}
GENERIC_OBJECTIVE = "Pilot: a joint plan for this account"
# Every kind a generated objective has (our stage, then theirs), as plan files carry it.
OBJECTIVE_KINDS = tuple(f"{ours}:{theirs}" for ours, theirs in _COMBINATIONS)


def objective_kind(our_stage: Any, partner_stage: Any) -> str:
    """The kind of objective a stage combination generates ("" when it generates none)."""
    pair = (str(our_stage), str(partner_stage))
    return f"{pair[0]}:{pair[1]}" if pair in _COMBINATIONS else ""


def flip_objective_kind(kind: str) -> str:
    """The same kind seen from the other side (their stage first)."""
    ours, _, theirs = kind.partition(":")
    return f"{theirs}:{ours}" if theirs else ""


def generated_objective(kind: str, *, us: str | None = None, them: str | None = None) -> str:
    """A generated objective in words, from the side whose stage comes first in ``kind``:
    "our" and "their" by default, the companies' names when ``us`` and ``them`` are given
    (for a file both sides read). "" for an unknown kind."""
    ours, _, theirs = kind.partition(":")
    if (ours, theirs) not in _COMBINATIONS:
        return ""
    if us is not None and them is not None:
        words = _NAMED_COMBINATIONS[(ours, theirs)].format(us=us, them=them)
    else:
        words = _COMBINATIONS[(ours, theirs)][1]
    return f"Pilot: {words[0].upper()}{words[1:]}"


_PRIORITY_SCORE = {"high": 1.0, "medium": 0.6, "low": 0.2}
_NO_PRIORITY = 0.4


def _combination(our: pd.Series, theirs: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Score and words of each stage combination, looked up by the stages' category codes."""
    points = np.full((len(STAGES) + 1, len(STAGES) + 1), _OTHER_COMBINATION[0])
    words = np.full(points.shape, _OTHER_COMBINATION[1], dtype=object)
    for (o, p), (score, why) in _COMBINATIONS.items():
        points[STAGES.index(o), STAGES.index(p)] = score
        words[STAGES.index(o), STAGES.index(p)] = why
    # Missing stages have code -1, which lands on the extra "other" row / column.
    rows = np.asarray(our.cat.codes.to_numpy(), dtype=np.int64)
    cols = np.asarray(theirs.cat.codes.to_numpy(), dtype=np.int64)
    return points[rows, cols], words[rows, cols]


def rank_shortlist(mapping: pd.DataFrame, size: int = SHORTLIST_DEFAULT) -> pd.DataFrame:
    """The pilot shortlist from a mapping; pure. See the module docstring for the score.

    Columns: ``rank``, ``name``, ``score``, ``reason``, ``opportunity`` (the reason without
    amounts), ``potential_revenue``,
    ``revenue_basis``, ``our_stage``, ``partner_stage``, ``priority``, ``our_key``,
    ``partner_key``, ``our_external_id``, ``partner_external_id``.
    """
    check_shortlist_size(size)
    shared = shared_rows(mapping)
    combination, why = _combination(shared["our_stage"], shared["partner_stage"])
    our = shared["our_stage"].astype(object).to_numpy(dtype=object)
    theirs = shared["partner_stage"].astype(object).to_numpy(dtype=object)
    potential = shared["potential_revenue"].to_numpy(dtype=float)
    value = pd.Series(potential).rank(pct=True, method="max").to_numpy(dtype=float, copy=True)
    value[potential <= 0] = 0.0
    priorities = [
        shared[f"{side}_priority"].astype(object).map(_PRIORITY_SCORE).to_numpy(dtype=float)
        for side in ("our", "partner")
    ]
    priority = np.fmax(priorities[0], priorities[1])
    priority = np.where(np.isnan(priority), _NO_PRIORITY, priority)
    score = np.round(50 * value + 30 * combination + 20 * priority, 1)
    # Only the picks need a frame and words: take the best candidates by position first.
    order = np.lexsort((-potential, -score))[: size * 4]

    def pick(column: str) -> np.ndarray:
        return np.asarray(shared[column].to_numpy(dtype=object)[order], dtype=object)

    top = pd.DataFrame(
        {
            "name": pick("name"),
            "score": score[order],
            "potential_revenue": potential[order],
            "revenue_basis": shared["revenue_basis"].astype(str).to_numpy(dtype=object)[order],
            "our_stage": our[order],
            "partner_stage": theirs[order],
            "_why": why[order],
            "_priority": priority[order],
            "our_key": pick("our_key"),
            "partner_key": pick("partner_key"),
            "our_external_id": pick("our_external_id"),
            "partner_external_id": pick("partner_external_id"),
        }
    )
    top = top.sort_values(
        ["score", "potential_revenue", "name"], ascending=[False, False, True], kind="stable"
    ).head(size)
    level = np.select(
        [top["_priority"] >= 1.0, top["_priority"] >= 0.6, top["_priority"] <= 0.2],
        ["high priority", "medium priority", "low priority"],
        "no priority set",
    )
    basis = top["revenue_basis"].astype(str)  # open deals, won deals of similar accounts, ...
    top = top.assign(
        priority=np.where(level == "no priority set", "", [s.split()[0] for s in level]),
        opportunity=[f"{w[0].upper()}{w[1:]}" for w in top["_why"]],
        reason=[
            f"{w[0].upper()}{w[1:]}; potential {money(v)} ({b}); {lv}"
            for w, v, b, lv in zip(top["_why"], top["potential_revenue"], basis, level, strict=True)
        ],
    )
    top.insert(0, "rank", range(1, len(top) + 1))
    return top[
        [
            "rank",
            "name",
            "score",
            "reason",
            "opportunity",
            "potential_revenue",
            "revenue_basis",
            "our_stage",
            "partner_stage",
            "priority",
            "our_key",
            "partner_key",
            "our_external_id",
            "partner_external_id",
        ]
    ].reset_index(drop=True)


def check_shortlist_size(size: int) -> int:
    if not isinstance(size, int | np.integer) or not SHORTLIST_MIN <= int(size) <= SHORTLIST_MAX:
        low, high = SHORTLIST_ADVISED
        raise OverlapError(
            f"a pilot shortlist holds {SHORTLIST_MIN} to {SHORTLIST_MAX} accounts (got {size}); "
            f"the guide advises {low} to {high}: start small and prove value"
        )
    return int(size)


def shortlist_size_advice(size: int) -> str | None:
    """Why a shortlist size outside the guide's 20 to 50 may not serve a pilot; None inside."""
    low, high = SHORTLIST_ADVISED
    if size < low:
        return (
            f"{size} accounts is a small pilot: the guide advises {low} to {high}, enough wins "
            "to show the partnership works"
        )
    if size > high:
        return (
            f"{size} accounts is a large pilot: the guide advises {low} to {high}, few enough "
            "for both teams to follow each one up"
        )
    return None


def shortlist(
    ws: Workspace,
    partner: str | Partner,
    size: int = SHORTLIST_DEFAULT,
    *,
    territory: TerritoryFilter | None = None,
    mapping: pd.DataFrame | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> pd.DataFrame:
    """The pilot shortlist of a partnership, with the current lead of each pick; picked among
    the accounts of ``territory`` when one is named.

    Fewer shared accounts than ``size``: all of them, ranked.
    """
    check_shortlist_size(size)
    record = resolve_partner(ws, partner)
    if mapping is None:
        mapping = build_mapping(ws, record, progress=progress, cancel=cancel)
    if territory is not None:
        mapping = territory.apply(mapping)
    picks = rank_shortlist(mapping, size)
    picks.insert(4, "lead", _leads_of(ws, int(record.id), picks))  # type: ignore[arg-type]
    return picks


def _leads_of(ws: Workspace, partner_id: int, picks: pd.DataFrame) -> list[str]:
    """The effective lead (override, else assignment) of a few pairs; "" when not assigned."""
    if picks.empty:
        return []
    keys = list(zip(picks["our_key"], picks["partner_key"], strict=True))
    params: dict[str, Any] = {"p": partner_id}
    ours = ", ".join(f":o{i}" for i in range(len(keys)))
    params.update({f"o{i}": k[0] for i, k in enumerate(keys)})
    found: dict[tuple[str, str], str] = {}
    for table in ("assignment", "ownershipoverride"):  # overrides last: they win
        rows = ws.read_frame(
            f"SELECT our_key, partner_key, lead FROM {table} "
            f"WHERE partner_id = :p AND our_key IN ({ours}) ORDER BY id",
            params,
        )
        found.update(
            {(r.our_key, r.partner_key): r.lead for r in rows.itertuples(index=False)}  # type: ignore[misc]
        )
    return [found.get(k, "") for k in keys]


# ---------------------------------------------------------------------- plans


@dataclass
class PlanDetail:
    """A plan with its roles, steps and metrics (frames, in the order they were added)."""

    plan: Plan
    roles: pd.DataFrame
    steps: pd.DataFrame
    metrics: pd.DataFrame


def _today(today: date | None) -> date:
    return today if today is not None else datetime.now(UTC).date()


def _party(value: str, what: str = "party") -> str:
    party = str(value).strip().lower()
    if party not in PARTIES:
        raise OverlapError(f"the {what} is 'us' or 'partner', not '{value}'")
    return party


def _status(value: str) -> str:
    status = str(value).strip().lower()
    if status not in PLAN_STATUSES:
        raise OverlapError(f"a plan's status is one of {', '.join(PLAN_STATUSES)}, not '{value}'")
    return status


def _text(value: str, what: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise OverlapError(f"the {what} is empty")
    return text


def _number(value: float | str | None, what: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OverlapError(f"the {what} '{value}' is not a number") from None
    if not math.isfinite(number):
        raise OverlapError(f"the {what} '{value}' is not a number")
    return number


def parse_date(value: str | date, what: str = "date") -> date:
    """An ISO date (YYYY-MM-DD), or a clear error."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise OverlapError(f"the {what} '{value}' is not a date (write YYYY-MM-DD)") from None


def stored_day(value: Any) -> date | None:
    """A date field as the workspace holds it (``YYYY-MM-DD``), or None when it is empty or
    no date: rows stored before plan files were validated on arrival may hold anything."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _shared_row(ws: Workspace, record: Partner, our_key: str, partner_key: str) -> pd.Series:
    shared = shared_rows(build_mapping(ws, record))
    hit = shared[(shared["our_key"] == our_key) & (shared["partner_key"] == partner_key)]
    if hit.empty:
        raise OverlapError(
            f"a joint plan is for a shared account, and this one is not shared with {record.name}"
        )
    return hit.iloc[0]


def create_plan(
    ws: Workspace,
    partner: str | Partner,
    our_key: str,
    partner_key: str,
    *,
    objective: str = "",
    lead: str | None = None,
    notes: str = "",
    status: str = "draft",
) -> Plan:
    """A joint plan for one shared account. The lead defaults to the account's current lead."""
    record = resolve_partner(ws, partner)
    row = _shared_row(ws, record, our_key, partner_key)
    existing = _plan_for(ws, int(record.id), our_key, partner_key)  # type: ignore[arg-type]
    if existing is not None:
        raise OverlapError(f"{row['name']} has a plan already (plan {existing.id}); open that one")
    if lead is None:
        found = _leads_of(
            ws,
            int(record.id),  # type: ignore[arg-type]
            pd.DataFrame({"our_key": [our_key], "partner_key": [partner_key]}),
        )[0]
        lead = found or None
    stamp = now()
    plan = Plan(
        partner_id=int(record.id),  # type: ignore[arg-type]
        our_key=our_key,
        partner_key=partner_key,
        account_name=str(row["name"]),
        lead=None if lead is None else _party(lead, "lead"),
        objective=str(objective).strip(),
        status=_status(status),
        notes=str(notes),
        created_at=stamp,
        updated_at=stamp,
    )
    ws.save(plan)
    return plan


def _plan_for(ws: Workspace, partner_id: int, our_key: str, partner_key: str) -> Plan | None:
    with ws.session() as session:
        return session.exec(
            select(Plan).where(
                Plan.partner_id == partner_id,
                Plan.our_key == our_key,
                Plan.partner_key == partner_key,
            )
        ).first()


def create_plans_for_shortlist(
    ws: Workspace,
    partner: str | Partner,
    size: int = SHORTLIST_DEFAULT,
    *,
    territory: TerritoryFilter | None = None,
    mapping: pd.DataFrame | None = None,
) -> list[Plan]:
    """Draft plans for the whole shortlist (of ``territory``, when one is named) in one step;
    accounts with a plan are skipped."""
    record = resolve_partner(ws, partner)
    picks = shortlist(ws, record, size, territory=territory, mapping=mapping)
    with ws.session() as session:
        have = {
            (p.our_key, p.partner_key)
            for p in session.exec(select(Plan).where(Plan.partner_id == record.id))
        }
    stamp = now()
    created = [
        Plan(
            partner_id=int(record.id),  # type: ignore[arg-type]
            our_key=pick["our_key"],
            partner_key=pick["partner_key"],
            account_name=str(pick["name"]),
            lead=pick["lead"] or None,
            # The opportunity, not the amounts: an objective leaves with a shared plan, and
            # revenue stays home unless the user chooses to share it.
            objective=f"Pilot: {pick['opportunity']}",
            objective_kind=objective_kind(pick["our_stage"], pick["partner_stage"]),
            created_at=stamp,
            updated_at=stamp,
        )
        for pick in picks.to_dict(orient="records")
        if (pick["our_key"], pick["partner_key"]) not in have
    ]
    # At most 50 plans, each edited one at a time afterwards and returned with its id: the ORM
    # fits here, unlike the bulk account and match rows that go through insert_rows.
    with ws.session() as session:  # one transaction for all of them
        session.add_all(created)
        session.flush()
        # The first next steps come from the partnership model's template (hand-off, co-sell
        # or reseller deal support).
        model = session.get(Partner, record.id).model  # type: ignore[union-attr]
        session.add_all(template_steps(created, model, _today(None)))
        session.commit()
        for plan in created:
            session.refresh(plan)
    return created


def list_plans(
    ws: Workspace, partner: str | Partner, *, territory: TerritoryFilter | None = None
) -> pd.DataFrame:
    """The partnership's plans: id, ref (the reference both sides see), account, lead, status,
    objective, open steps, next due.

    With ``territory``, the plans of the shared accounts in that territory only (a plan whose
    account is no longer shared is in no territory).
    """
    record = resolve_partner(ws, partner)
    ensure_plan_refs(ws, record)
    frame = ws.read_frame(
        "SELECT p.id, p.ref, p.account_name, p.lead, p.status, p.objective, "
        "(SELECT count(*) FROM planstep s WHERE s.plan_id = p.id AND NOT s.done) AS open_steps, "
        "(SELECT min(s.due_date) FROM planstep s WHERE s.plan_id = p.id AND NOT s.done) "
        "AS next_due, p.updated_at, p.our_key, p.partner_key "
        "FROM plan p WHERE p.partner_id = :p ORDER BY p.id",
        {"p": record.id},
    )
    if territory is None:
        return frame
    inside = shared_rows(territory.apply(build_mapping(ws, record)))
    pairs = pd.MultiIndex.from_arrays([inside["our_key"], inside["partner_key"]])
    keep = pd.MultiIndex.from_arrays([frame["our_key"], frame["partner_key"]]).isin(pairs)
    return frame[keep].reset_index(drop=True)


def ensure_plan_refs(ws: Workspace, partner: Partner) -> None:
    """Give a reference to the plans made before plans had one (workspace format 7)."""
    with ws.session() as session:
        missing = list(
            session.exec(select(Plan).where(Plan.partner_id == partner.id, Plan.ref == ""))
        )
        for plan in missing:
            plan.ref = new_plan_ref()
            session.add(plan)
        if missing:
            session.commit()


def _get(session: Any, table: type, item_id: int, what: str) -> Any:
    found = session.get(table, item_id)
    if found is None:
        raise OverlapError(f"there is no {what} {item_id}")
    return found


def _touch(session: Any, plan_id: int) -> None:
    plan = _get(session, Plan, plan_id, "plan")
    plan.updated_at = now()
    session.add(plan)


def plan_detail(ws: Workspace, plan_id: int) -> PlanDetail:
    with ws.session() as session:
        plan = _get(session, Plan, plan_id, "plan")
    params = {"p": plan_id}
    return PlanDetail(
        plan=plan,
        roles=ws.read_frame(
            "SELECT id, party, person, role, responsibility FROM planrole "
            "WHERE plan_id = :p ORDER BY id",
            params,
        ),
        steps=ws.read_frame(
            "SELECT id, what, owner_party, owner_person, due_date, done, done_at, joint "
            "FROM planstep WHERE plan_id = :p ORDER BY id",
            params,
        ),
        metrics=ws.read_frame(
            "SELECT id, name, target, actual, unit FROM planmetric WHERE plan_id = :p ORDER BY id",
            params,
        ),
    )


def update_plan(
    ws: Workspace,
    plan_id: int,
    *,
    objective: str | None = None,
    lead: str | None = None,
    notes: str | None = None,
    status: str | None = None,
) -> Plan:
    """Change a plan's fields; those left None stay as they are."""
    with ws.session() as session:
        plan = _get(session, Plan, plan_id, "plan")
        if objective is not None and str(objective).strip() != plan.objective:
            plan.objective = str(objective).strip()
            plan.objective_kind = ""  # the user's own words from now on
        if lead is not None:
            plan.lead = _party(lead, "lead")
        if notes is not None:
            plan.notes = str(notes)
        if status is not None:
            plan.status = _status(status)
        plan.updated_at = now()
        session.add(plan)
        session.commit()
        session.refresh(plan)
    return plan  # type: ignore[no-any-return]


def set_plan_status(ws: Workspace, plan_id: int, status: str) -> Plan:
    return update_plan(ws, plan_id, status=status)


def add_role(
    ws: Workspace, plan_id: int, party: str, person: str, role: str, responsibility: str = ""
) -> PlanRole:
    """Who does what in the plan, per party."""
    item = PlanRole(
        plan_id=plan_id,
        party=_party(party),
        person=_text(person, "person"),
        role=_text(role, "role"),
        responsibility=str(responsibility).strip(),
    )
    return _add(ws, plan_id, item)


def add_step(
    ws: Workspace,
    plan_id: int,
    what: str,
    owner_party: str,
    owner_person: str | None = None,
    due_date: str | date | None = None,
    *,
    today: date | None = None,
) -> PlanStep:
    """A next step; a due date must not be in the past."""
    due = None
    if due_date is not None and str(due_date).strip():
        parsed = parse_date(due_date, "due date")
        if parsed < _today(today):
            raise OverlapError(
                f"the due date {parsed.isoformat()} is in the past; give today or a later date"
            )
        due = parsed.isoformat()
    item = PlanStep(
        plan_id=plan_id,
        what=_text(what, "step"),
        owner_party=_party(owner_party, "owner party"),
        owner_person=(str(owner_person).strip() or None) if owner_person else None,
        due_date=due,
    )
    return _add(ws, plan_id, item)


def add_metric(
    ws: Workspace,
    plan_id: int,
    name: str,
    target: float | str | None = None,
    actual: float | str | None = None,
    unit: str = "",
) -> PlanMetric:
    """A success metric: what is measured, the target and what was achieved."""
    item = PlanMetric(
        plan_id=plan_id,
        name=_text(name, "metric name"),
        target=_number(target, "target"),
        actual=_number(actual, "actual value"),
        unit=str(unit).strip(),
    )
    return _add(ws, plan_id, item)


def _add(ws: Workspace, plan_id: int, item: Any) -> Any:
    with ws.session() as session:
        _touch(session, plan_id)
        session.add(item)
        session.commit()
        session.refresh(item)
    return item


def set_step_done(ws: Workspace, step_id: int, done: bool = True) -> PlanStep:
    with ws.session() as session:
        step = _get(session, PlanStep, step_id, "step")
        step.done = bool(done)
        step.done_at = now() if done else None
        _touch(session, step.plan_id)
        session.add(step)
        session.commit()
        session.refresh(step)
    return step  # type: ignore[no-any-return]


def set_metric_actual(ws: Workspace, metric_id: int, actual: float | str | None) -> PlanMetric:
    with ws.session() as session:
        metric = _get(session, PlanMetric, metric_id, "metric")
        metric.actual = _number(actual, "actual value")
        _touch(session, metric.plan_id)
        session.add(metric)
        session.commit()
        session.refresh(metric)
    return metric  # type: ignore[no-any-return]


PLAN_ITEMS: dict[str, type[PlanRole] | type[PlanStep] | type[PlanMetric]] = {
    "role": PlanRole,
    "step": PlanStep,
    "metric": PlanMetric,
}


def remove_plan_item(ws: Workspace, kind: str, item_id: int) -> None:
    """Remove a role, step or metric (``kind``: role / step / metric); the undo of adding one."""
    if kind not in PLAN_ITEMS:
        raise OverlapError(f"a plan item is a role, step or metric, not '{kind}'")
    with ws.session() as session:
        item = _get(session, PLAN_ITEMS[kind], item_id, kind)
        _touch(session, item.plan_id)
        session.delete(item)
        session.commit()


def delete_plan(ws: Workspace, plan_id: int) -> None:
    with ws.session() as session:
        session.delete(_get(session, Plan, plan_id, "plan"))
        session.commit()


# ---------------------------------------------------------------------- stalls


def set_plan_grace_days(ws: Workspace, partner: str | Partner, days: int) -> Partner:
    """Set how many days a new plan has to get an owner and a next step before it stalls."""
    try:
        wanted = int(days)
    except (TypeError, ValueError):
        raise OverlapError(f"the grace period must be a number of days, not {days!r}") from None
    if not 0 <= wanted <= MAX_GRACE_DAYS:
        raise OverlapError(f"the grace period must be 0 to {MAX_GRACE_DAYS} days (got {wanted})")
    record = resolve_partner(ws, partner)
    with ws.session() as session:
        stored = session.get(Partner, record.id)
        assert stored is not None
        stored.plan_grace_days = wanted
        session.add(stored)
        session.commit()
        session.refresh(stored)
        return stored


def stalled_plans(
    ws: Workspace,
    partner: str | Partner,
    *,
    today: date | None = None,
    stale_days: int = STALE_DAYS,
) -> pd.DataFrame:
    """Open plans (draft / active) that are stalling, each with its reasons.

    A plan made less than the partnership's ``plan_grace_days`` ago is not stalling for having
    no owner or no next step yet (an overdue step still counts).

    Columns: ``plan_id``, ``account_name``, ``status``, ``lead``, ``reasons`` (a list of
    sentences) and ``reason`` (them joined with "; ").
    """
    record = resolve_partner(ws, partner)
    day = _today(today)
    grace = record.plan_grace_days
    params = {"p": record.id}
    plan_rows = ws.read_frame(
        "SELECT id, account_name, status, lead, created_at, updated_at FROM plan "
        "WHERE partner_id = :p AND status IN ('draft', 'active') ORDER BY id",
        params,
    )
    roles = ws.read_frame(
        "SELECT r.plan_id, r.party, r.person FROM planrole r JOIN plan p ON p.id = r.plan_id "
        "WHERE p.partner_id = :p",
        params,
    )
    steps = ws.read_frame(
        "SELECT s.plan_id, s.what, s.due_date, s.done FROM planstep s "
        "JOIN plan p ON p.id = s.plan_id WHERE p.partner_id = :p ORDER BY s.due_date, s.id",
        params,
    )
    out = []
    for plan in plan_rows.to_dict(orient="records"):
        reasons = []
        mine = roles[roles["plan_id"] == plan["id"]]
        settling = (day - pd.Timestamp(plan["created_at"]).date()).days < grace
        if settling:
            pass  # a new plan has time to get an owner and a next step
        elif not plan["lead"] or pd.isna(plan["lead"]):
            reasons.append("no owner: no side leads this plan yet")
        elif not (mine["party"] == plan["lead"]).any():
            side = "our side" if plan["lead"] == US else "the partner's side"
            reasons.append(f"no owner: nobody on {side} (the lead) is named in the roles")
        open_steps = steps[(steps["plan_id"] == plan["id"]) & ~steps["done"].astype(bool)]
        if open_steps.empty and not settling:
            reasons.append("no next step")
        for step in open_steps.to_dict(orient="records"):
            due = stored_day(step["due_date"])
            if due is not None and due < day:
                late = (day - due).days
                reasons.append(
                    f"step '{step['what']}' was due {day_text(due)} "
                    f"({late} day{'s' if late != 1 else ''} overdue)"
                )
        updated = pd.Timestamp(plan["updated_at"]).date()
        idle = (day - updated).days
        if idle >= stale_days:
            reasons.append(f"nothing updated for {idle} days")
        if reasons:
            out.append(
                {
                    "plan_id": int(plan["id"]),
                    "account_name": plan["account_name"],
                    "status": plan["status"],
                    "lead": plan["lead"] if isinstance(plan["lead"], str) else "",
                    "reasons": reasons,
                    "reason": "; ".join(reasons),
                }
            )
    return pd.DataFrame(
        out, columns=["plan_id", "account_name", "status", "lead", "reasons", "reason"]
    )
