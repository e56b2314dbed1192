"""Fixtures of the adversarial suite; the helpers themselves are in helpers.py."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adversarial.helpers import Procs, RawPeer

# These tests use Linux facilities: SIGSTOP/SIGCONT, /proc for memory, chattr for a folder
# even root cannot write, and the whole 127.0.0.0/8 loopback range as source addresses.
# CI runs on Linux; the Windows and macOS builds run the rest of the suite.
LINUX_ONLY = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the adversarial suite needs Linux"
)


def pytest_collection_modifyitems(items):
    # Every test here is part of the default run (CI runs `pytest` with no selection); the
    # marker only lets a developer pick or skip the suite with -m.
    for item in items:
        if f"{os.sep}adversarial{os.sep}" in str(item.path):
            item.add_marker(pytest.mark.adversarial)
            item.add_marker(LINUX_ONLY)


def pytest_configure(config):
    config.addinivalue_line("markers", "adversarial: raw sockets, subprocesses, real signals")


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    """Factory of messagerie subprocesses, all killed and waited for at the end."""
    started = Procs(tmp_path)
    try:
        yield started
    finally:
        started.close()


@pytest.fixture
def raw_peers() -> Iterator[list[RawPeer]]:
    """A list the test appends its RawPeers to; all are closed at the end."""
    peers: list[RawPeer] = []
    try:
        yield peers
    finally:
        for peer in peers:
            peer.close()
