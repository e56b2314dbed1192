"""Issue 16, item 5: password guesses from many addresses meet a room-wide budget, the host is
told, and the chat stays responsive during the burst (SPAKE2 runs off the room's loop)."""

from __future__ import annotations

import concurrent.futures
import hashlib
import socket
import ssl
import statistics
import time

from messagerie import protocol
from messagerie.net import events
from messagerie.security.pake import PasswordClient

ADDRESSES = [f"127.0.0.{20 + i}" for i in range(11)]
TRIES_PER_ADDRESS = 6


def _guess(port: int, source: str) -> str:
    """One wrong password from `source` over TLS; the code the room answered."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=15, source_address=(source, 0))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with ctx.wrap_socket(raw) as sock:
        fingerprint = hashlib.sha256(sock.getpeercert(binary_form=True)).hexdigest()
        conn = protocol.ClientConnection(
            name="Devin", client_id=f"g{source.replace('.', '')}",
            password=PasswordClient("pas le bon", fingerprint),
        )  # fmt: skip
        conn.start()
        sock.sendall(conn.data_to_send())
        while True:
            data = sock.recv(65536)
            if not data:
                return "closed"
            for event in conn.receive_data(data):
                if isinstance(event, protocol.Ended):
                    return event.code
            sock.sendall(conn.data_to_send())


def _guesser(port: int, source: str) -> list[str]:
    return [_guess(port, source) for _ in range(TRIES_PER_ADDRESS)]


def test_guesses_from_many_addresses_meet_the_room_budget_and_the_chat_goes_on(
    procs, sessions, tmp_path
):
    # The host and the guessers each in processes of their own: what is measured is the
    # room's loop, not this test process's threads competing for one interpreter.
    # Flood control off: Ana's 40 quick messages would otherwise be paced at 5 per second.
    server = procs.spawn(
        "serve", "--headless", "--host", "127.0.0.1", "--port", "0", "--password", "sésame",
        "--limit", "flood_burst=1000", data_dir=tmp_path / "host",
    )  # fmt: skip
    port = server.event("listening")["port"]
    _, join = sessions
    ana, _ = join(port, "Ana", tls=True, password="sésame")
    _, bob_rec = join(port, "Bob", tls=True, password="sésame")

    with concurrent.futures.ProcessPoolExecutor(max_workers=4) as pool:
        burst = [pool.submit(_guesser, port, source) for source in ADDRESSES]
        latencies = []
        for i in range(40):  # Ana and Bob chat during the burst
            sent = time.monotonic()
            ana.send(f"pendant {i}")
            bob_rec.first(events.MessageReceived, text=f"pendant {i}")
            latencies.append(time.monotonic() - sent)
        answers = [code for guesses in burst for code in guesses.result(60)]

    # Without the room budget, 11 addresses x 5 tries each would have been checked (55).
    checked = answers.count("wrong_password")
    assert len(answers) == len(ADDRESSES) * TRIES_PER_ADDRESS
    assert checked <= 20, answers
    assert answers.count("too_many_attempts") == len(answers) - checked
    notice = server.event("warning", reason="password_guessing")
    assert notice["details"]["seconds"] > 0
    assert "deviner le mot de passe" in notice["message"]
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(f"chat p99 during the burst: {p99 * 1000:.1f} ms; {checked} guesses checked")
    assert p99 < 0.100, sorted(latencies)[-5:]
