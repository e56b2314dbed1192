"""Opening a received file, or its folder, with the system's own program.

A file that could run code is never opened, only shown in its folder: a click on "Ouvrir"
must not start a program that someone in the room sent (an executable, a script, a
shortcut). Such a file is recognised by its extension, whatever its case, or by its
executable bit. The opener is a plain callable taking an argument list, so tests replace it
and never start a real program.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

# Extensions that Windows, macOS or a Linux desktop may run rather than show.
RISKY_EXTENSIONS = frozenset(
    {
        "app",
        "appimage",
        "apk",
        "bat",
        "bin",
        "cmd",
        "com",
        "cpl",
        "deb",
        "dll",
        "dmg",
        "elf",
        "exe",
        "gadget",
        "hta",
        "inf",
        "ins",
        "isp",
        "jar",
        "js",
        "jse",
        "ksh",
        "lnk",
        "msc",
        "msi",
        "msp",
        "mst",
        "pif",
        "pkg",
        "pl",
        "ps1",
        "ps1xml",
        "ps2",
        "psc1",
        "psm1",
        "py",
        "pyc",
        "pyw",
        "rb",
        "reg",
        "rpm",
        "run",
        "scf",
        "scr",
        "sct",
        "sh",
        "shb",
        "so",
        "url",
        "vb",
        "vbe",
        "vbs",
        "workflow",
        "ws",
        "wsc",
        "wsf",
        "wsh",
        "command",
        "desktop",
        "csh",
        "bash",
        "zsh",
    }
)

Opener = Callable[[Sequence[str]], object]


def is_risky(path: str | os.PathLike[str]) -> bool:
    """Whether opening `path` could run code: a risky extension or an executable bit."""
    path = Path(path)
    if any(suffix.lstrip(".").lower() in RISKY_EXTENSIONS for suffix in path.suffixes):
        return True
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))


def system_opener(command: Sequence[str]) -> object:
    """Start `command` without waiting for it and without a console of its own."""
    if command[0] == "startfile":  # Windows: the shell's association, no program named
        return os.startfile(command[1])  # type: ignore[attr-defined]
    return subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def open_command(path: Path, platform: str = sys.platform) -> list[str]:
    """The command that opens `path` with the program the desktop associates with it."""
    if platform == "win32":
        return ["startfile", str(path)]
    if platform == "darwin":
        return ["open", str(path)]
    return ["xdg-open", str(path)]


def folder_command(path: Path, platform: str = sys.platform) -> list[str]:
    """The command that shows `path` in its folder (selected where the desktop can)."""
    if platform == "win32":
        return ["explorer", f"/select,{path}"]
    if platform == "darwin":
        return ["open", "-R", str(path)]
    return ["xdg-open", str(path.parent)]


class FileOpener:
    """ "Ouvrir" and "Afficher dans le dossier" for received files."""

    def __init__(self, run: Opener = system_opener) -> None:
        self.run = run

    def open(self, path: str | os.PathLike[str]) -> bool:
        """Open `path` unless it could run code (then show its folder). True if opened."""
        path = Path(path)
        if is_risky(path):
            self.show_in_folder(path)
            return False
        self.run(open_command(path))
        return True

    def show_in_folder(self, path: str | os.PathLike[str]) -> None:
        self.run(folder_command(Path(path)))
