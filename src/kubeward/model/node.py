"""The node host view: a Linux host's security settings, parsed once, each with its file and line.

`NodeHost.build(files, runtime)` reads a root file system through `Files` (a directory such as a
mounted image, or `/` on a live node; see `kubeward.loaders.node`) and, on a live node, the
runtime state (`Runtime`: /proc/sys, /proc/modules, the kubelet's command line, `sshd -T`).
Every program's own semantics live here, once:

- sshd_config: `Include` globs (relative to /etc/ssh, sorted), the first value of a keyword wins,
  `Match` blocks (a block ends at the next `Match` or at the end of the file it started in),
  `Keyword=value`, quotes, trailing comments, time values such as `1m30s`, and `+`/`-`/`^`
  edits of algorithm lists;
- sysctl: systemd-sysctl's directories (a file name in /etc hides the same name in /run, which
  hides /usr/local/lib, /usr/lib and /lib), all files applied in file-name order, the last
  assignment winning, `/` or `.` separators, globs that explicit keys override, `-key`
  exclusions;
- modprobe.d: kmod's directories, file-name order with the same masking, the first `install`
  command of a module winning, `-` and `_` alike in module names, modules that the kernel
  trees do not ship (or build in);
- login.defs, /etc/default/useradd, /etc/shadow (never keeping a password hash), /etc/group,
  PAM service files, pwquality.conf with its `.d` snippets and module arguments overriding
  them, umask commands of the shell start-up files;
- systemd units with their drop-ins (rescue/emergency shells, the kubelet's `ExecStart`,
  `Environment=` and `EnvironmentFile=`, `$VAR` and `${VAR}` expansion);
- the kubelet: flags (the last occurrence wins, boolean flags take no separate value) over
  its config file over the defaults of whichever of the two is in use, Go durations.

A `Setting` holds a value, the JSON-like path that findings name (`sshd.permitrootlogin`,
`sysctl["net.ipv4.conf.all.send_redirects"]`) and its `Origin` (host file and line), or no
origin when the program's default applies. `NodeHost.line_of(path)` maps a reported path back
to its line.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import yaml

from kubeward.findings import Verdict, Violation
from kubeward.model.path import Path
from kubeward.model.resource import Reader, Resource, Source

T = TypeVar("T")

API_VERSION = "kubeward.io/v1"
KIND = "NodeHost"

# ============================================================================ reading files


@dataclass(frozen=True, slots=True)
class FileStat:
    """Mode bits and owner of a file, after following symbolic links inside the root."""

    mode: int  # permission bits, 0o7777
    uid: int
    gid: int
    regular: bool


class Files(Protocol):
    """Read-only access to a host's file system by host path (`/etc/ssh/sshd_config`).
    Symbolic links are resolved inside the root, never against the auditing machine."""

    def read(self, path: str) -> str | None:
        """The text of a regular file; None when absent or unreadable."""

    def exists(self, path: str) -> bool:
        """Whether anything (file, directory, dangling link) is at the path."""

    def stat(self, path: str) -> FileStat | None:
        """Mode and owner, following links; None when absent."""

    def listdir(self, path: str) -> list[str]:
        """Entry names of a directory, sorted; [] when absent."""

    def display(self, path: str) -> str:
        """The path as the user can open it (the root joined in front)."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a setting was read: a host path and a 1-based line (None: the whole file)."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One effective setting: its value, the path findings name, and where it was set (None
    when nothing sets it and the program's default applies)."""

    value: T
    path: Path
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class HostProblem:
    """A setting the host's program would refuse or misread (reported as an input error)."""

    origin: Origin
    message: str


class _Index:
    """Collects every setting's path and origin while a host is built, for `line_of`."""

    def __init__(self) -> None:
        self.origins: dict[Path, Origin] = {}
        self.problems: list[HostProblem] = []

    def setting(self, value: T, path: Path, origin: Origin | None) -> Setting[T]:
        if origin is not None:
            self.origins.setdefault(path, origin)
        return Setting(value, path, origin)

    def problem(self, origin: Origin, message: str) -> None:
        self.problems.append(HostProblem(origin, message))


def lines_of(text: str, *, continuation: bool = False) -> list[tuple[int, str]]:
    """(line number, line) pairs; with `continuation`, a trailing backslash joins the next line
    (the joined line keeps the number of its first physical line)."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if continuation and raw.endswith("\\"):
            if not pending:
                start = number
            pending.append(raw[:-1])
            continue
        if pending:
            pending.append(raw)
            out.append((start, " ".join(pending)))
            pending = []
            continue
        out.append((number, raw))
    if pending:
        out.append((start, " ".join(pending)))
    return out


def glob(files: Files, pattern: str) -> list[str]:
    """Host paths matching a glob(7) pattern, sorted; `*` matches no leading dot."""
    parts = [p for p in pattern.split("/") if p]
    found = ["/"]
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        step: list[str] = []
        for base in found:
            if not any(c in part for c in "*?["):
                candidate = posixpath.join(base, part)
                if last or files.stat(candidate) is not None:
                    step.append(candidate)
                continue
            for name in files.listdir(base):
                if name.startswith(".") and not part.startswith("."):
                    continue
                if fnmatch.fnmatchcase(name, part):
                    step.append(posixpath.join(base, name))
        found = step
    return sorted(p for p in found if files.exists(p))


def config_dir_files(files: Files, dirs: Sequence[str], suffix: str) -> list[str]:
    """The files of a systemd/kmod-style set of configuration directories: every `*suffix` file,
    a name in an earlier directory hiding the same name in later ones, ordered by file name."""
    chosen: dict[str, str] = {}
    for d in dirs:
        for name in files.listdir(d):
            if name.endswith(suffix) and name not in chosen:
                chosen[name] = posixpath.join(d, name)
    return [chosen[name] for name in sorted(chosen)]


# ============================================================================ durations, times

_GO_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_go_duration(text: str) -> float | None:
    """Seconds of a Go duration (`time.ParseDuration`: `4h`, `1h30m`, `300ms`, `0`), or None
    when Go would reject it."""
    s = text.strip()
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        return None
    total, pos = 0.0, 0
    while pos < len(s):
        m = _GO_PART.match(s, pos)
        if m is None:
            return None
        total += float(m.group(1)) * _GO_UNITS[m.group(2)]
        pos = m.end()
    return sign * total


_SSH_TIME = re.compile(r"(\d+)([sSmMhHdDwW]?)")
_SSH_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_ssh_time(text: str) -> int | None:
    """Seconds of an sshd_config time value (`120`, `2m`, `1h30m`), or None if invalid."""
    s = text.strip()
    if not s:
        return None
    total, pos = 0, 0
    while pos < len(s):
        m = _SSH_TIME.match(s, pos)
        if m is None:
            return None
        total += int(m.group(1)) * _SSH_UNITS[m.group(2).lower()]
        pos = m.end()
    return total


_GO_BOOL = {
    "1": True,
    "t": True,
    "T": True,
    "true": True,
    "TRUE": True,
    "True": True,
    "0": False,
    "f": False,
    "F": False,
    "false": False,
    "FALSE": False,
    "False": False,
}


def parse_go_bool(text: str) -> bool | None:
    """Go's strconv.ParseBool, as the kubelet's flags use it."""
    return _GO_BOOL.get(text.strip())


# ============================================================================ key=value files


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines with shell quoting (os-release(5))."""
    out: dict[str, str] = {}
    for _, line in lines_of(text):
        s = line.strip()
        if not s or s.startswith("#") or "=" not in s:
            continue
        key, _, value = s.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def _shell_value(value: str) -> str:
    """A KEY=VALUE file's value: surrounding quotes removed, as systemd and the shell read it."""
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1]
        if value.strip()[0] == '"':
            v = re.sub(r'\\(["\\$`])', r"\1", v)
    return v


