"""kubeward's POD, IMG and NS rules against two other scanners' expected results.

Corpora (read-only, outside the repository, found through :func:`corpora.shared_dir`):

* ``corpora/checkov-kubernetes``: Checkov 3.3.13's Kubernetes check tests. ``cases.jsonl`` rows
  carry per-object results (``observed.passed_records`` / ``failed_records``: file and
  ``Kind.namespace.name``, namespace ``default`` when absent) that reproduce the upstream
  assertions; ``graph_cases.jsonl`` holds the graph checks' ``expected.yaml`` pass/fail ids.
* ``corpora/kubescape-regolibrary``: the Kubescape regolibrary rule tests. ``cases.jsonl`` rows
  list the input files and the objects each expected alert flags; a case without alerts must
  not flag anything.

Every peer check is either MAPPED to the kubeward rule codes that judge the same thing (one line
of justification each) or listed OUT OF SCOPE with the reason; nothing is dropped silently. For a
mapped case kubeward's engine runs only the mapped rules on the same input files, and each object
is compared: does the peer flag it, does kubeward report one of the mapped codes on it. Every
disagreement must be in :data:`DISAGREEMENTS` with an explanation saying who is right and why;
``tests/conformance/test_peers.py`` keeps that table exact in both directions.

Object identity is kind + namespace + name. Checkov ids use ``default`` for a missing namespace;
Kubescape alert objects often omit the namespace, and then the object is found by kind and name
among the case's inputs.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kubeward.catalogue import Rule
from kubeward.config import Config
from kubeward.findings import InputError
from kubeward.loaders import manifests
from kubeward.model.container import Container
from kubeward.model.resource import Resource
from kubeward.model.workload import Workload, build_workload, has_template, template_path
from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths

CHECKOV = Path("corpora") / "checkov-kubernetes"
KUBESCAPE = Path("corpora") / "kubescape-regolibrary"

FLAGGED = "flagged"
NOT_FLAGGED = "not flagged"
INPUT_ERROR = "not flagged (input error)"
NOT_READ = "not read (input error)"

# ============================================================================ mapping data


@dataclass(frozen=True)
class PeerMapping:
    """A peer check and the kubeward rule codes that judge the same thing."""

    check: str
    codes: tuple[str, ...]
    why: str
    kinds: tuple[str, ...] = ()
    """Kinds of input objects compared for this check (Kubescape). Empty: objects that carry a
    pod for POD/IMG codes, every namespaced object for NS001/NS002."""
    options: Mapping[str, Mapping[str, Any]] | None = None
    """Rule options that carry over the peer's assumptions (for example that a case's input
    is the whole cluster), as `.kubeward.yaml` would set them."""


@dataclass(frozen=True)
class OutOfScope:
    """Peer checks with no kubeward counterpart among these rules, and why."""

    category: str
    reason: str
    checks: tuple[str, ...]
    """Check ids (Checkov) or rule names and shell-style patterns (Kubescape)."""


def _m(check: str, codes: str, why: str, kinds: tuple[str, ...] = ()) -> PeerMapping:
    return PeerMapping(check, tuple(codes.split()), why, kinds)


CHECKOV_MAPPINGS: tuple[PeerMapping, ...] = (
    _m("CKV_K8S_14", "IMG001", "image without a tag or with `latest` (digests exempt in both)"),
    _m(
        "CKV_K8S_15",
        "IMG003",
        "pull policy not Always for a tag-referenced image; both apply Kubernetes' defaulting "
        "(Always for `latest`/untagged) and exempt digests",
    ),
    _m("CKV_K8S_16", "POD101", "`privileged: true` on a container"),
    _m("CKV_K8S_17", "POD202", "`hostPID: true`"),
    _m("CKV_K8S_18", "POD203", "`hostIPC: true`"),
    _m("CKV_K8S_19", "POD201", "`hostNetwork: true`"),
    _m(
        "CKV_K8S_20", "POD102", "`allowPrivilegeEscalation` not false (Kubernetes defaults it true)"
    ),
    _m(
        "CKV_K8S_21",
        "NS001 NS002",
        "object in `default`: written (NS001) or implied by a missing namespace (NS002); "
        "Checkov reads a missing namespace as `default`",
    ),
    _m("CKV_K8S_22", "POD108", "`readOnlyRootFilesystem` not true"),
    _m(
        "CKV_K8S_23",
        "POD103 POD104",
        "container may run as root: nothing enforces non-root (POD103) or `runAsUser: 0` (POD104)",
    ),
    _m(
        "CKV_K8S_25",
        "POD110 POD111",
        "any `capabilities.add`: kubeward splits it into non-baseline (POD110) and baseline "
        "capabilities other than NET_BIND_SERVICE (POD111)",
    ),
    _m("CKV_K8S_26", "POD204", "`hostPort` on a container port"),
    _m("CKV_K8S_27", "POD208", "hostPath exposing the container runtime (Docker) socket"),
    _m(
        "CKV_K8S_28", "POD109", "NET_RAW not dropped: POD109 requires `drop: [ALL]`, which drops it"
    ),
    _m("CKV_K8S_29", "POD120", "no security context (Checkov: pod level)"),
    _m("CKV_K8S_30", "POD120", "no security context (Checkov: container level)"),
    _m(
        "CKV_K8S_31",
        "POD112 POD113",
        "seccomp not confined: no profile (POD113) or `Unconfined` (POD112)",
    ),
    _m("CKV_K8S_34", "POD302", "Helm v2 Tiller image"),
    _m("CKV_K8S_37", "POD109", "`capabilities.drop` does not contain ALL"),
    _m("CKV_K8S_39", "POD110", "CAP_SYS_ADMIN added (a POD110 breakout capability)"),
    _m(
        "CKV_K8S_40",
        "POD103 POD104 POD105",
        "UID may be below 10000: unset (image user, POD103), 0 (POD104) or 1..9999 (POD105)",
    ),
    _m("CKV_K8S_43", "IMG002", "image not pinned by digest"),
    _m(
        "CKV_K8S_45",
        "POD302",
        "Tiller Deployment (Checkov checks its listen address, kubeward flags any Tiller)",
    ),
    # graph checks (graph_cases.jsonl): ids name template entities `Pod.<ns>.<owner>.<labels>`
    _m("CKV2_K8S_20", "POD102", "graph variant of CKV_K8S_20 over pod templates"),
    _m("CKV2_K8S_25", "POD110 POD111", "graph variant of CKV_K8S_25 over pod templates"),
    _m(
        "CKV_K8S_160",
        "NS001 NS002 NS003",
        "namespace missing, `default`, or a `kube-*` system namespace (NS003)",
    ),
)

_CONTROL_PLANE_CHECKOV = tuple(
    f"CKV_K8S_{n}"
    for n in (
        *range(68, 76),
        *range(77, 87),
        *range(88, 98),
        99,
        100,
        102,
        *range(104, 109),
        *range(110, 120),
        121,
        *range(138, 142),
        *range(143, 150),
        151,
    )
)

CHECKOV_OUT_OF_SCOPE: tuple[OutOfScope, ...] = (
    OutOfScope(
        "control-plane and kubelet flags",
        "kube-apiserver, controller-manager, scheduler, etcd and kubelet command-line flags of "
        "static control-plane pods; AKS manages the control plane, kubeward has no such rules",
        _CONTROL_PLANE_CHECKOV,
    ),
    OutOfScope(
        "PodSecurityPolicy objects",
        "judge PodSecurityPolicy objects (policy/v1beta1, removed in Kubernetes 1.25), not pods",
        tuple(f"CKV_K8S_{n}" for n in (1, 2, 3, 4, 5, 6, 7, 24, 32, 36)),
    ),
    OutOfScope(
        "RBAC",
        "Roles, ClusterRoles and bindings: compared (or classified) by the RBAC harness, "
        "tests/conformance/rbac.py, in the RBAC section of this page",
        (
            "CKV_K8S_49",
            "CKV_K8S_155",
            "CKV_K8S_156",
            "CKV_K8S_157",
            "CKV_K8S_158",
            "CKV2_K8S_1",
            "CKV2_K8S_2",
            "CKV2_K8S_3",
            "CKV2_K8S_4",
            "CKV2_K8S_5",
        ),
    ),
    OutOfScope(
        "resources and probes",
        "CPU/memory requests and limits, liveness/readiness probes: compared with the UPG "
        "rules by tests/conformance/upgrade.py, in the upgrade-readiness section of this page",
        tuple(f"CKV_K8S_{n}" for n in (8, 9, 10, 11, 12, 13)),
    ),
    OutOfScope(
        "service accounts and secrets",
        "secrets in environment variables, service account tokens and default service accounts: "
        "compared by the SEC harness, tests/conformance/secrets.py, in the SEC section of this "
        "page",
        ("CKV_K8S_35", "CKV_K8S_38", "CKV_K8S_41", "CKV_K8S_42"),
    ),
    OutOfScope(
        "network and Ingress",
        "NetworkPolicy coverage, Service exposure, ingress-nginx annotation snippets "
        "(CVE-2021-25742); no kubeward rule among POD/IMG/NS",
        ("CKV_K8S_152", "CKV_K8S_153", "CKV_K8S_154", "CKV2_K8S_6", "CKV2_K8S_EXAMPLE_1"),
    ),
    OutOfScope(
        "other objects and applications",
        "Kubernetes dashboard image, the Tiller Service object, git-sync arguments, and a "
        "test-only graph policy about empty container lists: no kubeward counterpart",
        ("CKV_K8S_33", "CKV_K8S_44", "CKV_K8S_159", "NOT_EMPTY_01"),
    ),
)

KUBESCAPE_MAPPINGS: tuple[PeerMapping, ...] = (
    _m("alert-any-hostpath", "POD205", "any hostPath volume"),
    _m(
        "alert-mount-potential-credentials-paths",
        "POD212",
        "hostPath exposing node cloud credentials (Kubescape's list is per cloud, kubeward's "
        "is AKS's)",
    ),
    _m("alert-rw-hostpath", "POD207", "hostPath mounted without `readOnly: true`"),
    _m("container-hostPort", "POD204", "`hostPort` on a container port"),
    _m(
        "container-image-repository",
        "IMG004",
        "registry allow-list (data.json `imageRepositoryAllowList` becomes IMG004's "
        "`allowed_registries`)",
    ),
    _m("containers-mounting-docker-socket", "POD208", "hostPath exposing a runtime socket"),
    _m(
        "drop-capability-netraw",
        "POD109",
        "NET_RAW not dropped: POD109 requires `drop: [ALL]`, which drops it",
    ),
    _m("duplicate-env-var", "POD304", "the same environment variable defined twice"),
    _m("host-ipc-privileges", "POD203", "`hostIPC: true`"),
    _m("host-network-access", "POD201", "`hostNetwork: true`"),
    _m("host-pid-ipc-privileges", "POD202 POD203", "`hostPID` or `hostIPC` true"),
    _m("host-pid-privileges", "POD202", "`hostPID: true`"),
    _m("image-not-pinned-to-digest", "IMG002", "image not pinned by digest"),
    _m(
        "image-pull-policy-is-not-set-to-always",
        "IMG003",
        "pull policy not Always for a mutable tag (kubeward: any tag)",
    ),
    _m("immutable-container-filesystem", "POD108", "`readOnlyRootFilesystem` not true"),
    _m(
        "insecure-capabilities",
        "POD110",
        "dangerous capability added (Kubescape's list is a subset of POD110's)",
    ),
    _m(
        "linux-hardening",
        "POD113",
        "in this regolibrary version the alerts and fixPaths are about the effective "
        "`seccompProfile` (SELinux options or capability drops alone still fail)",
    ),
    _m("mismatching-selector", "POD305", "selector does not match the pod template's labels"),
    _m(
        "non-root-containers",
        "POD103 POD104",
        "container may run as root: nothing enforces non-root (POD103) or `runAsUser: 0` (POD104)",
    ),
    _m(
        "rule-allow-privilege-escalation",
        "POD102",
        "`allowPrivilegeEscalation` not false (Kubernetes defaults it true)",
    ),
    _m("rule-identify-old-k8s-registry", "IMG005", "image from the frozen k8s.gcr.io registry"),
    _m(
        "rule-privileged-container",
        "POD101 POD110",
        "Kubescape's 'privileged' is `privileged: true` (POD101) or CAP_SYS_ADMIN/ALL added "
        "(POD110)",
    ),
    _m("set-hostprocess-true", "POD118", "Windows `hostProcess: true`, pod or container level"),
    _m(
        "set-procmount-default",
        "POD116",
        "`/proc` mount not the default masked one",
    ),
    _m(
        "set-seccomp-profile",
        "POD113",
        "no seccomp profile on the container or its pod",
    ),
    _m(
        "set-seccomp-profile-RuntimeDefault",
        "POD112 POD113",
        "seccomp profile missing (POD113) or not confining (POD112)",
    ),
    _m("set-supplementalgroups-values", "POD107", "group 0 in `supplementalGroups`"),
    _m("set-sysctls-params", "POD117", "sysctl outside the safe, namespaced set"),
    _m("sudo-in-container-entrypoint", "POD303", "`sudo` in the container's command"),
    *(
        _m(
            rule,
            "NS001 NS002",
            "object in `default`: written (NS001) or implied by a missing namespace (NS002); "
            "Kubescape flags both",
        )
        for rule in (
            "configmap-in-default-namespace",
            "csistoragecapacity-in-default-namespace",
            "endpoints-in-default-namespace",
            "endpointslice-in-default-namespace",
            "horizontalpodautoscaler-in-default-namespace",
            "ingress-in-default-namespace",
            "lease-in-default-namespace",
            "persistentvolumeclaim-in-default-namespace",
            "poddisruptionbudget-in-default-namespace",
            "pods-in-default-namespace",
            "podtemplate-in-default-namespace",
            "replicationcontroller-in-default-namespace",
            "resources-secret-in-default-namespace",
            "role-in-default-namespace",
            "rolebinding-in-default-namespace",
            "service-in-default-namespace",
            "serviceaccount-in-default-namespace",
        )
    ),
    *(
        _m(
            rule,
            "NS006",
            "namespace without an enforcing `pod-security.kubernetes.io/enforce` label",
            ("Namespace",),
        )
        for rule in ("pod-security-admission-applied-1", "pod-security-admission-applied-2")
    ),
    *(
        _m(
            rule,
            "NS006",
            "namespace enforcing neither baseline nor restricted",
            ("Namespace",),
        )
        for rule in (
            "pod-security-admission-baseline-applied-1",
            "pod-security-admission-baseline-applied-2",
        )
    ),
    *(
        _m(
            rule,
            "NS006",
            "namespace not enforcing restricted (NS006 also accepts baseline; no case here "
            "separates the two)",
            ("Namespace",),
        )
        for rule in (
            "pod-security-admission-restricted-applied-1",
            "pod-security-admission-restricted-applied-2",
        )
    ),
)

KUBESCAPE_OUT_OF_SCOPE: tuple[OutOfScope, ...] = (
    OutOfScope(
        "control plane, nodes and host scans",
        "API server, controller-manager, scheduler, etcd and kubelet flags, control-plane file "
        "permissions, node OS/kernel/version data from Kubescape's host scanner; AKS manages "
        "the control plane (the kubelet rules are compared with `kubeward node` in the node "
        "audit section, tests/conformance/node.py)",
        (
            "ensure-that-the-*",
            "Ensure-that-the-kubeconfig-file-permissions-are-set-to-644-or-more-restrictive",
            "etcd-*",
            "kubelet-*",
            "if-proxy-kubeconfig-file-exists-*",
            "if-the-kubelet-config.yaml-*",
            "anonymous-requests-to-kubelet-updated",
            "audit-policy-content",
            "enforce-kubelet-client-tls-authentication-updated",
            "insecure-port-flag",
            "k8s-audit-logs-enabled-native",
            "k8s-audit-logs-enabled-native-cis",
            "psp-enabled-native",
            "rbac-enabled-native",
            "read-only-port-enabled-updated",
            "validate-kubelet-tls-configuration-updated",
            "alert-container-optimized-os-not-in-use",
            "alert-fargate-not-in-use",
            "instance-metadata-api-access",
            "outdated-k8s-version",
        ),
    ),
    OutOfScope(
        "cloud provider settings",
        "EKS/GKE/AKS account and cluster API settings (endpoint access, IAM, registries, "
        "managed audit logs and encryption), not manifests",
        (
            "cluster-access-manager-api-eks",
            "ensure-aws-policies-are-present",
            "ensure-azure-rbac-is-set",
            "ensure-clusters-are-created-with-*",
            "ensure-endpoint*",
            "ensure-image-scanning-enabled-cloud",
            "ensure-image-vulnerability-scanning-*",
            "ensure-network-policy-is-enabled-eks",
            "ensure-service-principle-has-read-only-permissions",
            "ensure_nodeinstancerole_has_right_permissions_for_ecr",
            "ensure-https-loadbalancers-encrypted-with-tls-aws",
            "k8s-audit-logs-enabled-cloud",
            "list-iam-policies-in-gcp",
            "list-role-definitions-in-acr",
            "psp-enabled-cloud",
            "rbac-enabled-cloud",
            "restrict-access-to-the-control-plane-endpoint",
            "review-roles-with-aws-iam-authenticator",
            "rule-cni-enabled-aks",
            "secret-etcd-encryption-cloud",
        ),
    ),
    OutOfScope(
        "RBAC",
        "who can do what through Roles and bindings (subjects, escalation, workloads bound to "
        "powerful roles): compared (or classified) by the RBAC harness, "
        "tests/conformance/rbac.py, in the RBAC section of this page",
        (
            "rule-can-access-proxy-subresource",
            "rule-can-approve-cert-signing-request",
            "rule-can-bind-escalate",
            "rule-can-create-pod",
            "rule-can-create-pv",
            "rule-can-create-service-account-token",
            "rule-can-delete-k8s-events-v1",
            "rule-can-impersonate-users-groups-v1",
            "rule-can-list-get-secrets-v1",
            "rule-can-modify-admission-webhooks",
            "rule-can-portforward-v1",
            "rule-can-update-configmap-v1",
            "access-container-service-account-v1",
            "anonymous-access-enabled",
            "cluster-admin-role",
            "ensure-default-service-accounts-has-only-default-roles",
            "exec-into-container-v1",
            "rule-access-dashboard-subject-v1",
            "rule-access-dashboard-wl-v1",
            "rule-excessive-delete-rights-v1",
            "rule-list-all-cluster-admins-v1",
            "system-authenticated-allowed-to-take-over-cluster",
            "workload-with-administrative-roles",
            "workload-with-cluster-takeover-roles",
        ),
    ),
    OutOfScope(
        "PodSecurityPolicy objects",
        "judge PodSecurityPolicy objects (policy/v1beta1, removed in Kubernetes 1.25), not pods",
        ("psp-deny-*", "psp-required-drop-capabilities"),
    ),
    OutOfScope(
        "network, Services and Ingress",
        "NetworkPolicy coverage, exposure through Services/Ingress/Gateway/Istio, TLS on "
        "Ingress and load balancers, dangling references, SSH ports, ingress-nginx snippets",
        (
            "CVE-2021-25742",
            "dangling-*",
            "encrypt-traffic-to-https-load-balancers-with-tls-certificates",
            "ensure_network_policy_configured_in_labels",
            "exposed-rce-pods",
            "exposed-sensitive-interfaces-v1",
            "exposure-to-internet*",
            "ingress-and-egress-blocked",
            "ingress-no-tls",
            "internal-networking",
            "rule-can-ssh-to-pod-v1",
            "service-with-no-workload",
            "unauthenticated-service",
        ),
    ),
    OutOfScope(
        "service accounts, secrets and data volumes",
        "token automounting, service account references, credentials in env/ConfigMaps, "
        "external secret stores, mounted Secrets/ConfigMaps/PVCs, volume encryption: the SEC "
        "rules are compared (or these rules classified) by tests/conformance/secrets.py, in "
        "the SEC section of this page",
        (
            "automount-*",
            "deprecated-service-account-field",
            "ensure-external-secrets-storage-is-in-use",
            "external-secret-storage",
            "namespace-without-service-account",
            "non-existent-service-account",
            "pv-without-encryption",
            "rule-credentials-*",
            "rule-secrets-in-env-var",
            "serviceaccount-token-mount",
            "workload-mounted-*",
        ),
    ),
    OutOfScope(
        "resources, probes and availability",
        "requests/limits, probes, rollout strategy, naked pods, HPA targets: compared with the "
        "UPG rules by tests/conformance/upgrade.py, in the upgrade-readiness section of this "
        "page; resource-policies (a LimitRange or requests, either) and rule-deny-cronjobs (an "
        "inventory of CronJobs) have no UPG counterpart",
        (
            "resources-cpu-*",
            "resources-memory-*",
            "resource-policies",
            "configured-*-probe",
            "hpa-has-target",
            "naked-pods",
            "no-rolling-update-strategy",
            "rule-deny-cronjobs",
        ),
    ),
    OutOfScope(
        "inventory and manual review",
        "list objects for a human to review, no pass/fail judgement",
        ("list-all-*", "rule-manual", "rule-hostile-multitenant-workloads"),
    ),
    OutOfScope(
        "kinds kubeward does not model",
        "Agent Sandbox `SandboxTemplate` custom resources, which kubeward does not read as "
        "workloads",
        ("agent-sandbox-*", "resources-sandbox-*"),
    ),
    OutOfScope(
        "vulnerability and version data",
        "need image vulnerability scans, node kernel or component versions",
        (
            "CVE-2021-25741",
            "CVE-2022-0185",
            "CVE-2022-3172",
            "detect-nginx-ingress-controller-eol",
            "excessive_amount_of_vulnerabilities_pods",
        ),
    ),
    OutOfScope(
        "settings kubeward does not require",
        "presence checks and configurable lists with no kubeward rule: SELinux options must be "
        "set (POD115 only judges unsafe values), fsGroup and fsGroupChangePolicy must be set "
        "(POD107 only flags group 0), Windows gMSA/runAsUserName must be set, configurable "
        "label sets (POD301 checks one fixed pod label), a registry deny-list (IMG004 is an "
        "allow-list; a deny-list cannot be expressed as one)",
        (
            "set-seLinuxOptions",
            "set-fsgroup-value",
            "set-fsgroupchangepolicy-value",
            "set-gmsacredentialspecname-value",
            "set-runasusername-value",
            "k8s-common-labels-usage",
            "label-usage-for-resources",
            "rule-identify-blocklisted-image-registries",
        ),
    ),
)

# Kubescape alert objects without a namespace that match several inputs of the same kind and
# name: (rule/case, kind, name) -> the namespace the alert is about.
KUBESCAPE_AMBIGUOUS: Mapping[tuple[str, str, str], str | None] = {
    # Two Deployments "test", in `default` and `not-default`; the rule is about `default`.
    ("pods-in-default-namespace/workload", "Deployment", "test"): "default",
}

# ============================================================================ disagreements

KUBEWARD = "kubeward"
PEER = "peer"
SCOPE = "scope"
INVALID = "invalid input"


@dataclass(frozen=True)
class Reason:
    """Why kubeward and a peer disagree: a short title and the explanation."""

    title: str
    text: str


_ANNOTATION_SECCOMP = Reason(
    "legacy seccomp annotation",
    "Only the legacy `seccomp.security.alpha.kubernetes.io` annotation is set. Kubernetes "
    "1.27 removed it completely: the seccomp fields are no longer populated from it and the "
    "kubelet ignores it (kubernetes/kubernetes#114947; the seccomp tutorial now documents "
    "`securityContext.seccompProfile` only), so the pod runs Unconfined unless the node sets "
    "`seccompDefault`. Checkov still accepts the annotation.",
)
_POD_LEVEL_CONTEXT = Reason(
    "pod-level securityContext is inherited",
    "The pod defines a securityContext and the container does not. Kubernetes applies the "
    "pod-level settings (runAsUser, runAsNonRoot, seccompProfile, seLinuxOptions, ...) to every "
    "container ('Configure a Security Context for a Pod or Container'), so POD120 ('neither the "
    "container nor its pod') is satisfied; container-only fields (allowPrivilegeEscalation, "
    "capabilities, readOnlyRootFilesystem, privileged) are judged by POD102/POD108/POD109/POD101. "
    "Deliberate: Checkov's check is about where the settings are written.",
)
_CONTAINER_LEVEL_CONTEXT = Reason(
    "container-level securityContext only",
    "Every container defines a securityContext and the pod does not. POD120 only fires when "
    "neither exists; the pod-level fields that matter (runAsNonRoot, seccompProfile, ...) are "
    "judged individually by POD103/POD113 and friends, whichever level sets them. Deliberate: "
    "Checkov's check is about where the settings are written.",
)
_MALFORMED = Reason(
    "malformed pod spec",
    "The manifest is invalid (`spec` is a list, not a PodSpec object); the API server rejects "
    "it. kubeward reports an input error for the object (exit code 2) instead of rule findings; "
    "Checkov reports a rule failure. Neither run would let it into a cluster.",
)
_LOCALHOST_SECCOMP = Reason(
    "Localhost seccomp profile",
    "Containers use `seccompProfile.type: Localhost`. The restricted Pod Security Standard "
    "allows RuntimeDefault and Localhost, and so does kubeward; Kubescape's rule accepts only "
    "RuntimeDefault. Scope difference (kubeward follows the PSS). Note: these fixtures omit "
    "`localhostProfile`, which the API server requires for Localhost.",
)
_PROC_MOUNT_UNSET = Reason(
    "procMount unset means Default",
    "A container leaves `procMount` unset. The API reference: 'procMount denotes the type of "
    "proc mount to use for the containers. The default value is Default which uses the "
    "container runtime defaults for readonly paths and masked paths.' An unset field IS the "
    "default masked /proc; Kubescape demands it be written out. kubeward is right.",
)
_DIGEST_EXEMPT = Reason(
    "peer configuration exempts the repository",
    "The peer's data.json exempts the repository (`imageDigestExemptRepositories`). kubeward "
    "has no per-image exemption for IMG002 (its config exempts by namespace/kind/name/"
    "container), so the configuration cannot be carried over. Configuration difference, not a "
    "rule disagreement.",
)
_EKS_CREDENTIALS = Reason(
    "EKS credential paths",
    "The hostPath is an AWS credentials directory (`/.aws/...`) and the peer is configured for "
    "EKS (`cloudProvider: eks`). POD212's list is AKS's node credentials (azure.json, kubelet "
    "certificates, waagent). Deliberate scope difference (kubeward targets AKS).",
)
_WEBHOOK_AS_PSA = Reason(
    "webhook taken for Pod Security Admission",
    "The namespace has no `pod-security.kubernetes.io/enforce` label; Kubescape passes it "
    "because a MutatingWebhookConfiguration exists, assuming it is an external policy engine. "
    "This webhook only adds pod labels. kubeward judges the namespace's own Pod Security "
    "Admission label and cannot know what a webhook enforces. kubeward is right.",
)
_TILLER_LOCALHOST = Reason(
    "Tiller on localhost",
    "Tiller listens only on localhost, which is all Checkov's check asks. POD302 flags every "
    "Tiller: Helm v2 is end-of-life (no security fixes since November 2020) and Tiller runs with "
    "cluster-wide rights. Deliberate scope difference.",
)
_USERNS_HIGH_UID = Reason(
    "user namespace and high UIDs",
    "`hostUsers: false` gives the pod its own user namespace, so container UIDs map to "
    "unprivileged host UIDs and cannot collide with host users (Kubernetes 'User Namespaces'): "
    "Checkov's high-UID concern is moot and it passes. kubeward maps CKV_K8S_40 onto POD103 too, "
    "which still asks for a non-root user, as the restricted Pod Security Standard does unless "
    "the alpha UserNamespacesPodSecurityStandards gate is on. Scope difference.",
)
_NET_RAW_ONLY = Reason(
    "NET_RAW dropped, not ALL",
    "The container drops NET_RAW but not ALL. Checkov's CKV_K8S_28 only asks for NET_RAW; "
    "POD109 asks for `drop: [ALL]` (restricted Pod Security Standard), of which NET_RAW is one "
    "part. Deliberate scope difference: kubeward is stricter.",
)


_DIGEST_UNPARSABLE = Reason(
    "digest the kubelet cannot parse",
    "The image is referenced by `@sha256:123456` or by a made-up algorithm "
    "(`@custom-algorithm:...`). The OCI image spec fixes sha256 digests at 64 lower-case hex "
    "characters, and the Go digest library that the kubelet and container runtimes use "
    "rejects short digests and algorithms it does not implement (`ErrDigestInvalidFormat`, "
    "`ErrDigestUnsupported`), so the pod fails with InvalidImageName. Such a reference pins "
    "nothing; kubeward reports IMG002 (malformed digest) and does not let it exempt the image "
    "from IMG001. The peer accepts any `@...` suffix. kubeward is right.",
)


@dataclass(frozen=True)
class Explained:
    """One expected disagreement and its explanation."""

    peer: str
    case: str
    obj: str
    kubeward: str
    peer_verdict: str
    right: str
    """``kubeward``, ``peer``, ``scope`` (deliberate scope difference) or ``invalid input``."""
    reason: Reason

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.peer, self.case, self.obj, self.kubeward, self.peer_verdict)


def _x(
    peer: str,
    case: str,
    obj: str,
    kubeward: str,
    peer_verdict: str,
    right: str,
    reason: Reason,
) -> Explained:
    return Explained(peer, case, obj, kubeward, peer_verdict, right, reason)


DISAGREEMENTS: tuple[Explained, ...] = (
    _x(
        "checkov",
        "CKV_K8S_14 test_summary",
        "imageWithDigest-PASSED.yaml: StatefulSet.default.kafka",
        FLAGGED,
        NOT_FLAGGED,
        KUBEWARD,
        _DIGEST_UNPARSABLE,
    ),
    *(
        _x(
            "checkov",
            "CKV_K8S_43 test_summary",
            f"{file}: StatefulSet.default.kafka",
            FLAGGED,
            NOT_FLAGGED,
            KUBEWARD,
            _DIGEST_UNPARSABLE,
        )
        for file in (
            "imageWithTagAndDigest-PASSED.yaml",
            "kafka-PASSED.yaml",
            "kafka-withrepo-PASSED.yaml",
        )
    ),
    *(
        _x(
            "kubescape",
            f"image-not-pinned-to-digest/{name}",
            f"Pod.(none).{name}",
            FLAGGED,
            NOT_FLAGGED,
            KUBEWARD,
            _DIGEST_UNPARSABLE,
        )
        for name in ("pod-custom-digest", "pod-short-custom-digest")
    ),
    _x(
        "checkov",
        "CKV_K8S_23 test_summary",
        "rootContainersFAILED-malformed-spec.yaml: Pod.default.pod1",
        INPUT_ERROR,
        FLAGGED,
        INVALID,
        _MALFORMED,
    ),
    _x(
        "checkov",
        "CKV_K8S_28 test_summary",
        "pod-drop-NET_RAW-capabilities-PASSED.yaml: Pod.default.pod-drop-net-raw-capability",
        FLAGGED,
        NOT_FLAGGED,
        SCOPE,
        _NET_RAW_ONLY,
    ),
    _x(
        "checkov",
        "CKV_K8S_29 test_summary",
        "pod-container-FAILED_malformed_spec.yaml: Pod.default.security-context-demo",
        INPUT_ERROR,
        FLAGGED,
        INVALID,
        _MALFORMED,
    ),
    _x(
        "checkov",
        "CKV_K8S_29 test_summary",
        "podFAILED-containerPASSED.yaml: Pod.default.pod-drop-net-raw-capability",
        NOT_FLAGGED,
        FLAGGED,
        SCOPE,
        _CONTAINER_LEVEL_CONTEXT,
    ),
    _x(
        "checkov",
        "CKV_K8S_30 test_summary",
        "podPassed-containerFailed.yaml: CronJob.default.hello",
        NOT_FLAGGED,
        FLAGGED,
        SCOPE,
        _POD_LEVEL_CONTEXT,
    ),
    *(
        _x(
            "checkov",
            "CKV_K8S_31 test_summary",
            obj,
            FLAGGED,
            NOT_FLAGGED,
            KUBEWARD,
            _ANNOTATION_SECCOMP,
        )
        for obj in (
            "cronjob-seccomp-PASSED.yaml: CronJob.default.cronjob-passed",
            "pod-seccomp-PASSED.yaml: Pod.default.seccomp-passed-metadata-annotations-docker",
            "pod-seccomp-PASSED2.yaml: Pod.default.seccomp-passed-metadata-annotations-runtime",
            "pod-seccomp-PASSED6.yaml: Deployment.default.seccomp-passed-metadata-annotations",
        )
    ),
    _x(
        "checkov",
        "CKV_K8S_40 test_summary",
        "rootContainersHighUIDPASSED.yaml: Pod.default.pod4",
        FLAGGED,
        NOT_FLAGGED,
        SCOPE,
        _USERNS_HIGH_UID,
    ),
    *(
        _x(
            "checkov",
            "CKV_K8S_45 test_summary",
            obj,
            FLAGGED,
            NOT_FLAGGED,
            SCOPE,
            _TILLER_LOCALHOST,
        )
        for obj in (
            "tiller-deployment_PASSED_LOCALHOST.json: Deployment.kube-system.tiller-deploy",
            "tiller-deployment_PASSED_LOOPBACK.json: Deployment.kube-system.tiller-deploy",
        )
    ),
    # ------------------------------------------------------------------------ Kubescape
    _x(
        "kubescape",
        "alert-mount-potential-credentials-paths/deployment_eks_failed",
        "Deployment.(none).my-deployment",
        NOT_FLAGGED,
        FLAGGED,
        SCOPE,
        _EKS_CREDENTIALS,
    ),
    _x(
        "kubescape",
        "alert-mount-potential-credentials-paths/pod_eks_failed",
        "Pod.(none).test-pd",
        NOT_FLAGGED,
        FLAGGED,
        SCOPE,
        _EKS_CREDENTIALS,
    ),
    _x(
        "kubescape",
        "image-not-pinned-to-digest/pod-exempted-repo",
        "Pod.(none).pod-exempted-repo",
        FLAGGED,
        NOT_FLAGGED,
        SCOPE,
        _DIGEST_EXEMPT,
    ),
    _x(
        "kubescape",
        "pod-security-admission-applied-2/test",
        "Namespace.(none).my-baseline-namespace",
        FLAGGED,
        NOT_FLAGGED,
        KUBEWARD,
        _WEBHOOK_AS_PSA,
    ),
    _x(
        "kubescape",
        "set-procmount-default/workload",
        "Deployment.(none).my-deployment",
        NOT_FLAGGED,
        FLAGGED,
        KUBEWARD,
        _PROC_MOUNT_UNSET,
    ),
    _x(
        "kubescape",
        "set-seccomp-profile-RuntimeDefault/pod",
        "Pod.(none).audit-pod",
        NOT_FLAGGED,
        FLAGGED,
        SCOPE,
        _LOCALHOST_SECCOMP,
    ),
    _x(
        "kubescape",
        "set-seccomp-profile-RuntimeDefault/workloads",
        "Deployment.(none).my-deployment",
        NOT_FLAGGED,
        FLAGGED,
        SCOPE,
        _LOCALHOST_SECCOMP,
    ),
)

# ============================================================================ comparison


@dataclass(frozen=True)
class ObjectResult:
    """One object of one case: the peer's verdict and kubeward's."""

    peer: str
    check: str
    case: str
    obj: str
    peer_flagged: bool | None
    """None when the peer has no verdict on the object (it did not evaluate it)."""
    kubeward: str
    codes: tuple[str, ...]
    detail: str = ""

    @property
    def peer_verdict(self) -> str:
        if self.peer_flagged is None:
            return "not evaluated"
        return FLAGGED if self.peer_flagged else NOT_FLAGGED

    @property
    def compared(self) -> bool:
        return self.peer_flagged is not None

    @property
    def agrees(self) -> bool:
        return self.peer_flagged == (self.kubeward == FLAGGED)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.peer, self.case, self.obj, self.kubeward, self.peer_verdict)


@dataclass(frozen=True)
class CaseNote:
    """A corpus case that is not compared, and why."""

    check: str
    case: str
    reason: str


@dataclass(frozen=True)
class PeerRun:
    peer: str
    mappings: tuple[PeerMapping, ...]
    out_of_scope: tuple[OutOfScope, ...]
    results: tuple[ObjectResult, ...]
    cases_per_check: Mapping[str, int]
    """Every peer check in the corpus -> number of cases (mapped or not)."""
    notes: tuple[CaseNote, ...]

    def disagreements(self) -> list[ObjectResult]:
        return [r for r in self.results if r.compared and not r.agrees]


@dataclass(frozen=True)
class _Object:
    """One object read from the input files, as kubeward reads it."""

    resource: Resource
    rel_file: str
    label: str
    problems: tuple[str, ...]


@cache
def _catalogue_rules() -> Mapping[str, Rule]:
    return {r.code: r for r in default_catalogue()}


def _rules(codes: Sequence[str]) -> list[Rule]:
    rules = _catalogue_rules()
    missing = [c for c in codes if c not in rules]
    if missing:
        raise KeyError(f"mapped kubeward codes not in the catalogue: {missing}")
    return [rules[c] for c in codes]


def _read_objects(paths: Sequence[str], root: Path) -> tuple[list[_Object], list[str]]:
    """Objects of the files in `paths` (files or directories) in file and document order."""
    errors: list[InputError] = []
    out: list[_Object] = []
    for name in manifests.discover(paths, errors):
        loaded = manifests.load_file(name, manifests.DEFAULT_MAX_FILE_SIZE, errors)
        if loaded is None:
            continue
        for res in manifests.objects(loaded, errors):
            problems = [p.message for p in res.problems]
            template = template_path(res)
            if template is not None and has_template(res, template):
                try:  # the engine reports these problems as input errors too
                    problems += [p.message for p in build_workload(res, template).problems]
                except Exception as err:
                    problems.append(f"{type(err).__name__}: {err}")
            rel = Path(name).resolve().relative_to(root.resolve()).as_posix()
            out.append(_Object(res, rel, "", tuple(problems)))
    file_errors = [e.one_line() for e in errors if not e.warning]
    return out, file_errors


ObjectKey = tuple[str, int | None, str, str | None, str]
"""(file, line, kind, namespace, name): one object of one scan."""


def _scan(paths: Sequence[str], codes: Sequence[str], config: Config) -> dict[ObjectKey, set[str]]:
    """Object -> the mapped kubeward codes reported on it."""
    report = scan_paths(list(paths), default_catalogue(), config, only=_rules(codes))
    flagged: dict[ObjectKey, set[str]] = defaultdict(set)
    for f in report.findings:
        o = f.obj
        flagged[(o.file, o.line, o.kind, o.namespace, o.name)].add(f.rule)
    return flagged


def _object_key(res: Resource) -> ObjectKey:
    return (res.source.file, res.source.line, res.kind, res.namespace, res.name)


def _verdict(obj: _Object | None, codes: set[str]) -> str:
    if obj is None:
        return NOT_READ
    if codes:
        return FLAGGED
    return INPUT_ERROR if obj.problems else NOT_FLAGGED


def _detail(obj: _Object | None, file_errors: Sequence[str]) -> str:
    if obj is None:
        return "; ".join(file_errors)
    return "; ".join(obj.problems)


def _carries_pod(res: Resource) -> bool:
    template = template_path(res)
    return template is not None and has_template(res, template)


def _applies(mapping: PeerMapping, res: Resource) -> bool:
    """Whether the mapped kubeward rules evaluate this object at all."""
    if mapping.kinds:
        return res.kind in mapping.kinds
    targets = {r.target for r in _rules(mapping.codes)}
    if targets <= {Container, Workload}:
        return _carries_pod(res)
    return res.namespaced


def _label_duplicates(objs: list[_Object], base: Mapping[int, str]) -> list[_Object]:
    """Give each object its label; objects with the same label get `#1`, `#2`, ..."""
    counts: dict[str, int] = defaultdict(int)
    for i in range(len(objs)):
        counts[base[i]] += 1
    seen: dict[str, int] = defaultdict(int)
    out: list[_Object] = []
    for i, o in enumerate(objs):
        label = base[i]
        if counts[label] > 1:
            seen[label] += 1
            label = f"{label} #{seen[label]}"
        out.append(_Object(o.resource, o.rel_file, label, o.problems))
    return out


# ----------------------------------------------------------------------------- Checkov


def _checkov_id(res: Resource) -> str:
    return f"{res.kind}.{res.namespace or 'default'}.{res.name}"


def _graph_owner(objs: Sequence[_Object], peer_id: str) -> list[_Object]:
    """The objects a graph id names: `Kind.ns.name[.labels]`, where a `Pod.` id of a template
    entity names the object that owns the pod template."""
    kind, _, rest = peer_id.partition(".")
    ns, _, tail = rest.partition(".")
    best: list[_Object] = []
    best_len = -1
    for o in objs:
        res = o.resource
        if (res.namespace or "default") != ns:
            continue
        if res.kind != kind and not (kind == "Pod" and _carries_pod(res)):
            continue
        if tail == res.name or tail.startswith(res.name + "."):
            if len(res.name) > best_len:
                best, best_len = [o], len(res.name)
            elif len(res.name) == best_len:
                best.append(o)
    return best


def _checkov_case(
    root: Path,
    check: str,
    case: str,
    mapping: PeerMapping,
    input_dir: str,
    records: Sequence[tuple[str | None, str, bool]],
) -> list[ObjectResult]:
    """Compare one Checkov case. `records` are (file or None for graph ids, id, failed)."""
    paths = [str(root / input_dir)]
    objs, file_errors = _read_objects(paths, root)
    objs = _label_duplicates(
        objs,
        {i: f"{Path(o.rel_file).name}: {_checkov_id(o.resource)}" for i, o in enumerate(objs)},
    )
    flagged = _scan(paths, mapping.codes, Config(options=dict(mapping.options or {})))
    results: list[ObjectResult] = []
    used: set[int] = set()

    grouped: dict[tuple[str | None, str], list[bool]] = defaultdict(list)
    for file, rid, failed in records:
        grouped[(file, rid)].append(failed)
    for (file, rid), verdicts in sorted(grouped.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        if file is None:
            candidates = _graph_owner(objs, rid)
        else:
            candidates = [o for o in objs if o.rel_file == file and _checkov_id(o.resource) == rid]
        if len(set(verdicts)) > 1:
            # Checkov lists failed and passed records apart: which document got which verdict
            # is unknown when documents share an id. None do in this corpus.
            raise AssertionError(f"{case}: mixed verdicts for one id in {file}: {rid}")
        if file is None or len(candidates) != len(verdicts):
            # graph ids, or a different number of documents: one result per peer verdict,
            # against all candidate documents together
            codes = set().union(*(flagged.get(_object_key(o.resource), set()) for o in candidates))
            first = candidates[0] if candidates else None
            label = f"{rid}" if file is None else f"{Path(file).name}: {rid}"
            for failed in verdicts:
                results.append(
                    ObjectResult(
                        "checkov",
                        check,
                        case,
                        label,
                        failed,
                        _verdict(first, codes),
                        tuple(sorted(codes)),
                        _detail(first, file_errors),
                    )
                )
            used.update(id(o) for o in candidates)
            continue
        for o, failed in zip(candidates, verdicts, strict=True):
            codes = flagged.get(_object_key(o.resource), set())
            used.add(id(o))
            results.append(
                ObjectResult(
                    "checkov",
                    check,
                    case,
                    o.label,
                    failed,
                    _verdict(o, codes),
                    tuple(sorted(codes)),
                    _detail(o, file_errors),
                )
            )
    for o in objs:
        codes = flagged.get(_object_key(o.resource), set())
        if id(o) not in used and codes:
            results.append(
                ObjectResult(
                    "checkov", check, case, o.label, None, FLAGGED, tuple(sorted(codes)), ""
                )
            )
    return results


@cache
def checkov_run(shared: Path) -> PeerRun:
    root = shared / CHECKOV
    mappings = {m.check: m for m in CHECKOV_MAPPINGS}
    results: list[ObjectResult] = []
    notes: list[CaseNote] = []
    per_check: dict[str, int] = defaultdict(int)
    rows = jsonl_rows(root / "cases.jsonl")
    for row in rows:
        check = row.get("check_id") or "-"
        case = f"{check} {row['test_function']}"
        if row.get("not_a_check_case"):
            case = f"{Path(row['test_file']).name}::{row['test_function']}"
            notes.append(CaseNote(check, case, "not a check case (skip-filter or utility test)"))
            continue
        per_check[check] += 1
        mapping = mappings.get(check)
        if mapping is None:
            continue
        if row.get("environment"):
            env = ", ".join(f"`{k}={v}`" for k, v in sorted(row["environment"].items()))
            notes.append(
                CaseNote(
                    check,
                    case,
                    f"upstream runs it with {env} (a missing "
                    "namespace then means the Helm release namespace, so all 11 objects pass); "
                    "the recorded per-object results were made without it and only repeat "
                    "`test_summary`. kubeward has no such setting: NS002 reports manifests that "
                    "leave the namespace to the applying tool",
                )
            )
            continue
        observed = row["observed"]
        records = [(f, rid, True) for f, rid in observed["failed_records"]]
        records += [(f, rid, False) for f, rid in observed["passed_records"]]
        results += _checkov_case(root, check, case, mapping, row["input_dir"], records)
    graph_rows = jsonl_rows(root / "graph_cases.jsonl")
    for row in graph_rows:
        check = row["check_id"]
        case = f"{check} graph"
        per_check[check] += 1
        mapping = mappings.get(check)
        if mapping is None:
            continue
        records = [(None, rid, True) for rid in row["expected_fail"]]
        records += [(None, rid, False) for rid in row["expected_pass"]]
        results += _checkov_case(root, check, case, mapping, row["input_dir"], records)
    return PeerRun(
        "checkov",
        CHECKOV_MAPPINGS,
        CHECKOV_OUT_OF_SCOPE,
        tuple(sorted(results, key=_result_order)),
        dict(sorted(per_check.items())),
        tuple(sorted(notes, key=lambda n: (n.check, n.case))),
    )


# ----------------------------------------------------------------------------- Kubescape


def _ks_label(res: Resource) -> str:
    return f"{res.kind}.{res.namespace or '(none)'}.{res.name}"


def _kubescape_config(mapping: PeerMapping, data: Mapping[str, Any] | None) -> Config:
    """Carry the peer's posture configuration over where kubeward has the same option."""
    inputs = (data or {}).get("postureControlInputs") or {}
    allow = inputs.get("imageRepositoryAllowList")
    options = dict(mapping.options or {})
    if "IMG004" in mapping.codes and allow:
        # entries are registry domains; ECR/ACR/GCR hosts are their subdomains
        registries = sorted({p for a in allow for p in (str(a), f"*.{a}")})
        options["IMG004"] = {"allowed_registries": registries}
    return Config(options=options)


