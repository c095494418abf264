"""Bad input never crashes the scan and never loses the rest of the work.

Every case runs the real command (`python -m kubeward scan`) in a subprocess and checks, for
the bad input, the exact file, the line (or object) and a recognisable phrase of a one-line
message, and, for the good input next to it, that its findings are still reported. Exit code 2
means "an input failed"; warnings do not change the exit code. No run may print a traceback.

Inputs are generated in `tmp_path`; line numbers are looked up in the generated text.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# A subprocess that runs away is a failure, not a hang of the test suite. This is a guard,
# never a timing measurement.
GUARD_SECONDS = 120
ERROR_LINE = re.compile(
    r"^kubeward: (?P<file>.+?)(?::(?P<line>\d+))?: (?P<level>error|warning): (?P<message>.+)$"
)
MEMORY_BOUND = 1536 * 1024 * 1024  # address space allowed to a run fed a YAML bomb

Finding = tuple[str, int | None, str, str]  # file, line, rule, object name

posix_only = pytest.mark.skipif(
    os.name != "posix", reason="POSIX file types, permissions and resource limits"
)


# ----------------------------------------------------------------------------- helpers


def line_of(text: str, marker: str) -> int:
    """1-based line of the only line of `text` containing `marker`."""
    hits = [i for i, line in enumerate(text.split("\n"), start=1) if marker in line]
    assert len(hits) == 1, f"marker {marker!r} found on lines {hits}"
    return hits[0]


def pod(name: str, field: str = "hostPID", namespace: str = "ns") -> str:
    """A Pod flagged for `field: true` (hostPID -> POD202, hostNetwork -> POD201, hostIPC ->
    POD203) on the line carrying the comment `mark-<name>`."""
    return (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        f"  name: {name}\n"
        f"  namespace: {namespace}\n"
        "spec:\n"
        f"  {field}: true  # mark-{name}\n"
        "  containers:\n"
        "  - name: app\n"
        "    image: nginx:1.25\n"
    )


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    report: dict[str, Any]

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def findings(self) -> set[Finding]:
        return {(f["file"], f["line"], f["rule"], f["name"]) for f in self.report["findings"]}

    @property
    def errors(self) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = self.report["errors"]
        return errors

    def error(self, file: str, *, level: str = "error") -> dict[str, Any]:
        """The only error (or warning) reported for `file`."""
        hits = [e for e in self.errors if e["file"] == file and e["level"] == level]
        assert len(hits) == 1, f"{level}s for {file}: {hits}; all: {self.errors}"
        return hits[0]

    def errors_for(self, file: str) -> list[dict[str, Any]]:
        return [e for e in self.errors if e["file"] == file]


def kubeward(
    *args: str,
    cwd: Path | str,
    stdin: bytes | None = None,
    preexec_fn: Callable[[], None] | None = None,
    pass_fds: Sequence[int] = (),
    started: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> Run:
    """`kubeward scan ARGS -f json`, with the checks every run in this file must pass.

    `started` is called with the running process before its input is sent.
    """
    with subprocess.Popen(
        [sys.executable, "-m", "kubeward", "scan", *args, "-f", "json", "--no-config"],
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=preexec_fn,
        pass_fds=pass_fds,
    ) as proc:
        try:
            if started is not None:
                started(proc)
            out, err = proc.communicate(stdin or b"", timeout=GUARD_SECONDS)
        except BaseException:
            proc.kill()
            raise
    stdout = out.decode("utf-8")
    stderr = err.decode("utf-8")
    assert "Traceback" not in stderr, stderr
    assert "Traceback" not in stdout
    assert proc.returncode in (0, 1, 2), f"killed or crashed: {proc.returncode}\n{stderr}"
    report = json.loads(stdout)
    run = Run(proc.returncode, stdout, stderr, report)
    # stderr: nothing but single-line errors and warnings, each one also in the JSON report.
    parsed = []
    for line in run.lines:
        m = ERROR_LINE.match(line)
        assert m is not None, f"not a one-line error: {line!r}\n{stderr}"
        parsed.append(m)
    assert len(parsed) == len(run.errors)
    for e in run.errors:
        assert set(e) >= {"file", "line", "object", "message", "level"}
        assert e["message"] and "\n" not in e["message"]
        where = e["file"] if e["line"] is None else f"{e['file']}:{e['line']}"
        what = f"{e['object']}: " if e["object"] else ""
        expected = f"kubeward: {where}: {e['level']}: {what}{e['message']}"
        assert expected in run.lines, f"{expected!r} not on stderr:\n{stderr}"
    summary = report["summary"]
    assert summary["errors"] == sum(e["level"] == "error" for e in run.errors)
    # Exit code 2 exactly when an input failed.
    assert (run.rc == 2) == (summary["errors"] > 0), (run.rc, run.errors)
    return run


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return text


# ------------------------------------------------------------------------ malformed YAML


def test_malformed_document_keeps_the_other_documents_and_files(tmp_path: Path) -> None:
    broken = (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  name: broken\n"
        "  namespace: ns\n"
        " labels: {app: web}  # bad-indent\n"
        "spec:\n"
        "  hostIPC: true\n"
    )
    multi = write(
        tmp_path / "multi.yaml",
        pod("first", "hostPID") + "---\n" + broken + "---\n" + pod("third", "hostNetwork"),
    )
    other = write(tmp_path / "other.yaml", pod("other", "hostIPC"))

    run = kubeward("multi.yaml", "other.yaml", cwd=tmp_path)

    assert run.rc == 2
    err = run.error("multi.yaml")
    assert err["line"] == line_of(multi, "bad-indent")
    assert err["message"].startswith("YAML error: did not find expected key")
    assert run.errors_for("other.yaml") == []
    assert {
        ("multi.yaml", line_of(multi, "mark-first"), "POD202", "first"),
        ("multi.yaml", line_of(multi, "mark-third"), "POD201", "third"),
        ("other.yaml", line_of(other, "mark-other"), "POD203", "other"),
    } <= run.findings
    assert not any(name == "broken" for _, _, _, name in run.findings)
    assert run.report["summary"]["files"] == 2


def test_unclosed_quote_in_the_middle_document(tmp_path: Path) -> None:
    text = write(
        tmp_path / "quote.yaml",
        pod("before", "hostPID")
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n"
        + '  name: "unterminated  # open-quote\n'
        + "---\n"
        + pod("after", "hostNetwork"),
    )

    run = kubeward("quote.yaml", cwd=tmp_path)

    assert run.rc == 2
    err = run.error("quote.yaml")
    assert "quoted scalar" in err["message"]
    # libyaml notices at the end of the document: the line named is where the quote opens.
    assert err["line"] == line_of(text, "open-quote")
    assert {
        ("quote.yaml", line_of(text, "mark-before"), "POD202", "before"),
        ("quote.yaml", line_of(text, "mark-after"), "POD201", "after"),
    } <= run.findings


# ------------------------------------------------------------------------------- tabs


@pytest.mark.parametrize(
    "bad_line",
    [
        "\thostNetwork: true",  # a tab as indentation
        "  \thostNetwork: true",  # spaces, then a tab
        "  containers:\n  -\tname: x",  # a tab after a dash
    ],
    ids=["indent", "mixed-indent", "after-dash"],
)
def test_tab_indentation_names_tabs_and_the_line(tmp_path: Path, bad_line: str) -> None:
    bad = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tabs\n  namespace: ns\nspec:\n"
        f"  hostIPC: true\n{bad_line}\n"
    )
    text = write(tmp_path / "tabs.yaml", bad + "---\n" + pod("fine", "hostPID"))
    run = kubeward("tabs.yaml", cwd=tmp_path)

    assert run.rc == 2
    err = run.error("tabs.yaml")
    assert err["line"] == line_of(text, "\t")
    assert err["message"].startswith("YAML error: ")
    assert err["message"].endswith("; tabs cannot indent YAML, use spaces")
    assert ("tabs.yaml", line_of(text, "mark-fine"), "POD202", "fine") in run.findings


def test_json_indented_with_tabs_is_read_through_the_json_fallback(tmp_path: Path) -> None:
    doc = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "tabbed", "namespace": "ns"},
        "spec": {"hostPID": True, "containers": [{"name": "c", "image": "nginx:1.25"}]},
    }
    text = json.dumps(doc, indent="\t")
    assert "\n\t" in text
    write(tmp_path / "tabbed.json", text)

    run = kubeward("tabbed.json", "--fail-on", "none", cwd=tmp_path)

    assert run.rc == 0
    assert run.errors == []
    assert run.report["summary"]["kinds"] == {"Pod": 1}
    rules = {(file, rule, name) for file, _, rule, name in run.findings}
    assert ("tabbed.json", "POD202", "tabbed") in rules


# ------------------------------------------------------------------------- YAML bombs


def billion_laughs() -> str:
    lines = ['  l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*l{i - 1}"] * 9)
        lines.append(f"  l{i}: &l{i} [{refs}]")
    return "\n".join(lines)


def merge_bomb() -> str:
    # Only merge keys: each level merges nine copies of the one below.
    keys = ", ".join(f"k{j}: v" for j in range(9))
    lines = [f"  m0: &m0 {{{keys}}}"]
    for i in range(1, 10):
        refs = ", ".join([f"*m{i - 1}"] * 9)
        lines.append(f"  m{i}: &m{i} {{<<: [{refs}], own{i}: x}}")
    return "\n".join(lines)


BOMBS = {
    "billion-laughs": (billion_laughs(), "alias bomb"),
    "merge-key": (merge_bomb(), "alias bomb"),
    "recursive-mapping": ("  self: &x\n    again: *x", "recursive alias"),
    "recursive-sequence": ("  self: &x [a, *x]", "recursive alias"),
    "recursive-merge": ("  self: &x\n    <<: *x", "recursive alias"),
}


def _bounded_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND, MEMORY_BOUND))


@posix_only
@pytest.mark.parametrize("kind", list(BOMBS))
def test_yaml_bomb_is_refused_within_a_memory_bound(tmp_path: Path, kind: str) -> None:
    body, phrase = BOMBS[kind]
    bomb = (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb  # bomb-start\ndata:\n{body}\n"
    )
    text = write(
        tmp_path / "bomb.yaml",
        pod("before", "hostPID") + "---\n" + bomb + "---\n" + pod("after", "hostNetwork"),
    )
    other = write(tmp_path / "other.yaml", pod("other", "hostIPC"))

    run = kubeward("bomb.yaml", "other.yaml", cwd=tmp_path, preexec_fn=_bounded_memory)

    assert run.rc == 2
    err = run.error("bomb.yaml")
    assert phrase in err["message"]
    bomb_lines = range(line_of(text, "bomb-start") - 3, line_of(text, "name: after") - 1)
    assert err["line"] in bomb_lines
    assert {
        ("bomb.yaml", line_of(text, "mark-before"), "POD202", "before"),
        ("bomb.yaml", line_of(text, "mark-after"), "POD201", "after"),
        ("other.yaml", line_of(other, "mark-other"), "POD203", "other"),
    } <= run.findings
    assert "ConfigMap" not in run.report["summary"]["kinds"]


def test_harmless_anchors_are_still_expanded(tmp_path: Path) -> None:
    # The bomb guard must not refuse ordinary reuse of anchors.
    text = write(
        tmp_path / "anchors.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: anchored\n  namespace: ns\n"
        "spec:\n  hostPID: &yes true  # mark-anchored\n  hostIPC: *yes\n"
        "  containers:\n  - &c {name: a, image: 'nginx:1.25'}\n",
    )
    run = kubeward("anchors.yaml", "--fail-on", "none", cwd=tmp_path)
    assert run.rc == 0
    assert run.errors == []
    assert ("anchors.yaml", line_of(text, "mark-anchored"), "POD202", "anchored") in run.findings
    assert ("anchors.yaml", line_of(text, "hostIPC"), "POD203", "anchored") in run.findings


ADDRESS_SPACE_MB = 250
DENSE = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dense\ndata:\n  x:\n"
    + "  - a\n" * 1_000_000
)


def _small_address_space() -> None:
    # 1,000,000 list items take about 400 MB of parse tree: more than this limit allows,
    # which leaves room for the interpreter and its libraries (NumPy's alone reserve tens of MB).
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_MB * 1024 * 1024,) * 2)


def _require_small_address_space_works(cwd: Path) -> None:
    """Skip when this interpreter cannot even run a tiny scan in the limited address space."""
    write(cwd / "tiny.yaml", pod("tiny"))
    proc = subprocess.run(
        [sys.executable, "-m", "kubeward", "scan", "tiny.yaml", "--no-config", "-f", "json"],
        cwd=cwd,
        capture_output=True,
        timeout=GUARD_SECONDS,
        preexec_fn=_small_address_space,
    )
    (cwd / "tiny.yaml").unlink()
    if proc.returncode not in (0, 1):
        pytest.skip(
            f"this interpreter needs more than {ADDRESS_SPACE_MB} MB of address space "
            "for a tiny scan"
        )


@posix_only
def test_file_too_big_for_memory_is_refused_and_the_scan_goes_on(tmp_path: Path) -> None:
    _require_small_address_space_works(tmp_path)
    write(tmp_path / "dense.yaml", pod("kept", "hostNetwork") + "---\n" + DENSE)
    other = write(tmp_path / "other.yaml", pod("other", "hostIPC"))

    run = kubeward("dense.yaml", "other.yaml", cwd=tmp_path, preexec_fn=_small_address_space)

    assert run.rc == 2
    err = run.error("dense.yaml")
    assert (err["line"], err["message"]) == (None, "out of memory parsing this file; file refused")
    assert ("other.yaml", line_of(other, "mark-other"), "POD203", "other") in run.findings


@posix_only
def test_out_of_memory_after_a_broken_document_keeps_what_was_read(tmp_path: Path) -> None:
    # The broken first document makes the loader read document by document; the dense one
    # then runs out of memory: the documents before it are kept, the rest of the file skipped.
    _require_small_address_space_works(tmp_path)
    text = write(
        tmp_path / "dense.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: [x  # broken\n"
        + "---\n"
        + pod("kept", "hostNetwork")
        + "---\n"
        + DENSE
        + "---\n"
        + pod("lost", "hostPID"),
    )
    other = write(tmp_path / "other.yaml", pod("other", "hostIPC"))

    run = kubeward("dense.yaml", "other.yaml", cwd=tmp_path, preexec_fn=_small_address_space)

    assert run.rc == 2
    errors = [(e["line"], e["message"]) for e in run.errors_for("dense.yaml")]
    assert errors[0][0] == line_of(text, "# broken")
    assert errors[0][1].startswith("YAML error: ")
    assert errors[1] == (
        line_of(text, "name: dense") - 4,  # the dense document's `---`
        "out of memory parsing this document; it and the rest of the file are skipped",
    )
    assert len(errors) == 2
    assert ("dense.yaml", line_of(text, "mark-kept"), "POD201", "kept") in run.findings
    assert not any(name == "lost" for _, _, _, name in run.findings)
    assert ("other.yaml", line_of(other, "mark-other"), "POD203", "other") in run.findings


# ------------------------------------------------------------------------- huge files


def test_fifty_megabyte_file_is_refused_by_the_default_limit(tmp_path: Path) -> None:
    doc = "---\n" + pod("many", "hostPID")
    copies = 50 * 1024 * 1024 // len(doc) + 1
    with open(tmp_path / "big.yaml", "w", encoding="utf-8") as fh:
        fh.write(doc * copies)
    assert (tmp_path / "big.yaml").stat().st_size >= 50 * 1024 * 1024
    other = write(tmp_path / "other.yaml", pod("other", "hostIPC"))

    run = kubeward("big.yaml", "other.yaml", cwd=tmp_path)

    assert run.rc == 2
    err = run.error("big.yaml")
    assert err["line"] is None
    assert err["message"] == (
        "file is 50.0 MB, over the 20.0 MB limit (raise it with --max-file-size)"
    )
    assert ("other.yaml", line_of(other, "mark-other"), "POD203", "other") in run.findings
    assert not any(file == "big.yaml" for file, _, _, _ in run.findings)


def test_max_file_size_option_sets_the_limit(tmp_path: Path) -> None:
    big = write(tmp_path / "big.yaml", "\n---\n".join(pod(f"p{i}") for i in range(8)))
    small = write(tmp_path / "small.yaml", pod("small", "hostIPC"))
    assert len(big) > 1024 > len(small)

    default = kubeward("big.yaml", "small.yaml", "--fail-on", "none", cwd=tmp_path)
    assert default.rc == 0
    assert ("big.yaml", line_of(big, "mark-p7"), "POD202", "p7") in default.findings

    limited = kubeward("big.yaml", "small.yaml", "--max-file-size", "1KB", cwd=tmp_path)
    assert limited.rc == 2
    err = limited.error("big.yaml")
    assert err["line"] is None
    assert "over the 1.0 KB limit" in err["message"]
    assert "--max-file-size" in err["message"]
    assert ("small.yaml", line_of(small, "mark-small"), "POD203", "small") in limited.findings
    assert not any(file == "big.yaml" for file, _, _, _ in limited.findings)


def test_max_file_size_applies_to_stdin(tmp_path: Path) -> None:
    data = "\n---\n".join(pod(f"p{i}") for i in range(8)).encode()
    run = kubeward("-", "--max-file-size", "1KB", cwd=tmp_path, stdin=data)
    assert run.rc == 2
    err = run.error("<stdin>")
    assert err["message"] == "input is over the 1.0 KB limit (raise it with --max-file-size)"
    assert run.findings == set()


# ---------------------------------------------------------------- binary and encodings


def test_binary_and_undecodable_files(tmp_path: Path) -> None:
    (tmp_path / "image.yaml").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    )
    (tmp_path / "nul.yaml").write_bytes(b"apiVersion: v1\nkind: Pod\x00\nmetadata: {}\n")
    latin = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: café  # latin-1\n"
    (tmp_path / "latin1.yaml").write_bytes(latin.encode("latin-1"))
    # A NUL past the sniffed head of the file: YAML itself refuses the character.
    late = pod("late").replace("  containers:", "  # " + "x" * 9000 + "\n  containers:")
    late += "  # late-nul \x00\n"
    write(tmp_path / "late_nul.yaml", late)
    bell = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\x07b  # bell\n"
    write(tmp_path / "bell.yaml", bell)
    good = write(tmp_path / "good.yaml", pod("good", "hostIPC"))

    run = kubeward(".", cwd=tmp_path)

    assert run.rc == 2
    png = run.error("./image.yaml")
    assert png["message"] == "binary file (contains NUL bytes), not a manifest"
    assert run.error("./nul.yaml")["message"] == png["message"]
    err = run.error("./latin1.yaml")
    assert (err["line"], err["message"]) == (
        line_of(latin, "latin-1"),
        "not UTF-8 text (byte 0xe9)",
    )
    err = run.error("./late_nul.yaml")
    assert err["line"] == line_of(late, "late-nul")
    assert "#x0000" in err["message"]
    err = run.error("./bell.yaml")
    assert err["line"] == line_of(bell, "bell")
    assert err["message"] == (
        "YAML error: unacceptable character #x0007: control characters are not allowed"
    )
    assert ("./good.yaml", line_of(good, "mark-good"), "POD203", "good") in run.findings
    assert {file for file, _, _, _ in run.findings} == {"./good.yaml"}


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("utf16le.yaml", lambda t: t.encode("utf-16")),  # BOM + little endian
        ("utf16be.yaml", lambda t: b"\xfe\xff" + t.encode("utf-16-be")),
        ("utf8bom.yaml", lambda t: t.encode("utf-8-sig")),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-8-bom"],
)
def test_files_with_a_byte_order_mark_are_read(
    tmp_path: Path, name: str, encode: Callable[[str], bytes]
) -> None:
    text = pod("first", "hostPID") + "---\n" + pod("second", "hostNetwork")
    (tmp_path / name).write_bytes(encode(text))

    run = kubeward(name, "--fail-on", "none", cwd=tmp_path)

    assert run.rc == 0
    assert run.errors == []
    assert {
        (name, line_of(text, "mark-first"), "POD202", "first"),
        (name, line_of(text, "mark-second"), "POD201", "second"),
    } <= run.findings


# ----------------------------------------------------------------- wrong field types


WRONG_TYPES = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: str-containers
  namespace: ns
spec:
  template:
    spec:
      hostNetwork: true  # mark-str-containers
      containers: "x"  # bad-containers
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: list-sc
  namespace: ns
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:latest  # mark-list-sc
        securityContext: []  # bad-sc
        ports:
        - containerPort: "80"  # bad-port
        env:
        - name: A
          value: 5  # bad-env
---
apiVersion: v1
kind: Pod
metadata:
  name: bad-labels
  namespace: ns
  labels:
    app: web
    replicas: 3  # label-not-string
spec:
  hostPID: true  # mark-bad-labels
  containers:
  - name: c
    image: nginx:1.25
---
apiVersion: v1
kind: Pod
metadata:
  name: list-spec
  namespace: ns
spec: []  # bad-spec
---
apiVersion: v1
kind: Pod
metadata: "x"  # bad-metadata
spec:
  hostIPC: true  # mark-str-metadata
  containers:
  - name: c
    image: nginx:1.25
---
apiVersion: v1
kind: List
items: "x"  # bad-items
"""


