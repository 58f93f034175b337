"""Apply a Restorer to OpenAI response bodies and stream chunks (content, text, tool calls)."""

from __future__ import annotations

from typing import Any

from proxy.restore.restorer import Restorer, StreamRestorer


def restore_body(body: dict[str, Any], restorer: Restorer) -> dict[str, Any]:
    """Restore a non-streaming chat or completions answer in place."""
    if not restorer:
        return body
    for choice in body.get("choices") or []:
        if isinstance(choice.get("text"), str):
            choice["text"] = restorer.restore(choice["text"])
        msg = choice.get("message")
        if isinstance(msg, dict):
            _restore_message(msg, restorer)
    return body


def _restore_message(msg: dict[str, Any], restorer: Restorer) -> None:
    for key in ("content", "refusal", "reasoning_content"):
        if isinstance(msg.get(key), str):
            msg[key] = restorer.restore(msg[key])
    for call in msg.get("tool_calls") or []:
        fn = call.get("function") or {}
        if isinstance(fn.get("arguments"), str):
            fn["arguments"] = restorer.restore(fn["arguments"], json_escape=True)
    fc = msg.get("function_call")
    if isinstance(fc, dict) and isinstance(fc.get("arguments"), str):
        fc["arguments"] = restorer.restore(fc["arguments"], json_escape=True)


class ChunkRestorer:
    """Restores a stream of chunk objects, holding back only a possible placeholder start.

    One channel per choice's text/content and per (choice, tool call index) arguments. Held text
    is released into the chunk that finishes its choice, or into one extra chunk at the end.
    """

    def __init__(self, restorer: Restorer) -> None:
        self._r = restorer
        self._channels: dict[tuple[int, str, int], StreamRestorer] = {}
        self._last: dict[str, Any] | None = None

    def _ch(self, key: tuple[int, str, int]) -> StreamRestorer:
        ch = self._channels.get(key)
        if ch is None:
            ch = self._channels[key] = self._r.stream(json_escape=key[1] == "tool")
        return ch

    def process(self, chunk: dict[str, Any]) -> dict[str, Any]:
        if not self._r:
            return chunk
        self._last = chunk
        for choice in chunk.get("choices") or []:
            idx = int(choice.get("index", 0))
            if isinstance(choice.get("text"), str):
                choice["text"] = self._ch((idx, "text", 0)).feed(choice["text"])
            delta = choice.get("delta")
            if isinstance(delta, dict):
                if isinstance(delta.get("content"), str):
                    delta["content"] = self._ch((idx, "content", 0)).feed(delta["content"])
                for call in delta.get("tool_calls") or []:
                    fn = call.get("function") or {}
                    if isinstance(fn.get("arguments"), str):
                        tkey = (idx, "tool", int(call.get("index", 0)))
                        fn["arguments"] = self._ch(tkey).feed(fn["arguments"])
            if choice.get("finish_reason"):
                self._flush_choice(idx, choice)
        return chunk

    def _flush_choice(self, idx: int, choice: dict[str, Any]) -> None:
        for key, ch in self._channels.items():
            if key[0] != idx or not ch.held:
                continue
            rest = ch.flush()
            if key[1] == "text":
                choice["text"] = (choice.get("text") or "") + rest
            elif key[1] == "content":
                delta = choice.setdefault("delta", {})
                delta["content"] = (delta.get("content") or "") + rest
            else:
                delta = choice.setdefault("delta", {})
                calls = delta.setdefault("tool_calls", [])
                calls.append({"index": key[2], "function": {"arguments": rest}})

    def tail(self) -> dict[str, Any] | None:
        """A last chunk carrying whatever is still held (a stream that ended without finish)."""
        if not any(ch.held for ch in self._channels.values()):
            return None
        base = dict(self._last or {})
        choices: dict[int, dict[str, Any]] = {}
        for key, ch in self._channels.items():
            if not ch.held:
                continue
            c = choices.setdefault(key[0], {"index": key[0], "delta": {}, "finish_reason": None})
            rest = ch.flush()
            if key[1] == "text":
                c.pop("delta", None)
                c["text"] = c.get("text", "") + rest
            elif key[1] == "content":
                c["delta"]["content"] = c["delta"].get("content", "") + rest
            else:
                c["delta"].setdefault("tool_calls", []).append(
                    {"index": key[2], "function": {"arguments": rest}})
        base["choices"] = list(choices.values())
        base.pop("usage", None)
        return base
