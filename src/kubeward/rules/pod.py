"""POD rules: container security context, host isolation, volumes and pod hygiene.

Every rule reads the EFFECTIVE security context (pod-level values inherited by containers,
container values overriding them), checks init and ephemeral containers too, and applies to
every kind that carries a pod.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from kubeward.catalogue import rule
from kubeward.findings import Severity, Violation
from kubeward.model.container import Container, Origin
from kubeward.model.image import parse_image
from kubeward.model.path import Path
from kubeward.model.security import (
    BASELINE_CAPABILITIES,
    BREAKOUT_CAPABILITIES,
    HARMLESS_HOST_FILES,
    NODE_CREDENTIALS,
    PRIVILEGED_PORT_LIMIT,
    RESTRICTED_VOLUME_TYPES,
    RUNTIME_SOCKETS,
    SAFE_SYSCTLS,
    SELINUX_TYPES,
    SENSITIVE_HOST_PATHS,
    capability_name,
    covers,
    exposes_parent_of,
    normalise_host_path,
    normalise_sysctl,
)
from kubeward.model.selector import matches as selector_matches
from kubeward.model.workload import Volume, Workload

# ============================================================================ 5.1 securityContext


@rule("POD101", severity=Severity.CRITICAL)
def privileged_container(c: Container) -> Iterator[Violation]:
    """Container runs privileged.

    A privileged container has every capability, sees every device of the node and runs
    without seccomp, AppArmor or SELinux confinement: it is root on the node.

    ## Why it matters
    Anyone who can run code in the container can load kernel modules, mount the node's disks
    and take over the node and every pod on it, including their service account tokens.

    ## Fix
    Remove `securityContext.privileged: true`. If the workload needs one specific kernel
    feature, grant only that capability (and review it with the cluster operator).

    ## References
    - seed 002 (AKS pod security), "리소스에 대한 pod 액세스 보안 유지" (secure pod access)
    - Pod Security Standards baseline: Privileged Containers
    - CIS AKS 1.8: 4.2.1
    - Other tools: kube-score container-security-context-privileged, Polaris runAsPrivileged,
      Checkov CKV_K8S_16, Trivy KSV017, Kubescape C-0057
    """
    s = c.security.privileged
    if s.value is True:
        yield c.violation_at(
            f"{c.label} runs privileged (securityContext.privileged: true)", s.path
        )


@rule("POD102", severity=Severity.MEDIUM)
def privilege_escalation_allowed(c: Container) -> Iterator[Violation]:
    """Container can gain more privileges than its parent process.

    Unless `allowPrivilegeEscalation` is `false`, a process in the container may gain
    privileges through setuid binaries or file capabilities (`no_new_privs` is not set).
    Kubernetes defaults it to true. Windows pods are exempt: the setting does not exist there.

    ## Why it matters
    Setuid binaries in the image (su, sudo, ping, mount helpers) become an easy path to root
    inside the container, and from root to the node's kernel attack surface.

    ## Fix
    Set `securityContext.allowPrivilegeEscalation: false` on every container (it has no
    pod-level equivalent). A privileged container or one with CAP_SYS_ADMIN can always
    escalate: remove those too.

    ## References
    - seed 002 (AKS pod security): "allowPrivilegeEscalation ... 항상 false로 설정" (always false)
    - Pod Security Standards restricted: Privilege Escalation
    - CIS AKS 1.8: 4.2.5
    - Other tools: Checkov CKV_K8S_20, Trivy KSV001, Kubescape C-0016, kube-linter
      privilege-escalation-container
    """
    if c.pod.is_windows:
        return
    s = c.security.allow_privilege_escalation
    if s.value is True:
        yield c.violation_at(f"{c.label} sets allowPrivilegeEscalation: true", s.path)
    elif s.value is None:
        yield c.violation_at(
            f"{c.label} does not set allowPrivilegeEscalation: false (the default allows it)",
            s.path,
        )
    elif c.security.privileged.value is True:
        yield c.violation_at(
            f"{c.label} sets allowPrivilegeEscalation: false and privileged: true, which the "
            "API server rejects",
            s.path,
        )
    elif any(
        capability_name(cap) in ("SYS_ADMIN", "ALL") for cap, _ in c.security.capabilities_add
    ):
        yield c.violation_at(
            f"{c.label} sets allowPrivilegeEscalation: false, but adds CAP_SYS_ADMIN, so it can "
            "escalate anyway",
            s.path,
        )


@rule("POD103", severity=Severity.MEDIUM)
def run_as_non_root_not_enforced(c: Container) -> Iterator[Violation]:
    """Container may run as root: nothing enforces a non-root user.

    Neither `runAsNonRoot: true` nor a non-zero `runAsUser` applies to the container, at
    container or pod level, so it runs as whatever user its image says: root, for most images.

    ## Why it matters
    Root in a container is root on the node's kernel with a thin layer of isolation; a
    container escape or a writable host mount becomes a node compromise.

    ## Fix
    Set `securityContext.runAsNonRoot: true` at pod level (it is inherited by every
    container) and a non-zero `runAsUser`, or build the image with a numeric non-root `USER`.
    Ports below 1024 then need a Service mapping to a higher container port.

    ## References
    - seed 002 (AKS pod security): run pods as a defined non-root user or group
    - seed 003 (cluster hardening), "최소 권한 보안 컨텍스트에서 컨테이너 실행" (least privilege)
    - Pod Security Standards restricted: Running as Non-root
    - CIS AKS 1.8: 4.2.6
    - Other tools: Checkov CKV_K8S_23, Trivy KSV012, Kubescape C-0013, kube-linter
      run-as-non-root, Polaris runAsRootAllowed
    """
    sc = c.security
    uid = sc.run_as_user
    if uid.value == 0:
        return  # POD104 reports an explicit root user
    if sc.run_as_non_root.value is True or (uid.value is not None and uid.value > 0):
        return
    if sc.run_as_non_root.value is False:
        yield c.violation_at(
            f"{c.label} sets runAsNonRoot: false and no non-root runAsUser", sc.run_as_non_root.path
        )
    else:
        yield c.violation_at(
            f"{c.label} does not set runAsNonRoot: true or a non-root runAsUser "
            "(container or pod level)",
            sc.run_as_non_root.path,
        )


@rule("POD104", severity=Severity.HIGH)
def runs_as_root_user(c: Container) -> Iterator[Violation]:
    """Container is configured to run as root (`runAsUser: 0`).

    The effective `runAsUser` (container value, else the pod's) is 0. If `runAsNonRoot: true`
    also applies, the kubelet refuses to start the container, which is a broken manifest.

    ## Why it matters
    An explicit root user defeats the image's own non-root `USER` and gives every process in
    the container root's power over the node kernel's attack surface.

    ## Fix
    Use a non-zero `runAsUser` (for example 10001), fix file ownership in the image, and set
    `runAsNonRoot: true`.

    ## References
    - seed 002 (AKS pod security): run as a defined user, not root
    - Pod Security Standards restricted: Running as Non-root user (v1.23+)
    - Other tools: Trivy KSV105, kube-score container-security-context-user-group-id
    """
    if c.pod.is_windows:
        return
    sc = c.security
    if sc.run_as_user.value == 0:
        extra = (
            "; with runAsNonRoot: true the container will not start"
            if sc.run_as_non_root.value is True
            else ""
        )
        where = "pod" if sc.run_as_user.origin is Origin.POD else "container"
        yield c.violation_at(
            f"{c.label} runs as root (runAsUser: 0 at {where} level){extra}", sc.run_as_user.path
        )


@rule("POD105", severity=Severity.LOW)
def low_user_or_group_id(c: Container) -> Iterator[Violation]:
    """Container runs with a user or group ID below 10000.

    Low IDs are likely to exist on the node too (system users, the first human users), so a
    process that escapes the container shares their identity on the host's files. Pods in
    their own user namespace (`hostUsers: false`) are exempt: their IDs are remapped.

    ## Why it matters
    With a high, unused UID and GID, an escaped process owns nothing on the node. This is a
    defence-in-depth measure on top of running as non-root.

    ## Fix
    Set `runAsUser` and `runAsGroup` to values of 10000 or more (for example 10001), at pod
    or container level, and build the image to work with them.

    ## References
    - seed 002 (AKS pod security): runAsUser and fsGroup, minimal user and group rights
    - Other tools: kube-score container-security-context-user-group-id, Checkov CKV_K8S_40,
      Trivy KSV020 and KSV021, kubesec RunAsUser/RunAsGroup
    """
    if c.pod.is_windows or c.pod.host_users is False:
        return
    for setting, what in (
        (c.security.run_as_user, "runAsUser"),
        (c.security.run_as_group, "runAsGroup"),
    ):
        value = setting.value
        if value is not None and 0 < value < 10000:
            yield c.violation_at(f"{c.label} uses {what}: {value} (below 10000)", setting.path)


@rule("POD106", severity=Severity.MEDIUM)
def runs_as_root_group(c: Container) -> Iterator[Violation]:
    """Container's primary group is root (`runAsGroup: 0`).

    Files on the node and in volumes that are group-root writable become writable for the
    container's processes, even when the user is not root.

    ## Why it matters
    Many system files are owned by group 0; a process in group root can read or change them
    after an escape, and can write to group-writable volumes it should not.

    ## Fix
    Set `runAsGroup` to a non-zero value (10000 or more), at pod or container level.

    ## References
    - seed 002 (AKS pod security): assign only the user and group rights needed
    - Other tools: Trivy KSV116, Kyverno require-non-root-groups, Gatekeeper users
    """
    if c.pod.is_windows:
        return
    s = c.security.run_as_group
    if s.value == 0:
        yield c.violation_at(f"{c.label} runs with runAsGroup: 0 (root group)", s.path)


@rule("POD107", severity=Severity.MEDIUM)
def root_supplementary_group(w: Workload) -> Iterator[Violation]:
    """Pod adds the root group through `fsGroup` or `supplementalGroups`.

    `fsGroup: 0` makes volumes group-owned by root and adds group 0 to every container's
    processes; `supplementalGroups` containing 0 does the same without the volume change.

    ## Why it matters
    Membership in group 0 gives read, and often write, access to root-group files in volumes
    and on the node after an escape.

    ## Fix
    Use a non-zero `fsGroup` (10000 or more) and remove 0 from `supplementalGroups`.

    ## References
    - seed 002 (AKS pod security): runAsUser and fsGroup with minimal rights
    - Other tools: Trivy KSV116, Gatekeeper fsgroup, Kyverno require-non-root-groups
    """
    if w.pod.is_windows:
        return
    if w.pod.fs_group == 0:
        yield w.pod_violation("pod sets fsGroup: 0 (root group)", "securityContext.fsGroup")
    for gid, path in w.pod.supplemental_groups:
        if gid == 0:
            yield w.violation("pod adds group 0 (root) in supplementalGroups", path)


@rule("POD108", severity=Severity.LOW)
def writable_root_filesystem(c: Container) -> Iterator[Violation]:
    """Container's root filesystem is writable.

    `readOnlyRootFilesystem` is not `true`, so processes can change the image's files:
    binaries, libraries and configuration.

    ## Why it matters
    An attacker who gets code execution can drop tools, modify binaries and persist in the
    container. A read-only root makes the image immutable at run time.

    ## Fix
    Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` where the
    application must write (for example `/tmp`).

    ## References
    - seed 003 (cluster hardening): least-privilege security context
    - Other tools: Checkov CKV_K8S_22, Trivy KSV014, Kubescape C-0017, kube-linter
      no-read-only-root-fs, Polaris notReadOnlyRootFilesystem
    """
    if c.pod.is_windows:
        return
    s = c.security.read_only_root_filesystem
    if s.value is not True:
        state = "false" if s.value is False else "not set"
        yield c.violation_at(
            f"{c.label} has a writable root filesystem (readOnlyRootFilesystem {state})", s.path
        )


@rule("POD109", severity=Severity.MEDIUM)
def capabilities_not_dropped(c: Container) -> Iterator[Violation]:
    """Container keeps the runtime's default capabilities (does not drop ALL).

    Container runtimes grant a default set of Linux capabilities, including NET_RAW (packet
    spoofing inside the node's network), CHOWN, DAC_OVERRIDE, SETUID and others, unless the
    container drops them.

    ## Why it matters
    Most applications need none of them. Every capability kept widens what an attacker can do
    after compromising the process, such as ARP or DNS spoofing with NET_RAW.

    ## Fix
    Set `securityContext.capabilities.drop: ["ALL"]` and add back only what is needed, which
    for most network servers is at most `NET_BIND_SERVICE`.

    ## References
    - seed 002 (AKS pod security): assign the minimum Linux capabilities needed
    - Pod Security Standards restricted: Capabilities
    - CIS AKS 1.8: 4.2.8 (minimise containers with capabilities assigned)
    - Other tools: Checkov CKV_K8S_37, Trivy KSV003, Kubescape C-0201, kube-linter
      drop-net-raw-capability
    """
    if c.pod.is_windows:
        return
    drops = {capability_name(d) for d in c.security.capabilities_drop}
    if "ALL" not in drops:
        yield c.violation_at(
            f'{c.label} does not drop ALL capabilities (capabilities.drop: ["ALL"])',
            c.security.capabilities_path,
        )


@rule("POD110", severity=Severity.HIGH)
def dangerous_capability_added(c: Container) -> Iterator[Violation]:
    """Container adds a capability beyond the Pod Security Standards' baseline set.

    Adding capabilities outside the runtime's default set (without NET_RAW) gives the
    container kernel powers ordinary workloads never need: SYS_ADMIN, NET_ADMIN, SYS_PTRACE,
    SYS_MODULE, NET_RAW, ALL and others.

    ## Why it matters
    Several of these are direct container escapes (SYS_ADMIN, SYS_MODULE, SYS_PTRACE,
    DAC_READ_SEARCH); NET_ADMIN and NET_RAW let the pod tamper with node networking.

    ## Fix
    Remove the capability from `securityContext.capabilities.add`. If it is truly needed,
    isolate the workload (dedicated node pool, no other tenants) and document an exemption.

    ## References
    - seed 002 (AKS pod security): "Linux 기능 ... 최소 권한 수를 할당" (minimum capabilities)
    - Pod Security Standards baseline: Capabilities
    - CIS AKS 1.8: 4.2.7 (minimise added capabilities), 4.2.9 (NET_RAW)
    - Other tools: Checkov CKV_K8S_25, CKV_K8S_28, CKV_K8S_39, Trivy KSV005, KSV022,
      Kubescape C-0046, Polaris dangerousCapabilities
    """
    if c.pod.is_windows:
        return
    for cap, path in c.security.capabilities_add:
        name = capability_name(cap)
        if name not in BASELINE_CAPABILITIES:
            kind = (
                "breaks container isolation"
                if name in BREAKOUT_CAPABILITIES
                else ("is not in the baseline set")
            )
            yield c.violation_at(f"{c.label} adds capability {cap} ({kind})", path)


@rule("POD111", severity=Severity.LOW)
def capability_added(c: Container) -> Iterator[Violation]:
    """Container adds a default capability other than NET_BIND_SERVICE.

    The restricted Pod Security Standard allows adding only NET_BIND_SERVICE after dropping
    ALL. Adding back CHOWN, SETUID, DAC_OVERRIDE and the like undoes part of the drop.

    ## Why it matters
    These capabilities let root in the container bypass file permissions and change
    identities, which is rarely needed by an application and useful to an attacker.

    ## Fix
    Remove the capability from `capabilities.add`, or fix the image so it does not need it.

    ## References
    - seed 002 (AKS pod security): assign the minimum capabilities needed
    - Pod Security Standards restricted: Capabilities (v1.22+)
    - Other tools: Trivy KSV106, Kyverno disallow-capabilities-strict
    """
    if c.pod.is_windows:
        return
    for cap, path in c.security.capabilities_add:
        name = capability_name(cap)
        if name in BASELINE_CAPABILITIES and name != "NET_BIND_SERVICE":
            yield c.violation_at(
                f"{c.label} adds capability {cap} (restricted allows only NET_BIND_SERVICE)", path
            )


def _seccomp_annotation(c: Container) -> tuple[str, str] | None:
    for key in (
        f"container.seccomp.security.alpha.kubernetes.io/{c.name}",
        "seccomp.security.alpha.kubernetes.io/pod",
    ):
        value = c.pod.annotations.get(key)
        if value is not None:
            return key, value
    return None


@rule("POD112", severity=Severity.HIGH)
def seccomp_unconfined(c: Container) -> Iterator[Violation]:
    """Container explicitly disables seccomp (`Unconfined`).

    The `seccompProfile.type` that applies to the container (container level, else pod
    level) is `Unconfined`, so every system call of the kernel is available to it.

    ## Why it matters
    Seccomp's runtime default profile blocks system calls used in many kernel exploits and
    container escapes. Turning it off removes that layer for no functional gain in almost
    every application.

    ## Fix
    Set `seccompProfile.type: RuntimeDefault` (or `Localhost` with a reviewed profile) at pod
    level, and remove the `Unconfined` override.

    ## References
    - seed 002 (AKS pod security): AppArmor and seccomp restrict access further
    - Pod Security Standards baseline: Seccomp
    - Other tools: Checkov CKV_K8S_31, Trivy KSV104, kubesec SeccompUnconfined, Kubescape C-0210
    """
    if c.pod.is_windows:
        return
    s = c.security.seccomp_type
    if s.value == "Unconfined":
        yield c.violation_at(f"{c.label} runs with seccomp profile Unconfined", s.path)


@rule("POD113", severity=Severity.MEDIUM)
def seccomp_profile_not_set(c: Container) -> Iterator[Violation]:
    """No seccomp profile applies to the container.

    Neither the container nor the pod sets `seccompProfile`. Unless every node's kubelet runs
    with `seccompDefault` enabled (off by default, also on AKS), the container runs
    `Unconfined`. The old `seccomp.security.alpha.kubernetes.io` annotations are ignored by
    current Kubernetes and do not count.

    ## Why it matters
    Without a profile every system call is reachable, including those that kernel exploits
    and escapes rely on.

    ## Fix
    Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level.

    ## References
    - seed 002 (AKS pod security): seccomp restricts container access
    - Pod Security Standards restricted: Seccomp (v1.19+)
    - CIS AKS 1.8 (Kubescape numbering): 4.7.2 apply security context
    - Other tools: Checkov CKV_K8S_31, Trivy KSV030, Kubescape C-0210, Polaris linuxHardening
    """
    if c.pod.is_windows:
        return
    s = c.security.seccomp_type
    if s.value is None:
        note = ""
        legacy = _seccomp_annotation(c)
        if legacy is not None:
            note = f" (annotation {legacy[0]} is no longer honoured; use the field)"
        yield c.violation_at(f"{c.label} has no seccomp profile{note}", s.path)


@rule("POD114", severity=Severity.HIGH)
def apparmor_unconfined(c: Container) -> Iterator[Violation]:
    """Container runs without AppArmor confinement.

    The AppArmor profile that applies (the container's `appArmorProfile`, the legacy
    `container.apparmor.security.beta.kubernetes.io/<name>` annotation, or the pod's
    profile) is `Unconfined`, or an unknown value.

    ## Why it matters
    On AKS Linux nodes the container runtime confines every container with its default
    AppArmor profile, which denies writes to sensitive `/proc` and `/sys` files and mounting.
    Unconfined removes that protection.

    ## Fix
    Remove the `Unconfined` profile, or set `appArmorProfile.type: RuntimeDefault` (or
    `Localhost` with a reviewed profile).

    ## References
    - seed 002 (AKS pod security): AppArmor restricts container access
    - Pod Security Standards baseline: AppArmor
    - Other tools: Trivy KSV002, kubesec ApparmorAny, Kubescape C-0055, kubeaudit apparmor
    """
    if c.pod.is_windows:
        return
    s = c.security.apparmor_type
    if s.value is not None and s.value not in ("RuntimeDefault", "Localhost"):
        yield c.violation_at(f"{c.label} uses AppArmor profile {s.value}", s.path)


@rule("POD115", severity=Severity.MEDIUM)
def selinux_options_unsafe(c: Container) -> Iterator[Violation]:
    """Container requests a custom SELinux user, role or a privileged SELinux type.

    `seLinuxOptions.type` must be empty or one of the container types (`container_t`,
    `container_init_t`, `container_kvm_t`, `container_engine_t`), and `user` and `role`
    must not be set. Other labels can lift the SELinux confinement of the container.

    ## Why it matters
    A type such as `spc_t` (super-privileged container) or `unconfined_t` disables the
    mandatory access control that keeps containers away from host files.

    ## Fix
    Remove `seLinuxOptions`, or keep only `level` (MCS categories) and an allowed `type`.

    ## References
    - seed 002 (AKS pod security): SELinux labels, assign the minimum rights
    - Pod Security Standards baseline: SELinux
    - Other tools: Trivy KSV025, Kyverno disallow-selinux, Gatekeeper selinux
    """
    if c.pod.is_windows:
        return
    s = c.security.se_linux_options
    opts: Mapping[str, Any] = s.value or {}
    se_type = opts.get("type")
    if isinstance(se_type, str) and se_type not in SELINUX_TYPES:
        yield c.violation_at(f"{c.label} sets SELinux type {se_type}", s.path + ("type",))
    for field in ("user", "role"):
        value = opts.get(field)
        if isinstance(value, str) and value:
            yield c.violation_at(f"{c.label} sets SELinux {field} {value}", s.path + (field,))


@rule("POD116", severity=Severity.HIGH)
def unmasked_proc_mount(c: Container) -> Iterator[Violation]:
    """Container mounts `/proc` unmasked outside a user namespace.

    The runtime normally masks and makes read-only parts of `/proc` that expose the host
    kernel (`/proc/kcore`, `/proc/sys`, ...). `procMount: Unmasked` removes those
    protections. Pods in their own user namespace (`hostUsers: false`) are exempt: there
    root in the container is an unprivileged user on the node, and the baseline Pod Security
    Standard allows it (the restricted one still does not; see `kubeward pss`).

    ## Why it matters
    Unmasked `/proc` in the node's user namespace lets the container read kernel memory
    layouts and change kernel settings. Kubernetes 1.30 and later reject such a pod; older
    clusters run it.

    ## Fix
    Remove `procMount` or set it to `Default`; for nested container builds, run the pod with
    `hostUsers: false`.

    ## References
    - seed 002 (AKS pod security): limit access to node processes
    - Pod Security Standards baseline: /proc Mount Type
    - Other tools: Trivy KSV027, kube-linter unsafe-proc-mount, Polaris procMount
    """
    if c.pod.is_windows or c.pod.host_users is False:
        return
    s = c.security.proc_mount
    if s.value is not None and s.value != "Default":
        yield c.violation_at(
            f"{c.label} sets procMount: {s.value} without a user namespace (hostUsers: false)",
            s.path,
        )


@rule("POD117", severity=Severity.HIGH)
def unsafe_sysctl(w: Workload) -> Iterator[Violation]:
    """Pod sets a sysctl that is not in the safe, namespaced set.

    Only a short list of sysctls is isolated per pod (see the Pod Security Standards); others
    change the node's kernel for every pod, or are refused by the kubelet.

    ## Why it matters
    An unsafe sysctl can weaken the node for all tenants (for example kernel.* memory or
    networking limits) or let one pod starve the others.

    ## Fix
    Remove the sysctl. If it is required, ask the cluster operator to allow it on a dedicated
    node pool (kubelet `allowedUnsafeSysctls`) and isolate the workload there.

    ## References
    - seed 002 (AKS pod security): limit access to the node's processes and services
    - Pod Security Standards baseline: Sysctls
    - Other tools: Trivy KSV026, kube-linter unsafe-sysctls, Gatekeeper forbidden-sysctls
    """
    for sysctl in w.pod.sysctls:
        name = normalise_sysctl(sysctl.name)
        if name not in SAFE_SYSCTLS:
            yield w.violation(f"pod sets unsafe sysctl {sysctl.name}", sysctl.path)
        elif name != sysctl.name:
            yield w.violation(
                f"pod sets sysctl {sysctl.name} with slashes; the kubelet accepts it as {name}, "
                "but Pod Security Admission rejects the spelling",
                sysctl.path,
            )


@rule("POD118", severity=Severity.CRITICAL)
def windows_host_process(c: Container) -> Iterator[Violation]:
    """Windows container runs as a HostProcess container.

    `windowsOptions.hostProcess: true` (container level, or inherited from the pod) runs the
    process directly on the Windows node, with the node's network and file system.

    ## Why it matters
    A HostProcess container is not isolated at all: it is equivalent to a privileged Linux
    container with host namespaces.

    ## Fix
    Remove `hostProcess: true`. Node management tasks belong to a dedicated, tightly
    controlled namespace with an exemption.

    ## References
    - seed 000 (AKS security concepts): Windows Server nodes
    - Pod Security Standards baseline: HostProcess
    - Other tools: Trivy KSV103, Kubescape C-0202, Polaris hostProcess
    """
    s = c.security.windows_host_process
    if s.value is True:
        yield c.violation_at(f"{c.label} runs as a Windows HostProcess container", s.path)


@rule("POD119", severity=Severity.INFO)
def user_namespace_not_used(w: Workload) -> Iterator[Violation]:
    """Pod shares the node's user namespace (`hostUsers` is not `false`).

    With `hostUsers: false` (Kubernetes 1.30+ with user namespace support on the nodes), root
    in the pod is mapped to an unprivileged user on the node.

    ## Why it matters
    User namespaces turn many container escapes into harmless unprivileged access. The
    feature needs node support; where it is available it is the strongest pod isolation
    short of a sandbox.

    ## Fix
    Set `spec.hostUsers: false` where the nodes support it and the workload does not need
    host namespaces.

    ## References
    - Kubernetes docs: User Namespaces
    - Other tools: kubesec HostUsers
    """
    if w.pod.is_windows or w.pod.host_network or w.pod.host_pid or w.pod.host_ipc:
        return
    if w.pod.host_users is not False:
        yield w.pod_violation("pod does not use a user namespace (hostUsers: false)", "hostUsers")


@rule("POD120", severity=Severity.LOW)
def security_context_missing(c: Container) -> Iterator[Violation]:
    """Neither the container nor its pod defines a security context.

    All security settings are left at Kubernetes' permissive defaults.

    ## Why it matters
    A missing `securityContext` is the clearest sign that nobody decided how the workload
    should be confined; every other default (root user, privilege escalation, all default
    capabilities, no seccomp) then applies.

    ## Fix
    Add a pod-level `securityContext` (runAsNonRoot, runAsUser, seccompProfile) and a
    container-level one (allowPrivilegeEscalation: false, capabilities.drop: ["ALL"],
    readOnlyRootFilesystem: true).

    ## References
    - seed 003 (cluster hardening): run containers with a least-privilege security context
    - CIS AKS 1.8: 4.6.2 apply security context to pods and containers
    - Other tools: Checkov CKV_K8S_29, CKV_K8S_30, Trivy KSV118, Kubescape C-0211
    """
    if not c.security.defined and not c.pod.security_context:
        yield c.violation(f"{c.label} has no securityContext, and neither has its pod")


@rule("POD121", severity=Severity.LOW)
def privileged_port(c: Container) -> Iterator[Violation]:
    """Container listens on a port below 1024.

    Binding to a privileged port needs root or NET_BIND_SERVICE inside the container.

    ## Why it matters
    A non-root container cannot bind below 1024; declaring such a port usually means the
    image runs as root. A Service can map port 80 to a high container port instead.

    ## Fix
    Make the application listen on a port of 1024 or more and let the Service expose the
    well-known port (`port: 80`, `targetPort: 8080`).

    ## References
    - seed 002 (AKS pod security): "루트가 아닌 사용자 권한으로 실행하면 ... 1024 미만의 권한 있는
      포트에 바인딩할 수 없습니다" (non-root cannot bind below 1024; use a Service)
    - Other tools: kube-linter privileged-ports, Trivy KSV117
    """
    if c.pod.is_windows:
        return
    for port in c.ports:
        if port.container_port is not None and 0 < port.container_port < PRIVILEGED_PORT_LIMIT:
            yield c.violation_at(
                f"{c.label} listens on privileged port {port.container_port}",
                port.path + ("containerPort",),
            )


# ============================================================================ 5.2 host isolation


@rule("POD201", severity=Severity.HIGH)
def host_network(w: Workload) -> Iterator[Violation]:
    """Pod uses the node's network namespace (`hostNetwork: true`).

    The pod sees every interface of the node, can bind any node port, and is not subject to
    NetworkPolicies.

    ## Why it matters
    A host-network pod can sniff or spoof node traffic, reach the kubelet and the instance
    metadata endpoint (169.254.169.254) from the node's identity, and bypass network policy.

    ## Fix
    Remove `hostNetwork: true`; expose the application with a Service instead.

    ## References
    - seed 002 (AKS pod security): limit access to the underlying node
    - Pod Security Standards baseline: Host Namespaces
    - CIS AKS 1.8: 4.2.4
    - Other tools: Checkov CKV_K8S_19, Trivy KSV009, Kubescape C-0041, kube-linter host-network
    """
    if w.pod.host_network:
        yield w.pod_violation("pod uses the host network (hostNetwork: true)", "hostNetwork")


@rule("POD202", severity=Severity.HIGH)
def host_pid(w: Workload) -> Iterator[Violation]:
    """Pod shares the node's process namespace (`hostPID: true`).

    Every process of the node, and of every other pod, is visible to the pod.

    ## Why it matters
    With host PID, a container can read other processes' environment and memory maps, signal
    them, and with ptrace rights inject code into them.

    ## Fix
    Remove `hostPID: true`.

    ## References
    - seed 002 (AKS pod security): limit access to node processes and services
    - Pod Security Standards baseline: Host Namespaces
    - CIS AKS 1.8: 4.2.2
    - Other tools: Checkov CKV_K8S_17, Trivy KSV010, Kubescape C-0038, kube-linter host-pid
    """
    if w.pod.host_pid:
        yield w.pod_violation("pod shares the host process namespace (hostPID: true)", "hostPID")


@rule("POD203", severity=Severity.HIGH)
def host_ipc(w: Workload) -> Iterator[Violation]:
    """Pod shares the node's IPC namespace (`hostIPC: true`).

    Shared memory segments and message queues of the node and of other host-IPC pods become
    readable and writable.

    ## Why it matters
    Data in shared memory of other processes can be read or tampered with.

    ## Fix
    Remove `hostIPC: true`.

    ## References
    - seed 002 (AKS pod security): limit access to node processes and services
    - Pod Security Standards baseline: Host Namespaces
    - CIS AKS 1.8: 4.2.3
    - Other tools: Checkov CKV_K8S_18, Trivy KSV008, Kubescape C-0038, kube-linter host-ipc
    """
    if w.pod.host_ipc:
        yield w.pod_violation("pod shares the host IPC namespace (hostIPC: true)", "hostIPC")


@rule("POD204", severity=Severity.MEDIUM)
def host_port(c: Container) -> Iterator[Violation]:
    """Container binds a port on the node (`hostPort`).

    The port is opened on the node's IP address, outside Services and NetworkPolicies, and
    limits where the pod can be scheduled.

    ## Why it matters
    A hostPort exposes the container on the node network directly, bypassing network policy,
    and it can shadow other node services.

    ## Fix
    Remove `hostPort` and expose the container through a Service.

    ## References
    - seed 001 (AKS network): expose only the traffic a workload needs
    - Pod Security Standards baseline: Host Ports
    - Other tools: Checkov CKV_K8S_26, Trivy KSV024, Kubescape C-0044, Polaris hostPortSet
    """
    for port in c.ports:
        if port.host_port:
            yield c.violation_at(
                f"{c.label} binds host port {port.host_port}", port.path + ("hostPort",)
            )


def _host_paths(w: Workload) -> Iterator[tuple[Volume, str]]:
    for v in w.pod.volumes:
        if v.type == "hostPath":
            path = v.source.get("path")
            if isinstance(path, str):
                yield v, path


@rule("POD205", severity=Severity.MEDIUM)
def host_path_volume(w: Workload) -> Iterator[Violation]:
    """Pod mounts a directory or file of the node (`hostPath` volume).

    A hostPath volume gives the pod direct access to the node's file system, outside any
    storage abstraction.

    ## Why it matters
    Host files are shared with the node and other pods; writable host mounts are a classic
    escape path, and even read-only ones leak node data. More specific rules flag the
    dangerous paths (POD206, POD208, POD212) and writable mounts (POD207).

    ## Fix
    Use a PersistentVolumeClaim, `emptyDir`, ConfigMap or Secret instead. Node agents that
    truly need host files belong in a dedicated namespace with an exemption.

    ## References
    - seed 002 (AKS pod security): limit access to the underlying node
    - Pod Security Standards baseline: HostPath Volumes
    - Other tools: Trivy KSV023, Kubescape C-0048, Polaris hostPathSet, kube-linter
      sensitive-host-mounts
    """
    for v, path in _host_paths(w):
        yield w.violation(f'volume "{v.name}" mounts host path {path}', v.path + ("hostPath",))


@rule("POD206", severity=Severity.HIGH)
def sensitive_host_path(w: Workload) -> Iterator[Violation]:
    """Pod mounts a sensitive directory of the node.

    The hostPath is, contains or lies inside a directory that controls the node: `/`, `/etc`,
    `/proc`, `/sys`, `/dev`, `/root`, `/var/lib/kubelet`, `/var/run`, the container runtime's
    state directories and others. A few harmless files (time zone, CA bundles) are exempt.

    ## Why it matters
    These paths hold node configuration, credentials and kernel interfaces; access to them,
    even read-only, often leads to node takeover.

    ## Fix
    Remove the mount, or narrow it to the single file that is needed, mounted read-only.

    ## References
    - seed 002 (AKS pod security): limit access to the underlying node
    - Other tools: kube-linter sensitive-host-mounts, Trivy KSV121, Kubescape C-0045,
      Kyverno limit-hostpath-vols
    """
    for v, path in _host_paths(w):
        norm = normalise_host_path(path)
        if any(exposes_parent_of(h, norm) for h in HARMLESS_HOST_FILES):
            continue
        if any(covers(norm, s) for s in SENSITIVE_HOST_PATHS):
            yield w.violation(
                f'volume "{v.name}" mounts sensitive host path {path}',
                v.path + ("hostPath", "path"),
            )


@rule("POD207", severity=Severity.HIGH)
def writable_host_path(c: Container) -> Iterator[Violation]:
    """Container mounts a hostPath volume writable.

    The volume mount does not set `readOnly: true`, so the container can change files on the
    node.

    ## Why it matters
    Writing to the node's file system is one of the most direct container escapes (cron jobs,
    systemd units, kubelet configuration, binaries).

    ## Fix
    Set `readOnly: true` on the volume mount, or remove the hostPath volume.

    ## References
    - seed 002 (AKS pod security): limit access to the underlying node
    - Other tools: kube-linter writable-host-mount, Kyverno ensure-readonly-hostpath,
      Kubescape C-0045
    """
    host_volumes = {v.name: v for v in c.pod.volumes if v.type == "hostPath"}
    for m in c.volume_mounts:
        v = host_volumes.get(m.name)
        if v is not None and not m.read_only:
            path = v.source.get("path", "?")
            yield c.violation_at(
                f'{c.label} mounts host path {path} writable (volume "{m.name}")', m.path
            )


@rule("POD208", severity=Severity.CRITICAL)
def container_runtime_socket(w: Workload) -> Iterator[Violation]:
    """Pod mounts the container runtime's socket.

    The hostPath is a container runtime socket (Docker, containerd, CRI-O) or a directory
    that contains one.

    ## Why it matters
    Whoever talks to the runtime socket can start privileged containers on the node, read
    every container's file system and environment: full node takeover.

    ## Fix
    Remove the mount. Build images with a rootless builder (BuildKit rootless, Kaniko) and
    collect container data through the Kubernetes API instead.

    ## References
    - seed 002 (AKS pod security): limit access to node processes and services
    - Other tools: Checkov CKV_K8S_27, Trivy KSV006, Kubescape C-0074, kube-linter docker-sock
    """
    for v, path in _host_paths(w):
        sockets = [s for s in RUNTIME_SOCKETS if exposes_parent_of(path, s)]
        if sockets:
            yield w.violation(
                f'volume "{v.name}" mounts host path {path}, which exposes the '
                f"container runtime socket {sockets[0]}",
                v.path + ("hostPath", "path"),
            )


@rule("POD209", severity=Severity.LOW)
def non_restricted_volume_type(w: Workload) -> Iterator[Violation]:
    """Pod uses a volume type outside the restricted Pod Security Standard's list.

    The restricted standard allows configMap, csi, downwardAPI, emptyDir, ephemeral,
    persistentVolumeClaim, projected, secret (and image). Other in-tree types (nfs, iscsi,
    gitRepo, flexVolume, ...) bypass the storage admission controls. hostPath has its own rules.

    ## Why it matters
    Direct volume types let a pod author choose arbitrary storage endpoints and drivers, which
    the cluster operator cannot review through PersistentVolume and StorageClass objects.
    `gitRepo` runs git on the node (CVE-2018-11235, CVE-2024-10220).

    ## Fix
    Use a PersistentVolumeClaim bound to a reviewed StorageClass or PersistentVolume.

    ## References
    - Pod Security Standards restricted: Volume Types
    - Other tools: Trivy KSV028, Gatekeeper volumes, flexvolume-drivers
    """
    for v in w.pod.volumes:
        if v.type and v.type != "hostPath" and v.type not in RESTRICTED_VOLUME_TYPES:
            yield w.violation(f'volume "{v.name}" uses volume type {v.type}', v.path + (v.type,))


@rule("POD210", severity=Severity.LOW)
def host_aliases(w: Workload) -> Iterator[Violation]:
    """Pod overrides name resolution with `hostAliases`.

    Entries are written into the pod's `/etc/hosts`, ahead of cluster DNS.

    ## Why it matters
    Hard-coded host entries can silently redirect traffic for a name (a lookalike of an
    internal service, a package registry) and hide from DNS-based monitoring.

    ## Fix
    Use DNS (a Service, an ExternalName Service or a private DNS zone) instead.

    ## References
    - Other tools: Trivy KSV007, kubesec HostAliases
    """
    if w.pod.spec.get("hostAliases"):
        yield w.pod_violation("pod sets hostAliases (/etc/hosts entries)", "hostAliases")


_HANDLERS = ("livenessProbe", "readinessProbe", "startupProbe")


def _handler_hosts(c: Container) -> Iterator[tuple[str, Path]]:
    raw = c.raw
    places: list[tuple[Mapping[str, Any], Path]] = []
    for key in _HANDLERS:
        probe = raw.get(key)
        if isinstance(probe, Mapping):
            places.append((probe, (key,)))
    lifecycle = raw.get("lifecycle")
    if isinstance(lifecycle, Mapping):
        for key in ("postStart", "preStop"):
            handler = lifecycle.get(key)
            if isinstance(handler, Mapping):
                places.append((handler, ("lifecycle", key)))
    for handler, at in places:
        for action in ("httpGet", "tcpSocket"):
            spec = handler.get(action)
            if isinstance(spec, Mapping) and spec.get("host"):
                yield str(spec["host"]), at + (action, "host")


@rule("POD211", severity=Severity.MEDIUM)
def probe_or_lifecycle_host(c: Container) -> Iterator[Violation]:
    """A probe or lifecycle handler targets another host.

    `httpGet.host` or `tcpSocket.host` in a probe or lifecycle hook makes the kubelet, from
    the node's network, connect to the given address.

    ## Why it matters
    The kubelet becomes a proxy: a pod author can make the node reach addresses the pod itself
    cannot (the instance metadata endpoint, node-local services, other networks).

    ## Fix
    Remove `host` so the kubelet probes the pod's own IP.

    ## References
    - Pod Security Standards baseline: Probes and lifecycle handlers (v1.34+)
    - Other tools: Gatekeeper host-probes-lifecycle
    """
    for host, at in _handler_hosts(c):
        yield c.violation(
            f"{c.label} has a probe or lifecycle handler that targets host {host}", at
        )


@rule("POD212", severity=Severity.CRITICAL)
def node_credentials_mount(w: Workload) -> Iterator[Violation]:
    """Pod mounts node credential files (azure.json, kubelet certificates).

    The hostPath exposes `/etc/kubernetes/azure.json` (the cluster identity's Azure
    credentials), the kubelet's client certificates or kubeconfig, or the VM agent's data.

    ## Why it matters
    These files authenticate the node to Azure and to the API server; a pod that reads them
    can act as the node or as the cluster's managed identity.

    ## Fix
    Remove the mount. Give the workload its own Entra workload identity instead.

    ## References
    - seed 000 (AKS security concepts): node security
    - CIS AKS 1.8: 3.1.3 and 3.1.4 (azure.json permissions and ownership)
    - Other tools: Kubescape C-0020
    """
    for v, path in _host_paths(w):
        hits = [t for t in NODE_CREDENTIALS if covers(path, t)]
        if hits:
            yield w.violation(
                f'volume "{v.name}" mounts host path {path}, which exposes '
                f"node credentials ({hits[0]})",
                v.path + ("hostPath", "path"),
            )


# ============================================================================ 5.11 hygiene


@rule("POD301", severity=Severity.INFO)
def missing_app_labels(w: Workload) -> Iterator[Violation]:
    """Workload's pods have no `app.kubernetes.io/name` or `app` label.

    Labels identify what a workload is, which team owns it, and which NetworkPolicies and
    Services select it. Only the pod's labels count (the pod template's, for controllers):
    those are what selectors see.

    ## Why it matters
    Unlabelled pods are hard to select precisely in NetworkPolicies and hard to attribute
    during an incident.

    ## Fix
    Add the recommended labels (`app.kubernetes.io/name`, `app.kubernetes.io/part-of`, ...)
    to the object and its pod template.

    ## References
    - Kubernetes docs: Recommended Labels
    - Other tools: kube-score label-values, kube-linter required-label-owner, Gatekeeper
      requiredlabels
    """
    labels = w.pod.labels  # what Services and NetworkPolicies select
    if "app.kubernetes.io/name" not in labels and "app" not in labels:
        yield w.violation("pods have no app.kubernetes.io/name or app label", w.pod.meta_path)


@rule("POD302", severity=Severity.HIGH)
def helm_tiller(c: Container) -> Iterator[Violation]:
    """Container runs Helm v2's Tiller server.

    Tiller, removed with Helm 3, ran in the cluster with cluster-admin rights and an
    unauthenticated gRPC port by default.

    ## Why it matters
    Any pod that can reach Tiller's port can install anything in the cluster.

    ## Fix
    Remove Tiller and migrate to Helm 3.

    ## References
    - Other tools: Checkov CKV_K8S_34, Trivy KSV102, Kyverno disallow-helm-tiller
    """
    if c.image and parse_image(c.image).repository.rsplit("/", 1)[-1] == "tiller":
        yield c.violation(f"{c.label} runs Helm Tiller ({c.image})", "image")


_SUDO = re.compile(r"(^|[\s;&|/])sudo(\s|$)")


@rule("POD303", severity=Severity.MEDIUM)
def sudo_in_command(c: Container) -> Iterator[Violation]:
    """Container's command uses `sudo`.

    A command that calls sudo expects to gain root inside the container, which only works
    when privilege escalation and setuid binaries are available.

    ## Why it matters
    The container is built to escalate privileges; that design defeats non-root and
    no-privilege-escalation settings.

    ## Fix
    Run the command with the user that needs it, and remove sudo from the image.

    ## References
    - Other tools: Kubescape C-0062
    """
    for key, words in (("command", c.command), ("args", c.args)):
        for i, word in enumerate(words):
            if _SUDO.search(word):
                yield c.violation(f"{c.label} calls sudo in its {key}", (key, i))
                return


@rule("POD304", severity=Severity.LOW)
def duplicate_env_var(c: Container) -> Iterator[Violation]:
    """Container defines the same environment variable more than once.

    Only the last definition takes effect; earlier ones are silently ignored.

    ## Why it matters
    A reviewer reading the first definition is misled about the value the process gets, which
    hides configuration changes, including security-relevant ones.

    ## Fix
    Keep one definition per name.

    ## References
    - Other tools: kube-score environment-variable-key-duplication, kube-linter
      duplicate-env-var, Kubescape C-0295
    """
    seen: set[str] = set()
    for env in c.env:
        if env.name in seen:
            yield c.violation_at(
                f"{c.label} defines environment variable {env.name} again; the earlier "
                "definition is ignored",
                env.path,
            )
        seen.add(env.name)


def _job_selector(w: Workload) -> Iterator[Violation]:
    """Jobs generate their selector; a hand-written one is refused unless manualSelector is
    true, and a CronJob's job template may not carry one at all."""
    if w.selector is None:
        return
    if w.resource.kind == "CronJob":
        yield w.violation(
            "the job template sets a selector, which the API server refuses (it is generated)",
            w.selector_path,
        )
        return
    job_spec = w.resource.raw.get("spec")
    manual = isinstance(job_spec, Mapping) and job_spec.get("manualSelector") is True
    if not manual:
        yield w.violation(
            "the Job sets a selector without manualSelector: true, which the API server refuses",
            w.selector_path,
        )
    elif selector_matches(w.selector, w.pod.labels) is False:
        yield w.violation("spec.selector does not match the pod template's labels", w.selector_path)


@rule("POD305", severity=Severity.MEDIUM)
def selector_mismatch(w: Workload) -> Iterator[Violation]:
    """Workload's selector does not match its own pod template's labels.

    For Deployments, StatefulSets, DaemonSets, ReplicaSets and Rollouts the API server
    rejects such an object; for others the controller loses track of its pods. Jobs generate
    their selector: a hand-written one needs `manualSelector: true`, and a CronJob's job
    template may not carry one at all.

    ## Why it matters
    The manifest will not apply, or will manage pods it did not create, which breaks
    rollouts and the NetworkPolicies and Services written against those labels.

    ## Fix
    Make `spec.selector.matchLabels` a subset of `spec.template.metadata.labels`.

    ## References
    - Other tools: kube-score pod-selector-labels-match-template-metadata-labels,
      kube-linter mismatching-selector, Kubescape C-0296
    """
    if w.resource.kind in ("Job", "CronJob") and w.resource.group == "batch":
        yield from _job_selector(w)
        return
    if w.selector is not None and selector_matches(w.selector, w.pod.labels) is False:
        yield w.violation("spec.selector does not match the pod template's labels", w.selector_path)
