"""Step 1, the template (engine/importing/template.py): written, filled in, read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import (
    OverlapError,
    Workspace,
    import_file,
    propose_mapping,
    read_export,
    write_template,
)
from engine.cli import main as cli
from engine.importing import STANDARD_FIELDS
from engine.output.formats import field_label


def test_template_round_trip(workspace: Workspace, tmp_path: Path) -> None:
    for name in ("template.xlsx", "template.csv"):
        path = write_template(tmp_path / name)
        raw = read_export(path)
        assert raw.headers[:5] == [
            "CRM ID",
            "Company name",
            "Website",
            "Industry",
            "Annual revenue",
        ]
        assert raw.frame.empty and raw.notes  # the explaining row is skipped
        proposed = propose_mapping(raw)
        assert proposed.missing == []
        # Each of the template's words comes back as its own field, surely.
        for name in STANDARD_FIELDS:
            assert proposed.fields[name].headers == (field_label(name),)
            assert proposed.fields[name].confidence >= 0.9
    csv_path = tmp_path / "template.csv"
    csv_path.write_text(
        csv_path.read_text(encoding="utf-8-sig") + "P-1,Acme,acme.com\r\n", encoding="utf-8"
    )
    report = import_file(workspace, "us", csv_path)
    assert report.summary["imported"] == 1
    with pytest.raises(OverlapError, match=r"\.xlsx or \.csv"):
        write_template(tmp_path / "template.pdf")


def test_cli_template(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli(["template", str(tmp_path / "t.xlsx")]) == 0
    assert (tmp_path / "t.xlsx").stat().st_size > 0
    assert cli(["template", str(tmp_path / "t.txt")]) == 2
