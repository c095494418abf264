"""kubeward's RBAC rules against Kubescape's and Checkov's RBAC test cases.

Corpora (read-only, outside the repository, found through :func:`corpora.shared_dir`):

* ``corpora/kubescape-regolibrary``: the regolibrary rules whose ``resourcesAggregator`` is
  ``subject-role-rolebinding``. Each expected alert's ``external`` object is the flagged
  SUBJECT (User, Group or ServiceAccount); a case without alerts must flag no one. Also the
  RBAC rules that flag bindings (default ServiceAccount, anonymous access) and workloads
  (workloads whose ServiceAccount holds administrative or cluster-takeover roles).
* ``corpora/checkov-kubernetes``: the RBAC graph checks (``graph_cases.jsonl``: expected
  pass/fail binding ids ``Kind.namespace.name``, all sub-directories of a check read together,
  as Checkov does) and the wildcard check CKV_K8S_49 on Roles (``cases.jsonl``).

For every case kubeward runs only the mapped rules on the same files, through the same
loader and engine as ``kubeward scan``, and the flagged units are compared: subjects
(kind, name and, for ServiceAccounts, namespace), bindings, workloads or roles. Every
disagreement must be in :data:`DISAGREEMENTS` with who is right and why (the Kubernetes RBAC
documentation and the API server's authorizer decide); the tests keep that table exact.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kubeward.config import Config
from kubeward.findings import InputError
from kubeward.loaders import manifests
from kubeward.model.resource import Resource
from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths

KUBESCAPE = Path("corpora") / "kubescape-regolibrary"
CHECKOV = Path("corpora") / "checkov-kubernetes"
AGGREGATOR = "subject-role-rolebinding"

KUBEWARD = "kubeward"
PEER = "peer"
SCOPE = "scope"
INVALID = "invalid input"

SUBJECT, BINDING, WORKLOAD, ROLE = "subject", "binding", "workload", "role"

# ============================================================================ mapping data


@dataclass(frozen=True)
class Mapping_:
    """A peer check, the kubeward codes that judge the same thing, and what is compared."""

    peer: str  # kubescape or checkov
    check: str
    codes: tuple[str, ...]
    unit: str  # subject, binding, workload or role
    why: str
    service_accounts_only: bool = False  # compare ServiceAccount subjects only (Checkov)


def _k(check: str, codes: str, why: str, unit: str = SUBJECT) -> Mapping_:
    return Mapping_("kubescape", check, tuple(codes.split()), unit, why)


def _c(check: str, codes: str, why: str, unit: str = BINDING, sa: bool = True) -> Mapping_:
    return Mapping_("checkov", check, tuple(codes.split()), unit, why, sa)


# RBAC001 (full control) is listed with the narrower codes because it reports a binding that
# gives full control of an API group once, instead of once per narrower capability.
MAPPINGS: tuple[Mapping_, ...] = (
    _k("cluster-admin-role", "RBAC001", "subjects bound to cluster-admin"),
    _k("rule-list-all-cluster-admins-v1", "RBAC001", "subjects with `*` verbs on `*` resources"),
    _k("rule-can-list-get-secrets-v1", "RBAC003 RBAC001", "get/list/watch on secrets"),
    _k("rule-can-create-pod", "RBAC004 RBAC001", "create pods (kubeward: and workload kinds)"),
    _k("exec-into-container-v1", "RBAC005 RBAC001", "pods/exec (and attach)"),
    _k("rule-can-portforward-v1", "RBAC006 RBAC001", "pods/portforward"),
    _k("rule-can-bind-escalate", "RBAC007 RBAC001", "bind or escalate on roles/clusterroles"),
    _k("rule-can-impersonate-users-groups-v1", "RBAC008 RBAC001", "impersonate"),
    _k("rule-can-create-pv", "RBAC009 RBAC001", "create persistentvolumes"),
    _k("rule-can-access-proxy-subresource", "RBAC010 RBAC001", "nodes/proxy"),
    _k("rule-can-approve-cert-signing-request", "RBAC011 RBAC001", "CSR approval"),
    _k("rule-can-modify-admission-webhooks", "RBAC012 RBAC001", "webhook configuration writes"),
    _k("rule-can-create-service-account-token", "RBAC013 RBAC001", "serviceaccounts/token"),
    _k("rule-can-delete-k8s-events-v1", "RBAC016 RBAC001", "delete events"),
    _k("rule-excessive-delete-rights-v1", "RBAC017 RBAC001", "delete important objects"),
    _k("rule-can-update-configmap-v1", "RBAC018 RBAC001", "update the coredns ConfigMap"),
    _k(
        "system-authenticated-allowed-to-take-over-cluster",
        "RBAC020",
        "grants to system:authenticated",
    ),
    _k(
        "access-container-service-account-v1",
        "RBAC022",
        "ServiceAccounts with RBAC rights (kubeward: the default ServiceAccount bound to "
        "anything; the cases bind only `default`)",
    ),
    _k(
        "ensure-default-service-accounts-has-only-default-roles",
        "RBAC022",
        "bindings of the default ServiceAccount",
        BINDING,
    ),
    _k("anonymous-access-enabled", "RBAC019", "bindings of system:unauthenticated", BINDING),
    _k(
        "workload-with-administrative-roles",
        "RBAC023",
        "workloads whose mounted ServiceAccount token is administrative",
        WORKLOAD,
    ),
    _k(
        "workload-with-cluster-takeover-roles",
        "RBAC023",
        "workloads whose mounted ServiceAccount token can take over the cluster",
        WORKLOAD,
    ),
    _c(
        "CKV2_K8S_1",
        "RBAC007 RBAC001",
        "RoleBindingPE: bindings letting a ServiceAccount escalate through RBAC",
    ),
    _c(
        "CKV2_K8S_2",
        "RBAC005 RBAC010 RBAC001",
        "NoCreateNodesProxyOrPodsExec: nodes/proxy or pods/exec for a ServiceAccount",
    ),
    _c("CKV2_K8S_3", "RBAC008 RBAC001", "ImpersonatePermissions: impersonate"),
    _c("CKV2_K8S_4", "RBAC015 RBAC001", "ModifyServicesStatus: services/status"),
    _c("CKV2_K8S_5", "RBAC003 RBAC001", "ReadAllSecrets: read all secrets"),
    _c("CKV_K8S_49", "RBAC002", "WildcardRoles: `*` in a Role's rules", ROLE, sa=False),
)


@dataclass(frozen=True)
class OutOfScope:
    peer: str
    checks: tuple[str, ...]
    reason: str


OUT_OF_SCOPE: tuple[OutOfScope, ...] = (
    OutOfScope(
        "kubescape",
        ("rule-access-dashboard-subject-v1", "rule-access-dashboard-wl-v1"),
        "flag subjects and workloads by the NAME of a role or ServiceAccount "
        "(`kubernetes-dashboard`), not by what it grants; kubeward judges rights, whatever the "
        "names (the dashboard itself is an AKS configuration topic)",
    ),
    OutOfScope(
        "checkov",
        ("CKV_K8S_155", "CKV_K8S_156", "CKV_K8S_157", "CKV_K8S_158"),
        "judge a ClusterRole's rules whether or not anything binds it; kubeward reports the "
        "subjects that a binding gives these rights (RBAC012, RBAC011, RBAC007), so an unbound "
        "role has nothing to compare",
    ),
)

# ========================================================================= disagreements


@dataclass(frozen=True)
class Reason:
    title: str
    text: str


DEFAULT_EXEMPT = Reason(
    "built-in binding exempt by default",
    "`system:public-info-viewer` is the ClusterRoleBinding every Kubernetes and AKS cluster "
    "creates (label `kubernetes.io/bootstrapping: rbac-defaults`) so that health and version "
    "endpoints answer everyone. kubeward leaves the built-in bindings' own subjects out by "
    "default (user-requests item 3: no noise from platform-managed RBAC); with "
    "`rbac: {exempt-builtin: false}` it reports this one too.",
)
ROLE_BINDING_CLUSTER_SCOPED = Reason(
    "a RoleBinding cannot grant a cluster-scoped resource",
    "PersistentVolumes, Nodes (nodes/proxy), CertificateSigningRequests, webhook "
    "configurations and ClusterRoles are cluster-scoped: a request for them carries no "
    "namespace, and the RBAC "
    "authorizer then consults ClusterRoleBindings only (Kubernetes docs, Using RBAC "
    "Authorization: a RoleBinding grants permissions within its namespace; cluster-scoped "
    "resources need a ClusterRoleBinding). The binding here is a RoleBinding, so the subject "
    "gets nothing on these resources.",
)
PODS_STAR = Reason(
    "`pods/*` is not a wildcard",
    "The authorizer matches a rule's resource against `resource/subresource` literally, or "
    "`*`, or `*/subresource` (pkg/apis/rbac/v1 ResourceMatches); `pods/*` matches only a "
    "subresource literally named `*`. The role grants neither pods/exec nor pods/portforward.",
)
ADMIN_ROLE_BINDING = Reason(
    "a RoleBinding to cluster-admin is full control of the namespace",
    "Bound with a RoleBinding, cluster-admin's `*` on `*` applies in the binding's namespace: "
    "every Secret, ServiceAccount token and pod there, and roles and bindings of the "
    "namespace. kubeward reports it (RBAC001, as namespace-wide full control); Kubescape's "
    "cluster-admin rule only looks at ClusterRoleBindings.",
)
WRONG_GROUP = Reason(
    "the rule grants another API group",
    'Services live in the core API group (`""`), not in `rbac.authorization.k8s.io`; '
    "a rule's resources only match within its apiGroups (pkg/apis/rbac/v1 APIGroupMatches), "
    "so `services/status` in the rbac group, or `*` there, grants nothing on Services.",
)
NO_NAMESPACE_SA = Reason(
    "ServiceAccount subject without namespace in a ClusterRoleBinding",
    "A ClusterRoleBinding's ServiceAccount subject must name its namespace: the API server "
    "refuses the object (`subjects[0].namespace: Required value`), and the authorizer, which "
    "defaults a ServiceAccount's namespace only from a RoleBinding, matches nobody with it.",
)
CREATE_BINDINGS_IS_NOT_BIND = Reason(
    "creating bindings is not bind or escalate",
    "With `create` on (cluster)rolebindings but no `bind` verb on roles/clusterroles, the API "
    "server only lets the subject bind roles whose permissions it already holds (Kubernetes "
    "docs, Using RBAC Authorization, Restrictions on role binding creation or update); `bind` "
    "listed on rolebindings is not the `bind` verb on roles. No escalation.",
)
RBAC_STAR_IS_NOT_CORE = Reason(
    "`*` resources in the rbac group are not pods or nodes",
    "The role grants `bind`/`create` on every resource of `rbac.authorization.k8s.io` only; "
    "pods/exec and nodes/proxy are core-group resources. (Bind plus create on "
    "clusterrolebindings is an escalation, which RBAC007 reports; it is not exec or nodes/proxy. "
    "The Pod in the case uses the ServiceAccount, which does not change its rights.)",
)
GET_NODES_PROXY = Reason(
    "any verb on nodes/proxy reaches the kubelet",
    "Checkov flags only `create`; the kubelet authorizes its API by HTTP method through "
    "nodes/proxy, and `get` already reads everything the kubelet serves, including the running "
    "pods' specs, and (over WebSockets) its exec endpoint. The Kubernetes RBAC good practices "
    "and CIS 5.1.14 treat access to nodes/proxy itself as the risk; kubeward reports any verb.",
)
VIEW_ALL_CONFIGMAPS = Reason(
    "every authenticated user reads every ConfigMap",
    "The success case binds system:authenticated to read ConfigMaps in every namespace. On "
    "AKS with Microsoft Entra ID every identity of the tenant that gets a token is "
    "authenticated; cluster-wide ConfigMaps routinely hold connection strings and internal "
    "endpoints. kubeward reports any non-default grant to system:authenticated (RBAC020); "
    "Kubescape only reports a list of sensitive resources.",
)
SECRETS_ALL_VERBS = Reason(
    "reading every Secret is a cluster takeover",
    "The workload's ServiceAccount may `*` Secrets cluster-wide (and `get` everything): every "
    "ServiceAccount token and credential of the cluster. Kubescape's "
    "workload-with-cluster-takeover-roles flags exactly this; its administrative-roles rule "
    "looks only for `*` on `*`. kubeward has one rule for both (RBAC023).",
)
CREATE_WORKLOAD_KINDS = Reason(
    "creating workloads creates pods",
    "The role allows `create` on Deployments (via `*` verbs and `*` API groups); a Deployment "
    "creates pods that run as any ServiceAccount of the namespace, which is the risk of "
    "creating pods (CIS 4.1.4). Kubescape checks the `pods` resource only.",
)


@dataclass(frozen=True)
class Explained:
    peer: str
    check: str
    case: str
    unit: str  # the unit label as the harness prints it
    kubeward: bool  # whether kubeward flags it
    right: str
    reason: Reason

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.peer, self.check, self.case, self.unit)


def _ks(check: str, case: str, unit: str, kubeward: bool, right: str, reason: Reason) -> Explained:
    return Explained("kubescape", check, case, unit, kubeward, right, reason)


def _ck(check: str, unit: str, kubeward: bool, right: str, reason: Reason) -> Explained:
    return Explained("checkov", check, "graph", unit, kubeward, right, reason)


DISAGREEMENTS: tuple[Explained, ...] = (
    _ks(
        "anonymous-access-enabled",
        "fail",
        "ClusterRoleBinding system:public-info-viewer",
        False,
        SCOPE,
        DEFAULT_EXEMPT,
    ),
    _ks(
        "cluster-admin-role",
        "clusterrole-rolebinding",
        "User jane",
        True,
        SCOPE,
        ADMIN_ROLE_BINDING,
    ),
    _ks("exec-into-container-v1", "clusterrole", "User dave", False, KUBEWARD, PODS_STAR),
    _ks(
        "rule-can-portforward-v1",
        "clusterrole-clusterrolebinding",
        "Group dev",
        False,
        KUBEWARD,
        PODS_STAR,
    ),
    _ks(
        "rule-can-portforward-v1",
        "clusterrole-clusterrolebinding",
        "Group manager",
        False,
        KUBEWARD,
        PODS_STAR,
    ),
    _ks(
        "rule-can-bind-escalate",
        "role-rolebinding",
        "User jane",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ks(
        "rule-can-create-pv",
        "clusterrole-rolebinding",
        "User jane",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ks(
        "rule-can-create-pv",
        "role-rolebinding",
        "User jane",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ks(
        "rule-can-access-proxy-subresource",
        "clusterrole-rolebinding",
        "User jane",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ks(
        "rule-can-access-proxy-subresource",
        "role-rolebinding",
        "User jane",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ks(
        "rule-can-approve-cert-signing-request",
        "clusterrole-rolebinding",
        "User jane",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ks(
        "rule-can-approve-cert-signing-request",
        "role-rolebinding",
        "User jane",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ks(
        "rule-can-modify-admission-webhooks",
        "clusterrole-rolebinding",
        "User jane",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ks(
        "rule-can-modify-admission-webhooks",
        "role-rolebinding",
        "User jane",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ks(
        "system-authenticated-allowed-to-take-over-cluster",
        "success",
        "Group system:authenticated",
        True,
        SCOPE,
        VIEW_ALL_CONFIGMAPS,
    ),
    _ks(
        "workload-with-administrative-roles",
        "pass-wl-limited-permissions",
        "Pod default/test-pd",
        True,
        SCOPE,
        SECRETS_ALL_VERBS,
    ),
    _ck(
        "CKV2_K8S_1",
        "ClusterRoleBinding.default.failing-crb1",
        False,
        KUBEWARD,
        CREATE_BINDINGS_IS_NOT_BIND,
    ),
    _ck(
        "CKV2_K8S_1",
        "RoleBinding.kube-system.failing-rb3",
        False,
        KUBEWARD,
        CREATE_BINDINGS_IS_NOT_BIND,
    ),
    _ck(
        "CKV2_K8S_2",
        "RoleBinding.kube-system.failing-rb3",
        False,
        KUBEWARD,
        ROLE_BINDING_CLUSTER_SCOPED,
    ),
    _ck(
        "CKV2_K8S_2",
        "ClusterRoleBinding.default.failing-crb4",
        False,
        KUBEWARD,
        RBAC_STAR_IS_NOT_CORE,
    ),
    _ck("CKV2_K8S_2", "ClusterRoleBinding.default.passing-crb2", True, KUBEWARD, GET_NODES_PROXY),
    _ck("CKV2_K8S_4", "ClusterRoleBinding.default.failing-crb1", False, KUBEWARD, WRONG_GROUP),
    _ck("CKV2_K8S_4", "ClusterRoleBinding.default.failing-crb2", False, KUBEWARD, WRONG_GROUP),
    _ck(
        "CKV2_K8S_5",
        "ClusterRoleBinding.default.read-secrets-global",
        False,
        INVALID,
        NO_NAMESPACE_SA,
    ),
)

# ================================================================================= results


@dataclass(frozen=True)
class UnitResult:
    peer: str
    check: str
    case: str
    unit: str
    kubeward: bool
    flagged_by_peer: bool

    @property
    def agrees(self) -> bool:
        return self.kubeward == self.flagged_by_peer

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.peer, self.check, self.case, self.unit)


@dataclass(frozen=True)
class CaseResult:
    peer: str
    check: str
    case: str
    units: tuple[UnitResult, ...]
    errors: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        return all(u.agrees for u in self.units)


@dataclass(frozen=True)
class Run:
    cases: tuple[CaseResult, ...]

    @property
    def units(self) -> list[UnitResult]:
        return [u for c in self.cases for u in c.units]

    def disagreements(self) -> list[UnitResult]:
        return [u for u in self.units if not u.agrees]


# ================================================================================== engine


@dataclass(frozen=True)
class _Scan:
    objects: tuple[Resource, ...]
    flagged: Mapping[str, frozenset[str]]  # unit kind -> labels flagged
    errors: tuple[str, ...]


def _rules(codes: Iterable[str]) -> list[Any]:
    catalogue = default_catalogue()
    out = []
    for code in codes:
        rule = catalogue.get(code)
        assert rule is not None, code
        out.append(rule)
    return out


def subject_label(subject: Mapping[str, Any], binding: Resource | None = None) -> str:
    kind = str(subject.get("kind", ""))
    name = str(subject.get("name", ""))
    if kind == "ServiceAccount":
        ns = subject.get("namespace") or (binding.namespace if binding is not None else None)
        return f"ServiceAccount {ns or '?'}/{name}"
    return f"{kind} {name}"


def _object_label(res: Resource) -> str:
    ns = f"{res.namespace}/" if res.namespace else ""
    return f"{res.kind} {ns}{res.name}"


def _checkov_id(res: Resource) -> str:
    return f"{res.kind}.{res.namespace or 'default'}.{res.name}"


def _run_kubeward(files: Sequence[str], codes: Sequence[str], checkov_ids: bool) -> _Scan:
    """Scan files with only these codes; flagged subjects, bindings, workloads and roles."""
    errors: list[InputError] = []
    objects: list[Resource] = []
    for name in files:
        loaded = manifests.load_file(name, manifests.DEFAULT_MAX_FILE_SIZE, errors)
        if loaded is not None:
            objects += manifests.objects(loaded, errors)
    report = scan_paths(list(files), default_catalogue(), Config(), only=_rules(codes))
    index = {(r.kind, r.namespace, r.name): r for r in objects}
    flagged: dict[str, set[str]] = defaultdict(set)
    for f in report.findings:
        res = index.get((f.obj.kind, f.obj.namespace, f.obj.name))
        if res is None:
            continue
        label = _checkov_id(res) if checkov_ids else _object_label(res)
        if f.obj.kind in ("RoleBinding", "ClusterRoleBinding"):
            flagged[BINDING].add(label)
            if len(f.path) == 2 and f.path[0] == "subjects":
                subjects = res.raw.get("subjects") or []
                subject = subjects[int(f.path[1])]
                flagged[SUBJECT].add(subject_label(subject, res))
                if subject.get("kind") == "ServiceAccount":
                    flagged["sa-binding"].add(label)
        elif f.obj.kind in ("Role", "ClusterRole"):
            flagged[ROLE].add(label)
        else:
            flagged[WORKLOAD].add(label)
    problems = tuple(e.one_line() for e in report.failed_inputs)
    return _Scan(tuple(objects), {k: frozenset(v) for k, v in flagged.items()}, problems)


# =============================================================================== kubescape


@cache
def _kubescape_rows(root: Path) -> tuple[dict[str, Any], ...]:
    rows = []
    with (root / "cases.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
    return tuple(rows)


def kubescape_checks(shared: Path) -> dict[str, int]:
    """The corpus's RBAC rules (subject aggregator, plus those mapped here): case counts."""
    root = shared / KUBESCAPE
    mapped = {m.check for m in MAPPINGS if m.peer == "kubescape"}
    oos = {c for o in OUT_OF_SCOPE if o.peer == "kubescape" for c in o.checks}
    counts: dict[str, int] = defaultdict(int)
    for row in _kubescape_rows(root):
        if row.get("resourcesAggregator") == AGGREGATOR or row["rule"] in mapped | oos:
            counts[row["rule"]] += 1
    return dict(counts)


