"""The ``overlap`` command's entry, from source and in the standalone app: the window first.

With no arguments (or only ``--quit-when-shown``, which times this very start) and a screen to
show it on, the window opens without loading the engine, pandas and SQLAlchemy first: on a
cold start that is a second less before the window. Everything else is the ``overlap``
command line (``engine.cli``), which also says so when there is no screen.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

WINDOW_ONLY: tuple[list[str], ...] = ([], ["--quit-when-shown"])


def _has_screen() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    return any(os.environ.get(name) for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in WINDOW_ONLY and _has_screen():
        from desktop import app

        return int(app.main(quit_when_shown=bool(args)))
    from engine.cli import main as command_line

    return int(command_line(args))
