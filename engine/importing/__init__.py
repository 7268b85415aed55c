"""Step 1, Import: read a CRM account export, map its columns, clean its values, save a snapshot.

The step is four separately callable pieces, one module each, so the desktop can show each
before anything is saved (a mapping table with sample values, a preview of the cleaned rows,
the rejected rows):

- ``read_export(path)`` (``read``, ``sheets``) reads a CSV / TSV / TXT / XLSX / XLS / ODS file
  into strings, exactly as they are in the file (nothing is coerced; a cell starting with ``=``
  is data, not a formula) — a ``RawExport`` (``raw``).
- ``propose_mapping(raw)`` (``mapping``) maps its headers onto the standard fields, with a
  confidence and a reason per field; ``ProposedMapping.with_overrides`` applies the user's
  choices.
- ``standardize(raw, mapping)`` (``clean``) cleans the values into the standard fields,
  keeping the raw ones, and lists rejected rows and duplicates.
- ``import_file(ws, side, path)`` (``save``) does all of it and writes a new snapshot in one
  transaction.

``write_template`` (``template``) writes the empty export a partner without a CRM fills in.
The modules import each other from the ground up (raw ← sheets ← read; raw ← mapping ← clean
← save), never through this package.

Everything on the hot path works on whole columns (pyarrow / pandas string functions) or on the
distinct values of a column, never row by row in Python: a million-row export stays fast.
"""

from engine.importing.clean import (
    ACCOUNT_FIELDS,
    BLANK_WORDS,
    Standardized,
    classify_stage,
    clean_amounts,
    clean_dates,
    standardize,
)
from engine.importing.mapping import (
    STANDARD_FIELDS,
    FieldChoice,
    ProposedMapping,
    parse_overrides,
    propose_mapping,
)
from engine.importing.raw import RawExport
from engine.importing.read import read_export
from engine.importing.save import ImportReport, import_file, list_profiles, save_profile
from engine.importing.template import write_template

__all__ = [
    "ACCOUNT_FIELDS",
    "BLANK_WORDS",
    "STANDARD_FIELDS",
    "FieldChoice",
    "ImportReport",
    "ProposedMapping",
    "RawExport",
    "Standardized",
    "classify_stage",
    "clean_amounts",
    "clean_dates",
    "import_file",
    "list_profiles",
    "parse_overrides",
    "propose_mapping",
    "read_export",
    "save_profile",
    "standardize",
    "write_template",
]
