"""Step 2, matching: tiers, thresholds, decisions that survive re-matching, scale paths, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import (
    Cancelled,
    OverlapError,
    Workspace,
    add_alias,
    decide,
    link,
    list_aliases,
    list_matches,
    match_frames,
    match_partner,
    remove_alias,
    undo_decision,
)
from engine.cli import main as cli
from engine.matching import candidate_pairs
from engine.store.models import Snapshot
from engine.store.workspace import now


def accounts(*rows: tuple | dict) -> pd.DataFrame:
    """Accounts from (name, domains[, country[, city]]) tuples or dicts of standard fields."""
    records = []
    for row in rows:
        if isinstance(row, dict):
            records.append(row)
            continue
        name, domains, *rest = row
        record = {"name": name, "domains": domains}
        if rest:
            record["country"] = rest[0]
        if len(rest) > 1:
            record["city"] = rest[1]
        records.append(record)
    return pd.DataFrame.from_records(records)


def pairs(links: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(links["our_index"], links["partner_index"], strict=True))


def link_for(links: pd.DataFrame, a: int, b: int) -> pd.Series:
    row = links[(links["our_index"] == a) & (links["partner_index"] == b)]
    assert len(row) == 1, links
    return row.iloc[0]


# ------------------------------------------------------------------------------------ tiers


def test_domain_tier_with_several_domains_and_generic_ones() -> None:
    ours = accounts(
        ("Acme Inc", "acme.com acme.de"),
        ("Jane's Bakery", "gmail.com"),
        ("Initrode", "initrode.com"),
    )
    theirs = accounts(
        ("ACME Deutschland", "acme.de"),
        ("Bob's Garage", "gmail.com"),
        ("Something else", "other.com"),
    )
    links = match_frames(ours, theirs)
    assert pairs(links) == {(0, 0)}
    row = link_for(links, 0, 0)
    assert (row["method"], row["score"], row["status"]) == ("domain", 100.0, "auto")
    assert row["explanation"] == "same domain acme.de"


def test_alias_tier() -> None:
    ours = accounts(("Block", "block.xyz"))
    theirs = accounts(("Square", "squareup.com"))
    assert match_frames(ours, theirs).empty
    links = match_frames(ours, theirs, aliases=[("squareup.com", "block.xyz")])
    row = link_for(links, 0, 0)
    assert (row["method"], row["status"]) == ("alias", "auto")
    assert row["explanation"] == "block.xyz is an alias of squareup.com"


def test_exact_name_tier_and_what_lowers_it() -> None:
    ours = accounts(
        ("Lowe's Companies, Inc.", "", "US"),
        ("Globex GmbH", "globex.de", "Germany"),
        ("Initech", "", "United States"),
    )
    theirs = accounts(
        ("LOWES", "", "USA"),
        ("Globex Corporation", "globex-corp.com", "US"),
        ("Initech LLC", "", "US"),
    )
    links = match_frames(ours, theirs)
    lowes = link_for(links, 0, 0)
    assert (lowes["method"], lowes["score"], lowes["status"]) == ("name", 100.0, "auto")
    assert lowes["explanation"] == "same name after removing legal forms; same country"
    # Same name, but another country and another website: a person should look.
    globex = link_for(links, 1, 1)
    assert globex["status"] == "review"
    assert "different country" in globex["explanation"]
    assert "different websites" in globex["explanation"]
    assert link_for(links, 2, 2)["status"] == "auto"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("Face Book", "Facebook Inc"),
        ("SponteraMotors", "Spontera Motors"),
        ("VesneviaPowerplc", "Vesnevia Power plc"),
        ("BungeLtd", "Bunge"),
    ],
)
def test_squashed_words(ours: str, theirs: str) -> None:
    links = match_frames(accounts((ours, "")), accounts((theirs, "")))
    row = link_for(links, 0, 0)
    assert (row["method"], row["status"]) == ("name", "auto")
    assert row["explanation"] in (
        "same name apart from spaces",
        "same name after removing legal forms",
    )


@pytest.mark.parametrize(
    ("ours", "theirs", "status", "words"),
    [
        ("Schwab Charles Corp", "Charles Schwab Corporation", "auto", "names 100% alike"),
        (
            "Zoetis Animal Health Inc",
            "Zoetsi Animal Health",
            "review",
            "alike after removing legal forms",
        ),
        (
            "Hunt J B Transport Services Inc",
            "J.B. Hunt Transport Services",
            "auto",
            "names 100% alike",
        ),
        (
            "International Business Machines Corp",
            "IBM",
            "review",
            "'IBM' is the acronym of 'International Business Machines Corp'",
        ),
        (
            "Abbott",
            "Abbott Laboratories",
            "review",
            "'Abbott' is the start of 'Abbott Laboratories', the only account named so",
        ),
        ("Clatilia Indl Automotive LLC", "Clatilia Industrial Automotive", "auto", "same name"),
    ],
)
def test_fuzzy_tier(ours: str, theirs: str, status: str, words: str) -> None:
    links = match_frames(
        accounts((ours, ""), ("Unrelated Widgets", "")),
        accounts((theirs, ""), ("Other Things", "")),
    )
    row = link_for(links, 0, 0)
    assert row["status"] == status
    assert words in row["explanation"]
    assert row["method"] in {"fuzzy", "name"}


def test_prefix_needs_exactly_one_account_starting_that_way() -> None:
    ours = accounts(("Abbott", ""))
    theirs = accounts(("Abbott Laboratories", ""), ("Abbott Energy Partners", ""))
    assert match_frames(ours, theirs).empty


def test_rare_words_count_more_than_common_ones() -> None:
    ours = accounts(("Summit Holdings Group", ""), ("Zorvane Holdings Group", ""))
    theirs = accounts(("Summit Logistics Group", ""), ("Zorvane Holding", ""))
    links = match_frames(ours, theirs)
    assert (1, 1) in pairs(links)
    assert (0, 0) not in pairs(links)


def test_corroborating_fields_raise_and_lower() -> None:
    ours = accounts(("Velmira Foods", "", "US", "Austin"), ("Velmira Foods", "", "US", "Austin"))
    theirs = accounts(
        ("Velmira Food Company", "", "US", "Austin"),
        ("Velmira Food Company", "", "France", "Paris"),
    )
    links = match_frames(ours, theirs)
    near = link_for(links, 0, 0)
    far = link_for(links, 1, 1) if (1, 1) in pairs(links) else None
    assert "same country; same city" in near["explanation"]
    assert far is None or far["score"] < near["score"]


# ------------------------------------------------------------------------------------ thresholds


def test_thresholds_decide_auto_review_and_none() -> None:
    ours = accounts(("Velmira Foods", "", "US"))
    theirs = accounts(("Velmira Foods", "", "France"))  # same name, another country: 88
    score = link_for(match_frames(ours, theirs), 0, 0)["score"]
    assert 75 <= score < 92
    assert link_for(match_frames(ours, theirs), 0, 0)["status"] == "review"
    assert link_for(match_frames(ours, theirs, auto=score, review=50), 0, 0)["status"] == "auto"
    assert link_for(match_frames(ours, theirs, auto=100, review=score), 0, 0)["status"] == "review"
    assert match_frames(ours, theirs, auto=100, review=min(100, score + 0.1)).empty


def test_invalid_thresholds() -> None:
    with pytest.raises(OverlapError, match="review <= auto"):
        match_frames(accounts(("A", "")), accounts(("B", "")), auto=70, review=80)


# ------------------------------------------------------------------------------------ shapes


def test_duplicates_inside_one_crm_all_link() -> None:
    ours = accounts(("Acme Inc", "acme.com"), ("ACME Incorporated", "acme.com"), ("Acme", ""))
    theirs = accounts(("Acme Corp", "acme.com"))
    links = match_frames(ours, theirs)
    assert pairs(links) == {(0, 0), (1, 0), (2, 0)}


def test_a_duplicate_spelled_differently_still_links() -> None:
    ours = accounts(("Tagitron Lucia & Sons", ""))
    theirs = accounts(("Lucia Tagitron and Sons", ""), ("Tagitron Lucia & Sons plc", ""))
    assert pairs(match_frames(ours, theirs)) == {(0, 0), (0, 1)}


def test_an_empty_side() -> None:
    ours = accounts(("Acme", "acme.com"))
    empty = pd.DataFrame(
        {"name": pd.Series([], dtype=object), "domains": pd.Series([], dtype=object)}
    )
    for a, b in ((ours, empty), (empty, ours), (empty, empty)):
        links = match_frames(a, b)
        assert links.empty
        assert list(links.columns) == [
            "our_index",
            "partner_index",
            "method",
            "score",
            "status",
            "explanation",
        ]


def test_names_in_other_scripts() -> None:
    ours = accounts(
        ("トヨタ自動車株式会社", ""), ("Müller Maschinenbau GmbH", ""), ("İstanbul Gıda A.Ş.", "")
    )
    theirs = accounts(
        ("トヨタ自動車(株)", ""), ("MUELLER MASCHINENBAU AG", ""), ("ISTANBUL GIDA", "")
    )
    links = match_frames(ours, theirs)
    assert link_for(links, 0, 0)["method"] == "name"
    assert link_for(links, 2, 2)["method"] == "name"
    assert (1, 1) in pairs(links)  # "Müller" and "Mueller" are one letter apart


def test_cancel_between_chunks() -> None:
    ours = accounts(("Acme", "acme.com"))
    with pytest.raises(Cancelled):
        match_frames(ours, ours, cancel=lambda: True)


def test_progress_is_reported() -> None:
    seen: list[tuple[float, str]] = []
    match_frames(
        accounts(("Acme", "")), accounts(("Acme", "")), progress=lambda f, m: seen.append((f, m))
    )
    assert seen[-1][0] == 1.0
    assert all(0.0 <= f <= 1.0 for f, _ in seen)


# ------------------------------------------------------------------------------------ determinism


def _universe(seed: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Made-up companies, the partner's spelling with typos, word changes and other forms."""
    rng = np.random.default_rng(seed)
    syllables = [
        "zor",
        "va",
        "ne",
        "quin",
        "ta",
        "ro",
        "vel",
        "mi",
        "dre",
        "xa",
        "lon",
        "plu",
        "ka",
        "sto",
    ]
    words = ["Logistics", "Holdings", "Group", "Foods", "Bank", "Systems", "Summit", "Pacific", ""]
    forms = ["Inc", "LLC", "GmbH", "Ltd", ""]
    rows_a, rows_b = [], []
    for _ in range(n):
        brand = "".join(rng.choice(syllables, size=3)).capitalize()
        word = rng.choice(words)
        rows_a.append({"name": f"{brand} {word} {rng.choice(forms)}", "domains": ""})
        cut = int(rng.integers(1, len(brand) - 1))
        typo = brand[:cut] + brand[cut + 1 :] if rng.random() < 0.3 else brand
        other = word if rng.random() < 0.7 else rng.choice(words)
        rows_b.append({"name": f"{typo} {other} {rng.choice(forms)}", "domains": ""})
    return pd.DataFrame(rows_a), pd.DataFrame(rows_b)


