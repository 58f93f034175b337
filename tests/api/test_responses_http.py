"""The Responses API's stored-state resources over HTTP: refused with a reason, after the key is
checked; nothing reaches the provider. And `policy eval` tells a Responses body from an
embeddings one."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from proxy.decide.cli import _endpoint

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/responses/resp_123"), ("DELETE", "/responses/resp_123"),
    ("GET", "/responses/resp_123/input_items"), ("POST", "/responses/resp_123/cancel"),
    ("POST", "/responses/compact"),
])
async def test_stored_responses_are_refused_with_the_reason(make_proxy: Any, method: str,
                                                            path: str) -> None:
    async with make_proxy(local="none") as p, aiohttp.ClientSession() as s:
        url = p.base_url + path
        async with s.request(method, url) as r:
            assert r.status == 401
        async with s.request(method, url, json={"model": "m"},
                             headers={"Authorization": f"Bearer {p.keys['acme']}"}) as r:
            body = await r.json()
            assert r.status == 400, body
            assert body["error"]["code"] == "unsupported_input"
            assert "stored responses are not available" in body["error"]["message"]
        assert p.fake.requests == []


@pytest.mark.parametrize(("body", "endpoint"), [
    ({"model": "m", "input": "hello"}, "embeddings"),
    ({"model": "m", "input": ["a", "b"]}, "embeddings"),
    ({"model": "m", "input": "hello", "instructions": "be brief"}, "responses"),
    ({"model": "m", "input": [{"role": "user", "content": "hi"}]}, "responses"),
    ({"model": "m", "messages": []}, "chat.completions"),
])
def test_policy_eval_guesses_the_endpoint_of_a_body(body: dict[str, Any],
                                                    endpoint: str) -> None:
    assert _endpoint(body, None) == endpoint
