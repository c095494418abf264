"""Pod Security Standards evaluation with the semantics of Pod Security Admission.

:func:`evaluate` decides, for one pod (its ``metadata`` and ``spec``), what the Kubernetes
``PodSecurity`` admission plugin decides for a namespace labelled
``pod-security.kubernetes.io/enforce=<level>`` and ``enforce-version=<version>``.

How the policy is organised (mirroring upstream's check registry):

* Every check has an id (``privileged``, ``runAsNonRoot``...), a level (baseline or restricted)
  and one or more revisions, each with the first policy version it applies to.  At a given
  version a check uses its newest revision not newer than that version; a check whose first
  revision is newer than the version does not run.
* Baseline runs every baseline check.  Restricted runs every baseline check *and* every
  restricted check, except that some restricted checks replace ("override") a baseline check:
  ``restrictedVolumes`` replaces ``hostPathVolumes``, ``seccompProfile_restricted`` replaces
  ``seccompProfile_baseline`` (v1.19+), ``capabilities_restricted`` replaces
  ``capabilities_baseline`` (v1.22+) and ``procMount_restricted`` replaces ``procMount`` (v1.35+).
  The replaced check no longer decides anything; that matters for Windows pods, which the
  restricted seccomp/capabilities checks exempt from v1.25 while the baseline ones would not.
  For readability we still *report* a replaced baseline violation at restricted, but only when
  the replacing check fails too, so the allow/deny decision is exactly upstream's.
* Versions newer than :data:`LATEST` evaluate as :data:`LATEST` (upstream clamps to the newest
  policy version it knows); ``latest`` means :data:`LATEST`.
* Some behaviours were changed in place upstream rather than behind a new revision, so they
  apply at every pinned version: ``image`` volumes are allowed by ``restrictedVolumes`` and the
  ``appArmorProfile`` fields are checked alongside the AppArmor annotations.

Input is the decoded manifest (plain mappings/lists/scalars), possibly malformed.  A field of the
wrong type is treated as absent -- the way the API server's typed decoding would most plausibly
see it -- and nothing here raises on such input.  A volume without any recognised source is
treated as ``emptyDir`` (the API server's defaulting does the same).  For objects that API
validation would reject anyway we lean strict: a volume naming both an allowed and a restricted
source is reported by ``restrictedVolumes`` (upstream would let the allowed source win).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from kubeward.model.security import (
    BASELINE_CAPABILITIES,
    SAFE_SYSCTLS_SINCE,
    SELINUX_TYPES_SINCE,
    safe_sysctls,
    selinux_types,
)

if TYPE_CHECKING:
    from kubeward.model.workload import Workload

__all__ = ["LATEST", "LEVELS", "PssViolation", "Version", "evaluate", "evaluate_workload"]

LEVELS: tuple[str, ...] = ("privileged", "baseline", "restricted")

_PRIVILEGED: Final = "privileged"
_BASELINE: Final = "baseline"
_RESTRICTED: Final = "restricted"

_VERSION_RE: Final = re.compile(r"v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


@dataclass(frozen=True, order=True)
class Version:
    """A Pod Security Standards policy version (a Kubernetes minor version such as v1.25)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse ``"v1.25"``, ``"1.25"`` or ``"latest"`` (which gives :data:`LATEST`)."""
        raw = text.strip() if isinstance(text, str) else ""
        if raw.lower() == "latest":
            return LATEST
        match = _VERSION_RE.fullmatch(raw)
        if match is None:
            raise ValueError(
                f"invalid Pod Security Standards version {text!r}: expected 'latest' or "
                "'v1.<minor>' such as 'v1.25' (a leading 'v' is optional)"
            )
        major, minor = int(match.group(1)), int(match.group(2))
        if major != 1:
            raise ValueError(
                f"invalid Pod Security Standards version {text!r}: only Kubernetes major "
                "version 1 exists (e.g. 'v1.25')"
            )
        return cls(major, minor)

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}"


LATEST: Version = Version(1, 37)
_FIRST: Final = Version(1, 0)


@dataclass(frozen=True)
class PssViolation:
    """One failed Pod Security Standards check."""

    check: str
    """The PSA check id, e.g. ``runAsNonRoot``."""
    level: str
    """``baseline`` or ``restricted``: the level that owns the check."""
    reason: str
    """One human sentence naming the offending containers, volumes or values."""
    paths: tuple[str, ...]
    """Paths of the offending (or missing) fields, relative to the pod spec's parent."""


# --------------------------------------------------------------------------------------------
# Tolerant readers: a wrongly typed field reads as absent.


def _mapping(value: object) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _sequence(value: object) -> Sequence[Any]:
    if isinstance(value, (str, bytes, bytearray)) or not isinstance(value, Sequence):
        return ()
    return value


