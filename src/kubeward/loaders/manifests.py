"""Reading manifests: files, directories and stdin; YAML streams and JSON; Lists.

Nothing here raises for bad input. Every problem becomes an `InputError` naming the file and
line, and whatever else could be read is still returned.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from kubeward.findings import InputError
from kubeward.model.path import Path, PathKey
from kubeward.model.resource import Resource, Source, build_resource

try:  # PyYAML's libyaml binding: several times faster than the pure-Python parser.
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe loader that keeps timestamps as text, as Kubernetes' YAML->JSON conversion does."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", ".tf", ".bicep")  # .tf, .bicep: AKS clusters
DEFAULT_MAX_FILE_SIZE = 20 * 1024 * 1024
STDIN = "-"
STDIN_NAME = "<stdin>"

# Alias expansion limit: a document whose aliases expand to more nodes than this (and to more
# than EXPANSION_FACTOR times its distinct nodes) is refused as an alias bomb.
MAX_EXPANDED_NODES = 1_000_000
EXPANSION_FACTOR = 10

# Nesting limit: libyaml's composer recurses in C, about 330 bytes of stack per level, and
# crashes the interpreter (SIGSEGV) near 25,000 levels with an 8 MB stack. Deeper documents are
# refused before libyaml composes them. No Kubernetes object comes close to this depth.
MAX_NESTING = 2_000
# Block collections nest at most twice as deep as the column they start at, and only
# indentation and `-`, `?`, `:` indicators precede that column on its line.
_BLOCK_COLUMNS = 250
_DEEP_BLOCK = re.compile(f"\n[ \t?:-]{{{_BLOCK_COLUMNS}}}")

# Opening a FIFO blocks until a writer comes; without a writer, a non-blocking open reads EOF.
_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)


@dataclass(slots=True)
class Document:
    """One parsed YAML document: its data and, while the file is being scanned, its nodes."""

    data: Any
    node: yaml.Node | None
    index: int
    line_offset: int  # added to node lines (documents re-parsed one by one after an error)


@dataclass(slots=True)
class LoadedFile:
    name: str
    documents: list[Document]
    text: str | None  # kept only for stdin, to locate lines later


def discover(paths: Iterable[str], errors: list[InputError]) -> list[str]:
    """Expand directories (recursively, sorted, hidden entries skipped) into manifest files."""
    out: list[str] = []
    seen: set[str] = set()

    def add(p: str) -> None:
        key = p if p == STDIN else os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            out.append(p)

    for p in paths:
        if p == STDIN:
            add(p)
        elif os.path.isdir(p):
            found: list[str] = []

            def onerror(err: OSError, top: str = p) -> None:
                errors.append(InputError(err.filename or top, None, _os_message(err)))

            for root, dirs, files in os.walk(p, onerror=onerror):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    os.path.join(root, f)
                    for f in files
                    if f.endswith(MANIFEST_SUFFIXES) and not f.startswith(".")
                )
            for f in sorted(found):
                add(f)
        elif os.path.exists(p) or os.path.islink(p):
            add(p)
        else:
            errors.append(InputError(p, None, "no such file or directory"))
    return out


def _os_message(err: OSError) -> str:
    return (err.strerror or str(err)).lower()


def read_bytes(name: str, max_size: int, errors: list[InputError]) -> bytes | None:
    """The file's bytes, or None with an error (unreadable, too big)."""
    try:
        if name == STDIN:
            data = sys.stdin.buffer.read(max_size + 1)
            label = STDIN_NAME
        else:
            label = name
            st = os.stat(name)
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(name)
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
                # A device may never end (/dev/zero) or wait for a terminal (/dev/tty).
                errors.append(
                    InputError(name, None, f"not a regular file ({_file_type(st.st_mode)})")
                )
                return None
            if st.st_size > max_size:
                errors.append(
                    InputError(
                        name,
                        None,
                        f"file is {_size_text(st.st_size)}, over the {_size_text(max_size)} "
                        "limit (raise it with --max-file-size)",
                    )
                )
                return None
            fd = os.open(name, os.O_RDONLY | _NONBLOCK)
            with open(fd, "rb") as fh:
                if _NONBLOCK:
                    os.set_blocking(fd, True)
                data = fh.read(max_size + 1)
    except IsADirectoryError:
        errors.append(InputError(name, None, "is a directory"))
        return None
    except FileNotFoundError as err:
        errors.append(InputError(name, None, _missing_message(name, err)))
        return None
    except OSError as err:
        errors.append(InputError(name, None, _os_message(err)))
        return None
    if len(data) > max_size:
        errors.append(
            InputError(
                label,
                None,
                f"input is over the {_size_text(max_size)} limit (raise it with --max-file-size)",
            )
        )
        return None
    return data


