"""RBAC rules: who can do what through Roles and bindings, and which workloads carry it.

Every rule reads the `RbacGraph` of the scan (analysis/rbac.py), which evaluates roles the way
the API server's RBAC authorizer does. Findings about a subject point at the subject's entry
in the binding that grants it and name the role and rule. Roles and bindings that Kubernetes
and AKS manage themselves are left out (data/rbac.yaml; `rbac: {exempt-builtin: false}` in
the configuration reports them too). A binding that gives full control of an API group is
reported once (RBAC001), not again by every narrower rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping

from kubeward.analysis.rbac import (
    ADMIN,
    ADMISSION_WRITE,
    BIND_ESCALATE,
    BROAD_DELETE,
    CREATE_WORKLOADS,
    CSR_APPROVE,
    DNS_CONFIG,
    ENDPOINTS_WRITE,
    EVENTS_DELETE,
    EXEC,
    IMPERSONATE,
    NODES_PROXY,
    PORT_FORWARD,
    PV_CREATE,
    SECRETS_READ,
    SERVICE_STATUS,
    TAKEOVER,
    TOKEN_CREATE,
    Capability,
    CapabilityGrant,
    RbacGraph,
)
from kubeward.catalogue import rule
from kubeward.findings import Severity, Violation
from kubeward.model.rbac import (
    ALL_SERVICE_ACCOUNTS,
    ANONYMOUS,
    AUTHENTICATED,
    MASTERS,
    UNAUTHENTICATED,
    Binding,
    Subject,
    namespace_of,
)

MAX_LISTED = 4


def _listing(items: tuple[str, ...] | list[str], limit: int = MAX_LISTED) -> str:
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def _usable(subject: Subject) -> bool:
    """Subjects the authorizer can match (others are refused by the API server or match
    nobody, like a ServiceAccount without namespace in a ClusterRoleBinding)."""
    return subject.usable


def _capability(g: RbacGraph, cap: Capability, *, subsume: bool = True) -> Iterator[Violation]:
    """One violation per (binding, subject) that gets `cap` from a binding in the input."""
    for grant in g.capability_grants(cap):
        binding = grant.binding
        if binding.resource is None or (subsume and g.subsumed(grant)):
            continue
        for subject in binding.subjects:
            if _usable(subject) and not g.exempt(binding, subject):
                yield Violation(
                    _message(subject, cap, grant), subject.path, resource=binding.resource
                )


def _message(subject: Subject, cap: Capability, grant: CapabilityGrant) -> str:
    return (
        f"{subject.display} can {cap.text} {grant.scope_text} "
        f"({'/'.join(grant.verbs)} {_listing(grant.targets)}) through {grant.binding.display} "
        f"-> {grant.rules_text()}"
    )


# ======================================================================== 5.4 capabilities


@rule("RBAC001", severity=Severity.CRITICAL)
def full_control_granted(g: RbacGraph) -> Iterator[Violation]:
    """Subject has full control: every verb on every resource.

    A binding gives its subjects a role that allows every verb (`*`) on every resource (`*`)
    of the core API group or of every API group: `cluster-admin` or its equivalent through a
    ClusterRoleBinding, or full control of one namespace through a RoleBinding. Narrower
    rules (reading Secrets, creating pods, ...) do not report the same binding again.

    ## Why it matters
    Full control of the core group includes every Secret, every ServiceAccount token and the
    creation of privileged pods: cluster-wide it is the whole cluster, and in one namespace it
    is every workload and credential there. Anyone who steals the subject's credentials gets
    all of it.

    ## Fix
    Bind the narrowest role that does the job (the built-in `view` or `edit`, or a role with
    listed verbs and resources). Keep `cluster-admin` for break-glass accounts, and grant
    per-namespace rights with RoleBindings.

    ## References
    - seed 003 (cluster hardening), "Kubernetes 리소스에 대한 액세스를 제어하도록 RBAC 구성"
      (configure RBAC to control access to Kubernetes resources)
    - seed 000 (AKS security concepts): Kubernetes RBAC with Microsoft Entra ID
    - CIS AKS 1.8: 4.1.1 ensure that the cluster-admin role is only used where required
    - Kubernetes docs: RBAC good practices, least privilege
    - Other tools: Kubescape C-0035, C-0185; Trivy KSV111; kube-linter cluster-admin-role-binding;
      Polaris clusterrolebindingClusterAdmin
    """
    for grant in g.capability_grants(ADMIN):
        binding = grant.binding
        if binding.resource is None:
            continue
        groups = "every API group" if g.full_control(binding, "*") else "the core API group"
        for subject in binding.subjects:
            if _usable(subject) and not g.exempt(binding, subject):
                yield Violation(
                    f"{subject.display} has full control (every verb on every resource of "
                    f"{groups}) {grant.scope_text} through {binding.display} -> "
                    f"{grant.rules_text()}",
                    subject.path,
                    resource=binding.resource,
                )


@rule("RBAC002", severity=Severity.MEDIUM)
def wildcard_in_role(g: RbacGraph) -> Iterator[Violation]:
    """Role rule uses a wildcard in verbs, resources or API groups.

    A rule of a Role or ClusterRole lists `*` in `verbs`, `resources` (also `*/subresource`)
    or `apiGroups`. Aggregated ClusterRoles are skipped: their rules come from the roles they
    select.

    ## Why it matters
    A wildcard grants every current and every future verb, resource or API group: a custom
    resource or subresource added later (by an operator install, an upgrade) is granted
    without anyone deciding so.

    ## Fix
    List the verbs, resources and API groups the role needs.

    ## References
    - seed 003 (cluster hardening): RBAC, least privilege
    - CIS AKS 1.8: 4.1.3 minimize wildcard use in Roles and ClusterRoles
    - Kubernetes docs: RBAC good practices, "avoid providing wildcard permissions"
    - Other tools: Checkov CKV_K8S_49; Trivy KSV044, KSV045, KSV046; Kubescape C-0187;
      kube-linter wildcard-in-rules
    """
    roles = [*g.cluster_roles.values(), *g.roles.values()]
    for role in roles:
        if role.resource is None or g.exempt_role(role):
            continue
        if role.cluster and role.aggregation is not None:
            continue
        for r in role.rules:
            fields = [
                (name, key)
                for name, key, values in (
                    ("verbs", "verbs", r.verbs),
                    ("resources", "resources", r.resources),
                    ("apiGroups", "apiGroups", r.api_groups),
                )
                if any(v == "*" or v.startswith("*/") for v in values)
            ]
            if fields:
                yield Violation(
                    f"{role.display} rules[{r.index}] uses * in "
                    f"{', '.join(name for name, _ in fields)}: {r.text()}",
                    r.path + (fields[0][1],),
                    resource=role.resource,
                )


@rule("RBAC003", severity=Severity.HIGH)
def secrets_readable(g: RbacGraph) -> Iterator[Violation]:
    """Subject can read Secrets.

    A binding gives `get`, `list` or `watch` on `secrets`. Rules limited by `resourceNames` to
    named Secrets are not reported (a request to list or watch carries no name).

    ## Why it matters
    `list` and `watch` return every Secret's value, and `get` any one by name: database
    passwords, TLS keys, registry credentials and ServiceAccount tokens, which lead to other
    accounts' rights.

    ## Fix
    Remove read access to Secrets, or restrict it with `resourceNames` to the Secrets the
    subject needs. Workloads should get their Secrets as mounted volumes (or from Azure Key
    Vault through the Secrets Store CSI driver), not through the API.

    ## References
    - seed 000 (AKS security concepts), "Kubernetes 비밀" (Kubernetes Secrets)
    - seed 003 (cluster hardening): RBAC
    - CIS AKS 1.8: 4.1.2 minimize access to secrets
    - Other tools: Checkov CKV2_K8S_5; Trivy KSV041, KSV113; Kubescape C-0015, C-0186;
      kube-linter access-to-secrets
    """
    yield from _capability(g, SECRETS_READ)


@rule("RBAC004", severity=Severity.MEDIUM)
def pod_creation_allowed(g: RbacGraph) -> Iterator[Violation]:
    """Subject can create pods or workloads.

    A binding gives `create` on pods or on any kind that runs pods: Deployments, DaemonSets,
    StatefulSets, ReplicaSets, Jobs, CronJobs, ReplicationControllers, and the common custom
    kinds with pod templates (Argo Rollouts, OpenKruise, OpenShift DeploymentConfigs).

    ## Why it matters
    Whoever creates a pod in a namespace chooses its ServiceAccount, volumes and security
    context: the pod can run as any ServiceAccount of the namespace, mount any of its Secrets,
    and, unless Pod Security Admission stops it, run privileged and take over its node.

    ## Fix
    Let a deployment pipeline (one ServiceAccount per namespace) create workloads, not people.
    Enforce Pod Security Admission (`restricted`) in every namespace where someone can create
    pods, and see `kubeward rbac paths` for the accounts they can act as.

    ## References
    - seed 003 (cluster hardening): RBAC
    - seed 002 (AKS pod security): pod security contexts
    - CIS AKS 1.8: 4.1.4 minimize access to create pods
    - Other tools: Trivy KSV048; Kubescape C-0188; kube-linter access-to-create-pods
    """
    yield from _capability(g, CREATE_WORKLOADS)


@rule("RBAC005", severity=Severity.HIGH)
def exec_into_pods_allowed(g: RbacGraph) -> Iterator[Violation]:
    """Subject can exec or attach into containers.

    A binding gives `create` or `get` on `pods/exec` or `pods/attach` (`kubectl exec` and
    `kubectl attach`; over WebSockets, Kubernetes before 1.30 authorized them as `get`), or
    `update` or `patch` on `pods/ephemeralcontainers` (`kubectl debug` adds a container, with
    any image and command, to a running pod).

    ## Why it matters
    A shell in a container is everything the container has: its files, its Secrets, its
    ServiceAccount token and its network position. Commands run this way bypass admission
    control and leave only the exec request in the audit log.

    ## Fix
    Remove the `pods/exec`, `pods/attach` and `pods/ephemeralcontainers` rules; grant them
    temporarily (just-in-time) to the people who debug, in the namespaces they debug.

    ## References
    - seed 003 (cluster hardening): RBAC
    - Kubernetes docs: RBAC good practices, "Escalation paths"
    - Other tools: Checkov CKV2_K8S_2; Trivy KSV053, KSV054; Kubescape C-0002;
      Polaris rolePodExecAttach, clusterrolePodExecAttach
    """
    yield from _capability(g, EXEC)


@rule("RBAC006", severity=Severity.MEDIUM)
def port_forward_allowed(g: RbacGraph) -> Iterator[Violation]:
    """Subject can port-forward to pods.

    A binding gives `create` (or, over WebSockets before Kubernetes 1.30, `get`) on
    `pods/portforward`.

    ## Why it matters
    Port-forwarding tunnels the subject's machine straight into a pod, past NetworkPolicies,
    Services and ingress controls: databases and admin ports that are never exposed become
    reachable.

    ## Fix
    Remove `pods/portforward` from the role, or grant it only where it is needed.

    ## References
    - seed 001 (AKS network): restrict traffic between pods
    - Other tools: Kubescape C-0063
    """
    yield from _capability(g, PORT_FORWARD)


@rule("RBAC007", severity=Severity.HIGH)
def bind_or_escalate_allowed(g: RbacGraph) -> Iterator[Violation]:
    """Subject can bind or escalate roles.

    A binding gives the `bind` or `escalate` verb on `roles` or `clusterroles`.

    ## Why it matters
    Kubernetes stops people from granting rights they do not hold, unless they have `escalate`
    (write a role with any rights) or `bind` (bind any role, such as `cluster-admin`, to
    themselves). Either is a path to full control.

    ## Fix
    Remove `bind` and `escalate`; if a controller must bind a specific role, restrict the rule
    with `resourceNames`.

    ## References
    - seed 003 (cluster hardening): RBAC
    - CIS AKS: 4.1.7 limit use of the bind, impersonate and escalate permissions
    - Kubernetes docs: RBAC, "Restrictions on role creation or update"
    - Other tools: Checkov CKV_K8S_157, CKV_K8S_158, CKV2_K8S_1; Trivy KSV043, KSV050,
      KSV051, KSV055; Kubescape C-0191
    """
    yield from _capability(g, BIND_ESCALATE)


@rule("RBAC008", severity=Severity.HIGH)
def impersonation_allowed(g: RbacGraph) -> Iterator[Violation]:
    """Subject can impersonate users, groups or service accounts.

    A binding gives `impersonate` on `users`, `groups`, `serviceaccounts` or `uids`. Users
    and groups are cluster-scoped: only a ClusterRoleBinding grants impersonating them; a
    RoleBinding grants impersonating the ServiceAccounts of its namespace.

    ## Why it matters
    Impersonating a group means acting as `system:masters`, which bypasses RBAC entirely;
    impersonating an account means having all of its rights.

    ## Fix
    Remove `impersonate`, or restrict it with `resourceNames` to the identities an
    administration tool really needs.

    ## References
    - CIS AKS: 4.1.7 limit use of the bind, impersonate and escalate permissions
    - Kubernetes docs: authentication, "User impersonation"
    - Other tools: Checkov CKV2_K8S_3; Trivy KSV043; Kubescape C-0065, C-0191
    """
    yield from _capability(g, IMPERSONATE)


@rule("RBAC009", severity=Severity.HIGH)
def persistent_volume_creation_allowed(g: RbacGraph) -> Iterator[Violation]:
    """Subject can create PersistentVolumes.

    A ClusterRoleBinding gives `create` on `persistentvolumes` (PersistentVolumes are
    cluster-scoped, so a RoleBinding cannot grant it).

    ## Why it matters
    A PersistentVolume can be a `hostPath` volume: whoever creates one and a claim bound to it
    mounts any directory of the node, even where Pod Security Admission forbids hostPath
    volumes in pods.

    ## Fix
    Let a storage class provisioner create volumes; people and applications create
    PersistentVolumeClaims.

    ## References
    - CIS AKS: 4.1.8 minimize access to create persistent volumes
    - Kubernetes docs: RBAC good practices, "Persistent volume creation"
    - Other tools: Kubescape C-0278
    """
    yield from _capability(g, PV_CREATE)


@rule("RBAC010", severity=Severity.HIGH)
def nodes_proxy_access(g: RbacGraph) -> Iterator[Violation]:
    """Subject can use the nodes/proxy subresource.

    A ClusterRoleBinding gives any verb on `nodes/proxy` (Nodes are cluster-scoped, so a
    RoleBinding cannot grant it).

    ## Why it matters
    `nodes/proxy` is the kubelet API of every node: it runs commands in any container on the
    node, bypassing admission control and the API server's audit of pod exec.

    ## Fix
    Remove `nodes/proxy`. Monitoring agents need only `nodes/metrics` and `nodes/stats` (or,
    on Kubernetes 1.36 and later, `nodes/healthz`, `nodes/pods`, `nodes/configz`).

    ## References
    - CIS AKS: 4.1.9 minimize access to the proxy sub-resource of nodes
    - Kubernetes docs: RBAC good practices, "Access to proxy subresource of Nodes"
    - Other tools: Checkov CKV2_K8S_2; Trivy KSV047; Kubescape C-0279
    """
    yield from _capability(g, NODES_PROXY)


@rule("RBAC011", severity=Severity.HIGH)
def csr_approval_allowed(g: RbacGraph) -> Iterator[Violation]:
    """Subject can approve CertificateSigningRequests.

    A ClusterRoleBinding gives `update` or `patch` on `certificatesigningrequests/approval`.

    ## Why it matters
    Whoever approves a certificate request for a client signer can issue a certificate for any
    user and group, such as `system:masters`, which no RBAC binding can revoke.

    ## Fix
    Leave approval to the controllers that need it (the kubelet serving approver); restrict
    approvers to specific signers with the `approve` verb on `signers` and `resourceNames`.

    ## References
    - CIS AKS: 4.1.10 minimize access to the approval sub-resource of certificatesigningrequests
    - Kubernetes docs: RBAC good practices, "CSRs and certificate issuing"
    - Other tools: Checkov CKV_K8S_156; Kubescape C-0280
    """
    yield from _capability(g, CSR_APPROVE)


@rule("RBAC012", severity=Severity.HIGH)
def admission_config_writable(g: RbacGraph) -> Iterator[Violation]:
    """Subject can change admission webhooks or admission policies.

    A ClusterRoleBinding gives `create`, `update`, `patch` or `delete` on
    MutatingWebhookConfigurations, ValidatingWebhookConfigurations or (mutating and
    validating) admission policies and their bindings.

    ## Why it matters
    Admission controls what every object becomes: a mutating webhook sees and can rewrite
    every pod and Secret sent to the API server, and deleting a validating webhook or policy
    switches off the guard rails (Pod Security, Azure Policy's Gatekeeper).

    ## Fix
    Keep admission configuration to the cluster operators and the controllers that install
    their own webhooks (restricted with `resourceNames`).

    ## References
    - CIS AKS: 4.1.11 minimize access to webhook configuration objects
    - Other tools: Checkov CKV_K8S_155; Trivy KSV114; Kubescape C-0281
    """
    yield from _capability(g, ADMISSION_WRITE)


@rule("RBAC013", severity=Severity.HIGH)
def service_account_token_creation(g: RbacGraph) -> Iterator[Violation]:
    """Subject can create ServiceAccount tokens.

    A binding gives `create` on `serviceaccounts/token` (the TokenRequest API).

    ## Why it matters
    A token for a ServiceAccount is that account's identity, for as long as the token lives:
    the subject gains the rights of every ServiceAccount it may create tokens for.

    ## Fix
    Remove the rule, or restrict it with `resourceNames` to the accounts that need tokens.

    ## References
    - CIS AKS: 4.1.12 minimize access to the service account token creation
    - Other tools: Kubescape C-0282
    """
    yield from _capability(g, TOKEN_CREATE)


@rule("RBAC014", severity=Severity.MEDIUM)
def endpoints_writable(g: RbacGraph) -> Iterator[Violation]:
    """Subject can write Endpoints or EndpointSlices.

    A binding gives `create`, `update` or `patch` on `endpoints` or
    `discovery.k8s.io/endpointslices` (CVE-2021-25740).

    ## Why it matters
    Endpoints decide where a Service's traffic goes. Writing them sends another team's
    traffic to any address, including pods or hosts the writer controls and addresses that
    NetworkPolicies would otherwise protect. Kubernetes removed this right from the built-in
    `edit` role in 1.22, but clusters created earlier keep it.

    ## Fix
    Let the endpoint controllers manage endpoints; remove these verbs from user roles (and
    from `system:aggregate-to-edit` in clusters created before Kubernetes 1.22).

    ## References
    - Kubernetes security advisory CVE-2021-25740
    - Other tools: Gatekeeper block-endpoint-edit-default-role; Azure Policy
      BlockEndpointEditDefaultRole
    """
    yield from _capability(g, ENDPOINTS_WRITE)


@rule("RBAC015", severity=Severity.MEDIUM)
def service_status_writable(g: RbacGraph) -> Iterator[Violation]:
    """Subject can change Services' status.

    A binding gives `update` or `patch` on `services/status`.

    ## Why it matters
    The status holds a LoadBalancer Service's ingress IP; setting it to an address makes
    kube-proxy redirect cluster traffic for that address to the Service (CVE-2020-8554, which
    Kubernetes does not fix), a man-in-the-middle position.

    ## Fix
    Leave Service status to the cloud controller (on AKS, the Azure cloud provider).

    ## References
    - Kubernetes security advisory CVE-2020-8554
    - Other tools: Checkov CKV2_K8S_4; Trivy KSV056
    """
    yield from _capability(g, SERVICE_STATUS)


@rule("RBAC016", severity=Severity.MEDIUM)
def events_deletion_allowed(g: RbacGraph) -> Iterator[Violation]:
    """Subject can delete Events.

    A binding gives `delete` or `deletecollection` on `events` (core or `events.k8s.io`).

    ## Why it matters
    Events are how operators see what happened: failed pulls, kills, evictions, scheduling
    of unexpected pods. Deleting them hides an attacker's activity.

    ## Fix
    Remove delete rights on Events; they expire on their own.

    ## References
    - Other tools: Trivy KSV042; Kubescape C-0031
    """
    yield from _capability(g, EVENTS_DELETE)


@rule("RBAC017", severity=Severity.LOW)
def broad_delete_rights(g: RbacGraph) -> Iterator[Violation]:
    """Subject can delete pods, workloads, Secrets or other important objects.

    A binding gives `delete` or `deletecollection` on pods, any workload kind, Services,
    Secrets, ConfigMaps, PersistentVolumeClaims, PersistentVolumes or Namespaces.

    ## Why it matters
    Deleting is an outage; deleting a pod also deletes its container logs on the node, and
    deleting a namespace deletes everything in it.

    ## Fix
    Give delete rights to the deployment pipeline and to the operators on call, not to every
    user of the namespace.

    ## References
    - Other tools: Kubescape C-0007
    """
    yield from _capability(g, BROAD_DELETE)


@rule("RBAC018", severity=Severity.HIGH)
def cluster_dns_config_writable(g: RbacGraph) -> Iterator[Violation]:
    """Subject can change the cluster DNS configuration.

    A binding valid in `kube-system` gives `update` or `patch` on the ConfigMaps `coredns`
    or `coredns-custom` (the one AKS reads for custom CoreDNS configuration).

    ## Why it matters
    CoreDNS answers every pod's name lookups: changing its configuration redirects any
    service or external name to an address of the writer's choice.

    ## Fix
    Keep write access to kube-system ConfigMaps to the cluster operators.

    ## References
    - seed 001 (AKS network): cluster DNS
    - Other tools: Kubescape C-0037
    """
    yield from _capability(g, DNS_CONFIG)


# ================================================================================ subjects

_EVERYONE = {
    ("User", ANONYMOUS): "every unauthenticated request",
    ("Group", UNAUTHENTICATED): "every unauthenticated request",
}
_ALL_ACCOUNTS = {
    ("Group", AUTHENTICATED): "every authenticated user",
    ("Group", ALL_SERVICE_ACCOUNTS): "every ServiceAccount of the cluster",
}


def _grants_text(g: RbacGraph, binding: Binding) -> str:
    """The role a binding grants and, when it holds any, its takeover-class capabilities."""
    role = g.role_of(binding)
    if role is None:
        return f"{binding.role_ref.kind} {binding.role_ref.name} (not in the input)"
    rules = g.rules_of(role)
    built_in = ", built-in" if role.resource is None else ""
    text = f"{role.display} ({len(rules)} rule{'s' if len(rules) != 1 else ''}{built_in})"
    held = g.essential(cg for cap in TAKEOVER if (cg := g.capability_of(binding, cap)) is not None)
    if held:
        text += f", which can {_listing([cg.capability.text for cg in held], 3)}"
    elif rules:
        text += f": {rules[0].rule.text(3)}" + (" ..." if len(rules) > 1 else "")
    return text


@rule("RBAC019", severity=Severity.CRITICAL)
def anonymous_access_granted(g: RbacGraph) -> Iterator[Violation]:
    """Binding grants rights to unauthenticated requests.

    A binding names the user `system:anonymous` or the group `system:unauthenticated`. The
    built-in `system:public-info-viewer` binding (health and version endpoints) is exempt.

    ## Why it matters
    Every request that reaches the API server without credentials gets these rights; on a
    cluster with a public API endpoint, that is the internet.

    ## Fix
    Delete the subject from the binding. On AKS, also restrict the API server with authorized
    IP ranges or a private cluster.

    ## References
    - seed 000 (AKS security concepts), "마스터 보안" (master security)
    - Kubernetes docs: RBAC good practices, review bindings of system:unauthenticated
    - Other tools: Kubescape C-0262; Trivy KSV122; kubesec BindingsToSystemAnonymous;
      Gatekeeper disallowanonymous
    """
    yield from _bindings_naming(g, _EVERYONE)


@rule("RBAC020", severity=Severity.HIGH)
def all_authenticated_granted(g: RbacGraph) -> Iterator[Violation]:
    """Binding grants rights to every authenticated user or every ServiceAccount.

    A binding names the group `system:authenticated` (every user and ServiceAccount that
    authenticates) or `system:serviceaccounts` (every pod's ServiceAccount). The built-in
    discovery and self-review bindings are exempt.

    ## Why it matters
    On AKS with Microsoft Entra ID, any identity of the tenant that obtains a token is
    authenticated, and every pod of the cluster holds a ServiceAccount token: whatever these
    groups may do, everyone may do.

    ## Fix
    Bind the role to the groups (Entra ID group object IDs) and ServiceAccounts that need it.

    ## References
    - seed 003 (cluster hardening): "기본적으로 모든 인증된 사용자는 ... 전체 액세스 권한" (by
      default every authenticated user ... restrict access with RBAC)
    - seed 000 (AKS security concepts): Kubernetes RBAC with Microsoft Entra ID
    - Other tools: Kubescape C-0265; Trivy KSV01011
    """
    yield from _bindings_naming(g, _ALL_ACCOUNTS)


@rule("RBAC021", severity=Severity.MEDIUM)
def system_masters_bound(g: RbacGraph) -> Iterator[Violation]:
    """Binding names the group system:masters.

    A binding other than the built-in `cluster-admin` ClusterRoleBinding names the group
    `system:masters`.

    ## Why it matters
    Members of `system:masters` bypass RBAC: the binding changes nothing for them, and shows
    that someone relies on a group whose membership comes from client certificates, which
    cannot be revoked before they expire (on AKS, the local admin credentials).

    ## Fix
    Remove the binding, give administrators a named group (an Entra ID group) bound to the
    role they need, and disable local accounts on AKS.

    ## References
    - seed 000 (AKS security concepts): API server access with Kubernetes RBAC and Entra ID
    - Kubernetes docs: RBAC good practices, "avoid adding users to the system:masters group"
    - Other tools: Trivy KSV123; Kubescape C-0246
    """
    for binding in g.bindings:
        if binding.resource is None:
            continue
        for subject in binding.subjects:
            if (subject.kind, subject.name) == ("Group", MASTERS) and not g.exempt(
                binding, subject
            ):
                yield Violation(
                    f"{binding.display} names group {MASTERS}, whose members bypass RBAC "
                    f"(role {binding.role_ref.name})",
                    subject.path,
                    resource=binding.resource,
                )


@rule("RBAC022", severity=Severity.MEDIUM)
def default_service_account_bound(g: RbacGraph) -> Iterator[Violation]:
    """The default ServiceAccount of a namespace is bound to a role.

    A binding names the ServiceAccount `default` (or its user name,
    `system:serviceaccount:<namespace>:default`).

    ## Why it matters
    Every pod that does not name a ServiceAccount runs as `default`: rights given to it go to
    every such pod of the namespace, including pods of other applications and pods created by
    anyone who may create pods there.

    ## Fix
    Create a ServiceAccount per application, bind the role to it and set
    `serviceAccountName`; leave `default` without bindings (and set
    `automountServiceAccountToken: false` on it).

    ## References
    - seed 003 (cluster hardening): control access with RBAC
    - CIS AKS 1.8: 4.1.5 ensure that default service accounts are not actively used
    - Other tools: Kubescape C-0189, C-0239, C-0053; Checkov CKV_K8S_42
    """
    for binding in g.bindings:
        if binding.resource is None:
            continue
        for subject in binding.subjects:
            user = subject.username or ""
            if user.startswith("system:serviceaccount:") and user.endswith(":default"):
                if g.exempt(binding, subject):
                    continue
                ns = user.split(":")[2]
                yield Violation(
                    f"the default ServiceAccount of namespace {ns} is bound by {binding.display} "
                    f"to {_grants_text(g, binding)}",
                    subject.path,
                    resource=binding.resource,
                )


# =============================================================================== workloads


@rule("RBAC023", severity=Severity.HIGH)
def workload_service_account_takeover(g: RbacGraph) -> Iterator[Violation]:
    """Workload runs with a ServiceAccount token that can take over the cluster.

    The workload's pods mount the token of a ServiceAccount (`automountServiceAccountToken`
    is not false on the pod nor on the ServiceAccount) that holds, cluster-wide or in
    `kube-system`: full control, Secret read, pod or workload creation, exec, bind or
    escalate, impersonation of any identity, nodes/proxy, tokens for any ServiceAccount,
    certificate approval, admission changes or PersistentVolume creation. (Tokens for, or
    impersonation of, named accounts only are followed by RBAC024 to what those accounts hold.)

    ## Why it matters
    Anyone who compromises one container of the workload (a vulnerable dependency, an
    exposed debug endpoint) reads the token from the file system and has these rights: one
    pod becomes the cluster.

    ## Fix
    Give the workload its own ServiceAccount with only the rights it needs, scoped to its
    namespace; set `automountServiceAccountToken: false` where the application does not call
    the API server. On AKS, use Microsoft Entra Workload ID for Azure access instead of
    Kubernetes rights.

    ## References
    - seed 002 (AKS pod security), "Microsoft Entra 워크로드 ID" (workload identity) and
      "자격 증명 노출 제한" (limit credential exposure)
    - CIS AKS 1.8: 4.1.6 ensure that service account tokens are only mounted where necessary
    - Kubernetes docs: RBAC good practices, "Minimize distribution of privileged tokens"
    - Other tools: Kubescape C-0267, C-0272 (workloads with administrative or
      cluster-takeover roles)
    """
    for w in g.workloads:
        if not g.token_mounted(w):
            continue
        ns = namespace_of(w.resource)
        sa = w.pod.service_account_name or "default"
        held = g.essential(
            cg for cg, s in g.takeover_of(f"sa:{ns}/{sa}") if not g.exempt(cg.binding, s)
        )
        if not held:
            continue
        rights = _listing(
            list(
                dict.fromkeys(
                    f"{cg.capability.text} {cg.scope_text} ({cg.binding.display})" for cg in held
                )
            ),
            3,
        )
        field = "serviceAccountName" if "serviceAccountName" in w.pod.spec else "serviceAccount"
        at = w.pod.at(field) if field in w.pod.spec else w.pod.spec_path
        what = "pods of " if w.pod.meta_path != ("metadata",) else ""
        yield Violation(
            f"{what}{w.resource.kind} {w.name} mount the token of ServiceAccount {ns}/{sa}, "
            f"which can {rights}",
            at,
            resource=w.resource,
        )


@rule("RBAC024", severity=Severity.HIGH)
def escalation_path(g: RbacGraph) -> Iterator[Violation]:
    """Subject can act as a more powerful ServiceAccount.

    A subject can become a ServiceAccount (by creating pods or workloads that run as it,
    changing workloads' pod templates, creating a token for it, impersonating it, reading its
    token Secret, or exec into a pod that mounts its token), possibly over several such steps,
    and that account holds takeover-class rights (see RBAC023) cluster-wide or in
    `kube-system` that the subject does not hold itself. The finding is on the binding that
    gives the first step; `kubeward rbac paths` lists every step.

    ## Why it matters
    RBAC is only as narrow as the most powerful account one can reach: "may deploy to
    namespace ci" is "cluster-admin" when a ServiceAccount of ci is cluster-admin.

    ## Fix
    Remove the powerful rights from the ServiceAccount (or move it to a namespace only its
    operators can deploy to), or remove the subject's first step.

    ## References
    - seed 003 (cluster hardening): RBAC
    - Kubernetes docs: RBAC good practices, "Workload creation" and "Escalation paths"
    - Other tools: none reports multi-step paths (KubeHound and rbac-police explore them)
    """
    # certain paths first, then the shortest
    paths = sorted(g.risky_paths(), key=lambda p: (not p.certain, len(p.steps)))
    grouped: dict[tuple[int, int], list[str]] = defaultdict(list)
    first: dict[tuple[int, int], tuple[Binding, Subject, str]] = {}
    for p in paths:
        step = p.steps[0]
        binding, subject = step.grant.binding, step.via_subject
        if binding.resource is None:
            continue
        key = (id(binding), id(subject))
        essential = g.essential(cg for cg, _ in p.gains)
        gains = _listing(
            list(dict.fromkeys(f"{cg.capability.text} {cg.scope_text}" for cg in essential)), 2
        )
        maybe = "" if p.certain else " (if it has a token Secret)"
        grouped[key].append(f"{p.chain()}{maybe}, which can {gains}")
        first.setdefault(key, (binding, subject, step.source))
    for key, chains in grouped.items():
        binding, subject, _ = first[key]
        yield Violation(
            f"{subject.display} can act as {len(chains)} more powerful ServiceAccount(s): "
            f"{_listing(chains, 2)}",
            subject.path,
            resource=binding.resource,
        )


def _bindings_naming(g: RbacGraph, groups: Mapping[tuple[str, str], str]) -> Iterator[Violation]:
    """Every binding subject that is one of `groups` (kind, name -> description)."""
    for binding in g.bindings:
        if binding.resource is None:
            continue
        for subject in binding.subjects:
            who = groups.get((subject.kind, subject.name))
            if who is not None and not g.exempt(binding, subject):
                yield Violation(
                    f"{binding.display} grants {who} ({subject.display}) "
                    f"{_grants_text(g, binding)}",
                    subject.path,
                    resource=binding.resource,
                )