def test_wrong_field_types_are_reported_per_object_and_the_rest_is_scanned(
    tmp_path: Path,
) -> None:
    text = write(tmp_path / "wrong.yaml", WRONG_TYPES)
    other = write(tmp_path / "other.yaml", pod("other", "hostIPC"))

    run = kubeward("wrong.yaml", "other.yaml", cwd=tmp_path)

    assert run.rc == 2
    expected = [
        (
            "bad-containers",
            "Deployment ns/str-containers",
            "spec.template.spec.containers: expected a list, got a string",
        ),
        (
            "bad-sc",
            "Deployment ns/list-sc",
            "spec.template.spec.containers[0].securityContext: expected a mapping, got a list",
        ),
        (
            "bad-port",
            "Deployment ns/list-sc",
            "spec.template.spec.containers[0].ports[0].containerPort: "
            "expected an integer, got a string",
        ),
        (
            "bad-env",
            "Deployment ns/list-sc",
            "spec.template.spec.containers[0].env[0].value: expected a string",
        ),
        ("label-not-string", "Pod ns/bad-labels", "metadata.labels.replicas: expected a string"),
        ("bad-spec", "Pod ns/list-spec", "spec: expected a mapping, got a list"),
        ("bad-metadata", "Pod <unnamed>", "metadata: expected a mapping, got a string"),
        ("bad-items", None, "List: items: expected a list"),
    ]
    got = [(e["line"], e["object"], e["message"], e["level"]) for e in run.errors_for("wrong.yaml")]
    assert len(got) == len(expected), got
    for marker, obj, phrase in expected:
        line = line_of(text, marker)
        assert any(
            g_line == line and g_obj == obj and g_msg.startswith(phrase) and level == "error"
            for g_line, g_obj, g_msg, level in got
        ), f"no error {phrase!r} for {obj} on line {line}: {got}"
    assert not any("internal error" in e["message"] for e in run.errors)

    # The valid parts of the same objects, and the other objects, are still checked.
    assert {
        ("wrong.yaml", line_of(text, "mark-str-containers"), "POD201", "str-containers"),
        ("wrong.yaml", line_of(text, "mark-list-sc"), "IMG001", "list-sc"),
        ("wrong.yaml", line_of(text, "mark-bad-labels"), "POD202", "bad-labels"),
        ("wrong.yaml", line_of(text, "mark-str-metadata"), "POD203", "<unnamed>"),
        ("other.yaml", line_of(other, "mark-other"), "POD203", "other"),
    } <= run.findings
    # The wrongly typed securityContext counts as absent: the container is still checked.
    assert ("wrong.yaml", line_of(text, "bad-sc"), "POD113", "list-sc") in run.findings
    assert run.report["summary"]["kinds"] == {"Deployment": 2, "Pod": 4}  # with other.yaml


