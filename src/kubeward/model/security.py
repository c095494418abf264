"""Kubernetes and Linux facts about security settings that rules share.

Lists follow the Pod Security Standards of the newest Kubernetes release kubeward knows; the
version-by-version history used by `kubeward pss` lives in `kubeward.analysis.pss`.
"""

from __future__ import annotations

# Capabilities the Pod Security Standards (baseline) allow adding: the container runtime's
# default set minus NET_RAW. Anything else is "non-default".
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)

# Capabilities that, alone, let a container break out or take over its node.
BREAKOUT_CAPABILITIES = frozenset(
    {
        "ALL",
        "SYS_ADMIN",
        "SYS_MODULE",
        "SYS_PTRACE",
        "SYS_RAWIO",
        "SYS_BOOT",
        "DAC_READ_SEARCH",
        "NET_ADMIN",
        "BPF",
        "PERFMON",
        "SYS_TIME",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
    }
)


def capability_name(text: str) -> str:
    """Normalise a capability as the runtime does: upper case, without the CAP_ prefix."""
    name = text.strip().upper()
    return name[4:] if name.startswith("CAP_") else name


# Sysctls that are namespaced and safe for any pod (PSS baseline), by the Kubernetes minor
# version whose Pod Security Standards first allow them.
SAFE_SYSCTLS_SINCE: dict[int, frozenset[str]] = {
    0: frozenset(
        {
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
        }
    ),
    27: frozenset({"net.ipv4.ip_local_reserved_ports"}),
    29: frozenset(
        {
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
        }
    ),
    32: frozenset({"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}),
    37: frozenset({"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}),
}


def safe_sysctls(minor: int) -> frozenset[str]:
    """The safe sysctls of Kubernetes 1.<minor>."""
    return frozenset().union(*(v for since, v in SAFE_SYSCTLS_SINCE.items() if since <= minor))


SAFE_SYSCTLS = safe_sysctls(max(SAFE_SYSCTLS_SINCE))


def normalise_sysctl(name: str) -> str:
    """The kubelet's reading of a sysctl name: `net/ipv4/x` means `net.ipv4.x`.

    When the first separator is a slash, slashes and dots swap roles (a dot then belongs to a
    name part, such as an interface name).
    """
    dot, slash = name.find("."), name.find("/")
    if slash == -1 or (dot != -1 and dot < slash):
        return name
    return name.translate(str.maketrans("./", "/."))


# Volume types the restricted Pod Security Standard allows.
RESTRICTED_VOLUME_TYPES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
        "image",
    }
)

# SELinux types a container may request (PSS baseline; user and role must not be set), by the
# Kubernetes minor version whose Pod Security Standards first allow them.
SELINUX_TYPES_SINCE: dict[int, frozenset[str]] = {
    0: frozenset({"", "container_t", "container_init_t", "container_kvm_t"}),
    31: frozenset({"container_engine_t"}),
}


def selinux_types(minor: int) -> frozenset[str]:
    """The SELinux types allowed by Kubernetes 1.<minor>."""
    return frozenset().union(*(v for since, v in SELINUX_TYPES_SINCE.items() if since <= minor))


SELINUX_TYPES = selinux_types(max(SELINUX_TYPES_SINCE))

# Container runtime sockets: whoever can talk to one controls every container on the node.
# /var/run is a symlink to /run on current distributions; `normalise_host_path` folds them.
RUNTIME_SOCKETS = (
    "/run/containerd/containerd.sock",  # AKS nodes
    "/run/docker.sock",
    "/run/crio/crio.sock",
    "/run/cri-dockerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/docker/containerd/containerd.sock",  # containerd started by dockerd
)

# Node files that hold cloud or cluster credentials on AKS nodes.
NODE_CREDENTIALS = (
    "/etc/kubernetes/azure.json",  # the cluster identity's credentials for Azure
    "/etc/kubernetes/certs",  # kubelet client certificate and key, cluster CA
    "/var/lib/kubelet/pki",
    "/var/lib/kubelet/kubeconfig",
    "/var/lib/waagent",  # VM agent provisioning data, certificates
)

# Host directories whose contents control the node, or expose other tenants' data.
SENSITIVE_HOST_PATHS = (
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/home",
    "/usr",
    "/lib",
    "/bin",
    "/sbin",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/run",
    "/run",
    "/var/lib/waagent",
)

# Files under sensitive directories that are commonly mounted and harmless when read-only.
HARMLESS_HOST_FILES = frozenset(
    {
        "/etc/localtime",
        "/etc/timezone",
        "/usr/share/zoneinfo",
        "/etc/ssl/certs",
        "/etc/pki/tls/certs",
        "/etc/ca-certificates",
        "/etc/machine-id",
        "/etc/os-release",
        "/run/xtables.lock",  # the iptables lock file network agents share with the node
    }
)


def normalise_host_path(path: str) -> str:
    """Absolute, without empty or `.` parts, and with /var/run folded into /run."""
    out = "/" + "/".join(p for p in path.split("/") if p and p != ".")
    if out == "/var/run" or out.startswith("/var/run/"):
        out = out[len("/var") :]
    return out


def covers(host_path: str, target: str) -> bool:
    """True when mounting `host_path` exposes `target` (equal, parent or inside)."""
    a, b = normalise_host_path(host_path), normalise_host_path(target)
    if a == "/" or a == b:
        return True
    return b.startswith(a + "/") or a.startswith(b + "/")


def exposes_parent_of(host_path: str, target: str) -> bool:
    """True when `host_path` is `target` or one of its parents (so it contains `target`)."""
    a, b = normalise_host_path(host_path), normalise_host_path(target)
    return a == "/" or a == b or b.startswith(a + "/")


# Well-known Linux port boundary: binding below it needs root or NET_BIND_SERVICE.
PRIVILEGED_PORT_LIMIT = 1024
