"""SEC rules: credentials and secrets.

Hard-coded credentials (found with detect-secrets, tuned for manifests), Secret manifests,
how pods consume Secrets and ServiceAccount tokens, references that lead nowhere, Entra
workload identity, Key Vault through the Secrets Store CSI driver, and TLS certificates.
No message ever contains a secret's value: it names the key, the detector and a truncated
SHA-256 digest of the value.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator, Mapping
from typing import Any

from kubeward.analysis import secrets as detect
from kubeward.analysis import tls
from kubeward.catalogue import rule
from kubeward.findings import Severity, Violation
from kubeward.model.container import Container
from kubeward.model.path import Path
from kubeward.model.resource import Resource
from kubeward.model.secrets import (
    AAD_POD_IDENTITY_GROUP,
    AAD_POD_IDENTITY_LABEL,
    BUILTIN_CONFIG_MAPS,
    LAST_APPLIED,
    SA_TOKEN_TYPE,
    SECRETS_STORE_DRIVER,
    TLS_TYPE,
    WI_CLIENT_ID,
    WI_USE,
    CredentialScene,
    Reference,
    SecretEntry,
    SecretView,
    automount_setting,
    config_map_entries,
    ingress_tls,
    secret_provider_class,
    secret_view,
    service_account,
)
from kubeward.model.workload import Workload, template_path

IGNORE_PREFIX = "kubeward.io/ignore"

# ============================================================================ hard-coded


def _found(d: detect.Detection, outer: str | None) -> str:
    """`line 3 of the value, password: hard-coded credential (Secret Keyword, value sha256:..)`
    (`outer` is the name the whole value has, which the message already shows)."""
    where = f"line {d.line} of the value, " if d.line is not None else ""
    key = f"{d.key}: " if d.key is not None and d.key != outer else ""
    return f"{where}{key}hard-coded credential ({d.describe()})"


@rule("SEC001", severity=Severity.HIGH)
def credential_in_env(c: Container) -> Iterator[Violation]:
    """Container has a credential written into an environment variable's value.

    Each literal `env[].value` is checked with detect-secrets: token and key formats (AWS,
    Azure Storage account keys and connection strings, SAS tokens, Entra client secrets,
    private keys, JSON Web Tokens, GitHub, GitLab, Slack, Stripe and others, passwords in
    URLs), and values of variables whose name ends in a credential word (`DB_PASSWORD`,
    `API_KEY`, `CLIENT_SECRET`, `GITHUB_TOKEN`). Names that are about a credential rather
    than the credential itself (`PASSWORD_FILE`, `SECRET_NAME`, `TOKEN_URL`) and values that
    are references (`$(VAR)`, `${VAR}`, `{{ .Values.x }}`, paths, URLs without a password,
    image digests, `vault:` references) are not. Options embedded in a value
    (`JAVA_OPTS=-Dspring.datasource.password=...`) count too.

    ## Why it matters
    Anyone who can read the manifest, the repository, the Deployment object (`kubectl get
    deploy -o yaml`, the `view` role does not even need Secret access) or the process
    environment sees the credential. It cannot be rotated without a redeploy and ends up in
    Git history, CI logs and backups.

    ## Fix
    Put the value in a Secret, or better in Azure Key Vault mounted through the Secrets Store
    CSI driver, and mount it as a file. Where an environment variable is unavoidable, use
    `valueFrom.secretKeyRef`. Rotate the exposed credential: it is compromised.

    ## References
    - seed 002 (AKS pod security), "자격 증명 노출 제한" (limit credential exposure): never
      define credentials in application code or images
    - seed 000 (AKS security concepts), "Kubernetes 비밀" (Kubernetes Secrets)
    - Other tools: Polaris sensitiveContainerEnvVar, kube-linter env-var-secret, Checkov
      CKV_SECRET_*, Trivy secret scanner, Kubescape C-0012
    """
    for e in c.env:
        if e.value is None:
            continue
        for d in detect.scan_value(e.value, e.name):
            yield c.violation_at(
                f"{c.label} env {e.name}: {_found(d, e.name)}", e.path + ("value",)
            )


@rule("SEC002", severity=Severity.HIGH)
def credential_in_command(c: Container) -> Iterator[Violation]:
    """Container has a credential written into its command or arguments.

    `command` and `args` are checked word by word with the same detectors as SEC001:
    token formats anywhere (also inside `sh -c` scripts), `--password=...` options, and a
    credential-named flag followed by its value (`--token`, `abc...`).

    ## Why it matters
    Command lines are part of the pod spec that anyone with read access to the workload sees,
    and they show up in `ps` on the node and in many logs.

    ## Fix
    Read the credential from a mounted Secret file (many programs take `--password-file`),
    or from an environment variable filled by `secretKeyRef` and expanded with `$(VAR)`.
    Rotate the exposed credential.

    ## References
    - seed 002 (AKS pod security), "자격 증명 노출 제한" (limit credential exposure)
    - Other tools: Checkov CKV_SECRET_*, Trivy secret scanner, Kubescape C-0012
    """
    for field in ("command", "args"):
        words = c.command if field == "command" else c.args
        for i, d in detect.scan_words(words):
            yield c.violation(f"{c.label} {field}[{i}]: {_found(d, None)}", (field, i))


@rule("SEC003", severity=Severity.HIGH)
def credential_in_config_map(r: Resource) -> Iterator[Violation]:
    """ConfigMap contains a credential.

    Each `data` value is checked as a whole and, for embedded files (`app.conf`,
    `application.yaml`, `.env`, scripts), line by line, with the assignments in it. The
    finding names the ConfigMap key and the line inside the value.

    ## Why it matters
    ConfigMaps are not meant for confidential data: they are readable by every role that can
    read configuration (including the built-in `view` role), are not encrypted with a KMS
    key, are shown in plain text by every tool, and are usually committed to Git.

    ## Fix
    Move the credential into Azure Key Vault (mounted with the Secrets Store CSI driver) or a
    Secret, and reference it from the configuration file (most frameworks read a file or an
    environment variable). Rotate the exposed credential.

    ## References
    - seed 002 (AKS pod security), "자격 증명 노출 제한" (limit credential exposure)
    - seed 000 (AKS security concepts), "Kubernetes 비밀" (Kubernetes Secrets)
    - Other tools: Polaris sensitiveConfigmapContent, Trivy KSV01010, Kubescape C-0012,
      Checkov CKV_SECRET_*
    """
    for entry in config_map_entries(r):
        for d in detect.scan_value(entry.value, entry.key):
            yield r.violation(
                f"ConfigMap {r.name} key {entry.key}: {_found(d, entry.key)}", entry.path
            )


def _template_annotations(r: Resource) -> tuple[Path, Mapping[str, Any]] | None:
    template = template_path(r)
    if not template:
        return None
    node: Any = r.raw
    for key in (*template, "metadata", "annotations"):
        node = node.get(key) if isinstance(node, Mapping) else None
    meta = r.raw.get("metadata")
    own = meta.get("annotations") if isinstance(meta, Mapping) else None
    if not isinstance(node, Mapping) or node is own:
        return None
    return template + ("metadata", "annotations"), node


@rule("SEC004", severity=Severity.HIGH)
def credential_in_annotation(r: Resource) -> Iterator[Violation]:
    """Object has a credential in an annotation.

    The object's annotations and its pod template's are checked like environment variables
    (the annotation name is the key). `kubectl.kubernetes.io/last-applied-configuration`
    repeats the object itself and is skipped; Helm's `checksum/*` annotations, Vault agent
    annotations (`vault.hashicorp.com/agent-inject-secret-*`) and Reloader's
    `secret.reloader.stakater.com/reload` name or hash Secrets and are not credentials.

    ## Why it matters
    Annotations are metadata: every client that can list the object sees them, they are
    copied into events and audit logs, and no tool treats them as confidential.

    ## Fix
    Remove the credential and pass it through a Secret or Azure Key Vault. Rotate it.

    ## References
    - seed 002 (AKS pod security), "자격 증명 노출 제한" (limit credential exposure)
    - Other tools: Checkov CKV_SECRET_*, Trivy secret scanner
    """
    places: list[tuple[Path, Mapping[str, Any]]] = [(("metadata", "annotations"), r.annotations)]
    template = _template_annotations(r)
    if template is not None:
        places.append(template)
    for base, found in places:
        for key, value in found.items():
            if not isinstance(value, str) or key == LAST_APPLIED or key.startswith(IGNORE_PREFIX):
                continue
            for d in detect.scan_value(value, str(key)):
                yield r.violation(f"annotation {key}: {_found(d, str(key))}", base + (str(key),))


# ============================================================================ Secret objects


def _committed(s: SecretView) -> list[SecretEntry]:
    """Entries that carry a value: not empty and not a template placeholder."""
    out = []
    for e in s.entries:
        text = e.text.strip()
        if not text or any(mark in text for mark in ("{{", "${", "$(")):
            continue
        out.append(e)
    return out


def _value_digest(e: SecretEntry) -> str:
    """Digest of the content (decoded from base64 under `data`), as SEC001-SEC004 print it."""
    if e.value is not None:
        try:
            return detect.digest(e.value.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return detect.digest(e.text)


@rule("SEC010", severity=Severity.HIGH)
def secret_data_in_manifest(r: Resource) -> Iterator[Violation]:
    """Secret manifest carries its values (`data` or `stringData`).

    A Secret manifest holds the secret itself: `data` is only base64, an encoding that
    anyone can reverse, and `stringData` is plain text. Secrets with only empty or templated
    values (`${VAR}`, `{{ ... }}`) and SOPS-encrypted manifests are not reported. The
    finding lists the keys and a digest of each value, never the values.

    ## Why it matters
    A committed Secret manifest is a credential in Git: every clone, fork, CI log and backup
    has it, and removing it later does not remove it from history.

    ## Fix
    Keep secret values out of the repository: store them in Azure Key Vault and mount them
    with the Secrets Store CSI driver (optionally synced to a Secret), or commit only an
    encrypted form (Sealed Secrets, SOPS) or an ExternalSecret. Rotate values that were
    committed.

    ## References
    - seed 000 (AKS security concepts), "Kubernetes 비밀" (Kubernetes Secrets): raw Secret
      manifests contain base64 data and must not be committed to source control
    - seed 002 (AKS pod security), "비밀 저장소 CSI 드라이버와 함께 Azure Key Vault 사용"
      (Key Vault with the Secrets Store CSI driver)
    - Kubernetes documentation: Secrets, "Information security for Secrets"
    - Other tools: Kyverno disallow-all-secrets (admission), Checkov and Trivy secret
      scanners
    """
    s = secret_view(r)
    if s is None or s.encrypted:
        return
    committed = _committed(s)
    if not committed:
        return
    shown = [f"{e.key} ({_value_digest(e)})" for e in committed[:10]]
    more = f" and {len(committed) - 10} more" if len(committed) > 10 else ""
    yield r.violation(
        f"Secret {r.name} carries {len(committed)} value(s) in the manifest: "
        f"{', '.join(shown)}{more}",
        (committed[0].path[0],),
    )


@rule("SEC011", severity=Severity.MEDIUM)
def legacy_service_account_token_secret(r: Resource) -> Iterator[Violation]:
    """Secret of type `kubernetes.io/service-account-token` (a long-lived token).

    The token controller fills such a Secret with a ServiceAccount token that never expires
    and is not bound to a pod. Since Kubernetes 1.24 none are created automatically, and
    since 1.29 unused ones are flagged and later purged.

    ## Why it matters
    A token that never expires, copied once, works until the Secret is deleted; it is not
    tied to a pod's lifetime the way projected tokens are.

    ## Fix
    Let pods use the projected, short-lived token (the default since 1.22), and for tools
    outside the cluster request tokens with the TokenRequest API (`kubectl create token`).
    Delete the Secret.

    ## References
    - Kubernetes documentation: "Manually create a long-lived API token for a
      ServiceAccount" (discouraged) and the LegacyServiceAccountTokenCleanUp feature
    - seed 003 (cluster hardening): control access with RBAC and service accounts
    - Other tools: Kyverno deny-secret-service-account-token-type
    """
    s = secret_view(r)
    if s is not None and s.type == SA_TOKEN_TYPE:
        sa = r.annotations.get("kubernetes.io/service-account.name", "?")
        yield r.violation(
            f"Secret {r.name} is a long-lived token of ServiceAccount {sa} (type {SA_TOKEN_TYPE})",
            ("type",),
        )


# ============================================================================ consumption


@rule("SEC020", severity=Severity.LOW)
def secret_in_env_var(c: Container) -> Iterator[Violation]:
    """Container reads a Secret into environment variables.

    `env[].valueFrom.secretKeyRef` and `envFrom[].secretRef` turn Secret values into
    environment variables.

    ## Why it matters
    Environment variables are inherited by every child process, printed by crash handlers,
    debug endpoints and `env` in support sessions, and never updated when the Secret is
    rotated. Files from a Secret (or Key Vault CSI) volume are updated in place and can have
    strict permissions.

    ## Fix
    Mount the Secret as a volume (or use the Key Vault Secrets Store CSI driver) and read
    the file. Keep `readOnly: true` on the mount.

    ## References
    - seed 002 (AKS pod security), "자격 증명 노출 제한" (limit credential exposure)
    - CIS AKS 1.8: 4.5.1 prefer using secrets as files over secrets as environment variables
    - Other tools: kube-linter read-secret-from-env-var, kubesec
      SecretsAsEnvironmentVariables, Checkov CKV_K8S_35, Kubescape C-0207, Prowler
      core_no_secrets_envs, Kyverno disallow-secrets-from-env-vars
    """
    for e in c.env:
        ref = e.value_from.get("secretKeyRef")
        if isinstance(ref, Mapping):
            yield c.violation_at(
                f"{c.label} env {e.name} reads Secret {ref.get('name', '?')} key "
                f"{ref.get('key', '?')} into an environment variable",
                e.path + ("valueFrom", "secretKeyRef"),
            )
    env_from = c.raw.get("envFrom")
    for i, ef in enumerate(env_from if isinstance(env_from, list) else []):
        ref = ef.get("secretRef") if isinstance(ef, Mapping) else None
        if isinstance(ref, Mapping):
            yield c.violation(
                f"{c.label} loads every key of Secret {ref.get('name', '?')} into environment "
                "variables (envFrom)",
                ("envFrom", i, "secretRef"),
            )


@rule("SEC021", severity=Severity.LOW)
def service_account_token_automounted(scene: CredentialScene) -> Iterator[Violation]:
    """Pod gets a ServiceAccount token it does not appear to need.

    The token is mounted unless the pod, or else its ServiceAccount, sets
    `automountServiceAccountToken: false`. A pod is taken to need it when a RoleBinding or
    ClusterRoleBinding in the input grants its ServiceAccount a role (it talks to the API
    server); other pods are reported. When the ServiceAccount is not in the input, its own
    setting is unknown and the message says so.

    ## Why it matters
    Every process in the pod can read the token at
    `/var/run/secrets/kubernetes.io/serviceaccount/token` and call the API server as the
    ServiceAccount; an attacker who gets code execution in the pod starts from there. Entra
    workload identity does not need it: its webhook projects its own token.

    ## Fix
    Set `automountServiceAccountToken: false` on the ServiceAccount (and on the pod spec for
    clarity). Pods that call the API server should have their own ServiceAccount with a
    binding that grants just what they need.

    ## References
    - seed 003 (cluster hardening): control access with RBAC and service accounts
    - CIS AKS 1.8: 4.1.6 ensure that Service Account Tokens are only mounted where necessary
    - Other tools: Polaris automountServiceAccountToken, kubesec AutomountServiceAccountToken,
      Checkov CKV_K8S_38, Trivy KSV036, Kubescape C-0034, Kyverno
      restrict-automount-sa-token, Gatekeeper automount-serviceaccount-token
    """
    for w, _ in scene.workloads:
        ns = w.resource.namespace
        sa = service_account(w)
        pod_setting = w.pod.automount_service_account_token
        if pod_setting is False or scene.is_bound(ns, sa.name):
            continue
        if pod_setting is True:
            yield Violation(
                f"the pod sets automountServiceAccountToken: true, and no binding in the input "
                f"grants ServiceAccount {sa.name} any role",
                w.pod.at("automountServiceAccountToken"),
                resource=w.resource,
            )
            continue
        sa_res = scene.service_accounts.find(ns, sa.name)
        setting = automount_setting(sa_res) if sa_res is not None else None
        if setting is False:
            continue
        if sa_res is None:
            why = f"ServiceAccount {sa.name} is not in the input, so its own setting is unknown"
        elif setting is None:
            why = f"nor does ServiceAccount {sa.name}"
        else:
            why = f"and ServiceAccount {sa.name} sets it to true"
        yield Violation(
            f"the pod mounts a token of ServiceAccount {sa.name}, which no binding in the input "
            f"grants any role: the pod does not set automountServiceAccountToken: false, {why}",
            w.pod.spec_path,
            resource=w.resource,
        )


@rule("SEC022", severity=Severity.LOW)
def default_service_account_used(w: Workload) -> Iterator[Violation]:
    """Pod runs as its namespace's `default` ServiceAccount.

    `serviceAccountName` is unset or `default`. Pods that set
    `automountServiceAccountToken: false` are exempt: they carry no identity.

    ## Why it matters
    Every pod in the namespace without its own ServiceAccount shares `default`: rights
    granted to it for one workload go to all of them, and its token cannot be attributed to
    one application in audit logs.

    ## Fix
    Create a ServiceAccount per workload and set `serviceAccountName`; keep `default`
    without bindings and with `automountServiceAccountToken: false`.

    ## References
    - seed 003 (cluster hardening): control access with RBAC and service accounts
    - CIS AKS 1.8: 4.1.5 ensure that default service accounts are not actively used
    - Other tools: kube-linter default-service-account, kubesec ServiceAccountName, Kubescape
      C-0189, hardeneks use_dedicated_service_accounts_for_each_deployment
    """
    if w.pod.automount_service_account_token is False:
        return
    sa = service_account(w)
    if sa.name != "default":
        return
    if sa.path is None:
        yield w.pod_violation(
            "the pod runs as the namespace's default ServiceAccount (serviceAccountName is not set)"
        )
    else:
        yield w.violation(
            f"the pod runs as the namespace's default ServiceAccount ({sa.field}: default)",
            sa.path,
        )


@rule("SEC023", severity=Severity.LOW)
def default_service_account_automounts_token(r: Resource) -> Iterator[Violation]:
    """A namespace's `default` ServiceAccount does not disable token automounting.

    Reported for ServiceAccount objects named `default` in the input that do not set
    `automountServiceAccountToken: false`.

    ## Why it matters
    Every pod that does not choose a ServiceAccount gets `default`'s token. Disabling it on
    the ServiceAccount protects all of them at once, including pods created later.

    ## Fix
    Set `automountServiceAccountToken: false` on each namespace's `default` ServiceAccount
    (`kubectl patch serviceaccount default -p '{"automountServiceAccountToken": false}'`).

    ## References
    - CIS AKS 1.8: 4.1.5 ensure that default service accounts are not actively used
    - Other tools: Checkov CKV_K8S_41, Kubescape C-0189
    """
    if r.kind != "ServiceAccount" or r.group != "" or r.name != "default":
        return
    setting = automount_setting(r)
    if setting is True:
        yield r.violation(
            "the default ServiceAccount sets automountServiceAccountToken: true",
            ("automountServiceAccountToken",),
        )
    elif setting is None:
        yield r.violation(
            "the default ServiceAccount does not set automountServiceAccountToken: false", ()
        )


# ============================================================================ references

_CHECK_ALL = {"check_all": False}


def _unresolved(
    scene: CredentialScene, kind: str, options: Mapping[str, Any]
) -> Iterator[tuple[Resource, Reference, str]]:
    """References of one kind to objects that are not in the input: (the referring object,
    the reference, what is missing)."""
    check_all = bool(options.get("check_all"))
    for w, refs in scene.workloads:
        ns = w.resource.namespace
        account = service_account(w).name
        for ref in refs:
            if ref.kind != kind or ref.optional:
                continue
            problem = _missing(scene, kind, ns, ref, check_all, account)
            if problem is not None:
                yield w.resource, ref, problem
    if kind == "Secret":
        for ing in scene.ingresses:
            for i, name, _ in ingress_tls(ing):
                if name is None:
                    continue
                ref = Reference("Secret", name, ("spec", "tls", i, "secretName"), f"tls[{i}]")
                problem = _missing(scene, kind, ing.namespace, ref, check_all)
                if problem is not None:
                    yield ing, ref, problem


_TEMPLATE_MARKS = ("${", "{{", "$(")
# Token Secrets the ServiceAccount admission plugin mounted before Kubernetes 1.24
# (`<serviceaccount>-token-<5 characters>`), as pods exported from such clusters show them.
_LEGACY_TOKEN = re.compile(r"(?P<sa>.+)-token-[a-z0-9]{5}")


def _missing(
    scene: CredentialScene,
    kind: str,
    ns: str | None,
    ref: Reference,
    check_all: bool,
    account: str | None = None,
) -> str | None:
    """What is missing for a reference, or None. `account`: the pod's ServiceAccount."""
    if any(mark in ref.name for mark in _TEMPLATE_MARKS):
        return None  # a name filled in later by a template tool
    if kind == "ServiceAccount":
        if ref.name == "default":
            return None
        if scene.service_accounts.find(ns, ref.name) is not None:
            return None
        if check_all or scene.service_accounts.covers(ns):
            return f"ServiceAccount {ref.name} is not in the input"
        return None
    if kind == "ConfigMap":
        if ref.name in BUILTIN_CONFIG_MAPS:
            return None
        cm = scene.config_maps.find(ns, ref.name)
        if cm is not None:
            if ref.key is not None:
                data = cm.raw.get("data")
                binary = cm.raw.get("binaryData")
                keys = set(data) if isinstance(data, Mapping) else set()
                keys |= set(binary) if isinstance(binary, Mapping) else set()
                if ref.key not in keys:
                    return f"ConfigMap {ref.name} has no key {ref.key}"
            return None
        if check_all or scene.config_maps.covers(ns):
            return f"ConfigMap {ref.name} is not in the input"
        return None
    legacy = _LEGACY_TOKEN.fullmatch(ref.name)
    if legacy is not None and ref.how.startswith("volume") and legacy.group("sa") == account:
        return None
    secret = scene.secrets.find(ns, ref.name)
    if secret is not None:
        if ref.key is not None and secret.entries and secret.entry(ref.key) is None:
            return f"Secret {ref.name} has no key {ref.key}"
        return None
    if scene.produced.find(ns, ref.name) is not None:
        return None
    if check_all or scene.secrets.covers(ns) or scene.produced.covers(ns):
        return f"Secret {ref.name} is not in the input"
    return None


