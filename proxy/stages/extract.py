"""Extract: every text of the request, found by the endpoint (``proxy.api``)."""

from __future__ import annotations

from proxy.context import RequestContext
from proxy.errors import ErrorCode, ProxyError


class Extract:
    name = "extract"

    async def __call__(self, ctx: RequestContext) -> None:
        try:
            ctx.extracted = ctx.api.extract(ctx.body)
        except RecursionError as e:  # JSON inside a string (tool-call arguments), too deep
            raise ProxyError(ErrorCode.invalid_request,
                             "the request is nested too deeply to be inspected") from e
