"""`room`: fan-out against `ncat --chat`: server CPU per delivery, deliveries/s, latency.

Each configuration (N clients x M messages each) runs paced (the room offers a fixed number of
deliveries per second, each message in its own write) and in a burst (every client writes
its M messages at once), in alternating ours/ncat pairs; the medians are reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.load import CLIENTS_PER_SOURCE, TEXT_SIZE
from bench.profile import summarize_profile
from bench.runs import run_load
from bench.servers import FLOOD_LIMITS, ours_available
from bench.stats import median_of
from bench.tables import format_table, machine_info, row

__all__ = ["add_arguments", "format_table", "run"]

# The paced load: deliveries per second offered to the room. At this rate a
# one-write-per-message relay (ncat) costs about what NOTES.md measured (0.2 s / 100k).
OFFERED_DELIVERIES_PER_S = 400_000
ROOM_CONFIGS = ((50, 100), (200, 20))
TARGETS = {
    # (variant, n) -> CPU ratio target
    ("plaintext", 50): 0.5,
    ("plaintext", 200): 0.25,
    ("tls", 50): 0.5,
    ("tls", 200): 0.25,
}


def add_arguments(parser) -> None:
    parser.add_argument("--pairs", type=int, default=3, help="ours/ncat run pairs (median)")
    parser.add_argument(
        "--config",
        action="append",
        metavar="NxM",
        help="clients x messages each (default: 50x100 and 200x20)",
    )
    parser.add_argument("--variant", action="append", choices=("plaintext", "tls"))
    parser.add_argument(
        "--offered",
        type=float,
        default=OFFERED_DELIVERIES_PER_S,
        help="paced load, in deliveries per second offered to the room",
    )
    parser.add_argument("--no-burst", action="store_true", help="skip the burst runs")
    parser.add_argument("--workers", type=int, default=2, help="load generator processes")
    parser.add_argument("--text-size", type=int, default=TEXT_SIZE)
    parser.add_argument("--profile", type=Path, help="also profile one of our runs with py-spy")


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        key: median_of(runs, key)
        for key in ("cpu_s_per_100k", "deliveries_per_s", "p50_ms", "p99_ms", "duration_s")
    }
    out["all_delivered"] = all(r["all_delivered"] for r in runs)
    out["runs"] = runs
    return out


def run(args) -> dict[str, Any]:
    configs = [tuple(int(x) for x in c.lower().split("x")) for c in args.config or []]
    configs = configs or list(ROOM_CONFIGS)
    variants = args.variant or ["plaintext", "tls"]
    report: dict[str, Any] = {"bench": "room", "machine": machine_info(), "configs": []}
    rows: list[dict[str, Any]] = []
    notes = [
        f"paced: the room as a whole sends {args.offered:,.0f} / (N-1) messages per second "
        f"(= {args.offered:,.0f} deliveries/s offered), evenly spaced, each in its own write",
        "burst: every client writes its M messages at once (round robin); ncat then relays "
        "whole reads, so this is its best case",
        f"our server: --limit {' --limit '.join(FLOOD_LIMITS)} "
        "(flood control and the TLS handshake caps off; ncat has none)",
        f"clients bound to 127.0.x.y, {CLIENTS_PER_SOURCE} per address (our per-IP cap of 20 "
        "is untouched)",
        f"medians of {args.pairs} alternating ours/ncat pairs; server CPU = utime+stime from "
        "/proc/<pid>/stat; latency = send to receipt by another client (8 probe receivers)",
    ]
    unavailable: dict[str, str] = {}
    modes = [("paced", None)] if args.no_burst else [("paced", None), ("burst", 0.0)]
    for variant in variants:
        tls = variant == "tls"
        why = ours_available(tls)
        if why:
            unavailable[variant] = why
            notes.append(f"{variant}: our server unavailable ({why})")
            continue
        for n, m in configs:
            max_conns = n + 10 if n > 100 else None
            note = f"N={n}: ncat runs with --max-conns {max_conns} (its default is 100)"
            if max_conns and note not in notes:  # once, not once per variant
                notes.append(note)
            runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for _ in range(args.pairs):
                for mode, rate in modes:
                    rate = args.offered / max(1, n - 1) if rate is None else rate
                    for kind in ("ours", "ncat"):
                        result = run_load(
                            kind,
                            tls,
                            n,
                            m,
                            workers=args.workers,
                            text_size=args.text_size,
                            rate=rate,
                            max_conns=max_conns if kind == "ncat" else None,
                        )
                        runs.setdefault((mode, kind), []).append(result)
            label = f"{variant} N={n} M={m}"
            limit = TARGETS.get((variant, n), 0.5)
            entry: dict[str, Any] = {"variant": variant, "n": n, "m": m}
            for mode, _ in modes:
                entry[mode] = {kind: _summary(runs[(mode, kind)]) for kind in ("ours", "ncat")}
            o, c = entry["paced"]["ours"], entry["paced"]["ncat"]
            config_rows = [
                row(
                    f"{label}: server CPU s / 100k deliveries",
                    o["cpu_s_per_100k"],
                    c["cpu_s_per_100k"],
                    f"<= {limit}x",
                    limit=limit,
                ),
                row(
                    f"{label}: deliveries / s",
                    o["deliveries_per_s"],
                    c["deliveries_per_s"],
                    ">= 1.0x",
                    higher_better=True,
                    limit=1.0,
                ),
                row(f"{label}: latency p50 ms", o["p50_ms"], c["p50_ms"]),
                row(f"{label}: latency p99 ms", o["p99_ms"], c["p99_ms"]),
                row(f"{label}: every message delivered", o["all_delivered"], c["all_delivered"]),
            ]
            if "burst" in entry:
                bo, bc = entry["burst"]["ours"], entry["burst"]["ncat"]
                config_rows += [
                    row(
                        f"{label}: burst: server CPU s / 100k",
                        bo["cpu_s_per_100k"],
                        bc["cpu_s_per_100k"],
                    ),
                    row(
                        f"{label}: burst: deliveries / s",
                        bo["deliveries_per_s"],
                        bc["deliveries_per_s"],
                    ),
                    row(f"{label}: burst: latency p99 ms", bo["p99_ms"], bc["p99_ms"]),
                ]
            entry["rows"] = config_rows
            rows += config_rows
            report["configs"].append(entry)
    if args.profile and "plaintext" not in unavailable:
        n, m = configs[0]
        run_load(
            "ours",
            False,
            n,
            m,
            workers=args.workers,
            rate=args.offered / max(1, n - 1),
            profile=args.profile,
        )
        report["profile"] = {
            "file": str(args.profile),
            "config": f"paced plaintext N={n} M={m}",
            **summarize_profile(args.profile),
        }
    report["rows"] = rows
    report["notes"] = notes
    report["unavailable"] = unavailable
    return report
