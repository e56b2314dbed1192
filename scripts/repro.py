#!/usr/bin/env python3
"""Check that the build does not depend on the checkout's path: `python3 scripts/repro.py`.

It clones the current commit twice, at two paths of different lengths, builds each with
scripts/build.py, and compares the SHA-256 of the two executables: anyone who builds the
same commit must get the published bytes, wherever they cloned it. Exit 0 when they match.
A few minutes (two PyInstaller builds), which is why it is a script and not a test; run it
after changing the spec, the build script or the lock.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _bootstrap import ROOT


def build_at(checkout: Path, commit: str) -> str:
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(ROOT), str(checkout)], check=True)
    subprocess.run(["git", "-C", str(checkout), "checkout", "-q", commit], check=True)
    subprocess.run([sys.executable, str(checkout / "scripts" / "build.py")], check=True)
    return (checkout / "dist" / "SHA256SUMS").read_text(encoding="utf-8").split()[0]


def main() -> int:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    scratch = Path(tempfile.mkdtemp(prefix="messagerie-repro-"))
    try:
        first = build_at(scratch / "a", commit)
        second = build_at(scratch / "a-much-longer-path" / "of" / "another-clone", commit)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"commit {commit}\n  {first}\n  {second}")
    if first != second:
        print("The two builds differ: the checkout's path leaks into the executable.")
        return 1
    print("Identical.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
