"""How subcommands print results: a readable table, CSV (opens in Excel) or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from engine import csv_safe_texts

FORMATS = ("table", "csv", "json")


def add_format_option(parser: argparse.ArgumentParser, default: str = "table") -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default=default, help="output format (default: %(default)s)"
    )


def emit_frame(frame: pd.DataFrame, fmt: str, *, max_rows: int | None = None) -> None:
    """Print a DataFrame in the chosen format to stdout."""
    out = sys.stdout
    if fmt == "csv":
        frame = _formula_safe(frame)
        frame.to_csv(out, index=False, lineterminator="\n")
    elif fmt == "json":
        out.write(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
        out.write("\n")
    else:
        if frame.empty:
            out.write("(none)\n")
            return
        shown = frame if max_rows is None else frame.head(max_rows)
        with pd.option_context("display.max_colwidth", 60, "display.width", 200):
            out.write(shown.to_string(index=False))
        out.write("\n")
        if max_rows is not None and len(frame) > max_rows:
            out.write(f"... {len(frame) - max_rows:,} more rows (use --format csv for all)\n")


def emit_json(value: Any) -> None:
    """Print a JSON document (dicts, lists, numbers) to stdout."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")


def _formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text a spreadsheet would run as a formula defused (``csv_safe``)."""
    texts = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
    if not texts:
        return frame
    frame = frame.copy()
    for column in texts:
        values = frame[column]
        strings = np.fromiter((isinstance(v, str) for v in values), bool, len(values))
        if strings.any():
            safe = csv_safe_texts(pa.array(values[strings].tolist(), type=pa.string()))
            frame.loc[strings, column] = safe.to_pylist()
    return frame
