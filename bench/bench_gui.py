"""Desktop figures: start-up time, GUI-thread stalls during a big import + match, data() cost.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py startup [--runs 5]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py command [--runs 7]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py stall [--rows 200000]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_gui.py data [--rows 1000000]

``startup``: wall time from launching a fresh ``python`` to the window shown and the event loop
idle (the app is usable), as the app starts from source; each run in a new process.
``command``: the installed ``overlap`` script, as a user starts it: from launching the process
to the window shown (``overlap --quit-when-shown``), and to ``overlap --help`` printed and
exited; with each, whether pandas or SQLAlchemy was imported on the way. Best and median, as
other work on the machine slows single runs.
``stall``: imports two generated exports of ``--rows`` accounts each and matches them through
the GUI's operations layer while a 5 ms heartbeat timer on the GUI thread records the longest
gap between its ticks (the longest the window would have frozen).
``data``: microseconds per ``data()`` call on a table model of ``--rows`` rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import time, sys
started = float(sys.argv[1])
from PySide6.QtCore import QTimer
from desktop.app import create_app, setup_logging
setup_logging()
app = create_app()
from desktop.main_window import MainWindow
window = MainWindow()
window.show()
def ready():
    heavy = ('pandas' in sys.modules, 'engine.store.workspace' in sys.modules)
    print(f"{time.time() - started:.4f} {heavy[0]} {heavy[1]}")
    window.close()
    app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""


def startup(runs: int) -> list[float]:
    times = []
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    with tempfile.TemporaryDirectory() as home:
        env["OVERLAP_HOME"] = home
        for _ in range(runs):
            started = time.time()
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(started)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            times.append(float(out[0]))
            heavy = out[1] == "True" or out[2] == "True"
    print(
        f"startup to usable window: median {statistics.median(times):.3f} s, "
        f"max {max(times):.3f} s over {runs} runs (pandas/engine imported before show: {heavy})"
    )
    return times


# Prints the heavy modules a start imported, from inside the process it measures.
_HEAVY_AT_EXIT = (
    "import atexit, sys; atexit.register(lambda: print('heavy:', "
    "sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'sqlalchemy'}), "
    "file=sys.stderr))"
)


def overlap_script() -> Path:
    """The ``overlap`` command installed beside this Python (``pip install -e .``)."""
    return Path(sys.executable).with_name("overlap.exe" if os.name == "nt" else "overlap")


def command_startup(runs: int) -> dict[str, list[float]]:
    """Seconds from process start to the window shown, and to ``--help`` done, per run."""
    script = overlap_script()
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    times: dict[str, list[float]] = {"window": [], "help": []}
    heavy: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as hooks:
        env["OVERLAP_HOME"] = home
        # sitecustomize runs in the measured process itself: it reports what was imported.
        Path(hooks, "sitecustomize.py").write_text(_HEAVY_AT_EXIT + "\n", encoding="utf-8")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [hooks, env.get("PYTHONPATH")]))
        for _ in range(runs):
            for what, args in (("window", ["--quit-when-shown"]), ("help", ["--help"])):
                started = time.time()
                done = subprocess.run(
                    [str(script), *args], env=env, capture_output=True, text=True, check=True
                )
                ended = time.time()
                shown = [x for x in done.stdout.splitlines() if x.startswith("window shown at")]
                at = float(shown[-1].split()[-1]) if what == "window" and shown else ended
                times[what].append(at - started)
                heavy[what] = [x for x in done.stderr.splitlines() if x.startswith("heavy:")][-1]
    for what, label in (("window", "window shown"), ("help", "--help done")):
        got = times[what]
        print(
            f"overlap {label}: best {min(got):.3f} s, median {statistics.median(got):.3f} s "
            f"over {runs} runs ({heavy[what]})"
        )
    return times


def data_cost(rows: int) -> float:
    import numpy as np
    import pandas as pd
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from desktop.models.frame import Column, FrameModel

    _app = QApplication.instance() or QApplication([])
    model = FrameModel([Column("name", "Name"), Column("v", "Value", "money")])
    model.set_frame(
        pd.DataFrame({"name": [f"Company {i}" for i in range(rows)], "v": np.arange(rows) * 1.5})
    )
    rng = np.random.default_rng(0)
    indexes = [
        model.index(int(r), int(c))
        for r, c in zip(rng.integers(0, rows, 50_000), rng.integers(0, 2, 50_000), strict=True)
    ]
    started = time.perf_counter()
    for index in indexes:
        model.data(index, Qt.ItemDataRole.DisplayRole)
    per = (time.perf_counter() - started) / len(indexes)
    print(f"data(): {per * 1e6:.2f} µs per cell at {rows:,} rows")
    return per


def stall(rows: int) -> float:
    from tests.desktop.responsiveness import measure_import_and_match

    result = measure_import_and_match(rows)
    print(
        f"import + match {rows:,} x {rows:,} through the GUI: {result.seconds:.1f} s, "
        f"longest GUI-thread stall {result.max_gap_ms:.0f} ms "
        f"(heartbeat every {result.interval_ms} ms, {result.ticks:,} ticks); {result.detail}"
    )
    return result.max_gap_ms


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("startup")
    p.add_argument("--runs", type=int, default=5)
    p = sub.add_parser("command")
    p.add_argument("--runs", type=int, default=7)
    p = sub.add_parser("stall")
    p.add_argument("--rows", type=int, default=200_000)
    p = sub.add_parser("data")
    p.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.what == "startup":
        startup(args.runs)
    elif args.what == "command":
        command_startup(args.runs)
    elif args.what == "stall":
        stall(args.rows)
    else:
        data_cost(args.rows)


if __name__ == "__main__":
    main()
