"""Fixtures of the discovery tests."""

from __future__ import annotations

import contextlib

import pytest

from tests.netns import Namespace, unavailable


@pytest.fixture
def netns():
    """Factory of namespaces, all deleted at the end; skips when they are not permitted."""
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    made: list[Namespace] = []

    def make() -> Namespace:
        ns = Namespace()
        made.append(ns)
        return ns

    yield make
    for ns in made:
        with contextlib.suppress(Exception):
            ns.close()
