"""The network guard the installer's smoke test turns on: connections fail loudly, pipes work."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import offline


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The guard in force for one test; the socket module is restored afterwards."""
    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, getattr(socket.socket, name))
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        monkeypatch.setattr(socket, name, getattr(socket, name))
    monkeypatch.setattr(offline, "_forbidden", False)
    monkeypatch.setenv(offline.FORBID_VARIABLE, "1")
    assert offline.forbid_network_if_asked()
    yield


def test_without_the_variable_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "_forbidden", False)
    monkeypatch.delenv(offline.FORBID_VARIABLE, raising=False)
    connect = socket.socket.connect
    assert not offline.forbid_network_if_asked()
    assert socket.socket.connect is connect


@pytest.mark.usefixtures("guarded")
def test_connections_and_lookups_fail_and_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(offline.NetworkForbidden):
            sock.connect(("192.0.2.1", 443))
        with pytest.raises(OSError):
            sock.connect_ex(("192.0.2.1", 443))
    with pytest.raises(offline.NetworkForbidden):
        socket.create_connection(("example.com", 80))
    with pytest.raises(offline.NetworkForbidden):
        socket.getaddrinfo("example.com", 443)
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
        pytest.raises(offline.NetworkForbidden),
    ):
        udp.sendto(b"x", ("192.0.2.1", 53))
    err = capsys.readouterr().err
    assert err.count("error: network use attempted") == 5


@pytest.mark.usefixtures("guarded")
def test_local_pipes_still_work(tmp_path: Path) -> None:
    """The worker process talks to the app over a socket pair: that is not the network."""
    import multiprocessing

    ours, theirs = multiprocessing.Pipe(duplex=True)
    ours.send("ping")
    assert theirs.recv() == "ping"
    ours.close()
    theirs.close()
    if hasattr(socket, "AF_UNIX"):
        address = str(tmp_path / "s")
        with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as client:
            server.bind(address)
            server.listen(1)
            client.connect(address)
            connection, _ = server.accept()
            client.sendall(b"ok")
            assert connection.recv(2) == b"ok"
            connection.close()


@pytest.mark.usefixtures("guarded")
def test_the_command_line_turns_the_guard_on_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.cli import main

    monkeypatch.setattr(offline, "_forbidden", False)
    with pytest.raises(SystemExit):
        main(["--help"])
    assert offline._forbidden
