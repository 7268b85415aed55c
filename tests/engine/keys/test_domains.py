"""Registrable domains from URLs, host names and e-mail addresses (engine/keys/domains.py)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from engine.keys.domains import (
    GENERIC_DOMAINS,
    is_generic_domain,
    looks_like_domains,
    registrable_domain,
    registrable_domains,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("acme.com", "acme.com"),
        ("www.acme.com", "acme.com"),
        ("WWW.ACME.COM", "acme.com"),
        ("https://www.acme.com/about?x=1#top", "acme.com"),
        ("http://shop.acme.co.uk:8080/path", "acme.co.uk"),
        ("acme.com.", "acme.com"),
        ("  acme.com  ", "acme.com"),
        ("sales@acme.com", "acme.com"),
        ("mailto:Bob@Globex.COM", "globex.com"),
        ("http://user:secret@intranet.acme.de/x", "acme.de"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("http://müller-maschinen.de/", "xn--mller-maschinen-zvb.de"),
        ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        ("a.b.kawasaki.jp", "a.b.kawasaki.jp"),  # wildcard rule *.kawasaki.jp
        ("city.kawasaki.jp", "city.kawasaki.jp"),  # exception rule !city.kawasaki.jp
        ("acme.com, www.acme.com", "acme.com"),
        ("acme.com; acme.de | acme.fr", "acme.com acme.de acme.fr"),
        ("acme.com\nglobex.com", "acme.com globex.com"),
        ("", ""),
        ("n/a", ""),
        ("acme", ""),
        ("acme.local", ""),  # not a public suffix
        ("192.168.0.1", ""),
        ("co.uk", ""),  # a suffix alone has no registrable domain
        ("-", ""),
    ],
)
def test_registrable_domain(cell: str, expected: str) -> None:
    assert registrable_domain(cell) == expected


def test_series_keeps_index_and_missing_values() -> None:
    values = pd.Series(
        ["acme.com", None, np.nan, "x@globex.com"], index=[10, 11, 12, 13], dtype=object
    )
    result = registrable_domains(values)
    assert result.index.tolist() == [10, 11, 12, 13]
    assert result.tolist() == ["acme.com", "", "", "globex.com"]


def test_empty_series() -> None:
    assert registrable_domains(pd.Series([], dtype="str")).tolist() == []


def test_generic_domains_dropped_on_request() -> None:
    values = pd.Series(["bob@gmail.com", "linkedin.com/company/acme acme.com", "acme.com"])
    assert registrable_domains(values).tolist() == [
        "gmail.com",
        "linkedin.com acme.com",
        "acme.com",
    ]
    assert registrable_domains(values, drop_generic=True).tolist() == ["", "acme.com", "acme.com"]
    assert is_generic_domain("GMAIL.com") and not is_generic_domain("acme.com")
    assert {"gmail.com", "linkedin.com", "outlook.com"} <= GENERIC_DOMAINS


def test_value_sniffing() -> None:
    assert looks_like_domains(pd.Series(["acme.com", "https://x.org", "a@b.de", ""])) == 1.0
    assert looks_like_domains(pd.Series(["Acme", "Globex", "acme.com"])) == pytest.approx(1 / 3)


def test_no_network(no_network: list) -> None:
    # The suffix list comes from the installed package; building it must not fetch anything.
    from engine.keys.domains import _rules

    _rules.cache_clear()
    assert registrable_domain("www.bbc.co.uk") == "bbc.co.uk"


def test_a_million_cells_fast() -> None:
    values = pd.Series(
        [
            f"https://www.company{i}.com/x" if i % 3 else f"info@firm{i}.co.uk"
            for i in range(300_000)
        ],
        dtype="str",
    )
    registrable_domains(values.head(10))  # suffix list loaded
    start = time.perf_counter()
    result = registrable_domains(values)
    elapsed = time.perf_counter() - start
    assert result.iloc[0] == "firm0.co.uk" and result.iloc[1] == "company1.com"
    assert elapsed < 3.0, f"{elapsed:.2f} s for 300k cells"


def test_a_column_stored_in_several_chunks_gives_the_same_domains() -> None:
    """Big exports reach this step as chunked Arrow columns (seen at 100k rows and more)."""
    chunks = pa.chunked_array([["www.acme.com"], ["b.com, https://c.co.uk/x", None]])
    values = pd.Series(pd.array(chunks, dtype=pd.ArrowDtype(pa.large_string())))
    assert registrable_domains(values).tolist() == ["acme.com", "b.com c.co.uk", ""]
