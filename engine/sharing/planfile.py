"""``.overlap-plan`` files: plans a partner's Overlap imports and merges, and back again.

A file is JSON: ``format``, ``schema_version``, ``partnership_id`` (shared by both sides once
one has imported the other's file), ``sender``, ``sent_at``, ``content_sha256`` (of the
canonical JSON of ``content``) and ``content`` - the share package, filtered by the sender's
policy. It may be wrapped in passphrase encryption (``engine.sharing.crypto``). Its schema and
limits are declared in ``engine.sharing.untrusted_plans``, which reads every arriving file; what it
hands over here has every field of the type the workspace stores.

Plans are named by an opaque reference (a keyed hash of the sender's account keys) and by
``your_key``, the recipient's own key of the account, so the sender's keys never leave. Parties
(``us`` / ``partner``) are written from the sender's side and flipped on import.

Import is a three-way merge per field against the content last exchanged (``PlanSync``): a
field only they changed is taken, one only we changed is kept, one both changed becomes a
``PlanConflict`` for the user. Import never touches account rows, never deletes, and importing
the same file again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from engine.errors import Cancelled, OverlapError
from engine.output.files import atomic_write
from engine.plans import flip_objective_kind, generated_objective
from engine.sharing import crypto
from engine.sharing.placement import AccountIndex, Placement
from engine.sharing.policy import SharePackage, policy_secrets
from engine.sharing.untrusted import PLAN_FORMAT, PLAN_SCHEMA_VERSION, canonical
from engine.sharing.untrusted_plans import check_plan_content, check_their_value, read_plan_file
from engine.store.models import (
    AccountInsight,
    Partner,
    Plan,
    PlanConflict,
    PlanFileImport,
    PlanMetric,
    PlanRole,
    PlanStep,
    PlanSync,
    SharePolicy,
    UnplacedPlan,
)
from engine.store.workspace import Workspace, now, resolve_partner

SUFFIX = ".overlap-plan"
PLAN_FIELDS = ("objective", "status", "lead", "why_together")
STEP_FIELDS = ("owner_party", "owner_person", "due_date", "done", "joint")
# The account insights a plan carries when the policy shares them (engine.program.outreach).
INSIGHT_FIELDS = ("needs", "stakeholders", "competitors", "next_event", "next_event_date")
_EMPTY_INSIGHT = {name: "" for name in INSIGHT_FIELDS} | {"next_event_date": None}
METRIC_FIELDS = ("target", "actual", "unit")
ROLE_FIELDS = ("role", "responsibility")
_MISSING = object()

Progress = Callable[[float, str], None]


def _flip(party: str | None) -> str | None:
    return {"us": "partner", "partner": "us"}.get(party or "", party)


def _step_key(what: Any) -> str:
    return " ".join(str(what or "").casefold().split())


# ---------------------------------------------------------------------------- writing


def plan_file_document(ws: Workspace, package: SharePackage) -> dict[str, Any]:
    """The document of a ``.overlap-plan`` file for ``package``; refused (before anything is
    written) when the partner's Overlap would refuse it, e.g. a step longer than it reads."""
    content = {
        "partnership": {"model": package.partner_model, "sender_calls_partner": package.partner},
        "counts_only": package.counts_only,
        "fields": [] if package.counts_only else list(package.policy.fields),
        "counts": package.counts,
        "plans": [] if package.counts_only else package.plan_items,
    }
    # Each only when the policy shares it: the matrix counts our stages, the rules say why.
    if package.shares_rules:
        content["rules"] = {
            "version": package.rules_version,
            "criteria": package.rules,
            "tie_breaker": package.tie_breaker,
        }
    if package.shares_matrix:
        content["matrix"] = {
            str(ours): {
                str(theirs): int(package.matrix.loc[ours, theirs])
                for theirs in package.matrix.columns
            }
            for ours in package.matrix.index
        }
    check_plan_content(content)
    row = policy_secrets(ws, resolve_partner(ws, package.partner))
    if row.partnership_uuid is None:
        row.partnership_uuid = uuid.uuid4().hex
        _save(ws, row)
    return {
        "format": PLAN_FORMAT,
        "schema_version": PLAN_SCHEMA_VERSION,
        "partnership_id": row.partnership_uuid,
        "sender": {"company": package.us},
        "sent_at": package.created_at.isoformat(),
        "content_sha256": hashlib.sha256(canonical(content)).hexdigest(),
        "content": content,
    }


