"""`kubeward secrets`: readers and origins of Secrets, from manifests written here."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kubeward.cli import main

PASSWORD = "Zx9vQ2mZp9LwK-command-test"
MANIFEST = f"""\
apiVersion: v1
kind: Secret
metadata: {{name: db, namespace: shop}}
stringData:
  password: {PASSWORD}
---
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata: {{name: kv, namespace: shop}}
spec:
  provider: azure
  secretObjects:
    - secretName: api-keys
      type: Opaque
      data: [{{objectName: key, key: key}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: api, namespace: shop}}
spec:
  imagePullSecrets: [{{name: acr}}]
  containers:
    - name: api
      image: shop/api:1
      env:
        - name: DB_PASSWORD
          valueFrom: {{secretKeyRef: {{name: db, key: password}}}}
      envFrom:
        - secretRef: {{name: api-keys}}
"""


def run(tmp_path: Path, *args: str) -> tuple[int, str]:
    path = tmp_path / "app.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    result = CliRunner().invoke(main, ["secrets", str(path), *args])
    return result.exit_code, result.stdout


def test_json_lists_every_secret_with_its_origin_and_readers(tmp_path: Path) -> None:
    code, out = run(tmp_path, "-f", "json")
    assert code == 0
    by_name = {s["name"]: s for s in json.loads(out)["secrets"]}
    assert set(by_name) == {"db", "api-keys", "acr"}
    db = by_name["db"]
    assert db["origin"] == "manifest with 1 value(s) committed" and db["line"] == 1
    assert [(r["object"], r["container"], r["how"]) for r in db["readers"]] == [
        ("Pod shop/api", "api", "env DB_PASSWORD (key password)")
    ]
    assert by_name["api-keys"]["origin"] == "made by SecretProviderClass kv"
    assert by_name["api-keys"]["readers"][0]["how"] == "envFrom[0]"
    assert by_name["acr"]["origin"] == "not in the input"
    assert by_name["acr"]["readers"][0]["how"] == "imagePullSecrets"


def test_text_never_shows_a_value(tmp_path: Path) -> None:
    code, out = run(tmp_path)
    assert code == 0
    assert "Secret shop/db: manifest with 1 value(s) committed" in out
    assert out.strip().endswith("3 Secret(s), 3 read by objects of the input")
    assert PASSWORD not in out and PASSWORD not in run(tmp_path, "-f", "json")[1]


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["secrets", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
