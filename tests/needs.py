"""What a test needs from outside Python, and the Debian package that provides it.

A test that needs a missing tool is skipped with a reason that names the package, so that
`python3 scripts/test.py` passes on a fresh machine and says what to install to run the rest
(README.md lists the same packages). A test that runs, runs for real: nothing here fakes a
tool.
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest

# Program on PATH -> Debian/Ubuntu package.
PACKAGES = {
    "ncat": "ncat",
    "xdotool": "xdotool",
    "import": "imagemagick",
    "openssl": "openssl",
    "chattr": "e2fsprogs",
    "Xvfb": "xvfb",
}


def missing_tool(name: str) -> str | None:
    """None if `name` is on PATH, else the skip reason naming its package."""
    if shutil.which(name) is not None:
        return None
    return f"needs `{name}`: apt-get install {PACKAGES[name]}"


def tool(*names: str) -> pytest.MarkDecorator:
    """Mark: skip the test unless every program in `names` is on PATH."""
    return pytest.mark.needs(tools=names)


def missing_tk() -> str | None:
    """None if this Python can import tkinter, else the skip reason naming python3-tk.

    Debian ships tkinter apart from python3, so a fresh python3 often has none.
    """
    try:
        import tkinter  # noqa: F401 (only whether it imports)
    except ImportError:
        return "needs tkinter: apt-get install python3-tk"
    return None


def missing_display() -> str | None:
    """None if windows can be opened, else the skip reason naming xvfb.

    pytest-xvfb sets DISPLAY before the tests are collected when Xvfb is installed; without
    it, only a desktop session's own display will do. Windows and macOS always have one.
    """
    if not sys.platform.startswith("linux") or os.environ.get("DISPLAY"):
        return None
    return missing_tool("Xvfb") or "needs a display: set DISPLAY or install xvfb"


def missing_window() -> str | None:
    """None if this Python can open a Tk window here, else why not (naming the package)."""
    return missing_tk() or missing_display()


# Mark: skip a test that needs tkinter itself, display or not.
tk = pytest.mark.needs(tk=True)
# Mark: skip a test that opens a Tk window (directly or in a subprocess) when it cannot.
window = pytest.mark.needs(window=True)


def why_skip(mark: pytest.Mark) -> str | None:
    """The skip reason of a `needs` mark here and now, or None if the test can run.

    Asked once the tests are collected, not when this module is imported: pytest-xvfb sets
    DISPLAY only once pytest is configured, after the first conftest files are loaded.
    """
    reasons = [missing_tool(name) for name in mark.kwargs.get("tools", ())]
    if mark.kwargs.get("tk"):
        reasons.append(missing_tk())
    if mark.kwargs.get("window"):
        reasons.append(missing_window())
    return "; ".join(r for r in reasons if r) or None
