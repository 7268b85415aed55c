"""Who in the desktop may import whom: only ``desktop.operations`` reaches the engine, and the
operations know nothing of the widgets that call them.

Read from the import graph (grimp, which import-linter installs); an import inside a function
counts like one at the top. No import circle in the desktop is checked with the engine's, in
``tests/engine/test_project.py``.
"""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp")

# Outside desktop.operations, the modules that may import the engine, and why.
ENGINE_ALLOWED = {
    # Loads engine/paths.py alone (not the facade) so the window shows before the engine loads.
    "desktop.settings": {"engine.paths"},
    # The ``overlap`` command: the window without the engine, else the engine's command line.
    "desktop.launcher": {"engine.cli"},
}
# What the operations may not import: the layers above them, and Qt's widgets (the jobs run on
# the database thread and in the worker process; only QtCore's signals carry their results).
ABOVE_OPERATIONS = (
    "desktop.app",
    "desktop.dialogs",
    "desktop.main_window",
    "desktop.models",
    "desktop.pages",
    "desktop.smoke",
    "desktop.widgets",
)
QT_WIDGETS = ("QtWidgets", "QtGui")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("desktop", "engine", include_external_packages=True)


def _desktop(graph: grimp.ImportGraph, inside_operations: bool) -> list[str]:
    return sorted(
        m
        for m in graph.modules
        if m.split(".")[0] == "desktop" and m.startswith("desktop.operations") == inside_operations
    )


def test_only_the_operations_import_the_engine(graph: grimp.ImportGraph) -> None:
    reaching = {}
    for module in _desktop(graph, inside_operations=False):
        engine = {
            m
            for m in graph.find_modules_directly_imported_by(module)
            if m.split(".")[0] == "engine"
        }
        engine -= ENGINE_ALLOWED.get(module, set())
        if engine:
            reaching[module] = sorted(engine)
    assert reaching == {}, "a page calls the engine through its desktop.operations module"


def test_the_operations_know_no_pages_or_widgets(graph: grimp.ImportGraph) -> None:
    upward = {}
    for module in _desktop(graph, inside_operations=True):
        imported = graph.find_modules_directly_imported_by(module)
        above = {m for m in imported if m.startswith(ABOVE_OPERATIONS)}
        if "PySide6" in imported:
            details = graph.get_import_details(importer=module, imported="PySide6")
            above |= {
                d["line_contents"]
                for d in details
                if any(name in d["line_contents"] for name in QT_WIDGETS)
            }
        if above:
            upward[module] = sorted(above)
    assert upward == {}
