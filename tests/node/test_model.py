"""The node host model: each program's syntax and precedence, as its documentation defines it.

Expectations come from the programs' documentation (Go's time.ParseDuration, sshd_config(5),
sysctl.d(5), umask(1p), pflag, systemd.exec(5)); rule-level behaviour is covered by the
fixtures in src/kubeward/rules/examples/NODE*/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kubeward.loaders.node import RootFiles, parse_sshd_t, read_runtime
from kubeward.model.node import (
    SSHD_DEFAULTS,
    NodeHost,
    Origin,
    apply_algorithm_list,
    expand_exec,
    glob,
    parse_go_bool,
    parse_go_duration,
    parse_kubelet_args,
    parse_ssh_time,
    parse_umask_value,
    sshd_words,
    sysctl_key,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("4h", 14400.0),
        ("4h0m0s", 14400.0),
        ("1h30m", 5400.0),
        ("300ms", 0.3),
        ("1.5h", 5400.0),
        (".5m", 30.0),
        ("0", 0.0),
        ("0s", 0.0),
        ("0h0m", 0.0),
        ("-1m", -60.0),
        ("2us", 2e-6),
        ("4", None),  # a number without unit is only valid for 0
        ("", None),
        ("1h 30m", None),
        ("four hours", None),
    ],
)
def test_go_durations(text: str, seconds: float | None) -> None:
    got = parse_go_duration(text)
    assert got == pytest.approx(seconds) if seconds is not None else got is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("120", 120), ("2m", 120), ("1h30m", 5400), ("10S", 10), ("1w", 604800), ("0", 0)],
)
def test_sshd_times(text: str, seconds: int) -> None:
    assert parse_ssh_time(text) == seconds


@pytest.mark.parametrize("text", ["", "1x", "m", "-5"])
def test_invalid_sshd_times(text: str) -> None:
    assert parse_ssh_time(text) is None


def test_go_bools_are_strconv_parsebool() -> None:
    assert [parse_go_bool(v) for v in ("1", "t", "TRUE", "True", "0", "F", "false")] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert parse_go_bool("yes") is None and parse_go_bool("on") is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("no", ("no",)),
        ('"/etc/issue net"  # comment', ("/etc/issue net",)),
        ("a b\tc", ("a", "b", "c")),
        ("value#notacomment", ("value#notacomment",)),
        ('\'single\' "dou\\"ble"', ("single", 'dou"ble')),
        ("# all comment", ()),
    ],
)
def test_sshd_words(text: str, words: tuple[str, ...]) -> None:
    assert sshd_words(text) == words


def test_sshd_unclosed_quote_is_refused() -> None:
    assert sshd_words('"/etc/issue.net') is None


def test_algorithm_list_edits() -> None:
    default = "a,b-etm,c,d-etm"
    assert apply_algorithm_list(default, "+x,a") == ["a", "b-etm", "c", "d-etm", "x"]
    assert apply_algorithm_list(default, "-*-etm") == ["a", "c"]
    assert apply_algorithm_list(default, "^d-etm,x") == ["d-etm", "x", "a", "b-etm", "c"]
    assert apply_algorithm_list(default, "c,a") == ["c", "a"]
    assert "hmac-sha1" in SSHD_DEFAULTS["macs"].split(",")


def test_sysctl_separators() -> None:
    # sysctl.d(5): the first separator decides; dots and slashes swap when it is a dot.
    assert sysctl_key("net.ipv4.conf.all.send_redirects") == "net.ipv4.conf.all.send_redirects"
    assert sysctl_key("net/ipv4/conf/all/send_redirects") == "net.ipv4.conf.all.send_redirects"
    assert sysctl_key(" kernel.domainname ") == "kernel.domainname"


@pytest.mark.parametrize(
    ("text", "mask"),
    [
        ("027", 0o027),
        ("0077", 0o077),
        ("22", 0o022),
        ("u=rwx,g=rx,o=", 0o027),
        ("a=rx", 0o222),
        ("u=rwx,go=", 0o077),
        ("g-w", None),
        ("999", None),
    ],
)
def test_umask_values(text: str, mask: int | None) -> None:
    assert parse_umask_value(text) == mask


def test_pflag_semantics() -> None:
    o = Origin("/etc/default/kubelet", 1)
    words = [
        (w, o)
        for w in [
            "--read-only-port=10255",
            "--read-only-port",
            "0",
            "--anonymous-auth",
            "--feature-gates=A=true",
            "--feature-gates=B=false,C=true",
            "--config",
            "/var/lib/kubelet/config.yaml",
            "--",
            "--ignored",
        ]
    ]
    parsed = parse_kubelet_args(words)
    assert {k: v for k, (v, _) in parsed.flags.items()} == {
        "read-only-port": "0",  # the last occurrence wins
        "anonymous-auth": "true",  # a bare boolean flag
        "config": "/var/lib/kubelet/config.yaml",
    }
    assert {k: v for k, (v, _) in parsed.gates.items()} == {"A": True, "B": False, "C": True}
    assert [w for w, _ in parsed.stray] == ["--ignored"]


def test_bool_flag_does_not_take_the_next_word() -> None:
    o = Origin("/x", 1)
    parsed = parse_kubelet_args([("--anonymous-auth", o), ("false", o)])
    assert parsed.flags["anonymous-auth"][0] == "true"
    assert [w for w, _ in parsed.stray] == ["false"]


def test_exec_expansion_follows_systemd() -> None:
    unit, env_file = Origin("/etc/systemd/system/kubelet.service", 9), Origin("/etc/default/x", 2)
    env = {"FLAGS": ("--a=1 --b=2", env_file), "LABELS": ("x=1 y=2", env_file)}
    words = expand_exec('/bin/kubelet --labels="${LABELS}" $FLAGS ${LABELS} $MISSING', env, unit)
    assert words == [
        ("/bin/kubelet", unit),
        ("--labels=x=1 y=2", env_file),
        ("--a=1", env_file),
        ("--b=2", env_file),
        ("x=1 y=2", env_file),  # ${VAR} stays one word
    ]


# ------------------------------------------------------------------ reading a root


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_absolute_links_resolve_inside_the_root(tmp_path: Path) -> None:
    write(tmp_path, "usr/lib/os-release", "ID=fixture\n")
    os.makedirs(tmp_path / "etc")
    os.symlink("/usr/lib/os-release", tmp_path / "etc/os-release")
    os.symlink("../../../../../../usr/lib/os-release", tmp_path / "etc/climbing")
    os.symlink("/etc/hostname", tmp_path / "etc/host-link")  # the auditing machine has one
    files = RootFiles(str(tmp_path))
    assert files.read("/etc/os-release") == "ID=fixture\n"
    assert files.read("/etc/climbing") == "ID=fixture\n"
    assert files.read("/etc/host-link") is None
    assert files.exists("/etc/host-link")  # the link itself is there


def test_link_loops_and_special_files_are_not_read(tmp_path: Path) -> None:
    os.makedirs(tmp_path / "etc")
    os.symlink("b", tmp_path / "etc/a")
    os.symlink("a", tmp_path / "etc/b")
    os.mkfifo(tmp_path / "etc/issue")  # reading a FIFO would block
    files = RootFiles(str(tmp_path))
    assert files.read("/etc/a") is None
    assert files.read("/etc/issue") is None
    assert files.read("/etc") is None


def test_glob_sorts_and_skips_hidden_files(tmp_path: Path) -> None:
    for name in ("20-b.conf", "10-a.conf", ".hidden.conf", "notes.txt"):
        write(tmp_path, f"etc/ssh/sshd_config.d/{name}", "")
    files = RootFiles(str(tmp_path))
    assert glob(files, "/etc/ssh/sshd_config.d/*.conf") == [
        "/etc/ssh/sshd_config.d/10-a.conf",
        "/etc/ssh/sshd_config.d/20-b.conf",
    ]
    assert glob(files, "/etc/ssh/nothing/*.conf") == []


def test_host_names_itself_and_reports_problems_with_lines(tmp_path: Path) -> None:
    write(tmp_path, "etc/hostname", "aks-nodepool1-12345678-vmss000000\n")
    write(tmp_path, "etc/ssh/sshd_config", 'UsePAM yes\nBanner "/etc/issue.net\n')
    host = NodeHost.build(RootFiles(str(tmp_path)), None, root=str(tmp_path))
    assert host.hostname == "aks-nodepool1-12345678-vmss000000"
    assert [(p.origin.file, p.origin.line) for p in host.problems] == [("/etc/ssh/sshd_config", 2)]
    resource = host.resource_for("/etc/ssh/sshd_config")
    assert resource.kind == "NodeHost"
    assert resource.source.file == f"{tmp_path}/etc/ssh/sshd_config"


def test_kubelet_config_file_with_wrong_types(tmp_path: Path) -> None:
    write(
        tmp_path,
        "etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml\n",
    )
    write(
        tmp_path,
        "var/lib/kubelet/config.yaml",
        'kind: KubeletConfiguration\nreadOnlyPort: "0"\nauthentication:\n'
        '  anonymous:\n    enabled: "false"\n',
    )
    host = NodeHost.build(RootFiles(str(tmp_path)), None, root=str(tmp_path))
    assert host.kubelet is not None
    # Wrongly typed fields are input errors at their line, and count as absent (the
    # config-file defaults apply: read-only port 0, anonymous auth off).
    assert sorted((p.origin.line, p.message.split(":")[0]) for p in host.problems) == [
        (2, "readOnlyPort"),
        (5, "authentication.anonymous.enabled"),
    ]
    assert host.kubelet.setting("read-only-port").value == 0
    assert host.kubelet.setting("anonymous-auth").value is False


# ------------------------------------------------------------------ runtime state


def fake_proc(root: Path, *, same_netns: bool = True) -> Path:
    proc = root / "proc"
    write(proc, "sys/net/ipv4/conf/all/send_redirects", "1\n")
    write(proc, "modules", "sctp 434176 2 - Live 0x0\next4 1007616 1 - Live 0x0\n")
    write(proc, "cmdline", "BOOT_IMAGE=/vmlinuz ro ipv6.disable=1\n")
    write(proc, "812/cmdline", "/usr/local/bin/kubelet\0--read-only-port=0\0")
    write(proc, "77/cmdline", "/usr/sbin/sshd\0-D\0")
    for pid, ns in (("self", "net:[1]"), ("1", "net:[1]" if same_netns else "net:[2]")):
        (proc / pid / "ns").mkdir(parents=True, exist_ok=True)
        os.symlink(ns, proc / pid / "ns" / "net")
    return proc


def test_runtime_from_a_procfs(tmp_path: Path) -> None:
    runtime = read_runtime(str(fake_proc(tmp_path)), lambda: parse_sshd_t("PermitRootLogin no\n"))
    assert runtime.sysctl("net.ipv4.conf.all.send_redirects") == "1"
    assert runtime.modules == {"sctp", "ext4"}
    assert runtime.kubelet_pid == 812
    assert runtime.kubelet_argv == ("/usr/local/bin/kubelet", "--read-only-port=0")
    assert runtime.sshd == {"permitrootlogin": "no"}
    host = NodeHost.build(RootFiles(str(tmp_path / "empty")), runtime, root="/")
    assert host.ipv6_disabled  # from the running kernel's command line
    assert host.kubelet is not None and host.kubelet.source == "process"


def test_network_sysctls_of_another_namespace_are_not_trusted(tmp_path: Path) -> None:
    runtime = read_runtime(str(fake_proc(tmp_path, same_netns=False)))
    assert not runtime.net_visible
    assert runtime.sysctl("net.ipv4.conf.all.send_redirects") is None


def test_reads_this_machines_procfs() -> None:
    """Sysctl files refuse one large read; the loader reads procfs in small pieces."""
    path = Path("/proc/sys/net/ipv4/conf/all/send_redirects")
    if not path.exists():
        pytest.skip("this machine has no procfs network sysctls")
    runtime = read_runtime("/proc")
    assert runtime.sysctls["net.ipv4.conf.all.send_redirects"] == path.read_text().strip()
    assert runtime.kernel_cmdline == Path("/proc/cmdline").read_text().strip()
