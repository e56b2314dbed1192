"""The MESSAGERIE_BENCH_STATS hook of the window (scripts/bench_gui.py reads its file)."""

from __future__ import annotations

import gc
import json
import time
from types import SimpleNamespace

import pytest
import ttkbootstrap as ttk

from messagerie.ui import bench_stats
from messagerie.ui.history import History
from tests.gui.conftest import pump_for


@pytest.fixture
def root():
    app = ttk.App(title="Messagerie")
    yield app
    app.destroy()
    gc.collect()  # on the Tk thread (see tests/gui/conftest.py)


def test_no_hook_without_the_variable(root, monkeypatch):
    monkeypatch.delenv(bench_stats.ENV, raising=False)
    assert bench_stats.from_env(root) is None
    assert History(root).on_shown is None


def test_hook_counts_shown_messages_records_stalls_and_writes_json(root, monkeypatch, tmp_path):
    path = tmp_path / "stats.json"
    monkeypatch.setenv(bench_stats.ENV, str(path))
    stats = bench_stats.from_env(root)
    h = History(root)
    stats.attach(SimpleNamespace(history=h))
    assert json.loads(path.read_text())["shown_count"] == 0  # written at once
    h.begin()
    for i in range(5):
        h.add_message(f"m{i}", "Client", f"{i} 😀", 0, own=False)
    h.add_message("m0", "Client", "0 😀", 0, own=False)  # a duplicate is not shown
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
    assert all(ms > bench_stats.KEEP_ABOVE_MS for _at, ms in data["stalls"])
    stats.close()
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
