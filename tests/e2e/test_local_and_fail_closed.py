"""The local route on the real SmolLM2 model, and failing closed when a dependency breaks."""

from __future__ import annotations

import openai
import pytest

from proxy.decide.types import PolicyError
from tests.fakes.fake_detector import FakeBrokenDetector
from tests.fakes.fake_engine import FakeBrokenEngine
from tests.serving import free_port

EMAIL = "jane.doe@example.com"
HEALTH = "My colleague Jane Doe was diagnosed with diabetes last year; how can I support her?"

pytestmark = pytest.mark.timeout(300)


async def test_strict_tenant_is_served_by_the_local_model(make_proxy):
    async with make_proxy() as p:
        client = p.client("strict-co")
        resp = await client.chat.completions.with_raw_response.create(
            model="gpt-4o", max_tokens=12,
            messages=[{"role": "user", "content": f"Write a greeting to {EMAIL}."}])
        out = resp.parse()
        assert resp.headers["x-privacy-proxy-route"] == "local"
        assert out.model == "smollm2-135m-instruct"  # the response says who answered
        assert out.choices[0].message.content
        assert p.fake.requests == []
        stream = await client.chat.completions.create(
            model="gpt-4o", max_tokens=12, stream=True, stream_options={"include_usage": True},
            messages=[{"role": "user", "content": f"Write a greeting to {EMAIL}."}])
        text, usage = "", None
        async for chunk in stream:
            assert chunk.model == "smollm2-135m-instruct"
            usage = chunk.usage or usage
            text += "".join(c.delta.content or "" for c in chunk.choices)
        assert text and usage is not None and usage.completion_tokens > 0
        assert p.fake.requests == []


async def test_special_category_stays_local_whatever_the_tenant(make_proxy):
    async with make_proxy() as p:
        resp = await p.client("acme").chat.completions.with_raw_response.create(
            model="gpt-4o", max_tokens=8, messages=[{"role": "user", "content": HEALTH}])
        assert resp.headers["x-privacy-proxy-route"] == "local"
        assert p.fake.requests == []


async def test_without_a_provider_key_everything_is_local(make_proxy):
    async with make_proxy(external=False) as p:
        client = p.client("acme")
        out = await client.chat.completions.create(
            model="gpt-4o", max_tokens=8,
            messages=[{"role": "user", "content": "Name three colours."}])
        assert out.model == "smollm2-135m-instruct"
        emb = await client.embeddings.create(model="text-embedding-3-small", input="hello")
        assert len(emb.data[0].embedding) > 0
        comp = await client.completions.create(model="gpt-4o", prompt="Once upon", max_tokens=4)
        assert comp.model == "smollm2-135m-instruct"


async def _refused(p, tenant="acme", status=503, code=None):
    client = p.client(tenant)
    with pytest.raises(openai.APIStatusError) as e:
        await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": f"Mail {EMAIL} please"}])
    assert e.value.status_code == status
    err = e.value.body if isinstance(e.value.body, dict) else {}
    assert set(err) >= {"message", "type", "code"}
    if code:
        assert err["code"] == code
    assert EMAIL not in e.value.message
    assert p.fake.requests == []
    return err


async def test_detector_failure_fails_closed(make_proxy):
    async with make_proxy(detector=FakeBrokenDetector()) as p:
        await _refused(p, code="detection_failed")


@pytest.mark.parametrize("exc", [PolicyError("POLICY_TIMEOUT", "timeout"), RuntimeError("x")])
async def test_policy_failure_fails_closed(make_proxy, exc):
    async with make_proxy(engine=FakeBrokenEngine(exc)) as p:
        await _refused(p, code="policy_unavailable")


async def test_local_backend_down_is_503_never_external(make_proxy):
    dead = f"http://127.0.0.1:{free_port()}/v1"
    async with make_proxy(local=dead) as p:
        # Must stay local (strict tenant) and the local server is down: 503, nothing external.
        await _refused(p, tenant="strict-co", code="local_backend_unavailable")
        # Art. 9 content likewise.
        with pytest.raises(openai.APIStatusError) as e:
            await p.client("acme").chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": HEALTH}])
        assert e.value.status_code in (403, 503)
        assert p.fake.requests == []
