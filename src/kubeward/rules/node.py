"""NODE rules: node host hardening (the AKS node image items of seed 004) and the kubelet (CIS AKS
section 3).

Every rule is one function of the `NodeHost` view that `kubeward node` builds from a root file
system (offline) or a live node. Each docstring names the item in both numberings: the AKS
list's (CIS Ubuntu 16.04 v1.1.0 layout, as seed 004 gives it) and CIS Ubuntu 22.04 v2.0.0's.

Statuses: a rule fails with ordinary violations; criteria that need runtime state (loaded
modules, current sysctl values) are reported as NOT_EVALUATED in an offline audit, never as a
pass; the logging item is MANUAL, with the evidence found. Findings point at the file and line
that decides (the first sshd value, the last sysctl assignment, the flag that overrides the
kubelet config file), or at the file where the setting belongs when nothing sets it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from kubeward.catalogue import rule
from kubeward.findings import Severity, Verdict, Violation
from kubeward.model.node import (
    AZURE_JSON,
    KUBECONFIG_DEFAULTS,
    KUBELET_SETTINGS,
    LOGIN_DEFS,
    SHADOW,
    SSHD_CONFIG,
    SSHD_DEFAULTS,
    USERADD_DEFAULTS,
    Kubelet,
    NodeHost,
    Setting,
    apply_algorithm_list,
    install_disables,
    parse_go_duration,
    parse_ssh_time,
)
from kubeward.model.path import Path

SYSCTL_FILE = "/etc/sysctl.d"

# Presets of rule options: `kubeward node --thresholds NAME`. "aks" is the seed's list (CIS
# Ubuntu 16.04 v1.1.0 values), the rules' defaults; "cis-ubuntu-22.04" follows CIS Ubuntu
# 22.04 v2.0.0 where it differs.
THRESHOLDS: Mapping[str, Mapping[str, Mapping[str, Any]]] = {
    "aks": {},
    "cis-ubuntu-22.04": {
        "NODE101": {"require_blacklist": True},
        "NODE102": {"require_blacklist": True},
        "NODE402": {"max_days": 365},
        "NODE403": {"max_days": 45},
        "NODE405": {"require_empty_group": True},
    },
}


def _octal(text: object, default: int) -> int:
    try:
        return int(str(text), 8)
    except ValueError:
        return default


def _mode(mode: int) -> str:
    return f"{mode:04o}"


# ============================================================================ kernel modules

FILESYSTEM_MODULES = ("cramfs", "freevxfs", "jffs2", "hfs", "hfsplus")
PROTOCOL_MODULES = ("dccp", "sctp", "rds", "tipc")


def _modules(host: NodeHost, modules: Sequence[str], blacklist: bool) -> Iterator[Violation]:
    mp = host.modprobe
    checked: list[str] = []
    failed = False
    for name in modules:
        if name in mp.builtin:
            failed = True
            yield host.violation(
                f"{name} is built into the kernel ({', '.join(mp.kernels)}): modprobe.d cannot "
                "disable it",
                ("modprobe", name),
                "/etc/modprobe.d",
            )
            continue
        if mp.shipped is not None and name not in mp.shipped:
            continue  # not available: no kernel in the root ships it
        checked.append(name)
        install = mp.install.get(name)
        if install is None or not install_disables(install.value):
            failed = True
            if install is not None:
                message = (
                    f"{name} can be loaded: its install command `{install.value}` loads it "
                    "(expected /bin/true or /bin/false)"
                )
                yield host.violation(message, install.path)
            else:
                legacy = mp.legacy.get(name)
                hint = (
                    f"; the install line in {legacy} is ignored (kmod does not read "
                    "/etc/modprobe.conf)"
                    if legacy is not None
                    else ""
                )
                yield host.violation(
                    f"{name} can be loaded: no `install {name} /bin/false` in modprobe.d{hint}",
                    ("modprobe", name, "install"),
                    "/etc/modprobe.d",
                )
        if blacklist and name not in mp.blacklist:
            failed = True
            yield host.violation(
                f"{name} is not blacklisted (`blacklist {name}` in modprobe.d)",
                ("modprobe", name, "blacklist"),
                "/etc/modprobe.d",
            )
        runtime = host.runtime
        if runtime is not None and runtime.modules is not None and name in runtime.modules:
            failed = True
            yield host.violation(
                f"{name} is loaded now: unload it (modprobe -r {name})",
                ("runtime", "modules", name),
                f"{runtime.proc}/modules",
            )
    if failed or not checked:
        return
    runtime = host.runtime
    if runtime is None or runtime.modules is None:
        why = "offline audit" if runtime is None else f"{runtime.proc}/modules is unreadable"
        yield host.violation(
            f"disabled in modprobe.d; whether {', '.join(checked)} "
            f"{'is' if len(checked) == 1 else 'are'} loaded now was not read ({why})",
            ("runtime", "modules"),
            "/etc/modprobe.d",
            Verdict.NOT_EVALUATED,
        )


@rule(
    "NODE101",
    severity=Severity.MEDIUM,
    options={"modules": list(FILESYSTEM_MODULES), "require_blacklist": False},
)
def filesystem_modules_loadable(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """Rarely used filesystem kernel modules can be loaded.

    Checks that cramfs, freevxfs, jffs2, hfs and hfsplus cannot be loaded: modprobe.d (in
    /etc, /run, /usr/local/lib, /usr/lib and /lib, file-name order, the first `install` line
    of a module winning) gives each an `install <module> /bin/false` (or `/bin/true`) command,
    and, on a live node, none is loaded now. A module that no kernel in the root ships passes;
    one built into a kernel fails. Offline, the "not loaded now" part is not evaluated.

    ## Why it matters
    Mounting a crafted image through a filesystem driver nobody maintains for hostile input is
    a classic kernel exploit path. A node never needs these filesystems.

    ## Fix
    Add `/etc/modprobe.d/kubeward-filesystems.conf` with `install cramfs /bin/false`,
    `blacklist cramfs` and the same for the other modules, then `modprobe -r` any that are
    loaded. With option `require_blacklist` (CIS Ubuntu 22.04 v2) the `blacklist` line is
    required too.

    ## References
    - seed 004 (AKS node host hardening): 1.1.1.1 cramfs, 1.1.1.2 freevxfs, 1.1.1.3 jffs2,
      1.1.1.4 HFS, 1.1.1.5 HFS Plus "파일 시스템의 장착이 비활성화되었는지 확인"
    - CIS Ubuntu 22.04 v2.0.0: 1.1.1.1-1.1.1.5; ComplianceAsCode kernel_module_*_disabled
    """
    yield from _modules(host, options["modules"], bool(options["require_blacklist"]))


@rule(
    "NODE102",
    severity=Severity.MEDIUM,
    options={"modules": list(PROTOCOL_MODULES), "require_blacklist": False},
)
def network_protocol_modules_loadable(
    host: NodeHost, options: Mapping[str, Any]
) -> Iterator[Violation]:
    """Uncommon network protocol kernel modules can be loaded.

    Checks that DCCP, SCTP, RDS and TIPC cannot be loaded, the same way as NODE101: an
    `install <module> /bin/false` command in modprobe.d and, on a live node, not loaded now.

    ## Why it matters
    Any unprivileged process can make the kernel auto-load a protocol module by opening a
    socket of that family, and these rarely used protocol stacks have had many privilege
    escalation bugs (DCCP and RDS among them).

    ## Fix
    Add `install dccp /bin/false` (and `blacklist dccp`) for each module to a file in
    /etc/modprobe.d, and unload any that are loaded.

    ## References
    - seed 004: 3.5.1 DCCP, 3.5.2 SCTP, 3.5.3 RDS, 3.5.4 TIPC
    - CIS Ubuntu 22.04 v2.0.0: 3.2.1 dccp, 3.2.2 tipc, 3.2.3 rds, 3.2.4 sctp;
      ComplianceAsCode kernel_module_{dccp,sctp,rds,tipc}_disabled
    """
    yield from _modules(host, options["modules"], bool(options["require_blacklist"]))


# ============================================================================ single user mode


@rule("NODE103", severity=Severity.HIGH)
def single_user_mode_without_password(host: NodeHost) -> Iterator[Violation]:
    """Single-user (rescue) mode does not ask for root's password.

    Passes when root has a real password hash in /etc/shadow, so sulogin can ask for it, and
    the rescue and emergency units (with their drop-ins) still start sulogin
    (`systemd-sulogin-shell`) rather than a plain shell.

    ## Why it matters
    Anyone with console access (the serial console of a cloud VM included) can boot into
    rescue mode; without a root password sulogin lets them in as root with no question.

    ## Fix
    Set a root password (`passwd root`) and keep it in your vault, and never override
    `ExecStart=` of rescue.service or emergency.service with a shell.

    ## References
    - seed 004: 1.4.3 "단일 사용자 모드에 필요한 인증 확인" (authentication for single user mode)
    - CIS Ubuntu 16.04 v1.1.0 1.4.3; CIS Ubuntu 22.04 v2.0.0 5.4.2.4 (root password is set);
      ComplianceAsCode ensure_root_password_configured, require_singleuser_auth
    """
    if host.shadow is None:
        if not host.shadow_readable:
            yield host.violation(
                f"{SHADOW} could not be read (audit as root)",
                ("shadow", "root"),
                SHADOW,
                Verdict.NOT_EVALUATED,
            )
        else:
            yield host.violation(f"{SHADOW} does not exist", ("shadow", "root"), SHADOW)
    else:
        root = next((e for e in host.shadow if e.name == "root"), None)
        if root is None:
            yield host.violation(f"root has no entry in {SHADOW}", ("shadow", "root"), SHADOW)
        elif root.password == "empty":
            yield host.violation(
                "root has an empty password: rescue mode opens a root shell for anyone at the "
                "console",
                ("shadow", "root"),
            )
        elif root.password == "locked":
            yield host.violation(
                "root has no usable password (locked), so sulogin cannot authenticate anyone "
                "in rescue mode",
                ("shadow", "root"),
            )
    for name, unit in host.units.items():
        if unit is None or unit.masked:
            continue
        for i, (command, _) in enumerate(unit.values("Service", "ExecStart")):
            if "sulogin" not in command:
                yield host.violation(
                    f"{name} starts `{command}` instead of sulogin: no password is asked",
                    ("systemd", name, "ExecStart", i),
                )


# ============================================================================ network sysctls

# The kernel's built-in values, which apply when nothing sets a key (for the messages).
KERNEL_DEFAULTS = {
    "net.ipv4.conf.all.send_redirects": "1",
    "net.ipv4.conf.default.send_redirects": "1",
    "net.ipv4.conf.all.accept_source_route": "0",
    "net.ipv4.conf.default.accept_source_route": "1",
    "net.ipv6.conf.all.accept_source_route": "0",
    "net.ipv6.conf.default.accept_source_route": "0",
    "net.ipv4.conf.all.accept_redirects": "1",
    "net.ipv4.conf.default.accept_redirects": "1",
    "net.ipv6.conf.all.accept_redirects": "1",
    "net.ipv6.conf.default.accept_redirects": "1",
    "net.ipv4.conf.all.secure_redirects": "1",
    "net.ipv4.conf.default.secure_redirects": "1",
    "net.ipv4.conf.all.log_martians": "0",
    "net.ipv4.conf.default.log_martians": "0",
    "net.ipv6.conf.all.accept_ra": "1",
    "net.ipv6.conf.default.accept_ra": "1",
}


def _sysctls(host: NodeHost, names: Sequence[str], expected: str) -> Iterator[Violation]:
    """Each key must be set to `expected` in the persistent configuration (systemd-sysctl
    order) and, on a live node, be `expected` now. IPv6 keys do not apply when IPv6 is off."""
    keys = [k for k in names if not (k.startswith("net.ipv6.") and host.ipv6_disabled)]
    failed = False
    for key in keys:
        setting = host.sysctl.get(key)
        if setting is None:
            failed = True
            default = KERNEL_DEFAULTS.get(key)
            why = (
                f"the kernel default {default} applies at boot"
                if default != expected
                else "the kernel default is the same, but nothing keeps it so"
            )
            yield host.violation(
                f"{key} is not set to {expected} in any sysctl.d file ({why})",
                ("sysctl", key),
                SYSCTL_FILE,
            )
        elif setting.value != expected:
            failed = True
            yield host.violation(f"{key} = {setting.value} (expected {expected})", setting.path)
        runtime = host.runtime
        if runtime is not None:
            now = runtime.sysctl(key)
            if now is not None and now != expected:
                failed = True
                yield host.violation(
                    f"{key} is {now} now (expected {expected}); run `sysctl -w {key}={expected}`",
                    ("runtime", "sysctl", key),
                    f"{runtime.proc}/sys/{key.replace('.', '/')}",
                )
    if failed or not keys:
        return
    runtime = host.runtime
    unread = [k for k in keys if runtime is None or runtime.sysctl(k) is None]
    if unread:
        if runtime is None:
            why = "offline audit"
        elif not runtime.net_visible:
            why = (
                "this process is not known to share the host's network namespace, so "
                f"{runtime.proc}/sys/net may show another one"
            )
        else:
            why = f"unreadable under {runtime.proc}/sys"
        yield host.violation(
            f"set to {expected} in the persistent configuration; the current value of "
            f"{', '.join(unread)} was not read ({why})",
            ("runtime", "sysctl"),
            SYSCTL_FILE,
            Verdict.NOT_EVALUATED,
        )


def _both(family: str, name: str) -> list[str]:
    return [f"net.{family}.conf.{scope}.{name}" for scope in ("all", "default")]


@rule("NODE104", severity=Severity.MEDIUM)
def icmp_redirects_sent(host: NodeHost) -> Iterator[Violation]:
    """The node sends ICMP redirects.

    `net.ipv4.conf.all.send_redirects` and `net.ipv4.conf.default.send_redirects` must be 0 in
    the persistent sysctl configuration (systemd-sysctl: /etc, /run, /usr/local/lib, /usr/lib
    and /lib sysctl.d, file-name order, the last assignment winning) and, live, now.

    ## Why it matters
    Only a router should send redirects. A node that does can be used to teach other hosts on
    the subnet wrong routes. The kernel default is 1.

    ## Fix
    `/etc/sysctl.d/60-kubeward-net.conf`: `net.ipv4.conf.all.send_redirects = 0` and
    `net.ipv4.conf.default.send_redirects = 0`; then `sysctl --system`.

    ## References
    - seed 004: 3.1.2 "패킷 리디렉션이 비활성화되어 있는지 확인" (packet redirect sending disabled)
    - CIS Ubuntu 22.04 v2.0.0: 3.3.2; ComplianceAsCode
      sysctl_net_ipv4_conf_{all,default}_send_redirects
    """
    yield from _sysctls(host, _both("ipv4", "send_redirects"), "0")


@rule("NODE105", severity=Severity.MEDIUM)
def source_routed_packets_accepted(host: NodeHost) -> Iterator[Violation]:
    """The node accepts source-routed packets.

    `accept_source_route` must be 0 for `all` and `default`, IPv4 and (unless IPv6 is off)
    IPv6, in the persistent configuration and, live, now.

    ## Why it matters
    A source-routed packet chooses its own path, which lets an attacker reach networks the
    routing would not let them reach, or make traffic look as if it came from inside.

    ## Fix
    Set `net.ipv4.conf.all.accept_source_route = 0`, `net.ipv4.conf.default.accept_source_route
    = 0` and the two `net.ipv6` equivalents in /etc/sysctl.d.

    ## References
    - seed 004: 3.2.1 "소스 라우팅 패키지가 허용되지 않는지 확인" (source routed packets)
    - CIS Ubuntu 16.04 v1.1.0 3.2.1 (IPv4); CIS Ubuntu 22.04 v2.0.0 3.3.8 (IPv4 and IPv6);
      ComplianceAsCode sysctl_net_ipv{4,6}_conf_{all,default}_accept_source_route
    """
    keys = _both("ipv4", "accept_source_route") + _both("ipv6", "accept_source_route")
    yield from _sysctls(host, keys, "0")


@rule("NODE106", severity=Severity.MEDIUM)
def icmp_redirects_accepted(host: NodeHost) -> Iterator[Violation]:
    """The node accepts ICMP redirects.

    `accept_redirects` must be 0 for `all` and `default`, IPv4 and (unless IPv6 is off) IPv6.

    ## Why it matters
    An accepted redirect changes the node's routing table on the word of any host on the
    subnet: a man-in-the-middle path for pod and node traffic.

    ## Fix
    Set `net.ipv4.conf.{all,default}.accept_redirects = 0` and
    `net.ipv6.conf.{all,default}.accept_redirects = 0` in /etc/sysctl.d.

    ## References
    - seed 004: 3.2.2 "ICMP 리디렉션이 허용되지 않는지 확인" (ICMP redirects not accepted)
    - CIS Ubuntu 22.04 v2.0.0: 3.3.5; ComplianceAsCode
      sysctl_net_ipv{4,6}_conf_{all,default}_accept_redirects
    """
    keys = _both("ipv4", "accept_redirects") + _both("ipv6", "accept_redirects")
    yield from _sysctls(host, keys, "0")


@rule("NODE107", severity=Severity.LOW)
def secure_icmp_redirects_accepted(host: NodeHost) -> Iterator[Violation]:
    """The node accepts "secure" ICMP redirects.

    `net.ipv4.conf.all.secure_redirects` and `net.ipv4.conf.default.secure_redirects` must be 0.

    ## Why it matters
    Secure redirects are redirects from the node's gateways; a compromised or spoofed gateway
    can still reroute traffic with them.

    ## Fix
    Set `net.ipv4.conf.{all,default}.secure_redirects = 0` in /etc/sysctl.d.

    ## References
    - seed 004: 3.2.3 "안전한 ICMP 리디렉션이 허용되지 않는지 확인" (secure ICMP redirects)
    - CIS Ubuntu 22.04 v2.0.0: 3.3.6; ComplianceAsCode
      sysctl_net_ipv4_conf_{all,default}_secure_redirects
    """
    yield from _sysctls(host, _both("ipv4", "secure_redirects"), "0")


@rule("NODE108", severity=Severity.LOW)
def martian_packets_not_logged(host: NodeHost) -> Iterator[Violation]:
    """Packets with impossible addresses are not logged.

    `net.ipv4.conf.all.log_martians` and `net.ipv4.conf.default.log_martians` must be 1.

    ## Why it matters
    Martian packets (source addresses that cannot be right on that interface) are a sign of
    spoofing; without the log nobody sees the attempt.

    ## Fix
    Set `net.ipv4.conf.{all,default}.log_martians = 1` in /etc/sysctl.d.

    ## References
    - seed 004: 3.2.4 "의심스러운 패킷이 기록되었는지 확인" (suspicious packets logged)
    - CIS Ubuntu 22.04 v2.0.0: 3.3.9; ComplianceAsCode
      sysctl_net_ipv4_conf_{all,default}_log_martians
    """
    yield from _sysctls(host, _both("ipv4", "log_martians"), "1")


@rule("NODE109", severity=Severity.MEDIUM)
def ipv6_router_advertisements_accepted(host: NodeHost) -> Iterator[Violation]:
    """The node accepts IPv6 router advertisements.

    `net.ipv6.conf.all.accept_ra` and `net.ipv6.conf.default.accept_ra` must be 0, unless IPv6
    is off (`ipv6.disable=1` on the kernel command line, or `disable_ipv6 = 1` for all and
    default interfaces).

    ## Why it matters
    Any host on the link can announce itself as the IPv6 router and take over the node's
    IPv6 traffic.

    ## Fix
    Set `net.ipv6.conf.{all,default}.accept_ra = 0` in /etc/sysctl.d, or disable IPv6.

    ## References
    - seed 004: 3.3.1 "IPv6 라우터 보급 알림이 허용되지 않는지 확인" (IPv6 router advertisements)
    - CIS Ubuntu 22.04 v2.0.0: 3.3.11; ComplianceAsCode sysctl_net_ipv6_conf_{all,default}_accept_ra
    """
    yield from _sysctls(host, _both("ipv6", "accept_ra"), "0")


# ============================================================================ banners and files

AGETTY_ESCAPES = ("\\m", "\\r", "\\s", "\\v")


def _banner(host: NodeHost, path: str) -> Iterator[Violation]:
    banner = host.banners.get(path)
    if banner is None:
        yield host.violation(
            f"{path} does not exist: no warning banner is shown", ("banner", path), path
        )
        return
    if not "".join(banner.lines).strip():
        yield host.violation(f"{path} is empty: no warning banner is shown", ("banner", path), path)
        return
    names = [n for n in (host.os.get("ID"), host.os.get("NAME")) if n]
    for number, text in enumerate(banner.lines, start=1):
        escapes = [e for e in AGETTY_ESCAPES if e in text]
        if escapes:
            yield host.violation(
                f"{path} shows system details through {', '.join(escapes)} (machine, release, "
                "OS name, version)",
                banner.at(number),
            )
        lower = text.lower()
        shown = [n for n in names if n.lower() in lower]
        if shown:
            yield host.violation(
                f"{path} names the operating system ({shown[0]})", banner.at(number)
            )


@rule("NODE201", severity=Severity.LOW)
def local_login_banner_discloses_system(host: NodeHost) -> Iterator[Violation]:
    """The local login banner is missing or discloses the system.

    /etc/issue must exist, not be empty, and contain neither agetty's `\\m`, `\\r`, `\\s`,
    `\\v` escapes nor the OS name from os-release (ID or NAME, any case). Whether its wording
    meets your policy is for a person to judge.

    ## Why it matters
    The banner is shown before login: it should warn, not tell an intruder which OS and kernel
    release to look up exploits for.

    ## Fix
    Replace /etc/issue with your organisation's warning text, e.g. "Authorized uses only. All
    activity may be monitored and reported."

    ## References
    - seed 004: 1.7.1.2 "로컬 로그인 경고 배너가 올바르게 구성되었는지 확인" (local login banner)
    - CIS Ubuntu 22.04 v2.0.0: 1.6.2; ComplianceAsCode banner_etc_issue_cis
    """
    yield from _banner(host, "/etc/issue")


@rule("NODE202", severity=Severity.LOW)
def remote_login_banner_discloses_system(host: NodeHost) -> Iterator[Violation]:
    """The remote login banner is missing or discloses the system.

    /etc/issue.net (the banner sshd shows with `Banner /etc/issue.net`, see NODE308) must
    exist, not be empty, and contain neither `\\m`, `\\r`, `\\s`, `\\v` nor the OS name.

    ## Why it matters
    Remote banners are seen by anyone who can reach port 22: they should carry the legal
    warning, not the OS release.

    ## Fix
    Replace /etc/issue.net with your warning text.

    ## References
    - seed 004: 1.7.1.3 "원격 로그인 경고 배너가 올바르게 구성되었는지 확인" (remote login banner)
    - CIS Ubuntu 22.04 v2.0.0: 1.6.3; ComplianceAsCode banner_etc_issue_net_cis
    """
    yield from _banner(host, "/etc/issue.net")


def _file(
    host: NodeHost, path: str, max_mode: int, *, mode: bool = True, owner: bool = False
) -> Iterator[Violation]:
    """An existing file (links followed inside the root) must have no permission bits outside
    `max_mode` (mode) or be owned by uid 0 and gid 0 (owner)."""
    st = host.stat(path)
    if st is None:
        return
    if mode and st.mode & ~max_mode:
        yield host.violation(
            f"{path} has mode {_mode(st.mode)}: more than {_mode(max_mode)} "
            f"(remove {_mode(st.mode & ~max_mode)})",
            ("files", path, "mode"),
            path,
        )
    if owner and (st.uid != 0 or st.gid != 0):
        yield host.violation(
            f"{path} is owned by {st.uid}:{st.gid}, not root:root (0:0)",
            ("files", path, "owner"),
            path,
        )


@rule("NODE203", severity=Severity.LOW, options={"max_mode": "0644"})
def local_login_banner_file_permissions(
    host: NodeHost, options: Mapping[str, Any]
) -> Iterator[Violation]:
    """/etc/issue is writable by others or not owned by root.

    /etc/issue (after following links) must be owned by root:root with mode 0644 or stricter.

    ## Why it matters
    Whoever can write the banner can show users a fake login prompt or false legal text.

    ## Fix
    `chown root:root /etc/issue && chmod u-x,go-wx /etc/issue`.

    ## References
    - seed 004: 1.7.1.5 "/etc/issue에 대한 사용 권한이 구성되었는지 확인"
    - CIS Ubuntu 22.04 v2.0.0: 1.6.5; ComplianceAsCode file_permissions_etc_issue,
      file_owner_etc_issue, file_groupowner_etc_issue
    """
    yield from _file(host, "/etc/issue", _octal(options["max_mode"], 0o644), owner=True)


@rule("NODE204", severity=Severity.LOW, options={"max_mode": "0644"})
def remote_login_banner_file_permissions(
    host: NodeHost, options: Mapping[str, Any]
) -> Iterator[Violation]:
    """/etc/issue.net is writable by others or not owned by root.

    /etc/issue.net (after following links) must be owned by root:root with mode 0644 or
    stricter.

    ## Why it matters
    sshd shows this file before authentication; whoever can write it controls what every
    remote user sees first.

    ## Fix
    `chown root:root /etc/issue.net && chmod u-x,go-wx /etc/issue.net`.

    ## References
    - seed 004: 1.7.1.6 "/etc/issue.net에 대한 사용 권한이 구성되어 있는지 확인"
    - CIS Ubuntu 22.04 v2.0.0: 1.6.6; ComplianceAsCode file_permissions_etc_issue_net,
      file_owner_etc_issue_net, file_groupowner_etc_issue_net
    """
    yield from _file(host, "/etc/issue.net", _octal(options["max_mode"], 0o644), owner=True)


@rule("NODE205", severity=Severity.MEDIUM, options={"max_mode": "0600"})
def crontab_permissions(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """/etc/crontab can be read or written by others, or is not owned by root.

    /etc/crontab must be owned by root:root with mode 0600 or stricter (no access for group and
    others). A host without /etc/crontab passes.

    ## Why it matters
    The system crontab runs commands as root: write access is root access, and read access
    shows an attacker which jobs and scripts to tamper with.

    ## Fix
    `chown root:root /etc/crontab && chmod og-rwx /etc/crontab`.

    ## References
    - seed 004: 5.1.2 "/etc/crontab에 대한 사용 권한이 구성되었는지 확인"
    - CIS Ubuntu 22.04 v2.0.0: 2.4.1.2; ComplianceAsCode file_permissions_crontab,
      file_owner_crontab, file_groupowner_crontab
    """
    yield from _file(host, "/etc/crontab", _octal(options["max_mode"], 0o600), owner=True)


@rule("NODE206", severity=Severity.INFO)
def logging_needs_review(host: NodeHost) -> Iterator[Violation]:
    """Logging must be reviewed by a person, or nothing keeps logs at all.

    A manual check (CIS does not score it): the evidence lists the rsyslog files and their
    selector rules, journald's storage and forwarding settings, and whether /var/log exists,
    so the reviewer can judge whether authentication, kernel and daemon messages are kept and
    shipped off the node. It fails only when nothing can keep a log: no rsyslog rule and
    journald's `Storage=none`.

    ## Why it matters
    Without logs there is no investigation after an incident; on AKS, node logs should also
    reach Azure Monitor so they survive the node.

    ## Fix
    Keep rsyslog (or journald with persistent storage) logging at least `auth,authpriv.*`,
    `kern.*` and `daemon.*`, and forward them off the node (Container Insights, syslog
    collection).

    ## References
    - seed 004: 4.2.1.2 "로깅이 구성되었는지 확인" (logging is configured; not scored)
    - CIS Ubuntu 22.04 v2.0.0: 6.1.x/6.2.x (mostly manual); ComplianceAsCode
      rsyslog_logging_configured
    """
    log = host.logging
    parts: list[str] = []
    if log.rsyslog_files:
        selectors = ", ".join(dict.fromkeys(sel for sel, _ in log.rsyslog_rules)) or "none"
        parts.append(
            f"rsyslog: {len(log.rsyslog_rules)} rule(s) in {', '.join(log.rsyslog_files)} "
            f"(selectors: {selectors})"
        )
    else:
        parts.append("no rsyslog configuration")
    storage = log.journald_storage.value if log.journald_storage is not None else "auto (default)"
    forward = (
        log.journald_forward.value if log.journald_forward is not None else "not set (default)"
    )
    parts.append(f"journald Storage={storage}, ForwardToSyslog={forward}")
    parts.append("/var/log exists" if log.var_log else "/var/log not found")
    if not log.rsyslog_rules and storage == "none":
        yield host.violation(
            "nothing keeps logs: no rsyslog rule, and journald has Storage=none",
            ("journald", "Storage"),
            "/etc/systemd/journald.conf",
        )
        return
    yield host.violation(
        "review logging: " + "; ".join(parts),
        ("logging",),
        "/etc/rsyslog.conf" if log.rsyslog_files else "/etc/systemd/journald.conf",
        Verdict.MANUAL,
    )


# ============================================================================ sshd


def _ssh(host: NodeHost, keyword: str, problem: Callable[[str], str | None]) -> Iterator[Violation]:
    """The global value of an sshd keyword (`sshd -T` live, else the config files, else the
    default) and every Match block's value must pass `problem` (which returns the complaint)."""
    if not host.sshd.present and host.sshd.effective is None:
        return
    setting = host.sshd.value(keyword)
    complaint = problem(setting.value)
    if complaint is not None:
        where = "" if setting.origin is not None else " (OpenSSH default)"
        yield host.violation(f"{complaint}{where}", setting.path, SSHD_CONFIG)
    for block, value in host.sshd.match_values(keyword):
        complaint = problem(value.value)
        if complaint is not None:
            yield host.violation(f"{complaint} for `Match {block.criteria}`", value.path)


