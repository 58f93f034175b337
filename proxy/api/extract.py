"""Text extraction: every text field of an OpenAI request, each with a way to write it back.

Detection runs over every field a provider would see: system and developer messages, user
messages, earlier assistant turns, multi-part text parts, tool-call arguments (each string value
inside the JSON arguments), tool results, ``name``, the ``user`` field and ``metadata`` values,
completion prompts and embedding inputs. Content the proxy cannot inspect (images, audio, files,
token arrays) is refused rather than forwarded unseen.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from proxy.errors import ErrorCode, ProxyError

CHAT = "chat.completions"
COMPLETIONS = "completions"
EMBEDDINGS = "embeddings"


@dataclass(slots=True)
class TextField:
    """One text of the request. ``where`` names its kind (for metrics and audit, never content)."""

    where: str
    path: str
    text: str
    _set: Callable[[str], None]

    def set(self, value: str) -> None:
        self._set(value)


@dataclass(slots=True)
class Extracted:
    fields: list[TextField] = field(default_factory=list)
    _finalizers: list[Callable[[], None]] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [f.text for f in self.fields]

    def finalize(self) -> None:
        """Re-serialize containers (tool-call arguments) after fields were set."""
        for fin in self._finalizers:
            fin()


def _setter(container: Any, key: Any) -> Callable[[str], None]:
    def set_(value: str) -> None:
        container[key] = value

    return set_


def _unsupported(what: str, param: str) -> ProxyError:
    return ProxyError(
        ErrorCode.unsupported_input,
        f"{what} cannot be inspected for personal data and is not accepted by this proxy",
        param=param,
    )


def _add(out: Extracted, where: str, path: str, container: Any, key: Any) -> None:
    value = container[key]
    if isinstance(value, str) and value:
        out.fields.append(TextField(where, path, value, _setter(container, key)))


def _walk_json(out: Extracted, where: str, path: str, node: Any) -> None:
    if isinstance(node, dict):
        for k in node:
            v = node[k]
            if isinstance(v, str):
                _add(out, where, f"{path}.{k}", node, k)
            else:
                _walk_json(out, where, f"{path}.{k}", v)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                _add(out, where, f"{path}[{i}]", node, i)
            else:
                _walk_json(out, where, f"{path}[{i}]", v)


def _arguments(out: Extracted, where: str, path: str, holder: dict[str, Any]) -> None:
    """Tool-call arguments are a JSON string: scan each string value, re-serialize after."""
    raw = holder.get("arguments")
    if not isinstance(raw, str) or not raw:
        return
    try:
        parsed = json.loads(raw)
    except ValueError:
        _add(out, where, f"{path}.arguments", holder, "arguments")
        return
    if isinstance(parsed, str):
        _add(out, where, f"{path}.arguments", holder, "arguments")
        return
    before = len(out.fields)
    _walk_json(out, where, f"{path}.arguments", parsed)
    if len(out.fields) > before:
        out._finalizers.append(
            lambda: holder.__setitem__("arguments", json.dumps(parsed, ensure_ascii=False))
        )


def _content(out: Extracted, where: str, path: str, msg: dict[str, Any]) -> None:
    content = msg.get("content")
    if isinstance(content, str):
        _add(out, where, f"{path}.content", msg, "content")
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if isinstance(part, str):
                _add(out, where, f"{path}.content[{j}]", content, j)
                continue
            if not isinstance(part, dict):
                raise ProxyError(ErrorCode.invalid_request, "invalid content part",
                                 param=f"{path}.content[{j}]")
            kind = part.get("type")
            if kind in ("text", "input_text", "output_text", "refusal"):
                key = "refusal" if kind == "refusal" else "text"
                if key in part:
                    _add(out, where, f"{path}.content[{j}].{key}", part, key)
            else:
                raise _unsupported(f"a content part of type {kind!r}", f"{path}.content[{j}]")
    elif content is not None:
        raise ProxyError(ErrorCode.invalid_request, "message content must be a string or a list",
                         param=f"{path}.content")


def _common(out: Extracted, body: dict[str, Any]) -> None:
    if isinstance(body.get("user"), str):
        _add(out, "user_field", "user", body, "user")
    meta = body.get("metadata")
    if isinstance(meta, dict):
        _walk_json(out, "metadata", "metadata", meta)


def extract_texts(endpoint: str, body: dict[str, Any]) -> Extracted:
    """Collect every text field of ``body`` (mutated in place by ``TextField.set``)."""
    out = Extracted()
    if endpoint == CHAT:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise ProxyError(ErrorCode.invalid_request, "'messages' must be a non-empty list",
                             param="messages")
        for i, msg in enumerate(messages):
            if not isinstance(msg, dict):
                raise ProxyError(ErrorCode.invalid_request, "each message must be an object",
                                 param=f"messages[{i}]")
            role = msg.get("role")
            where = {"system": "system", "developer": "system", "user": "user",
                     "assistant": "assistant", "tool": "tool_result",
                     "function": "tool_result"}.get(str(role))
            if where is None:
                raise ProxyError(ErrorCode.invalid_request, f"unknown message role {role!r}",
                                 param=f"messages[{i}].role")
            path = f"messages[{i}]"
            _content(out, where, path, msg)
            if isinstance(msg.get("name"), str):
                _add(out, "name", f"{path}.name", msg, "name")
            for k, call in enumerate(msg.get("tool_calls") or []):
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict):
                    _arguments(out, "tool_call_arguments", f"{path}.tool_calls[{k}].function", fn)
            if isinstance(msg.get("function_call"), dict):
                _arguments(out, "tool_call_arguments", f"{path}.function_call",
                           msg["function_call"])
            audio = msg.get("audio")
            if audio:
                raise _unsupported("audio", f"{path}.audio")
    elif endpoint == COMPLETIONS:
        prompt = body.get("prompt")
        if isinstance(prompt, str):
            _add(out, "prompt", "prompt", body, "prompt")
        elif isinstance(prompt, list) and all(isinstance(p, str) for p in prompt):
            for i in range(len(prompt)):
                _add(out, "prompt", f"prompt[{i}]", prompt, i)
        elif isinstance(prompt, list):
            raise _unsupported("a token-array prompt", "prompt")
        else:
            raise ProxyError(ErrorCode.invalid_request, "'prompt' is required", param="prompt")
        if isinstance(body.get("suffix"), str):
            _add(out, "prompt", "suffix", body, "suffix")
    elif endpoint == EMBEDDINGS:
        inp = body.get("input")
        if isinstance(inp, str):
            _add(out, "input", "input", body, "input")
        elif isinstance(inp, list) and inp and all(isinstance(p, str) for p in inp):
            for i in range(len(inp)):
                _add(out, "input", f"input[{i}]", inp, i)
        elif isinstance(inp, list) and inp:
            raise _unsupported("token-array input", "input")
        else:
            raise ProxyError(ErrorCode.invalid_request, "'input' is required", param="input")
    else:  # pragma: no cover - routes are fixed
        raise ValueError(endpoint)
    _common(out, body)
    return out
