"""Run `python -m messagerie ...` as a real subprocess and read its output line by line."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Proc:
    """A messagerie subprocess with a line queue; always ended by `close()`."""

    def __init__(
        self, *args: str, data_dir: Path, json_mode: bool = True, exe: list[str] | None = None
    ):
        data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [*(exe or [sys.executable, "-m", "messagerie"]), *args, "--data-dir", str(data_dir)]
        if json_mode:
            cmd.append("--json")
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            # A process stuck at the end of a test can be made to print its threads (SIGABRT).
            "PYTHONFAULTHANDLER": "1",
            "PYTHONIOENCODING": "utf-8",
            "LANG": "fr_FR.UTF-8",
        }
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=env,
            text=True,
            encoding="utf-8",
            # Ctrl-C must reach the child as it does from a terminal, even when this test run
            # was itself started in the background, where the shell ignores SIGINT (and a
            # child inherits that, so Python would install no KeyboardInterrupt at all).
            preexec_fn=_default_sigint if os.name == "posix" else None,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout: float = 15.0) -> str | None:
        line = self.lines.get(timeout=timeout)
        if line is not None:
            self.seen.append(line)
        return line

    def wait_line(self, predicate, timeout: float = 15.0):
        """Read lines until one satisfies `predicate` (JSON lines are parsed first)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; lines so far: {self.seen[-20:]}")
            try:
                line = self.next_line(remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"process ended; lines: {self.seen[-20:]}; stderr: {self.stderr()}"
                )
            value = _parse(line)
            if predicate(value):
                return value

    def event(self, kind: str, timeout: float = 15.0, **fields):
        return self.wait_line(
            lambda v: (
                isinstance(v, dict)
                and v.get("event") == kind
                and all(v.get(k) == w for k, w in fields.items())
            ),
            timeout,
        )

    def send(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 20.0) -> int:
        """Close stdin (end of input) and wait for a clean exit."""
        self.proc.stdin.close()
        return self.proc.wait(timeout)

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        self._reader.join(5)
        assert not self._reader.is_alive()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _parse(line: str):
    try:
        return json.loads(line)
    except ValueError:
        return line


def run(*args: str, data_dir: Path, timeout: float = 30.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "messagerie", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "LANG": "fr_FR.UTF-8"},
    )
