"""The host's long-lived TLS identity, its fingerprint and safety code, and the TLS contexts.

The host keeps one self-signed certificate for years, so that people who joined once can
notice when "the same host" suddenly presents another one (see known_hosts.py). There is no
certificate authority on a LAN: the client accepts any certificate during the handshake
(`CERT_NONE`) and then checks the certificate's fingerprint itself, against the one it pinned
on first contact and, when the room has a password, through the password exchange (pake.py).

Files, under `<data_dir>/identity/`:
- `key.pem`: the Ed25519 private key, PKCS#8, unencrypted, mode 0600 on POSIX;
- `cert.pem`: the self-signed X.509 certificate, CN "Messagerie", valid 20 years.

`cryptography` is imported only to create an identity. Loading one needs the stdlib `ssl`
alone, which keeps start-up fast and the frozen app lean (NOTES.md, "Dependency weight").
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import shutil
import ssl
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from messagerie.errors import Degraded, SecurityError, StorageError
from messagerie.store.files import atomic_write, check_owned, quarantine

log = logging.getLogger(__name__)

IDENTITY_DIR = "identity"
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
COMMON_NAME = "Messagerie"
VALIDITY_DAYS = 20 * 365

# Safety code derivation (docs/PROTOCOL.md, section 10). The stretching makes it expensive to grind
# a certificate whose 16-digit code matches someone else's: a client never checks the
# certificate's self-signature, so an attacker can vary its bytes for free, and 10**16
# plain SHA-256 trials are within reach of a few GPUs. 20,000 rounds cost ~8 ms here, once
# per connection, and multiply the attacker's work by about 40,000.
SAFETY_CODE_SALT = b"messagerie-safety-code-v1"
SAFETY_CODE_ROUNDS = 20_000
SAFETY_CODE_DIGITS = 16


@dataclass(frozen=True)
class Identity:
    """The host's certificate and key files, and how people can recognise them.

    `regenerated` is true when an earlier identity existed but could not be used and a new one
    replaced it: people who joined before will be told the identity changed. `warning` (a
    code and details) then says what happened, for a `warning` event.
    """

    cert_path: Path
    key_path: Path
    fingerprint: str
    safety_code: str
    regenerated: bool = False
    warning: Degraded | None = None


def fingerprint(der: bytes) -> str:
    """Lowercase hex SHA-256 of a certificate in DER form (64 characters)."""
    return hashlib.sha256(der).hexdigest()


def safety_code(fingerprint_hex: str) -> str:
    """A short rendering of a fingerprint that two people can compare aloud.

    Exact derivation:
        fp     = the 32 bytes of the fingerprint (hex-decoded, case and ':' ignored)
        d      = PBKDF2-HMAC-SHA256(password=fp, salt=b"messagerie-safety-code-v1",
                                    iterations=20000, dklen=16)
        n      = int.from_bytes(d, "big") % 10**16
        code   = f"{n:016d}" split into 4 groups of 4 digits joined by single spaces,
                 e.g. "4821 1937 5520 0613".

    Raises ValueError if `fingerprint_hex` is not a SHA-256 in hex.
    """
    raw = bytes.fromhex(check_fingerprint(fingerprint_hex))
    digest = hashlib.pbkdf2_hmac("sha256", raw, SAFETY_CODE_SALT, SAFETY_CODE_ROUNDS, dklen=16)
    digits = f"{int.from_bytes(digest, 'big') % 10**SAFETY_CODE_DIGITS:0{SAFETY_CODE_DIGITS}d}"
    return " ".join(digits[i : i + 4] for i in range(0, SAFETY_CODE_DIGITS, 4))


def normalise_fingerprint(text: str) -> str:
    """Lowercase hex without separators, so "AB:CD:…" as printed by openssl also matches."""
    return text.strip().replace(":", "").lower()


def fingerprints_match(a: str, b: str) -> bool:
    """Whether two fingerprints are the same (constant time, case and ':' ignored)."""
    return hmac.compare_digest(
        normalise_fingerprint(a).encode("utf-8"), normalise_fingerprint(b).encode("utf-8")
    )


def check_fingerprint(text: str) -> str:
    """`text` normalised (see normalise_fingerprint); ValueError if it is not a SHA-256."""
    fp = normalise_fingerprint(text)
    try:
        raw = bytes.fromhex(fp)
    except ValueError:
        raise ValueError(f"not a hex fingerprint: {text!r}") from None
    if len(raw) != hashlib.sha256().digest_size:
        raise ValueError(f"not a SHA-256 fingerprint: {text!r}")
    return fp


def load_or_create_identity(data_dir: Path) -> Identity:
    """Load the host's identity from `data_dir/identity/`, creating it on first use.

    - a pair that reads but cannot be used (corrupt, truncated, key not matching the
      certificate, one of the two missing) is moved aside with `storage.quarantine`, a new
      pair is created, and the result says `regenerated` with a warning;
    - if the folder cannot be written, the new pair lives in a private temporary folder for
      this run only (removed at exit), with a warning.
    Raises StorageError "identity_unreadable" when a file of the pair exists but cannot be
    read (permissions, a disk or network drive error): replacing it would silently break
    every participant's pin, while the user can often fix the cause. Raises StorageError
    "storage" if not even a temporary folder can be written.
    """
    folder = Path(data_dir) / IDENTITY_DIR
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    for path in (folder, key_path, cert_path):
        check_owned(path)  # another account's key would be its identity, not ours
    found = [p for p in (cert_path, key_path) if _exists(p)]
    if len(found) == 2:
        for path in found:
            _check_readable(path)
        try:
            return _load(cert_path, key_path)
        except (ssl.SSLError, ValueError) as exc:  # SSLError first: it is an OSError
            log.warning("identity in %s is unusable (%s): creating a new one", folder, exc)
        except OSError as exc:
            # Read a moment ago: the disk failed under us. Still not a reason to replace it.
            raise _unreadable(folder, exc) from exc
    regenerated = bool(found)
    for path in found:
        quarantine(path)

    cert_pem, key_pem = _generate()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # The key first: a crash between the two writes leaves a certificate that does not
        # match the key, which the next start detects (load_cert_chain) and replaces.
        atomic_write(key_path, key_pem, private=True)
        atomic_write(cert_path, cert_pem)
    except (OSError, StorageError) as exc:
        if isinstance(exc, StorageError):
            detail = str(exc.details.get("detail", exc))
        else:
            detail = exc.strerror or str(exc)
        log.error("cannot save the identity in %s (%s): using a temporary one", folder, detail)
        cert_path, key_path = _temporary_pair(cert_pem, key_pem)
        return replace(
            _load(cert_path, key_path),
            regenerated=regenerated,
            warning=Degraded("identity_temporary", {"path": str(folder), "detail": detail}),
        )

    identity = _load(cert_path, key_path)
    if not regenerated:
        return identity
    return replace(
        identity,
        regenerated=True,
        warning=Degraded("identity_regenerated"),
    )


def _unreadable(path: Path, exc: OSError) -> StorageError:
    return StorageError("identity_unreadable", path=str(path), detail=exc.strerror or str(exc))


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError as exc:  # the folder cannot be searched: we cannot tell
        raise _unreadable(path, exc) from exc


def _check_readable(path: Path) -> None:
    try:
        with path.open("rb") as file:
            file.read()
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _load(cert_path: Path, key_path: Path) -> Identity:
    """Check the pair with the stdlib alone and compute its fingerprint.

    load_cert_chain parses both files and checks that the key matches the certificate, which
    is exactly "will the server be able to start TLS with these".
    """
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(cert_path, key_path)
    der = ssl.PEM_cert_to_DER_cert(cert_path.read_text(encoding="ascii"))
    fp = fingerprint(der)
    return Identity(cert_path, key_path, fp, safety_code(fp))


def _generate() -> tuple[bytes, bytes]:
    """A new Ed25519 key and self-signed certificate, as (cert PEM, key PEM).

    Ed25519 because its keys are made instantly and TLS 1.3 with it works on Python 3.11 /
    OpenSSL 3.0 (tests/test_identity.py runs a real handshake to keep that true).
    """
    # Imported here: cryptography is only needed the first time (NOTES.md).
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.x509.oid import NameOID

    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # A day of slack for clocks that are behind; nobody checks dates today, but a
        # stranger's client might.
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=VALIDITY_DAYS))
        .sign(key, None)
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _temporary_pair(cert_pem: bytes, key_pem: bytes) -> tuple[Path, Path]:
    """Write the pair to a private temporary folder removed at exit.

    ssl can only load a certificate chain from files, so "keep it in memory" means this.
    """
    try:
        folder = Path(tempfile.mkdtemp(prefix="messagerie-identity-"))  # 0700 on POSIX
    except OSError as exc:
        raise StorageError("storage", path=tempfile.gettempdir(), detail=str(exc)) from exc
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    atomic_write(key_path, key_pem, private=True)
    atomic_write(cert_path, cert_pem)
    return cert_path, key_path


def server_context(identity: Identity) -> ssl.SSLContext:
    """The host's TLS context: TLS 1.3 only, presenting `identity`."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(identity.cert_path, identity.key_path)
    # Clients never resume sessions (each connection re-checks the certificate and re-runs the
    # password exchange), so session tickets would only be bytes sent for nothing.
    ctx.num_tickets = 0
    return ctx


