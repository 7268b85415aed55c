"""Where Overlap keeps things: bundled resources, settings, logs and the demo workspace.

The one place that knows about frozen builds (PyInstaller's ``sys._MEIPASS``) and about the
``OVERLAP_HOME`` variable that tests use to keep every file inside a temporary folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "Overlap"


def bundle_dir() -> Path | None:
    """The folder of a standalone (frozen) app, which holds its libraries; None from source."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    return Path(frozen_root) if frozen_root else None


def resources_dir() -> Path:
    """The ``resources/`` folder, from a source checkout, an installed wheel or a frozen app."""
    bundle = bundle_dir()
    if bundle:
        return bundle / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    """A file under ``resources/``, e.g. ``resource("demo", "acme_salesforce.csv")``."""
    return resources_dir().joinpath(*parts)


def _home_override() -> Path | None:
    home = os.environ.get("OVERLAP_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    """Per-user data: the demo workspace and workspaces created without a path."""
    home = _home_override()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Per-user settings: window geometry, recent workspaces."""
    home = _home_override()
    path = (
        home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    """Per-user logs, including crash reports."""
    home = _home_override()
    path = home / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
