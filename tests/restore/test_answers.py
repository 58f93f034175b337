"""Restore wherever a placeholder can come back: every kind of whole answer, and every text
field of a stream delta cut at any point."""

from __future__ import annotations

import copy
import json
import random
from itertools import zip_longest

import pytest

from proxy.restore.responses import ChunkRestorer, restore_body
from proxy.restore.restorer import Restorer
from proxy.transform.vault import Vault

KEY = b"k" * 32
# Values that need escaping inside JSON, and one that does not.
VALUES = ['Jane "JD" Doe', "C:\\Users\\jane", "Zoë Æsir\nline two", "jane@x.eu"]


def vault_for(values=VALUES):
    vault = Vault(KEY, "acme")
    return vault, [vault.placeholder("PERSON", v) for v in values]


def test_every_kind_of_whole_answer_is_restored():
    vault, (a, b, c, d) = vault_for()
    args = json.dumps({"to": a, "cc": [b], c: d})
    body = {"choices": [
        {"index": 0, "message": {
            "role": "assistant", "content": f"Hi {a}", "refusal": f"not for {d}",
            "reasoning_content": f"{b} asked",
            "tool_calls": [
                {"id": "1", "type": "function", "function": {"name": f"mail_{d}",
                                                             "arguments": args}},
                {"id": "2", "type": "custom", "custom": {"name": "x", "input": f"to {c}"}}],
            "function_call": {"name": "f", "arguments": json.dumps({"who": c})}}},
        {"index": 1, "message": {"role": "assistant", "content": json.dumps({"name": a})}},
        {"index": 2, "text": f"completion for {d}"},
    ]}
    out = restore_body(body, Restorer(vault))
    m = out["choices"][0]["message"]
    assert m["content"] == f"Hi {VALUES[0]}" and m["refusal"] == f"not for {VALUES[3]}"
    assert m["reasoning_content"] == f"{VALUES[1]} asked"
    assert json.loads(m["tool_calls"][0]["function"]["arguments"]) == {
        "to": VALUES[0], "cc": [VALUES[1]], VALUES[2]: VALUES[3]}
    assert m["tool_calls"][0]["function"]["name"] == f"mail_{VALUES[3]}"
    assert m["tool_calls"][1]["custom"]["input"] == f"to {VALUES[2]}"
    assert json.loads(m["function_call"]["arguments"]) == {"who": VALUES[2]}
    # An answer in JSON mode stays valid JSON whatever the value holds.
    assert json.loads(out["choices"][1]["message"]["content"]) == {"name": VALUES[0]}
    assert out["choices"][2]["text"] == f"completion for {VALUES[3]}"


def test_logprobs_are_left_as_the_provider_sent_them():
    vault, (a, *_) = vault_for()
    tokens = [{"token": a[i:i + 3], "logprob": -0.1} for i in range(0, len(a), 3)]
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": a},
                         "logprobs": {"content": copy.deepcopy(tokens)}}]}
    out = restore_body(body, Restorer(vault))
    assert out["choices"][0]["message"]["content"] == VALUES[0]
    assert out["choices"][0]["logprobs"]["content"] == tokens


def split(text, rng):
    out, i = [], 0
    while i < len(text):
        j = i + rng.randint(1, 6)
        out.append(text[i:j])
        i = j
    return out


def stream_of(kind, text, rng):
    """The delta objects a provider sends for one answer of ``kind``, cut at random points."""
    for piece in split(text, rng):
        if kind == "content":
            yield {"content": piece}
        elif kind == "refusal":
            yield {"refusal": piece}
        elif kind == "reasoning_content":
            yield {"reasoning_content": piece}
        elif kind == "tool":
            yield {"tool_calls": [{"index": 1, "function": {"arguments": piece}}]}
        elif kind == "custom":
            yield {"tool_calls": [{"index": 0, "custom": {"input": piece}}]}
        elif kind == "function_call":
            yield {"function_call": {"arguments": piece}}


def collect(kind, deltas):
    text = []
    for d in deltas:
        if kind in ("content", "refusal", "reasoning_content"):
            text.append(d.get(kind) or "")
        elif kind == "function_call":
            text.append((d.get("function_call") or {}).get("arguments", ""))
        else:
            for call in d.get("tool_calls") or []:
                fn = call.get("function") or call.get("custom") or {}
                text.append(fn.get("arguments", fn.get("input", "")) or "")
    return "".join(text)


