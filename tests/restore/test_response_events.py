"""Responses API answers restored: the whole response object (output and everything it echoes
from the request), and typed event streams cut anywhere: between events, inside placeholders,
and at every byte offset of the wire."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from proxy.api.responses import RESPONSES_API
from proxy.restore.restorer import Restorer
from proxy.route.http import _sse
from proxy.transform.vault import Vault
from tests.api import values
from tests.fakes import fake_responses

KEY = b"k" * 32
ODD = ['Jane "JD" Doe', "C:\\Users\\jd", "Zoë\nNewline", "Ģirts Ķeniņš"]


def vault_with(rng: random.Random) -> tuple[Vault, dict[str, str]]:
    """A vault with generated values (and odd ones) and their placeholders."""
    vault = Vault(KEY, "acme")
    vals = {"EMAIL_ADDRESS": values.email(rng), "PHONE_NUMBER": values.phone(rng),
            "PERSON": rng.choice(ODD)}
    return vault, {vault.placeholder(t, v): v for t, v in vals.items()}


def restored(text: str, phs: dict[str, str], *, json_escape: bool = False) -> str:
    for ph, v in phs.items():
        text = text.replace(ph, json.dumps(v)[1:-1] if json_escape else v)
    return text


def _said(phs: dict[str, str]) -> str:
    """Placeholders, and at the end the start of one: held back until the text is done."""
    return "Write to " + " and ".join(phs) + ", cc " + next(iter(phs))[:7]


def _bodies(phs: dict[str, str]) -> dict[str, dict[str, Any]]:
    said = _said(phs)
    tool = {"type": "function", "name": "send", "parameters": {"type": "object"}}
    return {
        "text": {"model": "m", "input": said},
        "json": {"model": "m", "input": said, "text": {"format": {"type": "json_object"}}},
        "function_call": {"model": "m", "input": said, "tools": [tool]},
        "custom_tool_call": {"model": "m", "input": said,
                             "tools": [{"type": "custom", "name": "mailer"}]},
        "refusal": {"model": "m", "input": "REFUSE: " + said},
    }


def _expected(kind: str, phs: dict[str, str]) -> str:
    said = restored(_said(phs), phs)
    if kind in ("json", "function_call"):
        return json.dumps({"echo": said}, ensure_ascii=False)
    if kind == "custom_tool_call":
        return said
    return "ECHO: " + ("REFUSE: " if kind == "refusal" else "") + said


def answer_text(events: list[dict[str, Any]]) -> tuple[str, str, str]:
    """(the deltas joined, the ``.done`` text, the final response's text) of a stream."""
    deltas, done, final = "", "", ""
    for e in events:
        kind = e["type"]
        if kind.endswith(".delta"):
            deltas += e["delta"]
        elif kind.endswith(".done") and kind not in ("response.output_item.done",
                                                     "response.content_part.done"):
            done = e.get("text", e.get("refusal", e.get("arguments", e.get("input", ""))))
        elif kind == "response.completed":
            [item] = e["response"]["output"]
            if item["type"] == "message":
                part = item["content"][0]
                final = part.get("text", part.get("refusal"))
            else:
                final = item.get("arguments", item.get("input"))
    return deltas, done, final


@pytest.mark.parametrize("kind", ["text", "json", "function_call", "custom_tool_call",
                                  "refusal"])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 7, 64])
def test_a_stream_cut_anywhere_between_events_is_restored_exactly(kind, chunk_size):
    rng = random.Random(f"{kind}/{chunk_size}")
    vault, phs = vault_with(rng)
    body = _bodies(phs)[kind]
    restorer = RESPONSES_API.events(Restorer(vault), "served-model")
    out = [e for event in fake_responses.events(body, chunk_size)
           for e in restorer.process(event)]
    assert restorer.tail() == []
    deltas, done, final = answer_text(out)
    assert deltas == done == final == _expected(kind, phs)
    assert [e["sequence_number"] for e in out] == list(range(len(out)))
    assert all(ph not in json.dumps(out) for ph in phs)
    assert out[-1]["response"]["model"] == "served-model"
    assert RESPONSES_API.closes(out[-1]) and not any(RESPONSES_API.closes(e) for e in out[:-1])
    if kind in ("json", "function_call"):
        assert json.loads(deltas) == json.loads(_expected(kind, phs))


def test_held_text_goes_out_as_a_delta_just_before_its_done_event():
    vault, phs = vault_with(random.Random(1))
    ph = next(iter(phs))
    restorer = RESPONSES_API.events(Restorer(vault), "m")
    at = {"item_id": "msg_1", "output_index": 0, "content_index": 0, "logprobs": []}
    first = restorer.process({"type": "response.output_text.delta", "sequence_number": 4,
                              "delta": "to " + ph[:5], "obfuscation": "ab", **at})
    assert [e["delta"] for e in first] == ["to "]
    out = restorer.process({"type": "response.output_text.done", "sequence_number": 5,
                            "text": "to " + ph[:5], **at})
    assert [e["type"] for e in out] == ["response.output_text.delta", "response.output_text.done"]
    assert out[0]["delta"] == ph[:5] and "obfuscation" not in out[0]
    assert out[1]["text"] == "to " + ph[:5]


