"""Run the policy's own Rego tests (every ``test_*`` rule of every ``*_test.rego``) with regopy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from regopy import Interpreter, RegoError

from proxy.decide.embedded import new_interpreter, rego_error
from proxy.decide.sources import load_sources
from proxy.decide.types import PolicyError

_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)
_TEST_RULE = re.compile(r"^(test_\w+)\b", re.M)


@dataclass(frozen=True, slots=True)
class RegoTestResult:
    file: str
    name: str
    passed: bool
    error: str = ""

    @property
    def outcome(self) -> str:
        return "PASS" if self.passed else ("ERROR" if self.error else "FAIL")


def discover_tests(path: Path) -> list[tuple[str, str, str]]:
    """(file, package, rule) for every test rule, in file order."""
    found = []
    for file, text in load_sources(path).tests.items():
        package = _PACKAGE.search(text)
        if package is None:
            continue
        for rule in dict.fromkeys(_TEST_RULE.findall(text)):
            found.append((file, package.group(1), rule))
    return found


def run_tests(path: Path) -> list[RegoTestResult]:
    """Evaluate each test rule: true passes, false or undefined fails, an error is an error.

    All tests are compiled into one bundle, then each entry point is queried: regopy's ad-hoc
    ``query`` re-compiles everything per call, which is slow and grows memory with ``with``.
    """
    tests = discover_tests(path)
    if not tests:
        return []
    rego = new_interpreter(load_sources(path), with_tests=True)
    entrypoints = [f"{package.replace('.', '/')}/{rule}" for _, package, rule in tests]
    try:
        bundle = rego.build(None, entrypoints)
    except RegoError as e:
        raise PolicyError("policy_invalid", rego_error(e)) from e
    runner = Interpreter()
    results = []
    for (file, _, rule), entrypoint in zip(tests, entrypoints, strict=True):
        try:
            output = runner.query_bundle_entrypoint(bundle, entrypoint)
        except RegoError as e:
            results.append(RegoTestResult(file, rule, False, rego_error(e)))
            continue
        if not output.results:
            results.append(RegoTestResult(file, rule, False, str(output)[:200] or "error"))
            continue
        results.append(RegoTestResult(file, rule, output.results[0].expressions == [True]))
    return results
