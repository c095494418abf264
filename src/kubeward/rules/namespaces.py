"""NS rules: namespaces as boundaries, their guard rails, and objects placed in them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubeward.analysis import pss
from kubeward.catalogue import rule
from kubeward.findings import Severity, Violation
from kubeward.model.inventory import Inventory
from kubeward.model.resource import Resource
from kubeward.model.workload import Workload

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
PSA_ENFORCE = "pod-security.kubernetes.io/enforce"
PSA_ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version"


@rule("NS001", severity=Severity.MEDIUM)
def default_namespace(r: Resource) -> Iterator[Violation]:
    """Object is placed in the `default` namespace.

    Namespaces are the unit of RBAC, NetworkPolicy, quotas and Pod Security Admission. The
    `default` namespace usually has none of these, and everyone tends to have rights there.
    Objects the API server creates itself (the `kubernetes` Service, its Endpoints and
    EndpointSlice, the `default` ServiceAccount, the `kube-root-ca.crt` ConfigMap) are exempt.

    ## Why it matters
    Workloads in `default` share one loosely governed boundary with whatever else lands there,
    so a compromise of one reaches the others.

    ## Fix
    Create a namespace per application or team and set `metadata.namespace` (or the namespace
    of your Helm release or kustomization).

    ## References
    - seed 000 (AKS security concepts): namespaces as logical isolation boundaries
    - CIS AKS 1.8: 4.6.3 the default namespace should not be used
    - Other tools: Checkov CKV_K8S_21, Trivy KSV110, Kubescape C-0061, kube-linter use-namespace
    """
    if r.namespaced and r.namespace == "default" and not r.builtin:
        yield r.violation(
            f"{r.kind} {r.name} is in the default namespace", ("metadata", "namespace")
        )


@rule("NS002", severity=Severity.INFO)
def namespace_not_set(r: Resource) -> Iterator[Violation]:
    """Namespaced object does not say which namespace it belongs to.

    It lands in whatever namespace the applying tool chooses, which is `default` unless a
    namespace is passed on the command line, in the kubeconfig context, or by Helm/kustomize.

    ## Why it matters
    The object's boundary (RBAC, NetworkPolicies, quotas, Pod Security level) depends on who
    applies it and how, not on the manifest under review.

    ## Fix
    Set `metadata.namespace`, or make sure your Helm release or kustomization sets it.

    ## References
    - CIS AKS 1.8: 4.6.3
    - Other tools: Checkov CKV_K8S_21
    """
    if r.namespaced and r.namespace is None and not r.builtin:
        yield r.violation(f"{r.kind} {r.name} has no metadata.namespace", "metadata")


@rule("NS003", severity=Severity.LOW)
def kube_system_workload(w: Workload) -> Iterator[Violation]:
    """Workload is deployed into a Kubernetes system namespace.

    `kube-system`, `kube-public` and `kube-node-lease` belong to the cluster's own components;
    on AKS, `kube-system` is managed by the platform.

    ## Why it matters
    System namespaces are exempt from many policies and hold highly privileged service
    accounts and secrets; an application there inherits that blast radius.

    ## Fix
    Deploy cluster add-ons into their own namespace (`monitoring`, `ingress-nginx`, ...).

    ## References
    - seed 000 (AKS security concepts): the managed control plane and its components
    - Other tools: Trivy KSV037
    """
    ns = w.resource.namespace
    if ns in SYSTEM_NAMESPACES:
        yield w.violation(
            f"{w.resource.kind} {w.name} runs in system namespace {ns}", ("metadata", "namespace")
        )


def _user_namespaces(inv: Inventory) -> Iterator[Resource]:
    for ns in inv.of_kind("Namespace"):
        if ns.name not in SYSTEM_NAMESPACES:
            yield ns


@rule("NS004", severity=Severity.LOW)
def namespace_without_resource_quota(inv: Inventory) -> Iterator[Violation]:
    """Namespace has no ResourceQuota.

    Only Namespace objects in the scanned input are checked, against the ResourceQuotas in
    the same input.

    ## Why it matters
    Without a quota, one compromised or runaway workload can exhaust the cluster's CPU,
    memory, pods or load balancers and deny service to every other namespace.

    ## Fix
    Add a ResourceQuota to the namespace (requests, limits, pods, services.loadbalancers).

    ## References
    - seed 000 (AKS security concepts): namespaces and logical isolation
    - Other tools: Trivy KSV040, hardeneks ensure_namespace_quotas_exist, Kyverno add-ns-quota
    """
    quotas = {r.namespace for r in inv.of_kind("ResourceQuota")}
    for ns in _user_namespaces(inv):
        if ns.name not in quotas:
            yield Violation(f"namespace {ns.name} has no ResourceQuota", (), resource=ns)


@rule("NS005", severity=Severity.LOW)
def namespace_without_limit_range(inv: Inventory) -> Iterator[Violation]:
    """Namespace has no LimitRange.

    Only Namespace objects in the scanned input are checked, against the LimitRanges in the
    same input.

    ## Why it matters
    A LimitRange gives containers without requests or limits sane defaults; without one such
    containers are unbounded and a single pod can starve its node.

    ## Fix
    Add a LimitRange with default requests and limits for containers.

    ## References
    - Other tools: Trivy KSV039
    """
    limits = {r.namespace for r in inv.of_kind("LimitRange")}
    for ns in _user_namespaces(inv):
        if ns.name not in limits:
            yield Violation(f"namespace {ns.name} has no LimitRange", (), resource=ns)


@rule("NS006", severity=Severity.MEDIUM)
def namespace_psa_not_enforced(r: Resource) -> Iterator[Violation]:
    """Namespace does not enforce a Pod Security Standard.

    The label `pod-security.kubernetes.io/enforce` is missing, set to `privileged`, or not a
    level Kubernetes knows. System namespaces are exempt.

    ## Why it matters
    Pod Security Admission is built into every AKS cluster; a namespace with an `enforce`
    level of `baseline` or `restricted` rejects privileged pods even when a manifest slips
    past review. Without the label anything is admitted.

    ## Fix
    Label the namespace `pod-security.kubernetes.io/enforce: restricted` (or `baseline`) and
    pin `pod-security.kubernetes.io/enforce-version`. Use `kubeward pss` to see which
    workloads would be rejected first.

    ## References
    - seed 002 (AKS pod security): pod security contexts, enforced by the cluster operator
    - CIS AKS 1.8: 4.2 (minimise the admission of ...) via Pod Security Admission
    - Other tools: hardeneks ensure_namespace_psa_exist, Kyverno psa policies
    """
    if r.kind != "Namespace" or r.name in SYSTEM_NAMESPACES:
        return
    level = r.labels.get(PSA_ENFORCE)
    at = ("metadata", "labels", PSA_ENFORCE)
    if level is None:
        yield r.violation(f"namespace {r.name} has no {PSA_ENFORCE} label", ("metadata",))
    elif level == "privileged":
        yield r.violation(f"namespace {r.name} enforces the privileged level (no restriction)", at)
    elif level not in pss.LEVELS:
        yield r.violation(
            f"namespace {r.name} has an invalid Pod Security level {level!r}; the API server "
            "refuses the Namespace (levels: privileged, baseline, restricted)",
            at,
        )
    version = r.labels.get(PSA_ENFORCE_VERSION)
    if version is not None and psa_version(version) is None:
        yield r.violation(
            f"namespace {r.name} has an invalid {PSA_ENFORCE_VERSION} {version!r}; the API "
            "server refuses the Namespace (use latest or v1.N)",
            ("metadata", "labels", PSA_ENFORCE_VERSION),
        )


_VERSION_LABEL = re.compile(r"v1\.(0|[1-9][0-9]*)")


def psa_version(text: str) -> pss.Version | None:
    """A version label as Pod Security Admission reads it: `latest` or `v1.N`, nothing else."""
    if text == "latest":
        return pss.LATEST
    m = _VERSION_LABEL.fullmatch(text)
    return pss.Version(1, int(m.group(1))) if m else None


@rule("NS007", severity=Severity.HIGH)
def workload_rejected_by_namespace_psa(inv: Inventory) -> Iterator[Violation]:
    """Workload's pods would be rejected by its namespace's Pod Security Admission level.

    The namespace (in the scanned input) enforces a Pod Security Standard through
    `pod-security.kubernetes.io/enforce` (and `enforce-version`), and the workload's pod
    template violates it. The controller object is admitted with only a warning, but every
    pod it creates is refused.

    ## Why it matters
    The deployment silently never becomes ready; under pressure, people then weaken the
    namespace's level instead of fixing the workload.

    ## Fix
    Fix the listed checks in the pod template (see `kubeward pss`), or move the workload to a
    namespace whose level it is designed for.

    ## References
    - Kubernetes docs: Pod Security Admission
    - seed 002 (AKS pod security): security contexts agreed with the cluster operator
    """
    levels: dict[str, tuple[str, pss.Version, str]] = {}
    for ns in inv.of_kind("Namespace"):
        level = ns.labels.get(PSA_ENFORCE)
        if level is None or level == "privileged":
            continue
        if level not in pss.LEVELS:
            level = "restricted"  # an invalid level is evaluated as restricted
        label = ns.labels.get(PSA_ENFORCE_VERSION, "latest")
        version = psa_version(label)
        if version is None or label == "latest":  # an invalid version is evaluated as latest
            version, shown = pss.LATEST, f"latest, evaluated as {pss.LATEST}"
        else:
            shown = label
        levels[ns.name] = (level, version, shown)
    if not levels:
        return
    for w in inv.workloads:
        ns_name = w.resource.namespace
        if ns_name is None or ns_name not in levels:
            continue
        level, version, shown = levels[ns_name]
        violations = pss.evaluate_workload(w, level, version)
        if violations:
            checks = ", ".join(dict.fromkeys(v.check for v in violations))
            what = "pods of " if w.pod.meta_path != ("metadata",) else ""
            yield Violation(
                f"{what}{w.resource.kind} {w.name} would be rejected in namespace {ns_name} "
                f"(enforce: {level}, version {shown}): {checks}",
                w.pod.spec_path,
                resource=w.resource,
            )
