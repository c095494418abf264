"""Two real Debian root file systems for the node audit, built once per test session.

`debootstrap --variant=minbase` installs Debian bookworm with only the packages the audit
looks at; the copy is hardened by `tests/node/harden.sh` (see roots.py). Both live in a
temporary directory (in memory when /dev/shm has room) removed at the session's end.
Downloaded packages are cached between runs (`$KUBEWARD_DEBOOTSTRAP_CACHE`, default
`<tmp>/kubeward-debootstrap-cache`).

Without root or debootstrap the tests skip with the reason, unless
`KUBEWARD_REQUIRE_DEBOOTSTRAP=1` (CI), where they fail.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.node.roots import BuildError, DebianRoots, build, remove, scratch, unavailable


def need_debootstrap() -> None:
    why = unavailable()
    if why is None:
        return
    if os.environ.get("KUBEWARD_REQUIRE_DEBOOTSTRAP") == "1":
        pytest.fail(f"KUBEWARD_REQUIRE_DEBOOTSTRAP=1 but {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def debian_roots() -> Iterator[DebianRoots]:
    need_debootstrap()
    base = Path(tempfile.mkdtemp(prefix="kubeward-debian-", dir=scratch()))
    try:
        try:
            roots = build(base)
        except BuildError as err:
            pytest.fail(str(err))
        yield roots
    finally:
        remove(base)
