"""Unit tests of the Pod Security Standards evaluator's tricky points (no shared corpus needed)."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from kubeward.analysis.pss import LATEST, LEVELS, PssViolation, Version, evaluate

V = Version.parse


def restricted_spec() -> dict[str, Any]:
    """A pod spec that passes restricted at every version."""
    hardened = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    return {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "initContainers": [{"name": "init", "image": "x", "securityContext": dict(hardened)}],
        "containers": [{"name": "app", "image": "x", "securityContext": copy.deepcopy(hardened)}],
    }


def checks(
    spec: Any, level: str = "restricted", version: str = "latest", metadata: Any = None
) -> list[str]:
    return [v.check for v in evaluate(metadata, spec, level, V(version))]


def by_check(
    spec: Any, check: str, level: str = "restricted", version: str = "latest", metadata: Any = None
) -> PssViolation:
    found = [v for v in evaluate(metadata, spec, level, V(version)) if v.check == check]
    assert len(found) == 1, f"expected one {check} violation, got {found}"
    return found[0]


# ------------------------------------------------------------------------------------------
# Version


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1.25", Version(1, 25)),
        ("1.25", Version(1, 25)),
        (" v1.0 ", Version(1, 0)),
        ("v1.37", Version(1, 37)),
        ("v1.99", Version(1, 99)),
        ("latest", LATEST),
        ("Latest", LATEST),
    ],
)
def test_version_parse_accepts(text: str, expected: Version) -> None:
    assert Version.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["", "v1", "1", "v2.0", "0.9", "v1.x", "v1.05", "1.25.3", "v1.-1", "vv1.2", "newest"]
)
def test_version_parse_rejects_with_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match="invalid Pod Security Standards version"):
        Version.parse(text)


def test_version_parse_rejects_non_strings() -> None:
    with pytest.raises(ValueError, match="invalid Pod Security Standards version"):
        Version.parse(None)  # type: ignore[arg-type]


def test_version_str_and_order() -> None:
    assert str(Version(1, 25)) == "v1.25"
    assert str(LATEST) == "v1.37"
    assert Version(1, 9) < Version(1, 10) < LATEST
    assert LEVELS == ("privileged", "baseline", "restricted")


def test_versions_above_latest_behave_as_latest() -> None:
    spec = restricted_spec()
    spec["securityContext"]["sysctls"] = [{"name": "net.ipv4.tcp_notsent_lowat", "value": "1"}]
    assert checks(spec, version="v1.37") == []
    assert checks(spec, version="v1.99") == []
    assert checks(spec, version="v1.36") == ["sysctls"]


# ------------------------------------------------------------------------------------------
# Levels


def test_privileged_level_allows_everything() -> None:
    spec = {"hostNetwork": True, "containers": [{"securityContext": {"privileged": True}}]}
    assert evaluate(None, spec, "privileged", LATEST) == []


def test_unknown_level_raises() -> None:
    with pytest.raises(ValueError, match="unknown Pod Security Standards level"):
        evaluate(None, {}, "strict", LATEST)


def test_restricted_includes_baseline_and_orders_like_upstream() -> None:
    spec = {
        "hostPID": True,
        "securityContext": {"sysctls": [{"name": "kernel.msgmax"}]},
        "containers": [{"name": "app", "securityContext": {"privileged": True}}],
    }
    found = evaluate(None, spec, "restricted", LATEST)
    assert [v.check for v in found] == [
        # baseline checks sorted by id, then restricted checks sorted by id
        "hostNamespaces",
        "privileged",
        "sysctls",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "runAsNonRoot",
        "seccompProfile_restricted",
    ]
    assert {v.level for v in found[:3]} == {"baseline"}
    assert {v.level for v in found[3:]} == {"restricted"}
    assert checks(spec, level="baseline") == ["hostNamespaces", "privileged", "sysctls"]


def test_minimal_pods() -> None:
    assert checks({"containers": [{"name": "a", "image": "x"}]}, level="baseline") == []
    assert checks(restricted_spec()) == []
    for minor in range(38):
        assert checks(restricted_spec(), version=f"v1.{minor}") == []


# ------------------------------------------------------------------------------------------
# Robustness: wrong field types are treated as absent, never a crash.

MALFORMED_SPECS: list[Any] = [
    None,
    {},
    {"containers": "x"},
    {"containers": None},
    {"containers": [None, "x", 3, [], {"name": 5, "securityContext": []}]},
    {"containers": [{"securityContext": "privileged"}]},
    {"containers": [{"securityContext": {"capabilities": {"add": "x", "drop": "ALL"}}}]},
    {"containers": [{"securityContext": {"capabilities": {"add": [None, 1, {"a": 1}]}}}]},
    {"containers": [{"securityContext": {"capabilities": []}}]},
    {"containers": [{"securityContext": {"privileged": "true", "runAsUser": "0"}}]},
    {"containers": [{"securityContext": {"seccompProfile": "Unconfined"}}]},
    {"containers": [{"securityContext": {"seLinuxOptions": ["x"], "windowsOptions": 1}}]},
    {"containers": [{"ports": "80"}, {"ports": [None, {"hostPort": "80"}, {"hostPort": None}]}]},
    {"containers": [{"livenessProbe": [], "lifecycle": {"postStart": "x", "preStop": None}}]},
    {"containers": [{"readinessProbe": {"httpGet": {"host": 7}, "tcpSocket": []}}]},
    {"securityContext": []},
    {"securityContext": {"sysctls": "x"}},
    {"securityContext": {"sysctls": [None, "kernel.x", {"name": None}]}},
    {"securityContext": {"seccompProfile": [], "appArmorProfile": "x", "runAsNonRoot": "yes"}},
    {"volumes": "x"},
    {"volumes": [None, "x", {"name": ["a"], "hostPath": "x"}, {"nfs": None}]},
    {"hostNetwork": "true", "hostPID": 1, "hostIPC": None, "hostUsers": "false"},
    {"os": "windows"},
    {"os": {"name": ["windows"]}},
    {"initContainers": {"name": "x"}, "ephemeralContainers": 3},
]

MALFORMED_METADATA: list[Any] = [
    None,
    {},
    {"annotations": None},
    {"annotations": "x"},
    {"annotations": {"container.apparmor.security.beta.kubernetes.io/app": None}},
    {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": 5, 7: "unconfined"}},
]


@pytest.mark.parametrize("spec", MALFORMED_SPECS)
@pytest.mark.parametrize("metadata", MALFORMED_METADATA)
def test_malformed_input_never_raises(metadata: Any, spec: Any) -> None:
    for level in LEVELS:
        for version in ("v1.0", "v1.18", "v1.19", "v1.25", "v1.35", "latest"):
            result = evaluate(metadata, spec, level, V(version))
            assert all(isinstance(v, PssViolation) for v in result)


def test_wrongly_typed_fields_read_as_absent() -> None:
    spec = {
        "hostNetwork": "true",
        "containers": [
            {
                "name": "app",
                "securityContext": {
                    "privileged": "true",
                    "capabilities": {"add": "NET_RAW"},
                    "procMount": 1,
                },
                "ports": [{"hostPort": "8080"}],
            }
        ],
        "volumes": [{"name": "v", "hostPath": "/etc"}],
    }
    assert checks(spec, level="baseline") == []


def test_none_inputs_behave_like_an_empty_pod() -> None:
    assert evaluate(None, None, "baseline", LATEST) == []
    # No containers at all: nothing for the container checks to complain about.
    assert evaluate(None, None, "restricted", LATEST) == []


_FUZZ_VALUES: list[Any] = [
    None, "", "x", "ALL", "Unmasked", "Unconfined", "windows", 0, 1, -1, 1.5, 2.0, True, False,
    [], {}, ["x"], [None], [{}], {"a": 1}, {"type": 3}, [{"name": 1}],
]  # fmt: skip
_FUZZ_KEYS = [
    "securityContext", "containers", "initContainers", "ephemeralContainers", "volumes", "os",
    "hostUsers", "hostNetwork", "capabilities", "add", "drop", "privileged", "runAsUser",
    "runAsNonRoot", "seccompProfile", "appArmorProfile", "seLinuxOptions", "windowsOptions",
    "hostProcess", "procMount", "sysctls", "name", "type", "ports", "hostPort", "livenessProbe",
    "httpGet", "host", "lifecycle", "postStart", "hostPath", "allowPrivilegeEscalation",
]  # fmt: skip


def _mutate(node: Any, rng: random.Random, depth: int = 0) -> Any:
    """Randomly replace values and inject keys somewhere in a JSON-like tree."""
    if depth > 6 or rng.random() < 0.15:
        return copy.deepcopy(rng.choice(_FUZZ_VALUES))
    if isinstance(node, dict):
        out = {k: _mutate(v, rng, depth + 1) if rng.random() < 0.5 else v for k, v in node.items()}
        if rng.random() < 0.3:
            out[rng.choice(_FUZZ_KEYS)] = copy.deepcopy(rng.choice(_FUZZ_VALUES))
        return out
    if isinstance(node, list):
        return [_mutate(item, rng, depth + 1) for item in node]
    return node


def test_fuzzed_pods_never_raise() -> None:
    rng = random.Random(20240607)
    base_meta = {
        "annotations": {
            "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
            "seccomp.security.alpha.kubernetes.io/pod": "unconfined",
        }
    }
    base = restricted_spec()
    base["containers"][0]["ports"] = [{"hostPort": 80}]
    base["containers"][0]["livenessProbe"] = {"httpGet": {"host": "h", "port": 1}}
    base["volumes"] = [{"name": "v", "hostPath": {"path": "/"}}, {"name": "w"}]
    for _ in range(1500):
        spec = _mutate(base, rng)
        metadata = _mutate(base_meta, rng)
        for level in ("baseline", "restricted"):
            for version in (Version(1, 0), Version(1, 24), Version(1, 25), LATEST):
                result = evaluate(metadata, spec, level, version)
                assert all(isinstance(v, PssViolation) for v in result)


# ------------------------------------------------------------------------------------------
# Windows exemptions (restricted, from v1.25, keyed on spec.os.name == "windows")


def windows_spec() -> dict[str, Any]:
    return {
        "os": {"name": "windows"},
        "securityContext": {"runAsNonRoot": True},
        "containers": [{"name": "app", "image": "x"}],
    }


def test_windows_pod_is_exempt_from_linux_only_checks_from_v1_25() -> None:
    assert checks(windows_spec(), version="v1.25") == []
    assert checks(windows_spec(), version="latest") == []
    assert checks(windows_spec(), version="v1.24") == [
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "seccompProfile_restricted",
    ]


def test_windows_exemption_needs_exact_os_name() -> None:
    spec = windows_spec()
    spec["os"]["name"] = "Windows"
    assert "allowPrivilegeEscalation" in checks(spec)
    spec["os"] = {"name": "linux"}
    assert "allowPrivilegeEscalation" in checks(spec)


def test_windows_pod_is_not_exempt_from_run_as_non_root_or_baseline() -> None:
    spec = windows_spec()
    del spec["securityContext"]
    assert checks(spec) == ["runAsNonRoot"]
    spec = windows_spec()
    spec["hostNetwork"] = True
    assert checks(spec) == ["hostNamespaces"]


def test_windows_exemption_reaches_overridden_baseline_checks() -> None:
    # Upstream quirk: at restricted, capabilities_restricted/seccompProfile_restricted replace
    # the baseline checks, so their Windows exemption also waives what baseline would deny.
    spec = windows_spec()
    spec["containers"][0]["securityContext"] = {
        "capabilities": {"add": ["NET_RAW"]},
        "seccompProfile": {"type": "Unconfined"},
    }
    assert checks(spec, level="restricted") == []
    assert checks(spec, level="baseline") == ["capabilities_baseline", "seccompProfile_baseline"]
    assert checks(spec, level="restricted", version="v1.24") == [
        "capabilities_baseline",
        "seccompProfile_baseline",
        "allowPrivilegeEscalation",
        "capabilities_restricted",
        "seccompProfile_restricted",
    ]


# ------------------------------------------------------------------------------------------
# Version boundaries: a check is absent before its first version and changes where upstream does


@pytest.mark.parametrize(
    ("check", "before", "since", "mutate"),
    [
        (
            "allowPrivilegeEscalation",
            "v1.7",
            "v1.8",
            lambda s: s["containers"][0]["securityContext"].pop("allowPrivilegeEscalation"),
        ),
        (
            "seccompProfile_restricted",
            "v1.18",
            "v1.19",
            lambda s: s["securityContext"].pop("seccompProfile"),
        ),
        (
            "capabilities_restricted",
            "v1.21",
            "v1.22",
            lambda s: s["containers"][0]["securityContext"].pop("capabilities"),
        ),
        (
            "runAsUser",
            "v1.22",
            "v1.23",
            lambda s: s["securityContext"].update(runAsUser=0),
        ),
        (
            "hostProbesAndHostLifecycle",
            "v1.33",
            "v1.34",
            lambda s: s["containers"][0].update(
                startupProbe={"tcpSocket": {"host": "10.0.0.1", "port": 1}}
            ),
        ),
        (
            "procMount_restricted",
            "v1.34",
            "v1.35",
            lambda s: (
                s.update(hostUsers=False),
                s["containers"][0]["securityContext"].update(procMount="Unmasked"),
            ),
        ),
    ],
)
def test_check_absent_before_its_version(check: str, before: str, since: str, mutate: Any) -> None:
    spec = restricted_spec()
    mutate(spec)
    assert check not in checks(spec, version=before)
    assert check in checks(spec, version=since)
    assert check in checks(spec, version="latest")


@pytest.mark.parametrize(
    ("sysctl", "since"),
    [
        ("kernel.shm_rmid_forced", 0),
        ("net.ipv4.ip_unprivileged_port_start", 0),
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_fin_timeout", 29),
        ("net.ipv4.tcp_keepalive_intvl", 29),
        ("net.ipv4.tcp_keepalive_probes", 29),
        ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_wmem", 32),
        ("net.ipv4.tcp_slow_start_after_idle", 37),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ],
)
def test_sysctl_allow_list_grows(sysctl: str, since: int) -> None:
    spec = {"securityContext": {"sysctls": [{"name": sysctl, "value": "1"}]}}
    if since > 0:
        found = by_check(spec, "sysctls", level="baseline", version=f"v1.{since - 1}")
        assert "forbidden sysctl" in found.reason and sysctl in found.reason
        assert found.paths == ("spec.securityContext.sysctls[0].name",)
    assert checks(spec, level="baseline", version=f"v1.{since}") == []


def test_selinux_container_engine_t_allowed_from_v1_31() -> None:
    spec = {"securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}}
    assert checks(spec, level="baseline", version="v1.30") == ["seLinuxOptions"]
    assert checks(spec, level="baseline", version="v1.31") == []
    user = {"containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"user": "u"}}}]}
    found = by_check(user, "seLinuxOptions", level="baseline")
    assert found.paths == ("spec.containers[0].securityContext.seLinuxOptions.user",)


def test_seccomp_annotations_before_v1_19_fields_after() -> None:
    annotated = {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}}
    field = {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}
    assert checks({}, "baseline", "v1.18", annotated) == ["seccompProfile_baseline"]
    assert checks({}, "baseline", "v1.19", annotated) == []
    assert checks(field, "baseline", "v1.18") == []
    assert checks(field, "baseline", "v1.19") == ["seccompProfile_baseline"]
    found = by_check({}, "seccompProfile_baseline", "baseline", "v1.18", annotated)
    assert found.paths == ("metadata.annotations.seccomp.security.alpha.kubernetes.io/pod",)
    # Container annotations count only for containers that exist; docker/default is accepted.
    spec = {"containers": [{"name": "app"}]}
    meta = {
        "annotations": {
            "container.seccomp.security.alpha.kubernetes.io/app": "docker/default",
            "container.seccomp.security.alpha.kubernetes.io/ghost": "unconfined",
        }
    }
    assert checks(spec, "baseline", "v1.10", meta) == []


def test_allow_privilege_escalation_and_host_users_relaxations_at_v1_35() -> None:
    spec = restricted_spec()
    del spec["securityContext"]["runAsNonRoot"]
    spec["containers"][0]["securityContext"]["runAsUser"] = 0
    spec["hostUsers"] = False
    assert checks(spec, version="v1.34") == ["runAsNonRoot", "runAsUser"]
    assert checks(spec, version="v1.35") == []
    spec["hostUsers"] = True
    assert checks(spec, version="v1.35") == ["runAsNonRoot", "runAsUser"]


def test_proc_mount_relaxation_is_baseline_only() -> None:
    spec = restricted_spec()
    spec["hostUsers"] = False
    spec["containers"][0]["securityContext"]["procMount"] = "Unmasked"
    assert checks(spec, level="baseline", version="v1.34") == ["procMount"]
    assert checks(spec, level="baseline", version="v1.35") == []
    assert checks(spec, level="restricted", version="v1.34") == ["procMount"]
    found = by_check(spec, "procMount_restricted", version="v1.35")
    assert "procMount" in found.reason
    assert found.paths == ("spec.containers[0].securityContext.procMount",)
    # With host users, restricted reports the replaced baseline check alongside.
    spec["hostUsers"] = True
    assert checks(spec, version="v1.35") == ["procMount", "procMount_restricted"]


def test_app_armor_fields_are_checked_at_every_version() -> None:
    spec = {"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}
    for version in ("v1.0", "v1.29", "latest"):
        found = by_check(spec, "appArmorProfile", level="baseline", version=version)
        assert "forbidden AppArmor profile" in found.reason
        assert found.paths == ("spec.securityContext.appArmorProfile.type",)
    localhost = {"appArmorProfile": {"type": "Localhost"}}
    ok = {"containers": [{"name": "a", "securityContext": localhost}]}
    assert checks(ok, level="baseline", version="v1.0") == []


def test_app_armor_annotation_path_and_allowed_values() -> None:
    key = "container.apparmor.security.beta.kubernetes.io/app"
    found = by_check({}, "appArmorProfile", "baseline", "latest", {"annotations": {key: "x"}})
    assert found.paths == (f"metadata.annotations.{key}",)
    assert key in found.reason
    for value in ("", "runtime/default", "localhost/prof"):
        assert checks({}, "baseline", "latest", {"annotations": {key: value}}) == []


# ------------------------------------------------------------------------------------------
# Pod-level vs container-level precedence


def test_run_as_non_root_precedence() -> None:
    spec = restricted_spec()
    assert checks(spec) == []  # pod true covers unset containers
    spec["containers"][0]["securityContext"]["runAsNonRoot"] = False
    found = by_check(spec, "runAsNonRoot")
    assert found.paths == ("spec.containers[0].securityContext.runAsNonRoot",)
    assert 'container "app"' in found.reason

    spec = restricted_spec()
    del spec["securityContext"]["runAsNonRoot"]
    for container in spec["initContainers"] + spec["containers"]:
        container["securityContext"]["runAsNonRoot"] = True
    assert checks(spec) == []  # every container opted in

    spec["securityContext"]["runAsNonRoot"] = False
    found = by_check(spec, "runAsNonRoot")  # explicit pod false is denied regardless
    assert found.paths == ("spec.securityContext.runAsNonRoot",)

    spec = restricted_spec()
    del spec["securityContext"]["runAsNonRoot"]
    spec["containers"][0]["securityContext"]["runAsNonRoot"] = True
    found = by_check(spec, "runAsNonRoot")  # the init container is left uncovered
    assert found.paths == ("spec.initContainers[0].securityContext",)
    assert '"init"' in found.reason and '"app"' not in found.reason


def test_seccomp_precedence() -> None:
    spec = restricted_spec()
    spec["containers"][0]["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    found = by_check(spec, "seccompProfile_restricted")
    assert found.paths == ("spec.containers[0].securityContext.seccompProfile.type",)
    # ... and the replaced baseline check is reported too, since the pod is denied anyway.
    assert checks(spec) == ["seccompProfile_baseline", "seccompProfile_restricted"]

    spec = restricted_spec()
    del spec["securityContext"]["seccompProfile"]
    spec["containers"][0]["securityContext"]["seccompProfile"] = {
        "type": "Localhost",
        "localhostProfile": "p",
    }
    found = by_check(spec, "seccompProfile_restricted")
    assert found.paths == ("spec.initContainers[0].securityContext",)
    spec["initContainers"][0]["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    assert checks(spec) == []

    spec = restricted_spec()
    spec["securityContext"]["seccompProfile"] = {}  # present but without a type
    assert "seccompProfile_restricted" in checks(spec)
    assert checks(spec, level="baseline") == ["seccompProfile_baseline"]


# ------------------------------------------------------------------------------------------
# Containers of every kind, volumes, host fields


def test_ephemeral_containers_are_checked() -> None:
    spec = restricted_spec()
    spec["ephemeralContainers"] = [
        {
            "name": "debug",
            "image": "busybox",
            "targetContainerName": "app",
            "securityContext": {
                "privileged": True,
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
            },
        }
    ]
    found = by_check(spec, "privileged")
    assert found.paths == ("spec.ephemeralContainers[0].securityContext.privileged",)
    assert 'container "debug"' in found.reason
    assert found.level == "baseline"


def test_capabilities_reasons_and_paths() -> None:
    spec = restricted_spec()
    spec["containers"][0]["securityContext"]["capabilities"] = {"add": ["NET_RAW"]}
    found = by_check(spec, "capabilities_restricted")
    assert found.reason.startswith("unrestricted capabilities")
    assert 'container "app" must set securityContext.capabilities.drop=["ALL"]' in found.reason
    assert found.paths == (
        "spec.containers[0].securityContext.capabilities",
        "spec.containers[0].securityContext.capabilities.add[0]",
    )
    baseline = by_check(spec, "capabilities_baseline", level="baseline")
    assert "capabilities" in baseline.reason and "NET_RAW" in baseline.reason
    spec["containers"][0]["securityContext"]["capabilities"] = {
        "drop": ["ALL"],
        "add": ["NET_BIND_SERVICE"],
    }
    assert checks(spec) == []


def test_host_fields() -> None:
    spec = {
        "hostNetwork": True,
        "hostIPC": False,
        "containers": [{"name": "a", "ports": [{"containerPort": 1}, {"hostPort": 8080}]}],
        "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
    }
    found = evaluate(None, spec, "baseline", LATEST)
    assert [(v.check, v.paths) for v in found] == [
        ("hostNamespaces", ("spec.hostNetwork",)),
        ("hostPathVolumes", ("spec.volumes[0].hostPath",)),
        ("hostPorts", ("spec.containers[0].ports[1].hostPort",)),
    ]
    assert "host namespaces" in found[0].reason
    assert "hostPath" in found[1].reason and '"root"' in found[1].reason
    assert "hostPort" in found[2].reason and "8080" in found[2].reason


def test_probe_and_lifecycle_hosts() -> None:
    spec = {
        "containers": [
            {
                "name": "a",
                "livenessProbe": {"httpGet": {"port": 1, "host": ""}},
                "lifecycle": {"preStop": {"tcpSocket": {"port": 1, "host": "evil"}}},
            }
        ]
    }
    found = by_check(spec, "hostProbesAndHostLifecycle", level="baseline", version="v1.34")
    assert "probe or lifecycle host" in found.reason and '"evil"' in found.reason
    assert found.paths == ("spec.containers[0].lifecycle.preStop.tcpSocket.host",)


def test_restricted_volumes() -> None:
    spec = restricted_spec()
    spec["volumes"] = [
        {"name": "defaulted"},  # no source: the API server defaults it to emptyDir
        {"name": "img", "image": {"reference": "registry/x:1"}},  # allowed at every version
        {"name": "eph", "ephemeral": {"volumeClaimTemplate": {}}},
        {"name": "data", "nfs": {"server": "s", "path": "/"}},
    ]
    for version in ("v1.0", "latest"):
        found = by_check(spec, "restrictedVolumes", version=version)
        assert "restricted volume types" in found.reason and '"data"' in found.reason
        assert found.paths == ("spec.volumes[3].nfs",)
    spec["volumes"].append({"name": "host", "hostPath": {"path": "/"}})
    assert checks(spec) == ["hostPathVolumes", "restrictedVolumes"]
    assert checks(spec, level="baseline") == ["hostPathVolumes"]


def test_missing_fields_point_at_their_parent() -> None:
    spec = restricted_spec()
    del spec["containers"][0]["securityContext"]
    found = by_check(spec, "allowPrivilegeEscalation")
    assert found.paths == ("spec.containers[0].securityContext",)
    spec["containers"][0]["securityContext"] = {"allowPrivilegeEscalation": True}
    found = by_check(spec, "allowPrivilegeEscalation")
    assert found.paths == ("spec.containers[0].securityContext.allowPrivilegeEscalation",)
