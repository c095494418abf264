"""Read a node host: a root file system (offline), plus procfs and `sshd -T` (live).

Offline audits read a directory that holds a host's root file system (a mounted disk image, a
chroot, a container's view of the node at /host). Every path is resolved INSIDE that root,
including absolute symbolic links (`/etc/alternatives/...`, `/lib -> usr/lib`), so the
auditing machine's own files are never read by mistake. Only regular files are read, and at
most `MAX_FILE_SIZE` bytes of each.

Live audits also read runtime state: `<proc>/sys/...` for sysctls (network sysctls only when
this process shares the host's network namespace), `<proc>/modules`, the kubelet's
`<proc>/<pid>/cmdline`, `<proc>/cmdline`, and `sshd -T` when the root is `/` and sshd exists.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kubeward.findings import InputError
from kubeward.model.node import SYSCTL_KEYS, FileStat, NodeHost, Runtime
from kubeward.model.resource import Resource

MAX_FILE_SIZE = 8 * 1024 * 1024
MAX_LINK_HOPS = 40
SSHD_TIMEOUT = 10.0


class RootFiles:
    """`model.node.Files` over a directory holding a root file system."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self.unreadable: dict[str, str] = {}  # host path -> reason
        self.read_paths: set[str] = set()  # host paths of the files read

    # -------------------------------------------------------------- path resolution

    def _real(self, path: str, *, follow_last: bool = True) -> str | None:
        """The path on disk of a host path, symbolic links resolved inside the root."""
        pending = [p for p in path.split("/") if p not in ("", ".")]
        done: list[str] = []
        hops = 0
        while pending:
            name = pending.pop(0)
            if name == "..":
                if done:
                    done.pop()
                continue
            candidate = os.path.join(self.root, *done, name)
            if (pending or follow_last) and os.path.islink(candidate):
                hops += 1
                if hops > MAX_LINK_HOPS:
                    return None
                try:
                    target = os.readlink(candidate)
                except OSError:
                    return None
                if target.startswith("/"):
                    done = []
                pending = [p for p in target.split("/") if p not in ("", ".")] + pending
                continue
            done.append(name)
        return os.path.join(self.root, *done)

    # -------------------------------------------------------------- Files protocol

    def read(self, path: str) -> str | None:
        real = self._real(path)
        if real is None:
            return None
        try:
            st = os.stat(real)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None  # directories, devices and FIFOs are never read (a FIFO would block)
        try:
            with open(real, "rb") as fh:
                data = fh.read(MAX_FILE_SIZE + 1)
        except OSError as err:
            self.unreadable[path] = err.strerror or str(err)
            return None
        if len(data) > MAX_FILE_SIZE:
            self.unreadable[path] = f"larger than {MAX_FILE_SIZE // (1024 * 1024)} MB"
            return None
        self.read_paths.add(path)
        return data.decode("utf-8", errors="replace")

    def exists(self, path: str) -> bool:
        real = self._real(path, follow_last=False)
        return real is not None and os.path.lexists(real)

    def stat(self, path: str) -> FileStat | None:
        real = self._real(path)
        if real is None:
            return None
        try:
            st = os.stat(real)
        except OSError:
            return None
        return FileStat(st.st_mode & 0o7777, st.st_uid, st.st_gid, stat.S_ISREG(st.st_mode))

    def listdir(self, path: str) -> list[str]:
        real = self._real(path)
        if real is None:
            return []
        try:
            return sorted(os.listdir(real))
        except OSError:
            return []

    def display(self, path: str) -> str:
        if self.root == "/":
            return path
        return self.root + path


# ============================================================================ runtime

SshdRunner = Callable[[], Mapping[str, str] | None]


