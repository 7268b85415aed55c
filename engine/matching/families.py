"""Domain families: a web domain several accounts of a side carry, resolved inside its group.

A domain on one account a side links the two (the domain tier). A domain on several accounts of
a side is either a *family* (an asset manager and its funds, a utility and its subsidiaries, a
company and its former listing) or a *host* (a shared-hosting or mail domain many unrelated
companies use). The names tell which: a family's names share a brand word, rare outside the
group; a host's names share none, and a host links nothing by domain. Inside a family the names
decide: a pair whose names agree and which are each other's best in the group is automatic;
every other account is offered for review with its best partner(s) in the group, labelled for
what it likely is, never automatic. Nothing depends on how many accounts carry the domain: only
a group too big to compare pair by pair (``FAMILY_PAIRS``, far beyond any real family) is left
to the name tiers, with a note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from engine.keys.names import ACRONYM_STOPWORDS
from engine.matching.prepare import _Side, _token_tables, _TokenTable
from engine.matching.scoring import _evidence, _score_pairs

# Pairs of one domain's group compared at most (our accounts x theirs): a safety limit on work,
# not a rule of matching (a thousand subsidiaries on each side stay within it).
FAMILY_PAIRS = 1_000_000
# A word is a group's brand when at least this share of the group's accounts carry it...
BRAND_SHARE = 0.5
# ... and it is rare outside the group: no more frequent there than inside, or than this share
# of all accounts ("harbor" brands a family; "capital" or "services" brands nothing).
OUTSIDE_SHARE = 0.01

FAMILY_NOTE = "same domain, different company: a subsidiary, fund or division?"
UNRELATED_NOTE = (
    "same domain, unrelated names: a renamed company, a former listing or a wrong website?"
)


def family_links(
    ours: _Side,
    theirs: _Side,
    a: np.ndarray,
    b: np.ndarray,
    group: np.ndarray,
    domain: np.ndarray,
    sizes: tuple[np.ndarray, np.ndarray],
    auto: float,
    review: float,
    notes: list[str],
) -> pd.DataFrame:
    """Links of the pairs (``a``, ``b``) sharing a domain that several accounts of a side carry.

    ``group`` is the domain's code of each pair, ``domain`` its text, ``sizes`` the accounts of
    each side carrying it (per pair). Returns columns a, b, method, score, explanation.
    """
    if len(a) == 0:
        return _links(a, b, np.empty(0), np.empty(0, dtype=object))
    named = (ours.keys[a] != "") & (theirs.keys[b] != "")
    if not named.any():
        # Domains only (an export of websites): nothing tells the accounts apart.
        score = np.full(len(a), max(review, min(auto - 0.1, 90.0)))
        told = [f"same domain {d}, carried by several accounts; {FAMILY_NOTE}" for d in domain]
        return _links(a, b, score, np.asarray(told, dtype=object))
    tables = _token_tables(ours.keys, theirs.keys)
    brand_a, brand_b = _brand_words(a, b, group, tables, len(ours) + len(theirs))
    family = np.zeros(len(a), dtype=bool)
    family_groups = np.unique(group[brand_a | brand_b])
    family[np.isin(group, family_groups)] = True
    hosts = len(np.unique(group[~family]))
    if hosts:
        notes.append(
            f"{hosts} domain(s) carried by several accounts with unrelated names "
            "(shared hosting or mail?) were not used"
        )
    a, b, group, domain = a[family], b[family], group[family], domain[family]
    sizes = (sizes[0][family], sizes[1][family])
    related = brand_a[family] & brand_b[family]
    by_words = process.cpdist(
        ours.keys[a].tolist(), theirs.keys[b].tolist(), scorer=fuzz.token_sort_ratio, workers=-1
    )
    scores, _chars, rare_exact = _score_pairs(
        ours, theirs, a, b, np.asarray(by_words, dtype=float), tables, None
    )
    scores = scores + _evidence(ours, theirs, a, b)
    same = (ours.keys[a] == theirs.keys[b]) | (ours.compact[a] == theirs.compact[b])
    same &= ours.keys[a] != ""
    agree = same | (rare_exact & (scores >= auto))
    scores = np.where(same, 100.0, scores)
    frame = pd.DataFrame({"g": group, "a": a, "b": b, "s": scores})
    best_a = frame.groupby(["g", "a"])["s"].transform("max").to_numpy(float)
    best_b = frame.groupby(["g", "b"])["s"].transform("max").to_numpy(float)
    is_auto = agree & (scores >= best_a) & (scores >= best_b)
    # Each account is offered with its best partner(s) in the group, not with all of them.
    keep = is_auto | (scores >= best_a) | (scores >= best_b)
    carried = [
        f"same domain {d} ({na:,} of our accounts and {nb:,} of theirs carry it)"
        for d, na, nb in zip(domain, sizes[0], sizes[1], strict=True)
    ]
    words = np.asarray(
        [
            f"{c}; the names agree" if auto_ else f"{c}; {FAMILY_NOTE if rel else UNRELATED_NOTE}"
            for c, auto_, rel in zip(carried, is_auto, related, strict=True)
        ],
        dtype=object,
    )
    final = np.where(is_auto, 100.0, np.clip(np.round(scores, 1), review, auto - 0.1))
    return _links(a[keep], b[keep], final[keep], words[keep])


def _brand_words(
    a: np.ndarray,
    b: np.ndarray,
    group: np.ndarray,
    tables: tuple[_TokenTable, _TokenTable],
    total_accounts: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each pair's account on our side, and on theirs, carries a brand word of its
    group: a word most of the group's accounts carry, on both sides, rare outside the group."""
    members = []
    for side, rows in ((0, a), (1, b)):
        table = tables[side]
        pairs = pd.DataFrame({"g": group, "row": rows}).drop_duplicates()
        words = pd.DataFrame({"row": table.rows, "w": table.ids})
        merged = pairs.merge(words, on="row")
        merged["side"] = side
        members.append((pairs, merged))
    frequency = np.zeros(len(tables[0].words), dtype=np.int64)
    for table in tables:
        frequency += np.bincount(table.ids, minlength=len(frequency))
    size = pd.concat([m[0] for m in members]).groupby("g").size()
    entries = pd.concat([m[1] for m in members], ignore_index=True)
    counted = entries.groupby(["g", "w"]).agg(inside=("row", "size"), on_b=("side", "sum"))
    counted["on_a"] = counted["inside"] - counted["on_b"]
    g = counted.index.get_level_values(0).to_numpy()
    w = counted.index.get_level_values(1).to_numpy()
    inside = counted["inside"].to_numpy()
    outside = frequency[w] - inside
    stop = np.isin(tables[0].words[w], list(ACRONYM_STOPWORDS))
    brand = (
        (inside >= 2)
        & (inside >= BRAND_SHARE * size.reindex(g).to_numpy())
        & (counted["on_a"].to_numpy() > 0)
        & (counted["on_b"].to_numpy() > 0)
        & (outside <= np.maximum(inside, OUTSIDE_SHARE * total_accounts))
        & ~stop
    )
    brands = pd.DataFrame({"g": g[brand], "w": w[brand]})
    out = []
    for side, rows in ((0, a), (1, b)):
        carrying = members[side][1].merge(brands, on=["g", "w"])[["g", "row"]].drop_duplicates()
        flags = pd.DataFrame({"g": group, "row": rows}).merge(
            carrying.assign(hit=True), on=["g", "row"], how="left"
        )
        out.append(flags["hit"].fillna(False).to_numpy(bool))
    return out[0], out[1]


def _links(a: np.ndarray, b: np.ndarray, score: np.ndarray, words: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": np.asarray(a, dtype=np.int64),
            "b": np.asarray(b, dtype=np.int64),
            "method": "domain",
            "score": np.asarray(score, dtype=float),
            "explanation": np.asarray(words, dtype=object),
        }
    )
