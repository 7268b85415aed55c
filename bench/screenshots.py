"""Save a screenshot of every page at the sizes of real screens, and say what is cut off.

    .venv/bin/python bench/screenshots.py [--out bench/out/screens]

Four screens: 1366x768 and 1280x720 (laptops), 1920x1080 at 125 % and at 150 % scaling
(``QT_SCALE_FACTOR``; each scale runs in a process of its own, as Qt reads it once). Runs offscreen
on the demo workspace (built in a temporary OVERLAP_HOME, so nothing of the user's is touched),
visits the welcome page and every step with its data loaded (each page once first, so its "what
this step is for" box is folded as it is after a first read), and writes
``<page>-<width>x<height>@<scale %>.png`` in device pixels. For each picture it prints what
tests/desktop/layout.py finds: text narrower than its label, button or header, buttons cut by the
page's edge, nested scroll areas, and how many rows the page's main table shows. Look at each.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# (scale, screens in device pixels): one process per scale.
SCREENS: tuple[tuple[float, tuple[tuple[int, int], ...]], ...] = (
    (1.0, ((1366, 768), (1280, 720))),
    (1.25, ((1920, 1080),)),
    (1.5, ((1920, 1080),)),
)


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
    parser.add_argument("--scale", type=float, help="one scale only (used by the runs it starts)")
    parser.add_argument("--only", nargs="*", default=[], help="page keys to shoot (default all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.scale is None:
        failed = 0
        for scale, _screens in SCREENS:
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=str(scale))
            command = [sys.executable, __file__, "--out", str(args.out), "--scale", str(scale)]
            failed |= subprocess.call([*command, "--only", *args.only], env=env)
        raise SystemExit(failed)
    shoot_all(args.out, args.scale, args.only)


def shoot_all(out: Path, scale: float, only: list[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QT_SCALE_FACTOR"] = str(scale)
    home = tempfile.mkdtemp(prefix="overlap-screens-")
    os.environ["OVERLAP_HOME"] = home

    from desktop.app import create_app
    from desktop.headless import silence_dialogs
    from desktop.main_window import MainWindow
    from tests.desktop import layout

    screens = dict(SCREENS)[scale]
    silence_dialogs()
    app = create_app()
    window = MainWindow()
    window.show()
    percent = round(scale * 100)

    def shoot(name: str, page: Any = None) -> None:
        for width, height in screens:
            window.resize(round(width / scale), round(height / scale))
            settle(app, window)
            path = out / f"{name}-{width}x{height}@{percent}.png"
            window.grab().save(str(path))
            findings = []
            if (window.width(), window.height()) != (round(width / scale), round(height / scale)):
                findings.append(f"the window stays {window.width()}x{window.height()}")
            if page is not None:
                findings += layout.cut_text(page) + layout.outside(page)
                findings += layout.columns_out_of_view(page)
                findings += layout.scroll_problems(page)
                table = layout.main_table(page)
                if table is not None:
                    findings.append(f"main table shows {layout.rows_shown(table)} rows")
            print(path)
            for finding in findings:
                print(f"    {finding}")

    shoot("welcome", window.welcome)
    window.open_demo()
    wait(app, lambda: window.workspace is not None, timeout=300)
    settle(app, window)
    keys = [key for key in window.pages if not only or key in only]
    for key in keys:  # a first visit, read: the help box folds when the page is left
        window.go_to(key)
        settle(app, window)
    window.go_to("import")
    settle(app, window)

    for key in keys:
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
            shoot("plans-shortlist", page)
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
        shoot(key, page)
        if key == "dashboard":  # its other topics, one tab each
            for index in range(1, page.sections.count()):
                page.sections.setCurrentIndex(index)
                settle(app, window)
                shoot(f"dashboard-{index}", page)
            page.sections.setCurrentIndex(0)
        if key == "partners":  # its program tab: the checklist and the enablement
            shown = page.tabs.currentIndex()
            page.tabs.setCurrentWidget(page.program)
            settle(app, window)
            shoot("partners-program", page)
            page.tabs.setCurrentIndex(shown)
    window.close()


if __name__ == "__main__":
    main()
