"""Jobs of the main window and the welcome page: open, create and close a workspace, build the
demo, add a partner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.operations.core import JobContext, in_worker_process


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
    """Import the step pages' modules and their operations here, off the GUI thread, before the
    window builds them.

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
        for package in ("desktop.pages", "desktop.operations"):
            try:
                importlib.import_module(f"{package}.{name}")
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


def partner_choices() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The partnership models and refresh cadences a new partner may have (the engine's
    constants, read on the GUI thread when the Add partner dialog opens)."""
    from engine import CADENCES, PARTNER_MODELS

    return tuple(PARTNER_MODELS), tuple(CADENCES)


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
