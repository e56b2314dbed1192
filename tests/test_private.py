"""Private messages through real headless processes: who sees them, live and afterwards.

A host and three joiners A, B and C. A private message between A and B must reach A and B
only, marked as private, and nobody else in any form: not C live, not C coming back with
last_seq 0, not a newcomer after a host restart, not the host's own output unless it is a
party. A message for someone away waits on the host and arrives once when they come back.
"""

from __future__ import annotations

from tests.cli import Proc

SECRET = "rendez-vous secret à 15 h"


def _join(procs, port: int, name: str, data_dir) -> tuple[Proc, dict]:
    p = procs("join", f"127.0.0.1:{port}", "--headless", "--name", name, data_dir=data_dir)
    return p, p.event("connected")


def _texts(p: Proc) -> str:
    return "\n".join(p.seen)


def test_a_private_message_reaches_its_two_parties_only(procs, tmp_path):
    host = procs("serve", "--headless", "--port", "0", data_dir=tmp_path / "host")
    port = host.event("listening")["port"]
    a, _ = _join(procs, port, "Ana", tmp_path / "a")
    b, b_connected = _join(procs, port, "Bob", tmp_path / "b")
    c, _ = _join(procs, port, "Chloé", tmp_path / "c")
    a.event("joined", name="Chloé")
    # Every member in B's welcome has an id, and B's own is among them.
    ids = {m["name"]: m["id"] for m in b_connected["members"]}
    assert ids["Bob"] == b_connected["member_id"] and ids["Ana"] != ids["Bob"]

    a.send(f"/msg Bob {SECRET}")
    sent = a.event("message", text=SECRET)
    assert sent["private"] is True and sent["to"] == "Bob" and sent["own"] is True
    assert sent["to_id"] == ids["Bob"] and sent.get("pending") is None  # Bob is here
    got = b.event("message", text=SECRET)
    assert got["private"] is True and got["peer"] == "Ana" and got["peer_id"] == ids["Ana"]
    assert got["from"] == "Ana" and got["own"] is False

    # A room message after it: whoever receives this one would have had the private one.
    a.send("message pour tout le monde")
    for p in (host, b, c):
        p.event("message", text="message pour tout le monde")
    assert SECRET not in _texts(c) and SECRET not in _texts(host)

    # C comes back with last_seq 0 (a new process, same data dir): its catch-up skips it.
    assert c.finish() == 0
    c2, _ = _join(procs, port, "Chloé", tmp_path / "c")
    c2.event("message", text="message pour tout le monde", history=True)
    # The host writes privately to C: C sees it, A and B do not.
    host.send("/msg Chloé et toi ?")
    assert c2.event("message", text="et toi ?")["private"] is True
    host.event("message", text="et toi ?")
    a.send("encore un pour tous")
    for p in (b, c2):
        p.event("message", text="encore un pour tous")
    assert SECRET not in _texts(c2)
    assert "et toi ?" not in _texts(a) and "et toi ?" not in _texts(b)

    # After a host restart, a newcomer reads the room's history without the private message,
    # and B, coming back, still has it in its own.
    port_arg = str(port)
    for p in (a, b, c2):
        assert p.finish() == 0
    assert host.finish() == 0
    host2 = procs("serve", "--headless", "--port", port_arg, data_dir=tmp_path / "host")
    host2.event("listening")
    assert SECRET not in _texts(host2)
    d, _ = _join(procs, port, "Dan", tmp_path / "d")
    d.event("message", text="encore un pour tous", history=True)
    assert SECRET not in _texts(d)
    b2, _ = _join(procs, port, "Bob", tmp_path / "b")
    assert b2.event("message", text=SECRET, history=True)["private"] is True


def test_a_private_message_waits_for_someone_away_and_arrives_once(procs, tmp_path):
    # Flood control off: the test posts a burst of room messages.
    serve = ("serve", "--headless", "--limit", "flood_burst=1000")
    host = procs(*serve, "--port", "0", data_dir=tmp_path / "host")
    port = host.event("listening")["port"]
    a, _ = _join(procs, port, "Ana", tmp_path / "a")
    b, _ = _join(procs, port, "Bob", tmp_path / "b")
    a.event("joined", name="Bob")
    assert b.finish() == 0
    a.event("left", name="Bob")

    # While the host runs, Bob comes back and gets what waited, once.
    a.send("/msg Bob tu me rappelles ?")
    waiting = a.event("message", text="tu me rappelles ?")
    assert waiting["pending"] is True
    b2, _ = _join(procs, port, "Bob", tmp_path / "b")
    got = b2.event("message", text="tu me rappelles ?")
    assert got["private"] is True and got["peer"] == "Ana"
    assert a.event("delivered", id=waiting["id"])["seq"] == waiting["seq"]
    assert b2.finish() == 0

    # Again, but now the host restarts while Bob is away, so that Bob comes back as a
    # newcomer, and so much is said meanwhile that the newcomer's window (the last 100
    # messages) does not reach the private one: it comes first, once.
    a.send("/msg Bob rappelle-moi avant ce soir")
    second = a.event("message", text="rappelle-moi avant ce soir")
    for i in range(120):
        a.send(f"bavardage {i}")
    a.event("message", text="bavardage 119", timeout=30)
    # The host goes away without closing the room (a crash or a power cut), so that Ana
    # reconnects instead of being told the room is closed.
    host.proc.kill()
    host.proc.wait(10)
    host2 = procs(*serve, "--port", str(port), data_dir=tmp_path / "host")
    host2.event("listening")
    a.event("connected", reconnect=True, timeout=40)  # Ana stays, and reconnects
    b3, _ = _join(procs, port, "Bob", tmp_path / "b")
    got = b3.event("message", text="rappelle-moi avant ce soir")
    assert got["seq"] == second["seq"] and got["history"] is True
    b3.event("message", text="bavardage 119", history=True)
    assert sum(1 for line in b3.seen if "rappelle-moi avant ce soir" in line) == 1
    assert not any("tu me rappelles ?" in line for line in b3.seen)  # outside the window
    # Ana is told that it reached Bob.
    assert a.event("delivered", id=second["id"])["seq"] == second["seq"]


