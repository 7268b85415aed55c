"""The only place the desktop calls the engine: every call runs on one database worker thread.

A page asks for work with ``Operations.run(label, fn, on_success=..., on_failure=...)``. ``fn``
receives a ``JobContext`` (the open workspace, a ``progress`` and a ``cancel`` callback in the
engine's convention) and runs on the worker; its result, or its error as one sentence, comes
back to the GUI thread by a queued signal and is handed to the callbacks there. One worker
means writes are serialized and the workspace's SQLite connections are used from one thread.

Rules kept here so no page has to remember them: no widget is touched inside ``fn``; no
``processEvents()`` loop; progress is throttled so a fast engine loop cannot flood the GUI
thread; an unexpected exception is logged with its traceback and reported, never swallowed.

Heavy jobs (``@in_worker_process``: import, matching, the pages' big reads, ...) go one step
further: the worker thread hands them to a child process (``desktop.worker_process``) and waits
for the answer with the GIL released, so the long C calls of pandas, SQLite and rapidfuzz never
keep the GUI thread from running. Their arguments and results cross as pickles: plain data.
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
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from desktop.worker_process import WorkerProcess, WorkerProcessError

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
    """Mark a job function to run in the worker process (see ``desktop.worker_process``).

    Called on the database thread, it sends its module, name and arguments to the child and
    waits; in the child it runs ``fn``. Its arguments and result must pickle, and it must not
    rely on changing an argument (the child changes its own copy).
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


# ---------------------------------------------------------------------- workspace jobs


@dataclass(frozen=True)
class WorkspaceInfo:
    """What the window shows of an open workspace; plain data, safe to pass between threads."""

    path: str
    company: str
    domains: tuple[str, ...]
    partners: tuple[PartnerInfo, ...]


@dataclass(frozen=True)
class PartnerInfo:
    id: int
    name: str
    model: str
    cadence: str
    auto_threshold: float
    review_threshold: float
    last_refresh_at: str | None


_FROZEN = False


def _freeze_imports() -> None:
    """Keep the garbage collector off the objects of the modules just imported.

    A full collection walks every tracked object, and after pandas, SQLAlchemy and the engine
    are loaded that is a million of them: a pause of 100-300 ms that stops the GUI thread too
    (it needs the GIL). Freezing what exists once the engine is loaded and collecting the
    oldest generation less often keeps each pause short while big imports allocate.
    """
    global _FROZEN
    if not _FROZEN:
        import gc

        gc.freeze()
        gc.set_threshold(20_000, 50, 50)
        _FROZEN = True


def workspace_info(context: JobContext) -> WorkspaceInfo:
    import json

    ws = context.workspace
    company = ws.company()
    partners = tuple(
        PartnerInfo(
            id=int(p.id),
            name=p.name,
            model=p.model,
            cadence=p.cadence,
            auto_threshold=float(p.auto_threshold),
            review_threshold=float(p.review_threshold),
            last_refresh_at=p.last_refresh_at.isoformat() if p.last_refresh_at else None,
        )
        for p in ws.partners()
    )
    return WorkspaceInfo(
        str(ws.path), company.name, tuple(json.loads(company.domains_json or "[]")), partners
    )


def open_workspace(context: JobContext, path: str) -> WorkspaceInfo:
    from engine import Workspace

    context.set_workspace(None)
    context.set_workspace(Workspace.open(Path(path)))
    _preload_pages()
    _freeze_imports()
    return workspace_info(context)


def _preload_pages() -> None:
    """Import the step pages' modules here, off the GUI thread, before the window builds them.

    Only class definitions run (no widget is made), which is safe on any thread; it spares
    the GUI thread the import time when the workspace opens.
    """
    import importlib

    for name in (
        "importing",
        "matching",
        "overlaps",
        "ownership",
        "plans",
        "agenda",
        "territories",
        "registrations",
        "dashboard",
        "share",
        "partners",
    ):
        try:
            importlib.import_module(f"desktop.pages.{name}")
        except ImportError:
            continue


def create_workspace(
    context: JobContext, path: str, name: str, domains: list[str]
) -> WorkspaceInfo:
    from engine import Workspace

    context.set_workspace(None)
    context.set_workspace(Workspace.create(Path(path), name, domains))
    _preload_pages()
    _freeze_imports()
    return workspace_info(context)


def close_workspace(context: JobContext) -> None:
    context.set_workspace(None)


def add_partner(context: JobContext, name: str, model: str, cadence: str) -> WorkspaceInfo:
    context.workspace.add_partner(name, model=model, cadence=cadence)
    return workspace_info(context)


def build_demo(context: JobContext, path: str) -> WorkspaceInfo:
    """Build the demo workspace (both demo exports imported, matched, owners assigned), open it."""
    from engine import Workspace

    context.set_workspace(None)
    _build_demo_file(context, path)
    context.set_workspace(Workspace.open(Path(path)))
    _preload_pages()
    _freeze_imports()
    return workspace_info(context)


@in_worker_process
def _build_demo_file(context: Any, path: str) -> None:
    from engine import build_demo as engine_build_demo

    engine_build_demo(Path(path), progress=context.progress, cancel=context.cancel)


# ---------------------------------------------------------------------- exports


