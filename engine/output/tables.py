"""A table a user exports (an account list, a review queue, the registrations), written
formula-safe: XLSX with text cells, or CSV with OWASP quoting. Imports no step, so every layer
can write its lists the same way."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engine.output.safe_cells import write_csv
from engine.output.xlsx import Sheet, write_workbook


def write_table(frame: pd.DataFrame, path: str | Path, *, sheet: str = "Accounts") -> Path:
    """Write ``frame`` to ``path`` formula-safe and return the path written.

    ``.xlsx`` gets a styled sheet named ``sheet`` with text cells; anything else is written as
    a CSV (a name ending in neither ``.xlsx`` nor ``.csv`` gets ``.csv``).
    """
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        path = path.with_suffix(".csv")
    header = [str(c) for c in frame.columns]
    rows = frame.astype(object).where(frame.notna(), None).values.tolist()
    if path.suffix.lower() == ".xlsx":
        write_workbook(path, [Sheet(sheet, header, rows)])
    else:
        write_csv(path, header, rows)
    return path
