"""``Workspace.open(path, lock=False)``: a helper process of the lock holder opens the file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from engine.errors import WorkspaceError
from engine.store.migrations import create_schema
from engine.store.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]


def test_a_helper_process_opens_the_file_while_the_lock_holder_keeps_it(
    workspace: Workspace,
) -> None:
    script = textwrap.dedent(
        f"""
        from engine.store.workspace import Workspace
        helper = Workspace.open({str(workspace.path)!r}, lock=False)
        print("company:", helper.company().name)
        helper.add_partner("Initech")
        helper.close()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert "company: Acme Corp" in result.stdout
    # The helper's write is there for the holder, and the holder still has the lock.
    assert [p.name for p in workspace.partners()] == ["Globex", "Initech"]
    assert workspace._lock.path.exists()
    with pytest.raises(WorkspaceError, match="open elsewhere"):
        Workspace.open(workspace.path)


def test_a_helper_never_migrates_an_older_file(tmp_path: Path) -> None:
    path = tmp_path / "old.overlap"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        create_schema(connection, up_to=1)
    engine.dispose()
    with pytest.raises(WorkspaceError, match="needs an upgrade"):
        Workspace.open(path, lock=False)
    assert not list(tmp_path.glob("*backup*"))
    # Nothing was left behind: the lock holder can open (and migrate) it.
    Workspace.open(path).close()
