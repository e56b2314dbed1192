"""The load generator of `room`, `scale`, `latency` and `gui`: many clients in a few processes.

It runs in worker processes (multiprocessing, spawn), each with a raw asyncio event loop and a
share of the clients, and speaks either our protocol (4-byte length + JSON frames) or ncat's
plain lines, with the same text payload. It does the least work it can per delivery: it walks
frame headers or counts newlines, and only a few "probe" clients read the send timestamp that
every text carries, for latency.

Our server allows 20 connections per IP: the generator binds each client to a loopback source
address of its own group (127.0.x.y; Linux routes all of 127/8 to lo) instead of raising the cap.

The parent drives the workers phase by phase through `Load`: join, settle, then go (or
sequential), then close. bench/runs.py does that for one run against one server.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import signal
import ssl
import time
from typing import Any

from messagerie import protocol

# Clients per loopback source address: below our per-IP cap of 20.
CLIENTS_PER_SOURCE = 10
TEXT_SIZE = 100
# ncat's listen backlog overflows with many simultaneous connects; joining is not measured.
JOIN_CONCURRENCY = 8


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
        # The handshake is our client's own (protocol.ClientConnection); only the messages,
        # once everyone is in, are written and counted by hand, for speed.
        self.conn = protocol.ClientConnection(name=f"b{self.index}", client_id=f"bench{self.index}")
        self.conn.start()
        transport.write(self.conn.data_to_send())
        # In a private run, each client writes privately to the next one (by its member id,
        # which the bench knows from the next one's client_id).
        self.to = b""
        if self.gen.spec.get("private"):
            nxt = (self.index + 1) % self.gen.spec["n"]
            self.to = b',"to":"%s"' % protocol.member_id(f"bench{nxt}").encode()

    def send(self, text: bytes) -> None:
        # Built by hand: the text is ASCII without quotes or backslashes. The id has the shape
        # of our client's (protocol.new_message_id: 32 hex digits, time first), so the room
        # stores what it would store for real clients; the client index and a counter keep
        # it unique.
        self.sent += 1
        msg_id = b"%012x%04x%016x" % (time.time_ns() // 1_000_000, self.index, self.sent)
        payload = b'{"type":"say","id":"%s","text":"%s"%s}' % (msg_id, text, self.to)
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
        # Joining: few frames, read by the connection itself. No message flows before every
        # client has settled, so nothing is left in its buffer when counting starts.
        self.buf = b""
        for event in self.conn.receive_data(data):
            if isinstance(event, protocol.Welcomed):
                # participants = the host, those already here, and us.
                self.before = len(event.welcome.participants) - 2
                if not self.joined.done():
                    self.joined.set_result(True)
            elif isinstance(event, protocol.Joined):
                self.joins_seen += 1
            elif isinstance(event, protocol.Ended):
                self.error = event.code
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
        # The floor relay (bench/floor.py) speaks our protocol.
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
