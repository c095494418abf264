"""TLS material: what `read_tls` reads from certificates and keys made by the fixture script,
host name matching (RFC 6125), and the reference time option."""

from __future__ import annotations

import datetime

import pytest
from cryptography.hazmat.primitives import serialization
from scripts import tls_fixtures as made

from kubeward.analysis.tls import host_matches, parse_now, read_tls

CA_KEY = made.ec_key(0x6B7562657761726401)
LEAF_KEY = made.ec_key(0x6B7562657761726402)
ISSUER = ("kubeward fixture CA", CA_KEY)


def pem(key: made.Key) -> bytes:
    return made.key_pem(key).encode()


def test_a_chain_and_its_key() -> None:
    ca = made.certificate("kubeward fixture CA", CA_KEY, serial=1, ca=True)
    leaf = made.certificate(
        "shop.example.test", LEAF_KEY, issuer=ISSUER, serial=10, dns=["shop.example.test"]
    )
    m = read_tls(made.cert_pem(leaf, ca).encode(), pem(LEAF_KEY))
    assert m.cert_problem is None and m.key_problem is None and m.key_matches is True
    first, root = m.certificates
    assert (first.subject, first.self_signed, first.key_type, first.key_bits) == (
        "shop.example.test",
        False,
        "EC",
        256,
    )
    assert first.dns_names == ("shop.example.test",) and first.has_san
    assert first.signature_hash == "sha256"
    assert first.not_after == datetime.datetime(2099, 12, 31, tzinfo=datetime.UTC)
    assert root.self_signed and root.role == 'root certificate "kubeward fixture CA"'
    assert first.role == 'leaf certificate "shop.example.test"'


def test_key_of_another_certificate() -> None:
    leaf = made.certificate("a.example.test", LEAF_KEY, issuer=ISSUER, serial=10)
    other = made.ec_key(0x6B7562657761726403)
    m = read_tls(made.cert_pem(leaf).encode(), pem(other))
    assert m.key_matches is False
    assert not m.certificates[0].has_san


def test_weak_rsa_key_and_sha1_signature() -> None:
    weak_key = made.rsa_key(1024, seed=1024)
    weak = made.certificate("weak.example.test", weak_key, serial=14)
    info = read_tls(made.cert_pem(weak).encode(), pem(weak_key)).certificates[0]
    assert (info.key_type, info.key_bits) == ("RSA", 1024)
    ca_key = made.rsa_key(2048, seed=1)
    signed = made.sha1_signed(
        made.certificate("sha1.example.test", LEAF_KEY, issuer=("legacy", ca_key), serial=13),
        ca_key,
    )
    assert read_tls(made.cert_pem(signed).encode(), None).certificates[0].signature_hash == "sha1"


def test_unreadable_material_is_a_result() -> None:
    m = read_tls(b"-----BEGIN CERTIFICATE-----\nbm90\n-----END CERTIFICATE-----\n", b"junk")
    assert m.certificates == () and m.cert_problem == "tls.crt is not a PEM certificate"
    assert m.key_problem == "tls.key is not a PEM private key" and m.key_matches is None
    encrypted = LEAF_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"fixture-passphrase"),
    )
    assert "encrypted" in (read_tls(None, encrypted).key_problem or "")
    missing = read_tls(None, None)
    assert missing.cert_problem == "has no certificate (tls.crt)"
    assert missing.key_problem == "has no private key (tls.key)"


@pytest.mark.parametrize(
    ("host", "names", "covered"),
    [
        ("shop.example.test", ("shop.example.test",), True),
        ("SHOP.example.test.", ("shop.example.test",), True),
        ("www.shop.example.test", ("*.shop.example.test",), True),
        ("shop.example.test", ("*.shop.example.test",), False),
        ("a.b.shop.example.test", ("*.shop.example.test",), False),
        ("example.test", ("*.test",), False),
        ("api.example.test", ("shop.example.test", "*.shop.example.test"), False),
    ],
)
def test_host_matching(host: str, names: tuple[str, ...], covered: bool) -> None:
    assert host_matches(host, names) is covered


def test_reference_time() -> None:
    assert parse_now("2030-01-01") == datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    assert parse_now("2030-01-01T12:00:00Z").hour == 12
    before = datetime.datetime.now(datetime.UTC)
    assert parse_now(None) >= before


def test_fixture_files_are_what_the_script_writes() -> None:
    stale = [
        name
        for name, text in made.fixtures().items()
        if (made.EXAMPLES / name).read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run python scripts/tls_fixtures.py; stale: {stale}"
