"""Other accounts of the machine stay out of our files (issue 16, item 7): the data folder is
0700, history, outbox and log are 0600, and a folder, key or log that another account owns or
planted as a link is refused with a sentence that says so."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from messagerie import app
from messagerie.errors import StorageError
from messagerie.security.identity import load_or_create_identity
from messagerie.store import files
from messagerie.store.history import HistoryStore
from messagerie.store.outbox import Outbox, OutgoingMessage
from messagerie.wording import sentence

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes and owners are POSIX")
STRANGER = 12345  # a uid that owns nothing on a test machine
needs_root = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0, reason="giving a file to another uid needs root"
)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def keep_logging():
    root = logging.getLogger()
    before = list(root.handlers)
    yield
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


def test_a_new_data_folder_is_0700(tmp_path):
    assert mode(files.data_dir(tmp_path / "new" / "data")) == 0o700


def test_history_outbox_and_log_are_0600(tmp_path, keep_logging):
    history = HistoryStore(tmp_path / "history.sqlite3")
    history.add("m1", "Zoé", "bonjour", 1.0)
    history.commit()
    outbox = Outbox(tmp_path / "outbox.sqlite3", room="h:1")
    outbox.add(OutgoingMessage(id="m2", text="salut", ts=1.0))
    sqlite_files = [p for p in tmp_path.iterdir() if ".sqlite3" in p.name]
    assert {p.name for p in sqlite_files} >= {"history.sqlite3", "outbox.sqlite3"}
    for path in sqlite_files:
        assert mode(path) == 0o600, path.name
    history.close()
    outbox.close()
    app._setup_logging(tmp_path)
    logging.getLogger("test").warning("une ligne")
    assert mode(tmp_path / app.LOG_FILE) == 0o600


def test_an_existing_0644_history_is_made_private(tmp_path):
    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    os.chmod(path, 0o644)
    HistoryStore(path).close()
    assert mode(path) == 0o600


@needs_root
def test_a_data_folder_of_another_account_is_refused(tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    os.chown(foreign, STRANGER, STRANGER)
    with pytest.raises(StorageError) as info:
        files.data_dir(foreign)
    assert info.value.code == "not_owned"
    assert str(foreign) in sentence(info.value.code, info.value.details) and "12345" in sentence(
        info.value.code, info.value.details
    )
    with pytest.raises(SystemExit) as exit_info:
        app.main(["--data-dir", str(foreign), "serve", "--headless", "--port", "0"])
    assert exit_info.value.code == 2
    assert "appartient à un autre compte" in capsys.readouterr().err


@needs_root
def test_a_link_planted_by_another_account_is_refused(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    link = tmp_path / "link"
    link.symlink_to(mine)
    files.data_dir(link)  # my own link to my own folder is fine
    os.lchown(link, STRANGER, STRANGER)
    with pytest.raises(StorageError) as info:
        files.data_dir(link)
    assert info.value.code == "not_owned"


@needs_root
def test_a_key_or_log_of_another_account_is_refused(tmp_path, keep_logging):
    ident = load_or_create_identity(tmp_path)
    os.chown(ident.key_path, STRANGER, STRANGER)
    with pytest.raises(StorageError) as info:
        load_or_create_identity(tmp_path)
    assert info.value.code == "not_owned" and "key.pem" in sentence(
        info.value.code, info.value.details
    )
    log = tmp_path / app.LOG_FILE
    log.symlink_to(tmp_path / "elsewhere.log")
    os.lchown(log, STRANGER, STRANGER)
    with pytest.raises(StorageError) as info:
        app._setup_logging(tmp_path)
    assert info.value.code == "not_owned"
