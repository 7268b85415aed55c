"""Save a screenshot of every page at 1280x800 and at a small 1024x640 window.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/screenshots.py [--out bench/out/screens]

Runs on the demo workspace (built in a temporary OVERLAP_HOME, so nothing of the user's is
touched), visits the welcome page and every step with its data loaded, and writes
``<page>-<width>x<height>.png``. Look at each: nothing cut off, nothing empty, readable.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = ((1280, 800), (1024, 640))


def wait(app, condition, timeout: float = 120.0) -> None:
    """Let the event loop run until ``condition()`` (a script, not the app, so polling is fine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not finish in time")
        app.processEvents()
        time.sleep(0.01)


def settle(app, window) -> None:
    wait(app, lambda: not window.ops.is_busy())
    for _ in range(5):
        app.processEvents()
        time.sleep(0.02)
    wait(app, lambda: not window.ops.is_busy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "screens")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="overlap-screens-")
    os.environ["OVERLAP_HOME"] = home

    from desktop.app import create_app
    from desktop.headless import silence_dialogs
    from desktop.main_window import MainWindow

    silence_dialogs()
    app = create_app()
    window = MainWindow()
    window.show()
    written = []
    for width, height in SIZES:
        window.resize(width, height)
        settle(app, window)
        path = args.out / f"welcome-{width}x{height}.png"
        window.grab().save(str(path))
        written.append(path)
    window.open_demo()
    wait(app, lambda: window.workspace is not None, timeout=300)
    settle(app, window)

    def shoot(name: str) -> None:
        for width, height in SIZES:
            window.resize(width, height)
            settle(app, window)
            path = args.out / f"{name}-{width}x{height}.png"
            window.grab().save(str(path))
            written.append(path)

    for key in list(window.pages):
        window.go_to(key)
        settle(app, window)
        page = window.pages[key]
        if key == "import":
            page.side_combo.setCurrentIndex(page.side_combo.findData("Globex"))
            page.load_file(str(ROOT / "resources" / "demo" / "globex_hubspot.csv"))
            settle(app, window)
        if key == "overlaps":
            page.heatmap.activate(0, 1)  # their customers, our prospects
            settle(app, window)
        if key == "plans":
            page.build_shortlist()
            settle(app, window)
            shoot("plans-shortlist")
            page.create_plans_for_shortlist()
            settle(app, window)
            first = int(page.plans_model.frame["id"].iat[0])
            page.open_plan(first)
            settle(app, window)
            page.objective_edit.setPlainText(
                "Joint pilot of both products by the end of the quarter"
            )
            page.save_plan()
            page.step_what.setText("Intro call with Globex's account executive")
            page.step_person.setText("Dana Smith")
            page.add_step()
            page.role_person.setText("Dana Smith")
            page.role_name.setText("Account executive")
            page.add_role()
            settle(app, window)
            page.reload()
            settle(app, window)
        shoot(key)
    window.close()
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