_REFERENCE_WHY = """
    By default a kind is checked only in namespaces where the input defines at least one
    object of that kind (an object without a namespace counts for every namespace), so
    repositories that deliberately keep such objects elsewhere are not flagged; set the
    option `check_all: true` when the input is the whole application.
"""


@rule("SEC030", severity=Severity.LOW, options=_CHECK_ALL)
def missing_service_account(
    scene: CredentialScene, options: Mapping[str, Any]
) -> Iterator[Violation]:
    """Pod refers to a ServiceAccount that is not in the input.

    `serviceAccountName` (or the deprecated `serviceAccount`) names a ServiceAccount that no
    manifest of the scan defines, in the pod's namespace. `default` always exists. By
    default a kind is checked only in namespaces where the input defines at least one object
    of that kind (an object without a namespace counts for every namespace); set the option
    `check_all: true` when the input is the whole application.

    ## Why it matters
    The ServiceAccount admission plugin rejects pods whose ServiceAccount does not exist: the
    workload never starts, or it silently depends on an object someone created by hand with
    unknown rights.

    ## Fix
    Add the ServiceAccount to the manifests (with `automountServiceAccountToken: false`
    unless the pod calls the API server), or fix the name.

    ## References
    - seed 003 (cluster hardening): control access with RBAC and service accounts
    - Other tools: kube-linter non-existent-service-account, Kubescape C-0294, Popeye
      POP-304
    """
    for res, ref, problem in _unresolved(scene, "ServiceAccount", options):
        yield Violation(f"{ref.how}: {problem}", ref.path, None, res)


