"""``atomic_write``: the whole file or nothing, and one sentence saying what to do when the
system refuses the write (issue 14, item 7)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from engine import Cancelled, OverlapError
from engine.output.files import atomic_write


def test_the_file_appears_whole_and_nothing_else_is_left(tmp_path: Path) -> None:
    target = tmp_path / "plans.csv"
    with atomic_write(target) as temporary:
        assert temporary.parent == tmp_path and temporary != target
        temporary.write_text("a,b\n", encoding="utf-8")
        assert not target.exists()  # nothing at the target before the file is complete
    assert target.read_text(encoding="utf-8") == "a,b\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plans.csv"]


@pytest.mark.parametrize(
    "failure",
    [Cancelled(), OSError(errno.ENOSPC, "No space left on device"), ValueError("a bug")],
    ids=["cancelled", "disk full", "bug"],
)
def test_a_failed_write_keeps_the_old_file(failure: BaseException, tmp_path: Path) -> None:
    target = tmp_path / "plans.xlsx"
    target.write_bytes(b"last week's plans")
    with pytest.raises((type(failure), OverlapError)) as raised, atomic_write(target) as temporary:
        temporary.write_bytes(b"half a fi")
        raise failure
    assert target.read_bytes() == b"last week's plans"
    assert [p.name for p in tmp_path.iterdir()] == ["plans.xlsx"]
    if isinstance(failure, OSError):  # the system's refusal becomes a sentence
        assert isinstance(raised.value, OverlapError)
        assert "No space left on device" in str(raised.value)
        assert "nothing was saved" in str(raised.value)
    else:  # anything else goes on as it was
        assert raised.value is failure


def test_a_file_open_in_excel_says_to_close_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to replace a file Excel holds open: PermissionError on the rename."""
    target = tmp_path / "plans.xlsx"
    target.write_bytes(b"open in Excel")

    def refuse(source: str | Path, destination: str | Path) -> None:
        raise PermissionError(13, "The process cannot access the file", str(destination))

    monkeypatch.setattr(os, "replace", refuse)
    with (
        pytest.raises(OverlapError, match="close it where it is open") as raised,
        atomic_write(target) as temporary,
    ):
        temporary.write_bytes(b"new plans")
    assert str(target) in str(raised.value)
    assert target.read_bytes() == b"open in Excel"
    assert [p.name for p in tmp_path.iterdir()] == ["plans.xlsx"]


def test_what_stands_in_the_way_is_named(tmp_path: Path) -> None:
    (tmp_path / "plans.pdf").mkdir()
    with (
        pytest.raises(OverlapError, match="a folder has this name"),
        atomic_write(tmp_path / "plans.pdf"),
    ):
        pytest.fail("nothing is written when a folder is in the way")
    (tmp_path / "notes.txt").write_text("a file, not a folder", encoding="utf-8")
    with (
        pytest.raises(OverlapError, match="the folder does not exist"),
        atomic_write(tmp_path / "notes.txt" / "plans.pdf"),
    ):
        pytest.fail("nothing is written under a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "plans.pdf"]
