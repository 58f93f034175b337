"""The provider facts the policy reads (``policies/data.json``), for the rest of the proxy.

The audit record names the backend's region from the same facts: from the decision itself (the
policy returns the ``provider_regions`` it decided on), else from the policy data on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from proxy.config import Settings, region_code
from proxy.decide.types import Decision
from proxy.route.base import Backend

UNKNOWN = "unknown"


def provider_facts(policy_path: Path, provider: str) -> dict[str, Any] | None:
    """``data.privacy.providers[provider]`` of the policy directory, or None."""
    try:
        doc = json.loads((policy_path / "data.json").read_text())
        facts = doc["privacy"]["providers"][provider]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return facts if isinstance(facts, dict) else None


def regions_label(regions: Any) -> str | None:
    """``["US"]`` -> ``"US"``, ``["fr", "DE"]`` -> ``"FR,DE"``; None unless all are regions."""
    if not isinstance(regions, list) or not regions:
        return None
    codes = [region_code(r) for r in regions]
    if any(c is None for c in codes):
        return None
    return ",".join(c for c in codes if c is not None)


def provider_region(settings: Settings) -> str:
    """The configured external provider's processing regions, as the policy data records them."""
    facts = provider_facts(settings.policy.path, settings.external.name)
    return (regions_label(facts.get("regions")) if facts else None) or UNKNOWN


def backend_region(decision: Decision | None, backend: Backend | None) -> str | None:
    """The region an audit record names for the backend a request went to."""
    if backend is None:
        return None
    if backend.placement == "external" and decision is not None:
        label = regions_label(decision.extra.get("provider_regions"))
        if label is not None:
            return label
    return backend.region
