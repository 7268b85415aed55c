"""The synthetic CRM-export generator (bench/generate.py): sizes, truth, determinism, styles."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

_PATH = Path(__file__).resolve().parents[2] / "bench" / "generate.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_generate", _PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


gen = _load()


def _domain(cell: str) -> str:
    """The host of a website / e-mail cell, without scheme, www., path or user."""
    cell = cell.strip().lower()
    cell = re.sub(r"^[a-z]+://", "", cell).split("/")[0].split("@")[-1]
    return re.sub(r"^(www|investors)\.", "", cell)


def test_sizes_and_truth_ids_exist_on_both_sides() -> None:
    ours, partner, truth = gen.generate(400, 300, 0.4, seed=3)
    assert len(ours) == 400
    assert len(partner) == 300
    our_ids = ours[gen.ID_HEADER["salesforce"]]
    partner_ids = partner[gen.ID_HEADER["hubspot"]]
    assert our_ids.is_unique and partner_ids.is_unique
    assert list(truth.columns) == ["our_id", "partner_id"]
    # 120 shared companies, plus the pairs a duplicate row inside one CRM adds.
    assert 120 <= len(truth) <= 130
    assert truth["our_id"].isin(our_ids).all()
    assert truth["partner_id"].isin(partner_ids).all()
    assert not truth.duplicated().any()
    assert ours["Account Name"].str.len().gt(0).all()


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = gen.generate(200, 150, 0.3, seed=11)
    b = gen.generate(200, 150, 0.3, seed=11)
    c = gen.generate(200, 150, 0.3, seed=12)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)
    assert not a[0]["Account Name"].equals(c[0]["Account Name"])


@pytest.mark.parametrize("style", gen.STYLES)
def test_header_styles(style: str) -> None:
    ours, partner, truth = gen.generate(60, 50, 0.5, seed=1, style_ours=style, style_partner=style)
    assert list(ours.columns) == list(gen.HEADERS[style].values())
    assert list(partner.columns) == list(gen.HEADERS[style].values())
    assert truth["our_id"].isin(ours[gen.ID_HEADER[style]]).all()


def test_true_pairs_are_spelled_differently_but_plausibly() -> None:
    ours, partner, truth = gen.generate(2000, 2000, 0.5, seed=5, style_partner="salesforce")
    names_o = ours.set_index("Account ID")["Account Name"]
    names_p = partner.set_index("Account ID")["Account Name"]
    left = names_o.loc[truth["our_id"]].to_numpy()
    right = names_p.loc[truth["partner_id"]].to_numpy()
    same = (left == right).mean()
    assert 0.05 < same < 0.8  # many pairs differ in legal form, case, abbreviation, ...
    # Hard negatives: some partner-only names reuse a brand word of an ours-only name.
    shared_p = set(truth["partner_id"])
    only_p = partner.loc[~partner["Account ID"].isin(shared_p), "Account Name"]
    first_words = {n.split()[0].lower() for n in ours["Account Name"]}
    assert only_p.map(lambda n: n.split()[0].lower() in first_words).mean() > 0.05


def test_domain_only_pairs_share_a_domain() -> None:
    ours, partner, truth = gen.generate(500, 500, 0.4, seed=2, domain_only=True)
    site_o = ours.set_index("Account ID")["Website"].map(_domain)
    site_p = partner.set_index("Record ID")["Website URL"].map(_domain)
    assert (site_o != "").all() and (site_p != "").all()
    assert (
        site_o.loc[truth["our_id"]].to_numpy() == site_p.loc[truth["partner_id"]].to_numpy()
    ).all()


@pytest.mark.parametrize("encoding", gen.ENCODINGS)
def test_files_round_trip(tmp_path: Path, encoding: str) -> None:
    g = gen.generate_columns(120, 100, 0.3, seed=4)
    paths = gen.write_dataset(g, tmp_path, encoding=encoding)
    sep = "\t" if encoding == "utf-16" else ","
    enc = "utf-8" if encoding == "utf-8" else encoding
    text = paths["ours"].read_bytes().decode(enc)
    assert "Grand Totals (120 records)" in text  # the Salesforce report footer
    body = text.split("\r\n\r\n")[0]
    from io import StringIO

    ours = pd.read_csv(StringIO(body), sep=sep, dtype=str, keep_default_na=False)
    assert len(ours) == 120
    partner = pd.read_csv(paths["partner"], sep=sep, dtype=str, encoding=enc, keep_default_na=False)
    assert len(partner) == 100
    truth = pd.read_csv(paths["truth"], dtype=str)
    assert truth["our_id"].isin(ours["Account ID"]).all()
    assert truth["partner_id"].isin(partner["Record ID"]).all()


def test_committed_demo_matches_the_generator(tmp_path: Path) -> None:
    demo = _PATH.parents[1] / "resources" / "demo"
    paths = gen.write_demo(tmp_path, truth=tmp_path / "demo_truth.csv")
    stale = "resources/demo is stale: run bench/generate.py --demo --out resources/demo"
    assert paths["ours"].read_bytes() == (demo / "acme_salesforce.csv").read_bytes(), stale
    assert paths["partner"].read_bytes() == (demo / "globex_hubspot.csv").read_bytes(), stale
    second = (demo / "northwind_pipedrive.csv").read_bytes()
    assert paths["second"].read_bytes() == second, stale
    truth = _PATH.parent / "data" / "demo_truth.csv"
    assert paths["truth"].read_bytes() == truth.read_bytes(), stale
    assert paths["partner"].read_bytes().startswith(b"\xef\xbb\xbf")