def _mappings(value: object) -> list[tuple[int, Mapping[str, Any]]]:
    """(index, item) for the mapping items of a list; other items are skipped."""
    return [(i, item) for i, item in enumerate(_sequence(value)) if isinstance(item, Mapping)]


def _strings(value: object) -> list[tuple[int, str]]:
    """(index, item) for the string items of a list; other items are skipped."""
    return [(i, item) for i, item in enumerate(_sequence(value)) if isinstance(item, str)]


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


# --------------------------------------------------------------------------------------------
# The pod, pre-digested once per evaluation.


@dataclass(frozen=True)
class _Container:
    path: str
    """e.g. ``spec.initContainers[0]``."""
    name: str
    raw: Mapping[str, Any]
    sc: Mapping[str, Any] | None
    """The container's securityContext, if it is a mapping."""


_CONTAINER_LISTS: Final = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True)
class _Pod:
    annotations: Mapping[str, str]
    spec: Mapping[str, Any]
    psc: Mapping[str, Any] | None
    """The pod-level securityContext, if it is a mapping."""
    containers: tuple[_Container, ...]
    volumes: tuple[tuple[int, Mapping[str, Any]], ...]
    windows: bool
    """``spec.os.name`` is ``windows``."""
    user_namespace: bool
    """``spec.hostUsers`` is explicitly ``false``."""

    @classmethod
    def build(cls, metadata: object, spec: object) -> _Pod:
        meta = _mapping(metadata) or {}
        raw_annotations = _mapping(meta.get("annotations")) or {}
        annotations = {
            key: value
            for key, value in raw_annotations.items()
            if isinstance(key, str) and isinstance(value, str)
        }
        pod_spec = _mapping(spec) or {}
        containers: list[_Container] = []
        for list_name in _CONTAINER_LISTS:
            for index, raw in _mappings(pod_spec.get(list_name)):
                containers.append(
                    _Container(
                        path=f"spec.{list_name}[{index}]",
                        name=_str(raw.get("name")) or "",
                        raw=raw,
                        sc=_mapping(raw.get("securityContext")),
                    )
                )
        pod_os = _mapping(pod_spec.get("os"))
        return cls(
            annotations=annotations,
            spec=pod_spec,
            psc=_mapping(pod_spec.get("securityContext")),
            containers=tuple(containers),
            volumes=tuple(_mappings(pod_spec.get("volumes"))),
            windows=pod_os is not None and _str(pod_os.get("name")) == "windows",
            user_namespace=_bool(pod_spec.get("hostUsers")) is False,
        )

    def psc_field(self, key: str) -> object:
        return None if self.psc is None else self.psc.get(key)


def _sc_field(container: _Container, key: str) -> object:
    return None if container.sc is None else container.sc.get(key)


# --------------------------------------------------------------------------------------------
# Wording helpers.


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _quote_all(values: Iterable[str]) -> str:
    return ", ".join(_quote(v) for v in values)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _named(kind: str, names: Iterable[str]) -> str:
    """``container "a"`` or ``containers "a", "b"``."""
    unique = _unique(names)
    return f"{_plural(len(unique), kind, kind + 's')} {_quote_all(unique)}"


def _setters(pod_bad: bool, container_names: Sequence[str], kind: str = "container") -> str:
    """``pod``, ``container "a"``, ``pod and containers "a", "b"``."""
    parts = ["pod"] if pod_bad else []
    if container_names:
        parts.append(_named(kind, container_names))
    return " and ".join(parts)


@dataclass(frozen=True)
class _Finding:
    reason: str
    paths: tuple[str, ...]


_CheckFn = Callable[[_Pod], "_Finding | None"]


# --------------------------------------------------------------------------------------------
# Baseline checks.