def run_sshd_t() -> Mapping[str, str] | None:
    """`sshd -T` on this machine: the effective configuration, or None when sshd is missing or
    refuses (it needs root and valid host keys)."""
    sshd = shutil.which("sshd") or next(
        (p for p in ("/usr/sbin/sshd", "/sbin/sshd") if os.path.exists(p)), None
    )
    if sshd is None:
        return None
    try:
        done = subprocess.run(
            [sshd, "-T"], capture_output=True, text=True, timeout=SSHD_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return parse_sshd_t(done.stdout)


def parse_sshd_t(text: str) -> dict[str, str]:
    """`sshd -T` prints one `keyword value` per line, keywords in lower case."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            out.setdefault(key.lower(), value.strip())
    return out


PROC_CHUNK = 64 * 1024


def _read(path: str) -> str | None:
    """A procfs file. Read in small pieces: a sysctl file refuses one large read (ENOMEM, the
    kernel allocates the buffer asked for) and reports no size to read up to."""
    chunks: list[bytes] = []
    size = 0
    try:
        with open(path, "rb", buffering=0) as fh:
            while size < MAX_FILE_SIZE:
                chunk = fh.read(PROC_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except OSError:
        return None
    return b"".join(chunks).decode("utf-8", errors="replace")


def _same_netns(proc: str, host_pids: Sequence[int]) -> bool:
    """Whether this process sees the host's network namespace in /proc/sys/net: its own
    namespace is the one of a host process (PID 1, else the kubelet) in that procfs. Unknown
    (no permission to look) counts as no."""
    try:
        own = os.readlink(os.path.join(proc, "self/ns/net"))
    except OSError:
        return False
    for pid in host_pids:
        try:
            return own == os.readlink(os.path.join(proc, str(pid), "ns/net"))
        except OSError:
            continue
    return False


def _kubelet_process(proc: str) -> tuple[int, tuple[str, ...]] | None:
    try:
        pids = sorted(int(n) for n in os.listdir(proc) if n.isdigit())
    except OSError:
        return None
    for pid in pids:
        raw = _read(os.path.join(proc, str(pid), "cmdline"))
        if not raw:
            continue
        argv = tuple(a for a in raw.split("\0") if a)
        if argv and posixpath.basename(argv[0]) == "kubelet":
            return pid, argv
    return None


def read_runtime(proc: str, sshd: SshdRunner | None = None) -> Runtime:
    """Runtime state from a procfs mount (`/proc`, or the host's /proc mounted elsewhere)."""
    sysctls: dict[str, str] = {}
    for key in SYSCTL_KEYS:
        value = _read(os.path.join(proc, "sys", *key.split(".")))
        if value is not None:
            sysctls[key] = value.strip()
    modules_text = _read(os.path.join(proc, "modules"))
    modules = (
        frozenset(line.split()[0] for line in modules_text.splitlines() if line.split())
        if modules_text is not None
        else None
    )
    kubelet = _kubelet_process(proc)
    cmdline = _read(os.path.join(proc, "cmdline"))
    return Runtime(
        proc=proc,
        sysctls=sysctls,
        net_visible=_same_netns(proc, [1] + ([kubelet[0]] if kubelet else [])),
        modules=modules,
        kubelet_argv=kubelet[1] if kubelet else None,
        kubelet_pid=kubelet[0] if kubelet else None,
        sshd=sshd() if sshd is not None else None,
        kernel_cmdline=cmdline.replace("\0", " ").strip() if cmdline is not None else None,
    )


# ============================================================================ the host


@dataclass(frozen=True)
class LoadedHost:
    host: NodeHost
    resource: Resource  # names the host (its root) in findings and in the scan's counts
    errors: list[InputError]
    files_read: int


def load_host(
    root: str,
    *,
    proc: str | None = None,
    sshd: SshdRunner | None = None,
) -> LoadedHost:
    """Read a host: `root` is its file system; `proc`, when given, its procfs (live audit)."""
    files = RootFiles(root)
    runtime = read_runtime(proc, sshd) if proc is not None else None
    return host_from(files, runtime)


def host_from(files: RootFiles, runtime: Runtime | None) -> LoadedHost:
    host = NodeHost.build(files, runtime, root=files.root)
    resource = host.resource_for()
    errors = [
        InputError(files.display(p.origin.file), p.origin.line, p.message, obj=resource.display)
        for p in host.problems
    ]
    for path, why in sorted(files.unreadable.items()):
        errors.append(
            InputError(
                files.display(path),
                None,
                f"cannot read ({why}); checks that need it are reported as not evaluated",
                obj=resource.display,
                warning=True,
            )
        )
    return LoadedHost(host, resource, errors, len(files.read_paths))
