"""Apply a Restorer to Responses API answers: the response object and its typed stream events.

A response object echoes the request (instructions, tools and their schemas, the text format,
metadata), so every string in it and every object key is restored, not only the output. Function
call ``arguments`` are restored JSON-escaped, and so is an output text that holds JSON.

A stream is a sequence of typed events. Every ``*.delta`` event's ``delta`` is a channel of its
own (per event kind, output item and content part), restored as it flows with only a possible
placeholder start held back; what is still held when the matching ``*.done`` event (or the part's
or item's end, or the response's end) arrives goes out as one more delta event just before it, so
the deltas always add up to the ``.done`` text. ``.done`` events, content parts, output items and
the response objects of lifecycle events are restored whole, an output text JSON-escaped exactly
when its deltas were. Events are renumbered (``sequence_number``) as they go out.
"""

from __future__ import annotations

from typing import Any

from proxy.restore.restorer import Restorer, StreamRestorer, holds_json

Key = tuple[str, Any, Any, Any]  # (event kind, output_index, content_index, summary_index)
_SKIP = frozenset({"logprobs", "obfuscation"})  # token data; random padding
# The field a ``.done`` event of each kind carries its whole text in; how it is escaped.
_DONE_FIELD = {
    "response.output_text": "text",
    "response.refusal": "refusal",
    "response.function_call_arguments": "arguments",
    "response.custom_tool_call_input": "input",
    "response.reasoning_text": "text",
    "response.reasoning_summary_text": "text",
}
_JSON_KINDS = frozenset({"response.function_call_arguments", "response.mcp_call_arguments"})
TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})
_LIFECYCLE = frozenset({"response.created", "response.in_progress", "response.queued"}) | TERMINAL


def restore_tree(node: Any, r: Restorer, *, json_escape: bool = False) -> Any:
    """Every string and object key of ``node`` restored (in place for containers); ``arguments``
    values JSON-escaped; token data left as sent."""
    if isinstance(node, str):
        return r.restore(node, json_escape=json_escape)
    if isinstance(node, list):
        for i, v in enumerate(node):
            node[i] = restore_tree(v, r, json_escape=json_escape)
        return node
    if isinstance(node, dict):
        items = list(node.items())
        node.clear()
        for k, v in items:
            key = r.restore(k) if isinstance(k, str) else k
            if k in _SKIP:
                node[key] = v
            else:
                node[key] = restore_tree(v, r, json_escape=json_escape or k == "arguments")
        return node
    return node


def restore_response(
    resp: dict[str, Any], r: Restorer, text_json: dict[tuple[int, int], bool] | None = None
) -> dict[str, Any]:
    """A response object restored in place. ``text_json`` says, per (output index, content
    index), whether a streamed output text was JSON-escaped; other output texts are when they
    hold JSON."""
    output = resp.get("output")
    for k in list(resp):
        if k != "output":
            resp[k] = restore_tree(resp[k], r)
    if isinstance(output, list):
        for oi, item in enumerate(output):
            restore_item(item, r, oi, text_json or {})
    return resp


def restore_item(
    item: Any, r: Restorer, oi: int, text_json: dict[tuple[int, int], bool]
) -> Any:
    """One output item restored in place (see ``restore_response``)."""
    content = item.get("content") if isinstance(item, dict) else None
    if not isinstance(content, list) or item.get("type") != "message":
        return restore_tree(item, r)
    for k in list(item):
        if k != "content":
            item[k] = restore_tree(item[k], r)
    for ci, part in enumerate(content):
        restore_part(part, r, text_json.get((oi, ci)))
    return item


def restore_part(part: Any, r: Restorer, text_json: bool | None) -> Any:
    """One content part restored in place; an output text JSON-escaped per ``text_json`` (None:
    when it holds JSON)."""
    if not isinstance(part, dict) or not isinstance(part.get("text"), str):
        return restore_tree(part, r)
    text = part["text"]
    restore_tree(part, r)
    escape = holds_json(text) if text_json is None else text_json
    part["text"] = r.restore(text, json_escape=escape)
    return part


