"""A partnership's lifecycle, its model and stage set by the user, and the checklist of each.

**Lifecycle stages**, in order: recruit, onboard, enable, grow, mature, review. Each has a
focus and a few things that move the partnership to the next stage; co-selling is the focus
of *grow*. The **checklist** of a partnership says what is done and what is not: the items of
its stage and the ones before, the items our ARR stage asks for (at $10-100M: territories,
deal registration rules, enablement), and a reseller's deals registered.

**Rules agreed up front**: each side's acceptance of a version of the rules of engagement is
recorded (who, when, through which plan file), so the checklist can say that both accepted
the version in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlmodel import select

from engine.errors import OverlapError
from engine.output.formats import day
from engine.ownership import rules
from engine.partner_models import partnership_model, registration_required
from engine.program.enablement import enablement_counts
from engine.program.partnership import ARR_STAGES, arr_stage, partner_count_advice
from engine.store.models import Partner, RuleAcceptance
from engine.store.workspace import US, Workspace, now, resolve_partner

STAGES = ("recruit", "onboard", "enable", "grow", "mature", "review")
STAGE_FOCUS = {
    "recruit": "Pick a partner whose customers are our prospects and agree the model.",
    "onboard": "Map the accounts, agree the rules of engagement and the sync rhythm.",
    "enable": "Teach each side's sellers the other's product, pitch and rules.",
    "grow": "Co-sell: joint plans on a pilot shortlist, deals won together.",
    "mature": "Run it as a process: territories, deal registration, regular refreshes.",
    "review": "Judge the results: keep, rework or end the partnership.",
}


@dataclass(frozen=True)
class CheckItem:
    """One line of a partnership's checklist."""

    key: str
    label: str
    done: bool
    detail: str
    stage: str  # the lifecycle stage it belongs to, or "arr" for our ARR stage's advice

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "done": self.done,
            "detail": self.detail,
            "stage": self.stage,
        }


@dataclass(frozen=True)
class Checklist:
    partner: str
    model: str
    stage: str
    arr_stage: str
    items: tuple[CheckItem, ...]
    advice: tuple[str, ...]

    @property
    def focus(self) -> str:
        return STAGE_FOCUS[self.stage]

    def next_stage(self) -> str | None:
        at = STAGES.index(self.stage)
        return STAGES[at + 1] if at + 1 < len(STAGES) else None

    def to_next(self) -> list[CheckItem]:
        """The items not done yet that the move to the next stage waits for."""
        return [i for i in self.items if i.stage == self.stage and not i.done]

    def next_text(self) -> str:
        following = self.next_stage()
        if following is None:
            return "Review: keep the partnership (back to grow), rework it, or end it."
        missing = self.to_next()
        if not missing:
            return f"Ready to move to {following}."
        return f"To move to {following}: " + "; ".join(i.label.lower() for i in missing) + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "model": self.model,
            "stage": self.stage,
            "focus": self.focus,
            "next": self.next_text(),
            "arr_stage": self.arr_stage,
            "items": [i.to_dict() for i in self.items],
            "advice": list(self.advice),
        }


def _stage(value: str) -> str:
    key = str(value).strip().lower()
    if key not in STAGES:
        raise OverlapError(f"unknown lifecycle stage '{value}' (use {', '.join(STAGES)})")
    return key


def co_sell_partners(ws: Workspace) -> int:
    return sum(1 for p in ws.partners() if p.model == "co-sell")


def model_advice(ws: Workspace, model: str, *, adding: bool) -> str | None:
    """What our ARR stage says about one more partnership of ``model`` (``adding``: a new
    partnership; else an existing one changing to it)."""
    if partnership_model(model).name != "co-sell":
        return None
    return partner_count_advice(arr_stage(ws), co_sell_partners(ws) + (1 if adding else 0))


@dataclass(frozen=True)
class PartnerChange:
    """What ``set_partner`` changed, the values before (for undo) and the advice it gave."""

    partner: str
    model: str
    stage: str
    previous_model: str
    previous_stage: str
    advice: str | None

    def text(self) -> str:
        parts = []
        if self.model != self.previous_model:
            parts.append(f"model {self.previous_model} -> {self.model}")
        if self.stage != self.previous_stage:
            parts.append(f"stage {self.previous_stage} -> {self.stage}")
        out = f"{self.partner}: " + (", ".join(parts) if parts else "no change")
        if self.model != self.previous_model:
            out += "; the next assign follows the new model"
        return out


