"""NET rules: network isolation, exposure through Services and Ingress, TLS and WAF.

Relational rules take the `Reachability` scene: the exact NetworkPolicy semantics of
`kubeward.analysis.reachability`, over every object of the scan. Per-object rules read the
typed Service and Ingress views of `kubeward.model.network`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from kubeward.analysis.reachability import Endpoint, Reachability
from kubeward.catalogue import rule
from kubeward.findings import Severity, Violation
from kubeward.model.network import (
    EGRESS,
    INGRESS,
    Peer,
    build_ingress,
    build_network_policy,
    build_service,
    is_ingress,
    is_network_policy,
    is_service,
)
from kubeward.model.path import Path
from kubeward.model.resource import Resource
from kubeward.model.workload import Workload

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
IMDS = "169.254.169.254"
INTERNAL_LB = "service.beta.kubernetes.io/azure-load-balancer-internal"
NAME_LABEL = "kubernetes.io/metadata.name"


def _where(ep: Endpoint) -> tuple[Resource, Path]:
    """The object and path findings about an endpoint point at: its pod template's labels."""
    w = ep.workloads[0]
    return w.resource, w.pod.meta_path


def _directions(flags: Mapping[str, bool]) -> str:
    missing = [d for d in (INGRESS, EGRESS) if not flags[d]]
    return " and ".join(missing)


# ============================================================================ isolation


@rule("NET001", severity=Severity.MEDIUM)
def namespace_without_default_deny(net: Reachability) -> Iterator[Violation]:
    """Namespace has no default-deny NetworkPolicy for ingress or egress.

    A default-deny policy selects every pod of its namespace (`podSelector: {}`) for a
    direction, so that pod is isolated and only what other policies allow gets through. Only
    Namespace objects in the scanned input are checked, against the NetworkPolicies in the same
    input; system namespaces are exempt. A policy that selects every pod but then allows every
    peer is not a default deny (NET005 reports such rules).

    ## Why it matters
    Kubernetes allows all traffic between all pods until a policy selects them. Without a
    default deny, every new workload in the namespace starts reachable from, and able to
    reach, the whole cluster and the internet, including the instance metadata endpoint.

    ## Fix
    Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` and no
    rules, then allow what each workload needs (DNS egress to kube-system first).

    ## References
    - seed 001 (AKS network connectivity), "네트워크 정책을 통해 트래픽 흐름을 제어" (control
      traffic flow with network policies): by default all traffic between pods is allowed
    - seed 003 (cluster hardening), "포드 간 통신을 제한하는 네트워크 정책 구현" (network
      policies that restrict pod-to-pod traffic)
    - CIS AKS 1.8: 4.4.2 all namespaces should have network policies defined
    - Other tools: Kubescape C-0206, C-0030; Trivy KSV038; hardeneks
      check_default_deny_policy_exists
    """
    for ns in net.namespace_objects.values():
        if ns.name in SYSTEM_NAMESPACES:
            continue
        flags = {INGRESS: False, EGRESS: False}
        for p in net.policies:
            if p.namespace != ns.name or not p.pod_selector.empty:
                continue
            for d in (INGRESS, EGRESS):
                if p.isolates(d) and not any(r.any_peer for r in p.rules(d)):
                    flags[d] = True
        if not all(flags.values()):
            yield Violation(
                f"namespace {ns.name} has no default-deny NetworkPolicy for {_directions(flags)}",
                (),
                resource=ns,
            )