class ResponseEventRestorer:
    """Restores one Responses API event stream, event by event (see the module docstring)."""

    def __init__(self, restorer: Restorer | None, model: str) -> None:
        self._r = restorer if restorer else None
        self.model = model
        self._channels: dict[Key, StreamRestorer] = {}
        self._last: dict[Key, dict[str, Any]] = {}  # each channel's last delta event
        self._first: dict[Key, str] = {}  # each channel's first non-blank character
        self._seq = 0

    def process(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        kind = str(event.get("type") or "")
        out: list[dict[str, Any]] = []
        if self._r is not None:
            out += self._flush(self._ending(kind, event))
            self._restore(kind, event)
        out.append(event)
        return self._named(out)

    def tail(self) -> list[dict[str, Any]]:
        """Delta events with whatever is still held (a stream that ended before its end)."""
        return self._named(self._flush(list(self._channels)))

    def _named(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for e in events:
            resp = e.get("response")
            if isinstance(resp, dict) and "model" in resp:
                resp["model"] = self.model
            if "sequence_number" in e:
                e["sequence_number"] = self._seq
                self._seq += 1
        return events

    def _ending(self, kind: str, event: dict[str, Any]) -> list[Key]:
        """The channels that ``event`` closes: the same kind's ``.done``, a part's or an item's
        end, the response's end."""
        if kind in TERMINAL:
            return list(self._channels)
        oi = event.get("output_index")
        if kind.endswith(".done") and kind != "response.output_item.done":
            if kind == "response.content_part.done":
                ci = event.get("content_index")
                return [k for k in self._channels if k[1] == oi and k[2] == ci]
            if kind == "response.reasoning_summary_part.done":
                si = event.get("summary_index")
                return [k for k in self._channels if k[1] == oi and k[3] == si]
            return [_key(kind[:-5], event)] if _key(kind[:-5], event) in self._channels else []
        if kind == "response.output_item.done":
            return [k for k in self._channels if k[1] == oi]
        return []

    def _flush(self, keys: list[Key]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for key in keys:
            ch = self._channels.pop(key, None)
            last = self._last.pop(key, None)
            if ch is None or last is None or not ch.held:
                continue
            extra = {k: v for k, v in last.items() if k != "obfuscation"}
            extra["delta"] = ch.flush()
            if "logprobs" in extra:
                extra["logprobs"] = []
            out.append(extra)
        return out

    def _restore(self, kind: str, event: dict[str, Any]) -> None:
        r = self._r
        assert r is not None
        if kind.endswith(".delta") and isinstance(event.get("delta"), str):
            key = _key(kind[:-6], event)
            ch = self._channels.get(key)
            if ch is None:
                escape = (True if key[0] in _JSON_KINDS
                          else None if key[0] == "response.output_text" else False)
                ch = self._channels[key] = r.stream(json_escape=escape)
            piece = event["delta"]
            if key not in self._first and piece.strip():
                self._first[key] = piece.lstrip()[0]
            event["delta"] = ch.feed(piece)
            self._last[key] = event
            for k in list(event):
                if k != "delta" and k not in _SKIP:
                    event[k] = restore_tree(event[k], r)
            return
        if kind.endswith(".done") and kind[:-5] in _DONE_FIELD:
            field = _DONE_FIELD[kind[:-5]]
            text = event.get(field)
            restore_tree(event, r, json_escape=False)
            if isinstance(text, str):
                event[field] = r.restore(text, json_escape=self._escape(_key(kind[:-5], event),
                                                                        text))
            return
        texts = self._text_json()
        if kind in _LIFECYCLE and isinstance(event.get("response"), dict):
            restore_response(event["response"], r, texts)
            for k in list(event):
                if k != "response" and k not in _SKIP:
                    event[k] = restore_tree(event[k], r)
        elif isinstance(event.get("item"), dict):
            restore_item(event["item"], r, _int(event.get("output_index")), texts)
        elif isinstance(event.get("part"), dict) and "summary_index" not in event:
            oi, ci = _int(event.get("output_index")), _int(event.get("content_index"))
            restore_part(event["part"], r, texts.get((oi, ci)))
        else:
            restore_tree(event, r)

    def _escape(self, key: Key, text: str) -> bool:
        if key[0] in _JSON_KINDS:
            return True
        if key[0] != "response.output_text":
            return False
        first = self._first.get(key)
        return first in ("{", "[") if first is not None else holds_json(text)

    def _text_json(self) -> dict[tuple[int, int], bool]:
        return {(_int(k[1]), _int(k[2])): c in ("{", "[") for k, c in self._first.items()
                if k[0] == "response.output_text"}


def _key(kind: str, event: dict[str, Any]) -> Key:
    return (kind, event.get("output_index"), event.get("content_index"),
            event.get("summary_index"))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1
