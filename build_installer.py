"""Build the standalone Overlap (PyInstaller, one folder), smoke-test it and package it.

    .venv/bin/pip install -e ".[build]"
    .venv/bin/python build_installer.py              # dist/Overlap/, tested, then the package
    .venv/bin/python build_installer.py --test-only  # test the existing dist/Overlap/ again

The build follows ``packaging/overlap.spec``, which takes its module and file exclusions from
here. The smoke test starts the frozen app with ``--smoke-test`` offscreen, in a temporary
OVERLAP_HOME, without network (``unshare -rn`` where the system allows it, and the app's own
guard, OVERLAP_FORBID_NETWORK, always): it opens the demo workspace and imports, matches and
shows the overlaps through the window's own code, and any failure, traceback or error line in
its output fails the build, as does a time over 10 s. The frozen command line then writes and
reads the file formats that path does not touch (PDF, XLSX, encrypted plan, private matching),
and the start-up to a shown window is timed.

The package is the one for the system the build runs on:

- Linux: ``dist/Overlap-<version>-linux-<machine>.tar.xz``, the folder with ``overlap.desktop``,
  ``overlap.png`` and ``install.sh`` (adds the app to the user's applications menu).
- macOS: ``dist/Overlap.app`` in ``dist/Overlap-<version>-macos-<machine>.dmg``
  (``packaging/macos/make_dmg.sh``, hdiutil).
- Windows: ``dist/Overlap-<version>-windows-x64-setup.exe`` from ``packaging/windows/overlap.iss``
  with Inno Setup 6's ``iscc`` (the command is printed when iscc is not installed).
"""

from __future__ import annotations

import argparse
import fnmatch
import lzma
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "overlap.spec"
ICONS = BUILD / "icons"
PRUNED = BUILD / "pruned-libraries.txt"  # written by the spec: what prune_libraries left out
STRIPPED = BUILD / "stripped"  # the spec's stripped copies of the Linux libraries
NAME = "Overlap"

# Python modules the app never imports; PyInstaller would otherwise follow optional imports
# (or a hook's "collect everything") into them. The app uses QtCore, QtGui and QtWidgets only,
# pyarrow's arrays, compute and CSV reader, and Pillow only as far as reportlab imports it.
EXCLUDED_MODULES: tuple[str, ...] = (
    "tkinter",
    "_tkinter",
    *(
        f"PySide6.{name}"
        for name in (
            "QtConcurrent",
            "QtDBus",
            "QtDesigner",
            "QtHelp",
            "QtLabsStyleKit",
            "QtNetwork",
            "QtOpenGL",
            "QtOpenGLWidgets",
            "QtPdf",
            "QtPdfWidgets",
            "QtPrintSupport",
            "QtQml",
            "QtQmlFeatures",
            "QtQuick",
            "QtQuickControls2",
            "QtQuickTest",
            "QtQuickWidgets",
            "QtSql",
            "QtSvg",
            "QtSvgWidgets",
            "QtTest",
            "QtUiTools",
            "QtXml",
        )
    ),
    # pyarrow's network file systems, Flight RPC, ORC, Substrait, GPU and encryption.
    *(
        f"pyarrow.{name}"
        for name in (
            "_azurefs",
            "_cuda",
            "_flight",
            "_gcsfs",
            "_hdfs",
            "_orc",
            "_parquet_encryption",
            "_s3fs",
            "_substrait",
            "cuda",
            "flight",
            "gandiva",
            "jvm",
            "orc",
            "parquet.encryption",
            "substrait",
            "tests",
        )
    ),
    # Pillow's codecs for formats reportlab's plan report never draws, and its GUI bridges.
    "PIL._avif",
    "PIL._imagingcms",
    "PIL._imagingft",
    "PIL._imagingtk",
    "PIL._webp",
    "PIL.ImageQt",
    "PIL.ImageTk",
    # Optional imports of the dependencies that only matter to developers.
    "IPython",
    "matplotlib",
    "markdown_it",
    "openpyxl",
    "pygments",
    "rich",
    "pytest",
    "hypothesis",
    "mypy",
    "setuptools",
    "pkg_resources",
    "distutils",
    "_distutils_hack",
    "pydoc_data",
    "PyInstaller",
)