@rule("NET002", severity=Severity.MEDIUM)
def workload_not_isolated(net: Reachability) -> Iterator[Violation]:
    """Workload's pods are selected by no NetworkPolicy for ingress or egress.

    Pods are folded into their top owner (a Deployment, not its ReplicaSets and Pods). A pod is
    isolated for a direction only when a policy of its namespace selects it with that direction
    in its `policyTypes`; selection by a policy of the other direction does not count.
    Host-network pods are left to POD201: NetworkPolicy cannot isolate them.

    ## Why it matters
    A pod no policy isolates accepts connections from every pod of the cluster and from
    outside, and may connect anywhere, whatever other policies say about other pods.

    ## Fix
    Add a default-deny policy to the namespace (NET001), or a policy whose `podSelector`
    matches the workload's pod labels, for both `Ingress` and `Egress`.

    ## References
    - seed 001 (AKS network connectivity), "네트워크 정책을 통해 트래픽 흐름을 제어" (control
      traffic flow with network policies)
    - seed 003 (cluster hardening), "포드 간 통신을 제한하는 네트워크 정책 구현"
    - Other tools: kube-score pod-networkpolicy, Polaris missingNetworkPolicy, kube-linter
      non-isolated-pod, Checkov CKV2_K8S_6, Kubescape C-0260
    """
    for ep in net.real_endpoints:
        if ep.host_network and net.host_network_mode == "node":
            continue
        flags = {d: net.isolated(ep, d) for d in (INGRESS, EGRESS)}
        if all(flags.values()):
            continue
        res, at = _where(ep)
        yield Violation(
            f"no NetworkPolicy selects the pods of {ep.kind} {ep.name} for {_directions(flags)}",
            at,
            resource=res,
        )


@rule("NET003", severity=Severity.LOW)
def policy_selects_nothing(net: Reachability) -> Iterator[Violation]:
    """NetworkPolicy's podSelector selects no pod of the input.

    Judged only when the scanned input has pods (workloads) in the policy's namespace: a policy
    shipped apart from its workloads is not flagged. A typo in a label or a renamed app leaves
    the intended pods unprotected while the policy looks like protection.

    ## Why it matters
    The policy isolates nothing: the pods it was written for accept and send anything.

    ## Fix
    Make `spec.podSelector` match the pod template labels of the workload it protects, or
    delete the policy.

    ## References
    - seed 001 (AKS network connectivity), "네트워크 정책을 통해 트래픽 흐름을 제어"
    - Other tools: kube-score networkpolicy-targets-pod, kube-linter dangling-networkpolicy,
      Kubescape C-0299
    """
    with_pods = net.namespaces_with_pods()
    for p in net.policies:
        if p.namespace in with_pods and not net.selects_any(p):
            yield Violation(
                f"NetworkPolicy {p.name} selects no pod in namespace {p.namespace} "
                f"(podSelector {p.pod_selector.text()})",
                ("spec", "podSelector"),
                resource=p.resource,
            )


def _known_scope(net: Reachability, policy_ns: str, peer: Peer, with_pods: set[str]) -> bool:
    """Whether every namespace a peer can match is one whose pods the input shows."""
    ns = peer.namespace_selector
    if ns is None:
        return policy_ns in with_pods
    names = [v for k, v in ns.match_labels if k == NAME_LABEL]
    return len(names) == 1 and names[0] in with_pods


@rule("NET004", severity=Severity.LOW)
def policy_peer_selects_nothing(net: Reachability) -> Iterator[Violation]:
    """NetworkPolicy rule peer matches no pod of the input.

    Judged only for peers confined to namespaces whose pods are in the input: a peer without
    `namespaceSelector` (the policy's namespace), or one naming a single namespace by
    `kubernetes.io/metadata.name`. A peer that can match namespaces outside the input is
    potential exposure, not an error (see `kubeward netpol list --exposure`).

    ## Why it matters
    The rule was meant to allow some traffic; matching nothing, it allows none, and the usual
    reaction to the resulting outage is to loosen the policy until everything is allowed.

    ## Fix
    Correct the peer's selectors to the labels of the pods and namespace it means.

    ## References
    - seed 001 (AKS network connectivity), "네트워크 정책을 통해 트래픽 흐름을 제어"
    - Other tools: kube-linter dangling-networkpolicypeer-podselector, popeye POP-1206/1207
    """
    with_pods = net.namespaces_with_pods()
    for p in net.policies:
        for r in (*p.ingress_rules, *p.egress_rules):
            for peer in r.peers:
                if peer.ip_block is not None or not _known_scope(net, p.namespace, peer, with_pods):
                    continue
                if not net.peer_selects_any(p, peer):
                    parts = []
                    if peer.namespace_selector is not None:
                        parts.append(f"namespaceSelector {peer.namespace_selector.text()}")
                    if peer.pod_selector is not None:
                        parts.append(f"podSelector {peer.pod_selector.text()}")
                    yield Violation(
                        f"NetworkPolicy {p.name}: {r.direction} rule {r.index} peer "
                        f"({', '.join(parts)}) matches no pod of the input",
                        peer.path,
                        resource=p.resource,
                    )