def test_msg_to_an_unknown_or_ambiguous_name_sends_nothing(procs, tmp_path):
    host = procs("serve", "--headless", "--port", "0", data_dir=tmp_path / "host")
    port = host.event("listening")["port"]
    a, _ = _join(procs, port, "Ana", tmp_path / "a")
    a.send("/msg Personne bonjour")
    error = a.event("error", code="no_such_name")
    assert "Personne" in error["message"] and error["fatal"] is False
    a.send("/msg Ana à moi-même")
    # Our own name is not in the directory of people to write to.
    a.event("error", code="no_such_name")
    a.send("fin")
    a.event("message", text="fin")
    assert not any("bonjour" in line or "moi-même" in line for line in host.seen)


def test_two_copies_with_one_data_folder_do_not_take_each_others_place(procs, tmp_path):
    # The client_id is kept in the data folder; a second copy joining the same room from the
    # same folder gets one of its own instead of replacing the first one, over and over.
    host = procs("serve", "--headless", "--port", "0", data_dir=tmp_path / "host")
    port = host.event("listening")["port"]
    first, one = _join(procs, port, "Ana", tmp_path / "same")
    second, two = _join(procs, port, "Ana", tmp_path / "same")
    assert one["member_id"] != two["member_id"] and two["name"] == "Ana (2)"
    second.send("je suis la deuxième")
    first.event("message", text="je suis la deuxième")
    assert not any('"replaced"' in line for line in first.seen + second.seen)
    # The first one's id is the kept one: it comes back with it.
    assert first.finish() == 0
    assert second.finish() == 0
    _, three = _join(procs, port, "Ana", tmp_path / "same")
    assert three["member_id"] == one["member_id"]


def test_a_private_message_typed_while_the_host_is_down_is_sent_once_it_is_back(procs, tmp_path):
    # The outbox keeps the recipient: the message is resent with the same id after the
    # reconnect, and arrives once, privately.
    host = procs("serve", "--headless", "--port", "0", data_dir=tmp_path / "host")
    port = host.event("listening")["port"]
    a, _ = _join(procs, port, "Ana", tmp_path / "a")
    b, _ = _join(procs, port, "Bob", tmp_path / "b")
    a.event("joined", name="Bob")
    host.proc.kill()
    host.proc.wait(10)
    a.event("disconnected")
    a.send("/msg Bob écrit pendant la coupure")
    pending = a.event("pending", text="écrit pendant la coupure")
    host2 = procs("serve", "--headless", "--port", str(port), data_dir=tmp_path / "host")
    host2.event("listening")
    got = b.event("message", text="écrit pendant la coupure", timeout=40)
    assert got["private"] is True and got["id"] == pending["id"]
    echo = a.event("message", id=pending["id"], timeout=40)
    assert echo["private"] is True and echo["to"] == "Bob"
    a.send("et pour tous")
    b.event("message", text="et pour tous")
    assert sum(1 for line in b.seen if "écrit pendant la coupure" in line) == 1
    assert not any("écrit pendant la coupure" in line for line in host2.seen)


def test_reply_answers_where_the_message_was_said(procs, tmp_path):
    host = procs("serve", "--headless", "--port", "0", data_dir=tmp_path / "host")
    port = host.event("listening")["port"]
    a, _ = _join(procs, port, "Ana", tmp_path / "a")
    b, _ = _join(procs, port, "Bob", tmp_path / "b")
    c, _ = _join(procs, port, "Chloé", tmp_path / "c")
    a.event("joined", name="Chloé")
    # A room message answered: a room message that quotes it, for everyone.
    a.send("Qui vient jeudi ?")
    asked = b.event("message", text="Qui vient jeudi ?")
    b.send(f"/reply {asked['id']} Moi !")
    for p in (a, c):
        got = p.event("message", text="Moi !")
        assert got["reply"] == {"id": asked["id"], "from": "Ana", "text": "Qui vient jeudi ?"}
        assert not got.get("private")
    # A private message answered: privately, to its other party only, quoted.
    a.send(f"/msg Bob {SECRET}")
    secret = b.event("message", text=SECRET)
    b.send(f"/reply {secret['id']} bien reçu")
    got = a.event("message", text="bien reçu")
    assert got["private"] is True and got["peer"] == "Bob" and got["reply"]["text"] == SECRET
    c.send("témoin")
    a.event("message", text="témoin")
    assert not any("bien reçu" in line for line in c.seen)
    # An id the room does not know: refused, nothing sent.
    b.send("/reply 0123456789abcdef0123456789abcdef ça ?")
    assert b.event("refused")["code"] == "unknown_reply"
