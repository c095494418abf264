"""The removed-API table (src/kubeward/data/removed-apis.yaml) against the Kubernetes
Deprecated API Migration Guide, v1.16 to v1.32, and UPG001/UPG002 over every entry.

GUIDE below is written from the guide's text, section by section ("The X API version of Kinds
is no longer served as of vN. Migrate ... to the Y API version, available since vM"), in a
different shape from the data file so that a slip in either shows up:
https://kubernetes.io/docs/reference/using-api/deprecation-guide/ (kubernetes/website).
"""

from __future__ import annotations

import pytest

from kubeward.model.resource import Source, build_resource
from kubeward.model.upgrade import KubeVersion, removal_of, removals
from kubeward.rules import default_catalogue

# release -> lines "removed-api Kind[,Kind] -> replacement-api@since[ replacement-api@since]"
GUIDE: dict[str, list[str]] = {
    "1.16": [
        "extensions/v1beta1 NetworkPolicy -> networking.k8s.io/v1@1.8",
        "extensions/v1beta1 PodSecurityPolicy -> policy/v1beta1@1.10",
        "extensions/v1beta1 DaemonSet -> apps/v1@1.9",
        "apps/v1beta2 DaemonSet -> apps/v1@1.9",
        "extensions/v1beta1 Deployment -> apps/v1@1.9",
        "apps/v1beta1 Deployment -> apps/v1@1.9",
        "apps/v1beta2 Deployment -> apps/v1@1.9",
        "apps/v1beta1 StatefulSet -> apps/v1@1.9",
        "apps/v1beta2 StatefulSet -> apps/v1@1.9",
        "extensions/v1beta1 ReplicaSet -> apps/v1@1.9",
        "apps/v1beta1 ReplicaSet -> apps/v1@1.9",
        "apps/v1beta2 ReplicaSet -> apps/v1@1.9",
    ],
    "1.22": [
        "admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration,"
        "ValidatingWebhookConfiguration -> admissionregistration.k8s.io/v1@1.16",
        "apiextensions.k8s.io/v1beta1 CustomResourceDefinition -> apiextensions.k8s.io/v1@1.16",
        "apiregistration.k8s.io/v1beta1 APIService -> apiregistration.k8s.io/v1@1.10",
        "authentication.k8s.io/v1beta1 TokenReview -> authentication.k8s.io/v1@1.6",
        "authorization.k8s.io/v1beta1 LocalSubjectAccessReview,SelfSubjectAccessReview,"
        "SubjectAccessReview -> authorization.k8s.io/v1@1.6",
        "certificates.k8s.io/v1beta1 CertificateSigningRequest -> certificates.k8s.io/v1@1.19",
        "coordination.k8s.io/v1beta1 Lease -> coordination.k8s.io/v1@1.14",
        "extensions/v1beta1 Ingress -> networking.k8s.io/v1@1.19",
        "networking.k8s.io/v1beta1 Ingress -> networking.k8s.io/v1@1.19",
        "networking.k8s.io/v1beta1 IngressClass -> networking.k8s.io/v1@1.19",
        "rbac.authorization.k8s.io/v1beta1 ClusterRole,ClusterRoleBinding,Role,RoleBinding "
        "-> rbac.authorization.k8s.io/v1@1.8",
        "scheduling.k8s.io/v1beta1 PriorityClass -> scheduling.k8s.io/v1@1.14",
        "storage.k8s.io/v1beta1 CSIDriver -> storage.k8s.io/v1@1.19",
        "storage.k8s.io/v1beta1 CSINode -> storage.k8s.io/v1@1.17",
        "storage.k8s.io/v1beta1 StorageClass -> storage.k8s.io/v1@1.6",
        "storage.k8s.io/v1beta1 VolumeAttachment -> storage.k8s.io/v1@1.13",
    ],
    "1.25": [
        "batch/v1beta1 CronJob -> batch/v1@1.21",
        "discovery.k8s.io/v1beta1 EndpointSlice -> discovery.k8s.io/v1@1.21",
        "events.k8s.io/v1beta1 Event -> events.k8s.io/v1@1.19",
        "autoscaling/v2beta1 HorizontalPodAutoscaler -> autoscaling/v2@1.23",
        "policy/v1beta1 PodDisruptionBudget -> policy/v1@1.21",
        "policy/v1beta1 PodSecurityPolicy ->",
        "node.k8s.io/v1beta1 RuntimeClass -> node.k8s.io/v1@1.20",
    ],
    "1.26": [
        "flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema,PriorityLevelConfiguration "
        "-> flowcontrol.apiserver.k8s.io/v1beta3@1.26 flowcontrol.apiserver.k8s.io/v1@1.29",
        "autoscaling/v2beta2 HorizontalPodAutoscaler -> autoscaling/v2@1.23",
    ],
    "1.27": ["storage.k8s.io/v1beta1 CSIStorageCapacity -> storage.k8s.io/v1@1.24"],
    "1.29": [
        "flowcontrol.apiserver.k8s.io/v1beta2 FlowSchema,PriorityLevelConfiguration "
        "-> flowcontrol.apiserver.k8s.io/v1beta3@1.26 flowcontrol.apiserver.k8s.io/v1@1.29",
    ],
    "1.32": [
        "flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema,PriorityLevelConfiguration "
        "-> flowcontrol.apiserver.k8s.io/v1@1.29",
    ],
}


