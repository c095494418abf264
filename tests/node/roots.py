"""Build Debian root file systems with debootstrap: one as installed, one hardened by
`harden.sh`. Used by the test suite (conftest.py) and by scripts/openscap_node.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUITE = "bookworm"
MIRROR = os.environ.get("KUBEWARD_DEBIAN_MIRROR", "http://deb.debian.org/debian")
PACKAGES = ("openssh-server", "libpam-pwquality", "cron", "rsyslog", "procps", "kmod", "systemd")
HARDEN = Path(__file__).resolve().parent / "harden.sh"


@dataclass(frozen=True)
class DebianRoots:
    installed: Path
    hardened: Path
    seconds: float  # how long debootstrap took


class BuildError(Exception):
    pass


def unavailable() -> str | None:
    """Why the roots cannot be built here, or None."""
    if os.geteuid() != 0:
        return "debootstrap needs root"
    if shutil.which("debootstrap") is None:
        return "debootstrap is not installed (apt-get install debootstrap)"
    return None


def scratch() -> str:
    """Where to build the roots: memory (/dev/shm) when it has room, so dpkg's many syncs cost
    nothing, else the temporary directory; `$KUBEWARD_DEBIAN_ROOTS_DIR` overrides."""
    chosen = os.environ.get("KUBEWARD_DEBIAN_ROOTS_DIR")
    if chosen:
        return chosen
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        st = os.statvfs(shm)
        if st.f_bavail * st.f_frsize > 3 * 1024**3:
            return shm
    return tempfile.gettempdir()


def build(base: Path) -> DebianRoots:
    """debootstrap into base/installed, copy to base/hardened and harden it."""
    cache = Path(
        os.environ.get("KUBEWARD_DEBOOTSTRAP_CACHE")
        or Path(tempfile.gettempdir()) / "kubeward-debootstrap-cache"
    )
    cache.mkdir(parents=True, exist_ok=True)
    installed, hardened = base / "installed", base / "hardened"
    started = time.monotonic()
    done = subprocess.run(
        [
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(PACKAGES)}",
            f"--cache-dir={cache}",
            SUITE,
            str(installed),
            MIRROR,
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise BuildError(f"debootstrap failed ({done.returncode}):\n{done.stdout[-3000:]}")
    subprocess.run(["cp", "-a", str(installed), str(hardened)], check=True)
    subprocess.run(["bash", str(HARDEN), str(hardened)], check=True, capture_output=True)
    return DebianRoots(installed, hardened, seconds)


def _mounted_under(path: Path) -> list[str]:
    prefix = str(path.resolve()) + "/"
    with open("/proc/mounts", encoding="utf-8") as fh:
        return [m for line in fh if (m := line.split()[1]).startswith(prefix)]


def remove(path: Path) -> None:
    """Remove root file systems, never following a mount point that is still there."""
    for mount in sorted(_mounted_under(path), reverse=True):
        subprocess.run(["umount", "-l", mount], check=False)
    if not _mounted_under(path):
        subprocess.run(["rm", "-rf", "--one-file-system", str(path)], check=False)