def test_wrong_type_in_a_selector_expression(tmp_path: Path) -> None:
    text = write(
        tmp_path / "selector.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: sel\n  namespace: ns\n"
        "spec:\n  selector:\n    matchExpressions:\n"
        "    - {key: app, operator: In, values: 5}  # bad-values\n"
        "  template:\n    metadata: {labels: {app: web}}\n    spec:\n"
        "      hostPID: true  # mark-sel\n"
        "      containers: [{name: c, image: 'nginx:1.25'}]\n",
    )
    run = kubeward("selector.yaml", cwd=tmp_path)
    assert ("selector.yaml", line_of(text, "mark-sel"), "POD202", "sel") in run.findings
    assert not any("internal error" in e["message"] for e in run.errors), run.errors
    err = run.error("selector.yaml")
    assert err["line"] == line_of(text, "bad-values")
    assert "values" in err["message"] and "expected a list" in err["message"]


# ------------------------------------------------------- unknown kinds and non-objects


def test_unknown_kinds_are_scanned_and_counted_not_errors(tmp_path: Path) -> None:
    write(
        tmp_path / "crds.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: ns\n"
        "spec:\n  size: 3\n"
        "---\n"
        "apiVersion: example.com/v1alpha1\nkind: Gadget\nmetadata:\n  name: g\n"
        '  namespace: ns\nspec:\n  containers: "not a pod"\n',
    )
    other = write(tmp_path / "other.yaml", pod("other", "hostIPC"))

    run = kubeward("crds.yaml", "other.yaml", "--fail-on", "none", cwd=tmp_path)

    assert run.rc == 0
    assert run.errors == []
    assert run.report["summary"]["kinds"] == {"Gadget": 1, "Pod": 1, "Widget": 1}
    assert ("other.yaml", line_of(other, "mark-other"), "POD203", "other") in run.findings