@rule("SEC031", severity=Severity.LOW, options=_CHECK_ALL)
def missing_secret(scene: CredentialScene, options: Mapping[str, Any]) -> Iterator[Violation]:
    """Pod or Ingress refers to a Secret (or a key of one) that is not in the input.

    Checked: `secretKeyRef` (and the key), `envFrom.secretRef`, secret and projected volumes,
    `imagePullSecrets`, CSI `nodePublishSecretRef`, and Ingress `tls[].secretName`.
    References marked `optional: true` are not. Secrets that controllers create from other
    objects of the input count as present: Key Vault SecretProviderClass `secretObjects`,
    cert-manager Certificates and annotated Ingresses, ExternalSecrets and SealedSecrets. By
    default a kind is checked only in namespaces where the input defines at least one
    Secret or Secret-producing object; set the option `check_all: true` when the input is
    the whole application.

    ## Why it matters
    The pod stays in `ContainerCreating` or `CreateContainerConfigError` until someone
    creates the Secret by hand, outside review; an Ingress without its TLS Secret serves the
    controller's default certificate.

    ## Fix
    Add the Secret's source to the input (an ExternalSecret, a SecretProviderClass with
    `secretObjects`, a Certificate), fix the name or key, or mark the reference
    `optional: true` if the pod really works without it.

    ## References
    - seed 002 (AKS pod security), "비밀 저장소 CSI 드라이버와 함께 Azure Key Vault 사용"
    - Other tools: kube-linter env-value-from, Kubescape C-0307, Popeye POP-305
    """
    for res, ref, problem in _unresolved(scene, "Secret", options):
        yield Violation(f"{ref.how}: {problem}", ref.path, ref.container, res)


