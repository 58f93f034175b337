"""Responses API request bodies, one per class of field, each holding a value ``v`` everywhere
that class allows."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.api.cases import CLEAN, schema


def _req(**extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "input": CLEAN, **extra}


def _history(v: str) -> dict[str, Any]:
    args = json.dumps({"contact": {"email": v}, v: 1})
    result = json.dumps({"customer": {"phone": v, "note": f"called {v}"}, "ok": True})
    return _req(input=[
        {"role": "user", "content": f"Find {v}"},
        {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
         "content": [{"type": "output_text", "text": f"Looking up {v}", "annotations": [
             {"type": "url_citation", "url": f"https://crm.example/{v}", "title": v,
              "start_index": 0, "end_index": 3}], "logprobs": []},
                     {"type": "refusal", "refusal": f"Not {v}"}]},
        {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": args},
        {"type": "function_call_output", "call_id": "call_1", "output": result},
        {"type": "function_call_output", "call_id": "call_1", "output": [
            {"type": "input_text", "text": result}]},
        {"type": "custom_tool_call", "call_id": "call_2", "name": "mailer", "input": v},
        {"type": "custom_tool_call_output", "call_id": "call_2", "output": f"sent to {v}"},
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": v}],
         "content": [{"type": "reasoning_text", "text": f"think of {v}"}]},
        {"role": "developer", "content": [{"type": "input_text", "text": f"Be kind to {v}"}]},
        {"role": "user", "content": CLEAN},
    ])


FIELD_CLASSES: dict[str, Callable[[str], dict[str, Any]]] = {
    "input_string": lambda v: _req(input=f"Write to {v}"),
    "instructions": lambda v: _req(instructions=f"The customer is {v}"),
    "history": _history,
    "function_tools": lambda v: _req(tools=[{
        "type": "function", "name": "lookup", "description": f"Look up the customer {v}",
        "parameters": schema(v), "output_schema": schema(v), "strict": False}]),
    "custom_tools": lambda v: _req(tools=[{
        "type": "custom", "name": "mailer", "description": f"Mails {v}",
        "format": {"type": "grammar", "definition": f'start: "{v}"', "syntax": "lark"}}]),
    "namespace_tools": lambda v: _req(tools=[{
        "type": "namespace", "name": "crm", "description": f"CRM of {v}", "tools": [
            {"type": "function", "name": "lookup", "description": v, "parameters": schema(v)}]}]),
    "additional_tools": lambda v: _req(input=[
        {"type": "additional_tools", "role": "developer", "tools": [
            {"type": "function", "name": "f", "description": v, "parameters": schema(v)}]},
        {"role": "user", "content": CLEAN}]),
    "text_format": lambda v: _req(text={"format": {
        "type": "json_schema", "name": "reply", "description": f"A reply to {v}",
        "schema": schema(v), "strict": True}, "verbosity": "low"}),
    "tool_choice": lambda v: _req(tool_choice={"type": "function", "name": v}),
    "metadata_and_user": lambda v: _req(metadata={"customer": v, v: "x"}, user=v,
                                        safety_identifier=v, prompt_cache_key=v),
    "prompt_variables": lambda v: _req(prompt={"id": "pmpt_1", "variables": {
        "customer_email": v, "note": {"type": "input_text", "text": f"about {v}"}}}),
    "unknown_fields": lambda v: _req(x_customer={"contact": {"phone": v}}, input=[
        {"role": "user", "content": CLEAN, "x_note": v}]),
}

# (body, the field refused): built-in tools, stored state, content that cannot be inspected.
REFUSED: list[tuple[dict[str, Any], str]] = [
    *((_req(tools=[{"type": t}]), "tools[0]") for t in (
        "web_search", "web_search_preview", "file_search", "computer_use_preview",
        "code_interpreter", "image_generation", "mcp", "local_shell", "shell", "apply_patch",
        "tool_search", "programmatic_tool_calling", "a_tool_added_later")),
    (_req(tool_choice={"type": "web_search_preview"}), "tool_choice"),
    (_req(previous_response_id="resp_123"), "previous_response_id"),
    (_req(conversation="conv_123"), "conversation"),
    (_req(conversation={"id": "conv_123"}), "conversation"),
    (_req(background=True), "background"),
    (_req(input=[{"type": "item_reference", "id": "msg_1"}]), "input[0]"),
    (_req(input=[{"role": "user", "content": [{"type": "input_image", "detail": "auto",
                                               "image_url": "https://x.example/a.png"}]}]),
     "input[0].content[0]"),
    (_req(input=[{"role": "user", "content": [{"type": "input_file", "file_id": "file_1"}]}]),
     "input[0].content[0]"),
    (_req(input=[{"role": "user", "content": [{"type": "input_audio"}]}]),
     "input[0].content[0]"),
    (_req(input=[{"type": "function_call_output", "call_id": "c", "output": [
        {"type": "input_image", "image_url": "https://x.example/a.png"}]}]),
     "input[0].output[0]"),
    (_req(input=[{"type": "reasoning", "id": "rs_1", "summary": [],
                  "encrypted_content": "gAAAAB..."}]), "input[0].encrypted_content"),
    (_req(input=[{"type": "compaction", "encrypted_content": "gAAAAB..."}]), "input[0]"),
    (_req(input=[{"type": "web_search_call", "id": "ws_1", "status": "completed"}]),
     "input[0]"),
    (_req(input=[{"type": "mcp_call", "id": "m", "name": "n", "arguments": "{}",
                  "server_label": "s"}]), "input[0]"),
    (_req(input=[{"role": "assistant", "content": [{"type": "output_text", "text": "x",
                                                    "annotations": [], "logprobs": [
                                                        {"token": "x", "bytes": [120],
                                                         "logprob": 0.0}]}]}]),
     "input[0].content[0].logprobs[0]"),
    (_req(prompt={"id": "p", "variables": {"secret_name": {"type": "input_file"}}}),
     "prompt.variables"),
]
