"""What the app remembers between runs: the last name, addresses, theme and language.

Settings are a small dataclass stored as JSON in `settings.json` inside the data folder
(`storage.data_dir()`: --data-dir, MESSAGERIE_HOME, or the platform's per-user config folder).
Reading is forgiving on purpose: a person must never be locked out of the app by a damaged
settings file. A file that cannot be parsed is moved aside with `storage.quarantine()` and the
app starts on defaults; unknown keys (from a newer or older version) are ignored; a value of
the wrong type falls back to that field's default. Writing is atomic (`storage.atomic_write`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from messagerie.errors import StorageError
from messagerie.limits import DEFAULT_PORT
from messagerie.store.files import atomic_write, quarantine

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"
SETTINGS_VERSION = 1
MODES = ("host", "join")
THEMES = ("light", "dark")
LANGUAGES = ("fr", "en")


@dataclass
class Settings:
    """Everything the start view and the window remember. `language` None = the system's."""

    version: int = SETTINGS_VERSION
    name: str = ""
    last_mode: str = "host"
    host_ip: str = "0.0.0.0"
    host_port: int = DEFAULT_PORT
    join_ip: str = ""
    join_port: int = DEFAULT_PORT
    theme: str = "light"
    language: str | None = None
    remember_password: bool = False
    # Desktop notifications when a message arrives and the window is not focused.
    notifications: bool = True
    # Where received files go; empty: the user's Downloads folder.
    download_dir: str = ""


@dataclass
class Loaded:
    """The result of `load()`: the settings, and a warning for people when the file was bad."""

    settings: Settings
    # The path the damaged file was moved to (or the unreadable file itself), else None.
    damaged: Path | None = None


# Each field's accepted values beyond its type, so that a hand-edited file with, say,
# "theme": "purple" gives the default instead of a broken window.
_CHOICES: dict[str, tuple[Any, ...]] = {
    "last_mode": MODES,
    "theme": THEMES,
    "language": (None, *LANGUAGES),
}


def settings_path(directory: Path) -> Path:
    return Path(directory) / FILE_NAME


def _valid(name: str, value: Any, default: Any) -> bool:
    if name in _CHOICES:
        return value in _CHOICES[name]
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        # bool is a subclass of int; a port of `true` is not a port.
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        return not name.endswith("_port") or 1 <= value <= 65535
    if isinstance(default, str):
        return isinstance(value, str) and len(value) <= 1000
    return False


def from_dict(data: dict[str, Any]) -> Settings:
    """Build Settings from parsed JSON, keeping only known keys with sensible values."""
    defaults = Settings()
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name == "version" or f.name not in data:
            continue
        value = data[f.name]
        if _valid(f.name, value, getattr(defaults, f.name)):
            values[f.name] = value
        else:
            log.warning("settings: ignoring bad value for %s: %r", f.name, value)
    return Settings(**values)


def load(directory: Path) -> Loaded:
    """Read the settings in `directory`. Never raises: a bad file gives defaults."""
    path = settings_path(directory)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Loaded(Settings())
    except OSError:
        log.exception("cannot read %s", path)
        return Loaded(Settings(), damaged=path)
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (UnicodeDecodeError, ValueError):
        log.warning("settings file %s is damaged", path, exc_info=True)
        moved = quarantine(path)
        return Loaded(Settings(), damaged=moved or path)
    return Loaded(from_dict(data))


def save(settings: Settings, directory: Path) -> None:
    """Write the settings atomically. Raises StorageError (with a sentence) on failure."""
    settings.version = SETTINGS_VERSION
    data = json.dumps(asdict(settings), ensure_ascii=False, indent=2, sort_keys=True)
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError("storage", path=str(directory), detail=exc.strerror or str(exc)) from exc
    atomic_write(settings_path(directory), (data + "\n").encode("utf-8"))
