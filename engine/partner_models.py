"""What each partnership model (referral, co-sell, reseller) means, and what it changes.

The guide's table is the contract between the two companies: for each model it says who
promotes, who negotiates, who controls the sales cycle, who owns the customer, who supports
it, how the partner is paid and whose contract the customer signs. The model is not only a
label here:

* **who leads a shared account** (``model_leads``): in a *referral* partnership we lead every
  shared account, the partner's part is the introduction; in a *reseller* partnership the
  reseller leads every one and we support; in a *co-sell* partnership the rules of engagement
  decide account by account;
* **the plan template** (``plan_template``): a referral hand-off plan, a co-sell plan or a
  reseller deal-support plan, as the first next steps of a plan made from the shortlist;
* **deal registration**: a reseller's deals are registered (``registration_required``).

``engine.ownership`` applies the leads, ``engine.plans`` the templates, and the program layer
shows the aspects next to each partnership and in the exported plans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.errors import OverlapError
from engine.store.models import Plan, PlanStep
from engine.store.workspace import PARTNER_MODELS, US

PARTNER = "partner"


@dataclass(frozen=True)
class PartnershipModel:
    """One model: its summary, the guide's seven aspects, and when it fits."""

    name: str
    summary: str
    who_promotes: str
    who_negotiates: str
    who_controls_cycle: str
    who_owns_customer: str
    who_supports: str
    partner_paid: str
    whose_brand: str
    fits_when: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def aspects(self) -> list[tuple[str, str]]:
        """The seven aspects as (label, text), in the guide's order."""
        return [(label, str(getattr(self, attr))) for attr, label in ASPECTS]


# The seven aspects of the guide's table: (attribute, label).
ASPECTS: tuple[tuple[str, str], ...] = (
    ("who_promotes", "Who promotes"),
    ("who_negotiates", "Who negotiates"),
    ("who_controls_cycle", "Who controls the sales cycle"),
    ("who_owns_customer", "Who owns the customer"),
    ("who_supports", "Who supports the customer"),
    ("partner_paid", "How the partner is paid"),
    ("whose_brand", "Whose contract"),
)

MODELS: dict[str, PartnershipModel] = {
    "referral": PartnershipModel(
        name="referral",
        summary="The partner introduces the account, then hands it off; we sell and deliver.",
        who_promotes="The partner introduces us to its customer or prospect, then hands off.",
        who_negotiates="We do, directly with the customer.",
        who_controls_cycle="We do, from the introduction to the signature.",
        who_owns_customer="We do.",
        who_supports="We do.",
        partner_paid="A commission (referral fee), usually a share of the first-year contract.",
        whose_brand="Ours: the customer signs with us.",
        fits_when="The partner has trust with the account but no wish to sell or support "
        "our product; light-touch, easy to start.",
    ),
    "co-sell": PartnershipModel(
        name="co-sell",
        summary="Both sales teams work the account together; each sells its own product.",
        who_promotes="Both, in a joint plan: shared account mapping, joint calls, one story.",
        who_negotiates="Each side its own contract, aligned on timing and the joint offer.",
        who_controls_cycle="Shared: the side that leads the account (the rules of engagement "
        "decide) runs the plan, the other supports.",
        who_owns_customer="Shared or separate: each side owns its own contract.",
        who_supports="Each side supports its own product; escalations are agreed in the plan.",
        partner_paid="Mostly commission or an influence bonus; often each side simply earns "
        "its own deal.",
        whose_brand="Both: each product keeps its brand; the value is told as one solution.",
        fits_when="The products complement each other for the same buyer and both sides have "
        "sellers on the account.",
    ),
    "reseller": PartnershipModel(
        name="reseller",
        summary="The partner buys our product and sells it on, under its contract.",
        who_promotes="The reseller, to its own customers.",
        who_negotiates="The reseller, with the customer; we agree the wholesale price with it.",
        who_controls_cycle="The reseller.",
        who_owns_customer="The reseller.",
        who_supports="The reseller gives first- and second-level support; we back it up.",
        partner_paid="A markup on our wholesale price.",
        whose_brand="The reseller's contract and paper; our product brand.",
        fits_when="The partner owns the customer relationship and procurement, in markets or "
        "segments we do not reach directly.",
    ),
}


def partnership_model(name: str) -> PartnershipModel:
    """The model named ``name`` (referral / co-sell / reseller), or a clear error."""
    key = str(name).strip().lower()
    if key not in MODELS:
        raise OverlapError(f"unknown partnership model '{name}' (use {', '.join(PARTNER_MODELS)})")
    return MODELS[key]


def model_aspects(model: str) -> list[tuple[str, str]]:
    """The seven aspects of ``model`` as (label, text); none for a name that is not a model."""
    key = str(model).strip().lower()
    return MODELS[key].aspects() if key in MODELS else []


