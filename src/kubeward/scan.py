"""The engine: load, build views, run the selected rules, apply suppressions, tally results."""

from __future__ import annotations

import gc
import inspect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from kubeward.catalogue import Catalogue, Rule
from kubeward.config import Config
from kubeward.findings import (
    Finding,
    InputError,
    Note,
    Outcome,
    RuleTally,
    Severity,
    Stats,
    Suppressed,
    Verdict,
    Violation,
)
from kubeward.loaders import aks as aks_loader
from kubeward.loaders import manifests
from kubeward.model import network
from kubeward.model import rbac as rbac_model
from kubeward.model.container import Container
from kubeward.model.inventory import Inventory
from kubeward.model.path import Path
from kubeward.model.resource import Problem, Resource
from kubeward.model.workload import Workload, build_workload, has_template, template_path
from kubeward.suppressions import IgnoreAnnotation, Suppressor, annotations_of

Progress = Callable[[int, int, str], None]  # (files done, files total, current file)
MAX_ERRORS_PER_FILE = 50


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # manual and not-evaluated checks
    errors: list[InputError] = field(default_factory=list)
    tallies: dict[str, RuleTally] = field(default_factory=dict)
    stats: Stats = field(default_factory=Stats)
    rules: list[Rule] = field(default_factory=list)
    # A live scan's cluster: name, context, server, version, aks (None for files)
    cluster: Mapping[str, Any] | None = None

    @property
    def failed_inputs(self) -> list[InputError]:
        return [e for e in self.errors if not e.warning]

    def exit_code(self, fail_on: Severity | None) -> int:
        """2 when an input failed, 1 when a finding is at or above `fail_on`, else 0."""
        if self.failed_inputs:
            return 2
        if fail_on is not None and any(f.severity >= fail_on for f in self.findings):
            return 1
        return 0


