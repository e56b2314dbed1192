"""Field checks and the start view's decisions, without Tk."""

from __future__ import annotations

import pytest

from messagerie import protocol
from messagerie.i18n import tr
from messagerie.store.settings import Settings
from messagerie.ui import forms
from messagerie.validators import (
    split_host_port,
    validate_host,
    validate_message_text,
    validate_name,
    validate_port,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("192.168.1.23", "192.168.1.23"),
        ("  10.0.0.1 ", "10.0.0.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("::1", "::1"),
        ("[fe80::1]", "fe80::1"),
        ("fe80::1%eth0", "fe80::1%eth0"),
        ("2001:db8::42", "2001:db8::42"),
        ("localhost", "localhost"),
        ("pc-de-marie", "pc-de-marie"),
        ("serveur.bureau.local.", "serveur.bureau.local"),
        ("PC_COMPTA", "PC_COMPTA"),
        ("a" * 63 + ".fr", "a" * 63 + ".fr"),
    ],
)
def test_good_hosts(text, value):
    assert validate_host(text) == (value, None)


@pytest.mark.parametrize(
    "text",
    [
        "300.1.1.1",
        "192.168.1",
        "192.168.1.1.1",
        "-pc",
        "pc-",
        "pc..local",
        "pc de marie",
        "a" * 64,
        "x." * 127 + "fr",
        "1:2:3",
        "gggg::1",
        "pc/1",
        "é.fr",
    ],
)
def test_bad_hosts(text):
    value, error = validate_host(text)
    assert value is None
    assert error == tr("error.bad_host")


def test_empty_host_says_what_to_type():
    assert validate_host("  ") == (None, tr("gui.error.host_empty"))


@pytest.mark.parametrize(
    ("text", "value"),
    [("5566", 5566), (" 5566 ", 5566), ("1", 1), ("65535", 65535), ("5 566", 5566), (80, 80)],
)
def test_good_ports(text, value):
    assert validate_port(text) == (value, None)


@pytest.mark.parametrize("text", ["0", "65536", "-1", "", "abc", "55.66", "٥٥٦٦", "1e3", True])
def test_bad_ports(text):
    assert validate_port(text) == (None, tr("error.bad_port"))


def test_french_port_message():
    assert validate_port("99999")[1] == "Port invalide : un nombre entre 1 et 65535 est attendu."


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("192.168.1.23:5566", "192.168.1.23", "5566"),
        ("192.168.1.23", "192.168.1.23", None),
        ("[fe80::1]:6000", "[fe80::1]", "6000"),
        ("fe80::1", "fe80::1", None),
        ("[fe80::1]", "[fe80::1]", None),
        (" pc:80 ", "pc", "80"),
    ],
)
def test_split_host_port(text, host, port):
    assert split_host_port(text) == (host, port)


def test_names():
    assert validate_name("  Zoé 😀 ") == ("Zoé 😀", None)
    assert validate_name("", default="Serveur") == ("Serveur", None)
    assert validate_name("")[1] == tr("gui.error.name_empty")
    assert validate_name("x" * 41)[1] == tr("gui.error.name_too_long", limit=protocol.MAX_NAME)
    assert validate_name("a\u202eb")[1] == tr("gui.error.name_forbidden")
    assert validate_name("a\x07b")[1] == tr("gui.error.name_forbidden")


def test_message_text():
    assert validate_message_text("Bonjour 😀\n") == ("Bonjour 😀", None)
    assert validate_message_text("  indenté") == ("  indenté", None)
    assert validate_message_text("x" * protocol.MAX_TEXT) == ("x" * protocol.MAX_TEXT, None)
    value, error = validate_message_text("x" * (protocol.MAX_TEXT + 1))
    assert value is None
    assert "16001" in error and "16000" in error
    assert validate_message_text("   ")[1] == tr("gui.error.text_empty")
    assert validate_message_text("a\x00b")[1] == tr("gui.error.text_forbidden")
    # C1 controls too: U+009B is CSI to some terminals (issue 16, item 2).
    assert validate_message_text("a\u009b31mb")[1] == tr("gui.error.text_forbidden")
    assert validate_message_text("\u0085suite")[1] == tr("gui.error.text_forbidden")
    assert validate_message_text("a\u00a0b") == ("a\u00a0b", None)


