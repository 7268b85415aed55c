"""The ``overlap`` command: the desktop app with no arguments, a headless subcommand otherwise.

Each step registers its subcommands from the module named for it (``engine/cli/<step>.py``).
A user error prints one ``error: ...`` line on stderr and exits with status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from engine.cli import commands, files
from engine.cli.commands import COMMAND_MODULES
from engine.errors import Cancelled, OverlapError
from engine.offline import forbid_network_if_asked

EXIT_USER_ERROR = 2
# How long ``--smoke-test`` may take before it counts as a failure.
SMOKE_SECONDS = 10.0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def build_parser(command: str | None = "") -> argparse.ArgumentParser:
    """The ``overlap`` parser: every command in full by default; given the command about to
    run (None: none), only that command's module is imported (``engine.cli.commands``)."""
    parser = _Parser(
        prog="overlap",
        description="Account mapping and co-selling, offline. Without a command, opens the app.",
    )
    parser.add_argument(
        "--smoke-test",
        nargs="?",
        const=SMOKE_SECONDS,
        type=float,
        metavar="SECONDS",
        help="check this installation: the app, offscreen, opens the demo workspace, imports, "
        "matches and shows the overlaps, then exits with status 0, or 1 naming what failed "
        f"(default limit {SMOKE_SECONDS:g} s)",
    )
    parser.add_argument(
        "--quit-when-shown",
        action="store_true",
        help="open the window, print the time it was shown (seconds since the epoch) and quit: "
        "start-up measurements",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    if command == "" or not commands.register(subparsers, COMMAND_MODULES, command):
        for name in COMMAND_MODULES:
            importlib.import_module(name).register(subparsers)
    return parser


def _command_of(args: Sequence[str]) -> str | None:
    """The command word of a command line (the first word that is not an option), or None."""
    return next((a for a in args if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    forbid_network_if_asked()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        return _open_desktop()
    parser = build_parser(_command_of(args_list))
    args = parser.parse_args(args_list)
    if args.smoke_test is not None or args.quit_when_shown:
        if args.command:
            parser.error("--smoke-test and --quit-when-shown take no command")
        if args.smoke_test is not None:
            return _smoke_test(args.smoke_test)
        return _open_desktop(quit_when_shown=True)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        files.resolve(args)
        return int(args.run(args) or 0)
    except OverlapError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except Cancelled:
        print("error: cancelled; nothing was changed", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; nothing was changed", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _no_screen() -> bool:
    """On Linux, Qt aborts the process when there is no screen: say so before it starts."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_desktop(
    *, demo: bool = False, quit_after: float | None = None, quit_when_shown: bool = False
) -> int:
    if _no_screen():
        print(
            "error: there is no screen to show the app on (DISPLAY is not set); "
            "'overlap demo --print' shows the demo's overlap here, or run under xvfb-run",
            file=sys.stderr,
        )
        return EXIT_USER_ERROR
    desktop = _desktop_module("desktop.app")
    if desktop is None:
        return EXIT_USER_ERROR
    return int(desktop.main(demo=demo, quit_after=quit_after, quit_when_shown=quit_when_shown))


def _smoke_test(seconds: float) -> int:
    """The desktop app's self-check (``desktop.smoke``): offscreen, so no screen is needed."""
    if seconds <= 0:
        print("error: --smoke-test needs a time limit above 0 seconds", file=sys.stderr)
        return EXIT_USER_ERROR
    smoke = _desktop_module("desktop.smoke")
    if smoke is None:
        return 1
    return int(smoke.main(seconds))


def _desktop_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as error:
        print(
            f"error: the desktop app cannot start ({error}); try 'overlap --help'", file=sys.stderr
        )
        return None