class Engine:
    """One scan. Feed it objects (`add_file`, `add_resources`), then `finish()`."""

    def __init__(
        self,
        catalogue: Catalogue,
        config: Config | None = None,
        *,
        baseline: set[str] | None = None,
        only: Sequence[Rule] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.config = config or Config()
        rules = (
            list(only)
            if only is not None
            else catalogue.select(self.config.select, self.config.ignore)
        )
        self.report = Report(rules=rules)
        self._by_target: dict[type, list[Rule]] = defaultdict(list)
        for r in rules:
            self._by_target[r.target].append(r)
            self.report.tallies[r.code] = RuleTally()
        self._suppressor = Suppressor(catalogue, self.config, baseline)
        self._resources: list[Resource] = []
        self._annotations: dict[int, list[IgnoreAnnotation]] = {}
        self._workloads: list[Workload] = []
        self._options = {
            r.code: {**r.options, **self.config.options.get(r.code, {})} for r in rules
        }
        # Each rule as a one-argument call, its options bound once: rules run hundreds of
        # thousands of times in a large scan, so the loop in `_run` stays minimal.
        self._calls: dict[str, Callable[[Any], Iterable[Violation]]] = {
            r.code: _bind(r, self._options[r.code]) for r in rules
        }
        self._stdin_text: str | None = None
        self._iac_cache: dict[str, Any] = {}  # Terraform modules read for AKS clusters
        # Scene views may name the paths their rules report on (`anchor_paths(resource,
        # workload)`); their lines are recorded while the file is parsed, so findings there
        # need no re-parse of the file at the end.
        self._anchored = [t for t in self._by_target if callable(getattr(t, "anchor_paths", None))]
        self._anchors: dict[int, dict[Path, int | None]] = {}

    @property
    def workloads(self) -> Sequence[Workload]:
        """Every pod-carrying object added so far."""
        return self._workloads

    @property
    def resources(self) -> Sequence[Resource]:
        """Every object added so far."""
        return self._resources

    # ------------------------------------------------------------------ input

    def add_paths(
        self, paths: Sequence[str], max_file_size: int, progress: Progress | None = None
    ) -> None:
        files = manifests.discover(paths, self.report.errors)
        try:
            for i, name in enumerate(files):
                if progress is not None:
                    progress(i, len(files), name)
                if aks_loader.handles(name):  # Terraform and Bicep: AKS cluster configuration
                    self.report.stats.files += 1
                    for s in aks_loader.load_for_scan(name, self.report.errors, self._iac_cache):
                        self.add_subject(s.view, s.resource, s.line_of)
                    continue
                loaded = manifests.load_file(name, max_file_size, self.report.errors)
                if loaded is not None:
                    if loaded.text is not None:
                        self._stdin_text = loaded.text
                    self.add_file(loaded)
                # The objects kept so far are long-lived and acyclic: take them out of the
                # cyclic collector's sight, or its full passes grow with the scan (3x slower).
                gc.freeze()
        finally:
            gc.unfreeze()
        if progress is not None:
            progress(len(files), len(files), "")

    def add_file(self, loaded: manifests.LoadedFile) -> None:
        stats = self.report.stats
        stats.files += 1
        stats.documents += len(loaded.documents)
        for s in aks_loader.subjects_in(loaded, self.report.errors):  # AKS cluster JSON/YAML
            self.add_subject(s.view, s.resource, s.line_of)
        locators = {d.index: manifests.DocLocator(d) for d in loaded.documents}
        for resource in manifests.objects(loaded, self.report.errors):
            self._add(resource, locators[resource.source.doc].line)
        for doc in loaded.documents:
            doc.node = None  # lines of later (scene-level) findings are found by re-parsing

    def add_subject(
        self,
        subject: Any,
        resource: Resource,
        line_of: Callable[[Path], int | None] | None = None,
    ) -> None:
        """A view that does not come from a Kubernetes manifest (an AKS cluster read from
        ARM or Terraform, a node's file system): run the rules that target its type.
        `resource` identifies it in findings (kind, name, file); `line_of` maps a path inside
        `resource.raw` to a line of its file, when there is one."""
        stats = self.report.stats
        stats.objects += 1
        stats.kinds[resource.kind] = stats.kinds.get(resource.kind, 0) + 1
        annotations: list[IgnoreAnnotation] = []
        self._run(
            self._by_target.get(type(subject), ()),
            subject,
            resource,
            annotations,
            line_of or (lambda path: None),
        )

    def add_resources(self, resources: Iterable[Resource]) -> None:
        """Objects that did not come from files (e.g. a live cluster): no line numbers."""
        for resource in resources:
            self._add(resource, lambda path: None)

    def _add(self, resource: Resource, line_of: Callable[[Path], int | None]) -> None:
        stats = self.report.stats
        stats.objects += 1
        stats.kinds[resource.kind] = stats.kinds.get(resource.kind, 0) + 1
        self._problems(resource, resource.problems, line_of)
        self._problems(resource, network.problems_of(resource), line_of)
        self._problems(resource, rbac_model.problems_of(resource), line_of)
        self._resources.append(resource)
        workload = self._workload(resource)
        if self._anchored:
            self._anchor(resource, workload, line_of)
        if workload is not None:
            self._problems(resource, workload.problems, line_of)
            self._workloads.append(workload)
        # Suppressions may sit on the object or on its pod template; both apply to everything
        # reported about the object, including by scene-level rules later.
        annotations = self._ignore_annotations(resource, workload, line_of)
        if annotations:
            self._annotations[id(resource)] = annotations
        self._run(self._by_target.get(Resource, ()), resource, resource, annotations, line_of)
        if workload is None:
            return
        self._run(self._by_target.get(Workload, ()), workload, resource, annotations, line_of)
        container_rules = self._by_target.get(Container, ())
        for container in workload.containers:
            self._run(container_rules, container, resource, annotations, line_of)

    def _anchor(
        self,
        resource: Resource,
        workload: Workload | None,
        line_of: Callable[[Path], int | None],
    ) -> None:
        """Record the lines of the paths scene views will report on (see `anchor_paths`)."""
        known: dict[Path, int | None] = {}
        try:
            for target in self._anchored:
                for p in getattr(target, "anchor_paths")(resource, workload):  # noqa: B009
                    at = resource.source.prefix + p
                    known[at] = line_of(at)
        except Exception:  # a model bug costs only the shortcut: lines are found by re-parsing
            return
        if known:
            self._anchors[id(resource)] = known

    def _workload(self, resource: Resource) -> Workload | None:
        template = template_path(resource)
        if template is None or not has_template(resource, template):
            return None
        try:
            return build_workload(resource, template)
        except Exception as err:  # a model bug must not end the scan
            self.report.errors.append(
                InputError(
                    resource.source.file,
                    resource.source.line,
                    f"internal error reading this object ({type(err).__name__}: {err}); "
                    "please report this",
                    obj=resource.display,
                )
            )
            return None

    def _ignore_annotations(
        self,
        resource: Resource,
        workload: Workload | None,
        line_of: Callable[[Path], int | None],
    ) -> list[IgnoreAnnotation]:
        places: list[tuple[Mapping[str, str], Path]] = [(resource.annotations, ("metadata",))]
        if workload is not None and workload.pod.annotations is not resource.annotations:
            places.append((workload.pod.annotations, workload.pod.meta_path))
        out: list[IgnoreAnnotation] = []
        for mapping, meta in places:
            for ann in annotations_of([mapping]):
                out.append(ann)
                unknown = [s for s in ann.selectors if not self.catalogue.is_known_selector(s)]
                if unknown:
                    at = resource.source.prefix + meta + ("annotations", ann.key)
                    self.report.errors.append(
                        InputError(
                            resource.source.file,
                            line_of(at),
                            f"{ann.key} names no rule: {', '.join(unknown)} "
                            "(see `kubeward rules list`)",
                            obj=resource.display,
                            warning=True,
                        )
                    )
        return out

    def _problems(
        self,
        resource: Resource,
        problems: Sequence[Problem],
        line_of: Callable[[Path], int | None],
    ) -> None:
        for p in problems:
            self.report.errors.append(
                InputError(
                    resource.source.file,
                    line_of(resource.source.prefix + p.path),
                    p.message,
                    obj=resource.display,
                )
            )

    def _annotations_of(self, resource: Resource) -> list[IgnoreAnnotation]:
        return self._annotations.get(id(resource), [])

    # ------------------------------------------------------------------ rules

    def _run(
        self,
        rules: Iterable[Rule],
        subject: Any,
        resource: Resource,
        annotations: list[IgnoreAnnotation],
        line_of: Callable[[Path], int | None],
    ) -> None:
        tallies, calls = self.report.tallies, self._calls
        for rule in rules:
            try:
                violations = list(calls[rule.code](subject))
            except Exception as err:  # a rule bug must not end the scan
                self._rule_failed(rule, err, resource)
                continue
            if not violations:
                tallies[rule.code].passed += 1
                continue
            any_open = False
            noted: set[Verdict] = set()
            for v in violations:
                target = v.resource or resource
                if v.verdict is not Verdict.FAIL:
                    self._note(rule, v, target, line_of)
                    noted.add(v.verdict)
                    continue
                finding = self._finding(rule, v, target, line_of)
                if self._record(
                    finding,
                    annotations if target is resource else self._annotations_of(target),
                ):
                    any_open = True
            self.report.tallies[rule.code].add(_outcome(any_open, noted))

    def _note(
        self,
        rule: Rule,
        v: Violation,
        resource: Resource,
        line_of: Callable[[Path], int | None] | None,
    ) -> None:
        line = line_of(resource.source.prefix + v.path) if line_of is not None else None
        self.report.notes.append(Note(rule.code, v.verdict, v.message, resource.ref, v.path, line))

    def _violations(self, rule: Rule, subject: Any, resource: Resource | None) -> list[Violation]:
        try:
            return list(self._calls[rule.code](subject))
        except Exception as err:  # a rule bug must not end the scan
            self._rule_failed(rule, err, resource)
            return []

    def _rule_failed(self, rule: Rule, err: Exception, resource: Resource | None) -> None:
        where = resource.source.file if resource is not None else "<scan>"
        what = resource.display if resource is not None else None
        self.report.errors.append(
            InputError(
                where,
                resource.source.line if resource else None,
                f"internal error in rule {rule.code} ({type(err).__name__}: {err}); "
                "please report this",
                obj=what,
            )
        )

    def _finding(
        self,
        rule: Rule,
        v: Violation,
        resource: Resource,
        line_of: Callable[[Path], int | None] | None,
    ) -> Finding:
        line = line_of(resource.source.prefix + v.path) if line_of is not None else None
        return Finding(
            rule=rule.code,
            slug=rule.slug,
            severity=self.config.severity.get(rule.code, rule.severity),
            message=v.message,
            obj=resource.ref,
            container=v.container,
            path=v.path,
            line=line,
        )

    def _record(self, finding: Finding, annotations: list[IgnoreAnnotation]) -> bool:
        """Keep a finding or its suppression. True when it stays open."""
        why = self._suppressor.check(finding, annotations)
        if why is None:
            self.report.findings.append(finding)
            return True
        self.report.suppressed.append(Suppressed(finding, why[0], why[1]))
        return False

    # ------------------------------------------------------------------ scene

    def finish(self) -> Report:
        """Run scene-level rules over everything added, then order the report."""
        scene_rules = [
            r for target, rules in self._by_target.items() if is_scene_type(target) for r in rules
        ]
        if scene_rules:
            inventory = Inventory.build(self._resources, self._workloads)
            scenes: dict[type, Any] = {Inventory: inventory}
            locator = manifests.Locator(self._stdin_text)
            for rule in sorted(scene_rules, key=lambda r: r.code):
                scene = scenes.get(rule.target)
                if scene is None:
                    scene = scenes[rule.target] = scene_of(rule.target, inventory, self.config)
                violations = self._violations(rule, scene, None)
                flagged: set[int] = set()
                for v in violations:
                    if v.resource is None:
                        continue
                    res = v.resource
                    line_of = _lines_via(locator, res, self._anchors.get(id(res)))
                    if v.verdict is not Verdict.FAIL:
                        self._note(rule, v, res, line_of)
                        continue
                    finding = self._finding(rule, v, res, line_of)
                    if self._record(finding, self._annotations_of(res)):
                        flagged.add(id(res))
                # A scene rule has one result per object it flags; a clean scene is one pass.
                tally = self.report.tallies[rule.code]
                tally.failed += len(flagged)
                if not violations:
                    tally.passed += 1
        rep = self.report
        rep.findings.sort(key=Finding.sort_key)
        rep.suppressed.sort(key=lambda s: s.finding.sort_key())
        rep.errors = _capped(sorted(rep.errors, key=lambda e: (e.file, e.line or 0)))
        return rep


# Views the engine builds for each object as it reads it. A rule on any other view type takes
# the scene: the Inventory itself, or a view built from it with `Type.from_inventory(inv)`
# (a reachability matrix, an RBAC graph), once per scan.
PER_OBJECT: tuple[type, ...] = (Resource, Workload, Container)


def scene_of(target: type, inventory: Inventory, config: Config | None = None) -> Any:
    """The scene view a rule targets. A view whose `from_inventory` takes a `config`
    parameter gets the scan's configuration (for settings such as `rbac:`)."""
    if target is Inventory:
        return inventory
    build = getattr(target, "from_inventory", None)
    if build is None:
        raise TypeError(f"rules cannot target {target.__name__}: it has no from_inventory()")
    if config is not None and "config" in inspect.signature(build).parameters:
        return build(inventory, config=config)
    return build(inventory)


def is_scene_type(target: type) -> bool:
    return target is Inventory or callable(getattr(target, "from_inventory", None))


def _bind(rule: Rule, options: Mapping[str, Any]) -> Callable[[Any], Iterable[Violation]]:
    if not rule.options:
        return rule.func
    func = rule.func
    return lambda subject: func(subject, options)


def _outcome(any_open: bool, noted: set[Verdict]) -> Outcome:
    """One subject's result for one rule: a failure wins, then "not evaluated", then
    "manual"; findings that were all suppressed make it skipped."""
    if any_open:
        return Outcome.FAIL
    if Verdict.NOT_EVALUATED in noted:
        return Outcome.NOT_EVALUATED
    if Verdict.MANUAL in noted:
        return Outcome.MANUAL
    return Outcome.SKIP


def _capped(errors: list[InputError]) -> list[InputError]:
    """At most MAX_ERRORS_PER_FILE problems of one file are listed (`errors` is sorted by file);
    the rest are counted in one last line, so a pathological file cannot flood the report."""
    out: list[InputError] = []
    for file, group in groupby(errors, key=lambda e: e.file):
        items = list(group)
        out += items[:MAX_ERRORS_PER_FILE]
        extra = items[MAX_ERRORS_PER_FILE:]
        if extra:
            warning = all(e.warning for e in extra)
            kind = "warnings" if warning else "problems"
            out.append(
                InputError(
                    file,
                    None,
                    f"... and {len(extra):,} more {kind} in this file, not listed",
                    warning=warning,
                )
            )
    return out


def _lines_via(
    locator: manifests.Locator, res: Resource, known: Mapping[Path, int | None] | None = None
) -> Callable[[Path], int | None]:
    def line_of(path: Path) -> int | None:
        if known is not None and path in known:  # recorded while the file was parsed
            return known[path]
        if path == res.source.prefix:  # the object itself: its line is known
            return res.source.line
        return locator.line(res.source, path)

    return line_of


def scan_paths(
    paths: Sequence[str],
    catalogue: Catalogue,
    config: Config | None = None,
    *,
    baseline: set[str] | None = None,
    max_file_size: int = manifests.DEFAULT_MAX_FILE_SIZE,
    progress: Progress | None = None,
    only: Sequence[Rule] | None = None,
) -> Report:
    engine = Engine(catalogue, config, baseline=baseline, only=only)
    engine.add_paths(paths, max_file_size, progress)
    return engine.finish()


def scan_cluster(
    settings: Any,
    catalogue: Catalogue,
    config: Config | None = None,
    *,
    baseline: set[str] | None = None,
    only: Sequence[Rule] | None = None,
    aks_defaults: bool = True,
    keep_placements: bool = False,
) -> tuple[Report, Engine, Any]:
    """Scan a live cluster (`settings`: a `loaders.cluster.ClusterSettings`). Returns the
    report (naming the cluster), the engine (its resources and workloads) and the
    `ClusterRead` (pod placements, counters). On AKS, AKS-managed system objects are exempt
    unless `aks_defaults` is False. Raises `loaders.cluster.ClusterError` when the cluster
    cannot be read at all."""
    from dataclasses import replace

    from kubeward.loaders import cluster

    reader = cluster.ClusterReader(settings, keep_placements=keep_placements)
    try:
        errors: list[InputError] = []
        nodes = reader.probe(errors)
        config = config or Config()
        if reader.read.info.aks and aks_defaults:
            config = replace(config, exemptions=(*config.exemptions, *cluster.aks_exemptions()))
        engine = Engine(catalogue, config, baseline=baseline, only=only)
        engine.report.errors.extend(errors)
        engine.add_resources(nodes)
        engine.add_resources(reader.resources(engine.report.errors))
    finally:
        reader.close()
    info = reader.read.info
    engine.report.cluster = {
        "name": info.name,
        "context": info.context,
        "server": info.server,
        "version": info.version,
        "aks": info.aks,
    }
    return engine.finish(), engine, reader.read


def options_for(rule: Rule, config: Config) -> Mapping[str, Any]:
    return {**rule.options, **config.options.get(rule.code, {})}


__all__ = ["Engine", "Report", "options_for", "scan_cluster", "scan_paths"]