def _app_armor_profile(pod: _Pod) -> _Finding | None:
    allowed_types = ("RuntimeDefault", "Localhost")
    parts: list[str] = []
    paths: list[str] = []

    profile = _mapping(pod.psc_field("appArmorProfile"))
    if profile is not None:
        kind = _str(profile.get("type")) or ""
        if kind not in allowed_types:
            parts.append(f"pod must not set securityContext.appArmorProfile.type to {_quote(kind)}")
            paths.append("spec.securityContext.appArmorProfile.type")

    bad_names: list[str] = []
    bad_types: list[str] = []
    for c in pod.containers:
        profile = _mapping(_sc_field(c, "appArmorProfile"))
        if profile is None:
            continue
        kind = _str(profile.get("type")) or ""
        if kind not in allowed_types:
            bad_names.append(c.name)
            bad_types.append(kind)
            paths.append(f"{c.path}.securityContext.appArmorProfile.type")
    if bad_names:
        parts.append(
            f"{_named('container', bad_names)} must not set securityContext.appArmorProfile.type "
            f"to {_quote_all(sorted(set(bad_types)))}"
        )

    prefix = "container.apparmor.security.beta.kubernetes.io/"
    bad_annotations: list[str] = []
    for key in sorted(pod.annotations):
        value = pod.annotations[key]
        if not key.startswith(prefix):
            continue
        if value == "" or value == "runtime/default" or value.startswith("localhost/"):
            continue
        bad_annotations.append(f"{key}={_quote(value)}")
        paths.append(f"metadata.annotations.{key}")
    if bad_annotations:
        parts.append(
            f"{_plural(len(bad_annotations), 'annotation', 'annotations')} "
            f'{", ".join(bad_annotations)} must be "runtime/default" or "localhost/<profile>"'
        )

    if not parts:
        return None
    return _Finding(
        f"{_plural(len(paths), 'forbidden AppArmor profile', 'forbidden AppArmor profiles')} "
        f"({'; '.join(parts)})",
        tuple(paths),
    )


def _capabilities_baseline(pod: _Pod) -> _Finding | None:
    bad_names: list[str] = []
    bad_caps: set[str] = set()
    paths: list[str] = []
    for c in pod.containers:
        caps = _mapping(_sc_field(c, "capabilities"))
        if caps is None:
            continue
        bad_here = False
        for index, cap in _strings(caps.get("add")):
            if cap not in BASELINE_CAPABILITIES:
                bad_here = True
                bad_caps.add(cap)
                paths.append(f"{c.path}.securityContext.capabilities.add[{index}]")
        if bad_here:
            bad_names.append(c.name)
    if not bad_names:
        return None
    return _Finding(
        f"non-default capabilities ({_named('container', bad_names)} must not include "
        f"{_quote_all(sorted(bad_caps))} in securityContext.capabilities.add; only "
        "the default container runtime capabilities may be added)",
        tuple(paths),
    )


def _host_namespaces(pod: _Pod) -> _Finding | None:
    bad = [key for key in ("hostNetwork", "hostPID", "hostIPC") if _bool(pod.spec.get(key))]
    if not bad:
        return None
    return _Finding(
        f"host namespaces ({', '.join(f'{key}=true' for key in bad)}: the pod must not share "
        "the node's network, process or IPC namespaces)",
        tuple(f"spec.{key}" for key in bad),
    )


def _host_path_volumes(pod: _Pod) -> _Finding | None:
    names: list[str] = []
    paths: list[str] = []
    for index, volume in pod.volumes:
        if _mapping(volume.get("hostPath")) is not None:
            names.append(_str(volume.get("name")) or "")
            paths.append(f"spec.volumes[{index}].hostPath")
    if not names:
        return None
    return _Finding(
        f"hostPath volumes ({_named('volume', names)} must not use a hostPath volume source)",
        tuple(paths),
    )


def _host_ports(pod: _Pod) -> _Finding | None:
    bad_names: list[str] = []
    ports: list[str] = []
    paths: list[str] = []
    for c in pod.containers:
        bad_here = False
        for index, port in _mappings(c.raw.get("ports")):
            host_port = _int(port.get("hostPort"))
            if host_port:
                bad_here = True
                ports.append(str(host_port))
                paths.append(f"{c.path}.ports[{index}].hostPort")
        if bad_here:
            bad_names.append(c.name)
    if not bad_names:
        return None
    unique_ports = _unique(ports)
    return _Finding(
        f"hostPort ({_named('container', bad_names)} "
        f"{_plural(len(bad_names), 'uses', 'use')} "
        f"{_plural(len(unique_ports), 'hostPort', 'hostPorts')} {', '.join(unique_ports)}; "
        "host ports must be unset or 0)",
        tuple(paths),
    )


_PROBES: Final = ("livenessProbe", "readinessProbe", "startupProbe")
_LIFECYCLE_HANDLERS: Final = ("postStart", "preStop")
_HANDLER_ACTIONS: Final = ("httpGet", "tcpSocket")


