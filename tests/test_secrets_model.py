"""The credentials model: Secret views, SecretProviderClasses, references, the scene index,
and the engine recording the lines scene rules report on (no re-parse of the files)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kubeward.config import Config
from kubeward.loaders import manifests
from kubeward.loaders.manifests import LoadedFile, objects, parse
from kubeward.model.inventory import Inventory
from kubeward.model.resource import Resource
from kubeward.model.secrets import (
    CredentialScene,
    Index,
    references,
    secret_provider_class,
    secret_view,
    service_account,
)
from kubeward.model.workload import Workload, build_workload, template_path
from kubeward.rules import default_catalogue
from kubeward.scan import scan_paths


def load(text: str) -> list[Resource]:
    errors: list[object] = []
    docs = parse("t.yaml", textwrap.dedent(text), errors)  # type: ignore[arg-type]
    assert not errors
    return list(objects(LoadedFile("t.yaml", docs, None), errors))  # type: ignore[arg-type]


def workloads(resources: list[Resource]) -> list[Workload]:
    out = []
    for r in resources:
        template = template_path(r)
        if template is not None:
            out.append(build_workload(r, template))
    return out


def scene(text: str) -> CredentialScene:
    res = load(text)
    return CredentialScene.from_inventory(Inventory.build(res, workloads(res)))


def test_secret_view_decodes_data_and_lets_string_data_win() -> None:
    (r,) = load(
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: db}
        data:
          user: c2hvcA==
          password: b2xk
          broken: "not base64!"
        stringData:
          password: new
        """
    )
    s = secret_view(r)
    assert s is not None and s.type == "Opaque" and not s.encrypted
    assert s.entry("user") is not None and s.entry("user").value == b"shop"  # type: ignore[union-attr]
    assert s.entry("password").value == b"new"  # type: ignore[union-attr]
    assert s.entry("password").path == ("stringData", "password")  # type: ignore[union-attr]
    assert s.entry("broken").value is None  # type: ignore[union-attr]
    assert s.entry("missing") is None


def test_sops_manifests_are_encrypted_and_other_groups_are_not_secrets() -> None:
    sops, custom = load(
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: db}
        stringData: {password: "ENC[AES256_GCM,data:eA==,type:str]"}
        sops: {version: 3.8.1}
        ---
        apiVersion: example.test/v1
        kind: Secret
        metadata: {name: not-core}
        """
    )
    view = secret_view(sops)
    assert view is not None and view.encrypted
    assert secret_view(custom) is None


def test_secret_provider_class_objects_and_synced_secrets() -> None:
    (r,) = load(
        """
        apiVersion: secrets-store.csi.x-k8s.io/v1
        kind: SecretProviderClass
        metadata: {name: kv}
        spec:
          provider: azure
          parameters:
            usePodIdentity: "TRUE"
            objects: |
              array:
                - |
                  objectName: db-password
                  objectType: secret
                - |
                  objectName: tls
                  objectType: cert
                  objectAlias: shop-tls
          secretObjects:
            - secretName: db
              type: Opaque
              data: [{objectName: db-password, key: password}]
        """
    )
    spc = secret_provider_class(r)
    assert spc is not None and spc.is_azure and spc.flag("usePodIdentity")
    assert spc.objects is not None
    assert [(o.name, o.type, o.alias) for o in spc.objects] == [
        ("db-password", "secret", None),
        ("tls", "cert", "shop-tls"),
    ]
    (synced,) = spc.synced
    assert synced.secret_name == "db" and synced.data[0].object_name == "db-password"
    assert synced.data[0].path == ("spec", "secretObjects", 0, "data", 0)


@pytest.mark.parametrize(
    ("objects_text", "problem"),
    [
        ("array: [unclosed", "`objects` is not valid YAML"),
        ("other: 1", "`objects` has no `array` of objects"),
        ("array:\n  - 'objectType: secret'", "`objects` entry 1 has no objectName"),
    ],
)
def test_unreadable_objects_are_described(objects_text: str, problem: str) -> None:
    r = load(
        """
        apiVersion: secrets-store.csi.x-k8s.io/v1
        kind: SecretProviderClass
        metadata: {name: kv}
        spec: {provider: azure}
        """
    )[0]
    raw = {**r.raw, "spec": {"provider": "azure", "parameters": {"objects": objects_text}}}
    spc = secret_provider_class(_with(r, raw))
    assert spc is not None and spc.objects is None and spc.objects_problem == problem


def _with(r: Resource, raw: dict[str, object]) -> Resource:
    return Resource(
        r.api_version, r.kind, r.name, r.namespace, r.labels, r.annotations, raw, r.source
    )


POD = """
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop}
spec:
  serviceAccount: legacy
  imagePullSecrets: [{name: acr}]
  containers:
    - name: api
      image: shop/api:1
      env:
        - name: A
          valueFrom: {secretKeyRef: {name: s1, key: k, optional: true}}
        - name: B
          valueFrom: {configMapKeyRef: {name: c1, key: k}}
      envFrom:
        - secretRef: {name: s2}
        - configMapRef: {name: c2}
  volumes:
    - {name: v1, secret: {secretName: s3}}
    - {name: v2, configMap: {name: c3}}
    - name: v3
      projected:
        sources:
          - secret: {name: s4}
          - configMap: {name: c4}
          - serviceAccountToken: {path: token}
    - name: v4
      csi:
        driver: secrets-store.csi.k8s.io
        volumeAttributes: {secretProviderClass: kv}
        nodePublishSecretRef: {name: s5}