def _is(expected: str, keyword: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        if value.lower() == expected:
            return None
        return f"{keyword} is {value} (expected {expected})"

    return check


@rule("NODE301", severity=Severity.MEDIUM)
def ssh_x11_forwarding(host: NodeHost) -> Iterator[Violation]:
    """sshd allows X11 forwarding.

    `X11Forwarding` must be `no` in the global section and in every `Match` block. sshd_config
    is read as sshd reads it: `Include` globs in order, the first value of a keyword wins; on a
    live node `sshd -T` gives the global value.

    ## Why it matters
    X11 forwarding opens a channel from the server back to the client's display; a
    compromised node can then watch or inject keystrokes on the administrator's desktop.
    Debian and Ubuntu ship `X11Forwarding yes`.

    ## Fix
    `X11Forwarding no` in /etc/ssh/sshd_config.d/ (files there come first, so they win), or at
    the top of /etc/ssh/sshd_config.

    ## References
    - seed 004: 5.2.4 "SSH X11 포워딩이 비활성화되었는지 확인" (SSH X11 forwarding disabled)
    - CIS Ubuntu 22.04 v2.0.0: 5.1.8 (DisableForwarding); ComplianceAsCode
      sshd_disable_x11_forwarding
    """
    yield from _ssh(host, "X11Forwarding", _is("no", "X11Forwarding"))


@rule("NODE302", severity=Severity.MEDIUM, options={"max_tries": 4})
def ssh_max_auth_tries_high(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """sshd allows too many authentication attempts per connection.

    `MaxAuthTries` must be at most 4 (option `max_tries`); OpenSSH's default is 6.

    ## Why it matters
    Each connection gets this many password or key guesses; a low limit slows brute force
    and makes it visible in the logs.

    ## Fix
    `MaxAuthTries 4` in sshd_config.

    ## References
    - seed 004: 5.2.5 "SSH MaxAuthtries가 4 이하로 설정되어 있는지 확인"
    - CIS Ubuntu 22.04 v2.0.0: 5.1.16; ComplianceAsCode sshd_set_max_auth_tries
    """
    limit = int(options["max_tries"])

    def check(value: str) -> str | None:
        try:
            tries = int(value)
        except ValueError:
            return f"MaxAuthTries {value} is not a number (sshd refuses to start)"
        return None if tries <= limit else f"MaxAuthTries is {tries} (at most {limit})"

    yield from _ssh(host, "MaxAuthTries", check)


@rule("NODE303", severity=Severity.HIGH)
def ssh_root_login(host: NodeHost) -> Iterator[Violation]:
    """sshd lets root log in.

    `PermitRootLogin` must be `no`; OpenSSH's default `prohibit-password` (shown as
    `without-password` by `sshd -T`) still lets root in with a key.

    ## Why it matters
    Direct root logins leave no trace of which person acted, and make root's key the single
    most valuable secret on the network.

    ## Fix
    `PermitRootLogin no`; administrators log in as themselves and use sudo.

    ## References
    - seed 004: 5.2.8 "SSH 루트 로그인이 비활성화되었는지 확인" (SSH root login disabled)
    - CIS Ubuntu 22.04 v2.0.0: 5.1.20; ComplianceAsCode sshd_disable_root_login
    """
    yield from _ssh(host, "PermitRootLogin", _is("no", "PermitRootLogin"))


@rule("NODE304", severity=Severity.MEDIUM)
def ssh_user_environment(host: NodeHost) -> Iterator[Violation]:
    """sshd lets users pass environment variables through ~/.ssh/environment.

    `PermitUserEnvironment` must be `no` (the default), not `yes` or a list of variables.

    ## Why it matters
    Users can set `LD_PRELOAD` and similar variables for the programs sshd starts for them,
    bypassing forced commands and other restrictions.

    ## Fix
    Remove `PermitUserEnvironment` or set it to `no`.

    ## References
    - seed 004: 5.2.10 "SSH 허가사용자 환경이 비활성화되었는지 확인" (PermitUserEnvironment)
    - CIS Ubuntu 22.04 v2.0.0: 5.1.21; ComplianceAsCode sshd_do_not_permit_user_env
    """
    yield from _ssh(host, "PermitUserEnvironment", _is("no", "PermitUserEnvironment"))


APPROVED_MACS = [
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "umac-128-etm@openssh.com",
    "hmac-sha2-512",
    "hmac-sha2-256",
    "umac-128@openssh.com",
]


@rule("NODE305", severity=Severity.MEDIUM, options={"approved": APPROVED_MACS})
def ssh_weak_macs(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """sshd offers MAC algorithms that are not approved.

    Every MAC in the effective `MACs` list must be in the approved list (option `approved`,
    the CIS list: the SHA-2 HMACs, their encrypt-then-MAC forms and the 128-bit UMACs). `+`,
    `-` and `^` lists edit OpenSSH's default list, which includes `umac-64` and `hmac-sha1`.

    ## Why it matters
    MD5, SHA-1 and 64-bit tags are weak integrity protection for the session; offering them
    lets a client (or an attacker in the middle) pick them.

    ## Fix
    Set `MACs` to the approved list, e.g. `MACs hmac-sha2-512-etm@openssh.com,`
    `hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-512,hmac-sha2-256`
    (one comma-separated word), or remove the weak ones from the default with
    `MACs -umac-64*,hmac-sha1*`.

    ## References
    - seed 004: 5.2.11 "승인된 MAX 알고리즘만 사용가능" (only approved MAC algorithms)
    - CIS Ubuntu 16.04 v1.1.0 5.2.11; CIS Ubuntu 22.04 v2.0.0 5.1.15; ComplianceAsCode
      sshd_use_strong_macs (not sshd_use_approved_macs, which is the FIPS list)
    """
    approved = set(options["approved"])

    def check(value: str) -> str | None:
        effective = apply_algorithm_list(SSHD_DEFAULTS["macs"], value)
        weak = [m for m in effective if m not in approved]
        return f"MACs allows {', '.join(weak)}" if weak else None

    yield from _ssh(host, "MACs", check)


@rule("NODE306", severity=Severity.MEDIUM, options={"max_interval": 300, "max_count": 3})
def ssh_idle_timeout_missing(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """Idle SSH sessions are never disconnected.

    `ClientAliveInterval` must be between 1 and 300 seconds (option `max_interval`) and
    `ClientAliveCountMax` between 1 and 3 (option `max_count`). Since OpenSSH 8.2 a count of 0
    disables the disconnection instead of making it immediate.

    ## Why it matters
    An unattended open session on an administrator's machine is a root shell for whoever sits
    down at it next.

    ## Fix
    `ClientAliveInterval 300` and `ClientAliveCountMax 3` (idle sessions end after 15
    minutes).

    ## References
    - seed 004: 5.2.12 "SSH 유휴 시간 시간 간격이 구성되었는지 확인" (SSH idle timeout interval)
    - CIS Ubuntu 22.04 v2.0.0: 5.1.7; ComplianceAsCode sshd_set_idle_timeout, sshd_set_keepalive
    """
    max_interval, max_count = int(options["max_interval"]), int(options["max_count"])

    def interval(value: str) -> str | None:
        seconds = parse_ssh_time(value)
        if seconds is None:
            return f"ClientAliveInterval {value} is not a time (sshd refuses to start)"
        if seconds == 0:
            return "ClientAliveInterval is 0: idle sessions are never checked"
        if seconds > max_interval:
            return f"ClientAliveInterval is {seconds}s (at most {max_interval}s)"
        return None

    def count(value: str) -> str | None:
        try:
            n = int(value)
        except ValueError:
            return f"ClientAliveCountMax {value} is not a number"
        if n == 0:
            return "ClientAliveCountMax is 0, which disables the idle disconnection"
        return f"ClientAliveCountMax is {n} (at most {max_count})" if n > max_count else None

    yield from _ssh(host, "ClientAliveInterval", interval)
    yield from _ssh(host, "ClientAliveCountMax", count)


@rule("NODE307", severity=Severity.LOW, options={"max_seconds": 60})
def ssh_login_grace_time_long(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """sshd waits too long for a login.

    `LoginGraceTime` must be between 1 and 60 seconds (option `max_seconds`); 0 means no limit,
    and OpenSSH's default is 120.

    ## Why it matters
    Every unauthenticated connection holds a slot until the grace time ends; a long grace
    time makes it easy to exhaust `MaxStartups` and lock administrators out.

    ## Fix
    `LoginGraceTime 60`.

    ## References
    - seed 004: 5.2.13 "SSH 로그인GraceTime이 1분 이하로 설정되어 있는지 확인"
    - CIS Ubuntu 22.04 v2.0.0: 5.1.13; ComplianceAsCode sshd_set_login_grace_time
    """
    limit = int(options["max_seconds"])

    def check(value: str) -> str | None:
        seconds = parse_ssh_time(value)
        if seconds is None:
            return f"LoginGraceTime {value} is not a time (sshd refuses to start)"
        if seconds == 0:
            return "LoginGraceTime is 0: unauthenticated connections are never cut"
        return f"LoginGraceTime is {seconds}s (at most {limit}s)" if seconds > limit else None

    yield from _ssh(host, "LoginGraceTime", check)


@rule("NODE308", severity=Severity.LOW)
def ssh_no_warning_banner(host: NodeHost) -> Iterator[Violation]:
    """sshd shows no warning banner.

    `Banner` must name a file (CIS: /etc/issue.net) that exists on the host; OpenSSH's
    default is `none`.

    ## Why it matters
    The pre-login warning is what makes "authorised use only" enforceable; many compliance
    regimes require it.

    ## Fix
    `Banner /etc/issue.net`, with the text of NODE202.

    ## References
    - seed 004: 5.2.15 "SSH 경고 배너가 구성되었는지 확인" (SSH warning banner)
    - CIS Ubuntu 22.04 v2.0.0: 5.1.5; ComplianceAsCode sshd_enable_warning_banner_net
    """

    def check(value: str) -> str | None:
        if value.lower() == "none":
            return "Banner is none: no warning is shown before login"
        if host.stat(value) is None:
            return f"Banner {value} does not exist on the host: no warning is shown"
        return None

    yield from _ssh(host, "Banner", check)


# ============================================================================ accounts


@rule("NODE401", severity=Severity.MEDIUM, options={"min_length": 14, "min_classes": 4})
def weak_password_quality(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """New passwords are not required to be long and complex.

    The password stack (/etc/pam.d/common-password on Debian and Ubuntu; system-auth and
    password-auth elsewhere) must use pam_pwquality (or pam_cracklib) with `minlen` at least 14
    (option `min_length`) and either `minclass` at least 4 (option `min_classes`, CIS v2) or
    `dcredit`, `ucredit`, `lcredit` and `ocredit` all -1 or lower (CIS v1). Module arguments
    override pwquality.conf, which overrides its .d snippets.

    ## Why it matters
    Local passwords (root's, for the console and rescue mode) are the last line of defence
    when keys and cloud identities are unavailable.

    ## Fix
    Install libpam-pwquality and set `minlen = 14` and `minclass = 4` in
    /etc/security/pwquality.conf.

    ## References
    - seed 004: 5.3.1 "암호 생성 요구 사항이 구성되었는지 확인" (password creation requirements)
    - CIS Ubuntu 22.04 v2.0.0: 5.3.3.2.x; ComplianceAsCode package_pam_pwquality_installed,
      accounts_password_pam_minlen, accounts_password_pam_minclass, accounts_password_pam_*credit
    """
    quality = host.password_quality
    if quality is None:
        stack = "/etc/pam.d/common-password"
        if host.pam.get("common-password") is None and host.pam.get("system-auth") is not None:
            stack = "/etc/pam.d/system-auth"
        yield host.violation(
            f"no active `password requisite pam_pwquality.so` line in {stack}: password length "
            "and complexity are not enforced",
            ("pam", "pwquality"),
            stack,
        )
        return
    s = quality.settings
    pam_line: Path = ("pam", quality.service, quality.line.origin.line or 0)

    def at(setting: Setting[int | None]) -> Path:
        return setting.path if setting.origin is not None else pam_line

    minlen = s["minlen"]
    if minlen.value is None or minlen.value < int(options["min_length"]):
        where = "" if minlen.origin is not None else " (default)"
        yield host.violation(
            f"minlen is {minlen.value}{where} (at least {options['min_length']})", at(minlen)
        )
    minclass = s["minclass"]
    credits = {k: s[k] for k in ("dcredit", "ucredit", "lcredit", "ocredit")}
    classes_ok = minclass.value is not None and minclass.value >= int(options["min_classes"])
    credits_ok = all(c.value is not None and c.value <= -1 for c in credits.values())
    if not classes_ok and not credits_ok:
        loose = ", ".join(f"{k}={c.value}" for k, c in credits.items())
        yield host.violation(
            f"complexity is not required: minclass={minclass.value} (at least "
            f"{options['min_classes']}) and {loose} (all -1 or lower)",
            at(minclass),
        )


@rule("NODE402", severity=Severity.MEDIUM, options={"max_days": 90})
def password_expiry_too_long(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """Passwords do not expire within the allowed number of days.

    `PASS_MAX_DAYS` in /etc/login.defs must be at most 90 (option `max_days`: the seed's AKS
    value; CIS Ubuntu 22.04 says 365), and every account with a usable password must have the
    same limit in /etc/shadow (field 5; login.defs only applies to accounts created later).
    The check never shows a password hash.

    ## Why it matters
    A password that never expires stays valid for as long as it has been leaked.

    ## Fix
    `PASS_MAX_DAYS 90` in /etc/login.defs and `chage --maxdays 90 <user>` for existing users.

    ## References
    - seed 004: 5.4.1.1 "암호 만료기간이 90일 이하인지 확인" (password expiration 90 days or less)
    - CIS Ubuntu 22.04 v2.0.0: 5.4.1.1 (365 days); ComplianceAsCode
      accounts_maximum_age_login_defs, accounts_password_set_max_life_existing
    """
    limit = int(options["max_days"])
    setting = host.login_defs.get("PASS_MAX_DAYS")
    if setting is None:
        yield host.violation(
            f"PASS_MAX_DAYS is not set in {LOGIN_DEFS}: new passwords never expire",
            ("login.defs", "PASS_MAX_DAYS"),
            LOGIN_DEFS,
        )
    else:
        days = _int(setting.value)
        if days is None or days < 0 or days > limit:
            yield host.violation(
                f"PASS_MAX_DAYS is {setting.value} (at most {limit})", setting.path
            )
    yield from _shadow_field(host, "max_days", limit, "password expires after")


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _shadow_field(host: NodeHost, field: str, limit: int, what: str) -> Iterator[Violation]:
    if host.shadow is None:
        if not host.shadow_readable:
            yield host.violation(
                f"{SHADOW} could not be read (audit as root): existing accounts not checked",
                ("shadow",),
                SHADOW,
                Verdict.NOT_EVALUATED,
            )
        return
    for entry in host.shadow:
        if not entry.usable:
            continue
        value = getattr(entry, field)
        if value is None or value < 0 or value > limit:
            shown = "never" if value is None or value < 0 else f"{value} days"
            yield host.violation(
                f"account {entry.name}: {what} {shown} (at most {limit} days)",
                ("shadow", entry.name, field),
            )


@rule("NODE403", severity=Severity.LOW, options={"max_days": 30})
def inactive_password_lock_missing(
    host: NodeHost, options: Mapping[str, Any]
) -> Iterator[Violation]:
    """Accounts are not locked soon after their password expires.

    `INACTIVE` in /etc/default/useradd (what `useradd -D` shows) must be between 0 and 30
    days (option `max_days`; CIS Ubuntu 22.04 v2 says 45), and every account with a usable
    password must have the same limit in /etc/shadow (field 7). useradd's default is -1
    (never).

    ## Why it matters
    Accounts of people who left keep working long after anyone remembers them.

    ## Fix
    `useradd -D -f 30` and `chage --inactive 30 <user>` for existing users.

    ## References
    - seed 004: 5.4.1.4 "비활성 암호 잠금이 30일 이하인지 확인" (inactive lock 30 days or less)
    - CIS Ubuntu 22.04 v2.0.0: 5.4.1.5; ComplianceAsCode account_disable_post_pw_expiration,
      accounts_set_post_pw_existing
    """
    limit = int(options["max_days"])
    setting = host.useradd.get("INACTIVE")
    if setting is None:
        yield host.violation(
            f"INACTIVE is not set in {USERADD_DEFAULTS}: the default -1 never locks accounts",
            ("useradd", "INACTIVE"),
            USERADD_DEFAULTS,
        )
    else:
        days = _int(setting.value)
        if days is None or days < 0 or days > limit:
            yield host.violation(f"INACTIVE is {setting.value} (0 to {limit})", setting.path)
    yield from _shadow_field(host, "inactive", limit, "account locks after expiry:")


@rule("NODE404", severity=Severity.MEDIUM, options={"required": "027"})
def permissive_umask(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """The default umask lets other users read or write new files.

    Every umask the host sets must mask at least the bits of 027 (option `required`): `UMASK`
    in /etc/login.defs (pam_umask's default) and `umask` commands in /etc/bash.bashrc,
    /etc/profile and /etc/profile.d/*.sh. The test is on bits: 027, 077 and 037 pass; 022 and
    002 fail. When nothing sets a umask, the system default 022 applies.

    ## Why it matters
    With 022 every file a user creates is readable by every other account on the node,
    including service accounts that a compromised container may run as.

    ## Fix
    `UMASK 027` in /etc/login.defs and `umask 027` in /etc/profile and /etc/bash.bashrc.

    ## References
    - seed 004: 5.4.4 "기본 사용자 umask가 027 이상 제한적인지 확인" (default umask 027 or stricter)
    - CIS Ubuntu 22.04 v2.0.0: 5.4.3.3; ComplianceAsCode accounts_umask_etc_login_defs,
      accounts_umask_etc_profile, accounts_umask_etc_bashrc
    """
    required = _octal(options["required"], 0o027)
    if not host.umasks:
        yield host.violation(
            f"no umask is set ({LOGIN_DEFS} UMASK, /etc/profile, /etc/bash.bashrc): the default "
            f"022 applies (needs {_mode(required)[1:]})",
            ("login.defs", "UMASK"),
            LOGIN_DEFS,
        )
    for u in host.umasks:
        if u.mask is None:
            yield host.violation(
                f"umask {u.text} is relative: the result depends on the mask before it",
                u.path,
                verdict=Verdict.MANUAL,
            )
        elif u.mask & required != required:
            yield host.violation(
                f"umask {u.text} does not mask {_mode(required & ~u.mask)[1:]} (needs "
                f"{_mode(required)[1:]} or stricter)",
                u.path,
            )


@rule("NODE405", severity=Severity.MEDIUM, options={"require_empty_group": False})
def su_not_restricted(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """Any user can run su.

    /etc/pam.d/su must have an active `auth required pam_wheel.so` line (required or
    requisite, without `deny` or `trust`), so only members of the wheel group (or the group
    named by `group=`) can become root with su. With option `require_empty_group` (CIS
    Ubuntu 22.04 v2) the line must name a group that has no members, so su is unusable.

    ## Why it matters
    Without it, anyone who steals any account's shell can try root's password with su, and
    nothing records that they were never meant to.

    ## Fix
    Uncomment (or add) `auth required pam_wheel.so use_uid` in /etc/pam.d/su; CIS v2:
    `auth required pam_wheel.so use_uid group=sugroup` with an empty `sugroup`.

    ## References
    - seed 004: 5.6 "su 명령에 대한 액세스가 제한되었는지 확인" (access to su restricted)
    - CIS Ubuntu 22.04 v2.0.0: 5.2.7; ComplianceAsCode use_pam_wheel_for_su,
      use_pam_wheel_group_for_su, ensure_pam_wheel_group_empty
    """
    lines = host.pam.get("su")
    if lines is None:
        return  # no PAM service for su: su is not installed
    wheel = [
        line
        for line in lines
        if line.type == "auth"
        and line.module == "pam_wheel.so"
        and line.control in ("required", "requisite")
        and line.arg("deny") is None
        and line.arg("trust") is None
    ]
    if not wheel:
        yield host.violation(
            "no active `auth required pam_wheel.so` line: any user can su to root",
            ("pam", "su"),
            "/etc/pam.d/su",
        )
        return
    if options["require_empty_group"]:
        line = wheel[0]
        name = line.arg("group") or "wheel"
        group = host.groups.get(name)
        at: Path = ("pam", "su", line.origin.line or 0)
        if not line.arg("group"):
            yield host.violation(
                "pam_wheel.so names no group=: name an empty group so su is unusable", at
            )
        elif group is None:
            yield host.violation(f"pam_wheel.so group {name} does not exist in /etc/group", at)
        elif group.members:
            yield host.violation(
                f"pam_wheel.so group {name} has members ({', '.join(group.members)}): it "
                "should be empty",
                at,
            )


# ============================================================================ kubelet

NO_KUBELET = (
    "no kubelet on this host (no kubelet.service unit{live}): the kubelet items do not apply"
)


def _no_kubelet(host: NodeHost) -> Violation:
    live = " and no kubelet process" if host.live else ""
    return host.violation(NO_KUBELET.format(live=live), ("kubelet",), None, Verdict.NOT_EVALUATED)


def _kubelet_value(host: NodeHost, flag: str) -> tuple[Kubelet, Setting[object]] | Violation:
    """The kubelet and one effective setting, or the NOT_EVALUATED violation explaining why
    the setting cannot be known (no kubelet; an unreadable config file and no flag)."""
    kubelet = host.kubelet
    if kubelet is None:
        return _no_kubelet(host)
    if flag not in kubelet.flags and kubelet.config_path is not None and kubelet.config is None:
        return host.violation(
            f"{kubelet.config_problem}: {flag} is not given as a flag, so its value is unknown",
            ("kubelet", flag),
            kubelet.config_path,
            Verdict.NOT_EVALUATED,
        )
    return kubelet, kubelet.setting(flag)


def _described(kubelet: Kubelet, setting: Setting[object], flag: str) -> str:
    """How the finding names the setting: the flag, the config field, or the default."""
    if flag in kubelet.flags:
        return f"--{flag}={kubelet.flags[flag].value}"
    spec = KUBELET_SETTINGS[flag]
    if setting.origin is not None:
        return f"{'.'.join(spec.field)}: {_show(setting.value)} in {kubelet.config_path}"
    using = "config file" if kubelet.config is not None else "flag"
    return f"--{flag} is not set (the {using} default is {_show(setting.value)})"


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kubelet_rule(
    host: NodeHost, flag: str, bad: Callable[[object], str | None]
) -> Iterator[Violation]:
    found = _kubelet_value(host, flag)
    if isinstance(found, Violation):
        yield found
        return
    kubelet, setting = found
    complaint = bad(setting.value)
    if complaint is not None:
        yield host.violation(
            f"{_described(kubelet, setting, flag)}: {complaint}",
            setting.path,
            kubelet.config_path or kubelet.home,
        )


@rule("NODE511", severity=Severity.HIGH)
def kubelet_anonymous_auth(host: NodeHost) -> Iterator[Violation]:
    """The kubelet serves anonymous requests.

    `--anonymous-auth` (config `authentication.anonymous.enabled`) must be false. The kubelet
    reads flags over its config file, and the defaults differ: true when no config file is
    used, false in a KubeletConfiguration file.

    ## Why it matters
    With anonymous auth on, anyone who reaches port 10250 is `system:anonymous`; with an
    AlwaysAllow authorizer that means exec into every pod on the node.

    ## Fix
    `--anonymous-auth=false` (AKS sets it in /etc/default/kubelet) or
    `authentication: {anonymous: {enabled: false}}` in the config file.

    ## References
    - CIS AKS 1.8: 3.2.1; CIS Kubernetes 4.2.1
    - Other tools: kube-bench 3.2.1, Kubescape C-0069/C-0172 (anonymous-requests-to-kubelet),
      Trivy KCV0079
    """
    yield from _kubelet_rule(
        host,
        "anonymous-auth",
        lambda v: None if v is False else "anonymous requests are allowed",
    )


@rule("NODE512", severity=Severity.HIGH)
def kubelet_authorization_always_allow(host: NodeHost) -> Iterator[Violation]:
    """The kubelet authorizes every request.

    `--authorization-mode` (config `authorization.mode`) must be `Webhook`, so the API server
    decides (SubjectAccessReview); the flag default is `AlwaysAllow`.

    ## Why it matters
    With AlwaysAllow any authenticated client (and, with anonymous auth, anyone) can read
    logs, exec into containers and fetch secrets mounted on the node.

    ## Fix
    `--authorization-mode=Webhook` with `--authentication-token-webhook=true`, or
    `authorization: {mode: Webhook}`.

    ## References
    - CIS AKS 1.8: 3.2.2; CIS Kubernetes 4.2.2
    - Other tools: kube-bench 3.2.2, Kubescape C-0070/C-0173
      (kubelet-authorization-mode-alwaysAllow), Trivy KCV0080
    """
    yield from _kubelet_rule(
        host,
        "authorization-mode",
        lambda v: None if v == "Webhook" else "requests are not authorized by the API server",
    )


@rule("NODE513", severity=Severity.MEDIUM)
def kubelet_client_ca_missing(host: NodeHost) -> Iterator[Violation]:
    """The kubelet does not verify client certificates.

    `--client-ca-file` (config `authentication.x509.clientCAFile`) must name the cluster CA,
    so the API server's client certificate is verified.

    ## Why it matters
    Without it the kubelet cannot authenticate the API server's requests by certificate, and
    falls back to weaker or no authentication.

    ## Fix
    `--client-ca-file=/etc/kubernetes/certs/ca.crt` (AKS) or `authentication.x509.clientCAFile`.

    ## References
    - CIS AKS 1.8: 3.2.3; CIS Kubernetes 4.2.3
    - Other tools: kube-bench 3.2.3, Kubescape C-0174 (enforce-kubelet-client-tls-authentication),
      Trivy KCV0081
    """
    yield from _kubelet_rule(
        host,
        "client-ca-file",
        lambda v: None if v else "no client CA: client certificates are not verified",
    )


@rule("NODE514", severity=Severity.MEDIUM)
def kubelet_read_only_port(host: NodeHost) -> Iterator[Violation]:
    """The kubelet serves its unauthenticated read-only port.

    `--read-only-port` (config `readOnlyPort`) must be 0. The flag default is 10255; the
    config-file default is 0.

    ## Why it matters
    Port 10255 answers without authentication: pod specs (with their environment variables),
    node details and metrics for anyone on the network.

    ## Fix
    `--read-only-port=0` or `readOnlyPort: 0`.

    ## References
    - CIS AKS 1.8: 3.2.4; CIS Kubernetes 4.2.4
    - Other tools: kube-bench 3.2.4, Kubescape C-0175 (read-only-port-enabled), Trivy KCV0082
    """

    def bad(v: object) -> str | None:
        if v == 0:
            return None
        if v is None:
            return "not a port number"
        return f"port {v} serves pod and node data without authentication"

    yield from _kubelet_rule(host, "read-only-port", bad)


@rule("NODE515", severity=Severity.MEDIUM)
def kubelet_streaming_timeout_disabled(host: NodeHost) -> Iterator[Violation]:
    """The kubelet never closes idle streaming connections.

    `--streaming-connection-idle-timeout` (config `streamingConnectionIdleTimeout`) must be a Go
    duration greater than zero; unset means the default 4h. The value is parsed as Go does, so
    `0s`, `0m` and `0h0m` are zero too (a plain string comparison with "0" misses them).

    ## Why it matters
    `kubectl exec`, `attach` and `port-forward` sessions left open forever keep a channel into
    the pod that outlives the user's intent and can exhaust the node.

    ## Fix
    `--streaming-connection-idle-timeout=4h` (AKS's value) or remove the zero setting.

    ## References
    - seed 004: 2.1.5 "--스트리밍 연결 유휴 시간 설정이 0으로 설정되지 않았는지 확인"
    - CIS AKS 1.8: 3.2.5; CIS Kubernetes 1.4 2.1.5 / 4.2.5
    - Other tools: kube-bench 3.2.5, Kubescape C-0176 (kubelet-streaming-connection-idle-timeout),
      Trivy KCV0085
    """

    def bad(v: object) -> str | None:
        seconds = 0.0 if v == 0 else parse_go_duration(v) if isinstance(v, str) else None
        if seconds is None:
            return "not a Go duration (the kubelet refuses to start)"
        if seconds <= 0:
            return "zero disables the timeout: idle exec/attach/port-forward streams stay open"
        return None

    yield from _kubelet_rule(host, "streaming-connection-idle-timeout", bad)


@rule("NODE516", severity=Severity.LOW)
def kubelet_iptables_util_chains_disabled(host: NodeHost) -> Iterator[Violation]:
    """The kubelet does not manage its iptables chains.

    `--make-iptables-util-chains` (config `makeIPTablesUtilChains`) must be true (the default).

    ## Why it matters
    The kubelet's chains drop martian and invalid traffic for pods; without them the node's
    iptables drift from what Kubernetes expects.

    ## Fix
    Remove `--make-iptables-util-chains=false`.

    ## References
    - CIS AKS 1.8: 3.2.6; CIS Kubernetes 4.2.7
    - Other tools: kube-bench 3.2.6, Kubescape C-0178 (kubelet-ip-tables), Trivy KCV0087
    """
    yield from _kubelet_rule(
        host,
        "make-iptables-util-chains",
        lambda v: None if v is True else "the kubelet does not maintain its iptables chains",
    )


@rule("NODE517", severity=Severity.INFO)
def kubelet_event_qps_needs_review(host: NodeHost) -> Iterator[Violation]:
    """The kubelet's event rate limit must be reviewed by a person.

    A manual check with evidence: the effective `--event-qps` (config `eventRecordQPS`). CIS
    accepts 0 (no limit) or "a level which ensures appropriate event capture", which only the
    operator can judge. A negative value fails: the kubelet rejects it and does not start.

    ## Why it matters
    Too low a limit drops events an investigation needs; no limit lets a misbehaving pod
    flood the API server with events.

    ## Fix
    Choose a value for your cluster's size and set `eventRecordQPS` accordingly.

    ## References
    - CIS AKS 1.8: 3.2.7; CIS Kubernetes 4.2.8
    - Other tools: kube-bench 3.2.7 (manual), Kubescape C-0180 (kubelet-event-qps, which fails
      on 0)
    """
    found = _kubelet_value(host, "event-qps")
    if isinstance(found, Violation):
        yield found
        return
    kubelet, setting = found
    if not isinstance(setting.value, int) or setting.value < 0:
        yield host.violation(
            f"{_described(kubelet, setting, 'event-qps')}: not a rate the kubelet accepts "
            "(a whole number, 0 or more)",
            setting.path,
            kubelet.config_path or kubelet.home,
        )
        return
    meaning = " (0 means no limit)" if setting.value == 0 else ""
    yield host.violation(
        f"review the event rate limit: {_described(kubelet, setting, 'event-qps')}{meaning}",
        setting.path,
        kubelet.config_path or kubelet.home,
        Verdict.MANUAL,
    )


@rule("NODE518", severity=Severity.MEDIUM)
def kubelet_certificate_rotation_disabled(host: NodeHost) -> Iterator[Violation]:
    """The kubelet does not rotate its client certificate.

    `--rotate-certificates` (config `rotateCertificates`) must be true. Its default is false,
    so an unset value fails too (kube-bench passes it when unset).

    ## Why it matters
    A client certificate that is never rotated expires (the node drops out) or, if stolen,
    stays valid until then.

    ## Fix
    `--rotate-certificates=true` or `rotateCertificates: true`.

    ## References
    - CIS AKS 1.8: 3.2.8; CIS Kubernetes 4.2.11
    - Other tools: kube-bench 3.2.8, Kubescape C-0182 (kubelet-rotate-certificates), Trivy KCV0088
    """
    yield from _kubelet_rule(
        host,
        "rotate-certificates",
        lambda v: None if v is True else "client certificate rotation is off",
    )


@rule("NODE519", severity=Severity.MEDIUM)
def kubelet_server_certificate_rotation_disabled(host: NodeHost) -> Iterator[Violation]:
    """The kubelet's RotateKubeletServerCertificate feature gate is off.

    The `RotateKubeletServerCertificate` feature gate (`--feature-gates` or config
    `featureGates`) must not be false; it is on by default since Kubernetes 1.12.

    ## Why it matters
    Without it the kubelet cannot request a new serving certificate from the API server and
    keeps a self-signed or long-lived one.

    ## Fix
    Remove `RotateKubeletServerCertificate=false`; set `serverTLSBootstrap: true` to use it.

    ## References
    - CIS AKS 1.8: 3.2.9; CIS Kubernetes 4.2.12
    - Other tools: kube-bench 3.2.9, Kubescape C-0183, Trivy KCV0089
    """
    kubelet = host.kubelet
    if kubelet is None:
        yield _no_kubelet(host)
        return
    gate = kubelet.gate("RotateKubeletServerCertificate", True)
    if gate.value is False:
        yield host.violation(
            "RotateKubeletServerCertificate=false: the serving certificate is never rotated",
            gate.path,
            kubelet.config_path or kubelet.home,
        )


@rule("NODE520", severity=Severity.LOW)
def kubelet_kernel_defaults_not_protected(host: NodeHost) -> Iterator[Violation]:
    """The kubelet may change kernel settings instead of refusing to run.

    `--protect-kernel-defaults` (config `protectKernelDefaults`) must be true: the kubelet then
    fails when the kernel's tunables differ from what it needs, instead of changing them.

    ## Why it matters
    Kernel parameters are part of the node's hardening; a kubelet that silently rewrites them
    undoes it.

    ## Fix
    `--protect-kernel-defaults=true` after setting the sysctls the kubelet needs.

    ## References
    - CIS Kubernetes 4.2.6 (CIS AKS leaves it out; Kubescape's AKS framework keeps it)
    - Other tools: Kubescape C-0177 (kubelet-protect-kernel-defaults), Trivy KCV0086
    """
    yield from _kubelet_rule(
        host,
        "protect-kernel-defaults",
        lambda v: None if v is True else "kernel defaults are not protected",
    )


def _kubeconfig(host: NodeHost) -> str | Violation | None:
    kubelet = host.kubelet
    if kubelet is None:
        return _no_kubelet(host)
    flag = kubelet.flags.get("kubeconfig")
    if flag is not None and flag.value:
        return flag.value
    return next((p for p in KUBECONFIG_DEFAULTS if host.stat(p) is not None), None)


def _kubelet_file(
    host: NodeHost, which: str, max_mode: int, *, mode: bool, owner: bool
) -> Iterator[Violation]:
    path: str | Violation | None
    if which == "kubeconfig":
        path = _kubeconfig(host)
    else:
        kubelet = host.kubelet
        path = _no_kubelet(host) if kubelet is None else kubelet.config_path
    if isinstance(path, Violation):
        yield path
    elif path is not None and host.stat(path) is None:
        # Named by the kubelet's flags but not in the audited root (not mounted, or moved).
        yield host.violation(
            f"{path}, the kubelet's {which} file, is not in the audited root",
            ("files", path),
            path,
            Verdict.NOT_EVALUATED,
        )
    elif path is not None:
        yield from _file(host, path, max_mode, mode=mode, owner=owner)


@rule("NODE501", severity=Severity.MEDIUM, options={"max_mode": "0644"})
def kubelet_kubeconfig_permissions(
    host: NodeHost, options: Mapping[str, Any]
) -> Iterator[Violation]:
    """The kubelet's kubeconfig is writable by others.

    The file of `--kubeconfig` (else /var/lib/kubelet/kubeconfig or /etc/kubernetes/kubelet.conf)
    must have mode 0644 or stricter (option `max_mode`).

    ## Why it matters
    Whoever can rewrite it can point the kubelet at another API server or swap its
    credentials.

    ## Fix
    `chmod 644 /var/lib/kubelet/kubeconfig` (600 is better).

    ## References
    - CIS AKS 1.8: 3.1.1; CIS Kubernetes 4.1.5
    - Other tools: kube-bench 3.1.1, Kubescape C-0238, Trivy KCV0073
    """
    yield from _kubelet_file(
        host, "kubeconfig", _octal(options["max_mode"], 0o644), mode=True, owner=False
    )


@rule("NODE502", severity=Severity.MEDIUM)
def kubelet_kubeconfig_ownership(host: NodeHost) -> Iterator[Violation]:
    """The kubelet's kubeconfig is not owned by root.

    The kubelet's kubeconfig must be owned by root:root (uid 0, gid 0).

    ## Why it matters
    Its owner can change it regardless of its mode.

    ## Fix
    `chown root:root /var/lib/kubelet/kubeconfig`.

    ## References
    - CIS AKS 1.8: 3.1.2; CIS Kubernetes 4.1.6
    - Other tools: kube-bench 3.1.2, Kubescape C-0167, Trivy KCV0074
    """
    yield from _kubelet_file(host, "kubeconfig", 0o7777, mode=False, owner=True)


@rule("NODE503", severity=Severity.HIGH, options={"max_mode": "0644"})
def azure_json_permissions(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """/etc/kubernetes/azure.json is writable by others.

    The cloud provider configuration must have mode 0644 or stricter (option `max_mode`; it
    can hold the service principal's secret, so 0600 is better). A host without the file
    passes.

    ## Why it matters
    It holds the identity the node uses to manage Azure resources (disks, load balancers,
    routes); writing it redirects those calls.

    ## Fix
    `chmod 644 /etc/kubernetes/azure.json` (or 600).

    ## References
    - CIS AKS 1.8: 3.1.3
    - Other tools: kube-bench 3.1.3
    """
    yield from _file(host, AZURE_JSON, _octal(options["max_mode"], 0o644))


@rule("NODE504", severity=Severity.HIGH)
def azure_json_ownership(host: NodeHost) -> Iterator[Violation]:
    """/etc/kubernetes/azure.json is not owned by root.

    The cloud provider configuration must be owned by root:root. A host without it passes.

    ## Why it matters
    Its owner can read and change the node's Azure credentials whatever the mode says.

    ## Fix
    `chown root:root /etc/kubernetes/azure.json`.

    ## References
    - CIS AKS 1.8: 3.1.4
    - Other tools: kube-bench 3.1.4
    """
    yield from _file(host, AZURE_JSON, 0o7777, mode=False, owner=True)


@rule("NODE505", severity=Severity.MEDIUM, options={"max_mode": "0644"})
def kubelet_config_permissions(host: NodeHost, options: Mapping[str, Any]) -> Iterator[Violation]:
    """The kubelet's config file is writable by others.

    The file of `--config` must have mode 0644 or stricter (option `max_mode`; CIS Kubernetes
    1.8+ asks for 600).

    ## Why it matters
    The config file holds every security setting of this section; whoever can write it can
    turn anonymous auth on at the next restart.

    ## Fix
    `chmod 644` (or 600) the config file.

    ## References
    - CIS Kubernetes 4.1.9; (CIS AKS 1.8 3.1.x covers the kubeconfig and azure.json only)
    - Other tools: kube-bench 4.1.9, Kubescape C-0235, Trivy KCV0077
    """
    yield from _kubelet_file(
        host, "config", _octal(options["max_mode"], 0o644), mode=True, owner=False
    )


@rule("NODE506", severity=Severity.MEDIUM)
def kubelet_config_ownership(host: NodeHost) -> Iterator[Violation]:
    """The kubelet's config file is not owned by root.

    The file of `--config` must be owned by root:root.

    ## Why it matters
    Its owner can change the kubelet's security settings whatever the mode says.

    ## Fix
    `chown root:root` the config file.

    ## References
    - CIS Kubernetes 4.1.10
    - Other tools: kube-bench 4.1.10, Kubescape C-0171, Trivy KCV0078
    """
    yield from _kubelet_file(host, "config", 0o7777, mode=False, owner=True)