def test_same_input_same_output_in_same_order() -> None:
    ours, theirs = _universe(1, 60)
    first = match_frames(ours, theirs)
    second = match_frames(ours.copy(), theirs.copy())
    pd.testing.assert_frame_equal(first, second)
    assert list(zip(first["our_index"], first["partner_index"], strict=True)) == sorted(
        pairs(first)
    )


NAMES = st.sampled_from(
    [
        "Acme Inc",
        "ACME",
        "Acme Holdings",
        "Globex GmbH",
        "Globex Corp",
        "Globecs",
        "Initech",
        "Initech LLC",
        "IBM",
        "International Business Machines",
        "Umbrella Group",
        "Umbrela",
        "Hooli",
        "Hooli XYZ",
        "Abbott",
        "Abbott Laboratories",
        "Face Book",
        "Facebook",
    ]
)
DOMAINS = st.sampled_from(["", "", "acme.com", "globex.de", "gmail.com", "hooli.com", "abbott.com"])
ROWS = st.lists(
    st.tuples(NAMES, DOMAINS, st.sampled_from(["", "US", "DE"])), min_size=0, max_size=8
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ROWS, ROWS)
def test_matching_is_symmetric(rows_a: list, rows_b: list) -> None:
    a = pd.DataFrame(rows_a, columns=["name", "domains", "country"])
    b = pd.DataFrame(rows_b, columns=["name", "domains", "country"])
    forward = match_frames(a, b)
    backward = match_frames(b, a)
    there = {
        (r.our_index, r.partner_index, r.method, r.score, r.status) for r in forward.itertuples()
    }
    back = {
        (r.partner_index, r.our_index, r.method, r.score, r.status) for r in backward.itertuples()
    }
    assert there == back


