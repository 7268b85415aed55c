"""Accounts for the matching tests: small frames of standard fields, a made-up universe of
companies with the partner's misspellings, and the links a matching returns, read back."""

from __future__ import annotations

import numpy as np
import pandas as pd


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


def universe(seed: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
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
