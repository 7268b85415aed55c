"""Web domains of accounts: URLs, host names and e-mail addresses → registrable domains.

Import and matching share this module. ``registrable_domains`` turns a column of messy cells
("https://WWW.Acme.co.uk/about", "sales@acme.com; acme.de", "münchen.de.") into space-separated
registrable domains ("acme.co.uk", "acme.com acme.de", "xn--mnchen-3ya.de").

The public suffix list is tldextract's bundled snapshot (ICANN section), read once and never
fetched. The work is vectorized with pyarrow compute functions: a million cells take well under a
second, where tldextract called per value would take several.
"""

from __future__ import annotations

import contextlib
import functools
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from engine.paths import resource

__all__ = [
    "GENERIC_DOMAINS",
    "is_generic_domain",
    "registrable_domain",
    "registrable_domains",
]

# Separators between several domains in one cell: whitespace, comma, semicolon, pipe.
_SEPARATORS = r"[\s,;|]+"
# A scheme with "//" ("https://", "ftp://") or a mailto: prefix; "acme.com:8080" is not a scheme.
_SCHEME = r"^(?:[a-z][a-z0-9+.\-]*://|mailto:)"
# User info of a URL or the mailbox of an e-mail address: everything up to the last "@".
_USERINFO = r"^[^/?#]*@"
# From the first port colon, path, query or fragment to the end.
_TAIL = r"[:/?#\\].*$"
_DOTS = r"^\.+|\.+$"
_VALID_HOST = r"^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
_IPV4 = r"^[0-9.]+$"


