"""Build a standalone Overlap (PyInstaller, one folder) and smoke-test the frozen app.

    .venv/bin/pip install -e ".[build]"
    .venv/bin/python build_installer.py            # build into dist/Overlap/, then test it
    .venv/bin/python build_installer.py --test-only

The smoke test runs the frozen ``overlap`` headless on the demo exports (import, match,
overlap) in a temporary OVERLAP_HOME, and starts the desktop app offscreen for a moment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
NAME = "Overlap"


def build() -> Path:
    try:
        import PyInstaller.__main__ as pyinstaller
    except ImportError:
        sys.exit("error: PyInstaller is not installed (.venv/bin/pip install pyinstaller)")
    separator = os.pathsep
    pyinstaller.run(
        [
            str(ROOT / "engine" / "__main__.py"),
            "--name",
            NAME,
            "--onedir",
            "--noconfirm",
            "--clean",
            "--distpath",
            str(DIST),
            "--workpath",
            str(ROOT / "build"),
            "--specpath",
            str(ROOT / "build"),
            "--add-data",
            f"{ROOT / 'resources'}{separator}resources",
            "--collect-submodules",
            "engine",
            "--collect-submodules",
            "desktop",
            "--collect-data",
            "tldextract",
            "--hidden-import",
            "desktop.app",
            # Nothing is ever fetched: keep the network stacks Qt would pull in out of the build.
            "--exclude-module",
            "PySide6.QtNetwork",
            "--exclude-module",
            "tkinter",
        ]
    )
    return executable()


def executable() -> Path:
    suffix = ".exe" if sys.platform == "win32" else ""
    return DIST / NAME / f"{NAME}{suffix}"


def smoke_test(app: Path) -> None:
    """Run the frozen app the way a user would, in a throwaway home folder."""
    if not app.exists():
        sys.exit(f"error: no frozen app at {app}; build it first")
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, OVERLAP_HOME=home, QT_QPA_PLATFORM="offscreen")
        demo = subprocess.run(
            [str(app), "demo", "--print"], env=env, capture_output=True, text=True, timeout=300
        )
        if demo.returncode != 0 or "shared" not in demo.stdout:
            sys.exit(f"error: the frozen app failed on the demo:\n{demo.stdout}\n{demo.stderr}")
        print(demo.stdout)
        gui = subprocess.run(
            [str(app), "demo", "--quit-after", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if gui.returncode != 0:
            sys.exit(f"error: the frozen desktop app did not start:\n{gui.stderr}")
    print(f"smoke test passed: {app}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--test-only", action="store_true", help="test an existing build")
    args = parser.parse_args()
    smoke_test(executable() if args.test_only else build())


if __name__ == "__main__":
    main()
