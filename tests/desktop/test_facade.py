"""The desktop uses only the engine's public facade (names in ``engine.__all__``)."""

from __future__ import annotations

import ast
from pathlib import Path

import engine

DESKTOP = Path(__file__).resolve().parents[2] / "desktop"


def test_desktop_imports_only_public_engine_names() -> None:
    private = []
    for path in DESKTOP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("engine")
            ):
                # Paths and the formatter are light and needed before the facade is loaded
                # (start-up, every table cell), so the desktop may import them directly.
                # The launcher is the ``overlap`` command: anything but the window is the
                # command line's to run.
                if path.name == "launcher.py" and node.module == "engine.cli":
                    continue
                if node.module not in ("engine", "engine.paths", "engine.output.formats"):
                    private.append(f"{path.name}: from {node.module} import ...")
                elif node.module == "engine":
                    private += [
                        f"{path.name}: {a.name}" for a in node.names if a.name not in engine.__all__
                    ]
    assert not private, private