def parse_env_file(text: str) -> list[tuple[int, str, str]]:
    """systemd EnvironmentFile= (and /etc/default/*) lines: (line, key, value); `#` and `;`
    start comments, a trailing backslash continues the line, `export` is tolerated."""
    out: list[tuple[int, str, str]] = []
    for number, line in lines_of(text, continuation=True):
        s = line.strip()
        if not s or s[0] in "#;" or "=" not in s:
            continue
        key, _, value = s.partition("=")
        key = key.strip()
        if key.startswith("export "):
            key = key[7:].strip()
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            out.append((number, key, _shell_value(value)))
    return out


# ============================================================================ sshd_config

SSHD_CONFIG = "/etc/ssh/sshd_config"
SSHD_MAX_INCLUDE_DEPTH = 16

# OpenSSH's compiled-in defaults for the keywords kubeward checks (portable OpenSSH 9.x).
SSHD_DEFAULTS: Mapping[str, str] = {
    "x11forwarding": "no",
    "maxauthtries": "6",
    "permitrootlogin": "prohibit-password",
    "permituserenvironment": "no",
    "macs": (
        "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
        "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
        "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"
    ),
    "clientaliveinterval": "0",
    "clientalivecountmax": "3",
    "logingracetime": "120",
    "banner": "none",
}

_SSHD_KEYWORD = re.compile(r"[ \t]*([^ \t=]+)[ \t]*(?:=[ \t]*)?")


def sshd_words(text: str) -> tuple[str, ...] | None:
    """Arguments of an sshd_config line as OpenSSH splits them: whitespace separates, single
    or double quotes group, a backslash escapes a quote, and a word starting with `#` begins a
    comment. None when a quote is not closed (sshd refuses the line)."""
    words: list[str] = []
    cur: list[str] = []
    started = False
    quote: str | None = None
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote is not None:
            if c == "\\" and i + 1 < n and text[i + 1] in (quote, "\\"):
                cur.append(text[i + 1])
                i += 2
                continue
            if c == quote:
                quote = None
            else:
                cur.append(c)
            i += 1
            continue
        if c in " \t\r\f":
            if started:
                words.append("".join(cur))
                cur, started = [], False
        elif c == "#" and not started:
            break
        elif c in "\"'":
            quote, started = c, True
        elif c == "\\" and i + 1 < n and text[i + 1] in "\"'\\ ":
            cur.append(text[i + 1])
            started = True
            i += 2
            continue
        else:
            cur.append(c)
            started = True
        i += 1
    if quote is not None:
        return None
    if started:
        words.append("".join(cur))
    return tuple(words)


@dataclass(frozen=True)
class SshdMatch:
    """One `Match` block: its criteria and the first value of each keyword inside it."""

    index: int
    criteria: str
    origin: Origin
    settings: Mapping[str, Setting[tuple[str, ...]]]


@dataclass(frozen=True)
class SshdConfig:
    """sshd_config after includes: global settings (first value wins) and Match blocks."""

    present: bool
    files: tuple[str, ...]  # every file read, in order
    settings: Mapping[str, Setting[tuple[str, ...]]]
    matches: tuple[SshdMatch, ...]
    effective: Mapping[str, str] | None = None  # `sshd -T` (live), lower-case keywords

    def value(self, keyword: str) -> Setting[str]:
        """The global value of a keyword: `sshd -T`'s when it ran, else the first value in the
        files, else OpenSSH's default. The origin is the config line that sets it, if any."""
        kw = keyword.lower()
        configured = self.settings.get(kw)
        path: Path = ("sshd", kw)
        origin = configured.origin if configured is not None else None
        if self.effective is not None and kw in self.effective:
            return Setting(self.effective[kw], path, origin)
        if configured is not None:
            return Setting(" ".join(configured.value), path, origin)
        return Setting(SSHD_DEFAULTS.get(kw, ""), path, None)

    def match_values(self, keyword: str) -> list[tuple[SshdMatch, Setting[str]]]:
        kw = keyword.lower()
        return [
            (m, Setting(" ".join(s.value), s.path, s.origin))
            for m in self.matches
            if (s := m.settings.get(kw)) is not None
        ]


class _SshdReader:
    def __init__(self, files: Files, index: _Index) -> None:
        self.files = files
        self.index = index
        self.read: list[str] = []
        self.settings: dict[str, Setting[tuple[str, ...]]] = {}
        self.blocks: list[tuple[str, Origin, dict[str, Setting[tuple[str, ...]]]]] = []

    def file(self, path: str, block: int | None, depth: int) -> None:
        text = self.files.read(path)
        if text is None:
            return
        self.read.append(path)
        for number, line in lines_of(text):
            m = _SSHD_KEYWORD.match(line)
            if m is None or not m.group(1) or m.group(1).startswith("#"):
                continue
            origin = Origin(path, number)
            keyword = m.group(1).lower()
            words = sshd_words(line[m.end() :])
            if words is None:
                self.index.problem(origin, f"sshd_config: unclosed quote after {m.group(1)}")
                continue
            if keyword == "include":
                self.include(words, origin, block, depth)
            elif keyword == "match":
                self.blocks.append((" ".join(words), origin, {}))
                block = len(self.blocks) - 1
            elif not words:
                self.index.problem(origin, f"sshd_config: {m.group(1)} has no value")
            elif block is None:
                if keyword not in self.settings:
                    self.settings[keyword] = self.index.setting(words, ("sshd", keyword), origin)
            else:
                inside = self.blocks[block][2]
                if keyword not in inside:
                    inside[keyword] = self.index.setting(
                        words, ("sshd", "match", block, keyword), origin
                    )

    def include(
        self, patterns: Sequence[str], origin: Origin, block: int | None, depth: int
    ) -> None:
        if depth >= SSHD_MAX_INCLUDE_DEPTH:
            self.index.problem(origin, "sshd_config: Include nested too deeply")
            return
        for pattern in patterns:
            full = pattern if pattern.startswith("/") else posixpath.join("/etc/ssh", pattern)
            for path in glob(self.files, full):
                # A Match block opened inside the included file ends with that file.
                self.file(path, block, depth + 1)


def parse_sshd(files: Files, index: _Index, effective: Mapping[str, str] | None) -> SshdConfig:
    reader = _SshdReader(files, index)
    reader.file(SSHD_CONFIG, None, 0)
    matches = tuple(
        SshdMatch(i, criteria, origin, settings)
        for i, (criteria, origin, settings) in enumerate(reader.blocks)
    )
    return SshdConfig(
        present=bool(reader.read),
        files=tuple(reader.read),
        settings=reader.settings,
        matches=matches,
        effective=effective,
    )


def apply_algorithm_list(default: str, spec: str) -> list[str]:
    """An sshd algorithm list (`MACs`, `Ciphers`): `+list` appends to the default, `-list`
    removes (patterns allowed), `^list` puts in front, anything else replaces."""
    base = [a for a in default.split(",") if a]
    if spec.startswith("+"):
        extra = [a for a in spec[1:].split(",") if a]
        return base + [a for a in extra if a not in base]
    if spec.startswith("-"):
        patterns = [p for p in spec[1:].split(",") if p]
        return [a for a in base if not any(fnmatch.fnmatchcase(a, p) for p in patterns)]
    if spec.startswith("^"):
        front = [a for a in spec[1:].split(",") if a]
        return front + [a for a in base if a not in front]
    return [a for a in spec.split(",") if a]


