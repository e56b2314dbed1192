"""The built-in self-test, run from the source tree (tests/test_frozen.py runs it frozen)."""

import json
import subprocess
import sys

from tests import needs
from tests.cli import ROOT


# The self-test imports ttkbootstrap, and the assertions below want its window check to run.
@needs.window
def test_self_test_passes_and_writes_its_report(tmp_path):
    report = tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "messagerie",
            "--self-test",
            str(report),
            "--data-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["ok"] is True
    assert set(data["checks"]) == {
        "imports",
        "settings",
        "room",
        "notifications",
        "discovery",
        "window",
        "drag_and_drop",
    }
    room = data["checks"]["room"]["detail"]
    assert room["tls"] is True and room["private"] is True
    assert room["file_bytes"] > 3 * 1024 * 1024  # up and down, byte for byte
    assert data["checks"]["discovery"]["detail"]["fingerprint"] == "0123456789abcdef"
    if sys.platform.startswith("linux"):  # the notifications' fallback really ran
        assert data["checks"]["notifications"]["detail"]["fallback"]
    # pytest-xvfb gives the tests a display, so the window check really ran.
    assert "skipped" not in data["checks"]["window"]
    assert data["checks"]["drag_and_drop"]["detail"]["drops"] == "on"
