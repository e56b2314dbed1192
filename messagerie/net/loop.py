"""The network thread: one asyncio event loop on a thread of its own.

This is the "listener thread" of the original brief: the Tk thread (or headless mode's main
thread) never blocks on a socket. A front end makes one `NetworkThread` and keeps it as long
as it lives, so that work which belongs to no session (browsing the network for rooms, file
transfers) has a loop before, between and beside sessions; a session started without one makes
its own and stops it when it ends. Every call from another thread goes through
`call_soon_threadsafe` (`call`) or `run_coroutine_threadsafe` (`submit`): that is the only door.
"""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 5.0

# asyncio gives every TLS connection a 256 KiB receive buffer (SSLProtocol.max_size, filled with
# zeros, so resident): 256 MiB for a room of 1,000. A TLS record is at most 16 KiB, so 32 KiB
# reads cost little more system calls and bring a room under 100 KiB per participant.
TLS_READ_BUFFER = 32 * 1024


def tune_asyncio_tls() -> None:
    """Shrink asyncio's per-connection TLS receive buffer (see TLS_READ_BUFFER).

    asyncio has no public setting for it, so this sets a private class attribute, for the
    whole process (the client's single connection does not mind). Called once by the network
    thread before it serves anything, rather than as a side effect of importing this module.
    """
    asyncio.sslproto.SSLProtocol.max_size = TLS_READ_BUFFER


# A file transfer's connection reads more per system call: at 32 KiB, the Python work of each
# read (asyncio's TLS layer, then ours) is most of a transfer's cost; at 256 KiB it is an
# eighth, for 256 KiB more per transfer under way (measured in docs/PERFORMANCE.md).
TRANSFER_TLS_READ_BUFFER = 256 * 1024


def widen_tls_reads(transport: asyncio.BaseTransport) -> None:
    """Let one TLS connection read TRANSFER_TLS_READ_BUFFER at a time (a no-op without TLS).

    The same private attribute as tune_asyncio_tls, on this connection only.
    """
    ssl_protocol = getattr(transport, "_ssl_protocol", None)
    if isinstance(ssl_protocol, asyncio.sslproto.SSLProtocol):
        ssl_protocol.max_size = TRANSFER_TLS_READ_BUFFER


class SilenceWatch:
    """Calls `on_silent()` once nothing was `seen()` for `limit_s`, except while `excused()`
    (the connection waits for our own disk, say: not the peer being silent). For a transfer
    connection, on the loop; `start()` it, `stop()` it when the connection ends."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        limit_s: float,
        on_silent: Callable[[], None],
        excused: Callable[[], bool] = lambda: False,
    ) -> None:
        self.loop = loop
        self.limit_s = limit_s
        self.on_silent = on_silent
        self.excused = excused
        self.last_seen = loop.time()
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self.seen()
        self._arm(self.limit_s)

    def seen(self) -> None:
        """Something moved: the silence starts again from now."""
        self.last_seen = self.loop.time()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self, delay: float) -> None:
        self._timer = self.loop.call_later(delay, self._check)

    def _check(self) -> None:
        self._timer = None
        silent = self.loop.time() - self.last_seen
        if not self.excused() and silent >= self.limit_s:
            self.on_silent()
            return
        # Excused past the limit: look again a whole limit later, not at once in a loop.
        self._arm(max(0.0, self.limit_s - silent) or self.limit_s)


class NetworkThread:
    """A daemon thread running one asyncio loop until `stop()`."""

    def __init__(self, name: str = "messagerie-network") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self) -> NetworkThread:
        """Start the thread and its loop (once); returns when the loop runs."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
            self._ready.wait()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def on_loop(self) -> bool:
        """Whether the caller runs on this network thread."""
        return threading.current_thread() is self._thread

    def call(self, fn: Callable[..., object], *args: object) -> None:
        """Run `fn(*args)` on the loop soon (thread-safe); nothing if the loop has ended."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(fn, *args)

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future:
        """Run `coro` as a task on the loop (thread-safe); its result comes in the future."""
        if self._loop is None or self._loop.is_closed():
            coro.close()
            raise RuntimeError("the network thread is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Cancel what still runs on the loop, end it and wait for the thread (idempotent)."""
        self.call(self._cancel_all)
        if self._thread is not None and not self.on_loop():
            self._thread.join(timeout)

    def _cancel_all(self) -> None:
        for task in asyncio.all_tasks(self._loop):
            task.cancel()
        self._loop.call_soon(self._loop.stop)

    def _run(self) -> None:
        tune_asyncio_tls()
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._ready.set()
        try:
            loop.run_forever()
            # Let cancelled tasks run their cleanup (closing sockets, stores).
            pending = asyncio.all_tasks(loop)
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        except Exception:
            log.exception("network loop failed")
        finally:
            loop.close()
