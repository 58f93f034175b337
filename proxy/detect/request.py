"""What the texts of one request say together, decided after each text's own spans (cached or
fresh) are assembled, history included.

- Name coreference: once a full name is found anywhere in the request, each of its parts of three
  letters or more that is not a common word is a PERSON wherever else it stands ("Scott" later in
  the conversation after "Megan Scott"), in the name's own case (any case for a name written in
  lower case).
- Special categories and criminal-offence data: a category term said of no one in its own text
  comes from the recognizers with ``UNANCHORED_SCORE``; it is kept, at 0.6, when the request holds
  a person or a direct identifier in any text, and dropped otherwise ("tell me about diabetes").
- Places: a place named in a text that speaks of no one (``proxy.detect.entities``) comes with
  ``UNANCHORED_SCORE`` too, and is weighed the same way: in a request about someone, every place
  it names is theirs ("My name is Anna Graf." then "Book me a table in Graz"); in a request about
  no one, "a travel guide for Graz" stays as it is.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from proxy.detect.recognizers.names import ambiguous_name, common_word
from proxy.detect.recognizers.special import UNANCHORED_SCORE
from proxy.detect.types import NEVER_EXTERNAL, Span

ANCHORED_BY_REQUEST = 0.6
COREFERENCE_SCORE = 0.85
# Types that do not make a request about someone on their own.
_NOT_DIRECT = NEVER_EXTERNAL | frozenset({"LOCATION", "CUSTOM_TERM"})
# Types whose unanchored spans the request decides on.
_WEIGHED = NEVER_EXTERNAL | frozenset({"LOCATION"})
_PART = re.compile(r"[^\W\d_][^\W\d_'’\-]*")


def resolve(texts: Sequence[str], spans: list[list[Span]]) -> list[list[Span]]:
    """The request's spans after coreference and the request-level special-category pass."""
    spans = _coreference(texts, spans)
    direct = any(s.entity_type not in _NOT_DIRECT for found in spans for s in found)
    out: list[list[Span]] = []
    for found in spans:
        kept: list[Span] = []
        for s in found:
            if s.entity_type in _WEIGHED and abs(s.score - UNANCHORED_SCORE) < 1e-6:
                if not direct:
                    continue
                s = Span(s.start, s.end, s.entity_type, ANCHORED_BY_REQUEST)
            kept.append(s)
        out.append(kept)
    return out


def _name_parts(texts: Sequence[str], spans: list[list[Span]]) -> dict[str, bool]:
    """Parts of the request's full names: part -> whether the name was written in lower case."""
    parts: dict[str, bool] = {}
    for text, found in zip(texts, spans, strict=True):
        for s in found:
            if s.entity_type != "PERSON":
                continue
            words = _PART.findall(text[s.start : s.end])
            if len(words) < 2:
                continue
            for w in words:
                w = w.removesuffix("'s").removesuffix("’s")
                if len(w) >= 3 and not common_word(w) and not ambiguous_name(w):
                    parts[w] = parts.get(w, False) or w.islower()
    return parts


def _coreference(texts: Sequence[str], spans: list[list[Span]]) -> list[list[Span]]:
    parts = _name_parts(texts, spans)
    if not parts:
        return spans
    exact = [re.escape(p) for p, lower in parts.items() if not lower]
    anycase = [re.escape(p) for p, lower in parts.items() if lower]
    alts = [f"(?:{'|'.join(exact)})"] if exact else []
    alts += [f"(?i:{'|'.join(anycase)})"] if anycase else []
    rx = re.compile(rf"(?<![\w'’-])(?:{'|'.join(alts)})(?![\w-])")
    out = []
    for text, found in zip(texts, spans, strict=True):
        free = _Free(found)
        added = [
            Span(m.start(), m.end(), "PERSON", COREFERENCE_SCORE)
            for m in rx.finditer(text)
            if free(m.start(), m.end())
        ]
        out.append(sorted(found + added, key=lambda s: s.start) if added else found)
    return out


class _Free:
    """Whether a stretch overlaps none of the spans, in O(log n): a long text has thousands of
    spans and matches, and this runs on the event loop."""

    def __init__(self, spans: Sequence[Span]) -> None:
        ordered = sorted((s.start, s.end) for s in spans)
        self.starts = [a for a, _ in ordered]
        self.reach: list[int] = []  # the furthest end among the spans starting up to here
        for _, e in ordered:
            self.reach.append(max(e, self.reach[-1]) if self.reach else e)

    def __call__(self, start: int, end: int) -> bool:
        k = bisect_left(self.starts, end) - 1  # the spans that start before ``end``
        return k < 0 or self.reach[k] <= start
