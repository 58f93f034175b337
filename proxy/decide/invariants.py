"""What the proxy holds whatever the policy decides: defence in depth against a wrong policy.

A decision that breaks one of these becomes a deny with a stable ``invariant_*`` reason code (and a
count in ``privacy_proxy_policy_invariant_violations_total``): the policy is wrong, the request is
refused, nothing leaves.

- A strict tenant's requests never reach an external provider.
- Special-category data (GDPR Art. 9) and criminal-offence data (Art. 10) never leave.
- Every detected personal-data entity is transformed before the request leaves: an external
  decision must transform (``pseudonymize`` or ``redact``) and name every detected entity type.
- A route needs its backend: external needs a provider, local needs a local model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from prometheus_client import Counter

from proxy.config import TenantConfig
from proxy.decide.types import Decision, Reason
from proxy.detect import types as detect_types

log = logging.getLogger(__name__)

SPECIAL_CATEGORIES: frozenset[str] = detect_types.SPECIAL_CATEGORIES
CRIMINAL_DATA: frozenset[str] = detect_types.CRIMINAL_DATA
NEVER_EXTERNAL: frozenset[str] = detect_types.NEVER_EXTERNAL

VIOLATIONS = Counter(
    "privacy_proxy_policy_invariant_violations_total",
    "Policy decisions refused because they broke an invariant, by invariant code.",
    ["code"],
)


def violation(
    decision: Decision,
    *,
    detected: Iterable[str],
    tenant: TenantConfig,
    local_available: bool,
    external_available: bool,
) -> Reason | None:
    """The first invariant ``decision`` breaks for a request with ``detected`` entity types."""
    found = frozenset(detected)
    if decision.route == "external":
        if tenant.strict:
            return Reason("invariant_strict_external", "a strict tenant's requests never leave")
        if found & SPECIAL_CATEGORIES:
            return Reason("invariant_art9_external", "special-category data may not leave")
        if found & CRIMINAL_DATA:
            return Reason("invariant_art10_external", "criminal-offence data may not leave")
        if found and (decision.transform == "none" or not found <= set(decision.entities)):
            return Reason(
                "invariant_raw_external", "detected personal data may not leave untransformed"
            )
        if not external_available:
            return Reason("no_external_provider", "no external provider is configured")
    elif decision.route == "local" and not local_available:
        return Reason(
            "no_local_backend", "the request must stay local and no local model is available"
        )
    return None


def enforce(
    decision: Decision,
    *,
    detected: Iterable[str],
    tenant: TenantConfig,
    local_available: bool,
    external_available: bool,
) -> Decision:
    """``decision`` itself, or a deny naming the invariant it breaks."""
    problem = violation(
        decision,
        detected=detected,
        tenant=tenant,
        local_available=local_available,
        external_available=external_available,
    )
    if problem is None:
        return decision
    VIOLATIONS.labels(problem.code).inc()
    log.error("policy decision refused", extra={"code": problem.code, "route": decision.route})
    return Decision(
        "deny",
        "none",
        (),
        decision.reasons + (problem,),
        revision=decision.revision,
        engine=decision.engine,
    )
