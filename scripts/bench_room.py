"""Room benchmarks against `ncat --chat`: `room`, `scale` and `latency` (issue 7).

One load generator serves every benchmark. It runs in worker processes (multiprocessing,
spawn), each with a raw asyncio event loop and a share of the clients, and speaks either our
protocol (4-byte length + JSON frames) or ncat's plain lines, with the same text payload.
It does the least work it can per delivery: it walks frame headers or counts newlines, and
only a few "probe" clients read the send timestamp that every text carries, for latency.

The figure that matters is the server's own CPU time, read from /proc/<pid>/stat (utime +
stime, all threads) just before the load starts and just after the last delivery. It stays
right even when the generator is the bottleneck.

Each server runs in its own process, fresh for every run:
- ours: `python -m messagerie serve --headless --json --host 127.0.0.1 --port 0 [--no-tls]`
  with a fresh data directory, flood control raised (ncat has none) and stdout to a file;
- ncat: `ncat [--ssl] --chat -l 127.0.0.1 PORT [--max-conns K]`.

Our server allows 20 connections per IP: the generator binds each client to a loopback source
address of its own group (127.0.x.y; Linux routes all of 127/8 to lo) instead of raising the cap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Flood control would throttle the benchmark's senders; ncat has none. Raised for our server
# and said so in every table's footnotes.
FLOOD_LIMITS = ("flood_burst=1000000", "flood_rate_per_s=1000000")
# Clients per loopback source address: below our per-IP cap of 20.
CLIENTS_PER_SOURCE = 10
# Receivers that read the send timestamp of every message they get (the others only count).
PROBES = 8
TEXT_SIZE = 100
# The paced load of `room`: deliveries per second offered to the room. At this rate a
# one-write-per-message relay (ncat) costs about what NOTES.md measured (0.2 s / 100k).
OFFERED_DELIVERIES_PER_S = 400_000
# ncat's listen backlog overflows with many simultaneous connects; joining is not measured.
JOIN_CONCURRENCY = 8

ROOM_CONFIGS = ((50, 100), (200, 20))
TARGETS = {
    # (variant, n) -> CPU ratio target
    ("plaintext", 50): 0.5,
    ("plaintext", 200): 0.25,
    ("tls", 50): 0.5,
    ("tls", 200): 0.25,
}


# --- load generator (runs in the worker processes) ------------------------------------------


def source_address(index: int) -> str:
    """A loopback address for client `index`, shared by CLIENTS_PER_SOURCE clients."""
    group = index // CLIENTS_PER_SOURCE
    return f"127.0.{1 + group // 250}.{1 + group % 250}"


def client_ssl_context() -> ssl.SSLContext:
    """TLS 1.3 without verification: the benchmark measures cost, not trust."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def make_text(index: int, size: int) -> bytes:
    """The text of a message: '@' + send time (monotonic, shared by all processes on Linux)
    + '#' + sender index, padded to `size` characters. ASCII, so JSON leaves it as is."""
    head = f"@{time.monotonic():017.6f}#{index:06d} "
    return (head + "x" * max(0, size - len(head))).encode()


def parse_stamps(data: bytes, end: int, me: int, now: float, out: list[float]) -> int:
    """Add the latency of every message text in data[:end] not sent by `me`; return how many."""
    got = 0
    at = data.find(b"@", 0, end)
    while at >= 0:
        try:
            sent = float(data[at + 1 : at + 18])
            sender = int(data[at + 19 : at + 25])
        except ValueError:
            # ncat can splice two senders' partial lines together; skip what does not parse.
            sender = me
        if sender != me:
            out.append(now - sent)
            got += 1
        at = data.find(b"@", at + 25, end)
    return got


