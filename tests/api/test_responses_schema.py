"""The Responses API's request schema: every string that would leave is found and can be replaced
in place, the fields the API defines without free text are not scanned, and built-in tools,
stored state and content that cannot be inspected are refused with the field named."""

from __future__ import annotations

import json
import random

import pytest

from proxy.api.extract import RESPONSES, extract_texts
from proxy.api.responses import RESPONSES_API
from proxy.errors import ErrorCode, ProxyError
from tests.api import values
from tests.api.responses_cases import FIELD_CLASSES, REFUSED
from tests.api.test_schema import GENERATORS, replace_everywhere


@pytest.mark.parametrize("kind", sorted(GENERATORS))
@pytest.mark.parametrize("field_class", sorted(FIELD_CLASSES))
def test_every_field_class_is_extracted_and_written_back(field_class, kind):
    rng = random.Random(f"responses/{field_class}/{kind}")
    for _ in range(3):
        value = GENERATORS[kind](rng)
        body = FIELD_CLASSES[field_class](value)
        assert value in json.dumps(body, ensure_ascii=False)
        hits = replace_everywhere(RESPONSES, body, value)
        assert hits, f"{field_class}: the value is in no extracted field"
        sent = json.dumps(body, ensure_ascii=False)
        assert value not in sent, f"{field_class}: a place holding the value was not extracted"
        assert "<PERSON_0123456789abcd>" in sent


def test_structured_values_carry_their_key_path():
    email = values.email(random.Random(7))
    body = FIELD_CLASSES["history"](email)
    body["metadata"] = {"customer_phone": "+31 6 12345678"}
    body["prompt"] = {"id": "p", "variables": {"contact_email": email}}
    keys = {(f.text, f.key) for f in extract_texts(RESPONSES, body).fields}
    assert (email, "contact.email") in keys  # function call arguments
    assert (f"called {email}", "customer.note") in keys  # a JSON function call output
    assert ("+31 6 12345678", "customer_phone") in keys  # metadata
    assert (email, "contact_email") in keys  # a prompt variable, named by the request
    assert (f"Find {email}", None) in keys  # free text


def test_fields_the_api_defines_without_free_text_are_not_scanned():
    body = {
        "model": "gpt-4o", "input": [{"type": "message", "role": "user", "status": "completed",
                                      "content": [{"type": "input_text", "text": "",
                                                   "prompt_cache_breakpoint": {
                                                       "mode": "explicit", "ttl": "30m"}}]}],
        "stream": True, "stream_options": {"include_obfuscation": False}, "temperature": 0.2,
        "top_p": 1, "top_logprobs": 2, "max_output_tokens": 9, "max_tool_calls": 2,
        "parallel_tool_calls": False, "store": False, "background": False,
        "reasoning": {"effort": "low", "summary": "auto", "context": "auto", "mode": "standard"},
        "service_tier": "flex", "truncation": "auto", "include": ["message.output_text.logprobs"],
        "text": {"format": {"type": "json_object"}, "verbosity": "low"},
        "tool_choice": "required", "prompt_cache_retention": "24h",
        "prompt_cache_options": {"mode": "explicit", "prewarm": False, "ttl": "12h"},
        "context_management": [{"type": "compaction", "compact_threshold": 1000}],
        "image": {"context_compression": "auto"}, "access_programs": {"cyber": "standard"},
        "tools": [{"type": "function", "name": "", "strict": True, "defer_loading": False,
                   "allowed_callers": ["direct"], "parameters": {
                       "type": "object", "properties": {}, "additionalProperties": False}}],
    }
    assert extract_texts(RESPONSES, body).fields == []


@pytest.mark.parametrize(("body", "param"), REFUSED, ids=[p for _, p in REFUSED])
def test_what_cannot_be_inspected_is_refused_with_the_field_named(body, param):
    secret = values.email(random.Random(param))
    body = json.loads(json.dumps(body).replace('"https://x.example/a.png"', json.dumps(secret)))
    with pytest.raises(ProxyError) as e:
        extract_texts(RESPONSES, body)
    assert e.value.code is ErrorCode.unsupported_input
    assert e.value.param == param
    assert e.value.status == 400
    assert secret not in e.value.message and "secret_name" not in e.value.message
    assert "secret_name" not in str(e.value.param)


@pytest.mark.parametrize(("body", "param"), [
    ({"model": "m", "input": 3}, "input"),
    ({"model": "m", "input": [{"role": "robot", "content": "x"}]}, "input[0]"),
    ({"model": "m", "input": [{"role": "user"}]}, "input[0].content"),
    ({"model": "m", "input": "x", "max_output_tokens": "9"}, "max_output_tokens"),
    ({"model": "m", "input": "x", "background": "yes"}, "background"),
    ({"model": "m", "input": "x", "prompt": {"id": "p", "variables": ["x"]}},
     "prompt.variables"),
])
def test_malformed_requests_are_client_errors_naming_the_field(body, param):
    with pytest.raises(ProxyError) as e:
        extract_texts(RESPONSES, body)
    assert e.value.code is ErrorCode.invalid_request and e.value.param == param


def test_responses_are_not_stored_at_the_provider_unless_the_request_says_so():
    body = {"model": "m", "input": "x"}
    RESPONSES_API.extract(body)
    assert body["store"] is False
    body = {"model": "m", "input": "x", "store": True}
    RESPONSES_API.extract(body)
    assert body["store"] is True


def test_an_input_item_without_its_type_is_a_message():
    body = {"model": "m", "input": [{"role": "user", "content": "mail x@y.eu"}]}
    [field] = extract_texts(RESPONSES, body).fields
    assert field.where == "user" and field.text == "mail x@y.eu"
