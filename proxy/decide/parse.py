"""Strict decision parsing: the policy's answer becomes a Decision or a PolicyError."""

from __future__ import annotations

import re
from typing import Any, get_args

from proxy.decide.types import Decision, PolicyError, Reason, Route, Transform

ROUTES: frozenset[str] = frozenset(get_args(Route))
TRANSFORMS: frozenset[str] = frozenset(get_args(Transform))
REQUIRED = ("route", "transform", "entities", "reasons")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_MAX_TEXT = 500


def parse_decision(result: Any, *, revision: str, engine: str) -> Decision:
    """Validate a raw ``result`` document; keys beyond the required four land in ``extra``."""
    if not isinstance(result, dict):
        raise PolicyError(
            "policy_malformed", f"decision is a {type(result).__name__}, not an object"
        )
    missing = [k for k in REQUIRED if k not in result]
    if missing:
        raise PolicyError("policy_malformed", f"decision lacks {', '.join(missing)}")
    route, transform = result["route"], result["transform"]
    if not isinstance(route, str) or route not in ROUTES:
        raise PolicyError("policy_malformed", f"unknown route {_show(route)}")
    if not isinstance(transform, str) or transform not in TRANSFORMS:
        raise PolicyError("policy_malformed", f"unknown transform {_show(transform)}")
    entities = result["entities"]
    if not isinstance(entities, list) or not all(isinstance(e, str) and e for e in entities):
        raise PolicyError("policy_malformed", "entities must be a list of entity type names")
    if transform != "none" and not entities:
        raise PolicyError("policy_malformed", f"transform {transform} names no entity types")
    return Decision(
        route=route,  # type: ignore[arg-type]
        transform=transform,  # type: ignore[arg-type]
        entities=tuple(entities),
        reasons=_reasons(result["reasons"]),
        revision=revision,
        engine=engine,
        extra={k: v for k, v in result.items() if k not in REQUIRED},
    )


def _reasons(raw: Any) -> tuple[Reason, ...]:
    if not isinstance(raw, list) or not raw:
        raise PolicyError("policy_malformed", "reasons must be a non-empty list")
    out = []
    for r in raw:
        if not isinstance(r, dict) or set(r) != {"code", "text"}:
            raise PolicyError("policy_malformed", "each reason must be {code, text}")
        code, text = r["code"], r["text"]
        if not isinstance(code, str) or not _CODE.match(code):
            raise PolicyError("policy_malformed", f"reason code {_show(code)} is not a stable code")
        if not isinstance(text, str) or not text or len(text) > _MAX_TEXT:
            raise PolicyError("policy_malformed", f"reason {code} has no usable text")
        out.append(Reason(code, text))
    return tuple(out)


def _show(value: Any) -> str:
    """A short, content-free rendering for error messages."""
    if isinstance(value, str) and _CODE.match(value):
        return repr(value)
    return f"<{type(value).__name__}>"
