"""Apply a Restorer to OpenAI answers: whole bodies and stream chunks.

Whole answers: every string of the body is restored, wherever it sits (message content, refusal,
reasoning text, tool-call names and arguments, legacy ``function_call``, completion text, and any
field a provider adds later). A string that holds JSON (tool-call arguments, an answer in JSON
mode) gets each value JSON-escaped, so the JSON stays valid whatever the original value holds.

Streams: one channel per choice and per text field of its delta (content, refusal, reasoning,
each tool call's arguments or custom input, legacy ``function_call`` arguments, completion text);
only a tail that could still start a placeholder is held back. Tool and function names come whole
in one delta and are restored there. Token log-probabilities are left as the provider sent them:
a placeholder spans several tokens, so no token can be given the original value.
"""

from __future__ import annotations

from typing import Any

from proxy.restore.restorer import Restorer, StreamRestorer, holds_json

Path = tuple[str | int, ...]
_TEXT_KEYS = ("content", "refusal", "reasoning_content", "reasoning")
_SKIP = frozenset({"logprobs"})


def restore_body(body: dict[str, Any], restorer: Restorer) -> dict[str, Any]:
    """Restore a non-streaming answer in place (every string in it)."""
    if restorer:
        _restore_tree(body, restorer)
    return body


def _restore_tree(node: Any, r: Restorer) -> None:
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in list(items):
        if isinstance(v, str):
            node[k] = r.restore(v, json_escape=k == "arguments" or holds_json(v))
        elif isinstance(v, dict | list) and k not in _SKIP:
            _restore_tree(v, r)


class ChunkRestorer:
    """Restores a stream of chunk objects, holding back only a possible placeholder start.

    Held text is released into the chunk that finishes its choice, or into one extra chunk at the
    end (``tail``) for a stream that ended without one.
    """

    def __init__(self, restorer: Restorer) -> None:
        self._r = restorer
        self._channels: dict[tuple[int, Path], StreamRestorer] = {}
        self._last: dict[str, Any] | None = None

    def _feed(self, idx: int, path: Path, piece: str, json_escape: bool | None) -> str:
        ch = self._channels.get((idx, path))
        if ch is None:
            ch = self._channels[(idx, path)] = self._r.stream(json_escape=json_escape)
        return ch.feed(piece)

    def process(self, chunk: dict[str, Any]) -> dict[str, Any]:
        if not self._r:
            return chunk
        self._last = chunk
        for choice in chunk.get("choices") or []:
            idx = int(choice.get("index", 0))
            if isinstance(choice.get("text"), str):
                choice["text"] = self._feed(idx, ("text",), choice["text"], None)
            delta = choice.get("delta")
            if isinstance(delta, dict):
                self._delta(idx, delta)
            if choice.get("finish_reason"):
                self._flush(idx, choice)
        return chunk

    def _delta(self, idx: int, delta: dict[str, Any]) -> None:
        for key in _TEXT_KEYS:
            if isinstance(delta.get(key), str):
                delta[key] = self._feed(idx, (key,), delta[key],
                                        None if key == "content" else False)
        for pos, call in enumerate(delta.get("tool_calls") or []):
            if not isinstance(call, dict):
                continue
            n = int(call.get("index", pos))
            self._call(idx, ("tool_calls", n, "function"), call.get("function"), "arguments")
            self._call(idx, ("tool_calls", n, "custom"), call.get("custom"), "input")
        self._call(idx, ("function_call",), delta.get("function_call"), "arguments")

    def _call(self, idx: int, base: Path, fn: Any, field: str) -> None:
        if not isinstance(fn, dict):
            return
        if isinstance(fn.get("name"), str):
            fn["name"] = self._r.restore(fn["name"])
        if isinstance(fn.get(field), str):
            fn[field] = self._feed(idx, (*base, field), fn[field], field == "arguments")

    def _flush(self, idx: int, choice: dict[str, Any]) -> None:
        for (i, path), ch in self._channels.items():
            if i == idx and ch.held:
                _put(choice, path, ch.flush())

    def tail(self) -> dict[str, Any] | None:
        """A last chunk carrying whatever is still held (a stream that ended without finish)."""
        if not any(ch.held for ch in self._channels.values()):
            return None
        base = dict(self._last or {})
        choices: dict[int, dict[str, Any]] = {}
        for (idx, path), ch in self._channels.items():
            if ch.held:
                choice = choices.setdefault(idx, {"index": idx, "finish_reason": None})
                _put(choice, path, ch.flush())
        base["choices"] = list(choices.values())
        base.pop("usage", None)
        return base


def _put(choice: dict[str, Any], path: Path, rest: str) -> None:
    """Append ``rest`` to the text at ``path`` in ``choice`` (its delta, unless ``text``)."""
    node: Any = choice if path == ("text",) else choice.setdefault("delta", {})
    for seg, nxt in zip(path, path[1:], strict=False):
        if isinstance(seg, int):  # a tool call, by its index
            found = next((c for c in node if isinstance(c, dict) and c.get("index") == seg), None)
            if found is None:
                found = {"index": seg}
                node.append(found)
            node = found
        else:
            node = node.setdefault(seg, [] if isinstance(nxt, int) else {})
            if not isinstance(node, dict | list):  # pragma: no cover - a provider's odd shape
                return
    leaf = path[-1]
    assert isinstance(leaf, str)
    node[leaf] = (node.get(leaf) or "") + rest