class Client(asyncio.Protocol):
    """One participant of the load. Subclasses speak our frames or ncat's lines."""

    def __init__(self, gen: Generator, index: int, probe: bool) -> None:
        self.gen = gen
        self.index = index
        self.probe = probe
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.running = False  # counting messages (after the "go")
        self.received = 0  # message frames or lines received while running
        self.others = 0  # of which not our own (probes only)
        self.latencies: list[float] = []
        self.joined = asyncio.get_running_loop().create_future()
        self.settled = asyncio.get_running_loop().create_future()
        self.expected = 0
        self.done = False
        self.last_recv = 0.0
        self.error = ""
        self.waiter: asyncio.Future | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.error = self.error or "closed"
        for fut in (self.joined, self.settled):
            if not fut.done():
                fut.set_result(False)
        if self.running and not self.done:
            self.gen.client_finished(self)
        if self.waiter and not self.waiter.done():
            self.waiter.set_result(False)

    def eof_received(self) -> bool:
        return False

    def start(self, expected: int) -> None:
        self.expected = expected
        self.running = True
        if expected <= 0:
            self._finish(time.monotonic())

    def _finish(self, now: float) -> None:
        self.done = True
        self.last_recv = now
        self.gen.client_finished(self)

    def _counted(self, count: int, others: int, now: float) -> None:
        self.received += count
        self.others += others
        if others and self.waiter and not self.waiter.done():
            self.waiter.set_result(True)
        if not self.done and self.received >= self.expected:
            self._finish(now)

    def send(self, text: bytes) -> None:
        raise NotImplementedError


