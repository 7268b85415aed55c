"""Import speed: a 1M-row CSV and a 100k-row XLSX into a new workspace, with peak memory.

Targets (issue 2): 1M-row CSV <= 6 s, 100k-row XLSX <= 3 s on a 2-core machine.

    .venv/bin/python bench/bench_import.py                 # both figures
    .venv/bin/python bench/bench_import.py --csv-rows 200000 --xlsx-rows 20000

The exports are made once by ``bench/generate.py`` (Salesforce report CSV with its footer,
Dynamics-style XLSX with its hidden columns) and kept in ``bench/out/``. Each import runs in a
fresh process, so the peak memory printed is that of the import alone. The CPU time (all
threads of the process) is printed beside the wall time, for the whole import and for each
phase (read + map, clean, check, save): on a machine busy with other work the wall time grows,
the CPU time much less.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"


def _make(kind: str, rows: int) -> Path:
    """The export to import, generated on first use."""
    sys.path.insert(0, str(HERE))
    import generate

    OUT.mkdir(exist_ok=True)
    if kind == "csv":
        path = OUT / f"import_{rows}.csv"
        if not path.exists():
            g = generate.generate_columns(rows, 10, 0.0, seed=11, style_ours="salesforce")
            generate.write_export(
                g.ours, path, quote_all=True, footer=generate.salesforce_footer(rows)
            )
    else:
        path = OUT / f"import_{rows}.xlsx"
        if not path.exists():
            g = generate.generate_columns(rows, 10, 0.0, seed=12, style_ours="dynamics")
            generate.write_export(g.ours, path, fmt="xlsx", hidden_columns=3)
    return path


# The import's progress messages that start each phase, and the name the bench prints.
PHASES = (
    ("Reading", "read"),
    ("Cleaning names", "clean"),
    ("Checking rows", "check"),
    ("Saving accounts", "save"),
    ("Imported", "end"),
)


def _measure(path: Path) -> dict[str, object]:
    """Run in a child process: import ``path`` into a new workspace, time each phase."""
    sys.path.insert(0, str(REPO))
    from engine import Workspace, import_file

    marks: dict[str, tuple[float, float]] = {}

    def progress(_fraction: float, message: str) -> None:
        for prefix, phase in PHASES:
            if message.startswith(prefix) and phase not in marks:
                marks[phase] = (time.perf_counter(), time.process_time())

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.create(Path(tmp) / "bench.overlap", "Acme Corp")
        try:
            start = (time.perf_counter(), time.process_time())
            report = import_file(ws, "us", path, progress=progress)
            end = (time.perf_counter(), time.process_time())
        finally:
            ws.close()
    marks.setdefault("read", start)
    marks["end"] = end
    phases: dict[str, list[float]] = {}
    order = [phase for _prefix, phase in PHASES]
    for phase, following in itertools.pairwise(order):
        begin = marks.get(phase)
        finish = next((marks[f] for f in order[order.index(following) :] if f in marks), end)
        if begin is not None:
            phases[phase] = [round(finish[0] - begin[0], 2), round(finish[1] - begin[1], 2)]
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "file": path.name,
        "mb": round(path.stat().st_size / 1e6, 1),
        "imported": report.summary["imported"],
        "seconds": round(end[0] - start[0], 2),
        "cpu": round(end[1] - start[1], 2),
        "phases": phases,
        "peak_mb": round(peak_kib / 1024),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_measure(Path(args.child))))
        return 0
    targets = {"csv": 6.0, "xlsx": 3.0}
    print(
        "load average before:",
        " ".join(f"{x:.1f}" for x in os.getloadavg()),
        f"({os.cpu_count()} cores)",
    )
    failed = False
    for kind, rows in (("csv", args.csv_rows), ("xlsx", args.xlsx_rows)):
        if rows <= 0:
            continue
        path = _make(kind, rows)
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode:
            print(child.stderr, file=sys.stderr)
            return 1
        result = json.loads(child.stdout.strip().splitlines()[-1])
        target = targets[kind] * rows / (1_000_000 if kind == "csv" else 100_000)
        ok = result["seconds"] <= target
        failed |= not ok
        names = {"read": "read + map", "clean": "clean", "check": "check", "save": "save"}
        phases = ", ".join(
            f"{names[k]} {wall:.2f} s (CPU {cpu:.2f})"
            for k, (wall, cpu) in result["phases"].items()
        )
        print(
            f"{kind.upper():4} {rows:>9,} rows ({result['mb']} MB): "
            f"wall {result['seconds']:.2f} s, "
            f"CPU {result['cpu']:.2f} s (target {target:.1f} s: wall {'ok' if ok else 'MISSED'}, "
            f"CPU {'ok' if result['cpu'] <= target else 'MISSED'}); peak memory "
            f"{result['peak_mb']:,} MB; {result['imported']:,} accounts\n      {phases}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