def _blocked_and_brute(
    keys_a: np.ndarray, keys_b: np.ndarray, cutoff: int
) -> tuple[pd.DataFrame, pd.DataFrame, set, set]:
    """Candidate pairs by blocking and by brute force, as frames and as sets of (a, b)."""
    brute = candidate_pairs(keys_a, keys_b, cutoff=cutoff, brute_force=True)
    blocked = candidate_pairs(keys_a, keys_b, cutoff=cutoff, brute_force=False)
    found = set(zip(blocked["a"], blocked["b"], strict=True))
    wanted = set(zip(brute["a"], brute["b"], strict=True))
    return blocked, brute, found, wanted


def test_blocking_finds_what_brute_force_finds() -> None:
    ours, theirs = _universe(7, 400)
    from engine.keys.names import name_keys

    keys_a, keys_b = name_keys(ours["name"]).to_numpy(), name_keys(theirs["name"]).to_numpy()
    _blocked, _brute, found, wanted = _blocked_and_brute(keys_a, keys_b, 85)
    assert found <= wanted
    # Brute force also finds different brands that share a long common word; blocking skips
    # some of those, never a true pair (row i of one side is row i of the other).
    assert len(found) >= 0.85 * len(wanted)
    assert {(i, j) for i, j in wanted if i == j} <= found


