"""The decisions behind the views, as plain functions and small classes (no Tk here).

Like idlelib's `entry_ok`, each function takes what the person typed and returns either the
values to use or the sentences to show next to the fields. Tests call them without a display.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from messagerie.i18n import tr
from messagerie.limits import DEFAULT_CLIENT_NAME, DEFAULT_HOST_NAME
from messagerie.store.settings import Settings
from messagerie.validators import split_host_port, validate_host, validate_name, validate_port
from messagerie.wording import sentence

# A burst of messages rings the bell once: a message arriving within this many seconds of
# the previous unread one belongs to the same burst.
BURST_GAP_S = 10.0


@dataclass
class FormResult:
    """What a start-view panel produced: values when `ok`, else one sentence per bad field."""

    name: str | None = None
    host: str | None = None
    port: int | None = None
    password: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_host_form(name: str, host: str, port: str, password: str = "") -> FormResult:
    """Check the "Héberger" panel. An empty name becomes DEFAULT_HOST_NAME ("Serveur")."""
    return _check(name, host, port, password, DEFAULT_HOST_NAME, allow_host_port=False)


def check_join_form(name: str, host: str, port: str, password: str = "") -> FormResult:
    """Check the "Rejoindre" panel. A port typed in the address is the one used.

    The view keeps the port field in agreement with it (`embedded_port`, `with_port`); should
    the two still differ, as in `messagerie join HOST:PORT`, the address's port wins.
    """
    return _check(name, host, port, password, DEFAULT_CLIENT_NAME, allow_host_port=True)


def embedded_port(address: str) -> str | None:
    """The port typed in an address ("192.168.1.23:5567" gives "5567"), or None."""
    return split_host_port(address)[1]


def with_port(address: str, port: str) -> str:
    """`address` with the port typed in it replaced by `port`; one without a port is kept.

    The join panel keeps its address and port fields in agreement with this and
    `embedded_port`, so that the port used is always the one both fields show.
    """
    host, embedded = split_host_port(address)
    return address if embedded is None else f"{host}:{port.strip()}"


def _check(
    name: str, host: str, port: str, password: str, default_name: str, *, allow_host_port: bool
) -> FormResult:
    result = FormResult(password=password or None)
    result.name, error = validate_name(name, default=default_name)
    if error:
        result.errors["name"] = error
    port_text: str | int = port
    if allow_host_port:
        host, embedded_port = split_host_port(host)
        if embedded_port is not None:
            port_text = embedded_port
    result.host, error = validate_host(host)
    if error:
        result.errors["ip"] = error
    result.port, error = validate_port(port_text)
    if error:
        result.errors["port"] = error
    return result


def direct_launch_form(
    kind: str,
    settings: Settings,
    *,
    host: str | None,
    port: int | None,
    name: str | None,
    password: str | None,
) -> FormResult:
    """Values for `messagerie serve|join` in the GUI: what was given, else what is remembered.

    Port 0 ("pick a free port") is allowed here, unlike in the start view's field.
    """
    if host is None:
        host = settings.host_ip if kind == "host" else settings.join_ip
    if port is None:
        port = settings.host_port if kind == "host" else settings.join_port
    if name is None:
        name = settings.name
    check = check_host_form if kind == "host" else check_join_form
    result = check(name, host, str(port or 1), password or "")
    if port == 0 and "port" not in result.errors:
        result.port = 0
    return result


# Which field of the start view a core failure belongs to, so the sentence appears where
# the person can fix it. Anything else is shown under the panel's button.
_FAILURE_FIELDS = {
    "port_in_use": "port",
    "port_denied": "port",
    "address_unavailable": "ip",
    "unknown_host": "ip",
    "connection_refused": "ip",
    "connection_timeout": "ip",
    "wrong_password": "password",
    "password_required": "password",
    "wrong_password_or_impostor": "password",
}


def failure_field(code: str) -> str:
    return _FAILURE_FIELDS.get(code, "general")


def failure_text(code: str, details: dict[str, Any]) -> str:
    """The sentence for a core failure shown in the start view.

    Next to the password field, a wrong password also says what to do about it.
    """
    if code == "wrong_password":
        return tr("gui.error.wrong_password")
    return sentence(code, details)


def format_time(ts: float) -> str:
    """A message's time as HH:MM in local time."""
    try:
        return time.strftime("%H:%M", time.localtime(ts))
    except (OverflowError, OSError, ValueError):
        return "--:--"


def day_key(ts: float) -> tuple[int, int, int] | None:
    """The local (year, month, day) of `ts`, or None for a time that cannot be shown."""
    try:
        t = time.localtime(ts)
    except (OverflowError, OSError, ValueError):
        return None
    return (t.tm_year, t.tm_mon, t.tm_mday)


def day_label(ts: float, now: float) -> str:
    """The day separator for `ts` seen on `now`: "Aujourd'hui", "Hier", "lundi 30 novembre".

    The names come from the catalogs, not from the system locale, so a French window on an
    English system still says "lundi". The year is added when it is not this year's.
    """
    day, today = day_key(ts), day_key(now)
    if day is None or today is None:
        return "--"
    if day == today:
        return tr("gui.day.today")
    if day == day_key(now - 86_400) or day == day_key(now - 86_400 - 3_600):
        # The second test covers the day a clock change makes 23 hours long.
        return tr("gui.day.yesterday")
    t = time.localtime(ts)
    values = {
        "weekday": tr("gui.day.weekdays").split(",")[t.tm_wday],
        "day": t.tm_mday,
        "month": tr("gui.day.months").split(",")[t.tm_mon - 1],
        "year": t.tm_year,
    }
    return tr("gui.day.date" if day[0] == today[0] else "gui.day.date_year", **values)


def window_title(unread: int) -> str:
    return tr("gui.title_unread", count=unread) if unread > 0 else tr("gui.app_title")


def shareable_addresses(addresses: tuple[str, ...] | list[str], host: str, port: int) -> list[str]:
    """The "ip:port" addresses a host can give to others: never 0.0.0.0 or ::.

    The core reports them in Listening.addresses; if it reported none, work them out.
    """
    good = [a for a in addresses if not a.startswith(("0.0.0.0:", "[::]:"))]
    if good:
        return good
    from messagerie.net import lan

    return lan.shareable_addresses(host, port)


class UnreadTracker:
    """Counts messages that arrive while the window is not focused.

    `arrived()` returns True when the bell should ring: once per burst, not per message.
    """

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self.focused = True
        self.count = 0
        self._last = float("-inf")

    def arrived(self) -> bool:
        if self.focused:
            return False
        now = self._clock()
        ring = now - self._last > BURST_GAP_S
        self.count += 1
        self._last = now
        return ring

    def focus_in(self) -> None:
        self.focused = True
        self.count = 0
        self._last = float("-inf")

    def focus_out(self) -> None:
        self.focused = False
