"""A chat completion stream as the Responses API's typed events: ``response.created`` and
``.in_progress``, then per output item ``output_item.added``, its content part, its deltas, the
``.done`` events and ``output_item.done``, and last ``response.completed`` (or ``.incomplete``
when the model hit its token limit) with the whole response."""

from __future__ import annotations

import time
from typing import Any

from proxy.route.responses_chat import (
    call_item,
    message_item,
    new_id,
    response_object,
    usage_of,
)


class _Open:
    """The output item being streamed: a message (text or refusal) or one tool call."""

    def __init__(self, kind: str, item: dict[str, Any], call_index: int | None = None) -> None:
        self.kind = kind  # "output_text", "refusal", "function_call" or "custom_tool_call"
        self.item = item
        self.call_index = call_index
        self.text = ""


class ChatStreamTranslator:
    """Translates one chat completion stream, chunk by chunk, for the request ``req``."""

    def __init__(self, req: dict[str, Any], model: str) -> None:
        self.req, self.model = req, model
        self.rid, self.created = new_id("resp"), int(time.time())
        self.seq = 0
        self.output: list[dict[str, Any]] = []
        self.open: _Open | None = None
        self.usage: dict[str, Any] | None = None
        self.finish: str | None = None

    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"type": kind, "sequence_number": self.seq, **fields}
        self.seq += 1
        return event

    def _response(self, status: str) -> dict[str, Any]:
        return response_object(self.req, rid=self.rid, created=self.created, model=self.model,
                               status=status, output=list(self.output), usage=self.usage)

    def start(self) -> list[dict[str, Any]]:
        return [self._event("response.created", response=self._response("in_progress")),
                self._event("response.in_progress", response=self._response("in_progress"))]

    def feed(self, chunk: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if chunk.get("usage"):
            self.usage = usage_of(chunk["usage"])
        for choice in (chunk.get("choices") or [])[:1]:
            delta = choice.get("delta") or {}
            for kind, key in (("output_text", "content"), ("refusal", "refusal")):
                if isinstance(delta.get(key), str) and delta[key]:
                    out += self._text(kind, delta[key])
            for call in delta.get("tool_calls") or []:
                if isinstance(call, dict):
                    out += self._call(call)
            if choice.get("finish_reason"):
                self.finish = choice["finish_reason"]
        return out

    def finish_events(self) -> list[dict[str, Any]]:
        out = self._close()
        status = "incomplete" if self.finish == "length" else "completed"
        kind = "response.incomplete" if status == "incomplete" else "response.completed"
        return [*out, self._event(kind, response=self._response(status))]

    def _text(self, kind: str, piece: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if self.open is None or self.open.kind != kind:
            out += self._close()
            item = message_item("", refusal=kind == "refusal", status="in_progress")
            part = item.pop("content")[0]
            item["content"] = []
            self.open = _Open(kind, item)
            oi = len(self.output)
            out.append(self._event("response.output_item.added", output_index=oi,
                                   item={**item, "content": []}))
            out.append(self._event("response.content_part.added", item_id=item["id"],
                                   output_index=oi, content_index=0, part=part))
        assert self.open is not None
        self.open.text += piece
        extra: dict[str, Any] = {"logprobs": []} if kind == "output_text" else {}
        out.append(self._event(f"response.{kind}.delta", item_id=self.open.item["id"],
                               output_index=len(self.output), content_index=0, delta=piece,
                               **extra))
        return out

    def _call(self, call: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        index = call.get("index", 0)
        custom = call.get("type") == "custom" or "custom" in call
        if self.open is None or self.open.call_index != index:
            out += self._close()
            item = call_item(call, status="in_progress")
            kind = item["type"]
            item["arguments" if kind == "function_call" else "input"] = ""
            self.open = _Open(kind, item, index)
            out.append(self._event("response.output_item.added", output_index=len(self.output),
                                   item=dict(item)))
        assert self.open is not None
        body = call.get("custom" if custom else "function") or {}
        piece = body.get("input" if custom else "arguments")
        if isinstance(piece, str) and piece:
            self.open.text += piece
            kind = ("response.custom_tool_call_input" if self.open.kind == "custom_tool_call"
                    else "response.function_call_arguments")
            out.append(self._event(f"{kind}.delta", item_id=self.open.item["id"],
                                   output_index=len(self.output), delta=piece))
        return out

    def _close(self) -> list[dict[str, Any]]:
        o, self.open = self.open, None
        if o is None:
            return []
        oi, iid = len(self.output), o.item["id"]
        out: list[dict[str, Any]] = []
        if o.kind in ("output_text", "refusal"):
            item = message_item(o.text, refusal=o.kind == "refusal", iid=iid)
            part = item["content"][0]
            field = "text" if o.kind == "output_text" else "refusal"
            extra: dict[str, Any] = {"logprobs": []} if o.kind == "output_text" else {}
            out.append(self._event(f"response.{o.kind}.done", item_id=iid, output_index=oi,
                                   content_index=0, **{field: o.text}, **extra))
            out.append(self._event("response.content_part.done", item_id=iid, output_index=oi,
                                   content_index=0, part=part))
        else:
            item = {**o.item, "status": "completed"}
            if o.kind == "function_call":
                item["arguments"] = o.text
                out.append(self._event("response.function_call_arguments.done", item_id=iid,
                                       output_index=oi, name=item["name"], arguments=o.text))
            else:
                item["input"] = o.text
                out.append(self._event("response.custom_tool_call_input.done", item_id=iid,
                                       output_index=oi, input=o.text))
        out.append(self._event("response.output_item.done", output_index=oi, item=item))
        self.output.append(item)
        return out
