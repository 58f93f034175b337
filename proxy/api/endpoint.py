"""The Endpoint protocol: one OpenAI API endpoint as the request path sees it.

This is the extension point for a new API. Adding an endpoint (the Responses API, say) is one
module that defines an ``Endpoint`` and one line in ``proxy.api.endpoints``: the request path asks
the endpoint, and only the endpoint, how its body's texts are found, how its answer and its stream
events are restored, and how its events are framed on the wire. Detection, policy, transform,
routing and audit are the same for every endpoint.

``OpenAIEndpoint`` is the plain case: SSE ``data:`` lines ending with ``data: [DONE]``, an answer
whose only rewrite is the name of the model that served it. Endpoints whose answers carry text
(chat and legacy completions) override the restoring methods; the Responses API also frames its
typed events itself and ends its streams with an event of its own (``closes``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

from proxy.api.extract import Extracted, extract_texts
from proxy.restore.restorer import Restorer


class EventRestorer(Protocol):
    """Restores one streamed answer, event by event, in order.

    ``process`` returns the events to send in place of one event: the event itself, restored
    (text that could still be the start of a placeholder is held back, and released in a later
    event), preceded by any event that releases held text before it (the Responses API sends
    what a text's deltas still held as one more delta before that text's ``.done`` event).
    ``tail`` returns events carrying whatever is still held when the stream ends (none, usually).
    Both also name the model that served the answer.
    """

    def process(self, event: dict[str, Any]) -> list[dict[str, Any]]: ...

    def tail(self) -> list[dict[str, Any]]: ...


class Endpoint(Protocol):
    """One endpoint of the OpenAI API that the proxy serves.

    ``name`` is OpenAI's name of the resource (``chat.completions``): it labels audit records,
    metrics and the policy input, and a backend serves it at ``/`` + the name with dots as slashes.
    ``path`` is where the proxy serves it (``/v1/chat/completions``). ``unserved`` maps paths
    below it that the proxy refuses (with 400 ``unsupported_input``, for any method) to the reason
    given, e.g. the Responses API's stored responses. Every method but ``extract`` is pure: it is
    given the request's ``Restorer`` (``None`` when nothing was replaced) and the served model.
    """

    name: str
    path: str
    unserved: Mapping[str, str]

    def extract(self, body: dict[str, Any]) -> Extracted:
        """Every text of the request body, each with a way to write it back; raises ProxyError
        (``invalid_request``, ``unsupported_input``) for a body it cannot inspect. It may first
        set a parameter the proxy requires where the request leaves it unset (the Responses
        API's ``store: false``)."""
        ...

    def restore(
        self, body: dict[str, Any], restorer: Restorer | None, model: str
    ) -> dict[str, Any]:
        """A whole answer, placeholders restored and ``model`` named as the one that served it."""
        ...

    def events(self, restorer: Restorer | None, model: str) -> EventRestorer:
        """A restorer for one streamed answer."""
        ...

    def has_content(self, event: dict[str, Any]) -> bool:
        """Whether an event carries something the client shows (sent the moment it is ready)."""
        ...

    def frame(self, event: dict[str, Any]) -> bytes:
        """One event as it goes on the wire."""
        ...

    def closes(self, event: dict[str, Any]) -> bool:
        """Whether an event ends the answer (the Responses API's ``response.completed``): it is
        held, with anything after it, until the outcome is recorded, and then sent before
        ``end``. A stream that breaks off or whose outcome cannot be recorded never sends it."""
        ...

    def end(self) -> bytes:
        """What closes a complete stream (``data: [DONE]``), sent once its outcome is recorded."""
        ...

    def error_event(self, error: dict[str, Any]) -> bytes:
        """An OpenAI error body as the event that ends a stream which broke off."""
        ...


def sse_data(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"


class _ModelOnly:
    def __init__(self, model: str) -> None:
        self.model = model

    def process(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        if "model" in event:
            event["model"] = self.model
        return [event]

    def tail(self) -> list[dict[str, Any]]:
        return []


class OpenAIEndpoint:
    """An endpoint whose answer holds no text to restore; streams are SSE ``data:`` events."""

    unserved: Mapping[str, str] = MappingProxyType({})

    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path

    def extract(self, body: dict[str, Any]) -> Extracted:
        return extract_texts(self.name, body)

    def restore(
        self, body: dict[str, Any], restorer: Restorer | None, model: str
    ) -> dict[str, Any]:
        if "model" in body:
            body["model"] = model
        return body

    def events(self, restorer: Restorer | None, model: str) -> EventRestorer:
        return _ModelOnly(model)

    def has_content(self, event: dict[str, Any]) -> bool:
        return False

    def frame(self, event: dict[str, Any]) -> bytes:
        return sse_data(event)

    def closes(self, event: dict[str, Any]) -> bool:
        return False

    def end(self) -> bytes:
        return b"data: [DONE]\n\n"

    def error_event(self, error: dict[str, Any]) -> bytes:
        return sse_data(error)
