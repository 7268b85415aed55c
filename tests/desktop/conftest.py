"""Strict fixtures for the desktop tests (after qutebrowser's and napari's).

A test fails if it leaves a worker thread or process running, an active timer, or a visible
top-level window behind. Every modal dialog is answered by ``dialogs`` (a recorder the test can
read and script), so nothing ever blocks; a dialog shown without an answer ready fails loudly.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from desktop import dialogs as dialogs_module

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"


@dataclass
class DialogScript:
    """What the patched dialogs were asked, and the answers to give."""

    calls: list[tuple[str, str]] = field(default_factory=list)
    open_files: list[str] = field(default_factory=list)
    save_files: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    texts: list[str | None] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    confirms: list[bool] = field(default_factory=list)
    deals: list[dict[str, Any] | None] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [text for kind, text in self.calls if kind in ("error", "crash")]


class _TrackedTimer(QTimer):
    live: ClassVar[list[_TrackedTimer]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _TrackedTimer.live.append(self)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Iterator[DialogScript]:
    script = DialogScript()

    def pop(queue: list[Any], kind: str, title: str) -> Any:
        script.calls.append((kind, title))
        if not queue:
            raise AssertionError(f"a {kind} dialog ({title!r}) was shown with no answer scripted")
        return queue.pop(0)

    monkeypatch.setattr(
        dialogs_module,
        "choose_open_file",
        lambda _p, title, *_a, **_k: pop(script.open_files, "open", title),
    )
    monkeypatch.setattr(
        dialogs_module,
        "choose_save_file",
        lambda _p, title, *_a, **_k: pop(script.save_files, "save", title),
    )
    monkeypatch.setattr(
        dialogs_module,
        "choose_folder",
        lambda _p, title, *_a, **_k: pop(script.folders, "folder", title),
    )
    monkeypatch.setattr(
        dialogs_module, "ask_text", lambda _p, title, *_a, **_k: pop(script.texts, "text", title)
    )
    monkeypatch.setattr(
        dialogs_module,
        "ask_secret",
        lambda _p, title, *_a, **_k: pop(script.secrets, "secret", title),
    )
    monkeypatch.setattr(
        dialogs_module,
        "confirm",
        lambda _p, title, *_a, **_k: pop(script.confirms, "confirm", title),
    )
    monkeypatch.setattr(
        dialogs_module, "ask_deal", lambda _p, title, *_a, **_k: pop(script.deals, "deal", title)
    )
    monkeypatch.setattr(
        dialogs_module,
        "show_error",
        lambda _p, title, text: script.calls.append(("error", f"{title}: {text}")),
    )
    monkeypatch.setattr(
        dialogs_module, "show_info", lambda _p, title, text: script.calls.append(("info", title))
    )
    monkeypatch.setattr(
        dialogs_module,
        "show_saved",
        lambda _p, title, path: script.calls.append(("saved", path)),
    )
    monkeypatch.setattr(
        dialogs_module, "show_about", lambda _p, title, text: script.calls.append(("about", text))
    )
    monkeypatch.setattr(
        dialogs_module,
        "show_crash",
        lambda _p, text, details: script.calls.append(("crash", details)),
    )

    def refuse_exec(self: Any, *_a: Any) -> int:
        raise AssertionError(f"{type(self).__name__}.exec() would block the test")

    monkeypatch.setattr(QMessageBox, "exec", refuse_exec)
    monkeypatch.setattr(QDialog, "exec", refuse_exec)
    yield script
    crashes = [text for kind, text in script.calls if kind == "crash"]
    assert not crashes, f"the crash dialog was shown:\n{crashes[0]}"


@pytest.fixture(autouse=True)
def _track_timers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Swap QTimer in every loaded desktop module for one that records its instances."""
    _TrackedTimer.live = []
    for name, module in list(sys.modules.items()):
        if name.startswith("desktop") and getattr(module, "QTimer", None) is QTimer:
            monkeypatch.setattr(module, "QTimer", _TrackedTimer)
    yield


@pytest.fixture(autouse=True)
def _strict_leftovers(qapp: QApplication, qtbot: Any) -> Iterator[None]:
    """Fail a test that leaves a thread, an active timer or a visible window behind."""
    from desktop.operations import core

    threads_before = set(threading.enumerate())
    yield
    problems = []
    for window in QApplication.topLevelWidgets():
        if window.isVisible():
            problems.append(f"window left open: {type(window).__name__} {window.objectName()!r}")
            window.close()
    for ops in list(core.LIVE):
        if ops.is_running():
            problems.append("an Operations worker thread is still running")
            ops.shutdown()
    active = [t for t in _TrackedTimer.live if _alive(t) and t.isActive()]
    if active:
        problems.append(f"{len(active)} timer(s) still active")
        for timer in active:
            timer.stop()
    children = multiprocessing.active_children()
    if children:
        problems.append(f"processes left running: {[c.name for c in children]}")
        for child in children:
            child.terminate()
            child.join(5)
    if QThreadPool.globalInstance().activeThreadCount():
        problems.append("the global thread pool still has work running")
    extra = [
        t for t in set(threading.enumerate()) - threads_before if t.is_alive() and not t.daemon
    ]
    if extra:
        problems.append(f"Python threads left running: {[t.name for t in extra]}")
    if problems:
        pytest.fail("; ".join(problems))


def _alive(obj: Any) -> bool:
    try:
        import shiboken6

        return shiboken6.isValid(obj)
    except ImportError:  # pragma: no cover
        return True


@pytest.fixture
def window(qtbot: Any) -> Iterator[Any]:
    """The main window with no workspace open; closed (threads stopped) at the end."""
    from desktop.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    wait_idle(qtbot, win)
    win.close()


def wait_idle(qtbot: Any, win: Any, timeout: int = 60_000) -> None:
    """Wait until every job asked of the window's operations has come back."""
    qtbot.waitUntil(lambda: not win.ops.is_busy(), timeout=timeout)


def until(qtbot: Any, condition: Callable[[], Any], timeout: int = 30_000) -> None:
    qtbot.waitUntil(lambda: bool(condition()), timeout=timeout)