def _peer_flags(row: Mapping[str, Any], unit: str, objects: Sequence[Resource]) -> set[str]:
    out = set()
    for alert in row["expected_alerts"]:
        for o in alert["objects"]:
            if unit == SUBJECT:
                out.add(subject_label(o))
            else:
                matches = [
                    r
                    for r in objects
                    if r.kind == o["kind"]
                    and r.name == o["name"]
                    and (o.get("namespace") in (None, r.namespace))
                ]
                out.update(_object_label(r) for r in matches)
    return out


def kubescape_run(shared: Path) -> Run:
    root = shared / KUBESCAPE
    by_check = {m.check: m for m in MAPPINGS if m.peer == "kubescape"}
    cases = []
    for row in _kubescape_rows(root):
        mapping = by_check.get(row["rule"])
        if mapping is None:
            continue
        files = [str(root / f) for f in row["inputs"]]
        scan = _run_kubeward(files, mapping.codes, checkov_ids=False)
        ours = set(scan.flagged.get(mapping.unit, frozenset()))
        theirs = _peer_flags(row, mapping.unit, scan.objects)
        units = tuple(
            UnitResult("kubescape", row["rule"], row["case"], u, u in ours, u in theirs)
            for u in sorted(ours | theirs)
        )
        cases.append(CaseResult("kubescape", row["rule"], row["case"], units, scan.errors))
    return Run(tuple(cases))


