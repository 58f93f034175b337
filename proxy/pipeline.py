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
from proxy.decide.types import Decision, PolicyEngine, PolicyError, Reason
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

    def destinations(self, ctx: RequestContext) -> tuple[dict[str, Any], dict[str, Any]]:
        local, external = self.backends.local, self.backends.external
        local_model = local.served_model(ctx.model_requested) if local else ""
        wants_local_model = bool(local) and ctx.model_requested == self.settings.local.model_name
        # "available": a local backend is configured. One that is down when called answers 503.
        local_doc = {"available": local is not None,
                     "model": local_model, "region": local.region if local else ""}
        external_doc = {"available": external is not None and not wants_local_model,
                        "provider": self.settings.external.name, "model": ctx.model_requested}
        return local_doc, external_doc

    async def __call__(self, ctx: RequestContext) -> None:
        from proxy.decide import build_input

        local_doc, external_doc = self.destinations(ctx)
        doc = build_input(tenant=ctx.tenant, endpoint=ctx.endpoint, model=ctx.model_requested,
                          stream=ctx.stream, spans=ctx.spans, local=local_doc,
                          external=external_doc)
        try:
            decision = await self.engine.decide(doc)
        except PolicyError as e:
            ctx.decision = Decision("deny", "none", (), (Reason(e.code, str(e)),),
                                    revision=getattr(self.engine, "revision", ""))
            ctx.denial = ProxyError(ErrorCode.policy_unavailable,
                                    f"the policy could not decide ({e.code}); request denied")
            return
        except Exception as e:
            log.error("policy engine error", extra={"error": type(e).__name__})
            ctx.decision = Decision("deny", "none", (), (Reason("policy_engine_error",
                                                                "policy engine error"),),
                                    revision=getattr(self.engine, "revision", ""))
            ctx.denial = ProxyError(ErrorCode.policy_unavailable,
                                    "the policy engine failed; request denied")
            return
        decision = self._enforce(ctx, decision)
        ctx.decision = decision
        if decision.route == "deny":
            codes = ", ".join(f"{r.code}: {r.text}" for r in decision.reasons) or "no reason"
            code = (ErrorCode.model_not_allowed
                    if any(r.code == "model_not_allowed" for r in decision.reasons)
                    else ErrorCode.policy_denied)
            ctx.denial = ProxyError(code, f"request denied by policy ({codes})")
        elif decision.route == "local":
            ctx.backend = self.backends.local
        else:
            ctx.backend = self.backends.external

    def _enforce(self, ctx: RequestContext, d: Decision) -> Decision:
        """Invariants the code holds whatever the policy says (defence in depth)."""
        found = any(ctx.spans)
        problem: tuple[str, str] | None = None
        if d.route == "external" and found and d.transform == "none":
            problem = ("invariant_raw_external", "personal data may not leave untransformed")
        elif d.route == "external" and self.backends.external is None:
            problem = ("no_external_provider", "no external provider is configured")
        elif d.route == "external" and any(
            s.entity_type in SPECIAL_CATEGORIES for spans in ctx.spans for s in spans
        ):
            problem = ("invariant_art9_external", "special-category data may not leave")
        elif d.route == "local" and self.backends.local is None:
            problem = ("no_local_backend", "the request must stay local and no local model is "
                       "available")
        if problem is None:
            return d
        return Decision("deny", "none", (), d.reasons + (Reason(*problem),), revision=d.revision,
                        engine=d.engine)


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
            "model_requested": ctx.model_requested,
            "model_served": backend.served_model(ctx.model_requested) if backend else None,
            "route": d.route if d else "deny",
            "transform": d.transform if d else "none",
            "entities": ctx.entity_counts(),
            "art9": any(s.entity_type in SPECIAL_CATEGORIES for sp in ctx.spans for s in sp),
            "policy_revision": d.revision if d else "",
            "reasons": [{"code": r.code, "text": r.text} for r in (d.reasons if d else ())],
            "backend": backend.name if backend else None,
            "backend_region": backend.region if backend else None,
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
