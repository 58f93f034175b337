"""Context words: the regex helpers our recognizers share, and Presidio's context pass without
spaCy tokens.

Presidio raises a result's score when one of its recognizer's context words stands near it; its
``LemmaContextAwareEnhancer`` reads the words from spaCy's lemmas, which the engine does not
compute (NER runs on a few windows only, see ``proxy.detect.nlp``). ``WindowContextEnhancer`` is
the same pass through Presidio's public ``ContextAwareEnhancer`` interface, given to
``AnalyzerEngine(context_aware_enhancer=...)``: it looks for the context words, in every supported
language at once, as whole words (``stem*``: as a prefix) in the words just before and after the
result, or among the context words the caller passes (the key path of a structured value).
"""

from __future__ import annotations

import re
from functools import cache

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts


def words(*ws: str) -> re.Pattern[str]:
    """A case-insensitive regex matching any of ``ws`` as a whole word (``stem*``: as a prefix)."""
    alts = "|".join(
        re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w)
        for w in sorted(ws, key=len, reverse=True)
    )
    # "_" separates words too, so JSON keys such as "date_of_birth" or "passport_no" count.
    return re.compile(rf"(?<![^\W_])(?:{alts})(?![^\W_])", re.IGNORECASE)


def near(
    text: str, start: int, end: int, ctx: re.Pattern[str], before: int = 60, after: int = 25
) -> bool:
    """Whether ``ctx`` matches in the window around ``text[start:end]``."""
    return bool(ctx.search(text, max(0, start - before), start)) or bool(
        ctx.search(text, end, min(len(text), end + after))
    )


@cache
def _compiled(context: tuple[str, ...]) -> re.Pattern[str]:
    return words(*context)


class WindowContextEnhancer(ContextAwareEnhancer):
    """Presidio's context pass over character windows: a context word of the result's recognizer
    within ``context_prefix_count`` characters before it or ``context_suffix_count`` after it
    (a recognizer may set its own ``context_window = (before, after)``), or among the words the
    caller passes as ``context``, adds ``context_similarity_factor`` to the score, at least up to
    ``min_score_with_context_similarity``, at most 1."""

    def __init__(
        self,
        context_similarity_factor: float = 0.35,
        min_score_with_context_similarity: float = 0.4,
        context_prefix_count: int = 60,
        context_suffix_count: int = 25,
    ) -> None:
        super().__init__(
            context_similarity_factor=context_similarity_factor,
            min_score_with_context_similarity=min_score_with_context_similarity,
            context_prefix_count=context_prefix_count,
            context_suffix_count=context_suffix_count,
        )

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        by_id = {r.id: r for r in recognizers}
        given = " ".join(context or ())
        for result in raw_results:
            meta = result.recognition_metadata or {}
            rec = by_id.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY, ""))
            if rec is None or not rec.context:
                continue
            if meta.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            ctx = _compiled(tuple(rec.context))
            before, after = getattr(
                rec, "context_window", (self.context_prefix_count, self.context_suffix_count)
            )
            if not (near(text, result.start, result.end, ctx, before, after) or ctx.search(given)):
                continue
            result.score = min(
                ContextAwareEnhancer.MAX_SCORE,
                max(
                    result.score + self.context_similarity_factor,
                    self.min_score_with_context_similarity,
                ),
            )
            meta[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            result.recognition_metadata = meta
        return raw_results
