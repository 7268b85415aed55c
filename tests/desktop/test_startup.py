"""The window is usable well under a second after launch: heavy imports wait for a workspace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_window_is_usable_within_a_second() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import bench_gui
    finally:
        sys.path.remove(str(ROOT / "bench"))
    times = bench_gui.startup(2)
    assert min(times) <= 1.0


def test_starting_the_window_imports_neither_pandas_nor_the_engine() -> None:
    code = (
        "import sys; from desktop.app import create_app; app = create_app();"
        "from desktop.main_window import MainWindow; w = MainWindow(); w.show();"
        # The engine package itself is light (its facade loads on first use): the window may
        # read the formatter and the paths, never the facade, pandas or SQLAlchemy.
        "heavy = ('pandas', 'engine.facade', 'engine.store.workspace', 'sqlalchemy');"
        "print(sorted(m for m in heavy if m in sys.modules))"
        "; w.close()"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_the_standalone_entry_shows_the_window_before_loading_the_engine() -> None:
    """The frozen app's entry (packaging/launcher.py) with no command skips the command line."""
    code = (
        "import runpy, sys; main = runpy.run_path('packaging/launcher.py')['main'];"
        "status = main(['--quit-when-shown']);"
        "heavy = ('pandas', 'engine.facade', 'engine.cli', 'sqlalchemy');"
        "print(status, sorted(m for m in heavy if m in sys.modules))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-1] == "0 []"
    assert "window shown at" in out


def test_the_overlap_command_starts_the_way_the_standalone_app_does() -> None:
    """From a source install, ``overlap`` is desktop.launcher too: the window, then the engine."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["overlap"] == "desktop.launcher:main"
    code = (
        "import sys; from desktop.launcher import main; status = main(['--quit-when-shown']);"
        "heavy = ('pandas', 'engine.facade', 'engine.cli', 'sqlalchemy');"
        "print(status, sorted(m for m in heavy if m in sys.modules))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines()[-1] == "0 []"


def test_missing_x11_libraries_are_named_instead_of_qt_aborting() -> None:
    """On a Linux desktop without one of the xcb libraries, Qt would abort with a paragraph
    about its plugin; the app names the packages to install and exits with status 2."""
    code = (
        "import sys; from desktop import system_libraries as s;"
        "s.XCB_LIBRARIES['libovl-absent.so.0'] = 'libovl-absent0';"
        "from engine.cli import main; sys.exit(main([]))"
    )
    env = {**os.environ, "DISPLAY": ":99", "QT_QPA_PLATFORM": ""}
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "sudo apt-get install" in result.stderr and "libovl-absent0" in result.stderr
