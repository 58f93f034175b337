"""What the engine does with raw results: PERSON look-alikes dropped, PERSON spans trimmed,
overlapping spans merged."""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult

from proxy.detect.recognizers.names import NAMED, place_context, plausible_person

SpanTuple = tuple[int, int, str, float]


def keep(text: str, r: RecognizerResult) -> bool:
    """Drop PERSON look-alikes: words, places, dates, codes."""
    if r.entity_type != "PERSON":
        return True
    value = text[r.start : r.end]
    meta = r.recognition_metadata or {}
    source = meta.get("recognizer_name", "")
    named = bool(meta.get(NAMED))
    if not plausible_person(value, cased=not source.startswith("NameRecognizer"), named=named):
        return False
    return named or not place_context(text, r.start, r.end)


_LEADING_LOWER = re.compile(
    r"(?:(?:(?:de|du|des|la|le|les|l'|d'|van|von|der|den|di|da|del|della|the|a|an|to|for|with|by|"
    r"from|and|und|et|y|e|en|al|au|aux|à|dla|do|z|w|na|per|für|mit|bei|zu|con|para|por|avec|pour|"
    r"chez|met|voor|naar|bij|dear|hi|hello)|(?:Mr|Mrs|Ms|Dr|Prof|Herr|Herrn|Frau|M|Mme|Mlle|"
    r"Monsieur|Madame|Sr|Sra|Sig|Signor|Signora|Pan|Pani|Explain|Ask|Tell|Call|Email|Ping|Thank|"
    r"Thanks)\.?)\s+)+"
)


def trim(text: str, r: RecognizerResult) -> SpanTuple:
    """PERSON spans lose leading lower-case words ("de Marie Dupont" -> "Marie Dupont")."""
    start, end = r.start, r.end
    if r.entity_type == "PERSON":
        m = _LEADING_LOWER.match(text, start, end)
        if m and m.end() < end:
            start = m.end()
        while end > start and text[end - 1] in " .,;:'’\"":
            end -= 1
        if text[start:end].endswith(("'s", "’s")):
            end -= 2
    return (start, end, r.entity_type, r.score)


# On equal scores, a specific identifier names the union rather than a generic type.
_PRIORITY = {"PHONE_NUMBER": 0, "PERSON": 0, "DATE_OF_BIRTH": 0, "PASSPORT": 0}


def merge(spans: list[SpanTuple]) -> list[SpanTuple]:
    """Overlapping spans become one span (their union) typed by the best one."""
    out: list[tuple[int, int, str, float, tuple[float, int, int]]] = []
    for s, e, t, sc in sorted(spans, key=lambda x: (x[0], -x[1])):
        if s >= e:
            continue
        rank = (sc, _PRIORITY.get(t, 1), e - s)
        if out and s < out[-1][1]:
            cs, ce, ct, csc, crank = out[-1]
            if rank > crank:
                ct, csc, crank = t, sc, rank
            out[-1] = (cs, max(ce, e), ct, csc, crank)
        else:
            out.append((s, e, t, sc, rank))
    return [(s, e, t, sc) for s, e, t, sc, _ in out]
