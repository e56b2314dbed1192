#!/usr/bin/env python3
"""Start Messagerie from the source tree: `python3 scripts/run.py [arguments...]`.

Arguments are passed through, so `python3 scripts/run.py serve --headless` works.
"""

import sys

from _bootstrap import ensure_venv, exec_in_venv

NO_TK = (
    "La fenêtre a besoin de Tk : installez python3-tk (sudo apt-get install python3-tk), "
    "ou lancez le mode --headless. / The window needs Tk: install python3-tk "
    "(sudo apt-get install python3-tk), or run with --headless."
)


def tk_missing(args: list[str]) -> bool:
    """True when these arguments open the window and this Python has no tkinter.

    Checked here, before the venv is made, because Debian ships tkinter apart from python3
    and the venv's Python has it exactly when this one does.
    """
    if {"--headless", "-h", "--help", "--version"} & set(args):
        return False
    try:
        import tkinter  # noqa: F401 (only whether it imports)
    except ImportError:
        return True
    return False


if __name__ == "__main__":
    if tk_missing(sys.argv[1:]):
        sys.exit(NO_TK)
    exec_in_venv(ensure_venv(), ["-m", "messagerie", *sys.argv[1:]])
