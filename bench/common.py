"""Shared by the benchmark suites: where results go in docs/performance.md."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"


def write_block(suite: str, lines: list[str]) -> None:
    """Replace the suite's block (between its markers) in docs/performance.md."""
    begin, end = f"<!-- bench:{suite}:begin -->", f"<!-- bench:{suite}:end -->"
    block = "\n".join([begin, *lines, end])
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if begin in text and end in text:
        text = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"bench: updated {DOC.relative_to(ROOT)} ({suite})", file=sys.stderr)
