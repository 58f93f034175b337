"""The local route's defaults for what a request leaves unset: an answer length limit and the
model's sampling parameters, in process and in the request sent to an OpenAI-compatible server;
what the request sets always wins."""

from __future__ import annotations

import pytest

from proxy.config import ConfigError, LocalBackendConfig, load_settings
from proxy.route.llama import LlamaCppBackend
from tests.fakes.fake_openai import FakeOpenAI, RunningFake

pytestmark = pytest.mark.timeout(300)

ASK = [{"role": "user", "content": "Write a long story about the sea."}]


async def test_an_openai_compatible_local_server_gets_the_defaults(make_proxy):
    running = RunningFake(FakeOpenAI())
    async with running as server:
        async with make_proxy(local=running.base_url, external=False) as p:
            client = p.client()
            await client.chat.completions.create(model="gpt-4o", messages=ASK)
            sent = server.requests[-1].body
            assert sent["max_tokens"] == 512
            assert (sent["temperature"], sent["top_p"]) == (0.2, 0.9)
            assert sent["repeat_penalty"] == sent["repetition_penalty"] == 1.15

            await client.chat.completions.create(
                model="gpt-4o", messages=ASK, max_completion_tokens=9, temperature=1.0,
                extra_body={"repetition_penalty": 1.0})
            sent = server.requests[-1].body
            assert sent["max_completion_tokens"] == 9 and "max_tokens" not in sent
            assert sent["temperature"] == 1.0 and sent["top_p"] == 0.9
            assert sent["repetition_penalty"] == 1.0 and "repeat_penalty" not in sent

            await client.completions.create(model="gpt-4o", prompt="Once upon a time")
            assert server.requests[-1].body["max_tokens"] == 16  # OpenAI's own default there
            await client.embeddings.create(model="e", input="hello")
            assert set(server.requests[-1].body) == {"model", "input", "encoding_format"}


async def test_the_in_process_model_stops_at_the_default_length(model_path):
    backend = LlamaCppBackend(LocalBackendConfig(model_path=model_path, n_ctx=1024,
                                                 default_max_tokens=6))
    await backend.start()
    try:
        out = (await backend.call("chat.completions", {"model": "m", "messages": ASK})).body
        assert out is not None and out["usage"]["completion_tokens"] <= 6
        assert out["choices"][0]["finish_reason"] == "length"
        out = (await backend.call("chat.completions", {"model": "m", "messages": ASK,
                                                       "max_tokens": 3})).body
        assert out is not None and out["usage"]["completion_tokens"] <= 3
        up = await backend.call("chat.completions", {"model": "m", "messages": ASK,
                                                     "stream": True})
        assert up.chunks is not None
        pieces = [c for batch in [b async for b in up.chunks] for c in batch
                  if c["choices"] and c["choices"][0]["delta"].get("content")]
        assert 0 < len(pieces) <= 6
    finally:
        await backend.close()


def test_sampling_names_llama_cpp_does_not_take_are_refused_at_startup():
    with pytest.raises(ConfigError, match="local.sampling"):
        load_settings(None, local={"kind": "llama_cpp", "sampling": {"repetition_penalty": 1.1}})
    settings = load_settings(None, local={"kind": "openai_compatible", "base_url": "http://x/v1",
                                          "sampling": {"repetition_penalty": 1.1}})
    assert settings.local.sampling == {"repetition_penalty": 1.1}
