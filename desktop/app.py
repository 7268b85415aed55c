"""Start the desktop app: Qt, the style sheet, logging, the crash dialog and the main window.

Heavy modules (pandas, the engine) are not imported here: the window shows first and the
workspace opens on the database worker, so the app is usable well under a second after launch.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
import traceback
from collections.abc import Sequence
from functools import partial
from types import TracebackType

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from desktop import system_libraries
from desktop.settings import engine_paths

log = logging.getLogger("desktop")


def log_path() -> str:
    return str(engine_paths().log_dir() / "overlap.log")


def setup_logging() -> None:
    root = logging.getLogger()
    if any(getattr(h, "_overlap", False) for h in root.handlers):
        return
    handler = logging.handlers.RotatingFileHandler(
        log_path(), maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._overlap = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def excepthook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """An exception nobody caught (e.g. in a slot): log it, tell the user where the log is."""
    details = "".join(traceback.format_exception(kind, error, tb))
    log.error("uncaught exception\n%s", details)
    if issubclass(kind, KeyboardInterrupt):
        return
    from desktop import dialogs

    app = QApplication.instance()
    window = app.activeWindow() if isinstance(app, QApplication) else None
    dialogs.show_crash(
        window,
        "Something went wrong and Overlap could not finish what it was doing. Your workspace "
        f"keeps its last saved state.\n\nThe details are in the log:\n{log_path()}",
        details,
    )


def load_style(app: QApplication) -> None:
    path = engine_paths().resources_dir() / "style.qss"
    if path.is_file():
        app.setStyleSheet(path.read_text(encoding="utf-8"))


# How long a thread waiting for the GIL waits before asking the running one to hand it over.
# Every call from Python into Qt releases and re-takes the GIL, so while the database worker
# runs, a GUI slot making twenty Qt calls would wait up to twenty times this; Python's 5 ms
# default turns that into visible stalls, 0.5 ms keeps them far below a frame.
SWITCH_INTERVAL = 0.0005


def create_app(argv: Sequence[str] | None = None) -> QApplication:
    sys.setswitchinterval(SWITCH_INTERVAL)
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(list(argv if argv is not None else sys.argv[:1]))
    app.setApplicationName("Overlap")
    app.setApplicationDisplayName("Overlap")
    app.setOrganizationName("Overlap")
    app.setDesktopFileName("overlap")
    load_style(app)
    from desktop.operations.formats import use_system_locale

    use_system_locale()  # money, counts and dates as the system's locale writes them
    return app


def main(
    argv: Sequence[str] | None = None,
    *,
    demo: bool = False,
    quit_after: float | None = None,
    quit_when_shown: bool = False,
) -> int:
    """Open the app: on the last workspace, or the demo one (built on first run).

    ``quit_after`` (seconds) closes the window that long after the workspace has opened.
    ``quit_when_shown`` opens no workspace: once the window is shown and the event loop has
    run, it prints ``window shown at <seconds since the epoch>`` and quits (start-up timing).
    """
    missing = system_libraries.missing_packages()
    if missing:
        print(f"error: {system_libraries.missing_message(missing)}", file=sys.stderr)
        return 2
    setup_logging()
    app = create_app(argv)
    sys.excepthook = excepthook
    from desktop.main_window import MainWindow

    window = MainWindow()
    window.show()
    if quit_when_shown:

        def shown() -> None:
            print(f"window shown at {time.time():.4f}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, shown)
        return int(app.exec())
    last = window.settings.last_workspace()
    from pathlib import Path

    if demo or not last or not Path(last).is_file():
        QTimer.singleShot(0, window.open_demo)
    else:
        QTimer.singleShot(0, partial(window.open_workspace, last))
    if quit_after is not None:
        delay = int(quit_after * 1000)

        def close_soon(_info: object) -> None:  # GUI thread to GUI thread
            QTimer.singleShot(delay, window.close)

        window.workspace_opened.connect(close_soon)
        # If the workspace never opens (a broken install), still end, with an error status.
        QTimer.singleShot(delay + 300_000, partial(app.exit, 1))
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
