"""The settings file is read as untrusted: whatever another program or a broken write left in
it, every setting reads as its type or as unset, and the window still opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.settings import Settings

# Qt says so when it meets a value it cannot load; the point is that nothing else happens.
pytestmark = pytest.mark.qt_log_ignore("QVariant::load")

HOSTILE_INI = """\
[window]
geometry=not a geometry
state=@ByteArray(\\0\\0\\xff)
[workspace]
last=
recent=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x10garbage)
partner=@Invalid()
[help]
import=maybe
"""


def test_a_hostile_settings_file_reads_as_unset(tmp_path: Path, qtbot) -> None:
    path = tmp_path / "overlap.ini"
    path.write_text(HOSTILE_INI + "\x00\xff" * 100, encoding="latin-1")
    settings = Settings(path)
    assert settings.geometry() is None
    assert settings.last_workspace() is None
    assert all(isinstance(item, str) for item in settings.recent())
    assert settings.help_collapsed("import") is False
    assert settings.last_partner() in (None, "@Invalid()")
    settings.add_recent(str(tmp_path / "acme.overlap"))
    assert settings.recent()[0] == str(tmp_path / "acme.overlap")


def test_the_window_opens_over_a_hostile_settings_file(qtbot, monkeypatch, tmp_path) -> None:
    from desktop.main_window import MainWindow

    ini = Settings().path
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text(HOSTILE_INI, encoding="latin-1")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert window.isVisible()
    window.close()