@rule("SEC032", severity=Severity.LOW, options=_CHECK_ALL)
def missing_config_map(scene: CredentialScene, options: Mapping[str, Any]) -> Iterator[Violation]:
    """Pod refers to a ConfigMap (or a key of one) that is not in the input.

    Checked: `configMapKeyRef` (and the key), `envFrom.configMapRef`, configMap and
    projected volumes; `optional: true` references are not, and `kube-root-ca.crt` exists in
    every namespace. By default a kind is checked only in namespaces where the input defines
    at least one ConfigMap; set the option `check_all: true` when the input is the whole
    application.

    ## Why it matters
    The pod does not start until someone creates the ConfigMap by hand, outside review.

    ## Fix
    Add the ConfigMap to the manifests, fix the name or key, or mark the reference
    `optional: true`.

    ## References
    - Other tools: kube-linter env-value-from, Kubescape C-0307, Popeye POP-307
    """
    for res, ref, problem in _unresolved(scene, "ConfigMap", options):
        yield Violation(f"{ref.how}: {problem}", ref.path, ref.container, res)


@rule("SEC033", severity=Severity.LOW)
def deprecated_service_account_field(w: Workload) -> Iterator[Violation]:
    """Pod uses the deprecated `serviceAccount` field.

    `serviceAccount` is a deprecated alias of `serviceAccountName`; when both are set and
    differ, `serviceAccountName` wins and `serviceAccount` is ignored.

    ## Why it matters
    Reviewers and tools that read only one of the two fields see a different identity than
    the one the pod runs with.

    ## Fix
    Use `serviceAccountName` only.

    ## References
    - Kubernetes API reference: PodSpec `serviceAccount` (deprecated: use
      serviceAccountName)
    - Other tools: kube-linter deprecated-service-account-field, Kubescape C-0294
    """
    old = w.pod.spec.get("serviceAccount")
    if not isinstance(old, str) or not old:
        return
    new = w.pod.spec.get("serviceAccountName")
    if isinstance(new, str) and new and new != old:
        msg = (
            f"serviceAccount: {old} is ignored: serviceAccountName: {new} decides the pod's "
            "identity"
        )
    else:
        msg = f"the pod uses the deprecated serviceAccount field ({old}); use serviceAccountName"
    yield w.pod_violation(msg, "serviceAccount")


