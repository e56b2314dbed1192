"""Create or reuse the project's `.venv` and install what a script needs.

Shared by run.py, test.py, build.py and bench.py so that each works on a fresh machine with
only Python 3.11+. A stamp file inside the venv records the hash of pyproject.toml and the
extras installed, so the slow `pip install` runs only when something changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
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
    # ruff assumes 3.11+ (the project's floor); this check is for people who run an older one.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit("Messagerie demande Python 3.11 ou plus récent / needs Python 3.11+.")
    python = venv_python()
    if not python.exists():
        _progress(f"Création de l'environnement {VENV} ...")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp_file = VENV / ".messagerie-stamp"
    # One stamp per set of extras: each set is installed once, then reused until
    # pyproject.toml changes.
    wanted = _stamp_for(extras)
    known = stamp_file.read_text().split() if stamp_file.exists() else []
    if wanted not in known:
        spec = f".[{','.join(extras)}]" if extras else "."
        _progress(f"Installation des dépendances ({spec}) ...")
        subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", spec],
            cwd=ROOT,
            stdout=sys.stderr,
            check=True,
        )
        stamp_file.write_text("\n".join([*known, wanted]) + "\n")
    return python


def _progress(message: str) -> None:
    # On stderr: stdout belongs to the command being bootstrapped (`bench.py --json`,
    # `run.py serve --headless --json`), whose output is read by programs.
    print(message, file=sys.stderr, flush=True)


def exec_in_venv(python: Path, args: list[str]) -> None:
    """Replace this process by `python args...` (a child process on Windows, which has no exec)."""
    if os.name == "nt":
        raise SystemExit(subprocess.call([str(python), *args], cwd=ROOT))
    os.execv(str(python), [str(python), *args])