def export_frame(context: JobContext, frame: Any, path: str, partner: str | None = None) -> str:
    """Write a list the user asked for to XLSX or CSV; returns the path written.

    Formula-safe (a cell such as ``=HYPERLINK(...)`` stays text) and, for a partnership's
    list, recorded in the egress ledger like every other file that leaves.
    """
    from engine import export_table

    context.progress(0.0, f"Writing {Path(path).name}")
    written = export_table(frame, path, ws=context.workspace if partner else None, partner=partner)
    context.progress(1.0, f"Wrote {written.name}")
    return str(written)


# ---------------------------------------------------------------------- step 3: overlaps


@dataclass(frozen=True)
class OverlapView:
    counts: dict[str, int]
    matrix: Any  # DataFrame: our_stage, partner_stage, accounts, potential_revenue
    revenue_basis: str
    opportunities: Any  # DataFrame, one row per account, with kind / label / action
    shared: Any  # DataFrame of the shared pairs (the mapping's shared rows)
    territory: str | None = None  # the territory the figures are limited to


@in_worker_process
def load_overlaps(context: JobContext, partner: str, territory: str | None = None) -> OverlapView:
    from engine import find_overlaps

    result = find_overlaps(
        context.workspace,
        partner,
        territory=territory or None,
        progress=context.progress,
        cancel=context.cancel,
    )
    mapping = result.mapping
    shared = mapping[mapping["status"] == "shared"].reset_index(drop=True)
    return OverlapView(
        dict(result.counts),
        result.matrix,
        result.revenue_basis,
        result.opportunities,
        shared,
        result.territory,
    )


@in_worker_process
def load_region(
    context: JobContext, partner: str, region: str, territory: str | None = None
) -> Any:
    """Every account of one region of the picture (ours only / shared / partner only), of
    ``territory`` when one is named."""
    from engine import build_mapping, in_territory

    ws = context.workspace
    mapping = build_mapping(
        ws, partner, detail="all", progress=context.progress, cancel=context.cancel
    )
    if territory:
        mapping = in_territory(ws, partner, mapping, territory)
    return mapping[mapping["status"] == region].reset_index(drop=True)


# ---------------------------------------------------------------------- territories


@dataclass(frozen=True)
class TerritoriesView:
    summary: Any  # DataFrame: engine.TERRITORY_SUMMARY_COLUMNS, the accounts in none last
    definitions: tuple[Any, ...]  # engine.TerritoryDefinition, in order
    state_sources: dict[str, str | None]  # "us" / "partner" -> header the states come from


def territory_names(context: JobContext, partner: str) -> list[str]:
    """The partnership's territory names, in order (for the filters of the step pages)."""
    from engine import territories

    return [t.name for t in territories(context.workspace, partner)]


@in_worker_process
def load_territories(context: JobContext, partner: str) -> TerritoriesView:
    from engine import state_sources, territories, territory_summary

    ws = context.workspace
    summary = territory_summary(ws, partner, progress=context.progress, cancel=context.cancel)
    return TerritoriesView(summary, tuple(territories(ws, partner)), state_sources(ws, partner))


def save_territory_fields(
    context: JobContext, partner: str, fields: dict[str, Any], replacing: str | None
) -> Any:
    """Read the editor's fields as a territory (``engine.define_territory``'s keywords) and
    add it, or put it in the place of ``replacing``; returns it as saved."""
    from engine import define_territory, save_territory

    definition = define_territory(**fields)
    return save_territory(context.workspace, partner, definition, replacing=replacing)


def save_partner_territory(
    context: JobContext, partner: str, definition: Any, replacing: str | None
) -> Any:
    """Add ``definition`` or put it in the place of ``replacing``; returns it as saved."""
    from engine import save_territory

    return save_territory(context.workspace, partner, definition, replacing=replacing)


def remove_partner_territory(context: JobContext, partner: str, name: str) -> Any:
    """Remove a territory; returns its definition (to put it back on undo)."""
    from engine import remove_territory

    return remove_territory(context.workspace, partner, name)


# ---------------------------------------------------------------------- step 2: matching

_ACCOUNT_DETAIL = [
    "id",
    "external_id",
    "name",
    "domains",
    "industry",
    "country",
    "city",
    "stage",
    "owner",
]


def side_accounts(context: JobContext, partner_id: int | None) -> Any:
    """A side's current accounts (cached between jobs until something changes)."""
    ws = context.workspace
    snapshot = ws.current_snapshot(partner_id)
    if snapshot is None:
        import pandas as pd

        return pd.DataFrame(columns=_ACCOUNT_DETAIL)
    key = ("accounts", snapshot.id)
    if key not in context.cache:
        context.cache[key] = ws.accounts(snapshot.id)
    return context.cache[key]


@dataclass(frozen=True)
class MatchView:
    matches: Any  # every link: match_id, our_/partner_ name, domains, method, score, status, ...
    review: Any  # the links waiting for review, with both records' details
    aliases: Any
    auto: float
    review_threshold: float


