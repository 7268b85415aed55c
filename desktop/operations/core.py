"""The job machinery of ``desktop.operations``: every job runs on one database worker thread.

A page asks for work with ``Operations.run(label, fn, on_success=..., on_failure=...)``. ``fn``
receives a ``JobContext`` (the open workspace, a ``progress`` and a ``cancel`` callback in the
engine's convention) and runs on the worker; its result, or its error as one sentence, comes
back to the GUI thread by a queued signal and is handed to the callbacks there. One worker
means writes are serialized and the workspace's SQLite connections are used from one thread.

Rules kept here so no page has to remember them: no widget is touched inside ``fn``; no
``processEvents()`` loop; progress is throttled so a fast engine loop cannot flood the GUI
thread; an unexpected exception is logged with its traceback and reported, never swallowed.

Heavy jobs (``@in_worker_process``: import, matching, the pages' big reads, ...) go one step
further: the worker thread hands them to a child process (``worker_process``, beside this
module) and waits for the answer with the GIL released, so the long C calls of pandas, SQLite
and rapidfuzz never keep the GUI thread from running. Their arguments and results cross as
pickles: plain data.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from desktop.operations.worker_process import WorkerProcess, WorkerProcessError

log = logging.getLogger(__name__)

# Every Operations object alive, so tests can check that none left its thread running.
LIVE: weakref.WeakSet[Operations] = weakref.WeakSet()

# How often, at most, the worker reports progress to the GUI thread.
PROGRESS_INTERVAL = 0.05
# The worker thread's niceness (Linux): the GUI thread is scheduled first on a busy machine.
WORKER_NICENESS = 5


class JobContext:
    """What a job function gets on the worker: the workspace and the engine's callbacks."""

    def __init__(
        self,
        worker: _Worker,
        progress: Callable[[float, str], None],
        cancel: Callable[[], bool],
    ) -> None:
        self._worker = worker
        self.progress = progress
        self.cancel = cancel

    @property
    def workspace(self) -> Any:
        """The open ``engine.Workspace``; a clear user error when none is open."""
        if self._worker.workspace is None:
            from engine import WorkspaceError

            raise WorkspaceError("no workspace is open; create or open one first")
        return self._worker.workspace

    @property
    def has_workspace(self) -> bool:
        return self._worker.workspace is not None

    @property
    def cache(self) -> dict[Any, Any]:
        return self._worker.cache

    def set_workspace(self, workspace: Any) -> None:
        """Make ``workspace`` the open one, closing the previous one."""
        self._worker.cache.clear()
        previous = self._worker.workspace
        if previous is not None and previous is not workspace:
            # The worker process lets go of the file before this process gives up the lock.
            self._worker.process.close_workspace()
        self._worker.workspace = workspace
        if previous is not None and previous is not workspace:
            previous.close()

    def run_in_process(self, job: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
        """Run ``job`` (an ``@in_worker_process`` function) in the worker process."""
        worker = self._worker
        clear_cache, worker.process_cache_stale = worker.process_cache_stale, False
        return worker.process.call(
            job.__module__,
            job.__name__,
            args,
            kwargs,
            workspace=None if worker.workspace is None else str(worker.workspace.path),
            clear_cache=clear_cache,
            progress=self.progress,
            cancel=self.cancel,
        )


def in_worker_process(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a job function to run in the worker process (see ``worker_process``).

    Called on the database thread, it sends its module, name and arguments to the child and
    waits; in the child it runs ``fn``. The child finds it again by that module and name, so
    it must be defined at the top level of a module (a page's ``desktop.operations`` module).
    Its arguments and result must pickle, and it must not rely on changing an argument (the
    child changes its own copy).
    """

    @functools.wraps(fn)
    def job(context: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(context, "in_worker_process", False):
            return fn(context, *args, **kwargs)
        return context.run_in_process(job, args, kwargs)

    job.runs_in_worker_process = True  # type: ignore[attr-defined]
    return job


@dataclass
class Job:
    id: int
    label: str
    fn: Callable[[JobContext], Any]
    on_success: Callable[[Any], None] | None = None
    on_failure: Callable[[str, str], None] | None = None
    changes: tuple[str, ...] = ()
    cancel_event: threading.Event = field(default_factory=threading.Event)


class _Worker(QObject):
    """Lives on the database thread; runs one job at a time, in the order they were asked."""

    job_started = Signal(int)
    job_progressed = Signal(int, float, str)
    job_finished = Signal(int, object)
    job_failed = Signal(int, str, str)  # job id, kind (cancelled / user / bug), message

    def __init__(self) -> None:
        super().__init__()
        self.workspace: Any = None
        # Read-only data kept between jobs (e.g. a side's accounts for searching); cleared
        # whenever the workspace changes or a job reports that it changed data.
        self.cache: dict[Any, Any] = {}
        # The heavy jobs' process (started on the first one) and whether its cache is stale.
        self.process = WorkerProcess()
        self.process_cache_stale = False

    @Slot(object)
    def run_job(self, job: Job) -> None:
        if job.cancel_event.is_set():
            self.job_failed.emit(job.id, "cancelled", "Cancelled; nothing was changed.")
            return
        self.job_started.emit(job.id)
        last = 0.0

        def progress(fraction: float, message: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL or fraction >= 1.0:
                last = now
                self.job_progressed.emit(job.id, float(fraction), str(message))

        context = JobContext(self, progress, job.cancel_event.is_set)
        try:
            result = job.fn(context)
        except BaseException as error:
            kind, message = _describe(error)
            if kind == "bug":
                if isinstance(error, WorkerProcessError):
                    log.error("%s failed in the worker process\n%s", job.label, error.details)
                else:
                    log.error("%s failed", job.label, exc_info=error)
            self.job_failed.emit(job.id, kind, message)
        else:
            if job.changes:
                self.cache.clear()
                self.process_cache_stale = True
            self.job_finished.emit(job.id, result)

    @Slot()
    def close_workspace(self) -> None:
        try:
            self.process.close_workspace()
        except Exception:
            log.exception("closing the worker process's workspace failed")
        if self.workspace is not None:
            workspace, self.workspace = self.workspace, None
            try:
                workspace.close()
            except Exception:
                log.exception("closing the workspace failed")

    @Slot()
    def lower_priority(self) -> None:
        """Let the GUI thread come first when both want a core (this thread's own SQL, unpickling).

        Linux gives each thread its own niceness; elsewhere ``QThread.LowPriority`` does it.
        """
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)

    @Slot()
    def stop_process(self) -> None:
        try:
            self.process.stop()
        except Exception:
            log.exception("stopping the worker process failed")


def _describe(error: BaseException) -> tuple[str, str]:
    """(kind, one sentence) for an error raised by a job."""
    from engine import Cancelled, OverlapError

    if isinstance(error, WorkerProcessError) and error.kind != "bug":
        return error.kind, error.message
    if isinstance(error, Cancelled):
        return "cancelled", "Cancelled; nothing was changed."
    if isinstance(error, OverlapError):
        return "user", str(error)
    if isinstance(error, MemoryError):
        return "user", "Not enough memory for this file; close other programs and try again."
    from desktop.settings import engine_paths

    what = (
        error.message
        if isinstance(error, WorkerProcessError)
        else f"{type(error).__name__}: {error}"
    )
    return "bug", (
        f"Something went wrong ({what}). "
        f"Details are in the log: {engine_paths().log_dir() / 'overlap.log'}"
    )


class Operations(QObject):
    """The GUI side: submits jobs, reports progress and hands results to the callbacks."""

    job_requested = Signal(object)  # to the worker (queued across the thread)
    busy_changed = Signal(bool)
    progress_changed = Signal(str, float, str)  # job label, fraction (-1 = unknown), message
    data_changed = Signal(str)  # what a finished job changed: workspace, accounts, matches, ...
    job_failed = Signal(str, str, str)  # label, kind, message: for jobs without on_failure

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self._thread = QThread()
        self._thread.setObjectName("overlap-database")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self.job_requested.connect(self._worker.run_job, Qt.ConnectionType.QueuedConnection)
        self._worker.job_started.connect(self._on_job_started)
        self._worker.job_progressed.connect(self._on_job_progressed)
        self._worker.job_finished.connect(self._on_job_finished)
        self._worker.job_failed.connect(self._on_job_failed)
        self._thread.started.connect(self._worker.lower_priority)
        self._thread.start(QThread.Priority.LowPriority)
        self._closed = False
        LIVE.add(self)

    # ------------------------------------------------------------------ asking for work

    def run(
        self,
        label: str,
        fn: Callable[[JobContext], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[str, str], None] | None = None,
        changes: Iterable[str] = (),
    ) -> int:
        """Run ``fn`` on the database worker; returns the job's id (for ``cancel``)."""
        if self._closed:
            raise RuntimeError("operations are shut down")
        job = Job(next(self._ids), label, fn, on_success, on_failure, tuple(changes))
        was_busy = self.is_busy()
        self._jobs[job.id] = job
        if not was_busy:
            self.busy_changed.emit(True)
        self.job_requested.emit(job)
        return job.id

    def is_running(self) -> bool:
        """The worker thread is alive (until ``shutdown``)."""
        return self._thread.isRunning()

    def is_busy(self) -> bool:
        return bool(self._jobs)

    def pending_labels(self) -> list[str]:
        return [job.label for job in self._jobs.values()]

    @Slot()
    def cancel(self, job_id: int | None = None) -> None:
        """Ask the running job (or ``job_id``) and every waiting one to stop."""
        for job in list(self._jobs.values()):
            if job_id is None or job.id == job_id:
                job.cancel_event.set()

    def shutdown(self) -> None:
        """Cancel what is left, close the workspace on its thread and stop the thread."""
        if self._closed:
            return
        self._closed = True
        self.cancel()
        from PySide6.QtCore import QMetaObject

        for slot in ("close_workspace", "stop_process"):
            QMetaObject.invokeMethod(self._worker, slot, Qt.ConnectionType.BlockingQueuedConnection)
        self._thread.quit()
        self._thread.wait()
        self._jobs.clear()

    # ------------------------------------------------------------------ results, on the GUI thread

    @Slot(int)
    def _on_job_started(self, job_id: int) -> None:
        job = self._jobs.get(job_id)
        if job is not None:
            self.progress_changed.emit(job.label, -1.0, job.label)

    @Slot(int, float, str)
    def _on_job_progressed(self, job_id: int, fraction: float, message: str) -> None:
        job = self._jobs.get(job_id)
        if job is not None and not job.cancel_event.is_set():
            self.progress_changed.emit(job.label, fraction, message)

    @Slot(int, object)
    def _on_job_finished(self, job_id: int, result: object) -> None:
        job = self._jobs.pop(job_id, None)
        if job is None:
            return
        try:
            if job.on_success is not None:
                job.on_success(result)
        finally:
            for what in job.changes:
                self.data_changed.emit(what)
            if not self._jobs:
                self.busy_changed.emit(False)

    @Slot(int, str, str)
    def _on_job_failed(self, job_id: int, kind: str, message: str) -> None:
        job = self._jobs.pop(job_id, None)
        if job is None:
            return
        try:
            if job.on_failure is not None:
                job.on_failure(kind, message)
            elif kind != "cancelled":
                self.job_failed.emit(job.label, kind, message)
        finally:
            if not self._jobs:
                self.busy_changed.emit(False)


def who() -> str | None:
    """The name a change is recorded under (``by``): this computer's user, when it has one."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return None
