"""Helpers the import step's tests share: the accounts a side holds, its extra columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engine import Workspace
from engine.cli import main as cli


def _accounts(ws: Workspace, side: str = "us") -> pd.DataFrame:
    snapshot = ws.current_snapshot(ws.side_partner_id(side))
    assert snapshot is not None and snapshot.id is not None
    return ws.accounts(snapshot.id)


def _by_name(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["name"]: row for row in frame.to_dict("records")}


def snapshot_extra(ws: Workspace, side: str) -> str:
    snapshot = ws.current_snapshot(ws.side_partner_id(side))
    assert snapshot is not None
    return snapshot.extra_columns_json


def _ws_file(tmp_path: Path) -> Path:
    path = tmp_path / "acme.overlap"
    assert cli(["init", str(path), "--us", "Acme Corp"]) == 0
    assert cli(["partner", "add", str(path), "Globex"]) == 0
    return path