def _kubescape_case(root: Path, row: Mapping[str, Any], mapping: PeerMapping) -> list[ObjectResult]:
    case = f"{row['rule']}/{row['case']}"
    paths = [str(root / p) for p in row["inputs"]]
    objs, file_errors = _read_objects(paths, root)
    objs = _label_duplicates(objs, {i: _ks_label(o.resource) for i, o in enumerate(objs)})
    data = None
    if row.get("data_json"):
        data = json.loads((root / row["data_json"]).read_text(encoding="utf-8"))
    flagged = _scan(paths, mapping.codes, _kubescape_config(mapping, data))

    peer_flags: set[int] = set()
    for alert in row["expected_alerts"]:
        for ref in alert["objects"]:
            if ref.get("external"):
                raise AssertionError(f"{case}: subject alert in a mapped workload rule")
            kind, name, ns = ref.get("kind"), ref.get("name"), ref.get("namespace")
            hits = [
                o
                for o in objs
                if o.resource.kind == kind
                and o.resource.name == name
                and (not ns or (o.resource.namespace or "") == ns)
            ]
            if len({_ks_label(o.resource) for o in hits}) > 1:
                want = KUBESCAPE_AMBIGUOUS.get((case, str(kind), str(name)), "?")
                hits = [o for o in hits if o.resource.namespace == want]
            if not hits:
                raise AssertionError(f"{case}: alert object {ref} matches no input object")
            peer_flags.update(id(o) for o in hits)

    match_kinds = set(row.get("rule_match_kinds") or [])
    results: list[ObjectResult] = []
    for o in objs:
        res = o.resource
        codes = flagged.get(_object_key(res), set())
        peer_sees = (not match_kinds or res.kind in match_kinds) and _applies(mapping, res)
        if not (peer_sees or id(o) in peer_flags or codes):
            continue
        results.append(
            ObjectResult(
                "kubescape",
                mapping.check,
                case,
                o.label,
                (id(o) in peer_flags) if (peer_sees or id(o) in peer_flags) else None,
                _verdict(o, codes),
                tuple(sorted(codes)),
                _detail(o, file_errors),
            )
        )
    return results


