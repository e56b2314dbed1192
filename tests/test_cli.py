"""The real command line, end to end: `serve --headless` and `join --headless` subprocesses."""

import os
import signal
import socket
import subprocess
import sys

import pytest

from messagerie import __version__
from tests import needs
from tests.cli import ROOT, run

EXPECTED_FIELDS = {
    "listening": {"host", "port", "addresses", "fingerprint", "safety_code"},
    "connected": {"host", "port", "name", "participants", "fingerprint", "safety_code"},
    "joined": {"name", "address"},
    "message": {"id", "seq", "from", "text", "ts"},
}


@pytest.mark.parametrize("tls", [False, True], ids=["plaintext", "tls"])
def test_serve_and_three_joins_chat_through_the_command_line(procs, tmp_path, tls):
    extra = [] if tls else ["--no-tls"]
    server = procs("serve", "--headless", "--port", "0", *extra, data_dir=tmp_path / "s")
    listening = server.event("listening")
    assert EXPECTED_FIELDS["listening"] <= listening.keys()
    port = listening["port"]
    assert port > 0 and all(not a.startswith("0.0.0.0") for a in listening["addresses"])
    assert (listening["fingerprint"] is not None) == tls
    joins = []
    for i in range(3):
        p = procs(
            "join",
            f"127.0.0.1:{port}",
            "--headless",
            "--name",
            f"P{i}",
            *extra,
            data_dir=tmp_path / f"j{i}",
        )
        connected = p.event("connected")
        assert EXPECTED_FIELDS["connected"] <= connected.keys()
        assert connected["name"] == f"P{i}"
        if tls:
            assert connected["fingerprint"] == listening["fingerprint"]
            assert connected["safety_code"] == listening["safety_code"]
        joins.append(p)
    joined = server.event("joined", name="P2")
    assert joined["address"] == "127.0.0.1"
    for i, p in enumerate(joins):
        p.send(f"Ça marche 🎉 {i}")
    server.send("Bienvenue à tous")
    everyone = [server, *joins]
    orders = []
    for p in everyone:
        got = [p.event("message") for _ in range(4)]
        assert all(EXPECTED_FIELDS["message"] <= m.keys() for m in got)
        orders.append([(m["seq"], m["from"], m["text"]) for m in got])
    assert all(o == orders[0] for o in orders)
    assert sorted(t for *_, t in orders[0]) == sorted(
        [*(f"Ça marche 🎉 {i}" for i in range(3)), "Bienvenue à tous"]
    )
    assert joins[0].finish() == 0
    assert server.event("left", name="P0")["address"] == "127.0.0.1"
    for p in joins[1:]:
        assert p.finish() == 0
    assert server.finish() == 0


def test_human_output_reproduces_the_original_lines(procs, tmp_path):
    server = procs(
        "serve", "--headless", "--port", "0", "--no-tls", data_dir=tmp_path / "s", json_mode=False
    )
    assert server.wait_line(lambda line: line == "En attente de connexion...")
    port = int(
        server.wait_line(lambda line: line.startswith("Discussion ouverte sur")).rsplit(":", 1)[1]
    )
    client = procs(
        "join",
        f"127.0.0.1:{port}",
        "--headless",
        "--no-tls",
        data_dir=tmp_path / "c",
        json_mode=False,
    )
    assert client.wait_line(lambda line: line == "Connecté au serveur")
    assert server.wait_line(lambda line: line == "Connexion établie avec 127.0.0.1")
    client.send("bonjour")
    assert server.wait_line(lambda line: line == "Client : bonjour")
    server.send("salut")
    assert client.wait_line(lambda line: line == "Serveur : salut")
    assert client.finish() == 0
    assert server.finish() == 0


def test_version(tmp_path):
    result = run("--version", data_dir=tmp_path)
    assert result.returncode == 0 and __version__ in result.stdout