def client_context() -> ssl.SSLContext:
    """The joiner's TLS context: TLS 1.3 only, any certificate accepted *during the handshake*.

    The caller must then check `peer_fingerprint()` against known_hosts (and the password
    exchange binds it too). Built by hand rather than with create_default_context(): from
    Python 3.13 that one sets VERIFY_X509_STRICT, which rejects minimal self-made
    certificates (cpython #107361), and CA verification means nothing on a LAN anyway.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    return ctx


def peer_fingerprint(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> str:
    """Fingerprint of the certificate the peer presented in a finished handshake.

    With asyncio: `peer_fingerprint(writer.get_extra_info("ssl_object"))`. Raises
    SecurityError("tls_failed") if there is no certificate (it cannot happen with our server,
    whose TLS 1.3 handshake always sends one; a broken peer could).
    """
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        raise SecurityError("tls_failed")
    return fingerprint(der)


# OpenSSL reasons meaning "the other side is not speaking TLS at all" (a plaintext peer), as
# opposed to a TLS peer we could not agree with.
_NOT_TLS_REASONS = frozenset({"WRONG_VERSION_NUMBER", "HTTP_REQUEST"})


def tls_error(exc: ssl.SSLError) -> SecurityError:
    """The error to show for a failed handshake: `tls_required` when the peer answered in
    plaintext (our client met a server without encryption), else `tls_failed`."""
    code = "tls_required" if getattr(exc, "reason", None) in _NOT_TLS_REASONS else "tls_failed"
    return SecurityError(code)


def looks_like_tls(data: bytes) -> bool:
    """Whether the first bytes a plaintext server received are a TLS ClientHello.

    A TLS record starts with content type 22 (handshake) and major version 3; read as our
    frame header that is a length of over 369 million, so without this check a plaintext
    server would answer `frame_too_large` instead of saying `tls_required`.
    """
    return len(data) >= 2 and data[0] == 0x16 and data[1] == 0x03