@cache
def kubescape_run(shared: Path) -> PeerRun:
    root = shared / KUBESCAPE
    mappings = {m.check: m for m in KUBESCAPE_MAPPINGS}
    results: list[ObjectResult] = []
    per_check: dict[str, int] = defaultdict(int)
    rows = jsonl_rows(root / "cases.jsonl")
    for row in rows:
        per_check[row["rule"]] += 1
        mapping = mappings.get(row["rule"])
        if mapping is not None:
            results += _kubescape_case(root, row, mapping)
    return PeerRun(
        "kubescape",
        KUBESCAPE_MAPPINGS,
        KUBESCAPE_OUT_OF_SCOPE,
        tuple(sorted(results, key=_result_order)),
        dict(sorted(per_check.items())),
        (),
    )


def jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines case file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def mapped_checkov_run(shared: Path, mappings: Sequence[PeerMapping]) -> PeerRun:
    """Only the given Checkov checks, each on its test cases (a domain harness's run)."""
    root = shared / CHECKOV
    by_check = {m.check: m for m in mappings}
    results: list[ObjectResult] = []
    per_check: dict[str, int] = defaultdict(int)
    for row in jsonl_rows(root / "cases.jsonl"):
        check = str(row.get("check_id") or "")
        mapping = by_check.get(check)
        if mapping is None or row.get("not_a_check_case"):
            continue
        per_check[check] += 1
        observed = row["observed"]
        records = [(f, rid, True) for f, rid in observed["failed_records"]]
        records += [(f, rid, False) for f, rid in observed["passed_records"]]
        case = f"{check} {row['test_function']}"
        results += _checkov_case(root, check, case, mapping, str(row["input_dir"]), records)
    return PeerRun("checkov", tuple(mappings), (), tuple(results), dict(per_check), ())


