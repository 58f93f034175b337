"""Decide: the policy's decision (``proxy.decide``), then the invariants the code holds whatever
the policy says."""

from __future__ import annotations

import logging
from typing import Any

from proxy.config import Settings
from proxy.context import RequestContext
from proxy.decide.types import Decision, PolicyEngine, PolicyError, Reason
from proxy.detect.types import SPECIAL_CATEGORIES
from proxy.errors import ErrorCode, ProxyError
from proxy.route.backends import Backends

log = logging.getLogger("privacy_proxy.pipeline")


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
