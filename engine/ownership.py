"""Step 4, ownership: decide which partner leads each shared account, by rules agreed up front.

The **rules of engagement** of a partnership are an ordered list of objective criteria. For
every shared account the first enabled criterion that tells the two sides apart gives the lead,
and the assignment says so in a sentence ("Partner leads: Initech is their customer and our
prospect (rule 1, stronger relationship)"). The criteria, in their default order:

1. ``relationship`` — stronger existing relationship: customer beats churned beats prospect
   beats other; at equal stage, an open deal (a deal size) beats none, then a named owner
   beats none.
2. ``first_touch`` — who introduced the account first: the earlier first-touch date, when both
   sides recorded one. An approved deal registration (still protected, or won) counts as its
   side's touch on the day it was registered (``engine.store.registration_state``): the earlier
   of that day and the CRM's first touch is the side's date, and the rationale says when a
   registration decided.
3. ``deal_stage`` — the more advanced deal: an open deal with a close date beats an open deal
   without one, which beats no open deal; between two dated deals the sooner close wins.
4. ``product_fit`` — product fit / most immediate need: the partnership lists the industries or
   tags each side's product fits; an account whose industry fits one side only goes to it.
5. ``tie_breaker`` — always last and always on: the side the partnership named.

Criteria 1-4 can be switched off and reordered. Any change makes a new version of the rules;
each assignment records the version it used. Overrides (a lead set by hand, with a reason)
survive re-assignment; disputes are kept from opening to resolution (both in
``engine.overrides``). The partnership model comes before the rules: we lead every account
shared with a referral partner, a reseller leads every one (``engine.partner_models``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete
from sqlmodel import col, select

from engine.errors import Cancelled, OverlapError
from engine.overlaps import build_mapping, shared_rows
from engine.partner_models import apply_model
from engine.store.models import Assignment, Partner, RuleSet
from engine.store.registration_state import registration_touches
from engine.store.workspace import US, Progress, Workspace, now, resolve_partner

PARTNER = "partner"
LEADS = (US, PARTNER)

CRITERIA: dict[str, tuple[str, str]] = {
    "relationship": (
        "stronger relationship",
        "Customer beats churned beats prospect; at equal stage an open deal, then a named owner.",
    ),
    "first_touch": (
        "introduced first",
        "The side that first touched the account earlier (both dates recorded); an approved "
        "deal registration counts as a touch on the day it was registered.",
    ),
    "deal_stage": (
        "more advanced deal",
        "An open deal with a close date beats one without, which beats none; "
        "between two dated deals the sooner close wins.",
    ),
    "product_fit": (
        "product fit",
        "The account's industry fits one side's product only (the partnership's fit lists).",
    ),
    "tie_breaker": (
        "tie-breaker",
        "When nothing else decides, the side the partnership named leads.",
    ),
}
DEFAULT_ORDER = ("relationship", "first_touch", "deal_stage", "product_fit", "tie_breaker")

# Relationship strength of a stage (customer > churned > prospect > other).
_STAGE_RANK = {"customer": 3, "churned": 2, "prospect": 1, "other": 0}
_STAGE_WORDS = {
    "customer": "customer",
    "churned": "churned customer",
    "prospect": "prospect",
    "other": "contact",
}


@dataclass(frozen=True)
class Criterion:
    name: str
    enabled: bool = True

    @property
    def title(self) -> str:
        return CRITERIA[self.name][0]


@dataclass(frozen=True)
class Rules:
    """One version of a partnership's rules of engagement (version 0: defaults, never saved)."""

    version: int
    criteria: tuple[Criterion, ...]
    product_fit: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {US: (), PARTNER: ()}
    )
    tie_breaker: str = US
    created_at: datetime | None = None
    created_by: str | None = None

    def active(self) -> list[str]:
        """The enabled criteria in order; the tie-breaker is always last."""
        return [c.name for c in self.criteria if c.enabled]

    def table(self) -> pd.DataFrame:
        """The rules as rows: rule number (enabled ones), criterion, title, on/off, meaning."""
        rows = []
        number = 0
        for criterion in self.criteria:
            if criterion.enabled:
                number += 1
            description = CRITERIA[criterion.name][1]
            if criterion.name == "tie_breaker":
                description += f" Now: {'us' if self.tie_breaker == US else 'the partner'}."
            if criterion.name == "product_fit":
                fits = "; ".join(
                    f"{'ours' if side == US else 'partner'}: {', '.join(terms) or '(none)'}"
                    for side, terms in self.product_fit.items()
                )
                description += f" Now: {fits}."
            rows.append(
                {
                    "rule": number if criterion.enabled else None,
                    "criterion": criterion.name,
                    "title": criterion.title,
                    "enabled": criterion.enabled,
                    "description": description,
                }
            )
        frame = pd.DataFrame(rows)
        frame["rule"] = frame["rule"].astype("Int64")
        return frame

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "criteria": [{"name": c.name, "enabled": c.enabled} for c in self.criteria],
            "product_fit": {k: list(v) for k, v in self.product_fit.items()},
            "tie_breaker": self.tie_breaker,
        }