@in_worker_process
def load_matches(context: JobContext, partner: str) -> MatchView:
    from engine import list_aliases, list_matches

    ws = context.workspace
    record = ws.partner(partner)
    matches = list_matches(ws, partner)
    review = matches[matches["status"] == "review"].sort_values(
        "score", ascending=False, kind="stable"
    )
    # Details of the accounts in the queue only: a few hundred rows, not both whole lists.
    ids = sorted(
        {int(i) for i in review["our_account_id"]} | {int(i) for i in review["partner_account_id"]}
    )
    detail = ws.accounts_by_id(ids, _ACCOUNT_DETAIL)
    ours = detail.add_prefix("o_")
    theirs = detail.add_prefix("t_")
    review = review.merge(ours, left_on="our_account_id", right_on="o_id", how="left").merge(
        theirs, left_on="partner_account_id", right_on="t_id", how="left"
    )
    return MatchView(
        matches,
        review.reset_index(drop=True),
        list_aliases(ws),
        float(record.auto_threshold),
        float(record.review_threshold),
    )


@in_worker_process
def run_matching(context: JobContext, partner: str, auto: float, review: float) -> Any:
    from engine import match_partner

    return match_partner(
        context.workspace,
        partner,
        auto=auto,
        review=review,
        progress=context.progress,
        cancel=context.cancel,
    )


def decide_match(
    context: JobContext, partner: str, match_id: int, decision: str, state: dict
) -> str:
    """Accept / reject / unlink; the engine's Decision is kept in ``state`` for undo."""
    from engine import decide

    state["decision"] = decide(context.workspace, partner, match_id, decision)
    return str(state["decision"].new_status)


def link_accounts(
    context: JobContext,
    partner: str,
    our_ref: str,
    partner_ref: str,
    reason: str | None,
    state: dict,
) -> str:
    from engine import link

    state["decision"] = link(context.workspace, partner, our_ref, partner_ref, reason=reason)
    return str(state["decision"].new_status)


def undo_decision(context: JobContext, state: dict) -> str | None:
    """Reverse the decision kept in ``state``; returns the status the link went back to."""
    from engine import undo_decision as engine_undo

    decision = state.get("decision")
    if decision is None:
        return None
    engine_undo(context.workspace, decision)
    state["decision"] = None
    return decision.previous_status


@in_worker_process
def search_accounts(
    context: JobContext, partner_id: int | None, text: str, limit: int = 500
) -> Any:
    frame = side_accounts(context, partner_id)
    text = text.strip().casefold()
    if text:
        mask = (
            frame["name"]
            .astype("string")
            .str.casefold()
            .str.contains(text, regex=False)
            .fillna(False)
        )
        mask |= frame["domains"].astype("string").str.contains(text, regex=False).fillna(False)
        frame = frame[mask.astype(bool)]
    return frame.head(limit)[_ACCOUNT_DETAIL].reset_index(drop=True)


def add_domain_alias(context: JobContext, domain: str, other: str) -> Any:
    from engine import add_alias, list_aliases

    add_alias(context.workspace, domain, other)
    return list_aliases(context.workspace)


def remove_domain_alias(context: JobContext, domain: str, other: str) -> Any:
    from engine import list_aliases, remove_alias

    remove_alias(context.workspace, domain, other)
    return list_aliases(context.workspace)


# ---------------------------------------------------------------------- step 1: import


@dataclass(frozen=True)
class SideStatus:
    side: str  # "us" or the partner's name
    label: str  # Acme Corp (us) / Globex
    file_name: str | None
    imported_at: str | None
    accounts: int
    rejected: int


def import_status(context: JobContext, partner_id: int | None) -> list[SideStatus]:
    """What each side of the partnership has imported so far."""
    import json

    ws = context.workspace
    out = []
    sides: list[tuple[str, int | None, str]] = [("us", None, f"{ws.company().name} (us)")]
    if partner_id is not None:
        name = ws.side_name(partner_id)
        sides.append((name, partner_id, name))
    for side, pid, label in sides:
        snapshot = ws.current_snapshot(pid)
        if snapshot is None:
            out.append(SideStatus(side, label, None, None, 0, 0))
            continue
        counts = json.loads(snapshot.counts_json or "{}")
        out.append(
            SideStatus(
                side,
                label,
                snapshot.file_name,
                f"{snapshot.imported_at:%-d %b %Y %H:%M}",
                int(counts.get("imported", 0)),
                int(counts.get("rejected", 0)),
            )
        )
    return out


@dataclass(frozen=True)
class ImportPreview:
    path: str
    file_name: str
    sheet: str | None
    sheets: tuple[str, ...]
    columns: Any  # DataFrame: header, samples, field, confidence, reason
    accounts: Any  # the first standardized rows
    rejected: Any  # every rejected row: row_number, reason, raw_json
    duplicates: Any
    summary: dict[str, Any]
    mapping: dict[str, Any]
    notes: tuple[str, ...]


PREVIEW_ROWS = 500


def _raw_export(context: JobContext, path: str, sheet: str | None) -> Any:
    import os

    from engine import read_export

    stamp = os.stat(path).st_mtime_ns
    key = ("raw", path, sheet, stamp)
    if key not in context.cache:
        for old in [k for k in context.cache if isinstance(k, tuple) and k and k[0] == "raw"]:
            del context.cache[old]
        context.cache[key] = read_export(path, sheet=sheet)
    return context.cache[key]


