"""Client-side reconnect: backoff with jitter between reconnect_min_s and reconnect_max_s, reset
after each successful connection, and no message lost by a connection that broke early."""

from __future__ import annotations

import dataclasses
import statistics
import threading

from messagerie.limits import DEFAULT_LIMITS
from messagerie.net import events
from messagerie.net.client import RoomClient
from messagerie.store.outbox import Outbox

MIN_S, MAX_S = 1.0, 8.0


def _client(min_s: float = MIN_S, max_s: float = MAX_S) -> RoomClient:
    limits = dataclasses.replace(DEFAULT_LIMITS, reconnect_min_s=min_s, reconnect_max_s=max_s)
    return RoomClient(
        host="127.0.0.1",
        port=9,
        name="Essai",
        limits=limits,
        outbox=Outbox(None, room="test"),
        on_event=lambda e: None,
    )


def test_backoff_grows_exponentially_within_bounds_with_jitter():
    client = _client()
    for failures in range(12):
        ceiling = min(MAX_S, MIN_S * 2 ** (failures + 1))
        draws = [client._backoff(failures) for _ in range(400)]
        assert all(MIN_S <= d <= ceiling for d in draws), (failures, min(draws), max(draws))
        # Jitter: spread over the whole interval, not a fixed value.
        assert max(draws) - min(draws) > 0.8 * (ceiling - MIN_S)
        assert abs(statistics.mean(draws) - (MIN_S + ceiling) / 2) < 0.15 * ceiling
    # Even the first retry is jittered: after a host restart, all participants come back at
    # different moments instead of together.
    assert len({round(client._backoff(0), 3) for _ in range(50)}) > 10


def test_reconnect_delays_are_jittered_across_clients_and_reset_after_a_success(procs, tmp_path):
    limits = {"reconnect_min_s": 0.3, "reconnect_max_s": 3.0}
    data = tmp_path / "server"
    server, port = procs.serve(data_dir=data)
    clients = [procs.join(port, f"P{i}", limits=limits) for i in range(5)]

    def first_delays() -> list[float]:
        return [c.event("reconnecting")["delay_s"] for c in clients]

    server.proc.kill()
    server.proc.wait(5)
    delays = first_delays()
    assert all(0.3 - 0.05 <= d <= 0.6 + 0.05 for d in delays), delays
    # Let P0 fail a few times: its delays may grow, never past the bounds.
    more = [clients[0].event("reconnecting", timeout=10)["delay_s"] for _ in range(3)]
    assert all(0.3 - 0.05 <= d <= 3.0 + 0.05 for d in more), more
    assert max(more) <= 0.3 * 2**4 + 0.05

    server, _ = procs.serve(data_dir=data, port=port)
    for c in clients:
        c.event("connected", timeout=10)
    server.proc.kill()
    server.proc.wait(5)
    # After a successful connection, the backoff starts again from the bottom.
    again = first_delays()
    assert all(0.3 - 0.05 <= d <= 0.6 + 0.05 for d in again), again
    assert len(set(delays + again)) > 1, "no jitter at all"


def test_a_first_connection_lost_before_any_message_still_gets_everything(sessions):
    """Regression (found by the chaos test): a client whose first connection broke before it
    received any message came back with last_seq 0, was taken for a newcomer, and got only
    the last 100 messages: everything posted in between was silently lost for it."""
    host, join = sessions
    server, host_rec, port = host()
    _client, rec = join(port, "Fragile")
    host_rec.first(events.Joined, name="Fragile")
    posted = [f"m{i}" for i in range(150)]
    done = threading.Event()

    def cut_then_post() -> None:
        # In one loop callback: the client's connection dies, then 150 messages arrive
        # while it is away. It has seen nothing yet, so it reconnects with last_seq 0.
        for participant in list(server.room.participants):
            participant.transport.abort()
        for text in posted:
            server.room.post(f"id-{text}", server.config.name, text, sender=None)
        done.set()

    server._call(cut_then_post)
    assert done.wait(5)
    rec.first(events.Disconnected)
    rec.wait_for(lambda evs: len([e for e in evs if isinstance(e, events.MessageReceived)]) >= 150)
    assert rec.texts() == posted
