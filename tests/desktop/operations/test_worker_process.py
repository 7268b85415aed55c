"""Heavy jobs run in the worker process: results, progress, cancel, errors, clean shutdown."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path
from typing import Any

from desktop.operations.core import in_worker_process
from tests.desktop.conftest import until, wait_idle
from tests.desktop.exports import write_ours
from tests.desktop.steps import add_partner, import_file, new_workspace

# ---------------------------------------------------------------------- jobs for the child


@in_worker_process
def where_and_what(context: Any) -> tuple[int, str, int]:
    """The process a job runs in, and what it sees of the workspace."""
    ws = context.workspace
    snapshot = ws.current_snapshot(None)
    return os.getpid(), ws.company().name, 0 if snapshot is None else len(ws.accounts(snapshot.id))


@in_worker_process
def slow_job(context: Any, steps: int) -> int:
    from engine import Cancelled

    for step in range(steps):
        if context.cancel():
            raise Cancelled()
        context.progress(step / steps, f"step {step}")
        time.sleep(0.02)
    return steps


@in_worker_process
def failing_job(context: Any, kind: str) -> None:
    from engine import OverlapError

    if kind == "user":
        raise OverlapError("the file has no name column", where="ours.csv")
    raise KeyError("a bug")


@in_worker_process
def try_to_connect(context: Any) -> str:
    import socket

    try:
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)
    except OSError as error:
        return type(error).__name__
    return "connected"


# ---------------------------------------------------------------------- tests


def _run(qtbot: Any, window: Any, fn: Any) -> dict[str, Any]:
    outcome: dict[str, Any] = {}
    window.ops.run(
        "Testing",
        fn,
        on_success=lambda result: outcome.update(result=result),
        on_failure=lambda kind, message: outcome.update(kind=kind, message=message),
    )
    until(qtbot, lambda: outcome)
    return outcome


def test_heavy_jobs_run_in_a_child_that_shares_the_workspace(
    qtbot, window, dialogs, tmp_path: Path
) -> None:
    new_workspace(qtbot, window, tmp_path)
    add_partner(qtbot, window)
    import_file(qtbot, window, dialogs, write_ours(tmp_path / "ours.csv"), "us")
    pid, company, accounts = _run(qtbot, window, where_and_what)["result"]
    assert pid != os.getpid()
    assert company == "Acme Corp"
    assert accounts > 0
    assert len(multiprocessing.active_children()) == 1

    # Closing the workspace closes the child's handle first; the lock file goes with the
    # GUI process's handle, and the child sees no workspace afterwards.
    lock = Path(window.workspace.path + ".lock")
    window.close_workspace()
    wait_idle(qtbot, window)
    assert not lock.exists()
    outcome = _run(qtbot, window, where_and_what)
    assert outcome["kind"] == "user" and "no workspace is open" in outcome["message"]

    window.close()
    assert not multiprocessing.active_children()


def test_progress_and_cancel_reach_the_child(qtbot, window, tmp_path: Path) -> None:
    new_workspace(qtbot, window, tmp_path)
    messages: list[str] = []
    window.ops.progress_changed.connect(lambda _label, _f, message: messages.append(message))
    outcome: dict[str, Any] = {}
    job = window.ops.run(
        "Slow",
        lambda ctx: slow_job(ctx, 1_000),
        on_success=lambda result: outcome.update(result=result),
        on_failure=lambda kind, message: outcome.update(kind=kind, message=message),
    )
    until(qtbot, lambda: any(m.startswith("step") for m in messages))
    window.ops.cancel(job)
    until(qtbot, lambda: outcome, timeout=10_000)
    assert outcome["kind"] == "cancelled"
    # The child is still there for the next job.
    assert _run(qtbot, window, lambda ctx: slow_job(ctx, 2))["result"] == 2


def test_errors_in_the_child_come_back_as_sentences(qtbot, window, tmp_path: Path) -> None:
    new_workspace(qtbot, window, tmp_path)
    user = _run(qtbot, window, lambda ctx: failing_job(ctx, "user"))
    assert user["kind"] == "user"
    assert user["message"] == "ours.csv: the file has no name column"
    bug = _run(qtbot, window, lambda ctx: failing_job(ctx, "bug"))
    assert bug["kind"] == "bug"
    assert "KeyError" in bug["message"] and "overlap.log" in bug["message"]


def test_a_child_that_dies_is_reported_and_replaced(qtbot, window, tmp_path: Path) -> None:
    new_workspace(qtbot, window, tmp_path)
    pid = _run(qtbot, window, where_and_what)["result"][0]
    os.kill(pid, 9)
    outcome = _run(qtbot, window, where_and_what)
    assert outcome["kind"] == "bug" and "stopped unexpectedly" in outcome["message"]
    again = _run(qtbot, window, where_and_what)["result"]
    assert again[0] not in (pid, os.getpid())


def test_big_text_columns_cross_as_arrow_strings() -> None:
    from dataclasses import dataclass

    import pandas as pd

    from desktop.operations.worker_process import COMPACT_ROWS, compact

    @dataclass(frozen=True)
    class View:
        shared: Any
        small: Any
        label: str

    rows = COMPACT_ROWS + 1
    names = [f"Company {i}" if i % 7 else None for i in range(rows)]
    big = pd.DataFrame(
        {
            "name": pd.Series(names, dtype=object),
            "mixed": pd.Series([1 if i % 2 else "x" for i in range(rows)], dtype=object),
            "score": range(rows),
        }
    )
    small = big.head(5)
    view = compact(View(big, small, "shared"))
    assert str(view.shared["name"].dtype) == "str"
    assert view.shared["mixed"].dtype == object  # not only text: left as it is
    assert view.small is small and view.label == "shared"
    shown = view.shared["name"].to_numpy(dtype=object, na_value=None).tolist()
    assert shown == names
    assert compact([big])[0]["name"].dtype == view.shared["name"].dtype


def test_messages_cross_with_their_big_buffers_apart() -> None:
    """A view's columns cross the pipe as buffers of their own, the rest as one pickle; the
    message comes back equal, and reading it holds the GIL only to put it together."""
    import pickle

    import numpy as np
    import pandas as pd

    from desktop.operations.worker_process import (
        COMPACT_ROWS,
        compact,
        receive_message,
        send_message,
    )

    rows = COMPACT_ROWS * 3
    frame = compact(
        pd.DataFrame(
            {
                "name": pd.Series([f"Company {i}" for i in range(rows)], dtype=object),
                "revenue": np.arange(rows, dtype=float),
            }
        )
    )
    message = ("done", {"shared": frame, "counts": {"shared": rows}, "label": "ü"})
    parent, child = multiprocessing.Pipe(duplex=False)
    buffers: list[pickle.PickleBuffer] = []
    pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) >= 3  # the numbers and the strings' offsets and bytes
    # The pipe holds little: the sender runs beside the reader, as the child process does.
    sender = threading.Thread(
        target=lambda: [send_message(child, m) for m in (message, ("progress", 0.5, "Counting"))]
    )
    sender.start()
    kind, payload = receive_message(parent)
    assert kind == "done" and payload["counts"] == {"shared": rows} and payload["label"] == "ü"
    pd.testing.assert_frame_equal(payload["shared"], frame)
    assert receive_message(parent) == ("progress", 0.5, "Counting")
    sender.join()


def test_the_worker_process_honours_the_network_guard(
    qtbot, window, monkeypatch, capfd, tmp_path: Path
) -> None:
    """The installer's smoke test sets OVERLAP_FORBID_NETWORK; the child reads it at start."""
    monkeypatch.setenv("OVERLAP_FORBID_NETWORK", "1")
    new_workspace(qtbot, window, tmp_path)
    assert _run(qtbot, window, try_to_connect)["result"] == "NetworkForbidden"
    assert "error: network use attempted" in capfd.readouterr().err
