"""Check 1: the host crashes (SIGKILL) right after acknowledging a message. Restarted on the
same port and data dir, it still has that message; the participants reconnect by themselves,
and what was typed while it was down is delivered exactly once."""

from __future__ import annotations

import collections
import json

from tests.adversarial.helpers import assert_no_traceback


def _messages(proc, until_text: str) -> list[dict]:
    """Every `message` event the process printed, up to the one with `until_text`."""
    proc.event("message", text=until_text, timeout=20)
    out = []
    for line in proc.seen:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and value.get("event") == "message":
            out.append(value)
    return out


def test_sigkill_after_ack_loses_nothing_and_duplicates_nothing(procs, tmp_path):
    data = tmp_path / "server"
    server, port = procs.serve(data_dir=data)
    ana = procs.join(port, "Ana")
    bob = procs.join(port, "Bob")

    ana.send("M avant le crash")
    msg_id = ana.event("pending", text="M avant le crash")["id"]
    ana.event("acked", id=msg_id)
    server.proc.kill()  # SIGKILL: no bye, no close, no flush beyond what was committed
    server.proc.wait(5)

    assert ana.event("disconnected")["reason"] == "connection_lost"
    bob.event("disconnected")
    typed = [f"pendant la panne {i}" for i in range(3)]
    for text in typed:
        ana.send(text)
        ana.event("pending", text=text)
    bob.send("Bob aussi")
    bob.event("pending", text="Bob aussi")

    restarted, same_port = procs.serve(data_dir=data, port=port)
    assert same_port == port
    assert ana.event("connected", timeout=10)["reconnect"] is True
    assert bob.event("connected", timeout=10)["reconnect"] is True
    for text in typed:
        restarted.event("message", text=text)

    # A newcomer's history has everything, once, in Ana's order.
    carl = procs.join(port, "Carl")
    carl.send("témoin final")
    expected = ["M avant le crash", *typed, "Bob aussi", "témoin final"]
    seen = {proc: _messages(proc, "témoin final") for proc in (carl, ana, bob)}
    for proc, got in seen.items():
        counts = collections.Counter(m["text"] for m in got)
        assert all(counts[t] == 1 for t in expected), (proc, counts)
        assert len({m["seq"] for m in got}) == len(got), "a sequence number shown twice"
        ana_order = [m["text"] for m in got if m["text"] in typed]
        assert ana_order == typed
    # The message acknowledged before the crash kept its sequence number.
    first = seen[carl][0]
    assert first["id"] == msg_id and first["seq"] == 1 and first.get("history") is True

    for proc in (ana, bob, carl):
        assert proc.finish() == 0
        assert_no_traceback(proc)
    assert restarted.finish() == 0
    assert_no_traceback(restarted)
