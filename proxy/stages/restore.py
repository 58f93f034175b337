"""Restore: the placeholders issued for this request back to their values in the answer (the
endpoint knows where its answer holds text), and the model that served it named. A stream is
restored as it is relayed: only a possible placeholder start is held back, and the first event
with content leaves the moment it is restored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from proxy.api.endpoint import Endpoint
from proxy.context import Answer, RequestContext
from proxy.errors import ErrorCode, error_body
from proxy.metrics import STREAM_HELD_CHARS
from proxy.restore.restorer import Restorer
from proxy.route.base import UpstreamResponse


class Restore:
    name = "restore"

    async def __call__(self, ctx: RequestContext) -> None:
        up, backend = ctx.upstream, ctx.backend
        assert up is not None and backend is not None
        restorer = Restorer(ctx.vault) if ctx.vault else None
        served = backend.served_model(ctx.model_requested)
        if up.chunks is not None:
            ctx.answer = Answer(up.status, events=_restored(ctx.api, up, restorer, served))
            return
        body = up.body or {}
        if up.status >= 400:
            if not isinstance(body.get("error"), dict):
                body = error_body("the upstream provider returned an error", "server_error",
                                  ErrorCode.upstream_error.value)
            ctx.answer = Answer(up.status, body=body, code=ErrorCode.upstream_error.value)
            return
        ctx.answer = Answer(up.status, body=ctx.api.restore(body, restorer, served))


async def _restored(
    api: Endpoint, up: UpstreamResponse, restorer: Restorer | None, model: str
) -> AsyncIterator[list[dict[str, Any]]]:
    """The backend's batches, restored: one batch out per batch in, except that the first event
    with content goes out on its own, before the rest of its batch is even looked at."""
    assert up.chunks is not None
    events = api.events(restorer, model)
    answered = False
    try:
        async for batch in up.chunks:
            out: list[dict[str, Any]] = []
            for event in batch:
                for restored in events.process(event):
                    out.append(restored)
                    if not answered and api.has_content(restored):
                        answered = True
                        yield out
                        out = []
            if out:
                yield out
        tail = events.tail()
        if tail:
            yield tail
    finally:
        await up.close()
        if restorer is not None:
            STREAM_HELD_CHARS.observe(restorer.max_hold)
