"""Fuzzing the documents a partner sends, at length: the suite's fuzz test, many thousand times.

    .venv/bin/python bench/fuzz_documents.py                  # 5,000 cases, seed 0
    .venv/bin/python bench/fuzz_documents.py --cases 20000 --seed 7

Real files written by Overlap (a plan file, plain or encrypted; the request, response and back
file of a plain and of a counts-only private-matching exchange) are mutated at random - values
replaced by others of any type, keys and items removed, items repeated, 100,000 nested brackets,
5,000-digit integers, NaN, lone surrogates, 25,000-character text - and handed to the real
command line in a fresh copy of the workspace each arrives in. A case passes when it ends in a
clean import (exit 0, and ``stalled`` and ``sync agenda`` still run) or in exit 2 with one
``error:`` line, the workspace unchanged and no -wal / -shm file left. The mutations and checks
are the suite's (``tests/engine/sharing/test_untrusted.py``); only the source of choices differs: a
seeded random generator here, hypothesis there. Prints ``cases run N, failures F``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.engine.sharing.test_untrusted import Chooser, _write_real_files, fuzz_case

T = TypeVar("T")


class RandomChooser(Chooser):
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def pick(self, options: Sequence[T]) -> T:
        return self.random.choice(list(options))

    def number(self, low: int, high: int) -> int:
        return self.random.randint(low, high)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=0, help="case i uses seed * 1e6 + i")
    parser.add_argument("--show", type=int, default=5, help="failures to print in full")
    args = parser.parse_args()
    outcomes: Counter[str] = Counter()
    failures: list[tuple[int, str]] = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="overlap-fuzz-") as folder:
        real = _write_real_files(Path(folder) / "real")
        for case in range(args.cases):
            case_seed = args.seed * 1_000_000 + case
            case_folder = Path(folder) / f"case-{case}"
            try:
                arrival = fuzz_case(real, RandomChooser(case_seed), case_folder)
            except Exception:  # an assertion of the checks, or anything the command let escape
                failures.append((case_seed, traceback.format_exc()))
            else:
                outcomes[f"{arrival.kind} {'imported' if arrival.code == 0 else 'refused'}"] += 1
            shutil.rmtree(case_folder, ignore_errors=True)
            if (case + 1) % 500 == 0:
                print(f"  {case + 1:,} cases, {len(failures)} failures", file=sys.stderr)
    seconds = time.perf_counter() - start
    for seed, text in failures[: args.show]:
        print(f"--- failure, case seed {seed}\n{text}")
    for outcome, count in sorted(outcomes.items()):
        print(f"  {outcome}: {count:,}")
    print(f"cases run {args.cases:,}, failures {len(failures)} ({seconds:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