# ============================================================================ sysctl

SYSCTL_DIRS = (
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
)


def sysctl_key(name: str) -> str:
    """The canonical dotted name of a sysctl key written with `.` or `/` separators: if the
    first separator is `/`, dots are part of names; if it is `.`, dots and slashes swap."""
    name = name.strip()
    first = re.search(r"[./]", name)
    if first is not None and first.group() == ".":
        name = name.translate(str.maketrans("./", "/."))
    return name.strip("/").replace("/", ".")


def _sysctl_glob_matches(pattern: str, key: str) -> bool:
    """systemd matches glob keys against /proc/sys paths: `*` stays within one path level."""
    rx = fnmatch.translate(pattern.replace(".", "/")).replace(".*", "[^/]*")
    return re.match(rx, key.replace(".", "/")) is not None


@dataclass(frozen=True)
class SysctlConfig:
    """Persistent sysctl settings as systemd-sysctl applies them at boot."""

    files: tuple[str, ...]  # applied, in order
    values: Mapping[str, Setting[str]]  # effective value of each key set (explicitly or by glob)

    def get(self, key: str) -> Setting[str] | None:
        return self.values.get(key)


def parse_sysctl(files: Files, index: _Index, keys: Iterable[str]) -> SysctlConfig:
    """Explicit assignments: the last one wins. Glob assignments set the keys of interest that
    no explicit assignment sets and no `-pattern` line excludes; the last matching glob wins."""
    applied = config_dir_files(files, SYSCTL_DIRS, ".conf")
    explicit: dict[str, tuple[str, Origin]] = {}
    globs: list[tuple[str, str, Origin]] = []
    excluded: list[str] = []
    for path in applied:
        text = files.read(path)
        if text is None:
            continue  # a link to /dev/null masks the name
        for number, line in lines_of(text):
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            origin = Origin(path, number)
            name, eq, value = s.partition("=")
            name = name.strip()
            if name.startswith("-"):
                name = name[1:].strip()
                if not eq:
                    excluded.append(sysctl_key(name))
                    continue
            if not eq:
                index.problem(origin, f"sysctl: not an assignment: {s}")
                continue
            key = sysctl_key(name)
            if any(c in key for c in "*?["):
                globs.append((key, value.strip(), origin))
            else:
                explicit[key] = (value.strip(), origin)
    values: dict[str, Setting[str]] = {}
    for key, (value, origin) in explicit.items():
        values[key] = index.setting(value, ("sysctl", key), origin)
    for key in keys:
        if key in values or any(_sysctl_glob_matches(p, key) for p in excluded):
            continue
        for pattern, value, origin in reversed(globs):
            if _sysctl_glob_matches(pattern, key):
                values[key] = index.setting(value, ("sysctl", key), origin)
                break
    return SysctlConfig(tuple(applied), values)


# ============================================================================ modprobe.d

MODPROBE_DIRS = (
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
)
LEGACY_MODPROBE_CONF = "/etc/modprobe.conf"
MODULE_TREES = ("/lib/modules", "/usr/lib/modules")
_KO = re.compile(r"([^/\s:]+)\.ko(?:\.[a-z0-9]+)?\b")


def module_name(name: str) -> str:
    """kmod treats `-` and `_` in module names alike."""
    return name.replace("-", "_")


@dataclass(frozen=True)
class ModprobeConfig:
    files: tuple[str, ...]
    install: Mapping[str, Setting[str]]  # module -> its first install command (kmod uses it)
    blacklist: Mapping[str, Setting[bool]]  # module -> first blacklist line
    legacy: Mapping[str, Origin]  # install lines in /etc/modprobe.conf, which kmod ignores
    shipped: frozenset[str] | None  # modules the kernel trees ship; None: no tree in the root
    builtin: frozenset[str]  # modules built into a kernel (cannot be disabled)
    kernels: tuple[str, ...]


def parse_modprobe(files: Files, index: _Index) -> ModprobeConfig:
    applied = config_dir_files(files, MODPROBE_DIRS, ".conf")
    install: dict[str, Setting[str]] = {}
    blacklist: dict[str, Setting[bool]] = {}
    for path in applied:
        text = files.read(path)
        if text is None:
            continue
        for number, line in lines_of(text, continuation=True):
            words = line.split()
            if len(words) < 2 or words[0].startswith("#"):
                continue
            command, name = words[0], module_name(words[1])
            origin = Origin(path, number)
            if command == "install" and name not in install:
                install[name] = index.setting(
                    " ".join(words[2:]), ("modprobe", name, "install"), origin
                )
            elif command == "blacklist" and name not in blacklist:
                blacklist[name] = index.setting(True, ("modprobe", name, "blacklist"), origin)
    legacy: dict[str, Origin] = {}
    text = files.read(LEGACY_MODPROBE_CONF)
    for number, line in lines_of(text or "", continuation=True):
        words = line.split()
        if len(words) >= 3 and words[0] == "install":
            legacy.setdefault(module_name(words[1]), Origin(LEGACY_MODPROBE_CONF, number))
    shipped: set[str] | None = None
    builtin: set[str] = set()
    kernels: list[str] = []
    seen: set[str] = set()
    for tree in MODULE_TREES:
        for version in files.listdir(tree):
            dep = files.read(posixpath.join(tree, version, "modules.dep"))
            if dep is None or version in seen:
                continue
            seen.add(version)
            kernels.append(version)
            shipped = shipped if shipped is not None else set()
            for line in dep.splitlines():
                head = line.split(":", 1)[0]
                m = _KO.search(head)
                if m:
                    shipped.add(module_name(m.group(1)))
            for line in (
                files.read(posixpath.join(tree, version, "modules.builtin")) or ""
            ).split():
                m = _KO.search(line)
                if m:
                    builtin.add(module_name(m.group(1)))
    return ModprobeConfig(
        files=tuple(applied),
        install=install,
        blacklist=blacklist,
        legacy=legacy,
        shipped=frozenset(shipped) if shipped is not None else None,
        builtin=frozenset(builtin),
        kernels=tuple(kernels),
    )


DISABLING_COMMANDS = frozenset({"/bin/true", "/bin/false", "/usr/bin/true", "/usr/bin/false"})


def install_disables(command: str) -> bool:
    """An install command that loads nothing: /bin/true or /bin/false (or their /usr/bin
    paths, or the shell builtins), and nothing after them."""
    words = command.split()
    return len(words) == 1 and (words[0] in DISABLING_COMMANDS or words[0] in ("true", "false"))


# ============================================================================ accounts

LOGIN_DEFS = "/etc/login.defs"
USERADD_DEFAULTS = "/etc/default/useradd"
SHADOW = "/etc/shadow"
GROUP = "/etc/group"


def parse_login_defs(files: Files, index: _Index) -> dict[str, Setting[str]]:
    """`NAME value` lines; a later line overrides an earlier one (shadow's getdef)."""
    out: dict[str, Setting[str]] = {}
    for number, line in lines_of(files.read(LOGIN_DEFS) or ""):
        words = line.split()
        if len(words) < 2 or words[0].startswith("#"):
            continue
        value = words[1].strip("\"'")
        out[words[0]] = Setting(value, ("login.defs", words[0]), Origin(LOGIN_DEFS, number))
    for s in out.values():
        index.setting(s.value, s.path, s.origin)
    return out


