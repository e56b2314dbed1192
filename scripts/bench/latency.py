"""`latency`: 1,000 sequential messages between two clients, against ncat and the floor relay."""

from __future__ import annotations

from typing import Any

from bench.runs import run_sequential
from bench.servers import ours_available
from bench.stats import median_of
from bench.tables import format_table, machine_info, row

__all__ = ["add_arguments", "format_table", "run"]


def add_arguments(parser) -> None:
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=3, help="ours/ncat/floor run rounds (median)")
    parser.add_argument("--variant", action="append", choices=("plaintext", "tls"))


def run(args) -> dict[str, Any]:
    variants = args.variant or ["plaintext", "tls"]
    report: dict[str, Any] = {"bench": "latency", "machine": machine_info(), "variants": []}
    rows = []
    notes = [
        f"{args.messages} sequential messages, alternating between two clients; each is "
        f"sent when the previous one has arrived; medians of {args.pairs} rounds",
        "floor: scripts/bench/floor.py, a bare asyncio relay of our protocol that stores and "
        "checks nothing; its ratio is the part of ours that is Python and asyncio",
    ]
    for variant in variants:
        tls = variant == "tls"
        why = ours_available(tls)
        kinds = ("ncat", "floor") if why else ("ncat", "ours", "floor")
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
        for _ in range(args.pairs):
            for kind in kinds:
                runs[kind].append(run_sequential(kind, tls, args.messages))
        summary = {
            kind: {
                "p50_ms": median_of(runs[kind], "p50_ms"),
                "p99_ms": median_of(runs[kind], "p99_ms"),
                "received": min(r["received"] for r in runs[kind]),
                "runs": runs[kind],
            }
            for kind in kinds
        }
        if why:
            notes.append(f"{variant}: our server unavailable ({why})")
        o, ncat, floor = summary.get("ours", {}), summary["ncat"], summary["floor"]
        rows += [
            row(
                f"{variant}: latency p50 ms", o.get("p50_ms"), ncat["p50_ms"], "<= 1.2x", limit=1.2
            ),
            row(f"{variant}: latency p99 ms", o.get("p99_ms"), ncat["p99_ms"]),
            row(
                f"{variant}: messages received",
                o.get("received"),
                ncat["received"],
                f"= {args.messages}",
            ),
            row(f"{variant}: floor latency p50 ms", floor["p50_ms"], ncat["p50_ms"]),
        ]
        report["variants"].append({"variant": variant, **summary})
    report.update(rows=rows, notes=notes)
    return report