def mapped_kubescape_run(shared: Path, mappings: Sequence[PeerMapping]) -> PeerRun:
    """Only the given Kubescape rules, each on its test cases (a domain harness's run)."""
    root = shared / KUBESCAPE
    by_check = {m.check: m for m in mappings}
    results: list[ObjectResult] = []
    per_check: dict[str, int] = defaultdict(int)
    for row in jsonl_rows(root / "cases.jsonl"):
        mapping = by_check.get(str(row["rule"]))
        if mapping is not None:
            per_check[mapping.check] += 1
            results += _kubescape_case(root, row, mapping)
    return PeerRun("kubescape", tuple(mappings), (), tuple(results), dict(per_check), ())


def _result_order(r: ObjectResult) -> tuple[str, str, str, str]:
    return (r.check, r.case, r.obj, r.kubeward)


# ============================================================================ checks on the data


def out_of_scope_of(run: PeerRun, check: str) -> list[OutOfScope]:
    return [
        group
        for group in run.out_of_scope
        if any(fnmatch.fnmatchcase(check, pattern) for pattern in group.checks)
    ]


def classification_problems(run: PeerRun) -> list[str]:
    """Peer checks that are neither mapped nor out of scope, or classified twice, or listed
    without being in the corpus."""
    mapped = [m.check for m in run.mappings]
    problems = [f"{c}: mapped twice" for c in sorted({c for c in mapped if mapped.count(c) > 1})]
    for check in run.cases_per_check:
        groups = out_of_scope_of(run, check)
        where = len(groups) + (check in mapped)
        if where == 0:
            problems.append(f"{check}: neither mapped nor listed as out of scope")
        elif where > 1:
            problems.append(f"{check}: classified more than once")
    problems += [
        f"{c}: mapped but not in the corpus" for c in mapped if c not in run.cases_per_check
    ]
    for group in run.out_of_scope:
        for pattern in group.checks:
            if not any(fnmatch.fnmatchcase(c, pattern) for c in run.cases_per_check):
                problems.append(f"{pattern}: listed as out of scope but matches no corpus check")
    return problems