def test_blocking_at_a_high_cutoff_finds_names_alike_but_for_their_rarest_word() -> None:
    """From ``WORD_BLOCK_CUTOFF`` names are blocked by all their words but the rarest: pairs
    whose brands differ by more than a typo are found there, one-word names by their typo
    keys, squashed and glued spellings by their ends."""
    ours, theirs = _universe(11, 400)
    from engine.keys.names import name_keys

    special_a = [
        "choraron financial",
        "tinnix",
        "face book",
        "delta covitaro mining",
        "blorkal communications",
    ]
    special_b = [
        "coraro financial",
        "tinix",
        "facebook",
        "deltacovitarominingcompany",
        "brekalo communications",
    ]
    keys_a = np.r_[name_keys(ours["name"]).to_numpy(), np.array(special_a, dtype=object)]
    keys_b = np.r_[name_keys(theirs["name"]).to_numpy(), np.array(special_b, dtype=object)]
    blocked, brute, found, wanted = _blocked_and_brute(keys_a, keys_b, 90)
    assert found <= wanted
    assert len(found) >= 0.97 * len(wanted)
    # The brute force score of each pair found is the one reported.
    scores = brute.set_index(["a", "b"])["score"]
    assert all(scores[(a, b)] == s for a, b, s in blocked.itertuples(index=False))
    start = len(ours)
    assert {(start + i, start + i) for i in range(len(special_a))} <= found


@pytest.mark.parametrize("cutoff", [70, 90])
def test_blocking_finds_names_the_same_without_spaces_behind_a_common_start(cutoff: int) -> None:
    """ "libertyfortekshipping" meets "liberty fortek shipping" though a crowd of names begins
    with "liberty" and ends with "shipping" (too many to pair by their ends)."""
    crowd_a = [f"liberty {w}shipping" for w in ("alpha", "beta", "gamma", "delta", "omega")]
    crowd_b = [f"liberty {w} shipping" for w in ("north", "south", "east", "west", "upper")]
    keys_a = np.array(["libertyfortekshipping", *crowd_a * 6], dtype=object)
    keys_b = np.array(["liberty fortek shipping", *crowd_b * 6], dtype=object)
    blocked = candidate_pairs(keys_a, keys_b, cutoff=cutoff, brute_force=False)
    assert (0, 0, 100.0) in set(blocked.itertuples(index=False, name=None))


