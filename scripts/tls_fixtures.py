"""Write the TLS fixtures of rules SEC060-SEC065 (certificates and keys made for the tests).

    python scripts/tls_fixtures.py          # rewrite src/kubeward/rules/examples/SEC06*/
    python scripts/tls_fixtures.py --check  # exit 1 if the files differ from what it writes

The output is deterministic: EC keys come from fixed private numbers, the RSA keys from primes
found by a seeded search, ECDSA signatures are deterministic (RFC 6979) and RSA PKCS#1 v1.5
signatures are by nature, and every date and serial number is fixed. The keys protect
nothing: they exist only to be parsed by the tests. Needs cryptography 44 or later.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "kubeward" / "rules" / "examples"

Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _date(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)


def ec_key(number: int) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(number, ec.SECP256R1())


def _probable_prime(n: int, rng: random.Random) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(40):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def rsa_key(bits: int, seed: int) -> rsa.RSAPrivateKey:
    """An RSA key from primes found by a seeded search (deterministic, unlike generation)."""
    rng = random.Random(seed)
    e = 65537

    def prime() -> int:
        while True:
            candidate = (
                rng.getrandbits(bits // 2) | (1 << (bits // 2 - 1)) | (1 << (bits // 2 - 2)) | 1
            )
            if (candidate - 1) % e and _probable_prime(candidate, rng):
                return candidate

    p, q = prime(), prime()
    while q == p:
        q = prime()
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p,
        q,
        d,
        rsa.rsa_crt_dmp1(d, p),
        rsa.rsa_crt_dmq1(d, q),
        rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kubeward test fixtures"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def certificate(
    cn: str,
    key: Key,
    *,
    issuer: tuple[str, Key] | None = None,
    serial: int,
    start: str = "2020-01-01",
    end: str = "2099-12-31",
    dns: Sequence[str] = (),
    ca: bool = False,
) -> x509.Certificate:
    issuer_cn, issuer_key = issuer if issuer is not None else (cn, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(issuer_cn))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(_date(start))
        .not_valid_after(_date(end))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False
        )
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        return builder.sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=True)
    return builder.sign(issuer_key, hashes.SHA256())


# sha256WithRSAEncryption and sha1WithRSAEncryption: OIDs of equal length.
_SHA256_RSA = bytes.fromhex("2a864886f70d01010b")
_SHA1_RSA = bytes.fromhex("2a864886f70d010105")


def sha1_signed(cert: x509.Certificate, issuer_key: rsa.RSAPrivateKey) -> x509.Certificate:
    """The same certificate signed with SHA-1, which `cryptography` no longer produces: the
    algorithm identifiers are swapped for ones of equal length and the body is signed again
    (a PKCS#1 v1.5 signature has the key's length, so every DER length stays the same)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    tbs = cert.tbs_certificate_bytes
    assert tbs.count(_SHA256_RSA) == 1 and der.count(tbs) == 1
    new_tbs = tbs.replace(_SHA256_RSA, _SHA1_RSA)
    signature = issuer_key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA1())
    assert len(signature) == len(cert.signature) and der.count(cert.signature) == 1
    der = der.replace(tbs, new_tbs)
    assert der.count(_SHA256_RSA) == 1  # the outer signatureAlgorithm
    der = der.replace(_SHA256_RSA, _SHA1_RSA).replace(cert.signature, signature)
    return x509.load_der_x509_certificate(der)


def cert_pem(*certs: x509.Certificate) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


