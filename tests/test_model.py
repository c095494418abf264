"""The model: effective security context, pod-carrying kinds, paths, images, field types."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubeward.loaders.manifests import DocLocator, LoadedFile, objects, parse
from kubeward.model.container import Origin
from kubeward.model.image import parse_image
from kubeward.model.path import Path, render
from kubeward.model.path import parse as parse_path
from kubeward.model.resource import Resource
from kubeward.model.security import covers, normalise_host_path, normalise_sysctl
from kubeward.model.workload import Workload, build_workload, has_template, template_path


def load(text: str) -> list[Resource]:
    errors: list[object] = []
    docs = parse("t.yaml", textwrap.dedent(text), errors)  # type: ignore[arg-type]
    assert not errors
    return list(objects(LoadedFile("t.yaml", docs, None), errors))  # type: ignore[arg-type]


def workload(text: str) -> Workload:
    (res,) = load(text)
    template = template_path(res)
    assert template is not None
    return build_workload(res, template)


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: {type: RuntimeDefault}
        windowsOptions: {hostProcess: true}
      containers:
        - name: app
          image: nginx
          securityContext:
            runAsUser: 2000
            windowsOptions: {runAsUserName: web}
        - name: side
          image: nginx
          securityContext:
            seccompProfile: {type: Unconfined}
            appArmorProfile: {type: RuntimeDefault}
      initContainers:
        - name: init
          image: busybox
"""


def test_effective_security_context_inherits_and_overrides() -> None:
    w = workload(DEPLOYMENT)
    app, side, init = w.containers
    pod = ("spec", "template", "spec", "securityContext")
    # container value wins, with its own path
    assert app.security.run_as_user.value == 2000
    assert app.security.run_as_user.origin is Origin.CONTAINER
    assert app.security.run_as_user.path == (
        "spec",
        "template",
        "spec",
        "containers",
        0,
        "securityContext",
        "runAsUser",
    )
    # inherited from the pod, pointing at the pod-level field
    assert side.security.run_as_user.value == 1000
    assert side.security.run_as_user.path == pod + ("runAsUser",)
    assert init.security.run_as_non_root.value is True
    assert init.security.run_as_non_root.origin is Origin.POD
    # whole-object override for seccompProfile
    assert app.security.seccomp_type.value == "RuntimeDefault"
    assert side.security.seccomp_type.value == "Unconfined"
    assert side.security.seccomp_type.origin is Origin.CONTAINER
    # windowsOptions merge field by field: the container sets only runAsUserName
    assert app.security.windows_host_process.value is True
    assert app.security.windows_host_process.path == pod + ("windowsOptions", "hostProcess")
    # AppArmor: annotation for "app", the field wins for "side"
    assert app.security.apparmor_type.value == "Unconfined"
    assert app.security.apparmor_type.origin is Origin.ANNOTATION
    assert side.security.apparmor_type.value == "RuntimeDefault"
    # container-only fields are never inherited
    assert init.security.privileged.origin is Origin.UNSET
    assert init.security.privileged.path == (
        "spec",
        "template",
        "spec",
        "initContainers",
        0,
        "securityContext",
        "privileged",
    )


def test_unset_setting_points_where_it_would_go() -> None:
    w = workload(DEPLOYMENT)
    init = w.containers[2]
    s = init.security.allow_privilege_escalation
    assert s.value is None and not s.is_set
    assert s.path == (
        "spec",
        "template",
        "spec",
        "initContainers",
        0,
        "securityContext",
        "allowPrivilegeEscalation",
    )


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        ("v1", "Pod", ()),
        ("v1", "ReplicationController", ("spec", "template")),
        ("apps/v1", "Deployment", ("spec", "template")),
        ("extensions/v1beta1", "DaemonSet", ("spec", "template")),
        ("batch/v1", "CronJob", ("spec", "jobTemplate", "spec", "template")),
        ("argoproj.io/v1alpha1", "Rollout", ("spec", "template")),
        ("example.com/v1", "Deployment", None),  # a CRD that happens to be called Deployment
        ("v1", "Service", None),
    ],
)
def test_pod_carrying_kinds(api_version: str, kind: str, expected: Path | None) -> None:
    (res,) = load(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\n")
    assert template_path(res) == expected


def test_rollout_with_workload_ref_carries_no_pod() -> None:
    (res,) = load(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: r}
        spec:
          workloadRef: {apiVersion: apps/v1, kind: Deployment, name: r}
        """
    )
    template = template_path(res)
    assert template is not None and not has_template(res, template)


def test_wrong_types_become_problems_and_are_treated_as_absent() -> None:
    w = workload(
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          hostNetwork: "yes"
          securityContext: []
          containers:
            - name: a
              image: x
              ports: [{containerPort: "80"}]
        """
    )
    messages = sorted(p.message for p in w.problems)
    assert messages == [
        "spec.containers[0].ports[0].containerPort: expected an integer, got a string",
        "spec.hostNetwork: expected a boolean, got a string",
        "spec.securityContext: expected a mapping, got a list",
    ]
    assert w.pod.host_network is False
    assert w.containers[0].ports[0].container_port is None