# ============================================================================ workload identity

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


@rule("SEC040", severity=Severity.MEDIUM)
def workload_identity_misconfigured(scene: CredentialScene) -> Iterator[Violation]:
    """Entra workload identity is set up on one side only, or wrongly.

    Workload identity needs the pod label `azure.workload.identity/use: "true"` (on the pod
    template, not the Deployment) and a ServiceAccount annotated with
    `azure.workload.identity/client-id`. Reported: the label on the controller but not the
    pod template, a label value other than `"true"`, a labelled pod running as `default`
    or as a ServiceAccount of the input without the client-id annotation, a client ID that
    is not a GUID, and pods of a ServiceAccount annotated for workload identity that lack
    the label (they get no Entra token).

    ## Why it matters
    The mutating webhook only injects the federated token and `AZURE_CLIENT_ID` into pods
    that carry the label, and takes the client ID from the ServiceAccount. A half-done setup
    makes the application fall back to other credentials (a node identity, a secret in an
    environment variable) or fail at runtime.

    ## Fix
    Put `azure.workload.identity/use: "true"` in `spec.template.metadata.labels`, run the pod
    as a dedicated ServiceAccount annotated with
    `azure.workload.identity/client-id: <managed identity client ID>`, and create the
    federated credential for `system:serviceaccount:<namespace>:<name>`.

    ## References
    - seed 002 (AKS pod security), "Microsoft Entra 워크로드 ID 사용" (use Microsoft Entra
      Workload ID)
    - Azure documentation: "Use Microsoft Entra Workload ID with AKS" (service account
      annotations and pod labels)
    - CIS AKS 1.8: 5.2.1 prefer using dedicated AKS service accounts
    """
    reported_sa: set[int] = set()
    for w, _ in scene.workloads:
        res = w.resource
        pod_labels = w.pod.labels
        label_at = w.pod.meta_path + ("labels", WI_USE)
        if WI_USE in res.labels and WI_USE not in pod_labels and w.pod.meta_path != ("metadata",):
            yield Violation(
                f"{res.kind} {res.name} has the {WI_USE} label on itself, not on its pod "
                "template, so its pods get no workload identity",
                ("metadata", "labels", WI_USE),
                resource=res,
            )
        sa = service_account(w)
        sa_res = scene.service_accounts.find(res.namespace, sa.name)
        client_id = sa_res.annotations.get(WI_CLIENT_ID) if sa_res is not None else None
        value = pod_labels.get(WI_USE)
        if value is None:
            if client_id:
                yield Violation(
                    f"ServiceAccount {sa.name} is annotated for workload identity "
                    f'({WI_CLIENT_ID}), but the pod lacks the label {WI_USE}: "true", so it '
                    "gets no Entra token",
                    w.pod.meta_path,
                    resource=res,
                )
            continue
        if value != "true":
            yield Violation(
                f'the pod label {WI_USE} is "{value}"; the webhook only acts on "true"',
                label_at,
                resource=res,
            )
            continue
        if sa.name == "default":
            yield Violation(
                "the pod uses workload identity as the namespace's default ServiceAccount, "
                "which every pod without its own ServiceAccount shares",
                w.pod.spec_path if sa.path is None else sa.path,
                resource=res,
            )
        elif sa_res is not None and not client_id:
            yield Violation(
                f"the pod uses workload identity, but ServiceAccount {sa.name} has no "
                f"{WI_CLIENT_ID} annotation",
                sa.path or w.pod.spec_path,
                resource=res,
            )
        bad_id = client_id is not None and not _GUID.fullmatch(client_id.strip())
        if sa_res is not None and bad_id and id(sa_res) not in reported_sa:
            reported_sa.add(id(sa_res))
            yield Violation(
                f"ServiceAccount {sa.name}: {WI_CLIENT_ID} is not a client ID (a GUID)",
                ("metadata", "annotations", WI_CLIENT_ID),
                resource=sa_res,
            )


@rule("SEC041", severity=Severity.MEDIUM)
def aad_pod_identity_used(r: Resource) -> Iterator[Violation]:
    """Deprecated AAD pod identity is used.

    Reported: AzureIdentity, AzureIdentityBinding and AzurePodIdentityException objects
    (`aadpodidentity.k8s.io`), and pods labelled `aadpodidbinding`.

    ## Why it matters
    AAD pod identity was deprecated in October 2022 and its project archived in 2023: it gets
    no fixes. Its Node Managed Identity daemon intercepts every pod's calls to the instance
    metadata endpoint on the node, a privileged component with known bypasses.

    ## Fix
    Migrate to Microsoft Entra workload identity: a ServiceAccount annotated with the
    managed identity's client ID, a federated credential, and the pod label
    `azure.workload.identity/use: "true"`; then remove the pod identity objects and add-on.

    ## References
    - seed 002 (AKS pod security), "Microsoft Entra 워크로드 ID 사용" (use Microsoft Entra
      Workload ID)
    - Azure documentation: "Migrate from pod managed identity to workload identity"
    - Other tools: PSRule Azure.AKS.PodIdentity
    """
    if r.group == AAD_POD_IDENTITY_GROUP and r.kind in (
        "AzureIdentity",
        "AzureIdentityBinding",
        "AzurePodIdentityException",
    ):
        yield r.violation(f"{r.kind} {r.name} belongs to the deprecated AAD pod identity", ())
        return
    template = template_path(r)
    if template is None:
        return
    node: Any = r.raw
    for key in (*template, "metadata", "labels"):
        node = node.get(key) if isinstance(node, Mapping) else None
    if isinstance(node, Mapping) and AAD_POD_IDENTITY_LABEL in node:
        yield r.violation(
            f"the pod is labelled {AAD_POD_IDENTITY_LABEL} (deprecated AAD pod identity)",
            template + ("metadata", "labels", AAD_POD_IDENTITY_LABEL),
        )