def key_pem(key: Key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "".join(pad + line + "\n" for line in text.rstrip("\n").split("\n"))


def tls_secret(
    name: str,
    crt: str,
    key: str,
    *,
    crt_expect: str = "",
    key_expect: str = "",
    note: str = "",
) -> str:
    head = f"# {note}\n" if note else ""
    c = f"  # expect: {crt_expect}" if crt_expect else ""
    k = f"  # expect: {key_expect}" if key_expect else ""
    return (
        f"{head}apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: shop\n"
        f"type: kubernetes.io/tls\nstringData:\n  tls.crt: |{c}\n{_block(crt, 4)}"
        f"  tls.key: |{k}\n{_block(key, 4)}"
    )


def documents(*docs: str, options: str = "") -> str:
    first = f"# options: {options}\n" if options else ""
    header = "# Generated by scripts/tls_fixtures.py: test certificates, protecting nothing.\n"
    return first + header + "---\n".join(docs)


def fixtures() -> dict[str, str]:
    ca_key = ec_key(0x6B7562657761726401)
    ca = certificate("kubeward fixture CA", ca_key, serial=1, ca=True)
    issuer = ("kubeward fixture CA", ca_key)
    leaf_key = ec_key(0x6B7562657761726402)
    other_key = ec_key(0x6B7562657761726403)
    shop_dns = ["shop.example.test", "*.shop.example.test"]
    good = certificate("shop.example.test", leaf_key, issuer=issuer, serial=10, dns=shop_dns)
    expired = certificate(
        "old.example.test",
        leaf_key,
        issuer=issuer,
        serial=11,
        start="2015-01-01",
        end="2016-01-01",
        dns=["old.example.test"],
    )
    expiring = certificate(
        "soon.example.test",
        leaf_key,
        issuer=issuer,
        serial=12,
        start="2029-01-01",
        end="2030-01-20",
        dns=["soon.example.test"],
    )
    legacy_key = rsa_key(2048, seed=1)
    legacy = ("kubeward legacy CA", legacy_key)
    legacy_ca = sha1_signed(certificate(*legacy, serial=2, ca=True), legacy_key)
    sha1 = sha1_signed(
        certificate(
            "sha1.example.test", leaf_key, issuer=legacy, serial=13, dns=["sha1.example.test"]
        ),
        legacy_key,
    )
    modern = certificate("shop.example.test", leaf_key, issuer=legacy, serial=17, dns=shop_dns)
    weak_key = rsa_key(1024, seed=1024)
    weak = certificate("weak.example.test", weak_key, serial=14, dns=["weak.example.test"])
    strong_rsa_key = rsa_key(2048, seed=2048)
    strong = certificate(
        "rsa.example.test", strong_rsa_key, issuer=issuer, serial=15, dns=["rsa.example.test"]
    )
    no_san = certificate("legacy.example.test", leaf_key, issuer=issuer, serial=16)

    ok = tls_secret("shop-tls", cert_pem(good, ca), key_pem(leaf_key))
    out: dict[str, str] = {}
    out["SEC060/pass.yaml"] = documents(
        ok,
        tls_secret("soon-tls", cert_pem(expiring, ca), key_pem(leaf_key)),
        options='{"now": "2029-06-01"}',
    )
    out["SEC060/fail.yaml"] = documents(
        tls_secret("old-tls", cert_pem(expired, ca), key_pem(leaf_key), crt_expect="SEC060"),
        tls_secret(
            "future-tls",
            cert_pem(expiring, ca),
            key_pem(leaf_key),
            crt_expect="SEC060",
            note="not valid before 2029-01-01",
        ),
        options='{"now": "2026-01-01"}',
    )
    out["SEC061/pass.yaml"] = documents(
        ok,
        tls_secret(
            "soon-tls", cert_pem(expiring, ca), key_pem(leaf_key), note="51 days before expiry"
        ),
        options='{"now": "2029-11-30", "days": 30}',
    )
    out["SEC061/fail.yaml"] = documents(
        ok,
        tls_secret("soon-tls", cert_pem(expiring, ca), key_pem(leaf_key), crt_expect="SEC061"),
        options='{"now": "2030-01-01"}',
    )
    out["SEC062/pass.yaml"] = documents(
        ok, tls_secret("rsa-tls", cert_pem(strong, ca), key_pem(strong_rsa_key))
    )
    out["SEC062/fail.yaml"] = documents(
        tls_secret("weak-tls", cert_pem(weak), key_pem(weak_key), crt_expect="SEC062")
    )
    out["SEC063/pass.yaml"] = documents(
        tls_secret(
            "shop-tls",
            cert_pem(modern, legacy_ca),
            key_pem(leaf_key),
            note="a SHA-1 self-signed root in the chain is not checked: clients trust it as is",
        )
    )
    out["SEC063/fail.yaml"] = documents(
        tls_secret("sha1-tls", cert_pem(sha1, legacy_ca), key_pem(leaf_key), crt_expect="SEC063")
    )
    out["SEC064/pass.yaml"] = documents(
        ok, tls_secret("rsa-tls", cert_pem(strong, ca), key_pem(strong_rsa_key))
    )
    out["SEC064/fail.yaml"] = documents(
        tls_secret(
            "mismatch-tls",
            cert_pem(good, ca),
            key_pem(other_key),
            key_expect="SEC064",
            note="the key belongs to another certificate",
        ),
        tls_secret(
            "garbled-tls",
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----",
            key_pem(leaf_key),
            crt_expect="SEC064",
        ),
    )
    ingress = (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\n"
        "  namespace: shop\nspec:\n  tls:\n    - secretName: shop-tls\n      hosts:\n"
        "        - shop.example.test\n        - www.shop.example.test\n{extra}"
        "  rules:\n    - host: shop.example.test\n"
    )
    out["SEC065/pass.yaml"] = documents(ok, ingress.format(extra=""))
    failing = (
        "        - api.example.test  # expect: SEC065\n"
        "        - a.b.shop.example.test  # expect: SEC065\n"
        "    - secretName: legacy-tls\n      hosts:\n"
        "        - legacy.example.test  # expect: SEC065\n"
    )
    out["SEC065/fail.yaml"] = documents(
        ok,
        tls_secret(
            "legacy-tls",
            cert_pem(no_san, ca),
            key_pem(leaf_key),
            note="Common Name only, no subject alternative names",
        ),
        ingress.format(extra=failing),
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if the fixtures are stale")
    args = ap.parse_args()
    stale = []
    for name, text in fixtures().items():
        path = EXAMPLES / name
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if stale:
        print(f"tls_fixtures: stale: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
