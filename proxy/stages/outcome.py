"""Outcome: how the request ended, committed to the audit log before the client sees that end
(a whole answer: before it is sent; a stream: before its closing event), then counted.

It also closes requests that failed: ``refused`` records and answers a ProxyError raised by any
stage (the pipeline calls it), so every request leaves through this module.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from proxy.context import Reply, RequestContext
from proxy.errors import ErrorCode, ProxyError, error_body
from proxy.metrics import REQUEST_SECONDS, REQUESTS
from proxy.route.base import BackendUnavailable
from proxy.stages.audit import AuditTrail

log = logging.getLogger("privacy_proxy.pipeline")

CLIENT_CLOSED = 499  # nginx's status for a client that went away before the answer ended


class Outcome:
    name = "outcome"

    def __init__(self, trail: AuditTrail) -> None:
        self.trail = trail

    async def __call__(self, ctx: RequestContext) -> None:
        answer = ctx.answer
        assert answer is not None
        if answer.events is not None:
            relay = _Relay(ctx, answer.events, self.trail)
            ctx.reply = Reply(answer.status, stream=relay.frames(), close=relay.close)
            return
        if not await self.trail.outcome(ctx, answer.status):
            ctx.reply = _unrecorded(ctx)
            return
        _count(ctx, answer.code, done=answer.code == "ok")
        ctx.reply = Reply(answer.status, body=answer.body)

    async def refused(self, ctx: RequestContext, err: ProxyError) -> Reply:
        """Record and answer a request a stage refused or failed."""
        if not ctx.audited:
            await self.trail.failure(ctx, err)
        elif err is not ctx.denial:  # it was routed: the backend (or what came after) failed
            await self.trail.outcome(ctx, err.status)
        route = ctx.decision.route if ctx.audited and ctx.decision else "deny"
        REQUESTS.labels(ctx.endpoint, route, err.code.value).inc()
        log.info("request refused", extra={"code": err.code.value, "tenant": ctx.tenant.id})
        if ctx.upstream is not None:
            await ctx.upstream.close()
        return Reply(err.status, body=err.body())


def _count(ctx: RequestContext, code: str, *, done: bool) -> None:
    assert ctx.decision is not None
    REQUESTS.labels(ctx.endpoint, ctx.decision.route, code).inc()
    if done:
        REQUEST_SECONDS.labels(ctx.decision.route).observe(time.perf_counter() - ctx.started)


def _unrecorded(ctx: RequestContext) -> Reply:
    """An answer whose outcome the audit log could not record is not delivered."""
    err = ProxyError(ErrorCode.audit_unavailable,
                     "the audit log could not record the outcome of this request")
    _count(ctx, err.code.value, done=False)
    return Reply(err.status, body=err.body())


class _Relay:
    """A streamed answer on its way out: restored event batches, framed by the endpoint, one
    write per batch; the outcome is committed before the closing event (``[DONE]``, or the event
    the endpoint says ends the answer, held until then)."""

    def __init__(
        self, ctx: RequestContext, events: AsyncIterator[list[dict[str, Any]]], trail: AuditTrail
    ) -> None:
        self.ctx, self.events, self.trail = ctx, events, trail
        self.ended = False

    async def frames(self) -> AsyncIterator[bytes]:
        api = self.ctx.api
        closing: list[dict[str, Any]] = []  # the event that ends the answer, and what follows
        try:
            async for batch in self.events:
                now = []
                for event in batch:
                    if closing or api.closes(event):
                        closing.append(event)
                    else:
                        now.append(event)
                if now:
                    yield b"".join(api.frame(event) for event in now)
        except Exception as e:  # the backend broke off (or sent what cannot be relayed)
            self.ended = True
            # A backend's own messages say what went wrong and never quote the answer.
            said = str(e) if isinstance(e, BackendUnavailable) else "the model stream broke off"
            log.warning("model stream broke off", extra={"error": type(e).__name__,
                                                         "reason": said})
            code = ErrorCode.upstream_error
            await self.trail.outcome(self.ctx, 502)
            _count(self.ctx, code.value, done=True)
            yield api.error_event(error_body(said, "server_error", code.value))
            return
        self.ended = True
        if not await self.trail.outcome(self.ctx, 200):
            err = _unrecorded(self.ctx)
            assert err.body is not None
            yield api.error_event(err.body)
            return
        _count(self.ctx, "ok", done=True)
        yield b"".join(api.frame(event) for event in closing) + api.end()

    async def close(self) -> None:
        """Once the reply is sent or abandoned: a stream that did not end lost its client."""
        if not self.ended:
            self.ended = True
            log.info("client disconnected before the answer ended",
                     extra={"status": CLIENT_CLOSED, "tenant": self.ctx.tenant.id})
            self.trail.outcome_later(self.ctx, CLIENT_CLOSED)
            _count(self.ctx, "client_closed", done=True)
        aclose = getattr(self.events, "aclose", None)
        if aclose is not None:
            await aclose()
        if self.ctx.upstream is not None:
            await self.ctx.upstream.close()
