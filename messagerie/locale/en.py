"""English catalog. Must have exactly the keys of fr.py (tests/test_i18n.py checks it)."""

MESSAGES = {
    "error.frame_too_large": "Message too large (at most {limit} bytes per frame).",
    "error.empty_frame": "Empty frame received.",
    "error.bad_utf8": "Unreadable text received (invalid UTF-8).",
    "error.bad_json": "Unreadable data received (invalid JSON).",
    "error.not_an_object": "Malformed data received (a JSON object was expected).",
    "error.unknown_type": "Unknown message type: {type}.",
    "error.bad_field": "Invalid or missing field: {field}.",
    "error.text_too_long": "Message too long: {limit} characters at most.",
    "error.bad_name": "Invalid name: 1 to 40 characters, no control characters.",
    "error.unsupported_version": "Unsupported protocol version.",
    "error.unexpected_message": "Unexpected message at this point of the exchange.",
    "error.handshake_timeout": "The connection was not set up in time.",
    "error.room_full": "The discussion is full.",
    "error.too_many_connections": "Too many connections from this address.",
    "error.slow_reader": "Connection too slow: disconnected so as not to hold up the others.",
    "error.peer_timeout": "No news from the other side: connection lost.",
    "error.room_closed": "The host closed the discussion.",
    "error.port_in_use": "Port {port} is already in use on this machine. Try port {suggestion}.",
    "error.port_denied": "The system refuses to listen on port {port} (insufficient rights).",
    "error.address_unavailable": "The address {host} does not belong to this machine.",
    "error.bad_port": "Invalid port: a number between 1 and 65535 is expected.",
    "error.bad_host": "Invalid address: an IP address or a machine name is expected.",
    "error.unknown_host": "Machine not found: “{host}”. Check the address.",
    "error.connection_refused": (
        "Nobody is listening at {host}:{port}. Is the server started? "
        "Are you on the same network? Is a firewall blocking the connection?"
    ),
    "error.connection_timeout": (
        "No answer from {host}:{port}. Check the address, the firewall, and that the Wi-Fi "
        "does not isolate devices (client isolation, VPN, virtual machine)."
    ),
    "error.connection_lost": "The connection with the server was lost.",
    "error.network_error": "Network error: {detail}.",
    "error.internal": "Internal error — see the log.",
    "error.storage": "Cannot write to {path}: {detail}. The chat goes on in memory.",
    "line.waiting": "Waiting for connections...",
    "line.connection_from": "Connection established with {address}",
    "line.connected": "Connected to the server",
    "line.chat": "{name}: {text}",
    "line.joined": "{name} joined the discussion",
    "line.left": "{name} left the discussion",
    "line.disconnected": "Disconnected: {reason}",
    "line.reconnecting": "Reconnecting in {delay} s...",
    "line.listening": "Discussion open on {addresses}",
    "line.room_closed": "The host closed the discussion.",
    "error.handshake_failed": "The server closed the connection while it was being set up. It may use encryption, or not (--no-tls on one side only).",
    "error.replaced": "This connection was replaced by a newer one from the same participant.",
    "warning.database_corrupt": "A chat file was damaged: it was set aside ({path}) and a new one was created.",
    "warning.database_memory": "Cannot write to {path} ({detail}). The chat goes on, but will not be kept after closing.",
    "line.safety_code": "Safety code: {code}",
    "line.not_encrypted": "Warning: this discussion is not encrypted.",
    # Security
    "error.wrong_password": "Wrong password.",
    "error.too_many_attempts": (
        "Too many password attempts from this address. Try again in a minute, "
        "and check the password with the host."
    ),
    "error.password_required": "This discussion is protected by a password. Ask the host for it.",
    "error.server_auth_failed": (
        "The server did not prove it knows the password: connection stopped. "
        "Someone on the network may be impersonating it."
    ),
    "error.identity_changed": (
        "The identity of server {host} has changed. Old safety code: {old}. "
        "New: {new}. If the host did not reinstall Messagerie, someone may be impersonating "
        "it: compare the new code with the host before accepting it."
    ),
    "error.tls_required": (
        "Cannot connect: one side encrypts the connection and the other does not. "
        "Use the same version of Messagerie and the same encryption setting on both sides."
    ),
    "error.tls_failed": (
        "The secure connection could not be set up. Check the address and that the host "
        "runs a recent version of Messagerie."
    ),
    "error.identity_regenerated": (
        "This server's identity was unreadable: a new one was created. People who joined "
        "before will see “identity changed”: give them the new safety code."
    ),
    "error.identity_temporary": (
        "Cannot save this server's identity in {path} ({detail}). A temporary identity is "
        "used: next time, people will see “identity changed”."
    ),
    "error.known_hosts_reset": (
        "The list of known servers was unreadable; it was set aside ({path}). "
        "Servers will be treated as new: check their safety code."
    ),
    "label.safety_code": "Safety code",
    "label.safety_code_hint": (
        "Compare this code aloud with the host: if it is the same, nobody is standing between you."
    ),
    "label.encrypted": "encrypted",
    "label.unencrypted": "not encrypted",
    "label.password": "Password",
    "label.remember_password": "Remember the password",
    "label.trust_new_identity": "Accept the new identity",
    "line.first_contact": "First connection to {host}: safety code {code}.",
}
