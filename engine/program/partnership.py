"""Partnership models (referral, co-sell, reseller) as data, and when co-selling fits.

The desktop shows these next to a partnership and the plan export carries them, so both
companies read the same definition of who does what.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from engine.errors import OverlapError
from engine.store.workspace import PARTNER_MODELS


@dataclass(frozen=True)
class PartnershipModel:
    """What a partnership model means for each side of a deal."""

    name: str
    summary: str
    who_promotes: str
    who_negotiates: str
    whose_brand: str
    who_supports: str
    partner_paid: str
    fits_when: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


MODELS: dict[str, PartnershipModel] = {
    "referral": PartnershipModel(
        name="referral",
        summary="The partner passes a qualified lead; we sell and deliver on our own.",
        who_promotes="The partner introduces us to its customer or prospect.",
        who_negotiates="We do, directly with the customer.",
        whose_brand="Ours: the customer buys from us.",
        who_supports="We do.",
        partner_paid="A referral fee, usually a one-time share of the first-year contract.",
        fits_when="The partner has trust with the account but no wish to sell or support "
        "our product; light-touch, easy to start.",
    ),
    "co-sell": PartnershipModel(
        name="co-sell",
        summary="Both sales teams work the account together; each sells its own product.",
        who_promotes="Both, in a joint plan: shared account mapping, joint calls, one story.",
        who_negotiates="Each side its own contract, aligned on timing and the joint offer.",
        whose_brand="Both: each product keeps its brand; the value is told as one solution.",
        who_supports="Each side supports its own product; escalations are agreed in the plan.",
        partner_paid="Usually no fee: each side earns its own deal; sometimes an influence "
        "bonus or marketplace credit.",
        fits_when="The products complement each other for the same buyer and both sides have "
        "sellers on the account.",
    ),
    "reseller": PartnershipModel(
        name="reseller",
        summary="The partner buys our product and sells it on, under its contract.",
        who_promotes="The partner, to its own customers.",
        who_negotiates="The partner, with the customer; we negotiate the margin with the partner.",
        whose_brand="The partner's contract and paper; our product brand.",
        who_supports="First line the partner, second line us.",
        partner_paid="A margin: the difference between our price to the partner and its price "
        "to the customer.",
        fits_when="The partner owns the customer relationship and procurement, in markets or "
        "segments we do not reach directly.",
    ),
}

CO_SELL_GUIDANCE: tuple[str, ...] = (
    "Product-market fit first: co-selling multiplies a sales motion that already works; it "
    "does not replace one.",
    "Company stage by ARR: below about $1M ARR, founders sell directly and referrals are "
    "enough; from about $1-5M ARR, co-sell with a few partners whose buyers are yours; above "
    "about $10M ARR, a partner program with tiers and managers pays off.",
    "Start with 2-3 partners, not 20: the ones whose customers overlap most with your "
    "prospects (the overlap matrix shows it).",
    "Start small and prove value: a pilot of 20-50 shared accounts, measured on win rate, "
    "deal velocity and deal size against deals without the partner.",
    "Agree the rules of engagement before the first conflict: who leads which account, and "
    "how disputes are settled.",
)


def partnership_model(name: str) -> PartnershipModel:
    """The model named ``name`` (referral / co-sell / reseller), or a clear error."""
    key = str(name).strip().lower()
    if key not in MODELS:
        raise OverlapError(f"unknown partnership model '{name}' (use {', '.join(PARTNER_MODELS)})")
    return MODELS[key]


def co_sell_fit(
    arr: float | None = None, *, partners: int | None = None, product_market_fit: bool | None = None
) -> list[str]:
    """Advice on whether co-selling fits now, from what is known about the company."""
    advice = []
    if product_market_fit is False:
        advice.append("Find product-market fit first; co-selling will not create it.")
    if arr is not None:
        if arr < 1_000_000:
            advice.append(
                "Below $1M ARR: keep selling directly; take referrals when partners offer them."
            )
        elif arr < 10_000_000:
            advice.append(
                "At $1-10M ARR: co-sell with a few partners whose customers are your prospects."
            )
        else:
            advice.append(
                "Above $10M ARR: a partner program (tiers, partner managers) can pay off."
            )
    if partners is not None:
        if partners > 3:
            advice.append(
                f"{partners} partners is many to start with: focus on the 2-3 with the largest "
                "overlap and prove value there first."
            )
        elif partners == 0:
            advice.append("Pick 2-3 partners whose customers overlap most with your prospects.")
        else:
            advice.append(f"{partners} partner(s): a good number to start with.")
    return advice or list(CO_SELL_GUIDANCE)
