"""The matching tiers and the core that runs them, ``match_frames``.

Tiers, strongest first: a shared web domain, a declared domain alias, the same name key (or the
same without spaces), then fuzzy names for the accounts still unmatched. ``match_frames`` is pure:
two DataFrames in, one DataFrame of links out, the same for the same input and symmetric in its
two sides; each pair keeps its link of the strongest tier.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from engine.errors import OverlapError
from engine.keys.names import name_keys
from engine.matching.blocking import CANDIDATE_CUTOFF, _candidates
from engine.matching.families import FAMILY_PAIRS, family_links
from engine.matching.joins import _join_keys
from engine.matching.prepare import (
    Cancel,
    Progress,
    _check,
    _prepare,
    _report,
    _Side,
    _token_tables,
)
from engine.matching.scoring import (
    ACRONYM,
    ACRONYM_SHARED,
    SLIP_WORD,
    _contained_candidates,
    _contradictions,
    _corroboration,
    _evidence,
    _evidence_words,
    _known_spellings,
    _one_slip,
    _score_pairs,
    _shared_word_candidates,
    _special_candidates,
    _with_evidence,
)

MATCH_METHODS = ("domain", "alias", "name", "fuzzy", "manual")
DEFAULT_AUTO = 92.0
DEFAULT_REVIEW = 75.0
RESULT_COLUMNS = ["our_index", "partner_index", "method", "score", "status", "explanation"]
# A name key (or an aliased domain) carried by more accounts than this on either side links
# nothing by itself ("Holdings"): it would produce a flood of links. Shared domains are resolved
# inside their group instead (``families``).
CROWDED = 50
# A fuzzy name whose rarest words differ, against a different city, country or website, is a
# second company with a like name far more often than a typo: the review queue only offers it
# when the names are this alike or more (a letter or two in a long name), and never when two
# fields contradict it. Except a slip of the keys (a letter left out, added, or two neighbours
# swapped: ``_one_slip``) in the same country: a company has many offices and regional sites, so
# that stays a suggestion, ranked ``CONTRADICTED_PENALTY`` lower than its score, so an
# account's candidate that nothing contradicts comes first. A letter replaced by another spells
# another brand as often as not ("Rosnix" / "Rysnix", "Peltra" / "Veltra"): not offered.
CONTRADICTED_CHARS = 96.0
CONTRADICTED_PENALTY = 5.0
# A brand contained whole in a name whose other words are generic ("Cigna" / "Cigna Group"):
# automatic when it is the only such pair for both accounts and the other words are of a
# company's form, else a suggestion, however much the city, country and industry agree: a brand
# and the same brand with a trade ("Krinmos" / "Krinmos Mining") are as often two companies.
CONTAINED_ONLY = 93.0
CONTAINED = 85.0
# Names sharing a rare word whole and nothing else that counts (``_shared_word_candidates``):
# a suggestion, which agreeing fields raise and any field against it removes.
SHARED_WORD = 78.0
# A name key this short (letters, without spaces) is an acronym or a short brand that unrelated
# companies share: the same name with a field against it is a suggestion, not a link.
SHORT_NAME = 4
# A website on one account a side whose names differ and whose countries differ (or whose
# cities differ and whose names are unlike, ``NAMES_UNLIKE``) is a wrong or reused website, or
# another company of a group, as often as one company: a suggestion.
DOMAIN_ABROAD = 90.0
NAMES_UNLIKE = 70.0


def _alias_groups(aliases: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each aliased domain → one representative of its group (union-find, smallest name)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for first, second in aliases:
        a, b = find(first.strip().lower()), find(second.strip().lower())
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {d: find(d) for d in list(parent)}


def _domain_tier(
    ours: _Side,
    theirs: _Side,
    aliases: dict[str, str],
    notes: list[str],
    auto: float = DEFAULT_AUTO,
    review: float = DEFAULT_REVIEW,
) -> pd.DataFrame:
    arrow_a, rows_a = ours.domain_values, ours.domain_rows
    arrow_b, rows_b = theirs.domain_values, theirs.domain_rows
    # Domains as integer codes (Arrow's hash table), joined as numbers.
    encoded = pa.concat_arrays([arrow_a, arrow_b]).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    code_a, code_b = codes[: len(arrow_a)], codes[len(arrow_a) :]
    frames = []
    # A domain several accounts of a side carry is a family (or a host), resolved inside its
    # group by ``family_links``; only a group too big to compare is left out.
    count_a = np.bincount(code_a, minlength=len(encoded.dictionary))
    count_b = np.bincount(code_b, minlength=len(encoded.dictionary))
    too_big = count_a * count_b > FAMILY_PAIRS
    if too_big.any():
        notes.append(
            f"{int(too_big.sum())} domain(s) carried by too many accounts to compare were not used"
        )
    usable_a, usable_b = np.flatnonzero(~too_big[code_a]), np.flatnonzero(~too_big[code_b])
    a, b, k, _crowded = _join_keys(
        code_a[usable_a],
        rows_a[usable_a],
        code_b[usable_b],
        rows_b[usable_b],
        cap=max(len(code_a), len(code_b)),
    )
    k = usable_a[k]
    shared = (count_a[code_a[k]] > 1) | (count_b[code_a[k]] > 1)
    if len(a):
        # Each pair once; a pair sharing several domains names the first in lexical order,
        # a domain of its own (one account a side) before a family's.
        order = np.lexsort((b, a))
        a, b, k, shared = a[order], b[order], k[order], shared[order]
        again = (a[1:] == a[:-1]) & (b[1:] == b[:-1])
        if again.any():
            several = np.r_[False, again] | np.r_[again, False]
            at = np.flatnonzero(several)
            group = pd.DataFrame(
                {
                    "at": at,
                    "a": a[at],
                    "b": b[at],
                    "f": shared[at],
                    "d": arrow_a.take(pa.array(k[at])),
                }
            )
            keep = ~several
            first = group.sort_values(["a", "b", "f", "d"]).drop_duplicates(["a", "b"])
            keep[first["at"]] = True
            a, b, k, shared = a[keep], b[keep], k[keep], shared[keep]
        family = family_links(
            ours,
            theirs,
            a[shared],
            b[shared],
            code_a[k[shared]],
            arrow_a.take(pa.array(k[shared])).to_numpy(zero_copy_only=False),
            (count_a[code_a[k[shared]]], count_b[code_a[k[shared]]]),
            auto,
            review,
            notes,
        )
        if len(family):
            frames.append(family)
        a, b, k = a[~shared], b[~shared], k[~shared]
        large = pa.large_string()
        explanation = pc.binary_join_element_wise(
            pa.scalar("same domain ", large), arrow_a.take(pa.array(k)), pa.scalar("", large)
        ).to_numpy(zero_copy_only=False)
        abroad = (ours.country[a] != 0) & (theirs.country[b] != 0)
        abroad &= (ours.country[a] != theirs.country[b]) & (ours.keys[a] != theirs.keys[b])
        abroad &= (ours.keys[a] != "") & (theirs.keys[b] != "")
        # In another city, a website shared by two names that have little in common is a
        # division, a sister company or a stale website as often as one company.
        other_city = (ours.city[a] != 0) & (theirs.city[b] != 0) & (ours.city[a] != theirs.city[b])
        at = np.flatnonzero(other_city & ~abroad)
        elsewhere = np.zeros(len(a), dtype=bool)
        elsewhere[at] = _names_unlike(ours, theirs, a[at], b[at])
        if abroad.any() or elsewhere.any():
            explanation = explanation.copy()
            explanation[abroad] = [
                f"{e}; different names; different country" for e in explanation[abroad]
            ]
            explanation[elsewhere] = [
                f"{e}; different names; different city" for e in explanation[elsewhere]
            ]
        score = np.where(abroad | elsewhere, max(review, min(DOMAIN_ABROAD, auto - 0.1)), 100.0)
        frames.append(
            pd.DataFrame(
                {"a": a, "b": b, "method": "domain", "score": score, "explanation": explanation}
            )
        )
    dom_a = arrow_a.to_numpy(zero_copy_only=False) if aliases else arrow_a
    dom_b = arrow_b.to_numpy(zero_copy_only=False) if aliases else arrow_b
    if aliases and len(dom_a) and len(dom_b):
        canon_a = np.array([aliases.get(d, d) for d in dom_a], dtype=object)
        canon_b = np.array([aliases.get(d, d) for d in dom_b], dtype=object)
        a, b, _k, _crowded = _join_keys(
            canon_a, np.arange(len(dom_a)), canon_b, np.arange(len(dom_b)), cap=CROWDED
        )
        differ = dom_a[a] != dom_b[b]
        if differ.any():
            pairs = pd.DataFrame(
                {
                    "a": rows_a[a[differ]],
                    "b": rows_b[b[differ]],
                    "da": dom_a[a[differ]],
                    "db": dom_b[b[differ]],
                }
            )
            # A lexical order of the two domains keeps the explanation symmetric.
            lo = np.where(pairs["da"] < pairs["db"], pairs["da"], pairs["db"])
            hi = np.where(pairs["da"] < pairs["db"], pairs["db"], pairs["da"])
            pairs["detail"] = [f"{x} is an alias of {y}" for x, y in zip(lo, hi, strict=True)]
            pairs = pairs.sort_values(["a", "b", "detail"]).drop_duplicates(["a", "b"])
            frames.append(
                pd.DataFrame(
                    {
                        "a": pairs["a"].to_numpy(),
                        "b": pairs["b"].to_numpy(),
                        "method": "alias",
                        "score": 100.0,
                        "explanation": pairs["detail"].to_numpy(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else _empty_links()


def _names_unlike(ours: _Side, theirs: _Side, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair: whether the names have little in common ("Kralro Telecom" / "Titan Kralro
    Motors"): under 70% alike as words and as letters, neither contained in the other, and
    neither a short name (an acronym or a short brand, left to the names' own tiers)."""
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    x, y = ours.compact[a], theirs.compact[b]
    words = process.cpdist(
        ours.keys[a].tolist(), theirs.keys[b].tolist(), scorer=fuzz.token_sort_ratio, workers=-1
    )
    letters = process.cpdist(x.tolist(), y.tolist(), scorer=fuzz.ratio, workers=-1)
    out = (np.asarray(words) < NAMES_UNLIKE) & (np.asarray(letters) < NAMES_UNLIKE)
    for i in np.flatnonzero(out):
        short = min(len(x[i]), len(y[i])) <= SHORT_NAME
        out[i] = not short and x[i] not in y[i] and y[i] not in x[i]
    return out


