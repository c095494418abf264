"""Image references `[registry/]repository[:tag][@digest]`, parsed as container runtimes do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_REGISTRY = "docker.io"


# Algorithms container runtimes can verify, and their digest lengths in hex (OCI image spec;
# the Go digest library that kubelets and runtimes use also has sha384). Others do not parse.
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128, "blake3": 64}
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True, slots=True)
class ImageRef:
    text: str
    registry: str  # docker.io when the reference names none
    repository: str  # without registry, e.g. library/nginx
    tag: str | None
    digest: str | None
    explicit_registry: bool

    @property
    def name(self) -> str:
        """registry/repository, the part registry allow-lists are written against."""
        return f"{self.registry}/{self.repository}"

    @property
    def digest_valid(self) -> bool:
        """A digest the OCI image spec accepts (lower-case hex of the algorithm's length); the
        kubelet refuses other references with InvalidImageName."""
        if self.digest is None:
            return False
        algorithm, _, encoded = self.digest.partition(":")
        length = _DIGEST_LENGTHS.get(algorithm)
        return length is not None and _HEX.fullmatch(encoded) is not None and len(encoded) == length

    @property
    def pinned(self) -> bool:
        """Pinned by a valid digest: no tag can move it to another image."""
        return self.digest_valid

    @property
    def effective_tag(self) -> str:
        return self.tag or "latest"


@lru_cache(maxsize=8192)
def parse_image(text: str) -> ImageRef:
    ref = text.strip()
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        ref, tag = ref[:colon], ref[colon + 1 :]
    first, sep, rest = ref.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, repository, explicit = first, rest, True
    else:
        registry, repository, explicit = DEFAULT_REGISTRY, ref, False
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = DEFAULT_REGISTRY
    if registry == DEFAULT_REGISTRY and "/" not in repository:
        repository = f"library/{repository}"
    return ImageRef(text, registry.lower(), repository, tag or None, digest or None, explicit)
