"""Each policy rule through the whole proxy, as the client, the providers and the audit log see it,
and ``privacy-proxy policy eval`` agreeing with the proxy on every one.

The local route goes to a second recording fake (an OpenAI-compatible self-hosted server), so both
sides of every decision are visible: what reached the external fake, what reached the local one.
The table covers every GDPR Chapter V rule of the policy (regions, providers without a region,
adequacy and the Data Privacy Framework, SCCs and BCRs, the local model's region, Art. 10 data,
purposes) and what a strict tenant means.
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

from proxy.audit.export import art30_report
from proxy.config import ROOT, hash_key
from proxy.decide.cli import evaluate
from tests.conftest import Shared, default_tenants
from tests.fakes.fake_opa import FakeOPA, RunningFakeOPA
from tests.fakes.fake_openai import FakeOpenAI, RunningFake

EMAIL = "marie.dupont@example.com"
PERSONAL = f"Please write a short reply to {EMAIL} about the invoice."
CLEAN = "What is the boiling point of water at sea level?"
HEALTH = f"Our colleague {EMAIL} was diagnosed with diabetes; how can we support her?"
CRIMINAL = f"Our applicant {EMAIL} was convicted of fraud in 2019; draft a neutral reply."

EXTRA_TENANTS: dict[str, dict[str, Any]] = {
    "example-research": {"region": "EU", "purpose": "research"},
    "de-co": {"region": "de"},  # any letter case: normalised to DE when the config loads
    "purpose-co": {"region": "EU", "purpose": "support", "purposes": ["support", "billing"]},
    "pdl-co": {"region": "EU", "personal_data_local": True},
}
# Providers of the table, added to a copy of policies/data.json.
PROVIDERS: dict[str, dict[str, Any]] = {
    "uk-ai": {"name": "UK AI", "regions": ["GB"], "transfer_mechanism": "adequacy"},
    "cn-ai": {"name": "CN AI", "regions": ["CN"], "transfer_mechanism": "adequacy"},
    "us-dpf": {
        "name": "US AI",
        "regions": ["US"],
        "transfer_mechanism": "dpf",
        "dpf_certified": True,
    },
    "us-uncertified": {"name": "US AI 2", "regions": ["us"], "transfer_mechanism": "dpf"},
    "in-bcr": {"name": "IN AI", "regions": ["IN"], "transfer_mechanism": "bcr"},
    "mixed-scc": {"name": "Mixed AI", "regions": ["FR", "US"], "transfer_mechanism": "scc"},
    "no-regions": {"name": "Nowhere AI", "regions": [], "transfer_mechanism": "scc"},
    "cloud-region": {"name": "Cloud AI", "regions": ["us-east-1"], "transfer_mechanism": "scc"},
}


def key(tenant: str) -> str:
    return f"sk-test-{tenant}"


@pytest.fixture(scope="module")
def gdpr_policies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """policies/ with the table's providers added to its data."""
    dst = tmp_path_factory.mktemp("gdpr") / "policies"
    shutil.copytree(ROOT / "policies", dst)
    data = json.loads((dst / "data.json").read_text())
    data["privacy"]["providers"].update(PROVIDERS)
    (dst / "data.json").write_text(json.dumps(data))
    return dst


@dataclass
class Seen:
    """One request as the client, both providers and the audit log saw it."""

    status: int
    route: str
    client_reasons: list[str]
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
async def proxy(
    make_proxy: Any, *, local: bool = True, detector: Any = None, **overrides: Any
) -> AsyncIterator[Any]:
    """A proxy whose local backend is a recording fake, and whose audit appends are recorded."""
    tenants = default_tenants() + [
        {"id": tid, "api_key_sha256": [hash_key(key(tid))], **cfg}
        for tid, cfg in EXTRA_TENANTS.items()
    ]
    async with contextlib.AsyncExitStack() as stack:
        local_fake = None
        target = "none"
        if local:
            running = RunningFake(FakeOpenAI())
            local_fake = await stack.enter_async_context(running)
            target = running.base_url
        p = await stack.enter_async_context(
            make_proxy(local=target, tenants=tenants, detector=detector, **overrides)
        )
        for tid in EXTRA_TENANTS:
            p.keys[tid] = key(tid)
        p.local_fake = local_fake
        p.audited = []
        audit_log = p.state.audit_log
        append = audit_log.append

        async def recording_append(record: dict[str, Any]) -> int:
            p.audited.append(record)
            return await append(record)

        audit_log.append = recording_append
        yield p