@in_worker_process
def preview_import(
    context: JobContext, path: str, sheet: str | None, overrides: dict[str, Any] | None
) -> ImportPreview:
    """Read a file, propose (or apply) the column mapping and clean it, without saving."""
    import pandas as pd

    from engine import propose_mapping, standardize

    context.progress(0.0, f"Reading {Path(path).name}")
    raw = _raw_export(context, path, sheet)
    proposed = propose_mapping(raw, ws=context.workspace).with_overrides(overrides or None)
    result = standardize(raw, proposed, progress=context.progress, cancel=context.cancel)
    by_header: dict[str, tuple[str, float, str]] = {}
    for name, choice in proposed.fields.items():
        for header in choice.headers:
            by_header[header] = (name, float(choice.confidence), choice.reason)
    rows = []
    for header in raw.headers:
        field_name, confidence, reason = by_header.get(header, ("", 0.0, "kept as an extra column"))
        rows.append(
            {
                "header": header,
                "samples": " | ".join(raw.samples(header, 3)),
                "field": field_name,
                "confidence": round(confidence * 100),
                "reason": reason,
            }
        )
    return ImportPreview(
        path=path,
        file_name=raw.file_name,
        sheet=raw.sheet,
        sheets=tuple(raw.sheets),
        columns=pd.DataFrame(rows),
        accounts=result.accounts.head(PREVIEW_ROWS),
        rejected=result.rejected,
        duplicates=result.duplicates,
        summary=dict(result.summary),
        mapping=dict(result.mapping),
        notes=tuple(raw.notes),
    )


@dataclass(frozen=True)
class ImportOutcome:
    """What ``run_import`` did: the report's lines, or the question to ask before importing
    an export with under half the accounts of the side's list (nothing was imported)."""

    lines: tuple[str, ...] = ()
    confirm: str | None = None


@in_worker_process
def run_import(
    context: JobContext,
    side: str,
    path: str,
    sheet: str | None,
    overrides: dict[str, Any] | None,
    replace: bool = False,
) -> ImportOutcome:
    from engine import ShrinkingListError, import_file

    try:
        report = import_file(
            context.workspace,
            side,
            path,
            sheet=sheet,
            overrides=overrides or None,
            replace=replace,
            progress=context.progress,
            cancel=context.cancel,
        )
    except ShrinkingListError as error:
        return ImportOutcome(confirm=_shrinking_question(error, side, path))
    return ImportOutcome(lines=tuple(report.lines()))


def _shrinking_question(error: Any, side: str, path: str) -> str:
    """The question before an export with under half the accounts of the side's list
    becomes the list (``ShrinkingListError``)."""
    label = "our" if side.strip().casefold() == "us" else f"{side}'s"
    accounts = "account" if error.incoming == 1 else "accounts"
    return (
        f"{Path(path).name} has {error.incoming:,} {accounts}, under half of the "
        f"{error.current:,} in {label} current list. A filtered view or one page of a "
        "report is the usual cause.\n\nImport it anyway, as the new list? The current "
        "list stays in the workspace as an earlier import."
    )


@in_worker_process
def save_mapping_profile(
    context: JobContext, name: str, path: str, sheet: str | None, overrides: dict[str, Any] | None
) -> str:
    from engine import propose_mapping, save_profile

    raw = _raw_export(context, path, sheet)
    proposed = propose_mapping(raw, ws=context.workspace).with_overrides(overrides or None)
    save_profile(context.workspace, name, proposed)
    return name


def write_import_template(context: JobContext, path: str) -> str:
    from engine import write_template

    return str(write_template(path))


# ---------------------------------------------------------------------- step 4: ownership


@dataclass(frozen=True)
class OwnershipView:
    rules: Any  # engine Rules (frozen dataclass: plain data)
    criteria: dict[str, tuple[str, str]]  # name -> (title, meaning)
    ownership: Any  # DataFrame of the shared accounts with lead and rationale
    disputes: Any


def _who() -> str | None:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return None


@in_worker_process
def load_ownership(context: JobContext, partner: str) -> OwnershipView:
    from engine import CRITERIA, disputes, list_leads, rules

    ws = context.workspace
    return OwnershipView(
        rules(ws, partner), dict(CRITERIA), list_leads(ws, partner), disputes(ws, partner)
    )


@in_worker_process
def apply_rules(
    context: JobContext,
    partner: str,
    order: list[str],
    enabled: dict[str, bool],
    product_fit: dict[str, list[str]],
    tie_breaker: str,
) -> OwnershipView:
    """Save the rules (a new version when they changed), assign every lead, read the result."""
    from engine import assign, set_rules

    ws = context.workspace
    set_rules(
        ws,
        partner,
        order=order,
        enabled=enabled,
        product_fit=product_fit,
        tie_breaker=tie_breaker,
        by=_who(),
    )
    assign(ws, partner, by=_who(), progress=context.progress, cancel=context.cancel)
    return load_ownership(context, partner)


def override_lead(
    context: JobContext,
    partner: str,
    our_key: str,
    partner_key: str,
    lead: str,
    reason: str,
    state: dict,
) -> None:
    from engine import set_override

    state["previous"] = set_override(
        context.workspace, partner, our_key, partner_key, lead, reason, by=_who()
    )
    state["done"] = True


