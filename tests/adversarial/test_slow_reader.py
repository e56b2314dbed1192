"""Check 6: slow reader. A participant that never reads is dropped once its send buffer passes
the cap (`left` with reason slow_reader); the server's memory stays within 50 MB of where it
started, and the dropped connection is really let go (not kept open to flush a buffer that
nobody will ever read)."""

from __future__ import annotations

import socket
import time

from tests.adversarial.helpers import RawPeer, raw_connect, rss_kb

LINE = "x" * 15_000 + " "  # a near-maximal message
BATCH = 20
MAX_LINES = 3_000  # 45 MB: far more than cap + kernel buffers; the test stops at the drop


def _server_side_open(server_port: int, peer_port: int) -> bool:
    """Whether the server still holds a TCP socket to `peer_port` (from /proc/net/tcp)."""
    with open("/proc/net/tcp") as table:
        next(table)
        for row in table:
            local, remote, state = row.split()[1:4]
            if (
                int(local.split(":")[1], 16) == server_port
                and int(remote.split(":")[1], 16) == peer_port
                and state != "06"  # TIME_WAIT holds no memory of ours
            ):
                return True
    return False


def test_a_participant_that_never_reads_is_dropped_and_memory_stays_bounded(procs, raw_peers):
    server, port = procs.serve()
    lazy = RawPeer.__new__(RawPeer)
    # A small receive buffer, set before connecting, so the kernel does not absorb much.
    sock = raw_connect(port, source="127.0.4.1")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    lazy.sock, lazy.buffer, lazy.closed = sock, b"", False
    raw_peers.append(lazy)
    assert lazy.hello("Paresseux")["type"] == "welcome"
    server.event("joined", name="Paresseux")
    lazy_port = lazy.sock.getsockname()[1]
    baseline = peak = rss_kb(server.proc.pid)

    left = None
    sent = 0
    while left is None and sent < MAX_LINES:
        for _ in range(BATCH):
            server.send(LINE)
        sent += BATCH
        peak = max(peak, rss_kb(server.proc.pid))
        left = _left_event(server, "Paresseux")
    assert left is not None, f"not dropped after {sent} messages"
    assert left["reason"] == "slow_reader"
    dropped_at = time.monotonic()
    for _ in range(20):  # a little more traffic after the drop
        server.send(LINE)
    peak = max(peak, rss_kb(server.proc.pid))
    print(f"slow reader: dropped after {sent} lines; RSS {baseline} -> peak {peak} kB")
    assert (peak - baseline) < 50 * 1024, (baseline, peak)

    # The server let the connection go without waiting for the reader to drain it.
    while _server_side_open(port, lazy_port):
        assert time.monotonic() - dropped_at < 5, "dropped participant's socket still open"
        time.sleep(0.05)
    # The room goes on.
    other = RawPeer(port, source="127.0.4.2")
    raw_peers.append(other)
    assert other.hello("Suivant")["type"] == "welcome"
    assert server.proc.poll() is None


def _left_event(server, name: str):
    """A `left` event for `name` if one is already printed (does not wait)."""
    try:
        return server.event("left", timeout=0.01, name=name)
    except AssertionError:
        return None
