"""Check 3 and client-side liveness: a process frozen with SIGSTOP keeps its TCP connections
open but says nothing, the way a laptop with its lid closed does. The other side must notice
within the dead-peer time, and after SIGCONT everything must heal by itself."""

from __future__ import annotations

import collections
import json
import os
import signal
import time

from tests.adversarial.helpers import assert_no_traceback

PING_S = 0.5
DEAD_S = 1.5
# The sweeper runs every ping interval / 15, and a loaded CI machine adds its own delays.
SLACK_S = PING_S / 15 + 1.0
# Silence is counted from the peer's last word, not from SIGSTOP, and a live peer speaks at
# least once per ping interval: so "gone" may come up to one interval before DEAD_S.
EARLIEST_S = DEAD_S - PING_S - 0.05
LIVENESS = {"ping_interval_s": PING_S, "dead_peer_s": DEAD_S, "handshake_timeout_s": 2}


def _texts(proc) -> collections.Counter:
    out: collections.Counter = collections.Counter()
    for line in proc.seen:
        value = json.loads(line) if line.startswith("{") else None
        if value and value.get("event") == "message":
            out[value["text"]] += 1
    return out


def test_a_frozen_participant_is_declared_gone_then_catches_up(procs):
    server, port = procs.serve(limits=LIVENESS)
    frozen = procs.join(port, "Gelé", limits=LIVENESS)
    witness = procs.join(port, "Témoin", limits=LIVENESS)
    frozen.event("joined", name="Témoin")

    os.kill(frozen.proc.pid, signal.SIGSTOP)
    stopped_at = time.monotonic()
    try:
        left = server.event("left", name="Gelé", timeout=DEAD_S + 5)
        declared_after = time.monotonic() - stopped_at
        assert left["reason"] == "peer_timeout"
        assert EARLIEST_S <= declared_after <= DEAD_S + SLACK_S, declared_after
        assert witness.event("left", name="Gelé")["reason"] == "peer_timeout"
        missed = [f"pendant le gel {i}" for i in range(5)]
        for text in missed:
            witness.send(text)
            witness.event("acked")
    finally:
        os.kill(frozen.proc.pid, signal.SIGCONT)

    frozen.event("disconnected", timeout=5)
    assert frozen.event("connected", timeout=10)["reconnect"] is True
    witness.event("joined", name="Gelé")
    for text in missed:
        caught_up = frozen.event("message", text=text)
        assert caught_up.get("history") is True
    frozen.send("de retour")
    witness.event("message", text="de retour")
    assert all(_texts(frozen)[t] == 1 for t in missed)
    for proc in (frozen, witness):
        assert proc.finish() == 0
        assert_no_traceback(proc)
    assert server.finish() == 0


def test_a_frozen_host_is_declared_gone_by_its_participants_then_they_reconnect(procs):
    server, port = procs.serve(limits=LIVENESS)
    client = procs.join(port, "Patient", limits=LIVENESS)

    os.kill(server.proc.pid, signal.SIGSTOP)
    stopped_at = time.monotonic()
    try:
        gone = client.event("disconnected", timeout=DEAD_S + 5)
        declared_after = time.monotonic() - stopped_at
        assert gone["reason"] == "peer_timeout"
        # The client reads with a ping-interval timeout, so it notices between DEAD_S and
        # DEAD_S + one interval.
        assert EARLIEST_S <= declared_after <= DEAD_S + PING_S + SLACK_S, declared_after
        client.send("tapé pendant le gel")
        client.event("pending", text="tapé pendant le gel")
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)

    assert client.event("connected", timeout=10)["reconnect"] is True
    server.event("message", text="tapé pendant le gel")
    client.send("après")
    server.event("message", text="après")
    client.event("message", text="après")
    assert _texts(client)["tapé pendant le gel"] == 1
    assert client.finish() == 0
    assert_no_traceback(client)
    assert server.finish() == 0
    assert_no_traceback(server)
