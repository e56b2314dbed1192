"""The history widget and the bridge on a real Tk root: marks, trimming, batching."""

from __future__ import annotations

import gc
import threading
import time

import pytest
import ttkbootstrap as ttk

from messagerie.ui.bridge import EventBridge
from messagerie.ui.history import History
from tests.gui.conftest import pump_until


@pytest.fixture
def root():
    app = ttk.App(title="Messagerie")
    yield app
    app.destroy()
    gc.collect()  # on the Tk thread (see tests/gui/conftest.py)


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
    # Shared tags only: no tag per message.
    assert len(h.text.tag_names()) < 20


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
