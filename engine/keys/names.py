"""Company-name keys for matching: the same company written two ways gets the same key.

``name_keys`` turns a column of names into keys, vectorized over Arrow strings (a million names
in a few seconds): NFKC, case folded, accents folded, ``&`` → "and", apostrophes and other
punctuation out, initials joined ("C.H." = "C. H." = "ch"), common abbreviations spelled out
("Intl" → "international"), legal forms of many countries out (cleanco's list plus ours), SEC
annotations out ("/DE/", "(The)", "(Class A)"), a leading "The" out. A key is never empty and
never just "the": when removing words would leave nothing, the words stay.

``name_key`` is the same for one name; ``acronyms`` gives the initials of the significant words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from cleanco.clean import prepare_default_terms

# Legal forms cleanco knows that are also everyday words or place tags; they stay in names.
_NOT_LEGAL_FORMS = frozenset(
    {
        "private",
        "unlimited",
        "uk",
        "eu",
        "ent",
        "ok",
        "at",
        "et",
        "ans",
        "sem",
        "ca",
        "ep",
        "ee",
        "ss",
        "pp",
        "ei",
        "ec",
        "ba",
        "bl",
        "bm",
        "sd",
        "sf",
        "ps",
        "gp",
        "da",
        "ks",
        "og",
    }
)

# Our own additions: US / UK / SEC spellings, Asian and Latin American forms, noise words.
_OWN_LEGAL_FORMS = (
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "companies",
    "cos",
    "llc",
    "ltd",
    "limited",
    "plc",
    "lp",
    "llp",
    "lllp",
    "pllc",
    "pc",
    "na",
    "nv",
    "bv",
    "ag",
    "se",
    "sa",
    "sab",
    "sas",
    "sarl",
    "spa",
    "srl",
    "slu",
    "sau",
    "gmbh",
    "mbh",
    "kg",
    "kgaa",
    "ohg",
    "ug",
    "ab",
    "oy",
    "oyj",
    "as",
    "asa",
    "aps",
    "pty",
    "pte",
    "pvt",
    "bhd",
    "kk",
    "gk",
    "yk",
    "tbk",
    "ltda",
    "sa de cv",
    "sab de cv",
    "s de rl de cv",
    "de cv",
    "gmbh and co kg",
    "gmbh and co",
    "and co",
    "and company",
    "and co kg",
    "co ltd",
    "co inc",
    "pty ltd",
    "pvt ltd",
    "pte ltd",
    "sdn bhd",
    "public",
    "public company",
    "public limited company",
    "holding ag",
    "se and co kgaa",
    "kabushiki kaisha",
    "kabushikigaisha",
    "godo kaisha",
    "yugen kaisha",
    "com",
    "the",
    "aktiengesellschaft",
    "gesellschaft mit beschrankter haftung",
    "kommanditgesellschaft",
    "aktiebolag",
    "aktieselskab",
    "anpartsselskab",
    "osakeyhtio",
    "julkinen osakeyhtio",
    "allmennaksjeselskap",
    "aksjeselskap",
    "naamloze vennootschap",
    "besloten vennootschap",
    "societe anonyme",
    "societe par actions simplifiee",
    "societe a responsabilite limitee",
    "sociedad anonima",
    "sociedad limitada",
    "sociedade anonima",
    "societa per azioni",
    "societa a responsabilita limitata",
    "proprietary limited",
    "private limited",
    "limited liability company",
    "limited partnership",
    "sociedad anonima de capital variable",
)
_PREFIX_LEGAL_FORMS = ("pt", "ooo", "oao", "zao", "pao", "tov", "cv", "kabushiki kaisha")

# Abbreviations spelled out, so "Intl Mfg" and "International Manufacturing" share a key.
ABBREVIATIONS: dict[str, str] = {
    "intl": "international",
    "internat": "international",
    "mfg": "manufacturing",
    "mfrs": "manufacturers",
    "bros": "brothers",
    "tech": "technology",
    "techs": "technology",
    "technologies": "technology",
    "svc": "services",
    "svcs": "services",
    "srvcs": "services",
    "mgmt": "management",
    "mgt": "management",
    "natl": "national",
    "assn": "association",
    "assoc": "associates",
    "ctr": "center",
    "centre": "center",
    "grp": "group",
    "hldg": "holdings",
    "hldgs": "holdings",
    "hlds": "holdings",
    "holding": "holdings",
    "inds": "industries",
    "sys": "systems",
    "univ": "university",
    "amer": "american",
    "fin": "financial",
    "finl": "financial",
    "ins": "insurance",
    "pharm": "pharmaceuticals",
    "pharma": "pharmaceuticals",
    "pharmaceutical": "pharmaceuticals",
    "comm": "communications",
    "comms": "communications",
    "commun": "communications",
    "communication": "communications",
    "dev": "development",
    "engr": "engineering",
    "elec": "electric",
    "chem": "chemical",
    "chemicals": "chemical",
    "labs": "laboratories",
    "bancorporation": "bancorp",
    "bankshares": "bancshares",
    "ent": "entertainment",
    "prods": "products",
    "prod": "products",
    "resrcs": "resources",
    "eng": "engineering",
    "adv": "advanced",
    "consol": "consolidated",
    "indl": "industrial",
    "genl": "general",
    "utd": "united",
    "auto": "automotive",
    "constr": "construction",
    "med": "medical",
    "st": "saint",
    "mt": "mount",
    "ft": "fort",
}

# Words that do not make an acronym letter ("Bank of America" → "boa", not "bofa").
ACRONYM_STOPWORDS = frozenset(
    {
        "of",
        "and",
        "the",
        "for",
        "de",
        "la",
        "le",
        "du",
        "des",
        "der",
        "die",
        "das",
        "und",
        "y",
        "et",
        "e",
        "a",
        "an",
        "in",
        "on",
        "at",
        "to",
        "di",
        "del",
        "van",
        "von",
    }
)

_CJK_PREFIX = r"^(?:株式会社|有限会社|合同会社|\(株\)|\(有\)|\(合\))\s*"
_CJK_SUFFIX = (
    r"\s*(?:株式会社|有限会社|合同会社|\(株\)|\(有\)|\(合\)|股份有限公司|有限责任公司|有限公司)$"
)
# "(The)", "(Class A)", "(New)", "(publ)", "(Holding Company)" and SEC state tags "/DE/".
_ANNOTATIONS = (
    r"\((?:the|new|publ|old|class [^)]*|holding company|holdings?|[a-z]{2})\)"
    r"|/[a-z]{2,4}/?(?:\s|$)|\\[a-z]{2,4}\\?(?:\s|$)|,\s*the\s*$|\s-\s*class [a-z]\s*$"
    r"|\s/\s*[a-z]{2,4}\s*/?\s*$"
)
# A legal form glued to the name ("BungeLtd"): split it off before case is lost. A glued "Corp"
# is a brand ("KeyCorp", "LabCorp": registries write "KEYCORP"), so it stays.
_GLUED_FORM = (
    r"(\p{Ll}{2})(Ltd|Inc|LLC|Llc|GmbH|Gmbh|Plc|PLC|AG|SA|BV|NV|SpA|OY|AB|KK|AS"
    r"|S\.A\.?|B\.V\.?|N\.V\.?|A\.G\.?|S\.p\.A\.?|S\.r\.l\.?|S\.L\.?)([^\p{L}]|$)"
)
_SPECIAL_LETTERS = {
    "ß": "ss",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "æ": "ae",
    "œ": "oe",
    "ı": "i",
    "þ": "th",
    "ð": "d",
    "ħ": "h",
    "ŀ": "l",
    "ĸ": "k",
}


def _legal_form_terms() -> list[str]:
    terms = {" ".join(parts) for _size, parts in prepare_default_terms()}
    terms = {t.replace("&", "and") for t in terms}
    # Keep only what our key pipeline can produce: lower-case letters and digits between spaces.
    terms = {re.sub(r"[^\w ]+", " ", t).strip() for t in terms}
    terms = {" ".join(t.split()) for t in terms if t}
    terms -= _NOT_LEGAL_FORMS
    terms |= set(_OWN_LEGAL_FORMS)
    # Longest first so "gmbh and co kg" wins over "kg".
    return sorted(terms, key=lambda t: (-len(t), t))


LEGAL_FORMS: tuple[str, ...] = tuple(_legal_form_terms())
_SUFFIX_RE = r"(?: (?:" + "|".join(re.escape(t) for t in LEGAL_FORMS) + r"))+$"
_PREFIX_RE = r"^(?:" + "|".join(re.escape(t) for t in _PREFIX_LEGAL_FORMS) + r") "
_ABBREVIATION_RE = "(?: |^)(?:" + "|".join(re.escape(a) for a in ABBREVIATIONS) + ")(?: |$)"


def _fold_non_ascii(values: pa.Array) -> pa.Array:
    """Accents and special letters folded to ASCII where they have an obvious ASCII form."""
    values = pc.utf8_normalize(values, "NFKD")
    values = pc.replace_substring_regex(values, r"[\x{0300}-\x{036f}]", "")
    for letter, ascii_ in _SPECIAL_LETTERS.items():
        values = pc.replace_substring(values, letter, ascii_)
    return pc.utf8_normalize(values, "NFC")


def _on_subset(values: pa.Array, mask: pa.Array, func) -> pa.Array:  # type: ignore[no-untyped-def]
    """Apply ``func`` to the rows where ``mask`` holds; the other rows stay as they are."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return values
    changed = func(pc.filter(values, mask))
    if len(changed) == len(values):
        return changed
    return pc.replace_with_mask(values, mask, changed.cast(values.type))