# ============================================================================ Key Vault CSI


@rule("SEC050", severity=Severity.MEDIUM, options=_CHECK_ALL)
def secrets_store_volume_misconfigured(
    scene: CredentialScene, options: Mapping[str, Any]
) -> Iterator[Violation]:
    """Secrets Store CSI volume or its synced Secret cannot work.

    Reported for pods: a `secrets-store.csi.k8s.io` volume without the `secretProviderClass`
    attribute, or not `readOnly: true` (the driver refuses writable mounts), a
    SecretProviderClass that is not in the pod's namespace in the input (checked like SEC031,
    or always with `check_all: true`), and a Secret that only a SecretProviderClass's
    `secretObjects` creates, read by a pod while no workload of the input mounts that
    SecretProviderClass (the driver creates synced Secrets only while a pod mounts the
    volume).

    ## Why it matters
    The pod stays in `ContainerCreating`, or its environment variables from the synced
    Secret never appear, and teams work around it with hand-made Secrets.

    ## Fix
    Mount a CSI volume with `driver: secrets-store.csi.k8s.io`, `readOnly: true` and
    `volumeAttributes.secretProviderClass: <name>` in every pod that reads the synced Secret,
    with the SecretProviderClass in the same namespace.

    ## References
    - seed 002 (AKS pod security), "비밀 저장소 CSI 드라이버와 함께 Azure Key Vault 사용"
      (Key Vault with the Secrets Store CSI driver)
    - Azure documentation: "Use the Azure Key Vault provider for Secrets Store CSI Driver",
      sync mounted content with a Kubernetes secret
    """
    check_all = bool(options.get("check_all"))
    mounted: set[tuple[str | None, str]] = set()
    for w, refs in scene.workloads:
        for ref in refs:
            if ref.kind == "SecretProviderClass":
                mounted.add((w.resource.namespace, ref.name))
    for w, refs in scene.workloads:
        res, ns = w.resource, w.resource.namespace
        for v in w.pod.volumes:
            if v.type != "csi" or v.source.get("driver") != SECRETS_STORE_DRIVER:
                continue
            attributes = v.source.get("volumeAttributes")
            if not isinstance(attributes, Mapping) or not attributes.get("secretProviderClass"):
                yield Violation(
                    f'volume "{v.name}" uses the Secrets Store CSI driver without '
                    "volumeAttributes.secretProviderClass",
                    v.path + ("csi",),
                    resource=res,
                )
            if v.source.get("readOnly") is not True:
                yield Violation(
                    f'volume "{v.name}" is not readOnly: true; the Secrets Store CSI driver '
                    "refuses writable mounts",
                    v.path + ("csi",),
                    resource=res,
                )
        for ref in refs:
            if ref.kind == "SecretProviderClass":
                found = scene.provider_classes.find(ns, ref.name)
                if found is None and (check_all or scene.provider_classes.covers(ns)):
                    yield Violation(
                        f"{ref.how} refers to SecretProviderClass {ref.name}, which is not in "
                        "the pod's namespace in the input",
                        ref.path,
                        resource=res,
                    )
            elif ref.kind == "Secret" and scene.secrets.find(ns, ref.name) is None:
                produced = scene.produced.find(ns, ref.name)
                if produced is None or produced.spc is None:
                    continue
                spc = produced.spc.resource
                if (ns, spc.name) in mounted or any(
                    name == spc.name and (n is None or ns is None) for n, name in mounted
                ):
                    continue
                yield Violation(
                    f"{ref.how} reads Secret {ref.name}, which SecretProviderClass {spc.name} "
                    "creates only while a pod mounts it, and no workload in the input mounts it",
                    ref.path,
                    ref.container,
                    res,
                )


_OBJECT_TYPES = frozenset({"secret", "key", "cert"})


@rule("SEC051", severity=Severity.MEDIUM)
def secret_provider_class_invalid(r: Resource) -> Iterator[Violation]:
    """Azure SecretProviderClass is incomplete or inconsistent.

    For `provider: azure`: `keyvaultName` and `tenantId` must be set, `objects` must be an
    `array` of entries with an `objectName` and an `objectType` of secret, key or cert, and
    every `secretObjects[].data[].objectName` must name a mounted object (its `objectName`,
    or its `objectAlias` when it has one); each synced Secret needs a `secretName` and a
    `type`. A SecretProviderClass without a provider is reported too.

    ## Why it matters
    The driver fails the mount at pod start (`failed to get objectType`, `object not found
    in mounted content`) and the pod stays in `ContainerCreating`.

    ## Fix
    Complete the parameters; keep `objectName` in `secretObjects` equal to the mounted file
    name (the alias, if one is set).

    ## References
    - seed 002 (AKS pod security), "비밀 저장소 CSI 드라이버와 함께 Azure Key Vault 사용"
    - Azure Key Vault provider for Secrets Store CSI Driver: SecretProviderClass parameters
    """
    spc = secret_provider_class(r)
    if spc is None:
        return
    if not spc.provider:
        yield r.violation(f"SecretProviderClass {r.name} has no provider", ("spec",))
        return
    if not spc.is_azure:
        return
    params: Path = ("spec", "parameters")
    for name in ("keyvaultName", "tenantId"):
        if not spc.parameters.get(name, "").strip():
            yield r.violation(f"SecretProviderClass {r.name} has no {name} parameter", params)
    if spc.objects is None:
        problem = spc.objects_problem or "has no objects"
        at = params + ("objects",) if "objects" in spc.parameters else params
        yield r.violation(f"SecretProviderClass {r.name}: {problem}", at)
        return
    files: set[str] = set()
    for o in spc.objects:
        files.add(o.alias or o.name)
        if o.type.lower() not in _OBJECT_TYPES:
            yield r.violation(
                f"SecretProviderClass {r.name}: object {o.name} has objectType "
                f"{o.type or '(none)'}; expected secret, key or cert",
                params + ("objects",),
            )
    for s in spc.synced:
        if not s.secret_name or not s.type:
            yield r.violation(
                f"SecretProviderClass {r.name}: a secretObjects entry lacks secretName or type",
                s.path,
            )
        for d in s.data:
            if d.object_name not in files:
                yield r.violation(
                    f"SecretProviderClass {r.name}: secretObjects {s.secret_name or '?'} key "
                    f"{d.key or '?'} names object {d.object_name or '(none)'}, which is not "
                    "mounted (use the objectAlias when one is set)",
                    d.path,
                )


