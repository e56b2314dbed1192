#!/usr/bin/env python3
"""Write requirements/build.lock: `python3 scripts/lock.py [uv pip compile options...]`.

The lock pins, with their SHA-256 hashes, every package the frozen build installs: the
application's dependencies and the `build` extra of pyproject.toml, with everything they
pull in (cffi and pycparser included), for Linux, Windows and macOS at once (`--universal`).
scripts/build.py installs exactly that with `pip install --require-hashes`.

After adding or changing a dependency in pyproject.toml, run this script and commit the
lock. Versions already in the lock are kept; `--upgrade-package NAME` moves one on.
uv, a pinned standard tool, does the resolution: pip-compile resolves for the running
platform only, and one lock per OS would be three files to keep in step.
"""

from __future__ import annotations

import subprocess
import sys

from _bootstrap import ROOT, ensure_venv

LOCK = ROOT / "requirements" / "build.lock"
UV = "uv==0.13.8"
PYTHON_FLOOR = "3.11"  # requires-python in pyproject.toml

if __name__ == "__main__":
    python = ensure_venv()
    subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", UV],
        check=True,
        stdout=sys.stderr,
    )
    LOCK.parent.mkdir(exist_ok=True)
    command = [
        str(python), "-m", "uv", "pip", "compile", "pyproject.toml",
        "--extra", "build", "--universal", "--generate-hashes", "--quiet",
        "--python-version", PYTHON_FLOOR,
        "--custom-compile-command", "python3 scripts/lock.py",
        "--output-file", str(LOCK.relative_to(ROOT)),
        *sys.argv[1:],
    ]  # fmt: skip
    sys.exit(subprocess.call(command, cwd=ROOT))