class OursClient(Client):
    """Speaks our protocol: hello, then say; counts `message` frames by their first bytes."""

    MESSAGE = b'{"type":"message"'

    def __init__(self, gen: Generator, index: int, probe: bool) -> None:
        super().__init__(gen, index, probe)
        self.before = -1  # participants already in the room when we joined (not the host)
        self.joins_seen = 0
        self.sent = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        hello = {
            "type": "hello",
            "version": 1,
            "name": f"b{self.index}",
            "client_id": f"bench{self.index}",
            "last_seq": 0,
        }
        self._write_obj(hello)

    def _write_obj(self, obj: dict[str, Any]) -> None:
        payload = json.dumps(obj, separators=(",", ":")).encode()
        self.transport.write(len(payload).to_bytes(4, "big") + payload)

    def send(self, text: bytes) -> None:
        # Built by hand: the text is ASCII without quotes or backslashes. The id has the shape
        # of our client's (protocol.new_message_id: 32 hex digits, time first), so the room
        # stores what it would store for real clients; the client index and a counter keep
        # it unique.
        self.sent += 1
        msg_id = b"%012x%04x%016x" % (time.time_ns() // 1_000_000, self.index, self.sent)
        payload = b'{"type":"say","id":"%s","text":"%s"}' % (msg_id, text)
        self.transport.write(len(payload).to_bytes(4, "big") + payload)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        if self.buf:
            data = self.buf + data
        size = len(data)
        pos = 0
        if self.running:
            count = 0
            while size - pos >= 4:
                end = pos + 4 + int.from_bytes(data[pos : pos + 4], "big")
                if end > size:
                    break
                if data.startswith(self.MESSAGE, pos + 4):
                    count += 1
                pos = end
            self.buf = data[pos:]
            others = parse_stamps(data, pos, self.index, now, self.latencies) if self.probe else 0
            if count:
                self._counted(count, others, now)
            return
        # Joining: few frames, decode them properly.
        while size - pos >= 4:
            end = pos + 4 + int.from_bytes(data[pos : pos + 4], "big")
            if end > size:
                break
            self._joining_frame(json.loads(data[pos + 4 : end]))
            pos = end
        self.buf = data[pos:]

    def _joining_frame(self, obj: dict[str, Any]) -> None:
        kind = obj.get("type")
        if kind == "welcome":
            # participants = the host, those already here, and us.
            self.before = len(obj["participants"]) - 2
            if not self.joined.done():
                self.joined.set_result(True)
        elif kind == "joined":
            self.joins_seen += 1
        elif kind == "error":
            self.error = obj.get("code", "error")
        self._check_settled()

    def _check_settled(self) -> None:
        everyone = self.before >= 0 and self.before + self.joins_seen >= self.gen.live - 1
        if everyone and not self.settled.done():
            self.settled.set_result(True)


class NcatClient(Client):
    """Speaks ncat's chat: newline-terminated lines; ncat prefixes '<userN> ' to each read."""

    def __init__(self, gen: Generator, index: int, probe: bool) -> None:
        super().__init__(gen, index, probe)
        self.before = -1
        self.joins_seen = 0
        self.seen_self = False

    def send(self, text: bytes) -> None:
        self.transport.write(text + b"\n")

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        if self.running:
            count = data.count(b"\n")
            others = 0
            if self.probe:
                data = self.buf + data
                end = data.rfind(b"\n") + 1
                others = parse_stamps(data, end, self.index, now, self.latencies)
                self.buf = data[end:]
            if count:
                self._counted(count, others, now)
            return
        data = self.buf + data
        end = data.rfind(b"\n") + 1
        self.buf = data[end:]
        for line in data[:end].splitlines():
            if b" is connected as <user" in line:
                if self.seen_self:
                    self.joins_seen += 1
                else:
                    self.seen_self = True
                    if not self.joined.done():
                        self.joined.set_result(True)
            elif line.startswith(b"<announce> already connected:") and self.before < 0:
                self.before = 0 if b"nobody" in line else line.count(b" as <user")
        everyone = self.before >= 0 and self.before + self.joins_seen >= self.gen.live - 1
        if everyone and not self.settled.done():
            self.settled.set_result(True)


class Generator:
    """A worker's share of the clients, and the phases of one run."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.clients: list[Client] = []
        self.live = spec["n"]
        self.pending = 0
        self.all_done: asyncio.Event | None = None

    async def join(self) -> dict[str, Any]:
        spec = self.spec
        # The floor relay (bench_floor.py) speaks our protocol.
        cls = NcatClient if spec["kind"] == "ncat" else OursClient
        ctx = client_ssl_context() if spec["tls"] else None
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(JOIN_CONCURRENCY)
        errors: dict[str, int] = {}

        async def one(index: int) -> None:
            async with gate:
                client = cls(self, index, index in spec["probes"])
                try:
                    await loop.create_connection(
                        lambda: client,
                        spec["host"],
                        spec["port"],
                        ssl=ctx,
                        local_addr=(source_address(index), 0),
                    )
                    ok = await asyncio.wait_for(client.joined, spec["timeout"])
                except (OSError, ssl.SSLError, TimeoutError) as exc:
                    client.error = client.error or type(exc).__name__
                    ok = False
                if ok:
                    self.clients.append(client)
                else:
                    key = client.error or "refused"
                    errors[key] = errors.get(key, 0) + 1
                    if client.transport:
                        client.transport.abort()

        await asyncio.gather(*(one(i) for i in spec["indices"]))
        self.clients.sort(key=lambda c: c.index)
        return {"joined": len(self.clients), "failed": errors}

    async def settle(self, live: int) -> dict[str, Any]:
        """Wait until every client has seen everyone else join (their presence traffic is over)."""
        self.live = live
        for client in self.clients:
            if isinstance(client, OursClient):
                client._check_settled()
            else:
                client.data_received(b"")
        waits = [c.settled for c in self.clients]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*waits), self.spec["timeout"])
        return {"settled": sum(1 for w in waits if w.done() and w.result())}

    def client_finished(self, client: Client) -> None:
        self.pending -= 1
        if self.pending <= 0 and self.all_done:
            self.all_done.set()

    async def go(self, start_at: float, rate: float, expected: int) -> dict[str, Any]:
        """Every client sends M messages and waits until it has received `expected` messages.

        With rate == 0 they send everything at once, round robin. Otherwise the room as a whole
        sends `rate` messages per second, evenly spaced: message k of client i leaves at
        start_at + (k * n + i) / rate, so each one arrives at the server on its own.
        """
        spec = self.spec
        loop = asyncio.get_running_loop()
        self.all_done = asyncio.Event()
        clients = [c for c in self.clients if not c.transport.is_closing()]
        self.pending = len(clients)
        for client in clients:
            client.start(expected)
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        first_send = time.monotonic()
        size = spec["text_size"]
        if rate:
            n = spec["n"]
            for client in clients:
                for k in range(spec["m"]):
                    when = start_at + (k * n + client.index) / rate
                    loop.call_at(when, _send_now, client, size)
        else:
            for _ in range(spec["m"]):
                for client in clients:
                    client.send(make_text(client.index, size))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_done.wait(), spec["timeout"])
        received = sum(c.received for c in clients)
        return {
            "first_send": first_send,
            "last_recv": max((c.last_recv for c in clients), default=first_send),
            "received": received,
            "complete": sum(1 for c in clients if c.done and c.received >= expected),
            "clients": len(clients),
            "latencies": [x for c in clients for x in c.latencies],
        }

    async def sequential(self, count: int) -> dict[str, Any]:
        """Clients 0 and 1 take turns: send one message, wait until the other has it."""
        a, b = self.clients[0], self.clients[1]
        for client in (a, b):
            client.start(10**12)
        for k in range(count):
            sender, receiver = (a, b) if k % 2 == 0 else (b, a)
            receiver.waiter = asyncio.get_running_loop().create_future()
            sender.send(make_text(sender.index, self.spec["text_size"]))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(receiver.waiter, self.spec["timeout"])
        return {"latencies": a.latencies + b.latencies, "received": a.others + b.others}

    async def close(self) -> dict[str, Any]:
        for client in self.clients:
            if client.transport and not client.transport.is_closing():
                client.transport.abort()
        await asyncio.sleep(0)
        return {}


def _send_now(client: Client, size: int) -> None:
    if client.transport and not client.transport.is_closing():
        client.send(make_text(client.index, size))


def worker_main(conn: Any, spec: dict[str, Any]) -> None:
    """A worker process: run one phase per command received on `conn`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    gen = Generator(spec)
    try:
        while True:
            command, kwargs = conn.recv()
            result = loop.run_until_complete(getattr(gen, command)(**kwargs))
            conn.send(result)
            if command == "close":
                break
    except (EOFError, KeyboardInterrupt):
        pass
    finally:
        loop.close()


class Load:
    """The workers of one run, driven phase by phase from the parent."""

    def __init__(self, spec: dict[str, Any], workers: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        workers = max(1, min(workers, len(spec["indices"])))
        self.pipes = []
        self.procs = []
        for w in range(workers):
            share = dict(spec, indices=spec["indices"][w::workers])
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child, share), daemon=True)
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)

    def call(self, command: str, **kwargs: Any) -> list[dict[str, Any]]:
        for pipe in self.pipes:
            pipe.send((command, kwargs))
        return [pipe.recv() for pipe in self.pipes]

    def close(self) -> None:
        with contextlib.suppress(OSError, EOFError):
            self.call("close")
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()


