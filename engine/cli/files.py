"""File arguments named the same way in every command: the file as a word after the workspace
(``plan-file import WS FILE``, ``share export WS FILE``), the older option (``--in FILE``,
``--out FILE``) still accepted.

``add_file_argument`` adds both; ``resolve`` (called by ``engine.cli.main`` before a command
runs) puts the one given in the positional's place, and refuses the file named twice
differently, or not at all when it is needed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.errors import OverlapError

# The namespace attribute listing each (dest, option, metavar, required) of a command.
_REGISTRY = "_file_arguments"


def add_file_argument(
    parser: argparse.ArgumentParser,
    dest: str,
    option: str,
    *,
    metavar: str = "FILE",
    help: str | None = None,
    required: bool = True,
) -> None:
    """``dest`` as an optional positional, and ``option`` as another spelling of it."""
    parser.add_argument(dest, nargs="?", metavar=metavar, help=help)
    parser.add_argument(
        option, dest=f"{dest}_alias", metavar=metavar, help=f"the same as {metavar}"
    )
    known = parser.get_default(_REGISTRY) or ()
    parser.set_defaults(**{_REGISTRY: (*known, (dest, option, metavar, required))})


def resolve(args: argparse.Namespace) -> None:
    """Each file argument in one place (``args.<dest>``), or a clear error."""
    for dest, option, metavar, required in getattr(args, _REGISTRY, ()):
        given: Any = getattr(args, dest, None)
        alias: Any = getattr(args, f"{dest}_alias", None)
        if given is not None and alias is not None and Path(given) != Path(alias):
            raise OverlapError(
                f"{metavar} is named twice, as {given} and as {option} {alias}: name it once"
            )
        value = given if given is not None else alias
        if value is None and required:
            raise OverlapError(f"name the {metavar} after the workspace (or as {option} {metavar})")
        setattr(args, dest, value)