# Files of the bundle (paths inside it, "/" separated) left out after PyInstaller's analysis.
# Qt's translations only translate Qt's own dialog texts (the app is in English); the plugins
# serve embedded devices, Qt Quick, printing, networking, SQL or image formats the app never
# reads; the GTK theme plugin would pair the build machine's GLib with the user's GTK.
# pyarrow's C++ headers and Cython sources are for building extensions against it.
EXCLUDED_FILES: tuple[str, ...] = (
    "PySide6/Qt/translations/*",
    *(
        f"PySide6/Qt/plugins/{kind}/*"
        for kind in (
            "designer",
            "egldeviceintegrations",
            "generic",
            "networkinformation",
            "printsupport",
            "qmltooling",
            "sqldrivers",
            "tls",
            "wayland-graphics-integration-server",
        )
    ),
    "PySide6/Qt/plugins/platforminputcontexts/*virtualkeyboard*",
    "PySide6/Qt/plugins/platformthemes/*gtk3*",
    *(
        f"PySide6/Qt/plugins/platforms/*{name}*"
        for name in ("eglfs", "linuxfb", "minimalegl", "vnc", "vkkhrdisplay")
    ),
    *(
        f"PySide6/Qt/plugins/imageformats/*{name}*"
        for name in ("pdf", "tiff", "webp", "tga", "wbmp", "icns")
    ),
    "pyarrow/include/*",
    "pyarrow/includes/*",
    "pyarrow/src/*",
    "pyarrow/tests/*",
    "pyarrow/*.pxd",
    "pyarrow/*.pxi",
    "pyarrow/*.pyx",
)

# Shared libraries the app loads by name (ctypes), so no other binary lists them as needed.
LOADED_BY_NAME: tuple[str, ...] = ("*sodium*",)


def excluded(destination: str, patterns: Iterable[str] = EXCLUDED_FILES) -> bool:
    """True when the bundle file at ``destination`` is one of ``EXCLUDED_FILES``."""
    path = destination.replace("\\", "/")
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


Entry = tuple[str, str, str]  # PyInstaller's (destination, source, kind)


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1].lower()


def is_root(entry: Entry) -> bool:
    """A binary something loads by itself: Python (extension modules, the interpreter's
    library), Qt (its plugins) or the app (``LOADED_BY_NAME``)."""
    destination, _source, kind = entry
    name = _base(destination)
    return (
        kind == "EXTENSION"
        or ".cpython-" in name
        or ".abi3." in name
        or name.endswith(".pyd")
        or "/plugins/" in destination.replace("\\", "/")
        or name.startswith(("libpython", "python3"))
        or (not name.startswith("lib") and not name.endswith((".dll", ".dylib")))
        or any(fnmatch.fnmatchcase(name, pattern) for pattern in LOADED_BY_NAME)
    )


def prune_libraries(
    binaries: Sequence[Entry], imports: Any = None
) -> tuple[list[Entry], list[str]]:
    """(kept, dropped names): ``binaries`` without the shared libraries no kept one needs.

    PyInstaller collects whole folders of libraries (pyarrow's Flight and S3) and the needs
    of every plugin, including the ones ``EXCLUDED_FILES`` then takes out; what none of the
    roots (``is_root``) needs, directly or through another kept library, is left out.
    ``imports(source)`` lists the names a binary needs (PyInstaller's own reader by default).
    """
    if imports is None:
        from PyInstaller.depend import bindepend

        def imports(source: str) -> list[str]:
            return [name for name, _path in bindepend.get_imports(source)]

    by_name: dict[str, list[Entry]] = {}
    for entry in binaries:
        if entry[2] != "SYMLINK":
            by_name.setdefault(_base(entry[0]), []).append(entry)
    needed: set[str] = set()
    queue = [entry[1] for entry in binaries if entry[2] != "SYMLINK" and is_root(entry)]
    seen: set[str] = set()
    while queue:
        source = queue.pop()
        if source in seen:
            continue
        seen.add(source)
        for name in imports(source):
            base = _base(name)
            if base in needed:
                continue
            needed.add(base)
            queue += [entry[1] for entry in by_name.get(base, ())]
    kept, dropped = [], []
    for entry in binaries:
        destination, source, kind = entry
        if kind == "SYMLINK":
            keep = _base(source) in needed or _base(destination) in needed
        else:
            keep = is_root(entry) or _base(destination) in needed
        (kept if keep else dropped).append(entry)
    return kept, sorted(entry[0] for entry in dropped)