@rule("NET005", severity=Severity.MEDIUM)
def policy_allows_all(r: Resource) -> Iterator[Violation]:
    """NetworkPolicy rule allows every peer: empty `from`/`to`, all namespaces, or `0.0.0.0/0`.

    Flags a rule without `from` (ingress) or `to` (egress), which admits every pod and every
    address; a peer `namespaceSelector: {}` without a podSelector restriction, which admits
    every pod of every namespace; and an `ipBlock` of `0.0.0.0/0` or `::/0`, which admits the
    internet (its `except` list notwithstanding).

    ## Why it matters
    An allow-all rule silently cancels the isolation of every pod the policy selects, often
    left over from debugging. On ingress it exposes the pods to the whole cluster or the
    internet; on egress it opens the path to data exfiltration and to the node's metadata
    endpoint.

    ## Fix
    List the peers that need access: pods by label, namespaces by label, or specific external
    CIDRs, with the ports they need.

    ## References
    - seed 001 (AKS network connectivity), "네트워크 정책을 통해 트래픽 흐름을 제어"
    - seed 003 (cluster hardening), "포드 간 통신을 제한하는 네트워크 정책 구현"
    - Other tools: popeye POP-1203, Kyverno restrict-networkpolicy-empty-podselector,
      np-guard netpol-analyzer --exposure
    """
    if not is_network_policy(r):
        return
    p = build_network_policy(r)
    for rule_ in (*p.ingress_rules, *p.egress_rules):
        key = "from" if rule_.direction == INGRESS else "to"
        what = "source" if rule_.direction == INGRESS else "destination"
        on = "on every port" if rule_.any_port else "on the listed ports"
        if rule_.any_peer:
            yield r.violation(
                f"{rule_.direction} rule {rule_.index} has no `{key}`: it admits every {what}, "
                f"inside and outside the cluster, {on}",
                rule_.path,
            )
            continue
        for peer in rule_.peers:
            ns, pod, block = peer.namespace_selector, peer.pod_selector, peer.ip_block
            if ns is not None and ns.empty and (pod is None or pod.empty):
                yield r.violation(
                    f"{rule_.direction} rule {rule_.index} admits every pod of every namespace "
                    f"(namespaceSelector: {{}}) {on}",
                    peer.path + ("namespaceSelector",),
                )
            elif block is not None and block.cidr.endswith("/0"):
                excepted = f" except {', '.join(block.excepts)}" if block.excepts else ""
                yield r.violation(
                    f"{rule_.direction} rule {rule_.index} admits every address "
                    f"({block.cidr}{excepted}) {on}",
                    peer.path + ("ipBlock", "cidr"),
                )