def parse_useradd_defaults(files: Files, index: _Index) -> dict[str, Setting[str]]:
    out: dict[str, Setting[str]] = {}
    for number, key, value in parse_env_file(files.read(USERADD_DEFAULTS) or ""):
        out[key] = Setting(value, ("useradd", key), Origin(USERADD_DEFAULTS, number))
    for s in out.values():
        index.setting(s.value, s.path, s.origin)
    return out


@dataclass(frozen=True, slots=True)
class ShadowEntry:
    """One /etc/shadow account. The password hash itself is never kept: only what it means."""

    name: str
    password: str  # "usable", "locked" ("!" or "*" prefix), "empty" (no password at all)
    hash_scheme: str  # "$6$", "$y$", "des", "" for locked/empty
    max_days: int | None  # field 5; None when empty (no maximum)
    inactive: int | None  # field 7; None when empty (never)
    origin: Origin

    @property
    def usable(self) -> bool:
        """The account can log in with a password (or with none at all)."""
        return self.password in ("usable", "empty")


def _int_or_none(text: str) -> int | None:
    try:
        return int(text) if text.strip() else None
    except ValueError:
        return None


def parse_shadow(files: Files, index: _Index) -> tuple[ShadowEntry, ...] | None:
    text = files.read(SHADOW)
    if text is None:
        return None
    out: list[ShadowEntry] = []
    for number, line in lines_of(text):
        fields = line.split(":")
        if len(fields) < 2 or not fields[0]:
            continue
        fields += [""] * (9 - len(fields))
        origin = Origin(SHADOW, number)
        pw = fields[1]
        if pw == "":
            state, scheme = "empty", ""
        elif pw[0] in "!*":
            state, scheme = "locked", ""
        else:
            state = "usable"
            m = re.match(r"\$[^$]+\$", pw)
            scheme = m.group() if m else "des"
        entry = ShadowEntry(
            fields[0], state, scheme, _int_or_none(fields[4]), _int_or_none(fields[6]), origin
        )
        index.setting(entry.password, ("shadow", entry.name), origin)
        index.setting(entry.max_days, ("shadow", entry.name, "max_days"), origin)
        index.setting(entry.inactive, ("shadow", entry.name, "inactive"), origin)
        out.append(entry)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    gid: int | None
    members: tuple[str, ...]
    origin: Origin


def parse_groups(files: Files) -> dict[str, Group]:
    out: dict[str, Group] = {}
    for number, line in lines_of(files.read(GROUP) or ""):
        fields = line.split(":")
        if len(fields) < 4 or not fields[0]:
            continue
        members = tuple(m for m in fields[3].split(",") if m.strip())
        out.setdefault(
            fields[0], Group(fields[0], _int_or_none(fields[2]), members, Origin(GROUP, number))
        )
    return out


# ============================================================================ PAM


@dataclass(frozen=True, slots=True)
class PamLine:
    type: str  # auth, account, password, session (a leading "-" removed)
    control: str  # required, requisite, sufficient, optional, include, or "[...]"
    module: str  # basename: pam_wheel.so
    args: tuple[str, ...]
    origin: Origin

    def arg(self, name: str) -> str | None:
        """The value of `name=value`, "" for a bare `name`, None when absent."""
        for a in self.args:
            if a == name:
                return ""
            if a.startswith(name + "="):
                return a[len(name) + 1 :]
        return None


_PAM_LINE = re.compile(r"\s*(-?)(\w+)\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*(.*)")


def parse_pam(files: Files, index: _Index, service: str) -> tuple[PamLine, ...] | None:
    """The active lines of /etc/pam.d/<service> (`@include` lines are not expanded)."""
    path = posixpath.join("/etc/pam.d", service)
    text = files.read(path)
    if text is None:
        return None
    out: list[PamLine] = []
    for number, line in lines_of(text, continuation=True):
        if line.lstrip().startswith("#"):
            continue
        m = _PAM_LINE.match(line)
        if m is None:
            continue
        args = tuple(_pam_args(m.group(5)))
        origin = Origin(path, number)
        index.setting(line.strip(), ("pam", service, number), origin)
        out.append(
            PamLine(m.group(2).lower(), m.group(3), posixpath.basename(m.group(4)), args, origin)
        )
    return tuple(out)


def _pam_args(text: str) -> list[str]:
    """Module arguments; `[...]` groups an argument that contains spaces."""
    out: list[str] = []
    for m in re.finditer(r"\[(?:[^\]\\]|\\.)*\]|\S+", text):
        word = m.group()
        if word.startswith("#"):
            break
        out.append(word[1:-1] if word.startswith("[") else word)
    return out


PWQUALITY_CONF = "/etc/security/pwquality.conf"
PWQUALITY_DIR = "/etc/security/pwquality.conf.d"


def parse_pwquality(files: Files, index: _Index) -> dict[str, Setting[str]]:
    """libpwquality reads pwquality.conf.d/*.conf (sorted) first, then pwquality.conf; a later
    value overrides an earlier one."""
    out: dict[str, Setting[str]] = {}
    paths = [
        posixpath.join(PWQUALITY_DIR, n)
        for n in files.listdir(PWQUALITY_DIR)
        if n.endswith(".conf")
    ]
    for path in [*paths, PWQUALITY_CONF]:
        for number, line in lines_of(files.read(path) or ""):
            s = line.split("#", 1)[0].strip()
            if not s:
                continue
            name, eq, value = s.partition("=")
            key = name.strip()
            out[key] = Setting(
                value.strip() if eq else "", ("pwquality", key), Origin(path, number)
            )
    for setting in out.values():
        index.setting(setting.value, setting.path, setting.origin)
    return out


PAM_SERVICES = ("su", "common-password", "system-auth", "password-auth")
PWQUALITY_MODULES = ("pam_pwquality.so", "pam_cracklib.so")
PWQUALITY_DEFAULTS: Mapping[str, int] = {
    "minlen": 8,
    "dcredit": 0,
    "ucredit": 0,
    "lcredit": 0,
    "ocredit": 0,
    "minclass": 0,
}


@dataclass(frozen=True)
class PasswordQuality:
    """The password quality module the password stack uses, and its effective settings:
    module arguments over pwquality.conf (over its .d snippets) over libpwquality's defaults."""

    line: PamLine
    service: str
    settings: Mapping[str, Setting[int | None]]


def password_quality(
    pam: Mapping[str, tuple[PamLine, ...] | None],
    conf: Mapping[str, Setting[str]],
    index: _Index,
) -> PasswordQuality | None:
    """On Debian and Ubuntu the stack is common-password; on Red Hat, system-auth and
    password-auth."""
    if pam.get("common-password") is not None:
        services = ["common-password"]
    else:
        services = ["system-auth", "password-auth"]
    for service in services:
        for line in pam.get(service) or ():
            if line.type != "password" or line.module not in PWQUALITY_MODULES:
                continue
            settings: dict[str, Setting[int | None]] = {}
            for key, default in PWQUALITY_DEFAULTS.items():
                arg = line.arg(key)
                if arg is not None:
                    path: Path = ("pam", service, line.origin.line or 0, key)
                    settings[key] = index.setting(_int_or_none(arg), path, line.origin)
                elif key in conf and line.module == "pam_pwquality.so":
                    c = conf[key]
                    settings[key] = Setting(_int_or_none(c.value), c.path, c.origin)
                else:
                    settings[key] = Setting(default, ("pwquality", key), None)
            return PasswordQuality(line, service, settings)
    return None