def version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def system_name(system: str | None = None) -> str:
    system = (system or platform.system()).lower()
    return {"darwin": "macos", "win32": "windows"}.get(system, system)


def machine_name(machine: str | None = None, system: str | None = None) -> str:
    machine = (machine or platform.machine()).lower()
    if system_name(system) == "windows":
        return {"amd64": "x64", "x86_64": "x64"}.get(machine, machine)
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


def package_name(app_version: str, system: str | None = None, machine: str | None = None) -> str:
    """The package's file name, e.g. ``Overlap-0.1.0-linux-x86_64.tar.xz``."""
    os_name = system_name(system)
    stem = f"{NAME}-{app_version}-{os_name}-{machine_name(machine, system)}"
    suffix = {"linux": ".tar.xz", "macos": ".dmg", "windows": "-setup.exe"}.get(os_name)
    if suffix is None:
        raise ValueError(f"no package recipe for {system!r}")
    return stem + suffix


def find_libsodium() -> Path | None:
    """The system's libsodium, for the bundle (private matching calls it through ctypes)."""
    import ctypes.util

    found = ctypes.util.find_library("sodium") or ctypes.util.find_library("libsodium")
    if not found:
        return None
    path = Path(found)
    if path.is_file():
        return path
    for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
        candidate = Path(folder) / found
        if candidate.is_file():
            return candidate
    return None


def elf_loadable(path: Path) -> bool:
    """The file's ELF load segments are aligned as the dynamic loader requires.

    ``strip`` can break that in libraries whose headers patchelf rewrote (the ones
    manylinux wheels bundle): "ELF load command address/offset not page-aligned".
    """
    import struct

    with open(path, "rb") as file:
        head = file.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:  # 64-bit ELF only
            return False
        order = "<" if head[5] == 1 else ">"
        (phoff,) = struct.unpack_from(order + "Q", head, 32)
        phentsize, phnum = struct.unpack_from(order + "HH", head, 54)
        file.seek(phoff)
        table = file.read(phentsize * phnum)
    for number in range(phnum):
        kind, _flags, offset, vaddr, _paddr, _filesz, _memsz, align = struct.unpack_from(
            order + "IIQQQQQQ", table, number * phentsize
        )
        if kind == 1 and align > 1 and (vaddr - offset) % align:
            return False
    return True


def strip_binaries(binaries: Sequence[Entry], folder: Path) -> tuple[list[Entry], int]:
    """(entries, bytes saved): Linux libraries' symbols stripped, in copies under ``folder``.

    A stripped copy is used only when it still loads (``elf_loadable``); otherwise the
    original goes into the bundle as it is.
    """
    strip = shutil.which("strip")
    if strip is None or not sys.platform.startswith("linux"):
        return list(binaries), 0
    out, saved = [], 0
    for entry in binaries:
        destination, source, kind = entry
        if kind == "SYMLINK" or not elf_loadable(Path(source)):
            out.append(entry)
            continue
        copy = folder / destination
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        done = subprocess.run([strip, "--strip-all", str(copy)], capture_output=True)
        if done.returncode == 0 and elf_loadable(copy):
            saved += Path(source).stat().st_size - copy.stat().st_size
            out.append((destination, str(copy), kind))
        else:
            out.append(entry)
    return out, saved


def without_dangling_links(entries: Sequence[Entry], kept: Iterable[str]) -> list[Entry]:
    """``entries`` without the symbolic links to files that are no longer in the bundle."""
    present = {name.replace("\\", "/") for name in kept}
    out = []
    for entry in entries:
        destination, source, kind = entry
        if kind == "SYMLINK":
            folder = os.path.dirname(destination.replace("\\", "/"))
            target = os.path.normpath(os.path.join(folder, source.replace("\\", "/")))
            if target.replace(os.sep, "/") not in present:
                continue
        out.append(entry)
    return out


def app_folder() -> Path:
    return DIST / NAME


def executable() -> Path:
    return app_folder() / (f"{NAME}.exe" if sys.platform == "win32" else NAME)


# ---------------------------------------------------------------------- building

ICON_SCRIPT = """
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

app = QGuiApplication([])
renderer = QSvgRenderer(sys.argv[1])
for target, size in zip(sys.argv[2::2], sys.argv[3::2]):
    image = QImage(int(size), int(size), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    if not image.save(target):
        sys.exit(f"error: cannot write {target}")
"""