def _size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _file_type(mode: int) -> str:
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _missing_message(name: str, err: OSError) -> str:
    if os.path.islink(name):
        try:
            return f"broken symbolic link (its target {os.readlink(name)} does not exist)"
        except OSError:
            pass
    return _os_message(err)


def decode(name: str, data: bytes, errors: list[InputError]) -> str | None:
    """Text of a manifest: UTF-8 (BOM allowed) or UTF-16 with BOM; binary is refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            errors.append(InputError(name, None, "invalid UTF-16 text"))
            return None
    if b"\x00" in data[:8192]:
        errors.append(InputError(name, None, "binary file (contains NUL bytes), not a manifest"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        errors.append(InputError(name, line, f"not UTF-8 text (byte 0x{data[err.start]:02x})"))
        return None


_DOC_START = re.compile(r"^---(?=[ \t]|$)", re.MULTILINE)


def parse(
    name: str, text: str, errors: list[InputError], data: bytes | None = None
) -> list[Document]:
    """All documents of a YAML stream (JSON is YAML). A broken document never loses the others.

    `data`, when given, is `text` as UTF-8 bytes: libyaml reads bytes much faster than str.
    """
    try:
        return _parse_stream(data if data is not None else text, text, 0, 0)[0]
    except _OutOfMemory:  # parsing it again, document by document, would not fit either
        errors.append(InputError(name, None, "out of memory parsing this file; file refused"))
        return []
    except _DocError:
        pass
    # Something in the stream is broken: parse document by document so the rest survives.
    docs: list[Document] = []
    index = 0
    for chunk, offset in _documents_of(text):
        try:
            got, count = _parse_stream(chunk, chunk, offset, index)
        except _OutOfMemory:
            errors.append(
                InputError(
                    name,
                    offset + 1,
                    "out of memory parsing this document; it and the rest of the file are skipped",
                )
            )
            return docs
        except _DocError as err:
            if name.endswith(".json") and len(chunk) == len(text):
                fallback = _json_fallback(text)
                if fallback is not None:
                    return [fallback]
            errors.append(InputError(name, err.line, err.message))
            index += 1
            continue
        docs.extend(got)
        index += max(count, 1)
    return docs


def _documents_of(text: str) -> Iterator[tuple[str, int]]:
    """The stream cut at each `---` line: (the document's text, lines before it)."""
    starts = [0] + [m.start() for m in _DOC_START.finditer(text) if m.start() > 0]
    offset = 0
    for i, start in enumerate(starts):
        chunk = text[start : starts[i + 1] if i + 1 < len(starts) else len(text)]
        yield chunk, offset
        offset += chunk.count("\n")


class _DocError(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _OutOfMemory(_DocError):
    pass


# Text that could hold an anchor (`&name`) and an alias (`*name`); only such text can expand.
# (A leading `&`/`*` at the very start of the text is checked separately: an alternation with
# `^` makes the regex engine try every position twice.)
_ANCHOR = re.compile(r"[\s\[{,:]&[^\s\[\]{},&]")
_ALIAS = re.compile(r"[\s\[{,:]\*[^\s\[\]{},*]")


def _may_alias(text: str) -> bool:
    return ("&" in text and "*" in text) and (
        (text.startswith("&") or _ANCHOR.search(text) is not None)
        and (text.startswith("*") or _ALIAS.search(text) is not None)
    )


def _parse_stream(
    source: str | bytes, probe: str, line_offset: int, first_index: int
) -> tuple[list[Document], int]:
    """Documents of `source` that hold something, and how many documents it has in all;
    `probe` is the same text as str, for cheap checks and hints."""
    _check_nesting(source, probe, line_offset)
    loader = _Loader(source)
    docs: list[Document] = []
    has_anchors = _may_alias(probe)
    index = first_index
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if has_anchors:
                _check_aliases(node, line_offset)
            _drop_schemas(node)
            data = loader.construct_document(node)
            if data is not None:  # empty documents count, but need no memory
                docs.append(Document(data, node, index, line_offset))
            index += 1
    except yaml.MarkedYAMLError as err:
        raise _DocError(*_yaml_error(err, probe, line_offset)) from None
    except yaml.reader.ReaderError as err:  # control characters and the like
        raise _DocError(*_reader_error(err, probe, line_offset)) from None
    except yaml.YAMLError as err:
        raise _DocError(None, "YAML error: " + " ".join(str(err).split())) from None
    except RecursionError:
        raise _DocError(None, "YAML nesting is too deep; document refused") from None
    except MemoryError:
        raise _OutOfMemory(None, "out of memory") from None
    finally:
        loader.dispose()
    return docs, index - first_index


def _top_value(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found: yaml.Node = v
                return found
    return None


def _drop_schemas(node: yaml.Node) -> None:
    """CustomResourceDefinitions are mostly OpenAPI schema, which no rule reads: replace each
    version's `schema` (and the legacy `spec.validation`) by an empty mapping before the
    document is constructed. On real-world corpora this saves about a fifth of the time spent
    building Python objects from YAML."""
    kind = _top_value(node, "kind")
    if not (isinstance(kind, yaml.ScalarNode) and kind.value == "CustomResourceDefinition"):
        return
    spec = _top_value(node, "spec")
    if not isinstance(spec, yaml.MappingNode):
        return
    targets: list[yaml.MappingNode] = [spec]
    versions = _top_value(spec, "versions")
    if isinstance(versions, yaml.SequenceNode):
        targets += [v for v in versions.value if isinstance(v, yaml.MappingNode)]
    for mapping in targets:
        for i, (k, v) in enumerate(mapping.value):
            if isinstance(k, yaml.ScalarNode) and k.value in ("schema", "validation"):
                empty = yaml.MappingNode("tag:yaml.org,2002:map", [], v.start_mark, v.end_mark)
                mapping.value[i] = (k, empty)


def _check_nesting(source: str | bytes, probe: str, line_offset: int) -> None:
    """Refuse text nested deeper than MAX_NESTING; a cheap bound skips the exact check."""
    if not _may_nest_too_deep(probe):
        return
    loader = _Loader(source)  # the event parser keeps its state on the heap: safe at any depth
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    mark = event.start_mark
                    raise _DocError(
                        None if mark is None else mark.line + 1 + line_offset,
                        f"YAML nesting is deeper than {MAX_NESTING:,} levels; document refused",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass  # reported by the parse proper, which stops at the same place
    finally:
        loader.dispose()


def _may_nest_too_deep(text: str) -> bool:
    """False when `text` surely nests at most MAX_NESTING deep. Flow collections nest at most
    as deep as there are `[` and `{`; block collections see _BLOCK_COLUMNS."""
    if text.count("[") + text.count("{") + 2 * (_BLOCK_COLUMNS + 1) > MAX_NESTING:
        return True
    if _DEEP_BLOCK.search(text) or _DEEP_BLOCK.match("\n" + text[:_BLOCK_COLUMNS]):
        return True
    # Line breaks the pattern does not see (a lone CR, NEL, LS, PS) are rare: check exactly.
    return (
        "\x85" in text
        or "\u2028" in text
        or "\u2029" in text
        or text.count("\r") != text.count("\r\n")
    )


def _reader_error(err: yaml.reader.ReaderError, text: str, offset: int) -> tuple[int | None, str]:
    """Line and message of a character YAML does not accept (the first one in the text)."""
    line = None
    message = f"YAML error: {err.reason}"
    if isinstance(err.character, int):
        message = f"YAML error: unacceptable character #x{err.character:04x}: {err.reason}"
        at = text.find(chr(err.character))
        if at >= 0:
            line = text.count("\n", 0, at) + 1 + offset
    return line, message


def compose(text: str) -> list[Document]:
    """Documents' nodes only (no data): enough to find lines, cheaper than a full parse.

    Mirrors `parse`'s numbering of documents, including its recovery from broken ones.
    """
    try:
        return _compose_stream(text, 0, 0)
    except _DocError:
        pass
    docs: list[Document] = []
    index = 0
    for chunk, offset in _documents_of(text):
        try:
            got = _compose_stream(chunk, offset, index)
        except _DocError:
            got = []
        docs.extend(got)
        index += max(len(got), 1)
    return docs


def _compose_stream(text: str, line_offset: int, first_index: int) -> list[Document]:
    source = text.encode("utf-8")
    _check_nesting(source, text, line_offset)
    loader = _Loader(source)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                docs.append(Document(None, node, first_index + len(docs), line_offset))
    except (yaml.YAMLError, RecursionError, MemoryError):
        raise _DocError(None, "") from None
    finally:
        loader.dispose()
    return docs


def _yaml_error(err: yaml.MarkedYAMLError, text: str, offset: int) -> tuple[int | None, str]:
    mark = err.problem_mark or err.context_mark
    if mark is not None and err.context_mark is not None and mark.line >= text.count("\n"):
        # Found at the end of the document (an unclosed quote or bracket): the line where the
        # unclosed part starts says more, and the end is the next document's `---` line.
        mark = err.context_mark
    line = mark.line + 1 + offset if mark is not None else None
    problem = err.problem or "invalid YAML"
    context = f" ({err.context})" if err.context else ""
    hint = ""
    if "\\t" in problem or "tab character" in problem or (mark and _tab_at(text, mark)):
        hint = "; tabs cannot indent YAML, use spaces"
    elif "{{" in text:
        hint = (
            "; this looks like a Helm template: render it first "
            "(helm template ... | kubeward scan -)"
        )
    return line, f"YAML error: {problem}{context}{hint}"


def _tab_at(text: str, mark: yaml.Mark) -> bool:
    """Whether the error is at a tab, or on a line indented with tabs (libyaml's messages do
    not name the character)."""
    start = 0
    for _ in range(mark.line):
        start = text.find("\n", start) + 1
        if start == 0:
            return False
    end = text.find("\n", start)
    line = text[start:] if end < 0 else text[start:end]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    return "\t" in indent or line[mark.column : mark.column + 1] == "\t"


def _check_aliases(root: yaml.Node, line_offset: int) -> None:
    """Refuse alias bombs and recursive aliases before anything expands them."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in active:
            line = node.start_mark.line + 1 + line_offset
            raise _DocError(line, "YAML error: recursive alias (an anchor refers to itself)")
        total = 1
        if isinstance(node, yaml.MappingNode):
            active.add(key)
            for k, v in node.value:
                total += size(k) + size(v)
            active.discard(key)
        elif isinstance(node, yaml.SequenceNode):
            active.add(key)
            for v in node.value:
                total += size(v)
            active.discard(key)
        if total > MAX_EXPANDED_NODES and total > EXPANSION_FACTOR * max(len(sizes), 1):
            line = root.start_mark.line + 1 + line_offset
            raise _DocError(
                line,
                f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes "
                "(an alias bomb?); document refused",
            )
        sizes[key] = total
        return total

    size(root)


def _json_fallback(text: str) -> Document | None:
    """JSON that YAML 1.1 rejects (tab indentation): read it as JSON, without line numbers."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError, MemoryError):
        return None
    return Document(data, None, 0, 0)


def load_file(name: str, max_size: int, errors: list[InputError]) -> LoadedFile | None:
    data = read_bytes(name, max_size, errors)
    if data is None:
        return None
    label = STDIN_NAME if name == STDIN else name
    text = decode(label, data, errors)
    if text is None:
        return None
    utf8 = None if data.startswith((b"\xff\xfe", b"\xfe\xff")) else data
    docs = parse(label, text, errors, utf8)
    return LoadedFile(label, docs, text if name == STDIN else None)


# ----------------------------------------------------------------------------- objects


def objects(loaded: LoadedFile, errors: list[InputError]) -> Iterator[Resource]:
    """Kubernetes objects of a file: top-level documents and the items of List kinds."""
    for doc in loaded.documents:
        yield from _objects_of(loaded.name, doc, doc.data, (), errors, None)


def _objects_of(
    file: str,
    doc: Document,
    data: Any,
    prefix: Path,
    errors: list[InputError],
    defaults: tuple[str, str] | None,
) -> Iterator[Resource]:
    if data is None:
        return  # empty document
    locator = DocLocator(doc)
    if not isinstance(data, Mapping):
        errors.append(
            InputError(
                file,
                locator.line(prefix),
                f"not a Kubernetes object (a YAML {type(data).__name__}); skipped",
                warning=True,
            )
        )
        return
    api_version = data.get("apiVersion")
    kind = data.get("kind")
    if defaults is not None:  # typed lists (PodList) may omit apiVersion/kind on items
        api_version = api_version or defaults[0]
        kind = kind or defaults[1]
    if not isinstance(api_version, str) or not isinstance(kind, str) or not kind:
        missing = "kind" if not isinstance(kind, str) or not kind else "apiVersion"
        errors.append(
            InputError(
                file,
                locator.line(prefix),
                f"not a Kubernetes object (no {missing}); skipped",
                warning=True,
            )
        )
        return
    if kind == "List" or (kind.endswith("List") and "items" in data):
        items = data.get("items")
        if items is None:
            return
        if not isinstance(items, list):
            errors.append(
                InputError(
                    file, locator.line(prefix + ("items",)), f"{kind}: items: expected a list"
                )
            )
            return
        item_defaults = None if kind == "List" else (api_version, kind[: -len("List")])
        for i, item in enumerate(items):
            yield from _objects_of(file, doc, item, prefix + ("items", i), errors, item_defaults)
        return
    if defaults is not None and ("apiVersion" not in data or "kind" not in data):
        data = {**data, "apiVersion": api_version, "kind": kind}
    source = Source(file, doc.index, prefix, locator.line(prefix))
    yield build_resource(data, source)


class DocLocator:
    """Maps a path inside a document to a line, walking the document's YAML nodes."""

    __slots__ = ("cache", "doc")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.cache: dict[Path, tuple[yaml.Node, int]] = {}

    def line(self, path: Path) -> int | None:
        """Line of the deepest existing node on `path` (1-based), None without nodes."""
        root = self.doc.node
        if root is None:
            return 1 if self.doc.index == 0 else None
        node, line = root, root.start_mark.line
        depth = 0
        # Start from the longest cached prefix.
        for cut in range(len(path), 0, -1):
            hit = self.cache.get(path[:cut])
            if hit is not None:
                node, line = hit
                depth = cut
                break
        for key in path[depth:]:
            child = _child(node, key)
            if child is None:
                break
            node, line = child
            depth += 1
            self.cache[path[:depth]] = (node, line)
        return line + 1 + self.doc.line_offset


def _child(node: yaml.Node, key: PathKey) -> tuple[yaml.Node, int] | None:
    """The child node at `key` and the line to report for it (the key's line for mappings)."""
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        merged: list[yaml.Node] = []
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                if k.value == key:
                    return v, k.start_mark.line
                if k.value == "<<":  # merge key: the value may come from the anchored mapping
                    merged.extend(v.value if isinstance(v, yaml.SequenceNode) else [v])
        for m in merged:
            found = _child(m, key)
            if found is not None:
                return found
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        child = node.value[key]
        return child, child.start_mark.line
    return None


class Locator:
    """Lines for findings after a file's nodes were released: re-parses the file on demand."""

    def __init__(self, stdin_text: str | None = None) -> None:
        self._stdin = stdin_text
        self._file: str | None = None
        self._docs: dict[int, DocLocator] = {}

    def line(self, source: Source, path: Path) -> int | None:
        """Line of a document-relative path (it includes `source.prefix`)."""
        if self._file != source.file:
            self._load(source.file)
        loc = self._docs.get(source.doc)
        if loc is None:
            return source.line
        return loc.line(path)

    def _load(self, file: str) -> None:
        self._file = file
        self._docs = {}
        if file == STDIN_NAME:
            text = self._stdin
        else:
            try:
                if not os.path.isfile(file):  # a pipe was read once already; never a device
                    return
                with open(file, encoding="utf-8-sig") as fh:
                    text = fh.read()
            except (OSError, UnicodeDecodeError):
                text = None
        if text is None:
            return
        for doc in compose(text):
            self._docs[doc.index] = DocLocator(doc)
