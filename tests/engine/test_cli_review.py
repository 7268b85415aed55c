"""``overlap review`` on several links at once: ``--accept 9 10 15`` and ``--all-above SCORE``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from engine import Workspace, list_matches
from engine.cli import EXIT_USER_ERROR, main
from tests.engine.conftest import Mapped

# Our account -> score of its link, all put back in the review queue.
WAITING = {"Initech": 95.0, "Hooli": 91.96, "Vandelay": 88.0, "Stark": 70.0}


@pytest.fixture
def queue(mapped: Mapped) -> tuple[Path, dict[str, int]]:
    """The mapped workspace with four more links waiting for review; their match ids by name."""
    links = list_matches(mapped.ws, "Globex")
    ids = {}
    with mapped.ws.transaction() as connection:
        for match_id, our_name in zip(links["match_id"], links["our_name"], strict=True):
            name = str(our_name).split()[0]
            if name in WAITING:
                ids[name] = int(match_id)
                connection.execute(
                    text("UPDATE match SET status = 'review', score = :s WHERE id = :m"),
                    {"s": WAITING[name], "m": int(match_id)},
                )
    path = Path(mapped.ws.path)
    mapped.ws.close()
    assert set(ids) == set(WAITING)
    return path, ids


def _statuses(path: Path) -> dict[str, str]:
    with Workspace.open(path) as ws:
        links = list_matches(ws, "Globex")
    return {str(r.our_name).split()[0]: str(r.status) for r in links.itertuples()}


def test_accept_several_links_by_id(
    queue: tuple[Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = queue
    chosen = [ids["Initech"], ids["Vandelay"], ids["Stark"]]
    argv = ["review", str(path), "--partner", "Globex", "--accept", *map(str, chosen)]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [*(f"match {m}: review -> accepted" for m in chosen), "3 links accepted"]
    statuses = _statuses(path)
    assert [statuses[n] for n in ("Initech", "Vandelay", "Stark", "Hooli")] == [
        "accepted",
        "accepted",
        "accepted",
        "review",
    ]
    assert main(["review", str(path), "--partner", "Globex", "--reject", str(ids["Hooli"])]) == 0
    assert _statuses(path)["Hooli"] == "rejected"


def test_an_unknown_id_changes_nothing(
    queue: tuple[Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = queue
    argv = ["review", str(path), "--partner", "Globex", "--unlink", str(ids["Hooli"]), "9999"]
    assert main(argv) == EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.startswith("error: no match 9999 for this partner") and "nothing" in err
    assert _statuses(path)["Hooli"] == "review"


def test_accept_all_above_a_score_as_shown(
    queue: tuple[Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ids = queue
    before = _statuses(path)
    # 91.96 reads 91.9 in the queue: accepting "91.9 and above" takes it, 92 does not.
    assert main(["review", str(path), "--partner", "Globex", "--all-above", "92"]) == 0
    after = _statuses(path)
    assert (after["Initech"], after["Hooli"]) == ("accepted", "review")
    assert main(["review", str(path), "--partner", "Globex", "--all-above", "91.9"]) == 0
    after = _statuses(path)
    assert (after["Hooli"], after["Vandelay"], after["Stark"]) == ("accepted", "review", "review")
    # The link that waited before (Acme W., scored 100) went with the first run.
    waiting_before = {n for n, s in before.items() if s == "review"} - set(WAITING)
    assert all(after[n] == "accepted" for n in waiting_before)
    capsys.readouterr()
    assert main(["review", str(path), "--partner", "Globex", "--all-above", "99"]) == 2
    assert "no link waiting for review scores 99 or more (2 wait" in capsys.readouterr().err
