"""The few statistics the benchmarks report: percentiles, medians of runs, milliseconds."""

from __future__ import annotations

import statistics
from typing import Any


def percentile(values: list[float], q: float) -> float | None:
    """The value below which a fraction `q` of `values` lies (nearest rank), or None."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    """The median of `key` over the runs that have it, or None."""
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0
