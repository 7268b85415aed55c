"""Step 3: labels, the stage matrix with potential revenue, drill-down, opportunities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.errors import OverlapError
from engine.overlaps import (
    build_mapping,
    cell_accounts,
    find_overlaps,
    find_shared,
    keys_of,
    mapping_from_frames,
    overlap_summary,
    parse_cell,
    with_detail,
)
from engine.store.workspace import account_key
from tests.engine.conftest import OURS, PAIRS, THEIRS, Mapped


def test_counts_label_every_account(mapped: Mapped) -> None:
    mapping = build_mapping(mapped.ws, "Globex")
    assert len(mapping) == 6 + 2 + 3
    result = find_overlaps(mapped.ws, "globex")
    # Review and rejected matches are not shared: Wayne and Acme Widgets stay ours only.
    assert result.counts == {"ours_only": 2, "partner_only": 3, "shared": 6}
    # Single-side rows carry id and stage by default, every field with detail="all".
    assert mapping.loc[mapping["status"] == "ours_only", "our_external_id"].isna().all()
    full = build_mapping(mapped.ws, "Globex", detail="all")
    ours_only = set(full.loc[full["status"] == "ours_only", "our_external_id"])
    assert ours_only == {"A7", "A8"}


def test_matrix_counts_and_revenue_by_hand(mapped: Mapped) -> None:
    result = find_overlaps(mapped.ws, "Globex")
    matrix = result.to_dict()["matrix"]
    assert matrix["prospect"]["customer"] == {"accounts": 1, "potential_revenue": 100_000.0}
    assert matrix["customer"]["prospect"] == {"accounts": 1, "potential_revenue": 80_000.0}
    # Hooli 30k (their deal only) + Vandelay 50k + 40k (both deals summed).
    assert matrix["prospect"]["prospect"] == {"accounts": 2, "potential_revenue": 120_000.0}
    # Soylent: no deal on either side and no won deals to estimate from: its annual revenue
    # ($3.5M) is not potential, only a size band.
    assert matrix["churned"]["customer"] == {"accounts": 1, "potential_revenue": 0.0}
    soylent = result.mapping[result.mapping["name"] == "Soylent"].iloc[0]
    assert (soylent["revenue_basis"], soylent["size_band"]) == ("no deal figures", "under $10M")
    assert matrix["customer"]["customer"] == {"accounts": 1, "potential_revenue": 350_000.0}
    total = sum(cell["accounts"] for row in matrix.values() for cell in row.values())
    assert total == 6
    assert set(matrix) == {"prospect", "customer", "churned", "other"}
    assert all(len(row) == 4 for row in matrix.values())
    assert "5 by open deals, 1 by no deal figures." in result.revenue_basis
    assert "No won deals are recorded yet" in result.revenue_basis


def test_cell_drill_down(mapped: Mapped) -> None:
    result = find_overlaps(mapped.ws, "Globex")
    cell = result.cell(*parse_cell("prospect:prospect"))
    assert list(cell["name"]) == ["Vandelay", "Hooli"]  # largest potential first
    assert list(cell["partner_external_id"]) == ["G5", "G3"]
    assert cell_accounts(result.mapping, "other", "other").empty
    with pytest.raises(OverlapError, match="OURSTAGE:PARTNERSTAGE"):
        parse_cell("prospect-customer")
    with pytest.raises(OverlapError):
        parse_cell("lead:customer")


def test_named_opportunities(mapped: Mapped) -> None:
    opps = find_overlaps(mapped.ws, "Globex").opportunities
    by_kind = {k: sorted(g["name"]) for k, g in opps.groupby("kind")}
    assert by_kind["ask_intro"] == ["Initech"]
    assert by_kind["offer_intro"] == ["Umbrella"]
    assert by_kind["joint_pursuit"] == ["Hooli", "Vandelay"]
    assert by_kind["win_back"] == ["Soylent"]
    # The partner's customers we do not share, named as the partner named them.
    assert by_kind["greenfield"] == ["Rejected Co", "Tyrell"]
    tyrell = opps[opps["name"] == "Tyrell"].iloc[0]
    # No open deal and no won deals to learn from: the company's $50M revenue is not potential.
    assert tyrell["potential_revenue"] == 0
    assert tyrell["size_band"] == "$10M–$100M"
    assert tyrell["partner_key"] == "id:G7"


def test_potential_is_deal_value_estimated_from_won_deals_never_company_revenue(
    mapped: Mapped,
) -> None:
    """Without an open deal, an account's potential is the median of our won deals at similar
    accounts (same industry and size band, else size band, else industry, else all)."""
    from engine.program.metrics import add_opportunity

    won = [("Soylent", "id:A4", 10_000), ("Soylent", "id:A4", 20_000), ("Soylent", None, 30_000)]
    won += [("Umbrella", None, 40_000), ("Umbrella", None, 60_000), ("umbrella ", None, 80_000)]
    for name, key, amount in won:
        add_opportunity(mapped.ws, "Globex", name, "2025-01-01", amount=amount,
                        closed="2025-06-01", outcome="won", our_key=key)  # fmt: skip
    add_opportunity(mapped.ws, "Globex", "Soylent", "2025-01-01", amount=9e6,
                    closed="2025-06-01", outcome="lost", our_key="id:A4")  # fmt: skip
    result = find_overlaps(mapped.ws, "Globex")
    rows = with_detail(mapped.ws, result.mapping, result.mapping["name"].isna())
    rows = rows.set_index("name")
    # Soylent: Food, $3.5M revenue: three won deals at Food accounts under $10M, median 20k.
    assert rows.loc["Soylent", "potential_revenue"] == 20_000
    assert rows.loc["Soylent", "revenue_basis"] == "won deals, similar"
    assert rows.loc["Soylent", "size_band"] == "under $10M"
    # Tyrell (the partner's, $50M, no industry): the $10M-$100M band's median, 60k.
    assert rows.loc["Tyrell", "potential_revenue"] == 60_000
    assert rows.loc["Tyrell", "revenue_basis"] == "won deals, size band"
    # Wayne: Retail, no revenue: no group of three to compare with, so all won deals' median.
    assert rows.loc["Wayne", "potential_revenue"] == 35_000
    assert rows.loc["Wayne", "revenue_basis"] == "won deals, all"
    # An open deal is always the basis where there is one.
    assert rows.loc["Stark", "potential_revenue"] == 350_000
    assert rows.loc["Stark", "revenue_basis"] == "open deals"
    matrix = result.to_dict()["matrix"]
    assert matrix["churned"]["customer"] == {"accounts": 1, "potential_revenue": 20_000.0}
    assert "median of our 6 won deals" in result.revenue_basis
    assert "1 by won deals, similar" in result.revenue_basis
    # No cell ever sums company revenue: the total is the deals and estimates only.
    total = sum(c["potential_revenue"] for row in matrix.values() for c in row.values())
    assert total == 100_000 + 80_000 + 30_000 + 20_000 + 90_000 + 350_000


def test_summary_has_counts_and_no_names(mapped: Mapped) -> None:
    summary = overlap_summary(find_overlaps(mapped.ws, "Globex"), us="Acme Corp")
    text = repr(summary)
    for name in ("Initech", "Umbrella", "Tyrell", "Hooli", "potential"):
        assert name not in text
    assert summary["counts"]["shared"] == 6
    assert summary["matrix"]["prospect"]["prospect"] == 2
    assert summary["opportunities"]["greenfield"] == 2


def test_mapping_reflects_a_changed_match(mapped: Mapped) -> None:
    first = build_mapping(mapped.ws, "Globex")
    assert build_mapping(mapped.ws, "Globex") is first  # kept while nothing changed
    mapped.ws.read_frame("SELECT 1")
    with mapped.ws.transaction() as connection:
        connection.exec_driver_sql("UPDATE match SET status = 'accepted' WHERE status = 'review'")
    second = build_mapping(mapped.ws, "Globex")
    assert second is not first
    assert find_overlaps(mapped.ws, "Globex", mapping=second).counts["shared"] == 7


def test_with_detail_fills_chosen_rows(mapped: Mapped) -> None:
    mapping = build_mapping(mapped.ws, "Globex")
    rows = mapping["status"] == "ours_only"
    filled = with_detail(mapped.ws, mapping, rows)
    assert sorted(filled.loc[rows, "our_name"]) == ["Acme Widgets", "Wayne"]
    assert set(filled.loc[rows, "our_key"]) == {"id:A7", "id:A8"}
    assert mapping.loc[rows, "our_name"].isna().all()  # the kept mapping is left alone


def test_mapping_from_frames_matches_the_workspace(mapped: Mapped) -> None:
    ours = pd.DataFrame(OURS).assign(id=lambda f: f["external_id"].map(mapped.ours))
    theirs = pd.DataFrame(THEIRS).assign(id=lambda f: f["external_id"].map(mapped.theirs))
    pairs = pd.DataFrame(
        [(mapped.ours[o], mapped.theirs[p], s) for o, p, s in PAIRS],
        columns=["our_account_id", "partner_account_id", "status"],
    )
    frame = mapping_from_frames(ours, theirs, pairs)
    stored = build_mapping(mapped.ws, "Globex", detail="all")
    assert (
        find_overlaps(mapped.ws, "Globex", mapping=frame).counts
        == find_overlaps(mapped.ws, "Globex", mapping=stored).counts
    )
    shared = frame[frame["status"] == "shared"].sort_values("our_key")
    stored_shared = stored[stored["status"] == "shared"].sort_values("our_key")
    assert list(shared["potential_revenue"]) == list(stored_shared["potential_revenue"])
    assert list(shared["partner_key"]) == list(stored_shared["partner_key"])


def test_vectorized_keys_equal_account_key() -> None:
    external = pd.Series(["X-1", None, None, None, "  ", "nan", None, None], dtype=object)
    names = pd.Series(
        ["Any", "Globex  Corp", "Société Générale", "A\tB", "Blank Id", "Nan Id", "Multi", "ß Co"],
        dtype=object,
    )
    domains = pd.Series(
        ["", "globex.com", "sg.fr", "", "b.com", "", "b.com a.com", ""], dtype=object
    )
    expected = [account_key(e, n, d) for e, n, d in zip(external, names, domains, strict=True)]
    assert list(keys_of(external, names, domains)) == expected


def test_find_shared_and_unknown_partner(mapped: Mapped) -> None:
    mapping = build_mapping(mapped.ws, "Globex")
    assert find_shared(mapping, "G3")["our_external_id"] == "A3"
    assert find_shared(mapping, "initech inc")["our_key"] == "id:A1"
    with pytest.raises(OverlapError, match="not a shared account"):
        find_shared(mapping, "Tyrell")
    with pytest.raises(OverlapError, match="no partner named 'Initrode'"):
        find_overlaps(mapped.ws, "Initrode")


def test_empty_partnership(workspace) -> None:  # type: ignore[no-untyped-def]
    result = find_overlaps(workspace, "Globex")
    assert result.counts == {"ours_only": 0, "partner_only": 0, "shared": 0}
    assert int(np.sum(result.matrix["accounts"])) == 0
    assert result.opportunities.empty