def _host_probes_and_host_lifecycle(pod: _Pod) -> _Finding | None:
    bad_names: list[str] = []
    hosts: set[str] = set()
    paths: list[str] = []
    for c in pod.containers:
        handlers: list[tuple[str, Mapping[str, Any]]] = []
        for probe in _PROBES:
            handler = _mapping(c.raw.get(probe))
            if handler is not None:
                handlers.append((f"{c.path}.{probe}", handler))
        lifecycle = _mapping(c.raw.get("lifecycle"))
        if lifecycle is not None:
            for hook in _LIFECYCLE_HANDLERS:
                handler = _mapping(lifecycle.get(hook))
                if handler is not None:
                    handlers.append((f"{c.path}.lifecycle.{hook}", handler))
        bad_here = False
        for base, handler in handlers:
            for action in _HANDLER_ACTIONS:
                spec = _mapping(handler.get(action))
                host = None if spec is None else _str(spec.get("host"))
                if host:
                    bad_here = True
                    hosts.add(host)
                    paths.append(f"{base}.{action}.host")
        if bad_here:
            bad_names.append(c.name)
    if not bad_names:
        return None
    return _Finding(
        f"probe or lifecycle host ({_named('container', bad_names)} "
        f"{_plural(len(bad_names), 'uses', 'use')} "
        f"{_plural(len(hosts), 'probe or lifecycle host', 'probe or lifecycle hosts')} "
        f"{_quote_all(sorted(hosts))}; the host field must be left unset)",
        tuple(paths),
    )


def _privileged(pod: _Pod) -> _Finding | None:
    bad = [c for c in pod.containers if _bool(_sc_field(c, "privileged")) is True]
    if not bad:
        return None
    return _Finding(
        f"privileged ({_named('container', [c.name for c in bad])} must not set "
        "securityContext.privileged=true)",
        tuple(f"{c.path}.securityContext.privileged" for c in bad),
    )


def _bad_proc_mounts(pod: _Pod) -> tuple[list[str], list[str], list[str]]:
    """(container names, forbidden procMount values, paths) for non-Default procMounts."""
    names: list[str] = []
    values: list[str] = []
    paths: list[str] = []
    for c in pod.containers:
        value = _str(_sc_field(c, "procMount"))
        if value is not None and value != "Default":
            names.append(c.name)
            values.append(value)
            paths.append(f"{c.path}.securityContext.procMount")
    return names, values, paths


def _proc_mount_v1_0(pod: _Pod) -> _Finding | None:
    names, values, paths = _bad_proc_mounts(pod)
    if not names:
        return None
    return _Finding(
        f"procMount ({_named('container', names)} must not set securityContext.procMount to "
        f'{_quote_all(sorted(set(values)))}; only "Default" is allowed)',
        tuple(paths),
    )


def _proc_mount_v1_35(pod: _Pod) -> _Finding | None:
    if pod.user_namespace:
        return None
    names, values, paths = _bad_proc_mounts(pod)
    if not names:
        return None
    return _Finding(
        f"procMount ({_named('container', names)} must not set securityContext.procMount to "
        f"{_quote_all(sorted(set(values)))} unless the pod sets hostUsers: false)",
        tuple(paths),
    )


def _proc_mount_restricted(pod: _Pod) -> _Finding | None:
    names, values, paths = _bad_proc_mounts(pod)
    if not names:
        return None
    return _Finding(
        f"procMount ({_named('container', names)} must not set securityContext.procMount to "
        f'{_quote_all(sorted(set(values)))}; restricted allows only "Default" whatever '
        "hostUsers says)",
        tuple(paths),
    )


def _se_linux_options(allowed_types: frozenset[str]) -> _CheckFn:
    def check(pod: _Pod) -> _Finding | None:
        bad_types: set[str] = set()
        user_set = False
        role_set = False
        paths: list[str] = []

        def valid(options: Mapping[str, Any], base: str) -> bool:
            nonlocal user_set, role_set
            ok = True
            kind = _str(options.get("type")) or ""
            if kind not in allowed_types:
                ok = False
                bad_types.add(kind)
                paths.append(f"{base}.type")
            if _str(options.get("user")):
                ok = False
                user_set = True
                paths.append(f"{base}.user")
            if _str(options.get("role")):
                ok = False
                role_set = True
                paths.append(f"{base}.role")
            return ok

        pod_bad = False
        options = _mapping(pod.psc_field("seLinuxOptions"))
        if options is not None:
            pod_bad = not valid(options, "spec.securityContext.seLinuxOptions")
        bad_names: list[str] = []
        for c in pod.containers:
            options = _mapping(_sc_field(c, "seLinuxOptions"))
            base = f"{c.path}.securityContext.seLinuxOptions"
            if options is not None and not valid(options, base):
                bad_names.append(c.name)
        if not pod_bad and not bad_names:
            return None
        details: list[str] = []
        if bad_types:
            details.append(
                f"{_plural(len(bad_types), 'type', 'types')} {_quote_all(sorted(bad_types))} "
                f"(allowed: {_quote_all(sorted(t for t in allowed_types if t))} or unset)"
            )
        if user_set:
            details.append("user may not be set")
        if role_set:
            details.append("role may not be set")
        return _Finding(
            f"seLinuxOptions ({_setters(pod_bad, bad_names)} set forbidden "
            f"securityContext.seLinuxOptions: {'; '.join(details)})",
            tuple(paths),
        )

    return check


