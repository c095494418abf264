"""kubeward's SEC rules against Checkov's and Kubescape's expected results, and on real manifests.

Peers (read-only corpora, see `peers.py` for how cases are read and objects compared):

* Checkov's service account and secret checks (CKV_K8S_35, 38, 41, 42);
* Kubescape's regolibrary rules for credentials, secrets in environment variables, service
  account tokens and references.

Each peer check is MAPPED to the SEC codes that judge the same thing (with one line of
justification), or listed as RELATED but not mapped, with the reason. Every disagreement on a
mapped check must be in :data:`DISAGREEMENTS` with who is right and why;
``test_secrets_conformance.py`` keeps that table exact in both directions.

Real-world manifests (``../shared/realworld``, about 5,000 files from public projects) have no
expected results: the section counts the SEC findings per rule, and :data:`REVIEWED` records a
hand review of a sample (every hard-coded credential finding, and some of each other rule), by
file, object and key, never by value. A test checks that every reviewed finding still occurs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kubeward.config import Config
from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths
from tests.conformance import peers
from tests.conformance.peers import (
    KUBEWARD,
    SCOPE,
    Explained,
    ObjectResult,
    PeerMapping,
    PeerRun,
    Reason,
)

REALWORLD = Path("realworld")
WORKLOADS = (
    "CronJob",
    "DaemonSet",
    "Deployment",
    "Job",
    "Pod",
    "ReplicaSet",
    "ReplicationController",
    "StatefulSet",
)
WHOLE_CLUSTER = {"check_all": True}

CHECKOV_MAPPINGS: tuple[PeerMapping, ...] = (
    PeerMapping(
        "CKV_K8S_35",
        ("SEC020",),
        "Secret read into environment variables (`secretKeyRef`, `envFrom.secretRef`)",
    ),
    PeerMapping(
        "CKV_K8S_38",
        ("SEC021",),
        "ServiceAccount token mounted (the pod does not set automountServiceAccountToken: false)",
    ),
    PeerMapping(
        "CKV_K8S_41",
        ("SEC023",),
        "a `default` ServiceAccount that does not disable token automounting",
    ),
    PeerMapping(
        "CKV_K8S_42",
        ("RBAC022",),
        "a RoleBinding or ClusterRoleBinding granting a role to a `default` ServiceAccount",
    ),
)

KUBESCAPE_MAPPINGS: tuple[PeerMapping, ...] = (
    PeerMapping(
        "automount-service-account",
        ("SEC021",),
        "pods that mount a ServiceAccount token, with the ServiceAccount's own setting applied",
        WORKLOADS,
    ),
    PeerMapping(
        "automount-default-service-account",
        ("SEC023",),
        "a `default` ServiceAccount that does not disable token automounting",
        ("ServiceAccount",),
    ),
    PeerMapping(
        "serviceaccount-token-mount",
        ("SEC021",),
        "token mounted into pods (Kubescape: only where a binding grants rights; see the "
        "disagreements)",
        WORKLOADS,
    ),
    PeerMapping(
        "non-existent-service-account",
        ("SEC030",),
        "pod refers to a ServiceAccount that does not exist; each case is a whole cluster, so "
        "`check_all: true`",
        WORKLOADS,
        {"SEC030": WHOLE_CLUSTER},
    ),
    PeerMapping(
        "deprecated-service-account-field",
        ("SEC033",),
        "the deprecated `serviceAccount` field",
        WORKLOADS,
    ),
    PeerMapping(
        "rule-credentials-in-env-var",
        ("SEC001",),
        "credentials written into environment variable values",
        WORKLOADS,
    ),
    PeerMapping(
        "rule-credentials-configmap",
        ("SEC003",),
        "credentials written into ConfigMap data",
        ("ConfigMap",),
    ),
    PeerMapping(
        "rule-secrets-in-env-var",
        ("SEC020",),
        "Secret read into environment variables (`secretKeyRef`, `envFrom.secretRef`)",
        WORKLOADS,
    ),
)


@dataclass(frozen=True)
class Related:
    """A peer rule on the same subject that is not compared, and why."""

    check: str
    reason: str


KUBESCAPE_RELATED: tuple[Related, ...] = (
    Related(
        "ensure-external-secrets-storage-is-in-use",
        "fails every workload without a Secrets Store CSI volume, whether it needs a credential "
        "or not; kubeward reports committed Secret values (SEC010) and credentials in "
        "manifests (SEC001-SEC004), and checks the CSI volumes and SecretProviderClasses that "
        "exist (SEC050-SEC053)",
    ),
    Related(
        "external-secret-storage",
        "cloud API check of etcd encryption with a KMS key (AKS cluster configuration, not "
        "manifests)",
    ),
    Related(
        "workload-mounted-secrets",
        "lists workloads that mount Secrets, for attack-path analysis; mounting a Secret as a "
        "file is what kubeward recommends (SEC020)",
    ),
    Related(
        "namespace-without-service-account",
        "inventory of namespaces without their own ServiceAccounts; kubeward reports the pods "
        "that run as `default` instead (SEC022)",
    ),
)

# ============================================================================ disagreements

_AUTOMOUNT_RIGHTS = Reason(
    "token with rights vs token without need",
    "Kubescape's serviceaccount-token-mount (C-0261) flags a mounted token only when a "
    "binding grants its ServiceAccount rights (a stolen token is then worth something); "
    "SEC021 follows CIS AKS 4.1.6, 'Ensure that Service Account Tokens are only mounted "
    "where necessary', and treats a token as necessary exactly when a binding grants the "
    "ServiceAccount a role. The two rules flag complementary pods by design. Scope "
    "difference; the RBAC rules judge what bound tokens allow.",
)
_DEPRECATED_MATCHING = Reason(
    "deprecated field set to the same value",
    "`serviceAccount` and `serviceAccountName` name the same ServiceAccount. The PodSpec API "
    "reference calls `serviceAccount` a 'DeprecatedServiceAccount ... Deprecated: Use "
    "serviceAccountName instead', whatever its value; kubeward reports every use, Kubescape "
    "only uses that change the result. Scope difference.",
)
_ENVFROM_SECRET = Reason(
    "Secret loaded with envFrom",
    "The container loads a Secret with `envFrom.secretRef`: no credential is written in the "
    "manifest. Kubescape reports it under its credentials-in-configuration control; "
    "kubeward reports it as a Secret read into environment variables (SEC020, which flags "
    "this object) and keeps SEC001 for values written in the manifest. Scope difference.",
)
_WORD_IN_VALUE = Reason(
    "sensitive word in a value",
    "Kubescape flags values that contain one of its sensitive words (`my_key_value`, `JWT`). "
    "These values are not credentials (a description and the name of a token format); "
    "detect-secrets' keyword plugin, which kubeward uses, looks at names, and its pattern "
    "plugins at credential formats. kubeward is right.",
)
_PLACEHOLDER_VALUES = Reason(
    "placeholder and two-letter values",
    "The credential-named keys hold `XXXX` (a placeholder) and `hi` (two letters). kubeward "
    "does not report placeholders (detect-secrets' templated-value filter and kubeward's "
    "placeholder list) or values shorter than three characters; Kubescape reports the key "
    "names alone. kubeward is right about the placeholder; the two-letter value is a "
    "deliberate threshold.",
)


def _x(peer: str, case: str, obj: str, kw: str, pv: str, right: str, r: Reason) -> Explained:
    return Explained(peer, case, obj, kw, pv, right, r)


F, N = peers.FLAGGED, peers.NOT_FLAGGED
DISAGREEMENTS: tuple[Explained, ...] = (
    *(
        _x("kubescape", f"serviceaccount-token-mount/{c}", o, F, N, SCOPE, _AUTOMOUNT_RIGHTS)
        for c, o in (
            ("both-mount", "Pod.default.test-pd"),
            ("both-mount-default", "Pod.(none).test-pd"),
            ("pod-mount", "Pod.(none).test-pd"),
        )
    ),
    _x(
        "kubescape",
        "serviceaccount-token-mount/pod-mount-and-rb-bind",
        "Pod.default.test-pd",
        N,
        F,
        SCOPE,
        _AUTOMOUNT_RIGHTS,
    ),
    *(
        _x(
            "kubescape",
            f"deprecated-service-account-field/{c}",
            o,
            F,
            N,
            SCOPE,
            _DEPRECATED_MATCHING,
        )
        for c, o in (
            ("cronjob_service_account_name", "CronJob.(none).matching-service-accounts-cronjob"),
            ("pod_service_account_name", "Pod.(none).matching-service-accounts-pod"),
            (
                "workload_service_account_name",
                "Deployment.(none).matching-service-accounts-deployment",
            ),
        )
    ),
    *(
        _x("kubescape", f"rule-credentials-in-env-var/{c}", o, N, F, SCOPE, _ENVFROM_SECRET)
        for c, o in (
            ("cronjob-envfrom-secretref", "CronJob.(none).envfrom-secret-cronjob"),
            (
                "cronjob-initcontainer-envfrom-secretref",
                "CronJob.(none).initcontainer-secret-cronjob",
            ),
            ("pod-envfrom-secretref", "Pod.(none).envfrom-secret-pod"),
            ("pod-initcontainer-envfrom-secretref", "Pod.(none).initcontainer-secret-pod"),
            ("workloads-envfrom-secretref", "Deployment.(none).envfrom-secret-deploy"),
            (
                "workloads-initcontainer-envfrom-secretref",
                "Deployment.(none).initcontainer-secret-deploy",
            ),
        )
    ),
    *(
        _x("kubescape", f"rule-credentials-in-env-var/{c}", o, N, F, KUBEWARD, _WORD_IN_VALUE)
        for c, o in (
            ("deployment", "Deployment.default.test2"),
            ("pod", "Pod.(none).audit-pod"),
            ("workloads", "Deployment.default.test2"),
        )
    ),
    _x(
        "kubescape",
        "rule-credentials-configmap/test",
        "ConfigMap.(none).game-demo",
        N,
        F,
        KUBEWARD,
        _PLACEHOLDER_VALUES,
    ),
)

# ============================================================================ runs


@cache
def checkov_run(shared: Path) -> PeerRun:
    return peers.mapped_checkov_run(shared, CHECKOV_MAPPINGS)


@cache
def kubescape_run(shared: Path) -> PeerRun:
    return peers.mapped_kubescape_run(shared, KUBESCAPE_MAPPINGS)


def explained_for(peer: str) -> dict[tuple[str, str, str, str, str], Explained]:
    return {e.key: e for e in DISAGREEMENTS if e.peer == peer}


def unexplained(run: PeerRun) -> list[ObjectResult]:
    table = explained_for(run.peer)
    return [r for r in run.disagreements() if r.key not in table]


def stale_explanations(run: PeerRun) -> list[Explained]:
    seen = {r.key for r in run.disagreements()}
    return [e for e in explained_for(run.peer).values() if e.key not in seen]


def kubescape_rules(shared: Path) -> set[str]:
    return {str(r["rule"]) for r in peers.jsonl_rows(shared / peers.KUBESCAPE / "cases.jsonl")}


# ============================================================================ real world


@dataclass(frozen=True)
class Found:
    rule: str
    file: str  # relative to the realworld directory
    obj: str  # Kind/name
    path: str
    message: str


@dataclass(frozen=True)
class Review:
    """One finding reviewed by hand: `verdict` is "true positive" or "false positive"."""

    rule: str
    file: str
    obj: str
    path: str
    verdict: str
    note: str
    detail: str = ""  # text of the message, when one field has several findings

    def matches(self, f: Found) -> bool:
        same = (f.rule, f.file, f.obj, f.path) == (self.rule, self.file, self.obj, self.path)
        return same and self.detail in f.message


@cache
def realworld_findings(shared: Path) -> tuple[Found, ...]:
    catalogue = default_catalogue()
    # RBAC022 judges the default ServiceAccount's bindings for this section too
    rules = [r for r in catalogue if r.code.startswith("SEC") or r.code == "RBAC022"]
    root = shared / REALWORLD
    report = scan_paths([str(root)], catalogue, Config(), only=rules)
    out = []
    for f in report.findings:
        rel = Path(f.obj.file).resolve().relative_to(root.resolve()).as_posix()
        out.append(Found(f.rule, rel, f"{f.obj.kind}/{f.obj.name}", f.path_text, f.message))
    return tuple(out)


TP, FP = "true positive", "false positive"
_ENV0 = "spec.template.spec.containers[0].env[0].value"
_ENV1 = "spec.template.spec.containers[0].env[1].value"
_ENV3 = "spec.template.spec.containers[0].env[3].value"
_ENV5 = "spec.template.spec.containers[0].env[5].value"
_ENV6 = "spec.template.spec.containers[0].env[6].value"
_GKE_MYSQL = "gke-samples/databases/backup-migration/manifests/02-mysql/"
_GKE_HD = "gke-samples/databases/offline-hyperdisk-migration/manifests/02-mysql/"
_GALERA = "kubernetes-examples/_archived/storage/mysql-galera/"
_MINIO = "kubernetes-examples/_archived/storage/minio/"
_NIM = "gke-samples/ai-ml/nemo-rl-on-gke/nemoRL/gemma3-27b-it/"
_SAMPLE_PW = "a sample's database password written into the pod spec"


def _r(
    rule: str, file: str, obj: str, path: str, verdict: str, note: str, detail: str = ""
) -> Review:
    return Review(rule, file, obj, path, verdict, note, detail)


REVIEWED: tuple[Review, ...] = (
    # ------------------------------------------------- SEC001-SEC003: every finding reviewed
    _r(
        "SEC001",
        "example-voting-app/k8s-specifications/db-deployment.yaml",
        "Deployment/db",
        _ENV1,
        TP,
        "POSTGRES_PASSWORD: the database password in the manifest",
    ),
    *(
        _r(
            "SEC001",
            f"{_NIM}{f}",
            "Deployment/nim-gemma-3-27b-deployment",
            _ENV0,
            TP,
            "NGC_API_KEY holds a placeholder where the API key belongs: the manifest is meant "
            "to carry the key inline",
        )
        for f in ("nim-gemma-deployment-local.yaml", "nim-gemma-deployment.yaml")
    ),
    *(
        _r("SEC001", f"{base}{f}", obj, path, TP, f"{name}: {_SAMPLE_PW}")
        for base, f, obj, path, name in (
            (
                _GKE_MYSQL,
                "mysql-a-deployment.yaml",
                "Deployment/existing-mysql-a",
                _ENV0,
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                _GKE_MYSQL,
                "mysql-a-deployment.yaml",
                "Deployment/existing-mysql-a",
                _ENV3,
                "MYSQL_PASSWORD",
            ),
            (
                _GKE_MYSQL,
                "mysql-b-deployment.yaml",
                "Deployment/existing-mysql-b",
                _ENV0,
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                _GKE_MYSQL,
                "mysql-b-deployment.yaml",
                "Deployment/existing-mysql-b",
                _ENV3,
                "MYSQL_PASSWORD",
            ),
            (
                _GKE_MYSQL,
                "mysql-client.yaml",
                "Pod/mysql-client",
                "spec.containers[0].env[0].value",
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                _GKE_HD,
                "mysql-client.yaml",
                "Pod/mysql-client",
                "spec.containers[0].env[0].value",
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                _GKE_HD,
                "mysql-deployment.yaml",
                "Deployment/existing-mysql",
                _ENV0,
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                _GKE_HD,
                "mysql-deployment.yaml",
                "Deployment/existing-mysql",
                _ENV3,
                "MYSQL_PASSWORD",
            ),
            (
                _GKE_HD,
                "recovery_mysql_deployment.yaml",
                "Deployment/new-mysql",
                _ENV0,
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                _GKE_HD,
                "recovery_mysql_deployment.yaml",
                "Deployment/new-mysql",
                _ENV3,
                "MYSQL_PASSWORD",
            ),
            (
                "kubernetes-examples/_archived/javaee/",
                "mysql-pod.yaml",
                "Pod/mysql-pod",
                "spec.containers[0].env[1].value",
                "MYSQL_PASSWORD",
            ),
            (
                "kubernetes-examples/_archived/javaee/",
                "mysql-pod.yaml",
                "Pod/mysql-pod",
                "spec.containers[0].env[3].value",
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                "longhorn/examples/",
                "deployment.yaml",
                "Deployment/mysql",
                _ENV0,
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                "rook/deploy/examples/",
                "mysql.yaml",
                "Deployment/wordpress-mysql",
                _ENV0,
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                "rook/deploy/examples/",
                "wordpress.yaml",
                "Deployment/wordpress",
                _ENV1,
                "WORDPRESS_DB_PASSWORD",
            ),
            (
                "sock-shop/deploy/kubernetes/",
                "complete-demo.yaml",
                "Deployment/catalogue-db",
                _ENV0,
                "MYSQL_ROOT_PASSWORD",
            ),
            (
                "sock-shop/deploy/kubernetes/manifests/",
                "07-catalogue-db-dep.yaml",
                "Deployment/catalogue-db",
                _ENV0,
                "MYSQL_ROOT_PASSWORD",
            ),
        )
    ),
    *(
        _r(
            "SEC001",
            f"{_GALERA}pxc-node{n}.yaml",
            f"ReplicationController/pxc-node{n}",
            path,
            TP,
            f"{name}: {_SAMPLE_PW}",
        )
        for n in (1, 2, 3)
        for path, name in (
            (_ENV3, "WSREP_SST_PASSWORD"),
            (_ENV5, "MYSQL_PASSWORD"),
            (_ENV6, "MYSQL_ROOT_PASSWORD"),
        )
    ),
    *(
        _r("SEC001", f"{_MINIO}{f}", obj, path, verdict, note)
        for f, obj in (
            ("minio-distributed-statefulset.yaml", "StatefulSet/minio"),
            ("minio-standalone-deployment.yaml", "Deployment/minio-deployment"),
        )
        for path, verdict, note in (
            (
                _ENV0,
                FP,
                "MINIO_ACCESS_KEY: MinIO's access key is the root user's name, not a secret; "
                "names ending in access_key count as credentials because Azure Storage and "
                "most services use the words for the secret",
            ),
            (_ENV1, TP, "MINIO_SECRET_KEY: the root password"),
        )
    ),
    *(
        _r(
            "SEC001",
            f"kubernetes-examples/_archived/sysdig-cloud/{f}",
            obj,
            path,
            TP,
            "ACCESS_KEY: the Sysdig agent's access key, a dummy value to replace",
        )
        for f, obj, path in (
            ("sysdig-daemonset.yaml", "DaemonSet/sysdig-agent", _ENV0),
            ("sysdig-rc.yaml", "ReplicationController/sysdig-agent", _ENV0),
        )
    ),
    _r(
        "SEC001",
        "rook/deploy/examples/csi/cephfs/kube-registry.yaml",
        "Deployment/kube-registry",
        _ENV1,
        TP,
        "REGISTRY_HTTP_SECRET: the registry's HTTP secret, a default to be changed",
    ),
    _r(
        "SEC001",
        "sock-shop/deploy/kubernetes/manifests-monitoring/21-grafana-dep.yaml",
        "Deployment/grafana-core",
        _ENV1,
        TP,
        "GF_SECURITY_ADMIN_PASSWORD: Grafana's admin password",
    ),
    _r(
        "SEC002",
        "sock-shop/deploy/kubernetes/manifests-monitoring/23-grafana-import-dash-batch.yaml",
        "Job/grafana-import-dashboards",
        "spec.template.spec.containers[0].args[0]",
        TP,
        "a script calling Grafana's API with the admin user's password in the URL",
    ),
    _r(
        "SEC003",
        "harisekhon-k8s-configs/clair/base/configmap.yaml",
        "ConfigMap/clair-config",
        'data["config.yaml"]',
        TP,
        "config.yaml line 15: a PostgreSQL URL with the database password (basic auth)",
        "line 15 of the value",
    ),
    _r(
        "SEC003",
        "harisekhon-k8s-configs/clair/base/configmap.yaml",
        "ConfigMap/clair-config",
        'data["config.yaml"]',
        FP,
        "config.yaml line 80: an AMQP URL with a password inside a commented-out example; "
        "comments are read like settings",
        "line 80 of the value",
    ),
    _r(
        "SEC003",
        "istio/samples/addons/kiali.yaml",
        "ConfigMap/kiali",
        'data["config.yaml"]',
        TP,
        "config.yaml, signing_key: Kiali's session signing key, a sample default",
    ),
    _r(
        "SEC003",
        "istio/samples/open-telemetry/otel.yaml",
        "ConfigMap/opentelemetry-collector-conf",
        "data.opentelemetry-collector-config",
        TP,
        "collector config, token: the bearer token of the collector's auth extension",
    ),
    # ------------------------------------------------------ samples of the other rules
    _r(
        "SEC010",
        "aks-store-demo/aks-store-all-in-one.yaml",
        "Secret/rabbitmq-secrets",
        "data",
        TP,
        "RabbitMQ user and password committed as base64",
    ),
    _r(
        "SEC010",
        "argo-cd/docs/operator-manual/argocd-repo-creds.yaml",
        "Secret/argoproj-ssh-creds",
        "stringData",
        TP,
        "documentation example of repository credentials (an SSH private key field)",
    ),
    _r(
        "SEC011",
        "kyverno-policies/other/deny-secret-service-account-token-type/_kyverno-test/resource.yaml",
        "Secret/bad-secret",
        "type",
        TP,
        "a policy test's example of a long-lived token Secret",
    ),
    _r(
        "SEC021",
        "sock-shop/deploy/kubernetes/manifests/01-carts-dep.yaml",
        "Deployment/carts",
        "spec.template.spec",
        TP,
        "a web service that never calls the API server, with the default ServiceAccount's token",
    ),
    _r(
        "SEC021",
        "gke-samples/databases/postgres-chaos-testing/manifests/08-monitoring/chaos-exporter.yaml",
        "Deployment/chaos-exporter",
        "spec.template.spec",
        FP,
        "the exporter reads Litmus objects from the API server; the binding that grants "
        "ServiceAccount litmus its rights comes with the Litmus install, outside the input",
    ),
    _r(
        "SEC022",
        "aks-store-demo/ai-service.yaml",
        "Deployment/ai-service",
        "spec.template.spec",
        TP,
        "serviceAccountName not set",
    ),
    _r(
        "RBAC022",
        "tekton-pipeline/examples/v1/pipelineruns/pipelinerun.yaml",
        "ClusterRoleBinding/default-cluster-admin-",
        "subjects[0]",
        TP,
        "cluster-admin bound to namespace default's default ServiceAccount (an example)",
    ),
    _r(
        "SEC030",
        "gke-samples/ai-ml/axolotl-multimodal-finetuning-gemma/k8s/axolotl-training-job.yaml",
        "Job/gemma3-melanoma-training",
        "spec.template.spec.serviceAccountName",
        FP,
        "no manifest of the sample defines ServiceAccount axolotl-training-sa: it is created "
        "outside these files. Reported because other projects of this merged corpus define "
        "namespace-less ServiceAccounts; the sample scanned alone is not checked (no "
        "ServiceAccount in its input) and has no finding",
    ),
    _r(
        "SEC031",
        "argo-cd/manifests/ha/namespace-install.yaml",
        "Deployment/argocd-server",
        "spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.name",
        FP,
        "argocd-redis is created at install time by the argocd-redis-secret-init Job of the "
        "same manifest; a manifest scan cannot know what a Job creates",
    ),
    _r(
        "SEC031",
        "gke-samples/ai-ml/llm-serving-gemma/tgi/tgi-1_1-2b-it.yaml",
        "Deployment/tgi-gemma-deployment",
        "spec.template.spec.containers[0].env[2].valueFrom.secretKeyRef.name",
        FP,
        "no manifest of the sample defines Secret hf-secret (the Hugging Face token): it is "
        "created outside these files, as a credential should be. Reported because other "
        "projects of this merged corpus define namespace-less Secrets; the sample scanned "
        "alone has no finding",
    ),
    _r(
        "SEC032",
        "kube-prometheus/manifests/grafana-deployment.yaml",
        "Deployment/grafana",
        "spec.template.spec.volumes[16].configMap.name",
        TP,
        "the dashboard ConfigMaps are in grafana-dashboardDefinitions.yaml, which the corpus "
        "leaves out: true for this input",
    ),
    _r(
        "SEC033",
        "calico/manifests/apiserver.yaml",
        "Deployment/calico-apiserver",
        "spec.template.spec.serviceAccount",
        TP,
        "serviceAccount set next to serviceAccountName",
    ),
    _r(
        "SEC040",
        "aks-store-demo/kustomize/overlays/azd/ai-service/deployment.yaml",
        "Deployment/ai-service",
        "spec.template.spec.serviceAccount",
        TP,
        "the pod is labelled for workload identity and its ServiceAccount (serviceaccount.yaml "
        "beside it) has no client-id annotation; the deployment tooling must add it outside "
        "these files",
    ),
    _r(
        "SEC053",
        "tekton-pipeline/examples/v1/pipelineruns/no-ci/csi-workspace.yaml",
        "SecretProviderClass/vault-database",
        "spec.secretObjects[0]",
        TP,
        "a Vault SecretProviderClass syncing the database password into a Secret",
    ),
    _r(
        "SEC064",
        "istio/pilot/pkg/config/kube/gateway/testdata/frontend-tls-refgrant.yaml",
        "Secret/existing-cert",
        'data["tls.crt"]',
        TP,
        "test data: tls.crt holds a placeholder, not a certificate",
    ),
)


def review_problems(found: Iterable[Found]) -> list[str]:
    """Reviewed findings that the scan no longer produces (the review is then stale)."""
    found = list(found)
    return [
        f"{r.rule} {r.file} {r.obj} {r.path}"
        for r in REVIEWED
        if not any(r.matches(f) for f in found)
    ]


# ============================================================================ Markdown


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _peer_table(run: PeerRun, title: str) -> list[str]:
    by_check: dict[str, list[ObjectResult]] = defaultdict(list)
    for r in run.results:
        by_check[r.check].append(r)
    lines = [
        f"#### {title}",
        "",
        "| peer check | kubeward | why mapped | cases | objects compared | agree | disagree |",
        "|---|---|---|---|---|---|---|",
    ]
    total_cmp = total_agree = 0
    for m in run.mappings:
        rs = [r for r in by_check.get(m.check, []) if r.compared]
        agree = sum(r.agrees for r in rs)
        total_cmp += len(rs)
        total_agree += agree
        lines.append(
            f"| {m.check} | {', '.join(m.codes)} | {_cell(m.why)} | "
            f"{run.cases_per_check.get(m.check, 0)} | {len(rs)} | {agree} | {len(rs) - agree} |"
        )
    pct = f" ({100 * total_agree / total_cmp:.1f}%)" if total_cmp else ""
    lines += [
        f"| **total** | | | | {total_cmp} | {total_agree}{pct} | {total_cmp - total_agree} |",
        "",
    ]
    extra = [r for r in run.results if not r.compared]
    if extra:
        lines.append(
            f"Flagged by kubeward, not evaluated by the peer ({len(extra)}): "
            + "; ".join(f"{_cell(r.case)}: {_cell(r.obj)}" for r in extra)
            + "."
        )
        lines.append("")
    return lines


def _disagreements(runs: Iterable[PeerRun]) -> list[str]:
    rows: list[tuple[ObjectResult, Explained | None]] = []
    for run in runs:
        table = explained_for(run.peer)
        rows += [(r, table.get(r.key)) for r in run.disagreements()]
    lines = [f"#### Disagreements ({len(rows)})", ""]
    if not rows:
        return [*lines, "None.", ""]
    lines += [
        "| peer | case | object | kubeward | peer | who is right | reason |",
        "|---|---|---|---|---|---|---|",
    ]
    reasons: dict[str, tuple[Reason, list[str]]] = {}
    tally: Counter[str] = Counter()
    for r, e in rows:
        right = e.right if e else "**unexplained**"
        tally[right] += 1
        if e is not None:
            reasons.setdefault(e.reason.title, (e.reason, []))[1].append(e.right)
        lines.append(
            f"| {r.peer} | {_cell(r.case)} | {_cell(r.obj)} | {r.kubeward} | {r.peer_verdict} "
            f"| {right} | {_cell(e.reason.title if e else '')} |"
        )
    lines += [
        "",
        "Who is right: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())) + ".",
        "",
    ]
    for title in sorted(reasons):
        reason, rights = reasons[title]
        lines.append(f"- **{_cell(title)}** ({len(rights)}): {_cell(reason.text)}")
    lines.append("")
    return lines


def section(shared: Path) -> str:
    ck, ks = checkov_run(shared), kubescape_run(shared)
    known = kubescape_rules(shared)
    lines = [
        "## Credentials and secrets: SEC rules",
        "",
        "### Against Checkov and Kubescape",
        "",
        "Same corpora and comparison as the POD/IMG/NS sections above (objects by kind, "
        "namespace and name; only the mapped SEC codes run on each case's input).",
        "",
        *_peer_table(ck, "Checkov 3.3.13 (`corpora/checkov-kubernetes`)"),
        *_peer_table(ks, "Kubescape regolibrary (`corpora/kubescape-regolibrary`)"),
        *_disagreements((ck, ks)),
        "Related Kubescape rules that are not compared:",
        "",
    ]
    lines += [f"- `{r.check}`: {_cell(r.reason)}" for r in KUBESCAPE_RELATED if r.check in known]
    found = realworld_findings(shared)
    counts = Counter(f.rule for f in found)
    files = len({f.file for f in found})
    catalogue = default_catalogue()
    lines += [
        "",
        "### Real-world manifests (`realworld`)",
        "",
        f"Every SEC rule on the ~5,000 manifests of `../shared/realworld` (public projects; "
        f"their samples, tests and install bundles): {len(found):,} findings in {files:,} "
        "files. Rules with no finding are not listed. The twenty projects are scanned "
        "together, as one input: objects without a namespace match across projects, which "
        "hides some SEC021 findings (a binding of another project) and adds some SEC030-SEC032 "
        "ones (another project's objects make a namespace count as managed).",
        "",
        "| rule | findings | title |",
        "|---|---|---|",
    ]
    for code in sorted(counts):
        rule = catalogue.get(code)
        lines.append(f"| {code} | {counts[code]:,} | {_cell(rule.title if rule else '')} |")
    verdicts = Counter(r.verdict for r in REVIEWED)
    hard = [r for r in REVIEWED if r.rule in ("SEC001", "SEC002", "SEC003", "SEC004")]
    hard_fp = sum(r.verdict == FP for r in hard)
    total_hard = sum(counts[c] for c in ("SEC001", "SEC002", "SEC003", "SEC004"))
    lines += [
        "",
        f"Reviewed by hand: {len(REVIEWED)} findings, {verdicts[TP]} true and "
        f"{verdicts[FP]} false positives. All {total_hard} hard-coded credential findings "
        f"(SEC001-SEC004) were reviewed: {len(hard) - hard_fp} true, {hard_fp} false "
        "positives. Findings are named by file, object and key, never by value. Most true "
        "positives are sample defaults (`changeme`-style passwords): correct findings, since "
        "the manifest deploys that password.",
        "",
        "| rule | file | object | field | verdict | note |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.rule} | {_cell(r.file)} | {_cell(r.obj)} | `{_cell(r.path)}` | {r.verdict} "
        f"| {_cell(r.note)} |"
        for r in REVIEWED
    ]
    lines.append("")
    return "\n".join(lines)
