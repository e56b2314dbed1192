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
    "error.unknown_code": "An error was reported without an explanation (code “{code}”).",
    "error.server_said": "The server says: “{text}”",
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
    "error.database_corrupt": "A chat file was damaged: it was set aside ({path}) and a new one was created.",
    "error.database_in_use": "Another Messagerie is already hosting with {path}. The chat goes on, but will not be kept after closing.",
    "error.database_memory": "Cannot write to {path} ({detail}). The chat goes on, but will not be kept after closing.",
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
    "line.first_contact": "First connection to {host}: safety code {code}. Compare it with the one shown on the host.",
    "line.identity_accepted": "You accepted the new identity of {host}. Old safety code: {old}. New: {new}.",
    "error.wrong_password_or_impostor": "Password refused. If you are sure of the password, someone may be impersonating the host: compare this safety code with the one shown on the host: {safety_code}.",
    "error.identity_not_checked": "Without encryption, nothing proves you are talking to the right host: its remembered identity is not checked.",
    # GUI
    "gui.app_title": "Messagerie",
    "gui.title_unread": "({count}) Messagerie",
    "gui.menu.view": "View",
    "gui.menu.theme_light": "Light theme",
    "gui.menu.theme_dark": "Dark theme",
    "gui.menu.language": "Language",
    "gui.menu.language_system": "System language",
    "gui.menu.language_fr": "Français",
    "gui.menu.language_en": "English",
    "gui.menu.quit": "Quit",
    "gui.notice.close": "Close",
    "gui.notice.settings_damaged": (
        "The settings were unreadable: they were set aside ({path}) "
        "and the default settings are used."
    ),
    "gui.start.welcome": "Welcome to Messagerie",
    "gui.start.intro": "Chat with the people on your local network, with no account or internet.",
    "gui.start.name": "Your name",
    "gui.start.name_hint": "Left empty: “{host}” if you host, “{client}” otherwise.",
    "gui.start.host_title": "Host a discussion",
    "gui.start.host_intro": (
        "Others will connect to this computer. The firewall may ask for permission: "
        "allow it for the private network."
    ),
    "gui.start.host_ip": "Listening address",
    "gui.start.host_ip_hint": "0.0.0.0 = every network card of this computer",
    "gui.start.port": "Port",
    "gui.start.password": "Password (optional)",
    "gui.start.host_button": "Start the server",
    "gui.start.join_title": "Join a discussion",
    "gui.start.join_intro": "Type the address the person hosting gave you.",
    "gui.start.join_ip": "Server address",
    "gui.start.join_ip_hint": "For example 192.168.1.23 or 192.168.1.23:5566",
    "gui.start.join_button": "Connect",
    "gui.start.starting": "Starting…",
    "gui.start.connecting": "Connecting…",
    "gui.error.host_empty": "Type an IP address or a machine name.",
    "gui.error.name_empty": "Type a name.",
    "gui.error.name_too_long": "Name too long: {limit} characters at most.",
    "gui.error.name_forbidden": "This name contains a forbidden character.",
    "gui.error.text_empty": "The message is empty.",
    "gui.error.text_too_long": (
        "Message too long: {length} characters for {limit} at most. "
        "Shorten it or send it in several parts."
    ),
    "gui.error.text_forbidden": "This message contains a forbidden control character.",
    "gui.error.wrong_password": "Wrong password. Check it with the host.",
    "gui.error.port_in_use_hint": "Port {suggestion} has been filled in instead: click “{button}” again.",
    "gui.chat.status_waiting": "Waiting for connections...",
    "gui.chat.status_people": "Connected — {count} participant(s)",
    "gui.chat.status_connecting": "Connecting…",
    "gui.chat.status_disconnected": "Disconnected",
    "gui.chat.not_encrypted": "not encrypted",
    "gui.chat.encrypted": "encrypted",
    "gui.chat.safety_code": "Safety code: {code}",
    "gui.chat.address_label": "Address to give to others:",
    "gui.chat.copy": "Copy",
    "gui.chat.copied": "Copied!",
    "gui.chat.participants": "Participants",
    "gui.chat.you": "{name} (you)",
    "gui.chat.send": "Send",
    "gui.chat.leave": "Leave the discussion",
    "gui.chat.pending": "sending…",
    "gui.chat.room": "{name}'s discussion",
    "gui.chat.input_hint": "Enter to send",
    "gui.chat.no_address": "no network address found",
    "gui.identity.title": "The server's identity has changed",
    "gui.identity.body": (
        "The server {host}:{port} no longer shows the same identity as last time. "
        "That is normal if it was reinstalled or moved to another computer. Otherwise, "
        "someone may be trying to impersonate it."
    ),
    "gui.identity.advice": (
        "Ask the person hosting to read out their safety code: trust the new one only "
        "if it matches."
    ),
    "gui.identity.old_code": "Old code: {code}",
    "gui.identity.new_code": "New code: {code}",
    "gui.identity.cancel": "Cancel",
    "gui.identity.trust": "Trust the new one",
    "gui.notice.settings_not_saved": (
        "Cannot save the settings in {path}: {detail}. The app works, but will not remember them."
    ),
    "error.no_display": "Cannot open the window: no display is available ({detail}). Without a display, use --headless, for example: messagerie serve --headless",
    # Shared files (issue 15).
    "error.file_too_large": "File too large: at most {limit} per file.",
    "error.file_over_quota": "Not enough room on the host for this file ({limit} in all).",
    "error.bad_file_name": "File name refused.",
    "error.bad_token": "Unknown transfer authorisation.",
    "error.token_used": "This transfer authorisation was already used.",
    "error.token_expired": "The transfer authorisation expired. Try again.",
    "error.sha256_mismatch": "The file does not match its SHA-256 fingerprint: it was rejected.",
    "error.file_gone": "This file is no longer available on the host.",
    "error.unknown_file": "Unknown file in this discussion.",
    "error.upload_busy": "This file is already being sent.",
    "error.too_much_data": "More bytes received than the announced size.",
    "error.unexpected_data": "Data received before the transfer was authorised.",
    "error.files_disabled": "This discussion does not share files.",
    "error.file_unreadable": "Cannot read the file: {detail}.",
    "error.file_unwritable": "Cannot write the file in {path}: {detail}.",
    "error.transfer_failed": "The transfer failed after several attempts.",
    "error.transfer_cancelled": "Transfer cancelled.",
    "file_name.not_a_string": "File name refused: it is not text.",
    "file_name.empty": "File name refused: it is empty.",
    "file_name.bidi": "File name refused: it holds characters that reverse the text's direction.",
    "file_name.control": "File name refused: it holds control characters.",
    "file_name.separator": "File name refused: it holds a folder separator (/ or \\).",
    "file_name.dot_dot": "File name refused: it climbs up folders (..).",
    "file_name.absolute": "File name refused: it is an absolute path or a drive.",
    "file_name.forbidden": "File name refused: it holds a character Windows forbids.",
    "file_name.reserved": "File name refused: Windows reserves this name (CON, NUL…).",
    "file_name.trailing": "File name refused: it ends with a dot or a space.",
    "file_name.too_long": "File name refused: over 200 bytes.",
    "file.room_text": "Shared file: {name} ({size})",
    "line.file_offered": "“{name}” ({size}), from {sender}: to download it, /get {id}",
    "line.file_sent": "File sent: “{name}”",
    "line.file_received": "File received: {path}",
    "line.file_failed": "Transfer of “{name}” failed: {reason}",
    "size.point": ".",
    "size.bytes": "{n} B",
    "size.kb": "{n} KB",
    "size.mb": "{n} MB",
    "size.gb": "{n} GB",
    "size.tb": "{n} TB",
}
