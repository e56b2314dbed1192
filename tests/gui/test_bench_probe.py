"""The probe of `bench.py gui` (scripts/bench/probe.py), attached to a window from outside.

It lives under tests/gui because it drives real Tk; scripts/bench.py's own smoke test
(tests/test_bench.py::test_gui) runs it inside a real window process.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from messagerie.ui.history import History
from tests.gui.conftest import pump_for, pump_until

# scripts/ is not a package on the path: the bench package is found beside scripts/bench.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from bench import probe as probe_mod


def test_probe_waits_for_the_chat_counts_shown_messages_records_stalls(root, tmp_path):
    path = tmp_path / "stats.json"
    window = SimpleNamespace(chat=None)
    probe = probe_mod.Probe(root, path, lambda: window.chat)
    probe.start()
    pump_for(root, 0.1)
    assert not path.exists()  # no chat view yet: nothing measured, nothing written
    h = History(root)
    window.chat = SimpleNamespace(history=h)
    pump_until(root, path.exists, what="the first write once the chat is shown")
    assert json.loads(path.read_text())["shown_count"] == 0
    h.begin()
    for i in range(5):
        assert h.add_message(f"m{i}", "Client", f"{i} 😀", 0, own=False) is True
    assert h.add_message("m0", "Client", "0 😀", 0, own=False) is False  # a duplicate
    h.add_pending("p", "Moi", "à moi", 0)
    h.add_message("p", "Moi", "à moi", 0, own=True)  # the echo completes it, shows nothing
    h.end()
    pump_for(root, 0.1)
    root.after(0, lambda: time.sleep(0.08))  # an 80 ms stall of the event loop
    pump_for(root, 0.4)
    data = json.loads(path.read_text())
    assert set(data) == {"pid", "max_stall_ms", "stalls", "shown_count", "last_shown_at"}
    assert data["shown_count"] == 5
    assert data["last_shown_at"] <= time.monotonic()
    assert data["max_stall_ms"] >= 60
    assert any(ms >= 60 for _at, ms in data["stalls"])
    assert all(ms > probe_mod.KEEP_ABOVE_MS for _at, ms in data["stalls"])
    probe.close()
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_a_new_chat_view_is_counted_too(root, tmp_path):
    """Leaving and joining again shows a new chat view: the probe follows it."""
    path = tmp_path / "stats.json"
    window = SimpleNamespace(chat=SimpleNamespace(history=History(root)))
    probe = probe_mod.Probe(root, path, lambda: window.chat)
    probe.start()
    pump_until(root, path.exists, what="the first write")
    window.chat.history.add_message("a", "Client", "a", 0, own=False)
    window.chat = SimpleNamespace(history=History(root))
    pump_for(root, 0.05)
    window.chat.history.add_message("b", "Client", "b", 0, own=False)
    probe.close()
    assert json.loads(path.read_text())["shown_count"] == 2
