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
}
