"""Smoke test of scripts/bench.py: every subcommand runs at a tiny size and its --json output
has every field (not the timings), so that the benchmark cannot rot. ncat is really run (CI
installs it); without it, the comparisons are skipped, naming the package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import needs

# The benchmarks read /proc, start Xvfb and compare with Debian's ncat: Linux only.
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the benchmarks need Linux (/proc, Xvfb, ncat)"
)

ROOT = Path(__file__).resolve().parent.parent
ROW_KEYS = {"figure", "ours", "ncat", "ratio", "target", "met"}
RUN_KEYS = {
    "deliveries",
    "expected_deliveries",
    "all_delivered",
    "cpu_s",
    "cpu_s_per_100k",
    "deliveries_per_s",
    "p50_ms",
    "p99_ms",
    "joined",
    "rss_before",
    "rss_after_join",
}


def bench(*args: str, timeout: float = 240.0) -> dict:
    # The running interpreter is the project's venv one: bench.py does not re-execute.
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert {"bench", "machine", "rows", "notes"} <= report.keys()
    assert {"cores", "python", "openssl", "ncat"} <= report["machine"].keys()
    for row in report["rows"]:
        assert row.keys() == ROW_KEYS
    return report


@needs.tool("ncat")
def test_room():
    report = bench("room", "--config", "3x5", "--pairs", "1")
    assert report["unavailable"] == {}
    assert [(c["variant"], c["n"], c["m"]) for c in report["configs"]] == [
        ("plaintext", 3, 5),
        ("tls", 3, 5),
    ]
    for config in report["configs"]:
        for mode in ("paced", "burst"):
            for server in ("ours", "ncat"):
                summary = config[mode][server]
                assert summary["all_delivered"] is True, (mode, server, summary)
                assert summary["runs"][0].keys() >= RUN_KEYS
                assert summary["runs"][0]["deliveries"] == 3 * 2 * 5
    assert len(report["rows"]) == 2 * 8


@needs.tool("ncat")
def test_scale():
    report = bench("scale", "-n", "5", "--spread", "0.2")
    for server in ("ours", "ncat"):
        assert RUN_KEYS | {"rss_per_participant_kib"} <= report[server].keys()
        assert report[server]["all_delivered"] is True
    assert report["tls"] is True
    assert len(report["rows"]) == 8


@needs.tool("ncat")
def test_latency():
    report = bench("latency", "--messages", "6", "--pairs", "1")
    assert [v["variant"] for v in report["variants"]] == ["plaintext", "tls"]
    for variant in report["variants"]:
        for server in ("ours", "ncat", "floor"):
            assert {"p50_ms", "p99_ms", "received", "runs"} <= variant[server].keys()
            assert variant[server]["received"] == 6, (variant["variant"], server)
            assert variant[server]["runs"][0]["messages"] == 6
    assert len(report["rows"]) == 2 * 4


@needs.tool("ncat")
def test_files():
    report = bench("files", "--mib", "8", "--rounds", "1")
    assert len(report["rows"]) == 8
    raw = report["raw"]
    assert {"upload_s", "download_s", "chat_p99_ms", "peak_rss", "ncat_tls_s"} <= raw.keys()
    assert raw["chat_messages"] > 0 and raw["upload_cpu_s"] >= 0


# The window runs in its own process (scripts/bench/window.py), on this Python's tkinter.
@needs.window
@pytest.mark.timeout(180)
def test_gui():
    report = bench("gui", "--messages", "20", "--within", "0.2", "--timeout", "20")
    keys = {
        "available",
        "unavailable",
        "messages",
        "sent",
        "shown",
        "max_stall_ms",
        "time_to_last_shown_s",
        "rss_before",
        "rss_after",
        "rss_growth_mib",
    }
    assert keys <= report.keys()
    assert len(report["rows"]) == 6
    assert report["available"] is True, report["unavailable"]
    assert report["shown"] == 20
    assert report["max_stall_ms"] is not None
