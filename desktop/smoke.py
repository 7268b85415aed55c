"""``overlap --smoke-test``: the installed app checks itself, offscreen, in a few seconds.

It starts the real window (offscreen; every dialog answered on stderr) in a temporary
OVERLAP_HOME unless one is set, opens the demo workspace (built on first use, as on a first
launch), then does what a user does on the first three steps, through the pages and the same
operations and worker process: on Import it reads and imports both demo exports again, on
Match it runs the matching, and it opens Overlaps. It checks that the bundled resources were
found (style sheet, icons, demo exports) and that each step ended with real results.

Exit status 0 when all of it worked within the time limit; 1 otherwise, with one line per
problem on stderr: a failed job, a dialog, an uncaught exception, an error in the log, a Qt
warning, an empty result, or the time limit. Either way it leaves a picture of the window,
``smoke-test.png``, in the log folder. The installer's build runs it on the frozen app
(``build_installer.py``).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QTimer, QtMsgType, Signal, qInstallMessageHandler

POLL_MS = 20
# The picture of the window the test leaves in the log folder.
SCREENSHOT = "smoke-test.png"
# Qt notes that say nothing about the app (the same list as the test suite's).
IGNORED_QT_MESSAGES = ("This plugin does not support propagateSizeHints",)


@dataclass
class Step:
    text: str
    start: Callable[[], None]
    done: Callable[[], bool]


class _ErrorLog(logging.Handler):
    """Every error the app logs is a failure of the smoke test; shown on stderr as well."""

    def __init__(self, failures: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.failures = failures
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        print(text, file=sys.stderr, flush=True)
        self.failures.append(f"the app logged an error: {record.getMessage()}")


class SmokeTest(QObject):
    """Runs the steps one after the other on the GUI thread; ``code`` is the exit status."""

    finished = Signal(int)  # the exit status, once the window is closed

    def __init__(
        self, window: Any, seconds: float, dialogs_seen: list[str], failures: list[str]
    ) -> None:
        super().__init__(window)
        self.window = window
        self.seconds = seconds
        self.dialogs_seen = dialogs_seen
        self.failures = failures
        self.code: int | None = None
        self.facts: list[str] = []
        self._steps = self._plan()
        self._index = -1
        self._started = 0.0
        self._step_started = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._tick)

    # ------------------------------------------------------------------ the steps

    def _plan(self) -> list[Step]:
        # Long on purpose: the steps are small closures over the window, read in the order they
        # run; the list at the end is the plan.
        from desktop.settings import engine_paths

        window = self.window
        ours = str(engine_paths().resource("demo", "acme_salesforce.csv"))
        theirs = str(engine_paths().resource("demo", "globex_hubspot.csv"))
        seen: dict[str, Any] = {}

        def page(key: str) -> Any:
            return window.pages[key]

        def open_demo() -> None:
            self._check_resources()
            window.open_demo()

        def demo_open() -> bool:
            return window.workspace is not None and window.partner is not None

        def choose(side: str | None, path: str) -> Callable[[], None]:
            def start() -> None:
                if not Path(path).is_file():
                    self.fail(f"the demo export {path} is missing from the app's resources")
                    return
                window.go_to("import")
                importing = page("import")
                index = importing.side_combo.findData(side or window.partner.name)
                if index < 0:
                    self.fail(f"the Import page offers no side {side or window.partner.name!r}")
                    return
                importing.side_combo.setCurrentIndex(index)
                importing.load_file(path)

            return start

        def previewed(path: str) -> Callable[[], bool]:
            def done() -> bool:
                preview = page("import").preview
                return preview is not None and preview.path == path

            return done

        def run_import() -> None:
            importing = page("import")
            if not importing.import_button.isEnabled():
                self.fail("the Import button stayed disabled after the preview")
                return
            summary = importing.preview.summary
            name = importing.preview.file_name
            if not summary["imported"]:
                self.fail(f"the preview of {name} found no accounts")
            self.facts.append(f"{summary['imported']:,} accounts from {name}")
            importing.run_import()

        def imported() -> bool:
            return "Imported." in page("import").validation_label.text()

        def run_matching() -> None:
            window.go_to("match")
            matching = page("match")
            seen["matches"] = matching.view
            if not matching.run_button.isEnabled():
                self.fail("the Run matching button is disabled")
                return
            matching.run_matching()

        def matched() -> bool:
            view = page("match").view
            if view is None or view is seen.get("matches"):
                return False
            self.facts.append(f"{len(view.matches):,} matches")
            return True

        def show_overlaps() -> None:
            seen["overlaps"] = page("overlaps").view if "overlaps" in window.pages else None
            window.go_to("overlaps")

        def overlaps_shown() -> bool:
            view = page("overlaps").view
            if view is None or view is seen.get("overlaps"):
                return False
            counts = view.counts
            self.facts.append(
                f"ours only {counts.get('ours_only', 0):,} · shared {counts.get('shared', 0):,}"
                f" · partner only {counts.get('partner_only', 0):,}"
            )
            if not counts.get("shared"):
                self.fail("the Overlaps page shows no shared account")
            return True

        return [
            Step("open the demo workspace", open_demo, demo_open),
            Step("read our export", choose("us", ours), previewed(ours)),
            Step("import our export", run_import, imported),
            Step("read the partner's export", choose(None, theirs), previewed(theirs)),
            Step("import the partner's export", run_import, imported),
            Step("match", run_matching, matched),
            Step("show the overlaps", show_overlaps, overlaps_shown),
        ]

    def _check_resources(self) -> None:
        from desktop.settings import engine_paths

        style = engine_paths().resources_dir() / "style.qss"
        if not style.is_file() or not style.stat().st_size:
            self.fail(f"the style sheet {style} is missing from the app's resources")
        if self.window.windowIcon().pixmap(32, 32).isNull():
            self.fail("the app's icon (an SVG in its resources) cannot be drawn")

    # ------------------------------------------------------------------ running

    def start(self) -> None:
        self._started = time.monotonic()
        self._timer.start()

    def fail(self, reason: str) -> None:
        self.failures.append(reason)

    def _tick(self) -> None:
        if self.code is not None:
            return
        self.failures += [f"a dialog was shown: {text}" for text in self.dialogs_seen]
        self.dialogs_seen.clear()
        if self.failures:
            self._finish(1)
            return
        elapsed = time.monotonic() - self._started
        if elapsed > self.seconds:
            what = self._steps[self._index].text if self._index >= 0 else "starting"
            self.fail(f"not done after {self.seconds:g} s (still at: {what})")
            self._finish(1)
            return
        if self._index >= 0 and (self.window.ops.is_busy() or not self._steps[self._index].done()):
            return
        if self._index >= 0:
            step = self._steps[self._index]
            took = time.monotonic() - self._step_started
            print(f"smoke test: {step.text} ({took:.2f} s)", flush=True)
        self._index += 1
        if self._index == len(self._steps):
            self._finish(0)
            return
        self._step_started = time.monotonic()
        self._steps[self._index].start()

    def _finish(self, code: int) -> None:
        self._timer.stop()
        elapsed = time.monotonic() - self._started
        self._picture()
        code = 1 if self.failures else code
        self.code = code
        if code == 0:
            print(f"smoke test passed in {elapsed:.2f} s: " + "; ".join(self.facts), flush=True)
        else:
            for reason in self.failures:
                print(f"smoke test failed: {reason}", file=sys.stderr, flush=True)
        self.window.close()
        self.finished.emit(code)

    def _picture(self) -> None:
        """The window as the test leaves it, in the log folder, for a person to look at."""
        from desktop.settings import engine_paths

        path = engine_paths().log_dir() / SCREENSHOT
        if not self.window.grab().save(str(path)):
            self.fail(f"cannot save a picture of the window to {path}")


def _qt_messages(failures: list[str]) -> Callable[[Any, Any, str], None]:
    def handler(kind: Any, _context: Any, message: str) -> None:
        if any(ignored in message for ignored in IGNORED_QT_MESSAGES):
            return
        print(message, file=sys.stderr, flush=True)
        if kind not in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg):
            failures.append(f"Qt warned: {message}")

    return handler


def main(seconds: float) -> int:
    """Run the smoke test; returns the exit status (0 when everything worked)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if os.environ.get("OVERLAP_HOME"):
        return _run(seconds)
    with tempfile.TemporaryDirectory(prefix="overlap-smoke-", ignore_cleanup_errors=True) as tmp:
        os.environ["OVERLAP_HOME"] = str(Path(tmp) / "home")
        try:
            return _run(seconds)
        finally:
            del os.environ["OVERLAP_HOME"]


def _run(seconds: float) -> int:
    from desktop import app as desktop_app
    from desktop.headless import silence_dialogs

    failures: list[str] = []
    handlers_before = set(logging.getLogger().handlers)
    desktop_app.setup_logging()
    logging.getLogger().addHandler(_ErrorLog(failures))
    previous_handler = qInstallMessageHandler(_qt_messages(failures))
    previous_hook = sys.excepthook
    desktop_app.create_app()
    sys.excepthook = desktop_app.excepthook
    dialogs_seen = silence_dialogs()
    from desktop.main_window import MainWindow

    window = MainWindow()
    window.show()
    test = SmokeTest(window, seconds, dialogs_seen, failures)
    # A loop of its own, not the application's: ending it leaves QApplication as it was.
    loop = QEventLoop()
    test.finished.connect(loop.exit)
    QTimer.singleShot(0, test.start)
    loop.exec()
    qInstallMessageHandler(previous_handler)
    sys.excepthook = previous_hook
    root = logging.getLogger()
    for handler in set(root.handlers) - handlers_before:  # closed before their folder goes
        root.removeHandler(handler)
        handler.close()
    if test.code is None:
        print("smoke test failed: the app ended before the test did", file=sys.stderr)
        return 1
    return test.code
