"""A TCP proxy that sits between participants and the room and cuts connections on purpose.

It runs its own asyncio loop in one thread. Every cut is a reset on both sides (zero linger
time), so neither end gets a clean goodbye and bytes in flight are lost, as when a Wi-Fi
access point drops a laptop.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading

_LINGER_ZERO = struct.pack("ii", 1, 0)


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
    writer.transport.abort()


class ChaosProxy:
    """Listens on 127.0.0.1:`port` and forwards to 127.0.0.1:`target`."""

    def __init__(
        self,
        target: int,
        *,
        seed: int = 0,
        cap_bytes: int | None = None,
        stall_after: int | None = None,
    ) -> None:
        self.target = target
        # Cut (reset) any connection once this many bytes went from the participant to the
        # room: a sender can then never get more than that through, whatever its buffers hold.
        self.cap_bytes = cap_bytes
        # Stop forwarding from the room to the participant once this many bytes went that way
        # on a connection, and keep it open: a room gone silent in the middle of a download.
        self.stall_after = stall_after
        self.stalls = 0
        self.random = random.Random(seed)
        self.port = 0
        self.cuts = 0
        self.accepted = 0
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos-proxy", daemon=True)
        self._stop: asyncio.Event | None = None
        self._chaos: asyncio.Task | None = None

    def __enter__(self) -> ChaosProxy:
        self._thread.start()
        assert self._ready.wait(5), "proxy did not start"
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
        assert not self._thread.is_alive(), "proxy thread did not stop"

    def start_chaos(self, min_s: float, max_s: float) -> None:
        """From now on, cut one random live connection every min_s to max_s seconds."""

        def start() -> None:
            self._chaos = self._loop.create_task(self._cut_forever(min_s, max_s))

        self._loop.call_soon_threadsafe(start)

    def stop_chaos(self) -> None:
        done = threading.Event()

        def stop() -> None:
            if self._chaos:
                self._chaos.cancel()
            done.set()

        self._loop.call_soon_threadsafe(stop)
        done.wait(5)

    # --- on the proxy's thread ---

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            if self._chaos:
                self._chaos.cancel()
            server.close()
            for pair in list(self._pairs):
                for writer in pair:
                    _reset(writer)
            await asyncio.sleep(0)  # let the pumps see their connections end
            await server.wait_closed()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _cut_forever(self, min_s: float, max_s: float) -> None:
        while True:
            await asyncio.sleep(self.random.uniform(min_s, max_s))
            if self._pairs:
                pair = self.random.choice(sorted(self._pairs, key=id))
                self._pairs.discard(pair)
                for writer in pair:
                    _reset(writer)
                self.cuts += 1

    async def _handle(self, down_r: asyncio.StreamReader, down_w: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            _reset(down_w)
            return
        pair = (down_w, up_w)
        self._pairs.add(pair)
        try:
            await asyncio.gather(
                self._pump(down_r, up_w, cap=self.cap_bytes, pair=pair),
                self._pump(up_r, down_w, stall=self.stall_after),
            )
        except asyncio.CancelledError:
            pass  # the proxy stops with a pump still waiting: its connection ends with it
        finally:
            self._pairs.discard(pair)
            for writer in pair:
                writer.close()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        cap: int | None = None,
        pair: tuple | None = None,
        stall: int | None = None,
    ) -> None:
        forwarded = 0
        try:
            while data := await reader.read(256 * 1024):
                if stall is not None and forwarded + len(data) > stall:
                    writer.write(data[: stall - forwarded])
                    await writer.drain()
                    self.stalls += 1
                    await self._stop.wait()  # silent until the proxy stops
                if cap is not None and forwarded + len(data) > cap:
                    writer.write(data[: cap - forwarded])
                    await writer.drain()
                    self.cuts += 1
                    for end in pair:
                        _reset(end)
                    return
                forwarded += len(data)
                writer.write(data)
                await writer.drain()
            if not writer.is_closing():
                writer.write_eof()
        except (ConnectionError, OSError):
            writer.transport.abort()