DEFAULT_RULES = Rules(version=0, criteria=tuple(Criterion(n) for n in DEFAULT_ORDER))


def _from_record(record: RuleSet) -> Rules:
    criteria = tuple(
        Criterion(str(c["name"]), bool(c.get("enabled", True)))
        for c in json.loads(record.criteria_json)
    )
    fit = json.loads(record.product_fit_json or "{}")
    return Rules(
        version=record.version,
        criteria=criteria,
        product_fit={US: tuple(fit.get(US, ())), PARTNER: tuple(fit.get(PARTNER, ()))},
        tie_breaker=record.tie_breaker,
        created_at=record.created_at,
        created_by=record.created_by,
    )


def rules(ws: Workspace, partner: str | Partner) -> Rules:
    """The partnership's current rules (the defaults, version 0, before any are saved)."""
    record = resolve_partner(ws, partner)
    with ws.session() as session:
        latest = session.exec(
            select(RuleSet)
            .where(RuleSet.partner_id == record.id)
            .order_by(col(RuleSet.version).desc())
        ).first()
    return _from_record(latest) if latest else DEFAULT_RULES


def rules_history(ws: Workspace, partner: str | Partner) -> list[Rules]:
    """Every saved version, oldest first."""
    record = resolve_partner(ws, partner)
    with ws.session() as session:
        records = session.exec(
            select(RuleSet).where(RuleSet.partner_id == record.id).order_by(col(RuleSet.version))
        ).all()
    return [_from_record(r) for r in records]