def restore_lead(
    context: JobContext, partner: str, our_key: str, partner_key: str, state: dict
) -> None:
    from engine import restore_override

    if state.get("done"):
        restore_override(context.workspace, partner, our_key, partner_key, state.get("previous"))
        state["done"] = False


def open_lead_dispute(
    context: JobContext, partner: str, our_key: str, partner_key: str, note: str
) -> None:
    from engine import open_dispute

    open_dispute(context.workspace, partner, our_key, partner_key, note, by=_who())


def resolve_lead_dispute(context: JobContext, dispute_id: int, resolution: str) -> None:
    from engine import resolve_dispute

    resolve_dispute(context.workspace, dispute_id, resolution, by=_who())


# ---------------------------------------------------------------------- step 5: plans


def load_plans(context: JobContext, partner: str, territory: str | None = None) -> Any:
    """The partnership's plans (of ``territory``, when one is named), each with the reason it
    is stalling ("" when it is not)."""
    from engine import list_plans, stalled_plans

    ws = context.workspace
    frame = list_plans(ws, partner, territory=territory or None)
    stalled = stalled_plans(ws, partner)[["plan_id", "reason"]].rename(columns={"plan_id": "id"})
    frame = frame.merge(stalled, on="id", how="left")
    frame["reason"] = frame["reason"].fillna("")
    frame["stalled"] = frame["reason"] != ""
    return frame


@in_worker_process
def build_shortlist(
    context: JobContext, partner: str, size: int, territory: str | None = None
) -> Any:
    from engine import list_plans, shortlist

    ws = context.workspace
    picks = shortlist(
        ws,
        partner,
        size,
        territory=territory or None,
        progress=context.progress,
        cancel=context.cancel,
    )
    existing = list_plans(ws, partner)[["our_key", "partner_key"]].assign(has_plan=True)
    picks = picks.merge(existing, on=["our_key", "partner_key"], how="left")
    picks["has_plan"] = picks["has_plan"].astype("boolean").fillna(False).astype(bool)
    return picks


@in_worker_process
def create_shortlist_plans(
    context: JobContext, partner: str, size: int, territory: str | None = None
) -> int:
    from engine import create_plans_for_shortlist

    created = create_plans_for_shortlist(
        context.workspace, partner, size, territory=territory or None
    )
    return len(created)


def create_one_plan(
    context: JobContext, partner: str, our_key: str, partner_key: str, objective: str
) -> int:
    from engine import create_plan

    plan = create_plan(context.workspace, partner, our_key, partner_key, objective=objective)
    return int(plan.id)


def load_plan(context: JobContext, plan_id: int) -> Any:
    from engine import plan_detail

    return plan_detail(context.workspace, plan_id)


def save_plan(
    context: JobContext, plan_id: int, objective: str, lead: str | None, status: str, notes: str
) -> Any:
    from engine import plan_detail, update_plan

    update_plan(
        context.workspace, plan_id, objective=objective, lead=lead, status=status, notes=notes
    )
    return plan_detail(context.workspace, plan_id)


def add_plan_role(
    context: JobContext, plan_id: int, party: str, person: str, role: str, responsibility: str
) -> Any:
    from engine import add_role, plan_detail

    add_role(context.workspace, plan_id, party, person, role, responsibility)
    return plan_detail(context.workspace, plan_id)


def add_plan_step(
    context: JobContext, plan_id: int, what: str, party: str, person: str | None, due: str | None
) -> Any:
    from engine import add_step, plan_detail

    add_step(context.workspace, plan_id, what, party, person or None, due or None)
    return plan_detail(context.workspace, plan_id)


def mark_step_done(context: JobContext, plan_id: int, step_id: int, done: bool) -> Any:
    from engine import plan_detail, set_step_done

    set_step_done(context.workspace, step_id, done)
    return plan_detail(context.workspace, plan_id)


def add_plan_metric(
    context: JobContext, plan_id: int, name: str, target: float | None, unit: str
) -> Any:
    from engine import add_metric, plan_detail

    add_metric(context.workspace, plan_id, name, target=target, unit=unit)
    return plan_detail(context.workspace, plan_id)


def set_plan_metric_actual(
    context: JobContext, plan_id: int, metric_id: int, actual: float | str | None
) -> Any:
    from engine import plan_detail, set_metric_actual

    set_metric_actual(context.workspace, metric_id, actual)
    return plan_detail(context.workspace, plan_id)


def remove_plan_entry(context: JobContext, plan_id: int, kind: str, item_id: int) -> Any:
    """Remove a role, step or metric (``kind``) of a plan; returns the plan as it is now."""
    from engine import plan_detail, remove_plan_item

    remove_plan_item(context.workspace, kind, item_id)
    return plan_detail(context.workspace, plan_id)


# ---------------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class DashboardView:
    metrics: Any  # DataFrame: group, deals, won, lost, win_rate, median_days_to_close, ...
    findings: Any  # sentences comparing co-sold with other deals
    engagement: Any  # EngagementScore
    engagement_text: str
    schedule: dict[str, Any]  # cadence, last refresh, next due, overdue days
    guidance: str
    changes: Any  # DataFrame of what changed since the baseline (None: no baseline yet)
    baseline_at: str | None
    opportunities: int


