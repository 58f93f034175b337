"""Each policy rule through the whole proxy, as the client, the providers and the audit log see it.

The local route goes to a second recording fake (an OpenAI-compatible self-hosted server), so both
sides of every decision are visible: what reached the external fake, what reached the local one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
import pytest

from proxy.config import ROOT, hash_key
from tests.conftest import default_tenants
from tests.fakes.fake_opa import FakeOPA, RunningFakeOPA
from tests.fakes.fake_openai import FakeOpenAI, RunningFake

EMAIL = "marie.dupont@example.com"
PERSONAL = f"Please write a short reply to {EMAIL} about the invoice."
CLEAN = "What is the boiling point of water at sea level?"
HEALTH = f"Our colleague {EMAIL} was diagnosed with diabetes; how can we support her?"
RESEARCH_KEY = "sk-test-research"


@dataclass
class Seen:
    """One request as the client, both providers and the audit log saw it."""

    status: int
    route: str
    decision_id: str
    error: dict[str, Any] | None
    answer: str
    external: str
    local: str
    audit: dict[str, Any]
    external_requests: int = 0
    local_requests: int = 0
    reasons: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def proxy(make_proxy: Any, *, local: bool = True, **overrides: Any) -> AsyncIterator[Any]:
    """A proxy whose local backend is a recording fake, and whose audit appends are recorded."""
    tenants = default_tenants() + [
        {
            "id": "example-research",
            "api_key_sha256": [hash_key(RESEARCH_KEY)],
            "region": "EU",
            "purpose": "research",
        },
    ]
    async with contextlib.AsyncExitStack() as stack:
        local_fake = None
        target = "none"
        if local:
            running = RunningFake(FakeOpenAI())
            local_fake = await stack.enter_async_context(running)
            target = running.base_url
        p = await stack.enter_async_context(make_proxy(local=target, tenants=tenants, **overrides))
        p.keys["example-research"] = RESEARCH_KEY
        p.local_fake = local_fake
        p.audited = []
        audit_log = p.state.audit_log
        append = audit_log.append

        async def recording_append(record: dict[str, Any]) -> int:
            p.audited.append(record)
            return await append(record)

        audit_log.append = recording_append
        yield p


async def send(
    p: Any, tenant: str, text: str, *, model: str = "gpt-4o", endpoint: str = "chat"
) -> Seen:
    client = p.client(tenant)
    error, answer, status, headers = None, "", 200, {}
    try:
        if endpoint == "chat":
            raw = await client.chat.completions.with_raw_response.create(
                model=model, messages=[{"role": "user", "content": text}], max_tokens=16
            )
            answer = raw.parse().choices[0].message.content or ""
        else:
            raw = await client.embeddings.with_raw_response.create(model=model, input=text)
            raw.parse()
        headers = raw.headers
    except openai.APIStatusError as e:
        status, headers = e.status_code, e.response.headers
        error = e.body if isinstance(e.body, dict) else {"raw": e.body}
    decision_id = headers.get("x-privacy-proxy-decision-id", "")
    records = [
        r for r in p.audited if r.get("kind") == "request" and r["decision_id"] == decision_id
    ]
    audit = records[0] if records else {}
    local_fake = p.local_fake
    return Seen(
        status=status,
        route=headers.get("x-privacy-proxy-route", ""),
        decision_id=decision_id,
        error=error,
        answer=answer,
        external=p.fake.all_text(),
        local=local_fake.all_text() if local_fake else "",
        audit=audit,
        external_requests=len(p.fake.requests),
        local_requests=len(local_fake.requests) if local_fake else 0,
        reasons=[r["code"] for r in audit.get("reasons", [])],
    )


@dataclass(frozen=True)
class Rule:
    id: str
    tenant: str
    text: str
    route: str
    transform: str
    reasons: list[str]
    model: str = "gpt-4o"
    endpoint: str = "chat"
    local: bool = True
    external: bool = True
    provider: str = "openai"
    status: int = 200
    error_code: str | None = None


RULES = [
    Rule("clean-external-as-is", "acme", CLEAN, "external", "none", ["no_personal_data"]),
    Rule(
        "personal-pseudonymized-with-scc",
        "acme",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized", "transfer_scc"],
    ),
    Rule(
        "non-eu-tenant-no-transfer-tool-needed",
        "us-co",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized"],
        model="gpt-4o-mini",
    ),
    Rule("art9-local", "acme", HEALTH, "local", "none", ["special_category"]),
    Rule(
        "art9-local-even-non-eu",
        "us-co",
        HEALTH,
        "local",
        "none",
        ["special_category"],
        model="gpt-4o-mini",
    ),
    Rule(
        "art9-without-local-denied",
        "acme",
        HEALTH,
        "deny",
        "none",
        ["local_unavailable", "special_category"],
        local=False,
        status=403,
        error_code="policy_denied",
    ),
    Rule("strict-tenant-local", "strict-co", PERSONAL, "local", "none", ["tenant_strict"]),
    Rule(
        "strict-tenant-clean-external", "strict-co", CLEAN, "external", "none", ["no_personal_data"]
    ),
    Rule(
        "tenant-disallows-external-local",
        "closed-co",
        PERSONAL,
        "local",
        "none",
        ["external_disallowed"],
    ),
    Rule(
        "tenant-disallows-external-clean-local",
        "closed-co",
        CLEAN,
        "local",
        "none",
        ["external_disallowed"],
    ),
    Rule(
        "no-provider-key-local",
        "acme",
        PERSONAL,
        "local",
        "none",
        ["external_unavailable"],
        external=False,
    ),
    Rule(
        "no-transfer-mechanism-local",
        "acme",
        PERSONAL,
        "local",
        "none",
        ["transfer_mechanism_missing"],
        provider="deepseek",
    ),
    Rule(
        "no-transfer-mechanism-clean-external",
        "acme",
        CLEAN,
        "external",
        "none",
        ["no_personal_data"],
        provider="deepseek",
    ),
    Rule(
        "model-not-allowed-denied",
        "us-co",
        CLEAN,
        "deny",
        "none",
        ["model_not_allowed"],
        status=403,
        error_code="model_not_allowed",
    ),
    Rule(
        "tenant-data-redacts",
        "example-research",
        PERSONAL,
        "external",
        "redact",
        ["personal_data_redacted"],
        provider="mistral",
    ),
    Rule(
        "tenant-data-provider-not-allowed",
        "example-research",
        PERSONAL,
        "local",
        "none",
        ["provider_not_allowed"],
    ),
    Rule(
        "embeddings-pseudonymized",
        "acme",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized", "transfer_scc"],
        model="text-embedding-3-small",
        endpoint="embeddings",
    ),
    Rule(
        "embeddings-art9-local",
        "acme",
        HEALTH,
        "local",
        "none",
        ["special_category"],
        model="text-embedding-3-small",
        endpoint="embeddings",
    ),
]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
async def test_rule_through_the_proxy(
    make_proxy: Any, monkeypatch: pytest.MonkeyPatch, rule: Rule
) -> None:
    monkeypatch.setenv("PRIVACY_PROXY_EXTERNAL__NAME", rule.provider)
    async with proxy(make_proxy, local=rule.local, external=rule.external) as p:
        assert p.settings.external.name == rule.provider
        seen = await send(p, rule.tenant, rule.text, model=rule.model, endpoint=rule.endpoint)
    assert (seen.status, seen.route) == (rule.status, rule.route)
    assert seen.decision_id and seen.audit, "every decision is audited under the header's id"
    assert (seen.audit["route"], seen.audit["transform"]) == (rule.route, rule.transform)
    assert seen.reasons == rule.reasons
    assert seen.audit["policy_revision"]
    if rule.route == "deny":
        assert seen.error is not None
        if rule.error_code:
            assert seen.error["code"] == rule.error_code
        for code in rule.reasons:
            assert code in seen.error["message"]
        assert EMAIL not in json.dumps(seen.error)
        assert seen.external_requests == seen.local_requests == 0
    elif rule.route == "local":
        assert (seen.external_requests, seen.local_requests) == (0, 1)
        if EMAIL in rule.text:
            assert EMAIL in seen.local  # local processing needs no transformation
    else:
        assert (seen.external_requests, seen.local_requests) == (1, 0)
        if rule.transform == "none":
            assert rule.text in seen.external  # clean data leaves unchanged
        else:
            assert EMAIL not in seen.external
        if rule.endpoint == "chat":
            restored = rule.transform in ("none", "pseudonymize")
            assert (EMAIL in seen.answer) == (restored and EMAIL in rule.text)


# The OPA sidecar path: each failure is a deny, and nothing reaches either provider.


@pytest.fixture
async def opa() -> AsyncIterator[RunningFakeOPA]:
    async with RunningFakeOPA(FakeOPA(ROOT / "policies", delay_s=2.0)) as running:
        yield running


@pytest.mark.parametrize("mode", ["ok", "down", "slow", "undefined", "garbage", "malformed"])
async def test_opa_engine_through_the_proxy(
    make_proxy: Any, opa: RunningFakeOPA, mode: str
) -> None:
    policy = {"engine": "opa", "opa": {"url": opa.url, "timeout_s": 0.5}}  # "slow" takes 2 s
    async with proxy(make_proxy, policy=policy) as p:
        opa.fake.mode = mode
        seen = await send(p, "acme", PERSONAL)
    assert opa.fake.queries == ["privacy/decision/result"]
    if mode == "ok":
        assert (seen.status, seen.route, seen.external_requests) == (200, "external", 1)
        assert EMAIL not in seen.external and EMAIL in seen.answer
        return
    assert (seen.status, seen.route) == (503, "deny")
    assert seen.error is not None and seen.error["code"] == "policy_unavailable"
    assert seen.external_requests == seen.local_requests == 0
    assert seen.audit["route"] == "deny"


async def test_policy_change_on_disk_applies_without_restart(
    make_proxy: Any, tmp_path: Path
) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    async with proxy(make_proxy, policy={"path": str(policies), "reload_interval_s": 0}) as p:
        before = await send(p, "acme", PERSONAL)
        data = policies / "data.json"
        data.write_text(data.read_text().replace('"strict": false', '"strict": true'))
        st = data.stat()
        os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        after = await send(p, "acme", PERSONAL)
    assert (before.route, after.route) == ("external", "local")
    assert after.reasons == ["tenant_strict"]
    assert before.audit["policy_revision"] != after.audit["policy_revision"]
    assert after.audit["policy_revision"] == p.state.engine.revision
