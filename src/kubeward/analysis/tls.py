"""TLS certificates and keys of `kubernetes.io/tls` Secrets, read with `cryptography`.

`read_tls` parses the PEM chain in `tls.crt` (leaf first, as Kubernetes and every ingress
controller expect) and the private key in `tls.key` once per distinct pair, and reports what
rules need: validity dates, key type and size, signature hash, subject alternative names,
whether the key belongs to the leaf certificate. Parsing failures are results, not errors.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class CertInfo:
    index: int  # position in the chain: 0 is the leaf
    subject: str  # the Common Name, else the whole subject (RFC 4514)
    self_signed: bool  # issuer == subject (a root, or a self-signed leaf)
    not_before: datetime.datetime
    not_after: datetime.datetime
    key_type: str  # RSA, EC, DSA, Ed25519, Ed448
    key_bits: int | None
    signature_hash: str | None  # sha1, sha256, ... (None for Ed25519/Ed448)
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    has_san: bool

    @property
    def role(self) -> str:
        """`leaf certificate "web.example.com"`, `intermediate certificate "..."`."""
        if self.index == 0:
            word = "leaf certificate"
        elif self.self_signed:
            word = "root certificate"
        else:
            word = "intermediate certificate"
        return f'{word} "{self.subject}"'


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    certificates: tuple[CertInfo, ...]  # empty when tls.crt is missing or unreadable
    cert_problem: str | None
    key_type: str | None
    key_problem: str | None  # None when the key was read
    key_matches: bool | None  # None when either side could not be read

    @property
    def leaf(self) -> CertInfo | None:
        return self.certificates[0] if self.certificates else None


def _key_facts(public_key: object) -> tuple[str, int | None]:
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC", public_key.curve.key_size
    if isinstance(public_key, dsa.DSAPublicKey):
        return "DSA", public_key.key_size
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(public_key).__name__, None


def _cert_info(index: int, cert: object) -> CertInfo:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.x509.oid import NameOID

    assert isinstance(cert, x509.Certificate)
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    subject = str(cns[0].value) if cns else cert.subject.rfc4514_string()
    try:
        key_type, bits = _key_facts(cert.public_key())
    except (UnsupportedAlgorithm, ValueError):
        key_type, bits = "unknown", None
    try:
        algorithm = cert.signature_hash_algorithm
        signature = algorithm.name if algorithm is not None else None
    except UnsupportedAlgorithm:
        signature = "unknown"
    dns: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    has_san = False
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        has_san = True
        dns = tuple(san.get_values_for_type(x509.DNSName))
        ips = tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except (x509.ExtensionNotFound, ValueError):
        pass
    return CertInfo(
        index=index,
        subject=subject,
        self_signed=cert.issuer == cert.subject,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_bits=bits,
        signature_hash=signature,
        dns_names=dns,
        ip_addresses=ips,
        has_san=has_san,
    )


@lru_cache(maxsize=256)
def read_tls(cert_pem: bytes | None, key_pem: bytes | None) -> TlsMaterial:
    """Parse a certificate chain and a private key (either may be None: missing)."""
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    certs: list[object] = []
    cert_problem = None
    if cert_pem is None or not cert_pem.strip():
        cert_problem = "has no certificate (tls.crt)"
    else:
        try:
            certs = list(x509.load_pem_x509_certificates(cert_pem))
        except ValueError:
            cert_problem = "tls.crt is not a PEM certificate"
    infos = tuple(_cert_info(i, c) for i, c in enumerate(certs))

    key = None
    key_type = None
    key_problem = None
    if key_pem is None or not key_pem.strip():
        key_problem = "has no private key (tls.key)"
    else:
        try:
            key = serialization.load_pem_private_key(key_pem, password=None)
            key_type = _key_facts(key.public_key())[0]
        except TypeError:
            key_problem = "tls.key is encrypted; Kubernetes TLS Secrets need an unencrypted key"
        except (ValueError, UnsupportedAlgorithm):
            key_problem = "tls.key is not a PEM private key"

    matches = None
    if certs and key is not None:
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        der = serialization.Encoding.DER
        leaf = certs[0]
        assert isinstance(leaf, x509.Certificate)
        try:
            matches = leaf.public_key().public_bytes(der, spki) == key.public_key().public_bytes(
                der, spki
            )
        except (ValueError, TypeError):
            matches = False
    return TlsMaterial(infos, cert_problem, key_type, key_problem, matches)


def host_matches(host: str, names: tuple[str, ...]) -> bool:
    """Whether a certificate's DNS names cover a host name (RFC 6125: a wildcard stands for
    exactly one whole left-most label; names compare case-insensitively)."""
    h = host.lower().rstrip(".")
    for name in names:
        n = name.lower().rstrip(".")
        if n == h:
            return True
        if n.startswith("*.") and "." in h:
            first, _, rest = h.partition(".")
            if first and rest == n[2:] and "." in rest:
                return True
    return False


def parse_now(value: object) -> datetime.datetime:
    """The reference time of an option (`"2030-01-01"`, an ISO date-time), else now (UTC)."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        moment = datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        return datetime.datetime.now(datetime.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


__all__ = ["CertInfo", "TlsMaterial", "host_matches", "parse_now", "read_tls"]
