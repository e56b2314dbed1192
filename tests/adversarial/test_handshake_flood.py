"""Issue 16, item 1: connections still in the TLS handshake are capped at accept time.

300 silent TCP sockets from one address never start TLS. Before the fix every one was
accepted and held until its handshake timed out, so a flood ran the host out of file
descriptors. Now at most the per-address handshake cap is held, the rest are closed at once,
and a real user from another address joins and chats within 2 s.
"""

from __future__ import annotations

import os
import select
import socket
import time
import uuid

from messagerie.limits import DEFAULT_LIMITS
from tests.adversarial.helpers import TLS, RawPeer

FLOOD = 300
SOURCE = "127.0.0.9"


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _closed_by_peer(sock: socket.socket) -> bool:
    """Whether the room has closed this socket (readable with nothing, or reset)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_a_flood_of_silent_handshakes_is_capped_and_a_user_still_chats(procs, raw_peers):
    assert TLS, "the cap is about connections in the TLS handshake"
    server, port = procs.serve()
    fds_before = _open_fds(server.proc.pid)
    silent = []
    try:
        for _ in range(FLOOD):
            sock = socket.socket()
            sock.bind((SOURCE, 0))
            sock.connect(("127.0.0.1", port))
            silent.append(sock)
        # The room cuts what is over the cap as it accepts it: wait until it has seen them.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            held = [s for s in silent if not _closed_by_peer(s)]
            if len(held) <= DEFAULT_LIMITS.max_tls_handshakes_per_ip:
                break
            time.sleep(0.05)
        assert len(held) <= DEFAULT_LIMITS.max_tls_handshakes_per_ip, len(held)
        assert _open_fds(server.proc.pid) <= fds_before + DEFAULT_LIMITS.max_tls_handshakes_per_ip

        started = time.monotonic()
        user = RawPeer(port, source="127.0.0.10")
        raw_peers.append(user)
        assert user.hello("Collègue")["type"] == "welcome"
        msg_id = uuid.uuid4().hex
        user.send({"type": "say", "id": msg_id, "text": "malgré le flot"})
        echoed = user.recv_until(lambda f: f["type"] == "message" and f["id"] == msg_id)
        assert echoed["text"] == "malgré le flot"
        assert time.monotonic() - started < 2.0
    finally:
        for sock in silent:
            sock.close()
    assert server.proc.poll() is None