# ============================================================================ umask

UMASK_FILES = ("/etc/bash.bashrc", "/etc/profile")
UMASK_DIR = "/etc/profile.d"
_UMASK_CMD = re.compile(r"(?:^|[;&|({\s])umask\s+(?:-S\s+)?([^\s;&|)#]+)")


def parse_umask_value(text: str) -> int | None:
    """The mask an octal (`027`) or absolute symbolic (`u=rwx,g=rx,o=`) umask sets; None for
    relative forms (`g-w`), whose result depends on the mask before."""
    if re.fullmatch(r"[0-7]{1,4}", text):
        return int(text, 8) & 0o777
    allowed = {"u": 0, "g": 0, "o": 0}
    for clause in text.split(","):
        m = re.fullmatch(r"([ugoa]*)=([rwx]*)", clause)
        if m is None:
            return None
        who = m.group(1) or "a"
        bits = sum({"r": 4, "w": 2, "x": 1}[c] for c in set(m.group(2)))
        for w in "ugo":
            if w in who or "a" in who:
                allowed[w] = bits
    return ((7 - allowed["u"]) << 6) | ((7 - allowed["g"]) << 3) | (7 - allowed["o"])


@dataclass(frozen=True, slots=True)
class UmaskSetting:
    text: str
    mask: int | None
    path: Path
    origin: Origin


def parse_umasks(
    files: Files, index: _Index, login_defs: Mapping[str, Setting[str]]
) -> tuple[UmaskSetting, ...]:
    """`umask` commands in /etc/bash.bashrc, /etc/profile and /etc/profile.d/*.sh (outside
    comments), and login.defs UMASK (pam_umask's default)."""
    out: list[UmaskSetting] = []
    umask = login_defs.get("UMASK")
    if umask is not None and umask.origin is not None:
        out.append(
            UmaskSetting(umask.value, parse_umask_value(umask.value), umask.path, umask.origin)
        )
    scripts = [*UMASK_FILES] + [
        posixpath.join(UMASK_DIR, n) for n in files.listdir(UMASK_DIR) if n.endswith(".sh")
    ]
    for path in scripts:
        for number, line in lines_of(files.read(path) or ""):
            code = re.sub(r"(^|\s)#.*", "", line)
            for m in _UMASK_CMD.finditer(code):
                origin = Origin(path, number)
                p: Path = ("umask", path, number)
                index.setting(m.group(1), p, origin)
                out.append(UmaskSetting(m.group(1), parse_umask_value(m.group(1)), p, origin))
    return tuple(out)


# ============================================================================ systemd units

UNIT_DIRS = (
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
)


@dataclass(frozen=True)
class Unit:
    """A systemd unit with its drop-ins merged: each key's assignments in order."""

    name: str
    path: str | None  # None: masked (a link to /dev/null) or absent
    masked: bool
    assignments: Mapping[tuple[str, str], tuple[tuple[str, Origin], ...]]

    def values(self, section: str, key: str) -> list[tuple[str, Origin]]:
        """The key's values after list resets: an empty assignment clears the earlier ones."""
        out: list[tuple[str, Origin]] = []
        for value, origin in self.assignments.get((section, key), ()):
            if value == "":
                out = []
            else:
                out.append((value, origin))
        return out


def parse_unit(files: Files, name: str) -> Unit | None:
    """The unit file (the first found in the unit directories wins) and its drop-ins
    (`name.d/*.conf` in every directory, by file name, earlier directories hiding later)."""
    path = next((p for d in UNIT_DIRS if files.exists(p := posixpath.join(d, name))), None)
    if path is None:
        return None
    text = files.read(path)
    if text is None or not text.strip():
        return Unit(name, None, True, {})
    assignments: dict[tuple[str, str], list[tuple[str, Origin]]] = {}
    dropins = config_dir_files(files, [posixpath.join(d, name + ".d") for d in UNIT_DIRS], ".conf")
    for p in [path, *dropins]:
        section = ""
        for number, line in lines_of(files.read(p) or "", continuation=True):
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            if s.startswith("[") and s.endswith("]"):
                section = s[1:-1]
                continue
            key, eq, value = s.partition("=")
            if eq:
                assignments.setdefault((section, key.strip()), []).append(
                    (value.strip(), Origin(p, number))
                )
    return Unit(name, path, False, {k: tuple(v) for k, v in assignments.items()})


def systemd_words(text: str) -> list[str]:
    """Split a command line as systemd does (quotes group, backslash escapes)."""
    out: list[str] = []
    cur: list[str] = []
    started = False
    quote: str | None = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote is not None:
            if c == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 2
                continue
            if c == quote:
                quote = None
            else:
                cur.append(c)
        elif c.isspace():
            if started:
                out.append("".join(cur))
                cur, started = [], False
        elif c in "\"'":
            quote, started = c, True
        elif c == "\\" and i + 1 < len(text):
            cur.append(text[i + 1])
            started = True
            i += 2
            continue
        else:
            cur.append(c)
            started = True
        i += 1
    if started:
        out.append("".join(cur))
    return out


# ============================================================================ kubelet

KUBELET_UNIT = "kubelet.service"
AZURE_JSON = "/etc/kubernetes/azure.json"
KUBECONFIG_DEFAULTS = ("/var/lib/kubelet/kubeconfig", "/etc/kubernetes/kubelet.conf")

# The kubelet's boolean flags (pflag: `--flag` alone means true; `--flag false` does NOT set it
# to false, the `false` is a separate argument).
KUBELET_BOOL_FLAGS = frozenset(
    {
        "anonymous-auth",
        "authentication-token-webhook",
        "make-iptables-util-chains",
        "protect-kernel-defaults",
        "rotate-certificates",
        "rotate-server-certificates",
        "enable-server",
        "enable-debugging-handlers",
        "fail-swap-on",
        "register-node",
        "exit-on-lock-contention",
        "keep-terminated-pod-volumes",
        "logtostderr",
        "alsologtostderr",
        "cgroups-per-qos",
        "serialize-image-pulls",
        "enable-controller-attach-detach",
        "kernel-memcg-notification",
        "seccomp-default",
        "help",
        "version",
    }
)


@dataclass(frozen=True)
class KubeletSetting:
    """One kubelet setting: its flag, its config-file field, and both defaults."""

    flag: str
    field: tuple[str, ...]  # path in the KubeletConfiguration file
    kind: str  # "bool", "string", "int", "duration"
    flag_default: object
    config_default: object


# Defaults: the kubelet's flag defaults, and KubeletConfiguration v1beta1 defaulting (which
# applies whenever a config file is given).
KUBELET_SETTINGS: Mapping[str, KubeletSetting] = {
    s.flag: s
    for s in (
        KubeletSetting(
            "anonymous-auth", ("authentication", "anonymous", "enabled"), "bool", True, False
        ),
        KubeletSetting(
            "authorization-mode", ("authorization", "mode"), "string", "AlwaysAllow", "Webhook"
        ),
        KubeletSetting(
            "client-ca-file", ("authentication", "x509", "clientCAFile"), "string", "", ""
        ),
        KubeletSetting("read-only-port", ("readOnlyPort",), "int", 10255, 0),
        KubeletSetting(
            "streaming-connection-idle-timeout",
            ("streamingConnectionIdleTimeout",),
            "duration",
            "4h0m0s",
            "4h0m0s",
        ),
        KubeletSetting("protect-kernel-defaults", ("protectKernelDefaults",), "bool", False, False),
        KubeletSetting(
            "make-iptables-util-chains", ("makeIPTablesUtilChains",), "bool", True, True
        ),
        KubeletSetting("event-qps", ("eventRecordQPS",), "int", 50, 50),
        KubeletSetting("rotate-certificates", ("rotateCertificates",), "bool", False, False),
        KubeletSetting("rotate-server-certificates", ("serverTLSBootstrap",), "bool", False, False),
        KubeletSetting("kubeconfig", (), "string", "", ""),
        KubeletSetting("config", (), "string", "", ""),
    )
}


