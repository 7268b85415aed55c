"""Fixtures shared by every test: a private OVERLAP_HOME, no network, fresh workspaces."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt runs offscreen in every test, before any QApplication exists (set another platform
# in the environment to watch a test on screen).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _private_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings, logs and demo workspaces of a test live in a temporary folder."""
    monkeypatch.setenv("OVERLAP_HOME", str(tmp_path_factory.mktemp("home")))


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[object, ...]]]:
    """Fail the test if anything tries to open a connection or resolve a host name."""
    attempts: list[tuple[object, ...]] = []

    def refuse(*args: object, **_kwargs: object) -> None:
        attempts.append(args)
        raise NetworkUsed(f"network use attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", lambda self, *a: refuse(*a))
    monkeypatch.setattr(socket.socket, "connect_ex", lambda self, *a: refuse(*a))
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert not attempts, f"network use attempted: {attempts}"


@pytest.fixture
def data_dir() -> Path:
    """tests/data: fixture exports shaped like real CRM files."""
    return DATA


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:  # noqa: F821
    """A new workspace for Acme Corp with one partner, Globex."""
    from engine.store.workspace import Workspace

    ws = Workspace.create(tmp_path / "acme.overlap", "Acme Corp", ["acme.com"])
    ws.add_partner("Globex", model="co-sell", cadence="quarterly")
    yield ws
    ws.close()