def _key_array(names: pa.Array) -> pa.Array:
    values = pc.cast(pc.fill_null(pc.cast(names, pa.string()), ""), pa.string())
    values = pc.replace_substring_regex(values, _GLUED_FORM, r"\1 \2\3")
    values = pc.replace_substring_regex(values, r"^(?:THE|[Tt]he)(\p{Lu}\p{Ll})", r"The \1")
    values = pc.utf8_normalize(values, "NFKC")
    values = pc.utf8_lower(values)
    # Turkish dotted capital I lower-cases to "i" + combining dot; other non-ASCII is folded too.
    values = _on_subset(values, pc.invert(pc.string_is_ascii(values)), _fold_non_ascii)
    values = pc.utf8_trim_whitespace(values)
    values = pc.replace_substring_regex(values, _CJK_PREFIX, "")
    values = pc.replace_substring_regex(values, _CJK_SUFFIX, "")
    values = pc.replace_substring_regex(values, _ANNOTATIONS, " ")
    values = pc.replace_substring(values, "&", " and ")
    values = pc.replace_substring_regex(values, r"['’‘`´]", "")
    fallback = pc.utf8_trim_whitespace(values)
    values = pc.replace_substring_regex(values, r"[^\p{L}\p{N}]+", " ")
    values = pc.utf8_trim_whitespace(values)
    # Tokens separated by two spaces and padded by one, so " x " never overlaps its neighbour:
    # single letters are marked, and neighbouring marked letters joined ("c h" → "ch").
    values = pc.binary_join_element_wise(" ", pc.replace_substring(values, " ", "  "), " ", "")
    values = pc.replace_substring_regex(values, r" ([a-z]) ", r" §\1§ ")
    values = pc.replace_substring(values, "§  §", "")
    values = pc.replace_substring(values, "§", "")
    values = _on_subset(
        values, pc.match_substring_regex(values, _ABBREVIATION_RE), _expand_abbreviations
    )
    values = pc.utf8_trim_whitespace(pc.replace_substring_regex(values, " +", " "))
    # Never reduce a name to nothing: names of punctuation only keep their characters.
    values = pc.if_else(pc.equal(values, ""), fallback, values)
    # The long legal-form pattern only runs on names whose last word ends a legal form.
    last = pc.struct_field(pc.extract_regex(values, r"(?P<w>[^ ]+)$"), [0])
    ends_legal = pc.is_in(last, value_set=_LAST_LEGAL_WORDS)
    stripped = _on_subset(values, ends_legal, _strip_legal_forms)
    stripped = pc.if_else(pc.equal(stripped, ""), values, stripped)
    prefixed = pc.replace_substring_regex(stripped, _PREFIX_RE, "")
    stripped = pc.if_else(pc.equal(prefixed, ""), stripped, prefixed)
    no_the = pc.replace_substring_regex(stripped, r"^the ", "")
    stripped = pc.if_else(pc.equal(no_the, ""), stripped, no_the)
    return pc.if_else(pc.equal(stripped, "the"), values, stripped)


