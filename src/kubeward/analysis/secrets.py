"""Hard-coded credentials in the plain-text values Kubernetes objects carry.

Detection uses Yelp's detect-secrets: its pattern plugins (AWS, Azure Storage, private keys,
JSON Web Tokens, GitHub, GitLab, Slack, Stripe and other tokens, credentials in URLs), its
keyword list for credential-named variables, its Shannon-entropy measures, and its heuristic
filters (templates, `$`-references, UUIDs, sequences). The plugins are configured here, in
code, not through detect-secrets' global settings, and tuned for what Kubernetes manifests
contain:

- a value is judged with the name it is assigned to (the env variable, the ConfigMap key,
  the command-line flag, the key inside an embedded config file), and a credential-named key
  only counts when the credential word ends it: `DB_PASSWORD` does, `secretName`,
  `PASSWORD_FILE`, `existingSecret`, `TOKEN_URL` and `checksum/secret` do not;
- entropy alone never makes a finding (checksums, digests and hashes are random too): it
  only names the kind of value found under a credential-named key;
- references are not values: `$(VAR)` (Kubernetes' own expansion), `${VAR}`, `{{ ... }}`,
  file paths, URLs without a password, image digests, names of other variables, and
  references to external secret stores (`vault:...`, `ref+...`);
- private keys count only with their PEM body, not a script that merely mentions the marker.

A detection never carries the secret: only the detector's name, the key, the line inside a
multi-line value, and a truncated SHA-256 digest that identifies the value across reports.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from detect_secrets.plugins.base import BasePlugin

DIGEST_CHARS = 12


@dataclass(frozen=True, slots=True)
class Detection:
    """One credential found in a value: what kind, under which name, where; never the value."""

    detector: str
    key: str | None  # the variable, flag or config key it is assigned to, when there is one
    line: int | None  # 1-based line inside a multi-line value; None for a one-line value
    digest: str  # "sha256:" + the first hex digits of the value's SHA-256

    def describe(self) -> str:
        """`AWS Access Key, value sha256:0123456789ab` (for messages)."""
        return f"{self.detector}, value {self.digest}"


# Prefixed to every value before hashing, so that a digest cannot be looked up in tables of
# plain SHA-256 hashes of common passwords (it does not stop a targeted dictionary attack).
DIGEST_DOMAIN = b"kubeward secret digest\x00"


def digest(secret: str) -> str:
    """`sha256:` and the first 12 hex digits of SHA-256(DIGEST_DOMAIN + value)."""
    h = hashlib.sha256(DIGEST_DOMAIN + secret.encode("utf-8"))
    return "sha256:" + h.hexdigest()[:DIGEST_CHARS]


# ============================================================================ key names

# Credential concepts beyond detect-secrets' keyword list (which it gets from bandit).
_EXTRA_CONCEPTS = (
    "pass",
    "passphrase",
    "token",
    "tokens",
    "secrets",
    "credential",
    "credentials",
    "creds",
    "access_key",
    "secret_key",
    "storage_key",
    "storage_account_key",
    "encryption_key",
    "signing_key",
    "master_key",
    "shared_key",
    "shared_access_key",
    "subscription_key",
    "ssh_key",
    "sas",
)
# Connection strings are not in the list: they are containers of credentials, and the
# password inside them (`Password=...;`, `user:password@`) is what is found and reported.
# Words that, after the credential word, leave the name still about the credential itself.
_NEUTRAL_TAIL = frozenset(
    {"value", "val", "text", "plain", "plaintext", "raw", "b", "base", "encoded", "literal"}
)
# Words that, before the credential word, make the name about something else: a setting,
# a reference to a Secret object, a checksum of one.
_NOT_THE_VALUE = frozenset(
    {
        "existing",
        "external",
        "use",
        "using",
        "enable",
        "enabled",
        "disable",
        "disabled",
        "require",
        "required",
        "allow",
        "allowed",
        "skip",
        "show",
        "hide",
        "mask",
        "generate",
        "generated",
        "random",
        "empty",
        "auto",
        "rotate",
        "rotation",
        "reset",
        "min",
        "max",
        "checksum",
        "hash",
        "hashed",
        "digest",
        "sha",
        "md",
        "fingerprint",
        "ref",
        "reference",
        "mount",
        "inject",
        "sync",
        "reload",
        "no",
    }
)
# Words that, directly before "secret", name a kind of Kubernetes Secret object.
_SECRET_OBJECT = frozenset(
    {
        "tls",
        "ca",
        "cert",
        "certificate",
        "pull",
        "imagepull",
        "registry",
        "docker",
        "dockerconfig",
        "k8s",
        "kube",
        "kubernetes",
        "sealed",
        "webhook_tls",
    }
)
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_TRAILING_DIGITS = re.compile(r"([^\W\d_]+)(\d+)$")
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SEPARATORS = re.compile(r"[\W_]+")


def words_of(key: str) -> list[str]:
    """`adminPasswordSecretName` -> [admin, password, secret, name]."""
    spaced = _ACRONYM.sub(r"\1_\2", _CAMEL.sub(r"\1_\2", key))
    out: list[str] = []
    for w in _SEPARATORS.split(spaced.lower()):
        m = _TRAILING_DIGITS.fullmatch(w)
        out += [m.group(1), m.group(2)] if m else [w] if w else []
    return out


@lru_cache(maxsize=1)
def _concepts() -> tuple[tuple[str, ...], ...]:
    from detect_secrets.plugins.keyword import DENYLIST

    out: set[tuple[str, ...]] = set()
    for entry in (*DENYLIST, *_EXTRA_CONCEPTS):
        parts = tuple(entry.replace("_?", "_").split("_"))
        out.add(parts)
        if len(parts) > 1:
            out.add(("".join(parts),))
    return tuple(sorted(out, key=len, reverse=True))


@lru_cache(maxsize=8192)
def credential_concept(key: str) -> str | None:
    """The credential word a name ends with (`password`, `api_key`, `secret`), or None when
    the name is not the name of a credential."""
    words = words_of(key)
    while words:
        for concept in _concepts():
            n = len(concept)
            if tuple(words[-n:]) != concept:
                continue
            before = words[:-n]
            if any(w in _NOT_THE_VALUE for w in before):
                return None
            if concept[-1] in ("secret", "secrets") and before and before[-1] in _SECRET_OBJECT:
                return None
            return "_".join(concept)
        if words[-1] not in _NEUTRAL_TAIL and not words[-1].isdigit():
            return None
        words.pop()
    return None


def is_credential_name(key: str) -> bool:
    return credential_concept(key) is not None


# ============================================================================ values

_NON_VALUES = frozenset(
    {
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "none",
        "null",
        "nil",
        "undefined",
        "n/a",
        "empty",
        "unset",
        "redacted",
        "todo",
        "tbd",
        "secret",
        "password",
        "token",
        "required",
        "optional",
        "disabled",
        "enabled",
        "replace_me",
        "replaceme",
        "replace-me",
        "change_me_please",
        "your_password",
        "your-password",
        "yourpassword",
    }
)
_NUMBER_OR_QUANTITY = re.compile(
    r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?:[a-zA-Z]{1,3})?|(?:\d+(?:\.\d+)?(?:ns|us|ms|s|m|h|d))+"
)
_PATH = re.compile(r"(?:/|\./|\.\./|~/|file:|[A-Za-z]:\\)\S*")
_URL_WITHOUT_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^\s:@/]+(?::\d+)?(?:[/?#]\S*)?", re.I)
_IMAGE_DIGEST = re.compile(r"(?:^|@)sha(?:256|384|512):[0-9a-f]{32,}", re.I)
_PLACEHOLDER = re.compile(
    r"(?:__[A-Za-z0-9_]+__|x+|X+|\*+|\.+|-+|_+|#+|<[^<>]*>|\[[^\[\]]*\]|your[-_ ][\w -]+|"
    r"(?:replace|change|insert|enter|fill|set)[-_ ]?(?:me|this|here|in)?[-_ \w]*here)",
    re.I,
)
_VARIABLE_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_STORE_REFERENCE = re.compile(
    r"(?:vault|ref\+[a-z0-9]+|awssm|aws-sm|ssm|gcpsm|sm|azurekeyvault|azkv|akv|keyvault|op|"
    r"bws|infisical|secretsmanager|secretref|secret)://?\S+|vault:[\w/.-]+(?:#\S+)?",
    re.I,
)
_OBJECT_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_REFERENCE_MARKS = ("$(", "${", "{{", "#{", "%{", "%(", "{%")


def _unquote(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'`":
        v = v[1:-1]
    return v.strip()


def not_a_secret(value: str, concept: str | None = None) -> bool:
    """Values under a credential-named key that are not credentials themselves."""
    from detect_secrets.filters import heuristic

    v = value
    if len(v) < 3 or len(v) > 4096:
        return True
    low = v.lower()
    if low in _NON_VALUES or _NUMBER_OR_QUANTITY.fullmatch(v):
        return True
    if any(mark in v for mark in _REFERENCE_MARKS):
        return True
    if heuristic.is_templated_secret(v) or heuristic.is_prefixed_with_dollar_sign(v):
        return True
    if heuristic.is_not_alphanumeric_string(v) or heuristic.is_sequential_string(v):
        return True
    if heuristic.is_potential_uuid(v) and len(v) <= 38:
        return True
    if _PATH.fullmatch(v) or _URL_WITHOUT_PASSWORD.fullmatch(v) or _IMAGE_DIGEST.search(v):
        return True
    if _PLACEHOLDER.fullmatch(v) or _VARIABLE_NAME.fullmatch(v) or _STORE_REFERENCE.match(v):
        return True
    # `tokenSecret: my-app-token`: under a name ending in "secret", a lower-case name with a
    # dash or a dot (or `namespace/name`) is the name of a Secret object.
    if concept in ("secret", "secrets") and ("-" in v or "." in v or "/" in v):
        head, _, tail = v.partition("/")
        if _OBJECT_NAME.fullmatch(head) and (not tail or _OBJECT_NAME.fullmatch(tail)):
            return True
    return False


# ============================================================================ detectors


def _extra_detectors() -> list[BasePlugin]:
    """Azure and generic formats detect-secrets has no plugin for, as detect-secrets plugins."""
    from detect_secrets.plugins.base import RegexBasedDetector

    class AzureStorageAccountKey(RegexBasedDetector):
        """A bare storage account key: 64 random bytes in base64 (88 characters)."""

        secret_type = "Azure Storage account key"
        denylist: ClassVar[list[re.Pattern[str]]] = [
            re.compile(r"(?<![A-Za-z0-9+/=-])([A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])")
        ]

    class AzureSharedAccessKey(RegexBasedDetector):
        """Service Bus, Event Hubs and IoT Hub connection strings."""

        secret_type = "Azure shared access key"
        denylist: ClassVar[list[re.Pattern[str]]] = [
            re.compile(r"SharedAccessKey=([A-Za-z0-9+/]{42,43}=)")
        ]

    class AzureSasToken(RegexBasedDetector):
        """A shared access signature: a signed URL query string."""

        secret_type = "Azure SAS token"
        denylist: ClassVar[list[re.Pattern[str]]] = [
            re.compile(r"\bsv=\d{4}-\d\d-\d\d&\S*?\bsig=([A-Za-z0-9%+/]{40,}(?:%3D|=)*)")
        ]

    class EntraClientSecret(RegexBasedDetector):
        """Microsoft Entra ID application client secrets (the `xxx8Q~` format)."""

        secret_type = "Microsoft Entra client secret"
        denylist: ClassVar[list[re.Pattern[str]]] = [
            re.compile(r"(?<![\w~.-])([\w.-]{3}\dQ~[\w~.-]{31,34})(?![\w~.-])")
        ]

    class BearerToken(RegexBasedDetector):
        """An HTTP Authorization header value."""

        secret_type = "Bearer token"
        denylist: ClassVar[list[re.Pattern[str]]] = [
            re.compile(r"\b[Bb][Ee][Aa][Rr][Ee][Rr]\s+([A-Za-z0-9._~+/-]{8,}=*)")
        ]

    return [
        AzureStorageAccountKey(),
        AzureSharedAccessKey(),
        AzureSasToken(),
        EntraClientSecret(),
        BearerToken(),
    ]


@dataclass(frozen=True)
class Gate:
    """A necessary condition for a plugin's patterns to match: one of these substrings is in
    the text (`lower`: in its lower-case form). Substring tests are much cheaper than the
    patterns, most of which fail slowly on ordinary text. No substrings: always admitted."""

    exact: tuple[str, ...] = ()
    lower: tuple[str, ...] = ()

    def admits(self, text: str, low: str) -> bool:
        if not self.exact and not self.lower:
            return True
        return any(s in text for s in self.exact) or any(s in low for s in self.lower)


# Plugin class -> the literal text each of its patterns requires.
GATES: Mapping[str, Gate] = {
    "AWSKeyDetector": Gate(("A3T", "ABIA", "ACCA", "AKIA", "ASIA"), ("aws",)),
    "ArtifactoryDetector": Gate(("AKC", "AP")),
    "AzureStorageKeyDetector": Gate(("AccountKey=",)),
    "BasicAuthDetector": Gate(("://",)),
    "DiscordBotTokenDetector": Gate((".",)),
    "GitHubTokenDetector": Gate(("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    "GitLabTokenDetector": Gate(("gl", "GR1348941")),
    "JwtTokenDetector": Gate(("eyJ",)),
    "MailchimpDetector": Gate(("-us",)),
    "NpmDetector": Gate((":_authToken=",)),
    "OpenAIDetector": Gate(("T3BlbkFJ",)),
    "PrivateKeyDetector": Gate(("PRIVATE KEY", "PuTTY-User-Key-File-2")),
    "PypiTokenDetector": Gate(("pypi-",)),
    "SendGridDetector": Gate(("SG.",)),
    "SlackDetector": Gate((), ("xox", "hooks.slack.com")),
    "SquareOAuthDetector": Gate(("sq0csp-",)),
    "StripeDetector": Gate(("k_live_",)),
    "TelegramBotTokenDetector": Gate((":",)),
    "TwilioKeyDetector": Gate(("AC", "SK")),
    "AzureStorageAccountKey": Gate(("==",)),
    "AzureSharedAccessKey": Gate(("SharedAccessKey=",)),
    "AzureSasToken": Gate(("sig=",)),
    "EntraClientSecret": Gate(("Q~",)),
    "BearerToken": Gate((), ("bearer",)),
}


@dataclass(frozen=True)
class _Engine:
    plugins: tuple[tuple[BasePlugin, tuple[re.Pattern[str], ...], Gate], ...]
    triggers: tuple[str, ...]  # one of these is in (the lower-case form of) every concept
    base64_entropy: BasePlugin
    hex_entropy: BasePlugin


@lru_cache(maxsize=1)
def _engine() -> _Engine:
    from detect_secrets.plugins.artifactory import ArtifactoryDetector
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.plugins.basic_auth import BasicAuthDetector
    from detect_secrets.plugins.discord import DiscordBotTokenDetector
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
    )
    from detect_secrets.plugins.jwt import JwtTokenDetector
    from detect_secrets.plugins.mailchimp import MailchimpDetector
    from detect_secrets.plugins.npm import NpmDetector
    from detect_secrets.plugins.openai import OpenAIDetector
    from detect_secrets.plugins.private_key import PrivateKeyDetector
    from detect_secrets.plugins.pypi_token import PypiTokenDetector
    from detect_secrets.plugins.sendgrid import SendGridDetector
    from detect_secrets.plugins.slack import SlackDetector
    from detect_secrets.plugins.square_oauth import SquareOAuthDetector
    from detect_secrets.plugins.stripe import StripeDetector
    from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
    from detect_secrets.plugins.twilio import TwilioKeyDetector

    # Left out: public IP addresses (not credentials), and the IBM Cloud, SoftLayer and
    # Cloudant plugins, whose generic `key: <40+ characters>` patterns name the wrong service.
    plugins: list[BasePlugin] = [
        AWSKeyDetector(),
        AzureStorageKeyDetector(),
        PrivateKeyDetector(),
        JwtTokenDetector(),
        BasicAuthDetector(),
        GitHubTokenDetector(),
        GitLabTokenDetector(),
        SlackDetector(),
        StripeDetector(),
        SendGridDetector(),
        TwilioKeyDetector(),
        NpmDetector(),
        PypiTokenDetector(),
        OpenAIDetector(),
        DiscordBotTokenDetector(),
        TelegramBotTokenDetector(),
        MailchimpDetector(),
        SquareOAuthDetector(),
        ArtifactoryDetector(),
        *_extra_detectors(),
    ]
    with_patterns = []
    for plugin in plugins:
        assert isinstance(plugin, RegexBasedDetector)
        gate = GATES.get(type(plugin).__name__, Gate())
        with_patterns.append((plugin, tuple(plugin.denylist), gate))
    triggers = list(_TRIGGERS)
    for concept in _concepts():
        word = "".join(concept)
        if not any(t in word for t in triggers):
            triggers.append(word)
    return _Engine(
        plugins=tuple(with_patterns),
        triggers=tuple(triggers),
        base64_entropy=Base64HighEntropyString(),
        hex_entropy=HexHighEntropyString(),
    )


_PEM_BODY = re.compile(  # a marker followed by at least 16 characters of base64 body
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----\s*(?:[\w-]+:.*\s+)*"
    r"([A-Za-z0-9+/=\s]{16,}?)-----END"
)
# key = value, key: value, "key": "value", --key=value, export KEY=value, Key=value; (DSN)
_ASSIGNMENT = re.compile(
    r"(?:(?<=-)D)?(?P<key>[^\W\d][\w.-]*)[\"']?[ \t]*(?::=|=>|=|:)[ \t]*"
    r"(?P<value>\"[^\"\n]*\"|'[^'\n]*'|`[^`\n]*`|[^\s\"'`,;&|)}\]]+)"
)
# Files whose `key: value` lines are not settings: nsswitch.conf maps databases (`passwd:`,
# `shadow:`) to sources (`files`, `compat`).
_NOT_ASSIGNMENTS = frozenset({"nsswitch.conf"})
_TOKEN_RUN = re.compile(r"[A-Za-z0-9+/=_.~-]{11,}")
_TRIGGERS = ("pass", "pwd", "secret", "token", "key", "cred", "conn", "sas")
_FLAG = re.compile(r"--?(?P<name>[^\W\d][\w.-]*)")


def _entropy_name(engine: _Engine, value: str) -> str:
    """Which kind of credential a value under a credential-named key looks like."""
    from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin

    for plugin in (engine.hex_entropy, engine.base64_entropy):
        assert isinstance(plugin, HighEntropyStringsPlugin)
        if len(value) >= 16 and all(ch in plugin.charset for ch in value):
            if plugin.calculate_shannon_entropy(value) > plugin.entropy_limit:
                return str(plugin.secret_type)
            break
    return "Secret Keyword"


def _keyword(engine: _Engine, key: str, raw: str, line: int | None) -> Detection | None:
    concept = credential_concept(key)
    if concept is None:
        return None
    value = _unquote(raw)
    if not_a_secret(value, concept):
        return None
    return Detection(_entropy_name(engine, value), key, line, digest(value))


def _matches(plugin: BasePlugin, line: str) -> Iterator[str]:
    """The credentials a pattern plugin finds in a line, whole. (detect-secrets' own
    `analyze_string` yields the first capture group, which for some plugins is only the
    token's prefix, such as `ghp`.)"""
    from detect_secrets.plugins.base import RegexBasedDetector

    if not isinstance(plugin, RegexBasedDetector) or (
        type(plugin).analyze_string is not RegexBasedDetector.analyze_string
    ):
        yield from plugin.analyze_string(line)  # a plugin that validates its matches (JWT)
        return
    for regex in plugin.denylist:
        for m in regex.finditer(line):
            groups = [g for g in m.groups() if g]
            longest = max(groups, key=len, default="")
            # the whole match, without the delimiters some patterns include
            yield longest if len(longest) >= 8 else m.group(0).strip(" \t\"'").lstrip("=:")


def _may_hold_token(text: str) -> bool:
    """Every pattern plugin needs a run of 11 or more token characters, a URL, or a Bearer
    header (whose token may be shorter)."""
    return "://" in text or _TOKEN_RUN.search(text) is not None or "bearer" in text.lower()


def _patterns(engine: _Engine, text: str) -> Iterator[tuple[int, str, str]]:
    """(line, detector, secret) for every pattern plugin that matches."""
    from detect_secrets.filters import heuristic

    if not _may_hold_token(text):
        return
    # A plugin's patterns searched over the whole value (one pass each, far faster than one
    # alternation of all of them) say which plugins need to look at the lines.
    low = text.lower()
    hits = [
        (plugin, gate)
        for plugin, patterns, gate in engine.plugins
        if gate.admits(text, low) and any(r.search(text) for r in patterns)
    ]
    if not hits:
        return
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        line_low = line.lower()
        for plugin, gate in hits:
            if not gate.admits(line, line_low):
                continue
            for secret in _matches(plugin, line):
                if plugin.secret_type == "Private Key":
                    m = _PEM_BODY.search("\n".join(lines[number - 1 :]))
                    if m is None:
                        continue
                    secret = "".join(m.group(1).split())
                if (
                    not secret
                    or heuristic.is_templated_secret(secret)
                    or heuristic.is_prefixed_with_dollar_sign(secret)
                    or heuristic.is_sequential_string(secret)
                    or any(mark in secret for mark in _REFERENCE_MARKS)
                ):
                    continue
                yield number, str(plugin.secret_type), secret


@lru_cache(maxsize=4096)
def scan_value(value: str, key: str | None = None) -> tuple[Detection, ...]:
    """Credentials in one value. `key` is the name it is assigned to (an env variable, a
    ConfigMap key, an annotation), if any. Multi-line values are read line by line, with the
    assignments inside them (`password = ...`, `"token": "..."`, `--secret=...`)."""
    if not value or value.isspace():
        return ()
    engine = _engine()
    multi = "\n" in value.strip()
    found: dict[tuple[int | None, str], Detection] = {}
    matched: list[str] = []  # what the pattern plugins found, to not report it twice

    def known(candidate: str) -> bool:
        v = _unquote(candidate)
        return any(v in m or m in v for m in matched)

    for number, detector, secret in _patterns(engine, value):
        line = number if multi else None
        if known(secret):  # one token found by two plugins (a JWT in a Bearer header)
            continue
        matched.append(secret)
        found.setdefault((line, secret), Detection(detector, key, line, digest(secret)))
    if key is not None and key.lower().rsplit("/", 1)[-1] in _NOT_ASSIGNMENTS:
        return tuple(found.values())
    if key is not None and not multi:
        d = _keyword(engine, key, value, None)
        if d is not None and not known(value):
            found[(None, value)] = d
            return tuple(found.values())
    low = value.lower()
    if any(t in low for t in engine.triggers):
        from detect_secrets.filters import heuristic

        for number, line_text in enumerate(value.split("\n"), start=1):
            line_low = line_text.lower()
            if not any(t in line_low for t in engine.triggers):
                continue
            # detect-secrets' indirect-reference filter (`password = get_password()`,
            # `secret = headers['x']`) needs a bracket; its regex is slow on long lines
            if ("(" in line_text or "[" in line_text) and heuristic.is_indirect_reference(
                line_text
            ):
                continue
            for m in _ASSIGNMENT.finditer(line_text):
                raw = m.group("value")
                d = _keyword(engine, m.group("key"), raw, number if multi else None)
                if d is not None and not known(raw):
                    matched.append(_unquote(raw))
                    found[(d.line, raw)] = d
    return tuple(found.values())


def scan_words(words: Sequence[str]) -> tuple[tuple[int, Detection], ...]:
    """Credentials in a command line (`command` or `args`): each word as a value, and a flag
    followed by its value as a separate word (`--password`, `hunter2`)."""
    engine = _engine()
    out: list[tuple[int, Detection]] = []
    for i, word in enumerate(words):
        out += [(i, d) for d in scan_value(word)]
        m = _FLAG.fullmatch(word)
        if m is not None and i + 1 < len(words) and not words[i + 1].startswith("-"):
            d = _keyword(engine, m.group("name"), words[i + 1], None)
            if d is not None and all(d.digest != seen.digest for _, seen in out):
                out.append((i + 1, d))
    return tuple(out)


__all__ = [
    "Detection",
    "credential_concept",
    "digest",
    "is_credential_name",
    "not_a_secret",
    "scan_value",
    "scan_words",
    "words_of",
]
