import json

import pytest

from proxy.api.extract import CHAT, COMPLETIONS, EMBEDDINGS, extract_texts
from proxy.errors import ErrorCode, ProxyError


def chat_body():
    return {
        "model": "gpt-4o",
        "user": "alice@example.com",
        "messages": [
            {"role": "system", "content": "You help Jane Doe."},
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "name": "jane_doe", "content": [
                {"type": "text", "text": "part one"}, {"type": "text", "text": "part two"}]},
            {"role": "assistant", "content": "earlier answer", "tool_calls": [
                {"id": "c1", "type": "function",
                 "function": {"name": "lookup", "arguments": '{"email": "a@b.eu", "n": 3}'}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "tool result"},
        ],
    }


def test_chat_every_field_is_extracted():
    ex = extract_texts(CHAT, chat_body())
    got = {(f.where, f.path): f.text for f in ex.fields}
    assert got == {
        ("system", "messages[0].content"): "You help Jane Doe.",
        ("system", "messages[1].content"): "Be brief.",
        ("user", "messages[2].content[0].text"): "part one",
        ("user", "messages[2].content[1].text"): "part two",
        ("name", "messages[2].name"): "jane_doe",
        ("assistant", "messages[3].content"): "earlier answer",
        ("tool_call", "messages[3].tool_calls[0].id"): "c1",
        ("tool_call", "messages[3].tool_calls[0].function.name"): "lookup",
        ("tool_call_arguments", "messages[3].tool_calls[0].function.arguments.email (key)"):
            "email",
        ("tool_call_arguments", "messages[3].tool_calls[0].function.arguments.email"): "a@b.eu",
        ("tool_call_arguments", "messages[3].tool_calls[0].function.arguments.n (key)"): "n",
        ("tool_call_arguments", "messages[3].tool_calls[0].function.arguments.n"): "3",
        ("tool_call", "messages[4].tool_call_id"): "c1",
        ("tool_result", "messages[4].content"): "tool result",
        ("user_field", "user"): "alice@example.com",
    }


def test_set_writes_back_and_arguments_are_reserialized():
    body = chat_body()
    ex = extract_texts(CHAT, body)
    for f in ex.fields:
        if f.text.upper() != f.text:
            f.set(f.text.upper())
    ex.finalize()
    assert body["messages"][2]["content"][1]["text"] == "PART TWO"
    assert json.loads(body["messages"][3]["tool_calls"][0]["function"]["arguments"]) == {
        "EMAIL": "A@B.EU", "N": 3}
    # The field keeps the original text for audit digests.
    first = next(f for f in ex.fields if f.path == "messages[0].content")
    assert first.text == "You help Jane Doe." and first.changed


def test_unparseable_arguments_are_scanned_as_text():
    body = {"model": "m", "messages": [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "x", "type": "function", "function": {"name": "f", "arguments": "{broken"}}]}]}
    ex = extract_texts(CHAT, body)
    assert [f.text for f in ex.fields if f.where == "tool_call_arguments"] == ["{broken"]


@pytest.mark.parametrize("endpoint,body,texts", [
    (COMPLETIONS, {"model": "m", "prompt": "hello"}, ["hello"]),
    (COMPLETIONS, {"model": "m", "prompt": ["a", "b"], "suffix": "c"}, ["a", "b", "c"]),
    (EMBEDDINGS, {"model": "m", "input": "x"}, ["x"]),
    (EMBEDDINGS, {"model": "m", "input": ["x", "y"]}, ["x", "y"]),
])
def test_prompts_and_inputs(endpoint, body, texts):
    assert extract_texts(endpoint, body).texts() == texts


@pytest.mark.parametrize("endpoint,body,code", [
    (EMBEDDINGS, {"model": "m", "input": [1, 2, 3]}, ErrorCode.unsupported_input),
    (COMPLETIONS, {"model": "m", "prompt": [[1, 2]]}, ErrorCode.unsupported_input),
    (CHAT, {"model": "m", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "data:"}}]}]}, ErrorCode.unsupported_input),
    (CHAT, {"model": "m", "messages": []}, ErrorCode.invalid_request),
    (CHAT, {"model": "m", "messages": [{"role": "wizard", "content": "x"}]},
     ErrorCode.invalid_request),
])
def test_uninspectable_or_invalid_input_is_refused(endpoint, body, code):
    with pytest.raises(ProxyError) as e:
        extract_texts(endpoint, body)
    assert e.value.code is code
