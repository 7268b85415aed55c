"""Measure how long the GUI thread ever stalls while big exports are imported and matched.

A 5 ms heartbeat ``QTimer`` on the GUI thread notes the longest gap between two of its ticks
while the window imports two exports of ``rows`` accounts each and matches them, through the
pages and the operations layer exactly as a user would (choose file → preview → import, twice;
run matching; the match page loading every link into its table).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WORDS = np.array(
    [
        "Alpha",
        "Beta",
        "Gamma",
        "Delta",
        "Nova",
        "Terra",
        "Vista",
        "Quantum",
        "Apex",
        "Summit",
        "Harbor",
        "Pioneer",
        "Crest",
        "Falcon",
        "Meridian",
        "Orbit",
        "Cedar",
        "Granite",
        "Silver",
        "Blue",
        "Northern",
        "Pacific",
        "Atlantic",
        "United",
        "Global",
        "Bright",
        "Evergreen",
        "Keystone",
        "Liberty",
        "Horizon",
        "Sterling",
        "Vector",
        "Zenith",
        "Aurora",
        "Beacon",
        "Catalyst",
        "Dynamo",
        "Element",
        "Fusion",
        "Insight",
        "Lumen",
        "Matrix",
        "Nimbus",
        "Optima",
        "Prism",
        "Radiant",
        "Sapphire",
        "Titan",
        "Unity",
    ]
)
SUFFIX = np.array(["Inc", "LLC", "Ltd", "GmbH", "Corp", "SA", "BV", "Group", "Holdings", "Co"])


def write_pair(folder: Path, rows: int, seed: int = 3) -> tuple[Path, Path]:
    """Two CSV exports of ``rows`` accounts; about half of them are the same companies."""
    rng = np.random.default_rng(seed)
    ids = np.arange(rows * 2)
    w1 = WORDS[rng.integers(0, len(WORDS), len(ids))]
    w2 = WORDS[rng.integers(0, len(WORDS), len(ids))]
    base = np.char.add(np.char.add(w1, " "), np.char.add(w2, np.char.mod(" %d", ids)))
    slug = np.char.lower(np.char.replace(base, " ", "-"))
    ours = rng.permutation(ids)[:rows]
    shared = ours[: rows // 2]
    theirs = np.concatenate(
        [shared, rng.choice(np.setdiff1d(ids, ours), rows - len(shared), replace=False)]
    )
    stages = np.array(["Prospect", "Customer - Direct", "Former Customer"])
    lifecycle = np.array(["lead", "customer", "other"])

    def write(
        path: Path, picks: np.ndarray, header: str, stage_words: np.ndarray, site: bool
    ) -> None:
        names = np.char.add(
            np.char.add(base[picks], " "), SUFFIX[rng.integers(0, len(SUFFIX), len(picks))]
        )
        domains = np.char.add(slug[picks], ".com")
        if site:
            domains = np.char.add("https://www.", domains)
        stage = stage_words[rng.integers(0, 3, len(picks))]
        lines = [header] + [
            f"{i},{n},{d},{s}"
            for i, n, d, s in zip(
                picks.tolist(), names.tolist(), domains.tolist(), stage.tolist(), strict=True
            )
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    a, b = folder / "ours.csv", folder / "theirs.csv"
    write(a, ours, "Account ID,Account Name,Website,Type", stages, True)
    write(b, theirs, "Record ID,Company name,Company Domain Name,Lifecycle Stage", lifecycle, False)
    return a, b


@dataclass
class Result:
    seconds: float
    max_gap_ms: float
    ticks: int
    interval_ms: int
    detail: str


class Heartbeat:
    def __init__(self, interval_ms: int = 5) -> None:
        from PySide6.QtCore import QTimer

        self.interval_ms = interval_ms
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.last = 0.0
        self.max_gap = 0.0
        self.ticks = 0
        self.worst_at = ""
        self.phase = ""
        self.gaps: list[tuple[int, str]] = []
        self.paused = False

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def tick(self) -> None:
        now = time.perf_counter()
        if self.paused:
            self.last = now
            return
        gap = now - self.last
        if gap > self.max_gap:
            self.max_gap = gap
            self.worst_at = self.phase
        self.last = now
        self.ticks += 1
        if gap > 0.05:
            self.gaps.append((round(gap * 1000), self.phase))

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self.last = time.perf_counter()

    def stop(self) -> None:
        self.timer.stop()

    def note_progress(self, label: str, _fraction: float, message: str) -> None:
        self.phase = f"{label}: {message}"


def measure_import_and_match(
    rows: int, window: Any = None, qtbot: Any = None, folder: Path | None = None
) -> Result:
    """Import and match two exports of ``rows`` accounts through the window; see the module."""
    import os
    import tempfile

    from PySide6.QtWidgets import QApplication

    own_window = window is None
    if own_window:
        from desktop.headless import silence_dialogs

        silence_dialogs()
        os.environ.setdefault("OVERLAP_HOME", tempfile.mkdtemp(prefix="overlap-stall-"))
        from desktop.app import create_app
        from desktop.main_window import MainWindow

        app = create_app()
        window = MainWindow()
        window.show()
    else:
        app = QApplication.instance()
    folder = folder or Path(tempfile.mkdtemp(prefix="overlap-stall-files-"))
    ours, theirs = write_pair(folder, rows)

    def wait(condition: Any, timeout: float = 1800.0) -> None:
        if qtbot is not None:
            qtbot.waitUntil(condition, timeout=int(timeout * 1000))
            return
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the work did not finish in time")
            app.processEvents()  # the measuring script's own loop, not the app's
            time.sleep(0.001)

    def idle() -> bool:
        return not window.ops.is_busy()

    window.create_workspace(str(folder / "big.overlap"), "Acme Corp", ["acme.com"])
    wait(lambda: window.workspace is not None and idle())
    from desktop.operations.workspace import add_partner

    window.ops.run(
        "Adding Globex",
        lambda ctx: add_partner(ctx, "Globex", "co-sell", "quarterly"),
        on_success=window._on_partners_changed,
    )
    wait(lambda: window.partner is not None and idle())
    # A test run leaves the objects of hundreds of earlier tests alive, and a full collection
    # walks them all while the GUI thread waits. The app freezes what it holds once the engine
    # is loaded (``desktop.operations.workspace._freeze_imports``); these leftovers are frozen
    # the same way, so the stalls measured are the app's own.
    gc.collect()
    gc.freeze()
    beat = Heartbeat()
    window.ops.progress_changed.connect(beat.note_progress)
    beat.start()
    started = time.perf_counter()

    def act(phase: str, action: Any) -> None:
        """A user's click: its own synchronous work and repaint are not background work."""
        beat.phase = phase
        beat.pause()
        action()
        window.repaint()
        beat.resume()

    page = window.pages["import"]
    act("open the import page", lambda: window.go_to("import"))
    wait(idle)
    for side, path in (("us", ours), ("Globex", theirs)):
        act(
            f"choose {side}",
            lambda side=side, path=path: (
                page.side_combo.setCurrentIndex(page.side_combo.findData(side)),
                page.load_file(str(path)),
            ),
        )
        wait(lambda: idle() and page.preview is not None)
        act(f"import {side}", page.run_import)
        wait(lambda: idle() and page.preview is None)
    act("open the match page", lambda: window.go_to("match"))
    wait(idle)
    match = window.pages["match"]
    act("run matching", match.run_matching)
    wait(lambda: idle() and match.view is not None and len(match.view.matches) > 0)
    act("open the overlaps page", lambda: window.go_to("overlaps"))
    wait(idle)
    seconds = time.perf_counter() - started
    beat.stop()
    gc.unfreeze()
    links = len(match.view.matches)
    worst = sorted(beat.gaps, reverse=True)[:5]
    detail = f"{links:,} links; worst stall during '{beat.worst_at}'; stalls over 50 ms: {worst}"
    if own_window:
        window.close()
    return Result(seconds, beat.max_gap * 1000, beat.ticks, beat.interval_ms, detail)