def explained_for(
    peer: str, explanations: Iterable[Explained] | None = None
) -> dict[tuple[str, str, str, str, str], Explained]:
    """The explanations of one peer's disagreements (by default this module's table; other
    harnesses pass their own)."""
    table = DISAGREEMENTS if explanations is None else explanations
    return {e.key: e for e in table if e.peer == peer}


def unexplained(
    run: PeerRun, explanations: Iterable[Explained] | None = None
) -> list[ObjectResult]:
    table = explained_for(run.peer, explanations)
    return [r for r in run.disagreements() if r.key not in table]


def stale_explanations(
    run: PeerRun, explanations: Iterable[Explained] | None = None
) -> list[Explained]:
    seen = {r.key for r in run.disagreements()}
    return [e for e in explained_for(run.peer, explanations).values() if e.key not in seen]


# ============================================================================ Markdown


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _codes(codes: Iterable[str]) -> str:
    return ", ".join(codes) or "-"


def natural(text: str) -> tuple[Any, ...]:
    """Sort key that orders CKV_K8S_2 before CKV_K8S_10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def _section(
    run: PeerRun,
    title: str,
    intro: str,
    peer_name: str,
    explanations: Iterable[Explained] | None = None,
) -> str:
    lines = [f"## {title}", "", intro, ""]
    by_check: dict[str, list[ObjectResult]] = defaultdict(list)
    for r in run.results:
        by_check[r.check].append(r)

    lines += [
        "### Mapped checks",
        "",
        "| peer check | kubeward | why mapped | cases | objects compared | agree | disagree "
        "| peer did not evaluate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    tot_cases = tot_cmp = tot_agree = tot_dis = tot_extra = 0
    for m in sorted(run.mappings, key=lambda m: natural(m.check)):
        rs = by_check.get(m.check, [])
        cmp_ = [r for r in rs if r.compared]
        agree = sum(r.agrees for r in cmp_)
        extra = len(rs) - len(cmp_)
        cases = len({r.case for r in rs})
        tot_cases += cases
        tot_cmp += len(cmp_)
        tot_agree += agree
        tot_dis += len(cmp_) - agree
        tot_extra += extra
        lines.append(
            f"| {m.check} | {_codes(m.codes)} | {_cell(m.why)} | {cases} | {len(cmp_)} | {agree} "
            f"| {len(cmp_) - agree} | {extra} |"
        )
    pct = f" ({100 * tot_agree / tot_cmp:.1f}%)" if tot_cmp else ""
    lines += [
        f"| **total** ({len(run.mappings)} checks) | | | {tot_cases} | {tot_cmp} "
        f"| {tot_agree}{pct} | {tot_dis} | {tot_extra} |",
        "",
        "'Objects compared' are the objects the peer has a verdict on; 'peer did not evaluate' "
        "counts objects kubeward flags with a mapped code that the peer has no verdict on "
        "(kinds it does not check); they are listed below, not counted as disagreements.",
        "",
    ]

    dis = run.disagreements()
    table = explained_for(run.peer, explanations)
    lines += [f"### Disagreements ({len(dis)})", ""]
    reasons: dict[str, tuple[Reason, list[str]]] = {}
    if dis:
        lines += [
            f"| case | object | kubeward | {peer_name} | who is right | reason |",
            "|---|---|---|---|---|---|",
        ]
        tally: dict[str, int] = defaultdict(int)
        for r in dis:
            e = table.get(r.key)
            kw = r.kubeward + (f" ({_codes(r.codes)})" if r.codes else "")
            right = e.right if e else "**unexplained**"
            why = e.reason.title if e else "not in the DISAGREEMENTS table"
            tally[e.right if e else "unexplained"] += 1
            if e is not None:
                reasons.setdefault(e.reason.title, (e.reason, []))[1].append(e.right)
            lines.append(
                f"| {_cell(r.case)} | {_cell(r.obj)} | {_cell(kw)} | {r.peer_verdict} "
                f"| {right} | {_cell(why)} |"
            )
        lines += [
            "",
            "Who is right: "
            + ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
            + " ('scope' = a deliberate scope difference).",
            "",
            "Reasons:",
            "",
        ]
        for reason_title in sorted(reasons):
            reason, rights = reasons[reason_title]
            lines.append(
                f"- **{_cell(reason_title)}** ({len(rights)}; {', '.join(sorted(set(rights)))}): "
                f"{_cell(reason.text)}"
            )
    else:
        lines.append("None.")
    lines.append("")

    unevaluated = [r for r in run.results if not r.compared]
    if unevaluated:
        lines += [
            f"### Flagged by kubeward, not evaluated by {peer_name} ({len(unevaluated)})",
            "",
        ]
        lines += [f"- {_cell(r.case)}: {_cell(r.obj)} ({_codes(r.codes)})" for r in unevaluated]
        lines.append("")

    mapped = {m.check for m in run.mappings}
    oos_checks = [c for c in run.cases_per_check if c not in mapped]
    oos_cases = sum(run.cases_per_check[c] for c in oos_checks)
    lines += [
        f"### Out of scope for these rules ({len(oos_checks)} checks, {oos_cases} cases)",
        "",
        "| category | reason | checks | cases |",
        "|---|---|---|---|",
    ]
    for group in run.out_of_scope:
        members = sorted((c for c in oos_checks if group in out_of_scope_of(run, c)), key=natural)
        cases = sum(run.cases_per_check[c] for c in members)
        lines.append(
            f"| {_cell(group.category)} | {_cell(group.reason)} | {len(members)}: "
            f"{_cell(', '.join(members))} | {cases} |"
        )
    lines.append("")
    if run.notes:
        lines += [f"### Cases not compared ({len(run.notes)})", ""]
        lines += [f"- {_cell(n.case)}: {_cell(n.reason)}" for n in run.notes]
        lines.append("")
    return "\n".join(lines)


def checkov_section(shared: Path) -> str:
    """Markdown: kubeward vs Checkov 3.3.13's Kubernetes check tests."""
    intro = (
        "Corpus: `corpora/checkov-kubernetes`, the test inputs of Checkov 3.3.13's Kubernetes "
        "checks with per-object results (`observed.passed_records`/`failed_records`, which "
        "reproduce the upstream assertions) and the graph checks' `expected.yaml`. For each "
        "mapped check, kubeward runs only the mapped rules on the same input directory and every "
        "object Checkov judged is compared: Checkov failed it vs kubeward reported a mapped code "
        "on it. Objects are matched by file and `Kind.namespace.name` (namespace `default` when "
        "absent); graph ids name pod-template entities `Pod.<ns>.<owner>.<labels>`, matched to "
        "the owning object. Harness: `tests/conformance/peers.py`."
    )
    return _section(checkov_run(shared), "Checkov: Kubernetes check tests", intro, "Checkov")


