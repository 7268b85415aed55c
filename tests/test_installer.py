"""The standalone build's recipe (build_installer.py, packaging/) without running PyInstaller.

The real frozen build and its smoke test run in .ci/run; these check the decisions it rests on:
what is left out of the bundle, how packages are named, and that the Linux, Windows and macOS
packaging files point at what the build writes.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path, PureWindowsPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import build_installer as recipe  # noqa: E402

sys.path.remove(str(ROOT))


# ---------------------------------------------------------------------- what the bundle keeps


@pytest.mark.parametrize(
    "path",
    [
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6\\Qt\\plugins\\sqldrivers\\qsqlite.dll",
        "pyarrow/include/arrow/api.h",
        "pyarrow/table.pxi",
    ],
)
def test_left_out_of_the_bundle(path: str) -> None:
    assert recipe.excluded(path)


@pytest.mark.parametrize(
    "path",
    [
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforms/qwindows.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "pyarrow/lib.cpython-311-x86_64-linux-gnu.so",
        "resources/style.qss",
        "resources/demo/acme_salesforce.csv",
        "tldextract/.tld_set_snapshot",
    ],
)
def test_kept_in_the_bundle(path: str) -> None:
    assert not recipe.excluded(path)


def _imported_modules(folder: Path) -> set[str]:
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_excluded_module_is_imported_by_the_app() -> None:
    """A module left out of the build would break the standalone app where it is imported."""
    imported = _imported_modules(ROOT / "engine") | _imported_modules(ROOT / "desktop")
    clashes = sorted(
        name
        for name in imported
        for excluded in recipe.EXCLUDED_MODULES
        if name == excluded or name.startswith(excluded + ".")
    )
    assert clashes == []


def test_every_qt_module_the_app_uses_is_kept() -> None:
    imported = _imported_modules(ROOT / "desktop")
    qt = {name.split(".")[1] for name in imported if name.startswith("PySide6.")}
    assert qt == {"QtCore", "QtGui", "QtWidgets"}
    assert not {f"PySide6.{name}" for name in qt} & set(recipe.EXCLUDED_MODULES)


# ---------------------------------------------------------------------- pruning and stripping


def test_libraries_nothing_needs_are_pruned_with_their_links() -> None:
    needs = {
        "/site/pyarrow/lib.so": ["libarrow_python.so.26", "libc.so.6"],
        "/site/pyarrow/libarrow_python.so.26": ["libarrow.so.26"],
        "/site/pyarrow/libarrow.so.26": [],
        "/site/pyarrow/libarrow_flight.so.26": ["libarrow.so.26"],
        "/site/Qt/plugins/platforms/libqxcb.so": ["libQt6XcbQpa.so.6"],
        "/site/Qt/lib/libQt6XcbQpa.so.6": [],
        "/site/Qt/lib/libQt6Network.so.6": [],
        "/usr/lib/libsodium.so.23": [],
    }
    binaries = [
        ("pyarrow/lib.cpython-311-x86_64-linux-gnu.so", "/site/pyarrow/lib.so", "BINARY"),
        ("pyarrow/libarrow_python.so.26", "/site/pyarrow/libarrow_python.so.26", "BINARY"),
        ("pyarrow/libarrow.so.26", "/site/pyarrow/libarrow.so.26", "BINARY"),
        ("pyarrow/libarrow_flight.so.26", "/site/pyarrow/libarrow_flight.so.26", "BINARY"),
        ("libarrow_flight.so.26", "pyarrow/libarrow_flight.so.26", "SYMLINK"),
        ("libarrow.so.26", "pyarrow/libarrow.so.26", "SYMLINK"),
        ("Qt/plugins/platforms/libqxcb.so", "/site/Qt/plugins/platforms/libqxcb.so", "BINARY"),
        ("Qt/lib/libQt6XcbQpa.so.6", "/site/Qt/lib/libQt6XcbQpa.so.6", "BINARY"),
        ("Qt/lib/libQt6Network.so.6", "/site/Qt/lib/libQt6Network.so.6", "BINARY"),
        ("libsodium.so.23", "/usr/lib/libsodium.so.23", "BINARY"),
    ]
    kept, dropped = recipe.prune_libraries(binaries, imports=lambda source: needs[source])
    assert dropped == [
        "Qt/lib/libQt6Network.so.6",
        "libarrow_flight.so.26",
        "pyarrow/libarrow_flight.so.26",
    ]
    assert [entry[0] for entry in kept] == [
        "pyarrow/lib.cpython-311-x86_64-linux-gnu.so",
        "pyarrow/libarrow_python.so.26",
        "pyarrow/libarrow.so.26",
        "libarrow.so.26",
        "Qt/plugins/platforms/libqxcb.so",
        "Qt/lib/libQt6XcbQpa.so.6",
        "libsodium.so.23",
    ]


def test_links_to_files_left_out_are_dropped() -> None:
    entries = [
        ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
        ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/site/libQt6Core.so.6", "BINARY"),
    ]
    kept = recipe.without_dangling_links(entries, ["PySide6/Qt/lib/libQt6Core.so.6"])
    assert [entry[0] for entry in kept] == ["libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6"]


def _elf(path: Path, offset: int, vaddr: int) -> Path:
    """A 64-bit little-endian ELF header with one PT_LOAD segment."""
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 32, 64)  # program headers right after the ELF header
    struct.pack_into("<HH", header, 54, 56, 1)
    segment = struct.pack("<IIQQQQQQ", 1, 5, offset, vaddr, vaddr, 0x100, 0x100, 0x1000)
    path.write_bytes(bytes(header) + segment)
    return path


def test_a_library_strip_misaligned_is_not_used(tmp_path: Path) -> None:
    assert recipe.elf_loadable(_elf(tmp_path / "good.so", 0x1000, 0x201000))
    assert not recipe.elf_loadable(_elf(tmp_path / "bad.so", 0x1200, 0x201000))
    text = tmp_path / "notes.txt"
    text.write_text("not a library", encoding="utf-8")
    assert not recipe.elf_loadable(text)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF files are Linux's")
def test_the_running_python_is_a_loadable_elf_file() -> None:
    assert recipe.elf_loadable(Path(os.path.realpath(sys.executable)))


# ---------------------------------------------------------------------- no network


def test_unshare_takes_the_network_away_where_it_may(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recipe.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(
        recipe.subprocess, "run", lambda command, **_k: subprocess.CompletedProcess(command, 0)
    )
    assert recipe.network_isolation() == ["/usr/bin/unshare", "-rn"]


def test_where_unshare_is_refused_the_guard_alone_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Docker's default profile refuses new user namespaces: unshare exits with status 1."""
    monkeypatch.setattr(recipe.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(
        recipe.subprocess, "run", lambda command, **_k: subprocess.CompletedProcess(command, 1)
    )
    assert recipe.network_isolation() == []
    monkeypatch.setattr(recipe.shutil, "which", lambda name: None)
    assert recipe.network_isolation() == []
    assert recipe.frozen_env("/tmp/home")["OVERLAP_FORBID_NETWORK"] == "1"


# ---------------------------------------------------------------------- output checks, naming


def test_a_traceback_or_an_error_line_fails_the_smoke_test() -> None:
    output = "\n".join(
        [
            "smoke test: match (0.41 s)",
            "smoke test passed in 3.2 s: 308 matches",
            "Traceback (most recent call last):",
            "error: network use attempted (connect ('192.0.2.1', 443,))",
            "[PYI-6851:ERROR] Failed to execute script '__main__'",
        ]
    )
    assert recipe.bad_lines(output) == output.splitlines()[2:]
    log = "2026-01-01 10:00:00 INFO desktop: no errors\n2026-01-01 10:00:01 ERROR desktop: boom"
    assert recipe.bad_lines(log, recipe.BAD_LOG) == ["2026-01-01 10:00:01 ERROR desktop: boom"]


@pytest.mark.parametrize(
    ("system", "machine", "name"),
    [
        ("Linux", "x86_64", "Overlap-1.2.3-linux-x86_64.tar.xz"),
        ("Linux", "aarch64", "Overlap-1.2.3-linux-arm64.tar.xz"),
        ("Darwin", "arm64", "Overlap-1.2.3-macos-arm64.dmg"),
        ("Darwin", "x86_64", "Overlap-1.2.3-macos-x86_64.dmg"),
        ("Windows", "AMD64", "Overlap-1.2.3-windows-x64-setup.exe"),
    ],
)
def test_package_names(system: str, machine: str, name: str) -> None:
    assert recipe.package_name("1.2.3", system, machine) == name


def test_the_version_is_the_project_version() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{recipe.version()}"' in text


# ---------------------------------------------------------------------- packaging files


def test_the_spec_uses_only_what_the_recipe_has() -> None:
    spec = (ROOT / "packaging" / "overlap.spec").read_text(encoding="utf-8")
    tree = ast.parse(spec)
    used = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "recipe"
    }
    assert used and all(hasattr(recipe, name) for name in used), used - set(dir(recipe))
    assert recipe.SPEC == ROOT / "packaging" / "overlap.spec"
    assert '"launcher.py"' in spec
    assert "upx=False" in spec and "upx=True" not in spec


