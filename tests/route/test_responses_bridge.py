"""The Responses API on the local route: the request is translated for a model server that speaks
chat completions (with the local defaults for what it leaves unset), and the chat answer, whole
or streamed, comes back in the Responses shape, as the official client reads it."""

from __future__ import annotations

import json

import pytest

from proxy.config import LocalBackendConfig
from proxy.route.bridge import ResponsesBridge
from proxy.route.llama import LlamaCppBackend
from tests.fakes.fake_openai import FakeOpenAI, RunningFake

pytestmark = pytest.mark.timeout(300)

TOOL = {"type": "function", "name": "send_message", "description": "Send a message",
        "parameters": {"type": "object", "properties": {"echo": {"type": "string"}}},
        "strict": False}
HISTORY = [
    {"role": "user", "content": "Who is on call?"},
    {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": '{"q": 1}'},
    {"type": "function_call_output", "call_id": "call_1", "output": "Ann"},
    {"role": "assistant", "content": [{"type": "output_text", "text": "Ann is.",
                                       "annotations": []}]},
    {"role": "developer", "content": "Be brief."},
    {"role": "user", "content": [{"type": "input_text", "text": "Write to her."}]},
]


async def test_a_local_server_gets_a_chat_request_with_the_local_defaults(make_proxy):
    running = RunningFake(FakeOpenAI())
    async with running as server, make_proxy(local=running.base_url, external=False) as p:
        client = p.client()
        out = await client.responses.create(
            model="gpt-4o", instructions="You are the on-call bot.", input=HISTORY,
            tools=[TOOL], tool_choice={"type": "function", "name": "send_message"},
            text={"format": {"type": "json_schema", "name": "r", "schema": {"type": "object"}}},
            metadata={"ticket": "42"})
        sent = server.requests[-1]
        assert sent.path == "/v1/chat/completions"
        body = sent.body
        assert body["messages"] == [
            {"role": "system", "content": "You are the on-call bot."},
            {"role": "user", "content": "Who is on call?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "lookup", "arguments": '{"q": 1}'}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "Ann"},
            {"role": "assistant", "content": "Ann is."},
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Write to her."},
        ]
        assert body["tools"] == [{"type": "function", "function": {
            "name": "send_message", "description": "Send a message",
            "parameters": TOOL["parameters"], "strict": False}}]
        assert body["tool_choice"] == {"type": "function", "function": {"name": "send_message"}}
        assert body["response_format"]["json_schema"]["schema"] == {"type": "object"}
        assert body["max_tokens"] == 512 and body["repeat_penalty"] == 1.15
        assert "metadata" not in body and "store" not in body
        # The chat answer (a tool call) as a Responses function call.
        [call] = out.output
        assert call.type == "function_call" and call.name == "send_message"
        assert json.loads(call.arguments) == {"echo": "Write to her."}
        assert out.model == p.settings.local.model_name and out.status == "completed"
        assert out.metadata == {"ticket": "42"} and out.instructions == "You are the on-call bot."

        await client.responses.create(model="gpt-4o", input="Hi", max_output_tokens=7)
        assert server.requests[-1].body["max_tokens"] == 7


async def test_a_local_stream_comes_back_as_typed_events(make_proxy):
    running = RunningFake(FakeOpenAI(chunk_size=2))
    async with running as server, make_proxy(local=running.base_url, external=False) as p:
        client = p.client()
        async with client.responses.stream(model="gpt-4o", input="Hello there") as stream:
            kinds = [e.type async for e in stream]
            final = await stream.get_final_response()
        assert server.requests[-1].body["stream_options"] == {"include_usage": True}
        assert final.output_text == "ECHO: Hello there" and final.status == "completed"
        assert final.usage is not None and final.usage.total_tokens == 15
        assert kinds[:4] == ["response.created", "response.in_progress",
                             "response.output_item.added", "response.content_part.added"]
        assert kinds[-4:] == ["response.output_text.done", "response.content_part.done",
                              "response.output_item.done", "response.completed"]
        async with client.responses.stream(model="gpt-4o", input="Hi",
                                           tools=[TOOL]) as stream:
            args = "".join([e.delta async for e in stream
                            if e.type == "response.function_call_arguments.delta"])
            final = await stream.get_final_response()
        assert json.loads(args) == {"echo": "Hi"}
        assert final.output[0].type == "function_call" and final.output[0].arguments == args


@pytest.mark.slow
async def test_the_in_process_model_answers_in_the_responses_shape(model_path):
    backend = ResponsesBridge(LlamaCppBackend(LocalBackendConfig(
        model_path=model_path, n_ctx=1024, default_max_tokens=6)))
    await backend.start()
    try:
        up = await backend.call("responses", {"model": "x", "input": "Tell me about the sea."})
        assert up.body is not None
        assert up.body["status"] == "incomplete"  # stopped by the local default of 6 tokens
        assert up.body["incomplete_details"] == {"reason": "max_output_tokens"}
        assert up.body["output"][0]["content"][0]["text"]
        assert up.body["usage"]["output_tokens"] <= 6
        up = await backend.call("responses", {"model": "x", "input": "Hi", "stream": True,
                                              "max_output_tokens": 3})
        assert up.chunks is not None
        events = [e async for batch in up.chunks for e in batch]
        assert events[0]["type"] == "response.created"
        assert events[-1]["type"] == "response.incomplete"
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        text = "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta")
        assert events[-1]["response"]["output"][0]["content"][0]["text"] == text
    finally:
        await backend.close()
