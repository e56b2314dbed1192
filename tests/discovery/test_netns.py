"""Discovery between real processes, each inside network namespaces the test creates.

The network rule (tests/netns.py): nothing here multicasts or broadcasts outside those
namespaces, and every process is given `--discovery-interface`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest

from messagerie.net.discovery import TTL_S
from messagerie.security.known_hosts import FILE_NAME, KnownHosts
from tests.cli import ROOT, Proc
from tests.netns import Namespace, link

ANNOUNCE = str(ROOT / "tests" / "discovery" / "announce.py")


def rooms(ns: Namespace, iface: str, data_dir, *extra: str, timeout: float = 3.0) -> list[dict]:
    """`messagerie rooms --json` inside `ns`; the parsed objects."""
    data_dir.mkdir(parents=True, exist_ok=True)
    cmd = ["rooms", "--json", "--timeout", str(timeout), "--discovery-interface", iface]
    done = subprocess.run(
        ns.exec(sys.executable, "-m", "messagerie", *cmd, *extra, "--data-dir", str(data_dir)),
        capture_output=True,
        text=True,
        timeout=timeout + 30,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def serve(ns: Namespace, iface: str, data_dir, *extra: str) -> Proc:
    return Proc(
        "serve",
        "--headless",
        "--port",
        "0",
        "--discovery-interface",
        iface,
        *extra,
        data_dir=data_dir,
        exe=ns.messagerie,
    )


def watcher(ns: Namespace, data_dir) -> Proc:
    """`messagerie rooms --watch --json` on `lo` inside `ns`, for up to a minute."""
    watch = ["rooms", "--watch", "--timeout", "60", "--discovery-interface", "lo"]
    return Proc(*watch, data_dir=data_dir, exe=ns.messagerie)


def test_a_host_appears_within_3_s_and_leaves_within_5_s_after_it_stops(netns, tmp_path):
    ns = netns()
    host = serve(ns, "lo", tmp_path / "host", "--name", "Salle Zoé")
    watch = None
    try:
        listening = host.event("listening")
        found = rooms(ns, "lo", tmp_path / "rooms", timeout=3.0)
        mine = [r for r in found if r["port"] == listening["port"]]
        assert len(mine) == 1, found
        room = mine[0]
        assert room["name"] == "Salle Zoé"
        assert room["tls"] is True and room["password"] is False
        assert room["fingerprint_prefix"] == listening["fingerprint"][:16]
        assert room["addresses"] == ["127.0.0.1"]
        assert room["via"] == "dns-sd" and room["trust"] == "new"

        watch = watcher(ns, tmp_path / "watch")
        watch.event("added", port=listening["port"])
        assert host.finish() == 0
        stopped = time.monotonic()
        watch.event("removed", timeout=5.0, port=listening["port"])
        assert time.monotonic() - stopped < 5.0
    finally:
        host.close()
        if watch is not None:
            watch.close()


def test_a_crashed_host_leaves_within_its_ttl_while_a_live_one_stays(netns, tmp_path):
    ns = netns()
    live = serve(ns, "lo", tmp_path / "live", "--name", "Vivante")
    crashed = serve(ns, "lo", tmp_path / "crashed", "--name", "Plantée")
    watch = watcher(ns, tmp_path / "watch")
    try:
        live_port = live.event("listening")["port"]
        crashed_port = crashed.event("listening")["port"]
        watch.event("added", port=crashed_port)
        crashed.proc.kill()  # no goodbye: only the records' lifetime can tell
        killed = time.monotonic()
        watch.event("removed", timeout=TTL_S + 8, port=crashed_port)
        assert time.monotonic() - killed < TTL_S + 8
        # Past a whole lifetime of its records, the live room is still listed: each refresh
        # was answered (a removal would have been printed by now).
        with pytest.raises(AssertionError, match="timed out"):
            watch.event("removed", timeout=killed + 2 * TTL_S - time.monotonic(), port=live_port)
    finally:
        for proc in (live, crashed, watch):
            proc.close()


def test_two_machines_on_a_veth_pair_find_the_room_and_chat(netns, tmp_path):
    a, b = netns(), netns()
    link(a, b)
    host = serve(a, a.veth, tmp_path / "host", "--name", "Hôte", "--password", "secret")
    joiner = None
    try:
        listening = host.event("listening")
        found = rooms(b, b.veth, tmp_path / "rooms")
        room = next(r for r in found if r["port"] == listening["port"])
        assert room["addresses"] == [a.address]
        assert room["password"] is True
        joiner = Proc(
            "join",
            f"{room['addresses'][0]}:{room['port']}",
            "--headless",
            "--password",
            "secret",
            data_dir=tmp_path / "join",
            exe=b.messagerie,
        )
        joiner.event("connected")
        joiner.send("bonjour depuis l'autre machine")
        host.event("message", text="bonjour depuis l'autre machine")
    finally:
        host.close()
        if joiner is not None:
            joiner.close()


@pytest.mark.skipif(shutil.which("dig") is None, reason="needs dig (Debian package dnsutils)")
def test_an_outside_dns_sd_client_sees_the_srv_record(netns, tmp_path):
    ns = netns()
    host = serve(ns, "lo", tmp_path / "host", "--name", "Salle")
    try:
        listening = host.event("listening")
        # The room is announced once its name is probed (about 1.5 s): ask until it answers.
        deadline = time.monotonic() + 10
        instance = ""
        while not instance and time.monotonic() < deadline:
            # check=False: until the responder is up, dig gets no reply (its exit code 9).
            ptr = ns.run(
                "dig", "-p", "5353", "@127.0.0.1", "_messagerie._tcp.local", "PTR", check=False
            )
            ptr_answer = _answers(ptr.stdout)
            instance = ptr_answer[0] if ptr_answer else ""
        assert instance.startswith("Salle"), instance
        srv = ns.run("dig", "-p", "5353", "@127.0.0.1", instance, "SRV")
        _priority, _weight, port, target = _answers(srv.stdout)[0].split()
        assert int(port) == listening["port"]
        assert target.endswith(".local.")
        txt = ns.run("dig", "-p", "5353", "@127.0.0.1", instance, "TXT").stdout
        assert f'"fp={listening["fingerprint"][:16]}"' in txt and '"tls=1"' in txt
    finally:
        host.close()


def _answers(dig_output: str) -> list[str]:
    """The answer-section data of a dig query (`+short` would also print nothing on failure)."""
    section, found = False, []
    for line in dig_output.splitlines():
        if line.startswith(";; ANSWER SECTION"):
            section = True
        elif section and not line.strip():
            break
        elif section:
            found.append(line.split(None, 4)[4])
    return found


def test_a_forged_announcement_for_a_pinned_host_is_suspicious_and_the_pin_stays(netns, tmp_path):
    ns = netns()
    joiner_dir = tmp_path / "joiner"
    joiner_dir.mkdir()
    known = KnownHosts(joiner_dir / FILE_NAME)
    known.pin("127.0.0.1", 45678, "aa" * 32)
    pins_before = (joiner_dir / FILE_NAME).read_bytes()
    forger = subprocess.Popen(
        ns.exec(
            sys.executable,
            ANNOUNCE,
            "--interface",
            "lo",
            "--port",
            "45678",
            "--room",
            "Salle Zoé",
            "--fingerprint",
            "bb" * 32,
        ),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert forger.stdout.readline().strip() == "ready"
        found = rooms(ns, "lo", joiner_dir)
        forged = next(r for r in found if r["port"] == 45678)
        assert forged["trust"] == "changed"
        assert forged["fingerprint_prefix"] == "bb" * 8
        text = ns.run(
            sys.executable,
            "-m",
            "messagerie",
            "rooms",
            "--timeout",
            "3",
            "--discovery-interface",
            "lo",
            "--data-dir",
            str(joiner_dir),
        ).stdout
        assert "Salle Zoé" in text and "⚠" in text
        assert (joiner_dir / FILE_NAME).read_bytes() == pins_before
    finally:
        forger.communicate("", timeout=15)
        assert forger.returncode == 0


@pytest.mark.skipif(shutil.which("iptables") is None, reason="needs iptables (Debian iptables)")
def test_the_broadcast_probe_finds_the_host_when_multicast_is_blocked(netns, tmp_path):
    a, b = netns(), netns()
    link(a, b)
    # The host's machine drops all multicast it sends: its DNS-SD responder is mute.
    a.run("iptables", "-A", "OUTPUT", "-d", "224.0.0.0/4", "-j", "DROP")
    host = serve(a, a.veth, tmp_path / "host", "--name", "Muette")
    try:
        listening = host.event("listening")
        port = str(listening["port"])
        found = rooms(b, b.veth, tmp_path / "rooms", "--port", port, timeout=4.0)
        room = next(r for r in found if r["port"] == listening["port"])
        assert room["via"] == "probe"
        assert room["name"] == "Muette" and room["addresses"] == [a.address]
        assert room["fingerprint_prefix"] == listening["fingerprint"][:16]
    finally:
        host.close()
