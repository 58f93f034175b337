"""``privacy-proxy policy eval`` and ``policy test``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from proxy.cli import main
from proxy.config import TenantConfig, load_settings
from proxy.decide.cli import evaluate
from tests.conftest import Shared

REQUEST = {
    "model": "gpt-4o",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Write to Marie Dupont at marie.dupont@example.com."},
    ],
}


def test_eval_prints_decision_and_reasons(
    tmp_path: Path,
    shared_detector: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("proxy.detect.build_detector", lambda s: Shared(shared_detector))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    body = tmp_path / "request.json"
    body.write_text(json.dumps(REQUEST))
    with pytest.raises(SystemExit) as e:
        main(["policy", "eval", "--input", str(body), "--json"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    d = json.loads(out)["decision"]
    assert (d["route"], d["transform"]) == ("external", "pseudonymize")
    assert {"EMAIL_ADDRESS", "PERSON"} <= set(d["entities"])
    assert [r["code"] for r in d["reasons"]] == ["personal_data_pseudonymized", "transfer_scc"]
    assert "marie" not in out.lower()  # the input document holds types and counts, not values
    with pytest.raises(SystemExit) as e:
        main(["policy", "eval", "--input", str(body)])
    lines = capsys.readouterr().out.splitlines()
    assert "route      external" in lines
    assert (
        "  transfer_scc: Leaves the EU/EEA for OpenAI under standard contractual clauses "
        "(GDPR Art. 46(2)(c))." in lines
    )


@pytest.mark.parametrize(
    ("tenant", "text", "route", "codes"),
    [
        ({}, "What is the capital of France?", "external", ["no_personal_data"]),
        ({"strict": True}, "Call Marie Dupont on +33 6 12 34 56 78.", "local", ["tenant_strict"]),
        ({"strict": True}, "What is the capital of France?", "local", ["tenant_strict"]),
        (
            {"personal_data_local": True},
            "Call Marie Dupont on +33 6 12 34 56 78.",
            "local",
            ["tenant_personal_data_local"],
        ),
        ({}, "Marie Dupont was diagnosed with diabetes.", "local", ["special_category"]),
    ],
)
async def test_evaluate_runs_detection_then_policy(
    shared_detector: Any,
    monkeypatch: pytest.MonkeyPatch,
    tenant: dict[str, Any],
    text: str,
    route: str,
    codes: list[str],
) -> None:
    monkeypatch.setattr("proxy.detect.build_detector", lambda s: Shared(shared_detector))
    settings = load_settings(external={"api_key": "sk-test"}, local={"kind": "none"})
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    doc, d = await evaluate(settings, body, TenantConfig(id="acme", **tenant), "chat.completions")
    assert d.route == ("deny" if route == "local" else route)  # no local backend configured
    assert [r.code for r in d.reasons if r.code != "local_unavailable"] == codes
    assert doc["destinations"]["local"]["available"] is False


def _policy(tmp_path: Path, test_body: str) -> Path:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "p.rego").write_text(
        'package p\n\nallow if input.user == "alice"\n\ndeny if not allow\n'
    )
    (tmp_path / "p" / "p_test.rego").write_text(
        "package p_test\n\nimport data.p\n\n"
        'test_alice_allowed if p.allow with input.user as "alice"\n\n'
        f"test_bob_denied if {test_body}\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    ("body", "rc", "bob"),
    [
        ('p.deny with input.user as "bob"', 0, "PASS"),
        ('p.allow with input.user as "bob"', 1, "FAIL"),
    ],
)
def test_policy_test_reports_each_test_on_each_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, rc: int, bob: str
) -> None:
    with pytest.raises(SystemExit) as e:
        main(["policy", "test", "--policies", str(_policy(tmp_path, body))])
    assert e.value.code == rc
    lines = capsys.readouterr().out.splitlines()
    for engine in ("opa-go", "regopy"):
        assert f"PASS   {engine:6}  p/p_test.rego  test_alice_allowed" in lines
        assert f"{bob:5}  {engine:6}  p/p_test.rego  test_bob_denied" in lines


def test_policy_test_one_engine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _policy(tmp_path, 'p.deny with input.user as "bob"')
    with pytest.raises(SystemExit) as e:
        main(["policy", "test", "--policies", str(path), "--engine", "opa-go"])
    assert e.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "2/2 passed on opa-go"


def test_policy_test_catches_a_difference_between_the_engines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`not x in s` with x undefined: true on regopy, undefined on OPA (what the sidecar runs)."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "p.rego").write_text("package p\n\nrisky if not input.region in {1}\n")
    (tmp_path / "p" / "p_test.rego").write_text(
        "package p_test\n\nimport data.p\n\n"
        "test_risky_without_region if p.risky with input.x as 1\n"
    )
    with pytest.raises(SystemExit) as e:
        main(["policy", "test", "--policies", str(tmp_path)])
    assert e.value.code == 1
    lines = capsys.readouterr().out.splitlines()
    assert "FAIL   opa-go  p/p_test.rego  test_risky_without_region" in lines
    assert "PASS   regopy  p/p_test.rego  test_risky_without_region" in lines


def test_policy_test_broken_policy_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _policy(tmp_path, "true")
    (path / "p" / "p.rego").write_text("package p\n\nallow if {\n")
    with pytest.raises(SystemExit) as e:
        main(["policy", "test", "--policies", str(path)])
    assert e.value.code == 2
    assert "policy_invalid" in capsys.readouterr().err