def set_partner(
    ws: Workspace, partner: str | Partner, *, model: str | None = None, stage: str | None = None
) -> PartnerChange:
    """Change a partnership's model or lifecycle stage. A new model takes effect at the next
    ``assign`` (the leads) and the next plans made from the shortlist (the template)."""
    record = resolve_partner(ws, partner)
    new_model = record.model if model is None else partnership_model(model).name
    new_stage = (record.stage or STAGES[0]) if stage is None else _stage(stage)
    advice = None
    if new_model != record.model:
        advice = model_advice(ws, new_model, adding=True)
    with ws.session() as session:
        row = session.get(Partner, record.id)
        assert row is not None
        previous_model, previous_stage = row.model, row.stage or STAGES[0]
        row.model, row.stage = new_model, new_stage
        session.add(row)
        session.commit()
    return PartnerChange(record.name, new_model, new_stage, previous_model, previous_stage, advice)


# ---------------------------------------------------------------------- rules accepted


def accept_rules(
    ws: Workspace,
    partner: str | Partner,
    side: str,
    by: str,
    *,
    version: int | None = None,
    plan_file: str = "",
) -> RuleAcceptance:
    """Record that ``side`` (us / partner) accepted a version of the rules (default: the
    current one), ``by`` whom, through which plan file if any."""
    record = resolve_partner(ws, partner)
    side = str(side).strip().lower()
    if side not in (US, "partner"):
        raise OverlapError(f"the side is 'us' or 'partner', not '{side}'")
    if not str(by).strip():
        raise OverlapError("say who accepted the rules (a name)")
    current = rules(ws, record).version
    wanted = current if version is None else int(version)
    if wanted < 1 or wanted > current:
        raise OverlapError(
            "no rules of engagement are saved yet (set or assign them first)"
            if current == 0
            else f"rules version {wanted} does not exist (versions 1 to {current})"
        )
    with ws.session() as session:
        found = session.exec(
            select(RuleAcceptance).where(
                RuleAcceptance.partner_id == record.id,
                RuleAcceptance.version == wanted,
                RuleAcceptance.side == side,
            )
        ).first()
        row = found or RuleAcceptance(
            partner_id=int(record.id),  # type: ignore[arg-type]
            version=wanted,
            side=side,
            accepted_by="",
            accepted_at=now(),
        )
        row.accepted_by = str(by).strip()
        row.accepted_at = now()
        row.plan_file = str(plan_file or "").strip()
        session.add(row)
        session.commit()
        session.refresh(row)
    return row


def acceptances(ws: Workspace, partner: str | Partner) -> pd.DataFrame:
    """Every acceptance of the partnership's rules, newest version first."""
    record = resolve_partner(ws, partner)
    return ws.read_frame(
        "SELECT version, side, accepted_by, accepted_at, plan_file FROM ruleacceptance "
        "WHERE partner_id = :p ORDER BY version DESC, side",
        {"p": record.id},
    )


def _acceptance_text(frame: pd.DataFrame, version: int) -> tuple[bool, str]:
    rows = frame[frame["version"] == version]
    sides = {str(r["side"]): r for r in rows.to_dict("records")}
    parts = []
    for side, word in ((US, "us"), ("partner", "the partner")):
        row = sides.get(side)
        if row is None:
            parts.append(f"not yet accepted by {word}")
            continue
        when = day(row["accepted_at"])
        through = f", through {row['plan_file']}" if row["plan_file"] else ""
        parts.append(f"{word} ({row['accepted_by']}, {when}{through})")
    return len(sides) == 2, f"version {version}: " + "; ".join(parts)


# ---------------------------------------------------------------------- the checklist


def _count(ws: Workspace, sql: str, partner_id: int) -> int:
    return int(ws.read_frame(sql, {"p": partner_id})["n"].iloc[0])


