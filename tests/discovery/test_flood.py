"""1,000 forged announcements per second: the consumer stays responsive and bounded."""

from __future__ import annotations

import json
import subprocess
import sys

from messagerie.net.discovery import MAX_ROOMS, TICK_S
from tests.cli import ROOT
from tests.discovery.test_netns import serve

RATE = 1000
FLOOD_S = 6.0


def test_a_flood_of_forged_rooms_is_capped_coalesced_and_keeps_the_real_room(netns, tmp_path):
    ns = netns()
    host = serve(ns, "lo", tmp_path / "host", "--name", "Vraie salle")
    consumer = flooder = None
    try:
        host.event("listening")
        consumer = subprocess.Popen(
            ns.exec(
                sys.executable,
                str(ROOT / "tests" / "discovery" / "consume.py"),
                "--seconds",
                str(FLOOD_S + 8),
                "--watch-for",
                "Vraie salle",
            ),
            stdout=subprocess.PIPE,
            text=True,
        )
        # Wait until the real room is listed, then flood.
        before = None
        for line in consumer.stdout:
            report = json.loads(line)
            if report["watched"]:
                before = report
                break
        assert before is not None, "the real room was never listed"
        flooder = subprocess.Popen(
            ns.exec(
                sys.executable,
                str(ROOT / "tests" / "discovery" / "flood.py"),
                "--rate",
                str(RATE),
                "--seconds",
                str(FLOOD_S),
            ),
            stdout=subprocess.PIPE,
            text=True,
        )
        during = [json.loads(line) for line in consumer.stdout]
        sent = json.loads(flooder.communicate(timeout=30)[0])["sent"]
    finally:
        host.close()
        for proc in (consumer, flooder):
            if proc is not None:
                proc.kill()
                proc.wait(10)
    assert consumer.returncode is not None and flooder.returncode is not None
    assert sent >= 0.9 * RATE * FLOOD_S  # the flood really happened
    assert max(r["rooms"] for r in during) == MAX_ROOMS  # it filled the list, to the cap
    # The real room stays listed. A responder flooded at 1,000 forged names a second can miss
    # the browser's direct questions a few times in a row, and the room may then blink out of
    # the list for a second before it is confirmed again (seen once in four runs here).
    watched = [r["watched"] for r in during]
    assert sum(watched) >= 0.8 * len(watched), during
    # Callbacks are coalesced: at most one per tick, however many announcements arrive.
    seconds = during[-1]["t"] - before["t"]
    assert during[-1]["calls"] - before["calls"] <= seconds / TICK_S + 1
    # The consumer's own thread was never frozen, and memory stopped growing at a bound.
    assert max(r["late_ms"] for r in during) < 500
    assert during[-1]["rss_kb"] - before["rss_kb"] < 64 * 1024
    assert during[-1]["rss_kb"] - during[-3]["rss_kb"] < 4 * 1024
