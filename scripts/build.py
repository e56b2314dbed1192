#!/usr/bin/env python3
"""Build the executable for this OS: `python3 scripts/build.py [--self-test] [--no-build]`.

It installs the pinned PyInstaller into `.venv` (the `build` extra), runs it on
messagerie.spec, and writes `dist/SHA256SUMS`. The artifact is `dist/messagerie` on Linux,
`dist/Messagerie.exe` on Windows and `dist/Messagerie-macos.tar.gz` (a tarball of
`dist/Messagerie.app`, whose hash is meaningful where a folder's is not) on macOS.

The build runs in its own environment, `.venv-build`, made only from requirements/build.lock
with `pip install --require-hashes`: every package that ends up inside the executable is the
one whose hash was locked (`python3 scripts/lock.py` rewrites the lock).

Two builds of the same commit are byte-identical, on one machine or on two with the same
platform and Python: SOURCE_DATE_EPOCH is the commit's date and PYTHONHASHSEED is fixed, so
neither the clock nor hash randomisation leaks into the output, and `scripts/repro.py`
checks that the checkout's path does not either.

--self-test then runs the frozen `--self-test` (under `xvfb-run -a` when there is no display),
prints its JSON report and fails when it fails. --no-build skips the build and checks the
executable already in dist/; CI uses it to run the check as a step of its own.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

from _bootstrap import ROOT, VENV, ensure_venv, exec_in_venv

SPEC = ROOT / "messagerie.spec"
WORK = ROOT / "build" / "work"
DIST = ROOT / "dist"
SELF_TEST_REPORT = WORK / "selftest.json"
# Used when there is no git history (a source tarball): any fixed date keeps builds identical.
# 1980-01-01 is the earliest date a zip archive (the frozen app's PYZ) can store.
FALLBACK_EPOCH = 315532800
SELF_TEST_TIMEOUT_S = 300
LOCK = ROOT / "requirements" / "build.lock"
BUILD_VENV = ROOT / ".venv-build"


def enter_venv(script: str, extras: tuple[str, ...] = ("build",)) -> None:
    """Make sure `.venv` has `extras`, then continue inside it (re-running `script`)."""
    python = ensure_venv(extras)
    if Path(sys.prefix).resolve() != VENV.resolve():
        exec_in_venv(python, [str(Path(script).resolve()), *sys.argv[1:]])


def enter_build_venv(script: str) -> None:
    """Make `.venv-build` from the lock alone (once per lock), then continue inside it."""
    python = BUILD_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    stamp = BUILD_VENV / ".lock-sha256"
    wanted = sha256_of(LOCK)
    if not python.exists() or not stamp.exists() or stamp.read_text().strip() != wanted:
        print(f"Installing {LOCK.relative_to(ROOT)} into {BUILD_VENV.name} ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(BUILD_VENV)
        # --no-deps: the lock is complete, so nothing may come from anywhere else.
        subprocess.run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q",
             "--require-hashes", "--no-deps", "-r", str(LOCK)],
            cwd=ROOT,
            stdout=sys.stderr,
            check=True,
        )  # fmt: skip
        stamp.write_text(wanted + "\n")
    if Path(sys.prefix).resolve() != BUILD_VENV.resolve():
        exec_in_venv(python, [str(Path(script).resolve()), *sys.argv[1:]])


def source_date_epoch() -> str:
    """The last commit's time, so that a rebuild of the same commit gives the same bytes."""
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out = ""
    return out if out.isdigit() else str(FALLBACK_EPOCH)


def build_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH=source_date_epoch(), PYTHONHASHSEED="0")
    env.update(extra)
    return env


def run_pyinstaller(workpath: Path, distpath: Path, env: dict[str, str]) -> None:
    """Run the pinned PyInstaller on messagerie.spec (also used by bench/startup.py)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--workpath",
            str(workpath),
            "--distpath",
            str(distpath),
            str(SPEC),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )


def frozen_executable() -> Path:
    """The program inside dist/ that a user starts."""
    if sys.platform == "win32":
        return DIST / "Messagerie.exe"
    if sys.platform == "darwin":
        return DIST / "Messagerie.app" / "Contents" / "MacOS" / "Messagerie"
    return DIST / "messagerie"


def deterministic_tarball(folder: Path, target: Path, mtime: int) -> None:
    """Tar and gzip `folder` so that the same content always gives the same bytes.

    Entries are sorted and their owners and dates are normalised; modes and symbolic links
    are kept, because an .app bundle needs both (PyInstaller's bundles are full of symlinks).
    """

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime = mtime
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    paths = [folder, *sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix())]
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=mtime) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in paths:
            arcname = path.relative_to(folder.parent).as_posix()
            tar.add(path, arcname=arcname, recursive=False, filter=normalise)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def publish(epoch: int) -> Path:
    """Write dist/SHA256SUMS for the artifact that gets published, and return that artifact."""
    if sys.platform == "darwin":
        artifact = DIST / "Messagerie-macos.tar.gz"
        deterministic_tarball(DIST / "Messagerie.app", artifact, epoch)
    else:
        artifact = frozen_executable()
    digest = sha256_of(artifact)
    # The format of `sha256sum`, so that `sha256sum -c SHA256SUMS` checks a download.
    (DIST / "SHA256SUMS").write_text(f"{digest}  {artifact.name}\n", encoding="utf-8")
    size = artifact.stat().st_size
    print(f"artifact: {artifact}")
    print(f"size:     {size} bytes ({size / 1e6:.1f} MB)")
    print(f"sha256:   {digest}")
    return artifact


def run_self_test() -> int:
    """Run the frozen `--self-test`, print its report, and return its exit code."""
    exe = frozen_executable()
    if not exe.exists():
        print(f"{exe} is missing: build first.", file=sys.stderr)
        return 1
    SELF_TEST_REPORT.parent.mkdir(parents=True, exist_ok=True)
    SELF_TEST_REPORT.unlink(missing_ok=True)
    command = [str(exe), "--self-test", str(SELF_TEST_REPORT)]
    # On Linux the check opens a window, so it needs an X server; xvfb-run lends one.
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        if shutil.which("xvfb-run") is None:
            print("No DISPLAY and no xvfb-run: the window check will be skipped.", file=sys.stderr)
        else:
            command = ["xvfb-run", "-a", *command]
    print("self-test:", " ".join(command), flush=True)
    try:
        code = subprocess.run(command, timeout=SELF_TEST_TIMEOUT_S, check=False).returncode
    except subprocess.TimeoutExpired:
        print(f"self-test: no answer after {SELF_TEST_TIMEOUT_S} s", file=sys.stderr)
        return 1
    # A windowed Windows executable has no stdout: the report file is the only output.
    if SELF_TEST_REPORT.exists():
        report = json.loads(SELF_TEST_REPORT.read_text(encoding="utf-8"))
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(f"self-test: no report written to {SELF_TEST_REPORT}", file=sys.stderr)
        code = code or 1
    print(f"self-test: exit code {code}")
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--self-test", action="store_true", help="run the frozen self-test")
    parser.add_argument("--no-build", action="store_true", help="use the existing dist/")
    args = parser.parse_args()
    if not args.no_build:
        env = build_env()
        print(f"SOURCE_DATE_EPOCH={env['SOURCE_DATE_EPOCH']} PYTHONHASHSEED=0", flush=True)
        run_pyinstaller(WORK, DIST, env)
        publish(int(env["SOURCE_DATE_EPOCH"]))
    return run_self_test() if args.self_test else 0


if __name__ == "__main__":
    enter_build_venv(__file__)
    sys.exit(main())
