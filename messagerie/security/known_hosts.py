"""Trust on first use: remember each host's certificate fingerprint and notice a change.

The first time we join "192.168.1.23:5566" we record the fingerprint it presented (and show
its safety code, which careful people compare aloud with the host). Later connections must
present the same one. A different one means the host reinstalled Messagerie or lost its
identity, or someone on the network is impersonating it; the user is told and the connection
stops unless they deliberately accept the new identity (`pin`, e.g. `--trust-new`).

File: `<data_dir>/known_hosts.json`, written atomically:
    {"version": 1,
     "hosts": {"192.168.1.23:5566": {"fingerprint": "<64 hex>",
                                      "first_seen": "2026-11-24T08:00:00+00:00",
                                      "last_seen":  "2026-11-24T09:30:00+00:00"}}}

Damaged or unwritable files never stop the app: the object starts empty or keeps working in
memory, and `warning` (a code and details) says so for the UI.
"""

from __future__ import annotations

import datetime
import enum
import ipaddress
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from messagerie.errors import Degraded, SecurityError, StorageError
from messagerie.security.identity import check_fingerprint, fingerprints_match, safety_code
from messagerie.store.files import atomic_write, quarantine

log = logging.getLogger(__name__)

FILE_NAME = "known_hosts.json"
FORMAT_VERSION = 1


class TrustState(enum.Enum):
    NEW = "new"
    MATCH = "match"
    CHANGED = "changed"


@dataclass(frozen=True)
class TrustDecision:
    """What `KnownHosts.check` concluded about a host's fingerprint.

    For CHANGED, `old_fingerprint` and `old_safety_code` are the pinned ones; `error()` gives
    the SecurityError("identity_changed") to show.
    """

    state: TrustState
    host_key: str
    fingerprint: str
    safety_code: str
    old_fingerprint: str | None = None
    old_safety_code: str | None = None

    def error(self) -> SecurityError:
        """The error telling the user this host's identity changed (for CHANGED)."""
        return SecurityError(
            "identity_changed",
            host=self.host_key,
            old=self.old_safety_code,
            new=self.safety_code,
        )


def host_key(host: str, port: int) -> str:
    """The canonical "host:port" key: "[::1]:5566" for IPv6, lowercase names, no brackets lost.

    IPv4-mapped IPv6 addresses ("::ffff:192.168.1.2") become plain IPv4, so one host is one
    entry however its address was written.
    """
    text = host.strip().lower().rstrip(".")
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return f"{text}:{int(port)}"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv6Address):
        return f"[{address.compressed}]:{int(port)}"
    return f"{address}:{int(port)}"


class KnownHosts:
    """The pinned fingerprints, loaded from `path` (usually `data_dir / FILE_NAME`).

    Use: `decision = known.check(host, port, fp)`; on NEW show the safety code; on CHANGED
    show `decision.error()` and stop. Once the connection is accepted (after the password
    exchange when there is one), call `known.pin(host, port, fp)`: it records a NEW host,
    refreshes `last_seen` of a known one, and replaces the fingerprint of a CHANGED one, which
    must only happen when the user deliberately accepted it.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.warning: Degraded | None = None
        self._hosts: dict[str, dict[str, str]] = {}
        self._load()

    def recent(self, limit: int = 10) -> list[str]:
        """The "host:port" of the hosts joined most recently, newest first (for the join form).

        Remembering past hosts matters on networks where discovery fails (NOTES.md).
        """
        ordered = sorted(self._hosts, key=lambda key: self._hosts[key].get("last_seen", ""))
        return ordered[::-1][:limit]

    def pinned(self, host: str, port: int) -> str | None:
        """The fingerprint pinned for host:port, or None. Changes nothing (discovery uses it)."""
        entry = self._hosts.get(host_key(host, port))
        return entry["fingerprint"] if entry else None

    def check(self, host: str, port: int, fingerprint: str) -> TrustDecision:
        """Compare `fingerprint` with the one pinned for host:port. Changes nothing.

        The pin follows the fingerprint, not the address: an identity already trusted under
        another address or port (DHCP gave the host a new address, it moved to another port)
        is a MATCH, since only the holder of that identity's private key can present it.
        Raises ValueError if `fingerprint` is not a SHA-256 in hex (a bug of ours).
        """
        key = host_key(host, port)
        fp = check_fingerprint(fingerprint)
        code = safety_code(fp)
        entry = self._hosts.get(key)
        if entry is not None and fingerprints_match(entry["fingerprint"], fp):
            return TrustDecision(TrustState.MATCH, key, fp, code)
        if any(fingerprints_match(e["fingerprint"], fp) for e in self._hosts.values()):
            return TrustDecision(TrustState.MATCH, key, fp, code)
        if entry is None:
            return TrustDecision(TrustState.NEW, key, fp, code)
        old = entry["fingerprint"]
        return TrustDecision(TrustState.CHANGED, key, fp, code, old, safety_code(old))

    def pin(self, host: str, port: int, fingerprint: str) -> None:
        """Trust `fingerprint` for host:port from now on and save. Never raises for storage.

        If the file cannot be written, the pin is kept in memory and `warning` is set.
        """
        key = host_key(host, port)
        fp = check_fingerprint(fingerprint)
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        entry = self._hosts.get(key)
        if entry is None or not fingerprints_match(entry["fingerprint"], fp):
            self._hosts[key] = {"fingerprint": fp, "first_seen": now, "last_seen": now}
        else:
            entry["last_seen"] = now
        self._save()

    def _load(self) -> None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            # Not damaged, just unreachable (permissions, a file where the folder should
            # be): leave it alone, work in memory, and say so.
            self._set_storage_warning(exc.strerror or str(exc))
            return
        try:
            self._hosts = _parse(data)
        except ValueError as exc:
            log.warning("known hosts file %s is damaged: %s", self.path, exc)
            moved = quarantine(self.path)
            self.warning = Degraded("known_hosts_reset", {"path": str(moved or self.path)})

    def _save(self) -> None:
        document = {"version": FORMAT_VERSION, "hosts": self._hosts}
        payload = json.dumps(document, indent=2, sort_keys=True).encode("utf-8")
        try:
            # Private: the list tells which hosts this person talks to.
            atomic_write(self.path, payload, private=True)
        except StorageError as exc:
            log.error("cannot save known hosts: %s", exc)
            self.warning = Degraded.from_error(exc)

    def _set_storage_warning(self, detail: str) -> None:
        error = StorageError("storage", path=str(self.path), detail=detail)
        log.error("cannot read known hosts: %s", error)
        self.warning = Degraded.from_error(error)


def _parse(data: bytes) -> dict[str, dict[str, str]]:
    """The hosts of a known_hosts file; ValueError if it is not one we wrote."""
    document = json.loads(data.decode("utf-8"))  # JSONDecodeError and UnicodeError: ValueError
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise ValueError("not a version 1 known hosts document")
    hosts = document.get("hosts")
    if not isinstance(hosts, dict):
        raise ValueError("'hosts' is not an object")
    result: dict[str, dict[str, str]] = {}
    for key, entry in hosts.items():
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(f), str) for f in ("fingerprint", "first_seen", "last_seen")
        ):
            raise ValueError(f"bad entry for {key!r}")
        result[key] = {f: entry[f] for f in ("fingerprint", "first_seen", "last_seen")}
        result[key]["fingerprint"] = check_fingerprint(entry["fingerprint"])
    return result
