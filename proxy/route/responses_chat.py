"""The Responses API on a model that speaks chat completions (the local route: llama.cpp's server,
vLLM, llama-cpp-python's server or the in-process model): a Responses request becomes a chat
request, and the chat answer, whole or streamed, becomes a response object or the Responses API's
typed events.

What a chat model has no use for is left out of the chat request: reasoning items (and reasoning
settings), metadata, storage and caching options. Tools keep their names, descriptions and
schemas (namespaced tools are listed one by one); ``max_output_tokens`` becomes ``max_tokens``,
and where it is unset the local route's defaults apply (``proxy.route.defaults``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

_PASSED = ("temperature", "top_p", "parallel_tool_calls", "stream")


def chat_request(body: dict[str, Any]) -> dict[str, Any]:
    """The chat completions request that asks a chat model what ``body`` asks."""
    messages: list[dict[str, Any]] = []
    if isinstance(body.get("instructions"), str) and body["instructions"]:
        messages.append({"role": "system", "content": body["instructions"]})
    tools = _tools(body.get("tools") or [])
    inp = body.get("input")
    for item in [{"role": "user", "content": inp}] if isinstance(inp, str) else inp or []:
        _add_item(messages, tools, item)
    out: dict[str, Any] = {"model": body.get("model"), "messages": messages}
    out.update({k: body[k] for k in _PASSED if body.get(k) is not None})
    if body.get("max_output_tokens") is not None:
        out["max_tokens"] = body["max_output_tokens"]
    if body.get("stream"):
        out["stream_options"] = {"include_usage": True}
    if tools:
        out["tools"] = tools
        choice = _tool_choice(body.get("tool_choice"))
        if choice is not None:
            out["tool_choice"] = choice
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        out["response_format"] = {"type": "json_schema", "json_schema": {
            k: fmt[k] for k in ("name", "description", "schema", "strict") if k in fmt}}
    elif fmt.get("type") == "json_object":
        out["response_format"] = {"type": "json_object"}
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [p.get("text") if p.get("type") != "refusal" else p.get("refusal")
             for p in content or [] if isinstance(p, dict)]
    return "\n".join(p for p in parts if isinstance(p, str))


def _add_item(messages: list[dict[str, Any]], tools: list[dict[str, Any]],
              item: dict[str, Any]) -> None:
    kind = item.get("type", "message")
    if kind == "message":
        role = "system" if item.get("role") == "developer" else item.get("role")
        messages.append({"role": role, "content": _text(item.get("content"))})
    elif kind in ("function_call", "custom_tool_call"):
        call: dict[str, Any] = {"id": item.get("call_id"), "type": "function"}
        if kind == "function_call":
            call["function"] = {"name": item.get("name"), "arguments": item.get("arguments")}
        else:
            call.update(type="custom", custom={"name": item.get("name"),
                                               "input": item.get("input")})
        last = messages[-1] if messages else None
        if last is None or last["role"] != "assistant":
            last = {"role": "assistant", "content": None}
            messages.append(last)
        last.setdefault("tool_calls", []).append(call)
    elif kind in ("function_call_output", "custom_tool_call_output"):
        messages.append({"role": "tool", "tool_call_id": item.get("call_id"),
                         "content": _text(item.get("output"))})
    elif kind == "additional_tools":
        tools += _tools(item.get("tools") or [])
    # reasoning, compaction triggers and configuration updates mean nothing to a chat model


def _tools(tools: list[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for t in tools:
        if not isinstance(t, dict):
            continue
        if t.get("type") == "namespace":
            out += _tools(t.get("tools") or [])
        elif t.get("type") == "function":
            out.append({"type": "function", "function": {
                k: t[k] for k in ("name", "description", "parameters", "strict")
                if t.get(k) is not None}})
        elif t.get("type") == "custom":
            out.append({"type": "custom", "custom": {
                k: t[k] for k in ("name", "description", "format") if t.get(k) is not None}})
    return out


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, str) or choice is None:
        return choice
    kind = choice.get("type")
    if kind in ("function", "custom"):
        return {"type": kind, kind: {"name": choice.get("name")}}
    if kind == "allowed_tools":
        return {"type": "allowed_tools", "allowed_tools": {
            "mode": choice.get("mode"),
            "tools": [{"type": t.get("type"), t.get("type"): {"name": t.get("name")}}
                      for t in choice.get("tools") or [] if isinstance(t, dict)]}}
    return None


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def response_object(
    req: dict[str, Any], *, rid: str, created: int, model: str, status: str,
    output: list[dict[str, Any]], usage: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Responses API response object for request ``req`` (echoing its settings, as the API
    does)."""
    incomplete = {"reason": "max_output_tokens"} if status == "incomplete" else None
    return {
        "id": rid, "object": "response", "created_at": created, "status": status,
        "completed_at": int(time.time()) if status == "completed" else None,
        "error": None, "incomplete_details": incomplete,
        "instructions": req.get("instructions"), "model": model, "output": output,
        "max_output_tokens": req.get("max_output_tokens"),
        "parallel_tool_calls": req.get("parallel_tool_calls", True),
        "previous_response_id": None, "reasoning": {"effort": None, "summary": None},
        "store": req.get("store", False), "temperature": req.get("temperature", 1.0),
        "text": req.get("text") or {"format": {"type": "text"}},
        "tool_choice": req.get("tool_choice", "auto"), "tools": req.get("tools") or [],
        "top_p": req.get("top_p", 1.0), "truncation": req.get("truncation", "disabled"),
        "usage": usage, "user": req.get("user"), "metadata": req.get("metadata") or {},
    }


