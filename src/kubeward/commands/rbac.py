"""`kubeward rbac`: who can do what, what a subject can do, and how it can escalate.

    kubeward rbac who-can VERB RESOURCE[/SUBRESOURCE] [-n NS] [--name NAME] PATH...
    kubeward rbac can SUBJECT VERB RESOURCE [-n NS] [--name NAME] PATH...
    kubeward rbac subject SUBJECT PATH...
    kubeward rbac paths PATH...

Parse, call `analysis.rbac`, render. No analysis here.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from kubeward.analysis.rbac import (
    CAPABILITIES,
    Decision,
    Grant,
    Identity,
    Permission,
    RbacGraph,
    Request,
    parse_identity,
    parse_request,
)
from kubeward.config import Config
from kubeward.findings import InputError
from kubeward.loaders.manifests import DEFAULT_MAX_FILE_SIZE
from kubeward.model.rbac import MASTERS, Binding, Subject
from kubeward.reporters import text as text_report
from kubeward.rules import default_catalogue
from kubeward.scan import Engine

EXIT_OK, EXIT_NO, EXIT_ERROR = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _safe(value: object) -> str:
    """Text from the input: neither rich markup nor control characters."""
    return escape(text_report.printable(str(value)))


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _fail(message: str) -> None:
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"kubeward: error: {message}", markup=False
    )
    sys.exit(EXIT_ERROR)


def _size(text: str) -> int:
    from kubeward.cli import _size as parse_size  # one parser for every command

    return parse_size(text)


def _load(paths: Sequence[str], max_file_size: str) -> tuple[RbacGraph, list[InputError]]:
    """Read the manifests (the same loader and model as `kubeward scan`) into a graph."""
    engine = Engine(default_catalogue(), Config(), only=[])
    engine.add_paths(paths, _size(max_file_size))
    report = engine.finish()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for e in report.errors:
        line = text_report.printable(e.one_line())
        err.print(f"kubeward: {line}", markup=False, style="yellow" if e.warning else "red")
    graph = RbacGraph.from_resources(engine.resources, engine.workloads)
    return graph, report.failed_inputs


def _request(verb: str, target: str, namespace: str | None, name: str | None) -> Request:
    try:
        request, notes = parse_request(verb, target, namespace, name or "")
    except ValueError as err:
        _fail(str(err))
        raise AssertionError from None  # unreachable: _fail exits
    for note in notes:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"kubeward: note: {note}", markup=False
        )
    return request


def _identity(text: str, groups: Iterable[str] = ()) -> Identity:
    try:
        return parse_identity(text, groups)
    except ValueError as err:
        _fail(str(err))
        raise AssertionError from None


def _where(request: Request) -> str:
    if not request.namespaced:
        return "cluster-wide" if request.resource else ""
    return f"in namespace {request.namespace}" if request.namespace else "in all namespaces"


def _scope(scope: str | None) -> str:
    return "cluster-wide" if scope is None else f"in namespace {scope}"


def _location(binding: Binding) -> str:
    res = binding.resource
    if res is None:
        return "built in"
    return f"{res.source.file}:{res.source.line}" if res.source.line else res.source.file


def _binding_json(binding: Binding) -> dict[str, Any]:
    res = binding.resource
    return {
        "kind": binding.kind,
        "namespace": binding.namespace,
        "name": binding.name,
        "roleRef": {"kind": binding.role_ref.kind, "name": binding.role_ref.name},
        "file": res.source.file if res else None,
        "line": res.source.line if res else None,
        "builtin": res is None,
    }


def _subject_json(subject: Subject) -> dict[str, Any]:
    return {"kind": subject.kind, "name": subject.name, "namespace": subject.namespace}


def _grant_json(g: Grant) -> dict[str, Any]:
    return {
        "subject": _subject_json(g.subject),
        "scope": g.scope,
        "binding": _binding_json(g.binding),
        "role": {"kind": g.role.kind, "namespace": g.role.namespace, "name": g.role.name},
        "rules": [
            {
                "role": s.role.display,
                "index": s.rule.index,
                "builtin": s.role.resource is None,
                "text": s.rule.text(limit=1000),
            }
            for s in g.sources
        ],
    }


def _request_json(request: Request) -> dict[str, Any]:
    return {
        "verb": request.verb,
        "resource": request.resource or None,
        "subresource": request.subresource or None,
        "apiGroup": request.group if request.resource else None,
        "name": request.name or None,
        "namespace": request.namespace or None,
        "url": request.url or None,
    }


def _print_grant(out: Console, g: Grant, indent: str = "    ") -> None:
    out.print(f"{indent}{_safe(g.text())}  [dim]{_safe(_location(g.binding))}[/]")


def _unresolved_note(out: Console, graph: RbacGraph) -> None:
    missing = graph.unresolved()
    if missing:
        names = ", ".join(sorted({f"{b.role_ref.kind} {b.role_ref.name}" for b in missing})[:5])
        out.print(
            f"[dim]{len(missing)} binding(s) refer to roles that are not in the input and not "
            f"built in ({_safe(names)}); their grants are unknown here.[/]"
        )


def _common(func: Any) -> Any:
    func = click.option(
        "--max-file-size",
        default=f"{DEFAULT_MAX_FILE_SIZE // (1024 * 1024)}MB",
        show_default=True,
        help="Refuse files larger than this.",
    )(func)
    func = click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
    )(func)
    return func


@click.group(context_settings=CONTEXT)
def rbac() -> None:
    """Who can do what: the RBAC authorizer over the Roles and bindings in manifests.

    Roles, ClusterRoles, RoleBindings and ClusterRoleBindings are evaluated exactly as the
    API server's RBAC authorizer does; the built-in roles (cluster-admin, admin, edit, view)
    and the bindings every cluster has for system:authenticated are known without being in
    the input.
    """


# ------------------------------------------------------------------------------ who-can


@rbac.command("who-can", context_settings=CONTEXT)
@click.argument("verb")
@click.argument("resource", metavar="RESOURCE[/SUBRESOURCE]|/URL")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("-n", "--namespace", metavar="NS", help="Namespace of the request.")
@click.option("--name", metavar="NAME", help="Name of the object (for rules with resourceNames).")
@_common
def who_can(
    verb: str,
    resource: str,
    paths: tuple[str, ...],
    namespace: str | None,
    name: str | None,
    fmt: str,
    max_file_size: str,
) -> None:
    """Every subject allowed VERB on RESOURCE, with the binding and role that grant it.

    RESOURCE is as kubectl writes it: pods, pods/exec, deployments.apps, or a
    non-resource URL such as /healthz. Without -n, a namespaced resource is
    answered for every namespace: ClusterRoleBindings apply everywhere, each
    RoleBinding in its own namespace (shown as the scope).
    """
    request = _request(verb, resource, namespace, name)
    graph, failed = _load(paths, max_file_size)
    grants = graph.who_can(request, anywhere=True)
    if fmt == "json":
        data = {
            "request": _request_json(request),
            "grants": [_grant_json(g) for g in grants],
            "unresolved": [_binding_json(b) for b in graph.unresolved()],
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        out = _out()
        by_subject: dict[str, list[Grant]] = defaultdict(list)
        for g in grants:
            by_subject[g.subject.display].append(g)
        where = _where(request)
        out.print(
            f"[bold]Who can {_safe(request.text)}{' ' + where if where else ''}[/]: "
            f"{len(by_subject)} subject(s)"
        )
        for subject in sorted(by_subject):
            scopes = sorted({_scope(g.scope) for g in by_subject[subject]})
            out.print(f"  [bold]{_safe(subject)}[/] ({', '.join(scopes)})")
            for g in by_subject[subject]:
                _print_grant(out, g)
        out.print(
            f"[dim]Members of group {MASTERS} may do anything: RBAC does not apply to them.[/]"
        )
        _unresolved_note(out, graph)
    sys.exit(EXIT_ERROR if failed else EXIT_OK)


# ---------------------------------------------------------------------------------- can


@rbac.command("can", context_settings=CONTEXT)
@click.argument("subject")
@click.argument("verb")
@click.argument("resource", metavar="RESOURCE[/SUBRESOURCE]|/URL")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("-n", "--namespace", metavar="NS", help="Namespace of the request.")
@click.option("--name", metavar="NAME", help="Name of the object (for rules with resourceNames).")
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="GROUP",
    help="A group the subject belongs to (repeatable), as the identity provider says.",
)
@_common
def can(
    subject: str,
    verb: str,
    resource: str,
    paths: tuple[str, ...],
    namespace: str | None,
    name: str | None,
    groups: tuple[str, ...],
    fmt: str,
    max_file_size: str,
) -> None:
    """Whether SUBJECT may do VERB on RESOURCE, and why. Exit code 0 yes, 1 no.

    SUBJECT is user:NAME, group:NAME or sa:NAMESPACE/NAME. Users are in
    system:authenticated, ServiceAccounts also in system:serviceaccounts and
    system:serviceaccounts:NAMESPACE. Without -n, a namespaced request is for all
    namespaces at once (only ClusterRoleBindings count); the namespaces where a
    RoleBinding allows it are listed too.
    """
    identity = _identity(subject, groups)
    request = _request(verb, resource, namespace, name)
    graph, failed = _load(paths, max_file_size)
    decision = graph.authorize(identity, request)
    elsewhere: dict[str, Decision] = {}
    if not decision.allowed and request.namespaced and not request.namespace:
        namespaces = sorted({b.namespace for b in graph.bindings if b.namespace})
        for ns in namespaces:
            d = graph.authorize(identity, _in(request, ns))
            if d.allowed:
                elsewhere[ns] = d
    if fmt == "json":
        data = {
            "subject": identity.label,
            "user": identity.user,
            "groups": sorted(identity.groups),
            "request": _request_json(request),
            "allowed": decision.allowed,
            "superuser": decision.superuser,
            "grants": [_grant_json(g) for g in decision.grants],
            "allowedInNamespaces": {
                ns: [_grant_json(g) for g in d.grants] for ns, d in elsewhere.items()
            },
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        out = _out()
        where = _where(request)
        what = f"{_safe(identity.label)} {_safe(request.text)}{' ' + where if where else ''}"
        if decision.superuser:
            out.print(f"[bold green]yes[/]: {what}: member of {MASTERS}, which bypasses RBAC")
        elif decision.allowed:
            out.print(f"[bold green]yes[/]: {what}, allowed by:")
            for g in decision.grants:
                _print_grant(out, g)
        else:
            out.print(f"[bold red]no[/]: {what}: no binding of the subject allows it")
            for ns, d in elsewhere.items():
                out.print(f"  but allowed in namespace {_safe(ns)} by:")
                for g in d.grants:
                    _print_grant(out, g)
        out.print(f"[dim]groups: {_safe(', '.join(sorted(identity.groups)) or '(none)')}[/]")
        _unresolved_note(out, graph)
    if failed:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_OK if decision.allowed else EXIT_NO)


def _in(request: Request, namespace: str) -> Request:
    return Request(
        request.verb,
        request.resource,
        request.subresource,
        request.group,
        request.name,
        namespace,
        request.url,
    )


# ------------------------------------------------------------------------------ subject


@rbac.command("subject", context_settings=CONTEXT)
@click.argument("subject")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--group",
    "groups",
    multiple=True,
    metavar="GROUP",
    help="A group the subject belongs to (repeatable).",
)
@_common
def subject_command(
    subject: str,
    paths: tuple[str, ...],
    groups: tuple[str, ...],
    fmt: str,
    max_file_size: str,
) -> None:
    """Everything SUBJECT may do: merged per scope and resource, its risky rights,
    and the ServiceAccounts it can act as.

    SUBJECT is user:NAME, group:NAME or sa:NAMESPACE/NAME.
    """
    identity = _identity(subject, groups)
    graph, failed = _load(paths, max_file_size)
    permissions = graph.permissions(identity)
    risky = graph.essential(cg for cg, _ in graph.capabilities_of(identity, CAPABILITIES))
    escalations = [p for p in graph.risky_paths() if p.source == identity.label]
    steps = [s for s in graph.escalations() if s.source == identity.label]
    if fmt == "json":
        data = {
            "subject": identity.label,
            "user": identity.user,
            "groups": sorted(identity.groups),
            "superuser": identity.superuser,
            "permissions": [_permission_json(p) for p in permissions],
            "risky": [
                {
                    "capability": cg.capability.key,
                    "text": cg.capability.text,
                    "scope": cg.scope,
                    "binding": _binding_json(cg.binding),
                    "rules": cg.rules_text(),
                }
                for cg in risky
            ],
            "canActAs": [
                {
                    "account": s.gained,
                    "how": s.how,
                    "certain": s.certain,
                    "binding": _binding_json(s.grant.binding),
                }
                for s in steps
            ],
            "escalations": [{"path": p.chain(), "certain": p.certain} for p in escalations],
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        _subject_text(identity, permissions, risky, steps, escalations, graph)
    sys.exit(EXIT_ERROR if failed else EXIT_OK)


def _permission_json(p: Permission) -> dict[str, Any]:
    return {
        "scope": p.scope,
        "apiGroup": p.group,
        "resource": p.resource if p.group is not None else None,
        "url": p.resource if p.group is None else None,
        "resourceNames": list(p.names),
        "verbs": list(p.verbs),
        "via": list(p.via),
    }


def _subject_text(
    identity: Identity,
    permissions: list[Permission],
    risky: list[Any],
    steps: list[Any],
    escalations: list[Any],
    graph: RbacGraph,
) -> None:
    out = _out()
    user = f"user {identity.user}" if identity.user else "any member"
    out.print(
        f"[bold]{_safe(identity.label)}[/] ({_safe(user)}; groups "
        f"{_safe(', '.join(sorted(identity.groups)) or '(none)')})"
    )
    if identity.superuser:
        out.print(f"  member of {MASTERS}: may do anything, RBAC does not apply")
        return
    if not permissions:
        out.print("  no permissions granted by the input or the built-in bindings")
    scopes: dict[str, list[Permission]] = defaultdict(list)
    for p in permissions:
        key = "non-resource URLs" if p.group is None else _scope(p.scope)
        scopes[key].append(p)
    for scope in sorted(scopes, key=lambda s: (s != "cluster-wide", s)):
        out.print(f"  [bold]{_safe(scope)}[/]")
        # One line per (API group, verbs, names, grants): the resources they cover.
        lines: dict[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], list[str]]
        lines = defaultdict(list)
        for p in scopes[scope]:
            lines[(p.group or "", p.verbs, p.names, p.via)].append(p.resource)
        for (group, verbs, names, via), resources in lines.items():
            what = ", ".join(resources) + (f" ({group})" if group else "")
            if names:
                what += f" named {','.join(names)}"
            out.print(f"    {_safe(','.join(verbs))} on {_safe(what)}")
            out.print(f"      [dim]{_safe('; '.join(via))}[/]")
    if risky:
        out.print("  [bold]risky rights[/]")
        for cg in risky:
            out.print(
                f"    {_safe(cg.capability.text)} {_safe(cg.scope_text)} "
                f"[dim]({_safe(cg.binding.display)})[/]"
            )
    if steps:
        out.print("  [bold]can act as[/]")
        for s in sorted(steps, key=lambda s: s.gained):
            maybe = "" if s.certain else " (if it has a token Secret)"
            out.print(f"    {_safe(s.gained)}: {_safe(s.how)}{maybe}")
    if escalations:
        out.print("  [bold red]escalation paths[/]")
        for p in escalations:
            out.print(f"    {_safe(p.chain())}")
    _unresolved_note(out, graph)


# -------------------------------------------------------------------------------- paths


@rbac.command("paths", context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--risky", is_flag=True, help="Only the paths that end in more powerful rights.")
@_common
def paths_command(paths: tuple[str, ...], risky: bool, fmt: str, max_file_size: str) -> None:
    """Escalation paths: subject -> capability -> ServiceAccount it can act as.

    A subject that can create pods (or change workloads) in a namespace can run
    as any ServiceAccount there; one that can read Secrets can take their tokens;
    token creation, impersonation and exec into pods that mount a token do the
    same. Paths that end in rights the subject does not hold (cluster-wide or in
    kube-system) are marked risky (rule RBAC024). Exit code 1 when there are any.
    """
    graph, failed = _load(paths, max_file_size)
    steps = [] if risky else graph.escalations()
    found = graph.risky_paths()
    if fmt == "json":
        data = {
            "steps": [
                {
                    "source": s.source,
                    "account": s.gained,
                    "how": s.how,
                    "certain": s.certain,
                    "capability": s.capability.key,
                    "binding": _binding_json(s.grant.binding),
                }
                for s in steps
            ],
            "risky": [
                {
                    "path": p.chain(),
                    "certain": p.certain,
                    "gains": [
                        {
                            "capability": cg.capability.key,
                            "scope": cg.scope,
                            "binding": _binding_json(cg.binding),
                        }
                        for cg in graph.essential(cg for cg, _ in p.gains)
                    ],
                }
                for p in found
            ],
        }
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        out = _out()
        by_source: dict[str, list[Any]] = defaultdict(list)
        for s in steps:
            by_source[s.source].append(s)
        for source in sorted(by_source):
            out.print(f"[bold]{_safe(source)}[/]")
            for s in sorted(by_source[source], key=lambda s: s.gained):
                maybe = "" if s.certain else " (if it has a token Secret)"
                out.print(
                    f"  -> {_safe(s.gained)}: {_safe(s.how)}{maybe} "
                    f"[dim]({_safe(s.grant.binding.display)})[/]"
                )
        if found:
            out.print(f"[bold red]{len(found)} risky path(s)[/]")
            for p in found:
                gains = ", ".join(
                    dict.fromkeys(
                        f"{cg.capability.text} {cg.scope_text}"
                        for cg in graph.essential(cg for cg, _ in p.gains)
                    )
                )
                maybe = "" if p.certain else " (if the token Secrets exist)"
                out.print(f"  {_safe(p.chain())}{maybe}")
                out.print(f"    [dim]which can {_safe(gains)}[/]")
        else:
            out.print("no risky escalation paths")
    if failed:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_NO if found else EXIT_OK)
