"""End to end through the official openai client: the real detector, the real Rego engine, the
real SQLite audit log, the real local SmolLM2 model, and a recording fake external provider."""

from __future__ import annotations

import json

import aiohttp
import openai
import pytest

from proxy.metrics import metrics_app
from tests.conftest import ADMIN_KEY
from tests.serving import serve_app

EMAIL = "jane.doe@example.com"
PHONE = "+49 30 901820"
NAME = "Jane Doe"
IBAN = "DE89 3704 0044 0532 0130 00"
CLEAN = "Summarize the release notes of version 2.4.1 in three bullet points."

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
async def proxy(make_proxy):
    async with make_proxy() as p:
        yield p


def assert_not_leaked(fake, *values):
    sent = fake.all_text()
    for v in values:
        assert v not in sent, f"a raw value reached the provider: {v[:3]}…"


async def test_clean_request_reaches_the_provider_unchanged(proxy):
    client = proxy.client()
    resp = await client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": CLEAN}])
    out = resp.parse()
    assert out.choices[0].message.content == "ECHO: " + CLEAN
    assert resp.headers["x-privacy-proxy-route"] == "external"
    assert len(resp.headers["x-privacy-proxy-decision-id"]) == 32
    assert proxy.fake.requests[-1].body["messages"] == [{"role": "user", "content": CLEAN}]
    assert proxy.fake.requests[-1].headers["Authorization"] == "Bearer sk-fake-provider"


async def test_personal_data_is_pseudonymized_and_restored(proxy):
    client = proxy.client()
    prompt = f"Please write to {NAME} at {EMAIL} or call {PHONE}."
    out = await client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": prompt}])
    assert out.choices[0].message.content == "ECHO: " + prompt
    assert_not_leaked(proxy.fake, EMAIL, PHONE, NAME)
    sent = proxy.fake.requests[-1].body["messages"][0]["content"]
    assert "<EMAIL_ADDRESS_" in sent


@pytest.mark.parametrize("chunk_size", [1, 3, 7])
async def test_streaming_restores_placeholders_split_across_chunks(make_proxy, chunk_size):
    from tests.fakes.fake_openai import FakeOpenAI

    async with make_proxy(fake=FakeOpenAI(chunk_size=chunk_size)) as p:
        client = p.client()
        prompt = f"Contact {EMAIL} and {NAME} today."
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": prompt}], stream=True,
            stream_options={"include_usage": True})
        parts, usage = [], None
        async for chunk in stream:
            if chunk.usage:
                usage = chunk.usage
            for c in chunk.choices:
                parts.append(c.delta.content or "")
        assert "".join(parts) == "ECHO: " + prompt
        assert usage is not None and usage.total_tokens == 15
        assert_not_leaked(p.fake, EMAIL, NAME)


async def test_the_first_streamed_chunk_is_forwarded_before_the_answer_is_complete(make_proxy):
    """The provider holds the rest of its answer back until the client has the first chunk: a
    proxy that waited for more of the answer before forwarding would never deliver it."""
    import asyncio

    from tests.fakes.fake_openai import FakeOpenAI

    gate = asyncio.Event()
    async with make_proxy(fake=FakeOpenAI(chunk_size=4, gate=gate)) as p:
        try:
            prompt = f"Contact {EMAIL} today."
            stream = await p.client().chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": prompt}], stream=True)
            chunks = stream.__aiter__()
            first = ""
            while not first:
                chunk = await asyncio.wait_for(chunks.__anext__(), 30)
                first = "".join(c.delta.content or "" for c in chunk.choices)
            assert first == "ECHO"
            gate.set()
            rest = [c.delta.content or "" async for chunk in chunks for c in chunk.choices]
            assert first + "".join(rest) == "ECHO: " + prompt
        finally:
            gate.set()


@pytest.mark.parametrize("split_bytes", [1, 5])
async def test_a_stream_cut_anywhere_by_the_network_is_relayed_whole(make_proxy, split_bytes):
    """Events arrive cut inside lines, inside multi-byte characters and between CR and LF."""
    from tests.fakes.fake_openai import FakeOpenAI

    async with make_proxy(fake=FakeOpenAI(chunk_size=3, split_bytes=split_bytes)) as p:
        prompt = f"Grüße an {NAME} – der Preis ist 5 €, Antwort an {EMAIL}."
        stream = await p.client().chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": prompt}], stream=True)
        text = "".join([c.delta.content or "" async for chunk in stream for c in chunk.choices])
        assert text == "ECHO: " + prompt
        assert_not_leaked(p.fake, EMAIL, NAME)


async def test_a_streamed_event_longer_than_a_network_read_is_relayed(make_proxy):
    """One SSE line of 200 kB (a whole answer in one chunk) spans several network reads."""
    from tests.fakes.fake_openai import FakeOpenAI

    async with make_proxy(fake=FakeOpenAI(chunk_size=1_000_000)) as p:
        prompt = "please keep this short. " * 8_000 + f"Write to {EMAIL}."
        stream = await p.client().chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": prompt}], stream=True)
        text = "".join([c.delta.content or "" async for chunk in stream for c in chunk.choices])
        assert text == "ECHO: " + prompt
        assert_not_leaked(p.fake, EMAIL)


