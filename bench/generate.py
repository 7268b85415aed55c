"""Synthetic CRM account exports with known true pairs, for benchmarks, tests and the demo.

Two companies' exports are drawn from one universe of made-up companies. A share of them appear
in both exports, spelled the way two CRMs really spell one company: another legal form or none,
abbreviations, a typo, registry word order, "The", ``&``/and, squashed words, acronyms, upper
case, odd or missing websites, a subsidiary's domain. Companies that appear on one side only
include hard negatives (the same rare brand in another business, the same common words with
another brand). ``truth.csv`` lists the external ids of every true pair.

Everything is built column by column with numpy (Python loops only over small vocabularies
and a few percent of the rows), so a million rows a side take well under a minute.

As a module::

    ours, partner, truth = generate(10_000, 8_000, 0.3, seed=7)

As a script::

    .venv/bin/python bench/generate.py --ours 100000 --partner 100000 --shared 0.3 --out /tmp/gen
    .venv/bin/python bench/generate.py --demo --out resources/demo
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing as mp
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

STR = np.dtypes.StringDType()
STYLES = ("salesforce", "sfdc-export", "hubspot", "dynamics", "pipedrive", "plain")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252")
FORMATS = ("csv", "xlsx")

Columns = dict[str, np.ndarray]

# --------------------------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------------------------


def _split(words: str) -> list[str]:
    return words.split()


_ONSETS = _split(
    "B C D F G H J K L M N P R S T V W Z Br Cr Dr Fr Gr Kr Pr Tr Vr Bl Cl Fl Gl Pl Sl St Sp "
    "Th Ch Sh Qu"
)
_VOWELS = ["a", "e", "i", "o", "u", "a", "o", "e", "ai", "y"]
_CODAS = ["", "", "", "r", "l", "n", "s"]
_MIDDLES = [
    c + v
    for c in ["l", "m", "n", "r", "s", "t", "v", "z", "d", "g", "k", "x"]
    for v in ["a", "e", "i", "o", "u", "a", "o"]
]
_ENDINGS = _split(
    "ne ro ra ta va x n r s l nix tek dex lia mira vo ron lis tis rix mont ford dale via "
    "nova gen con sys tron lux tera lo no co ria vane taro nix ly dyne stra zon gate cor"
)

# Common words real company names share; they make hard negatives ("Summit Bank" vs
# "Summit Logistics") and carry no identity on their own.
COMMON_WORDS = _split(
    "Summit Pacific Atlantic First American General United National Global Northern "
    "Southern Eastern Western Central Royal Premier Pioneer Liberty Eagle Sterling Apex "
    "Horizon Meridian Heritage Golden Silver Blue Red Green Granite Cedar Oak Pine Maple "
    "River Lake Harbor Coastal Metro Capital Citizens Frontier Evergreen Keystone Alliance "
    "Vanguard Crown Atlas Phoenix Orion Titan Delta Vertex Prime Union Standard Continental "
    "Allied Precision Summit"
)

GIVEN_NAMES = _split(
    "James John Robert Michael William David Richard Charles Joseph Thomas Mary Patricia "
    "Jennifer Linda Elizabeth Susan Jessica Sarah Karen Nancy Daniel Matthew Anthony Mark "
    "Steven Paul Andrew Joshua Kenneth Kevin Brian George Emily Laura Anna Maria Sophie "
    "Lena Hans Klaus Pierre Jean Marco Luca Kenji Hiro Lars Erik Sven Olga Ana Lucia"
)

SURNAMES = _split(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
    "Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King "
    "Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips "
    "Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan "
    "Peterson Cooper Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks "
    "Bennett Gray Hughes Price Sanders Myers Long Ross Foster Schwab Hunt Vosk Keller "
    "Fischer Weber Dubois Moreau Rossi Bianchi Tanaka Sato Lindqvist Nieminen Jensen Olsen "
    "Garcia Lopez Novak"
)

# Business words: (word, abbreviation or "", canonical industry or "" for generic words).
# The abbreviation is how the other CRM (or a registry) often writes the word.
INDUSTRY_WORDS: tuple[tuple[str, str, str], ...] = (
    ("Bank", "", "Banking"),
    ("Bancorp", "", "Banking"),
    ("Financial", "Finl", "Finance"),
    ("Capital", "", "Finance"),
    ("Insurance", "Ins", "Insurance"),
    ("Holdings", "Hldgs", ""),
    ("Group", "Grp", ""),
    ("Partners", "", "Consulting"),
    ("Systems", "Sys", "Technology"),
    ("Software", "", "Technology"),
    ("Technologies", "Tech", "Technology"),
    ("Technology", "Tech", "Technology"),
    ("Labs", "", "Technology"),
    ("Networks", "", "Telecommunications"),
    ("Communications", "Comms", "Communications"),
    ("Telecom", "", "Telecommunications"),
    ("Logistics", "", "Transportation"),
    ("Transport", "", "Transportation"),
    ("Freight", "", "Shipping"),
    ("Shipping", "", "Shipping"),
    ("Airlines", "", "Transportation"),
    ("Foods", "", "Food & Beverage"),
    ("Beverages", "", "Food & Beverage"),
    ("Brewing", "", "Food & Beverage"),
    ("Pharmaceuticals", "Pharma", "Healthcare"),
    ("Therapeutics", "", "Biotechnology"),
    ("Biosciences", "", "Biotechnology"),
    ("Health", "", "Healthcare"),
    ("Medical", "Med", "Healthcare"),
    ("Laboratories", "Labs", "Healthcare"),
    ("Energy", "", "Energy"),
    ("Power", "", "Utilities"),
    ("Utilities", "", "Utilities"),
    ("Petroleum", "", "Energy"),
    ("Mining", "", "Energy"),
    ("Chemicals", "Chem", "Chemicals"),
    ("Materials", "", "Chemicals"),
    ("Steel", "", "Manufacturing"),
    ("Motors", "", "Manufacturing"),
    ("Automotive", "Auto", "Manufacturing"),
    ("Aerospace", "", "Engineering"),
    ("Manufacturing", "Mfg", "Manufacturing"),
    ("Industries", "Inds", "Manufacturing"),
    ("Machinery", "", "Machinery"),
    ("Electric", "Elec", "Electronics"),
    ("Electronics", "", "Electronics"),
    ("Engineering", "Eng", "Engineering"),
    ("Construction", "Constr", "Construction"),
    ("Builders", "", "Construction"),
    ("Realty", "", "Other"),
    ("Properties", "", "Other"),
    ("Retail", "", "Retail"),
    ("Stores", "", "Retail"),
    ("Apparel", "", "Apparel"),
    ("Media", "", "Media"),
    ("Entertainment", "Ent", "Entertainment"),
    ("Hotels", "", "Hospitality"),
    ("Hospitality", "", "Hospitality"),
    ("Consulting", "", "Consulting"),
    ("Solutions", "", "Consulting"),
    ("Services", "Svcs", "Other"),
    ("Associates", "Assoc", "Consulting"),
    ("Management", "Mgmt", "Consulting"),
    ("Education", "", "Education"),
    ("Agriculture", "", "Agriculture"),
    ("Farms", "", "Agriculture"),
    ("Environmental", "", "Environmental"),
    ("Recreation", "", "Recreation"),
    ("Products", "Prods", "Manufacturing"),
    ("Company", "Co", ""),
    ("Brothers", "Bros", ""),
)

# The second word of long descriptive names ("Zorvane International Logistics"): these make
# the acronym cases (IBM = International Business Machines) and the abbreviation cases.
LONG_WORDS: tuple[tuple[str, str], ...] = (
    ("International", "Intl"),
    ("International", "Int'l"),
    ("Business", ""),
    ("Advanced", "Adv"),
    ("Applied", ""),
    ("Integrated", ""),
    ("Industrial", "Indl"),
    ("Digital", ""),
    ("Consolidated", "Consol"),
    ("National", "Natl"),
    ("American", "Amer"),
    ("General", "Genl"),
    ("United", "Utd"),
)

# Salesforce's standard Industry picklist.
INDUSTRY_LIST = [
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Environmental",
    "Finance",
    "Food & Beverage",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Machinery",
    "Manufacturing",
    "Media",
    "Recreation",
    "Retail",
    "Shipping",
    "Technology",
    "Telecommunications",
    "Transportation",
    "Utilities",
    "Other",
]
# HubSpot's industry picklist names the same industries differently.
HUBSPOT_INDUSTRY = {
    "Agriculture": "Farming",
    "Apparel": "Apparel & Fashion",
    "Banking": "Banking",
    "Biotechnology": "Biotechnology",
    "Chemicals": "Chemicals",
    "Communications": "Telecommunications",
    "Construction": "Construction",
    "Consulting": "Management Consulting",
    "Education": "Education Management",
    "Electronics": "Consumer Electronics",
    "Energy": "Oil & Energy",
    "Engineering": "Mechanical or Industrial Engineering",
    "Entertainment": "Entertainment",
    "Environmental": "Environmental Services",
    "Finance": "Financial Services",
    "Food & Beverage": "Food & Beverages",
    "Healthcare": "Hospital & Health Care",
    "Hospitality": "Hospitality",
    "Insurance": "Insurance",
    "Machinery": "Machinery",
    "Manufacturing": "Industrial Automation",
    "Media": "Media Production",
    "Recreation": "Recreational Facilities and Services",
    "Retail": "Retail",
    "Shipping": "Logistics and Supply Chain",
    "Technology": "Computer Software",
    "Telecommunications": "Telecommunications",
    "Transportation": "Transportation/Trucking/Railroad",
    "Utilities": "Utilities",
    "Other": "",
}

# country, ISO code, other spellings, share, national TLD, cities, legal-form families
_COUNTRIES: tuple[tuple[str, str, str, float, str, str, str], ...] = (
    (
        "United States",
        "US",
        "USA|U.S.|United States of America",
        0.50,
        "com",
        "New York|San Francisco|Chicago|Austin|Boston|Seattle|Atlanta|Denver|Dallas|Miami",
        "inc|corp|llc|co",
    ),
    (
        "United Kingdom",
        "GB",
        "UK|Great Britain|England",
        0.09,
        "co.uk",
        "London|Manchester|Birmingham|Leeds|Edinburgh|Bristol",
        "ltd|plc",
    ),
    (
        "Germany",
        "DE",
        "Deutschland|DEU",
        0.08,
        "de",
        "Berlin|München|Hamburg|Frankfurt am Main|Köln|Stuttgart|Düsseldorf",
        "gmbh|ag|kg",
    ),
    ("France", "FR", "FRA", 0.05, "fr", "Paris|Lyon|Marseille|Toulouse|Nantes", "sas|sarl|sa"),
    ("Canada", "CA", "CAN", 0.05, "ca", "Toronto|Montréal|Vancouver|Calgary|Ottawa", "inc|ltd"),
    ("Australia", "AU", "AUS", 0.03, "com.au", "Sydney|Melbourne|Brisbane|Perth", "pty"),
    (
        "Netherlands",
        "NL",
        "The Netherlands|Holland",
        0.03,
        "nl",
        "Amsterdam|Rotterdam|Utrecht|Eindhoven",
        "bv|nv",
    ),
    ("Japan", "JP", "JPN", 0.03, "co.jp", "Tokyo|Osaka|Yokohama|Nagoya", "kk|coltd"),
    ("Sweden", "SE", "Sverige", 0.02, "se", "Stockholm|Göteborg|Malmö", "ab"),
    ("Finland", "FI", "Suomi", 0.01, "fi", "Helsinki|Espoo|Tampere", "oy"),
    ("Denmark", "DK", "Danmark", 0.01, "dk", "København|Aarhus|Odense", "as"),
    ("Mexico", "MX", "México", 0.02, "com.mx", "Ciudad de México|Monterrey|Guadalajara", "sadecv"),
    ("Spain", "ES", "España", 0.02, "es", "Madrid|Barcelona|Valencia|Sevilla", "sa|sl"),
    ("Switzerland", "CH", "Schweiz|Suisse", 0.02, "ch", "Zürich|Genève|Basel", "ag|gmbh|sa"),
    ("Italy", "IT", "Italia", 0.02, "it", "Milano|Roma|Torino|Bologna", "spa|srl"),
    ("Brazil", "BR", "Brasil", 0.02, "com.br", "São Paulo|Rio de Janeiro|Curitiba", "ltda|sa"),
)

# Each family lists its spellings; the first is the canonical one.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "inc": ("Inc.", "Inc", "Incorporated", ", Inc.", ", Inc"),
    "corp": ("Corporation", "Corp.", "Corp", ", Corp."),
    "llc": ("LLC", "L.L.C.", ", LLC", "Llc"),
    "co": ("Co.", "Company", "Co", "& Co."),
    "ltd": ("Ltd", "Limited", "Ltd.", "LTD"),
    "plc": ("plc", "PLC", "Public Limited Company", "P.L.C."),
    "gmbh": ("GmbH", "Gmbh", "G.m.b.H."),
    "ag": ("AG", "Aktiengesellschaft", "A.G."),
    "kg": ("GmbH & Co. KG", "GmbH & Co KG", "KG"),
    "sas": ("SAS", "S.A.S.", "SAS."),
    "sarl": ("SARL", "S.à r.l.", "S.A.R.L."),
    "sa": ("S.A.", "SA", "S.A"),
    "pty": ("Pty Ltd", "Pty. Ltd.", "Pty Limited", "PTY LTD"),
    "bv": ("B.V.", "BV", "B.V"),
    "nv": ("N.V.", "NV"),
    "kk": ("KK", "K.K.", "Kabushiki Kaisha"),
    "coltd": ("Co., Ltd.", "Co. Ltd", "Co., Ltd"),
    "ab": ("AB", "Aktiebolag", "(publ) AB"),
    "oy": ("Oy", "Oyj", "OY"),
    "as": ("A/S", "AS", "ApS"),
    "sadecv": ("S.A. de C.V.", "SA de CV", "S.A. de C.V"),
    "sl": ("S.L.", "SL", "S.L.U."),
    "spa": ("S.p.A.", "SpA", "S.P.A."),
    "srl": ("S.r.l.", "Srl", "S.R.L."),
    "ltda": ("Ltda.", "Ltda", "LTDA"),
}

GENERIC_MAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com")

# Canonical stage -> raw values per CRM style, with weights.
STAGE_VOCAB: dict[str, dict[str, tuple[tuple[str, float], ...]]] = {
    "salesforce": {
        "prospect": (("Prospect", 1.0),),
        "customer": (("Customer - Direct", 0.7), ("Customer - Channel", 0.3)),
        "churned": (("Former Customer", 1.0),),
        "other": (("Partner", 0.4), ("Other", 0.35), ("", 0.25)),
    },
    "hubspot": {
        "prospect": (
            ("lead", 0.35),
            ("marketingqualifiedlead", 0.2),
            ("salesqualifiedlead", 0.15),
            ("opportunity", 0.2),
            ("subscriber", 0.1),
        ),
        "customer": (("customer", 0.9), ("evangelist", 0.1)),
        # HubSpot has no churned stage; teams add a custom one or park them in "other".
        "churned": (("Former Customer", 0.75), ("other", 0.25)),
        "other": (("other", 0.6), ("", 0.4)),
    },
    "dynamics": {
        "prospect": (("Prospect", 1.0),),
        "customer": (("Customer", 1.0),),
        "churned": (("Former Customer", 0.7), ("Other", 0.3)),
        "other": (
            ("Partner", 0.25),
            ("Reseller", 0.15),
            ("Vendor", 0.15),
            ("Competitor", 0.1),
            ("Consultant", 0.1),
            ("Supplier", 0.1),
            ("Other", 0.15),
        ),
    },
    "pipedrive": {
        "prospect": (("Hot lead", 0.3), ("Warm lead", 0.4), ("Cold lead", 0.3)),
        "customer": (("Customer", 1.0),),
        "churned": (("Former customer", 1.0),),
        "other": (("", 1.0),),
    },
    "plain": {
        "prospect": (("prospect", 0.8), ("lead", 0.2)),
        "customer": (("customer", 1.0),),
        "churned": (("churned", 0.7), ("former customer", 0.3)),
        "other": (("partner", 0.5), ("other", 0.5)),
    },
}
STAGE_VOCAB["sfdc-export"] = STAGE_VOCAB["salesforce"]
STAGES = ("prospect", "customer", "churned", "other")
DEFAULT_STAGE_MIX = (0.55, 0.30, 0.08, 0.07)

# Standard field -> header, per CRM style. Fields absent from a style are not written.
HEADERS: dict[str, dict[str, str]] = {
    "salesforce": {
        "name": "Account Name",
        "id": "Account ID",
        "website": "Website",
        "stage": "Type",
        "industry": "Industry",
        "revenue": "Annual Revenue",
        "employees": "Employees",
        "country": "Billing Country",
        "city": "Billing City",
        "owner": "Account Owner",
        "created": "Created Date",
        "deal": "Open Opportunity Amount",
        "close": "Next Close Date",
        "priority": "Priority",
        "phone": "Phone",
        "activity": "Last Activity",
    },
    "sfdc-export": {
        "id": "Id",
        "deleted": "IsDeleted",
        "name": "Name",
        "stage": "Type",
        "city": "BillingCity",
        "country": "BillingCountry",
        "phone": "Phone",
        "website": "Website",
        "industry": "Industry",
        "revenue": "AnnualRevenue",
        "employees": "NumberOfEmployees",
        "owner": "OwnerId",
        "created": "CreatedDate",
        "priority": "Priority__c",
        "deal": "Open_Opportunity_Amount__c",
        "close": "Next_Close_Date__c",
    },
    "hubspot": {
        "id": "Record ID",
        "name": "Company name",
        "domain": "Company Domain Name",
        "website": "Website URL",
        "stage": "Lifecycle Stage",
        "industry": "Industry",
        "revenue": "Annual Revenue",
        "employees": "Number of Employees",
        "country": "Country/Region",
        "city": "City",
        "owner": "Company owner",
        "created": "Create Date",
        "deal": "Recent Deal Amount",
        "close": "Recent Deal Close Date",
        "priority": "Priority",
        "phone": "Phone Number",
        "activity": "Last Activity Date",
    },
    "dynamics": {
        "guid": "(Do Not Modify) Account",
        "checksum": "(Do Not Modify) Row Checksum",
        "modified": "(Do Not Modify) Modified On",
        "name": "Account Name",
        "id": "Account Number",
        "phone": "Main Phone",
        "website": "Website",
        "stage": "Relationship Type",
        "industry": "Industry",
        "revenue": "Annual Revenue",
        "employees": "Number of Employees",
        "country": "Address 1: Country/Region",
        "city": "Address 1: City",
        "owner": "Owner",
        "created": "Created On",
        "deal": "Open Opportunity Amount",
        "close": "Est. Close Date",
        "priority": "Priority",
    },
    "pipedrive": {
        "id": "Organization - ID",
        "name": "Organization - Name",
        "website": "Organization - Website",
        "stage": "Organization - Label",
        "industry": "Organization - Industry",
        "revenue": "Organization - Annual revenue",
        "employees": "Organization - Number of employees",
        "country": "Organization - Country of Address",
        "city": "Organization - City/town/village/locality of Address",
        "owner": "Organization - Owner",
        "created": "Organization - Organization created",
        "deal": "Organization - Open deals value",
        "close": "Organization - Next close date",
        "priority": "Organization - Priority",
    },
    "plain": {
        "id": "account_id",
        "name": "company_name",
        "website": "website",
        "stage": "stage",
        "industry": "industry",
        "revenue": "annual_revenue",
        "employees": "employees",
        "country": "country",
        "city": "city",
        "owner": "owner",
        "created": "created_date",
        "deal": "deal_size",
        "close": "deal_close_date",
        "priority": "priority",
    },
}

# The column that holds each style's external id (the ids truth.csv refers to).
ID_HEADER = {style: HEADERS[style]["id"] for style in STYLES}


@dataclass(frozen=True)
class Variation:
    """How often each real-world difference appears in one side's spelling of a company."""

    no_legal_form: float = 0.35
    other_legal_spelling: float = 0.35
    comma_before_legal: float = 0.15
    abbreviate: float = 0.25
    typo: float = 0.04
    registry_order: float = 0.5  # of person-named companies (e.g. "Schwab Charles Corp")
    the_prefix: float = 0.03
    and_for_ampersand: float = 0.4
    squash: float = 0.01
    acronym: float = 0.006  # of names with three or more significant words
    upper_case: float = 0.05
    lower_case: float = 0.01
    sec_suffix: float = 0.01  # "/DE/" after US names
    subsidiary_domain: float = 0.03
    odd_city: float = 0.05
    no_country: float = 0.04
    other_industry: float = 0.08
    no_industry: float = 0.1


