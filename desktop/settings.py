"""Remembered state of the desktop app: window geometry, last workspace, recent workspaces.

Stored with QSettings in an INI file under the engine's config folder. Only plain values go in:
strings, lists of strings and the byte strings Qt gives for geometry; never pickled objects.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8


def engine_paths() -> ModuleType:
    """``engine.paths`` without importing the whole engine facade (pandas, SQLAlchemy).

    The app must show its window in well under a second; the facade costs ~0.7 s, so the tiny
    paths module is loaded on its own and registered under its real name, where the facade
    finds it later. The standalone build keeps ``engine/paths.py`` as a file for this
    (packaging/overlap.spec); without the file, the module is imported normally.
    """
    module = sys.modules.get("engine.paths")
    if module is not None:
        return module
    source = Path(__file__).resolve().parent.parent / "engine" / "paths.py"
    spec = importlib.util.spec_from_file_location("engine.paths", source)
    if spec is None or spec.loader is None or not source.is_file():
        import engine.paths as imported

        return imported
    module = importlib.util.module_from_spec(spec)
    sys.modules["engine.paths"] = module
    spec.loader.exec_module(module)
    return module


class Settings:
    """Typed access to the app's INI file."""

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            path = engine_paths().config_dir() / "overlap.ini"
        self.path = path
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    # geometry ------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self._qs.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_geometry(self, value: QByteArray) -> None:
        self._qs.setValue("window/geometry", value)

    def window_state(self) -> QByteArray | None:
        value = self._qs.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_state(self, value: QByteArray) -> None:
        self._qs.setValue("window/state", value)

    # workspaces ------------------------------------------------------------------
    def last_workspace(self) -> str | None:
        value = self._qs.value("workspace/last")
        return str(value) if value else None

    def set_last_workspace(self, path: str | None) -> None:
        if path:
            self._qs.setValue("workspace/last", path)
        else:
            self._qs.remove("workspace/last")

    def recent(self) -> list[str]:
        value = self._qs.value("workspace/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_recent(self, path: str) -> None:
        items = [p for p in self.recent() if p != path]
        items.insert(0, path)
        self._qs.setValue("workspace/recent", items[:MAX_RECENT])

    def remove_recent(self, path: str) -> None:
        self._qs.setValue("workspace/recent", [p for p in self.recent() if p != path])

    # small preferences ---------------------------------------------------------------
    def help_collapsed(self, page: str) -> bool | None:
        """The user's choice for a page's help panel; None until they toggled it."""
        value = self._qs.value(f"help/{page}")
        return None if value is None else str(value) == "true"

    def set_help_collapsed(self, page: str, collapsed: bool) -> None:
        self._qs.setValue(f"help/{page}", "true" if collapsed else "false")

    def last_folder(self) -> str | None:
        """The folder of the last file the user opened or saved through a file dialog."""
        value = self._qs.value("files/last_folder")
        return str(value) if isinstance(value, str) and value else None

    def set_last_folder(self, folder: str) -> None:
        self._qs.setValue("files/last_folder", folder)

    def last_partner(self) -> str | None:
        value = self._qs.value("workspace/partner")
        return str(value) if value else None

    def set_last_partner(self, name: str | None) -> None:
        self._qs.setValue("workspace/partner", name or "")

    def sync(self) -> None:
        self._qs.sync()
