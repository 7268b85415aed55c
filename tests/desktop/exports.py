"""Small CRM exports shaped like Salesforce and HubSpot files, written for the desktop tests."""

from __future__ import annotations

import csv
from pathlib import Path

COMPANIES = [
    ("Zoetis Inc.", "zoetis.com", "Pharmaceuticals", "United States"),
    ("Lowe's Companies, Inc.", "lowes.com", "Retail", "United States"),
    ("C.H. Robinson Worldwide", "chrobinson.com", "Logistics", "United States"),
    ("Abbott Laboratories", "abbott.com", "Healthcare", "United States"),
    ("Siemens AG", "siemens.com", "Industrial", "Germany"),
    ("Nestlé S.A.", "nestle.com", "Food", "Switzerland"),
    ("Unilever PLC", "unilever.com", "Consumer goods", "United Kingdom"),
    ("Toyota Motor Corporation", "toyota-global.com", "Automotive", "Japan"),
    ("Banco Santander S.A.", "santander.com", "Banking", "Spain"),
    ("Schneider Electric SE", "se.com", "Industrial", "France"),
    ("Atlassian Corporation", "atlassian.com", "Software", "Australia"),
    ("Shopify Inc.", "shopify.com", "Software", "Canada"),
    ("Ericsson AB", "ericsson.com", "Telecom", "Sweden"),
    ("Philips N.V.", "philips.com", "Healthcare", "Netherlands"),
    ("Novartis AG", "novartis.com", "Pharmaceuticals", "Switzerland"),
    ("Infosys Limited", "infosys.com", "IT services", "India"),
    ("Vale S.A.", "vale.com", "Mining", "Brazil"),
    ("Samsung Electronics", "samsung.com", "Electronics", "South Korea"),
    ("Heineken N.V.", "theheinekencompany.com", "Beverages", "Netherlands"),
    ("Maersk A/S", "maersk.com", "Logistics", "Denmark"),
]
# The partner spells some differently, and has no web site for some: these go to review.
PARTNER_NAMES = {
    "Zoetis Inc.": "Zoetis",
    "Lowe's Companies, Inc.": "Lowes Companies",
    "C.H. Robinson Worldwide": "C. H. Robinson Worldwide Inc",
    "Abbott Laboratories": "Abbott Labs",
    "Siemens AG": "Siemens",
    "Atlassian Corporation": "Atlasian Corp",
    "Shopify Inc.": "Shopify",
    "Ericsson AB": "Telefonaktiebolaget LM Ericsson",
    "Philips N.V.": "Koninklijke Philips Electronics",
    "Samsung Electronics": "Samsung Electronic Co",
    "Infosys Limited": "Infosys Technologies",
    "Schneider Electric SE": "Schneider Electrics",
    "Heineken N.V.": "Heineken Holding",
    "Unilever PLC": "Unilevre PLC",
    "Novartis AG": "Novartys AG",
}
NO_SITE = {
    "Abbott Labs",
    "Atlasian Corp",
    "Lowes Companies",
    "C. H. Robinson Worldwide Inc",
    "Koninklijke Philips Electronics",
    "Samsung Electronic Co",
    "Infosys Technologies",
    "Schneider Electrics",
    "Heineken Holding",
    "Unilevre PLC",
    "Novartys AG",
}
STAGES_SF = ["Prospect", "Customer - Direct", "Former Customer", "Customer - Channel"]
STAGES_HS = ["lead", "customer", "opportunity", "other"]


def write_ours(path: Path, extra: int = 30) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Account ID",
                "Account Name",
                "Website",
                "Industry",
                "Billing Country",
                "Type",
                "Account Owner",
                "Annual Revenue",
                "Created Date",
            ]
        )
        for number, (name, domain, industry, country) in enumerate(COMPANIES):
            writer.writerow(
                [
                    f"001A{number:05d}",
                    name,
                    f"https://www.{domain}/",
                    industry,
                    country,
                    STAGES_SF[number % 4],
                    "Dana Smith",
                    f"${(number + 1) * 1.5:.1f}M",
                    "2023-01-15",
                ]
            )
        for number in range(extra):
            writer.writerow(
                [
                    f"001B{number:05d}",
                    f"Solo Ours {number} GmbH",
                    f"solo-ours-{number}.de",
                    "Retail",
                    "Germany",
                    "Prospect",
                    "Lee Chan",
                    "250000",
                    "2024-03-01",
                ]
            )
        writer.writerow(["", "", "", "", "", "", "", "", ""])
        writer.writerow(["001C00001", "", "nameless.example", "", "", "Prospect", "", "", ""])
        writer.writerow(["Grand Totals (52 records)", "", "", "", "", "", "", "", ""])
    return path


def write_partner(path: Path, extra: int = 25) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Record ID",
                "Company name",
                "Company Domain Name",
                "Industry",
                "Country/Region",
                "Lifecycle Stage",
                "Company owner",
                "Annual Revenue",
                "Create Date",
            ]
        )
        for number, (name, domain, industry, country) in enumerate(COMPANIES):
            theirs = PARTNER_NAMES.get(name, name)
            site = "" if theirs in NO_SITE else domain
            writer.writerow(
                [
                    f"{9000 + number}",
                    theirs,
                    site,
                    industry,
                    country,
                    STAGES_HS[number % 4],
                    "Sam Ortiz",
                    str((number + 2) * 1_000_000),
                    "2022-06-30",
                ]
            )
        for number in range(extra):
            writer.writerow(
                [
                    f"{8000 + number}",
                    f"Partner Only {number} Ltd",
                    f"partner-only-{number}.co.uk",
                    "Software",
                    "United Kingdom",
                    "customer",
                    "Sam Ortiz",
                    "900000",
                    "2022-01-01",
                ]
            )
    return path
