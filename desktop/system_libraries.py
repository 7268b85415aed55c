"""The system libraries Qt's X11 platform needs on Linux, checked before Qt starts.

Without one of them, Qt prints a paragraph about its "xcb" plugin and aborts the process;
naming the missing packages instead tells the user the one command that fixes it.
"""

from __future__ import annotations

import ctypes
import os
import sys

from desktop.settings import engine_paths

# The libraries Qt's xcb platform plugin loads that a desktop Linux may lack: soname and the
# Debian / Ubuntu package that has it.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}


def _uses_xcb() -> bool:
    """Whether Qt will start its X11 platform: on Linux, with an X display and no other
    platform asked for."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    return (
        sys.platform.startswith("linux")
        and bool(os.environ.get("DISPLAY"))
        and (platform == "" or platform.startswith("xcb"))
        and not os.environ.get("WAYLAND_DISPLAY")
    )


def _loads(soname: str) -> bool:
    # A standalone build may carry the library in its own folder, outside the search path.
    bundle = engine_paths().bundle_dir()
    for candidate in (soname, *([str(bundle / soname)] if bundle else [])):
        try:
            ctypes.CDLL(candidate)
            return True
        except OSError:
            continue
    return False


def missing_packages() -> list[str]:
    """The Debian packages of the X11 libraries Qt needs that cannot be loaded; empty when
    all load or Qt will not use X11."""
    if not _uses_xcb():
        return []
    return [package for soname, package in XCB_LIBRARIES.items() if not _loads(soname)]


def missing_message(packages: list[str]) -> str:
    return (
        "the app cannot open its window: this system lacks libraries Qt needs for X11 ("
        + ", ".join(packages)
        + "); install them, on Debian or Ubuntu with: sudo apt-get install "
        + " ".join(packages)
    )
