"""Step 3's named opportunities: what to do about an account both lists know, or one only the
partner has - ask for an introduction, offer one, pursue it together, greenfield, win it back -
one row per account of a mapping (``engine.overlaps.build_mapping``), largest potential first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

OPPORTUNITY_KINDS: dict[str, tuple[str, str]] = {
    "ask_intro": (
        "Their customer, our prospect",
        "Ask the partner for an introduction",
    ),
    "offer_intro": (
        "Our customer, their prospect",
        "Offer the partner an introduction",
    ),
    "joint_pursuit": (
        "Prospect of both",
        "Pursue it together",
    ),
    "greenfield": (
        "Their customer, not in our list",
        "New for us: ask for an introduction (as far as the partner shared it)",
    ),
    "win_back": (
        "Churned on one side, customer on the other",
        "Learn from the side that kept it; win it back together",
    ),
}

# The columns of an account list: a cell of the stage matrix, an opportunity.
LIST_COLUMNS = [
    "name",
    "our_stage",
    "partner_stage",
    "potential_revenue",
    "revenue_basis",
    "size_band",
    "our_external_id",
    "partner_external_id",
    "our_owner",
    "partner_owner",
    "our_key",
    "partner_key",
    "our_id",
    "partner_id",
]


def named_opportunities(
    mapping: pd.DataFrame, *, greenfield: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The named opportunities, one row per account: ``kind``, ``label``, ``action`` + fields.

    Greenfield rows are the partner's customers we do not have, as far as the partner shared
    them; ``greenfield`` (a mapping of just those rows) stands in when ``mapping`` lacks their
    text fields (``detail="shared"``).
    """
    shared = mapping["status"] == "shared"
    our, theirs = mapping["our_stage"], mapping["partner_stage"]
    masks = {
        "ask_intro": shared & (theirs == "customer") & (our == "prospect"),
        "offer_intro": shared & (our == "customer") & (theirs == "prospect"),
        "joint_pursuit": shared & (our == "prospect") & (theirs == "prospect"),
        "greenfield": (mapping["status"] == "partner_only") & (theirs == "customer"),
        "win_back": shared
        & (
            ((our == "churned") & (theirs == "customer"))
            | ((our == "customer") & (theirs == "churned"))
        ),
    }
    parts = []
    for kind, mask in masks.items():
        source = mapping
        if kind == "greenfield" and greenfield is not None:
            source, mask = greenfield, greenfield["partner_stage"] == "customer"
        where = np.flatnonzero(mask.to_numpy(dtype=bool))
        # Largest potential first; equal ones keep the mapping's order (no string sort).
        where = where[np.argsort(-source["potential_revenue"].to_numpy()[where], kind="stable")]
        label, action = OPPORTUNITY_KINDS[kind]
        rows: dict[str, Any] = {"kind": kind, "label": label, "action": action}
        # Series keep their dtype (object text stays object; no Arrow conversion of 200k names).
        rows.update({c: source[c].iloc[where].reset_index(drop=True) for c in LIST_COLUMNS})
        parts.append(pd.DataFrame(rows, index=pd.RangeIndex(len(where))))
    return pd.concat(parts, ignore_index=True)


def opportunity_counts(opps: pd.DataFrame) -> dict[str, int]:
    counts = opps["kind"].value_counts()
    return {kind: int(counts.get(kind, 0)) for kind in OPPORTUNITY_KINDS}
