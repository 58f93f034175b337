"""A chat-completions backend that serves the Responses API as well, by translation (the local
model servers, and the in-process model, speak chat completions)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from proxy.route.base import Backend, UpstreamResponse
from proxy.route.responses_chat import chat_request, from_chat
from proxy.route.responses_stream import ChatStreamTranslator


class ResponsesBridge:
    """Wraps ``inner``: a ``responses`` request is sent to it as a chat completions request, and
    its answer comes back as a response object or as the Responses API's typed events; every
    other endpoint goes to ``inner`` as is."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def placement(self) -> Literal["local", "external"]:
        return self.inner.placement

    @property
    def region(self) -> str:
        return self.inner.region

    async def start(self) -> None:
        await self.inner.start()

    async def ready(self) -> bool:
        return await self.inner.ready()

    async def close(self) -> None:
        await self.inner.close()

    def served_model(self, requested: str) -> str:
        return self.inner.served_model(requested)

    async def call(self, endpoint: str, body: dict[str, Any]) -> UpstreamResponse:
        if endpoint != "responses":
            return await self.inner.call(endpoint, body)
        model = self.served_model(str(body.get("model") or ""))
        up = await self.inner.call("chat.completions", chat_request(body))
        if up.chunks is not None:
            return UpstreamResponse(200, chunks=_events(up, body, model), aclose=up.close)
        if up.status >= 400 or up.body is None:
            return up
        return UpstreamResponse(up.status, body=from_chat(body, up.body, model))


async def _events(
    up: UpstreamResponse, req: dict[str, Any], model: str
) -> AsyncIterator[list[dict[str, Any]]]:
    assert up.chunks is not None
    translator = ChatStreamTranslator(req, model)
    yield translator.start()
    async for batch in up.chunks:
        events = [e for chunk in batch for e in translator.feed(chunk)]
        if events:
            yield events
    yield translator.finish_events()