@rule("SEC052", severity=Severity.MEDIUM)
def key_vault_access_without_workload_identity(r: Resource) -> Iterator[Violation]:
    """Azure SecretProviderClass reaches Key Vault without Entra workload identity.

    The Azure provider authenticates with workload identity when `clientID` is set. Otherwise
    it uses AAD pod identity (`usePodIdentity: "true"`, deprecated), the node pool's managed
    identity (`useVMManagedIdentity: "true"`, shared by every pod on those nodes), or a
    service principal's client secret stored in a Kubernetes Secret
    (`nodePublishSecretRef`).

    ## Why it matters
    With a node identity, any pod scheduled on the node can read the vault; with a service
    principal, the vault's key is a long-lived secret in the cluster; pod identity is
    unmaintained.

    ## Fix
    Create a user-assigned managed identity with access to the vault, federate it with the
    pod's ServiceAccount, and set `clientID: <its client ID>` in the SecretProviderClass
    parameters (remove `usePodIdentity`, `useVMManagedIdentity`, `userAssignedIdentityID`).

    ## References
    - seed 002 (AKS pod security), "비밀 저장소 CSI 드라이버와 함께 Azure Key Vault 사용" and
      "Microsoft Entra 워크로드 ID 사용"
    - Azure documentation: "Connect your Azure identity provider to the Azure Key Vault
      Secrets Store CSI Driver" (workload identity is the recommended access mode)
    """
    spc = secret_provider_class(r)
    if spc is None or not spc.is_azure or spc.parameters.get("clientID", "").strip():
        return
    params: Path = ("spec", "parameters")
    if spc.flag("usePodIdentity"):
        yield r.violation(
            f"SecretProviderClass {r.name} uses the deprecated AAD pod identity (usePodIdentity)",
            params + ("usePodIdentity",),
        )
    elif spc.flag("useVMManagedIdentity"):
        yield r.violation(
            f"SecretProviderClass {r.name} uses the node pool's managed identity "
            "(useVMManagedIdentity), which every pod on those nodes can use",
            params + ("useVMManagedIdentity",),
        )
    else:
        yield r.violation(
            f"SecretProviderClass {r.name} sets no clientID, so the pod must supply a service "
            "principal secret (nodePublishSecretRef)",
            params,
        )


@rule("SEC053", severity=Severity.INFO)
def key_vault_secret_synced(r: Resource) -> Iterator[Violation]:
    """SecretProviderClass copies Key Vault objects into a Kubernetes Secret.

    `secretObjects` makes the driver create a Kubernetes Secret with the vault's values while
    a pod mounts the volume (for environment variables or ingress certificates).

    ## Why it matters
    The values then also live in etcd and are readable by anyone who may read Secrets in the
    namespace; Key Vault's access policies and audit no longer cover those reads.

    ## Fix
    Prefer reading the mounted files. Keep the sync only where a consumer needs a Secret
    (an Ingress TLS certificate, a program that reads only environment variables), and
    restrict who can read Secrets in the namespace.

    ## References
    - seed 002 (AKS pod security), "비밀 저장소 CSI 드라이버와 함께 Azure Key Vault 사용"
    - Azure documentation: sync mounted content with a Kubernetes secret
    """
    spc = secret_provider_class(r)
    if spc is None:
        return
    for s in spc.synced:
        yield r.violation(
            f"SecretProviderClass {r.name} copies {len(s.data)} object(s) into Kubernetes "
            f"Secret {s.secret_name or '?'} ({s.type or 'no type'})",
            s.path,
        )


# ============================================================================ TLS

_NOW = {"now": None}


def _tls(r: Resource) -> tuple[tls.TlsMaterial, SecretEntry, SecretEntry | None] | None:
    s = secret_view(r)
    if s is None or s.type != TLS_TYPE:
        return None
    crt = s.entry("tls.crt")
    if crt is None or crt.empty:
        return None
    key = s.entry("tls.key")
    material = tls.read_tls(crt.value, key.value if key is not None else None)
    return material, crt, key


def _checked(material: tls.TlsMaterial) -> Iterator[tls.CertInfo]:
    """The leaf, and the chain's certificates that are not self-signed (a root's own
    signature and dates are not what clients rely on)."""
    for c in material.certificates:
        if c.index == 0 or not c.self_signed:
            yield c


