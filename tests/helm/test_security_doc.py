"""SECURITY.md names, for each mitigation, the test files that prove it, and those files exist and
hold tests (so a renamed or deleted test cannot leave the document pointing at nothing)."""

from __future__ import annotations

import re

from tests.helm.conftest import ROOT

SECURITY = ROOT / "SECURITY.md"


def _mitigation_rows() -> list[str]:
    text = SECURITY.read_text()
    section = text.split("## Mitigations and the tests that prove them", 1)[1].split("\n## ", 1)[0]
    return [
        line
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith(("| Mitigation", "| ---"))
    ]


def test_every_mitigation_names_a_test_file() -> None:
    rows = _mitigation_rows()
    assert len(rows) >= 15
    for row in rows:
        proof = row.rstrip(" |").rsplit("|", 1)[-1]
        assert re.search(r"`(tests/\S+\.py|policies/\S+_test\.rego)`", proof), row[:80]


def test_named_test_files_exist_and_hold_tests() -> None:
    named = set(re.findall(r"`((?:tests|policies)/[^`\s]+\.(?:py|rego))`", SECURITY.read_text()))
    assert named
    for rel in sorted(named):
        path = ROOT / rel
        assert path.is_file(), f"SECURITY.md names {rel}, which does not exist"
        body = path.read_text()
        pattern = r"^(async )?def test_" if rel.endswith(".py") else r"^test_\w+ if"
        assert re.search(pattern, body, re.M), f"{rel} holds no test"