_SECCOMP_POD_ANNOTATION: Final = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER_ANNOTATION_PREFIX: Final = "container.seccomp.security.alpha.kubernetes.io/"
_SECCOMP_TYPES: Final = ("RuntimeDefault", "Localhost")


def _valid_seccomp_annotation(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def _seccomp_profile_baseline_v1_0(pod: _Pod) -> _Finding | None:
    keys = [_SECCOMP_POD_ANNOTATION]
    keys += [_SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name for c in pod.containers]
    bad: dict[str, str] = {}
    for key in keys:
        value = pod.annotations.get(key)
        if value is not None and not _valid_seccomp_annotation(value):
            bad[key] = value
    if not bad:
        return None
    keys_sorted = sorted(bad)
    return _Finding(
        f"seccompProfile (forbidden {_plural(len(bad), 'annotation', 'annotations')} "
        f"{', '.join(f'{key}={_quote(bad[key])}' for key in keys_sorted)}; allowed values are "
        '"runtime/default", "docker/default" and "localhost/<profile>")',
        tuple(f"metadata.annotations.{key}" for key in keys_sorted),
    )


def _seccomp_type(profile: Mapping[str, Any]) -> str:
    return _str(profile.get("type")) or ""


def _seccomp_profile_baseline_v1_19(pod: _Pod) -> _Finding | None:
    bad_values: set[str] = set()
    paths: list[str] = []
    pod_bad = False
    profile = _mapping(pod.psc_field("seccompProfile"))
    if profile is not None and _seccomp_type(profile) not in _SECCOMP_TYPES:
        pod_bad = True
        bad_values.add(_seccomp_type(profile))
        paths.append("spec.securityContext.seccompProfile.type")
    bad_names: list[str] = []
    for c in pod.containers:
        profile = _mapping(_sc_field(c, "seccompProfile"))
        if profile is not None and _seccomp_type(profile) not in _SECCOMP_TYPES:
            bad_names.append(c.name)
            bad_values.add(_seccomp_type(profile))
            paths.append(f"{c.path}.securityContext.seccompProfile.type")
    if not paths:
        return None
    return _Finding(
        f"seccompProfile ({_setters(pod_bad, bad_names)} must not set "
        f"securityContext.seccompProfile.type to {_quote_all(sorted(bad_values))})",
        tuple(paths),
    )


def _sysctls(allowed: frozenset[str]) -> _CheckFn:
    def check(pod: _Pod) -> _Finding | None:
        names: list[str] = []
        paths: list[str] = []
        for index, sysctl in _mappings(pod.psc_field("sysctls")):
            name = _str(sysctl.get("name")) or ""
            if name not in allowed:
                names.append(name)
                paths.append(f"spec.securityContext.sysctls[{index}].name")
        if not names:
            return None
        return _Finding(
            f"forbidden {_plural(len(names), 'sysctl', 'sysctls')} ({', '.join(names)}: only "
            "namespaced, node-isolated sysctls from the safe set may be set)",
            tuple(paths),
        )

    return check


def _windows_host_process(pod: _Pod) -> _Finding | None:
    paths: list[str] = []
    options = _mapping(pod.psc_field("windowsOptions"))
    pod_bad = options is not None and _bool(options.get("hostProcess")) is True
    if pod_bad:
        paths.append("spec.securityContext.windowsOptions.hostProcess")
    bad_names: list[str] = []
    for c in pod.containers:
        options = _mapping(_sc_field(c, "windowsOptions"))
        if options is not None and _bool(options.get("hostProcess")) is True:
            bad_names.append(c.name)
            paths.append(f"{c.path}.securityContext.windowsOptions.hostProcess")
    if not paths:
        return None
    return _Finding(
        f"hostProcess ({_setters(pod_bad, bad_names)} must not set "
        "securityContext.windowsOptions.hostProcess=true)",
        tuple(paths),
    )


# --------------------------------------------------------------------------------------------
# Restricted checks.


def _exempt_windows(check: _CheckFn) -> _CheckFn:
    """From v1.25 some restricted checks do not apply to pods with ``spec.os.name: windows``."""

    def exempted(pod: _Pod) -> _Finding | None:
        return None if pod.windows else check(pod)

    return exempted


def _exempt_user_namespace(check: _CheckFn) -> _CheckFn:
    """From v1.35 some restricted checks do not apply to pods with ``hostUsers: false``."""

    def exempted(pod: _Pod) -> _Finding | None:
        return None if pod.user_namespace else check(pod)

    return exempted


def _allow_privilege_escalation(pod: _Pod) -> _Finding | None:
    bad_names: list[str] = []
    paths: list[str] = []
    for c in pod.containers:
        value = _bool(_sc_field(c, "allowPrivilegeEscalation"))
        if value is False:
            continue
        bad_names.append(c.name)
        if value is True:
            paths.append(f"{c.path}.securityContext.allowPrivilegeEscalation")
        else:
            paths.append(f"{c.path}.securityContext")
    if not bad_names:
        return None
    return _Finding(
        f"allowPrivilegeEscalation != false ({_named('container', bad_names)} must set "
        "securityContext.allowPrivilegeEscalation=false)",
        tuple(paths),
    )


def _capabilities_restricted(pod: _Pod) -> _Finding | None:
    missing_drop: list[str] = []
    adding: list[str] = []
    forbidden: set[str] = set()
    paths: list[str] = []
    for c in pod.containers:
        caps = _mapping(_sc_field(c, "capabilities"))
        if caps is None:
            missing_drop.append(c.name)
            suffix = ".capabilities" if c.sc is not None else ""
            paths.append(f"{c.path}.securityContext{suffix}")
            continue
        drops = [cap for _, cap in _strings(caps.get("drop"))]
        if "ALL" not in drops:
            missing_drop.append(c.name)
            drop_present = bool(_sequence(caps.get("drop")))
            paths.append(f"{c.path}.securityContext.capabilities{'.drop' if drop_present else ''}")
        bad_here = False
        for index, cap in _strings(caps.get("add")):
            if cap != "NET_BIND_SERVICE":
                bad_here = True
                forbidden.add(cap)
                paths.append(f"{c.path}.securityContext.capabilities.add[{index}]")
        if bad_here:
            adding.append(c.name)
    details: list[str] = []
    if missing_drop:
        details.append(
            f"{_named('container', missing_drop)} must set "
            'securityContext.capabilities.drop=["ALL"]'
        )
    if adding:
        details.append(
            f"{_named('container', adding)} must not include {_quote_all(sorted(forbidden))} in "
            'securityContext.capabilities.add (only "NET_BIND_SERVICE" may be added)'
        )
    if not details:
        return None
    return _Finding(f"unrestricted capabilities ({'; '.join(details)})", tuple(paths))


# Volume sources of core/v1 Volume, by JSON name.
_ALLOWED_VOLUME_SOURCES: Final = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
_RESTRICTED_VOLUME_SOURCES: Final = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)


