"""Check 2: chaos. 5 participants send 2,000 messages each while connections are cut at random
every 1-3 s (a proxy between them and the room resets both sides). At the end every
participant holds all 10,000 messages exactly once, each sender's in its own order."""

from __future__ import annotations

import collections
import json
import os
import queue
import time

from tests.adversarial.chaos_proxy import ChaosProxy
from tests.adversarial.helpers import NO_FLOOD, assert_no_traceback

CLIENTS = 5
PER_CLIENT = 2_000
TOTAL = CLIENTS * PER_CLIENT
DEADLINE_S = 90
FEED_CHUNK = 100  # lines per client...
FEED_EVERY_S = 0.5  # ...every half second: 2,000 lines over 10 s
# Seconds between two cuts, drawn uniformly. CHAOS_EVERY_S=0.02,0.1 makes a storm (it found
# the newcomer bug fixed in Room.welcome far more often than the default does).
CHAOS_EVERY_S = tuple(float(x) for x in os.environ.get("CHAOS_EVERY_S", "1,3").split(","))


def test_chaos_every_message_exactly_once_in_each_senders_order(procs):
    server, port = procs.serve(limits=NO_FLOOD)
    with ChaosProxy(port, seed=6) as proxy:
        names = [f"C{i}" for i in range(CLIENTS)]
        clients = {name: procs.join(proxy.port, name) for name in names}
        started = time.monotonic()
        proxy.start_chaos(*CHAOS_EVERY_S)
        # People type over time: each client gets its lines in chunks, so that the sending
        # lasts several cut intervals (all at once, the 10,000 are through in 2 s, before the
        # first cut).
        fed = 0
        next_feed = time.monotonic()
        cuts_while_sending = 0

        seen: dict[str, dict[int, tuple[str, str]]] = {name: {} for name in names}
        shown = collections.Counter()  # (client, text) -> times printed
        acked: dict[str, set[str]] = {name: set() for name in names}
        reconnects = collections.Counter()
        tails = {name: collections.deque(maxlen=15) for name in names}
        deadline = started + DEADLINE_S
        while any(len(seen[n]) < TOTAL or len(acked[n]) < PER_CLIENT for n in names):
            if time.monotonic() > deadline:
                raise AssertionError(_stuck_report(names, seen, acked, tails))
            idle = True
            if fed < PER_CLIENT and time.monotonic() >= next_feed:
                chunk = range(fed, min(PER_CLIENT, fed + FEED_CHUNK))
                for name, proc in clients.items():
                    proc.proc.stdin.write("".join(f"{name} {i:04d}\n" for i in chunk))
                    proc.proc.stdin.flush()
                fed = chunk.stop
                next_feed += FEED_EVERY_S
                if fed == PER_CLIENT:
                    cuts_while_sending = proxy.cuts
            for name, proc in clients.items():
                for _ in range(2_000):
                    try:
                        line = proc.lines.get_nowait()
                    except queue.Empty:
                        break
                    idle = False
                    assert line is not None, f"{name} ended: {proc.stderr()}"
                    event = json.loads(line)
                    if event["event"] != "message":
                        tails[name].append(line)
                    kind = event["event"]
                    if kind == "message":
                        assert event["seq"] not in seen[name], f"{name}: seq twice"
                        seen[name][event["seq"]] = (event["from"], event["text"])
                        shown[name, event["text"]] += 1
                    elif kind == "acked":
                        acked[name].add(event["id"])
                    elif kind == "connected":
                        reconnects[name] += 1
                    elif kind == "error":
                        raise AssertionError(f"{name}: {event}")
            if idle:
                time.sleep(0.05)
        proxy.stop_chaos()
        elapsed = time.monotonic() - started
        cuts = proxy.cuts

    print(
        f"chaos: {TOTAL} messages, {cuts} cuts ({cuts_while_sending} while sending), "
        f"{elapsed:.1f} s, reconnects {dict(reconnects)}"
    )
    assert cuts_while_sending >= 3, "the chaos did not happen"
    expected = {f"{n} {i:04d}" for n in names for i in range(PER_CLIENT)}
    reference = [seen[names[0]][seq] for seq in sorted(seen[names[0]])]
    for name in names:
        ordered = [seen[name][seq] for seq in sorted(seen[name])]
        # Everyone holds the same history, in the same order, each message once.
        assert ordered == reference
        assert {text for _, text in ordered} == expected
        assert all(shown[name, text] == 1 for text in expected)
        for sender in names:
            own = [text for who, text in ordered if who == sender]
            assert own == [f"{sender} {i:04d}" for i in range(PER_CLIENT)]
    assert sorted(seen[names[0]]) == list(range(1, TOTAL + 1)), "sequence numbers have gaps"

    for proc in clients.values():
        assert proc.finish() == 0
        assert_no_traceback(proc)
    assert server.finish() == 0
    assert_no_traceback(server)


def _ranges(seqs) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for seq in sorted(seqs):
        if out and out[-1][1] == seq - 1:
            out[-1][1] = seq
        else:
            out.append([seq, seq])
    return [(a, b) for a, b in out]


def _stuck_report(names, seen, acked, tails) -> str:
    lines = ["timed out"]
    for name in names:
        lines.append(
            f"{name}: {len(seen[name])} messages in seq ranges {_ranges(seen[name])[:8]}, "
            f"{len(acked[name])} acked; last events: {list(tails[name])[-5:]}"
        )
    return "\n".join(lines)
