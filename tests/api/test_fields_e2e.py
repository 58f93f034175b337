"""Through the whole proxy (real detector, real Rego engine, real audit log) to the recording
fake: a personal value in any class of field never reaches the provider in clear, streaming or
not, and the client gets its values back in every kind of answer."""

from __future__ import annotations

import json
import random
from typing import Any

import aiohttp
import pytest

from tests.api import values
from tests.api.cases import CLEAN, FIELD_CLASSES, with_prompt

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def seed() -> int:
    return random.SystemRandom().randrange(1 << 30)


async def post(proxy: Any, body: dict[str, Any], path: str = "chat/completions",
               tenant: str = "acme") -> tuple[int, dict[str, str], Any]:
    """(status, headers, parsed body or the list of parsed stream events)."""
    headers = {"Authorization": f"Bearer {proxy.keys[tenant]}"}
    async with aiohttp.ClientSession() as s, s.post(f"{proxy.base_url}/{path}", json=body,
                                                    headers=headers) as r:
        if not body.get("stream") or r.status != 200:
            return r.status, dict(r.headers), await r.json()
        events = []
        for line in (await r.text()).splitlines():
            if line.startswith("data: ") and line != "data: [DONE]":
                events.append(json.loads(line[6:]))
        return r.status, dict(r.headers), events


def answer_text(out: Any) -> str:
    """Everything a client would show or parse of a chat answer, whole or streamed."""
    if isinstance(out, dict):
        msg = out["choices"][0]["message"]
        parts = [msg.get("content") or "", msg.get("refusal") or ""]
        parts += [c["function"]["arguments"] if c["type"] == "function" else c["custom"]["input"]
                  for c in msg.get("tool_calls") or []]
        parts.append((msg.get("function_call") or {}).get("arguments", ""))
        return "".join(parts)
    text = []
    for event in out:
        for choice in event.get("choices") or []:
            d = choice.get("delta") or {}
            text += [d.get("content") or "", d.get("refusal") or ""]
            for c in d.get("tool_calls") or []:
                text.append((c.get("function") or c.get("custom") or {}).get(
                    "arguments" if "function" in c else "input", "") or "")
            text.append((d.get("function_call") or {}).get("arguments", ""))
    return "".join(text)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("field_class", sorted(FIELD_CLASSES))
async def test_no_value_reaches_the_provider_in_clear(make_proxy, field_class, stream, seed):
    rng = random.Random(f"{seed}/{field_class}/{stream}")
    email, phone = values.email(rng), values.phone(rng)
    body = with_prompt(FIELD_CLASSES[field_class](f"{email}, {phone}"),
                       f"Please write to {email} or call {phone}.")
    body["stream"] = stream
    async with make_proxy(local="none") as p:
        status, headers, out = await post(p, body)
        assert status == 200, out
        assert headers["x-privacy-proxy-route"] == "external"
        assert len(p.fake.requests) == 1  # it did reach the provider, pseudonymized
        sent = p.fake.all_text()
        for v in (email, phone, json.dumps(email)[1:-1]):
            assert v not in sent, f"{field_class}: a raw value reached the provider (seed {seed})"
        got = answer_text(out)
        assert email in got and phone in got, (
            f"{field_class}: the answer was not restored (seed {seed})")


@pytest.mark.parametrize("field_class", ["stop", "metadata_and_user", "unknown_message_field",
                                         "keys"])
async def test_a_text_in_a_field_is_treated_as_in_the_message(make_proxy, field_class, seed):
    """Whatever detection finds in a text (a generated name and e-mail address), it finds in
    the same text in any field: the field is forwarded as the message is."""
    rng = random.Random(f"{seed}/{field_class}/name")
    async with make_proxy(local="none") as p:
        for _ in range(3):
            text = f"Please contact {values.name(rng)} today about {values.email(rng)}."
            body = with_prompt(FIELD_CLASSES[field_class](text), text)
            status, _, out = await post(p, body)
            assert status == 200, out
            sent = p.fake.requests[-1].body
            forwarded = sent["messages"][-1]["content"]
            assert forwarded != text  # pseudonymized (the e-mail address at least)
            as_json = json.dumps(forwarded)[1:-1]
            assert json.dumps(sent).count(as_json) >= 2, (
                f"the field was forwarded otherwise (seed {seed})")


def _chat(**extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": CLEAN}], **extra}


REFUSED = [
    ("chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": [
        {"type": "text", "text": CLEAN},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]},
     "messages[0].content[1]"),
    ("chat/completions", _chat(tools=[{"type": "web_search_preview"}]), "tools[0]"),
    ("chat/completions", _chat(modalities=["text", "audio"]), "modalities[1]"),
    ("chat/completions", _chat(response_format={"type": "grammar", "grammar": "x"}),
     "response_format"),
    ("completions", {"model": "gpt-4o", "prompt": [[1, 2, 3]]}, "prompt[0]"),
    ("embeddings", {"model": "text-embedding-3-small", "input": [[1, 2]]}, "input[0]"),
]


@pytest.mark.parametrize("path,body,param,stream", [
    (*case, stream) for case in REFUSED for stream in (False, True)
    if not (stream and case[0] == "embeddings")])  # embeddings do not stream
async def test_what_cannot_be_inspected_is_refused_and_nothing_leaves(make_proxy, path, body,
                                                                      param, stream):
    async with make_proxy(local="none") as p:
        status, headers, out = await post(p, {**body, "stream": stream}, path)
        assert status == 400
        assert out["error"]["code"] == "unsupported_input" and out["error"]["param"] == param
        assert p.fake.requests == []