def model_lead(model: str) -> str | None:
    """Who leads every shared account under ``model``: ``us`` (referral), ``partner``
    (reseller), or None (co-sell: the rules of engagement decide)."""
    key = partnership_model(model).name
    return {"referral": US, "reseller": PARTNER}.get(key)


def model_reason(model: str, partner_name: str) -> str:
    """Why the model gives the lead, as the rationale of each account says it."""
    key = partnership_model(model).name
    if key == "referral":
        return (
            f"We lead: {partner_name} is a referral partner; its part is the introduction, "
            "then we negotiate, control the sales cycle and own the customer (partnership model)"
        )
    if key == "reseller":
        return (
            f"Partner leads: {partner_name} is a reseller; it negotiates, controls the sales "
            "cycle and owns the customer, we support (partnership model)"
        )
    return f"co-sell partnership with {partner_name}: the rules of engagement decide"


def apply_model(decided: pd.DataFrame, model: str, partner_name: str) -> pd.DataFrame:
    """The leads ``engine.ownership.decide_leads`` gave (``lead``, ``criterion``, ``rule``,
    ``rationale``), with the model's lead on every row where the model decides (referral,
    reseller); a co-sell partnership keeps the rules' leads as they are."""
    lead = model_lead(model)
    if lead is None or decided.empty:
        return decided
    n = len(decided)
    return decided.assign(
        lead=pd.Series(np.full(n, lead, dtype=object), index=decided.index, dtype=object),
        criterion=pd.Series(np.full(n, "model", dtype=object), index=decided.index, dtype=object),
        rule=0,
        rationale=pd.Series(
            np.full(n, model_reason(model, partner_name), dtype=object),
            index=decided.index,
            dtype=object,
        ),
    )


def registration_required(model: str) -> bool:
    """Whether every deal of the partnership must be registered (a reseller's: who sells to
    the customer is only settled by the registration)."""
    return partnership_model(model).name == "reseller"


# ---------------------------------------------------------------------- plan templates


@dataclass(frozen=True)
class TemplateStep:
    """A first next step of a plan: what, whose (``us`` / ``partner`` / ``lead`` / ``other``:
    the side that leads the account or the one that does not), due in ``days``."""

    what: str
    owner: str
    days: int


TEMPLATES: dict[str, tuple[str, tuple[TemplateStep, ...]]] = {
    "referral": (
        "Referral hand-off plan",
        (
            TemplateStep("Partner confirms the need and asks the customer to meet us", PARTNER, 7),
            TemplateStep("Introduction call: partner introduces us, then hands off", PARTNER, 14),
            TemplateStep("Discovery and proposal, led by us", US, 30),
            TemplateStep("Tell the partner the outcome; referral fee if won", US, 60),
        ),
    ),
    "co-sell": (
        "Co-sell plan",
        (
            TemplateStep("Agree the joint value proposition and the account team", "lead", 7),
            TemplateStep("Map the stakeholders together; share what each side knows", "other", 14),
            TemplateStep("Joint meeting with the customer", "lead", 30),
            TemplateStep("Align proposals and timing of both contracts", "lead", 45),
        ),
    ),
    "reseller": (
        "Reseller deal-support plan",
        (
            TemplateStep("Reseller registers the deal", PARTNER, 7),
            TemplateStep("We approve the registration and confirm the wholesale price", US, 10),
            TemplateStep("Product demo and technical support for the reseller's proposal", US, 21),
            TemplateStep("Reseller negotiates and closes; first-level support set up", PARTNER, 60),
        ),
    ),
}


def plan_template(model: str) -> tuple[str, tuple[TemplateStep, ...]]:
    """The plan template of ``model``: its title and first next steps."""
    return TEMPLATES[partnership_model(model).name]


def template_owner(step: TemplateStep, lead: str | None) -> str:
    """The side that owns ``step`` on a plan whose account ``lead`` leads (us when unknown)."""
    side = lead if lead in (US, PARTNER) else US
    if step.owner == "lead":
        return side
    if step.owner == "other":
        return PARTNER if side == US else US
    return step.owner


def template_steps(plans: Sequence[Plan], model: str, start: date) -> list[PlanStep]:
    """The first next steps of ``plans`` (with ids) from ``model``'s template, due counted
    from ``start``."""
    _title, steps = plan_template(model)
    return [
        PlanStep(
            plan_id=int(plan.id),  # type: ignore[arg-type]
            what=step.what,
            owner_party=template_owner(step, plan.lead),
            due_date=(start + timedelta(days=step.days)).isoformat(),
        )
        for plan in plans
        for step in steps
    ]