def write_plan_file(
    ws: Workspace, package: SharePackage, path: str | Path, *, passphrase: str | None = None
) -> Path:
    """Write ``package`` as an ``.overlap-plan`` (encrypted when a passphrase is given).

    What was sent becomes the base of the next merge with the partner's answer.
    """
    path = Path(path)
    data = canonical(plan_file_document(ws, package))
    if passphrase:
        data = crypto.encrypt(data, passphrase)
    with atomic_write(path) as temporary:
        temporary.write_bytes(data)
    if not package.counts_only:
        _remember_sent(ws, package)
    return path


def _save(ws: Workspace, row: SharePolicy) -> None:
    with ws.session() as session:
        session.add(row)
        session.commit()


def _remember_sent(ws: Workspace, package: SharePackage) -> None:
    partner = resolve_partner(ws, package.partner)
    with ws.session() as session:
        plans = {p.id: p for p in session.exec(select(Plan).where(Plan.partner_id == partner.id))}
        syncs = _syncs(session, partner)
        children = _children(session, [i for i in package.plan_ids if i in plans])
        for plan_id in package.plan_ids:
            plan = plans.get(plan_id)
            if plan is None:
                continue
            current = _plan_content(session, plan, children)
            sync = syncs.get((plan.our_key, plan.partner_key))
            base = json.loads(sync.base_json) if sync else {}
            for section in _shared_sections(package.policy.fields):
                base[section] = current[section]
            _store_sync(session, partner, plan, base, sync)
        session.commit()


def _shared_sections(fields: list[str]) -> list[str]:
    sections = []
    if "plan" in fields:
        sections += ["objective", "status", "metrics", "roles", "why_together"]
    if "insights" in fields:
        sections.append("insights")
    if "lead" in fields:
        sections.append("lead")
    if "next_steps" in fields:
        sections.append("steps")
    return sections


# ---------------------------------------------------------------------------- plan content


Children = dict[Any, dict[int, list[Any]]]


def _children(session: Session, plan_ids: list[int]) -> Children:
    """Steps, metrics and roles of many plans in three queries (not three per plan)."""
    children: Children = {}
    tables: tuple[Any, ...] = (PlanStep, PlanMetric, PlanRole)
    for table in tables:
        grouped: dict[int, list[Any]] = {}
        for start in range(0, len(plan_ids), 900):  # SQLite's bound-parameter limit
            chunk = plan_ids[start : start + 900]
            for row in session.exec(select(table).where(table.plan_id.in_(chunk))):
                grouped.setdefault(row.plan_id, []).append(row)
        children[table] = grouped
    return children


def _child_rows(
    session: Session, table: Any, plan_id: int | None, children: Children | None
) -> list[Any]:
    if children is not None and plan_id is not None:
        return children[table].get(plan_id, [])
    return list(session.exec(select(table).where(table.plan_id == plan_id)).all())