def _restricted_volumes(pod: _Pod) -> _Finding | None:
    names: list[str] = []
    kinds: set[str] = set()
    paths: list[str] = []
    for index, volume in pod.volumes:
        # A volume with no recognised source is defaulted to emptyDir by the API server, so only
        # a present restricted source makes a volume restricted.  (Upstream lets an allowed
        # source win over a restricted one in the same volume; such a volume is invalid and
        # rejected by API validation anyway, and we flag it.)
        used = [k for k in _RESTRICTED_VOLUME_SOURCES if _mapping(volume.get(k)) is not None]
        if not used:
            continue
        names.append(_str(volume.get("name")) or "")
        kinds.update(used)
        paths.extend(f"spec.volumes[{index}].{k}" for k in used)
    if not names:
        return None
    return _Finding(
        f"restricted volume types ({_named('volume', names)} "
        f"{_plural(len(names), 'uses', 'use')} "
        f"{_plural(len(kinds), 'restricted volume type', 'restricted volume types')} "
        f"{_quote_all(sorted(kinds))}; allowed are {', '.join(_ALLOWED_VOLUME_SOURCES)})",
        tuple(paths),
    )


def _run_as_non_root(pod: _Pod) -> _Finding | None:
    paths: list[str] = []
    pod_value = _bool(pod.psc_field("runAsNonRoot"))
    pod_bad = pod_value is False
    if pod_bad:
        paths.append("spec.securityContext.runAsNonRoot")
    explicit: list[str] = []
    implicit: list[str] = []
    implicit_paths: list[str] = []
    for c in pod.containers:
        value = _bool(_sc_field(c, "runAsNonRoot"))
        if value is False:
            explicit.append(c.name)
            paths.append(f"{c.path}.securityContext.runAsNonRoot")
        elif value is None and pod_value is not True:
            implicit.append(c.name)
            implicit_paths.append(f"{c.path}.securityContext")
    details: list[str] = []
    if pod_bad or explicit:
        details.append(
            f"{_setters(pod_bad, explicit)} must not set securityContext.runAsNonRoot=false"
        )
    if implicit:
        details.append(
            f"pod or {_named('container', implicit)} must set securityContext.runAsNonRoot=true"
        )
    if not details:
        return None
    return _Finding(f"runAsNonRoot != true ({'; '.join(details)})", tuple(paths + implicit_paths))


