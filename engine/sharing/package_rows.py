"""A share package as table rows - the overlap by stage and the rules of engagement in words -
for every file that carries them (XLSX, PDF, CSV)."""

from __future__ import annotations

from typing import Any

from engine.ownership import CRITERIA
from engine.sharing.policy import SharePackage


def matrix_rows(package: SharePackage) -> tuple[list[str], list[list[Any]]]:
    header = ["Our stage \\ their stage", *[str(c) for c in package.matrix.columns], "Total"]
    rows = []
    for stage in package.matrix.index:
        values = [int(v) for v in package.matrix.loc[stage]]
        rows.append([str(stage), *values, sum(values)])
    totals = [int(v) for v in package.matrix.sum(axis=0)]
    rows.append(["Total", *totals, sum(totals)])
    return header, rows


# How the usual criteria decide, in words, for rules stored without a description.
CRITERIA_TEXT = {
    "existing_relationship": "The side with the stronger existing relationship leads.",
    "relationship": "The side with the stronger existing relationship leads.",
    "first_touch": "The side that introduced the account first (earliest first touch) leads.",
    "deal_stage": "The side with the more advanced open deal leads.",
    "product_fit": "The side whose product fits the account's immediate need leads.",
    "immediate_need": "The side whose product fits the account's immediate need leads.",
}


def _criteria_words() -> dict[str, tuple[str, str]]:
    """Criterion name -> (title, how it decides), from the ownership step."""
    return {str(k): (str(v[0]), str(v[1])) for k, v in CRITERIA.items()}


def rules_rows(package: SharePackage) -> list[list[Any]]:
    """The enabled rules of engagement in order: number, criterion, how it decides."""
    words = _criteria_words()
    who = package.us if package.tie_breaker in (None, "us") else package.partner
    rows: list[list[Any]] = []
    names = []
    for criterion in package.rules:
        name = str(criterion.get("name", ""))
        names.append(name)
        title, text = words.get(name, ("", ""))
        title = title.capitalize() if title else name.replace("_", " ").capitalize()
        text = text or CRITERIA_TEXT.get(name, "")
        if name == "tie_breaker":
            text = f"{text} Now: {who} leads.".strip()
        rows.append([len(rows) + 1, title, text])
    if package.tie_breaker and "tie_breaker" not in names:
        rows.append([len(rows) + 1, "Tie-breaker", f"{who} leads when no rule decides"])
    return rows