@in_worker_process
def load_dashboard(context: JobContext, partner: str) -> DashboardView:
    from engine import (
        CADENCE_GUIDANCE,
        build_mapping,
        diff_mappings,
        engagement_score,
        last_mapping,
        list_leads,
        list_opportunities,
        mapping_baseline,
        partner_metrics,
        refresh_schedule,
        run_baseline,
    )

    ws = context.workspace
    metrics = partner_metrics(ws, partner)
    engagement = engagement_score(ws, partner)
    schedule = refresh_schedule(ws)
    row = schedule[schedule[schedule.columns[0]].astype(str) == partner]
    record = ws.partner(partner)
    changes = None
    baseline_at = None
    run = last_mapping(ws, partner)
    if run is not None:
        mapping = build_mapping(ws, partner)
        current = mapping_baseline(mapping, list_leads(ws, partner, mapping=mapping))
        changes = diff_mappings(run_baseline(run), current).to_frame()
        baseline_at = f"{run.ran_at:%-d %b %Y}"
    findings = metrics.findings
    if isinstance(findings, list | tuple):
        findings = " ".join(str(f) for f in findings)
    return DashboardView(
        metrics=metrics.table,
        findings=str(findings or ""),
        engagement=engagement,
        engagement_text=engagement.explain(),
        schedule=row.iloc[0].to_dict() if len(row) else {},
        guidance=str(CADENCE_GUIDANCE.get(record.cadence, "")),
        changes=changes,
        baseline_at=baseline_at,
        opportunities=len(list_opportunities(ws, partner)),
    )


@in_worker_process
def record_baseline(context: JobContext, partner: str) -> None:
    from engine import record_mapping

    record_mapping(context.workspace, partner)


@dataclass(frozen=True)
class RefreshOutcome:
    """What ``refresh_partner`` did: what changed, or the question to ask before a new export
    with under half the accounts of the partner's list replaces it (nothing was imported)."""

    changes: Any = None
    confirm: str | None = None


@in_worker_process
def refresh_partner(
    context: JobContext, partner: str, path: str, replace: bool = False
) -> RefreshOutcome:
    from engine import ShrinkingListError, refresh_mapping

    try:
        result = refresh_mapping(
            context.workspace,
            partner,
            path,
            replace=replace,
            progress=context.progress,
            cancel=context.cancel,
        )
    except ShrinkingListError as error:
        return RefreshOutcome(confirm=_shrinking_question(error, partner, path))
    return RefreshOutcome(changes=result.changes.to_frame())


def log_partner_engagement(context: JobContext, partner: str, kind: str, note: str) -> None:
    from datetime import date

    from engine import log_engagement

    if kind == "sync_attended":
        # A sync call is logged as the Agenda page logs it: the next sync date moves on.
        log_sync_meeting(context, partner=partner, attended=True, note=note, state={})
        return
    log_engagement(context.workspace, partner, kind, date.today(), note)


def add_partner_opportunity(
    context: JobContext,
    partner: str,
    account_name: str,
    opened: str,
    amount: float | None,
    closed: str | None,
    outcome: str,
    partner_involved: bool,
) -> None:
    from engine import add_opportunity

    add_opportunity(
        context.workspace,
        partner,
        account_name,
        opened,
        amount=amount,
        closed=closed,
        outcome=outcome,
        partner_involved=partner_involved,
    )


def set_partner_cadence(context: JobContext, partner: str, cadence: str) -> None:
    from engine import set_cadence

    set_cadence(context.workspace, partner, cadence)


@in_worker_process
def import_partner_opportunities(context: JobContext, partner: str, path: str) -> int:
    from engine import import_opportunities

    return len(import_opportunities(context.workspace, partner, path))


# ---------------------------------------------------------------------- sync meetings and agenda


@dataclass(frozen=True)
class AgendaView:
    """The Agenda page's data: the sync meetings, the agenda, the plans to choose from."""

    schedule: Any  # engine SyncSettings, or None before a rhythm is set
    agenda: Any  # engine Agenda
    items: Any  # DataFrame: agenda.to_frame()
    plans: Any  # DataFrame: id, account_name, status
    cadence: str  # the mapping refresh cadence, named apart from the sync meetings
    zone: str  # this machine's time zone, the default of a new rhythm
    zones: tuple[str, ...]


@in_worker_process
def load_agenda(context: JobContext, partner: str) -> AgendaView:
    from engine import list_plans, local_zone_name, sync_agenda, sync_schedule, time_zones

    ws = context.workspace
    agenda = sync_agenda(ws, partner)
    return AgendaView(
        schedule=sync_schedule(ws, partner),
        agenda=agenda,
        items=agenda.to_frame(),
        plans=list_plans(ws, partner)[["id", "account_name", "status"]],
        cadence=ws.partner(partner).cadence,
        zone=local_zone_name(),
        zones=tuple(time_zones()),
    )


def save_sync_schedule(
    context: JobContext, partner: str, values: dict[str, Any], state: dict[str, Any]
) -> Any:
    """Set the rhythm of the sync meetings; ``state`` keeps what it was, for undo."""
    from engine import set_sync_schedule, sync_schedule

    ws = context.workspace
    previous = sync_schedule(ws, partner)
    saved = set_sync_schedule(ws, partner, **values)
    state["previous"], state["done"] = previous, True
    return saved


