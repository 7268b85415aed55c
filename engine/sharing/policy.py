"""Share policy per partnership and the preview of exactly what an export will contain.

A policy names the fields that may leave (default minimal: account name, domain, lead, plan,
next steps; revenue, owner names / e-mails and notes only when chosen) and can restrict an
export to counts: the overlap matrix with numbers and no names. ``share_preview`` builds the
``SharePackage`` - every table of every file, already filtered - and the writers (XLSX, PDF,
CSV, ``.overlap-plan``) write that package and nothing else, so the preview is what leaves.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlmodel import select

from engine.errors import Cancelled, OverlapError
from engine.partner_models import model_aspects
from engine.plans import (
    GENERIC_OBJECTIVE,
    ensure_plan_refs,
    flip_objective_kind,
    generated_objective,
)
from engine.store.models import Partner, SharePolicy
from engine.store.workspace import Workspace, account_keys, now, resolve_partner

# field -> (label shown to the user, in the default minimal policy)
SHARE_FIELDS: dict[str, tuple[str, bool]] = {
    "account_name": ("Account name", True),
    "domain": ("Web domain", True),
    "lead": ("Lead (who leads the account)", True),
    "plan": ("Plan: objective, status, roles, success metrics", True),
    "next_steps": ("Next steps", True),
    "lead_rationale": ("Why that lead (rules of engagement)", False),
    "stage": ("Our stage (prospect / customer / churned)", False),
    "industry": ("Industry", False),
    "country": ("Country and city", False),
    "deal_size": ("Open deal size and close date", False),
    "annual_revenue": ("Annual revenue", False),
    "owner": ("Account owner (names, e-mails)", False),
    "notes": ("Plan notes", False),
    "insights": ("Account insights: needs, stakeholders, competitors, next event", False),
}
DEFAULT_FIELDS = [name for name, (_label, default) in SHARE_FIELDS.items() if default]
STAGES = ("prospect", "customer", "churned", "other")
SHARED_STATUSES = ("auto", "accepted", "manual")
# A counts-only cell below this can point at a single account.
SMALL_CELL = 3
# An amount in free text: a currency sign before a number, or a number of five digits or more.
_AMOUNT = re.compile(
    r"[$€£¥]\s?\d|\d{1,3}(?:[,.\s]\d{3}){1,}(?!\d)|\d{5,}|\d+(?:\.\d+)?\s?[kKmM]\b"
)


@dataclass
class Policy:
    """What may leave for one partnership."""

    partner: str
    fields: list[str]
    counts_only: bool = False

    def allows(self, name: str) -> bool:
        return name in self.fields


def _policy_row(ws: Workspace, partner: Partner) -> SharePolicy:
    """The stored policy of ``partner``, created with the minimal default the first time."""
    with ws.session() as session:
        row = session.exec(select(SharePolicy).where(SharePolicy.partner_id == partner.id)).first()
        if row is None:
            row = SharePolicy(
                partner_id=partner.id,  # type: ignore[arg-type]
                fields_json=json.dumps(DEFAULT_FIELDS),
                counts_only=False,
                ref_salt=secrets.token_hex(32),
                updated_at=now(),
            )
            session.add(row)
            session.commit()
            session.refresh(row)
        return row


def share_policy(ws: Workspace, partner: str | Partner) -> Policy:
    """The share policy of a partnership (the minimal default until changed)."""
    record = resolve_partner(ws, partner)
    row = _policy_row(ws, record)
    return Policy(record.name, json.loads(row.fields_json), row.counts_only)


def set_share_policy(
    ws: Workspace,
    partner: str | Partner,
    *,
    fields: Sequence[str] | None = None,
    counts_only: bool | None = None,
) -> Policy:
    """Change which fields may leave and/or the counts-only mode; unknown fields are refused."""
    record = resolve_partner(ws, partner)
    row = _policy_row(ws, record)
    if fields is not None:
        unknown = [f for f in fields if f not in SHARE_FIELDS]
        if unknown:
            raise OverlapError(
                f"unknown share field {', '.join(unknown)} (fields: {', '.join(SHARE_FIELDS)})"
            )
        row.fields_json = json.dumps([f for f in SHARE_FIELDS if f in set(fields)])
    if counts_only is not None:
        row.counts_only = counts_only
    row.updated_at = now()
    with ws.session() as session:
        session.add(row)
        session.commit()
    return share_policy(ws, record)


def policy_secrets(ws: Workspace, partner: Partner) -> SharePolicy:
    """The stored policy row (salt and partnership id), for the plan-file module."""
    return _policy_row(ws, partner)


# ---------------------------------------------------------------------------- the package


@dataclass
class SharePackage:
    """Everything an export of one partnership contains, filtered by its policy.

    ``plans``, ``steps``, ``metrics`` and ``roles`` hold exactly the columns and rows that
    leave; ``plan_items`` carries the same plans as structured records for ``.overlap-plan``.
    """

    partner: str
    partner_model: str
    us: str
    policy: Policy
    created_at: datetime
    rules_version: int | None
    rules: list[dict[str, Any]]
    tie_breaker: str | None
    counts: dict[str, int]
    matrix: pd.DataFrame  # our stage x partner stage, shared account counts
    plans: pd.DataFrame
    steps: pd.DataFrame
    metrics: pd.DataFrame
    roles: pd.DataFrame
    plan_items: list[dict[str, Any]] = field(default_factory=list)
    plan_ids: list[int] = field(default_factory=list)  # our plan of each item; never written
    warnings: list[str] = field(default_factory=list)

    @property
    def counts_only(self) -> bool:
        return self.policy.counts_only

    @property
    def shares_matrix(self) -> bool:
        """Whether the stage x stage matrix leaves: in counts-only mode (what it is for), else
        only when our stage may leave."""
        return not self.matrix.empty

    @property
    def shares_rules(self) -> bool:
        return self.policy.allows("lead_rationale")

    def small_cells(self) -> list[tuple[str, str, int]]:
        """Matrix cells that could point at one account (1 or 2 accounts)."""
        cells = []
        for our_stage in self.matrix.index:
            for their_stage in self.matrix.columns:
                value = int(self.matrix.loc[our_stage, their_stage])
                if 0 < value < SMALL_CELL:
                    cells.append((str(our_stage), str(their_stage), value))
        return cells

    def field_labels(self) -> list[str]:
        if self.counts_only:
            return ["Counts by stage (no names)"]
        return [SHARE_FIELDS[f][0] for f in self.policy.fields]

    def summary_lines(self) -> list[tuple[str, Any]]:
        """Key/value lines of the summary sheet and the PDF cover."""
        lines: list[tuple[str, Any]] = [
            ("Partnership", f"{self.us} and {self.partner}"),
            ("Model", self.partner_model),
            # The guide's seven aspects of the model: the contract both sides read.
            *model_aspects(self.partner_model),
            ("Prepared by", self.us),
            ("Prepared on", self.created_at.strftime("%Y-%m-%d %H:%M UTC")),
        ]
        if self.policy.allows("lead_rationale"):
            lines.append(
                (
                    "Rules of engagement",
                    f"version {self.rules_version}" if self.rules_version else "none agreed yet",
                )
            )
        lines += [
            (label.replace("_", " ").capitalize(), value) for label, value in self.counts.items()
        ]
        lines.append(
            (
                "Contents",
                "counts only (no account names)"
                if self.counts_only
                else ", ".join(self.field_labels()),
            )
        )
        return lines

    def describe(self) -> dict[str, Any]:
        """The preview as plain data: what files will contain, in rows, fields and counts."""
        return {
            "partner": self.partner,
            "counts_only": self.counts_only,
            "fields": self.field_labels(),
            "rows": {
                "plans": len(self.plans),
                "next_steps": len(self.steps),
                "metrics": len(self.metrics),
                "roles": len(self.roles),
            },
            "columns": {
                "plans": list(self.plans.columns),
                "next_steps": list(self.steps.columns),
                "metrics": list(self.metrics.columns),
                "roles": list(self.roles.columns),
            },
            "counts": self.counts,
            "small_cells": [
                {"ours": o, "theirs": t, "accounts": n} for o, t, n in self.small_cells()
            ],
            "warnings": self.warnings,
        }


def _matrix(ws: Workspace, partner_id: int) -> pd.DataFrame:
    links = ws.read_frame(
        "SELECT our_account_id, partner_account_id FROM match "
        f"WHERE partner_id = :p AND status IN {SHARED_STATUSES}",
        {"p": partner_id},
    )
    frame = (
        ws.with_accounts(links, ["stage"])
        .groupby(["our_stage", "partner_stage"], dropna=False)
        .size()
        .reset_index()
    )
    counts: dict[tuple[str, str], int] = {}
    for ours, theirs, n in frame.itertuples(index=False):
        cell = (ours if ours in STAGES else "other", theirs if theirs in STAGES else "other")
        counts[cell] = counts.get(cell, 0) + int(n)
    matrix = pd.DataFrame(
        [[counts.get((o, t), 0) for t in STAGES] for o in STAGES],
        index=list(STAGES),
        columns=list(STAGES),
        dtype="int64",
    )
    matrix.index.name = "ours \\ theirs"
    return matrix


def _insights(ws: Workspace, partner_id: int) -> dict[tuple[str, str], dict[str, Any]]:
    """The account insights of a partnership (engine.program.outreach), by account pair."""
    frame = ws.read_frame(
        "SELECT our_key, partner_key, needs, stakeholders, competitors, next_event, "
        "next_event_date FROM accountinsight WHERE partner_id = :p",
        {"p": partner_id},
    )
    frame = frame.astype(object).where(frame.notna(), None)
    records = [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
    return {(r.pop("our_key"), r.pop("partner_key")): r for r in records}


def _rules(ws: Workspace, partner_id: int) -> tuple[int | None, list[dict[str, Any]], str | None]:
    frame = ws.read_frame(
        "SELECT version, criteria_json, tie_breaker FROM ruleset WHERE partner_id = :p "
        "ORDER BY version DESC LIMIT 1",
        {"p": partner_id},
    )
    if frame.empty:
        return None, [], None
    criteria = json.loads(frame["criteria_json"].iloc[0] or "[]")
    enabled = [c for c in criteria if isinstance(c, dict) and c.get("enabled", True)]
    return int(frame["version"].iloc[0]), enabled, str(frame["tie_breaker"].iloc[0])


def _our_accounts_by_key(ws: Workspace) -> pd.DataFrame:
    snapshot = ws.current_snapshot(None)
    if snapshot is None or snapshot.id is None:
        return pd.DataFrame()
    accounts = ws.accounts(snapshot.id)
    if accounts.empty:
        return accounts
    accounts["key"] = account_keys(accounts)
    return accounts.drop_duplicates("key").set_index("key")


def _by_plan(frame: pd.DataFrame) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for record in frame.to_dict("records"):
        grouped.setdefault(record["plan_id"], []).append({str(k): v for k, v in record.items()})
    return grouped


def _objects(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with Python values and None for every missing value (no NaN in records)."""
    return frame.astype(object).where(frame.notna(), None)