def test_the_linux_menu_entry_is_valid() -> None:
    path = ROOT / "packaging" / "linux" / "overlap.desktop"
    validator = shutil.which("desktop-file-validate")
    if validator:
        result = subprocess.run([validator, str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(path, encoding="utf-8")
    fields = entry["Desktop Entry"]
    assert fields["Type"] == "Application"
    assert fields["Name"] == "Overlap"
    assert fields["Exec"] == recipe.NAME
    assert fields["Icon"] == "overlap"
    assert fields["Terminal"] == "false"
    assert fields["Categories"].endswith(";")
    # The app names this file as its desktop entry (Wayland matches windows to it).
    assert 'setDesktopFileName("overlap")' in (ROOT / "desktop" / "app.py").read_text()


def test_install_sh_adds_the_menu_entry_for_the_folder_it_is_in(tmp_path: Path) -> None:
    folder = tmp_path / "My Apps" / "Overlap"
    folder.mkdir(parents=True)
    for name in ("install.sh", "overlap.desktop"):
        shutil.copy(ROOT / "packaging" / "linux" / name, folder / name)
    (folder / "overlap.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    data = tmp_path / "data"
    env = {**os.environ, "XDG_DATA_HOME": str(data), "HOME": str(tmp_path)}
    result = subprocess.run(
        ["sh", str(folder / "install.sh")], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    entry = (data / "applications" / "overlap.desktop").read_text(encoding="utf-8")
    assert f'Exec="{folder}/Overlap"' in entry.splitlines()
    assert (data / "icons" / "hicolor" / "256x256" / "apps" / "overlap.png").is_file()
    validator = shutil.which("desktop-file-validate")
    if validator:
        check = subprocess.run(
            [validator, str(data / "applications" / "overlap.desktop")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout


def test_install_sh_refuses_a_path_the_menu_entry_cannot_hold(tmp_path: Path) -> None:
    folder = tmp_path / "50% off" / "Overlap"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "packaging" / "linux" / "install.sh", folder / "install.sh")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    result = subprocess.run(
        ["sh", str(folder / "install.sh")], env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "move the folder" in result.stderr
    assert not (tmp_path / "data").exists()


def _inno_paths(script: str) -> dict[str, list[str]]:
    paths: dict[str, list[str]] = {}
    for key, value in re.findall(r"^(\w+)=(.+)$", script, re.MULTILINE):
        paths.setdefault(key, []).append(value.strip())
    for value in re.findall(r'^Source: "([^"]+)"', script, re.MULTILINE):
        paths.setdefault("Source", []).append(value)
    return paths


def _resolve(relative: str) -> Path:
    base = ROOT / "packaging" / "windows"
    return Path(os.path.normpath(base.joinpath(*PureWindowsPath(relative).parts)))


def test_the_windows_installer_takes_what_the_build_writes() -> None:
    script = (ROOT / "packaging" / "windows" / "overlap.iss").read_text(encoding="utf-8")
    paths = _inno_paths(script)
    assert [_resolve(p) for p in paths["Source"]] == [recipe.app_folder() / "*"]
    assert _resolve(paths["SetupIconFile"][0]) == recipe.ICONS / "overlap.ico"
    assert _resolve(paths["OutputDir"][0]) == recipe.DIST
    assert f'#define AppVersion "{recipe.version()}"' in script
    # The default output name is the package name build_installer.py expects.
    default = re.search(r'#define OutputName "Overlap-" \+ AppVersion \+ "(.+)"', script)
    assert default is not None
    name = recipe.package_name(recipe.version(), "Windows", "AMD64")
    assert f"Overlap-{recipe.version()}{default.group(1)}.exe" == name
    assert "{app}\\Overlap.exe" in script
    command = recipe.windows_installer_command(recipe.DIST / name)
    assert command[0] == "iscc" and command[-1].endswith("overlap.iss")
    assert f"/DOutputName={name.removesuffix('.exe')}" in command


@pytest.mark.parametrize("script", ["linux/install.sh", "macos/make_dmg.sh"])
def test_shell_scripts_parse(script: str) -> None:
    result = subprocess.run(
        ["sh", "-n", str(ROOT / "packaging" / script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_macos_image_holds_the_app_and_a_link_to_applications() -> None:
    script = (ROOT / "packaging" / "macos" / "make_dmg.sh").read_text(encoding="utf-8")
    assert "hdiutil create" in script
    assert 'ln -s /Applications "$stage/Applications"' in script
    spec = (ROOT / "packaging" / "overlap.spec").read_text(encoding="utf-8")
    assert "BUNDLE(" in spec and 'f"{recipe.NAME}.app"' in spec


def test_the_icons_are_drawn_from_the_svg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtGui import QImage

    monkeypatch.setattr(recipe, "ICONS", tmp_path)
    icons = recipe.make_icons()
    image = QImage(str(icons["png"]))
    assert (image.width(), image.height()) == (256, 256)
    assert icons["ico"].stat().st_size > 0 and icons["icns"].stat().st_size > 0


def test_ci_builds_and_tests_the_frozen_app_after_the_tests() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tests = ci.index("-m pytest")
    build = ci.index(".venv/bin/python build_installer.py")
    assert tests < build
    assert ".[build]" in ci
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "dist/" in ignored and "build/" in ignored
