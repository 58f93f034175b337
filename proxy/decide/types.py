"""The policy contract: the input document the proxy builds and the strict decision it expects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Route = Literal["local", "external", "deny"]
Transform = Literal["none", "pseudonymize", "redact"]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Decision:
    route: Route
    transform: Transform
    entities: tuple[str, ...]
    reasons: tuple[Reason, ...]
    revision: str = ""
    engine: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class PolicyEngine(Protocol):
    """Evaluates ``data.privacy.decision.result`` for one input document.

    The input document (built by proxy.decide.input.build_input) is::

        {
          "tenant":  {"id", "region", "allow_external", "strict", "allowed_models", "purpose"},
          "request": {"endpoint": "chat.completions" | "completions" | "embeddings"
                                  | "responses",
                      "model": str, "stream": bool},
          "detection": {"entities": {TYPE: {"count": int, "max_score": float}},
                        "has_personal_data": bool, "special_categories": [TYPE, ...]},
          "destinations": {
            "local":    {"available": bool, "model": str, "region": str},
            "external": {"available": bool, "provider": str, "model": str}
          }
        }

    ``tenant`` mirrors TenantConfig (``allowed_models`` is null for "any"). ``local.available``:
    a local backend is configured and ready; ``external.available``: an external provider key is
    configured; ``external.provider`` is the provider's id in ``policies/data.json``. Entity types
    are Presidio's and ours (proxy.detect); never values.

    The decision (``result``) must be exactly::

        {"route": "local" | "external" | "deny",
         "transform": "none" | "pseudonymize" | "redact",
         "entities": [TYPE, ...],            # types to transform; non-empty unless "none"
         "reasons": [{"code": str, "text": str}, ...]}   # non-empty; codes ^[a-z][a-z0-9_]*$

    Other keys land in ``Decision.extra``; the policy adds ``transfer_mechanism`` (``"scc"``,
    ``"adequacy"``, ...; null when no transfer out of the EU/EEA) to external decisions on
    personal data. Reason codes are stable (see policies/data.json
    ``privacy.reasons``; ``transfer_<mechanism>`` names the GDPR transfer tool used).

    ``decide`` returns a validated Decision, or raises PolicyError for anything else (engine
    error, timeout, undefined or malformed result): the caller turns that into a deny. Decisions
    are cached per input with counts and scores left out, so a policy must decide on entity
    types only. ``revision`` is a digest of the policy files and data (``*_test.rego`` excluded)
    and changes, without a restart, when they change on disk; every Decision carries the
    revision it was made under.

    PolicyError codes: ``policy_missing``, ``policy_invalid`` (does not load or compile),
    ``policy_not_loaded``, ``policy_input_invalid``, ``policy_eval_error``, ``policy_undefined``,
    ``policy_malformed``, ``policy_unreachable``, ``policy_timeout``, ``policy_error`` (OPA
    answered an HTTP error).
    """

    revision: str

    async def start(self) -> None: ...

    async def decide(self, input_doc: dict[str, Any]) -> Decision: ...

    async def ready(self) -> bool: ...

    async def close(self) -> None: ...


class PolicyError(Exception):
    """The policy could not produce a valid decision. ``code`` is a stable reason code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