def _plan_content(session: Session, plan: Plan, children: Children | None = None) -> dict[str, Any]:
    """A plan as plain data in our orientation: the unit of the three-way merge."""
    steps = _child_rows(session, PlanStep, plan.id, children)
    metrics = _child_rows(session, PlanMetric, plan.id, children)
    roles = _child_rows(session, PlanRole, plan.id, children)
    insight = _insight_row(session, plan)
    return {
        "objective": plan.objective,
        "status": plan.status,
        "lead": plan.lead,
        "why_together": plan.why_together,
        "insights": {
            name: getattr(insight, name) if insight is not None else _EMPTY_INSIGHT[name]
            for name in INSIGHT_FIELDS
        },
        "steps": {
            _step_key(s.what): {
                "what": s.what,
                "owner_party": s.owner_party,
                "owner_person": s.owner_person,
                "due_date": s.due_date,
                "done": bool(s.done),
                "joint": bool(s.joint),
            }
            for s in steps
        },
        "metrics": {
            m.name: {"name": m.name, "target": m.target, "actual": m.actual, "unit": m.unit}
            for m in metrics
        },
        "roles": {
            f"{r.party}|{r.person}": {
                "party": r.party,
                "person": r.person,
                "role": r.role,
                "responsibility": r.responsibility,
            }
            for r in roles
        },
    }


def _insight_row(session: Session, plan: Plan) -> AccountInsight | None:
    return session.exec(
        select(AccountInsight).where(
            AccountInsight.partner_id == plan.partner_id,
            AccountInsight.our_key == plan.our_key,
            AccountInsight.partner_key == plan.partner_key,
        )
    ).first()


def _theirs(item: dict[str, Any]) -> dict[str, Any]:
    """A checked plan of the file in our orientation, with only the sections it carries."""
    content: dict[str, Any] = {}
    for name in ("objective", "status", "why_together", "insights"):
        if name in item:
            content[name] = item[name]
    kind = flip_objective_kind(item.get("objective_kind") or "")
    if generated_objective(kind):
        content["objective"] = generated_objective(kind)  # in our words, from our side
    if "lead" in item:
        content["lead"] = _flip(item["lead"])
    if "steps" in item:
        content["steps"] = {
            _step_key(step["what"]): {**step, "owner_party": _flip(step["owner_party"])}
            for step in item["steps"]
        }
    if "metrics" in item:
        content["metrics"] = {metric["name"]: dict(metric) for metric in item["metrics"]}
    if "roles" in item:
        content["roles"] = {
            f"{_flip(role['party'])}|{role['person']}": {**role, "party": _flip(role["party"])}
            for role in item["roles"]
        }
    return content


# ---------------------------------------------------------------------------- importing


@dataclass
class PlanImportResult:
    """What an import did."""

    sender: str
    sent_at: str
    plans_in_file: int
    matched: int = 0
    created: int = 0
    fields_taken: int = 0
    items_added: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # labels of the plans kept unplaced
    unplaced: list[dict[str, str]] = field(default_factory=list)  # account, reason
    placed: list[dict[str, str]] = field(default_factory=list)  # account, how (new plans)
    already_imported: bool = False
    counts_only: bool = False
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.fields_taken or self.items_added or self.conflicts)