@rule("NET006", severity=Severity.HIGH)
def metadata_endpoint_reachable(net: Reachability) -> Iterator[Violation]:
    """Workload can reach the instance metadata endpoint 169.254.169.254.

    The endpoint's egress is evaluated exactly: a pod no egress policy isolates reaches it, and
    an isolated pod reaches it when a rule admits every destination or an `ipBlock` that
    contains 169.254.169.254 on TCP port 80. Host-network pods always reach it: their traffic is
    the node's.

    ## Why it matters
    On AKS, the Azure Instance Metadata Service hands out tokens of the node's managed identity
    (the kubelet identity), which can pull images from ACR and often more. A compromised pod
    that reaches IMDS steals the node's credentials: the classic path from a pod to the cloud
    account.

    ## Fix
    Isolate every workload for egress (NET001) and allow internet egress only as
    `ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32, ...]}`; use Entra Workload ID for
    pods that need Azure access, and consider AKS's IMDS restriction.

    ## References
    - seed 000 (AKS security concepts), "네트워크 보안" (network security) and
      "Kubernetes 네트워크 정책" (Kubernetes network policy)
    - seed 002 (AKS pod security): use Microsoft Entra Workload ID rather than node identities
    - Other tools: Kubescape C-0052 (instance metadata API)
    """
    for ep in net.real_endpoints:
        if ep.host_network and net.host_network_mode == "node":
            res, at = _where(ep)
            yield Violation(
                f"host-network pods of {ep.kind} {ep.name} reach {IMDS} as the node does; "
                "no NetworkPolicy can stop them",
                at,
                resource=res,
            )
            continue
        conns = net.egress_to(ep, IMDS)
        if conns.contains("TCP", 80):
            res, at = _where(ep)
            why = (
                "no egress policy isolates them"
                if not net.isolated(ep, EGRESS)
                else f"egress policies allow {conns.text()} to it"
            )
            yield Violation(
                f"pods of {ep.kind} {ep.name} can reach the instance metadata endpoint "
                f"{IMDS}: {why}",
                at,
                resource=res,
            )


# ============================================================================ Services


@rule("NET007", severity=Severity.MEDIUM)
def service_node_port(r: Resource) -> Iterator[Violation]:
    """Service is of type NodePort.

    A NodePort Service opens the same port on every node of the cluster.

    ## Why it matters
    Node ports bypass the ingress layer (TLS, WAF, authentication) and expose the workload on
    every node's address; with public node IPs or a permissive network security group they are
    reachable from the internet, and they widen the attack surface of the nodes themselves.

    ## Fix
    Use a ClusterIP Service behind an Ingress, or an internal LoadBalancer Service.

    ## References
    - seed 001 (AKS network connectivity), "요새 호스트를 통해 노드에 안전하게 연결" (do not
      expose remote connectivity to nodes) and "수신 트래픽 분산" (distribute ingress traffic
      with an ingress controller)
    - Other tools: kube-score service-type, kube-linter exposed-services, popeye POP-1104,
      Kyverno restrict-node-port, Gatekeeper block-nodeport-services
    """
    if not is_service(r):
        return
    svc = build_service(r)
    if svc.type == "NodePort":
        yield r.violation(f"Service {svc.name} is of type NodePort", ("spec", "type"))


@rule("NET008", severity=Severity.HIGH)
def public_load_balancer(r: Resource) -> Iterator[Violation]:
    """LoadBalancer Service gets a public IP address.

    On AKS a LoadBalancer Service is public unless annotated
    `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`.
    `loadBalancerSourceRanges` narrows who may connect but the address stays public.

    ## Why it matters
    Every public load balancer is a direct path from the internet to the pods, beside the
    ingress controller and its TLS, WAF and authentication.

    ## Fix
    Add the annotation `service.beta.kubernetes.io/azure-load-balancer-internal: "true"`, or
    publish the application through an Ingress behind a WAF.

    ## References
    - seed 000 (AKS security concepts), "네트워크 보안" (network security): ingress controllers
      and services with private, internal IP addresses
    - seed 001 (AKS network connectivity), "수신 트래픽 분산" (distribute ingress traffic)
    - Other tools: Azure Policy LoadbalancerNoPublicIPs, Gatekeeper
      block-loadbalancer-services, popeye POP-1103, Kubescape C-0256
    """
    if not is_service(r):
        return
    svc = build_service(r)
    if svc.type != "LoadBalancer" or r.annotations.get(INTERNAL_LB, "").lower() == "true":
        return
    limited = (
        f"; connections are limited to {', '.join(svc.source_ranges)}" if svc.source_ranges else ""
    )
    yield r.violation(
        f'LoadBalancer Service {svc.name} is public (no {INTERNAL_LB}: "true"){limited}',
        ("spec", "type"),
    )