"""


def test_every_reference_of_a_pod() -> None:
    (w,) = workloads(load(POD))
    got = [(r.kind, r.name, r.optional, r.key) for r in references(w)]
    assert got == [
        ("Secret", "s1", True, "k"),
        ("ConfigMap", "c1", False, "k"),
        ("Secret", "s2", False, None),
        ("ConfigMap", "c2", False, None),
        ("Secret", "s3", False, None),
        ("ConfigMap", "c3", False, None),
        ("Secret", "s4", False, None),
        ("ConfigMap", "c4", False, None),
        ("Secret", "s5", False, None),
        ("SecretProviderClass", "kv", False, None),
        ("Secret", "acr", False, None),
        ("ServiceAccount", "legacy", False, None),
    ]
    first = references(w)[0]
    assert first.path == ("spec", "containers", 0, "env", 0, "valueFrom", "secretKeyRef", "name")
    assert first.container == "api"
    sa = service_account(w)
    assert (sa.name, sa.field) == ("legacy", "serviceAccount")


def test_service_account_name_wins_over_the_deprecated_field() -> None:
    (w,) = workloads(
        load(
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: api}
            spec:
              serviceAccountName: new
              serviceAccount: old
              containers: [{name: a, image: a:1}]
            """
        )
    )
    assert service_account(w).name == "new"


def test_index_matches_across_a_missing_namespace() -> None:
    index = Index.of([("shop", "db", 1), (None, "cache", 2), ("payments", "db", 3)])
    assert index.find("shop", "db") == 1
    assert index.find("payments", "db") == 3
    assert index.find(None, "db") in (1, 3)
    assert index.find("anywhere", "cache") == 2
    assert index.find("other", "db") is None
    assert index.covers("shop") and index.covers("other")  # the namespace-less object
    assert not Index.of([("shop", "db", 1)]).covers("payments")
    assert not Index.of([]).covers(None)


def test_scene_collects_produced_secrets_and_bindings() -> None:
    s = scene(
        """
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: c, namespace: shop}
        spec: {secretName: shop-tls}
        ---
        apiVersion: external-secrets.io/v1beta1
        kind: ExternalSecret
        metadata: {name: es, namespace: shop}
        spec: {}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: rb, namespace: shop}
        subjects:
          - {kind: ServiceAccount, name: operator}
          - {kind: Group, name: "system:serviceaccounts"}
        """
    )
    assert s.produced.find("shop", "shop-tls") is not None
    assert s.produced.find("shop", "es") is not None  # target name defaults to the object's
    assert s.is_bound("shop", "operator")
    assert not s.is_bound("shop", "web")  # group subjects do not count