def import_plan_file(
    ws: Workspace,
    partner: str | Partner,
    path: str | Path,
    *,
    passphrase: str | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PlanImportResult:
    """Merge a partner's plan file into our plans; conflicts are stored for the user to resolve."""
    record = resolve_partner(ws, partner)
    path = Path(path)
    document = read_plan_file(path, passphrase=passphrase)
    result = PlanImportResult(
        sender=document.sender,
        sent_at=document.sent_at,
        plans_in_file=len(document.plans),
        counts_only=document.counts_only,
        counts=dict(document.counts),
    )
    their_id = document.partnership_id
    with ws.session() as session:
        imports = session.exec(
            select(PlanFileImport).where(PlanFileImport.partner_id == record.id)
        ).all()
        stored_policy = session.exec(
            select(SharePolicy).where(SharePolicy.partner_id == record.id)
        ).first()
    our_id = stored_policy.partnership_uuid if stored_policy is not None else None
    if our_id and their_id and our_id != their_id and imports:
        raise OverlapError(
            "this plan file belongs to another partnership (a different partnership id); "
            "nothing was imported",
            where=str(path),
        )
    # Only now, with nothing left to refuse: the first import creates the default policy row.
    policy_row = policy_secrets(ws, record)
    result.already_imported = any(i.content_sha256 == document.content_sha256 for i in imports)
    accounts = AccountIndex(ws, record)
    with ws.session() as session:
        syncs = _syncs(session, record)
        by_ref = {json.loads(s.base_json).get("their_ref"): s for s in syncs.values()}
        plans = {
            (p.our_key, p.partner_key): p
            for p in session.exec(select(Plan).where(Plan.partner_id == record.id))
        }
        plans_by_our_key = {key[0]: plan for key, plan in plans.items()}
        plans_by_ref = {plan.ref: plan for plan in plans.values() if plan.ref}
        unplaced = {
            u.their_ref: u
            for u in session.exec(
                select(UnplacedPlan).where(
                    UnplacedPlan.partner_id == record.id, col(UnplacedPlan.placed_plan_id).is_(None)
                )
            )
        }
        open_conflicts = {
            (c.plan_id, c.item, c.field): c
            for c in session.exec(
                select(PlanConflict).where(
                    PlanConflict.partner_id == record.id, PlanConflict.status == "open"
                )
            )
        }
        children = _children(session, [int(p.id) for p in plans.values() if p.id is not None])
        items = document.plans
        for index, item in enumerate(items):
            if cancel is not None and index % 100 == 0 and cancel():
                raise Cancelled()  # the session is not committed: nothing is written
            ref = item["ref"]
            plan = None
            sync = by_ref.get(ref)
            if sync is not None:
                plan = plans.get((sync.our_key, sync.partner_key))
            if plan is None:
                plan = plans_by_ref.get(item.get("plan_ref") or "")
            if plan is None:
                plan = plans_by_our_key.get(item["your_key"])
            if plan is None:
                placement = accounts.place(item)
                label = item["label"] or item.get("account_name") or item.get("plan_ref") or ref
                if isinstance(placement, str):
                    _keep_unplaced(session, record, item, label, placement, unplaced)
                    result.unmatched.append(label)
                    result.unplaced.append({"account": label, "reason": placement})
                    continue
                plan = plans_by_our_key.get(placement.our_key)
                if plan is None:
                    plan = _new_plan(session, record, placement, item)
                    plans[(plan.our_key, plan.partner_key)] = plan
                    plans_by_our_key[plan.our_key] = plan
                    result.created += 1
                    result.placed.append({"account": plan.account_name, "how": placement.how})
            result.matched += 1
            _merge_item(session, record, plan, item, syncs, open_conflicts, result, children)
            if progress is not None and index % 50 == 0:
                progress(index / max(1, len(items)), "Merging plans")
        if not result.already_imported:
            session.add(
                PlanFileImport(
                    partner_id=record.id,  # type: ignore[arg-type]
                    content_sha256=document.content_sha256,
                    sender=result.sender,
                    sent_at=result.sent_at,
                    imported_at=now(),
                    summary_json=json.dumps(
                        {
                            "matched": result.matched,
                            "created": result.created,
                            "fields_taken": result.fields_taken,
                            "items_added": result.items_added,
                            "conflicts": len(result.conflicts),
                            "unmatched": len(result.unmatched),
                        }
                    ),
                )
            )
        if their_id and policy_row.partnership_uuid != their_id:
            stored = session.get(SharePolicy, policy_row.id)
            assert stored is not None
            stored.partnership_uuid = their_id
            session.add(stored)
        session.commit()
    if progress is not None:
        progress(1.0, "Plans merged")
    return result


def _new_plan(
    session: Session, partner: Partner, placement: Placement, item: dict[str, Any]
) -> Plan:
    """Our plan for a placed plan of a file, under the reference both sides see."""
    plan = Plan(
        partner_id=partner.id,  # type: ignore[arg-type]
        our_key=placement.our_key,
        partner_key=placement.partner_key,
        account_name=placement.account_name,
        created_at=now(),
        updated_at=now(),
    )
    if item.get("plan_ref"):
        plan.ref = item["plan_ref"]
    session.add(plan)
    session.flush()
    return plan


def _merge_item(
    session: Session,
    partner: Partner,
    plan: Plan,
    item: dict[str, Any],
    syncs: dict[tuple[str, str], PlanSync],
    open_conflicts: dict[tuple[int, str, str], PlanConflict],
    result: PlanImportResult,
    children: Children | None,
) -> None:
    """Merge one checked plan of a file into ``plan`` and remember what was exchanged."""
    their_plan_ref = item.get("plan_ref") or ""
    if their_plan_ref and their_plan_ref != plan.ref:
        # Both sides made a plan for the account before they exchanged one: the smaller
        # reference wins on both, so they agree after one round trip.
        plan.ref = min(plan.ref or their_plan_ref, their_plan_ref)
        session.add(plan)
    sync = syncs.get((plan.our_key, plan.partner_key))
    base = json.loads(sync.base_json) if sync else {}
    theirs = _theirs(item)
    _merge_plan(session, partner, plan, theirs, base, open_conflicts, result, children)
    kind = flip_objective_kind(item.get("objective_kind") or "")
    if kind and plan.objective == generated_objective(kind) and plan.objective_kind != kind:
        plan.objective_kind = kind  # rendered from our side, wherever it is shown
        session.add(plan)
    new_base = {**base, **theirs, "their_ref": item["ref"]}
    syncs[(plan.our_key, plan.partner_key)] = _store_sync(session, partner, plan, new_base, sync)


def _keep_unplaced(
    session: Session,
    partner: Partner,
    item: dict[str, Any],
    label: str,
    reason: str,
    kept: dict[str, UnplacedPlan],
) -> None:
    """Keep a plan nothing placed (once per plan: a newer file refreshes what is kept)."""
    row = kept.get(item["ref"])
    if row is None:
        row = UnplacedPlan(
            partner_id=partner.id,  # type: ignore[arg-type]
            plan_ref=item.get("plan_ref") or "",
            their_ref=item["ref"],
            account_name=label,
            reason=reason,
            item_json="{}",
            received_at=now(),
        )
        kept[item["ref"]] = row
    row.account_name, row.reason = label, reason
    row.our_crm_id = item.get("recipient_crm_id") or ""
    row.their_crm_id = item.get("sender_crm_id") or ""
    row.domain = item.get("domain") or ""
    row.item_json = json.dumps(item, sort_keys=True)
    session.add(row)


def _syncs(session: Session, partner: Partner) -> dict[tuple[str, str], PlanSync]:
    return {
        (s.our_key, s.partner_key): s
        for s in session.exec(select(PlanSync).where(PlanSync.partner_id == partner.id))
    }


def _store_sync(
    session: Session, partner: Partner, plan: Plan, base: dict[str, Any], sync: PlanSync | None
) -> PlanSync:
    if sync is None:
        sync = PlanSync(
            partner_id=partner.id,  # type: ignore[arg-type]
            our_key=plan.our_key,
            partner_key=plan.partner_key,
            base_json="{}",
            synced_at=now(),
        )
    base_json = json.dumps(base, sort_keys=True)
    if sync.id is not None and sync.base_json == base_json:
        return sync  # nothing new was exchanged: leave the row (and its time) alone
    sync.base_json = base_json
    sync.synced_at = now()
    session.add(sync)
    return sync


def _decide(ours: Any, theirs: Any, base: Any) -> str:
    """``keep`` / ``take`` / ``conflict`` for one field of a three-way merge."""
    if theirs == ours:
        return "keep"
    if base is not _MISSING:
        if theirs == base:
            return "keep"  # only we changed it
        if ours == base:
            return "take"  # only they changed it
        return "conflict"
    # Never exchanged before: fill what we left empty, ask about what we both wrote.
    if ours in (None, "", "draft") or (isinstance(ours, float) and pd.isna(ours)):
        return "take"
    return "conflict"


def _merge_plan(
    session: Session,
    partner: Partner,
    plan: Plan,
    theirs: dict[str, Any],
    base: dict[str, Any],
    open_conflicts: dict[tuple[int, str, str], PlanConflict],
    result: PlanImportResult,
    children: Children | None = None,
) -> None:
    ours = _plan_content(session, plan, children)
    changed = False

    def conflict(item: str, name: str, our_value: Any, their_value: Any) -> None:
        assert plan.id is not None
        key = (plan.id, item, name)
        existing = open_conflicts.get(key)
        if existing is not None and json.loads(existing.theirs_json) == their_value:
            return  # the same question is open already (same file imported again)
        if existing is None:
            existing = PlanConflict(
                partner_id=partner.id,  # type: ignore[arg-type]
                plan_id=plan.id,
                item=item,
                field=name,
                ours_json="null",
                theirs_json="null",
                created_at=now(),
            )
            open_conflicts[key] = existing
        existing.ours_json = json.dumps(our_value)
        existing.theirs_json = json.dumps(their_value)
        session.add(existing)
        result.conflicts.append(
            {
                "account": plan.account_name,
                "item": item,
                "field": name,
                "ours": our_value,
                "theirs": their_value,
            }
        )

    for name in PLAN_FIELDS:
        if name not in theirs:
            continue
        value = theirs[name]
        decision = _decide(ours[name], value, base.get(name, _MISSING))
        if decision == "take":
            setattr(plan, name, value)
            result.fields_taken += 1
            changed = True
        elif decision == "conflict":
            conflict("plan", name, ours[name], value)

    if "insights" in theirs:
        changed = _merge_insights(session, plan, ours, theirs, base, conflict, result) or changed
    sections = (
        ("steps", PlanStep, STEP_FIELDS, "step"),
        ("metrics", PlanMetric, METRIC_FIELDS, "metric"),
        ("roles", PlanRole, ROLE_FIELDS, "role"),
    )
    for section, table, fields, label in sections:
        if section not in theirs:
            continue
        base_items = base.get(section)
        rows = _rows(session, table, plan.id, children)
        for key, their_item in theirs[section].items():
            our_item = ours[section].get(key)
            if our_item is None:
                if base_items is not None and key in base_items:
                    continue  # we removed it since the last exchange; do not bring it back
                session.add(_new_item(table, plan.id, their_item))
                result.items_added += 1
                changed = True
                continue
            base_item = (base_items or {}).get(key)
            row = rows[key]
            for name in fields:
                base_value = base_item.get(name, _MISSING) if base_item is not None else _MISSING
                if base_item is None and name == "done":
                    base_value = False  # a step nobody has marked done yet
                decision = _decide(our_item.get(name), their_item.get(name), base_value)
                if decision == "take":
                    _set(row, name, their_item.get(name))
                    session.add(row)
                    result.fields_taken += 1
                    changed = True
                elif decision == "conflict":
                    conflict(f"{label}:{key}", name, our_item.get(name), their_item.get(name))
    if changed:
        plan.updated_at = now()
        session.add(plan)


def _rows(
    session: Session, table: Any, plan_id: int | None, children: Children | None = None
) -> dict[str, Any]:
    rows = _child_rows(session, table, plan_id, children)
    if table is PlanStep:
        return {_step_key(r.what): r for r in rows}
    if table is PlanMetric:
        return {r.name: r for r in rows}
    return {f"{r.party}|{r.person}": r for r in rows}


def _new_item(table: Any, plan_id: int | None, item: dict[str, Any]) -> Any:
    if table is PlanStep:
        return PlanStep(
            plan_id=plan_id,  # type: ignore[arg-type]
            **item,
            done_at=now() if item["done"] else None,
        )
    return table(plan_id=plan_id, **item)


def _set(row: Any, name: str, value: Any) -> None:
    setattr(row, name, value)
    if isinstance(row, PlanStep) and name == "done":
        row.done_at = now() if value else None


# ---------------------------------------------------------------------------- conflicts


def plan_conflicts(
    ws: Workspace, partner: str | Partner, *, open_only: bool = True
) -> pd.DataFrame:
    """Conflicts of a partnership's plans: account, item, field, our and their value."""
    record = resolve_partner(ws, partner)
    sql = (
        "SELECT c.id, p.account_name AS account, c.item, c.field, c.ours_json, c.theirs_json, "
        "c.status, c.created_at FROM planconflict c JOIN plan p ON p.id = c.plan_id "
        "WHERE c.partner_id = :p"
    )
    if open_only:
        sql += " AND c.status = 'open'"
    frame = ws.read_frame(sql + " ORDER BY c.id", {"p": record.id})
    frame["ours"] = [json.loads(v) for v in frame.pop("ours_json")]
    frame["theirs"] = [json.loads(v) for v in frame.pop("theirs_json")]
    return frame[["id", "account", "item", "field", "ours", "theirs", "status", "created_at"]]


def _merge_insights(
    session: Session,
    plan: Plan,
    ours: dict[str, Any],
    theirs: dict[str, Any],
    base: dict[str, Any],
    conflict: Callable[[str, str, Any, Any], None],
    result: PlanImportResult,
) -> bool:
    """The account insights, field by field as the plan's own fields; True if one was taken."""
    mine, their_insight = ours["insights"], theirs["insights"]
    base_insight = base.get("insights") or {}
    row = _insight_row(session, plan)
    taken = False
    for name in INSIGHT_FIELDS:
        our_value = mine.get(name)
        their_value = their_insight.get(name)
        decision = _decide(our_value, their_value, base_insight.get(name, _MISSING))
        if decision == "take":
            if row is None:
                row = AccountInsight(
                    partner_id=plan.partner_id, our_key=plan.our_key,
                    partner_key=plan.partner_key, updated_at=now(),
                )  # fmt: skip
            setattr(row, name, their_value)
            row.updated_at = now()
            session.add(row)
            result.fields_taken += 1
            taken = True
        elif decision == "conflict":
            conflict("insight", name, our_value, their_value)
    return taken


def resolve_conflict(ws: Workspace, conflict_id: int, take: str) -> None:
    """Settle a conflict: ``ours`` keeps our value, ``theirs`` writes the partner's."""
    if take not in ("ours", "theirs"):
        raise OverlapError("a conflict is resolved by taking 'ours' or 'theirs'")
    with ws.session() as session:
        conflict = session.get(PlanConflict, conflict_id)
        if conflict is None:
            raise OverlapError(f"no conflict with id {conflict_id}")
        if conflict.status != "open":
            raise OverlapError(f"conflict {conflict_id} is resolved already ({conflict.status})")
        if take == "theirs":
            label, _, key = conflict.item.partition(":")
            value = check_their_value(label, conflict.field, json.loads(conflict.theirs_json))
            plan = session.get(Plan, conflict.plan_id)
            assert plan is not None
            if conflict.item == "plan":
                setattr(plan, conflict.field, value)
            elif conflict.item == "insight":
                insight = _insight_row(session, plan) or AccountInsight(
                    partner_id=plan.partner_id, our_key=plan.our_key,
                    partner_key=plan.partner_key, updated_at=now(),
                )  # fmt: skip
                setattr(insight, conflict.field, value)
                insight.updated_at = now()
                session.add(insight)
            else:
                table = {"step": PlanStep, "metric": PlanMetric, "role": PlanRole}[label]
                row = _rows(session, table, plan.id).get(key)
                if row is None:
                    raise OverlapError("the plan item of this conflict no longer exists")
                _set(row, conflict.field, value)
                session.add(row)
            plan.updated_at = now()
            session.add(plan)
        conflict.status = take
        conflict.resolved_at = now()
        session.add(conflict)
        session.commit()


def plan_file_is_encrypted(path: str | Path) -> bool:
    """True when the file at ``path`` is passphrase-encrypted (so a passphrase is needed)."""
    try:
        with open(path, "rb") as handle:
            return crypto.is_encrypted(handle.read(len(crypto.MAGIC)))
    except OSError:
        return False
