"""Smoke test of `scripts/bench.py discovery` at a tiny size: it runs and reports every field."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.cli import ROOT


def test_the_discovery_bench_runs(netns):
    netns()  # skips where namespaces are not permitted; the bench makes its own
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "bench.py"),
            "discovery",
            "--runs",
            "1",
            "--rooms",
            "5",
            "--window",
            "1",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result["appearance"]) == {
        "runs",
        "median_s",
        "min_s",
        "max_s",
        "listening_median_s",
        "all_s",
    }
    assert 0 < result["appearance"]["median_s"] < 30
    assert result["cost"]["rooms"] == 5 and result["cost"]["rss_mib"] > 0