def _read_generic_domains() -> frozenset[str]:
    lines = resource("generic_domains.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


GENERIC_DOMAINS: frozenset[str] = _read_generic_domains()
"""Domains that say nothing about which company an account is: free mail, social networks,
website builders, link shorteners. They never identify an account and never match."""


def is_generic_domain(domain: str) -> bool:
    """True for gmail.com, linkedin.com and the other domains in ``GENERIC_DOMAINS``."""
    return domain.strip().lower() in GENERIC_DOMAINS


def _to_ascii(label_or_host: str) -> str | None:
    """IDNA (UTS 46) form of a host, lower-case; None when it is not a valid host name."""
    try:
        import idna

        return str(idna.encode(label_or_host, uts46=True, transitional=False).decode("ascii"))
    except Exception:
        try:
            return label_or_host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None


class _SuffixRules:
    """The ICANN public suffix rules as pyarrow value sets, for vectorized lookups."""

    def __init__(self) -> None:
        import tldextract

        # Offline: the bundled snapshot only; no URL is ever fetched, nothing is cached on disk.
        extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        rules: set[str] = set(extractor._get_tld_extractor().tlds_excl_private)
        # The list spells internationalized suffixes in Unicode; hosts arrive in IDNA form.
        for rule in [r for r in rules if not r.isascii()]:
            prefix = "*." if rule.startswith("*.") else ("!" if rule.startswith("!") else "")
            with contextlib.suppress(UnicodeError):
                rules.add(prefix + rule[len(prefix) :].encode("idna").decode("ascii"))
        exact = {r for r in rules if r[0] not in "*!"}
        wildcard = {r[2:] for r in rules if r.startswith("*.")}
        exceptions = {r[1:] for r in rules if r.startswith("!")}
        self.max_labels = max(r.count(".") + 1 for r in exact | {w + ".x" for w in wildcard})
        self.exact = pa.array(sorted(exact), type=pa.large_string())
        self.wildcard = pa.array(sorted(wildcard), type=pa.large_string())
        self.exceptions = pa.array(sorted(exceptions), type=pa.large_string())


@functools.cache
def _rules() -> _SuffixRules:
    return _SuffixRules()


def _candidates(hosts: pa.Array, count: int) -> list[pa.Array]:
    """The last 1..``count`` labels of each host ("a.b.c" → "c", "b.c", "a.b.c", null...)."""
    if isinstance(hosts, pa.ChunkedArray):
        hosts = hosts.combine_chunks()
    lists = pc.split_pattern(hosts, pattern=".")
    ends = lists.offsets.to_numpy()[1:]
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
    flat = lists.values
    dot = pa.scalar(".", flat.type)
    out: list[pa.Array] = []
    for k in range(1, count + 1):
        present = lengths >= k
        label = pc.take(flat, pa.array(np.where(present, ends - k, 0), mask=~present))
        out.append(label if not out else pc.binary_join_element_wise(label, out[-1], dot))
    return out


def _registrable(hosts: pa.Array) -> pa.Array:
    """Registrable domain of each valid host, or null (unknown suffix, host is a suffix)."""
    rules = _rules()
    candidates = _candidates(hosts, rules.max_labels + 1)
    suffix_len = np.zeros(len(hosts), dtype=np.int64)

    def member(values: pa.Array, value_set: pa.Array) -> np.ndarray:
        found = pc.is_in(values, value_set=value_set.cast(values.type))
        return pc.fill_null(found, False).to_numpy(zero_copy_only=False)

    for k in range(1, rules.max_labels + 1):
        matched = member(candidates[k - 1], rules.exact)
        if k >= 2:
            has_label = pc.is_valid(candidates[k - 1]).to_numpy(zero_copy_only=False)
            matched = matched | (member(candidates[k - 2], rules.wildcard) & has_label)
        suffix_len = np.where(matched, k, suffix_len)
    # An exception rule ("!www.ck") makes its own name registrable: the suffix is one label less.
    for k in range(2, rules.max_labels + 1):
        suffix_len = np.where(member(candidates[k - 1], rules.exceptions), k - 1, suffix_len)
    result = pa.nulls(len(hosts), type=candidates[0].type)
    for k in range(1, rules.max_labels + 1):
        if (suffix_len == k).any():
            result = pc.if_else(pa.array(suffix_len == k), candidates[k], result)
    return result


def _hosts(tokens: pa.Array) -> pa.Array:
    """The host name inside each token (URL, host, e-mail address), lower-case and trimmed."""
    text = pc.utf8_lower(pc.utf8_trim_whitespace(tokens))
    text = _strip(text, pc.match_substring(text, ":"), _SCHEME)
    text = _strip(text, pc.match_substring(text, "@"), _USERINFO)
    text = pc.replace_substring_regex(text, pattern=_TAIL, replacement="")
    dots = pc.or_(pc.starts_with(text, "."), pc.ends_with(text, "."))
    text = _strip(text, dots, _DOTS)
    odd = pc.invert(pc.fill_null(pc.string_is_ascii(text), True))
    if pc.any(odd).as_py():
        # Internationalized names: IDNA once per distinct value (there are few of them).
        values = pc.filter(text, odd).to_pylist()
        encoded = {v: _to_ascii(v) for v in set(values) if v is not None}
        ascii_values = pa.array([encoded.get(v) for v in values], type=pa.large_string())
        text = pc.replace_with_mask(text, odd, ascii_values)
    valid = pc.and_(
        pc.match_substring_regex(text, pattern=_VALID_HOST),
        pc.invert(pc.match_substring_regex(text, pattern=_IPV4)),
    )
    return pc.if_else(pc.fill_null(valid, False), text, pa.scalar(None, pa.large_string()))


def _strip(text: pa.Array, candidates: pa.Array, pattern: str) -> pa.Array:
    """``text`` with ``pattern`` removed, the regex run only where ``candidates`` is true
    (a plain substring test is several times cheaper than the regex)."""
    mask = pc.fill_null(candidates, False)
    count = pc.sum(mask).as_py() or 0
    if count == 0:
        return text
    if count > len(text) // 2:
        return pc.replace_substring_regex(text, pattern=pattern, replacement="")
    some = pc.replace_substring_regex(pc.filter(text, mask), pattern=pattern, replacement="")
    return pc.replace_with_mask(text, mask, some)


def registrable_domains(values: pd.Series, *, drop_generic: bool = False) -> pd.Series:
    """Space-separated registrable domains of each cell ("" when a cell has none).

    A cell may hold several URLs, host names or e-mail addresses separated by spaces, commas,
    semicolons or pipes. Schemes, user names, ports, paths, ``www.`` and other subdomains,
    upper case and trailing dots go; internationalized names become IDNA ("xn--...").
    Values with an unknown suffix ("acme.local") or no dot give nothing. With
    ``drop_generic``, domains in ``GENERIC_DOMAINS`` (gmail.com, linkedin.com...) are left out.
    Each cell's domains are distinct and in the order they appear.
    """
    index = values.index
    if len(values) == 0:
        return pd.Series([], index=index, dtype="str")
    cells = pa.array(values.astype("str").where(values.notna(), ""), type=pa.large_string())
    if isinstance(cells, pa.ChunkedArray):  # large frames come in chunks; the steps need one
        cells = cells.combine_chunks()
    cells = pc.utf8_trim(cells, characters=" \t\r\n,;|")
    multi = pc.fill_null(pc.match_substring_regex(cells, pattern=_SEPARATORS), False)
    multi_np = multi.to_numpy(zero_copy_only=False)
    positions = np.arange(len(cells))
    if multi_np.any():
        split = pc.split_pattern_regex(pc.filter(cells, multi), pattern=_SEPARATORS)
        lengths = pc.list_value_length(split).to_numpy(zero_copy_only=False)
        tokens = pa.concat_arrays(
            [pc.filter(cells, pc.invert(multi)), pc.list_flatten(split).cast(pa.large_string())]
        )
        owners = np.concatenate([positions[~multi_np], np.repeat(positions[multi_np], lengths)])
    else:
        tokens, owners = cells, positions
    domains = _registrable(_hosts(tokens))
    keep = pc.is_valid(domains)
    if drop_generic and GENERIC_DOMAINS:
        generic = pa.array(sorted(GENERIC_DOMAINS), type=pa.large_string())
        keep = pc.and_(keep, pc.invert(pc.fill_null(pc.is_in(domains, value_set=generic), False)))
    keep_np = keep.to_numpy(zero_copy_only=False)
    found = pc.filter(domains, keep)
    found_owners = owners[keep_np]
    counts = np.bincount(found_owners, minlength=len(cells))
    if (counts <= 1).all():  # the usual case: each cell takes its one domain, if any
        first = np.full(len(cells), -1, dtype=np.int64)
        first[found_owners] = np.arange(len(found_owners))
        result = pc.fill_null(pc.take(found, pa.array(first, mask=first < 0)), "")
        return pd.Series(result, index=index, dtype="str")
    # Several domains in some cells: each cell's distinct domains, in order, joined by spaces.
    order = np.argsort(found_owners, kind="stable")  # tokens of a cell stay in written order
    owners = found_owners[order]
    codes = pc.dictionary_encode(found).indices.to_numpy(zero_copy_only=False)[order]
    again = pd.DataFrame({"owner": owners, "code": codes}).duplicated().to_numpy()
    kept = order[~again]
    offsets = np.zeros(len(cells) + 1, dtype=np.int64)
    np.cumsum(np.bincount(found_owners[kept], minlength=len(cells)), out=offsets[1:])
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), found.take(pa.array(kept)))
    joined = pc.binary_join(lists, pa.scalar(" ", pa.large_string()))
    return pd.Series(joined, index=index, dtype="str")


def registrable_domain(value: str) -> str:
    """The registrable domain(s) of one value, e.g. "https://shop.Acme.co.uk/x" → "acme.co.uk"."""
    return str(registrable_domains(pd.Series([value], dtype=object)).iloc[0])


_HOSTLIKE = re.compile(
    r"^\s*(?:https?://|www\.|[^\s@/]+@)?[a-z0-9.-]+\.[a-z]{2,}(?:[/:?#]\S*)?\s*$"
)


def looks_like_domains(samples: pd.Series) -> float:
    """Share of the non-empty samples that look like URLs, host names or e-mail addresses."""
    values = samples.astype("str").str.strip().str.lower()
    values = values[values != ""]
    if values.empty:
        return 0.0
    return float(values.str.match(_HOSTLIKE.pattern).mean())
