"""Meta-tests over the rule catalogue: codes, docs, fixtures, frameworks, generated pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubeward import ruledocs
from kubeward.catalogue import CODE, REQUIRED_SECTIONS, Catalogue, rule
from kubeward.findings import Severity, Violation
from kubeward.model.container import Container
from kubeward.rules import MODULES, default_catalogue, rules_of

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "kubeward" / "rules" / "examples"
FRAMEWORKS = ROOT / "src" / "kubeward" / "frameworks"
CATALOGUE = default_catalogue()
RULES = list(CATALOGUE)
MODULE_PREFIX = {
    "pod": "POD",
    "images": "IMG",
    "namespaces": "NS",
    "net": "NET",
    "rbac": "RBAC",
    "secrets": "SEC",
    "aks": "AKS",
    "node": "NODE",
    "upgrade": "UPG",
}


def test_codes_are_well_formed_and_unique() -> None:
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    bad = [c for c in codes if not CODE.match(c)]
    assert not bad


def test_module_name_matches_code_prefix() -> None:
    for module in MODULES:
        short = module.__name__.rsplit(".", 1)[-1]
        for r in rules_of(module):
            assert r.prefix == MODULE_PREFIX[short], f"{r.code} lives in rules/{short}.py"


def test_duplicate_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Catalogue([RULES[0], RULES[0]])


def test_rule_decorator_derives_target_and_slug() -> None:
    @rule("POD999", severity=Severity.LOW)
    def some_bad_pattern(c: Container) -> Iterator[Violation]:
        """Title.

        ## Why it matters
        x
        ## Fix
        y
        ## References
        z
        """
        yield c.violation("x")

    assert some_bad_pattern.slug == "some-bad-pattern"
    assert some_bad_pattern.target is Container
    assert some_bad_pattern.title == "Title."
    assert some_bad_pattern.section("Fix") == "y"


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.code)
def test_docstring_has_title_summary_and_sections(r) -> None:  # type: ignore[no-untyped-def]
    assert r.title and r.title.endswith("."), "the first docstring line is a sentence"
    assert r.summary, "a paragraph explains what the rule looks for"
    for section in REQUIRED_SECTIONS:
        assert r.section(section), f"docstring lacks a non-empty '## {section}' section"
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.slug)


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.code)
def test_every_rule_has_pass_and_fail_fixtures(r) -> None:  # type: ignore[no-untyped-def]
    folder = EXAMPLES / r.code
    fixtures = (".yaml", ".json", ".tf", ".bicep")  # as tests/rules/test_fixtures.py runs them
    # ... and directories holding a host's root file system (NODE rules).
    names = (
        [p.name for p in folder.iterdir() if p.suffix in fixtures or p.is_dir()]
        if folder.is_dir()
        else []
    )
    assert any(n.startswith("pass") for n in names), f"{r.code} needs a pass*.yaml fixture"
    assert any(n.startswith("fail") for n in names), f"{r.code} needs a fail*.yaml fixture"


def test_fixture_folders_name_rules() -> None:
    orphans = [p.name for p in EXAMPLES.iterdir() if p.is_dir() and CATALOGUE.get(p.name) is None]
    assert not orphans


def test_frameworks_reference_real_codes() -> None:
    files = sorted(FRAMEWORKS.glob("*.yaml"))
    assert files, "framework mappings exist"
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for control in data["controls"]:
            for code in control.get("rules") or []:
                assert CATALOGUE.get(code) is not None, f"{path.name}: {control['id']} -> {code}"


def test_generated_rule_docs_are_current() -> None:
    stale = ruledocs.stale(CATALOGUE, str(ROOT / "docs" / "rules"))
    assert not stale, f"run `kubeward rules docs`; stale: {stale}"


@pytest.mark.parametrize("r", RULES, ids=lambda r: r.code)
def test_every_rule_targets_a_view_the_engine_builds(r) -> None:  # type: ignore[no-untyped-def]
    from kubeward.scan import PER_OBJECT, is_scene_type

    # Per-object views, scene views built from the inventory, or model views that a loader
    # feeds through Engine.add_subject (AKS clusters, node hosts).
    subject_view = r.target.__module__.startswith("kubeward.model.")
    assert r.target in PER_OBJECT or is_scene_type(r.target) or subject_view, r.target
