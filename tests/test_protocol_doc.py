"""docs/PROTOCOL.md is read by people writing other clients: its examples and test vectors are
checked here against the code, so that they cannot drift from it (issue 16, item 13)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from messagerie import protocol
from messagerie.errors import RemoteProtocolError
from messagerie.security.identity import fingerprint, safety_code
from messagerie.security.pake import _confirmation_macs
from tests.test_protocol import SAMPLES

DOC = (Path(__file__).resolve().parent.parent / "docs" / "PROTOCOL.md").read_text(encoding="utf-8")

# A frame example in a code block starts with the 4 header bytes in hex. It goes on either
# with the payload's bytes in hex (a full dump) or with the payload as text and its size.
_HEADER_LINE = re.compile(r"^(?:[0-9a-f]{2} ){3}[0-9a-f]{2}(?= |$)")
_TEXT_EXAMPLE = re.compile(r"^((?:[0-9a-f]{2} ){4}) (\{.*\})\s+\((\d+) bytes\b")
_PROSE_PAYLOAD = re.compile(r"the (\d+)-byte payload `([^`]+)`")


def _code_block_lines(text: str) -> list[tuple[str, str]]:
    """(line, next line) for every line inside a fenced code block of `text`."""
    out, inside = [], False
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("```"):
            inside = not inside
        elif inside:
            out.append((line, lines[i + 1] if i + 1 < len(lines) else ""))
    return out


def _frame_examples() -> list[tuple[str, bytes, bytes, int | None, str]]:
    """(the document's line, header, payload, its stated size or None, annotation line or "")
    for each frame example."""
    examples = []
    for line, after in _code_block_lines(DOC):
        if not _HEADER_LINE.match(line):
            continue
        text_form = _TEXT_EXAMPLE.match(line)
        if text_form:
            header = bytes.fromhex(text_form.group(1))
            payload = text_form.group(2).encode("utf-8")
            examples.append((line, header, payload, int(text_form.group(3)), ""))
        else:
            data = bytes.fromhex(line)
            annotation = after if after.startswith("|") else ""
            examples.append((line, data[:4], data[4:], None, annotation))
    return examples


FRAME_EXAMPLES = _frame_examples()


def test_the_document_has_its_frame_examples():
    # If the examples' layout changes, this test must be taught the new one, not pass on
    # nothing.
    assert len(FRAME_EXAMPLES) >= 2
    assert any(b'"say"' in example[2] for example in FRAME_EXAMPLES)


@pytest.mark.parametrize(("line", "header", "payload", "size", "annotation"), FRAME_EXAMPLES)
def test_each_frame_example_is_what_the_encoder_writes(line, header, payload, size, annotation):
    if size is not None:
        assert size == len(payload), f"{line!r}: the payload is {len(payload)} bytes"
    messages = protocol.Decoder().feed(header + payload)
    assert len(messages) == 1
    expected = protocol.encode(messages[0])
    assert header + payload == expected, (
        f"PROTOCOL.md says {line!r}; the code writes "
        f"{expected[:4].hex(' ')}  {expected[4:].decode('utf-8')} ({len(expected) - 4} bytes)"
    )
    if annotation:
        # The line under a hex dump names each byte's character, under its column.
        assert annotation.split("|")[-1].split() == list(payload.decode("utf-8"))


def test_payload_sizes_in_the_prose_are_right():
    sizes = _PROSE_PAYLOAD.findall(DOC)
    assert sizes
    for size, payload in sizes:
        assert int(size) == len(payload.encode("utf-8")), payload


def _section(title: str) -> str:
    start = DOC.index(title)
    end = DOC.find("\n#", start + len(title))
    return DOC[start : end if end != -1 else len(DOC)]


def test_safety_code_vectors():
    rows = re.findall(
        r"^\| `([0-9a-f]{64})`(?: \(SHA-256 of `([^`]*)`\))?[^|]*"
        r"\| `(\d{4} \d{4} \d{4} \d{4})` \|$",
        _section("### 10.2"),
        re.MULTILINE,
    )
    assert len(rows) >= 2
    for fp, preimage, code in rows:
        if preimage:
            assert fingerprint(preimage.encode()) == fp
        assert safety_code(fp) == code


def test_password_exchange_mac_vector():
    section = " ".join(_section("### 10.4").split())
    # The inputs, as the document states them; the outputs are computed from these.
    assert (
        "(K = bytes 0x00…0x1f, msg_A = `41` + 32 × `01`, msg_B = `42` + 32 × `02`, "
        "fp = 32 × `ab`)" in section
    )
    client_mac, server_mac = _confirmation_macs(
        bytes(range(32)), b"\x41" + b"\x01" * 32, b"\x42" + b"\x02" * 32, "ab" * 32
    )
    assert f"mac (3) = {client_mac.hex()}" in section
    assert f"mac (4) = {server_mac.hex()}" in section


def _message_table() -> dict[str, tuple[list[str], dict[str, str]]]:
    """type -> (required wire fields, {optional wire field: value when absent, as JSON})."""
    rows = {}
    for line in _section("## 4. Messages").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        rows[cells[0].strip("`")] = (
            re.findall(r"`([a-z_0-9]+)`", cells[2]),
            dict(re.findall(r"`([a-z_0-9]+)` = `([^`]*)`", cells[3])),
        )
    return rows


def _wire_fields(cls: type[protocol.Message]) -> tuple[list[str], dict[str, str]]:
    required, optional = [], {}
    for f in dataclasses.fields(cls):
        key = cls.WIRE_NAMES.get(f.name, f.name)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(key)
        else:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            optional[key] = json.dumps(list(default) if isinstance(default, tuple) else default)
    return required, optional


def test_the_message_table_lists_every_type_and_field_as_the_code_has_them():
    # Issue 16, item 15: an independent client trusted the table and left out a field the
    # code requires.
    table = _message_table()
    assert sorted(table) == sorted(protocol.MESSAGE_TYPES)
    for kind, cls in protocol.MESSAGE_TYPES.items():
        assert table[kind] == _wire_fields(cls), kind


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda m: m.TYPE)
def test_optional_fields_may_be_left_out_and_required_ones_may_not(sample):
    # The table above is only true if decoding agrees with the dataclasses' defaults.
    required, optional = _wire_fields(type(sample))
    wire = sample.to_wire()
    minimal = {key: value for key, value in wire.items() if key not in optional}
    decoded = protocol.decode_object(minimal)
    encoded = decoded.to_wire()
    attribute = {wire: name for name, wire in type(sample).WIRE_NAMES.items()}
    for key, absent in optional.items():
        if key in encoded:
            assert json.dumps(encoded[key]) == absent
        else:
            # Left out of the frame because it holds its default: the default is the table's.
            value = getattr(decoded, attribute.get(key, key))
            assert json.dumps(list(value) if isinstance(value, tuple) else value) == absent
    for key in required:
        with pytest.raises(RemoteProtocolError) as info:
            protocol.decode_object({k: v for k, v in minimal.items() if k != key})
        assert info.value.code == protocol.BAD_FIELD
