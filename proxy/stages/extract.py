"""Extract: every text of the request, found by the endpoint (``proxy.api``)."""

from __future__ import annotations

import asyncio

from proxy.api.body import OFF_LOOP_BYTES
from proxy.context import RequestContext
from proxy.errors import ErrorCode, ProxyError


class Extract:
    name = "extract"

    async def __call__(self, ctx: RequestContext) -> None:
        try:
            if ctx.body_bytes > OFF_LOOP_BYTES:  # a large body is walked off the event loop
                ctx.extracted = await asyncio.to_thread(ctx.api.extract, ctx.body)
            else:
                ctx.extracted = ctx.api.extract(ctx.body)
        except RecursionError as e:  # JSON inside a string (tool-call arguments), too deep
            raise ProxyError(ErrorCode.invalid_request,
                             "the request is nested too deeply to be inspected") from e