def test_documents_that_are_not_kubernetes_objects_are_warnings(tmp_path: Path) -> None:
    text = write(
        tmp_path / "odd.yaml",
        "- a  # a-list\n- b\n"
        "---\n"
        "just a scalar  # a-scalar\n"
        "---\n"
        "metadata:  # no-kind\n  name: nokind\n"
        "---\n"
        "kind: Pod  # no-api-version\nmetadata:\n  name: noapi\n"
        "---\n"
        "# only a comment: an empty document, silently skipped\n"
        "---\n" + pod("real", "hostPID"),
    )

    run = kubeward("odd.yaml", "--fail-on", "none", cwd=tmp_path)

    assert run.rc == 0
    warnings = [(e["line"], e["message"]) for e in run.errors]
    assert all(e["level"] == "warning" for e in run.errors)
    assert warnings == [
        (line_of(text, "a-list"), "not a Kubernetes object (a YAML list); skipped"),
        (line_of(text, "a-scalar"), "not a Kubernetes object (a YAML str); skipped"),
        (line_of(text, "no-kind"), "not a Kubernetes object (no kind); skipped"),
        (line_of(text, "no-api-version"), "not a Kubernetes object (no apiVersion); skipped"),
    ]
    assert all(line.split(": ")[2] == "warning" for line in run.lines)
    assert run.report["summary"]["errors"] == 0
    assert run.report["summary"]["warnings"] == 4
    assert ("odd.yaml", line_of(text, "mark-real"), "POD202", "real") in run.findings

    # A warning never turns findings into exit code 2.
    assert kubeward("odd.yaml", "--fail-on", "high", cwd=tmp_path).rc == 1