def make_icons() -> dict[str, Path]:
    """The app icon (resources/icons/overlap.svg) as PNG for Linux, ICO and ICNS, by Qt."""
    ICONS.mkdir(parents=True, exist_ok=True)
    icons = {
        "png": ICONS / "overlap.png",
        "ico": ICONS / "overlap.ico",
        "icns": ICONS / "overlap.icns",
    }
    sizes = {"png": 256, "ico": 256, "icns": 512}
    arguments = [str(ROOT / "resources" / "icons" / "overlap.svg")]
    for kind, path in icons.items():
        arguments += [str(path), str(sizes[kind])]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, "-c", ICON_SCRIPT, *arguments], env=env, check=True)
    return icons


def build() -> Path:
    try:
        import PyInstaller.__main__ as pyinstaller
    except ImportError:
        sys.exit('error: PyInstaller is not installed (.venv/bin/pip install -e ".[build]")')
    make_icons()
    pyinstaller.run(
        [
            str(SPEC),
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(DIST),
            "--workpath",
            str(BUILD / "pyinstaller"),
        ]
    )
    return executable()


# ---------------------------------------------------------------------- checking


def bundle_parts(folder: Path) -> list[tuple[str, int]]:
    """(part, bytes) of the bundle, biggest first: the program (which holds all the Python
    code), each folder and library beside it, and Qt's libraries and plugins apart."""
    sizes: dict[str, int] = {}
    for path in folder.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        parts = path.relative_to(folder).parts
        if parts[0] == "_internal" and len(parts) > 1:
            parts = parts[1:]
        depth = 3 if parts[:2] == ("PySide6", "Qt") and len(parts) > 3 else 1
        key = "/".join(parts[:depth])
        sizes[key] = sizes.get(key, 0) + path.stat().st_size
    return sorted(sizes.items(), key=lambda item: -item[1])


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def missing_libraries(folder: Path) -> list[str]:
    """Qt, ICU, PySide and Python libraries a bundled ELF file needs but the bundle lacks.

    The exclusions must not take a library a kept plugin loads (the offscreen smoke test does
    not load the xcb or wayland platform); Linux only, where objdump lists the needs.
    """
    objdump = shutil.which("objdump")
    if not sys.platform.startswith("linux") or objdump is None:
        return []
    files = [p for p in folder.rglob("*.so*") if p.is_file()]
    present = {p.name for p in folder.rglob("*.so*")}
    ours = re.compile(r"lib(Qt6|icu|pyside6|shiboken6|python3)")
    missing = []
    for path in files:
        dump = subprocess.run([objdump, "-p", str(path)], capture_output=True, text=True).stdout
        for need in re.findall(r"NEEDED\s+(\S+)", dump):
            if ours.match(need) and need not in present:
                missing.append(f"{path.relative_to(folder)} needs {need}")
    return missing


