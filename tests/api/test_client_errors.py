"""Client mistakes are answered 4xx with an OpenAI-shaped body, and nothing reaches a provider:
bodies nested too deeply, strings that are not Unicode text, content encodings the proxy does not
decode. Errors before a request is routed carry no route header."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import aiohttp
import pytest

pytestmark = pytest.mark.timeout(120)

MESSAGES = [{"role": "user", "content": "Explain bloom filters."}]


@pytest.fixture
async def proxy(make_proxy: Any) -> Any:
    async with make_proxy(local="none") as p:
        yield p


async def post(p: Any, data: bytes, headers: dict[str, str] | None = None,
               path: str = "/chat/completions") -> tuple[int, Any, Any]:
    hdrs = {"Authorization": f"Bearer {p.keys['acme']}", "Content-Type": "application/json",
            **(headers or {})}
    async with aiohttp.ClientSession(auto_decompress=False) as s, s.post(
        p.base_url + path, data=data, headers=hdrs
    ) as r:
        raw = await r.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        return r.status, body, r.headers


def assert_client_error(status: int, body: Any, code: str | None = None) -> None:
    assert 400 <= status < 500, (status, body)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["type"] == "invalid_request_error"
    if code is not None:
        assert body["error"]["code"] == code


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("where,depth", [
    *[(where, depth) for where in ("metadata", "top") for depth in (129, 900, 5_000, 100_000)],
    # JSON inside a JSON string (tool-call arguments), parsed when the texts are extracted.
    ("tool_arguments", 5_000), ("tool_arguments", 100_000),
])
async def test_json_nested_too_deeply_is_400(proxy: Any, depth: int, where: str) -> None:
    deep = nested(depth)
    head = '{"model": "gpt-4o", "messages": ' + json.dumps(MESSAGES)
    if where == "metadata":
        raw = head + ', "metadata": {"x": ' + deep + "}}"
    elif where == "tool_arguments":
        msgs = [*MESSAGES, {"role": "assistant", "tool_calls": [{
            "id": "c1", "type": "function",
            "function": {"name": "f", "arguments": '{"a": ' + deep + "}"}}]}]
        raw = json.dumps({"model": "gpt-4o", "messages": msgs})
    else:
        raw = head + ', "x": ' + deep + "}"
    status, body, headers = await post(proxy, raw.encode())
    assert_client_error(status, body, "invalid_request_error")
    assert "x-privacy-proxy-route" not in headers
    assert proxy.fake.requests == []


async def test_nesting_up_to_the_limit_is_served(proxy: Any) -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(62):  # a JSON schema 62 objects deep: 128 levels with the body's own
        schema = {"type": "object", "properties": {"inner": schema}}
    raw = json.dumps({"model": "gpt-4o", "messages": MESSAGES, "response_format": {
        "type": "json_schema", "json_schema": {"name": "deep", "schema": schema}}})
    status, body, _ = await post(proxy, raw.encode())
    assert status == 200, body
    assert len(proxy.fake.requests) == 1


@pytest.mark.parametrize("raw", [
    # A lone surrogate as a JSON escape, high or low, in a message, a key, or metadata.
    '{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi \\ud800 there"}]}',
    '{"model": "gpt-4o", "messages": [{"role": "user", "content": "\\udfff"}]}',
    '{"model": "gpt-4o", "messages": [{"role": "user", "content": "a\\udc00\\ud800b"}]}',
    '{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],'
    ' "metadata": {"\\ud83d": "x"}}',
])
async def test_a_lone_surrogate_is_400(proxy: Any, raw: str) -> None:
    status, body, headers = await post(proxy, raw.encode())
    assert_client_error(status, body, "invalid_request_error")
    assert "x-privacy-proxy-route" not in headers
    assert proxy.fake.requests == []


@pytest.mark.parametrize("raw", [
    # Bytes that are not UTF-8: a surrogate encoded as UTF-8 (CESU-8), a stray continuation
    # byte, a truncated sequence.
    b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi \xed\xa0\x80"}]}',
    b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi \x80"}]}',
    b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi \xe2\x82"}]}',
])
async def test_a_body_that_is_not_utf8_is_400(proxy: Any, raw: bytes) -> None:
    status, body, _ = await post(proxy, raw)
    assert_client_error(status, body, "invalid_request_error")
    assert proxy.fake.requests == []


async def test_a_paired_surrogate_escape_is_text(proxy: Any) -> None:
    raw = '{"model": "gpt-4o", "messages": [{"role": "user", "content": "ok \\ud83d\\ude00"}]}'
    status, body, _ = await post(proxy, raw.encode())
    assert status == 200, body
    assert body["choices"][0]["message"]["content"] == "ECHO: ok \U0001f600"


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "x-unknown", "gzip, br"])
async def test_an_unsupported_content_encoding_is_415(proxy: Any, encoding: str) -> None:
    raw = json.dumps({"model": "gpt-4o", "messages": MESSAGES}).encode()
    status, body, headers = await post(proxy, raw, {"Content-Encoding": encoding})
    assert status == 415
    assert_client_error(status, body, "unsupported_content_encoding")
    assert "x-privacy-proxy-route" not in headers
    assert proxy.fake.requests == []


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "deflate", "identity", "GZIP"])
async def test_supported_content_encodings_are_decoded(proxy: Any, encoding: str) -> None:
    raw = json.dumps({"model": "gpt-4o", "messages": MESSAGES}).encode()
    data = {"gzip": gzip.compress, "x-gzip": gzip.compress, "deflate": zlib.compress,
            "identity": bytes}[encoding.lower()](raw)
    status, body, _ = await post(proxy, data, {"Content-Encoding": encoding})
    assert status == 200, body
    assert body["choices"][0]["message"]["content"] == "ECHO: Explain bloom filters."


async def test_a_compressed_body_larger_than_the_limit_once_decoded_is_413(make_proxy: Any) -> None:
    async with make_proxy(local="none", server={"max_body_bytes": 64 * 1024}) as p:
        filler = "a" * (1024 * 1024)  # 1 MB of text compresses to about 1 kB
        raw = json.dumps({"model": "gpt-4o", "messages": MESSAGES, "user": filler}).encode()
        status, body, _ = await post(p, gzip.compress(raw), {"Content-Encoding": "gzip"})
        assert status == 413
        assert body["error"]["code"] == "payload_too_large"
        assert p.fake.requests == []


@pytest.mark.parametrize("data", [b"\x1f\x8b not gzip at all", gzip.compress(b"{}")[:-6]])
async def test_a_corrupt_compressed_body_is_400(proxy: Any, data: bytes) -> None:
    status, body, _ = await post(proxy, data, {"Content-Encoding": "gzip"})
    assert_client_error(status, body, "invalid_request_error")
    assert proxy.fake.requests == []