def restore_sync_schedule_job(context: JobContext, partner: str, state: dict[str, Any]) -> None:
    from engine import restore_sync_schedule

    if state.get("done"):
        restore_sync_schedule(context.workspace, partner, state.get("previous"))
        state["done"] = False


@in_worker_process
def _log_sync(
    context: JobContext, partner: str, attended: bool, note: str, held_on: str | None
) -> Any:
    from engine import log_sync

    return log_sync(context.workspace, partner, held_on=held_on, attended=attended, note=note)


def log_sync_meeting(
    context: JobContext, partner: str, attended: bool, note: str, state: dict[str, Any]
) -> str:
    """Log the sync (attended or missed); ``state`` keeps what was written, for undo.

    Logged again after an undo, it is the same meeting (the date of the first time).
    """
    held = state.get("held_on")
    logged = _log_sync(context, partner, attended, note, held)
    state["log"], state["held_on"] = logged, logged.held_on.isoformat()
    return str(logged.text())


def undo_sync_meeting(context: JobContext, state: dict[str, Any]) -> None:
    from engine import undo_sync_log

    logged = state.pop("log", None)
    if logged is not None:
        undo_sync_log(context.workspace, logged)


def export_agenda_file(context: JobContext, partner: str, path: str) -> str:
    from engine import export_agenda

    context.progress(0.0, f"Writing {Path(path).name}")
    result = export_agenda(context.workspace, partner, path)
    notes = "".join(f" {w}" for w in result.warnings)
    return f"Saved {result.path.name}: {result.items} item(s).{notes}"


def export_calendar_file(context: JobContext, partner: str, path: str) -> str:
    from engine import export_calendar

    context.progress(0.0, f"Writing {Path(path).name}")
    result = export_calendar(context.workspace, partner, path)
    parts = (["the sync meetings"] if result.meetings else []) + [f"{result.steps} next step(s)"]
    text = f"Saved {result.path.name}: {' and '.join(parts)}."
    if result.skipped:
        text += f" {result.skipped} open step(s) have no due date and are not in it."
    return text + "".join(f" {w}" for w in result.warnings)


@dataclass(frozen=True)
class EmailDraft:
    folder: str
    files: tuple[str, ...]
    subject: str
    text: str  # subject and body, for the clipboard
    mailto: str
    warnings: tuple[str, ...]


def prepare_email(
    context: JobContext,
    partner: str,
    folder: str,
    kinds: list[str],
    plan_ids: list[int] | None,
    to: str | None,
    passphrase: str | None,
) -> EmailDraft:
    """Write the chosen plan files into ``folder``; the e-mail's summary and mailto: link."""
    from engine import prepare_handoff

    result = prepare_handoff(
        context.workspace,
        partner,
        folder,
        plan_ids=plan_ids,
        kinds=kinds,
        to=to or None,
        passphrase=passphrase or None,
        progress=context.progress,
        cancel=context.cancel,
    )
    return EmailDraft(
        folder=str(result.folder),
        files=tuple(p.name for p in result.files),
        subject=result.subject,
        text=result.text(),
        mailto=result.mailto,
        warnings=tuple(result.warnings),
    )


# ---------------------------------------------------------------------- deal registrations


@dataclass(frozen=True)
class RegistrationView:
    """What the registrations page shows; plain data."""

    registrations: Any  # DataFrame: REGISTRATION_COLUMNS and ``side_name``
    conflicts: Any  # DataFrame: both registrations of each conflict, side by side
    accounts: Any  # DataFrame: one row per registered account
    protection_days: int
    us: str
    partner: str


def load_registrations(context: JobContext, partner: str) -> RegistrationView:
    """The partnership's registrations, conflicts and accounts as of today (small reads)."""
    from engine import (
        registration_conflicts,
        registration_settings,
        registrations,
        registrations_by_account,
    )

    ws = context.workspace
    us = ws.company().name
    names = {"us": f"{us} (us)", "partner": partner}
    frame = registrations(ws, partner)
    frame["side_name"] = frame["side"].map(names)
    conflicts = registration_conflicts(ws, partner)
    for which in ("first", "second"):
        conflicts[f"{which}_label"] = [
            f"{names.get(side, side)}: {opportunity}"
            for side, opportunity in zip(
                conflicts[f"{which}_side"], conflicts[f"{which}_opportunity"], strict=True
            )
        ]
    conflicts["overlap"] = [
        f"{start} to {end}"
        for start, end in zip(conflicts["overlap_from"], conflicts["overlap_until"], strict=True)
    ]
    accounts = registrations_by_account(ws, partner)
    accounts["holder_name"] = accounts["holder"].map({**names, "both": "both sides", "": ""})
    return RegistrationView(
        frame,
        conflicts,
        accounts,
        registration_settings(ws, partner).protection_days,
        us,
        partner,
    )


@in_worker_process
def add_deal_registration(context: JobContext, partner: str, values: dict[str, Any]) -> Any:
    """Register a deal (finding its account reads the mapping: a heavy job at scale).

    Returns the engine's ``Registered``; the page keeps its id for undo.
    """
    from engine import add_registration

    return add_registration(context.workspace, partner, by=_who(), **values)


