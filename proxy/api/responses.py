"""``POST /v1/responses``: the Responses API, through the same request path as chat.

Requests are inspected by the Responses request schema (``proxy.api.schema.responses``). Answers
are response objects, restored whole (they echo the request's instructions, tools and metadata as
well as the output); streams are typed server-sent events (``event: <type>`` + ``data:``),
restored event by event (``proxy.restore.response_events``). A stream ends with its
``response.completed`` (or ``.incomplete``/``.failed``) event, held until the outcome is recorded;
a stream the proxy has to break off ends with an ``error`` event, as the API's own do.

Stored state: the proxy asks the provider not to store responses (``store: false`` where the
request leaves it unset: nothing stored can be used through the proxy, so storing would only keep
pseudonymized conversations at the provider), and refuses what reads state stored at the
provider (``previous_response_id``, ``conversation``, background mode, item references, and the
``/v1/responses/{id}`` resources): the proxy never saw that state, so it could neither inspect it
nor restore the placeholders in it (it does not keep the values behind them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from proxy.api.endpoint import EventRestorer, OpenAIEndpoint
from proxy.api.extract import RESPONSES, Extracted, extract_texts
from proxy.restore.response_events import TERMINAL, ResponseEventRestorer, restore_response
from proxy.restore.restorer import Restorer

STORED_RESPONSES = (
    "stored responses are not available through this proxy: it does not keep the values behind "
    "the placeholders in a stored response, so it could not restore them; send the whole "
    "conversation in `input` instead (responses are not stored by default through this proxy)")


class ResponsesEndpoint(OpenAIEndpoint):
    unserved: Mapping[str, str] = MappingProxyType({"/v1/responses/{tail:.+}": STORED_RESPONSES})

    def extract(self, body: dict[str, Any]) -> Extracted:
        if body.get("store") is None:
            body["store"] = False
        return extract_texts(self.name, body)

    def restore(
        self, body: dict[str, Any], restorer: Restorer | None, model: str
    ) -> dict[str, Any]:
        if restorer:
            body = restore_response(body, restorer)
        return super().restore(body, restorer, model)

    def events(self, restorer: Restorer | None, model: str) -> EventRestorer:
        return ResponseEventRestorer(restorer, model)

    def has_content(self, event: dict[str, Any]) -> bool:
        """A non-empty delta of text, a refusal, reasoning or tool-call arguments."""
        return str(event.get("type", "")).endswith(".delta") and bool(event.get("delta"))

    def frame(self, event: dict[str, Any]) -> bytes:
        kind = event.get("type")
        head = f"event: {kind}\n".encode() if isinstance(kind, str) and kind.isprintable() else b""
        return head + b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n"

    def closes(self, event: dict[str, Any]) -> bool:
        return event.get("type") in TERMINAL

    def end(self) -> bytes:
        return b""

    def error_event(self, error: dict[str, Any]) -> bytes:
        err = error.get("error") or {}
        return self.frame({"type": "error", "code": err.get("code"),
                           "message": err.get("message"), "param": err.get("param")})


RESPONSES_API = ResponsesEndpoint(RESPONSES, "/v1/responses")
