"""Desktop notifications without a window: where the system shows none, the fallback is told
once, never an exception (messagerie/ui/notify.py; the real daemon is in tests/gui)."""

from __future__ import annotations

import queue

import pytest
from desktop_notifier import main as notifier_main
from desktop_notifier.backends.dummy import DummyNotificationCenter

from messagerie.net.loop import NetworkThread
from messagerie.ui.notify import BODY_CHARS, DesktopNotices, NotificationsUnavailable, first_line


class Refused(DummyNotificationCenter):
    """A backend whose system refuses notification rights (an unsigned macOS bundle)."""

    async def request_authorisation(self) -> bool:
        return False


@pytest.fixture
def network():
    thread = NetworkThread(name="test-notify").start()
    yield thread
    thread.stop()
    assert not thread.running


@pytest.mark.parametrize(
    ("backend", "detail"),
    [
        (DummyNotificationCenter, "no notification service on this system"),
        (Refused, "notifications not authorised"),
    ],
)
def test_a_system_without_notifications_falls_back_once(network, monkeypatch, backend, detail):
    monkeypatch.setattr(notifier_main, "get_backend_class", lambda: backend)
    posted: queue.Queue = queue.Queue()
    notices = DesktopNotices(network, posted.put)
    assert notices.show("Bob", "salut") is True  # not known yet: asked on the network thread
    assert posted.get(timeout=10) == NotificationsUnavailable(detail)
    notices.show("Bob", "encore")  # before the Tk side has heard: tried, but not told twice
    # Two turns of the loop: the task of that second try has run its first (and only) step.
    network.call(lambda: network.call(lambda: posted.put("caught up")))
    assert posted.get(timeout=10) == "caught up"
    notices.given_up()
    assert notices.show("Bob", "rafale suivante") is False


def test_no_network_thread_means_no_notification(network):
    notices = DesktopNotices(network, lambda _e: None)
    network.stop()
    assert notices.show("Bob", "salut") is False


def test_the_body_is_the_first_line_cut_short():
    assert first_line("Salut !\nsecond") == "Salut !"
    assert first_line("\n  \n  après des lignes vides  \nx") == "après des lignes vides"
    long = first_line("x" * 1000)
    assert len(long) == BODY_CHARS and long.endswith("…")
    assert first_line("") == ""
