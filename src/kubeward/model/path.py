"""JSON paths into an object: tuples of keys and indexes, rendered as `a.b[0]["x.y/z"]`."""

from __future__ import annotations

import re

PathKey = str | int
Path = tuple[PathKey, ...]

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def render(path: Path) -> str:
    """Render a path: dotted names, `[n]` for list indexes, `["k"]` for keys that need quoting."""
    out: list[str] = []
    for key in path:
        if isinstance(key, int):
            out.append(f"[{key}]")
        elif _PLAIN.match(key):
            out.append(f".{key}" if out else key)
        else:
            quoted = key.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{quoted}"]')
    return "".join(out)


_TOKEN = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def parse(text: str) -> Path:
    """Inverse of `render`. Raises ValueError on text that `render` cannot produce."""
    keys: list[PathKey] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"not a path: {text!r} (at {pos})")
        name, index, quoted = m.groups()
        if name is not None:
            keys.append(name)
        elif index is not None:
            keys.append(int(index))
        else:
            keys.append(re.sub(r"\\(.)", r"\1", quoted))
        pos = m.end()
    return tuple(keys)