def checklist(ws: Workspace, partner: str | Partner) -> Checklist:
    """What is done and what is not for this partnership (see the module doc)."""
    record = resolve_partner(ws, partner)
    with ws.session() as session:
        fresh = session.get(Partner, record.id)
        assert fresh is not None
    pid = int(fresh.id)  # type: ignore[arg-type]

    def count(table: str, where: str = "") -> int:
        return _count(ws, f"SELECT count(*) AS n FROM {table} WHERE partner_id = :p{where}", pid)

    matched = count("match", " AND status IN ('auto', 'accepted', 'manual')")
    current = rules(ws, fresh).version
    agreed, agreed_text = (
        _acceptance_text(acceptances(ws, fresh), current)
        if current
        else (False, "no rules saved yet")
    )
    assigned = count("assignment")
    synced = count("syncschedule")
    enabled = enablement_counts(ws, fresh)
    plans = count("plan")
    co_sold_won = count("opportunity", " AND partner_involved = 1 AND outcome = 'won'")
    areas = count("territory")
    registration_rules = count("registrationsetting")
    refreshed = fresh.last_refresh_at is not None or count("mappingrun") > 0
    items = [
        CheckItem("model", "Model agreed", True, f"{fresh.model}", "recruit"),
        CheckItem("mapped", "Accounts mapped", matched > 0, f"{matched} linked pair(s)", "recruit"),
        CheckItem(
            "rules", "Rules of engagement accepted by both sides", agreed, agreed_text, "onboard"
        ),
        CheckItem("leads", "Leads assigned", assigned > 0, f"{assigned} account(s)", "onboard"),
        CheckItem("sync", "Sync rhythm set", synced > 0, "set" if synced else "not set", "onboard"),
        CheckItem(
            "session",
            "Enablement session held",
            enabled.sessions > 0,
            f"{enabled.sessions} session(s)",
            "enable",
        ),
        CheckItem(
            "trained",
            "People trained on both sides",
            enabled.trained_us + enabled.certified_us > 0
            and enabled.trained_partner + enabled.certified_partner > 0,
            enabled.text(),
            "enable",
        ),
        CheckItem(
            "materials",
            "Materials shared",
            enabled.materials > 0,
            f"{enabled.materials} material(s)",
            "enable",
        ),
        CheckItem(
            "plans", "Joint plans on a pilot shortlist", plans > 0, f"{plans} plan(s)", "grow"
        ),
        CheckItem("won", "A co-sold deal won", co_sold_won > 0, f"{co_sold_won} won", "grow"),
        CheckItem(
            "territories", "Territories defined", areas > 0, f"{areas} territory(ies)", "mature"
        ),
        CheckItem(
            "registration",
            "Deal registration rules set",
            registration_rules > 0,
            "set" if registration_rules else "not set",
            "mature",
        ),
        CheckItem(
            "refreshed", "Mapping refreshed on its cadence", refreshed, fresh.cadence, "mature"
        ),
    ]
    if registration_required(fresh.model):
        unregistered = _count(
            ws,
            "SELECT count(*) AS n FROM plan p WHERE p.partner_id = :p AND p.status IN "
            "('draft', 'active') AND NOT EXISTS (SELECT 1 FROM registration r WHERE "
            "r.partner_id = p.partner_id AND r.our_key = p.our_key AND r.status IN "
            "('submitted', 'approved', 'won'))",
            pid,
        )
        items.append(
            CheckItem(
                "reseller_registered",
                "Every reseller deal registered",
                unregistered == 0,
                f"{unregistered} open plan(s) without a registration",
                "grow",
            )
        )
    stage = fresh.stage if fresh.stage in STAGES else STAGES[0]
    ours = arr_stage(ws)
    advice: list[str] = []
    if ours:
        advice.append(ARR_STAGES[ours][1])
    if ours in ("scaleup", "established"):
        for key in ("territories", "registration", "session"):
            item = next(i for i in items if i.key == key)
            if not item.done:
                advice.append(f"At {ARR_STAGES[ours][0]}: {item.label.lower()} is missing.")
    warning = model_advice(ws, fresh.model, adding=False)
    if warning:
        advice.append(warning)
    return Checklist(fresh.name, fresh.model, stage, ours, tuple(items), tuple(advice))