def test_wrongly_typed_fields_do_not_break_the_scene() -> None:
    s = scene(
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: s}
        data: [1, 2]
        ---
        apiVersion: secrets-store.csi.x-k8s.io/v1
        kind: SecretProviderClass
        metadata: {name: kv}
        spec: "text"
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: rb}
        subjects: "everyone"
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: ing}
        spec: {tls: [{hosts: "x", secretName: 3}, "text"]}
        """
    )
    assert s.secrets.find(None, "s") is not None
    assert s.provider_classes.find(None, "kv") is not None
    assert not s.bound


def test_scene_findings_take_their_lines_from_the_first_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines of SEC021 and SEC031 findings are recorded while the file is parsed (through
    `CredentialScene.anchor_paths`): the file is not parsed again at the end of the scan."""
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Secret
        metadata: {name: other, namespace: shop}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: api, namespace: shop}
        spec:
          containers:
            - name: api
              image: shop/api:1
              env:
                - name: DB
                  valueFrom:
                    secretKeyRef: {name: db, key: password}
        """
    )
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")

    def no_reparse(*args: object) -> None:
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(manifests.Locator, "line", no_reparse)
    catalogue = default_catalogue()
    rules = [catalogue.get("SEC021"), catalogue.get("SEC031")]
    report = scan_paths([str(path)], catalogue, Config(), only=[r for r in rules if r])
    assert not report.errors
    lines = text.splitlines()
    got = {(f.rule, f.line) for f in report.findings}
    assert got == {
        ("SEC021", lines.index("spec:") + 1),
        ("SEC031", next(i for i, t in enumerate(lines, 1) if "secretKeyRef" in t)),
    }


WRONG_TYPES = """\
apiVersion: v1
kind: Secret
metadata: {name: a, namespace: shop, annotations: {note: 5}}
type: 5
data: [1, 2]
stringData: text
---
apiVersion: v1
kind: Secret
metadata: {name: b, namespace: shop}
type: kubernetes.io/tls
data: {tls.crt: 123, tls.key: {a: b}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: shop}
data: {k: 5, password: [1]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: d, namespace: shop}
data: text
---
apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: shop
  labels: {aadpodidbinding: 5, azure.workload.identity/use: 7}
  annotations: {token: 12345}
spec:
  serviceAccountName: 5
  serviceAccount: [x]
  automountServiceAccountToken: "yes"
  imagePullSecrets: text
  containers:
    - name: c
      image: c:1
      command: [1, {a: b}, [2]]
      env:
        - {name: PASSWORD, value: 5}
        - {name: X, valueFrom: {secretKeyRef: text}}
        - {name: Y, valueFrom: text}
      envFrom: [1, {secretRef: text}, {configMapRef: {name: 5}}]
  volumes:
    - {name: v1, csi: text}
    - {name: v2, csi: {driver: secrets-store.csi.k8s.io, volumeAttributes: text}}
    - {name: v3, projected: {sources: text}}
    - {name: v4, secret: {secretName: [1]}}
---
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata: {name: e, namespace: shop}
spec:
  provider: azure
  parameters: {objects: 5, usePodIdentity: true}
  secretObjects: [text, {data: text}, {data: [text, {objectName: 5}]}]
---
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata: {name: f, namespace: shop}
spec: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: g, namespace: shop}
roleRef: text
subjects: [1, {kind: ServiceAccount, name: 5}, {kind: ServiceAccount, name: default}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: h, namespace: shop}
spec: {tls: [text, {hosts: [1, a.example.test], secretName: {}}, {hosts: text, secretName: b}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: shop, annotations: {azure.workload.identity/client-id: 5}}
automountServiceAccountToken: text
"""


def test_wrongly_typed_fields_never_break_a_sec_rule(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(WRONG_TYPES, encoding="utf-8")
    catalogue = default_catalogue()
    rules = [r for r in catalogue if r.code.startswith("SEC") or r.code == "RBAC022"]
    report = scan_paths([str(path)], catalogue, Config(), only=rules)
    internal = [e.one_line() for e in report.errors if "internal error" in e.message]
    assert not internal, internal
    # the object-level problems are reported as input errors, and the rest is still checked
    assert any("value: expected a string" in e.message for e in report.errors)
    assert {"RBAC022", "SEC064"} <= {f.rule for f in report.findings}
