"""`private`: private messages against room messages in one room of 1,000 (TLS), host CPU.

In the same run, alternating: every participant sends M room messages (each goes to the
N - 1 others), then every participant sends M private messages to the next one (each goes to
one). A room message's cost is spread over N - 1 deliveries and a private one's over one, so
the table gives the host's CPU per message and per delivery, and a third run, room messages in
a room of 2 (one delivery each, like a private message), as the reference for what a message
with a single recipient costs when nothing about it is private.
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.runs import run_load
from bench.servers import FLOOD_LIMITS, ours_available
from bench.tables import machine_info, render_table

__all__ = ["add_arguments", "format_table", "run"]


def add_arguments(parser) -> None:
    parser.add_argument("-n", "--participants", type=int, default=1000)
    parser.add_argument("-m", "--messages", type=int, default=5, help="per participant")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=1000.0, help="messages per second, all")
    parser.add_argument("--no-tls", action="store_true", help="plaintext (TLS is the default)")
    parser.add_argument("--workers", type=int, default=2)


def _per(run: dict[str, Any], messages: int) -> dict[str, Any]:
    deliveries = run["deliveries"]
    return {
        "cpu_s": run["cpu_s"],
        "all_delivered": run["all_delivered"],
        "us_per_message": run["cpu_s"] / messages * 1e6 if messages else None,
        "us_per_delivery": run["cpu_s"] / deliveries * 1e6 if deliveries else None,
        "p99_ms": run["p99_ms"],
    }


def run(args) -> dict[str, Any]:
    n, m, tls = args.participants, args.messages, not args.no_tls
    report: dict[str, Any] = {"bench": "private", "machine": machine_info(), "n": n, "m": m}
    why = ours_available(tls)
    if why:
        report.update(rows=[], notes=[f"our server unavailable ({why})"])
        return report
    runs: dict[str, list[dict[str, Any]]] = {"room": [], "private": [], "room of 2": []}
    # The room of 2 sends as many messages per participant as it takes to match the private
    # run's message count, at the same rate.
    pair_m = n * m // 2
    for _ in range(args.rounds):
        for label, size, count, private in (
            ("room", n, m, False),
            ("private", n, m, True),
            ("room of 2", 2, pair_m, False),
        ):
            result = run_load(
                "ours", tls, size, count, workers=args.workers, rate=args.rate, private=private
            )
            runs[label].append(_per(result, size * count))
    medians = {
        label: {
            key: statistics.median(r[key] for r in results if r[key] is not None)
            for key in ("us_per_message", "us_per_delivery", "p99_ms")
            if any(r[key] is not None for r in results)
        }
        for label, results in runs.items()
    }
    for label, results in runs.items():
        medians[label]["all_delivered"] = all(r["all_delivered"] for r in results)
    report["runs"], report["medians"] = runs, medians
    p, r, two = medians["private"], medians["room"], medians["room of 2"]
    rows = [
        _row("host CPU us per message", p, r, two, "us_per_message"),
        _row("host CPU us per delivery", p, r, two, "us_per_delivery"),
        _row("latency p99 ms", p, r, two, "p99_ms"),
        {"figure": "every message delivered", "ours": p["all_delivered"],
         "ncat": r["all_delivered"], "ratio": None, "target": "yes",
         "met": p["all_delivered"] and r["all_delivered"]},
    ]  # fmt: skip
    report["rows"] = rows
    report["notes"] = [
        f"{n} participants ({'TLS' if tls else 'plaintext'}), {m} messages each, "
        f"{args.rate:g} messages/s in all; medians of {args.rounds} alternating rounds",
        "columns: ours = private messages (each to the next participant), ncat = room "
        "messages in the same room (to the N - 1 others); ratio = private / room",
        "room of 2 (the reference for one recipient per message): "
        + ", ".join(f"{k} {v:.3g}" for k, v in two.items() if k != "all_delivered")
        + "; private / room of 2 per delivery: "
        + _ratio(p.get("us_per_delivery"), two.get("us_per_delivery")),
        f"our server: --limit {' --limit '.join(FLOOD_LIMITS)}",
    ]
    return report


def _row(figure: str, p: dict, r: dict, two: dict, key: str) -> dict[str, Any]:
    ours, room = p.get(key), r.get(key)
    ratio = ours / room if ours is not None and room else None
    return {"figure": figure, "ours": ours, "ncat": room, "ratio": ratio, "target": "",
            "met": None}  # fmt: skip


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "-"


def format_table(result: dict[str, Any]) -> str:
    machine = result.get("machine") or {}
    title = f"private: {machine.get('cores')} cores, Python {machine.get('python')}, "
    title += f"{machine.get('openssl')} (columns: ours = private, ncat = room messages)"
    return render_table(title, result["rows"], result["notes"])