@rule("NET009", severity=Severity.HIGH)
def service_external_ips(r: Resource) -> Iterator[Violation]:
    """Service sets `externalIPs`.

    Kubernetes routes traffic for the listed addresses to the Service, whoever owns them.

    ## Why it matters
    Anyone who may create a Service can claim any IP address with `externalIPs` and intercept
    the cluster's traffic to it (CVE-2020-8554, a man-in-the-middle by design).

    ## Fix
    Remove `spec.externalIPs`; use a LoadBalancer Service or an Ingress. Block the field with
    an admission policy (AKS Azure Policy, or the DenyServiceExternalIPs admission plugin).

    ## References
    - seed 000 (AKS security concepts), "네트워크 보안" (network security)
    - Other tools: Trivy KSV108, Kyverno restrict-service-external-ips, Gatekeeper externalip,
      Azure Policy AllowedExternalIPs, Kubescape C-0283
    """
    if not is_service(r):
        return
    for ip, path in build_service(r).external_ips:
        yield r.violation(f"Service {r.name} claims external IP {ip}", path)


def _named_port_defined(ep: Endpoint, name: str, protocol: str) -> bool:
    return any((p := v.ports.get(name)) is not None and p.protocol == protocol for v in ep.variants)


@rule("NET010", severity=Severity.MEDIUM)
def service_selects_nothing(net: Reachability) -> Iterator[Violation]:
    """Service selects no pod of the input, or targets a port name its pods do not define.

    Judged only when the input has pods in the Service's namespace. A Service without a
    selector (endpoints managed elsewhere) and an ExternalName Service are not checked.

    ## Why it matters
    A Service that selects nothing sends its clients into a void; the usual reaction to the
    outage, widening labels or selectors, tends to expose pods that were never meant to serve.

    ## Fix
    Make `spec.selector` match the pod template labels, and `targetPort` names the container
    port names of those pods.

    ## References
    - seed 001 (AKS network connectivity), "수신 트래픽 분산" (distribute ingress traffic)
    - Other tools: kube-score service-targets-pod, kube-linter dangling-service and
      invalid-target-ports, Kubescape C-0293, popeye POP-1100
    """
    with_pods = net.namespaces_with_pods()
    for svc in net.services:
        if svc.selector is None or svc.type == "ExternalName" or svc.namespace not in with_pods:
            continue
        if not svc.selector:
            continue
        selected = net.service_endpoints(svc)
        if not selected:
            text = ",".join(f"{k}={v}" for k, v in sorted(svc.selector.items()))
            yield Violation(
                f"Service {svc.name} selects no pod in namespace {svc.namespace} ({text})",
                ("spec", "selector"),
                resource=svc.resource,
            )
            continue
        for port in svc.ports:
            target = port.target_port
            if isinstance(target, str) and not any(
                _named_port_defined(ep, target, port.protocol) for ep in selected
            ):
                yield Violation(
                    f"Service {svc.name} port {port.port} targets port name {target!r}, which "
                    "no selected pod defines",
                    port.path + ("targetPort",),
                    resource=svc.resource,
                )


# ============================================================================ Ingress


