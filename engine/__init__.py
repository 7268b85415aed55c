"""Overlap's engine: the five steps of account mapping, the workspace and sharing, without Qt.

This facade is the public API; the CLI and the desktop use only what ``__all__`` names.
"""

from engine.errors import Cancelled, ImportFileError, OverlapError, WorkspaceError
from engine.workspace import CADENCES, PARTNER_MODELS, US, Progress, Workspace, account_key

__all__ = [
    "CADENCES",
    "PARTNER_MODELS",
    "US",
    "Cancelled",
    "ImportFileError",
    "OverlapError",
    "Progress",
    "Workspace",
    "WorkspaceError",
    "account_key",
]
