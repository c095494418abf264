"""IMG rules: image tags, digests, pull policy and registries."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from kubeward.catalogue import rule
from kubeward.findings import Severity, Violation
from kubeward.model.container import Container
from kubeward.model.image import ImageRef, parse_image

# Registries frozen or retired by their owners; images there get no fixes.
DEPRECATED_REGISTRIES: Mapping[str, str] = {
    "k8s.gcr.io": "registry.k8s.io",
    "gcr.io/google_containers": "registry.k8s.io",
    "gcr.io/google-containers": "registry.k8s.io",
}


def _image(c: Container) -> ImageRef | None:
    if not c.image or not c.image.strip():
        return None
    return parse_image(c.image)


@rule("IMG001", severity=Severity.MEDIUM)
def image_tag_mutable(c: Container) -> Iterator[Violation]:
    """Image has no tag or uses `latest`.

    Without a tag the runtime pulls `latest`, a moving target: two nodes can run different
    code from the same manifest, and a rollback does not roll back.

    ## Why it matters
    You cannot tell which image runs, reproduce it, or know whether a vulnerability fix is in.
    A compromised `latest` in the registry reaches the cluster at the next pull.

    ## Fix
    Use an explicit version tag, and better a digest (`image: repo@sha256:...`).

    ## References
    - seed 003 (cluster hardening), "이미지 스캐너를 사용하여 보안 정책 시행" (image policies)
    - Other tools: kube-score container-image-tag, Checkov CKV_K8S_14, Trivy KSV013,
      Kubescape C-0075, kube-linter latest-tag, Polaris tagNotSpecified
    """
    ref = _image(c)
    if ref is None or ref.pinned:
        return
    if ref.tag is None:
        yield c.violation(f"{c.label} image {ref.text} has no tag (pulls latest)", "image")
    elif ref.tag == "latest":
        yield c.violation(f"{c.label} image {ref.text} uses the latest tag", "image")


@rule("IMG002", severity=Severity.LOW)
def image_not_pinned_by_digest(c: Container) -> Iterator[Violation]:
    """Image is not pinned by digest.

    Tags are mutable: the registry can serve different content for the same tag tomorrow.
    Only a digest (`@sha256:...`) names exactly one image. A malformed digest (wrong length,
    upper-case hex) does not count: the kubelet refuses such a reference.

    ## Why it matters
    Pinning by digest makes the running code reproducible and auditable, and makes a
    tampered or re-pushed tag harmless. Scanner results stay valid for what actually runs.

    ## Fix
    Reference the image by digest, e.g. `myacr.azurecr.io/app:1.4.2@sha256:...`; tools such as
    Renovate keep digests current.

    ## References
    - seed 003 (cluster hardening): image scanners and trusted images
    - Other tools: Checkov CKV_K8S_43, Kubescape C-0306, Kyverno require-image-checksum,
      Gatekeeper imagedigests
    """
    ref = _image(c)
    if ref is None or ref.pinned:
        return
    if ref.digest is None:
        yield c.violation(f"{c.label} image {ref.text} is not pinned by digest", "image")
    else:
        yield c.violation(
            f"{c.label} image {ref.text} has a malformed digest (expected sha256: and 64 "
            "lower-case hex digits); the kubelet refuses it",
            "image",
        )


@rule("IMG003", severity=Severity.LOW)
def image_pull_policy_not_always(c: Container) -> Iterator[Violation]:
    """Image pull policy lets a node reuse a cached image by tag.

    With `IfNotPresent` (the default for tagged images) or `Never`, a node runs whatever image
    it cached under that tag, without asking the registry. Digest-pinned images are exempt:
    the cache cannot hold a different image under the same digest.

    ## Why it matters
    On a shared node, a pod can start from an image another tenant pulled with credentials
    the pod does not have; and a re-pushed tag is not noticed until the cache is cleared.

    ## Fix
    Pin the image by digest, or set `imagePullPolicy: Always` (the registry check is cheap
    when the image is already cached). On AKS the AlwaysPullImages admission plugin is not
    configurable, so this is set per workload.

    ## References
    - Other tools: kube-score container-image-pull-policy, Checkov CKV_K8S_15, Kubescape
      C-0075, Polaris pullPolicyNotAlways
    """
    ref = _image(c)
    if ref is None or ref.pinned:
        return
    policy = c.image_pull_policy
    if policy is None:
        policy = "Always" if ref.effective_tag == "latest" else "IfNotPresent"
        if policy != "Always":
            yield c.violation(
                f"{c.label} uses the default pull policy IfNotPresent for a tagged image", "image"
            )
    elif policy != "Always":
        yield c.violation(f"{c.label} sets imagePullPolicy: {policy}", "imagePullPolicy")


def registry_allowed(ref: ImageRef, allowed: list[str]) -> bool:
    """An allow-list entry is a registry host (`myacr.azurecr.io`), a glob (`*.azurecr.io`)
    or a name prefix (`myacr.azurecr.io/team/`)."""
    for entry in allowed:
        pattern = entry.strip().lower().rstrip("/")
        if not pattern:
            continue
        if "/" in pattern:
            if (
                ref.name == pattern
                or ref.name.startswith(pattern + "/")
                or fnmatch.fnmatchcase(ref.name, pattern)
            ):
                return True
        elif fnmatch.fnmatchcase(ref.registry, pattern):
            return True
    return False


@rule("IMG004", severity=Severity.HIGH, options={"allowed_registries": []})
def image_registry_not_allowed(c: Container, options: Mapping[str, Any]) -> Iterator[Violation]:
    """Image comes from a registry that is not on the allowed list.

    The option `allowed_registries` lists registry hosts (`myacr.azurecr.io`), globs
    (`*.azurecr.io`) or repository prefixes (`myacr.azurecr.io/platform/`). Images without a
    registry come from Docker Hub (`docker.io`). The rule is inactive until the list is set in
    `.kubeward.yaml`:

        options:
          IMG004:
            allowed_registries: [myacr.azurecr.io, mcr.microsoft.com]

    ## Why it matters
    Images from arbitrary registries bypass your scanning, signing and vulnerability
    management; typosquatted public images are a known supply-chain attack.

    ## Fix
    Import the image into your Azure Container Registry (`az acr import`), scan it there, and
    reference it from the ACR.

    ## References
    - seed 003 (cluster hardening): image scanners and trusted registries
    - CIS AKS 1.8: 5.1.4 minimise container registries to only those approved
    - Other tools: Kubescape C-0001, C-0078, Trivy KSV032, Kyverno restrict-image-registries,
      Gatekeeper allowedrepos, Azure Policy ContainerAllowedImages
    """
    allowed = options.get("allowed_registries") or []
    if isinstance(allowed, str):
        allowed = [allowed]
    if not allowed:
        return
    ref = _image(c)
    if ref is not None and not registry_allowed(ref, [str(a) for a in allowed]):
        yield c.violation(
            f"{c.label} image {ref.text} ({ref.registry}) is not from an allowed registry "
            "or repository",
            "image",
        )


@rule("IMG005", severity=Severity.MEDIUM)
def deprecated_registry(c: Container) -> Iterator[Violation]:
    """Image comes from a deprecated, frozen registry (k8s.gcr.io).

    The Kubernetes project froze `k8s.gcr.io` in April 2023 and moved to `registry.k8s.io`;
    no new versions or security fixes are published to the old registry.

    ## Why it matters
    Images there never get patched, and pulls may stop working entirely.

    ## Fix
    Use the same image from `registry.k8s.io`, at a current version.

    ## References
    - Kubernetes blog: k8s.gcr.io image registry freeze (2023)
    - Other tools: Kubescape C-0253, Kyverno restrict-deprecated-registry
    """
    ref = _image(c)
    if ref is None:
        return
    for old, new in DEPRECATED_REGISTRIES.items():
        if ref.name == old or ref.name.startswith(old + "/"):
            yield c.violation(
                f"{c.label} image {ref.text} comes from the frozen registry {old}; use {new}",
                "image",
            )
            return
