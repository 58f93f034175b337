"""decide stage: build the policy input, evaluate the Rego decision, parse it strictly.

``build_engine(settings)`` gives the configured PolicyEngine (``policy.engine``: ``embedded``, the
default, or ``opa``); ``build_input(...)`` gives the input document it evaluates.
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
    from proxy.decide.embedded import EmbeddedEngine

    return EmbeddedEngine(settings.policy)
