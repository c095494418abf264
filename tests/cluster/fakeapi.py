"""A Kubernetes API server stand-in on loopback, for live-scan tests and benchmarks.

It speaks the part of the list API kubeward uses, over real HTTPS with a certificate made
here: `GET /version`, `GET /api/v1/<plural>`, `/apis/<group>/<version>/<plural>` and their
`/namespaces/<ns>/` forms, JSON lists with `limit` and `metadata.continue`, and, on request,
the failures a real cluster shows: 403 for kinds the caller may not list, 410 Gone for an
expired continue token, 500 once, slow responses. Authentication is a bearer token or a
client certificate signed by the server's CA. Objects come from lists, or from a function
(index -> object) so that a large synthetic cluster is never held in memory at once.

Everything binds to 127.0.0.1 and the server is stopped by whoever started it (`stop()`, or
use it as a context manager).
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Obj = dict[str, Any]


@dataclass
class Source:
    """The objects of one resource (plural): a list, or `count` objects made by `make(i)`."""

    items: Sequence[Obj] = ()
    make: Callable[[int], Obj] | None = None
    count: int = 0

    def __len__(self) -> int:
        return self.count if self.make is not None else len(self.items)

    def get(self, i: int) -> Obj:
        return self.make(i) if self.make is not None else self.items[i]


@dataclass
class Behaviour:
    forbidden: set[str] = field(default_factory=set)  # plurals answered with 403
    expire_once: set[str] = field(default_factory=set)  # first continue request: 410
    fail_once: set[str] = field(default_factory=set)  # first request: 500
    slow_once: dict[str, float] = field(default_factory=dict)  # first request sleeps
    max_limit: int = 500  # the server caps `limit` like the API server's default page
    version: str = "v1.29.4"


# ============================================================================ certificates


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass
class Pki:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM."""

    ca_pem: bytes
    server_cert_pem: bytes
    server_key_pem: bytes
    client_cert_pem: bytes
    client_key_pem: bytes

    @classmethod
    def make(cls) -> Pki:
        now = datetime.datetime.now(datetime.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = (
            x509.CertificateBuilder()
            .subject_name(_name("kubeward-test-ca"))
            .issuer_name(_name("kubeward-test-ca"))
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )

        def leaf(cn: str, server: bool) -> tuple[bytes, bytes]:
            key = ec.generate_private_key(ec.SECP256R1())
            builder = (
                x509.CertificateBuilder()
                .subject_name(_name(cn))
                .issuer_name(ca.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                    critical=False,
                )
                .add_extension(
                    x509.ExtendedKeyUsage(
                        [
                            x509.oid.ExtendedKeyUsageOID.SERVER_AUTH
                            if server
                            else x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH
                        ]
                    ),
                    critical=False,
                )
            )
            if server:
                builder = builder.add_extension(
                    x509.SubjectAlternativeName(
                        [
                            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                            x509.DNSName("localhost"),
                        ]
                    ),
                    critical=False,
                )
            cert = builder.sign(ca_key, hashes.SHA256())
            key_pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return cert.public_bytes(serialization.Encoding.PEM), key_pem

        server_cert, server_key = leaf("127.0.0.1", True)
        client_cert, client_key = leaf("kubeward-tester", False)
        return cls(
            ca.public_bytes(serialization.Encoding.PEM),
            server_cert,
            server_key,
            client_cert,
            client_key,
        )


# ============================================================================ server


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class FakeApiServer:
    """The stand-in API server. `resources` maps (group, version, plural) to a Source."""

    def __init__(
        self,
        resources: Mapping[tuple[str, str, str], Source],
        *,
        token: str | None = "test-token",
        behaviour: Behaviour | None = None,
        pki: Pki | None = None,
    ) -> None:
        # Every kind a real API server serves answers, empty unless given objects.
        self.resources = {key: Source() for key in PLURALS.values()}
        self.resources.update(resources)
        self.token = token
        self.behaviour = behaviour or Behaviour()
        self.pki = pki or Pki.make()
        self.requests: list[tuple[str, dict[str, list[str]], str | None]] = []
        self._once: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._dir = tempfile.TemporaryDirectory(prefix="kubeward-fakeapi-")
        d = Path(self._dir.name)
        (d / "server.crt").write_bytes(self.pki.server_cert_pem)
        (d / "server.key").write_bytes(self.pki.server_key_pem)
        (d / "ca.crt").write_bytes(self.pki.ca_pem)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(d / "server.crt", d / "server.key")
        ctx.load_verify_locations(d / "ca.crt")
        ctx.verify_mode = ssl.CERT_OPTIONAL  # client certificates are one way to log in
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)
        self._dir.cleanup()

    def __enter__(self) -> FakeApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._httpd.server_address[1]}"

    # ------------------------------------------------------------------ kubeconfig

    def kubeconfig(
        self,
        path: Path,
        *,
        user: Mapping[str, Any] | None = None,
        context: str = "test",
        cluster: str = "fake-aks",
    ) -> Path:
        """Write a kubeconfig for this server; `user` defaults to the bearer token."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster,
                    "cluster": {
                        "server": self.url,
                        "certificate-authority-data": _b64(self.pki.ca_pem),
                    },
                }
            ],
            "users": [{"name": "tester", "user": dict(user or {"token": self.token})}],
            "contexts": [{"name": context, "context": {"cluster": cluster, "user": "tester"}}],
            "current-context": context,
        }
        path.write_text(json.dumps(config), encoding="utf-8")
        return path

    def client_cert_user(self) -> dict[str, str]:
        return {
            "client-certificate-data": _b64(self.pki.client_cert_pem),
            "client-key-data": _b64(self.pki.client_key_pem),
        }

    # ------------------------------------------------------------------ behaviour

    def first_time(self, what: str, plural: str) -> bool:
        with self._lock:
            if (what, plural) in self._once:
                return False
            self._once.add((what, plural))
            return True

    def requests_for(self, plural: str) -> list[dict[str, list[str]]]:
        return [q for p, q, _ in self.requests if p.rstrip("/").endswith("/" + plural)]


def _handler(server: FakeApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: Obj, headers: Mapping[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _status(self, code: int, reason: str, message: str) -> None:
            self._send(
                code,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "message": message,
                    "reason": reason,
                    "code": code,
                },
            )

        def _authorised(self) -> bool:
            if server.token is None:
                return True
            if self.headers.get("Authorization") == f"Bearer {server.token}":
                return True
            cert = (
                self.connection.getpeercert() if hasattr(self.connection, "getpeercert") else None
            )
            return bool(cert)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = parse_qs(url.query)
            server.requests.append((url.path, query, self.headers.get("Authorization")))
            if not self._authorised():
                self._status(401, "Unauthorized", "Unauthorized")
                return
            if url.path == "/version":
                self._send(
                    200, {"major": "1", "minor": "29", "gitVersion": server.behaviour.version}
                )
                return
            target = _route(url.path)
            if target is None or target[0] not in server.resources:
                self._status(404, "NotFound", "the server could not find the requested resource")
                return
            key, namespace = target
            plural = key[2]
            b = server.behaviour
            if plural in b.forbidden:
                self._status(
                    403,
                    "Forbidden",
                    f'{plural} is forbidden: User "tester" cannot list resource "{plural}"',
                )
                return
            if plural in b.fail_once and server.first_time("fail", plural):
                self._status(500, "InternalError", "etcd is having a bad day")
                return
            if plural in b.slow_once and server.first_time("slow", plural):
                time.sleep(b.slow_once[plural])
            token = (query.get("continue") or [""])[0]
            if token and plural in b.expire_once and server.first_time("expire", plural):
                self._status(
                    410,
                    "Expired",
                    "The provided continue parameter is too old to display a consistent list "
                    "result. You can start a new list without the continue parameter.",
                )
                return
            start = int(base64.b64decode(token).decode().split(":")[1]) if token else 0
            limit = int((query.get("limit") or ["0"])[0]) or b.max_limit
            limit = min(limit, b.max_limit)
            source = server.resources[key]
            items: list[Obj] = []
            i = start
            while i < len(source) and len(items) < limit:
                obj = source.get(i)
                i += 1
                if namespace is None or obj.get("metadata", {}).get("namespace") == namespace:
                    items.append(obj)
            meta: Obj = {"resourceVersion": "12345"}
            if i < len(source):
                meta["continue"] = base64.b64encode(f"{plural}:{i}".encode()).decode()
            group, version, _ = key
            api_version = f"{group}/{version}" if group else version
            self._send(
                200, {"kind": "List", "apiVersion": api_version, "metadata": meta, "items": items}
            )

    return Handler


def _route(path: str) -> tuple[tuple[str, str, str], str | None] | None:
    parts = [p for p in path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = None
    if len(rest) == 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    if len(rest) != 1:
        return None
    return (group, version, rest[0]), namespace


# ============================================================================ serving objects


PLURALS = {
    "Namespace": ("", "v1", "namespaces"),
    "Node": ("", "v1", "nodes"),
    "Pod": ("", "v1", "pods"),
    "Service": ("", "v1", "services"),
    "ServiceAccount": ("", "v1", "serviceaccounts"),
    "ConfigMap": ("", "v1", "configmaps"),
    "Secret": ("", "v1", "secrets"),
    "PersistentVolumeClaim": ("", "v1", "persistentvolumeclaims"),
    "PersistentVolume": ("", "v1", "persistentvolumes"),
    "ResourceQuota": ("", "v1", "resourcequotas"),
    "LimitRange": ("", "v1", "limitranges"),
    "ReplicationController": ("", "v1", "replicationcontrollers"),
    "Deployment": ("apps", "v1", "deployments"),
    "StatefulSet": ("apps", "v1", "statefulsets"),
    "DaemonSet": ("apps", "v1", "daemonsets"),
    "ReplicaSet": ("apps", "v1", "replicasets"),
    "Job": ("batch", "v1", "jobs"),
    "CronJob": ("batch", "v1", "cronjobs"),
    "PodDisruptionBudget": ("policy", "v1", "poddisruptionbudgets"),
    "HorizontalPodAutoscaler": ("autoscaling", "v2", "horizontalpodautoscalers"),
    "NetworkPolicy": ("networking.k8s.io", "v1", "networkpolicies"),
    "Ingress": ("networking.k8s.io", "v1", "ingresses"),
    "IngressClass": ("networking.k8s.io", "v1", "ingressclasses"),
    "Role": ("rbac.authorization.k8s.io", "v1", "roles"),
    "RoleBinding": ("rbac.authorization.k8s.io", "v1", "rolebindings"),
    "ClusterRole": ("rbac.authorization.k8s.io", "v1", "clusterroles"),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "v1", "clusterrolebindings"),
    "PriorityClass": ("scheduling.k8s.io", "v1", "priorityclasses"),
    "StorageClass": ("storage.k8s.io", "v1", "storageclasses"),
    "ValidatingWebhookConfiguration": (
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
    ),
    "MutatingWebhookConfiguration": (
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
    ),
}


def serve(objects: Sequence[Obj]) -> dict[tuple[str, str, str], Source]:
    """Group objects by resource, as the API server returns them: list items carry no
    apiVersion and kind (the list does)."""
    grouped: dict[tuple[str, str, str], list[Obj]] = {}
    for obj in objects:
        key = PLURALS[obj["kind"]]
        item = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
        grouped.setdefault(key, []).append(item)
    return {k: Source(items=v) for k, v in grouped.items()}
