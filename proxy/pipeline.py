"""The request path, in order: extract -> detect -> decide -> transform -> audit -> route ->
restore -> outcome (``default_stages``, one module each under ``proxy/stages/``).

Each stage is one small class with one async method that reads and writes the request context.
A stage that fails raises ProxyError and the request fails closed: nothing after it runs, nothing
is forwarded that was not recorded first, and ``Outcome.refused`` records and answers the error. A
policy ``deny`` is not an error: the audit stage records it like any decision, and the route stage
answers it. The pipeline gives the HTTP side a ``Reply``; nothing in it knows about HTTP.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

from proxy.audit.types import AuditLog
from proxy.config import Settings
from proxy.context import Reply, RequestContext
from proxy.decide.types import PolicyEngine
from proxy.detect.types import Detector
from proxy.errors import ErrorCode, ProxyError
from proxy.metrics import STAGE_SECONDS
from proxy.route.backends import Backends
from proxy.stages.audit import Audit, AuditTrail
from proxy.stages.decide import Decide
from proxy.stages.detect import Detect
from proxy.stages.extract import Extract
from proxy.stages.outcome import Outcome
from proxy.stages.restore import Restore
from proxy.stages.route import Route
from proxy.stages.transform import Transform

log = logging.getLogger("privacy_proxy.pipeline")


class Stage(Protocol):
    """One step of the request path.

    ``__call__`` does the step's work on the request context and returns; it raises ProxyError to
    fail the request closed (an unexpected exception does the same, as ``internal_error``). It
    never calls back into the application. ``name`` labels the stage's metric, its entry in the
    ``x-privacy-proxy-timing`` header and in the audit record's ``latency_ms``.
    """

    name: str

    async def __call__(self, ctx: RequestContext) -> None: ...


@dataclass
class Components:
    """What the stages are built from: one serving process's shared components."""

    settings: Settings
    detector: Detector
    engine: PolicyEngine
    audit_log: AuditLog
    backends: Backends
    pseudonym_key: bytes


class Pipeline:
    """The stages in order, and ``outcome`` to close a request that one of them refused."""

    def __init__(self, stages: list[Stage], outcome: Outcome) -> None:
        self.stages = stages
        self.outcome = outcome

    async def run(self, ctx: RequestContext) -> Reply:
        try:
            for stage in self.stages:
                t0 = time.perf_counter()
                try:
                    await stage(ctx)
                finally:
                    dt = time.perf_counter() - t0
                    ctx.timings_ms[stage.name] = dt * 1000
                    STAGE_SECONDS.labels(stage.name).observe(dt)
        except ProxyError as e:
            return await self.outcome.refused(ctx, e)
        except Exception as e:
            log.error("stage failed", extra={"stage": stage.name, "error": type(e).__name__})
            return await self.outcome.refused(
                ctx, ProxyError(ErrorCode.internal_error, "internal error"))
        assert ctx.reply is not None, "the last stage gives the reply"
        return ctx.reply

    async def drain(self) -> None:
        """Wait for records still being written (at shutdown)."""
        await self.outcome.trail.drain()


def default_stages(c: Components, outcome: Outcome) -> list[Stage]:
    """The order of the request path, in one place."""
    return [
        Extract(),
        Detect(c.detector, c.settings.detection.timeout_s, c.settings.detection),
        Decide(c.engine, c.backends, c.settings),
        Transform(c.pseudonym_key),
        Audit(outcome.trail),  # the decision is committed before anything leaves
        Route(),  # to the local model, the external provider, or the policy's refusal
        Restore(),
        outcome,  # committed before the client sees the end of the answer
    ]


def default_pipeline(c: Components) -> Pipeline:
    outcome = Outcome(AuditTrail(c.audit_log))
    return Pipeline(default_stages(c, outcome), outcome)
