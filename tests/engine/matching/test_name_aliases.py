"""Name aliases: two names the user declared one company's link as the alias tier, with the
alias in the explanation; stored in the workspace and used by ``match_partner``; the command
line's ``alias add --name`` (engine/matching/tiers.py, review.py, engine/cli/matching.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import (
    OverlapError,
    add_name_alias,
    list_name_aliases,
    match_frames,
    remove_name_alias,
)
from engine.store.workspace import Workspace
from tests.engine.matching.accounts import accounts, link_for, pairs


def test_a_name_alias_links_the_two_names_as_an_alias() -> None:
    ours = accounts(("Facebook", ""), ("Initech", ""))
    theirs = accounts(("Meta Platforms, Inc.", ""), ("Globex", ""))
    assert match_frames(ours, theirs).empty
    aliases = [("Meta Platforms", "Facebook Inc")]
    links = match_frames(ours, theirs, name_aliases=aliases)
    assert pairs(links) == {(0, 0)}
    link = link_for(links, 0, 0)
    assert (link["method"], link["score"], link["status"]) == ("alias", 100.0, "auto")
    assert link["explanation"] == "name alias: Facebook Inc = Meta Platforms"
    # Symmetric in its two sides.
    back = match_frames(theirs, ours, name_aliases=aliases)
    assert link_for(back, 0, 0)["explanation"] == link["explanation"]


def test_name_aliases_are_stored_and_checked(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "ws.overlap", "Acme") as ws:
        add_name_alias(ws, "  Facebook ", "Meta Platforms, Inc.")
        with pytest.raises(OverlapError, match="already an alias"):
            add_name_alias(ws, "Meta Platforms, Inc.", "Facebook")
        with pytest.raises(OverlapError, match="same name"):
            add_name_alias(ws, "Acme Inc", "ACME")
        with pytest.raises(OverlapError, match="not a company name"):
            add_name_alias(ws, "Acme", "  ")
        frame = list_name_aliases(ws)
        assert frame[["name", "other_name"]].values.tolist() == [
            ["Facebook", "Meta Platforms, Inc."]
        ]
        remove_name_alias(ws, "Meta Platforms, Inc.", "Facebook")
        assert list_name_aliases(ws).empty
        with pytest.raises(OverlapError, match="not an alias"):
            remove_name_alias(ws, "Facebook", "Meta Platforms, Inc.")


def test_alias_add_name_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.cli import main

    path = tmp_path / "ws.overlap"
    Workspace.create(path, "Acme").close()
    assert main(["alias", "add", str(path), "--name", "Old Name", "New Name Inc"]) == 0
    assert "'New Name Inc' = 'Old Name'" in capsys.readouterr().out
    assert main(["alias", "list", str(path), "--name", "--format", "csv"]) == 0
    assert "New Name Inc,Old Name" in capsys.readouterr().out
    with Workspace.open(path) as ws:
        assert len(list_name_aliases(ws)) == 1
