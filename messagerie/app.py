"""Command line: `messagerie [serve|join] ...` -> the window, headless mode, or the self-test.

The contract (DESIGN.md, "Command line") is relied on by tests and scripts:

    messagerie                                   start window (GUI)
    messagerie serve [--host H] [--port P] [--name N] [--headless [--json]]
    messagerie join HOST[:PORT] [--name N] [--headless [--json]] [--download-dir DIR]
    messagerie rooms [--json] [--timeout S] [--watch] [--port P]
    messagerie doctor HOST[:PORT] [--json] [--timeout S] [--not-listed]
    messagerie --version
    messagerie --self-test [PATH]
    common: --data-dir DIR (also MESSAGERIE_HOME), --no-tls, --password, --lang,
            --discovery-interface IFACE, --no-discovery
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import logging.handlers
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from messagerie import __version__, i18n
from messagerie.errors import MessagerieError
from messagerie.i18n import tr
from messagerie.limits import (
    DEFAULT_CLIENT_NAME,
    DEFAULT_HOST_NAME,
    DEFAULT_LIMITS,
    DEFAULT_PORT,
    Limits,
)
from messagerie.protocol import name_problem, normalise_name
from messagerie.store import files
from messagerie.validators import split_host_port, validate_host, validate_port
from messagerie.wording import explain
from messagerie.wording.sentences import neutralise

log = logging.getLogger("messagerie")
ENV_PASSWORD = "MESSAGERIE_PASSWORD"
LOG_FILE = "messagerie.log"


def _port(text: str) -> int:
    if text.strip().isdigit() and 0 <= int(text) <= 65535:
        return int(text)
    raise argparse.ArgumentTypeError(i18n.tr("error.bad_port"))


def _name(text: str) -> str:
    name = normalise_name(text)
    if name_problem(name):
        raise argparse.ArgumentTypeError(i18n.tr("error.bad_name"))
    return name


def _limit(text: str) -> tuple[str, float]:
    key, _, value = text.partition("=")
    known = {f.name: f.type for f in dataclasses.fields(Limits)}
    if key not in known:
        raise argparse.ArgumentTypeError(f"unknown limit {key!r}; known: {', '.join(known)}")
    try:
        return key, (int(value) if known[key] == "int" else float(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{key}: not a number: {value!r}") from None


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with its "usage: " prefix taken from our catalogs."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, tr("cli.usage") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose own words go through the catalogs, like the help strings.

    argparse writes "usage:", "options", "show this help message and exit" and "error:" in
    English whatever the locale, which mixed two languages in a French `--help`. The section
    titles, the help option and the error line are ours; the few sentences argparse builds
    itself for a malformed command line ("the following arguments are required") stay
    English, as it has no catalog of its own.
    """

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = tr("cli.positionals")
        self._optionals.title = tr("cli.options")
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help=tr("cli.help")
            )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, tr("cli.error", prog=self.prog, message=message) + "\n")


