"""Jobs of the Territories page, and the territory names the step pages filter by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.operations.core import JobContext, in_worker_process


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