# --------------------------------------------------------------------------------------------
# Small vectorized helpers
# --------------------------------------------------------------------------------------------


def _s(values: Sequence[str] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=STR)


def _int_str(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).astype(STR, copy=False)


def _pad(values: np.ndarray, width: int) -> np.ndarray:
    return np.strings.zfill(_int_str(values), width)


def _join(*parts: np.ndarray | str, sep: str = " ") -> np.ndarray:
    """Join string columns with ``sep``, skipping empty cells (vectorized)."""
    out: np.ndarray | None = None
    for part in parts:
        p = _s(part) if not isinstance(part, np.ndarray) else part
        if out is None:
            out = p.copy() if p.ndim else p
            continue
        glue = np.where((out != "") & (p != ""), sep, "").astype(STR, copy=False)
        out = np.strings.add(np.strings.add(out, glue), p)
    assert out is not None
    return out


def _pick(rng: np.random.Generator, options: Sequence[str], n: int, p=None) -> np.ndarray:
    vocab = _s(list(options))
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return vocab[rng.choice(len(vocab), size=n, p=p)]


def _commas(values: np.ndarray) -> np.ndarray:
    """1234567 -> "1,234,567". Used on a share of the rows, so Python formatting is cheap."""
    return _s([f"{x:,}" for x in np.asarray(values, dtype=np.int64).tolist()])