@dataclass(frozen=True)
class Kubelet:
    """The kubelet's effective settings: flags over the config file over the defaults."""

    source: str  # "process" (live command line) or "unit" (systemd unit files)
    home: str  # where the command line comes from: the unit file, or /proc/<pid>/cmdline
    argv: tuple[str, ...]
    flags: Mapping[str, Setting[str]]  # flag name -> last value given
    feature_gates: Mapping[str, Setting[bool]]
    config_path: str | None
    config: Mapping[str, Any] | None  # the parsed config file; None when not used or unreadable
    config_lines: Mapping[Path, int]
    config_problem: str | None

    def setting(self, flag: str) -> Setting[object]:
        """The effective value of a kubelet setting and where it comes from."""
        spec = KUBELET_SETTINGS[flag]
        path: Path = ("kubelet", flag)
        if flag in self.flags:
            raw = self.flags[flag]
            return Setting(_kubelet_value(spec.kind, raw.value), path, raw.origin)
        if self.config is not None and spec.field:
            node: Any = self.config
            for key in spec.field:
                node = node.get(key) if isinstance(node, Mapping) else None
            if _typed(spec.kind, node) and self.config_path is not None:
                line = self.config_lines.get(spec.field)
                value = _kubelet_value(spec.kind, node) if isinstance(node, str) else node
                return Setting(value, path, Origin(self.config_path, line))
            return Setting(spec.config_default, path, None)
        return Setting(spec.flag_default, path, None)

    def gate(self, name: str, default: bool) -> Setting[bool]:
        """A feature gate: `--feature-gates` over the config file's `featureGates`."""
        path: Path = ("kubelet", "feature-gates", name)
        if name in self.feature_gates:
            return self.feature_gates[name]
        gates = self.config.get("featureGates") if self.config is not None else None
        if isinstance(gates, Mapping) and isinstance(gates.get(name), bool):
            line = self.config_lines.get(("featureGates", name))
            return Setting(bool(gates[name]), path, Origin(self.config_path or "", line))
        return Setting(default, path, None)


def _typed(kind: str, value: object) -> bool:
    """Whether a config-file value has the type its field needs (others count as absent, and
    are reported as input errors)."""
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "duration":
        return isinstance(value, str) or (type(value) is int and value == 0)
    return isinstance(value, str)


def _kubelet_value(kind: str, raw: object) -> object:
    """A flag's text (or a config string) as the kubelet would read it; None when invalid."""
    if not isinstance(raw, str):
        return raw
    if kind == "bool":
        return parse_go_bool(raw)
    if kind == "int":
        try:
            return int(raw.strip())
        except ValueError:
            return None
    return raw.strip()


@dataclass(frozen=True)
class KubeletArgs:
    flags: Mapping[str, tuple[str, Origin | None]]  # name -> (last value, where)
    gates: Mapping[str, tuple[bool, Origin | None]]
    stray: tuple[tuple[str, Origin | None], ...]  # words that are not flags (kubelet refuses)


def parse_kubelet_args(argv: Sequence[tuple[str, Origin | None]]) -> KubeletArgs:
    """pflag semantics: `--name=value`, `--name value` (not for booleans), `--bool`; the last
    occurrence wins; `--feature-gates=A=true,B=false` occurrences merge; parsing stops at
    `--`. Anything else is a stray argument, which makes the kubelet refuse to start."""
    flags: dict[str, tuple[str, Origin | None]] = {}
    gates: dict[str, tuple[bool, Origin | None]] = {}
    stray: list[tuple[str, Origin | None]] = []
    i = 0
    while i < len(argv):
        word, origin = argv[i]
        i += 1
        if word == "--":
            stray.extend(argv[i:])
            break
        if not word.startswith("-") or word == "-":
            stray.append((word, origin))
            continue
        body = word.lstrip("-")
        name, eq, value = body.partition("=")
        if not eq:
            if name in KUBELET_BOOL_FLAGS:
                value = "true"
            elif i < len(argv):
                value, _ = argv[i]
                i += 1
            else:
                value = ""
        if name == "feature-gates":
            for item in value.split(","):
                gate, _, on = item.partition("=")
                parsed = parse_go_bool(on)
                if gate.strip() and parsed is not None:
                    gates[gate.strip()] = (parsed, origin)
            continue
        flags[name] = (value, origin)
    return KubeletArgs(flags, gates, tuple(stray))


def expand_exec(
    command: str, env: Mapping[str, tuple[str, Origin]], origin: Origin
) -> list[tuple[str, Origin]]:
    """An ExecStart= command line split into words with their origins: `${VAR}` stays one word,
    `$VAR` splits on whitespace (systemd), and words from a variable carry the variable's
    origin (the line of the EnvironmentFile or Environment= that set it)."""
    out: list[tuple[str, Origin]] = []
    for word in systemd_words(command.lstrip("@-:+!")):
        whole = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", word)
        if whole is not None:
            value, where = env.get(whole.group(1), ("", origin))
            if word.startswith("${"):
                if value:
                    out.append((value, where))
            else:
                out.extend((w, where) for w in value.split())
            continue

        def sub(m: re.Match[str]) -> str:
            return env.get(m.group(1) or m.group(2), ("", origin))[0]

        expanded = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", sub, word)
        names = re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", word)
        where = env[names[0]][1] if len(names) == 1 and names[0] in env else origin
        out.append((expanded, where))
    return out


def _yaml_lines(text: str) -> dict[Path, int]:
    """Line of every mapping key of a YAML/JSON document, by path."""
    out: dict[Path, int] = {}
    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return out

    def walk(n: Any, path: Path) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    p = (*path, k.value)
                    out[p] = k.start_mark.line + 1
                    walk(v, p)

    walk(node, ())
    return out


def read_kubelet_config(
    files: Files, path: str
) -> tuple[Mapping[str, Any] | None, dict[Path, int], str | None]:
    """The kubelet config file as a mapping, its key lines, and a problem when unreadable."""
    text = files.read(path)
    if text is None:
        return None, {}, f"the kubelet config file {path} does not exist or cannot be read"
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        try:
            data = json.loads(text)
        except ValueError as err:
            return None, {}, f"{path} is neither YAML nor JSON ({err})"
    if not isinstance(data, Mapping):
        return None, {}, f"{path} does not hold a KubeletConfiguration mapping"
    return data, _yaml_lines(text), None


