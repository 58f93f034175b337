"""A fake OpenAI provider (OpenAI itself cannot run here): records every request it receives and
answers in OpenAI's wire format by echoing what it was sent, so tests can see exactly what left the
proxy and whether the answer was restored.

Behaviour, per request:
- chat: the answer's content is ``ECHO: `` + the text of the last user message. Instead:
  - with ``tools``: one call to the first tool, a function's ``arguments`` being
    ``{"echo": <that text>}``, a custom tool's ``input`` being the text itself;
  - with legacy ``functions``: a ``function_call`` with those arguments;
  - with a JSON ``response_format``: the content ``{"echo": <that text>}``;
  - when the text starts with ``REFUSE:``: a ``refusal`` of ``ECHO: `` + the text.
  Streaming splits the content (refusal, tool arguments or input) into chunks of ``chunk_size``
  characters, so placeholders arrive split across chunks.
  When the last message is a tool result, the answer is ``ECHO: `` + that result, as text (the
  second turn of a tool round trip).
- responses (the Responses API): the same answers as chat, as a response object: ``ECHO: `` + the
  text of the last user message (or of the last tool output, when the input ends with one) as
  an ``output_text``, or a ``function_call`` / ``custom_tool_call`` item, a ``refusal`` part, or
  JSON text for a JSON ``text.format``. The response echoes the request's settings (instructions,
  tools, text, metadata...), as the API does. Streams are the API's typed events (``event:`` +
  ``data:``), the text or arguments cut into deltas of ``chunk_size`` characters.
- completions: ``ECHO: `` + the prompt. embeddings: a deterministic 8-dim vector per input.

Run standalone for benchmarks: ``python -m tests.fakes.fake_openai --port 9000``.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import fake_responses


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeOpenAI:
    chunk_size: int = 3
    record: bool = True
    requests: list[RecordedRequest] = field(default_factory=list)
    fail_status: int | None = None
    # Streams: after the first content chunk, wait until this is set (a test that the proxy
    # forwards it before the rest of the answer exists).
    gate: asyncio.Event | None = None
    # Streams: write the bytes in pieces of this size, CRLF line ends (odd network reads).
    split_bytes: int | None = None
    # Chat: wait until this is set before answering at all (no status line, no byte).
    hold: asyncio.Event | None = None
    # Chat streams: after the first content chunk, send one malformed event (a key of
    # STREAM_FAULTS), then the rest of the answer and [DONE] as usual.
    stream_fault: str | None = None
    # Streams: wait this long before each event (a slow but steady answer).
    event_delay_s: float = 0.0

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_post("/v1/completions", self.completions)
        app.router.add_post("/v1/embeddings", self.embeddings)
        app.router.add_post("/v1/responses", self.responses)
        app.router.add_get("/v1/models", self.models)
        return app

    def all_text(self) -> str:
        """Everything the fake received, as one string, to search for leaked values."""
        return "\n".join(json.dumps(r.body, ensure_ascii=False) for r in self.requests)

    async def _read(self, request: web.Request) -> dict[str, Any]:
        body = await request.json()
        if self.record:
            self.requests.append(RecordedRequest(request.path, dict(request.headers), body))
        return body

    def _error(self) -> web.Response:
        return web.json_response(
            {"error": {"message": "fake failure", "type": "server_error", "param": None,
                       "code": None}},
            status=self.fail_status or 500,
        )

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await self._read(request)
        if self.hold is not None:
            await self.hold.wait()
        if self.fail_status:
            return self._error()
        messages = body.get("messages", [])
        after_tool = bool(messages) and messages[-1].get("role") == "tool"
        said = _text_of(messages[-1].get("content")) if after_tool else _last_user_text(messages)
        text = "ECHO: " + said
        model = body.get("model", "fake")
        cid = "chatcmpl-fake" + hashlib.sha1(text.encode()).hexdigest()[:10]
        kind, name, payload = ("text", None, said) if after_tool else _answer_kind(body, said)
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": None}
            finish = "stop"
            if kind == "function":
                message["tool_calls"] = [{"id": "call_fake1", "type": "function",
                                          "function": {"name": name, "arguments": payload}}]
                finish = "tool_calls"
            elif kind == "custom":
                message["tool_calls"] = [{"id": "call_fake1", "type": "custom",
                                          "custom": {"name": name, "input": payload}}]
                finish = "tool_calls"
            elif kind == "function_call":
                message["function_call"] = {"name": name, "arguments": payload}
                finish = "function_call"
            elif kind == "refusal":
                message["refusal"] = text
            else:
                message["content"] = payload if kind == "json" else text
            return web.json_response(
                {"id": cid, "object": "chat.completion", "created": int(time.time()),
                 "model": model,
                 "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                 "usage": usage}
            )
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        base = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model}

        async def send(obj: dict[str, Any]) -> None:
            if self.event_delay_s:
                await asyncio.sleep(self.event_delay_s)
            event = b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"
            if self.split_bytes is None:
                await resp.write(event)
                return
            event = event.replace(b"\n", b"\r\n")
            for i in range(0, len(event), self.split_bytes):
                await resp.write(event[i : i + self.split_bytes])
                await asyncio.sleep(0)

        async def delta(d: dict[str, Any]) -> None:
            await send({**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]})

        await delta({"role": "assistant"})
        finish = "stop"
        if kind in ("function", "custom"):
            field = "arguments" if kind == "function" else "input"
            await delta({"tool_calls": [{"index": 0, "id": "call_fake1", "type": kind,
                                         kind: {"name": name, field: ""}}]})
            for piece in _chunks(payload, self.chunk_size):
                await delta({"tool_calls": [{"index": 0, kind: {field: piece}}]})
            finish = "tool_calls"
        elif kind == "function_call":
            await delta({"function_call": {"name": name, "arguments": ""}})
            for piece in _chunks(payload, self.chunk_size):
                await delta({"function_call": {"arguments": piece}})
            finish = "function_call"
        else:
            field = "refusal" if kind == "refusal" else "content"
            for i, piece in enumerate(_chunks(payload if kind == "json" else text,
                                              self.chunk_size)):
                await delta({field: piece})
                if i == 0 and self.gate is not None:
                    await self.gate.wait()
                if i == 0 and self.stream_fault is not None:
                    await resp.write(STREAM_FAULTS[self.stream_fault])
        await send({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            await send({**base, "choices": [], "usage": usage})
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def responses(self, request: web.Request) -> web.StreamResponse:
        body = await self._read(request)
        if self.fail_status:
            return self._error()
        if not body.get("stream"):
            item, _ = fake_responses.output_item(body)
            return web.json_response(fake_responses.response(
                body, "resp_fake" + secrets.token_hex(8), "completed", [item]))
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        first = True
        for event in fake_responses.events(body, self.chunk_size):
            data = json.dumps(event, ensure_ascii=False)
            await self._write(resp, f"event: {event['type']}\ndata: {data}\n\n".encode())
            if first and event["type"].endswith(".delta") and self.gate is not None:
                first = False
                await self.gate.wait()
        await resp.write_eof()
        return resp

    async def _write(self, resp: web.StreamResponse, event: bytes) -> None:
        if self.split_bytes is None:
            await resp.write(event)
            return
        event = event.replace(b"\n", b"\r\n")
        for i in range(0, len(event), self.split_bytes):
            await resp.write(event[i : i + self.split_bytes])
            await asyncio.sleep(0)

    async def completions(self, request: web.Request) -> web.StreamResponse:
        body = await self._read(request)
        if self.fail_status:
            return self._error()
        prompt = body.get("prompt", "")
        prompt = prompt if isinstance(prompt, str) else " ".join(map(str, prompt))
        text = "ECHO: " + prompt
        model = body.get("model", "fake")
        if not body.get("stream"):
            return web.json_response(
                {"id": "cmpl-fake", "object": "text_completion", "created": int(time.time()),
                 "model": model,
                 "choices": [{"index": 0, "text": text, "finish_reason": "stop",
                              "logprobs": None}],
                 "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10}}
            )
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        for piece in _chunks(text, self.chunk_size):
            chunk = {"id": "cmpl-fake", "object": "text_completion", "created": int(time.time()),
                     "model": model,
                     "choices": [{"index": 0, "text": piece, "finish_reason": None,
                                  "logprobs": None}]}
            await resp.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async def embeddings(self, request: web.Request) -> web.Response:
        body = await self._read(request)
        if self.fail_status:
            return self._error()
        inputs = body.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        data = []
        for i, text in enumerate(inputs):
            digest = hashlib.sha256(str(text).encode()).digest()
            data.append({"object": "embedding", "index": i,
                         "embedding": [b / 255.0 for b in digest[:8]]})
        return web.json_response(
            {"object": "list", "data": data, "model": body.get("model", "fake"),
             "usage": {"prompt_tokens": 4, "total_tokens": 4}}
        )

    async def models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [
            {"id": "gpt-4o", "object": "model", "created": 0, "owned_by": "fake"}]})


STREAM_FAULTS = {
    "bad_json": b'data: {"choices": [{"index": 0, "delta": {"content": "x"\n\n',
    "bad_utf8": b'data: {"choices": [{"index": 0, "delta": {"content": "\xff\xfe"}}]}\n\n',
    "not_object": b"data: [1, 2, 3]\n\n",
    "error_event": b'data: {"error": {"message": "The server had an error", "type": '
                   b'"server_error", "param": null, "code": null}}\n\n',
    "long_line": b"data: " + b"x" * (1 << 20),  # no line end in a megabyte
}


def _answer_kind(body: dict[str, Any], said: str) -> tuple[str, str | None, str]:
    """(kind of answer, tool or function name, payload) for a chat request."""
    args = json.dumps({"echo": said}, ensure_ascii=False)
    tools = body.get("tools") or []
    if said.startswith("REFUSE:"):
        return "refusal", None, said
    if tools and tools[0].get("type") == "custom":
        return "custom", tools[0]["custom"]["name"], said
    if tools:
        return "function", tools[0]["function"]["name"], args
    if body.get("functions"):
        return "function_call", body["functions"][0]["name"], args
    if (body.get("response_format") or {}).get("type") in ("json_object", "json_schema"):
        return "json", None, args
    return "text", None, said


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            return _text_of(m.get("content"))
    return ""


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content
                        if p.get("type") in ("text", "input_text", "output_text"))
    return ""


def _chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


class RunningFake:
    """Runs a FakeOpenAI on 127.0.0.1 in the current event loop."""

    def __init__(self, fake: FakeOpenAI | None = None) -> None:
        self.fake = fake or FakeOpenAI()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def __aenter__(self) -> FakeOpenAI:
        from tests.serving import serve_app

        self._runner, self.port = await serve_app(self.fake.app())
        return self.fake

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--chunk-size", type=int, default=3)
    args = parser.parse_args()
    fake = FakeOpenAI(chunk_size=args.chunk_size, record=False)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    web.run_app(fake.app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