def usage_of(chat_usage: Any) -> dict[str, Any] | None:
    """Chat usage counts in the Responses shape."""
    if not isinstance(chat_usage, dict):
        return None
    inp, out = int(chat_usage.get("prompt_tokens") or 0), int(
        chat_usage.get("completion_tokens") or 0)
    return {"input_tokens": inp, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": out, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": int(chat_usage.get("total_tokens") or inp + out)}


def message_item(text: str, *, refusal: bool = False, status: str = "completed",
                 iid: str | None = None) -> dict[str, Any]:
    part = ({"type": "refusal", "refusal": text} if refusal
            else {"type": "output_text", "text": text, "annotations": [], "logprobs": []})
    return {"id": iid or new_id("msg"), "type": "message", "role": "assistant",
            "status": status, "content": [part]}


def call_item(call: dict[str, Any], *, status: str = "completed",
              iid: str | None = None) -> dict[str, Any]:
    """A chat tool call as a Responses output item."""
    if call.get("type") == "custom":
        custom = call.get("custom") or {}
        return {"id": iid or new_id("ctc"), "type": "custom_tool_call", "status": status,
                "call_id": call.get("id") or new_id("call"), "name": custom.get("name", ""),
                "input": custom.get("input") or ""}
    fn = call.get("function") or {}
    return {"id": iid or new_id("fc"), "type": "function_call", "status": status,
            "call_id": call.get("id") or new_id("call"), "name": fn.get("name", ""),
            "arguments": fn.get("arguments") or ""}


def from_chat(req: dict[str, Any], answer: dict[str, Any], model: str) -> dict[str, Any]:
    """A whole chat completion as the response object that answers ``req``."""
    choice = (answer.get("choices") or [{}])[0]
    msg = choice.get("message") or {}
    output: list[dict[str, Any]] = []
    if msg.get("refusal"):
        output.append(message_item(msg["refusal"], refusal=True))
    elif msg.get("content"):
        output.append(message_item(msg["content"]))
    output += [call_item(c) for c in msg.get("tool_calls") or [] if isinstance(c, dict)]
    status = "incomplete" if choice.get("finish_reason") == "length" else "completed"
    return response_object(req, rid=new_id("resp"), created=int(answer.get("created") or
                                                                 time.time()),
                           model=model, status=status, output=output,
                           usage=usage_of(answer.get("usage")))