def test_list_items_and_typed_lists() -> None:
    resources = load(
        """
        apiVersion: v1
        kind: PodList
        items:
          - metadata: {name: a, namespace: n}
            spec: {containers: [{name: c, image: x}]}
        ---
        apiVersion: v1
        kind: List
        items:
          - {apiVersion: v1, kind: Service, metadata: {name: s}}
        """
    )
    assert [(r.kind, r.name, r.source.prefix, r.source.line) for r in resources] == [
        ("Pod", "a", ("items", 0), 5),
        ("Service", "s", ("items", 0), 11),
    ]


def test_locator_reports_deepest_existing_line_and_follows_merge_keys() -> None:
    text = textwrap.dedent(
        """\
        base: &base
          image: nginx
        spec:
          containers:
            - <<: *base
              name: web
              securityContext:
                privileged: true
        """
    )
    (doc,) = parse("t.yaml", text, [])
    loc = DocLocator(doc)
    c = ("spec", "containers", 0)
    assert loc.line(c + ("securityContext", "privileged")) == 8
    assert loc.line(c + ("securityContext", "runAsUser")) == 7  # missing: its parent's line
    assert loc.line(c + ("image",)) == 2  # from the anchored mapping
    assert loc.line(c) == 5


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", None, None),
        ("nginx:1.25", "docker.io", "library/nginx", "1.25", None),
        ("bitnami/redis:7", "docker.io", "bitnami/redis", "7", None),
        ("localhost:5000/app", "localhost:5000", "app", None, None),
        (
            "myacr.azurecr.io/team/app:1.0@sha256:ab",
            "myacr.azurecr.io",
            "team/app",
            "1.0",
            "sha256:ab",
        ),
        ("registry.k8s.io/pause@sha256:cd", "registry.k8s.io", "pause", None, "sha256:cd"),
        ("index.docker.io/library/busybox:1", "docker.io", "library/busybox", "1", None),
    ],
)
def test_image_references(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_image(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )


def test_host_path_and_sysctl_normalisation() -> None:
    assert normalise_host_path("/var/run//docker.sock/") == "/run/docker.sock"
    assert normalise_host_path("etc/./kubernetes") == "/etc/kubernetes"
    assert covers("/", "/etc/kubernetes/azure.json")
    assert covers("/etc/kubernetes", "/etc/kubernetes/azure.json")
    assert covers("/etc/kubernetes/azure.json", "/etc/kubernetes")  # inside counts too
    assert not covers("/etc/kube", "/etc/kubernetes")
    assert normalise_sysctl("net/ipv4/ip_local_port_range") == "net.ipv4.ip_local_port_range"
    assert normalise_sysctl("net/ipv4/conf/eno2.100/rp_filter") == (
        "net.ipv4.conf.eno2/100.rp_filter"
    )
    assert normalise_sysctl("kernel.shm_rmid_forced") == "kernel.shm_rmid_forced"


@pytest.mark.parametrize(
    ("api_version", "kind", "namespaced"),
    [
        ("v1", "ConfigMap", True),
        ("v1", "Namespace", False),
        ("rbac.authorization.k8s.io/v1", "ClusterRole", False),
        ("kyverno.io/v1", "ClusterPolicy", False),
        ("external-secrets.io/v1beta1", "ClusterSecretStore", False),
        ("cluster.x-k8s.io/v1beta1", "Cluster", True),
        ("cluster.x-k8s.io/v1beta1", "ClusterClass", True),
        ("constraints.gatekeeper.sh/v1beta1", "K8sRequiredLabels", False),
    ],
)
def test_scope(api_version: str, kind: str, namespaced: bool) -> None:
    (res,) = load(f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\n")
    assert res.namespaced is namespaced


keys = st.one_of(
    st.integers(min_value=0, max_value=10_000),
    st.text(min_size=1, max_size=12),
)


@given(st.lists(keys, max_size=8))
def test_paths_round_trip(path: list[str | int]) -> None:
    assert parse_path(render(tuple(path))) == tuple(path)


def test_path_rendering() -> None:
    assert render(("spec", "containers", 0, "securityContext")) == (
        "spec.containers[0].securityContext"
    )
    assert render(("metadata", "annotations", "kubeward.io/ignore")) == (
        'metadata.annotations["kubeward.io/ignore"]'
    )