def test_a_stream_that_ends_early_releases_what_it_held():
    vault, phs = vault_with(random.Random(2))
    ph = next(iter(phs))
    restorer = RESPONSES_API.events(Restorer(vault), "m")
    restorer.process({"type": "response.function_call_arguments.delta", "sequence_number": 0,
                      "item_id": "fc_1", "output_index": 0, "delta": '{"to": "' + ph[:6]})
    [tail] = restorer.tail()
    assert tail["type"] == "response.function_call_arguments.delta" and tail["delta"] == ph[:6]


def test_a_whole_response_is_restored_with_what_it_echoes():
    vault, phs = vault_with(random.Random(3))
    email_ph, phone_ph, person_ph = phs
    body = {"model": "m", "input": f"Call {person_ph}", "instructions": f"Help {person_ph}",
            "metadata": {email_ph: phone_ph}, "user": email_ph,
            "tools": [{"type": "function", "name": "send", "description": f"to {email_ph}",
                       "parameters": {"type": "object", "properties": {person_ph: {
                           "type": "string"}}, "required": [person_ph]}}]}
    answer, _ = fake_responses.output_item(body)
    resp = fake_responses.response(body, "resp_1", "completed", [answer])
    out = RESPONSES_API.restore(json.loads(json.dumps(resp)), Restorer(vault), "served")
    assert all(ph not in json.dumps(out) for ph in phs)
    assert out["instructions"] == restored(f"Help {person_ph}", phs)
    assert out["metadata"] == {phs[email_ph]: phs[phone_ph]}
    assert list(out["tools"][0]["parameters"]["properties"]) == [phs[person_ph]]
    assert json.loads(out["output"][0]["arguments"]) == {"echo": restored(f"Call {person_ph}",
                                                                          phs)}
    assert out["model"] == "served"


def test_token_data_is_left_as_the_provider_sent_it():
    vault, phs = vault_with(random.Random(4))
    ph = next(iter(phs))
    logprobs = [{"token": ph, "logprob": -0.1, "bytes": [1], "top_logprobs": []}]
    resp = {"model": "m", "output": [{"type": "message", "content": [
        {"type": "output_text", "text": ph, "annotations": [], "logprobs": logprobs}]}]}
    out = RESPONSES_API.restore(resp, Restorer(vault), "m")
    assert out["output"][0]["content"][0]["text"] == phs[ph]
    assert out["output"][0]["content"][0]["logprobs"][0]["token"] == ph


def _wire(body: dict[str, Any], chunk_size: int) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e, ensure_ascii=False)}\n\n"
                    .encode() for e in fake_responses.events(body, chunk_size))


class _Reads:
    """An aiohttp response stand-in whose body arrives in the given network reads."""

    def __init__(self, reads: list[bytes]) -> None:
        self.content = self
        self._reads = reads

    async def iter_any(self) -> AsyncIterator[bytes]:
        for r in self._reads:
            yield r

    def release(self) -> None:
        return None


def _client_events(wire: bytes) -> list[dict[str, Any]]:
    """What a client parses from the proxy's framed events (event name checked against data)."""
    out = []
    for block in wire.decode().split("\n\n"):
        if not block:
            continue
        name, data = block.split("\n")
        event = json.loads(data.removeprefix("data: "))
        assert name == f"event: {event['type']}"
        out.append(event)
    return out


async def _through_the_proxy(reads: list[bytes], vault: Vault) -> list[dict[str, Any]]:
    restorer = RESPONSES_API.events(Restorer(vault), "m")
    wire = b""
    source = _Reads(reads)
    async for batch in _sse(source, source.iter_any()):  # type: ignore[arg-type]
        for event in batch:
            wire += b"".join(RESPONSES_API.frame(e) for e in restorer.process(event))
    wire += b"".join(RESPONSES_API.frame(e) for e in restorer.tail())
    return _client_events(wire)


@pytest.mark.parametrize("kind", ["text", "function_call"])
def test_a_stream_cut_at_every_byte_offset_restores_exactly(kind):
    """The upstream bytes in two network reads, cut at every offset (inside lines, inside
    multi-byte characters, inside placeholders), and in reads of every size from 1 to 9."""
    vault, phs = vault_with(random.Random(f"bytes/{kind}"))
    body = _bodies(phs)[kind]
    wire = _wire(body, 4).replace(b"\n", b"\r\n")
    want = _expected(kind, phs)

    async def run() -> None:
        cuts = [[wire[:k], wire[k:]] for k in range(len(wire) + 1)]
        cuts += [[wire[i:i + n] for i in range(0, len(wire), n)] for n in range(1, 10)]
        for reads in cuts:
            events = await _through_the_proxy(reads, vault)
            assert answer_text(events) == (want, want, want), f"cut {[len(r) for r in reads]}"

    asyncio.run(run())
