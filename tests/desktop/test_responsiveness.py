"""Long work never blocks the window: the GUI thread's heartbeat keeps ticking during big jobs.

The heavy jobs run in the worker process (``desktop.operations.worker_process``), so the GUI
process's GIL is free while pandas, SQLite and rapidfuzz work; the pages show big frames without
converting them up front (``desktop.models.frame``). ``bench/bench_gui.py stall`` prints the same
figure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.desktop.responsiveness import measure_import_and_match

MAX_STALL_MS = 50
# At 200k a side the longest pause measured on a two-core machine is 25-60 ms from run to run,
# in whichever job then shares the GIL with the window (the counting after the match, the
# overlaps arriving): 80 ms is allowed there (an eye notices from about 100 ms) until the
# work done in the window's process after a big match is cut into shorter pieces.
MAX_STALL_MS_200K = 80
# The 200k import + match through the window takes about 15 s on two cores.
MAX_SECONDS_200K = 60


def _check(result, limit_ms: float = MAX_STALL_MS) -> None:
    if result.max_gap_ms > limit_ms:
        load = os.getloadavg()[0]
        cores = os.cpu_count() or 1
        if load > cores:
            # Other processes hold the CPUs: the OS, not the app, is pausing the GUI thread.
            pytest.xfail(
                f"machine too busy to measure (load {load:.1f} on {cores} cores); {result.detail}"
            )
    assert result.max_gap_ms <= limit_ms, result.detail


def test_gui_thread_keeps_ticking_while_importing_and_matching(
    qtbot, window, tmp_path: Path
) -> None:
    result = measure_import_and_match(5_000, window=window, qtbot=qtbot, folder=tmp_path)
    print(
        f"5k x 5k: {result.seconds:.1f} s, longest stall {result.max_gap_ms:.0f} ms;",
        result.detail,
    )
    assert result.ticks > 100
    _check(result)


@pytest.mark.slow
def test_gui_thread_keeps_ticking_at_200k(qtbot, window, tmp_path: Path) -> None:
    result = measure_import_and_match(200_000, window=window, qtbot=qtbot, folder=tmp_path)
    print(
        f"200k x 200k: {result.seconds:.1f} s, longest stall {result.max_gap_ms:.0f} ms;",
        result.detail,
    )
    assert result.seconds < MAX_SECONDS_200K
    _check(result, MAX_STALL_MS_200K)
