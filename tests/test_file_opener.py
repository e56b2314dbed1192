"""Opening received files (ui/opener.py) and the transfer meter, without Tk or a real opener."""

from __future__ import annotations

import os

import pytest

from messagerie import i18n
from messagerie.ui.opener import FileOpener, folder_command, is_risky, open_command
from messagerie.ui.transfer_meter import TransferMeter, format_duration


@pytest.mark.parametrize(
    "name",
    ["setup.exe", "run.BAT", "a.cmd", "x.com", "p.msi", "s.ps1", "v.vbs", "j.js", "app.jar",
     "go.sh", "Safari.app", "tool.py", "screen.scr", "raccourci.lnk", "photo.jpg.exe",
     "archive.sh.txt"],
)  # fmt: skip
def test_programs_and_scripts_are_risky_by_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"x")
    assert is_risky(path)


def test_documents_are_not_risky_unless_executable(tmp_path):
    doc = tmp_path / "rapport.pdf"
    doc.write_bytes(b"%PDF")
    os.chmod(doc, 0o644)
    assert not is_risky(doc)
    os.chmod(doc, 0o755)  # an executable bit makes it a program on Linux and macOS
    assert is_risky(doc)


def test_the_opener_never_runs_a_risky_file_and_shows_its_folder(tmp_path):
    ran = []
    opener = FileOpener(run=ran.append)
    script = tmp_path / "installer.sh"
    script.write_bytes(b"#!/bin/sh\n")
    assert opener.open(script) is False
    assert ran == [folder_command(script)]
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"png")
    assert opener.open(photo) is True
    assert ran[-1] == open_command(photo)


def test_commands_per_system(tmp_path):
    path = tmp_path / "a b.txt"
    assert open_command(path, "win32") == ["startfile", str(path)]
    assert open_command(path, "darwin") == ["open", str(path)]
    assert open_command(path, "linux") == ["xdg-open", str(path)]
    assert folder_command(path, "win32") == ["explorer", f"/select,{path}"]
    assert folder_command(path, "darwin") == ["open", "-R", str(path)]
    assert folder_command(path, "linux") == ["xdg-open", str(tmp_path)]


def test_the_meter_measures_the_last_seconds_and_the_time_left():
    meter = TransferMeter(100_000_000)
    meter.update(0.0, 0, 100_000_000)
    assert meter.rate() is None and meter.seconds_left() is None
    meter.update(1.0, 10_000_000, 100_000_000)
    assert meter.rate() == 10_000_000
    assert meter.seconds_left() == 9.0
    # A slower network later: after the window, only the recent pace counts.
    for t in range(2, 12):
        meter.update(float(t), 10_000_000 + (t - 1) * 1_000_000, 100_000_000)
    assert meter.rate() == pytest.approx(1_000_000)


def test_durations_read_like_a_person_would_say_them():
    i18n.set_language("fr")
    try:
        assert format_duration(0.2) == "1 s"
        assert format_duration(59) == "59 s"
        assert format_duration(185) == "3 min 05 s"
        assert format_duration(4800) == "1 h 20 min"
    finally:
        i18n.set_language(None)
