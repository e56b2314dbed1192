"""Command line: `messagerie [serve|join] ...` -> the window, headless mode, or the self-test.

The contract (DESIGN.md, "Command line") is relied on by tests and scripts:

    messagerie                                   start window (GUI)
    messagerie serve [--host H] [--port P] [--name N] [--headless [--json]]
    messagerie join HOST[:PORT] [--name N] [--headless [--json]] [--download-dir DIR]
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
from messagerie.protocol import name_problem
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
    if name_problem(text):
        raise argparse.ArgumentTypeError(i18n.tr("error.bad_name"))
    return text.strip()


def _limit(text: str) -> tuple[str, float]:
    key, _, value = text.partition("=")
    known = {f.name: f.type for f in dataclasses.fields(Limits)}
    if key not in known:
        raise argparse.ArgumentTypeError(f"unknown limit {key!r}; known: {', '.join(known)}")
    try:
        return key, (int(value) if known[key] == "int" else float(value))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{key}: not a number: {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a value given before the subcommand is not overwritten by the default.
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help="settings, history, identity")
    common.add_argument("--lang", choices=i18n.LANGUAGES, default=argparse.SUPPRESS)

    parser = argparse.ArgumentParser(
        prog="messagerie",
        description="Messagerie instantanée pour le réseau local.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"messagerie {__version__}")
    parser.add_argument("--self-test", nargs="?", const="", metavar="PATH", default=None)
    sub = parser.add_subparsers(dest="mode")

    session = argparse.ArgumentParser(add_help=False, parents=[common])
    session.add_argument("--headless", action="store_true", help="no window: stdin/stdout")
    session.add_argument("--json", action="store_true", help="with --headless: JSON lines")
    session.add_argument("--no-tls", action="store_true", help="no encryption (diagnostics)")
    session.add_argument("--password", default=os.environ.get(ENV_PASSWORD) or None)
    session.add_argument(
        "--download-dir", default=None, metavar="DIR", help="where received files go"
    )
    session.add_argument(
        "--limit",
        action="append",
        type=_limit,
        default=[],
        metavar="NAME=VALUE",
        help="override a timer or cap (tests and benchmarks)",
    )

    serve = sub.add_parser("serve", parents=[session], help="host a discussion")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT)
    serve.add_argument("--name", type=_name, default=None)

    join = sub.add_parser("join", parents=[session], help="join a discussion")
    join.add_argument("address", metavar="HOST[:PORT]")
    join.add_argument("--name", type=_name, default=None)
    join.add_argument("--trust-new", action="store_true", help="accept a changed server identity")
    return parser


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
    parser = build_parser()
    args = parser.parse_args(argv)
    i18n.set_language(getattr(args, "lang", None))
    try:
        data_dir = files.data_dir(getattr(args, "data_dir", None))
    except MessagerieError as exc:
        parser.exit(2, f"{explain(exc)}\n")
    _setup_logging(data_dir)

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

    # What escaped becomes a sentence through the one door: `explain` shows a domain error's
    # sentence, and logs anything else, a bug, with its traceback as an internal error.
    try:
        if args.mode and args.headless:
            return _run_headless(args, data_dir, limits)
        return _run_window(args, data_dir, limits)
    except Exception as exc:
        text = explain(exc)
        if not isinstance(exc, MessagerieError):
            text = f"{text} {data_dir / LOG_FILE}"  # where "voir le journal" points
        print(text, file=sys.stderr)
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


def _setup_logging(data_dir: Path) -> None:
    """Log to a rotating file in the data dir: tracebacks go there, never to the user."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    try:
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
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
