"""Cheap checks of the packaging inputs: they run on every test run, without building anything."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from string import Template

import pytest
from PIL import Image
from yamllint import linter
from yamllint.config import YamlLintConfig

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from build import deterministic_tarball  # noqa: E402 (scripts/ is not a package)


def test_spec_is_python():
    source = (ROOT / "messagerie.spec").read_text(encoding="utf-8")
    compile(source, "messagerie.spec", "exec")


@pytest.mark.parametrize("path", [".github/workflows/build.yml", ".yamllint"])
def test_yaml_passes_yamllint(path):
    config = YamlLintConfig(file=str(ROOT / ".yamllint"))
    text = (ROOT / path).read_text(encoding="utf-8")
    problems = [f"{p.line}:{p.column} {p.message}" for p in linter.run(text, config, path)]
    assert problems == []


@pytest.mark.parametrize(("name", "size"), [("png", 512), ("ico", 256), ("icns", 1024)])
def test_icons_exist(name, size):
    with Image.open(ROOT / "build" / f"icon.{name}") as icon:
        # .ico lists (width, height); .icns lists (width, height, scale) for Retina sizes.
        sizes = icon.info.get("sizes", [icon.size])
        assert max(s[0] * (s[2] if len(s) == 3 else 1) for s in sizes) == size


def test_version_info_template_fills():
    # The spec fills the template and PyInstaller eval()s the result (on Windows only), so
    # check here that it stays a well-formed expression, with stand-ins for PyInstaller's classes.
    template = Template((ROOT / "build" / "version_info.txt.in").read_text(encoding="utf-8"))
    text = template.substitute(version="1.2.3", version_tuple=(1, 2, 3, 0))
    names = [
        "VSVersionInfo",
        "FixedFileInfo",
        "StringFileInfo",
        "StringTable",
        "StringStruct",
        "VarFileInfo",
        "VarStruct",
    ]
    structs = []

    def record(name):
        return lambda *args, **kwargs: (structs.append((name, args, kwargs)), name)[1]

    assert eval(text, {name: record(name) for name in names}) == "VSVersionInfo"
    versions = [a[1] for n, a, _ in structs if n == "StringStruct" and a[0] == "ProductVersion"]
    assert versions == ["1.2.3", "1.2.3"]


def test_tarball_is_deterministic(tmp_path):
    app = tmp_path / "Messagerie.app"
    (app / "Contents" / "MacOS").mkdir(parents=True)
    program = app / "Contents" / "MacOS" / "Messagerie"
    program.write_bytes(b"\x7fELF")
    program.chmod(0o755)
    (app / "Contents" / "Frameworks").symlink_to("MacOS")
    first, second = tmp_path / "1.tar.gz", tmp_path / "2.tar.gz"
    deterministic_tarball(app, first, mtime=315532800)
    program.touch()  # a rebuild gives new file dates; they must not reach the tarball
    deterministic_tarball(app, second, mtime=315532800)
    assert first.read_bytes() == second.read_bytes()


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements/build.lock."""
    text = (ROOT / "requirements" / "build.lock").read_text(encoding="utf-8")
    out = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2]):
        match = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)", block)
        if match:
            out[match[1].lower().replace("_", "-")] = (match[2], block.count("--hash=sha256:"))
    return out


def test_the_build_lock_pins_every_dependency_with_hashes():
    # Issue 16, item 10. If this fails after a change to pyproject.toml: python3 scripts/lock.py
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["build"]]
    locked = _locked()
    for requirement in wanted:
        name, version = requirement.split("==")
        assert locked.get(name.lower()) is not None, f"{name} is not in the lock"
        assert locked[name.lower()][0] == version, f"{name}: the lock has another version"
    for name in ("cffi", "pycparser"):
        assert name in locked, name
    assert all(hashes for _, hashes in locked.values()), locked


def test_the_build_installs_from_the_lock_with_hashes():
    source = (ROOT / "scripts" / "build.py").read_text(encoding="utf-8")
    assert '"--require-hashes", "--no-deps", "-r", str(LOCK)' in source
