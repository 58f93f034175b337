"""The request path, in order: extract -> detect -> decide -> transform -> audit, then the handler
routes the request and restores the answer (proxy.api.handlers).

Each stage is one small class with one async method. A stage that fails raises ProxyError and the
request fails closed: nothing after it runs and nothing is forwarded. A policy ``deny`` is not an
error: it is recorded by the audit stage like any decision, then returned to the client.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from proxy.api.extract import extract_texts
from proxy.audit.types import AuditLog
from proxy.config import Settings
from proxy.context import RequestContext
from proxy.decide.facts import backend_region
from proxy.decide.request import decide
from proxy.decide.types import PolicyEngine
from proxy.detect.types import SPECIAL_CATEGORIES, Detector
from proxy.errors import ErrorCode, ProxyError
from proxy.metrics import ENTITIES, STAGE_SECONDS
from proxy.route.base import Backend
from proxy.transform.vault import Vault, apply_spans

log = logging.getLogger("privacy_proxy.pipeline")


class Stage(Protocol):
    """One step of the request path. ``name`` labels its metric and timing."""

    name: str

    async def __call__(self, ctx: RequestContext) -> None: ...


@dataclass
class Backends:
    local: Backend | None
    external: Backend | None


class Extract:
    name = "extract"

    async def __call__(self, ctx: RequestContext) -> None:
        ctx.extracted = extract_texts(ctx.endpoint, ctx.body)


class Detect:
    name = "detect"

    def __init__(self, detector: Detector, timeout_s: float) -> None:
        self.detector = detector
        self.timeout_s = timeout_s

    async def __call__(self, ctx: RequestContext) -> None:
        assert ctx.extracted is not None
        texts = ctx.extracted.texts()
        try:
            spans = await asyncio.wait_for(self.detector.detect(texts, ctx.tenant),
                                           self.timeout_s)
        except Exception as e:
            log.error("detection failed", extra={"error": type(e).__name__})
            raise ProxyError(ErrorCode.detection_failed,
                             "personal-data detection failed; the request was not forwarded") from e
        if len(spans) != len(texts):
            raise ProxyError(ErrorCode.detection_failed,
                             "personal-data detection failed; the request was not forwarded")
        ctx.spans = spans
        for f, found in zip(ctx.extracted.fields, spans, strict=True):
            for s in found:
                ENTITIES.labels(s.entity_type, f.where).inc()


class Decide:
    name = "decide"

    def __init__(self, engine: PolicyEngine, backends: Backends, settings: Settings) -> None:
        self.engine = engine
        self.backends = backends
        self.settings = settings

    async def __call__(self, ctx: RequestContext) -> None:
        await decide(ctx, self.engine, self.backends, self.settings)


class Transform:
    name = "transform"

    def __init__(self, key: bytes) -> None:
        self.key = key

    async def __call__(self, ctx: RequestContext) -> None:
        d = ctx.decision
        assert d is not None and ctx.extracted is not None
        if ctx.denial is not None or d.transform == "none":
            return
        vault = Vault(self.key, ctx.tenant.id)
        entities = frozenset(d.entities) if d.entities else None
        try:
            for f, spans in zip(ctx.extracted.fields, ctx.spans, strict=True):
                if spans:
                    new, n = apply_spans(f.text, spans, entities, vault, d.transform)
                    if n:
                        f.set(new)
            ctx.extracted.finalize()
        except Exception as e:
            raise ProxyError(ErrorCode.transform_failed,
                             "the request could not be transformed; it was not forwarded") from e
        ctx.vault = vault


class Audit:
    name = "audit"

    def __init__(self, audit_log: AuditLog, settings: Settings) -> None:
        self.audit_log = audit_log
        self.settings = settings

    def record(self, ctx: RequestContext, status: str) -> dict[str, Any]:
        d = ctx.decision
        backend = ctx.backend if ctx.denial is None else None
        digests: set[str] = set()
        if ctx.extracted is not None:
            # TextField.text keeps the original text; the transform wrote the request body only.
            for spans, text in zip(ctx.spans, ctx.extracted.texts(), strict=False):
                for s in spans:
                    digests.add(self.audit_log.digest(text[s.start:s.end]))
        transfer = None
        if backend is not None and backend.placement == "external" and d is not None:
            transfer = d.extra.get("transfer_mechanism")
        return {
            "kind": "request",
            "decision_id": ctx.request_id,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "tenant": ctx.tenant.id,
            "principal": ctx.principal,
            "endpoint": ctx.endpoint,
            "purpose": ctx.purpose or ctx.tenant.purpose,
            "model_requested": ctx.model_requested,
            "model_served": backend.served_model(ctx.model_requested) if backend else None,
            "route": d.route if d else "deny",
            "transform": d.transform if d else "none",
            "entities": ctx.entity_counts(),
            "art9": any(s.entity_type in SPECIAL_CATEGORIES for sp in ctx.spans for s in sp),
            "policy_revision": d.revision if d else "",
            "reasons": [{"code": r.code, "text": r.text} for r in (d.reasons if d else ())],
            "backend": backend.name if backend else None,
            "backend_region": backend_region(d, backend),
            "transfer_mechanism": transfer,
            "status": status,
            "latency_ms": {k: round(v, 3) for k, v in ctx.timings_ms.items()},
            "value_digests": sorted(digests),
        }

    async def __call__(self, ctx: RequestContext) -> None:
        status = "denied" if ctx.denial is not None else "forwarded"
        rec = self.record(ctx, status)
        try:
            # Shielded: the decision is recorded even if the client goes away meanwhile.
            await asyncio.shield(self.audit_log.append(rec))
        except Exception as e:  # AuditError, or anything else: fail closed
            log.error("audit append failed", extra={"error": type(e).__name__})
            raise ProxyError(ErrorCode.audit_unavailable,
                             "the audit log could not record this request; it was not forwarded"
                             ) from e
        ctx.audited = True


async def run(stages: list[Stage], ctx: RequestContext) -> None:
    """Run the stages in order, timing each; raise the policy's denial after it is recorded."""
    for stage in stages:
        t0 = time.perf_counter()
        try:
            await stage(ctx)
        finally:
            dt = time.perf_counter() - t0
            ctx.timings_ms[stage.name] = dt * 1000
            STAGE_SECONDS.labels(stage.name).observe(dt)
    if ctx.denial is not None:
        raise ctx.denial


def default_stages(
    settings: Settings,
    detector: Detector,
    engine: PolicyEngine,
    audit_log: AuditLog,
    backends: Backends,
    pseudonym_key: bytes,
) -> list[Stage]:
    """The order of the request path, in one place."""
    return [
        Extract(),
        Detect(detector, settings.detection.timeout_s),
        Decide(engine, backends, settings),
        Transform(pseudonym_key),
        Audit(audit_log, settings),
    ]