def kubescape_section(shared: Path) -> str:
    """Markdown: kubeward vs the Kubescape regolibrary rule tests."""
    intro = (
        "Corpus: `corpora/kubescape-regolibrary`, the regolibrary rule tests (inputs and expected "
        "alerts). For each mapped rule, kubeward runs only the mapped codes on the case's input "
        "files and compares every input object the rule matches (by kind) and the kubeward rules "
        "evaluate: flagged by an expected alert vs kubeward reported a mapped code on it. Alert "
        "objects often omit the namespace; they are matched by kind and name among the inputs. "
        "Posture configuration (`data.json`) is carried over where kubeward has the same option "
        "(registry allow-list for IMG004). Harness: `tests/conformance/peers.py`."
    )
    return _section(kubescape_run(shared), "Kubescape: regolibrary rule tests", intro, "Kubescape")


__all__ = [
    "CHECKOV_MAPPINGS",
    "CHECKOV_OUT_OF_SCOPE",
    "DISAGREEMENTS",
    "KUBESCAPE_MAPPINGS",
    "KUBESCAPE_OUT_OF_SCOPE",
    "Explained",
    "ObjectResult",
    "PeerMapping",
    "PeerRun",
    "checkov_run",
    "checkov_section",
    "classification_problems",
    "kubescape_run",
    "kubescape_section",
    "stale_explanations",
    "unexplained",
]