def _run_as_user(pod: _Pod) -> _Finding | None:
    paths: list[str] = []
    pod_bad = _int(pod.psc_field("runAsUser")) == 0
    if pod_bad:
        paths.append("spec.securityContext.runAsUser")
    bad_names: list[str] = []
    for c in pod.containers:
        if _int(_sc_field(c, "runAsUser")) == 0:
            bad_names.append(c.name)
            paths.append(f"{c.path}.securityContext.runAsUser")
    if not paths:
        return None
    return _Finding(
        f"runAsUser=0 ({_setters(pod_bad, bad_names)} must not set runAsUser=0)", tuple(paths)
    )


def _seccomp_profile_restricted(pod: _Pod) -> _Finding | None:
    bad_values: set[str] = set()
    paths: list[str] = []
    pod_bad = False
    pod_ok = False
    profile = _mapping(pod.psc_field("seccompProfile"))
    if profile is not None:
        if _seccomp_type(profile) in _SECCOMP_TYPES:
            pod_ok = True
        else:
            pod_bad = True
            bad_values.add(_seccomp_type(profile))
            paths.append("spec.securityContext.seccompProfile.type")
    explicit: list[str] = []
    implicit: list[str] = []
    implicit_paths: list[str] = []
    for c in pod.containers:
        profile = _mapping(_sc_field(c, "seccompProfile"))
        if profile is not None:
            if _seccomp_type(profile) not in _SECCOMP_TYPES:
                explicit.append(c.name)
                bad_values.add(_seccomp_type(profile))
                paths.append(f"{c.path}.securityContext.seccompProfile.type")
        elif not pod_ok:
            implicit.append(c.name)
            implicit_paths.append(f"{c.path}.securityContext")
    details: list[str] = []
    if pod_bad or explicit:
        details.append(
            f"{_setters(pod_bad, explicit)} must not set securityContext.seccompProfile.type to "
            f"{_quote_all(sorted(bad_values))}"
        )
    if implicit:
        details.append(
            f"pod or {_named('container', implicit)} must set "
            'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
        )
    if not details:
        return None
    return _Finding(f"seccompProfile ({'; '.join(details)})", tuple(paths + implicit_paths))


# --------------------------------------------------------------------------------------------
# Registry.


@dataclass(frozen=True)
class _Revision:
    since: Version
    fn: _CheckFn
    overrides: tuple[str, ...] = ()
    """Baseline check ids this restricted revision replaces at the restricted level."""


@dataclass(frozen=True)
class _Check:
    id: str
    level: str
    revisions: tuple[_Revision, ...]
    """Sorted by ``since``, oldest first."""

    def at(self, version: Version) -> _Revision | None:
        found: _Revision | None = None
        for revision in self.revisions:
            if revision.since <= version:
                found = revision
        return found


def _v(minor: int) -> Version:
    return Version(1, minor)


_CHECKS: Final[tuple[_Check, ...]] = (
    # Baseline.
    _Check("appArmorProfile", _BASELINE, (_Revision(_v(0), _app_armor_profile),)),
    _Check("capabilities_baseline", _BASELINE, (_Revision(_v(0), _capabilities_baseline),)),
    _Check("hostNamespaces", _BASELINE, (_Revision(_v(0), _host_namespaces),)),
    _Check("hostPathVolumes", _BASELINE, (_Revision(_v(0), _host_path_volumes),)),
    _Check("hostPorts", _BASELINE, (_Revision(_v(0), _host_ports),)),
    _Check(
        "hostProbesAndHostLifecycle",
        _BASELINE,
        (_Revision(_v(34), _host_probes_and_host_lifecycle),),
    ),
    _Check("privileged", _BASELINE, (_Revision(_v(0), _privileged),)),
    _Check(
        "procMount",
        _BASELINE,
        (_Revision(_v(0), _proc_mount_v1_0), _Revision(_v(35), _proc_mount_v1_35)),
    ),
    _Check(
        "seLinuxOptions",
        _BASELINE,
        (
            *(
                _Revision(_v(since), _se_linux_options(selinux_types(since)))
                for since in sorted(SELINUX_TYPES_SINCE)
            ),
        ),
    ),
    _Check(
        "seccompProfile_baseline",
        _BASELINE,
        (
            _Revision(_v(0), _seccomp_profile_baseline_v1_0),
            _Revision(_v(19), _seccomp_profile_baseline_v1_19),
        ),
    ),
    _Check(
        "sysctls",
        _BASELINE,
        (
            *(
                _Revision(_v(since), _sysctls(safe_sysctls(since)))
                for since in sorted(SAFE_SYSCTLS_SINCE)
            ),
        ),
    ),
    _Check("windowsHostProcess", _BASELINE, (_Revision(_v(0), _windows_host_process),)),
    # Restricted.
    _Check(
        "allowPrivilegeEscalation",
        _RESTRICTED,
        (
            _Revision(_v(8), _allow_privilege_escalation),
            _Revision(_v(25), _exempt_windows(_allow_privilege_escalation)),
        ),
    ),
    _Check(
        "capabilities_restricted",
        _RESTRICTED,
        (
            _Revision(_v(22), _capabilities_restricted, ("capabilities_baseline",)),
            _Revision(
                _v(25), _exempt_windows(_capabilities_restricted), ("capabilities_baseline",)
            ),
        ),
    ),
    _Check(
        "procMount_restricted",
        _RESTRICTED,
        (_Revision(_v(35), _proc_mount_restricted, ("procMount",)),),
    ),
    _Check(
        "restrictedVolumes",
        _RESTRICTED,
        (_Revision(_v(0), _restricted_volumes, ("hostPathVolumes",)),),
    ),
    _Check(
        "runAsNonRoot",
        _RESTRICTED,
        (
            _Revision(_v(0), _run_as_non_root),
            _Revision(_v(35), _exempt_user_namespace(_run_as_non_root)),
        ),
    ),
    _Check(
        "runAsUser",
        _RESTRICTED,
        (
            _Revision(_v(23), _run_as_user),
            _Revision(_v(35), _exempt_user_namespace(_run_as_user)),
        ),
    ),
    _Check(
        "seccompProfile_restricted",
        _RESTRICTED,
        (
            _Revision(_v(19), _seccomp_profile_restricted, ("seccompProfile_baseline",)),
            _Revision(
                _v(25),
                _exempt_windows(_seccomp_profile_restricted),
                ("seccompProfile_baseline",),
            ),
        ),
    ),
)

