"""Create or reuse the project's `.venv` and install what a script needs.

Shared by run.py, test.py, build.py and bench.py so that each works on a fresh machine with
only Python 3.11+. A stamp file inside the venv records the hash of pyproject.toml and the
extras installed, so the slow `pip install` runs only when something changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def venv_python() -> Path:
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def _stamp_for(extras: tuple[str, ...]) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(",".join(sorted(extras)).encode())
    return digest.hexdigest()


def ensure_venv(extras: tuple[str, ...] = ()) -> Path:
    """Return the venv's python, creating the venv and installing the project if needed."""
    python = venv_python()
    if not python.exists():
        print(f"Création de l'environnement {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp_file = VENV / ".messagerie-stamp"
    # One stamp per set of extras: each set is installed once, then reused until
    # pyproject.toml changes.
    wanted = _stamp_for(extras)
    known = stamp_file.read_text().split() if stamp_file.exists() else []
    if wanted not in known:
        spec = f".[{','.join(extras)}]" if extras else "."
        print(f"Installation des dépendances ({spec}) ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", spec],
            cwd=ROOT,
            check=True,
        )
        stamp_file.write_text("\n".join([*known, wanted]) + "\n")
    return python


def exec_in_venv(python: Path, args: list[str]) -> None:
    """Replace this process by `python args...` (a child process on Windows, which has no exec)."""
    if os.name == "nt":
        raise SystemExit(subprocess.call([str(python), *args], cwd=ROOT))
    os.execv(str(python), [str(python), *args])
