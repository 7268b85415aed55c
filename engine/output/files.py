"""Writing the files a user exports: whole or not at all, and a clear message when it cannot be.

Every export is written to a temporary file beside its target and then renamed over it
(``os.replace``, atomic on one file system), so a failed, cancelled or killed write never leaves
half a file, and a file that was there stays as it was. What stops a write (the file open in
Excel, which on Windows refuses the rename; a read-only file or folder; a folder of that name;
a full disk) becomes an ``OverlapError`` that says what to do, never a traceback.

Every layer writes files, so this module imports nothing of Overlap but its errors.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from engine.errors import OverlapError

FOLDER_IN_THE_WAY = "a folder has this name: choose another name"


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write the whole file to; renamed to ``path`` when the
    block ends without an error, removed otherwise."""
    target = Path(path)
    if not target.parent.is_dir():
        raise OverlapError("the folder does not exist", where=str(target.parent))
    if target.is_dir():
        raise OverlapError(FOLDER_IN_THE_WAY, where=str(target))
    # A name of its own, so two exports to the same file never write into one temporary file.
    temporary = target.with_name(f"{target.name}.{secrets.token_hex(4)}.part")
    try:
        yield temporary
        os.replace(temporary, target)
    except PermissionError:
        raise OverlapError(_refusal(target), where=str(target)) from None
    except IsADirectoryError:
        raise OverlapError(FOLDER_IN_THE_WAY, where=str(target)) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise OverlapError(
            f"the file cannot be written ({reason}); nothing was saved", where=str(target)
        ) from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def _refusal(target: Path) -> str:
    """Why the system refused the write, as far as can be told, and what to do."""
    if not os.access(target.parent, os.W_OK):
        return "the folder is read-only: choose another folder"
    return (
        "the file is open in another program or read-only: close it where it is open "
        "(Excel, a PDF viewer) or choose another name"
    )
