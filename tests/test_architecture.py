"""The import arrows of docs/ARCHITECTURE.md, read from the source with `ast`.

Every `import` and `from ... import` of every module under messagerie/ is read, including the
ones inside functions and `from messagerie import x` (x is a module when a file of that name
exists). Each of our modules belongs to a layer; an import of a layer that its own layer may
not import is a broken arrow. The protocol is checked through what it imports too: a module
it reaches must obey the protocol's rule, so `errors` importing `i18n` breaks the protocol.
Rules are by name prefix, so modules that do not exist yet (wording/, protocol/connection.py)
fall in their layer the day they are written.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "messagerie"

FACES = {"__main__", "app", "headless", "selftest", "ui", "wording"}
CORE = {"limits", "validators"}
# The layer of each first name under messagerie/ (a module or a package).
LAYER_OF = {
    **dict.fromkeys(FACES, "face"),
    **dict.fromkeys(CORE, "core"),
    "net": "net",
    "security": "security",
    "store": "store",
    "protocol": "protocol",
    "errors": "errors",
    "i18n": "i18n",
    "locale": "locale",
}
LAYERS = {"face", "net", "security", "store", "protocol", "core", "errors", "i18n", "locale"}
# Which layers a layer may import (its own is always allowed). `root` is messagerie/__init__,
# which holds only __version__ and imports nothing. errors is the base of every layer but
# i18n and locale: it imports nothing of ours.
MAY_IMPORT = {
    "face": LAYERS | {"root"},
    "net": {"protocol", "security", "store", "errors", "i18n", "core", "root"},
    "security": {"store", "protocol", "errors", "i18n", "root"},
    # The store takes product defaults (the default port) from limits, a leaf of constants.
    "store": {"errors", "i18n", "core", "root"},
    "protocol": {"errors"},
    "core": {"protocol", "i18n", "errors"},
    "errors": set(),
    "i18n": {"locale"},
    "locale": set(),
    "root": set(),
}
# Outside modules by layer: the protocol is sans-IO, and only the window touches Tk.
IO_MODULES = {"socket", "ssl", "asyncio", "threading", "selectors"}
TK_MODULES = {"tkinter", "_tkinter", "ttkbootstrap", "PIL"}
# What may sit at the top of messagerie/: these modules, and the layers' packages.
TOP_MODULES = {"__init__", "__main__", "app", "headless", "selftest", "errors", "i18n"} | CORE
TOP_PACKAGES = {"ui", "wording", "net", "security", "store", "protocol", "locale"}

# Arrows that are broken today, each with why. Empty: keep it so, or say why in the commit.
KNOWN_UNTIL_MERGE: set[tuple[str, str]] = set()


def layer(module: str) -> str:
    """The layer of one of our modules ("unknown" for a name outside the picture)."""
    parts = module.split(".")
    if parts == ["messagerie"]:
        return "root"
    return LAYER_OF.get(parts[1], "unknown")


def load_package(package: Path = PACKAGE) -> dict[str, tuple[str, bool]]:
    """{module name: (source, is a package's __init__)} for every .py file under `package`."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = (path.read_text(encoding="utf-8"), is_package)
    return modules


def imports_of(module: str, source: str, is_package: bool, known: set[str]) -> set[str]:
    """Every module that `source` imports, anywhere in it: ours by full name, others by their
    first name. `known` holds our module names, to tell `from pkg import module` apart from
    `from pkg import name`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name if _ours(alias.name) else _top(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            if not _ours(base):
                found.add(_top(base))
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    found.discard(module)
    return found


def _in_ui(module: str) -> bool:
    return module == "messagerie.ui" or module.startswith("messagerie.ui.")


def _top(name: str) -> str:
    return name.split(".")[0]


def broken_arrows(modules: dict[str, tuple[str, bool]]) -> set[tuple[str, str]]:
    """(importer, imported) pairs against the picture, including what the protocol reaches."""
    known = set(modules)
    graph = {name: imports_of(name, src, pkg, known) for name, (src, pkg) in modules.items()}
    broken = {(name, target) for name, found in graph.items() for target in found}
    broken = {(name, target) for name, target in broken if not _allowed(name, target)}
    # Sans-IO all the way down: what the protocol reaches must obey the protocol's rule.
    for name in graph:
        if layer(name) == "protocol":
            broken |= {
                (name, reached)
                for reached in _reachable(name, graph)
                if not _allowed(name, reached)
            }
    return broken


def _allowed(importer: str, target: str) -> bool:
    own = layer(importer)
    if _ours(target):
        theirs = layer(target)
        return own != "unknown" and (theirs == own or theirs in MAY_IMPORT[own])
    if target in TK_MODULES:
        return _in_ui(importer)
    if target in IO_MODULES:
        return own != "protocol"
    return True


def _ours(module: str) -> bool:
    return module == "messagerie" or module.startswith("messagerie.")


def _reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_imports_follow_the_picture():
    broken = broken_arrows(load_package())
    assert broken - KNOWN_UNTIL_MERGE == set(), "imports against docs/ARCHITECTURE.md"
    assert KNOWN_UNTIL_MERGE - broken == set(), "fixed: remove these from KNOWN_UNTIL_MERGE"


def test_only_the_expected_modules_sit_at_the_top_of_the_package():
    names = {p.stem for p in PACKAGE.glob("*.py")}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert names - TOP_MODULES == set()
    assert packages - TOP_PACKAGES == set()


def test_every_module_has_a_layer():
    assert {name for name in load_package() if layer(name) == "unknown"} == set()


def test_the_checker_catches_a_forbidden_import():
    """Synthetic modules, each with one arrow against the picture, in the forms the checker
    must read: inside a function, `from messagerie import x`, relative, and through errors."""
    modules = load_package()
    modules.update(
        {
            "messagerie.protocol.connection": (
                "def later():\n    import socket\n    from messagerie.net import session\n",
                False,
            ),
            "messagerie.store.cache": ("from messagerie import security\n", False),
            "messagerie.net.transfer": ("from ..ui import widgets\n", False),
            "messagerie.security.vault": ("import tkinter\n", False),
            "messagerie.wording.lines": ("from PIL import Image\n", False),
            "messagerie.errors": ("from messagerie.store import files\n", False),
        }
    )
    broken = broken_arrows(modules)
    assert {
        ("messagerie.protocol.connection", "socket"),
        ("messagerie.protocol.connection", "messagerie.net.session"),
        ("messagerie.store.cache", "messagerie.security"),
        ("messagerie.net.transfer", "messagerie.ui.widgets"),
        ("messagerie.security.vault", "tkinter"),
        ("messagerie.wording.lines", "PIL"),
        ("messagerie.errors", "messagerie.store.files"),
        # The protocol reaches store through errors, though it never names it.
        ("messagerie.protocol.wire", "messagerie.store.files"),
    } <= broken
    # Modules that import only what their layer may add nothing (errors emptied, so that
    # the protocol's known path to i18n does not reach them).
    clean = {**load_package(), "messagerie.errors": ("", False)}
    allowed = {
        "messagerie.protocol.connection": ("from messagerie.protocol import wire\n", False),
        "messagerie.wording.lines": ("from messagerie.net import events\n", False),
        "messagerie.ui.toast": ("import tkinter\nfrom messagerie import wording\n", False),
    }
    assert broken_arrows({**clean, **allowed}) == broken_arrows(clean)