def body_of(text: str, model: str, endpoint: str) -> dict[str, Any]:
    """The body the official client sends for ``send``."""
    if endpoint == "chat":
        return {"messages": [{"role": "user", "content": text}], "model": model, "max_tokens": 16}
    return {"input": text, "model": model}


async def send(
    p: Any,
    tenant: str,
    text: str,
    *,
    model: str = "gpt-4o",
    endpoint: str = "chat",
    purpose: str | None = None,
) -> Seen:
    client = p.client(tenant)
    extra = {"extra_headers": {"x-privacy-proxy-purpose": purpose}} if purpose else {}
    error, answer, status, headers = None, "", 200, {}
    try:
        if endpoint == "chat":
            raw = await client.chat.completions.with_raw_response.create(
                model=model, messages=[{"role": "user", "content": text}], max_tokens=16, **extra
            )
            answer = raw.parse().choices[0].message.content or ""
        else:
            raw = await client.embeddings.with_raw_response.create(model=model, input=text, **extra)
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
        client_reasons=[c for c in headers.get("x-privacy-proxy-reasons", "").split(",") if c],
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
    purpose: str | None = None  # the x-privacy-proxy-purpose header
    local_region: str | None = None  # local.region of the configuration
    tenant_region: str | None = None  # a region that reaches the policy past the config check
    backend_region: str | None = None  # what the audit record names for an external request


