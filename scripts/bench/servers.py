"""The servers under test, each in a process of its own, fresh for every run.

- ours: `python -m messagerie serve --headless --json --host 127.0.0.1 --port 0 [--no-tls]`
  with a fresh data directory, flood control raised (ncat has none) and stdout to a file;
- ncat: `ncat [--ssl] --chat -l 127.0.0.1 PORT [--max-conns K]`;
- floor: bench/floor.py, a bare asyncio relay of our protocol (the runtime's own cost).

The figure that matters is the server's own CPU time, read from /proc/<pid>/stat (utime +
stime, all threads) just before the load starts and just after the last delivery. It stays
right even when the generator is the bottleneck.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# The folder that holds the bench package: `python -m bench.floor` runs from there.
SCRIPTS = ROOT / "scripts"

# Flood control would throttle the benchmark's senders, and the caps on connections still in
# their TLS handshake would cut clients that all connect at the same instant from one address;
# ncat has neither. Raised for our server and said so in every table's footnotes.
FLOOD_LIMITS = (
    "flood_burst=1000000",
    "flood_rate_per_s=1000000",
    "max_tls_handshakes=100000",
    "max_tls_handshakes_per_ip=100000",
)


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds, from /proc/<pid>/stat."""
    data = Path(f"/proc/{pid}/stat").read_text()
    fields = data[data.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """Our server or ncat, in a process of its own, fresh for each run."""

    def __init__(self, kind: str, tls: bool, *, max_conns: int | None = None) -> None:
        self.kind = kind
        self.tls = tls
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
        self.port = 0
        if kind == "ours":
            cmd = [
                sys.executable,
                "-m",
                "messagerie",
                "serve",
                "--headless",
                "--json",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--data-dir",
                str(self.tmp / "data"),
            ]
            if not tls:
                cmd.append("--no-tls")
            for limit in FLOOD_LIMITS:
                cmd += ["--limit", limit]
        elif kind == "floor":
            cmd = [sys.executable, "-m", "bench.floor"]
            if tls:
                cmd += ["--tls", str(self.tmp / "data")]
        else:
            if shutil.which("ncat") is None:
                raise SystemExit("The comparison needs ncat (apt-get install ncat).")
            self.port = free_port()
            cmd = ["ncat", "--chat", "-l", "127.0.0.1", str(self.port)]
            if tls:
                cmd.insert(1, "--ssl")
            if max_conns:
                cmd += ["--max-conns", str(max_conns)]
        self.command = cmd
        self.out_path = self.tmp / "stdout"
        self.err_path = self.tmp / "stderr"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            # Our server's stdin stays open: end of input would stop it.
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                cwd=SCRIPTS if kind == "floor" else ROOT,
            )
        self.pid = self.proc.pid
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} server exited: {self.err_path.read_text()[-2000:]}"
                )
            if self.kind != "ncat":
                for line in self.out_path.read_text(errors="replace").splitlines():
                    if '"listening"' in line:
                        self.port = json.loads(line)["port"]
                        return
            else:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", self.port), timeout=1),
                ):
                    time.sleep(0.05)  # let ncat see the probe come and go
                    return
            time.sleep(0.05)
        raise RuntimeError(f"{self.kind} server did not start: {self.err_path.read_text()[-2000:]}")

    def cpu_s(self) -> float:
        return proc_cpu_s(self.pid)

    def rss(self) -> int:
        return proc_rss_bytes(self.pid)

    def stop(self) -> None:
        end_process(self.proc)
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def end_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if `proc` is still there after `timeout` seconds; reap it."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def ours_available(tls: bool) -> str | None:
    """None if our server starts in this mode, else why not (TLS may not be in main yet)."""
    try:
        Server("ours", tls).stop()
    except RuntimeError as exc:
        last = str(exc).strip().splitlines()
        return last[-1] if last else "serve failed"
    return None