def _language_in(argv: list[str]) -> str | None:
    """The `--lang` of a command line, read before parsing so that `--help` is in it."""
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser, its help in the current language (i18n.set_language)."""
    common = _Parser(add_help=False)
    # SUPPRESS: a value given before the subcommand is not overwritten by the default.
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        metavar=tr("cli.metavar_dir"),
        help=tr("cli.data_dir"),
    )
    common.add_argument(
        "--lang", choices=i18n.LANGUAGES, default=argparse.SUPPRESS, help=tr("cli.lang")
    )
    common.add_argument(
        "--discovery-interface",
        default=argparse.SUPPRESS,
        metavar=tr("cli.metavar_card"),
        help=tr("cli.discovery_interface"),
    )
    common.add_argument(
        "--no-discovery",
        action="store_true",
        default=argparse.SUPPRESS,
        help=tr("cli.no_discovery"),
    )

    parser = _Parser(prog="messagerie", description=tr("cli.description"), parents=[common])
    parser.add_argument(
        "--version", action="version", version=f"messagerie {__version__}", help=tr("cli.version")
    )
    parser.add_argument(
        "--self-test",
        nargs="?",
        const="",
        metavar=tr("cli.metavar_path"),
        default=None,
        help=tr("cli.self_test"),
    )
    sub = parser.add_subparsers(dest="mode", title=tr("cli.commands"))

    session = _Parser(add_help=False, parents=[common])
    session.add_argument("--headless", action="store_true", help=tr("cli.headless"))
    session.add_argument("--json", action="store_true", help=tr("cli.json"))
    session.add_argument("--no-tls", action="store_true", help=tr("cli.no_tls"))
    session.add_argument(
        "--password",
        default=None,  # resolve_password: then MESSAGERIE_PASSWORD, or none
        metavar=tr("cli.metavar_password") + "|-",
        help=tr("cli.password", env=ENV_PASSWORD),
    )
    session.add_argument(
        "--download-dir",
        default=None,
        metavar=tr("cli.metavar_dir"),
        help=tr("cli.download_dir"),
    )
    session.add_argument(
        "--limit",
        action="append",
        type=_limit,
        default=[],
        metavar=tr("cli.metavar_limit"),
        help=tr("cli.limit"),
    )

    serve = sub.add_parser("serve", parents=[session], help=tr("cli.serve"))
    serve.add_argument(
        "--host", default="0.0.0.0", metavar=tr("cli.metavar_host"), help=tr("cli.serve_host")
    )
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=tr("cli.serve_port"))
    serve.add_argument(
        "--name", type=_name, default=None, metavar=tr("cli.metavar_name"), help=tr("cli.name")
    )

    join = sub.add_parser("join", parents=[session], help=tr("cli.join"))
    join.add_argument("address", metavar=tr("cli.metavar_address"), help=tr("cli.join_address"))
    join.add_argument(
        "--name", type=_name, default=None, metavar=tr("cli.metavar_name"), help=tr("cli.name")
    )
    join.add_argument("--trust-new", action="store_true", help=tr("cli.trust_new"))

    rooms = sub.add_parser("rooms", parents=[common], help=tr("cli.rooms"))
    rooms.add_argument("--json", action="store_true", help=tr("cli.rooms_json"))
    rooms.add_argument(
        "--timeout", type=float, default=3.0, metavar="S", help=tr("cli.rooms_timeout")
    )
    rooms.add_argument("--watch", action="store_true", help=tr("cli.rooms_watch"))
    rooms.add_argument(
        "--port",
        type=_port,
        action="append",
        default=None,
        metavar="P",
        help=tr("cli.rooms_port", port=DEFAULT_PORT),
    )

    doctor = sub.add_parser("doctor", parents=[common], help=tr("cli.doctor"))
    doctor.add_argument("address", metavar=tr("cli.metavar_address"), help=tr("cli.join_address"))
    doctor.add_argument("--json", action="store_true", help=tr("cli.doctor_json"))
    doctor.add_argument(
        "--timeout", type=float, default=2.0, metavar="S", help=tr("cli.doctor_timeout")
    )
    doctor.add_argument("--not-listed", action="store_true", help=tr("cli.not_listed"))
    return parser


def resolve_password(given: str | None, parser: argparse.ArgumentParser) -> str | None:
    """The room password: --password, "-" to type it, else MESSAGERIE_PASSWORD, else none.

    A password on the command line can be read by every account of the machine in the
    process list; the environment variable and the prompt cannot.
    """
    if given is None:
        return os.environ.get(ENV_PASSWORD) or None
    if given != "-":
        return given
    if not (sys.stdin and sys.stdin.isatty()):
        parser.error(i18n.tr("cli.password_needs_terminal", env=ENV_PASSWORD))
    import getpass

    typed = getpass.getpass(i18n.tr("cli.password_prompt"))
    if not typed:
        parser.error(i18n.tr("cli.password_empty"))
    return typed


def _ensure_std_streams() -> None:
    """Give a windowed Windows build somewhere to print.

    PyInstaller's windowed executable starts with sys.stdout and sys.stderr set to None, so
    `--version`, `--headless` and argparse's messages would crash. Started from a console,
    we attach to it so the output is visible; otherwise output goes nowhere.
    """
    if sys.stdout is not None and sys.stderr is not None:
        return
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115
            sys.stderr = sys.stdout
            sys.stdin = open("CONIN$", encoding="utf-8")  # noqa: SIM115
            return
    sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the app
    sys.stdout = sys.stdout or sink
    sys.stderr = sys.stderr or sink


def main(argv: list[str] | None = None) -> int:
    _ensure_std_streams()
    argv = sys.argv[1:] if argv is None else argv
    i18n.set_language(_language_in(argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    i18n.set_language(getattr(args, "lang", None))
    if args.mode in ("serve", "join"):
        args.password = resolve_password(args.password, parser)
    try:
        data_dir = files.data_dir(getattr(args, "data_dir", None))
        _setup_logging(data_dir)
    except MessagerieError as exc:
        parser.exit(2, f"{explain(exc)}\n")
    interface = getattr(args, "discovery_interface", None)
    if interface:
        from messagerie.net import adapters

        if not adapters.interface_exists(interface):
            parser.error(i18n.tr("error.no_such_interface", interface=interface))
    _discovery_options(interface=interface, off=getattr(args, "no_discovery", False))

    if args.self_test is not None:
        from messagerie.selftest import run_self_test

        return run_self_test(args.self_test or None)

    if args.mode in ("join", "doctor"):
        # The same checks as the join form: "host", "host:port" or "[v6]:port".
        host_text, port_text = split_host_port(args.address)
        args.host, error = validate_host(host_text)
        args.port = DEFAULT_PORT
        if port_text is not None and not error:
            args.port, error = validate_port(port_text)
        if error:
            parser.error(error)
    limits = dataclasses.replace(DEFAULT_LIMITS, **dict(getattr(args, "limit", [])))

    # What escaped becomes a sentence through the one door: `explain` shows a domain error's
    # sentence, and logs anything else, a bug, with its traceback as an internal error.
    try:
        if args.mode == "rooms":
            from messagerie import headless

            return headless.run_rooms(args, data_dir)
        if args.mode == "doctor":
            from messagerie import headless

            return headless.run_doctor(args)
        if args.mode and args.headless:
            return _run_headless(args, data_dir, limits)
        return _run_window(args, data_dir, limits)
    except Exception as exc:
        text = explain(exc)
        if not isinstance(exc, MessagerieError):
            text = f"{text} {data_dir / LOG_FILE}"  # where "voir le journal" points
        print(text, file=sys.stderr)
    return 1


def _discovery_options(*, interface: str | None, off: bool) -> None:
    """Apply `--discovery-interface` and `--no-discovery` to the whole process."""
    from messagerie.net import discovery

    if off:
        discovery.configure(enabled=False)
    elif interface:
        discovery.configure(enabled=True, interface=interface)


def _run_window(args: argparse.Namespace, data_dir: Path, limits: Limits) -> int:
    from messagerie.ui import run_gui

    return run_gui(
        data_dir=data_dir,
        mode=args.mode,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        name=getattr(args, "name", None),
        tls=not getattr(args, "no_tls", False),
        password=getattr(args, "password", None),
        trust_new=getattr(args, "trust_new", False),
        limits=limits,
    )


def _run_headless(args: argparse.Namespace, data_dir: Path, limits: Limits) -> int:
    from messagerie import headless
    from messagerie.net.session import HostSession, JoinSession, SessionConfig

    front = headless.HeadlessFrontEnd(
        json_mode=args.json,
        download_dir=files.downloads_dir(args.download_dir) if args.download_dir else None,
    )
    hosting = args.mode == "serve"
    config = SessionConfig(
        host=args.host,
        port=args.port,
        name=args.name or (DEFAULT_HOST_NAME if hosting else DEFAULT_CLIENT_NAME),
        data_dir=data_dir,
        limits=limits,
        tls=not args.no_tls,
        password=args.password,
        trust_new=not hosting and args.trust_new,
    )
    session_class = HostSession if hosting else JoinSession
    return headless.run(session_class(config, front.on_event), front)


class _PrivateLogHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are 0600: it names who connected, from where, and why."""

    def _open(self):
        files.make_private(Path(self.baseFilename))
        return super()._open()


def _setup_logging(data_dir: Path) -> None:
    """Log to a rotating file in the data dir: tracebacks go there, never to the user.

    Raises StorageError "not_owned" if the log belongs to another account, which could
    otherwise read it or point it elsewhere.
    """
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    files.check_owned(data_dir / LOG_FILE)
    try:
        handler: logging.Handler = _PrivateLogHandler(
            data_dir / LOG_FILE, maxBytes=1_000_000, backupCount=2, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)


class SafeFormatter(logging.Formatter):
    """A log line whose message cannot forge other lines or act on the terminal that shows it.

    Messages often hold what a peer sent (a name, a type, a server's sentence): control
    characters are neutralised and a line break is followed by an indent, so that it cannot
    pass for a log line of its own. Tracebacks, added after the message, are left as they are.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        return neutralise(super().formatMessage(record)).replace("\n", "\n    ")


if __name__ == "__main__":
    sys.exit(main())
