"""Overlap works offline: ``forbid_network()`` makes any attempt at a connection fail loudly.

Nothing in Overlap opens a network connection. The installer's smoke test checks that of the
frozen app: it takes the network away where the system allows it (``unshare -rn``) and also
sets ``OVERLAP_FORBID_NETWORK=1``, which the command line (``engine.cli.main``, the way in of
``--smoke-test``) and the desktop's worker process read when they start
(``forbid_network_if_asked``). A connection to another machine or a host name look-up then
prints ``error: network use attempted ...`` on stderr and raises ``NetworkForbidden``, so the
attempt fails the smoke test even when a library catches the exception. Local sockets (the
worker process's pipe) stay allowed.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

FORBID_VARIABLE = "OVERLAP_FORBID_NETWORK"

_forbidden = False


class NetworkForbidden(OSError):
    """A connection or host name look-up was attempted while the network is forbidden."""


def _refuse(what: str, args: tuple[Any, ...]) -> NetworkForbidden:
    message = f"error: network use attempted ({what} {args!r}); Overlap works offline"
    print(message, file=sys.stderr, flush=True)
    return NetworkForbidden(message)


def forbid_network() -> None:
    """From now on, this process cannot connect to another machine or resolve a host name."""
    global _forbidden
    if _forbidden:
        return
    _forbidden = True
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
    local = getattr(socket, "AF_UNIX", None)

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if local is not None and self.family == local:
            return connect(self, address)
        raise _refuse("connect", (address,))

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if local is not None and self.family == local:
            return connect_ex(self, address)
        raise _refuse("connect", (address,))

    def refused(what: str) -> Any:
        def call(*args: Any, **_kwargs: Any) -> Any:
            raise _refuse(what, args)

        return call

    setattr(socket.socket, "connect", guarded_connect)  # noqa: B010 - a method swapped at run time
    setattr(socket.socket, "connect_ex", guarded_connect_ex)  # noqa: B010
    setattr(socket.socket, "sendto", refused("sendto"))  # noqa: B010
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, name, refused(name))


def forbid_network_if_asked() -> bool:
    """``forbid_network()`` when ``OVERLAP_FORBID_NETWORK`` is set; True if it is in force."""
    if os.environ.get(FORBID_VARIABLE, "") not in ("", "0"):
        forbid_network()
    return _forbidden
