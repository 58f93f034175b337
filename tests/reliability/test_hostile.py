"""Hostile inputs: each is refused with its own OpenAI-shaped client error (nothing forwarded, the
refusal audited when it reached the request path), or served when it is valid however odd, and
the proxy goes on serving ordinary requests. Sizes, nesting, surrogates, encodings and message
counts are generated per class; the last test sends the sizes of the report that found the
problem (5 MB, 50,000 messages) against the default limits.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.reliability.helpers import CLEAN, Answer, assert_openai_error, call, records

pytestmark = pytest.mark.timeout(120)
LIMITS = {"detection": {"max_text_chars": 3000, "max_request_chars": 8000,
                        "max_request_texts": 120},
          "server": {"max_body_bytes": 200_000}}
_PARAM = re.compile(r"^[a-z_]+(\[\d+\]|\.[a-z_]+)*$")


def _chat(messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": messages, **extra}


def _text(rng: random.Random, n: int) -> str:
    words = ["report", "invoice", "Berlin", "release", "the", "of", "ticket", "Anna", "42"]
    out = ""
    while len(out) < n:
        out += rng.choice(words) + rng.choice([" ", " ", ". ", "\n"])
    return out[:n]


# Where one text too long can stand: (field class, body with ``t`` there).
LONG_TEXT: dict[str, Callable[[str], dict[str, Any]]] = {
    "user": lambda t: _chat([{"role": "user", "content": t}]),
    "system": lambda t: _chat([{"role": "system", "content": t}, *CLEAN]),
    "assistant": lambda t: _chat([*CLEAN, {"role": "assistant", "content": t}, *CLEAN]),
    "content_part": lambda t: _chat([{"role": "user", "content": [{"type": "text", "text": t}]}]),
    "tool_arguments": lambda t: _chat([*CLEAN, {"role": "assistant", "tool_calls": [{
        "id": "c1", "type": "function",
        "function": {"name": "lookup", "arguments": json.dumps({"query": t})}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "ok"}]),
    "tool_description": lambda t: _chat(CLEAN, tools=[{"type": "function", "function": {
        "name": "lookup", "description": t, "parameters": {"type": "object"}}}]),
    "metadata": lambda t: _chat(CLEAN, metadata={"note": t}),
    "unknown_field": lambda t: _chat(CLEAN, x_context={"notes": [t]}),
}


async def _still_serving(p: Any) -> None:
    answer = await call(p, _chat(CLEAN))
    assert answer.status == 200, answer.raw[:300]


def _refusal_recorded(p: Any, answer: Answer, code: str) -> None:
    [rec] = [r for r in records(p, "request") if r["decision_id"] == answer.decision]
    assert rec["route"] == "deny" and rec["reasons"][-1]["code"] == code


@pytest.mark.parametrize("where", sorted(LONG_TEXT))
async def test_one_text_too_long_is_400_naming_its_field(make_proxy: Any, where: str) -> None:
    rng = random.Random(where)
    text = _text(rng, LIMITS["detection"]["max_text_chars"] + rng.randint(1, 500))
    async with make_proxy(local="none", **LIMITS) as p:
        answer = await call(p, LONG_TEXT[where](text))
        err = assert_openai_error(answer, 400, "string_above_max_length")
        assert err["type"] == "invalid_request_error"
        if where == "unknown_field":  # its name is the client's own: never echoed
            assert err["param"] is None and "(unknown_field)" in err["message"]
        else:
            assert err["param"] and _PARAM.match(err["param"]), err["param"]
        assert f"maximum length {LIMITS['detection']['max_text_chars']}" in err["message"]
        assert f"length {len(text)}" in err["message"] or where == "tool_arguments"
        assert text[:40] not in err["message"]
        assert p.fake.requests == []
        _refusal_recorded(p, answer, "string_above_max_length")
        # At the limit it is served.
        ok = await call(p, LONG_TEXT[where](text[: LIMITS["detection"]["max_text_chars"] - 30]))
        assert ok.status == 200, ok.raw[:300]


@pytest.mark.parametrize("seed", range(3))
async def test_too_much_text_or_too_many_texts_is_413(make_proxy: Any, seed: int) -> None:
    rng = random.Random(seed)
    d = LIMITS["detection"]
    per = d["max_text_chars"] - rng.randint(0, 500)
    n = d["max_request_chars"] // per + 1
    spread = [{"role": "user", "content": _text(rng, per)} for _ in range(n)]
    count = d["max_request_texts"] + rng.randint(1, 50)
    many = [{"role": rng.choice(["user", "assistant"]), "content": f"turn {i}"}
            for i in range(count)]
    async with make_proxy(local="none", **LIMITS) as p:
        for messages, what in ((spread, "characters"), (many, "texts")):
            answer = await call(p, _chat(messages))
            err = assert_openai_error(answer, 413, "payload_too_large")
            assert what in err["message"] and err["param"] is None
            _refusal_recorded(p, answer, "payload_too_large")
        assert p.fake.requests == []
        await _still_serving(p)


@pytest.mark.parametrize("seed", range(3))
async def test_a_body_too_large_plain_or_once_decompressed_is_413(make_proxy: Any,
                                                                  seed: int) -> None:
    rng = random.Random(seed)
    limit = LIMITS["server"]["max_body_bytes"]
    big = json.dumps(_chat([{"role": "user", "content": _text(rng, limit + 10)}])).encode()
    bomb = gzip.compress(json.dumps(_chat([{"role": "user", "content": "a" * (limit * 50)}]))
                         .encode())
    assert len(bomb) < limit // 10
    async with make_proxy(local="none", **LIMITS) as p:
        for raw, headers in ((big, {}), (bomb, {"Content-Encoding": "gzip"})):
            answer = await call(p, raw, headers=headers)
            assert_openai_error(answer, 413, "payload_too_large")
        assert p.fake.requests == []
        await _still_serving(p)


def _deep(rng: random.Random, depth: int) -> str:
    opens = "".join(rng.choice("[{") for _ in range(depth))
    body = ""
    for c in reversed(opens):
        body = f"[{body}]" if c == "[" else '{"k": ' + (body or "1") + "}"
    return body


def _surrogate(rng: random.Random) -> str:
    lone = rng.choice(["\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\udc00\\ud800"])
    return f"text {lone} more"


# Bodies a client can send by mistake or on purpose: (status, code) expected for each class.
def _malformed(rng: random.Random) -> list[tuple[str, bytes, dict[str, str], int, str]]:
    msgs = json.dumps(CLEAN)
    deep = _deep(rng, rng.randint(130, 20_000))
    return [
        ("deep metadata", f'{{"model": "gpt-4o", "messages": {msgs}, "metadata": {{"x": {deep}}}}}'
         .encode(), {}, 400, "invalid_request_error"),
        ("deep unknown field", f'{{"model": "gpt-4o", "messages": {msgs}, "x": {deep}}}'
         .encode(), {}, 400, "invalid_request_error"),
        ("lone surrogate in content", ('{"model": "gpt-4o", "messages": [{"role": "user", '
                                       f'"content": "{_surrogate(rng)}"}}]}}').encode(),
         {}, 400, "invalid_request_error"),
        ("lone surrogate in a key", (f'{{"model": "gpt-4o", "messages": {msgs}, '
                                     f'"metadata": {{"{_surrogate(rng)}": "v"}}}}').encode(),
         {}, 400, "invalid_request_error"),
        ("bytes that are not UTF-8", b'{"model": "gpt-4o", "messages": [{"role": "user", '
         b'"content": "caf\xe9 ' + bytes([rng.randrange(0x80, 0xC0)]) + b'"}]}',
         {}, 400, "invalid_request_error"),
        ("truncated JSON", json.dumps(_chat(CLEAN)).encode()[: rng.randint(5, 40)],
         {}, 400, "invalid_request_error"),
        ("not an object", rng.choice([b"[]", b'"text"', b"42", b"null"]),
         {}, 400, "invalid_request_error"),
        ("unsupported encoding", json.dumps(_chat(CLEAN)).encode(),
         {"Content-Encoding": rng.choice(["br", "zstd", "compress", "gzip, br", "x-foo"])},
         415, "unsupported_content_encoding"),
        ("corrupt gzip", b"\x1f\x8b\x08\x00" + rng.randbytes(40),
         {"Content-Encoding": "gzip"}, 400, "invalid_request_error"),
    ]


@pytest.mark.parametrize("seed", range(3))
async def test_malformed_bodies_are_client_errors(make_proxy: Any, seed: int) -> None:
    rng = random.Random(seed)
    async with make_proxy(local="none", **LIMITS) as p:
        for name, raw, headers, status, code in _malformed(rng):
            answer = await call(p, raw, headers=headers)
            assert answer.status == status, (name, answer.status, answer.raw[:200])
            assert_openai_error(answer, status, code)
            assert "x-privacy-proxy-route" not in answer.headers, name
        assert p.fake.requests == []
        await _still_serving(p)


async def test_odd_but_valid_text_is_served(make_proxy: Any) -> None:
    """NUL and control characters, astral symbols, combining marks, bidirectional overrides,
    UTF-16 JSON: valid text, inspected and served like any other."""
    texts = ["nul\u0000inside and \u0007 bell", "astral \U0001f600\U0001d54f and \U00010348",
             "e\u0301\u0302 combining", "\u202eoverride\u202c and \u200b zero width",
             "tab\tand\r\nCRLF"]
    async with make_proxy(local="none", **LIMITS) as p:
        for text in texts:
            answer = await call(p, _chat([{"role": "user", "content": text}]))
            assert answer.status == 200, (text, answer.raw[:200])
            assert answer.json["choices"][0]["message"]["content"] == "ECHO: " + text
        utf16 = json.dumps(_chat(CLEAN)).encode("utf-16")
        assert (await call(p, utf16)).status == 200


async def test_the_sizes_of_the_report_against_the_default_limits(make_proxy: Any) -> None:
    """5 MB in one message, 1.2 million characters over three, 50,000 messages, a 9 MB body:
    each refused alone, before any detection work; an ordinary request beside them is served."""
    huge = [{"role": "user", "content": "y " * (5 << 19)}]
    spread = [{"role": "user", "content": "z " * 200_000} for _ in range(3)]
    many = [{"role": "user", "content": f"message {i}"} for i in range(50_000)]
    body_9mb = json.dumps(_chat([{"role": "user", "content": "w" * (9 << 20)}])).encode()
    async with make_proxy(local="none") as p:
        answers = [await call(p, _chat(huge)), await call(p, _chat(spread)),
                   await call(p, _chat(many)), await call(p, body_9mb)]
        assert [a.status for a in answers] == [400, 413, 413, 413]
        assert [a.json["error"]["code"] for a in answers] == [
            "string_above_max_length", "payload_too_large", "payload_too_large",
            "payload_too_large"]
        assert answers[0].json["error"]["param"] == "messages[0].content"
        assert p.fake.requests == []
        await _still_serving(p)
