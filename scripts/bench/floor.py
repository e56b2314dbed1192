"""The floor of `bench.py latency`: the least a Python asyncio relay of our protocol can do.

It speaks just enough of docs/PROTOCOL.md for the load generator (hello, welcome, joined, say,
ack, message), in our protocol's shape: every `say` becomes one `message` frame for the
others, then an `ack` and the same frame for the sender. It stores nothing, checks nothing
and has no flood control, cap or timeout, so it must never serve real people. Measured in
the same run as ours and ncat, it shows which part of our latency is the runtime (Python and
asyncio) and which part is our room's own work.

    cd scripts && python -m bench.floor [--tls DATA_DIR]  # prints {"event": "listening", ...}
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any


def frame(obj: dict[str, Any]) -> bytes:
    payload = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    return len(payload).to_bytes(4, "big") + payload


class Relay(asyncio.Protocol):
    seq = 0  # the room's last sequence number (one room per process)

    def __init__(self, room: list[Relay]) -> None:
        self.room = room
        self.buf = b""
        self.name = ""
        self.transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if self in self.room:
            self.room.remove(self)

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        pos = 0
        while len(buf) - pos >= 4:
            end = pos + 4 + int.from_bytes(buf[pos : pos + 4], "big")
            if end > len(buf):
                break
            self.handle(json.loads(buf[pos + 4 : end]))
            pos = end
        self.buf = buf[pos:]

    def handle(self, obj: dict[str, Any]) -> None:
        if obj["type"] == "hello":
            self.name = obj["name"]
            names = ["floor", *(p.name for p in self.room), self.name]
            welcome = {
                "type": "welcome",
                "room": "floor",
                "name": self.name,
                "last_seq": 0,
                "history": [],
            }
            self.transport.write(frame({**welcome, "participants": names}))
            joined = frame({"type": "joined", "name": self.name})
            for other in self.room:
                other.transport.write(joined)
            self.room.append(self)
        elif obj["type"] == "say":
            Relay.seq += 1
            message = frame(
                {"type": "message", "id": obj["id"], "seq": Relay.seq, "from": self.name}
                | {"text": obj["text"], "ts": 0}
            )
            for other in self.room:
                if other is not self:
                    other.transport.write(message)
            ack = frame({"type": "ack", "id": obj["id"], "seq": Relay.seq})
            self.transport.write(ack + message)


async def serve(tls_dir: Path | None) -> None:
    ssl_context = None
    if tls_dir:
        # Our server's own TLS setup, so that both pay for the same cipher suite.
        from messagerie.security import identity

        ssl_context = identity.server_context(identity.load_or_create_identity(tls_dir))
    room: list[Relay] = []
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Relay(room), "127.0.0.1", 0, ssl=ssl_context)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"event": "listening", "port": port}), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tls", type=Path, metavar="DATA_DIR", help="serve TLS 1.3")
    asyncio.run(serve(parser.parse_args().tls))


if __name__ == "__main__":
    main()