def network_isolation() -> list[str]:
    """``["unshare", "-rn"]`` when this system can run a process without network, else []."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    try:
        probe = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [unshare, "-rn"] if probe.returncode == 0 else []


# Lines of the frozen app's output, and of its log, that fail the smoke test.
BAD_OUTPUT = re.compile(r"Traceback \(most recent call last\)|\berror\b", re.IGNORECASE)
BAD_LOG = re.compile(r"Traceback \(most recent call last\)| (ERROR|CRITICAL) ")


def bad_lines(output: str, pattern: re.Pattern[str] = BAD_OUTPUT) -> list[str]:
    return [line for line in output.splitlines() if pattern.search(line)]


def frozen_env(home: str) -> dict[str, str]:
    """The environment of a frozen run: offscreen, offline, every file in ``home``."""
    return dict(
        os.environ, OVERLAP_HOME=home, QT_QPA_PLATFORM="offscreen", OVERLAP_FORBID_NETWORK="1"
    )


def run_frozen(
    command: Sequence[str], env: dict[str, str], timeout: float, cwd: str | None = None
) -> tuple[subprocess.CompletedProcess[str], float, list[str]]:
    """(the run, its seconds, its problems): a non-zero exit, a traceback or an error line."""
    started = time.monotonic()
    try:
        run = subprocess.run(
            list(command), env=env, capture_output=True, text=True, timeout=timeout, cwd=cwd
        )
    except subprocess.TimeoutExpired as error:
        sys.exit(f"error: the frozen app hung: {error}")
    elapsed = time.monotonic() - started
    problems = bad_lines(run.stdout + run.stderr)
    if run.returncode != 0:
        problems.insert(0, f"exit status {run.returncode}")
    return run, elapsed, problems


def smoke_test(app: Path, seconds: float) -> float:
    """Run ``app --smoke-test`` offscreen and offline, then the file formats' checks.

    Returns the smoke test's seconds from launch to exit; exits on any failure.
    """
    if not app.exists():
        sys.exit(f"error: no frozen app at {app}; build it first")
    isolation = network_isolation()
    how = "under unshare -rn (no network)" if isolation else "(unshare -rn is not permitted here)"
    print(f"smoke test of {app} {how}, with OVERLAP_FORBID_NETWORK=1", flush=True)
    with tempfile.TemporaryDirectory(prefix="overlap-smoke-") as home:
        env = frozen_env(home)
        command = [*isolation, str(app), "--smoke-test", f"{seconds:g}"]
        run, elapsed, problems = run_frozen(command, env, seconds + 60)
        print((run.stdout + run.stderr).rstrip())
        logs = "".join(p.read_text(errors="replace") for p in Path(home).rglob("*.log"))
        problems += [f"log: {line}" for line in bad_lines(logs, BAD_LOG)]
        if "smoke test passed" not in run.stdout:
            problems.append("no 'smoke test passed' line")
        if not (Path(home) / "data" / "demo.overlap").is_file():
            problems.append("the demo workspace was not built in OVERLAP_HOME")
        picture = Path(home) / "logs" / "smoke-test.png"
        if picture.is_file():
            BUILD.mkdir(exist_ok=True)
            shutil.copyfile(picture, BUILD / picture.name)
            print(f"the window as the smoke test left it: {BUILD / picture.name}")
        if problems:
            sys.exit("error: the frozen app failed its smoke test:\n  " + "\n  ".join(problems))
        if elapsed > seconds:
            sys.exit(f"error: the frozen smoke test took {elapsed:.1f} s, more than {seconds:g} s")
        print(f"smoke test passed: {elapsed:.2f} s from launch to exit", flush=True)
        check_file_formats(app, env, isolation, Path(home))
    return elapsed


def check_file_formats(app: Path, env: dict[str, str], isolation: list[str], home: Path) -> None:
    """The frozen command line writes and reads the files the smoke test's path does not:
    XLSX (xlsxwriter, calamine), the PDF report (reportlab), an encrypted plan file
    (cryptography) and private matching's blinded keys (libsodium)."""
    demo = str(home / "data" / "demo.overlap")
    out = home / "formats"
    out.mkdir()
    share = ["share", "export", demo, "--partner", "Globex", "--out"]
    secret = ["--passphrase-env", "OVERLAP_CHECK_PASSPHRASE"]
    steps: list[tuple[list[str], str | None]] = [
        (["plan", "create", demo, "--partner", "Globex", "--shortlist"], None),
        # Files naming accounts wait for the data-sharing agreement (or its absence) on record.
        (["share", "agreement", demo, "--partner", "Globex", "--none"], None),
        ([*share, "plans.pdf"], "plans.pdf"),
        ([*share, "plans.xlsx"], "plans.xlsx"),
        ([*share, "plans.overlap-plan", *secret], "plans.overlap-plan"),
        (["psi", "request", demo, "--partner", "Globex", "--out", "keys.psi"], "keys.psi"),
        (["template", "template.xlsx"], "template.xlsx"),
        (["init", "check.overlap", "--us", "Check"], "check.overlap"),
        (["import", "check.overlap", "--side", "us", "template.xlsx"], None),
    ]
    env = dict(env, OVERLAP_CHECK_PASSPHRASE="a passphrase only this check knows")
    started = time.monotonic()
    for arguments, written in steps:
        run, _elapsed, problems = run_frozen(
            [*isolation, str(app), *arguments], env, 120, cwd=str(out)
        )
        if written is not None and not (out / written).is_file():
            problems.append(f"{written} was not written")
        if problems:
            sys.exit(
                f"error: 'Overlap {' '.join(arguments[:2])}' failed in the frozen app:\n  "
                + "\n  ".join(problems + (run.stdout + run.stderr).splitlines())
            )
    print(
        f"file formats passed: {len(steps)} commands (PDF, XLSX, encrypted plan, private "
        f"matching, XLSX import) in {time.monotonic() - started:.1f} s",
        flush=True,
    )


