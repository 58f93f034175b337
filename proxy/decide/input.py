"""The policy input document (shape documented on proxy.decide.types.PolicyEngine)."""

from __future__ import annotations

from typing import Any

from proxy.config import TenantConfig, purpose_key
from proxy.detect.types import SPECIAL_CATEGORIES, Span


def build_input(
    *,
    tenant: TenantConfig,
    endpoint: str,
    model: str,
    stream: bool,
    spans: list[list[Span]],
    local: dict[str, Any],
    external: dict[str, Any],
    purpose: str | None = None,
) -> dict[str, Any]:
    """Summarize one request for the policy: entity types with counts and scores, never values.

    ``local`` is ``{"available", "model", "region"}`` (available: a local backend is configured and
    ready); ``external`` is ``{"available", "provider", "model"}`` (available: a provider key is
    configured; provider: its id in policies/data.json). ``purpose`` is the one the request
    names (``x-privacy-proxy-purpose``); without one, the tenant's ``purpose``.
    """
    entities: dict[str, dict[str, Any]] = {}
    for text_spans in spans:
        for s in text_spans:
            e = entities.setdefault(s.entity_type, {"count": 0, "max_score": 0.0})
            e["count"] += 1
            e["max_score"] = max(e["max_score"], round(float(s.score), 4))
    return {
        "tenant": {
            "id": tenant.id,
            "region": tenant.region,
            "allow_external": tenant.allow_external,
            "strict": tenant.strict,
            "personal_data_local": tenant.personal_data_local,
            "allowed_models": list(tenant.allowed_models)
            if tenant.allowed_models is not None
            else None,
            "purpose": purpose_key(tenant.purpose) or tenant.purpose,
            "purposes": tenant.allowed_purposes(),
        },
        "request": {
            "endpoint": endpoint,
            "model": model,
            "stream": stream,
            "purpose": purpose_key(purpose or tenant.purpose) or "",
        },
        "detection": {
            "entities": entities,
            "has_personal_data": bool(entities),
            "special_categories": sorted(SPECIAL_CATEGORIES.intersection(entities)),
        },
        "destinations": {"local": dict(local), "external": dict(external)},
    }