def test_blocking_at_a_high_cutoff_finds_a_name_with_one_word_more() -> None:
    """ "capital rux logistics" meets "capital logistics" at 90 though both words are common and
    crowds of names begin with "capital" or end with "logistics"."""
    made_up = [
        f"{a}{b}"
        for a in ("zor", "vel", "quin", "dra", "plo")
        for b in ("ix", "an", "ova", "eta", "um")
    ]
    keys_a = np.array(
        [
            "capital rux logistics",
            *(f"capital {w} holdings" for w in made_up),
            *(f"{w} logistics" for w in made_up),
        ],
        dtype=object,
    )
    keys_b = np.array(
        [
            "capital logistics",
            *(f"capital {w} partners" for w in made_up[:5]),
            *(f"{w}s logistics group" for w in made_up[:5]),
        ],
        dtype=object,
    )
    _blocked, _brute, found, wanted = _blocked_and_brute(keys_a, keys_b, 90)
    assert (0, 0) in wanted
    assert (0, 0) in found


KEY_WORDS = st.sampled_from(
    ["acme", "acne", "zeria", "seloria", "intl", "holdings", "東京", "zürich", "ab", "l", ""]
)
KEYS = st.lists(st.lists(KEY_WORDS, max_size=4).map(" ".join), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(KEYS, KEYS, st.sampled_from([70, 90]))
def test_blocking_never_fails_and_never_invents_a_pair(
    keys_a: list[str], keys_b: list[str], cutoff: int
) -> None:
    """Any names (empty, one word, repeated, in any script): blocking finds only pairs brute
    force finds, with brute force's scores."""
    a, b = np.array(keys_a, dtype=object), np.array(keys_b, dtype=object)
    blocked, brute, found, wanted = _blocked_and_brute(a, b, cutoff)
    assert found <= wanted
    scores = brute.set_index(["a", "b"])["score"]
    assert all(scores[(i, j)] == s for i, j, s in blocked.itertuples(index=False))


def test_stable_order_is_a_stable_argsort() -> None:
    from engine.matching import _stable_order

    codes = np.random.default_rng(3).integers(0, 50, 5_000)
    assert (_stable_order(codes) == np.argsort(codes, kind="stable")).all()
    assert len(_stable_order(np.empty(0, np.int64))) == 0


def test_word_hashes_and_typo_variants_follow_code_points() -> None:
    """ASCII words are hashed from Arrow's bytes, the others from their code points: a typo
    variant is a word with one character (not one byte) left out, in every script."""
    import pyarrow as pa

    from engine.matching import HASH_BASE, _deletion_hashes

    def hashed(word: str) -> int:
        return sum(ord(c) * pow(HASH_BASE, i, 2**64) for i, c in enumerate(word)) % 2**64

    words = ["acme", "zürich", "東京電力", "", "ll", "straße", "x" * 70, "acme"]
    array = pa.array(["skip", *words]).slice(1)
    lengths = np.array([len(w) for w in words])
    owners, variants, whole = _deletion_hashes(array, lengths)
    assert [int(h) for h in whole] == [hashed(w) for w in words]
    expected = {(i, hashed(w[:j] + w[j + 1 :])) for i, w in enumerate(words) for j in range(len(w))}
    got = list(zip(owners.tolist(), (int(v) for v in variants), strict=True))
    assert set(got) == expected
    assert len(got) == len(set(got))  # "ll" less one letter is one variant


# ------------------------------------------------------------------------------------ workspace


def load(ws: Workspace, side: str, rows: list[dict], file_name: str = "export.csv") -> int:
    """A snapshot of one side with these accounts (standard fields), as an import leaves it."""
    partner_id = ws.side_partner_id(side)
    snapshot = Snapshot(
        partner_id=partner_id,
        file_name=file_name,
        sha256=str(len(ws.snapshots(partner_id))),
        imported_at=now(),
        mapping_json=json.dumps({"name": "Name"}),
    )
    with ws.session() as session:
        session.add(snapshot)
        session.commit()
        session.refresh(snapshot)
    frame = pd.DataFrame(rows)
    frame.insert(0, "row_number", range(2, len(frame) + 2))
    with ws.transaction() as connection:
        Workspace.store_accounts(connection, snapshot.id, frame)
    assert snapshot.id is not None
    return snapshot.id


OURS = [
    {"external_id": "A1", "name": "Acme Inc", "domains": "acme.com"},
    {"external_id": "A2", "name": "Zorvane Logistics", "domains": ""},
    {"external_id": "A3", "name": "Velmira Foods", "domains": ""},
    {"external_id": "A4", "name": "Quintaro", "domains": ""},
]
THEIRS = [
    {"external_id": "P1", "name": "ACME Corporation", "domains": "acme.com"},
    {"external_id": "P2", "name": "Zorvane Logistic Services", "domains": ""},
    {"external_id": "P3", "name": "Velmira Foods LLC", "domains": ""},
    {"external_id": "P4", "name": "Drexalon", "domains": ""},
]


def statuses(ws: Workspace) -> dict[tuple[str, str], str]:
    frame = list_matches(ws, "Globex")
    return {
        (o, p): s
        for o, p, s in zip(frame["our_id"], frame["partner_id"], frame["status"], strict=True)
    }


def test_match_partner_stores_links_and_thresholds(workspace: Workspace) -> None:
    load(workspace, "us", OURS)
    load(workspace, "Globex", THEIRS)
    summary = match_partner(workspace, "Globex", auto=95, review=60)
    assert summary.shared == 2 and summary.review == 1
    assert summary.counts["domain"] == {"auto": 1}
    assert any("domain" in line for line in summary.lines())
    frame = list_matches(workspace, "Globex")
    assert list(frame.columns) == [
        "match_id",
        "our_account_id",
        "our_id",
        "our_name",
        "our_domains",
        "partner_account_id",
        "partner_id",
        "partner_name",
        "partner_domains",
        "method",
        "score",
        "status",
        "explanation",
    ]
    assert statuses(workspace) == {
        ("A1", "P1"): "auto",
        ("A2", "P2"): "review",
        ("A3", "P3"): "auto",
    }
    partner = workspace.partner("Globex")
    assert (partner.auto_threshold, partner.review_threshold) == (95, 60)
    # Stored thresholds apply when none are given; re-matching replaces the rows.
    match_partner(workspace, "Globex")
    assert len(list_matches(workspace, "Globex")) == 3
    assert len(list_matches(workspace, "Globex", status="review")) == 1


def test_decisions_survive_rematching_and_a_refreshed_import(workspace: Workspace) -> None:
    load(workspace, "us", OURS)
    load(workspace, "Globex", THEIRS)
    match_partner(workspace, "Globex", auto=95, review=60)
    frame = list_matches(workspace, "Globex")
    ids = {
        (o, p): m
        for o, p, m in zip(frame["our_id"], frame["partner_id"], frame["match_id"], strict=True)
    }
    decide(workspace, "Globex", ids[("A2", "P2")], "accept", reason="same company, checked")
    decide(workspace, "Globex", ids[("A3", "P3")], "reject", reason="different Velmira")
    link(workspace, "Globex", "A4", "P4", reason="Quintaro bought Drexalon")
    expected = {
        ("A1", "P1"): "auto",
        ("A2", "P2"): "accepted",
        ("A3", "P3"): "rejected",
        ("A4", "P4"): "manual",
    }
    assert statuses(workspace) == expected
    summary = match_partner(workspace, "Globex")
    assert summary.decisions_applied == 3
    assert statuses(workspace) == expected
    # A refreshed partner export: new snapshot, same CRM ids, one name respelled.
    refreshed = [dict(row) for row in THEIRS]
    refreshed[1]["name"] = "Zorvane Logistics Services Inc"
    load(workspace, "Globex", refreshed, file_name="export-march.csv")
    match_partner(workspace, "Globex")
    assert statuses(workspace) == expected


def test_decide_and_link_can_be_undone(workspace: Workspace) -> None:
    load(workspace, "us", OURS)
    load(workspace, "Globex", THEIRS)
    match_partner(workspace, "Globex", auto=95, review=60)
    frame = list_matches(workspace, "Globex", status="review")
    match_id = int(frame["match_id"].iloc[0])
    done = decide(workspace, "Globex", match_id, "reject")
    assert (done.previous_status, done.new_status) == ("review", "rejected")
    undo_decision(workspace, done)
    assert list_matches(workspace, "Globex", status="review")["match_id"].tolist() == [match_id]
    match_partner(workspace, "Globex")
    assert len(list_matches(workspace, "Globex", status="review")) == 1  # the decision is gone too
    made = link(workspace, "Globex", "A4", "P4")
    assert made.previous_status is None
    undo_decision(workspace, made)
    assert ("A4", "P4") not in statuses(workspace)
    with pytest.raises(OverlapError, match="no match"):
        decide(workspace, "Globex", 99_999, "accept")
    with pytest.raises(OverlapError, match="unknown decision"):
        decide(workspace, "Globex", match_id, "maybe")
    with pytest.raises(OverlapError, match="no account"):
        link(workspace, "Globex", "A404", "P1")


def test_matching_needs_both_sides(workspace: Workspace) -> None:
    with pytest.raises(OverlapError, match="no imported accounts"):
        match_partner(workspace, "Globex")


def test_cancelled_matching_writes_nothing(workspace: Workspace) -> None:
    load(workspace, "us", OURS)
    load(workspace, "Globex", THEIRS)
    match_partner(workspace, "Globex")
    before = list_matches(workspace, "Globex")
    with pytest.raises(Cancelled):
        match_partner(workspace, "Globex", auto=99, review=10, cancel=lambda: True)
    pd.testing.assert_frame_equal(list_matches(workspace, "Globex"), before)
    assert workspace.partner("Globex").auto_threshold == 92


def test_aliases(workspace: Workspace) -> None:
    load(workspace, "us", [{"external_id": "A1", "name": "Block", "domains": "block.xyz"}])
    load(workspace, "Globex", [{"external_id": "P1", "name": "Square", "domains": "squareup.com"}])
    add_alias(workspace, "https://www.SquareUp.com/us", "block.xyz")
    assert list_aliases(workspace)[["domain", "other_domain"]].values.tolist() == [
        ["block.xyz", "squareup.com"]
    ]
    with pytest.raises(OverlapError, match="already"):
        add_alias(workspace, "block.xyz", "squareup.com")
    with pytest.raises(OverlapError, match="generic"):
        add_alias(workspace, "gmail.com", "block.xyz")
    summary = match_partner(workspace, "Globex")
    assert summary.counts == {"alias": {"auto": 1}}
    remove_alias(workspace, "squareup.com", "block.xyz")
    assert list_aliases(workspace).empty
    assert match_partner(workspace, "Globex").shared == 0


# ------------------------------------------------------------------------------------ command line


def test_cli_match_matches_review_alias(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "acme.overlap"
    with Workspace.create(path, "Acme Corp", ["acme.com"]) as ws:
        ws.add_partner("Globex")
        load(ws, "us", OURS)
        load(ws, "Globex", THEIRS)
    assert cli(["match", str(path), "--partner", "Globex", "--auto", "95", "--review", "60"]) == 0
    out = capsys.readouterr().out
    assert "2 shared, 1 to review" in out and "domain" in out
    assert (
        cli(["matches", str(path), "--partner", "Globex", "--status", "review", "--format", "json"])
        == 0
    )
    listed = json.loads(capsys.readouterr().out)
    assert [(m["our_id"], m["partner_id"]) for m in listed] == [("A2", "P2")]
    assert (
        cli(["review", str(path), "--partner", "Globex", "--accept", str(listed[0]["match_id"])])
        == 0
    )
    assert "review -> accepted" in capsys.readouterr().out
    assert (
        cli(
            ["review", str(path), "--partner", "Globex", "--link", "A4", "P4", "--reason", "merger"]
        )
        == 0
    )
    assert cli(["alias", "add", str(path), "squareup.com", "block.xyz"]) == 0
    assert cli(["alias", "add", str(path), "squareup.com", "block.xyz"]) == 2
    assert "already" in capsys.readouterr().err
    assert cli(["matches", str(path), "--partner", "Globex", "--format", "csv"]) == 0
    assert "manual" in capsys.readouterr().out


def test_cli_map(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("engine.importing")
    ours = tmp_path / "ours.csv"
    theirs = tmp_path / "partner.csv"
    ours.write_text(
        "Account ID,Account Name,Website\nA1,Acme Inc,https://www.acme.com\nA2,Zorvane Logistics,\n"
        "A3,Velmira Foods,\n",
        encoding="utf-8",
    )
    theirs.write_text(
        "Company name,Company Domain Name\nACME Corporation,acme.com\n"
        "Velmira Foods LLC,\nDrexalon,\n",
        encoding="utf-8",
    )
    out = tmp_path / "links.csv"
    assert cli(["map", str(ours), str(theirs), "--out", str(out)]) == 0
    links = pd.read_csv(out, dtype=str)
    assert list(links.columns) == [
        "our_id",
        "our_name",
        "partner_id",
        "partner_name",
        "method",
        "score",
        "status",
        "explanation",
    ]
    assert links[["our_id", "partner_id", "method", "status"]].values.tolist() == [
        ["A1", "2", "domain", "auto"],
        ["A3", "3", "name", "auto"],
    ]
    assert cli(["map", str(tmp_path / "missing.csv"), str(theirs), "--out", str(out)]) == 2


def test_map_defuses_names_a_spreadsheet_would_run_as_formulas(tmp_path: Path) -> None:
    ours = tmp_path / "ours.csv"
    theirs = tmp_path / "partner.csv"
    # A CRM lets anyone type a company name; these open as formulas in Excel unless defused.
    ours.write_text(
        'Account ID,Account Name,Website\n=1+2,"=HYPERLINK(""http://x.example"",""Acme"")",'
        "acme.com\n@A2,-Globex,globex.com\n",
        encoding="utf-8",
    )
    theirs.write_text(
        "Record ID,Company name,Company Domain Name\n"
        "+77,+Acme Corp,acme.com\n78,Globex,globex.com\n",
        encoding="utf-8",
    )
    out = tmp_path / "links.csv"
    assert cli(["map", str(ours), str(theirs), "--out", str(out)]) == 0
    links = pd.read_csv(out, dtype=str)
    assert links[["our_id", "our_name", "partner_id", "partner_name"]].values.tolist() == [
        ["'=1+2", '\'=HYPERLINK("http://x.example","Acme")', "'+77", "'+Acme Corp"],
        ["'@A2", "'-Globex", "78", "Globex"],
    ]
    assert links["score"].tolist() == ["100", "100"]


def test_a_list_of_web_domains_is_matched_by_domain_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = tmp_path / "ours.csv"
    theirs = tmp_path / "domains.csv"
    ours.write_text(
        "Account ID,Account Name,Website\nA1,Acme Inc,https://www.acme.com\n"
        "A2,Globex Corporation,globex.com\nA3,Initech,\n",
        encoding="utf-8",
    )
    # The partner shares domains only: "initech.io" names an account no name can reach.
    theirs.write_text(
        "Record ID,Company Domain Name\n901,acme.com\n902,initech.io\n903,GLOBEX.COM\n",
        encoding="utf-8",
    )
    out = tmp_path / "links.csv"
    assert cli(["map", str(ours), str(theirs), "--out", str(out)]) == 0
    links = pd.read_csv(out, dtype=str)
    assert links[["our_id", "partner_id", "partner_name", "method"]].values.tolist() == [
        ["A1", "901", "acme.com", "domain"],
        ["A2", "903", "globex.com", "domain"],
    ]
    assert links["explanation"].tolist() == ["same domain acme.com", "same domain globex.com"]


def test_a_partner_sharing_domains_only_is_matched_without_names(workspace, tmp_path: Path) -> None:
    from engine import import_file

    ours = tmp_path / "ours.csv"
    ours.write_text(
        "Account ID,Account Name,Website\nA1,Acme Inc,acme.com\nA2,initech.io,\n",
        encoding="utf-8",
    )
    theirs = tmp_path / "domains.csv"
    theirs.write_text("Record ID,Website URL\n901,https://acme.com/\n902,initech.io\n")
    import_file(workspace, "us", ours)
    import_file(workspace, "Globex", theirs)
    summary = match_partner(workspace, "Globex")
    # Our A2 is *named* "initech.io" but has no website: with no partner names to compare,
    # only the shared domain links.
    assert list_matches(workspace, "Globex")[
        ["our_id", "partner_id", "method"]
    ].values.tolist() == [["A1", "901", "domain"]]
    assert "names were not compared: one side gave web domains only" in summary.notes
