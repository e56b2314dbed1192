"""Command line: `messagerie [serve|join] ...` -> the window, headless mode, or the self-test.

The contract (DESIGN.md, "Command line") is relied on by tests and scripts:

    messagerie                                   start window (GUI)
    messagerie serve [--host H] [--port P] [--name N] [--headless [--json]]
    messagerie join HOST[:PORT] [--name N] [--headless [--json]]
    messagerie --version
    messagerie --self-test [PATH]
    common: --data-dir DIR (also MESSAGERIE_HOME), --no-tls, --password, --lang
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import logging.handlers
import os
import sys
from pathlib import Path

from messagerie import __version__, i18n
from messagerie.errors import MessagerieError
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


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's own words ("usage:") in the current language, like the rest of --help."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(
            usage, actions, groups, i18n.tr("cli.usage") if prefix is None else prefix
        )


def _translated(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give `parser` a -h/--help and section titles in the current language."""
    parser.add_argument("-h", "--help", action="help", help=i18n.tr("cli.help.help"))
    parser._optionals.title = i18n.tr("cli.options")  # no public way to rename it
    parser._positionals.title = i18n.tr("cli.positionals")
    return parser


def _subcommand(sub, name: str, parent: argparse.ArgumentParser) -> argparse.ArgumentParser:
    return _translated(
        sub.add_parser(
            name,
            parents=[parent],
            help=i18n.tr(f"cli.help.{name}"),
            add_help=False,
            formatter_class=_HelpFormatter,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a value given before the subcommand is not overwritten by the default.
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help=i18n.tr("cli.help.data_dir"))
    common.add_argument(
        "--lang", choices=i18n.LANGUAGES, default=argparse.SUPPRESS, help=i18n.tr("cli.help.lang")
    )

    parser = argparse.ArgumentParser(
        prog="messagerie",
        add_help=False,
        formatter_class=_HelpFormatter,
        description=i18n.tr("cli.help.description"),
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"messagerie {__version__}",
        help=i18n.tr("cli.help.version"),
    )
    parser.add_argument(
        "--self-test",
        nargs="?",
        const="",
        metavar="PATH",
        default=None,
        help=i18n.tr("cli.help.self_test"),
    )
    sub = parser.add_subparsers(dest="mode")

    session = argparse.ArgumentParser(add_help=False, parents=[common])
    session.add_argument("--headless", action="store_true", help=i18n.tr("cli.help.headless"))
    session.add_argument("--json", action="store_true", help=i18n.tr("cli.help.json"))
    session.add_argument("--no-tls", action="store_true", help=i18n.tr("cli.help.no_tls"))
    session.add_argument(
        "--password",
        metavar="PW|-",
        default=None,
        help=i18n.tr("cli.help.password", env=ENV_PASSWORD),
    )
    session.add_argument(
        "--limit",
        action="append",
        type=_limit,
        default=[],
        metavar="NAME=VALUE",
        help=i18n.tr("cli.help.limit"),
    )

    _translated(parser)
    serve = _subcommand(sub, "serve", session)
    serve.add_argument("--host", default="0.0.0.0", help=i18n.tr("cli.help.host"))
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT, help=i18n.tr("cli.help.port"))
    serve.add_argument("--name", type=_name, default=None, help=i18n.tr("cli.help.name"))

    join = _subcommand(sub, "join", session)
    join.add_argument("address", metavar="HOST[:PORT]", help=i18n.tr("cli.help.address"))
    join.add_argument("--name", type=_name, default=None, help=i18n.tr("cli.help.name"))
    join.add_argument("--trust-new", action="store_true", help=i18n.tr("cli.help.trust_new"))
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
    # The language first, so that --help is in one language.
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", choices=i18n.LANGUAGES, default=None)
    i18n.set_language(early.parse_known_args(argv)[0].lang)
    parser = build_parser()
    args = parser.parse_args(argv)
    i18n.set_language(getattr(args, "lang", None))
    if args.mode:
        args.password = resolve_password(args.password, parser)
    try:
        data_dir = files.data_dir(getattr(args, "data_dir", None))
        _setup_logging(data_dir)
    except MessagerieError as exc:
        parser.exit(2, f"{exc.message}\n")

    if args.self_test is not None:
        from messagerie.selftest import run_self_test

        return run_self_test(args.self_test or None)

    if args.mode == "join":
        # The same checks as the join form: "host", "host:port" or "[v6]:port".
        host_text, port_text = split_host_port(args.address)
        args.host, error = validate_host(host_text)
        args.port = DEFAULT_PORT
        if port_text is not None and not error:
            args.port, error = validate_port(port_text)
        if error:
            parser.error(error)
    limits = dataclasses.replace(DEFAULT_LIMITS, **dict(getattr(args, "limit", [])))

    # The one place where what escaped becomes a sentence: a domain error is shown as it is,
    # anything else is a bug, logged with its traceback and shown as an internal error.
    try:
        if args.mode and args.headless:
            return _run_headless(args, data_dir, limits)
        return _run_window(args, data_dir, limits)
    except MessagerieError as exc:
        print(exc.message, file=sys.stderr)
    except Exception:
        log.exception("unexpected error")
        print(i18n.tr("error.internal"), data_dir / LOG_FILE, file=sys.stderr)
    return 1


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
    from messagerie.net.session import HostSession, JoinSession

    front = headless.HeadlessFrontEnd(json_mode=args.json)
    common = dict(
        port=args.port,
        data_dir=data_dir,
        on_event=front.on_event,
        limits=limits,
        tls=not args.no_tls,
        password=args.password,
    )
    if args.mode == "serve":
        session = HostSession(host=args.host, name=args.name or DEFAULT_HOST_NAME, **common)
    else:
        session = JoinSession(
            host=args.host,
            name=args.name or DEFAULT_CLIENT_NAME,
            trust_new=args.trust_new,
            **common,
        )
    return headless.run(session, front)


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
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)


if __name__ == "__main__":
    sys.exit(main())