# ================================================================================= checkov


def checkov_checks(shared: Path) -> dict[str, int]:
    root = shared / CHECKOV
    counts: dict[str, int] = {}
    with (root / "graph_cases.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["check"] in _CHECKOV_GRAPH:
                counts[row["check_id"]] = 1
    with (root / "cases.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("check_id") in ("CKV_K8S_49", *OUT_OF_SCOPE[1].checks):
                counts[row["check_id"]] = counts.get(row["check_id"], 0) + 1
    return counts


_CHECKOV_GRAPH = (
    "ImpersonatePermissions",
    "ModifyServicesStatus",
    "NoCreateNodesProxyOrPodsExec",
    "ReadAllSecrets",
    "RoleBindingPE",
)


def checkov_run(shared: Path) -> Run:
    root = shared / CHECKOV
    by_check = {m.check: m for m in MAPPINGS if m.peer == "checkov"}
    cases = []
    with (root / "graph_cases.jsonl").open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    for row in rows:
        if row["check"] not in _CHECKOV_GRAPH:
            continue
        mapping = by_check[row["check_id"]]
        files = sorted(
            str(p) for p in (root / row["input_dir"]).rglob("*") if p.suffix in (".yaml", ".yml")
        )
        files = [f for f in files if not f.endswith("expected.yaml")]
        scan = _run_kubeward(files, mapping.codes, checkov_ids=True)
        ours = set(scan.flagged.get("sa-binding" if mapping.service_accounts_only else BINDING, ()))
        judged = set(row["expected_pass"]) | set(row["expected_fail"])
        units = tuple(
            UnitResult("checkov", mapping.check, "graph", u, u in ours, u in row["expected_fail"])
            for u in sorted(judged | ours)
        )
        cases.append(CaseResult("checkov", mapping.check, "graph", units, scan.errors))
    with (root / "cases.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("check_id") != "CKV_K8S_49":
                continue
            mapping = by_check["CKV_K8S_49"]
            files = [str(root / row["input_dir"] / f) for f in row["input_files"]]
            scan = _run_kubeward(files, mapping.codes, checkov_ids=True)
            ours = set(scan.flagged.get(ROLE, ()))
            failed = set(row["observed"]["failed"])
            judged = failed | set(row["observed"]["passed"])
            units = tuple(
                UnitResult(
                    "checkov", mapping.check, row["test_function"], u, u in ours, u in failed
                )
                for u in sorted(judged | ours)
            )
            cases.append(CaseResult("checkov", mapping.check, row["test_function"], units))
    return Run(tuple(cases))


# ============================================================================== bookkeeping


def explained() -> dict[tuple[str, str, str, str], Explained]:
    return {e.key: e for e in DISAGREEMENTS}


def unexplained(run: Run) -> list[UnitResult]:
    table = explained()
    out = []
    for u in run.disagreements():
        e = table.get(u.key)
        if e is None or e.kubeward != u.kubeward:
            out.append(u)
    return out


def stale_explanations(runs: Sequence[Run]) -> list[Explained]:
    current = {u.key for run in runs for u in run.disagreements()}
    return [e for e in DISAGREEMENTS if e.key not in current]


# ================================================================================= section


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(run: Run, peer: str, title: str) -> list[str]:
    lines = [
        f"### {title}",
        "",
        "| check | kubeward | compared | cases | cases agreeing | units | units agreeing |",
        "|---|---|---|---|---|---|---|",
    ]
    by_check: dict[str, list[CaseResult]] = defaultdict(list)
    for c in run.cases:
        by_check[c.check].append(c)
    tot = [0, 0, 0, 0]
    for m in (m for m in MAPPINGS if m.peer == peer):
        cs = by_check.get(m.check, [])
        units = [u for c in cs for u in c.units]
        row = [len(cs), sum(c.agrees for c in cs), len(units), sum(u.agrees for u in units)]
        tot = [a + b for a, b in zip(tot, row, strict=True)]
        unit = "ServiceAccount bindings" if m.service_accounts_only else f"{m.unit}s"
        lines.append(
            f"| {m.check} | {', '.join(m.codes)} | {unit}: {_cell(m.why)} | "
            f"{row[0]} | {row[1]} | {row[2]} | {row[3]} |"
        )
    pct_cases = f" ({100 * tot[1] / tot[0]:.1f}%)" if tot[0] else ""
    pct_units = f" ({100 * tot[3] / tot[2]:.1f}%)" if tot[2] else ""
    lines += [
        f"| **total** | | | {tot[0]} | {tot[1]}{pct_cases} | {tot[2]} | {tot[3]}{pct_units} |",
        "",
    ]
    return lines


def _disagreement_lines(runs: Sequence[Run]) -> list[str]:
    table = explained()
    dis = [u for run in runs for u in run.disagreements()]
    lines = [f"### Disagreements ({len(dis)})", ""]
    if not dis:
        return [*lines, "None.", ""]
    lines += [
        "| peer | check | case | flagged | kubeward | peer | who is right | reason |",
        "|---|---|---|---|---|---|---|---|",
    ]
    tally: dict[str, int] = defaultdict(int)
    reasons: dict[str, Reason] = {}
    for u in dis:
        e = table.get(u.key)
        right = e.right if e is not None and e.kubeward == u.kubeward else "**unexplained**"
        why = e.reason.title if e is not None else "not in DISAGREEMENTS"
        tally[right] += 1
        if e is not None:
            reasons[e.reason.title] = e.reason
        lines.append(
            f"| {u.peer} | {_cell(u.check)} | {_cell(u.case)} | {_cell(u.unit)} | "
            f"{'flags' if u.kubeward else 'does not flag'} | "
            f"{'flags' if u.flagged_by_peer else 'does not flag'} | {right} | {_cell(why)} |"
        )
    lines += [
        "",
        "Who is right: "
        + ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))
        + " ('scope' = a deliberate difference in what is reported; 'invalid input' = an "
        "object the API server refuses).",
        "",
        "Reasons:",
        "",
    ]
    lines += [f"- **{_cell(t)}**: {_cell(r.text)}" for t, r in sorted(reasons.items())]
    return [*lines, ""]


def rbac_section(shared: Path) -> str:
    """Markdown: kubeward's RBAC rules vs Kubescape's and Checkov's RBAC cases."""
    ks, ck = kubescape_run(shared), checkov_run(shared)
    ks_checks, ck_checks = kubescape_checks(shared), checkov_checks(shared)
    lines = [
        "## RBAC: `kubeward scan` RBAC rules vs Kubescape and Checkov",
        "",
        "Corpora: `corpora/kubescape-regolibrary`, every rule whose resources aggregator is "
        "`subject-role-rolebinding` (each expected alert names the flagged SUBJECT, with the "
        "binding and role that grant it) and the RBAC rules that flag bindings or workloads; "
        "`corpora/checkov-kubernetes`, the RBAC graph checks (`expected.yaml` pass/fail "
        "binding ids, all sub-directories read together as Checkov does) and the wildcard "
        "check on Roles. kubeward runs only the mapped codes on the same files through the "
        "same loader and engine as `kubeward scan`; the units compared are the flagged "
        "subjects (kind, name, a ServiceAccount's namespace), bindings, workloads or roles. "
        "Checkov's graph checks only judge ServiceAccount (and Node) subjects, so their "
        "bindings are compared on kubeward's findings for ServiceAccount subjects. RBAC001 "
        "(full control) appears with the narrower codes because kubeward reports a binding "
        "that gives full control of an API group once, not once per narrower right. Built-in "
        "roles and bindings are exempt as by default. Harness: `tests/conformance/rbac.py`.",
        "",
    ]
    lines += _table(ks, "kubescape", "Kubescape regolibrary")
    lines += _subject_summary(shared, ks)
    lines += _table(ck, "checkov", "Checkov")
    lines += _disagreement_lines([ks, ck])
    mapped = {m.check for m in MAPPINGS}
    lines += ["### Out of scope", "", "| peer | checks | cases | reason |", "|---|---|---|---|"]
    for o in OUT_OF_SCOPE:
        counts = ks_checks if o.peer == "kubescape" else ck_checks
        n = sum(counts.get(c, 0) for c in o.checks)
        lines.append(f"| {o.peer} | {', '.join(o.checks)} | {n} | {_cell(o.reason)} |")
    unmapped = sorted(c for c in ks_checks if c not in mapped and not _out_of_scope(c))
    lines += ["", f"Kubescape RBAC rules neither mapped nor out of scope: {len(unmapped)}.", ""]
    return "\n".join(lines)


def subject_rules(shared: Path) -> dict[str, int]:
    """Kubescape's `subject-role-rolebinding` rules and their case counts."""
    counts: dict[str, int] = defaultdict(int)
    for row in _kubescape_rows(shared / KUBESCAPE):
        if row.get("resourcesAggregator") == AGGREGATOR:
            counts[row["rule"]] += 1
    return dict(counts)


def _subject_summary(shared: Path, run: Run) -> list[str]:
    rules = subject_rules(shared)
    cases = [c for c in run.cases if c.check in rules]
    units = [u for c in cases for u in c.units]
    skipped = {r: n for r, n in rules.items() if _out_of_scope(r)}
    dis = [u for u in units if not u.agrees]
    by_right: dict[str, int] = defaultdict(int)
    table = explained()
    for u in dis:
        e = table.get(u.key)
        by_right[e.right if e is not None else "unexplained"] += 1
    rights = ", ".join(f"{k} {v}" for k, v in sorted(by_right.items()))
    return [
        f"The `{AGGREGATOR}` rules: {len(rules)} rules, {sum(rules.values())} cases; "
        f"{len(rules) - len(skipped)} rules ({len(cases)} cases) compared, {len(skipped)} "
        f"({sum(skipped.values())} cases) out of scope. Cases agreeing: "
        f"{sum(c.agrees for c in cases)} / {len(cases)}; flagged subjects agreeing: "
        f"{sum(u.agrees for u in units)} / {len(units)}. The {len(dis)} disagreements, all "
        f"explained below: {rights or 'none'}.",
        "",
    ]


def _out_of_scope(check: str) -> bool:
    return any(check in o.checks for o in OUT_OF_SCOPE)


__all__ = [
    "DISAGREEMENTS",
    "MAPPINGS",
    "OUT_OF_SCOPE",
    "Run",
    "checkov_checks",
    "checkov_run",
    "kubescape_checks",
    "kubescape_run",
    "rbac_section",
    "stale_explanations",
    "unexplained",
]