def build_kubelet(
    files: Files, index: _Index, argv: Sequence[str] | None, argv_origin: Origin | None
) -> Kubelet | None:
    """From the running process's command line (live), else the systemd unit."""
    words: list[tuple[str, Origin | None]]
    source = "process"
    home = argv_origin.file if argv_origin is not None else "/proc"
    if argv is not None:
        words = [(w, argv_origin) for w in argv[1:]]
        shown = tuple(argv)
    else:
        unit = parse_unit(files, KUBELET_UNIT)
        if unit is None or unit.masked:
            return None
        source = "unit"
        home = unit.path or KUBELET_UNIT
        env: dict[str, tuple[str, Origin]] = {}
        for value, origin in unit.values("Service", "Environment"):
            for assignment in systemd_words(value):
                key, eq, val = assignment.partition("=")
                if eq:
                    env[key] = (val, origin)
        for value, _ in unit.values("Service", "EnvironmentFile"):
            path = value.lstrip("-")
            for number, key, val in parse_env_file(files.read(path) or ""):
                env[key] = (val, Origin(path, number))
        starts = unit.values("Service", "ExecStart")
        if not starts:
            return None
        command, origin = starts[-1]
        expanded = expand_exec(command, env, origin)
        words = [(w, o) for w, o in expanded[1:]]
        shown = tuple(w for w, _ in expanded)
    parsed = parse_kubelet_args(words)
    flags, gates = parsed.flags, parsed.gates
    for word, where in parsed.stray:
        if parse_go_bool(word) is not None:
            what = (
                f"stray argument {word!r} (a boolean flag takes its value after `=`: "
                "`--flag=false`, not `--flag false`)"
            )
        else:
            what = "a stray argument (not shown: it could be a credential)"
        index.problem(where or Origin(home), f"kubelet: {what}: the kubelet refuses to start")
    flag_settings = {
        name: index.setting(value, ("kubelet", name), origin)
        for name, (value, origin) in flags.items()
    }
    gate_settings = {
        name: index.setting(on, ("kubelet", "feature-gates", name), origin)
        for name, (on, origin) in gates.items()
    }
    config_path = flags["config"][0] if "config" in flags and flags["config"][0] else None
    config: Mapping[str, Any] | None = None
    lines: dict[Path, int] = {}
    problem = None
    if config_path is not None:
        config, lines, problem = read_kubelet_config(files, config_path)
        if config is not None:
            reader = Reader()
            _check_kubelet_types(reader, config)
            for p in reader.problems:
                index.problem(Origin(config_path, lines.get(p.path)), p.message)
            for flag, spec in KUBELET_SETTINGS.items():
                if spec.field and spec.field in lines and flag not in flags:
                    index.origins.setdefault(
                        ("kubelet", flag), Origin(config_path, lines[spec.field])
                    )
            gates_map = config.get("featureGates")
            if isinstance(gates_map, Mapping):
                for gate in gates_map:
                    at: Path = ("featureGates", str(gate))
                    if gate not in gates and at in lines:
                        index.origins.setdefault(
                            ("kubelet", "feature-gates", str(gate)), Origin(config_path, lines[at])
                        )
    return Kubelet(
        source=source,
        home=home,
        argv=shown,
        flags=flag_settings,
        feature_gates=gate_settings,
        config_path=config_path,
        config=config,
        config_lines=lines,
        config_problem=problem,
    )


def _check_kubelet_types(reader: Reader, config: Mapping[str, Any]) -> None:
    """Report wrongly typed fields of the kubelet config file (they are treated as absent)."""
    auth = reader.mapping(config, "authentication", ())
    reader.boolean(
        reader.mapping(auth, "anonymous", ("authentication",)),
        "enabled",
        ("authentication", "anonymous"),
    )
    reader.string(
        reader.mapping(auth, "x509", ("authentication",)),
        "clientCAFile",
        ("authentication", "x509"),
    )
    reader.string(reader.mapping(config, "authorization", ()), "mode", ("authorization",))
    for key in (
        "protectKernelDefaults",
        "makeIPTablesUtilChains",
        "rotateCertificates",
        "serverTLSBootstrap",
    ):
        reader.boolean(config, key, ())
    for key in ("readOnlyPort", "eventRecordQPS"):
        reader.integer(config, key, ())
    value = config.get("streamingConnectionIdleTimeout")
    if value is not None and not _typed("duration", value):
        reader.wrong(("streamingConnectionIdleTimeout",), "a duration string", value)


# ============================================================================ logging, units

RSYSLOG_CONF = "/etc/rsyslog.conf"
RSYSLOG_DIR = "/etc/rsyslog.d"
JOURNALD_CONF = "/etc/systemd/journald.conf"
_RSYSLOG_RULE = re.compile(r"^[\w*,;.!=]+\.[\w*!=,]+\s+\S")


@dataclass(frozen=True)
class Logging:
    """What a person reviewing 4.2.1.2 needs: where logs go."""

    rsyslog_files: tuple[str, ...]
    rsyslog_rules: tuple[tuple[str, Origin], ...]  # selector/action lines, e.g. "auth,authpriv.*"
    journald_storage: Setting[str] | None
    journald_forward: Setting[str] | None
    var_log: bool


def parse_logging(files: Files, index: _Index) -> Logging:
    paths = [RSYSLOG_CONF] + [
        posixpath.join(RSYSLOG_DIR, n) for n in files.listdir(RSYSLOG_DIR) if n.endswith(".conf")
    ]
    present: list[str] = []
    rules: list[tuple[str, Origin]] = []
    for path in paths:
        text = files.read(path)
        if text is None:
            continue
        present.append(path)
        for number, line in lines_of(text, continuation=True):
            s = line.strip()
            if s and not s.startswith("#") and _RSYSLOG_RULE.match(s):
                rules.append((s.split()[0], Origin(path, number)))
    storage = forward = None
    journald = [JOURNALD_CONF] + [
        posixpath.join(JOURNALD_CONF + ".d", n)
        for n in files.listdir(JOURNALD_CONF + ".d")
        if n.endswith(".conf")
    ]
    for path in journald:
        for number, line in lines_of(files.read(path) or ""):
            key, eq, value = line.strip().partition("=")
            if not eq or key.startswith(("#", ";")):
                continue
            if key.strip() in ("Storage", "ForwardToSyslog"):
                setting = Setting(value.strip(), ("journald", key.strip()), Origin(path, number))
                if key.strip() == "Storage":
                    storage = setting
                else:
                    forward = setting
    for found in (storage, forward):
        if found is not None:
            index.setting(found.value, found.path, found.origin)
    return Logging(
        tuple(present), tuple(rules), storage, forward, files.stat("/var/log") is not None
    )


SINGLE_USER_UNITS = ("rescue.service", "emergency.service")
BANNERS = ("/etc/issue", "/etc/issue.net")


@dataclass(frozen=True)
class Banner:
    """A login banner file's lines (`/etc/issue` for consoles, `/etc/issue.net` for remote
    logins); each line is a path `banner["/etc/issue"][n]` that findings can name."""

    path: str
    lines: tuple[str, ...]

    def at(self, number: int) -> Path:
        return ("banner", self.path, number)


def parse_banner(files: Files, index: _Index, path: str) -> Banner | None:
    text = files.read(path)
    if text is None:
        return None
    lines = tuple(text.splitlines())
    for number in range(1, len(lines) + 1):
        index.setting(None, ("banner", path, number), Origin(path, number))
    return Banner(path, lines)


# ============================================================================ runtime


@dataclass(frozen=True)
class Runtime:
    """A live node's runtime state, read from procfs (and `sshd -T`)."""

    proc: str  # where it was read, e.g. "/proc" or "/host/proc"
    sysctls: Mapping[str, str]  # key -> current value (only keys that could be read)
    net_visible: bool  # /proc/sys/net shows the host's network namespace (not a container's)
    modules: frozenset[str] | None  # loaded modules; None when /proc/modules was unreadable
    kubelet_argv: tuple[str, ...] | None  # the running kubelet's command line
    kubelet_pid: int | None
    sshd: Mapping[str, str] | None  # `sshd -T`: keyword (lower case) -> value
    kernel_cmdline: str | None

    def sysctl(self, key: str) -> str | None:
        if key.startswith("net.") and not self.net_visible:
            return None
        return self.sysctls.get(key)


