"""Check 5: flood. One participant sends 1,000 messages as fast as it can: all are delivered,
flood control visibly slows it down (by pausing reads, never by dropping), and the others'
latency stays under 200 ms at the 99th percentile."""

from __future__ import annotations

import selectors
import threading
import time

from tests.adversarial.helpers import RawPeer, obj_frame

COUNT = 1_000
BURST = 20
RATE = 200.0  # messages per second once the burst is spent
TALK_EVERY_S = 0.02


def test_a_flooder_is_slowed_down_loses_nothing_and_does_not_hurt_the_others(procs, raw_peers):
    server, port = procs.serve(limits={"flood_burst": BURST, "flood_rate_per_s": RATE})
    flooder, talker, witness = (RawPeer(port, source=f"127.0.3.{i}") for i in (1, 2, 3))
    raw_peers.extend([flooder, talker, witness])
    for peer, name in ((flooder, "Déluge"), (talker, "Bavard"), (witness, "Témoin")):
        assert peer.hello(name)["type"] == "welcome"

    flood_ids = [f"flood{i:04d}" for i in range(COUNT)]
    blob = b"".join(obj_frame({"type": "say", "id": i, "text": f"spam {i}"}) for i in flood_ids)
    # The whole flood in one sendall: it blocks once the kernel buffers are full, which is
    # exactly how a paused reader slows a sender down.
    flood_started = time.monotonic()
    sender = threading.Thread(target=flooder.sock.sendall, args=(blob,), name="flooder")
    sender.start()

    sel = selectors.DefaultSelector()
    for peer in (flooder, talker, witness):
        peer.sock.setblocking(False)
        sel.register(peer.sock, selectors.EVENT_READ, peer)
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    acks: list[str] = []
    witnessed: list[str] = []
    last_ack_at = 0.0
    next_talk = time.monotonic()
    deadline = flood_started + 30
    try:
        while len(acks) < COUNT or len(witnessed) < COUNT or len(latencies) < len(sent_at):
            now = time.monotonic()
            assert now < deadline, f"acks {len(acks)}, witnessed {len(witnessed)}"
            if now >= next_talk and len(acks) < COUNT:
                msg_id = f"talk{len(sent_at)}"
                sent_at[msg_id] = now
                talker.sock.setblocking(True)
                talker.send({"type": "say", "id": msg_id, "text": f"coucou {now}"})
                talker.sock.setblocking(False)
                next_talk = now + TALK_EVERY_S
            for key, _ in sel.select(timeout=max(0.0, next_talk - time.monotonic())):
                peer = key.data
                frames = peer.read_ready()
                received = time.monotonic()
                assert not peer.closed, f"{peer} was dropped"
                for f in frames:
                    if peer is flooder and f["type"] == "ack":
                        acks.append(f["id"])
                        last_ack_at = received
                    elif peer is witness and f["type"] == "message":
                        if f["id"].startswith("flood"):
                            witnessed.append(f["id"])
                        elif f["id"] in sent_at:
                            latencies.append(received - sent_at[f["id"]])
    finally:
        sender.join(30)
        sel.close()
    assert not sender.is_alive()

    # Nothing lost, nothing doubled, in the flooder's own order.
    assert acks == flood_ids
    assert witnessed == flood_ids
    # Flood control engaged: past the burst, the flooder went at the configured rate.
    elapsed = last_ack_at - flood_started
    assert elapsed >= (COUNT - BURST) / RATE * 0.9, elapsed
    # The others did not wait for the flood.
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"flood: {elapsed=:.2f} s, {len(latencies)} samples, p99 {p99 * 1000:.1f} ms")
    assert len(latencies) >= 100 and p99 < 0.2, (p99, latencies[-5:])
    assert server.proc.poll() is None