def _empty_links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": np.empty(0, dtype=np.int64),
            "b": np.empty(0, dtype=np.int64),
            "method": np.empty(0, dtype=object),
            "score": np.empty(0, dtype=float),
            "explanation": np.empty(0, dtype=object),
        }
    )


def _name_alias_tier(
    ours: _Side, theirs: _Side, name_aliases: Iterable[tuple[str, str]]
) -> pd.DataFrame:
    """Links of accounts whose names the user declared one company's (a former name, a
    parent's brand), by their name keys: "name alias: Facebook = Meta Platforms, Inc."."""
    pairs = [(str(x), str(y)) for x, y in name_aliases]
    if not pairs:
        return _empty_links()
    written = [name for pair in pairs for name in pair]
    keys = name_keys(written).tolist()
    groups = _alias_groups(
        (keys[i], keys[i + 1]) for i in range(0, len(keys), 2) if keys[i] and keys[i + 1]
    )
    shown: dict[str, str] = {}
    for key, name in sorted(zip(keys, written, strict=True)):
        shown.setdefault(key, name)
    sides = []
    for side in (ours, theirs):
        rows = np.flatnonzero(np.isin(side.keys, list(groups)))
        sides.append((np.array([groups[k] for k in side.keys[rows]], dtype=object), rows))
    a, b, _k, _c = _join_keys(sides[0][0], sides[0][1], sides[1][0], sides[1][1], cap=CROWDED)
    differ = ours.keys[a] != theirs.keys[b]
    a, b = a[differ], b[differ]
    if not len(a):
        return _empty_links()
    names = [
        sorted((shown[x], shown[y])) for x, y in zip(ours.keys[a], theirs.keys[b], strict=True)
    ]
    return pd.DataFrame(
        {
            "a": a,
            "b": b,
            "method": "alias",
            "score": 100.0,
            "explanation": [f"name alias: {x} = {y}" for x, y in names],
        }
    )