def _terms(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        for term in str(value).split(","):
            if term.strip():
                seen.setdefault(term.strip(), None)
    return tuple(seen)


def set_rules(
    ws: Workspace,
    partner: str | Partner,
    *,
    order: Sequence[str] | None = None,
    enabled: Mapping[str, bool] | None = None,
    product_fit: Mapping[str, Iterable[str]] | None = None,
    tie_breaker: str | None = None,
    by: str | None = None,
) -> Rules:
    """Change the rules; a real change is saved as a new version, which is returned.

    ``order`` lists criteria 1-4 in the new order (the tie-breaker may close the list; it is
    last anyway). ``enabled`` switches criteria on or off. ``product_fit`` maps ``us`` /
    ``partner`` to the industries or tags each product fits.
    """
    record = resolve_partner(ws, partner)
    current = rules(ws, record)
    states = {c.name: c.enabled for c in current.criteria}
    names = [c.name for c in current.criteria if c.name != "tie_breaker"]
    if order is not None:
        wanted = [str(n).strip() for n in order if str(n).strip()]
        unknown = [n for n in wanted if n not in CRITERIA]
        if unknown:
            raise OverlapError(
                f"unknown criterion '{unknown[0]}' (criteria: {', '.join(DEFAULT_ORDER)})"
            )
        if "tie_breaker" in wanted[:-1]:
            raise OverlapError("the tie-breaker is always the last rule; leave it at the end")
        wanted = [n for n in wanted if n != "tie_breaker"]
        if sorted(wanted) != sorted(names) or len(set(wanted)) != len(wanted):
            raise OverlapError(
                "the order must name each of these once: " + ", ".join(sorted(names))
            )
        names = wanted
    for name, on in (enabled or {}).items():
        if name not in CRITERIA:
            raise OverlapError(f"unknown criterion '{name}' (criteria: {', '.join(DEFAULT_ORDER)})")
        if name == "tie_breaker" and not on:
            raise OverlapError(
                "the tie-breaker cannot be switched off: every shared account needs a lead"
            )
        states[name] = bool(on)
    fit = dict(current.product_fit)
    for side, terms in (product_fit or {}).items():
        if side not in LEADS:
            raise OverlapError(f"product fit is given for 'us' or 'partner', not '{side}'")
        fit[side] = _terms(terms)
    breaker = current.tie_breaker if tie_breaker is None else str(tie_breaker).strip().lower()
    if breaker not in LEADS:
        raise OverlapError(f"the tie-breaker gives the lead to 'us' or 'partner', not '{breaker}'")
    criteria = (*(Criterion(n, states[n]) for n in names), Criterion("tie_breaker", True))
    proposed = Rules(
        version=current.version + 1,
        criteria=criteria,
        product_fit={US: tuple(fit.get(US, ())), PARTNER: tuple(fit.get(PARTNER, ()))},
        tie_breaker=breaker,
    )
    if current.version > 0 and _same(proposed, current):
        return current
    return _save(ws, int(record.id), proposed, by)  # type: ignore[arg-type]


def _same(a: Rules, b: Rules) -> bool:
    one, two = a.to_dict(), b.to_dict()
    one.pop("version")
    two.pop("version")
    return one == two


def _save(ws: Workspace, partner_id: int, new: Rules, by: str | None) -> Rules:
    stamp = now()
    body = new.to_dict()
    record = RuleSet(
        partner_id=partner_id,
        version=new.version,
        criteria_json=json.dumps(body["criteria"]),
        product_fit_json=json.dumps(body["product_fit"]),
        tie_breaker=new.tie_breaker,
        created_at=stamp,
        created_by=by,
    )
    with ws.session() as session:
        session.add(record)
        session.commit()
    return _from_record(record)


# ---------------------------------------------------------------------- deciding


@dataclass
class _Vote:
    """One criterion's verdict: +1 we lead, -1 the partner leads, 0 undecided; and why."""

    vote: np.ndarray
    why: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (rows, lead_is_us) -> clause


def _pronouns(lead_us: np.ndarray) -> dict[str, np.ndarray]:
    """Words for the leading side and the other one."""

    def pick(us_word: str, partner_word: str) -> np.ndarray:
        return np.where(lead_us, us_word, partner_word).astype(object)

    return {
        "lead_poss": pick("our", "their"),
        "other_poss": pick("their", "our"),
        "lead_subj": pick("we", "they"),
        "other_subj": pick("they", "we"),
        "lead_have": pick("we have", "they have"),
        "other_do": pick("they do not", "we do not"),
        "lead_name": pick("we", "the partner"),
        "other_name": pick("the partner", "we"),
        "other_ours": pick("theirs", "ours"),
    }


def _s(values: Any) -> np.ndarray:
    """Text values as a numpy object array: ``+`` joins them element by element, in C."""
    return np.asarray(values, dtype=object)


def _dates_text(values: Any) -> np.ndarray:
    text = pd.to_datetime(pd.Series(values)).dt.strftime("%Y-%m-%d").fillna("")
    return _s(text.to_numpy(dtype=object))


def _has_text(values: pd.Series) -> np.ndarray:
    text = values.astype("str")
    return (text.notna() & (text.str.strip() != "")).to_numpy(dtype=bool)


def _stage_codes(values: pd.Series) -> np.ndarray:
    """Stage category codes (prospect 0, customer 1, churned 2, other 3; missing as other)."""
    codes = pd.Categorical(values, categories=list(_STAGE_RANK_ORDER)).codes.astype(np.int64)
    return np.where(codes < 0, 3, codes)


_STAGE_RANK_ORDER = ("prospect", "customer", "churned", "other")
_RANK_BY_CODE = np.array([_STAGE_RANK[s] for s in _STAGE_RANK_ORDER])


def _relationship_clause(lead_us: bool, kind: int, lead_stage: str, other_stage: str) -> str:
    """The words after the account's name, for one combination (there are at most 96)."""
    lead_poss, other_poss = ("our", "their") if lead_us else ("their", "our")
    if kind == 0:
        return (
            f" is {lead_poss} {_STAGE_WORDS[lead_stage]} and {other_poss} "
            f"{_STAGE_WORDS[other_stage]}"
        )
    both = f" is a {_STAGE_WORDS[lead_stage]} of both; "
    if kind == 1:
        return both + ("we have an open deal and they do not" if lead_us else
                       "they have an open deal and we do not")  # fmt: skip
    ours, theirs = ("our", "theirs") if lead_us else ("their", "ours")
    return both + f"{ours} record names an owner and {theirs} does not"


def _relationship(shared: pd.DataFrame) -> _Vote:
    our_code = _stage_codes(shared["our_stage"])
    their_code = _stage_codes(shared["partner_stage"])
    by_stage = np.sign(_RANK_BY_CODE[our_code] - _RANK_BY_CODE[their_code])
    our_deal = (shared["our_deal_size"].fillna(0).to_numpy() > 0).astype(int)
    their_deal = (shared["partner_deal_size"].fillna(0).to_numpy() > 0).astype(int)
    by_deal = np.sign(our_deal - their_deal)
    by_owner = np.sign(
        _has_text(shared["our_owner"]).astype(int) - _has_text(shared["partner_owner"]).astype(int)
    )
    vote = np.where(by_stage != 0, by_stage, np.where(by_deal != 0, by_deal, by_owner))

    def why(rows: np.ndarray, lead_us: np.ndarray) -> np.ndarray:
        # The clause after the name depends on a few codes only: build each combination's
        # words once and look them up, instead of joining eight strings per account.
        kind = np.where(by_stage[rows] != 0, 0, np.where(by_deal[rows] != 0, 1, 2))
        lead_code = np.where(lead_us, our_code[rows], their_code[rows])
        other_code = np.where(lead_us, their_code[rows], our_code[rows])
        combo = ((lead_us.astype(np.int64) * 3 + kind) * 4 + lead_code) * 4 + other_code
        table = np.full(2 * 3 * 4 * 4, "", dtype=object)
        for code in np.unique(combo):
            rest, other = divmod(int(code), 4)
            rest, lead = divmod(rest, 4)
            us, k = divmod(rest, 3)
            table[code] = _relationship_clause(
                bool(us), k, _STAGE_RANK_ORDER[lead], _STAGE_RANK_ORDER[other]
            )
        return _s(shared["name"].to_numpy(dtype=object)[rows]) + table[combo]

    return _Vote(vote, why)


def _registered_dates(
    shared: pd.DataFrame, registered: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Each shared row's earliest counting registration date per side (NaT for none).

    ``registered`` is small (one row per registered account): the shared rows are found by a
    hash look-up of their keys, not a merge of the whole mapping.
    """
    n = len(shared)
    ours = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    theirs = ours.copy()
    rows = np.flatnonzero(shared["our_key"].isin(registered["our_key"]).to_numpy(dtype=bool))
    if not rows.size:
        return ours, theirs
    dates = {
        (o, p): (u, t)
        for o, p, u, t in zip(
            registered["our_key"],
            registered["partner_key"],
            registered[US].to_numpy(dtype="datetime64[ns]"),
            registered[PARTNER].to_numpy(dtype="datetime64[ns]"),
            strict=True,
        )
    }
    our_keys = shared["our_key"].to_numpy(dtype=object)[rows]
    partner_keys = shared["partner_key"].to_numpy(dtype=object)[rows]
    for row, our_key, partner_key in zip(rows, our_keys, partner_keys, strict=True):
        found = dates.get((our_key, partner_key))
        if found is not None:
            ours[row], theirs[row] = found
    return ours, theirs


def _first_touch(shared: pd.DataFrame, registered: pd.DataFrame | None = None) -> _Vote:
    ours = pd.to_datetime(shared["our_first_touch"]).to_numpy(dtype="datetime64[ns]")
    theirs = pd.to_datetime(shared["partner_first_touch"]).to_numpy(dtype="datetime64[ns]")
    # A registration counts when it is earlier than the CRM's first touch, or the only date.
    ours_by_reg = np.zeros(len(shared), dtype=bool)
    theirs_by_reg = np.zeros(len(shared), dtype=bool)
    if registered is not None and len(registered):
        our_reg, their_reg = _registered_dates(shared, registered)
        ours_by_reg = ~np.isnat(our_reg) & (np.isnat(ours) | (our_reg < ours))
        theirs_by_reg = ~np.isnat(their_reg) & (np.isnat(theirs) | (their_reg < theirs))
        ours = np.where(ours_by_reg, our_reg, ours)
        theirs = np.where(theirs_by_reg, their_reg, theirs)
    known = ~np.isnat(ours) & ~np.isnat(theirs)
    vote = np.zeros(len(shared), dtype=int)
    vote[known & (ours < theirs)] = 1
    vote[known & (ours > theirs)] = -1

    def why(rows: np.ndarray, lead_us: np.ndarray) -> np.ndarray:
        words = _pronouns(lead_us)
        name = _s(shared["name"].to_numpy(dtype=object)[rows])
        lead_date = _dates_text(np.where(lead_us, ours[rows], theirs[rows]))
        other_date = _dates_text(np.where(lead_us, theirs[rows], ours[rows]))
        lead_reg = np.where(lead_us, ours_by_reg[rows], theirs_by_reg[rows])
        other_reg = np.where(lead_us, theirs_by_reg[rows], ours_by_reg[rows])
        # "we registered a deal for Initech on ..., the partner first touched it on ...".
        lead_verb = _s(np.where(lead_reg, " registered a deal for ", " first touched "))
        other_verb = _s(
            np.where(
                other_reg,
                " registered one on ",
                np.where(lead_reg, " first touched it on ", " on "),
            )
        )
        return (
            _s(words["lead_name"])
            + lead_verb
            + name
            + " on "
            + lead_date
            + ", "
            + _s(words["other_name"])
            + other_verb
            + other_date
        )

    return _Vote(vote, why)


def _deal_stage(shared: pd.DataFrame) -> _Vote:
    our_deal = shared["our_deal_size"].fillna(0).to_numpy() > 0
    their_deal = shared["partner_deal_size"].fillna(0).to_numpy() > 0
    our_close = pd.to_datetime(shared["our_deal_close_date"]).to_numpy(dtype="datetime64[ns]")
    their_close = pd.to_datetime(shared["partner_deal_close_date"]).to_numpy(dtype="datetime64[ns]")
    our_score = np.where(our_deal, np.where(~np.isnat(our_close), 2, 1), 0)
    their_score = np.where(their_deal, np.where(~np.isnat(their_close), 2, 1), 0)
    vote = np.sign(our_score - their_score)
    dated = (our_score == 2) & (their_score == 2)
    vote = np.where(dated & (our_close < their_close), 1, vote)
    vote = np.where(dated & (our_close > their_close), -1, vote)

    def why(rows: np.ndarray, lead_us: np.ndarray) -> np.ndarray:
        words = _pronouns(lead_us)
        name = _s(shared["name"].to_numpy(dtype=object)[rows])
        lead_score = np.where(lead_us, our_score[rows], their_score[rows])
        other_score = np.where(lead_us, their_score[rows], our_score[rows])
        lead_close = _dates_text(np.where(lead_us, our_close[rows], their_close[rows]))
        other_close = _dates_text(np.where(lead_us, their_close[rows], our_close[rows]))
        none = (
            _s(words["lead_have"]) + " an open deal for " + name + " and " + _s(words["other_do"])
        )
        undated = (
            _s(words["lead_poss"])
            + " open deal for "
            + name
            + " closes on "
            + lead_close
            + " and "
            + _s(words["other_ours"])
            + " has no close date"
        )
        sooner = (
            _s(words["lead_poss"])
            + " deal for "
            + name
            + " closes on "
            + lead_close
            + ", "
            + _s(words["other_ours"])
            + " on "
            + other_close
        )
        return _s(
            np.where(other_score == 0, none, np.where(lead_score > other_score, undated, sooner))
        )

    return _Vote(vote, why)


def _fits(industry: pd.Series, terms: Sequence[str]) -> np.ndarray:
    if not terms:
        return np.zeros(len(industry), dtype=bool)
    folded = industry.astype("str").str.casefold()
    hits = np.zeros(len(industry), dtype=bool)
    for term in terms:
        hits |= folded.str.contains(term.casefold(), regex=False).fillna(False).to_numpy(bool)
    return hits


def _product_fit(shared: pd.DataFrame, fit: Mapping[str, Sequence[str]]) -> _Vote:
    industry = shared["our_industry"].astype("str").fillna(shared["partner_industry"].astype("str"))
    ours = _fits(industry, fit.get(US, ()))
    theirs = _fits(industry, fit.get(PARTNER, ()))
    vote = ours.astype(int) - theirs.astype(int)

    def why(rows: np.ndarray, lead_us: np.ndarray) -> np.ndarray:
        name = _s(shared["name"].to_numpy(dtype=object)[rows])
        sector = _s(industry.to_numpy(dtype=object)[rows])
        whose = _s(np.where(lead_us, "our product", "the partner's product"))
        return name + " is in " + sector + ", which fits " + whose + " only"

    return _Vote(vote, why)


def _tie_breaker(shared: pd.DataFrame, side: str) -> _Vote:
    vote = np.full(len(shared), 1 if side == US else -1, dtype=int)

    def why(rows: np.ndarray, lead_us: np.ndarray) -> np.ndarray:
        whose = _s(np.where(lead_us, "us", "the partner"))
        return (
            "no earlier rule decides for "
            + _s(shared["name"].to_numpy(dtype=object)[rows])
            + ", so the tie-breaker gives it to "
            + whose
        )

    return _Vote(vote, why)


def decide_leads(
    shared: pd.DataFrame, rules: Rules, *, registered: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The lead of every shared row of a mapping under ``rules``; pure and vectorized.

    ``registered`` (``engine.store.registration_state.registration_touches``) gives each side's
    earliest counting deal registration per account, for "introduced first". Returns ``lead``
    (us / partner), ``criterion``, ``rule`` (its number among the enabled criteria) and
    ``rationale``, aligned with ``shared``'s index.
    """
    shared = shared.reset_index(drop=True) if len(shared) else shared
    n = len(shared)
    lead = np.full(n, "", dtype=object)
    criterion = np.full(n, "", dtype=object)
    rule = np.zeros(n, dtype=int)
    rationale = np.full(n, "", dtype=object)
    undecided = np.ones(n, dtype=bool)
    for number, name in enumerate(rules.active(), start=1):
        if not undecided.any():
            break
        if name == "relationship":
            verdict = _relationship(shared)
        elif name == "first_touch":
            verdict = _first_touch(shared, registered)
        elif name == "deal_stage":
            verdict = _deal_stage(shared)
        elif name == "product_fit":
            verdict = _product_fit(shared, rules.product_fit)
        else:
            verdict = _tie_breaker(shared, rules.tie_breaker)
        decided = undecided & (verdict.vote != 0)
        rows = np.flatnonzero(decided)
        if rows.size == 0:
            continue
        lead_us = verdict.vote[rows] > 0
        lead[rows] = np.where(lead_us, US, PARTNER)
        criterion[rows] = name
        rule[rows] = number
        prefix = _s(np.where(lead_us, "We lead: ", "Partner leads: "))
        clause = verdict.why(rows, lead_us)
        rationale[rows] = prefix + clause + f" (rule {number}, {CRITERIA[name][0]})"
        undecided &= ~decided
    return pd.DataFrame(
        {
            "lead": _column(lead),
            "criterion": _column(criterion),
            "rule": rule,
            "rationale": _column(rationale),
        }
    )


def _column(values: np.ndarray) -> pd.Series:
    """An object column as it is (a DataFrame would convert 300k strings to Arrow first)."""
    return pd.Series(values, dtype=object, copy=False)


# ---------------------------------------------------------------------- assign and read back


def _shared(mapping: pd.DataFrame) -> pd.DataFrame:
    return shared_rows(mapping)


def assign(
    ws: Workspace,
    partner: str | Partner,
    *,
    mapping: pd.DataFrame | None = None,
    by: str | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Decide and store the lead of every shared account; returns ``list_leads()``'s frame.

    The first assignment saves the default rules as version 1. Overrides are kept and win.
    Deal registrations count for "introduced first" as they stand on ``today`` (default:
    today), see ``engine.program.registrations``.
    """
    record = resolve_partner(ws, partner)
    current = rules(ws, record)
    if current.version == 0:
        current = _save(ws, int(record.id), Rules(**{**current.__dict__, "version": 1}), by)  # type: ignore[arg-type]
    if mapping is None:
        mapping = build_mapping(
            ws,
            record,
            progress=None if progress is None else (lambda f, m: progress(f * 0.5, m)),
            cancel=cancel,
        )
    shared = _shared(mapping)
    if progress is not None:
        progress(0.5, "Applying the rules")
    touches = None
    if "first_touch" in current.active():
        touches = registration_touches(ws, record, today=today)
    decided = decide_leads(shared, current, registered=touches)
    # The partnership model decides first: referral (we lead) and reseller (it leads).
    with ws.session() as session:
        model = session.get(Partner, record.id).model  # type: ignore[union-attr]
    decided = apply_model(decided, model, record.name)
    if cancel is not None and cancel():
        raise Cancelled()
    stamp = now()
    rows = pd.DataFrame(
        {
            "partner_id": int(record.id),  # type: ignore[arg-type]
            "our_key": shared["our_key"].to_numpy(dtype=object),
            "partner_key": shared["partner_key"].to_numpy(dtype=object),
            "our_account_id": shared["our_id"].to_numpy(dtype=object),
            "partner_account_id": shared["partner_id"].to_numpy(dtype=object),
            "lead": decided["lead"].to_numpy(dtype=object),
            "criterion": decided["criterion"].to_numpy(dtype=object),
            "rationale": decided["rationale"].to_numpy(dtype=object),
            "rules_version": current.version,
            # The text form SQLAlchemy reads back as a datetime.
            "assigned_at": stamp.strftime("%Y-%m-%d %H:%M:%S.%f"),
        }
    )
    with ws.transaction() as connection:
        connection.execute(delete(Assignment).where(col(Assignment.partner_id) == record.id))
        Workspace.insert_rows(
            connection,
            Assignment,
            rows,
            progress=None if progress is None else (lambda f, m: progress(0.6 + 0.4 * f, m)),
            cancel=cancel,
            label="Saving the leads",
        )
    return _ownership_frame(ws, record, shared, decided.assign(rules_version=current.version))


OWNERSHIP_COLUMNS = [
    "our_id",
    "partner_id",
    "name",
    "lead",
    "criterion",
    "rationale",
    "rules_version",
    "overridden",
]


def list_leads(
    ws: Workspace, partner: str | Partner, *, mapping: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Who leads each shared account now: the stored assignments with the overrides on top.

    Columns: ``our_id`` / ``partner_id`` (the CRM ids), ``name``, ``lead``, ``criterion``,
    ``rationale``, ``rules_version``, ``overridden``, then ``override_reason``,
    ``rule_lead``, ``rule_criterion``, ``rule_rationale``, ``open_disputes``, ``our_key``,
    ``partner_key``, ``our_stage``, ``partner_stage``, ``our_account_id``,
    ``partner_account_id``. Shared accounts not assigned yet have an empty lead.
    """
    record = resolve_partner(ws, partner)
    if mapping is None:
        mapping = build_mapping(ws, record)
    shared = _shared(mapping)
    stored = ws.read_frame(
        "SELECT our_key, partner_key, lead, criterion, rationale, rules_version "
        "FROM assignment WHERE partner_id = :p",
        {"p": record.id},
    ).drop_duplicates(["our_key", "partner_key"], keep="last")
    keys = shared[["our_key", "partner_key"]].astype(object)
    decided = keys.merge(
        stored.astype({"our_key": object, "partner_key": object}),
        on=["our_key", "partner_key"],
        how="left",
    )
    return _ownership_frame(ws, record, shared, decided)


def _ownership_frame(
    ws: Workspace, record: Partner, shared: pd.DataFrame, decided: pd.DataFrame
) -> pd.DataFrame:
    overrides = ws.read_frame(
        "SELECT our_key, partner_key, lead AS override_lead, reason AS override_reason "
        "FROM ownershipoverride WHERE partner_id = :p ORDER BY id",
        {"p": record.id},
    ).drop_duplicates(["our_key", "partner_key"], keep="last")
    disputes = ws.read_frame(
        "SELECT our_key, partner_key, count(*) AS open_disputes FROM dispute "
        "WHERE partner_id = :p AND resolved_at IS NULL GROUP BY our_key, partner_key",
        {"p": record.id},
    )
    frame = pd.DataFrame(
        {
            "our_id": _column(shared["our_external_id"].to_numpy(dtype=object)),
            "partner_id": _column(shared["partner_external_id"].to_numpy(dtype=object)),
            "name": _column(shared["name"].to_numpy(dtype=object)),
            "rule_lead": _column(decided["lead"].to_numpy(dtype=object)),
            "rule_criterion": _column(decided["criterion"].to_numpy(dtype=object)),
            "rule_rationale": _column(decided["rationale"].to_numpy(dtype=object)),
            "rules_version": pd.array(decided["rules_version"].to_numpy(), dtype="Int64"),
            "our_key": _column(shared["our_key"].to_numpy(dtype=object)),
            "partner_key": _column(shared["partner_key"].to_numpy(dtype=object)),
            "our_stage": _column(shared["our_stage"].astype(str).to_numpy(dtype=object)),
            "partner_stage": _column(shared["partner_stage"].astype(str).to_numpy(dtype=object)),
            "our_account_id": shared["our_id"].to_numpy(),
            "partner_account_id": shared["partner_id"].to_numpy(),
        }
    )
    for extra in (overrides, disputes):
        extra["our_key"] = extra["our_key"].astype(object)
        extra["partner_key"] = extra["partner_key"].astype(object)
    # Overrides and disputes are few: skip the 300k-row merges when there are none.
    if overrides.empty:
        frame["override_lead"] = _column(np.full(len(frame), None, dtype=object))
        frame["override_reason"] = _column(np.full(len(frame), None, dtype=object))
    else:
        frame = frame.merge(overrides, on=["our_key", "partner_key"], how="left")
    if disputes.empty:
        frame["open_disputes"] = 0
    else:
        frame = frame.merge(disputes, on=["our_key", "partner_key"], how="left")
    overridden = frame["override_lead"].notna().to_numpy(dtype=bool)
    frame["overridden"] = overridden

    def text(column: str) -> np.ndarray:
        values = frame[column].to_numpy(dtype=object)
        return np.where(pd.isna(values), "", values)

    rule_lead, rule_criterion, rule_rationale = (
        text("rule_lead"),
        text("rule_criterion"),
        text("rule_rationale"),
    )
    override_lead, override_reason = text("override_lead"), text("override_reason")
    if overridden.any():
        by_hand = _s(np.where(override_lead == US, "We lead", "Partner leads"))
        by_hand = by_hand + ": set by hand — " + override_reason
    else:
        by_hand = rule_rationale
    frame["lead"] = _column(np.where(overridden, override_lead, rule_lead))
    frame["criterion"] = _column(np.where(overridden, "override", rule_criterion))
    frame["rationale"] = _column(np.where(overridden, by_hand, rule_rationale))
    frame["rule_lead"] = _column(rule_lead)
    frame["rule_criterion"] = _column(rule_criterion)
    frame["rule_rationale"] = _column(rule_rationale)
    frame["open_disputes"] = frame["open_disputes"].fillna(0).astype(int)
    return frame[
        [
            *OWNERSHIP_COLUMNS,
            "override_reason",
            "rule_lead",
            "rule_criterion",
            "rule_rationale",
            "open_disputes",
            "our_key",
            "partner_key",
            "our_stage",
            "partner_stage",
            "our_account_id",
            "partner_account_id",
        ]
    ]