# -------------------------------------------------------------------- unreadable paths


@posix_only
def test_missing_paths_broken_and_looping_symlinks(tmp_path: Path) -> None:
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    (tmp_path / "loop-a.yaml").symlink_to(tmp_path / "loop-b.yaml")
    (tmp_path / "loop-b.yaml").symlink_to(tmp_path / "loop-a.yaml")
    good = write(tmp_path / "good.yaml", pod("good", "hostIPC"))

    run = kubeward(
        "missing.yaml", "no-such-dir/", "dangling.yaml", "loop-a.yaml", "good.yaml", cwd=tmp_path
    )

    assert run.rc == 2
    assert run.error("missing.yaml")["message"] == "no such file or directory"
    assert run.error("no-such-dir/")["message"] == "no such file or directory"
    assert run.error("dangling.yaml")["message"] == (
        f"broken symbolic link (its target {tmp_path / 'gone.yaml'} does not exist)"
    )
    assert "symbolic links" in run.error("loop-a.yaml")["message"]
    assert ("good.yaml", line_of(good, "mark-good"), "POD203", "good") in run.findings


CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, PR_CAPBSET_DROP = 1, 2, 24


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def _without_dac_capabilities() -> None:
    """Stay root but drop the capabilities that let root read any file (bounding set, so the
    exec'd interpreter does not get them back)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _cannot_read(probe: Path, preexec_fn: Callable[[], None] | None) -> bool:
    """Whether kubeward can run under `preexec_fn` and gets EACCES opening `probe`."""
    script = (
        "import sys, kubeward.cli\n"
        "try:\n"
        f"    open({str(probe)!r}, 'rb')\n"
        "except PermissionError:\n"
        "    sys.exit(13)\n"
    )
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script],
            cwd=probe.parent,
            capture_output=True,
            timeout=GUARD_SECONDS,
            preexec_fn=preexec_fn,
        )
    except (OSError, subprocess.SubprocessError):  # e.g. the interpreter is not theirs to run
        return False
    return proc.returncode == 13


@pytest.fixture
def unreadable_dir() -> Iterator[tuple[Path, Callable[[], None] | None]]:
    """A world-traversable directory and a way to run the CLI so that mode 000 stops it."""
    root = Path(tempfile.mkdtemp(prefix="kubeward-perm-"))
    root.chmod(0o755)
    probe = root / "probe"
    probe.write_text("x")
    probe.chmod(0)
    tried = []
    runner: Callable[[], None] | None = None
    try:
        if os.geteuid() != 0:
            candidates: list[tuple[str, Callable[[], None] | None]] = [("chmod 000", None)]
        else:
            candidates = [
                ("user nobody", _as_nobody),
                ("root without CAP_DAC_OVERRIDE", _without_dac_capabilities),
            ]
        for what, fn in candidates:
            if _cannot_read(probe, fn):
                runner = fn
                break
            tried.append(what)
        else:
            pytest.skip(
                "cannot make a file unreadable here: tried "
                + ", ".join(tried)
                + " (as root, mode 000 does not stop reads; the interpreter is not usable "
                "by nobody and the capability bounding set cannot be changed)"
            )
        probe.unlink()
        yield root, runner
    finally:
        for dirpath, dirnames, _ in os.walk(root):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)
        shutil.rmtree(root, ignore_errors=True)


@posix_only
def test_unreadable_file_and_directory(
    unreadable_dir: tuple[Path, Callable[[], None] | None],
) -> None:
    root, runner = unreadable_dir
    good = write(root / "good.yaml", pod("good", "hostIPC"))
    (root / "good.yaml").chmod(0o644)
    write(root / "secret.yaml", pod("secret"))
    (root / "secret.yaml").chmod(0)
    locked = root / "locked"
    locked.mkdir()
    write(locked / "inside.yaml", pod("inside"))
    locked.chmod(0)

    run = kubeward(str(root), cwd=root, preexec_fn=runner)

    assert run.rc == 2
    assert run.error(str(root / "secret.yaml"))["message"] == "permission denied"
    assert run.error(str(locked))["message"] == "permission denied"
    assert (str(root / "good.yaml"), line_of(good, "mark-good"), "POD203", "good") in run.findings
    assert {name for _, _, _, name in run.findings} == {"good"}


@posix_only
def test_devices_are_refused_not_read(tmp_path: Path) -> None:
    # /dev/zero never ends and /dev/tty would wait for a terminal: neither may be read.
    good = write(tmp_path / "good.yaml", pod("good", "hostIPC"))
    run = kubeward("/dev/zero", "/dev/null", "good.yaml", cwd=tmp_path)
    assert run.rc == 2
    assert run.error("/dev/zero")["message"] == "not a regular file (a character device)"
    assert run.error("/dev/null")["message"] == "not a regular file (a character device)"
    assert ("good.yaml", line_of(good, "mark-good"), "POD203", "good") in run.findings


@posix_only
def test_fifo_without_a_writer_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    sub = tmp_path / "dir"
    sub.mkdir()
    os.mkfifo(sub / "also-a-pipe.yaml")
    good = write(sub / "good.yaml", pod("good", "hostIPC"))

    run = kubeward("pipe.yaml", "dir", "--fail-on", "none", cwd=tmp_path)

    assert run.rc == 0
    assert run.errors == []
    assert ("dir/good.yaml", line_of(good, "mark-good"), "POD203", "good") in run.findings
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe.yaml").st_mode)


def _wait_until_open(proc: subprocess.Popen[bytes], path: Path) -> None:
    """Return once `proc` has `path` open (a guard deadline, not a measurement)."""
    fds = Path(f"/proc/{proc.pid}/fd")
    deadline = time.monotonic() + GUARD_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        for fd in list(fds.glob("*")):
            with contextlib.suppress(OSError):
                if os.readlink(fd) == str(path):
                    return
        time.sleep(0.01)
    raise AssertionError(f"kubeward never opened {path}")


@posix_only
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see open files")
def test_named_pipe_with_a_writer_is_read_once(tmp_path: Path) -> None:
    # `mkfifo m.yaml; helm template . > m.yaml & kubeward scan m.yaml`. NS007 is placed after
    # all input is read; reopening the pipe for its line would wait for a writer for ever.
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
        "    pod-security.kubernetes.io/enforce: restricted\n"
        "---\n" + pod("web", "hostPID", namespace="shop")
    )
    # Read-write: opening does not wait for a reader, and the data waits in the pipe.
    writer = os.open(fifo, os.O_RDWR)
    try:
        os.write(writer, text.encode())

        def hand_over(proc: subprocess.Popen[bytes]) -> None:
            nonlocal writer
            _wait_until_open(proc, fifo)
            os.close(writer)  # the last writer goes: kubeward reads the data, then EOF
            writer = -1

        run = kubeward("pipe.yaml", "--fail-on", "none", cwd=tmp_path, started=hand_over)
    finally:
        if writer >= 0:
            os.close(writer)

    assert run.rc == 0
    assert run.errors == []
    assert ("pipe.yaml", line_of(text, "mark-web"), "POD202", "web") in run.findings
    assert any(rule == "NS007" and name == "web" for _, _, rule, name in run.findings)


@posix_only
def test_pipe_path_like_process_substitution_is_read(tmp_path: Path) -> None:
    # `kubeward scan <(helm template ...)`: the path is /dev/fd/N, a pipe. A namespace-level
    # finding (NS007) needs the file again for its line: a pipe must not be opened twice.
    text = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
        "    pod-security.kubernetes.io/enforce: restricted\n"
        "---\n" + pod("web", "hostPID", namespace="shop")
    )
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, text.encode())
        os.close(write_end)
        path = f"/dev/fd/{read_end}"
        run = kubeward(path, "--fail-on", "none", cwd=tmp_path, pass_fds=(read_end,))
    finally:
        os.close(read_end)

    assert run.rc == 0
    assert run.errors == []
    assert (path, line_of(text, "mark-web"), "POD202", "web") in run.findings
    assert any(rule == "NS007" and name == "web" for _, _, rule, name in run.findings)


# ---------------------------------------------------------------------- deep nesting


@pytest.mark.parametrize(
    "nested",
    [
        "[" * 10_000 + "]" * 10_000,
        "[" * 100_000 + "]" * 100_000,  # libyaml's composer overflowed the C stack here
        "{a: " * 50_000 + "1" + "}" * 50_000,
        "\n" + "".join("  " * (i + 1) + "-\n" for i in range(3_000)),  # block style
        "\n    " + "- " * 3_000 + "x",  # compact block sequences on one line
    ],
    ids=["10k-flow-lists", "100k-flow-lists", "50k-flow-maps", "3k-block", "3k-compact"],
)
def test_deep_nesting_is_refused_without_crashing(tmp_path: Path, nested: str) -> None:
    deep = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: {nested}\n"
    text = write(
        tmp_path / "deep.yaml",
        pod("before", "hostPID") + "---\n" + deep + "---\n" + pod("after", "hostNetwork"),
    )

    run = kubeward("deep.yaml", cwd=tmp_path)

    assert run.rc == 2
    err = run.error("deep.yaml")
    assert err["message"] == "YAML nesting is deeper than 2,000 levels; document refused"
    assert line_of(text, "name: deep") < err["line"] < line_of(text, "name: after")
    assert {
        ("deep.yaml", line_of(text, "mark-before"), "POD202", "before"),
        ("deep.yaml", line_of(text, "mark-after"), "POD201", "after"),
    } <= run.findings


def test_moderate_nesting_is_accepted(tmp_path: Path) -> None:
    text = write(
        tmp_path / "nested.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: nested\n  namespace: ns\n"
        "  annotations:\n    note: 'x'\n"
        "spec:\n  hostPID: true  # mark-nested\n"
        "  containers: [{name: c, image: 'nginx:1.25', args: " + "[" * 500 + "]" * 500 + "}]\n",
    )
    run = kubeward("nested.yaml", cwd=tmp_path)
    assert ("nested.yaml", line_of(text, "mark-nested"), "POD202", "nested") in run.findings
    assert not any("nesting" in e["message"] for e in run.errors)


def test_deep_json_is_refused(tmp_path: Path) -> None:
    write(
        tmp_path / "deep.json",
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "d"}, "data": '
        + "[" * 30_000
        + "]" * 30_000
        + "}\n",
    )
    good = write(tmp_path / "good.yaml", pod("good", "hostIPC"))
    run = kubeward("deep.json", "good.yaml", cwd=tmp_path)
    assert run.rc == 2
    err = run.error("deep.json")
    assert (err["line"], err["message"]) == (
        1,
        "YAML nesting is deeper than 2,000 levels; document refused",
    )
    assert ("good.yaml", line_of(good, "mark-good"), "POD203", "good") in run.findings


def test_deep_document_next_to_a_namespace_level_finding(tmp_path: Path) -> None:
    # NS007 is found after all files are read and re-reads this file to place its line: that
    # second reading must refuse the deep document too, not crash.
    text = write(
        tmp_path / "mixed.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
        "    pod-security.kubernetes.io/enforce: restricted\n"
        "---\n"
        + "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: "
        + "[" * 100_000
        + "]" * 100_000
        + "\n---\n"
        + pod("web", "hostPID", namespace="shop"),
    )
    run = kubeward("mixed.yaml", cwd=tmp_path)
    assert run.rc == 2
    assert "nesting is deeper" in run.error("mixed.yaml")["message"]
    assert ("mixed.yaml", line_of(text, "mark-web"), "POD202", "web") in run.findings
    ns007 = [f for f in run.findings if f[2] == "NS007"]
    assert len(ns007) == 1
    assert ns007[0][1] is not None and ns007[0][1] > line_of(text, "name: web")


# ------------------------------------------------------------------------------ stdin


def test_stdin_with_a_bad_and_a_good_document(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n"
        "  labels: {app: [unclosed}  # bad-flow\n"
        "---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
        "    pod-security.kubernetes.io/enforce: restricted\n"
        "---\n" + pod("web", "hostPID", namespace="shop")
    )
    run = kubeward("-", cwd=tmp_path, stdin=text.encode())

    assert run.rc == 2
    err = run.error("<stdin>")
    assert err["line"] == line_of(text, "bad-flow")
    assert err["message"].startswith("YAML error: ")
    assert ("<stdin>", line_of(text, "mark-web"), "POD202", "web") in run.findings
    ns007 = [f for f in run.findings if f[2] == "NS007"]
    assert len(ns007) == 1 and ns007[0][0] == "<stdin>"
    assert ns007[0][1] is not None and ns007[0][1] > line_of(text, "name: web")


def test_stdin_binary(tmp_path: Path) -> None:
    run = kubeward("-", cwd=tmp_path, stdin=b"\x7fELF\x02\x01\x01\x00\x00\x00")
    assert run.rc == 2
    assert run.error("<stdin>")["message"] == "binary file (contains NUL bytes), not a manifest"


def test_problems_of_one_file_are_capped_and_counted(tmp_path: Path) -> None:
    # 120 documents that are not objects: 50 warnings listed, the other 70 counted in one line.
    write(tmp_path / "flood.yaml", "---\n".join(f"- item{i}\n" for i in range(120)))
    other = write(tmp_path / "other.yaml", pod("other", "hostIPC"))

    run = kubeward("flood.yaml", "other.yaml", cwd=tmp_path)

    flood = [e for e in run.errors if e["file"] == "flood.yaml"]
    assert len(flood) == 51
    assert all(e["level"] == "warning" for e in flood)
    assert flood[-1]["message"] == "... and 70 more warnings in this file, not listed"
    assert ("other.yaml", line_of(other, "mark-other"), "POD203", "other") in run.findings
    assert run.rc == 1  # warnings alone never make the exit code 2


def test_crd_schemas_are_not_built_but_the_object_is_scanned(tmp_path: Path) -> None:
    # An OpenAPI schema is most of a CRD; no rule reads it, so it is never constructed. The
    # object itself, its metadata and the rest of the file are still read and checked.
    write(
        tmp_path / "crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: widgets.example.com\n  namespace: default\n"
        "spec:\n  group: example.com\n  versions:\n  - name: v1\n    schema:\n"
        "      openAPIV3Schema:\n        type: object\n        properties:\n"
        '          spec: {type: "not-a-type", containers: "x"}\n',
    )
    from kubeward.loaders.manifests import load_file, objects

    errors: list[Any] = []
    loaded = load_file(str(tmp_path / "crd.yaml"), 1 << 20, errors)
    assert loaded is not None and not errors
    (crd,) = list(objects(loaded, errors))
    assert crd.name == "widgets.example.com"
    assert crd.raw["spec"]["group"] == "example.com"
    assert crd.raw["spec"]["versions"][0]["schema"] == {}
