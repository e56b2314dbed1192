"""Every timer and cap of the room, in one injectable dataclass.

The defaults are the product's (see DESIGN.md). Tests and benchmarks pass a `Limits` with
shorter timers instead of patching code. Wire-level limits (frame, text, name sizes) are part
of the protocol and live in messagerie/protocol/.
"""

from __future__ import annotations

from dataclasses import dataclass

from messagerie import protocol

DEFAULT_PORT = 5566
DEFAULT_HOST_NAME = "Serveur"
DEFAULT_CLIENT_NAME = "Client"


@dataclass(frozen=True, kw_only=True)
class Limits:
    max_frame: int = protocol.MAX_FRAME
    handshake_timeout_s: float = 10.0
    # TLS comes first and has its own, shorter deadline; connections still in it are capped
    # per address and in all, so that silent sockets cannot use up the host's descriptors.
    tls_handshake_timeout_s: float = 5.0
    max_tls_handshakes: int = 64
    max_tls_handshakes_per_ip: int = 8
    ping_interval_s: float = 15.0
    dead_peer_s: float = 45.0
    max_participants: int = 1_000
    max_connections_per_ip: int = 20
    send_buffer_cap: int = 1024 * 1024
    # Flood control: a token bucket per participant. Past the burst, reads from the sender
    # are paused until tokens come back, so it is slowed down and nothing is dropped.
    flood_burst: int = 20
    flood_rate_per_s: float = 5.0
    # "Someone is typing" goes out at most this often per person (the room drops the rest).
    typing_every_s: float = 3.0
    # Newcomers (last_seq 0) get this many recent messages.
    history_for_newcomers: int = 100
    # Client reconnect backoff: exponential with jitter, between these bounds.
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 30.0
    connect_timeout_s: float = 10.0
    # Password attempts per IP per minute before the exchange is refused outright.
    password_tries_per_minute: int = 5
    # Shared files: the largest one, and all of them together (the oldest are pushed out to
    # make room). A transfer token must be used within transfer_token_s, once.
    file_cap_bytes: int = 1024**3
    file_quota_bytes: int = 2 * 1024**3
    transfer_token_s: float = 60.0
    # A joiner tries a transfer this many times (resuming each time) before it gives up.
    transfer_attempts: int = 5
    # Progress of a transfer is told at most this often (4 per second: the headless contract).
    progress_every_s: float = 0.25


DEFAULT_LIMITS = Limits()