# --- servers ----------------------------------------------------------------------------------


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
            cmd = [sys.executable, str(ROOT / "scripts" / "bench_floor.py")]
            if tls:
                cmd += ["--tls", str(self.tmp / "data")]
        else:
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
                cmd, stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=ROOT
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
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def ours_available(tls: bool) -> str | None:
    """None if our server starts in this mode, else why not (TLS may not be in main yet)."""
    try:
        Server("ours", tls).stop()
    except RuntimeError as exc:
        last = str(exc).strip().splitlines()
        return last[-1] if last else "serve failed"
    return None


# --- one run ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_load(
    kind: str,
    tls: bool,
    n: int,
    m: int,
    *,
    workers: int,
    text_size: int = TEXT_SIZE,
    rate: float = 0.0,
    max_conns: int | None = None,
    timeout: float = 120.0,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Start a fresh server, join n clients, have each send m messages, stop the server."""
    server = Server(kind, tls, max_conns=max_conns)
    spec = {
        "kind": kind,
        "host": "127.0.0.1",
        "port": server.port,
        "tls": tls,
        "n": n,
        "m": m,
        "text_size": text_size,
        "indices": list(range(n)),
        "probes": set(range(0, n, max(1, n // PROBES))),
        "timeout": timeout,
    }
    load = None
    spy = None
    try:
        time.sleep(0.2)
        rss_before = server.rss()
        load = Load(spec, workers)
        joined = load.call("join")
        live = sum(j["joined"] for j in joined)
        failed: dict[str, int] = {}
        for j in joined:
            for key, count in j["failed"].items():
                failed[key] = failed.get(key, 0) + count
        settled = sum(s["settled"] for s in load.call("settle", live=live))
        rss_after = server.rss()
        if profile is not None:
            spy = start_profiler(server.pid, profile)
        cpu_before = server.cpu_s()
        own = 1 if kind == "ours" else 0  # our room echoes a message to its sender
        expected = (live - 1 + own) * m
        start_at = time.monotonic() + 0.05
        results = load.call("go", start_at=start_at, rate=rate, expected=expected)
        cpu = server.cpu_s() - cpu_before
        alive = server.proc.poll() is None
    finally:
        if spy is not None:
            stop_profiler(spy)
        if load is not None:
            load.close()
        server.stop()
    first = min(r["first_send"] for r in results)
    last = max(r["last_recv"] for r in results)
    received = sum(r["received"] for r in results)
    clients = sum(r["clients"] for r in results)
    deliveries = received - own * m * clients
    latencies = [x for r in results for x in r["latencies"]]
    duration = max(last - first, 1e-9)
    return {
        "server": kind,
        "tls": tls,
        "n": n,
        "m": m,
        "attempted": n,
        "joined": live,
        "failed": failed,
        "settled": settled,
        "server_alive": alive,
        "deliveries": deliveries,
        "expected_deliveries": (live - 1) * m * live,
        "complete_clients": sum(r["complete"] for r in results),
        "all_delivered": deliveries == n * (n - 1) * m and live == n,
        "duration_s": duration,
        "cpu_s": cpu,
        "cpu_s_per_100k": cpu / deliveries * 100_000 if deliveries else None,
        "deliveries_per_s": deliveries / duration,
        "p50_ms": _ms(percentile(latencies, 0.50)),
        "p99_ms": _ms(percentile(latencies, 0.99)),
        "latency_samples": len(latencies),
        "rss_before": rss_before,
        "rss_after_join": rss_after,
    }


def run_sequential(kind: str, tls: bool, count: int, *, timeout: float = 30.0) -> dict[str, Any]:
    server = Server(kind, tls)
    spec = {
        "kind": kind,
        "host": "127.0.0.1",
        "port": server.port,
        "tls": tls,
        "n": 2,
        "m": 0,
        "text_size": TEXT_SIZE,
        "indices": [0, 1],
        "probes": {0, 1},
        "timeout": timeout,
    }
    load = Load(spec, 1)
    try:
        load.call("join")
        load.call("settle", live=2)
        (result,) = load.call("sequential", count=count)
    finally:
        load.close()
        server.stop()
    lat = result["latencies"]
    return {
        "server": kind,
        "tls": tls,
        "messages": count,
        "received": result["received"],
        "p50_ms": _ms(percentile(lat, 0.50)),
        "p99_ms": _ms(percentile(lat, 0.99)),
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0


# --- profiling --------------------------------------------------------------------------------


def start_profiler(pid: int, out: Path) -> subprocess.Popen:
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    out.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "250", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # py-spy attaches
    return proc


def stop_profiler(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def summarize_profile(path: Path, top: int = 15) -> dict[str, Any]:
    """Self and inclusive shares of the network thread's samples, from py-spy's raw output.

    Frames are grouped by function (line numbers dropped); the network thread is the one
    whose stack goes through Session._run.
    """
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if "Session._run " not in stack:
            continue
        count = int(count_text)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        total += count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + count

    def best(table: dict[str, int]) -> list[tuple[str, float]]:
        ranked = sorted(table.items(), key=lambda kv: -kv[1])[:top]
        return [(name, round(100.0 * c / max(1, total), 1)) for name, c in ranked]

    return {"samples": total, "self": best(own), "inclusive": best(inclusive)}


# --- reports ----------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    ncat = subprocess.run(["ncat", "--version"], capture_output=True, text=True)
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "openssl": ssl.OPENSSL_VERSION,
        "ncat": (ncat.stdout + ncat.stderr).strip().splitlines()[0] if ncat.returncode == 0 else "",
        "platform": platform.platform(),
    }


def row(figure: str, ours: Any, ncat: Any, target: str = "", *, higher_better=False, limit=None):
    """One table row. `limit` is the ratio bound of the target (<= unless higher_better)."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (ours, ncat))
    ratio = ours / ncat if numbers and ncat else None
    met = None
    if limit is not None and ratio is not None:
        met = ratio >= limit if higher_better else ratio <= limit
    return {
        "figure": figure,
        "ours": ours,
        "ncat": ncat,
        "ratio": ratio,
        "target": target,
        "met": met,
    }


