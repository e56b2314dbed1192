"""The joiner's kept client_id: per room, per room identity, one process at a time."""

from __future__ import annotations

from messagerie.store.client_ids import ClientIds


def test_the_id_is_kept_per_room_and_changes_with_the_room_identity(tmp_path):
    ids = ClientIds(tmp_path, "10.0.0.2:5566")
    first = ids.client_id("ab" * 32)
    assert ids.client_id("ab" * 32) == first
    ids.close()
    again = ClientIds(tmp_path, "10.0.0.2:5566")
    assert again.client_id("ab" * 32) == first
    # Another identity at that address: a new id, which is then the kept one.
    other = again.client_id("cd" * 32)
    assert other != first and again.client_id("cd" * 32) == other
    again.close()
    elsewhere = ClientIds(tmp_path, "10.0.0.3:5566")
    assert elsewhere.client_id("cd" * 32) not in (first, other)
    elsewhere.close()


def test_a_second_holder_gets_ids_of_its_own(tmp_path):
    holder = ClientIds(tmp_path, "h:1")
    kept = holder.client_id(None)
    second = ClientIds(tmp_path, "h:1")
    assert second.client_id(None) != kept
    second.close()
    holder.close()
    assert ClientIds(tmp_path, "h:1").client_id(None) == kept
