"""A man in the middle for tests: a TCP relay that can start intercepting TLS at any time.

In "relay" mode it copies bytes both ways without looking (a router). In "intercept" mode
it ends the client's TLS with its own certificate and opens its own TLS connection to the
real host, relaying the plaintext in between: exactly what an attacker on the LAN would do.
It runs its own event loop on a thread, stopped by `close()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

from messagerie.security import identity


class MitmProxy:
    def __init__(self, target_port: int, data_dir: Path) -> None:
        self.target_port = target_port
        self.intercept = False
        self.identity = identity.load_or_create_identity(data_dir)
        self.bytes_from_clients = 0  # plaintext application bytes seen while intercepting
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mitm-proxy", daemon=True)
        self._thread.start()
        self._ready.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._server.close()
        self._loop.run_until_complete(self._server.wait_closed())
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _handle(self, reader, writer) -> None:
        try:
            if self.intercept:
                await writer.start_tls(identity.server_context(self.identity))
                up_reader, up_writer = await asyncio.open_connection(
                    "127.0.0.1", self.target_port, ssl=identity.client_context(), server_hostname=""
                )
            else:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
            await asyncio.gather(
                self._pipe(reader, up_writer, count=self.intercept), self._pipe(up_reader, writer)
            )
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _pipe(self, reader, writer, count: bool = False) -> None:
        try:
            while data := await reader.read(65536):
                if count:
                    self.bytes_from_clients += len(data)
                writer.write(data)
                await writer.drain()
        except (OSError, ConnectionError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        assert not self._thread.is_alive()
