"""The recognizer: special-category and criminal-offence terms, weighed by who they are said of."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from proxy.detect.recognizers.base import OwnRecognizer
from proxy.detect.recognizers.names import lexicon as name_lexicon
from proxy.detect.recognizers.special.lexicon import (
    GAP,
    TOKEN,
    Entry,
    Index,
    Lexicon,
    fold,
    lexicon,
    match_key,
)
from proxy.detect.types import NEVER_EXTERNAL

ANCHORED_SCORE = 0.85
UNANCHORED_SCORE = 0.3
_WINDOW = 150  # characters before a term searched for a person (within its sentence)
_AFTER = 60  # characters after a term searched for a person (within its sentence)
_SENTENCE_END = re.compile(r"[.!?;]\s+|\n")
_TITLE_BEFORE = re.compile(
    r"\b(?:mr|mrs|ms|dr|herr|herrn|frau|mme|sr|sra|pan|pani|dhr|mevr|sig)\.?\s+$|\bm\.\s+$",
    re.IGNORECASE,
)
_NAME_END = re.compile(r"!|\.(?=-)")
_CAPITALIZED = re.compile(r"\b[A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻŠŽČ][a-zß-öø-ÿąćęłńśźżšžčřěů]+\b")
_WORD_BEFORE = re.compile(r"([A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻŠŽČ][a-zß-öø-ÿąćęłńśźżšžčřěů]+)\s+$")


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    category: str
    score: float


class SpecialCategoryRecognizer(OwnRecognizer):
    """GDPR Art. 9 categories and Art. 10 criminal-offence data in one language.

    A term (a condition, a medicine, a faith, an origin, an orientation, a party, a union, a
    conviction...) or a phrase ("diagnosed with ...", "was convicted of ...") is scored by who it
    is said of, within its sentence:

    - ``ANCHORED_SCORE`` when a person stands there: a pronoun, a possessive, a relation
      ("colleague", "Kollegin"), a title or a known given name before it with no topic marker
      ("about", "history of", "über") in between, or one shortly after it;
    - nothing when it is plainly a topic: a topic marker before it ("symptoms of diabetes"), a
      topic or institution word after it ("cancer research", "Catholic Church", "SPD-Fraktion");
    - ``UNANCHORED_SCORE`` otherwise: the detector keeps it only when the request names a person.

    A weak term (also an everyday word: "Labour", "orthodox", "fingerprint") counts only with a cue
    of its category right before or after it ("votes for", "practising", "my", "voter").
    """

    def __init__(self, language: str) -> None:
        super().__init__("POLITICAL_OPINION", language, f"Special_{language}")
        self.supported_entities = sorted(NEVER_EXTERNAL)  # one recognizer, every category
        self.lex: Lexicon = lexicon(language)

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        wanted = set(entities) if entities else NEVER_EXTERNAL
        hits = [h for h in self._term_hits(text) + self._phrase_hits(text) if h.category in wanted]
        return [
            RecognizerResult(h.category, h.start, h.end, h.score) for h in _merge(hits)
        ]

    def _term_hits(self, text: str) -> list[_Hit]:
        lex, out = self.lex, []
        for start, end, entry in self._matches(text):
            cat = entry.category
            if cat is None or (text[start].isupper() and self._surname(text, start, end)):
                continue
            after = end + bool(_NAME_END.match(text, end))  # "Chega!-Fraktion", "CC.OO.-Zentrale"
            cued = bool(lex.cue_before[cat].search(text, max(0, start - 60), start)) or bool(
                lex.cue_after[cat].match(text, after)
            )
            if (entry.weak and not cued) or lex.topic_after.match(text, after):
                continue  # "cancer research", "LGBTQ+ employees"
            if not cued and (
                lex.institution_after.match(text, after)
                or lex.institution_before.search(text, max(0, start - 40), start)
            ):
                continue  # "the Catholic Church", "la sede del PSOE"
            score = self._score(text, start, end)
            if score:
                out.append(_Hit(start, end, cat, score))
        return out

    def _matches(self, text: str) -> list[tuple[int, int, Entry]]:
        """The longest lexicon form at each word, left to right, without overlaps."""
        folded = fold(text)
        toks = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(folded)]
        out, i = [], 0
        while i < len(toks):
            best: tuple[int, Entry] | None = None
            word = toks[i][2]
            for index, key in ((self.lex.ci, word.lower()), (self.lex.cs, word)):
                for form, entry in index.get(key, ()):
                    n = len(form)
                    if (best is None or n > best[0]) and self._fits(text, toks, i, form, index):
                        best = (n, entry)
                        break
            if best is None:
                i += 1
                continue
            n, entry = best
            start, end = toks[i][0], toks[i + n - 1][1]
            if self._written(text, folded, start, end, entry):
                out.append((start, end, entry))
            i += n
        return out

    def _fits(
        self, text: str, toks: list[Any], i: int, form: tuple[str, ...], index: Index
    ) -> bool:
        if i + len(form) > len(toks):
            return False
        lower = index is self.lex.ci
        for k in range(1, len(form)):
            word = toks[i + k][2]
            if (word.lower() if lower else word) != form[k]:
                return False
            if not GAP.fullmatch(text, toks[i + k - 1][1], toks[i + k][0]):
                return False
        return True

    def _written(self, text: str, folded: str, start: int, end: int, entry: Entry) -> bool:
        """A match with accents must carry the accents of a form ("schwül" is not "schwul")."""
        if entry.category is None or (text[start:end] == folded[start:end] and not entry.exact):
            return True
        return match_key(text[start:end].replace("’", "'")) in self.lex.accented

    def _phrase_hits(self, text: str) -> list[_Hit]:
        out: list[_Hit] = []
        if self.lex.phrases is None:
            return out
        for m in self.lex.phrases.finditer(text):
            start, end = m.start(), m.end()
            while end > start and text[end - 1] in " \t'’-":
                end -= 1
            if self.lex.topic_after.match(text, end) or self.lex.institution_after.match(text, end):
                continue
            score = self._score(text, start, end)
            if score and m.lastgroup:
                out.append(_Hit(start, end, m.lastgroup, score))
        return out

    def _surname(self, text: str, start: int, end: int) -> bool:
        """A capitalized term that is someone's name: "Herr Krebs", "Jennifer Gay",
        "Christian Müller"."""
        if _TITLE_BEFORE.search(text, max(0, start - 8), start):
            return True
        firsts = name_lexicon()[0]
        before = _WORD_BEFORE.search(text, max(0, start - 40), start)
        if before is not None and before.group(1) in firsts:
            return True
        word = text[start:end]
        following = _CAPITALIZED.match(text, end + 1) if text[end : end + 1] == " " else None
        return word in firsts and following is not None

    def _score(self, text: str, start: int, end: int) -> float:
        """``ANCHORED_SCORE``, ``UNANCHORED_SCORE`` or 0 (plainly a topic)."""
        lex = self.lex
        sent_start = 0
        for sm in _SENTENCE_END.finditer(text, max(0, start - 400), start):
            sent_start = sm.end()
        window = max(sent_start, start - _WINDOW)
        last = -1
        for a in lex.anchor.finditer(text, window, start):
            last = max(last, a.end())
        firsts = name_lexicon()[0]
        for w in _CAPITALIZED.finditer(text, window, start):
            if w.group() in firsts:
                last = max(last, w.end())
        if last >= 0:
            if not lex.topic_before.search(text, last, start):
                return ANCHORED_SCORE
            return 0.0  # "my colleague wrote an essay about diabetes"
        if lex.topic_before.search(text, sent_start, start) or lex.topic_weak.search(
            text, sent_start, start
        ):
            return 0.0  # "what are the symptoms of diabetes"
        sent_end = _SENTENCE_END.search(text, end)
        stop = min(end + _AFTER, sent_end.start() if sent_end else len(text))
        if lex.anchor.search(text, end, stop):
            return ANCHORED_SCORE  # "diabetes runs in my family"
        return UNANCHORED_SCORE


def _merge(hits: list[_Hit]) -> list[_Hit]:
    """Overlapping hits of one category become one (their union, the best score)."""
    out: list[_Hit] = []
    for h in sorted(hits, key=lambda h: (h.category, h.start, -h.end)):
        last = out[-1] if out else None
        if last is not None and last.category == h.category and h.start < last.end:
            last.end = max(last.end, h.end)
            last.score = max(last.score, h.score)
        else:
            out.append(h)
    return sorted(out, key=lambda h: h.start)