# Upstream order: baseline checks sorted by id, then restricted checks sorted by id.
_BASELINE_CHECKS: Final = tuple(
    sorted((c for c in _CHECKS if c.level == _BASELINE), key=lambda c: c.id)
)
_RESTRICTED_CHECKS: Final = tuple(
    sorted((c for c in _CHECKS if c.level == _RESTRICTED), key=lambda c: c.id)
)


def _effective(version: Version) -> Version:
    if version > LATEST:
        return LATEST
    if version < _FIRST:
        return _FIRST
    return version


def _violation(check: _Check, finding: _Finding) -> PssViolation:
    return PssViolation(check.id, check.level, finding.reason, finding.paths)


def evaluate(
    metadata: Mapping[str, Any] | None,
    spec: Mapping[str, Any] | None,
    level: str,
    version: Version,
) -> list[PssViolation]:
    """Evaluate one pod as PSA does with ``enforce=<level>``, ``enforce-version=<version>``.

    ``metadata``/``spec`` are the pod's (for a workload, its pod template's).  ``privileged``
    returns ``[]``.  Violations come in upstream's order: baseline checks sorted by id, then
    restricted checks sorted by id.  An unknown ``level`` raises :class:`ValueError`; malformed
    ``metadata``/``spec`` never raise.
    """
    normalized = level.strip().lower() if isinstance(level, str) else ""
    if normalized not in LEVELS:
        raise ValueError(
            f"unknown Pod Security Standards level {level!r}: expected one of {', '.join(LEVELS)}"
        )
    if normalized == _PRIVILEGED:
        return []
    effective = _effective(version)
    pod = _Pod.build(metadata, spec)

    restricted_found: dict[str, _Finding | None] = {}
    overridden_by: dict[str, list[str]] = {}
    if normalized == _RESTRICTED:
        for check in _RESTRICTED_CHECKS:
            revision = check.at(effective)
            if revision is None:
                continue
            restricted_found[check.id] = revision.fn(pod)
            for baseline_id in revision.overrides:
                overridden_by.setdefault(baseline_id, []).append(check.id)

    violations: list[PssViolation] = []
    for check in _BASELINE_CHECKS:
        revision = check.at(effective)
        if revision is None:
            continue
        finding = revision.fn(pod)
        if finding is None:
            continue
        replacing = overridden_by.get(check.id)
        if replacing is not None and all(restricted_found[r] is None for r in replacing):
            # Replaced at this level by a restricted check that allows the pod.
            continue
        violations.append(_violation(check, finding))
    for check in _RESTRICTED_CHECKS:
        finding = restricted_found.get(check.id)
        if finding is not None:
            violations.append(_violation(check, finding))
    return violations


def evaluate_workload(workload: Workload, level: str, version: Version) -> list[PssViolation]:
    """Evaluate the pods a workload creates (for a Pod: the pod itself), as PSA would.

    Violation paths stay relative to the pod (`spec.containers[0]...`), not to the workload.
    """
    pod = workload.pod
    meta = {"labels": dict(pod.labels), "annotations": dict(pod.annotations)}
    return evaluate(meta, pod.spec, level, version)
