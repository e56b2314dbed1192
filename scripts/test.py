#!/usr/bin/env python3
"""Run the test suite: `python3 scripts/test.py [pytest arguments...]`.

It installs the dev extra into `.venv`, checks lint and formatting with ruff, then runs pytest.
Tk tests need a display: pytest-xvfb starts Xvfb by itself when it is installed on the system.
"""

import subprocess
import sys

from _bootstrap import ROOT, ensure_venv, exec_in_venv

if __name__ == "__main__":
    python = ensure_venv(("dev",))
    for check in (["check", "."], ["format", "--check", "."]):
        if subprocess.call([str(python), "-m", "ruff", *check], cwd=ROOT) != 0:
            sys.exit("ruff a trouvé des problèmes / ruff found problems (see above).")
    exec_in_venv(python, ["-m", "pytest", *sys.argv[1:]])
