"""decide stage: build the policy input, evaluate the Rego decision, parse it strictly, hold the
invariants.

``build_engine(settings)`` gives the configured PolicyEngine (``policy.engine``: ``embedded``, the
default, in process with ``policy.embedded``: ``opa-go`` or ``regopy``; or ``opa``, an OPA
server); ``proxy.decide.request.decide`` is the one decision path of a request, shared by the
pipeline's Decide stage and ``privacy-proxy policy eval``.
"""

from __future__ import annotations

from proxy.config import Settings
from proxy.decide.input import build_input
from proxy.decide.types import Decision, PolicyEngine, PolicyError, Reason

__all__ = ["Decision", "PolicyEngine", "PolicyError", "Reason", "build_engine", "build_input"]


def build_engine(settings: Settings) -> PolicyEngine:
    """The configured engine, not started yet: ``await engine.start()`` loads or connects."""
    if settings.policy.engine == "opa":
        from proxy.decide.opa import OpaEngine

        return OpaEngine(settings.policy)
    if settings.policy.embedded == "regopy":
        from proxy.decide.regopy_engine import RegopyEngine

        return RegopyEngine(settings.policy)
    from proxy.decide.opa_go import OpaGoEngine

    return OpaGoEngine(settings.policy)