def format_table(result: dict[str, Any]) -> str:
    """The human table of a room, scale or latency result (also used by bench_gui)."""
    machine = result.get("machine") or {}
    title = f"{result['bench']}: {machine.get('cores')} cores, Python {machine.get('python')}, "
    title += f"{machine.get('openssl')}"
    return render_table(title, result["rows"], result["notes"])


def render_table(title: str, rows: list[dict[str, Any]], notes: list[str]) -> str:
    header = ["figure", "ours", "ncat", "ratio", "target", "met?"]
    lines = [
        [
            r["figure"],
            _fmt(r["ours"]),
            _fmt(r["ncat"]),
            _fmt(r["ratio"], ratio=True),
            r["target"],
            {True: "yes", False: "NO", None: ""}[r["met"]],
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [title, fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [fmt(line) for line in lines]
    out += [f"  {note}" for note in notes]
    return "\n".join(out)


def _fmt(value: Any, ratio: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if ratio:
            return f"{value:.2f}x"
        if value >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}" if value < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


# --- subcommands ------------------------------------------------------------------------------


def add_room_arguments(parser) -> None:
    parser.add_argument("--pairs", type=int, default=3, help="ours/ncat run pairs (median)")
    parser.add_argument(
        "--config",
        action="append",
        metavar="NxM",
        help="clients x messages each (default: 50x100 and 200x20)",
    )
    parser.add_argument("--variant", action="append", choices=("plaintext", "tls"))
    parser.add_argument(
        "--offered",
        type=float,
        default=OFFERED_DELIVERIES_PER_S,
        help="paced load, in deliveries per second offered to the room",
    )
    parser.add_argument("--no-burst", action="store_true", help="skip the burst runs")
    parser.add_argument("--workers", type=int, default=2, help="load generator processes")
    parser.add_argument("--text-size", type=int, default=TEXT_SIZE)
    parser.add_argument("--profile", type=Path, help="also profile one of our runs with py-spy")


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        key: _median(runs, key)
        for key in ("cpu_s_per_100k", "deliveries_per_s", "p50_ms", "p99_ms", "duration_s")
    }
    out["all_delivered"] = all(r["all_delivered"] for r in runs)
    out["runs"] = runs
    return out


def run_room(args) -> dict[str, Any]:
    configs = [tuple(int(x) for x in c.lower().split("x")) for c in args.config or []]
    configs = configs or list(ROOM_CONFIGS)
    variants = args.variant or ["plaintext", "tls"]
    report: dict[str, Any] = {"bench": "room", "machine": machine_info(), "configs": []}
    rows: list[dict[str, Any]] = []
    notes = [
        f"paced: the room as a whole sends {args.offered:,.0f} / (N-1) messages per second "
        f"(= {args.offered:,.0f} deliveries/s offered), evenly spaced, each in its own write",
        "burst: every client writes its M messages at once (round robin); ncat then relays "
        "whole reads, so this is its best case",
        f"our server: --limit {' --limit '.join(FLOOD_LIMITS)} (flood control off; ncat has none)",
        f"clients bound to 127.0.x.y, {CLIENTS_PER_SOURCE} per address (our per-IP cap of 20 "
        "is untouched)",
        f"medians of {args.pairs} alternating ours/ncat pairs; server CPU = utime+stime from "
        "/proc/<pid>/stat; latency = send to receipt by another client (8 probe receivers)",
    ]
    unavailable: dict[str, str] = {}
    modes = [("paced", None)] if args.no_burst else [("paced", None), ("burst", 0.0)]
    for variant in variants:
        tls = variant == "tls"
        why = ours_available(tls)
        if why:
            unavailable[variant] = why
            notes.append(f"{variant}: our server unavailable ({why})")
            continue
        for n, m in configs:
            max_conns = n + 10 if n > 100 else None
            note = f"N={n}: ncat runs with --max-conns {max_conns} (its default is 100)"
            if max_conns and note not in notes:  # once, not once per variant
                notes.append(note)
            runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for _ in range(args.pairs):
                for mode, rate in modes:
                    rate = args.offered / max(1, n - 1) if rate is None else rate
                    for kind in ("ours", "ncat"):
                        result = run_load(
                            kind,
                            tls,
                            n,
                            m,
                            workers=args.workers,
                            text_size=args.text_size,
                            rate=rate,
                            max_conns=max_conns if kind == "ncat" else None,
                        )
                        runs.setdefault((mode, kind), []).append(result)
            label = f"{variant} N={n} M={m}"
            limit = TARGETS.get((variant, n), 0.5)
            entry: dict[str, Any] = {"variant": variant, "n": n, "m": m}
            for mode, _ in modes:
                entry[mode] = {kind: _summary(runs[(mode, kind)]) for kind in ("ours", "ncat")}
            o, c = entry["paced"]["ours"], entry["paced"]["ncat"]
            config_rows = [
                row(
                    f"{label}: server CPU s / 100k deliveries",
                    o["cpu_s_per_100k"],
                    c["cpu_s_per_100k"],
                    f"<= {limit}x",
                    limit=limit,
                ),
                row(
                    f"{label}: deliveries / s",
                    o["deliveries_per_s"],
                    c["deliveries_per_s"],
                    ">= 1.0x",
                    higher_better=True,
                    limit=1.0,
                ),
                row(f"{label}: latency p50 ms", o["p50_ms"], c["p50_ms"]),
                row(f"{label}: latency p99 ms", o["p99_ms"], c["p99_ms"]),
                row(f"{label}: every message delivered", o["all_delivered"], c["all_delivered"]),
            ]
            if "burst" in entry:
                bo, bc = entry["burst"]["ours"], entry["burst"]["ncat"]
                config_rows += [
                    row(
                        f"{label}: burst: server CPU s / 100k",
                        bo["cpu_s_per_100k"],
                        bc["cpu_s_per_100k"],
                    ),
                    row(
                        f"{label}: burst: deliveries / s",
                        bo["deliveries_per_s"],
                        bc["deliveries_per_s"],
                    ),
                    row(f"{label}: burst: latency p99 ms", bo["p99_ms"], bc["p99_ms"]),
                ]
            entry["rows"] = config_rows
            rows += config_rows
            report["configs"].append(entry)
    if args.profile and "plaintext" not in unavailable:
        n, m = configs[0]
        run_load(
            "ours",
            False,
            n,
            m,
            workers=args.workers,
            rate=args.offered / max(1, n - 1),
            profile=args.profile,
        )
        report["profile"] = {
            "file": str(args.profile),
            "config": f"paced plaintext N={n} M={m}",
            **summarize_profile(args.profile),
        }
    report["rows"] = rows
    report["notes"] = notes
    report["unavailable"] = unavailable
    return report


def add_scale_arguments(parser) -> None:
    parser.add_argument("-n", "--participants", type=int, default=1000)
    parser.add_argument(
        "--spread",
        type=float,
        default=5.0,
        help="seconds over which the participants send (one each)",
    )
    parser.add_argument("--no-tls", action="store_true", help="plaintext (TLS is the default)")
    parser.add_argument("--workers", type=int, default=2)


def run_scale(args) -> dict[str, Any]:
    n = args.participants
    tls = not args.no_tls
    report: dict[str, Any] = {"bench": "scale", "machine": machine_info(), "n": n, "tls": tls}
    notes = [
        f"{n} participants join one room ({'TLS' if tls else 'plaintext'}), then each sends "
        f"one message, spread evenly over {args.spread:g} s",
        "ncat runs with its defaults (it refuses connections past --max-conns 100)",
        f"our server: --limit {' --limit '.join(FLOOD_LIMITS)}; clients on 127.0.x.y, "
        f"{CLIENTS_PER_SOURCE} per address",
    ]
    why = ours_available(tls)
    ours = None
    if why:
        notes.append(f"our server unavailable ({why})")
    else:
        ours = run_load("ours", tls, n, 1, workers=args.workers, rate=n / args.spread)
        ours["rss_per_participant_kib"] = (
            (ours["rss_after_join"] - ours["rss_before"]) / max(1, ours["joined"]) / 1024
        )
    ncat = run_load("ncat", tls, n, 1, workers=args.workers, rate=n / args.spread, timeout=30.0)
    ncat["rss_per_participant_kib"] = (
        (ncat["rss_after_join"] - ncat["rss_before"]) / max(1, ncat["joined"]) / 1024
    )
    o = ours or {}
    rows = [
        row("participants connected", o.get("joined"), ncat["joined"], f"= {n}"),
        row(
            "connections refused or failed",
            sum(o.get("failed", {}).values()) if ours else None,
            sum(ncat["failed"].values()),
            "0",
        ),
        row("deliveries", o.get("deliveries"), ncat["deliveries"], f"= {n * (n - 1):,}"),
        row(
            "every message delivered to everyone",
            o.get("all_delivered"),
            ncat["all_delivered"],
            "yes",
        ),
        row("latency p50 ms", o.get("p50_ms"), ncat["p50_ms"]),
        row("latency p99 ms", o.get("p99_ms"), ncat["p99_ms"], "< 250 ms (ours)"),
        row(
            "server RSS KiB per participant",
            o.get("rss_per_participant_kib"),
            ncat["rss_per_participant_kib"],
            "<= 100 KiB (ours)",
        ),
        row("server CPU s", o.get("cpu_s"), ncat["cpu_s"]),
    ]
    if ours:
        rows[0]["met"] = ours["joined"] == n
        rows[2]["met"] = ours["deliveries"] == n * (n - 1)
        rows[3]["met"] = ours["all_delivered"]
        rows[5]["met"] = ours["p99_ms"] is not None and ours["p99_ms"] < 250
        rows[6]["met"] = ours["rss_per_participant_kib"] <= 100
    report.update(ours=ours, ncat=ncat, rows=rows, notes=notes)
    return report


def add_latency_arguments(parser) -> None:
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=3, help="ours/ncat/floor run rounds (median)")
    parser.add_argument("--variant", action="append", choices=("plaintext", "tls"))


def run_latency(args) -> dict[str, Any]:
    variants = args.variant or ["plaintext", "tls"]
    report: dict[str, Any] = {"bench": "latency", "machine": machine_info(), "variants": []}
    rows = []
    notes = [
        f"{args.messages} sequential messages, alternating between two clients; each is "
        f"sent when the previous one has arrived; medians of {args.pairs} rounds",
        "floor: scripts/bench_floor.py, a bare asyncio relay of our protocol that stores and "
        "checks nothing; its ratio is the part of ours that is Python and asyncio",
    ]
    for variant in variants:
        tls = variant == "tls"
        why = ours_available(tls)
        kinds = ("ncat", "floor") if why else ("ncat", "ours", "floor")
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
        for _ in range(args.pairs):
            for kind in kinds:
                runs[kind].append(run_sequential(kind, tls, args.messages))
        summary = {
            kind: {
                "p50_ms": _median(runs[kind], "p50_ms"),
                "p99_ms": _median(runs[kind], "p99_ms"),
                "received": min(r["received"] for r in runs[kind]),
                "runs": runs[kind],
            }
            for kind in kinds
        }
        if why:
            notes.append(f"{variant}: our server unavailable ({why})")
        o, ncat, floor = summary.get("ours", {}), summary["ncat"], summary["floor"]
        rows += [
            row(
                f"{variant}: latency p50 ms", o.get("p50_ms"), ncat["p50_ms"], "<= 1.2x", limit=1.2
            ),
            row(f"{variant}: latency p99 ms", o.get("p99_ms"), ncat["p99_ms"]),
            row(
                f"{variant}: messages received",
                o.get("received"),
                ncat["received"],
                f"= {args.messages}",
            ),
            row(f"{variant}: floor latency p50 ms", floor["p50_ms"], ncat["p50_ms"]),
        ]
        report["variants"].append({"variant": variant, **summary})
    report.update(rows=rows, notes=notes)
    return report
