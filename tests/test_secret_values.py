"""No report ever contains a secret planted in the SEC fixtures, in any output format.

The planted values are read from the fixture files themselves: every value of every Secret
(as written, and decoded from base64), every line of the TLS certificates and keys, and every
value on a line the fixtures mark with `# expect: SEC00x` (the hard-coded credentials), with
the lines and assignments inside multi-line ones. All SEC fixtures are scanned together with
every SEC rule, and the text, JSON, SARIF and JUnit reports are searched for each value.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kubeward.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "kubeward" / "rules" / "examples"
FIXTURES = sorted(EXAMPLES.glob("SEC*/*.yaml"))
HARD_CODED = re.compile(r"#\s*expect:\s*SEC00[1-4]")
ASSIGNMENT = re.compile(r"[\w.-]+\s*[:=]\s*\"?([^\s\";]+)")
MIN_LENGTH = 8  # shorter values (`shop`, `true`) occur in reports as names and words


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def _pieces(value: str) -> Iterator[str]:
    """A value, its lines, and the values of assignments in it."""
    yield value.strip()
    for line in value.splitlines():
        yield line.strip()
        yield from (m.group(1) for m in ASSIGNMENT.finditer(line))


def planted(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    out: set[str] = set()
    for doc in yaml.safe_load_all(text):
        if not isinstance(doc, dict) or doc.get("kind") != "Secret":
            continue
        for block in ("data", "stringData"):
            for value in _strings(doc.get(block) or {}):
                out.update(_pieces(value))
                try:
                    decoded = base64.b64decode(value, validate=True).decode("utf-8")
                except (binascii.Error, ValueError, UnicodeDecodeError):
                    continue
                out.update(_pieces(decoded))
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not HARD_CODED.search(line):
            continue
        code = line.split("#", 1)[0]
        value = code.split(":", 1)[1] if ":" in code and not code.lstrip().startswith("-") else code
        value = value.strip().lstrip("-").strip().strip("'\"")
        if value in ("|", ">"):  # a block scalar: its indented lines follow
            indent = len(lines[i + 1]) - len(lines[i + 1].lstrip())
            block = []
            for following in lines[i + 1 :]:
                if following.strip() and len(following) - len(following.lstrip()) < indent:
                    break
                block.append(following)
            value = "\n".join(block)
        out.update(_pieces(value))
    return {v for v in out if len(v) >= MIN_LENGTH and not v.startswith("-----")}


PLANTED = sorted(set().union(*(planted(p) for p in FIXTURES)))


def test_the_fixtures_plant_secrets_of_every_kind() -> None:
    """The search below means something: it looks for passwords, tokens, keys and PEM lines."""
    joined = "\n".join(PLANTED)
    for needle in ("Zx9vQ2mZp9LwK", "AKIAIOSFODNN7EXAMPLE", "ghp_", "eyJhbGci", "AccountKey="):
        assert needle in joined, needle
    assert len([v for v in PLANTED if re.fullmatch(r"[A-Za-z0-9+/=]{64}", v)]) > 20  # PEM lines


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_reports_never_contain_a_planted_secret(fmt: str) -> None:
    args = ["scan", *map(str, FIXTURES), "--select", "SEC", "-f", fmt, "--no-progress"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    output = result.stdout + result.stderr
    leaked = [v for v in PLANTED if v in output]
    assert not leaked, f"{len(leaked)} planted value(s) in the {fmt} report, e.g. {leaked[:3]}"
    if fmt == "json":  # the findings next to the secrets were reported
        rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
        assert {"SEC001", "SEC002", "SEC003", "SEC004", "SEC010", "SEC064"} <= rules
