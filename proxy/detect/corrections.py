"""Per-tenant corrections: terms never treated as personal data, and terms or patterns always are.

``Corrections`` is the plain, hashable value sent to the workers; ``CompiledCorrections`` applies it
to one (normalized) text. Deny patterns run under the ``regex`` module with a time limit, so a
pathological pattern fails the request (closed) instead of hanging a worker.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import regex  # type: ignore[import-untyped]

CUSTOM_TERM = "CUSTOM_TERM"
PATTERN_TIMEOUT_S = 0.25
SpanTuple = tuple[int, int, str, float]


@dataclass(frozen=True, slots=True)
class Corrections:
    allow: tuple[str, ...] = ()
    deny_terms: tuple[str, ...] = ()
    deny_patterns: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.allow or self.deny_terms or self.deny_patterns)

    @property
    def digest(self) -> str:
        raw = json.dumps([self.allow, self.deny_terms, self.deny_patterns], ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()

    def union(self, other: Corrections) -> Corrections:
        def u(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(a + b))

        return Corrections(
            u(self.allow, other.allow),
            u(self.deny_terms, other.deny_terms),
            u(self.deny_patterns, other.deny_patterns),
        )

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "allow": list(self.allow),
            "deny_terms": list(self.deny_terms),
            "deny_patterns": list(self.deny_patterns),
        }


def compile_pattern(p: str) -> regex.Pattern[str]:
    """Compile one deny pattern; raises ``ValueError`` naming the problem (not the pattern)."""
    try:
        return regex.compile(p, regex.IGNORECASE | regex.VERSION1)
    except regex.error as e:
        raise ValueError(f"invalid deny pattern: {e.msg} at position {e.pos}") from None


def _terms_regex(terms: tuple[str, ...]) -> regex.Pattern[str] | None:
    terms = tuple(t.strip() for t in terms if t.strip())
    if not terms:
        return None
    alts = "|".join(regex.escape(t) for t in sorted(terms, key=len, reverse=True))
    return regex.compile(rf"(?<!\w)(?:{alts})(?!\w)", regex.IGNORECASE)


class CompiledCorrections:
    def __init__(self, c: Corrections) -> None:
        self.allow = _terms_regex(c.allow)
        self.allow_exact = {t.strip().casefold() for t in c.allow if t.strip()}
        self.deny = _terms_regex(c.deny_terms)
        self.patterns = [compile_pattern(p) for p in c.deny_patterns]

    def apply(self, text: str, found: list[SpanTuple]) -> list[SpanTuple]:
        denied: list[SpanTuple] = []
        if self.deny is not None:
            denied += [(m.start(), m.end(), CUSTOM_TERM, 1.0) for m in self.deny.finditer(text)]
        for rx in self.patterns:
            try:
                for m in rx.finditer(text, timeout=PATTERN_TIMEOUT_S):
                    if m.end() > m.start():
                        denied.append((m.start(), m.end(), CUSTOM_TERM, 1.0))
            except TimeoutError:
                raise ValueError("a deny pattern ran too long on this text") from None
        if self.allow is not None:
            allowed = [m.span() for m in self.allow.finditer(text)]
            found = [
                f
                for f in found
                if text[f[0] : f[1]].strip().casefold() not in self.allow_exact
                and not any(a <= f[0] and f[1] <= b for a, b in allowed)
            ]
        return found + denied