def test_host_form_defaults_the_name_and_reports_each_field():
    ok = forms.check_host_form("", "0.0.0.0", "5566")
    assert ok.ok and (ok.name, ok.host, ok.port, ok.password) == ("Serveur", "0.0.0.0", 5566, None)
    bad = forms.check_host_form("x" * 50, "300.0.0.1", "0", "secret")
    assert set(bad.errors) == {"name", "ip", "port"}
    assert bad.password == "secret"


def test_join_form_takes_the_port_from_the_address():
    form = forms.check_join_form("", "192.168.1.23:6001", "5566")
    assert form.ok and (form.name, form.host, form.port) == ("Client", "192.168.1.23", 6001)
    form = forms.check_join_form("Bob", "[::1]:7000", "")
    assert form.ok and (form.host, form.port) == ("::1", 7000)
    assert forms.check_join_form("Bob", "pc:99999", "5566").errors == {"port": tr("error.bad_port")}


def test_direct_launch_uses_given_then_remembered_values():
    remembered = Settings(name="Ana", host_ip="127.0.0.1", host_port=6000, join_ip="pc")
    form = forms.direct_launch_form("host", remembered, host=None, port=0, name=None, password=None)
    assert form.ok and (form.name, form.host, form.port) == ("Ana", "127.0.0.1", 0)
    form = forms.direct_launch_form(
        "join", remembered, host="10.0.0.2", port=None, name="Bob", password="pw"
    )
    assert form.ok and (form.name, form.host, form.port, form.password) == (
        "Bob",
        "10.0.0.2",
        5566,
        "pw",
    )
    assert not forms.direct_launch_form(
        "join", Settings(), host="bad host", port=1, name=None, password=None
    ).ok


@pytest.mark.parametrize(
    ("code", "field"),
    [
        ("port_in_use", "port"),
        ("connection_refused", "ip"),
        ("connection_timeout", "ip"),
        ("unknown_host", "ip"),
        ("address_unavailable", "ip"),
        ("wrong_password", "password"),
        ("internal", "general"),
    ],
)
def test_failures_go_next_to_the_field_that_fixes_them(code, field):
    assert forms.failure_field(code) == field


def test_shareable_addresses_never_give_the_wildcard():
    assert forms.shareable_addresses(("192.168.1.23:5566",), "0.0.0.0", 5566) == [
        "192.168.1.23:5566"
    ]
    assert forms.shareable_addresses((), "10.1.2.3", 5566) == ["10.1.2.3:5566"]
    for address in forms.shareable_addresses(("0.0.0.0:5566",), "0.0.0.0", 5566):
        assert not address.startswith("0.0.0.0")


def test_window_title_and_unread_bell_once_per_burst():
    now = [100.0]
    unread = forms.UnreadTracker(clock=lambda: now[0])
    assert forms.window_title(0) == "Messagerie"
    assert not unread.arrived()  # focused: nothing counted
    assert unread.count == 0
    unread.focus_out()
    assert unread.arrived() is True  # first of a burst rings
    now[0] += 1
    assert unread.arrived() is False  # same burst
    assert unread.count == 2
    assert forms.window_title(unread.count) == "(2) Messagerie"
    now[0] += forms.BURST_GAP_S + 1
    assert unread.arrived() is True  # a new burst rings again
    unread.focus_in()
    assert unread.count == 0
    assert forms.window_title(unread.count) == "Messagerie"


def test_format_time():
    assert len(forms.format_time(0)) == 5
    assert forms.format_time(float("inf")) == "--:--"


@pytest.mark.parametrize(
    ("address", "port", "embedded", "synced"),
    [
        ("192.168.1.23:6001", "6002", "6001", "192.168.1.23:6002"),
        ("[fe80::1]:7000", "7001", "7000", "[fe80::1]:7001"),
        ("192.168.1.23", "6002", None, "192.168.1.23"),  # no port typed: left alone
        ("fe80::1", "7001", None, "fe80::1"),  # a bare IPv6 address has no port
        ("pc-zoe:", " 5566 ", "", "pc-zoe:5566"),
    ],
)
def test_the_join_panels_address_and_port_fields_agree(address, port, embedded, synced):
    assert forms.embedded_port(address) == embedded
    assert forms.with_port(address, port) == synced
    if embedded:
        # Should the fields still differ (the command line has no port field), the port
        # typed in the address is the one used.
        assert forms.check_join_form("", address, "1").port == int(embedded)


def test_a_room_asking_a_password_is_said_next_to_the_password_field():
    assert forms.failure_field("password_required") == "password"