def test_port_already_in_use_suggests_another(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(
            "serve", "--headless", "--host", "127.0.0.1", "--port", str(port), data_dir=tmp_path
        )
    assert result.returncode == 1
    assert (
        f"Le port {port} est déjà utilisé" in result.stdout and "Essayez le port" in result.stdout
    )
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("port", ["abc", "70000", "-1"])
def test_bad_port_is_a_usage_error(tmp_path, port):
    result = run("serve", "--headless", "--port", port, data_dir=tmp_path)
    assert result.returncode == 2
    assert "Port invalide" in result.stderr and "Traceback" not in result.stderr


def test_unknown_host(tmp_path):
    result = run("join", "nulle-part.invalid:5566", "--headless", "--json", data_dir=tmp_path)
    assert result.returncode == 1
    assert '"code": "unknown_host"' in result.stdout and "Traceback" not in result.stderr


def test_connection_refused_explains_likely_causes(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("join", f"127.0.0.1:{port}", "--headless", "--no-tls", data_dir=tmp_path)
    assert result.returncode == 1
    assert "Personne n'écoute" in result.stdout and "pare-feu" in result.stdout
    assert "Traceback" not in result.stderr


def test_server_disappearing_mid_chat_is_reported_and_retried(procs, tmp_path):
    server = procs("serve", "--headless", "--port", "0", "--no-tls", data_dir=tmp_path / "s")
    port = server.event("listening")["port"]
    client = procs("join", f"127.0.0.1:{port}", "--headless", "--no-tls", data_dir=tmp_path / "c")
    client.event("connected")
    server.proc.kill()
    gone = client.event("disconnected")
    assert gone["reason"] == "connection_lost" and gone["message"]
    assert client.event("reconnecting")["delay_s"] > 0
    assert client.finish() == 0


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no POSIX signals to send")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_stops_cleanly_with_exit_code_0(procs, tmp_path, sig):
    server = procs("serve", "--headless", "--port", "0", data_dir=tmp_path / "s")
    port = server.event("listening")["port"]
    client = procs("join", f"127.0.0.1:{port}", "--headless", data_dir=tmp_path / "c")
    client.event("connected")
    for p in (client, server):
        p.proc.send_signal(sig)
        try:
            code = p.proc.wait(15)
        except subprocess.TimeoutExpired:
            # Stuck: make it print where each of its threads is (faulthandler), for the report.
            p.proc.send_signal(signal.SIGABRT)
            p.proc.wait(10)
            raise AssertionError(p.proc.stderr.read()[-6000:]) from None
        assert code == 0
        assert "Traceback" not in p.stderr()


# The missing display is found by Tk itself (TclError), so this needs tkinter.
@needs.tk
def test_window_without_a_display_says_what_to_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-m", "messagerie", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "LANG": "fr_FR.UTF-8"},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert "aucun écran" in result.stderr and "--headless" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_joiner_whose_host_closes_the_room_says_so_and_exits_0(procs, tmp_path):
    server = procs("serve", "--headless", "--port", "0", data_dir=tmp_path / "s")
    port = server.event("listening")["port"]
    joiner = procs("join", f"127.0.0.1:{port}", "--headless", data_dir=tmp_path / "j")
    joiner.event("connected")
    server.proc.send_signal(signal.SIGTERM)  # the host quits: the room closes for everyone
    assert server.finish() == 0
    assert joiner.event("disconnected")["reason"] == "room_closed"
    assert joiner.proc.wait(15) == 0  # by itself: its input is still open
    assert not [line for line in joiner.seen if '"reconnecting"' in line]


def test_run_py_says_what_to_install_when_this_python_has_no_tkinter(tmp_path):
    # A package named tkinter that fails to import, first on the path: what Debian's python3
    # without python3-tk does.
    (tmp_path / "tkinter").mkdir()
    (tmp_path / "tkinter" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'tkinter'\", name='tkinter')\n"
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "run.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert "python3-tk" in result.stderr and "--headless" in result.stderr
    assert "Traceback" not in result.stderr