def _day(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d")


@rule("SEC060", severity=Severity.HIGH, options=_NOW)
def tls_certificate_expired(r: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    """TLS Secret's certificate has expired (or is not valid yet).

    Checks the leaf certificate of `tls.crt` and every certificate of the chain that is not
    self-signed. The option `now` (an ISO date) sets the reference time; default: the time
    of the scan.

    ## Why it matters
    Clients refuse the connection, or are trained to click through certificate warnings.

    ## Fix
    Renew the certificate, ideally automatically (cert-manager, or Key Vault certificates
    with auto-renewal synced through the Secrets Store CSI driver).

    ## References
    - seed 003 (cluster hardening), "TLS로 네트워크 트래픽 암호화" (encrypt traffic with TLS)
    - Other tools: Kubescape C-0263 (Ingress TLS)
    """
    found = _tls(r)
    if found is None:
        return
    material, crt, _ = found
    now = tls.parse_now(options.get("now"))
    for c in _checked(material):
        if c.not_after < now:
            yield r.violation(
                f"Secret {r.name}: the {c.role} expired on {_day(c.not_after)}", crt.path
            )
        elif c.not_before > now:
            yield r.violation(
                f"Secret {r.name}: the {c.role} is not valid before {_day(c.not_before)}",
                crt.path,
            )


@rule("SEC061", severity=Severity.MEDIUM, options={"days": 30, "now": None})
def tls_certificate_expiring(r: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    """TLS Secret's certificate expires soon.

    A certificate of `tls.crt` (the leaf, and the chain's certificates that are not
    self-signed) expires within `days` (default 30) of `now` (default: the time of the
    scan).

    ## Why it matters
    A certificate committed in a manifest is not renewed by anything; when it expires the
    service is down for every client.

    ## Fix
    Renew it now, and automate renewal (cert-manager, Key Vault auto-renewal).

    ## References
    - seed 003 (cluster hardening), "TLS로 네트워크 트래픽 암호화" (encrypt traffic with TLS)
    """
    found = _tls(r)
    if found is None:
        return
    material, crt, _ = found
    now = tls.parse_now(options.get("now"))
    days = options.get("days")
    horizon = now + datetime.timedelta(days=days if isinstance(days, int | float) else 30)
    for c in _checked(material):
        if now <= c.not_after < horizon:
            left = (c.not_after - now).days
            yield r.violation(
                f"Secret {r.name}: the {c.role} expires on {_day(c.not_after)} (in {left} day(s))",
                crt.path,
            )


@rule("SEC062", severity=Severity.HIGH)
def tls_weak_key(r: Resource) -> Iterator[Violation]:
    """TLS Secret's certificate has a weak key (RSA under 2048 bits, EC under 256, DSA).

    Every certificate of the `tls.crt` chain is checked.

    ## Why it matters
    RSA keys of 1024 bits and less are within reach of well-funded attackers and are refused
    by current browsers and by Go's TLS stack; DSA is not allowed in TLS 1.3.

    ## Fix
    Issue a new certificate with an RSA key of at least 2048 bits (3072 for long-lived
    certificates) or an ECDSA P-256 key.

    ## References
    - seed 003 (cluster hardening), "TLS로 네트워크 트래픽 암호화" (encrypt traffic with TLS)
    - NIST SP 800-57 Part 1 and SP 800-131A: key lengths
    """
    found = _tls(r)
    if found is None:
        return
    material, crt, _ = found
    for c in material.certificates:
        bits = c.key_bits or 0
        weak = (
            (c.key_type == "RSA" and bits < 2048)
            or (c.key_type == "EC" and bits < 256)
            or c.key_type == "DSA"
        )
        if weak:
            yield r.violation(
                f"Secret {r.name}: the {c.role} has a weak {c.key_type} {bits}-bit key", crt.path
            )


_WEAK_HASHES = {"sha1": "SHA-1", "md5": "MD5", "md4": "MD4", "md2": "MD2"}


@rule("SEC063", severity=Severity.MEDIUM)
def tls_weak_signature(r: Resource) -> Iterator[Violation]:
    """TLS Secret's certificate is signed with SHA-1 or MD5.

    The leaf and the chain's certificates that are not self-signed are checked (a root's own
    signature is not verified by clients).

    ## Why it matters
    SHA-1 collisions are practical (SHAttered, 2017; chosen-prefix, 2020): certificates can
    be forged. Browsers and Go reject SHA-1 signed certificates.

    ## Fix
    Reissue the certificate signed with SHA-256 or better.

    ## References
    - seed 003 (cluster hardening), "TLS로 네트워크 트래픽 암호화" (encrypt traffic with TLS)
    - CA/Browser Forum Baseline Requirements: SHA-1 sunset
    """
    found = _tls(r)
    if found is None:
        return
    material, crt, _ = found
    for c in _checked(material):
        if c.self_signed and c.index == 0:
            continue
        weak = _WEAK_HASHES.get(c.signature_hash or "")
        if weak is not None:
            yield r.violation(
                f"Secret {r.name}: the {c.role} is signed with {weak}",
                crt.path,
            )


@rule("SEC064", severity=Severity.HIGH)
def tls_key_mismatch(r: Resource) -> Iterator[Violation]:
    """TLS Secret's certificate and key do not form a usable pair.

    Reported: `tls.crt` that is not a PEM certificate, a missing, encrypted or unreadable
    `tls.key`, and a key that does not belong to the leaf certificate.

    ## Why it matters
    The ingress controller or server cannot load the pair: it serves a default certificate
    or fails to start, and clients see the wrong identity.

    ## Fix
    Put the certificate (leaf first, then intermediates) in `tls.crt` and its unencrypted
    private key in `tls.key` (`kubectl create secret tls NAME --cert=... --key=...` checks
    the pair).

    ## References
    - Kubernetes documentation: Secret type `kubernetes.io/tls`
    - seed 003 (cluster hardening), "TLS로 네트워크 트래픽 암호화" (encrypt traffic with TLS)
    """
    found = _tls(r)
    if found is None:
        return
    material, crt, key = found
    if material.cert_problem is not None:
        yield r.violation(f"Secret {r.name}: {material.cert_problem}", crt.path)
        return
    key_path = key.path if key is not None else ("type",)
    if material.key_problem is not None:
        yield r.violation(f"Secret {r.name}: {material.key_problem}", key_path)
    elif material.key_matches is False:
        leaf = material.leaf
        subject = leaf.subject if leaf is not None else "?"
        yield r.violation(
            f'Secret {r.name}: tls.key is not the key of the leaf certificate "{subject}"',
            key_path,
        )


@rule("SEC065", severity=Severity.MEDIUM)
def ingress_host_not_in_certificate(scene: CredentialScene) -> Iterator[Violation]:
    """Ingress host is not covered by its TLS Secret's certificate.

    For each Ingress `tls[]` entry whose `secretName` is a `kubernetes.io/tls` Secret in the
    input, every host must match one of the leaf certificate's DNS subject alternative names
    (a wildcard covers one left-most label). Clients ignore the Common Name, so a
    certificate without subject alternative names covers nothing.

    ## Why it matters
    Clients reject the certificate for that host name, and users learn to accept
    certificate warnings.

    ## Fix
    Issue a certificate whose subject alternative names include every host of the entry, or
    split the hosts across `tls` entries with matching Secrets.

    ## References
    - seed 003 (cluster hardening), "TLS로 네트워크 트래픽 암호화" (encrypt traffic with TLS)
    - RFC 6125 (host name verification); CA/Browser Forum: subjectAltName required
    - Other tools: Kyverno ingress-host-match-tls
    """
    for ing in scene.ingresses:
        for i, name, hosts in ingress_tls(ing):
            if name is None or not hosts:
                continue
            secret = scene.secrets.find(ing.namespace, name)
            if secret is None:
                continue
            found = _tls(secret.resource)
            if found is None or found[0].leaf is None:
                continue
            leaf = found[0].leaf
            for j, host in hosts:
                if not leaf.has_san:
                    yield Violation(
                        f'host {host}: the certificate in Secret {name} ("{leaf.subject}") has '
                        "no subject alternative names; clients ignore the Common Name",
                        ("spec", "tls", i, "hosts", j),
                        resource=ing,
                    )
                elif not tls.host_matches(host, leaf.dns_names):
                    names = ", ".join(leaf.dns_names[:5]) or "none"
                    yield Violation(
                        f"host {host} is not covered by the certificate in Secret {name} "
                        f"(DNS names: {names})",
                        ("spec", "tls", i, "hosts", j),
                        resource=ing,
                    )
