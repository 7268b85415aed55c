"""Which module registers each command, so the command line imports only the one it runs.

Every command module imports pandas and the engine, a second of start-up. ``commands.json``
lists each command with its module and one-line help, in the order of the help text:
``overlap --help`` reads it and imports no command module; ``overlap COMMAND ...`` imports
only COMMAND's. A command missing from the list still works (every module is loaded, as
before); a test keeps the list current. After adding or renaming a command, or changing its
help line, write it again with::

    .venv/bin/python -m engine.cli.commands
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

INDEX = Path(__file__).with_name("commands.json")

# Modules whose ``register(subparsers)`` adds subcommands, in the order of the help text.
COMMAND_MODULES = (
    "engine.cli.workspace",
    "engine.cli.importing",
    "engine.cli.matching",
    "engine.cli.overlaps",
    "engine.cli.ownership",
    "engine.cli.plans",
    "engine.cli.territories",
    "engine.cli.registrations",
    "engine.cli.tracking",
    "engine.cli.sync",
    "engine.cli.partners",
    "engine.cli.program",
    "engine.cli.sharing",
    "engine.cli.demo",
)


def read_index() -> list[dict[str, str]]:
    """The stored list: ``{"name", "module", "help"}`` per command, in help order."""
    try:
        entries = json.loads(INDEX.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict) and {"name", "module", "help"} <= set(e)]


def live_index(modules: Sequence[str]) -> list[dict[str, str]]:
    """The list as the modules register it now (imports every one of them)."""
    entries: list[dict[str, str]] = []
    for module in modules:
        parser = argparse.ArgumentParser()
        subparsers = parser.add_subparsers()
        importlib.import_module(module).register(subparsers)
        for action in subparsers._choices_actions:
            entries.append({"name": action.dest, "module": module, "help": action.help or ""})
    return entries


def register(subparsers: Any, modules: Sequence[str], command: str | None) -> bool:
    """Add every command to ``subparsers``: COMMAND's module for real, the rest as names with
    their help. False (and nothing added) when the list cannot serve: it does not know
    ``command``, or names a module that is not in ``modules``."""
    index = read_index()
    known = {e["name"]: e["module"] for e in index}
    if not index or (command is not None and command not in known):
        return False
    if any(e["module"] not in modules for e in index):
        return False
    real = known.get(command or "")
    registered = False
    for entry in index:
        if entry["module"] == real:
            if not registered:
                importlib.import_module(real).register(subparsers)
                registered = True
        else:
            subparsers.add_parser(entry["name"], help=entry["help"])
    return True


def main() -> None:
    entries = live_index(COMMAND_MODULES)
    INDEX.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{INDEX}: {len(entries)} commands")


if __name__ == "__main__":
    main()
