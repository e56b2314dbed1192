"""Flood control: a token bucket per participant.

Past the burst, the room stops reading from the sender until a token is back (see
`Peer._pause_reading`): the sender is slowed down, and none of its messages is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """`burst` tokens at most, refilled at `rate_per_s`; each message takes one."""

    def __init__(
        self, burst: int, rate_per_s: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = float(burst)
        self.rate_per_s = rate_per_s
        self._clock = clock
        self.tokens = self.burst
        self._at = clock()

    def take(self) -> bool:
        """Take a token for one message; False when the bucket ran dry (pause the sender)."""
        now = self._clock()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.rate_per_s)
        self._at = now
        self.tokens -= 1.0
        return self.tokens >= 0

    def wait_s(self) -> float:
        """How long until the bucket holds a whole token again."""
        return max(0.0, -self.tokens / self.rate_per_s)
