"""The worker process: runs the heavy jobs outside the GUI process, so its GIL stays free.

A thread cannot keep a long C call (a pandas merge, an SQLite fetch, a rapidfuzz scorer, an
``executemany``) from holding the GIL for tens or hundreds of milliseconds, and while it does
the GUI thread cannot run any Python: the window freezes. So the database worker thread
(``desktop.operations.core``) hands the heavy jobs to one child process, started on the first such
job and stopped with the operations (workspace closed, app quit).

The child opens the same workspace file with ``Workspace.open(path, lock=False)`` (the GUI
process holds the lock, and closes the child's handle before it gives the lock up), runs the
job function with a context shaped like ``JobContext``, and answers through a pipe: progress
messages, then the result (plain picklable data) or the error as (kind, sentence, traceback).
The thread waits on the pipe with the GIL released; cancelling sets a shared event that the
engine's ``cancel`` callback reads.

This module imports no Qt; the job functions it runs are found by module and name.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import pickle
import sys
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

# How often, at most, the child sends progress.
PROGRESS_INTERVAL = 0.05
# How long the thread waits on the pipe between checks for cancel and a dead child.
POLL_SECONDS = 0.05
# How long a stopping child may take to close its workspace before it is terminated.
STOP_SECONDS = 10.0
# The child's niceness: it still gets every idle CPU, but when the GUI process wakes up (a
# repaint, a key press) the scheduler runs it first instead of sharing the cores with the job.
NICENESS = 10


class WorkerProcessError(Exception):
    """A job failed in the worker process; ``kind`` is cancelled / user / bug."""

    def __init__(self, kind: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.details = details


# ---------------------------------------------------------------------- in the GUI process


class WorkerProcess:
    """The GUI process's handle on the child. Used from the database worker thread only."""

    def __init__(self) -> None:
        self._process: Any = None
        self._conn: Connection | None = None
        self._cancel: Any = None

    def is_alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _start(self) -> None:
        # "spawn" everywhere: forking a process that runs Qt threads is unsafe, and Windows and
        # macOS spawn anyway. The child imports only what its jobs need.
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        self._cancel = context.Event()
        self._process = context.Process(
            target=serve, args=(theirs, self._cancel), name="overlap-worker", daemon=True
        )
        self._process.start()
        theirs.close()
        self._conn = ours

    def call(
        self,
        module: str,
        name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        workspace: str | None,
        clear_cache: bool,
        progress: Callable[[float, str], None],
        cancel: Callable[[], bool],
    ) -> Any:
        """Run ``module.name(context, *args, **kwargs)`` in the child; its result or its error."""
        if not self.is_alive():
            self._reset()
            self._start()
        assert self._conn is not None
        self._cancel.clear()
        self._conn.send(("run", module, name, args, kwargs, workspace, clear_cache))
        while True:
            if cancel() and not self._cancel.is_set():
                self._cancel.set()
            message = self._receive()
            if message is None:
                continue
            if message[0] == "progress":
                progress(message[1], message[2])
            elif message[0] == "done":
                return message[1]
            elif message[0] == "failed":
                raise WorkerProcessError(message[1], message[2], message[3])

    def _receive(self) -> Any:
        """The child's next message, None after a quiet poll; an error if the child died."""
        assert self._conn is not None
        try:
            if self._conn.poll(POLL_SECONDS):
                return receive_message(self._conn)
        except (EOFError, OSError):
            pass
        else:
            if self._process.is_alive():
                return None
        code = self._process.exitcode
        self._reset()
        raise WorkerProcessError(
            "bug",
            f"the worker process stopped unexpectedly (exit code {code}); nothing was changed",
        )

    def close_workspace(self) -> None:
        """Make the child close its handle on the workspace (before the lock is given up)."""
        if not self.is_alive():
            return
        assert self._conn is not None
        self._conn.send(("close",))
        while True:
            message = self._receive()
            if message is not None and message[0] == "closed":
                return

    def stop(self) -> None:
        """Ask the child to close its workspace and end; terminate it if it does not."""
        if self._process is None:
            return
        try:
            if self._process.is_alive() and self._conn is not None:
                self._conn.send(("stop",))
        except OSError:
            pass
        self._process.join(STOP_SECONDS)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(STOP_SECONDS)
        self._reset()

    def _reset(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(STOP_SECONDS)
            self._process.close()
        self._process = None
        self._conn = None


# ---------------------------------------------------------------------- in the child


class ProcessContext:
    """What a job function gets in the child: the same names as ``JobContext``."""

    in_worker_process = True

    def __init__(self, conn: Connection, cancel_event: Any) -> None:
        self._conn = conn
        self._cancel_event = cancel_event
        self._workspace: Any = None
        self._last_progress = 0.0
        # Read-only data kept between jobs (e.g. a read export for the next preview).
        self.cache: dict[Any, Any] = {}

    @property
    def workspace(self) -> Any:
        if self._workspace is None:
            from engine import WorkspaceError

            raise WorkspaceError("no workspace is open; create or open one first")
        return self._workspace

    @property
    def has_workspace(self) -> bool:
        return self._workspace is not None

    def set_workspace(self, _workspace: Any) -> None:
        raise RuntimeError("a job that opens or closes the workspace runs on the database thread")

    def progress(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_INTERVAL or fraction >= 1.0:
            self._last_progress = now
            send_message(self._conn, ("progress", float(fraction), str(message)))

    def cancel(self) -> bool:
        return bool(self._cancel_event.is_set())

    def use(self, path: str | None, clear_cache: bool) -> None:
        """Have ``path`` open (or nothing, for None) before a job runs."""
        if clear_cache:
            self.cache.clear()
        current = None if self._workspace is None else str(self._workspace.path)
        if current == path:
            return
        self.close()
        if path is not None:
            from engine import Workspace

            self._workspace = Workspace.open(path, lock=False)

    def close(self) -> None:
        self.cache.clear()
        if self._workspace is not None:
            workspace, self._workspace = self._workspace, None
            workspace.close()


def _describe(error: BaseException) -> tuple[str, str, str]:
    from engine import Cancelled, OverlapError

    if isinstance(error, Cancelled):
        return "cancelled", "Cancelled; nothing was changed.", ""
    if isinstance(error, OverlapError):
        return "user", str(error), ""
    if isinstance(error, MemoryError):
        return "user", "Not enough memory for this file; close other programs and try again.", ""
    details = "".join(traceback.format_exception(error))
    return "bug", f"{type(error).__name__}: {error}", details


def _run(context: ProcessContext, message: tuple[Any, ...]) -> tuple[Any, ...]:
    _, module, name, args, kwargs, path, clear_cache = message
    context._last_progress = 0.0
    try:
        context.use(path, clear_cache)
        fn = getattr(importlib.import_module(module), name)
        result = compact(fn(context, *args, **kwargs))
    except BaseException as error:
        return ("failed", *_describe(error))
    return ("done", result)


# Frames shorter than this cross as they are; converting them would cost more than it saves.
COMPACT_ROWS = 10_000


def compact(value: Any) -> Any:
    """``value`` with the text columns of its big DataFrames stored as Arrow strings.

    A column of Python strings (``object`` dtype, as merges leave them) pickles as one
    object per value, and unpickling it in the GUI process is a C loop that holds the GIL
    for milliseconds per column: a 200k-row mapping took 300 ms. As Arrow strings it crosses
    as a few buffers. Values are the same; a missing one reads as NaN, as in every frame
    read from the workspace. Looks inside dataclasses, tuples, lists and dicts, one level.
    """
    import dataclasses

    frame_type = _frame_type()
    if frame_type is not None and isinstance(value, frame_type):
        return _compact_frame(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in dataclasses.fields(value):
            if not field.init:
                continue
            item = getattr(value, field.name)
            if frame_type is not None and isinstance(item, frame_type):
                new = _compact_frame(item)
                if new is not item:
                    changes[field.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, list):
        return [_compact_item(item, frame_type) for item in value]
    if type(value) is tuple:
        return tuple(_compact_item(item, frame_type) for item in value)
    if isinstance(value, dict):
        return {key: _compact_item(item, frame_type) for key, item in value.items()}
    return value


def _compact_item(item: Any, frame_type: Any) -> Any:
    if frame_type is not None and isinstance(item, frame_type):
        return _compact_frame(item)
    return item


def _frame_type() -> Any:
    pandas = sys.modules.get("pandas")
    return None if pandas is None else pandas.DataFrame


def _compact_frame(frame: Any) -> Any:
    if len(frame) < COMPACT_ROWS:
        return frame
    import pandas as pd

    text = [
        column
        for column, dtype in frame.dtypes.items()
        if pd.api.types.is_object_dtype(dtype)
        and pd.api.types.infer_dtype(frame[column], skipna=True) == "string"
    ]
    if not text:
        return frame
    return frame.astype(dict.fromkeys(text, "str"))


def _lower_priority() -> None:
    """Let the GUI process come first when both want a core (see ``NICENESS``)."""
    try:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows builds
            import ctypes

            below_normal = 0x4000
            kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
            kernel.SetPriorityClass(kernel.GetCurrentProcess(), below_normal)
        else:
            os.nice(NICENESS)
    except OSError:
        pass


def send_message(conn: Connection, message: Any) -> None:
    """Send ``message`` to the GUI process with its big buffers (numpy arrays, Arrow columns)
    out of band: pickle protocol 5 writes them apart, each crosses the pipe as it is, and
    the GUI process rebuilds the message around them (``receive_message``)."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    conn.send_bytes(len(buffers).to_bytes(4, "little") + data)
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def receive_message(conn: Connection) -> Any:
    """A message ``send_message`` sent. Reading the pipe lets the GUI thread run (the GIL is
    free while the bytes arrive); only putting the objects together holds it, a few
    milliseconds where unpickling a 50 MB view held it for 20-60 ms."""
    head = conn.recv_bytes()
    count = int.from_bytes(head[:4], "little")
    buffers = [conn.recv_bytes() for _ in range(count)]
    return pickle.loads(memoryview(head)[4:], buffers=buffers)


def serve(conn: Connection, cancel_event: Any) -> None:
    """The child's loop: one request at a time until asked to stop or the pipe closes."""
    import signal

    from engine import forbid_network_if_asked

    # Ctrl+C in a terminal reaches the whole process group; the GUI process decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    forbid_network_if_asked()
    _lower_priority()
    context = ProcessContext(conn, cancel_event)
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if message[0] == "stop":
                break
            if message[0] == "close":
                context.close()
                send_message(conn, ("closed",))
                continue
            reply = _run(context, message)
            try:
                send_message(conn, reply)
            except Exception as error:  # a result that cannot be pickled is a bug
                send_message(conn, ("failed", *_describe(error)))
    finally:
        context.close()
        conn.close()
