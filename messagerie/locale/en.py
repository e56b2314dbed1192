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
    "error.connection_refused": "Nobody is listening at {host}:{port}. Is the discussion created? Are you on the same network? Is a firewall blocking the connection?",
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
    "error.password_guessing": "Someone is trying to guess the discussion's password: too many wrong tries, new connections with a password are refused for {seconds} s. Participants already known can still come back.",
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
    "error.identity_unreadable": (
        "Cannot read this server's identity ({path}: {detail}). It was not replaced, so that "
        "participants do not see “identity changed”. Check that this file belongs to your "
        "account and that you can read it (permissions, disk or network drive), then start "
        "again."
    ),
    "error.not_owned": (
        "Messagerie refuses to use {path}: this folder or file belongs to another account of "
        "this computer ({owner}), or is a link it planted. That account could read your "
        "discussions or replace the server's identity. Choose a folder of your own "
        "(--data-dir or MESSAGERIE_HOME), or give it back to your account."
    ),
    "cli.password_prompt": "Room password: ",
    "cli.password_needs_terminal": (
        "--password - needs a terminal to type the password in; without one, use the "
        "environment variable {env}."
    ),
    "cli.password_empty": "Empty password.",
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
    "gui.start.name_hint": "Others see this name next to your messages. Left empty, a default name is used.",
    "gui.start.host_title": "Create a discussion",
    "gui.start.host_intro": "Others will join you on this computer. If the firewall asks for permission, allow it for the private network.",
    "gui.start.host_ip": "Listening address",
    "gui.start.host_ip_hint": "0.0.0.0 = every network card of this computer",
    "gui.start.port": "Port",
    "gui.start.password": "Password (optional)",
    "gui.start.host_button": "Create the discussion",
    "gui.start.join_title": "Join a discussion",
    "gui.start.join_intro": "Pick a discussion found on the network, or type the address the person hosting gave you.",
    "gui.start.join_ip": "Discussion address",
    "gui.start.join_ip_hint": "The one the person hosting sees in their window, under “Address to give to others”.",
    "gui.start.join_button": "Join",
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
    "gui.chat.input_hint": "Enter to send, Shift+Enter for a new line",
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
    # Issue 14: following the talk, reconnecting, closing, typing, the safety code.
    "gui.chat.new_below": "New messages ({count}) ↓",
    "gui.chat.unread_line": "── Unread since you reconnected ──",
    "gui.day.today": "Today",
    "gui.day.yesterday": "Yesterday",
    "gui.day.weekdays": "Monday,Tuesday,Wednesday,Thursday,Friday,Saturday,Sunday",
    "gui.day.months": "January,February,March,April,May,June,July,August,September,October,November,December",
    "gui.day.date": "{weekday} {day} {month}",
    "gui.day.date_year": "{weekday} {day} {month} {year}",
    "gui.chat.retry_now": "Retry now",
    "gui.chat.rejoin": "Join again",
    "gui.chat.host_code_label": "Safety code, to read out to the participants:",
    "gui.chat.typing_one": "{name} is typing…",
    "gui.chat.typing_two": "{first} and {second} are typing…",
    "gui.chat.typing_many": "Several people are typing…",
    "gui.chat.status_reconnecting": "Reconnecting in {seconds} s…",
    "gui.chat.status_retrying": "Reconnecting…",
    "gui.chat.status_room_closed": "The host closed the discussion",
    "gui.chat.participants_offline": "Participants (offline)",
    "gui.safety.step_intro": "First connection to this host: its safety code {code} must be the same as on its screen.",
    "gui.safety.step_compare": "Ask the host to read the code shown on their screen. Is it this one?",
    "gui.safety.step_same": "Code checked: you are connected to the host.",
    "gui.safety.step_different": "The codes differ: someone may be pretending to be the host. Leave the discussion and tell the host.",
    "gui.safety.compare_button": "Compare the code",
    "gui.safety.same_button": "Yes, it is the same",
    "gui.safety.different_button": "No, it is different",
    "gui.safety.close_button": "Close",
    "gui.confirm.title": "Close the discussion?",
    "gui.confirm.close_one": "1 person is connected. Close the discussion for everyone?",
    "gui.confirm.close_many": "{count} people are connected. Close the discussion for everyone?",
    "gui.confirm.yes": "Close for everyone",
    "gui.confirm.no": "Cancel",
    "gui.menu.notifications": "Desktop notifications",
    "error.no_such_interface": "Unknown network card: “{interface}” (it must have an IPv4 address).",
    "discovery.disabled": "Room discovery is turned off (--no-discovery or MESSAGERIE_DISCOVERY=off).",
    "rooms.none": "No discussion found on the network.",
    "rooms.line": "{name} — {host} — {where}",
    "rooms.no_tls": "(not encrypted)",
    "rooms.suspicious": "⚠ identity differs from the one known for this address: do not trust it",
    "rooms.added": "+",
    "rooms.removed": "-",
    "gui.rooms.column_room": "Discussion",
    "gui.rooms.column_host": "Computer",
    "gui.rooms.column_address": "Address",
    "gui.rooms.searching": "Looking for discussions on the network…",
    "gui.rooms.pick": "Click a discussion to join it, or type an address below.",
    "gui.rooms.none": "No discussion found on the network yet. Type the address below.",
    "gui.rooms.off": "Looking for discussions automatically is turned off. Type the address below.",
    "gui.rooms.suspicious": "⚠ A discussion announces another identity than the one known for this address: someone may be impersonating it. Do not join it without checking the safety code with the person hosting.",
    "gui.rooms.needs_password": "“{room}” needs a password: type it, then “Join”.",
    "doctor.unknown_host": "The name “{host}” matches no machine: check the address (better use the IP address the person hosting sees in their window).",
    "doctor.not_listening": "The computer {host} answers, but nothing listens on port {port}: the discussion is not created, or it uses another port. Ask the person hosting to click “Create the discussion” and to read you the address shown.",
    "doctor.port_filtered": "The computer {host} answers, but not its port {port}: a firewall blocks it. On the hosting computer, on Windows: Windows Security → Firewall & network protection → Allow an app through firewall → Change settings → tick Messagerie under “Private”. The network must also be “Private”, not “Public” (Settings → Network & internet).",
    "doctor.nothing_answers": "Nothing answers at {host}: the computer is off or asleep, the address is wrong, or a firewall blocks everything (on Windows, the firewall of a “Public” network answers nothing). Check the address with the person hosting.",
    "doctor.other_subnet": "This computer ({mine}, mask {netmask}) and {host} are not on the same subnet: automatic discovery does not cross routers, and the connection works only if the network links them. Check the address, or connect both computers to the same network (the same Wi-Fi).",
    "doctor.reachable": "{host}:{port} answers: the network is not the problem.",
    "doctor.multicast_blocked": "{host} answers and announces its discussion, but its announcements do not reach this computer: the network blocks them (Wi-Fi client isolation, a “guest” Wi-Fi, or a router that filters multicast). Type the address by hand, or turn off client isolation in the access point's settings.",
    "doctor.not_announced": "{host}:{port} answers, but announces no discussion (discovery turned off by the person hosting, or an old version). Type the address by hand.",
    "doctor.no_network": "This computer is not connected to any local network (no active network card with an address). Plug in the cable or connect to the Wi-Fi.",
    "doctor.several_cards": "This computer has several network cards: {cards}. The one used is {used}. If it is not the one on the discussion's network (a VPN, a virtual machine), disconnect the other, or start Messagerie with --discovery-interface followed by the right card's name.",
    "doctor.title": "Diagnosis:",
    "gui.start.join_password": "Password (if the discussion asks for one)",
    "gui.start.advanced": "Advanced options",
    "gui.start.tls_on": "Encryption: on (TLS 1.3, identity checked)",
    "gui.start.tls_off": "Encryption: off (--no-tls option)",
    "gui.start.port_from_address": "Port {port} is taken from the discussion address.",
    "gui.start.needs_password": "This discussion needs a password.",
    "cli.description": "Instant messenger for the local network.",
    "cli.usage": "usage: ",
    "cli.positionals": "arguments",
    "cli.options": "options",
    "cli.commands": "commands",
    "cli.error": "{prog}: error: {message}",
    "cli.help": "show this help and exit",
    "cli.version": "show the version and exit",
    "cli.self_test": "check the executable (exit status 0 when all is well)",
    "cli.data_dir": "folder for settings, history and identity",
    "cli.lang": "language of the messages (fr or en)",
    "cli.discovery_interface": "announce and look for discussions on this network card only",
    "cli.no_discovery": "neither announce nor look for discussions",
    "cli.headless": "no window: read standard input, write standard output",
    "cli.json": "with --headless: one JSON line per event",
    "cli.no_tls": "no encryption (diagnostics)",
    "cli.password": "room password. Prefer the environment variable {env}, or '-' to type it: a password written on the command line is visible to every account of the computer in the process list",
    "cli.limit": "override a timer or cap (tests and benchmarks)",
    "cli.serve": "create a discussion",
    "cli.serve_host": "listening address (default 0.0.0.0: every network card)",
    "cli.serve_port": "port (0: any free port)",
    "cli.name": "your name in the discussion",
    "cli.join": "join a discussion",
    "cli.join_address": "address of the discussion, with or without a port",
    "cli.trust_new": "accept a changed server identity",
    "cli.rooms": "list the discussions on the network",
    "cli.rooms_json": "one JSON object per line",
    "cli.rooms_timeout": "listen for S seconds",
    "cli.rooms_watch": "print each change until --timeout ends",
    "cli.rooms_port": "port the broadcast probe asks (default {port}; repeatable)",
    "cli.doctor": "explain why a connection fails",
    "cli.doctor_json": "one JSON object per finding",
    "cli.doctor_timeout": "longest time for each check, in seconds",
    "cli.not_listed": "the discussion is missing from the list of discussions",
    "cli.metavar_dir": "FOLDER",
    "cli.metavar_card": "CARD",
    "cli.metavar_path": "PATH",
    "cli.metavar_password": "PASSWORD",
    "cli.metavar_limit": "NAME=VALUE",
    "cli.metavar_host": "ADDRESS",
    "cli.metavar_address": "HOST[:PORT]",
    "cli.metavar_name": "NAME",
}