@pytest.mark.parametrize("finish", [True, False], ids=["finished", "cut_off"])
@pytest.mark.parametrize("kind", ["content", "refusal", "reasoning_content", "tool", "custom",
                                  "function_call"])
def test_every_streamed_text_field_is_restored_wherever_it_is_cut(kind, finish):
    vault, phs = vault_for()
    rng = random.Random(f"{kind}/{finish}")
    for _ in range(30):
        if kind in ("tool", "function_call"):
            text = json.dumps({"to": phs[0], "cc": phs[1:]})
            want = json.dumps({"to": VALUES[0], "cc": VALUES[1:]}, ensure_ascii=False)
        else:
            text = " and ".join(phs) + " <"
            want = " and ".join(VALUES) + " <"
        cr = ChunkRestorer(Restorer(vault))
        deltas = [cr.process({"choices": [{"index": 0, "delta": d}]})["choices"][0]["delta"]
                  for d in stream_of(kind, text, rng)]
        if finish:
            last = cr.process({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            deltas.append(last["choices"][0]["delta"])
            assert cr.tail() is None
        else:
            tail = cr.tail()
            if tail is not None:
                deltas.append(tail["choices"][0]["delta"])
        assert collect(kind, deltas) == want


def test_streamed_json_mode_content_is_escaped_and_plain_content_is_not():
    vault, (a, *_) = vault_for()
    for text, want in [(json.dumps({"name": a}), json.dumps({"name": VALUES[0]})),
                       (f"Dear {a}", f"Dear {VALUES[0]}")]:
        cr = ChunkRestorer(Restorer(vault))
        out = [cr.process({"choices": [{"index": 0, "delta": {"content": p}}]})["choices"][0]
               ["delta"]["content"] for p in ["  ", *split(text, random.Random(3))]]
        last = cr.process({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        out.append(last["choices"][0]["delta"].get("content", ""))
        assert "".join(out).strip() == want


def test_tool_names_in_a_stream_are_restored_in_place():
    vault, (*_, d) = vault_for()
    cr = ChunkRestorer(Restorer(vault))
    chunk = cr.process({"choices": [{"index": 0, "delta": {"tool_calls": [
        {"index": 0, "id": "c", "type": "function",
         "function": {"name": f"mail_{d}", "arguments": ""}}]}}]})
    assert chunk["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] == (
        f"mail_{VALUES[3]}")


def test_two_choices_are_restored_apart():
    vault, (a, b, *_) = vault_for()
    cr = ChunkRestorer(Restorer(vault))
    got = {0: "", 1: ""}
    pieces = zip_longest(split(a, random.Random(1)), split(b, random.Random(2)), fillvalue="")
    for p0, p1 in pieces:
        chunk = cr.process({"choices": [{"index": 0, "delta": {"content": p0}},
                                        {"index": 1, "delta": {"content": p1}}]})
        for c in chunk["choices"]:
            got[c["index"]] += c["delta"]["content"]
    for c in (cr.tail() or {}).get("choices", []):
        got[c["index"]] += c["delta"]["content"]
    assert got == {0: VALUES[0], 1: VALUES[1]}


def test_a_tag_written_with_spaces_is_restored_and_only_with_its_own_tail():
    vault = Vault(KEY, "acme")
    ph = vault.placeholder("EMAIL_ADDRESS", "jane@x.eu")
    tail = ph[1:-1].rsplit("_", 1)[1]
    r = Restorer(vault)
    assert r.restore(f"to Email Address_{tail} now") == "to jane@x.eu now"
    assert r.restore(f"to email address {tail.upper()}>") == "to jane@x.eu"
    other = "0" * len(tail)
    assert r.restore(f"Email Address_{other}") == f"Email Address_{other}"
    sr = r.stream()
    text = f"Write to Email Address_{tail} today"
    assert "".join(sr.feed(c) for c in text) + sr.flush() == "Write to jane@x.eu today"


def test_non_ascii_look_alikes_neither_match_nor_shift_the_hold_back():
    vault = Vault(KEY, "acme")
    ph = vault.placeholder("PERSON", "Jane")
    r = Restorer(vault)
    # The long s and the Kelvin sign fold to s and k only under Unicode case folding.
    odd = ph.replace("S", "\u017f")
    assert r.restore(odd) == odd
    sr = r.stream()
    text = f"İstanbul İİ {ph} İ"
    assert "".join(sr.feed(c) for c in text) + sr.flush() == "İstanbul İİ Jane İ"
