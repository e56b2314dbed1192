"""`scale`: 1,000 participants in one room (TLS): delivery, p99 latency, RSS per participant."""

from __future__ import annotations

from typing import Any

from bench.load import CLIENTS_PER_SOURCE
from bench.runs import run_load
from bench.servers import FLOOD_LIMITS, ours_available
from bench.tables import format_table, machine_info, row

__all__ = ["add_arguments", "format_table", "run"]


def add_arguments(parser) -> None:
    parser.add_argument("-n", "--participants", type=int, default=1000)
    parser.add_argument(
        "--spread",
        type=float,
        default=5.0,
        help="seconds over which the participants send (one each)",
    )
    parser.add_argument("--no-tls", action="store_true", help="plaintext (TLS is the default)")
    parser.add_argument("--workers", type=int, default=2)


def run(args) -> dict[str, Any]:
    n = args.participants
    tls = not args.no_tls
    report: dict[str, Any] = {"bench": "scale", "machine": machine_info(), "n": n, "tls": tls}
    notes = [
        f"{n} participants join one room ({'TLS' if tls else 'plaintext'}), then each sends "
        f"one message, spread evenly over {args.spread:g} s",
        "ncat runs with its defaults (it refuses connections past --max-conns 100)",
        f"our server: --limit {' --limit '.join(FLOOD_LIMITS)}; clients on 127.0.x.y, "
        f"{CLIENTS_PER_SOURCE} per address",
    ]
    why = ours_available(tls)
    ours = None
    if why:
        notes.append(f"our server unavailable ({why})")
    else:
        ours = run_load("ours", tls, n, 1, workers=args.workers, rate=n / args.spread)
        ours["rss_per_participant_kib"] = (
            (ours["rss_after_join"] - ours["rss_before"]) / max(1, ours["joined"]) / 1024
        )
    ncat = run_load("ncat", tls, n, 1, workers=args.workers, rate=n / args.spread, timeout=30.0)
    ncat["rss_per_participant_kib"] = (
        (ncat["rss_after_join"] - ncat["rss_before"]) / max(1, ncat["joined"]) / 1024
    )
    o = ours or {}
    rows = [
        row("participants connected", o.get("joined"), ncat["joined"], f"= {n}"),
        row(
            "connections refused or failed",
            sum(o.get("failed", {}).values()) if ours else None,
            sum(ncat["failed"].values()),
            "0",
        ),
        row("deliveries", o.get("deliveries"), ncat["deliveries"], f"= {n * (n - 1):,}"),
        row(
            "every message delivered to everyone",
            o.get("all_delivered"),
            ncat["all_delivered"],
            "yes",
        ),
        row("latency p50 ms", o.get("p50_ms"), ncat["p50_ms"]),
        row("latency p99 ms", o.get("p99_ms"), ncat["p99_ms"], "< 250 ms (ours)"),
        row(
            "server RSS KiB per participant",
            o.get("rss_per_participant_kib"),
            ncat["rss_per_participant_kib"],
            "<= 100 KiB (ours)",
        ),
        row("server CPU s", o.get("cpu_s"), ncat["cpu_s"]),
    ]
    if ours:
        rows[0]["met"] = ours["joined"] == n
        rows[2]["met"] = ours["deliveries"] == n * (n - 1)
        rows[3]["met"] = ours["all_delivered"]
        rows[5]["met"] = ours["p99_ms"] is not None and ours["p99_ms"] < 250
        rows[6]["met"] = ours["rss_per_participant_kib"] <= 100
    report.update(ours=ours, ncat=ncat, rows=rows, notes=notes)
    return report
