"""Chat requests that carry a personal value in one class of field each (issue: fields that were
never scanned). Each builder takes the value and returns a whole request body."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

CLEAN = "Summarize the release notes of version 2.4.1 in three bullet points."


def _chat(*, content: Any = CLEAN, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **extra}


def schema(v: str) -> dict[str, Any]:
    """A JSON Schema with the value wherever a schema can carry text, its keys included."""
    return {
        "type": "object",
        "title": f"Contact card of {v}",
        "description": f"Details for {v}",
        "properties": {
            "to": {"type": "string", "format": "email", "description": f"for example {v}",
                   "enum": [v, "someone else"], "default": v, "examples": [v], "const": v,
                   "pattern": f"^{v}$"},
            v: {"type": "string"},
            "contact": {"type": "object", "properties": {"phone": {"type": "string",
                                                                    "default": v}}},
        },
        "required": ["to", v],
        "x-owner": v,
    }


def _tool_round_trip(v: str) -> dict[str, Any]:
    args = json.dumps({"contact": {"email": v}, v: 1})
    result = json.dumps({"customer": {"phone": v, "note": f"called {v}"}, "ok": True})
    return {"model": "gpt-4o", "messages": [
        {"role": "user", "content": CLEAN},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "lookup", "arguments": args}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
        {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": result}]},
        {"role": "user", "content": CLEAN},
    ]}


FIELD_CLASSES: dict[str, Callable[[str], dict[str, Any]]] = {
    "tools": lambda v: _chat(tools=[{"type": "function", "function": {
        "name": "lookup", "description": f"Look up the customer {v}", "parameters": schema(v)}}]),
    "custom_tools": lambda v: _chat(tools=[{"type": "custom", "custom": {
        "name": "mailer", "description": f"Mails {v}",
        "format": {"type": "grammar", "grammar": {"definition": f'start: "{v}"',
                                                   "syntax": "lark"}}}}]),
    "functions": lambda v: _chat(functions=[{
        "name": "lookup", "description": f"Look up {v}", "parameters": schema(v)}]),
    "response_format": lambda v: _chat(response_format={"type": "json_schema", "json_schema": {
        "name": "reply", "description": f"A reply to {v}", "schema": schema(v)}}),
    "prediction": lambda v: _chat(prediction={"type": "content", "content": [
        {"type": "text", "text": f"Dear {v}, thank you"}]}),
    "stop": lambda v: _chat(stop=[f"Regards, {v}", v]),
    "unknown_top_level_field": lambda v: _chat(x_note=f"customer {v}",
                                               x_card={"contact": {"phone": v}}),
    "unknown_message_field": lambda v: {"model": "gpt-4o", "messages": [
        {"role": "user", "content": CLEAN, "x_note": f"about {v}", "x_ids": [v]}]},
    "content_parts": lambda v: _chat(content=[
        {"type": "text", "text": f"Write to {v}"},
        {"type": "text", "text": CLEAN, "x_hint": {"to": v}}]),
    "metadata_and_user": lambda v: _chat(metadata={"customer": v, "note": f"call {v}"}, user=v,
                                         safety_identifier=v, prompt_cache_key=v),
    "keys": lambda v: _chat(metadata={v: "vip"}, x_extra={v: {"since": 2020}}),
    "tool_calls_and_results": _tool_round_trip,
}


def with_prompt(body: dict[str, Any], prompt: str) -> dict[str, Any]:
    """The same body with ``prompt`` as its last user message (the fake echoes it back)."""
    body = json.loads(json.dumps(body))
    body["messages"].append({"role": "user", "content": prompt})
    return body
