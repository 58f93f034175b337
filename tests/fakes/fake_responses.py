"""The fake provider's Responses API (see ``tests.fakes.fake_openai``): what a request is answered
with, as OpenAI's response object and as its typed stream events. Shapes follow the official
``openai`` package's ``types/responses``."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

# Settings a response object echoes from its request, with the API's defaults.
_ECHOED: dict[str, Any] = {
    "instructions": None, "max_output_tokens": None, "max_tool_calls": None,
    "parallel_tool_calls": True, "previous_response_id": None, "prompt_cache_key": None,
    "safety_identifier": None, "service_tier": "default", "store": True, "temperature": 1.0,
    "tool_choice": "auto", "tools": [], "top_logprobs": 0, "top_p": 1.0, "truncation": "disabled",
    "user": None, "text": {"format": {"type": "text"}, "verbosity": "medium"},
    "reasoning": {"effort": None, "summary": None},
}
USAGE = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
         "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15}


def last_said(body: dict[str, Any]) -> tuple[str, bool]:
    """The text the fake echoes, and whether it is a tool's output (the input ends with one)."""
    inp = body.get("input")
    if isinstance(inp, str):
        return inp, False
    items = [i for i in inp or [] if isinstance(i, dict)]
    if items and items[-1].get("type") in ("function_call_output", "custom_tool_call_output"):
        return _text(items[-1].get("output")), True
    for item in reversed(items):
        if item.get("type", "message") == "message" and item.get("role") == "user":
            return _text(item.get("content")), False
    return "", False


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(p.get("text", "") for p in content or []
                    if isinstance(p, dict) and p.get("type") in ("input_text", "output_text"))


def output_item(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The one output item that answers ``body`` (complete), and the text it streams."""
    said, after_tool = last_said(body)
    tools = [t for t in body.get("tools") or [] if t.get("type") in ("function", "custom")]
    fmt = ((body.get("text") or {}).get("format") or {}).get("type")
    digest = hashlib.sha1(said.encode()).hexdigest()[:12]
    if not after_tool and tools and not said.startswith("REFUSE:"):
        tool = tools[0]
        if tool["type"] == "custom":
            return {"id": f"ctc_{digest}", "type": "custom_tool_call", "status": "completed",
                    "call_id": "call_fake1", "name": tool["name"], "input": said}, said
        args = json.dumps({"echo": said}, ensure_ascii=False)
        return {"id": f"fc_{digest}", "type": "function_call", "status": "completed",
                "call_id": "call_fake1", "name": tool["name"], "arguments": args}, args
    if said.startswith("REFUSE:") and not after_tool:
        part: dict[str, Any] = {"type": "refusal", "refusal": "ECHO: " + said}
        text = part["refusal"]
    else:
        text = (json.dumps({"echo": said}, ensure_ascii=False)
                if fmt in ("json_object", "json_schema") and not after_tool else "ECHO: " + said)
        part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    return {"id": f"msg_{digest}", "type": "message", "status": "completed", "role": "assistant",
            "content": [part]}, text


def response(body: dict[str, Any], rid: str, status: str,
             output: list[dict[str, Any]]) -> dict[str, Any]:
    done = status == "completed"
    return {
        "id": rid, "object": "response", "created_at": int(time.time()), "status": status,
        "background": False, "completed_at": int(time.time()) if done else None, "error": None,
        "incomplete_details": None, "model": body.get("model", "fake"), "output": output,
        "usage": USAGE if done else None, "metadata": body.get("metadata") or {},
        **{k: body.get(k, default) for k, default in _ECHOED.items()},
    }


def events(body: dict[str, Any], chunk_size: int) -> Iterator[dict[str, Any]]:
    """The typed events of a streamed answer to ``body``, numbered from 0."""
    rid = "resp_fake" + secrets.token_hex(8)
    item, text = output_item(body)
    pending = {**item, "status": "in_progress"}
    seq = 0

    def event(kind: str, **fields: Any) -> dict[str, Any]:
        nonlocal seq
        seq += 1
        return {"type": kind, "sequence_number": seq - 1, **fields}

    at = {"item_id": item["id"], "output_index": 0}
    yield event("response.created", response=response(body, rid, "in_progress", []))
    yield event("response.in_progress", response=response(body, rid, "in_progress", []))
    pieces = [text[i:i + chunk_size] for i in range(0, len(text), chunk_size)] or [""]
    if item["type"] == "message":
        part = item["content"][0]
        kind = "output_text" if part["type"] == "output_text" else "refusal"
        empty = {**part, kind if kind == "refusal" else "text": ""}
        yield event("response.output_item.added", **at, item={**pending, "content": []})
        yield event("response.content_part.added", **at, content_index=0, part=empty)
        extra = {"logprobs": []} if kind == "output_text" else {}
        for piece in pieces:
            yield event(f"response.{kind}.delta", **at, content_index=0, delta=piece,
                        obfuscation=secrets.token_hex(2), **extra)
        field = "text" if kind == "output_text" else "refusal"
        yield event(f"response.{kind}.done", **at, content_index=0, **{field: text}, **extra)
        yield event("response.content_part.done", **at, content_index=0, part=part)
    else:
        field = "arguments" if item["type"] == "function_call" else "input"
        kind = ("response.function_call_arguments" if field == "arguments"
                else "response.custom_tool_call_input")
        yield event("response.output_item.added", output_index=0, item={**pending, field: ""})
        for piece in pieces:
            yield event(f"{kind}.delta", **at, delta=piece, obfuscation=secrets.token_hex(2))
        extra = {"name": item["name"]} if field == "arguments" else {}
        yield event(f"{kind}.done", **at, **{field: text}, **extra)
    yield event("response.output_item.done", output_index=0, item=item)
    yield event("response.completed", response=response(body, rid, "completed", [item]))
