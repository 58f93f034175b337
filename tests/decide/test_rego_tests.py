"""Every test rule of every policies/**/*_test.rego passes on OPA's Go engine and on regopy, and the
policy data matches the code and the standards it is built from."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import iso3166
import pytest

from proxy.config import ROOT
from proxy.decide.invariants import CRIMINAL_DATA
from proxy.decide.testing import ENGINES, discover_tests
from proxy.detect.types import SPECIAL_CATEGORIES

POLICIES = ROOT / "policies"
TESTS = discover_tests(POLICIES)
DATA = json.loads((POLICIES / "data.json").read_text())["privacy"]
EU = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str, str], str]:
    """Outcome per (engine, file, test), from ``privacy-proxy policy test`` in a child process:
    compiling the tests takes memory, and regopy kills its process on some inputs; pytest
    survives both."""
    run = subprocess.run(
        [sys.executable, "-m", "proxy", "policy", "test", "--policies", str(POLICIES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode >= 0, f"policy test died with signal {-run.returncode}: {run.stderr}"
    out = {}
    for line in run.stdout.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[0] in ("PASS", "FAIL", "ERROR"):
            out[(parts[1], parts[2], parts[3].split()[0])] = line
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


def test_entry_point_has_metadata() -> None:
    """Regal's no-defined-entrypoint: the decision is annotated as the policy's entry point."""
    text = (POLICIES / "privacy" / "decision.rego").read_text()
    block = re.search(r"# METADATA\n((?:#.*\n)+)default result :=", text)
    assert block and "# entrypoint: true" in block.group(1)


def test_tests_are_named_after_a_rule_of_their_package() -> None:
    """Each test is test_<rule>_<case>: it names the rule (or function) it is about, or "data"
    for a check of the data the rules read."""
    for file, _, rule in TESTS:
        module = (POLICIES / file.removesuffix("_test.rego")).with_suffix(".rego").read_text()
        rules = set(re.findall(r"^(?:default )?([a-z_][a-z0-9_]*)\b", module, re.M)) | {"data"}
        assert any(rule.startswith(f"test_{r}_") for r in rules), f"{file}: {rule}"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("file", "package", "rule"), TESTS, ids=[t[2] for t in TESTS])
def test_rego(
    results: dict[tuple[str, str, str], str], engine: str, file: str, package: str, rule: str
) -> None:
    line = results.get((engine, file, rule), f"{engine} {package}.{rule}: not run")
    assert line.startswith("PASS"), line


def test_special_categories_match_detection() -> None:
    assert set(DATA["special_categories"]) == SPECIAL_CATEGORIES


def test_criminal_offence_data_matches_detection() -> None:
    assert set(DATA["criminal_offence_data"]) == CRIMINAL_DATA


def test_region_codes_are_iso_3166_and_the_areas() -> None:
    codes = dict(DATA["regions"]["codes"])
    assert (codes.pop("EU"), codes.pop("EEA")) == ("European Union", "European Economic Area")
    assert codes == {c.alpha2: c.name for c in iso3166.countries_by_alpha2.values()}


def test_eea_is_the_member_states_iceland_liechtenstein_norway() -> None:
    assert set(DATA["regions"]["eea"]) == {*EU, "IS", "LI", "NO", "EU", "EEA"}


def test_every_reason_the_policy_gives_has_a_text() -> None:
    rego = (POLICIES / "privacy" / "decision.rego").read_text()
    codes = set(re.findall(r'(?:keep_local|local_problems) contains "([a-z_]+)"', rego))
    codes |= set(re.findall(r'\{"([a-z_]+)"\}', rego))  # decision(..., {"code"})
    codes |= set(re.findall(r'"(personal_data_[a-z]+)"', rego))
    assert len(codes) > 15
    assert codes <= set(DATA["reasons"]), codes - set(DATA["reasons"])
    for mechanism in DATA["transfer_mechanisms"]:
        assert re.fullmatch(r"[a-z]+", mechanism)  # transfer_<mechanism> is a stable code