# ============================================================================ the host

# The sysctl keys whose effective persistent values the rules need (globs are resolved for
# these; explicit assignments are kept for every key).
SYSCTL_KEYS: tuple[str, ...] = tuple(
    f"net.{family}.conf.{scope}.{name}"
    for family, names in (
        (
            "ipv4",
            (
                "send_redirects",
                "accept_source_route",
                "accept_redirects",
                "secure_redirects",
                "log_martians",
            ),
        ),
        ("ipv6", ("accept_source_route", "accept_redirects", "accept_ra", "disable_ipv6")),
    )
    for name in names
    for scope in ("all", "default")
)

GRUB_DEFAULTS = "/etc/default/grub"


@dataclass(frozen=True)
class NodeHost:
    """Everything the NODE rules read about one host, each setting with its origin."""

    root: str
    hostname: str
    os: Mapping[str, str]  # os-release
    runtime: Runtime | None
    files: Files
    sshd: SshdConfig
    sysctl: SysctlConfig
    modprobe: ModprobeConfig
    login_defs: Mapping[str, Setting[str]]
    useradd: Mapping[str, Setting[str]]
    shadow: tuple[ShadowEntry, ...] | None  # None: /etc/shadow missing or unreadable
    shadow_readable: bool
    groups: Mapping[str, Group]
    pam: Mapping[str, tuple[PamLine, ...] | None]  # service -> lines (None: no such file)
    pwquality: Mapping[str, Setting[str]]
    password_quality: PasswordQuality | None
    umasks: tuple[UmaskSetting, ...]
    banners: Mapping[str, Banner | None]
    units: Mapping[str, Unit | None]
    logging: Logging
    kubelet: Kubelet | None
    kernel_args: Setting[str] | None  # GRUB_CMDLINE_LINUX(_DEFAULT) (offline) or /proc/cmdline
    origins: Mapping[Path, Origin]
    problems: tuple[HostProblem, ...]
    _resources: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def live(self) -> bool:
        return self.runtime is not None

    @property
    def ipv6_disabled(self) -> bool:
        """IPv6 is off: `ipv6.disable=1` on the kernel command line, or disable_ipv6 set in the
        persistent sysctl configuration for both all and default interfaces."""
        if self.kernel_args is not None and re.search(
            r"(^|\s)ipv6\.disable=1(\s|$)", self.kernel_args.value
        ):
            return True
        return all(
            (s := self.sysctl.get(f"net.ipv6.conf.{scope}.disable_ipv6")) is not None
            and s.value == "1"
            for scope in ("all", "default")
        )

    def stat(self, path: str) -> FileStat | None:
        return self.files.stat(path)

    def line_of(self, path: Path) -> int | None:
        origin = self.origins.get(path)
        return origin.line if origin is not None else None

    def display(self, path: str) -> str:
        return self.files.display(path)

    def resource_for(self, path: str | None = None) -> Resource:
        """The Resource that names this host in findings; `path` (a host file) is where the
        finding is located, None for the host as a whole (its root)."""
        cached = self._resources.get(path or "")
        if isinstance(cached, Resource):
            return cached
        if path and self.runtime is not None and path.startswith(self.runtime.proc + "/"):
            file = path  # runtime state is read from the auditing machine's procfs mount
        elif path:
            file = self.files.display(path)
        else:
            file = self.files.display("/").rstrip("/") or "/"
        resource = Resource(
            api_version=API_VERSION,
            kind=KIND,
            name=self.hostname,
            namespace=None,
            labels={},
            annotations={},
            raw={"root": self.root, "live": self.live},
            source=Source(file=file, doc=0, prefix=(), line=None),
        )
        self._resources[path or ""] = resource
        return resource

    def violation(
        self,
        message: str,
        path: Path,
        file: str | None = None,
        verdict: Verdict = Verdict.FAIL,
    ) -> Violation:
        """A finding about this host at `path`, located at the file and line that set it (or at
        `file` when nothing sets it)."""
        origin = self.origins.get(path)
        where = origin.file if origin is not None else file
        return Violation(message, path, resource=self.resource_for(where), verdict=verdict)

    @classmethod
    def build(cls, files: Files, runtime: Runtime | None, root: str) -> NodeHost:
        index = _Index()
        hostname = (files.read("/etc/hostname") or "").strip().splitlines()
        os_release = parse_os_release(
            files.read("/etc/os-release") or files.read("/usr/lib/os-release") or ""
        )
        login_defs = parse_login_defs(files, index)
        kernel_args: Setting[str] | None = None
        if runtime is not None and runtime.kernel_cmdline is not None:
            kernel_args = Setting(
                runtime.kernel_cmdline,
                ("kernel", "cmdline"),
                Origin(posixpath.join(runtime.proc, "cmdline")),
            )
        else:
            grub = parse_env_file(files.read(GRUB_DEFAULTS) or "")
            args = [
                (value, Origin(GRUB_DEFAULTS, number))
                for number, key, value in grub
                if key in ("GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT")
            ]
            if args:
                kernel_args = index.setting(
                    " ".join(v for v, _ in args), ("kernel", "cmdline"), args[-1][1]
                )
        shadow = parse_shadow(files, index)
        pam = {name: parse_pam(files, index, name) for name in PAM_SERVICES}
        units = {name: parse_unit(files, name) for name in SINGLE_USER_UNITS}
        for name, unit in units.items():
            for i, (command, origin) in enumerate(
                unit.values("Service", "ExecStart") if unit else ()
            ):
                index.setting(command, ("systemd", name, "ExecStart", i), origin)
        pwquality = parse_pwquality(files, index)
        kubelet_origin = (
            Origin(posixpath.join(runtime.proc, str(runtime.kubelet_pid), "cmdline"))
            if runtime is not None and runtime.kubelet_pid is not None
            else None
        )
        kubelet = build_kubelet(
            files,
            index,
            runtime.kubelet_argv if runtime is not None else None,
            kubelet_origin,
        )
        if kubelet is None and runtime is not None and runtime.kubelet_argv is None:
            # Live, but no kubelet runs: the unit files still say how it would start.
            kubelet = build_kubelet(files, index, None, None)
        return cls(
            root=root,
            hostname=hostname[0].strip() if hostname else root,
            os=os_release,
            runtime=runtime,
            files=files,
            sshd=parse_sshd(files, index, runtime.sshd if runtime is not None else None),
            sysctl=parse_sysctl(files, index, SYSCTL_KEYS),
            modprobe=parse_modprobe(files, index),
            login_defs=login_defs,
            useradd=parse_useradd_defaults(files, index),
            shadow=shadow,
            shadow_readable=shadow is not None or not files.exists(SHADOW),
            groups=parse_groups(files),
            pam=pam,
            pwquality=pwquality,
            password_quality=password_quality(pam, pwquality, index),
            umasks=parse_umasks(files, index, login_defs),
            banners={path: parse_banner(files, index, path) for path in BANNERS},
            units=units,
            logging=parse_logging(files, index),
            kubelet=kubelet,
            kernel_args=kernel_args,
            origins=index.origins,
            problems=tuple(index.problems),
        )
