"""A workspace of Acme Corp with three partnerships, built from the fixture exports.

Acme's Salesforce report (tests/data/crosspartner_acme.csv) is imported, matched and assigned
against Globex (HubSpot), Tyrell (Salesforce Data Export) and Wonka (German Excel CSV). Every
pair meets by web domain; the leads come from the default rules. Hand-checked:

===================  ==============  ========================  ========================
our account          our stage       shared with (their stage) lead (default rules)
===================  ==============  ========================  ========================
Initech              prospect        Globex, Tyrell, Wonka     partner in all three
                                     (customer in each)        -> contested
Hooli                prospect        Globex, Tyrell (customer) partner in both -> contested
Stark Industries     customer        Globex, Tyrell (customer) us in both (owner; tie)
Pied Piper           prospect        Globex (customer),        Globex: partner;
                                     Wonka (prospect)          Wonka: us (we name an owner)
Dunder Mifflin       customer        Tyrell, Wonka (customer)  us in both (we name an owner)
Umbrella Corporation customer        Globex (prospect)         us
Soylent              churned         Tyrell (customer)         partner
Vandelay Industries  prospect        Wonka (customer)          partner
Wayne Enterprises    prospect        nobody
Massive Dynamic      prospect        nobody
===================  ==============  ========================  ========================
"""

from __future__ import annotations

from pathlib import Path

from engine import Workspace, assign, import_file, match_partner

PARTNERS = ("Globex", "Tyrell", "Wonka")


def build_three_partners(path: Path, data_dir: Path) -> Path:
    """Build the workspace at ``path`` (closed again); returns its path."""
    with Workspace.create(path, "Acme Corp", ["acme.com"]) as ws:
        import_file(ws, "us", data_dir / "crosspartner_acme.csv")
        for name in PARTNERS:
            ws.add_partner(name)
            import_file(ws, name, data_dir / f"crosspartner_{name.lower()}.csv")
            match_partner(ws, name)
            assign(ws, name)
    return path