def _name_tier(
    ours: _Side, theirs: _Side, notes: list[str], auto: float = DEFAULT_AUTO
) -> pd.DataFrame:
    frames = []
    nonempty_a = np.flatnonzero(ours.keys != "")
    nonempty_b = np.flatnonzero(theirs.keys != "")
    a, b, _k, crowded = _join_keys(
        ours.keys[nonempty_a], nonempty_a, theirs.keys[nonempty_b], nonempty_b, cap=CROWDED
    )
    if crowded.any():
        notes.append(
            f"{int(crowded.sum())} name(s) carried by more than {CROWDED} accounts were not used"
        )
    if len(a):
        frames.append((a, b, 100.0, "same name after removing legal forms"))
    # Squashed or split words: "Face Book" = "Facebook".
    ca, cb = ours.compact[nonempty_a], theirs.compact[nonempty_b]
    a2, b2, _k, _c = _join_keys(ca, nonempty_a, cb, nonempty_b, cap=CROWDED)
    differ = ours.keys[a2] != theirs.keys[b2]
    if differ.any():
        frames.append((a2[differ], b2[differ], 96.0, "same name apart from spaces"))
    if not frames:
        return _empty_links()
    out = []
    for a_, b_, base, words in frames:
        adjust = _evidence(ours, theirs, a_, b_)
        # A short name ("SGB", "PCA") is carried by unrelated companies: any field against it
        # (another city, country or website) leaves the link to a person.
        short = np.fromiter((len(c) <= SHORT_NAME for c in ours.compact[a_]), bool, len(a_))
        against = short & (_contradictions(ours, theirs, a_, b_) > 0)
        adjust = np.where(against, np.minimum(adjust, auto - 0.1 - base), adjust)
        out.append(
            pd.DataFrame(
                {
                    "a": a_,
                    "b": b_,
                    "method": "name",
                    "score": np.clip(base + np.minimum(adjust, 0.0), 0, 100),
                    "explanation": [
                        _with_evidence(words, w) for w in _evidence_words(ours, theirs, a_, b_)
                    ],
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def _fuzzy_tier(
    ours: _Side,
    theirs: _Side,
    matched_a: np.ndarray,
    matched_b: np.ndarray,
    review: float,
    auto: float,
    cancel: Cancel | None,
    progress: Progress | None,
) -> pd.DataFrame:
    """Fuzzy links for pairs where at least one account has no exact link yet (so a duplicate
    spelled differently still links to the account its twin matched exactly)."""
    usable_a = np.flatnonzero(ours.keys != "")
    usable_b = np.flatnonzero(theirs.keys != "")
    if not (~matched_a[usable_a]).any() and not (~matched_b[usable_b]).any():
        return _empty_links()
    if len(usable_a) == 0 or len(usable_b) == 0:
        return _empty_links()
    tables = _token_tables(ours.keys, theirs.keys)
    found = _candidates(
        ours.keys,
        theirs.keys,
        (ours.compact, theirs.compact),
        tables,
        CANDIDATE_CUTOFF,
        None,
        cancel,
        progress,
        places=(ours.city, theirs.city),
    )
    a, b = found["a"].to_numpy(np.int64), found["b"].to_numpy(np.int64)
    open_pair = ~(matched_a[a] & matched_b[b]) & (ours.keys[a] != "") & (theirs.keys[b] != "")
    a, b, by_words = a[open_pair], b[open_pair], found["score"].to_numpy(float)[open_pair]
    _check(cancel)
    scores, chars, rare_exact = _score_pairs(ours, theirs, a, b, by_words, tables, cancel)
    final = np.clip(np.round(scores + _evidence(ours, theirs, a, b), 1), 0, 100)
    # Brands one letter apart are as often two companies as one typo: when the rarest words
    # differ, a person decides, unless the names are nearly identical, one slip of the keys
    # apart (a letter replaced spells another brand: "Crotera" / "Brotera"), one of the two
    # spellings is carried by no other name (what a slip leaves), and the city and country
    # agree.
    place = (ours.city[a] != 0) & (ours.city[a] == theirs.city[b])
    place &= (ours.country[a] != 0) & (ours.country[a] == theirs.country[b])
    near = np.flatnonzero(
        ~rare_exact & place & (chars >= 95) & (_contradictions(ours, theirs, a, b) == 0)
    )
    trusted = rare_exact.copy()
    trusted[near] = _one_slip(ours, theirs, a[near], b[near]) & ~_known_spellings(
        tables, a[near], b[near], carried=SLIP_WORD + 1
    )
    final = np.where(trusted, final, np.minimum(final, auto - 0.1))
    doubtful = _contradicted(ours, theirs, a, b, final, chars, rare_exact, review, auto)
    contained = _contained_links(ours, theirs, tables, matched_a, matched_b, review, auto)
    # For a short brand, its name contained whole beats a near-spelling of a different rare
    # word ("Northwind": "Northwind Systems", not "Southwind Corp").
    brand_side = contained["brand_side"].to_numpy()
    doubtful |= ~rare_exact & (
        np.isin(a, contained["a"].to_numpy()[brand_side == 0])
        | np.isin(b, contained["b"].to_numpy()[brand_side == 1])
    )
    keep = (final >= review) & ~doubtful
    # Names that differ by words other names carry too, on both sides, are two companies
    # ("Reno Technology" / "Renco Technologies" where others are called Reno and Renco): a slip
    # of the keys leaves a spelling no other name carries. Not even a suggestion.
    kept = np.flatnonzero(keep)
    keep[kept[_known_spellings(tables, a[kept], b[kept])]] = False
    fuzzy = pd.DataFrame(
        {
            "a": a[keep],
            "b": b[keep],
            "score": final[keep],
            "kind": 0,
            "char": chars[keep],
            "words": "",
        }
    )
    extra = _special_links(ours, theirs, usable_a, usable_b, matched_a, matched_b, review, auto)
    shared = _shared_word_links(ours, theirs, tables, matched_a, matched_b, review, auto)
    fuzzy = pd.concat(
        [f for f in (fuzzy, contained, extra, shared) if f is not None], ignore_index=True
    )
    return _mutual_best_links(ours, theirs, fuzzy)


def _contradicted(
    ours: _Side,
    theirs: _Side,
    a: np.ndarray,
    b: np.ndarray,
    final: np.ndarray,
    chars: np.ndarray,
    rare_exact: np.ndarray,
    review: float,
    auto: float,
) -> np.ndarray:
    """The fuzzy pairs the review queue does not offer: near-spellings of another rare word
    that the other fields contradict (nor do they hide an account's other candidates), unless
    a slip of the keys in the same country, whose score (``final``, changed in place) drops
    ``CONTRADICTED_PENALTY`` below the uncontradicted."""
    against = _contradictions(ours, theirs, a, b)
    doubtful = (against >= 2) | (~rare_exact & (chars < CONTRADICTED_CHARS) & (against > 0))
    abroad = (ours.country[a] != 0) & (theirs.country[b] != 0)
    abroad &= ours.country[a] != theirs.country[b]
    slip = np.flatnonzero(doubtful & ~abroad & (final - CONTRADICTED_PENALTY >= review))
    slip = slip[_one_slip(ours, theirs, a[slip], b[slip])]
    doubtful[slip] = False
    final[slip] = np.minimum(final[slip] - CONTRADICTED_PENALTY, auto - 0.1)
    return doubtful


def _contained_links(
    ours: _Side,
    theirs: _Side,
    tables: tuple,  # type: ignore[type-arg]
    matched_a: np.ndarray,
    matched_b: np.ndarray,
    review: float,
    auto: float,
) -> pd.DataFrame:
    """Brands contained whole in a longer name of generic words (``_contained_candidates``)
    of pairs still open and not contradicted, scored with their evidence, at ``review`` or
    above."""
    found = _contained_candidates(ours, theirs, tables)
    ca, cb = found["a"].to_numpy(np.int64), found["b"].to_numpy(np.int64)
    keep = ~(matched_a[ca] & matched_b[cb])
    keep &= _contradictions(ours, theirs, ca, cb) == 0
    found, ca, cb = found[keep], ca[keep], cb[keep]
    only = found["only"].to_numpy(bool)
    scores = np.where(only, CONTAINED_ONLY, CONTAINED) + _evidence(ours, theirs, ca, cb)
    scores = np.round(np.clip(np.where(only, scores, np.minimum(scores, auto - 0.1)), 0, 100), 1)
    out = pd.DataFrame(
        {
            "a": ca,
            "b": cb,
            "score": scores,
            "kind": 1,
            "char": 0.0,
            "words": found["words"].to_numpy(object),
            "brand_side": found["brand_side"].to_numpy(np.int64),
        }
    )
    return out[out["score"] >= review]


def _shared_word_links(
    ours: _Side,
    theirs: _Side,
    tables: tuple,  # type: ignore[type-arg]
    matched_a: np.ndarray,
    matched_b: np.ndarray,
    review: float,
    auto: float,
) -> pd.DataFrame:
    """Names sharing a rare word no other name carries, of pairs still open and not
    contradicted, scored with their evidence below ``auto``, at ``review`` or above."""
    found = _shared_word_candidates(ours, theirs, tables)
    sa, sb = found["a"].to_numpy(np.int64), found["b"].to_numpy(np.int64)
    keep = ~(matched_a[sa] & matched_b[sb]) & (_contradictions(ours, theirs, sa, sb) == 0)
    found, sa, sb = found[keep], sa[keep], sb[keep]
    scores = np.clip(SHARED_WORD + _evidence(ours, theirs, sa, sb), 0, auto - 1)
    out = pd.DataFrame(
        {
            "a": sa,
            "b": sb,
            "score": np.round(scores, 1),
            "kind": 1,
            "char": 0.0,
            "words": found["words"].to_numpy(object),
        }
    )
    return out[out["score"] >= review]


def _special_links(
    ours: _Side,
    theirs: _Side,
    usable_a: np.ndarray,
    usable_b: np.ndarray,
    matched_a: np.ndarray,
    matched_b: np.ndarray,
    review: float,
    auto: float,
) -> pd.DataFrame | None:
    """Acronym and prefix candidates (``_special_candidates``) of pairs still open, scored with
    their evidence, at ``review`` or above; None when there is no open candidate."""
    special = _special_candidates(ours, theirs, usable_a, usable_b)
    if len(special):
        sa, sb = special["a"].to_numpy(np.int64), special["b"].to_numpy(np.int64)
        open_special = ~(matched_a[sa] & matched_b[sb])
        special, sa, sb = special[open_special], sa[open_special], sb[open_special]
    if not len(special):
        return None
    # An acronym or a prefix that another field contradicts is no suggestion; nor an acronym
    # that no field supports (the same country, city, industry, related websites), except in
    # lists that compare no field, where it must be the only pair with those initials.
    base = special["base"].to_numpy(float)
    acronym = (base == ACRONYM) | (base == ACRONYM_SHARED)
    agree, known = _corroboration(ours, theirs, sa, sb)
    supported = agree | (~known & (base == ACRONYM))
    agreed = (_contradictions(ours, theirs, sa, sb) == 0) & (~acronym | supported)
    special, sa, sb = special[agreed], sa[agreed], sb[agreed]
    if not len(special):
        return None
    # Acronyms and prefixes always wait for a person, however well the rest agrees.
    special_scores = np.clip(
        special["base"].to_numpy(float) + _evidence(ours, theirs, sa, sb), 0, auto - 1
    )
    extra = pd.DataFrame(
        {
            "a": sa,
            "b": sb,
            "score": np.round(special_scores, 1),
            "kind": 1,
            "char": 0.0,
            "words": special["words"].to_numpy(object),
        }
    )
    return extra[extra["score"] >= review]


def _mutual_best_links(ours: _Side, theirs: _Side, fuzzy: pd.DataFrame) -> pd.DataFrame:
    """The fuzzy tier's links from its scored candidates (columns a, b, score, kind: 0 for a
    fuzzy name, 1 for an acronym or prefix, char, words): each pair once, kept when neither
    account has a better candidate, with its explanation."""
    fuzzy = fuzzy.sort_values(["a", "b", "score", "kind"], ascending=[True, True, False, True])
    fuzzy = fuzzy.drop_duplicates(["a", "b"])
    # Mutual best: a link stays when neither account has a better candidate (ties all stay,
    # so duplicates inside one CRM link to the same account).
    best_a = fuzzy.groupby("a")["score"].transform("max")
    best_b = fuzzy.groupby("b")["score"].transform("max")
    fuzzy = fuzzy[(fuzzy["score"] >= best_a) & (fuzzy["score"] >= best_b)]
    fa, fb = fuzzy["a"].to_numpy(np.int64), fuzzy["b"].to_numpy(np.int64)
    words = [
        _with_evidence(w if k else f"names {round(c)}% alike after removing legal forms", e)
        for w, k, c, e in zip(
            fuzzy["words"],
            fuzzy["kind"],
            fuzzy["char"],
            _evidence_words(ours, theirs, fa, fb),
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            "a": fa,
            "b": fb,
            "method": "fuzzy",
            "score": fuzzy["score"].to_numpy(float),
            "explanation": words,
        }
    )


def match_frames(
    ours: pd.DataFrame,
    partner: pd.DataFrame,
    *,
    by_name: bool = True,
    aliases: Iterable[tuple[str, str]] = (),
    name_aliases: Iterable[tuple[str, str]] = (),
    auto: float = DEFAULT_AUTO,
    review: float = DEFAULT_REVIEW,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Links between the rows of ``ours`` and ``partner`` (columns ``name``, optionally
    ``domains``, ``industry``, ``country``, ``city``).

    ``name_aliases`` are pairs of names the user declared one company's: accounts so named link
    as the alias tier ("name alias: Facebook = Meta Platforms, Inc.").

    ``by_name=False`` compares domains only (the domain and alias tiers): for a side whose
    export has web domains and no company names.

    Returns one row per link with ``our_index`` / ``partner_index`` (row positions), ``method``,
    ``score``, ``status`` (``auto`` or ``review``) and ``explanation``, sorted by position.
    ``notes`` (a list) receives remarks such as domains too crowded to use.
    """
    _validate_thresholds(auto, review)
    notes = [] if notes is None else notes
    _report(progress, 0.0, "Preparing names")
    # Arrow's string kernels release the GIL: the two sides' keys are built side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(_prepare, ours, by_name), pool.submit(_prepare, partner, by_name)]
        a_side, b_side = jobs[0].result(), jobs[1].result()
    _check(cancel)
    _report(progress, 0.15, "Matching domains")
    exact = [_domain_tier(a_side, b_side, _alias_groups(aliases), notes, auto, review)]
    _check(cancel)
    if not by_name:
        notes.append("names were not compared: one side gave web domains only")
        return _result(exact[0], auto, review, progress)
    _report(progress, 0.25, "Matching names")
    exact.append(_name_alias_tier(a_side, b_side, name_aliases))
    exact.append(_name_tier(a_side, b_side, notes, auto))
    links = pd.concat(exact, ignore_index=True)
    matched_a = np.zeros(len(a_side), dtype=bool)
    matched_b = np.zeros(len(b_side), dtype=bool)
    matched_a[links["a"].to_numpy(np.int64)] = True
    matched_b[links["b"].to_numpy(np.int64)] = True
    _check(cancel)
    _report(progress, 0.35, "Comparing the other names")
    fuzzy = _fuzzy_tier(
        a_side,
        b_side,
        matched_a,
        matched_b,
        review,
        auto,
        cancel,
        None if progress is None else (lambda f, m: progress(0.35 + 0.6 * f, m)),
    )
    fuzzy = _second_spellings(links, fuzzy, len(a_side), len(b_side), auto)
    return _result(pd.concat([links, fuzzy], ignore_index=True), auto, review, progress)


def _second_spellings(
    exact: pd.DataFrame, fuzzy: pd.DataFrame, size_a: int, size_b: int, auto: float
) -> pd.DataFrame:
    """The fuzzy links with those of an account that another link already matches for sure
    (by domain or the same name) kept for review: another spelling beside a sure partner is a
    second company one letter apart ("Sasta Medical" / "Sata Medical") as often as a duplicate
    record, so a person decides."""
    sure = exact[exact["score"] >= auto]
    sure_a = np.zeros(size_a, dtype=bool)
    sure_b = np.zeros(size_b, dtype=bool)
    sure_a[sure["a"].to_numpy(np.int64)] = True
    sure_b[sure["b"].to_numpy(np.int64)] = True
    fa, fb = fuzzy["a"].to_numpy(np.int64), fuzzy["b"].to_numpy(np.int64)
    beside = sure_a[fa] | sure_b[fb]
    score = fuzzy["score"].to_numpy(float)
    return fuzzy.assign(score=np.where(beside, np.minimum(score, auto - 0.1), score))


def _result(
    links: pd.DataFrame, auto: float, review: float, progress: Progress | None
) -> pd.DataFrame:
    """``match_frames``' result from the links of every tier: the best link of each pair."""
    rank = pd.Categorical(links["method"], categories=MATCH_METHODS).codes
    a, b = links["a"].to_numpy(np.int64), links["b"].to_numpy(np.int64)
    score = links["score"].to_numpy(float)
    order = np.lexsort((-score, rank, b, a))  # by pair, then tier, then best score first
    a, b, score = a[order], b[order], score[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])] if len(a) else np.empty(0, bool)
    links = links.iloc[order[first & (score >= review)]]
    status = np.where(links["score"] >= auto, "auto", "review")
    _report(progress, 1.0, "Matched")
    return pd.DataFrame(
        {
            "our_index": links["a"].to_numpy(np.int64),
            "partner_index": links["b"].to_numpy(np.int64),
            "method": links["method"].to_numpy(object),
            "score": links["score"].to_numpy(float).round(1),
            "status": status.astype(object),
            "explanation": links["explanation"].to_numpy(object),
        }
    )


def _validate_thresholds(auto: float, review: float) -> None:
    if not (0 <= review <= auto <= 100) or math.isnan(auto) or math.isnan(review):
        raise OverlapError(
            "thresholds must satisfy 0 <= review <= auto <= 100 "
            f"(got review {review:g}, auto {auto:g})"
        )