def remove_deal_registration(context: JobContext, state: dict) -> None:
    """Undo of ``add_deal_registration``: remove the registration it made."""
    from engine import delete_registration

    if state.get("id") is not None:
        delete_registration(context.workspace, int(state["id"]))
        state["id"] = None


def decide_deal_registrations(
    context: JobContext, decisions: list[tuple[int, str, str | None]], state: dict
) -> None:
    """Decide one or more registrations ((id, status, reason)), all or none; the decisions
    they replaced are kept in ``state`` for undo."""
    from engine import decide_registration, restore_registration

    done: list[tuple[int, Any]] = []
    try:
        for registration_id, status, reason in decisions:
            previous = decide_registration(
                context.workspace, registration_id, status, reason=reason, by=_who()
            )
            done.append((registration_id, previous))
    except BaseException:
        for registration_id, previous in reversed(done):
            restore_registration(context.workspace, registration_id, previous)
        raise
    state["previous"] = done


def restore_deal_registrations(context: JobContext, state: dict) -> None:
    """Undo of ``decide_deal_registrations``: every decision back as it was, last first."""
    from engine import restore_registration

    for registration_id, previous in reversed(state.get("previous", [])):
        restore_registration(context.workspace, registration_id, previous)


@in_worker_process
def import_deal_registrations(context: JobContext, partner: str, path: str, side: str) -> Any:
    """Import a PRM or CRM export of registrations; returns the engine's RegistrationImport."""
    from engine import import_registrations

    context.progress(0.0, f"Reading {Path(path).name}")
    return import_registrations(context.workspace, partner, path, side=side, by=_who())


def export_deal_registrations(context: JobContext, partner: str, path: str) -> str:
    from engine import export_registrations

    context.progress(0.0, f"Writing {Path(path).name}")
    return str(export_registrations(context.workspace, partner, path))


def save_registration_settings(context: JobContext, partner: str, protection_days: int) -> int:
    from engine import set_registration_settings

    saved = set_registration_settings(
        context.workspace, partner, protection_days=protection_days, by=_who()
    )
    return int(saved.protection_days)


# ---------------------------------------------------------------------- many partners


@dataclass(frozen=True)
class PartnersView:
    """The Partners page: partnerships compared, and our accounts across them."""

    comparison: Any  # DataFrame: one row per partnership, best first (engine COMPARISON_COLUMNS)
    findings: tuple[str, ...]
    rank_by: str
    accounts: Any  # DataFrame: our accounts shared with partners (engine CROSS_PARTNER_COLUMNS)
    counts: dict[str, int]
    partners: tuple[str, ...]


_CROSS_PARTNER = ("cross_partner",)


def _cross_partner(context: Any, progress: Any) -> Any:
    """The cross-partner view without the reasons (read per account when one is picked); kept
    in the worker's cache, so picking an account does not gather every partnership again."""
    from engine import cross_partner

    view = context.cache.get(_CROSS_PARTNER)
    if view is None:
        view = cross_partner(
            context.workspace, reasons=False, progress=progress, cancel=context.cancel
        )
        context.cache[_CROSS_PARTNER] = view
    return view


@in_worker_process
def load_partners(context: JobContext, rank_by: str) -> PartnersView:
    from engine import compare_partners

    view = _cross_partner(context, lambda f, m: context.progress(0.7 * f, m))
    comparison = compare_partners(
        context.workspace,
        rank_by=rank_by,
        progress=lambda f, m: context.progress(0.7 + 0.3 * f, m),
        cancel=context.cancel,
    )
    # Text as Arrow strings: the 600k-row list of a million accounts then crosses to the GUI
    # process as a few buffers (unpickled in milliseconds, not in most of a second).
    accounts = view.accounts.drop(columns=["domains"])
    text = [c for c in accounts.columns if accounts[c].dtype == object]
    return PartnersView(
        comparison=comparison.table,
        findings=tuple(comparison.findings),
        rank_by=comparison.rank_by,
        accounts=accounts.astype(dict.fromkeys(text, "str")),
        counts=dict(view.counts),
        partners=tuple(view.partners),
    )


@in_worker_process
def account_partners(context: JobContext, our_account_id: int) -> Any:
    """One of our accounts' partners side by side, with why each partnership's lead leads."""
    from engine import lead_reasons

    view = _cross_partner(context, context.progress)
    return lead_reasons(context.workspace, view.partners_of(our_account_id))


@in_worker_process
def compare_partnerships(context: JobContext, rank_by: str) -> Any:
    """Every partnership compared (for the dashboard): the engine's ``PartnerComparison``."""
    from engine import compare_partners

    return compare_partners(
        context.workspace, rank_by=rank_by, progress=context.progress, cancel=context.cancel
    )


@in_worker_process
def settle_account_lead(context: JobContext, account: str, leader: str, reason: str) -> Any:
    """Settle who leads one of our accounts across its partners; returns the changes (undo)."""
    from engine import settle_lead

    return settle_lead(context.workspace, account, leader, reason, by=_who())


@in_worker_process
def restore_account_leads(context: JobContext, changes: Any) -> None:
    from engine import restore_leads

    restore_leads(context.workspace, changes)
