"""docs/conformance.md is generated from the harnesses; it must match what they produce now."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.corpora import shared_dir

ROOT = Path(__file__).resolve().parents[2]


def test_conformance_page_is_current() -> None:
    if shared_dir() is None:
        reason = "../shared/corpora not present (set KUBEWARD_SHARED); conformance runs in CI"
        if os.environ.get("KUBEWARD_REQUIRE_SHARED") == "1":
            pytest.fail(f"KUBEWARD_REQUIRE_SHARED=1 but {reason}")
        pytest.skip(reason)
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "conformance.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
