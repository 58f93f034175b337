"""Audit: the decision committed to the audit log before anything is forwarded; ``AuditTrail``
writes a request's records (its decision, its outcome, its failure) for the stages that need to."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from proxy.audit.records import failure_record, outcome_record, request_record
from proxy.audit.types import AuditLog
from proxy.context import RequestContext
from proxy.errors import ErrorCode, ProxyError

log = logging.getLogger("privacy_proxy.pipeline")


class AuditTrail:
    """A request's records through the audit log. Every append is shielded: a record is written
    even if the client goes away meanwhile."""

    def __init__(self, audit_log: AuditLog) -> None:
        self.audit_log = audit_log
        self._tasks: set[asyncio.Task[Any]] = set()

    async def decision(self, ctx: RequestContext) -> None:
        """Commit the decision; fail the request closed (503) if the log cannot."""
        status = "denied" if ctx.denial is not None else "forwarded"
        rec = request_record(ctx, status, self.audit_log.digest)
        try:
            await asyncio.shield(self.audit_log.append(rec))
        except Exception as e:  # AuditError, or anything else: fail closed
            log.error("audit append failed", extra={"error": type(e).__name__})
            raise ProxyError(ErrorCode.audit_unavailable,
                             "the audit log could not record this request; it was not forwarded"
                             ) from e
        ctx.audited = True

    async def outcome(self, ctx: RequestContext, status: int) -> bool:
        """Commit the outcome; whether it was committed (a failure is logged)."""
        try:
            await asyncio.shield(self.audit_log.append(outcome_record(ctx, status)))
        except Exception as e:
            log.error("audit of an outcome failed", extra={"error": type(e).__name__})
            return False
        return True

    def outcome_later(self, ctx: RequestContext, status: int) -> None:
        """Record the outcome of an answer nobody waits for (the client went away)."""
        task = asyncio.get_running_loop().create_task(self.outcome(ctx, status))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def failure(self, ctx: RequestContext, err: ProxyError) -> None:
        """Best effort: a request that failed before its decision was recorded."""
        if err.code is ErrorCode.audit_unavailable:
            return
        try:
            await asyncio.shield(
                self.audit_log.append(failure_record(ctx, err, self.audit_log.digest)))
        except Exception as e:
            log.error("audit of a failed request failed", extra={"error": type(e).__name__})

    async def drain(self) -> None:
        """Wait for the records still being written (at shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class Audit:
    name = "audit"

    def __init__(self, trail: AuditTrail) -> None:
        self.trail = trail

    async def __call__(self, ctx: RequestContext) -> None:
        await self.trail.decision(ctx)
