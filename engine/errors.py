"""The errors a user can cause; each carries one clear sentence for the screen or stderr."""

from __future__ import annotations


class OverlapError(Exception):
    """A problem the user can act on (bad file, unknown partner, ...), never a bug.

    The CLI prints it as ``error: <message>`` and exits with status 2; the desktop shows it
    in a message box. ``where`` names the file, row and column when they apply.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class WorkspaceError(OverlapError):
    """The workspace file cannot be used: newer version, open elsewhere, locked, full, corrupt."""


class ImportFileError(OverlapError):
    """An export cannot be read: wrong format, broken encoding, zip bomb, no name column."""


class Cancelled(Exception):
    """Raised inside the engine when the user cancelled a long call; nothing was written."""


class ShrinkingListError(ImportFileError):
    """A new export has under half the accounts of the side's current list.

    Often a filtered view or one page of a report rather than the whole export, so nothing is
    imported until the user confirms (``replace=True``; ``--replace`` on the command line).
    """

    def __init__(self, message: str, *, where: str | None, current: int, incoming: int) -> None:
        super().__init__(message, where=where)
        self.current = current
        self.incoming = incoming


class SameFileError(ImportFileError):
    """The export is, byte for byte, the current list of the other side: one list against itself
    matches every account, so nothing is imported unless the user means it
    (``same_file=True``; ``--same-file`` on the command line)."""

    def __init__(self, message: str, *, where: str | None, other_side: str) -> None:
        super().__init__(message, where=where)
        self.other_side = other_side