async def test_every_field_is_protected_and_tool_arguments_restored(proxy):
    client = proxy.client()
    messages = [
        {"role": "system", "content": f"The customer is {NAME}, e-mail {EMAIL}."},
        {"role": "user", "name": "agent_7", "content": [
            {"type": "text", "text": f"Her IBAN is {IBAN}."},
            {"type": "text", "text": f"Phone: {PHONE}."}]},
        {"role": "assistant", "content": f"Noted, I will contact {EMAIL}.", "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "crm_lookup", "arguments": json.dumps({"email": EMAIL})}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": f"Found: {NAME}, {PHONE}"},
        {"role": "user", "content": f"Send a summary to {EMAIL}."},
    ]
    tools = [{"type": "function", "function": {
        "name": "send_mail", "parameters": {"type": "object",
                                             "properties": {"echo": {"type": "string"}}}}}]
    out = await client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools,
                                               user=EMAIL)
    assert_not_leaked(proxy.fake, EMAIL, NAME, PHONE, IBAN, IBAN.replace(" ", ""))
    call = out.choices[0].message.tool_calls[0]
    assert json.loads(call.function.arguments) == {"echo": f"Send a summary to {EMAIL}."}
    # Streaming tool-call arguments are restored too.
    stream = await client.chat.completions.create(model="gpt-4o", messages=messages,
                                                  tools=tools, stream=True)
    args = ""
    async for chunk in stream:
        for c in chunk.choices:
            for tc in c.delta.tool_calls or []:
                args += tc.function.arguments or ""
    assert json.loads(args) == {"echo": f"Send a summary to {EMAIL}."}


async def test_completions_and_embeddings_are_protected(proxy):
    client = proxy.client()
    prompt = f"Dear {NAME}, your account {EMAIL} is ready."
    out = await client.completions.create(model="gpt-4o-mini", prompt=prompt)
    assert out.choices[0].text == "ECHO: " + prompt
    emb = await client.embeddings.create(model="text-embedding-3-small",
                                         input=[f"Customer {EMAIL}", CLEAN])
    assert len(emb.data) == 2
    assert_not_leaked(proxy.fake, EMAIL, NAME)


async def test_response_format_is_passed_through(proxy):
    client = proxy.client()
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    await client.chat.completions.create(model="gpt-4o", response_format=fmt,
                                         messages=[{"role": "user", "content": CLEAN}])
    assert proxy.fake.requests[-1].body["response_format"] == fmt


@pytest.mark.parametrize("key", [None, "sk-wrong"])
async def test_unknown_or_missing_key_is_401(proxy, key):
    async with aiohttp.ClientSession() as s:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        async with s.post(f"{proxy.base_url}/chat/completions", headers=headers,
                          json={"model": "gpt-4o", "messages": [{"role": "user",
                                                                 "content": "hi"}]}) as r:
            assert r.status == 401
            body = await r.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["code"] == "invalid_api_key"
    assert proxy.fake.requests == []
    async with openai.AsyncOpenAI(
        base_url=proxy.base_url, api_key="sk-wrong", max_retries=0
    ) as client:
        with pytest.raises(openai.AuthenticationError):
            await client.models.list()


async def test_errors_are_openai_shaped(proxy):
    async with aiohttp.ClientSession() as s:
        auth = {"Authorization": f"Bearer {proxy.keys['acme']}"}
        async with s.post(f"{proxy.base_url}/chat/completions", headers=auth,
                          data=b"not json") as r:
            assert r.status == 400
            assert (await r.json())["error"]["type"] == "invalid_request_error"
        async with s.get(f"{proxy.base_url}/nothing-here", headers=auth) as r:
            assert r.status == 404
            assert set((await r.json())["error"]) == {"message", "type", "param", "code"}


async def test_models_health_ready_and_metrics(proxy):
    client = proxy.client("us-co")
    ids = [m.id async for m in client.models.list()]
    assert ids == ["smollm2-135m-instruct", "gpt-4o-mini"]  # us-co may use only these
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{proxy.origin}/healthz") as r:
            assert r.status == 200
        async with s.get(f"{proxy.origin}/readyz") as r:
            body = await r.json()
            assert r.status == 200, body
            assert body["checks"] == {"detector": True, "policy": True, "audit": True,
                                      "local_model": True}
        await proxy.client().chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": f"Mail {EMAIL}"}])
        async with s.get(f"{proxy.origin}/metrics") as r:
            assert r.status == 404  # metrics have their own listener (metrics.port)
        runner, port = await serve_app(metrics_app())
        try:
            async with s.get(f"http://127.0.0.1:{port}/metrics") as r:
                text = await r.text()
        finally:
            await runner.cleanup()
    assert 'privacy_proxy_requests_total{code="ok",endpoint="chat.completions",' in text
    assert 'privacy_proxy_entities_detected_total{entity_type="EMAIL_ADDRESS"' in text
    assert 'privacy_proxy_stage_seconds_bucket{le="0.0005",stage="detect"}' in text
    assert EMAIL not in text


async def test_admin_api_needs_an_admin_key(proxy):
    async with aiohttp.ClientSession() as s:
        url = f"{proxy.origin}/admin/v1/tenants/acme/corrections"
        async with s.get(url, headers={"Authorization": f"Bearer {proxy.keys['acme']}"}) as r:
            assert r.status == 401
        async with s.get(url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as r:
            assert r.status == 200


async def test_the_proxys_clients_are_closed_when_it_stops(make_proxy):
    # A client left to the garbage collector aborts its dead connections later and can make the
    # event loop stop watching another socket (see ProxyUnderTest.client): the fixture closes them.
    async with make_proxy(local="none") as p:
        clients = [p.client(), p.client("us-co")]
        await clients[0].models.list()
        assert not any(c.is_closed() for c in clients)
    assert all(c.is_closed() for c in clients)
