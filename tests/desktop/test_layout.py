"""Every page on a 1366 x 768 and a 1280 x 720 laptop screen, measured the way a person looks
at it: no label, button or column heading narrower than its text, no button cut by the page's
edge, no column scrolled out of view, one scroll area at most, and the main table showing at
least ten rows (or all of its rows, if fewer).
``bench/screenshots.py`` renders the same pages at the four screen sizes for the eye."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from desktop.app import load_style
from desktop.settings import Settings
from tests.desktop import layout
from tests.desktop.conftest import until, wait_idle

LAPTOP = (1366, 768)
SMALL_LAPTOP = (1280, 720)
ROWS = 10
# Pages whose point is a table (the Dashboard's are charts and figures).
TABLE_PAGES = (
    "import", "match", "overlaps", "ownership", "plans", "territories", "agenda",
    "registrations", "share", "partners",
)  # fmt: skip


@pytest.fixture(autouse=True)
def styled(qapp: QApplication) -> Iterator[None]:
    """The app's style sheet, as the user sees it (its padding is what text must fit in)."""
    load_style(qapp)
    yield
    qapp.setStyleSheet("")


def open_demo(qtbot, window) -> None:
    window.resize(*LAPTOP)
    window.open_demo()
    until(qtbot, lambda: window.workspace is not None, timeout=120_000)
    wait_idle(qtbot, window)


def visit(qtbot, window, key: str):
    window.go_to(key)
    wait_idle(qtbot, window)
    qtbot.wait(20)  # let the layouts settle after the data arrived
    wait_idle(qtbot, window)
    return window.pages[key]


def measure(qtbot, window) -> tuple[dict[str, list[str]], dict[str, int]]:
    """What is wrong on each page at the window's present size, and the rows each table shows."""
    problems: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    for key in window.pages:
        page = visit(qtbot, window, key)
        if key == "plans" and page.shortlist_model.rowCount() == 0:
            page.build_shortlist()
            wait_idle(qtbot, window)
        found = layout.cut_text(page) + layout.outside(page) + layout.scroll_problems(page)
        found += layout.columns_out_of_view(page)
        table = layout.main_table(page) if key in TABLE_PAGES else None
        if table is not None:
            rows[key] = layout.rows_shown(table)
            wanted = min(ROWS, table.model().rowCount())
            if rows[key] < wanted:
                found.append(f"the main table shows {rows[key]} rows, not {wanted}")
        if found:
            problems[key] = found
    return problems, rows


def test_every_page_fits_a_laptop_screen(qtbot, window) -> None:
    open_demo(qtbot, window)
    for key in window.pages:  # a first visit, read: each "what this step is for" box folds
        visit(qtbot, window, key)
    visit(qtbot, window, "import")
    assert (window.width(), window.height()) == LAPTOP, "a page's minimum size grows the window"
    problems, rows = measure(qtbot, window)
    assert not problems, problems
    # Pages whose point is a table have one, and it shows ten rows at least.
    for key in ("import", "overlaps", "ownership", "plans", "territories", "share", "partners"):
        assert rows.get(key, 0) >= ROWS, (key, rows)
    # The smaller laptop screen (and 1920 x 1080 at 150 %, the same room) fits as well.
    window.resize(*SMALL_LAPTOP)
    wait_idle(qtbot, window)
    assert (window.width(), window.height()) == SMALL_LAPTOP, "a page's minimum size grows it"
    problems, rows = measure(qtbot, window)
    assert not problems, problems
    window.close()


def test_the_explanation_box_folds_once_read_and_stays_folded(qtbot, window) -> None:
    open_demo(qtbot, window)
    page = visit(qtbot, window, "overlaps")
    assert not page.help.is_collapsed()  # first visit: the explanation is open
    visit(qtbot, window, "ownership")
    assert page.help.is_collapsed()
    assert Settings().help_collapsed("overlaps") is True
    # Opened again by the user, it stays open: their choice is remembered.
    ownership = window.pages["ownership"]
    ownership.help.toggle.click()
    ownership.help.toggle.click()
    assert not ownership.help.is_collapsed()
    visit(qtbot, window, "plans")
    assert not ownership.help.is_collapsed()
    assert Settings().help_collapsed("ownership") is False
    # A page with its own way of loading (Partners loads once) folds the same way.
    partners = visit(qtbot, window, "partners")
    assert not partners.help.is_collapsed()
    visit(qtbot, window, "share")
    assert partners.help.is_collapsed()
