"""Helpers for the adversarial suite: real subprocesses, raw sockets, real signals.

The transport is one constant, TLS. It is False while the default TLS path is being merged;
flipping it makes every subprocess run without --no-tls and every raw socket speak TLS
(without checking the server's identity: these tests attack the room, not the pinning).

Timers are shortened with `--limit NAME=VALUE` (the Limits dataclass), never by sleeping on
a guess: tests wait on events, with timeouts.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import struct
import time
from pathlib import Path

from messagerie import protocol
from tests.cli import Proc

TLS = True

# Client timers short enough that reconnects happen within a test's patience.
FAST_CLIENT = {"reconnect_min_s": 0.1, "reconnect_max_s": 0.5, "connect_timeout_s": 2}
# No flood control, for tests whose subject is something else.
NO_FLOOD = {"flood_burst": 100_000, "flood_rate_per_s": 100_000}


def transport_args() -> list[str]:
    return [] if TLS else ["--no-tls"]


def limit_args(limits: dict[str, float] | None) -> list[str]:
    out: list[str] = []
    for key, value in (limits or {}).items():
        out += ["--limit", f"{key}={value}"]
    return out


class Procs:
    """Starts messagerie subprocesses and always ends them (fixture teardown)."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[Proc] = []
        self.data_dirs: set[Path] = set()

    def spawn(self, *args: str, data_dir: Path) -> Proc:
        proc = Proc(*args, data_dir=data_dir)
        self.started.append(proc)
        self.data_dirs.add(data_dir)
        return proc

    def serve(
        self,
        *,
        data_dir: Path | None = None,
        port: int = 0,
        limits: dict | None = None,
        name: str = "Hôte",
    ) -> tuple[Proc, int]:
        """A headless host on 127.0.0.1; returns it once it listens, with its port."""
        proc = self.spawn(
            "serve",
            "--headless",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--name",
            name,
            *transport_args(),
            *limit_args(limits),
            data_dir=data_dir or self.tmp_path / "server",
        )
        return proc, proc.event("listening")["port"]

    def join(
        self,
        port: int,
        name: str,
        *,
        data_dir: Path | None = None,
        limits: dict | None = None,
        wait: bool = True,
    ) -> Proc:
        proc = self.spawn(
            "join",
            f"127.0.0.1:{port}",
            "--headless",
            "--name",
            name,
            *transport_args(),
            *limit_args({**FAST_CLIENT, **(limits or {})}),
            data_dir=data_dir or self.tmp_path / f"join-{name}",
        )
        if wait:
            proc.event("connected")
        return proc

    def close(self) -> None:
        for proc in self.started:
            with contextlib.suppress(ProcessLookupError):
                # A test that froze a process with SIGSTOP may have failed before thawing
                # it; SIGKILL works on a stopped process, but thawing first is harmless.
                if proc.proc.poll() is None:
                    os.kill(proc.proc.pid, signal.SIGCONT)
            proc.close()
        # Errors that never reach stdout or stderr (an exception in an asyncio callback, a
        # failure caught and logged) end up in the log file: a clean run has none.
        problems = []
        for directory in self.data_dirs:
            for log in directory.glob("messagerie.log*"):
                text = log.read_text(encoding="utf-8", errors="replace")
                if "Traceback" in text or "Exception in callback" in text:
                    problems.append(f"{log}:\n{text[-3000:]}")
        assert not problems, "\n".join(problems)


# --- raw sockets ---------------------------------------------------------------------------


def raw_connect(port: int, source: str | None = None, timeout: float = 5.0) -> socket.socket:
    """A plain (or TLS, see TLS) socket to the room, optionally from a given loopback address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if source:
            sock.bind((source, 0))
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", port))
        if TLS:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock)
    except BaseException:
        sock.close()
        raise
    return sock


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def obj_frame(obj: dict) -> bytes:
    return frame(json.dumps(obj, ensure_ascii=False).encode("utf-8"))


class RawPeer:
    """A hand-driven participant over a raw socket: it sends exactly what the test says."""

    def __init__(self, port: int, source: str | None = None) -> None:
        self.sock = raw_connect(port, source)
        self.buffer = b""
        self.closed = False

    def send(self, obj: dict) -> None:
        self.sock.sendall(obj_frame(obj))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def hello(self, name: str, client_id: str | None = None, last_seq: int = 0) -> dict:
        """Send our client's own hello (protocol.ClientConnection); return the answer."""
        conn = protocol.ClientConnection(
            name=name, client_id=client_id or os.urandom(8).hex(), last_seq=last_seq
        )
        conn.start()
        self.send_raw(conn.data_to_send())
        return self.recv()

    def _pop(self) -> dict | None:
        if len(self.buffer) >= 4:
            (n,) = struct.unpack(">I", self.buffer[:4])
            if len(self.buffer) >= 4 + n:
                payload, self.buffer = self.buffer[4 : 4 + n], self.buffer[4 + n :]
                return json.loads(payload)
        return None

    def read_ready(self) -> list[dict]:
        """After a selector said the socket is readable: read once, return complete frames."""
        self.sock.settimeout(0)
        try:
            chunk = self.sock.recv(1 << 20)
        except (BlockingIOError, ssl.SSLWantReadError):
            chunk = None
        except ConnectionResetError:
            chunk = b""
        if chunk == b"":
            self.closed = True
        elif chunk:
            self.buffer += chunk
        out = []
        while (obj := self._pop()) is not None:
            out.append(obj)
        return out

    def recv(self, timeout: float = 10.0) -> dict | None:
        """The next frame as a dict, or None when the server closed the connection."""
        deadline = time.monotonic() + timeout
        while True:
            if (obj := self._pop()) is not None:
                return obj
            if self.closed:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no frame within {timeout} s")
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.closed = True
            self.buffer += chunk

    def recv_until(self, predicate, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            obj = self.recv(max(0.0, deadline - time.monotonic()))
            if obj is None:
                raise AssertionError("connection closed while waiting")
            if predicate(obj):
                return obj

    def frames_until_closed(self, timeout: float = 10.0) -> list[dict]:
        out = []
        while (obj := self.recv(timeout)) is not None:
            out.append(obj)
        return out

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def assert_no_traceback(proc: Proc) -> None:
    err = proc.stderr()
    assert "Traceback" not in err, err


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")
