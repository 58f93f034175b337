"""Run the policy's own Rego tests (every ``test_*`` rule of every ``*_test.rego``) on each engine:
OPA's Go engine (what the OPA sidecar runs) and rego-cpp (regopy)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from proxy.decide.sources import PolicySources, load_sources
from proxy.decide.types import PolicyError

ENGINES = ("opa-go", "regopy")

_PACKAGE = re.compile(r"^package\s+([\w.]+)", re.M)
_TEST_RULE = re.compile(r"^(test_\w+)\b", re.M)


@dataclass(frozen=True, slots=True)
class RegoTestResult:
    engine: str
    file: str
    name: str
    passed: bool
    error: str = ""

    @property
    def outcome(self) -> str:
        return "PASS" if self.passed else ("ERROR" if self.error else "FAIL")


def discover_tests(path: Path) -> list[tuple[str, str, str]]:
    """(file, package, rule) for every test rule, in file order."""
    return _discover(load_sources(path))


def _discover(sources: PolicySources) -> list[tuple[str, str, str]]:
    found = []
    for file, text in sources.tests.items():
        package = _PACKAGE.search(text)
        if package is None:
            continue
        for rule in dict.fromkeys(_TEST_RULE.findall(text)):
            found.append((file, package.group(1), rule))
    return found


def run_tests(path: Path, engines: tuple[str, ...] = ENGINES) -> list[RegoTestResult]:
    """Evaluate each test rule on each engine: true passes, false or undefined fails, an error is
    an error. PolicyError when the policy or its tests do not compile."""
    sources = load_sources(path)
    tests = _discover(sources)
    if not tests:
        return []
    results: list[RegoTestResult] = []
    for engine in engines:
        run = _RUNNERS[engine]
        results.extend(run(sources, tests))
    return results


def _run_go(sources: PolicySources, tests: list[tuple[str, str, str]]) -> list[RegoTestResult]:
    from opa_bindings import OpaError

    from proxy.decide.opa_go import go_error, new_go_engine, prepare

    engine = new_go_engine(sources, with_tests=True)
    try:
        prepare(engine, "data")  # compile everything once: a broken module fails the run
        results = []
        for file, package, rule in tests:
            try:
                rows = engine.eval_query(f"x = data.{package}.{rule}")
            except OpaError as e:
                results.append(RegoTestResult("opa-go", file, rule, False, go_error(e)))
                continue
            results.append(RegoTestResult("opa-go", file, rule, rows == [{"x": True}]))
        return results
    finally:
        engine.close()


def _run_regopy(sources: PolicySources, tests: list[tuple[str, str, str]]) -> list[RegoTestResult]:
    """Tests are compiled a few at a time, each group into one bundle whose entry points are then
    queried (regopy's ad-hoc ``query`` re-compiles everything per call). rego-cpp compiles every
    ``with`` of a module, whatever the entry points: a test file is split into its test rules, so
    that memory stays bounded by the group, not by the file."""
    from regopy import Interpreter, RegoError

    from proxy.decide.regopy_engine import new_interpreter, rego_error

    files = {file: split_tests(text) for file, text in sources.tests.items()}
    runner = Interpreter()
    results = []
    for i in range(0, len(tests), REGOPY_GROUP):
        group = tests[i : i + REGOPY_GROUP]
        modules = {}
        for file in dict.fromkeys(f for f, _, _ in group):
            head, rules = files[file]
            wanted = [rules[rule] for f, _, rule in group if f == file and rule in rules]
            modules[file] = "\n\n".join([head, *wanted])
        chunk = PolicySources(
            sources.root, sources.modules, sources.data, modules, sources.revision
        )
        rego = new_interpreter(chunk, with_tests=True)
        entrypoints = [f"{package.replace('.', '/')}/{rule}" for _, package, rule in group]
        try:
            bundle = rego.build(None, entrypoints)
        except RegoError as e:
            raise PolicyError("policy_invalid", rego_error(e)) from e
        for (file, _, rule), entrypoint in zip(group, entrypoints, strict=True):
            try:
                output = runner.query_bundle_entrypoint(bundle, entrypoint)
            except RegoError as e:
                results.append(RegoTestResult("regopy", file, rule, False, rego_error(e)))
                continue
            if not output.results:
                error = str(output)[:200] or "error"
                results.append(RegoTestResult("regopy", file, rule, False, error))
                continue
            passed = output.results[0].expressions == [True]
            results.append(RegoTestResult("regopy", file, rule, passed))
    return results


REGOPY_GROUP = 4
_TOP_LEVEL = re.compile(r"^[^\s#}\])]")


def split_tests(text: str) -> tuple[str, dict[str, str]]:
    """A test module split into everything but its test rules (package, imports, helpers) and
    its test rules by name (all definitions of a name together). Statements begin at column 0
    (as ``opa fmt`` writes them); comment lines at column 0 go with the statement after them."""
    statements: list[list[str]] = [[]]
    pending: list[str] = []
    for line in text.splitlines():
        if _TOP_LEVEL.match(line):
            statements.append(pending + [line])
            pending = []
        elif not line.strip() or line.startswith("#"):
            pending.append(line)
        else:
            statements[-1].extend(pending + [line])
            pending = []
    head: list[str] = []
    rules: dict[str, list[str]] = {}
    for lines in statements:
        body = "\n".join(lines).strip("\n")
        first = next((ln for ln in lines if _TOP_LEVEL.match(ln)), "")
        name = _TEST_RULE.match(first)
        if name:
            rules.setdefault(name.group(1), []).append(body)
        elif body:
            head.append(body)
    return "\n\n".join(head), {k: "\n\n".join(v) for k, v in rules.items()}


_RUNNERS = {"opa-go": _run_go, "regopy": _run_regopy}
