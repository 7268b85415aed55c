"""The main window fits the screen it opens on: laptop sizes, remembered sizes, lost monitors."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication

from desktop.main_window import TITLE_BAR, default_geometry, fit_to_screen


def test_a_laptop_screen_gets_its_whole_free_area_below_the_title_bar() -> None:
    available = QRect(0, 0, 1366, 728)  # 1366 x 768 less a 40-pixel taskbar
    rect = default_geometry(available)
    assert rect.width() == 1366
    assert rect.top() >= TITLE_BAR
    assert available.contains(rect)


def test_a_big_screen_gets_a_centred_window_of_readable_size() -> None:
    available = QRect(0, 0, 2560, 1400)
    rect = default_geometry(available)
    assert (rect.width(), rect.height()) == (1680, 1050)
    assert abs(rect.center().x() - available.center().x()) <= 1
    assert available.contains(rect)


def test_a_second_screen_to_the_left_is_used_where_it_is() -> None:
    available = QRect(-1920, 0, 1920, 1040)
    rect = default_geometry(available)
    assert available.contains(rect)
    assert rect.width() == 1680


def test_remembered_geometry_from_a_bigger_monitor_is_clamped() -> None:
    available = QRect(0, 0, 1366, 728)
    rect = fit_to_screen(QRect(2200, 900, 1900, 1150), available)
    assert (rect.width(), rect.height()) == (1366, 728 - TITLE_BAR)
    assert available.contains(rect)


def test_remembered_geometry_that_fits_is_kept() -> None:
    available = QRect(0, 0, 1920, 1040)
    assert fit_to_screen(QRect(100, 80, 1200, 700), available) == QRect(100, 80, 1200, 700)


def test_a_window_above_the_screen_comes_down_so_its_title_bar_shows() -> None:
    rect = fit_to_screen(QRect(10, -200, 800, 500), QRect(0, 0, 1366, 728))
    assert rect.top() == TITLE_BAR and rect.height() == 500


def test_the_window_opens_inside_the_screen_with_or_without_remembered_geometry(qtbot) -> None:
    from desktop.main_window import MainWindow

    available = QGuiApplication.primaryScreen().availableGeometry()
    first = MainWindow()
    qtbot.addWidget(first)
    assert available.contains(first.geometry()), (first.geometry(), available)
    first.setGeometry(QRect(3000, 2500, 2400, 1500))  # as if on a monitor now unplugged
    first.show()
    qtbot.waitExposed(first)
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert available.contains(second.geometry()), (second.geometry(), available)
    assert second.width() >= available.width() - 10  # as wide as the screen, not 2,400
    second.close()
