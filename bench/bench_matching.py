"""Matching speed and memory, and the candidate step against brute force.

Three parts (each can be run alone):

* ``--candidates N``: name keys of a generated N x N pair of exports; brute-force rapidfuzz
  ``cdist`` (all pairs, same scorer and cutoff) against the blocking candidate step. Prints both
  times, the speed-up and the share of brute force's pairs the candidate step finds.
* ``--core N [N ...]``: ``match_frames`` on generated standard fields, each size in a fresh
  process; prints seconds per phase and peak memory (max RSS).
* ``--map N [N ...]``: the whole ``overlap map`` (import both files + match + CSV) on files the
  generator wrote, in a fresh process; ``--domain-only`` gives both sides lists of web domains
  (an id and a website per account, no names) in which every true pair shares a domain.

    .venv/bin/python bench/bench_matching.py --candidates 20000
    .venv/bin/python bench/bench_matching.py --core 100000 1000000
    .venv/bin/python bench/bench_matching.py --map 100000 1000000 [--domain-only]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

PYTHON = sys.executable
BLOCKED_RUNS = 5


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def candidates(n: int, cutoffs: list[int], seed: int) -> None:
    from bench_quality import standard
    from generate import generate

    from engine.keys.names import name_keys
    from engine.matching import candidate_pairs

    ours, partner, _truth = generate(n, n, 0.3, seed=seed)
    keys_a = name_keys(standard(ours, websites=False)["name"]).to_numpy()
    keys_b = name_keys(standard(partner, websites=False)["name"]).to_numpy()
    for cutoff in cutoffs:
        start = time.perf_counter()
        brute = candidate_pairs(keys_a, keys_b, cutoff=cutoff, brute_force=True)
        brute_s = time.perf_counter() - start
        # The candidate step takes a tenth of a second: its first run (fresh memory for
        # every array) and the median of the next BLOCKED_RUNS are both printed; the
        # speed-up is the median's, as brute force's five seconds are one long steady run.
        times = []
        for _ in range(BLOCKED_RUNS + 1):
            start = time.perf_counter()
            blocked = candidate_pairs(keys_a, keys_b, cutoff=cutoff, brute_force=False)
            times.append(time.perf_counter() - start)
        blocked_s = statistics.median(times[1:])
        wanted = set(zip(brute["a"].tolist(), brute["b"].tolist(), strict=True))
        found = set(zip(blocked["a"].tolist(), blocked["b"].tolist(), strict=True))
        share = len(found & wanted) / max(len(wanted), 1)
        print(
            f"candidates {n:,} x {n:,} max(token_sort_ratio, squashed ratio) >= {cutoff}: "
            f"brute force {len(wanted):,} pairs in {brute_s:.2f} s; blocking {len(found):,} "
            f"pairs in {blocked_s * 1000:.0f} ms, median of {BLOCKED_RUNS} "
            f"(first run {times[0] * 1000:.0f} ms): {brute_s / blocked_s:.0f}x faster, finds "
            f"{share:.4f} of brute force's pairs",
            flush=True,
        )


def core(n: int, seed: int) -> dict:
    from bench_quality import standard
    from generate import generate

    from engine.matching import match_frames

    ours_raw, partner_raw, _truth = generate(n, n, 0.3, seed=seed)
    ours, partner = standard(ours_raw), standard(partner_raw)
    del ours_raw, partner_raw
    phases: list[tuple[str, float]] = []
    last = [time.perf_counter()]

    def progress(_fraction: float, message: str) -> None:
        now = time.perf_counter()
        if not phases or phases[-1][0] != message:
            phases.append((message, 0.0))
        name, spent = phases[-1]
        phases[-1] = (name, spent + now - last[0])
        last[0] = now

    base = _peak_mb()
    start = time.perf_counter()
    cpu = time.process_time()
    links = match_frames(ours, partner, progress=progress)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {
        "n": n,
        "seconds": seconds,
        "cpu": cpu,
        "links": len(links),
        "peak_mb": _peak_mb(),
        "before_mb": base,
        "phases": [(name, round(s, 2)) for name, s in phases],
    }


def run_map(n: int, seed: int, domain_only: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-map-") as folder:
        out = Path(folder)
        generate_cmd = [
            PYTHON,
            str(HERE / "generate.py"),
            "--ours",
            str(n),
            "--partner",
            str(n),
            "--shared",
            "0.3",
            "--seed",
            str(seed),
            "--out",
            str(out),
            "--no-footer",
        ] + (["--domain-only", "--fields", "id", "website"] if domain_only else [])
        subprocess.run(generate_cmd, check=True, capture_output=True)
        command = [
            PYTHON,
            "-c",
            "import resource, sys, time; from engine.cli import main; t = time.perf_counter(); "
            "code = main(sys.argv[1:]); "
            "print('BENCH', time.perf_counter() - t, "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, code, file=sys.stderr)",
            "map",
            str(out / "ours.csv"),
            str(out / "partner.csv"),
            "--out",
            str(out / "links.csv"),
        ]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        lines = done.stderr.strip().splitlines()
        bench = [line for line in lines if line.startswith("BENCH")]
        if not bench:
            raise SystemExit(done.stderr)
        _, seconds, peak, code = bench[-1].split()
        return {
            "n": n,
            "domain_only": domain_only,
            "seconds": float(seconds),
            "peak_mb": float(peak),
            "exit": int(code),
            "detail": [line for line in lines if not line.startswith("BENCH")][-1:],
            "stdout": done.stdout.strip(),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, metavar="N")
    parser.add_argument("--cutoffs", type=int, nargs="+", default=[80, 90])
    parser.add_argument("--core", type=int, nargs="+", metavar="N")
    parser.add_argument("--map", type=int, nargs="+", metavar="N")
    parser.add_argument("--domain-only", action="store_true")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--child", choices=["core"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "core":
        print(json.dumps(core(args.n, args.seed)))
        return 0
    if not (args.candidates or args.core or args.map):
        args.candidates, args.core = 20_000, [100_000]
    if args.candidates:
        candidates(args.candidates, args.cutoffs, args.seed)
    for n in args.core or []:
        done = subprocess.run(
            [PYTHON, __file__, "--child", "core", "--n", str(n), "--seed", str(args.seed)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        phases = ", ".join(f"{name} {s:.1f} s" for name, s in r["phases"])
        print(
            f"match_frames {n:,} x {n:,}: {r['seconds']:.1f} s ({r['cpu']:.1f} s CPU), "
            f"{r['links']:,} links, peak RSS "
            f"{r['peak_mb']:,.0f} MB (data alone {r['before_mb']:,.0f} MB) [{phases}]",
            flush=True,
        )
    for n in args.map or []:
        r = run_map(n, args.seed, args.domain_only)
        kind = "domain-only " if args.domain_only else ""
        print(
            f"overlap map {kind}{n:,} x {n:,}: {r['seconds']:.1f} s, "
            f"peak RSS {r['peak_mb']:,.0f} MB, "
            f"exit {r['exit']} | {r['stdout']} | {' '.join(r['detail'])}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
