"""The reports: the machine a result was measured on, table rows, and the table as text.

Every command's JSON result has `bench`, `machine`, `rows` (figure, ours, ncat, ratio,
target, met) and `notes`; `format_table` turns that into the table that is printed.
"""

from __future__ import annotations

import os
import platform
import shutil
import ssl
import subprocess
from typing import Any


def machine_info() -> dict[str, Any]:
    """Cores, versions and platform; `ncat` is "" where ncat is not installed (`gui` runs)."""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "openssl": ssl.OPENSSL_VERSION,
        "ncat": _ncat_version(),
        "platform": platform.platform(),
    }


def _ncat_version() -> str:
    if shutil.which("ncat") is None:
        return ""
    ncat = subprocess.run(["ncat", "--version"], capture_output=True, text=True)
    return (ncat.stdout + ncat.stderr).strip().splitlines()[0] if ncat.returncode == 0 else ""


def row(figure: str, ours: Any, ncat: Any, target: str = "", *, higher_better=False, limit=None):
    """One table row. `limit` is the ratio bound of the target (<= unless higher_better)."""
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (ours, ncat))
    ratio = ours / ncat if numbers and ncat else None
    met = None
    if limit is not None and ratio is not None:
        met = ratio >= limit if higher_better else ratio <= limit
    return {
        "figure": figure,
        "ours": ours,
        "ncat": ncat,
        "ratio": ratio,
        "target": target,
        "met": met,
    }


def format_table(result: dict[str, Any]) -> str:
    """The human table of a room, scale, latency or gui result."""
    machine = result.get("machine") or {}
    title = f"{result['bench']}: {machine.get('cores')} cores, Python {machine.get('python')}, "
    title += f"{machine.get('openssl')}"
    return render_table(title, result["rows"], result["notes"])


def render_table(title: str, rows: list[dict[str, Any]], notes: list[str]) -> str:
    header = ["figure", "ours", "ncat", "ratio", "target", "met?"]
    lines = [
        [
            r["figure"],
            _fmt(r["ours"]),
            _fmt(r["ncat"]),
            _fmt(r["ratio"], ratio=True),
            r["target"],
            {True: "yes", False: "NO", None: ""}[r["met"]],
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [title, fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [fmt(line) for line in lines]
    out += [f"  {note}" for note in notes]
    return "\n".join(out)


def _fmt(value: Any, ratio: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if ratio:
            return f"{value:.2f}x"
        if value >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}" if value < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
