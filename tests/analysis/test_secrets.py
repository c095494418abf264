"""Credential detection: names, formats, Kubernetes false positives, and what a detection holds.

Expected detector names are detect-secrets' plugin names (its `secret_type`) or the names of
the Azure formats added here; values are fakes in the documented formats.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kubeward.analysis import secrets
from kubeward.analysis.secrets import (
    GATES,
    credential_concept,
    digest,
    is_credential_name,
    scan_value,
    scan_words,
    words_of,
)

FAKE_AZURE_KEY = (
    "yGcFRl1SPnXNYvMIHa/2o76umfXfKm/r5kJP1VrT+1FJors/6ILi8IHn5kxsC7tVO/HbkQfyy/KV5zjR3j1twd=="
)
FAKE_GITHUB = "ghp_U8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oool8D"
FAKE_JWT = (
    "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAia3ViZXdhcmQtZml4dHVyZSJ9."
    "c2lnbmF0dXJlLW5vdC1yZWFs"
)
PASSWORD = "Zx9vQ2mZp9LwK"


@pytest.mark.parametrize(
    ("key", "concept"),
    [
        ("DB_PASSWORD", "password"),
        ("adminPassword", "password"),
        ("spring.datasource.password", "password"),
        ("CLIENT_SECRET", "secret"),
        ("GITHUB_TOKEN", "token"),
        ("api-key", "api_key"),
        ("ApiKey", "api_key"),
        ("AWS_SECRET_ACCESS_KEY", "access_key"),
        ("AZURE_STORAGE_ACCOUNT_KEY", "storage_account_key"),
        ("SMTP_PASS", "pass"),
        ("password_value", "password"),
        ("secret2", "secret"),
        # about a credential, not the credential
        ("secretName", None),
        ("existingSecret", None),
        ("PASSWORD_FILE", None),
        ("TOKEN_URL", None),
        ("checksum/secret", None),
        ("MYSQL_ALLOW_EMPTY_PASSWORD", None),
        ("tlsSecret", None),
        ("imagePullSecret", None),
        ("AWS_ACCESS_KEY_ID", None),
        ("passthrough", None),
        ("DATABASE_CONNECTION_STRING", None),
        ("vault.hashicorp.com/agent-inject-secret-db", None),
    ],
)
def test_credential_names(key: str, concept: str | None) -> None:
    assert credential_concept(key) == concept
    assert is_credential_name(key) is (concept is not None)


def test_words_of_splits_camel_case_acronyms_and_separators() -> None:
    assert words_of("adminPasswordSecretName") == ["admin", "password", "secret", "name"]
    assert words_of("AWSSecretKey") == ["aws", "secret", "key"]
    assert words_of("vault.hashicorp.com/agent-inject") == [
        "vault",
        "hashicorp",
        "com",
        "agent",
        "inject",
    ]


@pytest.mark.parametrize(
    ("key", "value", "detector"),
    [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS Access Key"),
        ("GITHUB_TOKEN", FAKE_GITHUB, "GitHub Token"),
        ("ID_TOKEN", FAKE_JWT, "JSON Web Token"),
        ("STORAGE_KEY", FAKE_AZURE_KEY, "Azure Storage account key"),
        (
            "STORAGE",
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + FAKE_AZURE_KEY,
            "Azure Storage Account access key",
        ),
        (
            "BUS",
            "Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=send;"
            "SharedAccessKey=TKWTddB+XhkAS1voQG6yyzyN9zHYIa4UOrGNATMuDJa=",
            "Azure shared access key",
        ),
        (
            "UPLOAD_URL",
            "https://shop.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01"
            "&sig=Xk2vQ9mZ8pR1tY6wK3sD7nB2xQ9vL4mZ8pR1tY6wK3s%3D",
            "Azure SAS token",
        ),
        ("AAD", "abc8Q~Xk2vQ9mZ8pR1tY6wK3sD7nB2xQ9vL4mZ8", "Microsoft Entra client secret"),
        ("DATABASE_URL", "postgres://shop:Pa55word4shop@db:5432/shop", "Basic Auth Credentials"),
        ("DB_PASSWORD", PASSWORD, "Secret Keyword"),
        ("CLIENT_SECRET", "7nB2xQ9vL4mZ8pR1tY6wK3sD", "Base64 High Entropy String"),
        ("SIGNING_KEY", "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c", "Hex High Entropy String"),
    ],
)
def test_formats_are_detected(key: str, value: str, detector: str) -> None:
    found = scan_value(value, key)
    assert [d.detector for d in found] == [detector]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("secretName", "shop-credentials"),
        ("existingSecret", "db"),
        ("DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)"),
        ("DB_PASSWORD", "${DB_PASSWORD}"),
        ("DB_PASSWORD", "{{ .Values.db.password }}"),
        ("DB_PASSWORD_FILE", "/run/secrets/db/password"),
        ("TOKEN_URL", "https://login.example.test/oauth2/token"),
        ("SIDECAR", "shop/proxy@sha256:" + "3b4c5d6e7f8091a2" * 4),
        ("checksum/secret", "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d0f"),
        ("API_KEY", "vault:secret/data/shop#api-key"),
        ("CLIENT_SECRET", "REPLACE_ME"),
        ("REDIS_PASSWORD", "********"),
        ("PASSWORD", "password"),
        ("PASSWORD_MIN_LENGTH", "12"),
        ("TOKEN_TTL", "30m"),
        ("AZURE_CLIENT_SECRET", "__CLIENT_SECRET__"),
        ("tokenSecret", "my-app-token"),
        ("APP_SECRET", "APP_SECRET_FROM_VAULT"),
        ("DATABASE_URL", "postgres://shop:$(DB_PASSWORD)@db:5432/shop"),
        ("nsswitch.conf", "passwd: files\nshadow: files\nhosts: files dns\n"),
        ("app.conf", "password = os.environ['DB_PASSWORD']\n"),
        ("script.sh", "openssl genrsa | grep 'BEGIN RSA PRIVATE KEY'\n"),
    ],
)
def test_kubernetes_false_positives_are_not_reported(key: str, value: str) -> None:
    assert scan_value(value, key) == ()


def test_multi_line_values_report_the_line_and_the_inner_key() -> None:
    value = "[db]\nuser = shop\npassword = Kx8vQ2mZp9\nhost = db\n"
    (found,) = scan_value(value, "app.ini")
    assert (found.detector, found.key, found.line) == ("Secret Keyword", "password", 3)


def test_embedded_options_in_one_line_values() -> None:
    (found,) = scan_value("-Xmx1g -Dspring.datasource.password=Sup3rS3cret9", "JAVA_OPTS")
    assert (found.key, found.line) == ("spring.datasource.password", None)


def test_private_keys_need_their_body() -> None:
    body = "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0"
    pem = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"
    (found,) = scan_value(pem, "key.pem")
    assert (found.detector, found.line) == ("Private Key", 1)
    assert scan_value("-----BEGIN RSA PRIVATE KEY-----\n-----END RSA PRIVATE KEY-----", "k") == ()


def test_one_token_found_by_two_plugins_is_reported_once() -> None:
    found = scan_value(f"Authorization: Bearer {FAKE_JWT}", "HEADER")
    assert [d.detector for d in found] == ["JSON Web Token"]


def test_command_lines_flag_and_value() -> None:
    words = ["backup", "--user", "shop", "--password", PASSWORD, "--token=7nB2xQ9vL4mZ8pR1tY6"]
    found = scan_words(words)
    assert [(i, d.key) for i, d in found] == [(4, "password"), (5, "token")]
    assert scan_words(["--password-file", "/run/secrets/pw", "--secret-name", "db"]) == ()


def test_detections_carry_a_digest_never_the_value() -> None:
    (found,) = scan_value(PASSWORD, "DB_PASSWORD")
    salted = b"kubeward secret digest\x00" + PASSWORD.encode()
    expected = "sha256:" + hashlib.sha256(salted).hexdigest()[:12]
    assert hashlib.sha256(PASSWORD.encode()).hexdigest()[:12] not in found.digest
    assert found.digest == digest(PASSWORD) == expected
    assert PASSWORD not in repr(found) and PASSWORD not in found.describe()


# The substring gates must be necessary conditions of their plugin's patterns: a text that
# a pattern matches always passes the gate. Hypothesis generates texts from each pattern.
def _plugins() -> list[tuple[str, re.Pattern[str]]]:
    engine = secrets._engine()
    return [(type(p).__name__, r) for p, patterns, _ in engine.plugins for r in patterns]


def test_every_plugin_has_a_gate() -> None:
    assert {name for name, _ in _plugins()} == set(GATES)


@pytest.mark.parametrize(("plugin", "pattern"), _plugins(), ids=lambda v: str(v)[:40])
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_gates_admit_whatever_the_patterns_match(
    plugin: str, pattern: re.Pattern[str], data: st.DataObject
) -> None:
    # a lookbehind cannot be generated: search for the rest, then check the match
    generated = re.sub(r"^\(\?<!\[[^\]]*\]\)", "", pattern.pattern)
    text = data.draw(st.from_regex(re.compile(generated, pattern.flags)))
    assume(pattern.search(text) is not None)  # a lookaround may reject it
    assert GATES[plugin].admits(text, text.lower()), (plugin, text)
