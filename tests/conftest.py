"""Shared test helpers: event recorders that wait on conditions, sessions that always stop,
and a check that no test leaves a thread behind."""

from __future__ import annotations

import os

# The network rule: no test multicasts or broadcasts on this machine's real network cards.
# Discovery is off for this process and every process it starts; the discovery tests turn it
# back on only inside network namespaces they create (tests/netns.py).
os.environ["MESSAGERIE_DISCOVERY"] = "off"

import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from messagerie import i18n
from messagerie.limits import DEFAULT_LIMITS
from messagerie.net import events
from messagerie.net.session import HostSession, JoinSession, SessionConfig
from tests import needs
from tests.cli import Proc

WAIT_S = 15.0
FAST_LIMITS = dataclasses.replace(
    DEFAULT_LIMITS,
    reconnect_min_s=0.05,
    reconnect_max_s=0.3,
    flood_burst=10_000,
    flood_rate_per_s=10_000,
)


class Recorder:
    """Collects a session's events (called on the network thread) and waits for conditions."""

    def __init__(self) -> None:
        self.events: list[events.Event] = []
        self._cond = threading.Condition()
        # Callables run on each event, on the session's thread (to act at a precise moment).
        self.watchers: list[Callable[[events.Event], None]] = []

    def __call__(self, event: events.Event) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()
        for watch in self.watchers:
            watch(event)

    def wait_for(self, predicate: Callable[[list[events.Event]], object], timeout: float = WAIT_S):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate(self.events)
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; events so far: {self.events[-20:]}")
                self._cond.wait(remaining)

    def first(self, kind: type[events.Event], timeout: float = WAIT_S, **fields):
        def match(evs):
            for ev in evs:
                if isinstance(ev, kind) and all(getattr(ev, k) == v for k, v in fields.items()):
                    return ev
            return None

        return self.wait_for(match, timeout)

    def of(self, kind: type[events.Event]) -> list:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def texts(self) -> list[str]:
        return [e.text for e in self.of(events.MessageReceived)]


def pytest_configure(config):
    config.addinivalue_line("markers", "needs(tools=(), tk=False, window=False): tests/needs.py")


def pytest_collection_modifyitems(items):
    # The outside tools of tests/needs.py: a test that cannot run here says what to install.
    for item in items:
        for mark in item.iter_markers("needs"):
            if reason := needs.why_skip(mark):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def french():
    """Tests read French sentences, whatever the machine's locale."""
    previous = i18n.current_language()
    i18n.set_language("fr")
    yield
    i18n.set_language(previous)


@pytest.fixture(autouse=True)
def no_leftover_threads():
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra:
            return
        time.sleep(0.02)
    pytest.fail(f"threads left running: {extra}")


@pytest.fixture
def sessions(tmp_path: Path):
    """Factory for host and join sessions that are all stopped at the end of the test."""
    started: list = []
    counter = iter(range(1000))

    def host(*, tls: bool = False, limits=FAST_LIMITS, data_dir: Path | None = None, **kw):
        rec = Recorder()
        config = SessionConfig.hosting(
            host="127.0.0.1",
            port=kw.pop("port", 0),
            data_dir=data_dir or tmp_path / "host",
            limits=limits,
            tls=tls,
            **kw,
        )
        session = HostSession(config, rec)
        (data_dir or tmp_path / "host").mkdir(exist_ok=True)
        session.start()
        started.append(session)
        listening = rec.first(events.Listening)
        return session, rec, listening.port

    def join(
        port: int,
        name: str = "Client",
        *,
        tls: bool = False,
        limits=FAST_LIMITS,
        data_dir: Path | None = None,
        wait: bool = True,
        **kw,
    ):
        rec = Recorder()
        directory = data_dir or tmp_path / f"join{next(counter)}"
        directory.mkdir(exist_ok=True)
        config = SessionConfig.joining(
            host="127.0.0.1",
            port=port,
            name=name,
            data_dir=directory,
            limits=limits,
            tls=tls,
            **kw,
        )
        session = JoinSession(config, rec)
        session.start()
        started.append(session)
        if wait:
            rec.first(events.Connected)
        return session, rec

    yield host, join
    for session in reversed(started):
        session.stop()
        assert not session.running, f"{session} did not stop"


@pytest.fixture
def procs():
    """Factory for `python -m messagerie ...` subprocesses (tests.cli.Proc: --json by
    default), all killed and waited for at the end. The adversarial suite has its own."""
    started: list[Proc] = []

    def make(*args: str, **kw) -> Proc:
        proc = Proc(*args, **kw)
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.close()
        assert proc.proc.poll() is not None
