"""Extraction by request schema: every string that would leave is found and can be replaced in
place, the fields the API defines to carry no free text are not, and what cannot be inspected
is refused with the field named."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from proxy.api.extract import CHAT, COMPLETIONS, EMBEDDINGS, SCHEMAS, extract_texts
from proxy.api.schema.doc import BEGIN, END, markdown
from proxy.api.schema.walk import MAX_DEPTH
from proxy.errors import ErrorCode, ProxyError
from tests.api import values
from tests.api.cases import CLEAN, FIELD_CLASSES

ROOT = Path(__file__).resolve().parent.parent.parent
GENERATORS = {"email": values.email, "phone": values.phone, "name": values.name}


def replace_everywhere(endpoint: str, body: dict, value: str) -> list:
    """What the transform does for a value the detector found wherever it is."""
    ex = extract_texts(endpoint, body)
    hits = [f for f in ex.fields if value in f.text]
    for f in hits:
        f.set(f.text.replace(value, "<PERSON_0123456789abcd>"))
    ex.finalize()
    return hits


@pytest.mark.parametrize("kind", sorted(GENERATORS))
@pytest.mark.parametrize("field_class", sorted(FIELD_CLASSES))
def test_every_field_class_is_extracted_and_written_back(field_class, kind):
    rng = random.Random(f"{field_class}/{kind}")
    for _ in range(3):
        value = GENERATORS[kind](rng)
        body = FIELD_CLASSES[field_class](value)
        assert value in json.dumps(body, ensure_ascii=False)
        hits = replace_everywhere(CHAT, body, value)
        assert hits, f"{field_class}: the value is in no extracted field"
        sent = json.dumps(body, ensure_ascii=False)
        assert value not in sent, f"{field_class}: a place holding the value was not extracted"
        assert "<PERSON_0123456789abcd>" in sent


def test_structured_values_carry_their_key_path():
    body = FIELD_CLASSES["tool_calls_and_results"]("x@example.org")
    body["metadata"] = {"customer_phone": "+31 6 12345678"}
    body["tools"] = [{"type": "function", "function": {
        "name": "f", "parameters": {"type": "object", "properties": {"contact": {
            "type": "object", "properties": {"phone": {"type": "string",
                                                       "enum": ["+49 30 1234567"]}}}}}}}]
    keys = {(f.text, f.key) for f in extract_texts(CHAT, body).fields}
    assert ("x@example.org", "contact.email") in keys  # tool-call arguments
    assert ("x@example.org", None) in keys  # the key of an argument: a string at the top
    assert ("called x@example.org", "customer.note") in keys  # a JSON tool result
    assert ("+31 6 12345678", "customer_phone") in keys  # metadata
    assert ("+49 30 1234567", "contact.phone") in keys  # an enum value of a schema property
    assert ("phone", "contact") in keys  # a property name, under its parent's path
    assert (CLEAN, None) in keys  # free text


def test_fields_the_api_defines_without_free_text_are_not_scanned():
    body = {
        "model": "gpt-4o", "messages": [{"role": "user", "content": [{"type": "text",
                                                                       "text": ""}]}],
        "stream": True, "stream_options": {"include_usage": True}, "temperature": 0.2,
        "top_p": 1, "n": 1, "seed": 4, "max_tokens": 9, "max_completion_tokens": 9,
        "presence_penalty": 0, "frequency_penalty": 0, "logit_bias": {"50256": -100},
        "logprobs": True, "top_logprobs": 2, "parallel_tool_calls": False, "store": False,
        "reasoning_effort": "low", "service_tier": "auto", "verbosity": "low",
        "modalities": ["text"], "tool_choice": "auto", "function_call": "none",
        "response_format": {"type": "json_object"},
        "tools": [{"type": "function", "function": {"name": "", "strict": True, "parameters": {
            "type": "object", "properties": {}, "additionalProperties": False,
            "minProperties": 0}}}],
    }
    assert extract_texts(CHAT, body).fields == []
    body["reasoning_effort"] = "something new"  # a value the API added later: scanned
    assert extract_texts(CHAT, body).texts() == ["something new"]


def test_numbers_in_free_json_are_scanned_and_replaced_as_strings():
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}],
            "metadata": {"account": 31612345678}, "top_k": 40}
    ex = extract_texts(CHAT, body)
    found = {f.text: f for f in ex.fields}
    assert {"31612345678", "40", "account", "top_k", "hi"} <= set(found)
    assert "metadata" not in found  # a field name the API defines
    found["31612345678"].set("<PHONE_NUMBER_0123456789abcd>")
    ex.finalize()
    assert body["metadata"] == {"account": "<PHONE_NUMBER_0123456789abcd>"}
    assert body["top_k"] == 40  # untouched unless replaced


def test_a_replaced_key_keeps_its_place_and_value():
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}],
            "metadata": {"a": "1", "jane@x.eu": "vip", "z": "2"}}
    ex = extract_texts(CHAT, body)
    key = next(f for f in ex.fields if f.text == "jane@x.eu" and f.path.endswith("(key)"))
    key.set("<EMAIL_ADDRESS_0123456789abcd>")
    ex.finalize()
    assert list(body["metadata"].items()) == [
        ("a", "1"), ("<EMAIL_ADDRESS_0123456789abcd>", "vip"), ("z", "2")]


def test_keys_that_would_merge_fail_the_transform():
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}],
            "metadata": {"jane@x.eu": "a", "bob@y.eu": "b"}}
    ex = extract_texts(CHAT, body)
    for f in ex.fields:
        if "@" in f.text:
            f.set("[REDACTED_EMAIL_ADDRESS]")
    with pytest.raises(ValueError):
        ex.finalize()


def test_json_strings_are_rewritten_only_when_a_value_in_them_changed():
    body = FIELD_CLASSES["tool_calls_and_results"]("x@example.org")
    before = json.dumps(body)
    extract_texts(CHAT, body).finalize()
    assert json.dumps(body) == before


def _chat(**extra):
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}], **extra}


def _user(*parts):
    return {"model": "m", "messages": [{"role": "user", "content": list(parts)}]}


@pytest.mark.parametrize("endpoint,body,param", [
    (CHAT, _user({"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}}),
     "messages[0].content[1]"),
    (CHAT, _user({"type": "input_audio", "input_audio": {"data": "", "format": "wav"}}),
     "messages[0].content[0]"),
    (CHAT, _user({"type": "file", "file": {"file_id": "f"}}), "messages[0].content[0]"),
    (CHAT, _user({"type": "hologram", "hologram": "x"}), "messages[0].content[0]"),
    (CHAT, _user({"text": "no type"}), "messages[0].content[0]"),
    (CHAT, {"model": "m", "messages": [{"role": "assistant", "audio": {"id": "a1"}}]},
     "messages[0].audio"),
    (CHAT, {"model": "m", "messages": [{"role": "assistant", "tool_calls": [
        {"id": "c", "type": "mcp_call", "mcp_call": {}}]}]}, "messages[0].tool_calls[0]"),
    (CHAT, _chat(modalities=["text", "audio"]), "modalities[1]"),
    (CHAT, _chat(audio={"voice": "alloy", "format": "mp3"}), "audio"),
    (CHAT, _chat(web_search_options={}), "web_search_options"),
    (CHAT, _chat(tools=[{"type": "web_search"}]), "tools[0]"),
    (CHAT, _chat(tools=[{"type": "custom", "custom": {"name": "c", "format": {
        "type": "brainwave"}}}]), "tools[0].custom.format"),
    (CHAT, _chat(response_format={"type": "yaml"}), "response_format"),
    (CHAT, _chat(prediction={"type": "diff", "diff": "x"}), "prediction"),
    (CHAT, _chat(tool_choice={"type": "file_search"}), "tool_choice"),
    (COMPLETIONS, {"model": "m", "prompt": [[1, 2]]}, "prompt[0]"),
    (COMPLETIONS, {"model": "m", "prompt": [15496, 11]}, "prompt[0]"),
    (EMBEDDINGS, {"model": "m", "input": [1, 2, 3]}, "input[0]"),
    (EMBEDDINGS, {"model": "m", "input": ["a", [1, 2]]}, "input[1]"),
])
def test_what_cannot_be_inspected_is_refused_with_the_field_named(endpoint, body, param):
    with pytest.raises(ProxyError) as e:
        extract_texts(endpoint, body)
    assert e.value.code is ErrorCode.unsupported_input
    assert e.value.status == 400 and e.value.param == param
    assert e.value.body()["error"]["param"] == param


@pytest.mark.parametrize("endpoint,body,param", [
    (CHAT, {"model": "m"}, "messages"),
    (CHAT, {"model": "m", "messages": []}, "messages"),
    (CHAT, {"model": "m", "messages": [{"role": "wizard", "content": "x"}]}, "messages[0]"),
    (CHAT, {"model": "m", "messages": ["hello"]}, "messages[0]"),
    (CHAT, {"model": "m", "messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    (CHAT, _chat(temperature="hot"), "temperature"),
    (CHAT, _chat(stream="yes"), "stream"),
    (CHAT, _chat(n=1.5), "n"),
    (CHAT, _chat(logit_bias={"jane@x.eu": 1}), "logit_bias"),
    (CHAT, _chat(user={"id": 1}), "user"),
    (COMPLETIONS, {"model": "m"}, "prompt"),
    (EMBEDDINGS, {"model": "m", "input": []}, "input"),
])
def test_malformed_requests_are_client_errors_naming_the_field(endpoint, body, param):
    with pytest.raises(ProxyError) as e:
        extract_texts(endpoint, body)
    assert e.value.code is ErrorCode.invalid_request and e.value.param == param


def test_refusal_messages_never_carry_request_content():
    secret = "jane.doe@example.com"
    bodies = [
        _user({"type": secret}),
        _chat(tools=[{"type": secret}]),
        {"model": "m", "messages": [{"role": secret, "content": "x"}]},
        _chat(temperature=secret),
        _chat(x={secret: _nested(MAX_DEPTH + 2)}),
    ]
    for body in bodies:
        with pytest.raises(ProxyError) as e:
            extract_texts(CHAT, body)
        assert secret not in json.dumps(e.value.body())


def _nested(depth):
    node = "leaf"
    for _ in range(depth):
        node = {"k": node}
    return node


def test_deep_nesting_is_a_client_error_not_a_crash():
    with pytest.raises(ProxyError) as e:
        extract_texts(CHAT, _chat(x=_nested(10_000 // 10)))
    assert e.value.code is ErrorCode.invalid_request
    assert extract_texts(CHAT, _chat(x=_nested(MAX_DEPTH - 3)))


def test_security_md_lists_what_the_code_inspects():
    text = (ROOT / "SECURITY.md").read_text()
    block = re.search(re.escape(BEGIN) + ".*?" + re.escape(END), text, re.S)
    assert block, "SECURITY.md has no generated inspection list"
    assert block.group(0) + "\n" == markdown(SCHEMAS), (
        "SECURITY.md's inspection list is out of date: python -m proxy.api.extract")


def test_every_registered_endpoint_is_documented():
    for endpoint in SCHEMAS:
        assert f"`POST /v1/{endpoint.replace('.', '/')}`" in markdown(SCHEMAS)


def test_a_tool_call_without_its_type_is_read_as_a_function_call():
    body = {"model": "m", "messages": [{"role": "assistant", "tool_calls": [
        {"id": "c", "function": {"name": "f", "arguments": '{"to": "x@y.eu"}'}}]}]}
    fields = {f.path: f for f in extract_texts(CHAT, body).fields}
    assert fields["messages[0].tool_calls[0].function.arguments.to"].key == "to"
