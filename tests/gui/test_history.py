"""The history widget and the bridge on a real Tk root: marks, trimming, batching."""

from __future__ import annotations

import threading
import time

from messagerie.ui.bridge import EventBridge
from messagerie.ui.history import History
from tests.gui.conftest import pump_until


def test_pending_line_is_completed_by_the_ack_even_with_emoji(root):
    h = History(root)
    h.widget.pack(fill="both", expand=True)
    ts = time.time()
    h.add_message("m0", "Client", "avant 😀😀", ts, own=False)
    h.add_pending("p1", "Serveur", "👩‍👩‍👧 salut 🇫🇷\nsur deux lignes 😀", ts)
    h.add_pending("p2", "Serveur", "deuxième 🎉", ts)
    assert h.content().count("envoi…") == 2
    h.acked("p1")
    lines = h.content().splitlines()
    assert lines[1].endswith("Serveur : 👩‍👩‍👧 salut 🇫🇷")
    assert lines[2] == "sur deux lignes 😀"
    assert lines[3].endswith("Serveur : deuxième 🎉  envoi…")
    assert not h.is_pending("p1")
    assert "pending-p1" not in h.text.mark_names()
    # The room's echo of p1 adds nothing; the echo of p2 completes it.
    assert h.add_message("p1", "Serveur", "x", ts, own=True) is False
    assert h.add_message("p2", "Serveur", "deuxième 🎉", ts, own=True) is False
    assert "envoi…" not in h.content()
    assert h.content().count("deuxième") == 1
    # A message shown once is not shown again (catch-up after a reconnect).
    assert h.add_message("m0", "Client", "avant 😀😀", ts, own=False) is False
    # Nothing of the pending look is left on the completed lines.
    assert h.text.tag_ranges("pending") == ()


def test_history_is_capped_and_trimmed_in_batches(root):
    h = History(root, max_lines=100)
    started = time.monotonic()
    h.begin()
    h.add_pending("early", "Moi", "vieux message en attente", 0)
    for i in range(3000):
        h.add_message(f"m{i}", "Client", f"message {i} 😀", 0, own=False)
    h.add_pending("late", "Moi", "récent", 0)
    h.end()
    assert time.monotonic() - started < 10
    assert h.line_count() <= 100 + 1
    assert "message 2999 😀" in h.content()
    assert "message 0 😀" not in h.content()
    # The trimmed pending line lost its mark; the recent one still completes.
    assert not h.is_pending("early")
    h.acked("early")  # harmless
    h.acked("late")
    assert "envoi…" not in h.content()
    # Shared tags only: no tag per message (the quote and mention looks made 18 into 20).
    assert len(h.text.tag_names()) < 24
    # One mark per message still shown, none for the lines trimmed away.
    ids = [m for m in h.text.mark_names() if m.startswith("msg-")]
    assert 0 < len(ids) <= 101 and "msg-m2999" in ids and "msg-m0" not in ids
    assert sorted(h._marked) == sorted(m[len("msg-") :] for m in ids)  # nothing kept for cut


def test_bridge_delivers_in_bounded_batches_on_the_tk_thread(root):
    batches: list[int] = []
    threads: set[str] = set()

    def handler(items):
        batches.append(len(items))
        threads.add(threading.current_thread().name)

    bridge = EventBridge(root, handler, interval_ms=10, batch=50)
    sink = bridge.sink("token")
    worker = threading.Thread(target=lambda: [sink(i) for i in range(420)])
    worker.start()
    worker.join()
    bridge.start()
    pump_until(root, lambda: sum(batches) == 420, what="all events")
    bridge.stop()
    assert max(batches) <= 50
    assert threads == {threading.main_thread().name}


def test_a_batch_is_one_insert_call_and_keeps_marks_and_emoji_right(root):
    h = History(root)
    h.widget.pack(fill="both", expand=True)
    calls = []
    real_insert = h.text.insert

    def counting_insert(*args):
        calls.append(len(args))
        return real_insert(*args)

    h.text.insert = counting_insert
    h.begin()
    for i in range(300):
        h.add_message(f"m{i}", "Client", f"n°{i} 😀👩‍👩‍👧", 0, own=False)
    h.add_system("système 🎉")
    h.end()
    assert len(calls) == 1  # 300 messages and a system line: one Tcl call
    # Pending and ack inside one batch, between buffered lines (the mark needs a flush).
    calls.clear()
    h.begin()
    h.add_message("a", "Client", "avant 🇫🇷", 0, own=False)
    h.add_pending("p", "Moi", "à moi 😀", 0)
    h.add_message("b", "Client", "pendant 😀", 0, own=False)
    h.acked("p")
    h.add_message("c", "Client", "après 😀", 0, own=False)
    h.end()
    lines = h.content().splitlines()
    assert lines[299].endswith("Client : n°299 😀👩‍👩‍👧")
    assert lines[300] == "système 🎉"
    assert lines[301].endswith("Client : avant 🇫🇷")
    assert lines[302].endswith("Moi : à moi 😀")
    assert lines[303].endswith("Client : pendant 😀")
    assert lines[304].endswith("Client : après 😀")
    assert "envoi…" not in h.content()
    assert h.text.tag_ranges("pending") == ()
    assert len(calls) == 3  # before the mark, before the ack, at the end


def test_bridge_tick_stops_at_its_time_budget_and_comes_back_soon(root):
    batches: list[int] = []

    def slow_handler(items):
        batches.append(len(items))
        time.sleep(0.01)

    bridge = EventBridge(root, slow_handler, interval_ms=500, batch=10, budget_ms=25)
    sink = bridge.sink("token")
    for i in range(200):
        sink(i)
    started = time.monotonic()
    bridge._tick()  # one tick by hand: it must give the event loop back after ~25 ms
    assert 1 <= len(batches) <= 4
    assert time.monotonic() - started < 0.2
    # The backlog is drained at once (1 ms ticks), not at the 500 ms idle interval.
    pump_until(root, lambda: sum(batches) == 200, timeout=3, what="the backlog")
    bridge.stop()
    assert max(batches) <= 10