def startup_times(app: Path, runs: int) -> list[float]:
    """Seconds from launching the frozen app to its window shown, ``runs`` times."""
    times = []
    with tempfile.TemporaryDirectory(prefix="overlap-start-") as home:
        for _ in range(runs):
            started = time.time()
            run, _elapsed, problems = run_frozen(
                [str(app), "--quit-when-shown"], frozen_env(home), 60
            )
            shown = re.search(r"window shown at ([0-9.]+)", run.stdout)
            if problems or shown is None:
                sys.exit(f"error: the frozen app did not show its window:\n{run.stderr}")
            times.append(float(shown.group(1)) - started)
    return times


# ---------------------------------------------------------------------- packaging


def package(folder: Path) -> Path | None:
    name = package_name(version())
    target = DIST / name
    if sys.platform.startswith("linux"):
        return package_linux(folder, target)
    if sys.platform == "darwin":
        subprocess.run(
            [
                "sh",
                str(PACKAGING / "macos" / "make_dmg.sh"),
                str(DIST / f"{NAME}.app"),
                str(target),
            ],
            check=True,
        )
        return target
    if sys.platform == "win32":
        command = windows_installer_command(target)
        if shutil.which(command[0]) is None:
            print("Inno Setup's iscc is not installed; with it, build the installer with:")
            print("  " + subprocess.list2cmdline(command))
            return None
        subprocess.run(command, check=True, cwd=ROOT)
        return target
    print(f"no package recipe for {sys.platform}; the app is in {folder}")
    return None


def windows_installer_command(target: Path) -> list[str]:
    stem = target.name.removesuffix(".exe")
    return [
        "iscc",
        f"/DAppVersion={version()}",
        f"/DOutputName={stem}",
        str(PACKAGING / "windows" / "overlap.iss"),
    ]


def package_linux(folder: Path, target: Path) -> Path:
    """The folder, with its menu entry, icon and installer script, as a .tar.xz.

    xz at its strongest setting: the folder is about 300 MB, 121 MB as .tar.gz, 83 MB as .tar.xz
    (a download budget of 90 MB); every Linux archive tool and ``tar xf`` unpack it.
    """
    shutil.copy2(PACKAGING / "linux" / "overlap.desktop", folder / "overlap.desktop")
    shutil.copy2(PACKAGING / "linux" / "install.sh", folder / "install.sh")
    (folder / "install.sh").chmod(0o755)
    shutil.copy2(ICONS / "overlap.png", folder / "overlap.png")

    def anyone(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(target, "w:xz", preset=9 | lzma.PRESET_EXTREME) as archive:
        archive.add(folder, arcname=NAME, filter=anyone)
    return target


# ---------------------------------------------------------------------- the command


PACKAGE_BUDGET = 90e6  # bytes: what a partner manager downloads


def mb(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--test-only", action="store_true", help="test an existing build")
    parser.add_argument(
        "--smoke-seconds",
        type=float,
        default=10.0,
        help="time the frozen smoke test may take, from launch to exit (default 10)",
    )
    parser.add_argument(
        "--startup-runs", type=int, default=5, help="frozen start-ups to time (default 5)"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    app = executable() if args.test_only else build()
    built = time.monotonic()
    if not args.test_only:
        print(f"built {app} in {built - started:.0f} s")
    folder = app_folder()
    missing = missing_libraries(folder)
    if missing:
        sys.exit("error: the bundle lacks libraries its files need:\n  " + "\n  ".join(missing))
    print(f"bundle {folder}: {mb(folder_size(folder))}; biggest parts:")
    for part, size in bundle_parts(folder)[:15]:
        print(f"  {mb(size):>9}  {part}")
    smoke_test(app, args.smoke_seconds)
    if args.startup_runs > 0:
        times = startup_times(app, args.startup_runs)
        print(
            f"start-up to window shown: first {times[0]:.2f} s, "
            f"median {statistics.median(times):.2f} s over {len(times)} runs"
        )
    if not args.test_only:
        target = package(folder)
        if target is not None:
            size = target.stat().st_size
            over = f" (over the {mb(PACKAGE_BUDGET)} budget)" if size > PACKAGE_BUDGET else ""
            print(f"package {target}: {mb(size)}{over}")
    print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
