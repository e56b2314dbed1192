"""Issue 16, item 11: both sides ping after `ping_interval_s` of silence and cut at
`dead_peer_s`, as docs/PROTOCOL.md says (15 s and 45 s by default), measured on real sockets.

Before, the room swept every third of the interval (ping at up to 20 s, cut at up to 50 s)
and the client only looked at the clock when a read timed out (cut at 60 s).
"""

from __future__ import annotations

import dataclasses
import selectors
import socket
import time

from messagerie import protocol
from messagerie.net import events
from tests.conftest import FAST_LIMITS

# Scheduling on a loaded 2-core machine; the room's own sweep granularity is PING_S / 15.
SLACK_S = 0.25


def _frames(
    sock: socket.socket, until: float, *, first: bool = False
) -> list[tuple[float, dict | None]]:
    """(time, frame) for every frame received before `until` (or the first one only);
    the frame is None when the socket closes."""
    decoder = protocol.Decoder()
    out: list[tuple[float, dict | None]] = []
    while (remaining := until - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionResetError:
            data = b""
        now = time.monotonic()
        if not data:
            out.append((now, None))
            break
        out.extend((now, obj) for obj in decoder.feed_objects(data))
        if first and out:
            break
    return out


def _frames_of_all(socks: list[socket.socket], until: float) -> dict:
    """`_frames` for several sockets at once, each frame timed when it arrived."""
    decoders = {sock: protocol.Decoder() for sock in socks}
    out: dict = {sock: [] for sock in socks}
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        while selector.get_map() and (remaining := until - time.monotonic()) > 0:
            for key, _ in selector.select(remaining):
                sock = key.fileobj
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                now = time.monotonic()
                if not data:
                    out[sock].append((now, None))
                    selector.unregister(sock)
                    continue
                out[sock].extend((now, obj) for obj in decoders[sock].feed_objects(data))
    return out


def test_the_room_pings_silent_participants_on_time_and_cuts_them_on_time(sessions):
    # Four participants joined a quarter of the old sweep period apart: whatever the phase of
    # the room's sweep, one of them would wait more than SLACK_S with a coarse sweep.
    ping_s, dead_s = 1.2, 2.0
    limits = dataclasses.replace(FAST_LIMITS, ping_interval_s=ping_s, dead_peer_s=dead_s)
    host, _ = sessions
    _server, _rec, port = host(limits=limits)
    socks, joined_at = [], []
    try:
        for i in range(4):
            sock = socket.create_connection(("127.0.0.1", port))
            socks.append(sock)
            conn = protocol.ClientConnection(name=f"Muet{i}", client_id=f"muet{i}")
            conn.start()
            sock.sendall(conn.data_to_send())
            ((at, welcome),) = _frames(sock, time.monotonic() + 2, first=True)
            assert welcome["type"] == "welcome"
            joined_at.append(at)
            # Stagger the next join by a quarter of the old sweep period (nothing arrives yet).
            assert _frames(sock, at + ping_s / 3 / 4) == []
        everything = _frames_of_all(socks, time.monotonic() + dead_s + 2)
        for sock, at in zip(socks, joined_at, strict=True):
            seen = everything[sock]
            pings = [t - at for t, f in seen if f and f["type"] == "ping"]
            errors = [(t - at, f["code"]) for t, f in seen if f and f["type"] == "error"]
            assert pings and ping_s - 0.05 <= pings[0] <= ping_s + SLACK_S, pings
            assert errors and errors[0][1] == "peer_timeout", seen
            assert dead_s - 0.05 <= errors[0][0] <= dead_s + SLACK_S, errors
    finally:
        for sock in socks:
            sock.close()


def test_the_client_pings_a_silent_room_on_time_and_gives_up_on_time(sessions):
    # The dead time is not a multiple of the ping interval: a client that only looks at the
    # clock when a ping is due gives up at 1.8 s instead of 1.5 s.
    ping_s, dead_s = 0.6, 1.5
    limits = dataclasses.replace(FAST_LIMITS, ping_interval_s=ping_s, dead_peer_s=dead_s)
    _, join = sessions
    listener = socket.create_server(("127.0.0.1", 0))
    with listener:
        session, rec = join(listener.getsockname()[1], wait=False, limits=limits)
        listener.settimeout(5)
        sock, _ = listener.accept()
        with sock:
            ((_, hello),) = _frames(sock, time.monotonic() + 2, first=True)
            assert hello["type"] == "hello"
            welcome = protocol.Welcome(
                room="Muette", name="Client", participants=("Client",), last_seq=0
            )
            sock.sendall(protocol.encode(welcome))
            welcomed_at = time.monotonic()
            rec.first(events.Connected)
            seen = _frames(sock, welcomed_at + dead_s + 2)
    pings = [t - welcomed_at for t, f in seen if f and f["type"] == "ping"]
    closed = [t - welcomed_at for t, f in seen if f is None]
    assert pings and ping_s - 0.05 <= pings[0] <= ping_s + SLACK_S, pings
    assert closed and dead_s - 0.05 <= closed[0] <= dead_s + SLACK_S, seen
    assert rec.first(events.Disconnected).reason == "peer_timeout"
    session.stop()