def guide_entries() -> dict[tuple[str, str], tuple[str, tuple[tuple[str, str], ...]]]:
    out = {}
    for release, lines in GUIDE.items():
        for line in lines:
            head, _, tail = line.partition("->")
            api, kinds = head.split()
            reps = tuple(tuple(r.split("@")) for r in tail.split())
            for kind in kinds.split(","):
                out[(api, kind)] = (release, reps)
    return out  # type: ignore[return-value]


def test_table_equals_the_guide() -> None:
    table = {
        key: (
            str(r.removed_in),
            tuple((p.api_version, str(p.since)) for p in r.replacements),
        )
        for key, r in removals().items()
    }
    assert table == guide_entries()


def test_every_release_of_the_guide_from_1_16_to_1_32_is_covered() -> None:
    releases = {str(r.removed_in) for r in removals().values()}
    assert releases == {"1.16", "1.22", "1.25", "1.26", "1.27", "1.29", "1.32"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.29", (1, 29)), ("v1.29.3", (1, 29)), ("1.30.1-aks.2", (1, 30)), (" v1.8 ", (1, 8))],
)
def test_versions_parse(text: str, expected: tuple[int, int]) -> None:
    assert KubeVersion.parse(text) == KubeVersion(*expected)


@pytest.mark.parametrize("text", ["", "latest", "1", "one.two", "1.x"])
def test_bad_versions_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        KubeVersion.parse(text)


def test_advice_picks_the_newest_replacement_served_at_the_target() -> None:
    r = removal_of("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema")
    assert r is not None
    assert "v1beta3 once the cluster runs 1.26" in r.advice(KubeVersion(1, 25))
    assert r.advice(KubeVersion(1, 27)).startswith("use flowcontrol.apiserver.k8s.io/v1beta3")
    assert r.advice(KubeVersion(1, 29)).startswith("use flowcontrol.apiserver.k8s.io/v1 ")
    psp = removal_of("policy/v1beta1", "PodSecurityPolicy")
    assert psp is not None and "Pod Security Admission" in psp.advice(None)


def _object(api: str, kind: str) -> object:
    raw = {"apiVersion": api, "kind": kind, "metadata": {"name": "x", "namespace": "n"}}
    return build_resource(raw, Source("t.yaml", 0, (), 1))


@pytest.mark.parametrize("key", sorted(guide_entries()), ids=lambda k: f"{k[0]} {k[1]}")
def test_rules_flag_each_removal_at_the_right_release(key: tuple[str, str]) -> None:
    api, kind = key
    release = KubeVersion.parse(guide_entries()[key][0])
    before = f"{release.major}.{release.minor - 1}"
    cat = default_catalogue()
    upg1, upg2 = cat.get("UPG001"), cat.get("UPG002")
    assert upg1 is not None and upg2 is not None
    obj = _object(api, kind)

    def flagged(rule: object, target: str) -> bool:
        return bool(list(rule.run(obj, {"target_version": target})))  # type: ignore[attr-defined]

    assert flagged(upg1, str(release)) and not flagged(upg2, str(release))
    assert flagged(upg2, before) and not flagged(upg1, before)
    assert flagged(upg1, "latest")
    assert flagged(upg1, "1.33")  # removed stays removed


def test_current_api_versions_are_never_flagged() -> None:
    cat = default_catalogue()
    upg1 = cat.get("UPG001")
    assert upg1 is not None
    for api, kind in [
        ("apps/v1", "Deployment"),
        ("networking.k8s.io/v1", "Ingress"),
        ("policy/v1", "PodDisruptionBudget"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("batch/v1", "CronJob"),
        ("v1", "Pod"),
    ]:
        assert not list(upg1.run(_object(api, kind), {"target_version": "latest"}))
