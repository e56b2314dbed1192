"""The connection doctor, each finding from a real setup inside network namespaces."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from messagerie.net import adapters, doctor
from tests.discovery.test_netns import serve
from tests.netns import Namespace, link

needs_iptables = pytest.mark.skipif(
    shutil.which("iptables") is None, reason="needs iptables (Debian package iptables)"
)


def diagnose(ns: Namespace, address: str, tmp_path, *extra: str) -> dict[str, dict]:
    """`messagerie doctor ADDRESS --json` inside `ns`: the findings by code."""
    done = ns.run(
        sys.executable,
        "-m",
        "messagerie",
        "doctor",
        address,
        "--json",
        "--timeout",
        "1",
        *extra,
        "--data-dir",
        str(tmp_path / "doctor"),
    )
    findings = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert findings, done.stderr
    return {f["code"]: f for f in findings}


@pytest.fixture
def pair(netns):
    a, b = netns(), netns()
    link(a, b)
    return a, b


def test_a_machine_with_nothing_listening(pair, tmp_path):
    a, b = pair
    found = diagnose(b, f"{a.address}:5566", tmp_path)
    assert list(found) == ["not_listening"]
    assert "Créer la discussion" in found["not_listening"]["message"]


def test_an_address_where_nothing_answers(pair, tmp_path):
    _a, b = pair
    found = diagnose(b, "10.77.0.9:5566", tmp_path)  # same subnet, nobody there
    assert list(found) == ["nothing_answers"]


@needs_iptables
def test_a_port_dropped_by_a_firewall(pair, tmp_path):
    a, b = pair
    a.run("iptables", "-A", "INPUT", "-p", "tcp", "--dport", "5566", "-j", "DROP")
    host = serve(a, a.veth, tmp_path / "host", "--no-discovery")
    try:
        host.event("listening")
        found = diagnose(b, f"{a.address}:5566", tmp_path)
    finally:
        host.close()
    assert list(found) == ["port_filtered"]
    assert "Autoriser une application via le pare-feu" in found["port_filtered"]["message"]


def test_a_host_on_another_subnet(pair, tmp_path):
    _a, b = pair
    found = diagnose(b, "10.88.0.1:5566", tmp_path)
    assert found["other_subnet"]["mine"] == b.address
    assert found["other_subnet"]["netmask"] == "255.255.255.0"
    assert "nothing_answers" in found


@needs_iptables
def test_announcements_that_do_not_arrive_are_told_apart(pair, tmp_path):
    a, b = pair
    a.run("iptables", "-A", "OUTPUT", "-d", "224.0.0.0/4", "-j", "DROP")
    host = serve(a, a.veth, tmp_path / "host")
    try:
        port = host.event("listening")["port"]
        found = diagnose(b, f"{a.address}:{port}", tmp_path, "--not-listed")
    finally:
        host.close()
    assert list(found) == ["multicast_blocked"]


def test_several_cards_say_which_one_is_used(pair, netns, tmp_path):
    a, b = pair
    host, joiner = a.address, b.address
    link(netns(), b, subnet="10.99.0")  # a second card for b: 10.99.0.2
    found = diagnose(b, f"{host}:5566", tmp_path)
    several = found["several_cards"]
    assert several["used"].endswith(f"({joiner})")
    assert "(10.99.0.2)" in several["cards"] and f"({joiner})" in several["cards"]


def test_pure_checks_on_given_cards():
    card = adapters.Adapter("eth0", "Ethernet", "192.168.1.5", 24, up=True, virtual=False)
    vpn = adapters.Adapter("tun0", "tun0", "10.8.0.2", 24, up=True, virtual=True)
    assert doctor.diagnose_network([]) == [doctor.Finding("no_network")]
    assert doctor.several_cards([card], card, host=None) == []
    assert doctor.several_cards([card, vpn], card, host=None)[0].details["used"] == (
        "Ethernet (192.168.1.5)"
    )
