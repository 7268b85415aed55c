"""Partnership models and our company's stage by ARR: the guide's advice, in one place.

The models (referral, co-sell, reseller) and what each changes live in
``engine.partner_models``; they are re-exported here for the program layer. This module holds
the advice that depends on **our stage by annual recurring revenue** (recorded on the
workspace's company, ``set_arr_stage``), and says it where a decision is made:

* at $1-10M ARR (*startup*): limited co-selling, tested with two or three partners already
  selling to our market, product-market fit first; adding a fourth co-sell partner warns;
* at $10-100M ARR (*scaleup*): territory and account-mapping processes, enablement, deal
  registration, and tools that support processes that exist; a partnership without
  territories or registration rules says so (``engine.program.lifecycle``'s checklist).
"""

from __future__ import annotations

from engine.errors import OverlapError
from engine.partner_models import ASPECTS, MODELS, PartnershipModel, partnership_model
from engine.store.models import Company
from engine.store.workspace import Workspace

__all__ = [
    "ARR_STAGES",
    "ASPECTS",
    "CO_SELL_GUIDANCE",
    "MODELS",
    "STARTUP_CO_SELL_PARTNERS",
    "PartnershipModel",
    "arr_stage",
    "arr_stage_of",
    "co_sell_fit",
    "partner_count_advice",
    "partnership_model",
    "set_arr_stage",
    "stage_advice",
]

# Our stage by ARR: name -> (range in words, the guide's advice).
ARR_STAGES: dict[str, tuple[str, str]] = {
    "early": (
        "below $1M ARR",
        "Below $1M ARR: sell directly and find product-market fit first; take referrals when "
        "partners offer them.",
    ),
    "startup": (
        "$1-10M ARR",
        "$1-10M ARR: limited co-selling. Test it with two or three partners already selling "
        "to your market; product-market fit comes first.",
    ),
    "scaleup": (
        "$10-100M ARR",
        "$10-100M ARR: build the processes: territories and account mapping, partner "
        "enablement, deal registration; choose tools that support processes that exist.",
    ),
    "established": (
        "above $100M ARR",
        "Above $100M ARR: a partner program with tiers and partner managers, on the processes "
        "of the scaleup stage.",
    ),
}
STARTUP_CO_SELL_PARTNERS = 3  # the most co-sell partners the startup stage tests with

CO_SELL_GUIDANCE: tuple[str, ...] = (
    "Product-market fit first: co-selling multiplies a sales motion that already works; it "
    "does not replace one.",
    *(text for _range, text in ARR_STAGES.values()),
    "Start small and prove value: a pilot of 20-50 shared accounts, measured on win rate, "
    "deal velocity and deal size against deals without the partner.",
    "Agree the rules of engagement before the first conflict: who leads which account, and "
    "how disputes are settled.",
)


def arr_stage_of(arr: float) -> str:
    """The stage of an ARR in dollars."""
    if arr < 1_000_000:
        return "early"
    if arr < 10_000_000:
        return "startup"
    if arr < 100_000_000:
        return "scaleup"
    return "established"


def _stage_name(value: str) -> str:
    key = str(value).strip().lower()
    if key not in ARR_STAGES:
        raise OverlapError(
            f"unknown ARR stage '{value}' (use "
            + ", ".join(f"{k} = {r}" for k, (r, _t) in ARR_STAGES.items())
            + ")"
        )
    return key


def stage_advice(stage: str) -> str:
    """The guide's advice for our ARR stage."""
    return ARR_STAGES[_stage_name(stage)][1]


def arr_stage(ws: Workspace) -> str:
    """Our recorded ARR stage, or "" when it was not recorded."""
    return str(ws.company().arr_stage or "")


def set_arr_stage(ws: Workspace, stage: str) -> str:
    """Record our ARR stage (``early``, ``startup``, ``scaleup``, ``established``); returns
    the stage before ("" when none was recorded)."""
    key = "" if not str(stage).strip() else _stage_name(stage)
    with ws.session() as session:
        company = session.get(Company, ws.company().id)
        assert company is not None
        before = str(company.arr_stage or "")
        company.arr_stage = key
        session.add(company)
        session.commit()
    return before


def partner_count_advice(stage: str, co_sell_partners: int) -> str | None:
    """A warning when ``co_sell_partners`` (counting the one being added) is more than our
    stage tests with; None when the number fits."""
    if stage == "startup" and co_sell_partners > STARTUP_CO_SELL_PARTNERS:
        return (
            f"{co_sell_partners} co-sell partners at {ARR_STAGES['startup'][0]}: the guide "
            f"advises limited co-selling, tested with two or three partners already selling to "
            "your market, until it works."
        )
    if stage == "early" and co_sell_partners > 0:
        return f"Co-selling {ARR_STAGES['early'][0]}: {ARR_STAGES['early'][1]}"
    return None


def co_sell_fit(
    arr: float | None = None, *, partners: int | None = None, product_market_fit: bool | None = None
) -> list[str]:
    """Advice on whether co-selling fits now, from what is known about the company."""
    advice = []
    if product_market_fit is False:
        advice.append("Find product-market fit first; co-selling will not create it.")
    stage = arr_stage_of(arr) if arr is not None else ""
    if stage:
        advice.append(stage_advice(stage))
    if partners is not None:
        warning = partner_count_advice(stage or "startup", partners)
        if warning:
            advice.append(warning)
        elif partners == 0:
            advice.append("Pick 2-3 partners whose customers overlap most with your prospects.")
        else:
            advice.append(f"{partners} partner(s): a good number to start with.")
    return advice or list(CO_SELL_GUIDANCE)
