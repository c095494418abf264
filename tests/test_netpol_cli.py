"""`kubeward netpol list|explain|diff`: outputs, exit codes and errors.

The scene below is small enough to work out by hand from the NetworkPolicy specification:
shop has a default deny for ingress; api admits frontend on TCP 8080; frontend is open;
an Ingress routes to frontend's Service port 80 (target port 8080).
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from kubeward.cli import main

SCENE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, namespace: shop}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers: [{name: web, image: web:1, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: api:1}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: frontend}}
  ingress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-in, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: frontend}}}]
      ports: [{port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: frontend, namespace: shop}
spec:
  selector: {app: frontend}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: frontend, port: {number: 80}}}}
"""

FRONTEND, API = "shop/frontend[Deployment]", "shop/api[Deployment]"
WORLD = "0.0.0.0-255.255.255.255[External]"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def write(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_list_txt(tmp_path: Path) -> None:
    path = write(tmp_path, "scene.yaml", SCENE)
    result = run("netpol", "list", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == sorted(
        [
            f"{WORLD} => {FRONTEND} : All Connections",
            f"{API} => {WORLD} : All Connections",
            f"{API} => {FRONTEND} : All Connections",
            f"{FRONTEND} => {WORLD} : All Connections",
            f"{FRONTEND} => {API} : TCP 8080",
            f"{{ingress-controller}} => {FRONTEND} : TCP 8080",
        ]
    )


def test_list_json_and_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "scene.yaml", SCENE)
    data = json.loads(run("netpol", "list", path, "-f", "json").stdout)
    assert {"src": FRONTEND, "dst": API, "conn": "TCP 8080"} in data
    csv_lines = run("netpol", "list", path, "-f", "csv").stdout.splitlines()
    assert csv_lines[0] == "src,dst,conn"
    assert f"{FRONTEND},{API},TCP 8080" in csv_lines


def test_list_exposure(tmp_path: Path) -> None:
    path = write(tmp_path, "scene.yaml", SCENE)
    out = run("netpol", "list", path, "--exposure").stdout
    # frontend admits every source: the entire cluster; api only frontend (in the input).
    assert "Exposure Analysis Result:" in out
    assert f"{FRONTEND} \t<= \tentire-cluster : All Connections" in out
    assert f"{API} is not protected on Egress" in out
    assert f"{API} is not protected on Ingress" not in out


def test_explain_port_allowed_and_denied(tmp_path: Path) -> None:
    path = write(tmp_path, "scene.yaml", SCENE)
    ok = run("netpol", "explain", "shop/frontend", "api", path, "--port", "8080")
    assert ok.exit_code == 0, ok.output
    assert "ALLOWED" in ok.stdout
    assert "allowed by shop/api-in ingress[0]" in ok.stdout
    denied = run("netpol", "explain", "frontend", "api", path, "--port", "9090/TCP")
    assert denied.exit_code == 1
    assert "DENIED" in denied.stdout and "ingress denies 9090/TCP" in denied.stdout
    back = run("netpol", "explain", "api", "frontend", path, "-f", "json")
    data = json.loads(back.stdout)
    assert data["allowed"] is True and data["connections"] == "All Connections"
    assert data["ingress"]["isolated_by"] == ["shop/default-deny", "shop/frontend-in"]


def test_explain_unknown_workload_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, "scene.yaml", SCENE)
    result = run("netpol", "explain", "nope", "api", path)
    assert result.exit_code == 2
    assert "no workload named 'nope'" in result.stderr


def test_diff(tmp_path: Path) -> None:
    old = write(tmp_path, "old/scene.yaml", SCENE)
    new = write(
        tmp_path, "new/scene.yaml", SCENE.replace("ports: [{port: 8080}]", "ports: [{port: 9090}]")
    )
    same = run("netpol", "diff", str(Path(old).parent), str(Path(old).parent))
    assert same.exit_code == 0 and same.stdout == "Connectivity diff:\n"
    result = run("netpol", "diff", str(Path(old).parent), str(Path(new).parent))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        f"diff-type: changed, source: {FRONTEND}, destination: {API}, "
        "ref1: TCP 8080, ref2: TCP 9090"
    ]


def test_invalid_policy_is_an_input_error(tmp_path: Path) -> None:
    text = SCENE.replace("ports: [{port: 8080}]", "ports: [{port: 8080, protocol: HTTP}]")
    path = write(tmp_path, "scene.yaml", text)
    result = run("netpol", "list", path)
    assert result.exit_code == 2
    assert "unknown protocol 'HTTP'" in result.stderr
    # The refused policy does not exist: api is isolated by the default deny only.
    assert f"{FRONTEND} => {API}" not in result.stdout


def test_tab_inside_flow_sequence_is_read_as_go_yaml_reads_it(tmp_path: Path) -> None:
    # A line of a flow sequence that starts with a tab (as in three files of the
    # netpol-analyzer corpus): YAML forbids tabs in indentation, but inside flow collections
    # libyaml, like go-yaml, takes them as separating white space. Tabs that indent block
    # content stay an error with a hint.
    flow = SCENE.replace(
        "containers: [{name: api, image: api:1}]",
        "containers:\n        [\n\t    {name: api, image: api:1},\n        ]",
    )
    path = write(tmp_path, "flow.yaml", flow)
    result = run("netpol", "list", path)
    assert result.exit_code == 0, result.stderr
    assert f"{FRONTEND} => {API} : TCP 8080" in result.stdout
    block = write(tmp_path, "block.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n")
    bad = run("netpol", "list", block)
    assert bad.exit_code == 2
    assert "tabs cannot indent YAML" in bad.stderr