@rule("NET011", severity=Severity.MEDIUM)
def ingress_backend_missing(net: Reachability) -> Iterator[Violation]:
    """Ingress backend names a Service or Service port that does not exist.

    Judged only when the input has Services in the Ingress's namespace; a named Service
    must exist, and the backend's port (number or name) must be one of its ports.

    ## Why it matters
    The ingress controller answers 503 for the path, and an Ingress left pointing at a missing
    Service is claimed by whoever creates a Service of that name later.

    ## Fix
    Point `backend.service.name` and `backend.service.port` at an existing Service port.

    ## References
    - seed 001 (AKS network connectivity), "수신 트래픽 분산" (ingress resources route traffic
      to services)
    - Other tools: kube-score ingress-targets-service, kube-linter dangling-ingress,
      Kubescape C-0298, popeye POP-1401/1402
    """
    services = {(s.namespace, s.name): s for s in net.services}
    namespaces = {s.namespace for s in net.services}
    for ing in net.ingresses:
        if ing.namespace not in namespaces:
            continue
        for b in ing.backends:
            if b.service is None:
                continue
            svc = services.get((ing.namespace, b.service))
            if svc is None:
                yield Violation(
                    f"Ingress {ing.name} routes to Service {b.service}, which is not in "
                    f"namespace {ing.namespace}",
                    b.path,
                    resource=ing.resource,
                )
            elif b.port is not None and not any(
                p.port == b.port if isinstance(b.port, int) else p.name == b.port for p in svc.ports
            ):
                yield Violation(
                    f"Ingress {ing.name} routes to port {b.port} of Service {b.service}, "
                    "which has no such port",
                    b.path,
                    resource=ing.resource,
                )


def _host_covered(host: str, tls_hosts: list[str]) -> bool:
    for t in tls_hosts:
        if t == host:
            return True
        if t.startswith("*.") and "." in host and host.split(".", 1)[1] == t[2:]:
            return True
    return False


@rule("NET012", severity=Severity.HIGH)
def ingress_without_tls(r: Resource) -> Iterator[Violation]:
    """Ingress serves a host without TLS.

    Every host of `spec.rules` must be listed under `spec.tls[].hosts` (a wildcard
    `*.example.com` covers one label); an Ingress without any `tls` serves plain HTTP.

    ## Why it matters
    Without TLS, credentials, session cookies and data cross the network in clear text and
    can be read or altered by anyone on the path.

    ## Fix
    Add `spec.tls` with the host and a certificate Secret (cert-manager can issue and renew
    it), and redirect HTTP to HTTPS.

    ## References
    - seed 003 (cluster hardening), "TLS로 네트워크 트래픽 암호화" (encrypt network traffic
      with TLS)
    - seed 001 (AKS network connectivity), "수신 트래픽 분산" (the ingress handles TLS
      termination)
    - CIS AKS 1.8: 5.4.5 encrypt traffic to HTTPS load balancers with TLS certificates
    - Other tools: Polaris tlsSettingsMissing, Kubescape C-0263, Kyverno require-ingress-https,
      Gatekeeper httpsonly, Azure Policy IngressHttpsOnly
    """
    if not is_ingress(r):
        return
    ing = build_ingress(r)
    tls_hosts = [h for t in ing.tls for h in t.hosts]
    if not ing.tls:
        yield r.violation(f"Ingress {ing.name} has no TLS: it serves plain HTTP", ("spec",))
        return
    for rl in ing.rules:
        if rl.host is not None and not _host_covered(rl.host, tls_hosts):
            yield r.violation(f"host {rl.host} is not covered by spec.tls", rl.path + ("host",))


@rule("NET013", severity=Severity.LOW)
def ingress_host_missing_or_wildcard(r: Resource) -> Iterator[Violation]:
    """Ingress rule has no host, or a wildcard host.

    A rule without `host` (or an Ingress with only a default backend) answers requests for
    any host name that reaches the controller; a wildcard host answers a whole domain.

    ## Why it matters
    Catch-all routes publish the application under names nobody reviewed, make TLS coverage
    impossible to check, and let one team's Ingress capture another's traffic.

    ## Fix
    Set an explicit `host` on every rule.

    ## References
    - seed 001 (AKS network connectivity), "수신 리소스" (ingress resources define hosts,
      certificates and rules)
    - Other tools: Kyverno disallow-empty-ingress-host, restrict-ingress-wildcard; Gatekeeper
      block-wildcard-ingress; Azure Policy RequireIngressHost
    """
    if not is_ingress(r):
        return
    ing = build_ingress(r)
    if not ing.rules and ing.default_backend is not None:
        yield r.violation(
            f"Ingress {ing.name} has only a default backend: it answers every host",
            ing.default_backend.path,
        )
    for rl in ing.rules:
        if rl.host is None:
            yield r.violation(f"Ingress {ing.name} rule {rl.path[-1]} has no host", rl.path)
        elif "*" in rl.host:
            yield r.violation(
                f"Ingress {ing.name} has wildcard host {rl.host}", rl.path + ("host",)
            )


