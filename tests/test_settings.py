"""Settings: round trip, damaged files, unknown keys, wrong types, unwritable folders."""

from __future__ import annotations

import json

import pytest

from messagerie.errors import StorageError
from messagerie.store import settings
from messagerie.store.settings import Settings
from messagerie.wording import sentence


def test_defaults_when_no_file(tmp_path):
    loaded = settings.load(tmp_path)
    assert loaded.settings == Settings()
    assert loaded.damaged is None
    assert loaded.settings.host_ip == "0.0.0.0"
    assert loaded.settings.host_port == 5566


def test_round_trip(tmp_path):
    s = Settings(
        name="Zoé 😀",
        last_mode="join",
        host_ip="192.168.1.23",
        host_port=6000,
        join_ip="fe80::1",
        join_port=6001,
        theme="dark",
        language="en",
        remember_password=True,
    )
    settings.save(s, tmp_path)
    data = json.loads((tmp_path / "settings.json").read_text("utf-8"))
    assert data["version"] == settings.SETTINGS_VERSION
    loaded = settings.load(tmp_path)
    assert loaded.settings == s
    assert loaded.damaged is None
    # Nothing but the file itself is left in the folder (no temporary files).
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2]", b""])
def test_damaged_file_is_set_aside_and_defaults_used(tmp_path, content):
    (tmp_path / "settings.json").write_bytes(content)
    loaded = settings.load(tmp_path)
    assert loaded.settings == Settings()
    assert loaded.damaged is not None
    assert loaded.damaged.name.startswith("settings.json.corrupt-")
    assert loaded.damaged.read_bytes() == content
    assert not (tmp_path / "settings.json").exists()
    # The next save works and the next load is clean.
    settings.save(Settings(name="Ana"), tmp_path)
    assert settings.load(tmp_path).settings.name == "Ana"


def test_unknown_and_old_keys_are_ignored(tmp_path):
    data = {"version": 0, "name": "Léa", "window_geometry": "800x600", "old_field": [1]}
    (tmp_path / "settings.json").write_text(json.dumps(data), "utf-8")
    loaded = settings.load(tmp_path)
    assert loaded.damaged is None
    assert loaded.settings.name == "Léa"
    assert loaded.settings.version == settings.SETTINGS_VERSION


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("host_port", "5566"),
        ("host_port", 0),
        ("join_port", 70000),
        ("join_port", True),
        ("name", 42),
        ("theme", "purple"),
        ("language", "de"),
        ("last_mode", "spy"),
        ("remember_password", "yes"),
        ("join_ip", None),
    ],
)
def test_wrong_values_fall_back_to_the_field_default(tmp_path, key, value):
    data = {"name": "Max", key: value}
    if key == "name":
        data = {key: value, "theme": "dark"}
    (tmp_path / "settings.json").write_text(json.dumps(data), "utf-8")
    loaded = settings.load(tmp_path).settings
    assert getattr(loaded, key) == getattr(Settings(), key)
    # The other, good values are kept.
    if key == "name":
        assert loaded.theme == "dark"
    else:
        assert loaded.name == "Max"


def test_unwritable_folder_gives_a_clear_error(tmp_path):
    # A regular file where the folder should be: works even when the tests run as root,
    # unlike chmod.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StorageError) as info:
        settings.save(Settings(), blocker / "sub")
    assert info.value.code == "storage"
    assert "not-a-folder" in sentence(info.value.code, info.value.details)


def test_unreadable_file_gives_defaults(tmp_path):
    # A folder named settings.json cannot be read as a file.
    (tmp_path / "settings.json").mkdir()
    loaded = settings.load(tmp_path)
    assert loaded.settings == Settings()
    assert loaded.damaged is not None
