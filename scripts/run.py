#!/usr/bin/env python3
"""Start Messagerie from the source tree: `python3 scripts/run.py [arguments...]`.

Arguments are passed through, so `python3 scripts/run.py serve --headless` works.
"""

import sys

from _bootstrap import ensure_venv, exec_in_venv

if __name__ == "__main__":
    exec_in_venv(ensure_venv(), ["-m", "messagerie", *sys.argv[1:]])
