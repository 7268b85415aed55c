"""Name keys: the same company written two ways gets the same key, and no key is ever empty."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.keys.names import acronym, name_key, name_keys


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # NFKC and case
        ("ＩＢＭ", "IBM"),
        ("ACME TOOLS", "acme tools"),
        # accents, German umlauts and ß, Nordic letters, Turkish dotted and dotless I
        ("Nestlé S.A.", "Nestle"),
        ("Müller GmbH", "MULLER AG"),
        ("Großhandel Weiß GmbH", "Grosshandel Weiss"),
        ("Ørsted A/S", "Orsted"),
        ("İstanbul Holding A.Ş.", "ISTANBUL HOLDING"),
        ("Işık Yazılım", "Isik Yazilim"),
        # & and "and"
        ("Procter & Gamble", "Procter and Gamble"),
        ("Johnson&Johnson", "Johnson and Johnson"),
        # punctuation, possessives, initials
        ("Lowe's", "Lowes"),
        ("Lowe’s", "Lowes"),
        ("C.H. Robinson Worldwide", "C. H. Robinson Worldwide"),
        ("C.H. Robinson Worldwide", "CH Robinson Worldwide"),
        ("Amazon.com, Inc.", "AMAZON COM INC"),
        # legal forms of many countries
        ("Acme Inc.", "Acme"),
        ("Acme Incorporated", "Acme"),
        ("Acme Corp.", "Acme Corporation"),
        ("Acme, LLC", "Acme L.L.C."),
        ("Acme Ltd", "Acme Limited"),
        ("Acme PLC", "Acme"),
        ("Bosch GmbH & Co. KG", "Bosch"),
        ("Siemens AG", "Siemens"),
        ("Danone S.A.", "Danone SA"),
        ("Grupo Bimbo, S.A.B. de C.V.", "Grupo Bimbo"),
        ("Cemex S.A. de C.V.", "Cemex"),
        ("Vinedos Nalda S.L.U.", "Vinedos Nalda"),
        ("Abbott Labs", "Abbott Laboratories"),
        ("Dow Chemicals Inc", "Dow Chem"),
        ("Telefonica de Espana S.A.U.", "Telefonica de Espana"),
        ("Capgemini SAS", "Capgemini SARL"),
        ("Philips N.V.", "Philips B.V."),
        ("Nokia Oyj", "Nokia Oy"),
        ("Volvo AB", "Volvo"),
        ("Maersk A/S", "Maersk"),
        ("BHP Pty Ltd", "BHP"),
        ("Toyota KK", "Toyota"),
        ("Ford Motor Co.", "Ford Motor Company"),
        ("PT Telkom Indonesia Tbk", "Telkom Indonesia"),
        # SEC-style annotations and "The"
        ("DANAHER CORP /DE/", "Danaher Corporation"),
        # registry marks after a space: "INC / MA"
        ("VERTEX PHARMACEUTICALS INC / MA", "Vertex Pharmaceuticals"),
        ("Acme Corp / DE /", "Acme"),
        # a glued "Corp" is part of a brand the registry writes in one word
        ("KeyCorp", "KEYCORP /NEW/"),
        ("LabCorp", "LABCORP"),
        ("Procter & Gamble Co (The)", "The Procter & Gamble Company"),
        ("Alphabet Inc. (Class A)", "Alphabet"),
        ("Gap, The", "The Gap Inc."),
        ("The Home Depot", "Home Depot, Inc."),
        # abbreviations
        ("Acme Intl", "Acme International"),
        ("Acme Int'l", "Acme International"),
        ("Acme Mfg", "Acme Manufacturing"),
        ("Warner Bros.", "Warner Brothers"),
        ("Acme Tech", "Acme Technologies"),
        ("Acme Svcs", "Acme Services"),
        # squashed words and glued legal forms
        ("BungeLtd", "Bunge Ltd."),
        # Japanese legal forms before or after the name, full-width brackets
        ("トヨタ自動車株式会社", "トヨタ自動車(株)"),
        ("トヨタ自動車株式会社", "トヨタ自動車（株）"),
        ("株式会社日立製作所", "日立製作所"),
    ],
)
def test_same_company_same_key(first: str, second: str) -> None:
    assert name_key(first) == name_key(second)
    assert name_key(first) != ""


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Lowe's Companies, Inc.", "lowes"),
        ("C.H. Robinson Worldwide, Inc.", "ch robinson worldwide"),
        ("Hunt J B Transport Services Inc", "hunt jb transport services"),
        ("Müller GmbH & Co. KG", "muller"),
        ("İstanbul", "istanbul"),
        ("3M Co", "3m"),
        ("トヨタ自動車株式会社", "トヨタ自動車"),
    ],
)
def test_exact_keys(name: str, key: str) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize(
    "name", ["Inc.", "The Company", "Co", "GmbH", "AG", "???", "The Inc.", "The Co"]
)
def test_never_reduced_to_nothing_or_the(name: str) -> None:
    key = name_key(name)
    assert key.strip() != ""
    assert key != "the"


def test_a_name_that_is_only_the_stays() -> None:
    assert name_key("The") == "the"


def test_missing_and_empty_names() -> None:
    assert name_key(None) == ""
    assert name_key("") == ""


def test_different_companies_keep_different_keys() -> None:
    assert name_key("Delta Air Lines") != name_key("Delta Dental")
    assert name_key("Acme UK") != name_key("Acme")  # a place tag is not a legal form


def test_vectorized_keeps_order_and_index() -> None:
    names = pd.Series(["Acme Inc", None, "Acme Inc", "Globex GmbH"], index=[10, 11, 12, 13])
    keys = name_keys(names)
    assert keys.tolist() == ["acme", "", "acme", "globex"]
    assert keys.index.tolist() == [10, 11, 12, 13]
    assert name_keys(pd.Series([], dtype=object)).empty


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("International Business Machines Corp", "ibm"),
        ("Bank of America Corporation", "ba"),
        ("Acme", ""),
    ],
)
def test_acronyms_use_significant_words(name: str, initials: str) -> None:
    assert acronym(name_key(name)) == initials