_NGINX = "nginx.ingress.kubernetes.io/"
_DANGEROUS_SNIPPET = re.compile(
    r"(?i)\b(lua|_by_lua|alias\s|root\s|load_module|serviceaccount|/var/run/secrets|"
    r"include\s|proxy_pass)"
)


@rule("NET014", severity=Severity.HIGH)
def ingress_nginx_snippet(r: Resource) -> Iterator[Violation]:
    """Ingress uses an ingress-nginx configuration snippet annotation.

    Flags every `nginx.ingress.kubernetes.io/*-snippet` annotation (configuration-snippet,
    server-snippet, auth-snippet, stream-snippet, modsecurity-snippet, ...); the message says
    when the snippet holds Lua, `alias`/`root`, `include` or service account token paths.

    ## Why it matters
    Snippets are raw nginx configuration injected into the controller, which runs with a
    service account that can read every Secret of the cluster. Whoever can create an Ingress
    can read those Secrets through a snippet (CVE-2021-25742, and the 2025 IngressNightmare
    family CVE-2025-1974).

    ## Fix
    Remove the snippet annotation and use the controller's dedicated annotations; run the
    controller with `allow-snippet-annotations: "false"` (the default since v1.9).

    ## References
    - seed 001 (AKS network connectivity), "수신 컨트롤러" (ingress controllers)
    - Other tools: Checkov CKV_K8S_152, CKV_K8S_153, CKV_K8S_154; Kubescape C-0059, C-0292;
      Kyverno disallow-ingress-nginx-custom-snippets
    """
    if not is_ingress(r):
        return
    for key, value in r.annotations.items():
        if key.startswith(_NGINX) and key.endswith("-snippet"):
            m = _DANGEROUS_SNIPPET.search(value)
            extra = f"; it contains {m.group(1).strip()!r}" if m else ""
            yield r.violation(
                f"Ingress {r.name} injects nginx configuration through {key}{extra}",
                ("metadata", "annotations", key),
            )


_AGIC_WAF = "appgw.ingress.kubernetes.io/waf-policy-for-path"


def _has_waf(r: Resource) -> bool:
    ann = r.annotations
    if ann.get(_AGIC_WAF):
        return True
    modsec = ann.get(_NGINX + "enable-modsecurity", "").lower() == "true"
    owasp = ann.get(_NGINX + "enable-owasp-core-rules", "").lower() == "true" or (
        "owasp" in ann.get(_NGINX + "modsecurity-snippet", "").lower()
    )
    return modsec and owasp


