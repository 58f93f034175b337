"""One decision path: the policy input of a request, the decision, the invariants, the route.

The pipeline's Decide stage and ``privacy-proxy policy eval`` both call ``decide``, so what the
command prints is what the proxy does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from proxy.config import Settings, purpose_key
from proxy.decide.input import build_input
from proxy.decide.invariants import enforce
from proxy.decide.types import Decision, PolicyEngine, PolicyError, Reason
from proxy.errors import ErrorCode, ProxyError
from proxy.route.base import Backend

if TYPE_CHECKING:
    from proxy.context import RequestContext

log = logging.getLogger("privacy_proxy.decide")

PURPOSE_HEADER = "x-privacy-proxy-purpose"


class Destinations(Protocol):
    """The configured backends (``None``: not configured)."""

    local: Backend | None
    external: Backend | None


def request_purpose(headers: Mapping[str, str]) -> str | None:
    """The processing purpose a request names in its ``x-privacy-proxy-purpose`` header
    (normalised), None when it names none; a malformed one is the client's mistake (400)."""
    raw = headers.get(PURPOSE_HEADER)
    if raw is None:
        return None
    key = purpose_key(raw)
    if key is None:
        raise ProxyError(
            ErrorCode.invalid_request,
            f"the {PURPOSE_HEADER} header must name a purpose: 1-100 letters, digits, spaces "
            "and _ . : / ( ) & , ' -",
        )
    return key


def destinations(
    settings: Settings, backends: Destinations, model_requested: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``destinations.local`` and ``destinations.external`` parts of the policy input."""
    local, external = backends.local, backends.external
    local_model = local.served_model(model_requested) if local else ""
    wants_local_model = bool(local) and model_requested == settings.local.model_name
    # "available": a backend is configured. One that is down when called answers 503.
    local_doc = {
        "available": local is not None,
        "model": local_model,
        "region": local.region if local else settings.local.region,
    }
    external_doc = {
        "available": external is not None and not wants_local_model,
        "provider": settings.external.name,
        "model": model_requested,
    }
    return local_doc, external_doc


def policy_input(ctx: RequestContext, settings: Settings, backends: Destinations) -> dict[str, Any]:
    """The policy input document of one request (after detection)."""
    local_doc, external_doc = destinations(settings, backends, ctx.model_requested)
    return build_input(
        tenant=ctx.tenant,
        endpoint=ctx.endpoint,
        model=ctx.model_requested,
        stream=ctx.stream,
        spans=ctx.spans,
        local=local_doc,
        external=external_doc,
        purpose=ctx.purpose,
    )


async def decide(
    ctx: RequestContext, engine: PolicyEngine, backends: Destinations, settings: Settings
) -> None:
    """Decide one request: sets ``ctx.decision``, and ``ctx.backend`` or ``ctx.denial``.

    A policy that cannot decide is a deny (``policy_unavailable``); a decision that breaks an
    invariant (proxy.decide.invariants) is a deny; a ``deny`` decision is recorded, then refused.
    """
    revision = getattr(engine, "revision", "")
    try:
        decision = await engine.decide(policy_input(ctx, settings, backends))
    except PolicyError as e:
        ctx.decision = Decision("deny", "none", (), (Reason(e.code, str(e)),), revision=revision)
        ctx.denial = ProxyError(
            ErrorCode.policy_unavailable, f"the policy could not decide ({e.code}); request denied"
        )
        return
    except Exception as e:
        log.error("policy engine error", extra={"error": type(e).__name__})
        reason = Reason("policy_engine_error", "policy engine error")
        ctx.decision = Decision("deny", "none", (), (reason,), revision=revision)
        ctx.denial = ProxyError(
            ErrorCode.policy_unavailable, "the policy engine failed; request denied"
        )
        return
    decision = enforce(
        decision,
        detected={s.entity_type for spans in ctx.spans for s in spans},
        tenant=ctx.tenant,
        local_available=backends.local is not None,
        external_available=backends.external is not None,
    )
    ctx.decision = decision
    if decision.route == "deny":
        ctx.denial = denial(decision)
    elif decision.route == "local":
        ctx.backend = backends.local
    else:
        ctx.backend = backends.external


def denial(decision: Decision) -> ProxyError:
    """The error a client gets for a ``deny`` decision: its reason codes, never content."""
    codes = ", ".join(f"{r.code}: {r.text}" for r in decision.reasons) or "no reason"
    model = any(r.code == "model_not_allowed" for r in decision.reasons)
    code = ErrorCode.model_not_allowed if model else ErrorCode.policy_denied
    return ProxyError(code, f"request denied by policy ({codes})")