def _value(row: Any, name: str) -> Any:
    if row is None:
        return None
    value = row.get(name)
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def share_preview(
    ws: Workspace,
    partner: str | Partner,
    *,
    policy: Policy | None = None,
    plan_ids: Sequence[int] | None = None,
    progress: Callable[[float, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> SharePackage:
    """What an export for ``partner`` would contain under its policy (or ``policy``)."""
    record = resolve_partner(ws, partner)
    assert record.id is not None
    policy = policy or share_policy(ws, record)
    if progress:
        progress(0.05, "Reading plans")
    ensure_plan_refs(ws, record)
    version, criteria, tie_breaker = (
        _rules(ws, record.id) if policy.allows("lead_rationale") else (None, [], None)
    )
    matrix = _matrix(ws, record.id)
    plans = ws.read_frame(
        "SELECT * FROM plan WHERE partner_id = :p ORDER BY account_name, id", {"p": record.id}
    )
    if plan_ids is not None:
        plans = plans[plans["id"].isin(list(plan_ids))]
    plans = _objects(plans)
    ids = [int(i) for i in plans["id"]]
    marks = ",".join(str(i) for i in ids) or "NULL"
    steps = ws.read_frame(
        f"SELECT * FROM planstep WHERE plan_id IN ({marks}) ORDER BY plan_id, due_date, id"
    )
    metrics = ws.read_frame(
        f"SELECT * FROM planmetric WHERE plan_id IN ({marks}) ORDER BY plan_id, id"
    )
    roles = ws.read_frame(
        f"SELECT * FROM planrole WHERE plan_id IN ({marks}) ORDER BY plan_id, party, id"
    )
    steps, metrics, roles = _objects(steps), _objects(metrics), _objects(roles)
    assignments = ws.read_frame(
        "SELECT our_key, partner_key, criterion, rationale FROM assignment WHERE partner_id = :p",
        {"p": record.id},
    )
    rationale = {(k1, k2): (c, r) for k1, k2, c, r in assignments.itertuples(index=False)}
    insights = _insights(ws, record.id) if policy.allows("insights") else {}
    if cancel is not None and cancel():
        raise Cancelled()
    accounts = _our_accounts_by_key(ws)
    open_steps = int((~steps["done"].astype(bool)).sum()) if not steps.empty else 0
    counts = {
        "shared_accounts": int(matrix.to_numpy().sum()),
        "plans": len(plans),
        "next_steps": len(steps),
        "open_next_steps": open_steps,
        "we_lead": int((plans["lead"] == "us").sum()) if not plans.empty else 0,
        "partner_leads": int((plans["lead"] == "partner").sum()) if not plans.empty else 0,
    }
    package = SharePackage(
        partner=record.name,
        partner_model=record.model,
        us=ws.company().name,
        policy=policy,
        created_at=now(),
        rules_version=version,
        rules=criteria,
        tie_breaker=tie_breaker,
        counts=counts,
        # Our stage of every shared account, counted: it leaves in counts-only mode (which
        # shares exactly this) or when our stage may leave, never otherwise.
        matrix=matrix if policy.counts_only or policy.allows("stage") else matrix.iloc[0:0, 0:0],
        plans=pd.DataFrame(),
        steps=pd.DataFrame(),
        metrics=pd.DataFrame(),
        roles=pd.DataFrame(),
    )
    if policy.counts_only:
        small = package.small_cells()
        if small:
            package.warnings.append(
                f"{len(small)} cell(s) of the matrix count fewer than {SMALL_CELL} accounts; "
                "a partner could tell which account they are"
            )
        return package

    allow = policy.allows
    salt = _policy_row(ws, record).ref_salt
    us, them = package.us, record.name

    def party(value: Any) -> str:
        return {"us": us, "partner": them}.get(value, str(value or ""))

    # Plain dicts and lists: one pass over each table, no DataFrame work per plan.
    steps_by_plan = _by_plan(steps)
    metrics_by_plan = _by_plan(metrics)
    roles_by_plan = _by_plan(roles)
    account_records = _objects(accounts).to_dict("index") if not accounts.empty else {}
    plan_rows, step_rows, metric_rows, role_rows, items = [], [], [], [], []
    for index, plan in enumerate(plans.to_dict("records")):
        if cancel is not None and index % 200 == 0 and cancel():
            raise Cancelled()
        account = account_records.get(plan["our_key"])
        ref = plan_ref(salt, plan["our_key"], plan["partner_key"])
        number = str(plan["ref"])  # the reference both sides see
        name = plan["account_name"] if allow("account_name") else f"Account {number}"
        row: dict[str, Any] = {"Plan": number}
        item: dict[str, Any] = {
            "ref": ref,
            "plan_ref": number,
            "your_key": plan["partner_key"],
            "label": name,
            **_crm_ids(plan["our_key"], plan["partner_key"]),
        }
        if allow("account_name"):
            row["Account"] = plan["account_name"]
            item["account_name"] = plan["account_name"]
        if allow("domain"):
            row["Domain"] = _value(account, "domains") or ""
            item["domain"] = row["Domain"]
        if allow("stage"):
            row["Our stage"] = _value(account, "stage") or ""
            item["stage"] = row["Our stage"]
        if allow("industry"):
            row["Industry"] = _value(account, "industry") or ""
            item["industry"] = row["Industry"]
        if allow("country"):
            row["Country"] = _value(account, "country") or ""
            row["City"] = _value(account, "city") or ""
            item["country"], item["city"] = row["Country"], row["City"]
        if allow("annual_revenue"):
            row["Annual revenue"] = _value(account, "annual_revenue")
            item["annual_revenue"] = row["Annual revenue"]
        if allow("deal_size"):
            row["Open deal size"] = _value(account, "deal_size")
            row["Close date"] = _value(account, "deal_close_date") or ""
            item["deal_size"], item["deal_close_date"] = row["Open deal size"], row["Close date"]
        if allow("owner"):
            row["Account owner"] = _value(account, "owner") or ""
            item["owner"] = row["Account owner"]
        if allow("lead"):
            row["Lead"] = party(plan["lead"])
            item["lead"] = plan["lead"]
        if allow("lead_rationale"):
            criterion, why = rationale.get((plan["our_key"], plan["partner_key"]), ("", ""))
            row["Lead decided by"] = criterion
            row["Why"] = why
            item["lead_rationale"] = why
        if allow("plan"):
            kind = _generated_kind(plan)
            if not kind:
                row["Objective"] = item["objective"] = plan["objective"]
            elif allow("stage"):
                # Rendered from the reader's side: the partner reads "our" as theirs.
                row["Objective"] = generated_objective(kind, us=us, them=them)
                item["objective"] = generated_objective(flip_objective_kind(kind))
                item["objective_kind"] = kind
            else:
                # A generated objective spells out our stage: a neutral one leaves instead,
                # and the plan file leaves the partner's objective as it is.
                row["Objective"] = GENERIC_OBJECTIVE
            row["Status"] = item["status"] = plan["status"]
            item["why_together"] = plan.get("why_together") or ""
        if allow("notes"):
            row["Notes"] = plan["notes"]
            item["notes"] = plan["notes"]
        plan_steps = steps_by_plan.get(plan["id"], [])
        if allow("next_steps"):
            row["Open steps"] = sum(1 for step in plan_steps if not step["done"])
            item["steps"] = []
            for step in plan_steps:
                done = bool(step["done"])
                step_rows.append(
                    {
                        "Plan": number,
                        "Account": name,
                        "Next step": step["what"],
                        "Owner": party(step["owner_party"]),
                        "Person": step["owner_person"] or "",
                        "Due": step["due_date"] or "",
                        "Done": "yes" if done else "no",
                    }
                )
                item["steps"].append(
                    {
                        "what": step["what"],
                        "owner_party": step["owner_party"],
                        "owner_person": step["owner_person"],
                        "due_date": step["due_date"],
                        "done": done,
                        "joint": bool(step.get("joint")),
                    }
                )
        if allow("plan"):
            item["metrics"], item["roles"] = [], []
            for metric in metrics_by_plan.get(plan["id"], []):
                target = None if metric["target"] is None else float(metric["target"])
                actual = None if metric["actual"] is None else float(metric["actual"])
                metric_rows.append(
                    {
                        "Plan": number,
                        "Account": name,
                        "Metric": metric["name"],
                        "Target": target,
                        "Actual": actual,
                        "Unit": metric["unit"],
                    }
                )
                item["metrics"].append(
                    {
                        "name": metric["name"],
                        "target": target,
                        "actual": actual,
                        "unit": metric["unit"],
                    }
                )
            for role in roles_by_plan.get(plan["id"], []):
                role_rows.append(
                    {
                        "Plan": number,
                        "Account": name,
                        "Party": party(role["party"]),
                        "Person": role["person"],
                        "Role": role["role"],
                        "Responsibility": role["responsibility"],
                    }
                )
                item["roles"].append(
                    {
                        "party": role["party"],
                        "person": role["person"],
                        "role": role["role"],
                        "responsibility": role["responsibility"],
                    }
                )
        insight = insights.get((plan["our_key"], plan["partner_key"]))
        if insight is not None:
            item["insights"] = insight
        plan_rows.append(row)
        items.append(item)
        if progress and index % 100 == 0:
            progress(0.1 + 0.8 * index / max(1, len(plans)), "Preparing plans")
    package.plans = pd.DataFrame(plan_rows)
    package.steps = pd.DataFrame(
        step_rows, columns=["Plan", "Account", "Next step", "Owner", "Person", "Due", "Done"]
    )
    package.metrics = pd.DataFrame(
        metric_rows, columns=["Plan", "Account", "Metric", "Target", "Actual", "Unit"]
    )
    package.roles = pd.DataFrame(
        role_rows, columns=["Plan", "Account", "Party", "Person", "Role", "Responsibility"]
    )
    package.plan_items = items
    package.plan_ids = ids
    if not allow("annual_revenue") and not allow("deal_size"):
        figures = sum(
            1
            for item in items
            if _AMOUNT.search(f"{item.get('objective', '')} {item.get('notes', '')}")
        )
        figures += sum(1 for step in step_rows if _AMOUNT.search(str(step["Next step"])))
        if figures:
            package.warnings.append(
                f"{figures} objective(s) or step(s) mention amounts although revenue and deal "
                "sizes are not shared; read them in the preview before sending"
            )
    if not allow("account_name") and not allow("domain"):
        package.warnings.append(
            "neither account names nor domains are shared; the partner sees plans numbered only"
        )
    if progress:
        progress(1.0, "Preview ready")
    return package


def _crm_ids(our_key: str, partner_key: str) -> dict[str, str]:
    """Both sides' CRM ids of a plan's account, as a plan file names them: the sender's (ours)
    and the recipient's. A side whose export has no CRM id is named by nothing here (its key
    would spell out the account's name and domains)."""
    ids = {}
    for name, key in (("sender_crm_id", our_key), ("recipient_crm_id", partner_key)):
        if str(key).startswith("id:"):
            ids[name] = str(key)[3:]
    return ids


def _generated_kind(plan: Mapping[Any, Any]) -> str:
    """The kind of a plan's objective when it is still the generated one, else ""."""
    kind = str(plan.get("objective_kind") or "")
    return kind if kind and plan["objective"] == generated_objective(kind) else ""


def plan_ref(salt: str, our_key: str, partner_key: str) -> str:
    """An opaque, stable reference to one of our plans: our account keys never leave."""
    message = f"{our_key}\n{partner_key}".encode()
    return hmac.new(bytes.fromhex(salt), message, hashlib.sha256).hexdigest()[:32]
