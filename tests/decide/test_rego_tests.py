"""Every test rule of every policies/**/*_test.rego passes, and the policy data matches the code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from proxy.config import ROOT
from proxy.decide.testing import discover_tests
from proxy.detect.types import SPECIAL_CATEGORIES

POLICIES = ROOT / "policies"
TESTS = discover_tests(POLICIES)


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], str]:
    """Outcome per (file, test), from ``privacy-proxy policy test`` in a child process: compiling
    the tests takes memory, and regopy kills its process on some inputs; pytest survives both."""
    run = subprocess.run(
        [sys.executable, "-m", "proxy", "policy", "test", "--policies", str(POLICIES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode >= 0, f"policy test died with signal {-run.returncode}: {run.stderr}"
    out = {}
    for line in run.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] in ("PASS", "FAIL", "ERROR"):
            out[(parts[1], parts[2].split()[0])] = line
    return out


def test_every_rego_file_has_a_test_file() -> None:
    modules = {p for p in POLICIES.rglob("*.rego") if not p.name.endswith("_test.rego")}
    assert modules
    for p in modules:
        assert p.with_name(p.stem + "_test.rego").is_file(), f"{p} has no sibling _test.rego"


def test_packages_match_paths() -> None:
    for p in POLICIES.rglob("*.rego"):
        package = next(ln for ln in p.read_text().splitlines() if ln.startswith("package "))
        expected = ".".join(p.relative_to(POLICIES).with_suffix("").parts)
        allowed = {expected, expected.removesuffix("_test")}
        assert package.split()[1] in allowed, f"{p}: {package} does not match its path"


@pytest.mark.parametrize(("file", "package", "rule"), TESTS, ids=[t[2] for t in TESTS])
def test_rego(results: dict[tuple[str, str], str], file: str, package: str, rule: str) -> None:
    line = results.get((file, rule), f"{package}.{rule}: not run")
    assert line.startswith("PASS"), line


def test_special_categories_match_detection() -> None:
    data = json.loads((POLICIES / "data.json").read_text())
    assert set(data["privacy"]["special_categories"]) == SPECIAL_CATEGORIES
