"""Table models over the engine's columnar data: one per entity, each behind a sort proxy."""

from desktop.models.frame import RAW_ROLE, Column, FrameModel, FrameProxy

__all__ = ["RAW_ROLE", "Column", "FrameModel", "FrameProxy"]
