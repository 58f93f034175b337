"""``POST /v1/chat/completions`` and the legacy ``POST /v1/completions``: answers in ``choices``.

Both carry text the client reads (message content, refusals, tool-call arguments; a completion's
``text``), restored whole or, in a stream, chunk by chunk; the first chunk with content leaves the
moment it is restored.
"""

from __future__ import annotations

from typing import Any

from proxy.api.endpoint import EventRestorer, OpenAIEndpoint
from proxy.restore.responses import ChunkRestorer, restore_body
from proxy.restore.restorer import Restorer


class _Chunks:
    def __init__(self, restorer: Restorer | None, model: str) -> None:
        self._cr = ChunkRestorer(restorer) if restorer is not None else None
        self.model = model

    def process(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        if self._cr is not None:
            event = self._cr.process(event)
        if "model" in event:
            event["model"] = self.model
        return [event]

    def tail(self) -> list[dict[str, Any]]:
        last = self._cr.tail() if self._cr is not None else None
        if last is None:
            return []
        if "model" in last:
            last["model"] = self.model
        return [last]


class ChoicesEndpoint(OpenAIEndpoint):
    def restore(
        self, body: dict[str, Any], restorer: Restorer | None, model: str
    ) -> dict[str, Any]:
        if restorer is not None:
            body = restore_body(body, restorer)
        return super().restore(body, restorer, model)

    def events(self, restorer: Restorer | None, model: str) -> EventRestorer:
        return _Chunks(restorer, model)

    def has_content(self, event: dict[str, Any]) -> bool:
        """Text, tool-call arguments or a refusal for the client to show."""
        for choice in event.get("choices") or []:
            if choice.get("text"):
                return True
            delta = choice.get("delta") or {}
            if delta.get("content") or delta.get("refusal") or delta.get("tool_calls"):
                return True
        return False


CHAT_COMPLETIONS = ChoicesEndpoint("chat.completions", "/v1/chat/completions")
COMPLETIONS = ChoicesEndpoint("completions", "/v1/completions")