RULES = [
    Rule(
        "clean-external-as-is",
        "acme",
        CLEAN,
        "external",
        "none",
        ["no_personal_data"],
        backend_region="US",
    ),
    Rule(
        "personal-pseudonymized-with-scc",
        "acme",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized", "transfer_scc"],
        backend_region="US",
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
    Rule("strict-tenant-clean-local", "strict-co", CLEAN, "local", "none", ["tenant_strict"]),
    Rule(
        "personal-data-local-tenant-personal-local",
        "pdl-co",
        PERSONAL,
        "local",
        "none",
        ["tenant_personal_data_local"],
    ),
    Rule(
        "personal-data-local-tenant-clean-external",
        "pdl-co",
        CLEAN,
        "external",
        "none",
        ["no_personal_data"],
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
        backend_region="CN",
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
        backend_region="FR",
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
        backend_region="US",
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
    # GDPR Chapter V, item by item. Regions: codes in any case, anything else most protective.
    Rule(
        "region-lower-case-code-is-eu",
        "de-co",
        PERSONAL,
        "local",
        "none",
        ["transfer_mechanism_missing"],
        provider="deepseek",
    ),
    Rule(
        "region-unrecognised-keeps-personal-data-local",
        "acme",
        PERSONAL,
        "local",
        "none",
        ["tenant_region_unrecognised"],
        tenant_region="eu-west-1",
    ),
    Rule(
        "region-unrecognised-no-local-denied",
        "acme",
        PERSONAL,
        "deny",
        "none",
        ["local_unavailable", "tenant_region_unrecognised"],
        tenant_region="Europe",
        local=False,
        status=403,
        error_code="policy_denied",
    ),
    # A provider without a recorded, recognised region.
    Rule(
        "provider-unlisted-unknown",
        "acme",
        PERSONAL,
        "local",
        "none",
        ["provider_unknown"],
        provider="unlisted",
    ),
    Rule(
        "provider-empty-regions-unknown",
        "acme",
        PERSONAL,
        "local",
        "none",
        ["provider_unknown"],
        provider="no-regions",
    ),
    Rule(
        "provider-cloud-region-name-unknown",
        "acme",
        PERSONAL,
        "local",
        "none",
        ["provider_unknown"],
        provider="cloud-region",
    ),
    # Transfer tools: adequacy (the Commission's list), the DPF (certified only), SCCs, BCRs.
    Rule(
        "adequacy-listed-country-external",
        "acme",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized", "transfer_adequacy"],
        provider="uk-ai",
        backend_region="GB",
    ),
    Rule(
        "adequacy-unlisted-country-local",
        "acme",
        PERSONAL,
        "local",
        "none",
        ["transfer_mechanism_invalid"],
        provider="cn-ai",
    ),
    Rule(
        "dpf-certified-provider-external",
        "acme",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized", "transfer_dpf"],
        provider="us-dpf",
        backend_region="US",
    ),
    Rule(
        "dpf-uncertified-provider-local",
        "acme",
        PERSONAL,
        "local",
        "none",
        ["transfer_mechanism_invalid"],
        provider="us-uncertified",
    ),
    Rule(
        "bcr-external",
        "acme",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized", "transfer_bcr"],
        provider="in-bcr",
        backend_region="IN",
    ),
    Rule(
        "scc-mixed-regions-external",
        "acme",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized", "transfer_scc"],
        provider="mixed-scc",
        backend_region="FR,US",
    ),
    # The local model's region.
    Rule(
        "local-outside-eea-art9-denied",
        "acme",
        HEALTH,
        "deny",
        "none",
        ["local_region_not_adequate", "special_category"],
        local_region="US",
        status=403,
        error_code="policy_denied",
    ),
    Rule(
        "local-outside-eea-strict-clean-denied",
        "strict-co",
        CLEAN,
        "deny",
        "none",
        ["local_region_not_adequate", "tenant_strict"],
        local_region="us",
        status=403,
        error_code="policy_denied",
    ),
    Rule(
        "local-in-adequate-country-art9-local",
        "acme",
        HEALTH,
        "local",
        "none",
        ["special_category"],
        local_region="CH",
    ),
    Rule(
        "local-outside-eea-non-eu-tenant-local",
        "us-co",
        HEALTH,
        "local",
        "none",
        ["special_category"],
        model="gpt-4o-mini",
        local_region="US",
    ),
    # Art. 10: criminal-offence data, like Art. 9.
    Rule("art10-local", "acme", CRIMINAL, "local", "none", ["criminal_offence_data"]),
    Rule(
        "art10-without-local-denied",
        "us-co",
        CRIMINAL,
        "deny",
        "none",
        ["criminal_offence_data", "local_unavailable"],
        model="gpt-4o-mini",
        local=False,
        status=403,
        error_code="policy_denied",
    ),
    # Purposes: the tenant's list; the request names its own.
    Rule(
        "purpose-unlisted-local",
        "purpose-co",
        PERSONAL,
        "local",
        "none",
        ["purpose_not_allowed"],
        purpose="marketing",
    ),
    Rule(
        "purpose-listed-any-case-external",
        "purpose-co",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized", "transfer_scc"],
        purpose="Billing",
        backend_region="US",
    ),
    Rule(
        "purpose-tenant-default-external",
        "purpose-co",
        PERSONAL,
        "external",
        "pseudonymize",
        ["personal_data_pseudonymized", "transfer_scc"],
        backend_region="US",
    ),
    Rule(
        "purpose-unlisted-clean-external",
        "purpose-co",
        CLEAN,
        "external",
        "none",
        ["no_personal_data"],
        purpose="marketing",
        backend_region="US",
    ),
]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
async def test_rule_through_the_proxy_and_policy_eval(
    make_proxy: Any,
    shared_detector: Any,
    gdpr_policies: Path,
    monkeypatch: pytest.MonkeyPatch,
    rule: Rule,
) -> None:
    monkeypatch.setenv("PRIVACY_PROXY_EXTERNAL__NAME", rule.provider)
    if rule.local_region:
        monkeypatch.setenv("PRIVACY_PROXY_LOCAL__REGION", rule.local_region)
    detector = Shared(shared_detector)
    async with proxy(
        make_proxy,
        local=rule.local,
        external=rule.external,
        detector=detector,
        policy={"path": str(gdpr_policies)},
    ) as p:
        assert p.settings.external.name == rule.provider
        tenant = next(t for t in p.settings.tenants if t.id == rule.tenant)
        if rule.tenant_region:  # as if it came from elsewhere than the checked configuration
            tenant.region = rule.tenant_region
        seen = await send(
            p,
            rule.tenant,
            rule.text,
            model=rule.model,
            endpoint=rule.endpoint,
            purpose=rule.purpose,
        )
        endpoint = "chat.completions" if rule.endpoint == "chat" else "embeddings"
        body = body_of(rule.text, rule.model, rule.endpoint)
        _, cli = await evaluate(
            p.settings, body, tenant, endpoint, purpose=rule.purpose, detector=p.state.detector
        )
    assert (seen.status, seen.route) == (rule.status, rule.route)
    assert seen.decision_id and seen.audit, "every decision is audited under the header's id"
    assert (seen.audit["route"], seen.audit["transform"]) == (rule.route, rule.transform)
    assert seen.reasons == rule.reasons
    assert seen.client_reasons == rule.reasons
    assert seen.audit["policy_revision"]
    # policy eval decides exactly as the proxy did.
    assert (cli.route, cli.transform, [r.code for r in cli.reasons]) == (
        rule.route,
        rule.transform,
        rule.reasons,
    )
    if rule.route == "deny":
        assert seen.error is not None
        if rule.error_code:
            assert seen.error["code"] == rule.error_code
        for code in rule.reasons:
            assert code in seen.error["message"]
        assert EMAIL not in json.dumps(seen.error)
        assert seen.external_requests == seen.local_requests == 0
        assert seen.audit["backend"] is None
    elif rule.route == "local":
        assert (seen.external_requests, seen.local_requests) == (0, 1)
        if EMAIL in rule.text:
            assert EMAIL in seen.local  # local processing needs no transformation
        assert seen.audit["backend_region"] == (rule.local_region or "EU").upper()
    else:
        assert (seen.external_requests, seen.local_requests) == (1, 0)
        if rule.transform == "none":
            assert rule.text in seen.external  # clean data leaves unchanged
        else:
            assert EMAIL not in seen.external
        if rule.endpoint == "chat":
            restored = rule.transform in ("none", "pseudonymize")
            assert (EMAIL in seen.answer) == (restored and EMAIL in rule.text)
        if rule.backend_region:
            assert seen.audit["backend_region"] == rule.backend_region
        assert seen.audit["transfer_mechanism"] == cli.extra.get("transfer_mechanism")


async def test_art30_report_lists_the_provider_region(make_proxy: Any) -> None:
    """The audit record of an external request names the provider's region (from the policy's
    provider facts) and the Art. 30 report lists the recipient with it."""
    async with proxy(make_proxy) as p:
        seen = await send(p, "acme", PERSONAL)
        await send(p, "acme", HEALTH)
        assert seen.audit["backend_region"] == "US"
        async with p.state.audit_log.store.reader() as reader:
            tenant = next(t for t in p.settings.tenants if t.id == "acme")
            report = await art30_report(reader, tenant, since=None, until=None)
    assert report.recipients[("openai", "US")] == 1
    assert report.recipients[("openai_compatible", "EU")] == 1
    assert "openai,US" in report.csv()


@pytest.mark.parametrize("value", ["jane@example.com", "x" * 101, "-starts-with-a-dash"])
async def test_malformed_purpose_header_is_a_client_error(make_proxy: Any, value: str) -> None:
    async with proxy(make_proxy) as p:
        seen = await send(p, "acme", CLEAN, purpose=value)
    assert seen.status == 400 and seen.error is not None
    assert seen.error["code"] == "invalid_request_error"
    assert value not in json.dumps(seen.error)
    assert seen.external_requests == seen.local_requests == 0


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
        assert seen.audit["backend_region"] == "US"
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