_LAST_LEGAL_WORDS = pa.array(sorted({t.split()[-1] for t in LEGAL_FORMS}), type=pa.string())


def _strip_legal_forms(values: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(
        pc.replace_substring_regex(pc.binary_join_element_wise(" ", values, ""), _SUFFIX_RE, "")
    )


def _expand_abbreviations(values: pa.Array) -> pa.Array:
    for short, long in ABBREVIATIONS.items():
        values = pc.replace_substring(values, f" {short} ", f" {long} ")
    return values


def name_keys(names: pd.Series | Iterable[str | None]) -> pd.Series:
    """The matching key of every name, in order (index kept for a Series)."""
    series = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
    if len(series) == 0:
        return pd.Series([], index=series.index, dtype=object)
    array = pa.array(series.astype(object).where(series.notna(), None).tolist(), type=pa.string())
    unique = pc.unique(array)
    # Names repeat in CRM exports; normalize each distinct one once.
    keys = _key_array(unique)
    positions = pc.index_in(array, value_set=unique)
    result = pc.take(keys, positions)
    return pd.Series(result.to_numpy(zero_copy_only=False), index=series.index, dtype=object)


# Legal forms that may come glued to a squashed name ("VesneviaPowerplc"), longest first.
_GLUED_SUFFIX_RE = (
    r"(?:"
    + "|".join(
        sorted(
            {re.escape(t.replace(" ", "")) for t in LEGAL_FORMS if len(t.replace(" ", "")) >= 3},
            key=lambda t: (-len(t), t),
        )
    )
    + r")+$"
)


def squashed_keys(keys: pd.Series | Iterable[str]) -> pd.Series:
    """Keys with the spaces taken out and a legal form glued to the end removed, so
    "Vesnevia Power plc", "VesneviaPowerplc" and "vesnevia power" all give "vesneviapower".

    A legal form is only removed when at least five letters remain ("Costco" keeps its "co").
    """
    series = keys if isinstance(keys, pd.Series) else pd.Series(list(keys), dtype=object)
    values = pc.replace_substring(pa.array(series.tolist(), type=pa.string()), " ", "")
    stripped = pc.replace_substring_regex(values, _GLUED_SUFFIX_RE, "")
    long_enough = pc.greater_equal(pc.utf8_length(stripped), 5)
    result = pc.if_else(long_enough, stripped, values)
    return pd.Series(result.to_numpy(zero_copy_only=False), index=series.index, dtype=object)


@functools.lru_cache(maxsize=4096)
def name_key(name: str | None) -> str:
    """The matching key of one name ("Lowe's Companies, Inc." → "lowes")."""
    return str(name_keys([name]).iloc[0])


def significant_words(key: str) -> list[str]:
    return [w for w in key.split() if w not in ACRONYM_STOPWORDS]


def acronym(key: str) -> str:
    """Initials of a key's significant words ("international business machines" → "ibm")."""
    words = significant_words(key)
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def acronyms(keys: pd.Series) -> pd.Series:
    """``acronym`` of every key; "" where a name has fewer than two significant words."""
    return pd.Series([acronym(k) for k in keys], index=keys.index, dtype=object)