@rule("NET015", severity=Severity.MEDIUM)
def ingress_without_waf(r: Resource) -> Iterator[Violation]:
    """Ingress shows no web application firewall in front of it.

    Accepted evidence: an Application Gateway Ingress Controller WAF policy
    (`appgw.ingress.kubernetes.io/waf-policy-for-path`), or ingress-nginx ModSecurity with the
    OWASP Core Rule Set (`nginx.ingress.kubernetes.io/enable-modsecurity: "true"` and
    `enable-owasp-core-rules: "true"`, or a `modsecurity-snippet` that includes the OWASP
    rules). A WAF configured outside the cluster (Front Door, an App Gateway WAF_v2 SKU) is
    not visible in manifests: suppress the rule for such Ingresses with a reason.

    ## Why it matters
    An Ingress publishes the application to the internet; without a WAF, injection, cross-site
    scripting and protocol attacks reach the application unfiltered.

    ## Fix
    Publish through Azure Application Gateway with a WAF policy (AGIC annotation
    `appgw.ingress.kubernetes.io/waf-policy-for-path`), or enable ModSecurity with the OWASP
    core rules on ingress-nginx.

    ## References
    - seed 001 (AKS network connectivity), "WAF(웹 애플리케이션 방화벽)으로 트래픽 보호"
      (secure traffic with a web application firewall)
    - Other tools: only Azure resource checks exist (Checkov CKV_AZURE_120, CKV_AZURE_122)
    """
    if not is_ingress(r) or _has_waf(r):
        return
    yield r.violation(
        f"Ingress {r.name} has no WAF annotation (App Gateway WAF policy or ModSecurity with "
        "OWASP core rules)",
        ("metadata",),
    )


_CONTROLLER_IMAGES = re.compile(
    r"(ingress-nginx/controller|nginx-ingress-controller|kubernetes-ingress-controller|"
    r"nginx/nginx-ingress|traefik|haproxy-ingress|haproxytech/kubernetes-ingress|"
    r"contour|kong/kubernetes-ingress-controller|azure-application-gateway/kubernetes-ingress|"
    r"oss/kubernetes/ingress/nginx-ingress-controller)",
    re.I,
)
OS_LABELS = ("kubernetes.io/os", "beta.kubernetes.io/os")


def _pinned_to_linux(w: Workload) -> bool:
    if (w.pod.os_name or "").lower() == "linux":
        return True
    if any(w.pod.node_selector.get(k, "").lower() == "linux" for k in OS_LABELS):
        return True
    affinity = w.pod.spec.get("affinity")
    node = affinity.get("nodeAffinity") if isinstance(affinity, Mapping) else None
    required = (
        node.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(node, Mapping)
        else None
    )
    terms = required.get("nodeSelectorTerms") if isinstance(required, Mapping) else None
    if not isinstance(terms, list) or not terms:
        return False
    for term in terms:  # every term (they are ORed) must require linux
        exprs = term.get("matchExpressions") if isinstance(term, Mapping) else None
        if not isinstance(exprs, list) or not any(
            isinstance(e, Mapping)
            and e.get("key") in OS_LABELS
            and e.get("operator") == "In"
            and e.get("values") == ["linux"]
            for e in exprs
        ):
            return False
    return True


@rule("NET016", severity=Severity.LOW)
def ingress_controller_not_on_linux(w: Workload) -> Iterator[Violation]:
    """Ingress controller is not pinned to Linux nodes.

    Recognises ingress controllers by image (ingress-nginx, NGINX Inc., Traefik, HAProxy,
    Contour, Kong, Application Gateway Ingress Controller, AKS application routing) and requires
    `nodeSelector: {kubernetes.io/os: linux}`, a required node affinity for it, or
    `spec.os.name: linux`.

    ## Why it matters
    In a cluster with Windows node pools an unpinned controller can be scheduled on a Windows
    node where it cannot run, taking the cluster's ingress down during a scale-out or upgrade.

    ## Fix
    Add `nodeSelector: {kubernetes.io/os: linux}` to the controller's pod template (Helm:
    `controller.nodeSelector`).

    ## References
    - seed 001 (AKS network connectivity), "수신 컨트롤러" (ingress controllers): "수신
      컨트롤러는 Linux 노드에서 예약되어야 합니다" (must be scheduled on Linux nodes)
    """
    images = [c.image or "" for c in w.containers]
    if not any(_CONTROLLER_IMAGES.search(i) for i in images) or _pinned_to_linux(w):
        return
    yield w.pod_violation(
        f"ingress controller {w.resource.kind} {w.name} is not pinned to Linux nodes "
        "(nodeSelector kubernetes.io/os: linux)",
        ("nodeSelector",) if w.pod.node_selector else (),
    )
