"""Rate and time left of a transfer, from its progress reports (plain Python, no Tk).

The rate is measured over the last few seconds rather than since the start, so that a
transfer that resumed, or a network that slowed down, shows what is happening now.
"""

from __future__ import annotations

from collections import deque

from messagerie.i18n import tr

WINDOW_S = 3.0


class TransferMeter:
    """Feed it `(now, done)`; it tells bytes per second and seconds left."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._samples: deque[tuple[float, int]] = deque()

    def update(self, now: float, done: int, total: int) -> None:
        self.total, self.done = total, done
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[0][0] > WINDOW_S:
            self._samples.popleft()

    def rate(self) -> float | None:
        """Bytes per second over the window, or None before two reports."""
        if len(self._samples) < 2:
            return None
        (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        if t1 <= t0 or d1 < d0:
            return None
        return (d1 - d0) / (t1 - t0)

    def seconds_left(self) -> float | None:
        rate = self.rate()
        if not rate:
            return None
        return max(0.0, (self.total - self.done) / rate)


def format_duration(seconds: float) -> str:
    """ "12 s", "3 min 05 s", "1 h 20 min": how long a person waits, rounded up."""
    whole = int(seconds + 0.999)
    if whole < 60:
        return tr("gui.file.seconds", n=whole)
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return tr("gui.file.minutes", m=minutes, s=f"{secs:02d}")
    hours, minutes = divmod(minutes, 60)
    return tr("gui.file.hours", h=hours, m=f"{minutes:02d}")