def _one_decimal(values: np.ndarray) -> np.ndarray:
    """12.34 -> "12.3"; whole numbers keep no decimal ("12")."""
    tenths = np.rint(np.asarray(values, dtype=float) * 10).astype(np.int64)
    whole = _int_str(tenths // 10)
    frac = tenths % 10
    return np.where(frac > 0, np.strings.add(np.strings.add(whole, "."), _int_str(frac)), whole)


def _dates(rng: np.random.Generator, n: int, start: str, end: str) -> np.ndarray:
    lo = np.datetime64(start, "D")
    hi = np.datetime64(end, "D")
    return lo + rng.integers(0, int((hi - lo).astype(int)), size=n).astype("timedelta64[D]")


def _format_dates(
    rng: np.random.Generator, days: np.ndarray, style: str, with_time: bool
) -> np.ndarray:
    """Dates the way each CRM writes them in an export.

    Each distinct day and minute is formatted once in Python and looked up per row: a few
    thousand strings instead of a million formatting calls.
    """
    n = len(days)
    first = days.min() if n else np.datetime64("2000-01-01")
    offset = (days - first).astype(np.int64)
    span = [
        (first + np.timedelta64(i, "D")).astype(object)
        for i in range(int(offset.max(initial=0)) + 1)
    ]
    us_style = style in ("salesforce", "dynamics")
    if us_style:
        table = [f"{d.month}/{d.day}/{d.year}" for d in span]
    else:
        table = [d.isoformat() for d in span]
    out = _s(table)[offset]
    if not with_time or style in ("salesforce", "plain"):
        return out
    minute = rng.integers(7 * 60, 19 * 60, size=n)
    if style == "dynamics":  # 3/4/2021 10:22 AM
        times = [
            f" {(m // 60 - 1) % 12 + 1}:{m % 60:02d} {'AM' if m < 720 else 'PM'}"
            for m in range(1440)
        ]
    elif style == "sfdc-export":  # 2021-03-04T10:22:00.000Z
        times = [f"T{m // 60:02d}:{m % 60:02d}:00.000Z" for m in range(1440)]
    elif style == "pipedrive":
        times = [f" {m // 60:02d}:{m % 60:02d}:00" for m in range(1440)]
    else:  # HubSpot: 2021-03-04 10:22
        times = [f" {m // 60:02d}:{m % 60:02d}" for m in range(1440)]
    return np.strings.add(out, _s(times)[minute])


def _fixed_width(raw: bytes, width: int) -> np.ndarray:
    """Cut one long ASCII string into cells of ``width`` characters."""
    return np.frombuffer(raw, dtype=f"S{width}").astype(STR, copy=False)


def _base62(values: np.ndarray, width: int) -> np.ndarray:
    alphabet = np.frombuffer(
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8
    )
    v = np.asarray(values, dtype=np.int64)
    digits = np.empty((len(v), width), dtype=np.uint8)
    for k in range(width - 1, -1, -1):
        digits[:, k] = alphabet[v % 62]
        v = v // 62
    return _fixed_width(digits.tobytes(), width)


# --------------------------------------------------------------------------------------------
# The universe of companies
# --------------------------------------------------------------------------------------------

# Made-up brand words are stored as integer codes (onset, coda, middle, ending) and only turned
# into text once: comparing and de-duplicating integers is far cheaper than strings.
_ONSET_V = [o + v for o in _ONSETS for v in _VOWELS if not (o == "Qu" and v in ("u", "y"))]
_N_ON, _N_CO, _N_MI, _N_EN = len(_ONSET_V), len(_CODAS), len(_MIDDLES) + 1, len(_ENDINGS)
_SURNAME_BASE = 10**9  # codes at or above this name a real surname

PRE_WORDS = COMMON_WORDS + GIVEN_NAMES
LEGAL_KEYS = list(LEGAL_FORMS)


def _brand_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    onset = rng.integers(0, _N_ON, n)
    coda = rng.integers(0, _N_CO, n)
    mid = np.where(rng.random(n) < 0.65, rng.integers(1, _N_MI, n), 0)
    end = rng.integers(0, _N_EN, n)
    return ((onset * _N_CO + coda) * _N_MI + mid) * _N_EN + end


def _brand_text(codes: np.ndarray) -> np.ndarray:
    """Pronounceable made-up words ("Zoratek", "Quintaro") or surnames, from their codes."""
    codes = np.asarray(codes, dtype=np.int64)
    out = np.full(len(codes), "", dtype=STR)
    made = (codes >= 0) & (codes < _SURNAME_BASE)
    c = codes[made]
    end = c % _N_EN
    c //= _N_EN
    mid = c % _N_MI
    c //= _N_MI
    coda = c % _N_CO
    onset = c // _N_CO
    # Four small vocabularies glued per row: plain Python is faster than four array passes.
    on, co, mi, en = _ONSET_V, _CODAS, ["", *_MIDDLES], _ENDINGS
    out[made] = _s(
        [
            on[a] + co[b] + mi[m] + en[e]
            for a, b, m, e in zip(
                onset.tolist(), coda.tolist(), mid.tolist(), end.tolist(), strict=True
            )
        ]
    )
    sur = codes >= _SURNAME_BASE
    out[sur] = _s(SURNAMES)[codes[sur] - _SURNAME_BASE]
    out[codes == -2] = "Sons"
    return out


@dataclass
class _Universe:
    """Canonical facts about every company; both exports render their rows from it."""

    pre_idx: np.ndarray  # index into PRE_WORDS, -1 when none
    brand_code: np.ndarray  # made-up word or surname code, -1 when none
    amp: np.ndarray  # bool: "&" between brand and brand2
    brand2_code: np.ndarray  # second made-up word, -2 for "Sons", -1 when none
    long_idx: np.ndarray  # index into LONG_WORDS, -1 when none
    ind_idx: np.ndarray  # index into INDUSTRY_WORDS, -1 when none
    person: np.ndarray  # bool: named after a person (registry order applies)
    legal_idx: np.ndarray  # index into LEGAL_KEYS
    country_idx: np.ndarray
    city: np.ndarray
    industry: np.ndarray  # index into INDUSTRY_LIST
    employees: np.ndarray
    revenue: np.ndarray
    brand: np.ndarray = None  # type: ignore[assignment]  # text, filled by _finish
    brand2: np.ndarray = None  # type: ignore[assignment]
    domain: np.ndarray = None  # type: ignore[assignment]


def _universe(rng: np.random.Generator, n: int) -> _Universe:
    # Patterns: 0 Brand + Word, 1 Brand, 2 Common + Brand + Word, 3 Brand (&) Brand,
    # 4 Person (+ "& Sons" / word), 5 Brand + Long + Word, 6 Common + Word (hard negatives).
    pattern = rng.choice(7, size=n, p=[0.34, 0.15, 0.11, 0.09, 0.10, 0.19, 0.02])
    n_ind = len(INDUSTRY_WORDS)
    brand = _brand_codes(rng, n)
    ind_idx = rng.integers(0, n_ind, n)
    long_idx = np.full(n, -1)
    pre_idx = np.full(n, -1)
    amp = np.zeros(n, bool)
    brand2 = np.full(n, -1, dtype=np.int64)
    n_common = len(COMMON_WORDS)

    sel = pattern == 1
    ind_idx[sel] = -1
    sel = pattern == 2
    pre_idx[sel] = rng.integers(0, n_common, int(sel.sum()))
    sel = pattern == 3
    ind_idx[sel] = -1
    brand2[sel] = _brand_codes(rng, int(sel.sum()))
    amp[sel] = rng.random(int(sel.sum())) < 0.6
    person = pattern == 4
    k = int(person.sum())
    pre_idx[person] = n_common + rng.integers(0, len(GIVEN_NAMES), k)
    # Real surnames are shared by many companies; made-up ones keep names distinct.
    real = rng.random(k) < 0.3
    brand[person] = np.where(real, _SURNAME_BASE + rng.integers(0, len(SURNAMES), k), brand[person])
    kind = rng.random(k)
    sons = kind < 0.3
    amp[person] = sons
    brand2[person] = np.where(sons, -2, -1)
    ind_p = ind_idx[person]
    ind_p[sons | (kind > 0.8)] = -1
    ind_idx[person] = ind_p
    sel = pattern == 5
    long_idx[sel] = rng.integers(0, len(LONG_WORDS), int(sel.sum()))
    sel = pattern == 6
    pre_idx[sel] = rng.integers(0, n_common, int(sel.sum()))
    brand[sel] = -1

    country_share = np.array([c[3] for c in _COUNTRIES])
    country_idx = rng.choice(len(_COUNTRIES), size=n, p=country_share / country_share.sum())
    # Cities and legal forms are drawn per country from flattened tables.
    cities = [c[5].split("|") for c in _COUNTRIES]
    city_vocab = _s([x for cs in cities for x in cs])
    city_off = np.cumsum([0] + [len(cs) for cs in cities])[:-1]
    city_n = np.array([len(cs) for cs in cities])
    city = city_vocab[city_off[country_idx] + (rng.random(n) * city_n[country_idx]).astype(int)]
    fams = [[LEGAL_KEYS.index(f) for f in c[6].split("|")] for c in _COUNTRIES]
    fam_flat = np.array([f for fs in fams for f in fs])
    fam_off = np.cumsum([0] + [len(fs) for fs in fams])[:-1]
    fam_n = np.array([len(fs) for fs in fams])
    legal_idx = fam_flat[fam_off[country_idx] + (rng.random(n) * fam_n[country_idx]).astype(int)]

    # Industry follows the business word when it names one.
    word_industry = np.array(
        [INDUSTRY_LIST.index(w[2]) if w[2] else -1 for w in INDUSTRY_WORDS] + [-1]
    )
    industry_i = rng.integers(0, len(INDUSTRY_LIST), n)
    from_word = word_industry[ind_idx]  # -1 (none) indexes the trailing -1
    industry_i = np.where(from_word >= 0, from_word, industry_i)

    # Size: most accounts are small, a few are very large.
    employees = np.clip(np.rint(np.exp(rng.normal(4.0, 1.8, n))), 1, 400_000).astype(np.int64)
    revenue = (employees * np.exp(rng.normal(12.0, 0.6, n))).astype(np.int64)

    return _Universe(
        pre_idx=pre_idx,
        brand_code=brand,
        amp=amp,
        brand2_code=brand2,
        long_idx=long_idx,
        ind_idx=ind_idx,
        person=person,
        legal_idx=legal_idx,
        country_idx=country_idx,
        city=city,
        industry=industry_i,
        employees=employees,
        revenue=revenue,
    )


def _same_words(words: Sequence[tuple[str, ...]]) -> np.ndarray:
    """For each word, the first word that reads the same in some spelling ("Technologies" and
    "Technology" are both "Tech"; "Laboratories" is also "Labs"): one index per group."""
    canon = list(range(len(words)))
    seen: dict[str, int] = {}
    for i, spellings in enumerate(words):
        for spelling in spellings[:2]:
            folded = "".join(c for c in spelling.lower() if c.isalnum())
            if not folded:
                continue
            if folded not in seen:
                seen[folded] = i
                continue
            old, new = canon[i], canon[seen[folded]]
            canon = [new if c == old else c for c in canon]
    return np.array([*canon, -1])  # -1 (no word) stays -1


_IND_SAME = _same_words(INDUSTRY_WORDS)
# "Company" is a legal form to a name key ("Zorb Company" = "Zorb Co." = "Zorb").
_IND_SAME[[w[0] for w in INDUSTRY_WORDS].index("Company")] = -1
_LONG_SAME = _same_words(LONG_WORDS)


def _name_keys(u: _Universe, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """One 64-bit key per name, equal for names a reader (or a name key) cannot tell apart:
    brands compared as text (two brand codes can spell one word), words that read the same
    counted as one, "Company" counted as no word."""
    frame = pd.DataFrame(
        {
            "brand": np.strings.lower(_brand_text(u.brand_code[rows])),
            "pre": u.pre_idx[rows],
            "brand2": np.strings.lower(_brand_text(u.brand2_code[rows])),
            "long": _LONG_SAME[u.long_idx[rows]],
            "ind": _IND_SAME[u.ind_idx[rows]],
            "amp": u.amp[rows],
        }
    )
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def _distinct_names(rng: np.random.Generator, u: _Universe) -> None:
    """Names must not repeat: a repeated name with different ids would be a pair nobody could
    tell apart. Give repeats a fresh brand until every name is distinct (in place)."""
    key = _name_keys(u)
    dup = pd.Series(key, copy=False).duplicated().to_numpy()
    if not dup.any():
        return
    taken = set(key[~dup].tolist())
    todo = np.flatnonzero(dup)
    for _ in range(50):
        u.brand_code[todo] = _brand_codes(rng, len(todo))
        clash = []
        for row, k in zip(todo.tolist(), _name_keys(u, todo).tolist(), strict=True):
            if k in taken:
                clash.append(row)
            else:
                taken.add(k)
        if not clash:
            return
        todo = np.array(clash)


def _finish(rng: np.random.Generator, u: _Universe) -> None:
    """Turn the codes into text once the universe is final; give every company a domain."""
    u.brand = _brand_text(u.brand_code)
    u.brand2 = _brand_text(u.brand2_code)
    n = len(u.brand)
    ind_w = _s([w[0] for w in INDUSTRY_WORDS] + [""])[u.ind_idx]
    pre_w = _s([*PRE_WORDS, ""])[u.pre_idx]
    has_brand = u.brand_code >= 0
    base = np.where(has_brand, u.brand, np.strings.add(pre_w, ind_w)).astype(STR, copy=False)
    r = rng.random(n)
    with_word = (r < 0.25) & has_brand & (ind_w != "")
    base[with_word] = np.strings.add(base[with_word], ind_w[with_word])
    hyphen = (r < 0.025) & with_word
    base[hyphen] = _join(u.brand[hyphen], ind_w[hyphen], sep="-")
    base = np.strings.lower(base)
    tlds = _s([c[4] for c in _COUNTRIES])[u.country_idx]
    tlds[rng.random(n) < 0.65] = "com"
    u.domain = _distinct_domains(rng, np.strings.add(np.strings.add(base, "."), tlds))


def _distinct_domains(rng: np.random.Generator, domain: np.ndarray) -> np.ndarray:
    """Give every repeated domain after its first use a suffix ("-hq", "-online", ... "-7"),
    in one pass. Original domains never contain these suffixes, so the result is distinct."""
    codes = pa.array(domain.astype(object)).dictionary_encode().indices.to_numpy()
    n = len(codes)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    rank_sorted = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = rank_sorted
    again = np.flatnonzero(rank > 0)
    if not len(again):
        return domain
    domain = domain.copy()
    extra = _s(["-hq", "-online", "-global", "-inc", "-usa", "-intl"])
    r = rank[again]
    suffix = np.where(
        r <= len(extra), extra[np.minimum(r, len(extra)) - 1], np.strings.add("-", _int_str(r))
    )
    label, _, tld = np.strings.partition(domain[again], _s("."))
    domain[again] = np.strings.add(np.strings.add(np.strings.add(label, suffix), "."), tld)
    return domain


# --------------------------------------------------------------------------------------------
# Rendering one export
# --------------------------------------------------------------------------------------------

# Vocabularies with their trailing space: joining words is then plain concatenation.
_PRE_SP = _s([w + " " for w in PRE_WORDS] + [""])
_LONG_SP = _s(
    [w[0] + " " for w in LONG_WORDS]
    + [w[1] + " " if w[1] else w[0] + " " for w in LONG_WORDS]
    + [""]
)
_IND_SP = _s(
    [w[0] + " " for w in INDUSTRY_WORDS]
    + [w[1] + " " if w[1] else w[0] + " " for w in INDUSTRY_WORDS]
    + [""]
)
# Every spelling of every legal form, with the separator it takes (" Inc." or ", Inc.").
_LEGAL_FLAT = [f if f.startswith(",") else " " + f for k in LEGAL_KEYS for f in LEGAL_FORMS[k]]
_LEGAL_OFF = np.cumsum([0] + [len(LEGAL_FORMS[k]) for k in LEGAL_KEYS])[:-1]
_LEGAL_N = np.array([len(LEGAL_FORMS[k]) for k in LEGAL_KEYS])


def _typos(rng: np.random.Generator, words: np.ndarray) -> np.ndarray:
    """Swap, drop or insert one character; used on few rows, so a loop is cheap."""
    kinds = rng.integers(0, 3, len(words))
    pos = rng.random(len(words))
    letters = rng.choice(list("aeinorstl"), len(words))
    out = []
    for word, kind, pf, ch in zip(words.tolist(), kinds, pos, letters, strict=True):
        i = 1 + int(pf * (len(word) - 2))
        if kind == 0:
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == 1:
            word = word[:i] + word[i + 1 :]
        else:
            word = word[:i] + ch + word[i:]
        out.append(word)
    return _s(out)


def _names(rng: np.random.Generator, u: _Universe, idx: np.ndarray, v: Variation) -> np.ndarray:
    """One CRM's spelling of the companies ``idx``."""
    n = len(idx)
    brand = u.brand[idx]
    brands = pa.array(np.strings.lower(u.brand).astype(object))
    typo = np.flatnonzero((rng.random(n) < v.typo) & (np.strings.str_len(brand) >= 5))
    if len(typo):
        typed = _typos(rng, brand[typo])
        # A typo that spells another company's brand would make two companies one name.
        taken = pc.is_in(
            pa.array(np.strings.lower(typed).astype(object)), value_set=brands
        ).to_numpy(zero_copy_only=False)
        brand[typo[~taken]] = typed[~taken]
    brand_sp = np.strings.add(brand, " ")
    brand_sp[u.brand_code[idx] < 0] = ""
    brand2 = u.brand2[idx]
    brand2_sp = np.strings.add(brand2, " ")
    brand2_sp[brand2 == ""] = ""
    pre_sp = _PRE_SP[u.pre_idx[idx]]
    amp = u.amp[idx]
    amp_sp = np.full(n, "", dtype=STR)
    amp_sp[amp] = "& "
    amp_sp[amp & (rng.random(n) < v.and_for_ampersand)] = "and "
    n_long, n_ind = len(LONG_WORDS), len(INDUSTRY_WORDS)
    long_i, ind_i = u.long_idx[idx], u.ind_idx[idx]
    long_sp = _LONG_SP[
        np.where(long_i < 0, 2 * n_long, long_i + n_long * (rng.random(n) < v.abbreviate))
    ]
    ind_sp = _IND_SP[np.where(ind_i < 0, 2 * n_ind, ind_i + n_ind * (rng.random(n) < v.abbreviate))]

    # Registry order puts the surname first: "Schwab Charles Corp".
    person = u.person[idx]
    swap = person & (rng.random(n) < v.registry_order)
    first = pre_sp.copy()
    second = brand_sp.copy()
    first[swap] = brand_sp[swap]
    second[swap] = pre_sp[swap]
    core = first
    for part in (second, amp_sp, brand2_sp, long_sp, ind_sp):
        core = np.strings.add(core, part)
    core = np.strings.rstrip(core)

    # Acronyms of long names ("IBM" for International Business Machines).
    acro = np.flatnonzero(rng.random(n) < v.acronym * 3)
    if len(acro):
        initials = np.strings.upper(
            _join(
                *(
                    np.strings.slice(w[acro], 0, 1)
                    for w in (first, second, brand2_sp, long_sp, ind_sp)
                ),
                sep="",
            )
        )
        ok = (np.strings.str_len(initials) >= 3) & (rng.random(len(acro)) < 1 / 3)
        # An acronym that spells another company's brand ("SIS") would make two companies one.
        ok &= ~pc.is_in(
            pa.array(np.strings.lower(initials).astype(object)), value_set=brands
        ).to_numpy(zero_copy_only=False)
        core[acro[ok]] = initials[ok]

    the = np.flatnonzero((rng.random(n) < v.the_prefix) & ~person)
    core[the] = np.strings.add("The ", core[the])

    # Legal form: none, the canonical spelling, or another spelling of the same form.
    fam = u.legal_idx[idx]
    alt = rng.random(n) < v.other_legal_spelling / max(1e-9, 1 - v.no_legal_form)
    variant = np.where(alt, (rng.random(n) * _LEGAL_N[fam]).astype(int), 0)
    legal = _s(_LEGAL_FLAT)[_LEGAL_OFF[fam] + variant]
    legal[rng.random(n) < v.no_legal_form] = ""
    comma = np.flatnonzero((rng.random(n) < v.comma_before_legal) & (legal != ""))
    plain = ~np.strings.startswith(legal[comma], ",") & ~np.strings.startswith(legal[comma], " &")
    comma = comma[plain]
    legal[comma] = np.strings.add(",", legal[comma])

    # Squashed words: "ZorvaneLogistics", "BungeLtd".
    squash = np.flatnonzero(rng.random(n) < v.squash)
    core[squash] = np.strings.replace(core[squash], " ", "")
    legal[squash] = np.strings.replace(legal[squash], " ", "")
    name = np.strings.add(core, legal)

    sec = np.flatnonzero((u.country_idx[idx] == 0) & (rng.random(n) < v.sec_suffix))
    name[sec] = np.strings.add(name[sec], " /DE/")
    r = rng.random(n)
    upper = np.flatnonzero(r < v.upper_case)
    name[upper] = np.strings.upper(name[upper])
    lower = np.flatnonzero((r >= v.upper_case) & (r < v.upper_case + v.lower_case))
    name[lower] = np.strings.lower(name[lower])
    return name


def _websites(
    rng: np.random.Generator,
    u: _Universe,
    idx: np.ndarray,
    websites: float,
    v: Variation,
    shared_row: np.ndarray,
    domain_only: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Website cells (odd shapes included) and the bare domain a HubSpot-like column holds."""
    n = len(idx)
    domain = u.domain[idx].copy()
    brand = np.strings.lower(u.brand[idx])
    if not domain_only:
        # A subsidiary or regional site on another domain.
        sub = shared_row & (rng.random(n) < v.subsidiary_domain) & (brand != "")
        regional = _s(["-europe.com", ".de", "group.com", "-usa.com", ".co.uk", "-intl.com"])
        domain[sub] = np.strings.add(brand[sub], regional[rng.integers(0, 6, int(sub.sum()))])
    has = rng.random(n) < websites
    tiny = u.employees[idx] < 10
    gmail = ~np.asarray(domain_only) & tiny & (rng.random(n) < 0.3)
    shape = rng.choice(
        11, size=n, p=[0.30, 0.22, 0.10, 0.14, 0.07, 0.04, 0.03, 0.03, 0.02, 0.01, 0.04]
    )
    # Each odd shape is built on its own rows only: cheap when a shape is rare.
    w = domain.copy()
    shapes = (
        (1, "www.", ""),
        (2, "http://www.", ""),
        (3, "https://www.", ""),
        (4, "https://", "/"),
        (5, "https://www.", "/en-us/about"),
        (7, "info@", ""),
        (8, "", "/"),
        (9, "https://investors.", ""),
        (10, "http://", ""),
    )
    for code, before, after in shapes:
        sel = shape == code
        cell = np.strings.add(before, domain[sel]) if before else domain[sel]
        w[sel] = np.strings.add(cell, after) if after else cell
    sel = shape == 6
    w[sel] = np.strings.upper(np.strings.add("www.", domain[sel]))
    k = int(gmail.sum())
    if k:
        mail = _s(GENERIC_MAIL)[rng.integers(0, len(GENERIC_MAIL), k)]
        gbrand = brand[gmail]
        user = np.strings.add(
            np.where(gbrand != "", gbrand, "office").astype(STR, copy=False), ".office@"
        )
        w[gmail] = np.where(rng.random(k) < 0.5, np.strings.add(user, mail), mail)
    w[~has] = ""
    bare = domain
    bare[gmail | ~has] = ""
    return w, bare


def _revenue_cells(rng, values: np.ndarray, style: str, country_idx: np.ndarray) -> np.ndarray:
    """Annual revenue as people type it: 1200000, 1,200,000, $1.2M, 1200k, 1.200.000,00 €."""
    n = len(values)
    out = _int_str(values)
    if style in ("sfdc-export", "hubspot"):
        shapes = rng.choice(3, size=n, p=[0.9, 0.07, 0.03])
    else:
        shapes = rng.choice(6, size=n, p=[0.25, 0.3, 0.15, 0.1, 0.15, 0.05])
    sel = shapes == 1
    out[sel] = _commas(values[sel])
    sel = (shapes == 2) & (values >= 1_000_000)
    out[sel] = np.strings.add(np.strings.add("$", _one_decimal(values[sel] / 1e6)), "M")
    sel = (shapes == 3) | ((shapes == 2) & (values < 1_000_000))
    out[sel] = np.strings.add(_int_str(np.rint(values[sel] / 1e3)), "k")
    sel = shapes == 4
    out[sel] = np.strings.add("$", _commas(values[sel]))
    sel = (shapes == 5) & (country_idx != 0)
    out[sel] = np.strings.add(np.strings.replace(_commas(values[sel]), ",", "."), ",00 €")
    return out


def _ids(rng: np.random.Generator, style: str, n: int, salt: int) -> np.ndarray:
    if style in ("salesforce", "sfdc-export"):
        start = int(rng.integers(10**8, 10**10)) + salt
        return np.strings.add("0015g00000", _base62(start + np.arange(n), 8))
    if style == "hubspot":
        return _int_str(int(rng.integers(10**9, 5 * 10**9)) + np.cumsum(rng.integers(1, 900, n)))
    if style == "dynamics":
        return np.strings.add("ACC-", _pad(int(rng.integers(1, 10**5)) + np.arange(n), 7))
    if style == "pipedrive":
        return _int_str(1 + np.cumsum(rng.integers(1, 4, n)))
    return np.strings.add("A", _pad(1 + np.arange(n), 7))


def _guids(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = _fixed_width(rng.bytes(16 * n).hex().encode(), 32)
    parts = [
        np.strings.slice(raw, a, b) for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
    ]
    return _join(*parts, sep="-")


def _people(rng: np.random.Generator, k: int) -> list[str]:
    given = rng.choice(GIVEN_NAMES, k)
    family = rng.choice(SURNAMES, k)
    return [f"{g} {f}" for g, f in zip(given, family, strict=True)]


def _render(
    rng: np.random.Generator,
    u: _Universe,
    idx: np.ndarray,
    shared_row: np.ndarray,
    *,
    style: str,
    websites: float,
    variation: Variation,
    stage_mix: Sequence[float],
    deal_share: float,
    domain_only: bool,
    salt: int,
) -> Columns:
    """One export: columns in the CRM's own header order, rows in ``idx`` order."""
    n = len(idx)
    v = variation
    need = set(HEADERS[style])
    f: dict[str, np.ndarray] = {}
    f["id"] = _ids(rng, style, n, salt)
    f["name"] = _names(rng, u, idx, v)
    f["website"], f["domain"] = _websites(rng, u, idx, websites, v, shared_row, domain_only)

    # Stages: larger companies are more often customers.
    big = u.employees[idx] > 500
    mix = np.asarray(stage_mix, dtype=float)
    mix = mix / mix.sum()
    r = rng.random(n) - np.where(big, 0.15, 0.0)
    canon = np.searchsorted(np.cumsum(mix), np.clip(r, 0, 0.999999), side="right")
    canon = np.where(big & (r < 0), 1, canon)  # the boost lands on "customer"
    stage = np.empty(n, dtype=STR)
    vocab = STAGE_VOCAB[style]
    for si, s in enumerate(STAGES):
        sel = canon == si
        raws, weights = zip(*vocab[s], strict=True)
        stage[sel] = _pick(rng, raws, int(sel.sum()), weights)
    f["stage"] = stage

    industry = u.industry[idx].copy()
    r = rng.random(n)
    other = r < v.other_industry
    industry[other] = rng.integers(0, len(INDUSTRY_LIST), int(other.sum()))
    industry[(r >= v.other_industry) & (r < v.other_industry + v.no_industry)] = -1
    if style == "hubspot":
        labels = [HUBSPOT_INDUSTRY[i] for i in INDUSTRY_LIST]
    else:
        labels = list(INDUSTRY_LIST)
    f["industry"] = _s([*labels, ""])[industry]

    country_idx = u.country_idx[idx]
    has_rev = rng.random(n) < 0.8
    f["revenue"] = np.full(n, "", dtype=STR)
    f["revenue"][has_rev] = _revenue_cells(
        rng, u.revenue[idx][has_rev], style, country_idx[has_rev]
    )
    has_emp = rng.random(n) < 0.85
    f["employees"] = np.full(n, "", dtype=STR)
    f["employees"][has_emp] = _int_str(u.employees[idx][has_emp])

    # Country: mostly the full name, sometimes the ISO code or another spelling, or nothing.
    spellings = _s(
        [c[0] for c in _COUNTRIES]
        + [c[1] for c in _COUNTRIES]
        + [c[2].split("|")[0] for c in _COUNTRIES]
        + [""]
    )
    n_c = len(_COUNTRIES)
    rc = rng.random(n)
    form = np.where(rc < 0.06, 1, np.where(rc < 0.10, 2, 0))
    pick = country_idx + n_c * form
    pick[rc > 1 - v.no_country] = 3 * n_c
    f["country"] = spellings[pick]
    city = u.city[idx]
    odd = np.flatnonzero(rng.random(n) < v.odd_city)
    # A branch office: another company's city in the same country would be costly to find;
    # another company's city anywhere is close enough for a few rows.
    city[odd] = u.city[rng.integers(0, len(u.city), len(odd))]
    f["city"] = city

    owners = _people(rng, 40)
    if style == "sfdc-export":
        owners = np.strings.add("0055g00000", _base62(rng.integers(10**6, 10**9, 40), 8)).tolist()
    weights = 1 / np.arange(1, 41)
    f["owner"] = _pick(rng, [*owners, ""], n, [*weights, weights.sum() * 0.03])

    # First touch: older for customers, recent for prospects.
    created = _dates(rng, n, "2014-01-01", "2026-10-31")
    f["created"] = _format_dates(rng, created, style, with_time=True)
    if "activity" in need:
        has_activity = rng.random(n) < 0.7
        activity = _dates(rng, int(has_activity.sum()), "2025-01-01", "2026-11-20")
        f["activity"] = np.full(n, "", dtype=STR)
        f["activity"][has_activity] = _format_dates(rng, activity, style, False)

    has_deal = (canon <= 1) & (rng.random(n) < deal_share / max(1e-9, mix[0] + mix[1]))
    k = int(has_deal.sum())
    amount = np.maximum(np.rint(np.exp(rng.normal(10.5, 1.1, k)) / 500) * 500, 1000)
    amount = amount.astype(np.int64)
    deal_cells = _int_str(amount)
    if style not in ("sfdc-export", "hubspot"):
        shapes = rng.random(k)
        sel = shapes < 0.5
        deal_cells[sel] = np.strings.add("$", _commas(amount[sel]))
        sel = shapes > 0.9
        deal_cells[sel] = np.strings.add(_int_str(np.rint(amount[sel] / 1000)), "k")
    f["deal"] = np.full(n, "", dtype=STR)
    f["deal"][has_deal] = deal_cells
    close = _dates(rng, int(has_deal.sum()), "2026-11-27", "2027-12-31")
    f["close"] = np.full(n, "", dtype=STR)
    f["close"][has_deal] = _format_dates(rng, close, style, False)

    pri = _pick(rng, ["High", "Medium", "Low", ""], n, [0.15, 0.3, 0.25, 0.3])
    f["priority"] = np.strings.lower(pri) if style == "plain" else pri
    if "phone" in need:
        area = _s([f"({a}) {b}-" for a in range(201, 990, 7) for b in range(200, 999, 13)])
        last = _s([f"{x:04d}" for x in range(10_000)])
        f["phone"] = np.strings.add(
            area[rng.integers(0, len(area), n)], last[rng.integers(0, 10_000, n)]
        )
    if "deleted" in need:
        f["deleted"] = np.full(n, "false", dtype=STR)
    if "guid" in need:
        f["guid"] = _guids(rng, n)
        f["checksum"] = _fixed_width(base64.b64encode(rng.bytes(18 * n)), 24)
        modified = _dates(rng, n, "2026-06-01", "2026-11-20")
        f["modified"] = _format_dates(rng, modified, "dynamics", True)

    return {header: f[field] for field, header in HEADERS[style].items()}


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass
class Generated:
    """Both exports as header -> column arrays, the true pairs, and the styles used."""

    ours: Columns
    partner: Columns
    truth: pd.DataFrame
    style_ours: str
    style_partner: str


def _plan(
    n_ours: int,
    n_partner: int,
    shared: float,
    *,
    seed: int = 0,
    websites: float = 0.8,
    style_ours: str = "salesforce",
    style_partner: str = "hubspot",
    domain_only: bool = False,
    duplicates: float = 0.02,
    hard_negatives: float = 0.1,
    variation: Variation | None = None,
    stage_mix_ours: Sequence[float] = DEFAULT_STAGE_MIX,
    stage_mix_partner: Sequence[float] = DEFAULT_STAGE_MIX,
    deal_share: float = 0.15,
    fields: Sequence[str] = (),
) -> _Plan:
    """The universe of companies and which of them each export holds, in row order."""
    for style in (style_ours, style_partner):
        if style not in STYLES:
            raise ValueError(f"unknown CRM style {style!r}; choose one of {', '.join(STYLES)}")
    if not 0 <= shared <= 1:
        raise ValueError("shared must be a fraction between 0 and 1")
    rng = np.random.default_rng(seed)
    v = variation or Variation()
    if domain_only:
        websites = 1.0

    n_shared = round(shared * min(n_ours, n_partner))
    # Duplicates of shared companies inside one CRM: two rows, both true pairs.
    dup_p = min(int(n_shared * duplicates), n_partner - n_shared)
    dup_o = min(int(n_shared * duplicates / 2), n_ours - n_shared)
    only_o = n_ours - n_shared - dup_o
    only_p = n_partner - n_shared - dup_p
    total = n_shared + only_o + only_p
    u = _universe(rng, total)
    _distinct_names(rng, u)

    shared_idx = np.arange(n_shared)
    ours_only = np.arange(n_shared, n_shared + only_o)
    partner_only = np.arange(n_shared + only_o, total)

    # Hard negatives: partner-only companies that reuse an ours-only brand in another business.
    k_hard = min(int(only_p * hard_negatives), only_o)
    if k_hard:
        src = rng.choice(ours_only, k_hard, replace=False)
        dst = partner_only[:k_hard]
        u.brand_code[dst] = u.brand_code[src]
        keep_pre = (rng.random(k_hard) < 0.5) & (u.pre_idx[src] < len(COMMON_WORDS))
        u.pre_idx[dst] = np.where(keep_pre, u.pre_idx[src], -1)
        new_ind = (u.ind_idx[src] + rng.integers(1, len(INDUSTRY_WORDS), k_hard)) % len(
            INDUSTRY_WORDS
        )
        word_industry = np.array(
            [INDUSTRY_LIST.index(w[2]) if w[2] else -1 for w in INDUSTRY_WORDS]
        )[new_ind]
        u.ind_idx[dst] = new_ind
        u.long_idx[dst] = -1
        u.amp[dst] = False
        u.brand2_code[dst] = -1
        u.person[dst] = False
        u.industry[dst] = np.where(word_industry >= 0, word_industry, u.industry[dst])
        _distinct_names(rng, u)
    _finish(rng, u)

    ours_idx = np.concatenate(
        [
            shared_idx,
            rng.choice(shared_idx, dup_o, replace=False) if dup_o else shared_idx[:0],
            ours_only,
        ]
    )
    partner_idx = np.concatenate(
        [
            shared_idx,
            rng.choice(shared_idx, dup_p, replace=False) if dup_p else shared_idx[:0],
            partner_only,
        ]
    )
    ours_idx = ours_idx[rng.permutation(len(ours_idx))]
    partner_idx = partner_idx[rng.permutation(len(partner_idx))]

    sides = {
        "ours": _Side(ours_idx, style_ours, tuple(stage_mix_ours), 0, 1),
        "partner": _Side(partner_idx, style_partner, tuple(stage_mix_partner), 10**7, 2),
    }
    return _Plan(u, n_shared, sides, seed, websites, v, deal_share, domain_only, tuple(fields))


@dataclass
class _Side:
    idx: np.ndarray  # the company of every row, in row order
    style: str
    stage_mix: tuple[float, ...]
    salt: int
    stream: int  # each side draws from its own random stream, so sides can render in parallel


@dataclass
class _Plan:
    """Everything both exports are rendered from."""

    u: _Universe
    n_shared: int
    sides: dict[str, _Side]
    seed: int
    websites: float
    variation: Variation
    deal_share: float
    domain_only: bool
    fields: tuple[str, ...] = ()  # the fields (HEADERS keys) the exports keep; () for all


def _render_side(plan: _Plan, side: str) -> Columns:
    s = plan.sides[side]
    columns = _render(
        np.random.default_rng([plan.seed, s.stream]),
        plan.u,
        s.idx,
        s.idx < plan.n_shared,
        style=s.style,
        websites=plan.websites,
        variation=plan.variation,
        stage_mix=s.stage_mix,
        deal_share=plan.deal_share,
        domain_only=plan.domain_only,
        salt=s.salt,
    )
    if not plan.fields:
        return columns
    return {HEADERS[s.style][f]: columns[HEADERS[s.style][f]] for f in plan.fields}


def _truth(plan: _Plan, our_ids: Sequence[str], partner_ids: Sequence[str]) -> pd.DataFrame:
    ours, partner = plan.sides["ours"], plan.sides["partner"]
    left = pd.DataFrame({"company": ours.idx, "our_id": np.asarray(our_ids, dtype=object)})
    right = pd.DataFrame(
        {"company": partner.idx, "partner_id": np.asarray(partner_ids, dtype=object)}
    )
    left = left[left["company"] < plan.n_shared]
    right = right[right["company"] < plan.n_shared]
    truth = left.merge(right, on="company").sort_values(["company", "our_id", "partner_id"])
    return truth[["our_id", "partner_id"]].reset_index(drop=True).astype(str)


def generate_columns(n_ours: int, n_partner: int, shared: float, **options) -> Generated:
    """Like :func:`generate`, but columns stay numpy string arrays (fast for big files)."""
    plan = _plan(n_ours, n_partner, shared, **options)
    ours = _render_side(plan, "ours")
    partner = _render_side(plan, "partner")
    so, sp = plan.sides["ours"].style, plan.sides["partner"].style
    truth = _truth(plan, ours[ID_HEADER[so]].tolist(), partner[ID_HEADER[sp]].tolist())
    return Generated(ours, partner, truth, so, sp)


def generate(
    n_ours: int,
    n_partner: int,
    shared: float,
    *,
    seed: int = 0,
    websites: float = 0.8,
    style_ours: str = "salesforce",
    style_partner: str = "hubspot",
    domain_only: bool = False,
    **options,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Our export, the partner's export and the true pairs, as DataFrames.

    ``shared`` is the fraction of the smaller side's companies that both CRMs hold. The exports
    carry the headers of their CRM style (``STYLES``, ``HEADERS``); ``truth`` has the columns
    ``our_id`` and ``partner_id`` (each side's external id column: see ``ID_HEADER``).
    ``websites`` is the share of rows with a website; ``domain_only`` gives every row a website
    and every true pair one domain. Further options: ``fields`` (keep only these ``HEADERS``
    keys), ``duplicates`` (share of shared companies with a second row in the partner's CRM;
    half as many in ours), ``hard_negatives`` (share of
    partner-only companies that reuse an ours-only brand in another business),
    ``variation`` (a :class:`Variation`: how often each spelling difference appears),
    ``stage_mix_ours`` / ``stage_mix_partner`` (prospect, customer, churned, other) and
    ``deal_share`` (share of rows with an open deal).
    """
    g = generate_columns(
        n_ours,
        n_partner,
        shared,
        seed=seed,
        websites=websites,
        style_ours=style_ours,
        style_partner=style_partner,
        domain_only=domain_only,
        **options,
    )
    return _frame(g.ours), _frame(g.partner), g.truth


def _frame(columns: Columns) -> pd.DataFrame:
    return pd.DataFrame({h: pd.array(c.astype(object), dtype="str") for h, c in columns.items()})


# --------------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------------


def salesforce_footer(n_rows: int, company: str = "Acme Corp", user: str = "Jane Doe") -> list[str]:
    """The lines a Salesforce report export ends with."""
    return [
        "",
        f'"Grand Totals ({n_rows:,} records)"',
        "",
        '"Confidential Information - Do Not Distribute"',
        '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."',
        f'"Generated By:  {user}  11/26/2026 6:51 AM"',
        f'"{company}"',
    ]


def _csv_rows(columns: Columns, sep: str, quote_all: bool, newline: str) -> str:
    """CSV lines of the given rows: quoting is decided per column with vectorized checks."""
    cells = []
    for col in columns.values():
        quote = np.strings.find(col, '"') >= 0
        if quote.any():
            col = col.copy()
            col[quote] = np.strings.replace(col[quote], '"', '""')
        if not quote_all:
            needs = quote | (np.strings.find(col, sep) >= 0) | (np.strings.find(col, "\n") >= 0)
            if needs.any():
                col = col.copy()
                col[needs] = np.strings.add(np.strings.add('"', col[needs]), '"')
        cells.append(col.tolist())
    glue = f'"{sep}"' if quote_all else sep
    rows = map(glue.join, zip(*cells, strict=True))
    if quote_all:
        rows = (f'"{row}"' for row in rows)
    return "".join(row + newline for row in rows)


_CHUNK = 100_000  # rows per write: memory stays flat whatever the file size


def write_export(
    columns: Columns,
    path: Path,
    *,
    fmt: str = "csv",
    encoding: str = "utf-8",
    footer: Sequence[str] | None = None,
    quote_all: bool = False,
    hidden_columns: int = 0,
) -> Path:
    """Write one export the way its CRM writes it. UTF-16 files are tab-separated (Excel's
    "Unicode text"); cp1252 replaces characters it cannot encode."""
    path = Path(path)
    if fmt == "xlsx":
        _write_xlsx(columns, path, hidden_columns)
        return path
    sep = "\t" if encoding == "utf-16" else ","
    newline = "\r\n" if quote_all or encoding in ("utf-16", "cp1252") else "\n"
    codec, bom = {
        "utf-8": ("utf-8", b""),
        "utf-8-sig": ("utf-8", b"\xef\xbb\xbf"),
        "utf-16": ("utf-16-le", b"\xff\xfe"),
        "cp1252": ("cp1252", b""),
    }[encoding]
    n = len(next(iter(columns.values()))) if columns else 0
    header = sep.join(f'"{h}"' if quote_all or sep in h or '"' in h else h for h in columns)
    with path.open("wb") as out:
        out.write(bom + (header + newline).encode(codec, errors="replace"))
        for start in range(0, n, _CHUNK):
            chunk = {h: c[start : start + _CHUNK] for h, c in columns.items()}
            text = _csv_rows(chunk, sep, quote_all, newline)
            out.write(text.encode(codec, errors="replace"))
        if footer:
            out.write((newline.join(footer) + newline).encode(codec, errors="replace"))
    return path


_NUMERIC_HEADERS = {
    "Employees",
    "NumberOfEmployees",
    "Number of Employees",
    "employees",
    "AnnualRevenue",
    "Record ID",
    "Organization - ID",
    "Organization - Number of employees",
}


def _write_xlsx(columns: Columns, path: Path, hidden_columns: int) -> None:
    import xlsxwriter

    headers = list(columns)
    numeric = [h in _NUMERIC_HEADERS for h in headers]
    wb = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    ws = wb.add_worksheet("Account" if hidden_columns else "Sheet1")
    if hidden_columns:
        ws.set_column(0, hidden_columns - 1, None, None, {"hidden": True})
    ws.write_row(0, 0, headers)
    cols = [columns[h].tolist() for h in headers]
    for r, row in enumerate(zip(*cols, strict=True), start=1):
        for c, value in enumerate(row):
            if numeric[c] and value.isdigit():
                ws.write_number(r, c, int(value))
            elif value:
                ws.write_string(r, c, value)
    wb.close()


def _write_side(
    columns: Columns, style: str, path: Path, fmt: str, encoding: str, footer: bool
) -> Path:
    n = len(next(iter(columns.values())))
    return write_export(
        columns,
        path,
        fmt=fmt,
        encoding=encoding,
        footer=salesforce_footer(n) if footer and style == "salesforce" else None,
        quote_all=style == "salesforce",
        hidden_columns=3 if style == "dynamics" else 0,
    )


def write_dataset(
    g: Generated,
    out: Path,
    *,
    fmt: str = "csv",
    encoding: str = "utf-8",
    footer: bool = True,
) -> dict[str, Path]:
    """Write ``ours.<ext>``, ``partner.<ext>`` and ``truth.csv`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "ours": _write_side(g.ours, g.style_ours, out / f"ours.{fmt}", fmt, encoding, footer),
        "partner": _write_side(
            g.partner, g.style_partner, out / f"partner.{fmt}", fmt, encoding, footer
        ),
        "truth": out / "truth.csv",
    }
    g.truth.to_csv(paths["truth"], index=False)
    return paths


# Set in the parent just before forking, read by the workers: the plan is shared, not pickled.
_FORKED: dict[str, object] = {}


def _render_and_write(side: str) -> list[str]:
    plan = _FORKED["plan"]
    assert isinstance(plan, _Plan)
    out, fmt, encoding, footer = _FORKED["args"]  # type: ignore[misc]
    columns = _render_side(plan, side)
    style = plan.sides[side].style
    _write_side(columns, style, Path(out) / f"{side}.{fmt}", fmt, encoding, footer)
    return columns[ID_HEADER[style]].tolist()


def generate_files(
    n_ours: int,
    n_partner: int,
    shared: float,
    out: Path,
    *,
    fmt: str = "csv",
    encoding: str = "utf-8",
    footer: bool = True,
    **options,
) -> dict[str, Path]:
    """Generate and write a dataset; the two exports are rendered and written in parallel
    where the platform can fork (same bytes as :func:`generate_columns` + :func:`write_dataset`).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plan = _plan(n_ours, n_partner, shared, **options)
    _FORKED.update(plan=plan, args=(out, fmt, encoding, footer))
    try:
        if "fork" in mp.get_all_start_methods() and n_ours + n_partner > 50_000:
            with mp.get_context("fork").Pool(2) as pool:
                our_ids, partner_ids = pool.map(_render_and_write, ["ours", "partner"])
        else:
            our_ids = _render_and_write("ours")
            partner_ids = _render_and_write("partner")
    finally:
        _FORKED.clear()
    truth_path = out / "truth.csv"
    _truth(plan, our_ids, partner_ids).to_csv(truth_path, index=False)
    return {"ours": out / f"ours.{fmt}", "partner": out / f"partner.{fmt}", "truth": truth_path}


# --------------------------------------------------------------------------------------------
# The demo exports committed in resources/demo
# --------------------------------------------------------------------------------------------

DEMO_SEED = 20261126
REPO = Path(__file__).resolve().parent.parent


DEMO_OPTIONS: dict[str, Any] = {
    "seed": DEMO_SEED,
    "websites": 0.85,
    "style_ours": "salesforce",
    "style_partner": "hubspot",
    # Acme sells to many prospects; Globex has a larger installed base.
    "stage_mix_ours": (0.55, 0.30, 0.08, 0.07),
    "stage_mix_partner": (0.45, 0.40, 0.10, 0.05),
    "deal_share": 0.2,
}


def _second_partner(plan: _Plan) -> Columns:
    """Northwind's Pipedrive export: a smaller partner of Acme drawn from the same companies.

    Some of Acme's accounts that Globex also has (so the two partners meet on them), some that
    only Acme has, and some of Globex's own that Acme does not have.
    """
    rng = np.random.default_rng([plan.seed, 3])
    ours = np.unique(plan.sides["ours"].idx)
    theirs = np.unique(plan.sides["partner"].idx)
    with_globex = np.intersect1d(ours, theirs)
    acme_only = np.setdiff1d(ours, theirs)
    globex_only = np.setdiff1d(theirs, ours)
    idx = np.concatenate(
        [
            rng.choice(with_globex, 90, replace=False),
            rng.choice(acme_only, 70, replace=False),
            rng.choice(globex_only, 80, replace=False),
        ]
    )
    idx = idx[rng.permutation(len(idx))]
    return _render(
        rng,
        plan.u,
        idx,
        np.isin(idx, ours),
        style="pipedrive",
        websites=plan.websites,
        variation=plan.variation,
        stage_mix=(0.45, 0.40, 0.10, 0.05),
        deal_share=plan.deal_share,
        domain_only=plan.domain_only,
        salt=2 * 10**7,
    )


def write_demo(
    out: Path = REPO / "resources" / "demo", truth: Path | None = None
) -> dict[str, Path]:
    """Acme Corp's Salesforce report (ours), Globex's HubSpot export (its main partner) and
    Northwind's Pipedrive export (a second, smaller partner)."""
    g = generate_columns(1200, 900, 1 / 3, **DEMO_OPTIONS)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ours = write_export(
        g.ours,
        out / "acme_salesforce.csv",
        quote_all=True,
        footer=salesforce_footer(1200, "Acme Corp", "Dana Whitfield"),
    )
    partner = write_export(g.partner, out / "globex_hubspot.csv", encoding="utf-8-sig")
    second = write_export(
        _second_partner(_plan(1200, 900, 1 / 3, **DEMO_OPTIONS)), out / "northwind_pipedrive.csv"
    )
    truth_path = Path(truth) if truth else REPO / "bench" / "data" / "demo_truth.csv"
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    g.truth.to_csv(truth_path, index=False)
    return {"ours": ours, "partner": partner, "second": second, "truth": truth_path}


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ours", type=int, default=1000, help="rows in our export")
    p.add_argument("--partner", type=int, default=1000, help="rows in the partner's export")
    p.add_argument(
        "--shared",
        type=float,
        default=0.3,
        help="fraction of the smaller side's companies both CRMs hold",
    )
    p.add_argument("--out", type=Path, required=True, help="folder for ours/partner/truth")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--websites", type=float, default=0.8, help="fraction of rows with a website")
    p.add_argument("--style-ours", choices=STYLES, default="salesforce")
    p.add_argument("--style-partner", choices=STYLES, default="hubspot")
    p.add_argument("--format", choices=FORMATS, default="csv")
    p.add_argument("--encoding", choices=ENCODINGS, default="utf-8")
    p.add_argument("--no-footer", action="store_true", help="no Salesforce report footer")
    p.add_argument(
        "--domain-only",
        action="store_true",
        help="every row has a website and every true pair shares a domain",
    )
    p.add_argument(
        "--fields",
        nargs="+",
        default=(),
        metavar="FIELD",
        help="keep only these fields, e.g. --fields id website (a list of web domains)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="write the demo exports (Acme / Globex / Northwind) into --out and "
        "bench/data/demo_truth.csv",
    )
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    if a.demo:
        paths = write_demo(a.out)
    else:
        paths = generate_files(
            a.ours,
            a.partner,
            a.shared,
            a.out,
            fmt=a.format,
            encoding=a.encoding,
            footer=not a.no_footer,
            seed=a.seed,
            websites=a.websites,
            style_ours=a.style_ours,
            style_partner=a.style_partner,
            domain_only=a.domain_only,
            fields=a.fields,
        )
        pairs = sum(1 for _ in paths["truth"].open()) - 1
        print(f"{a.ours:,} + {a.partner:,} rows, {pairs:,} true pairs")
    for name, path in paths.items():
        print(f"{name}: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"total {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
