"""spaCy's NER, run only where it can still find a name.

Named-entity recognition is most of the cost of detection. Most sentences of chat traffic hold no
capitalized word that could be a name ("Please also check the invoice."), and in many others every
such word already lies inside a span that the cheaper recognizers found: a known given name and
surname, a titled name, an address, an e-mail address. ``NameTagger`` runs the language's NER
(batched over all texts of a request) only on the candidate words outside every such span, each
with six words of context on either side within its sentence (more than the small pipelines' NER
reads, so a window tags a word as the whole text would), and returns the entities at their
offsets in the whole text; ``proxy.detect.entities`` decides which are a person or a place.
Inside the spans already found, the NER model could only report again what is already protected.

Presidio's ``AnalyzerEngine`` still wants an NLP engine; ``NoNlpEngine`` hands it empty artifacts,
since none of the recognizers in use reads tokens and context words are weighed in character
windows (``proxy.detect.recognizers.context.WindowContextEnhancer``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from proxy.detect.recognizers.names import lexicon, place_name

# A sentence runs to its end mark (and the closing quotes after it: 'at John: "Where?"'); a
# mark inside a token ("3.11"), after an initial ("Brodie H. Walker") or a title ("Ms.") does
# not end it.
_SENTENCE = re.compile(
    r"""(?:[^.!?\n]|[.!?](?=\S)(?!["'”’)\]])|"""
    r"""(?:(?<=\b[A-Z])|(?<=\bMrs)|(?<=\bMr)|(?<=\bMs)|(?<=\bDr)|(?<=\bSt))\.)+"""
    r"""(?:[.!?]+["'”’)\]]*|\n|$)|[.!?\n]"""
)
_CAPITALIZED = re.compile(r"(?<![\w@./])[A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻ][a-zß-öø-ÿąćęłńśźżőű'’\-]+")
# Sentence openers that are never a name; a capitalized stop word is not either.
OPENERS = {
    "please", "thanks", "thank", "hi", "hello", "hey", "dear", "could", "would", "can", "should",
    "let", "send", "check", "make", "write", "add", "use", "update", "create", "summarise",
    "summarize", "translate", "explain", "tell", "give", "show", "find", "help", "draft",
    "fix", "list", "compare", "describe", "also", "yes", "no", "ok", "okay", "sure", "great",
    "suggest", "outline", "propose", "recommend", "keep", "review", "rewrite", "generate",
    "analyse", "analyze", "implement", "refactor", "convert", "calculate", "design", "identify",
    "provide", "prepare", "improve", "optimise", "optimize", "debug", "define", "evaluate",
    "estimate", "classify", "extract", "format", "edit", "answer", "reply", "respond", "remind",
    "consider", "imagine", "assume", "continue", "avoid", "ensure", "return", "print", "run",
    "test", "try", "note", "include", "remove", "replace", "rephrase", "shorten",
    "simplify", "proofread", "correct", "verify", "confirm", "attach", "forward", "schedule",
    "merci", "bonjour", "salut", "peux", "pouvez", "voici", "envoie", "écris", "traduis",
    "résume", "explique", "donne", "ajoute", "vérifie", "aussi", "oui", "non", "d'accord",
    "suggère", "rédige", "liste", "décris", "corrige", "garde", "réponds", "upgrade", "install",
    "deploy", "migrate", "configure", "compile", "build", "setup", "enable", "disable",
}  # fmt: skip
# What the small pipelines tag (English: OntoNotes labels; French: WikiNER's): a name of a person,
# however labelled, and places.
ENTITY_LABELS = frozenset({"PERSON", "PER", "ORG", "GPE", "LOC", "FAC", "NORP", "MISC"})
_WORD = re.compile(r"\S+")
# Words of context on each side of a candidate name: more than the small pipelines' NER reads
# (a four-token convolution window and the parser's next tokens).
_CONTEXT_WORDS = 6
Span = tuple[int, int]
Entity = tuple[int, int, str]


class NoNlpEngine(NlpEngine):
    """The NLP engine Presidio's analyzer is built with: empty artifacts, no model."""

    def __init__(self, languages: Sequence[str]) -> None:
        self.languages = list(languages)
        self._empty = Doc(Vocab(), words=[])

    def load(self) -> None:
        pass

    def is_loaded(self) -> bool:
        return True

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return NlpArtifacts([], self._empty, [], [], self, language)

    def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):  # type: ignore[no-untyped-def]
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        return False

    def is_punct(self, word: str, language: str) -> bool:
        return False

    def get_supported_entities(self) -> list[str]:
        return []

    def get_supported_languages(self) -> list[str]:
        return self.languages


class NameTagger:
    """The configured languages' NER, on the windows that may still hold an unfound name."""

    def __init__(self, ner: dict[str, Language]) -> None:
        self.ner = ner
        self.stop = {lang: spacy.blank(lang).Defaults.stop_words for lang in ner}

    def entities(
        self,
        texts: Sequence[str],
        langs: Sequence[Sequence[str]],
        found: Sequence[Sequence[Span]],
        places: Sequence[bool],
    ) -> list[list[Entity]]:
        """Named entities per text, ``(start, end, label)`` in the text, by each NER model of the
        text's languages. ``found``: spans the recognizers kept for each text: only candidate words
        outside them, with their context, are analyzed; ``places``: whether place names are
        candidates too (the text speaks of a person or where someone lives)."""
        out: list[list[Entity]] = [[] for _ in texts]
        for lang, ner in self.ner.items():
            pieces = [
                (i, s, e)
                for i, t in enumerate(texts)
                if lang in langs[i]
                for s, e in candidate_windows(t, self.stop[lang], found[i], places[i])
            ]
            if not pieces:
                continue
            docs = ner.pipe([texts[i][s:e] for i, s, e in pieces], batch_size=32)
            for (i, s, _), doc in zip(pieces, docs, strict=True):
                out[i] += [
                    (s + ent.start_char, s + ent.end_char, ent.label_)
                    for ent in doc.ents
                    if ent.label_ in ENTITY_LABELS
                ]
        return out


def candidate_windows(
    text: str, stop_words: set[str], found: Sequence[Span] = (), places: bool = False
) -> list[Span]:
    """The stretches of ``text`` the NER model must read: each capitalized word that could be a
    name not found yet (not a stop word, an opener, a month or weekday, a place unless ``places``,
    and outside every span in ``found``) with up to ``_CONTEXT_WORDS`` words either side, within
    its sentence; overlapping stretches merge."""
    _, not_names = lexicon()
    inside = _Cover(found)
    out: list[Span] = []
    for m in _SENTENCE.finditer(text):
        sentence, base = m.group(), m.start()
        words: list[Span] | None = None
        for w in _CAPITALIZED.finditer(sentence):
            low = w.group().lower()
            if low in stop_words or low in OPENERS:
                continue
            if low in not_names and not (places and place_name(low)):
                continue  # a month, a weekday, a technology; a place only where it is someone's
            a, b = base + w.start(), base + w.end()
            if inside(a, b):
                continue
            if words is None:
                words = [(base + x.start(), base + x.end()) for x in _WORD.finditer(sentence)]
            k = bisect_right(words, (a, len(text))) - 1
            lo = words[max(0, k - _CONTEXT_WORDS)][0]
            hi = words[min(len(words) - 1, k + _CONTEXT_WORDS)][1]
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
    return out


class _Cover:
    """Whether a stretch lies inside one of the spans, in O(log n) (a long text has thousands of
    spans and words: a scan per word would be quadratic in its length)."""

    def __init__(self, spans: Sequence[Span]) -> None:
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        self.reach: list[int] = []  # the furthest end among the spans starting up to here
        for _, e in ordered:
            self.reach.append(max(e, self.reach[-1]) if self.reach else e)

    def __call__(self, a: int, b: int) -> bool:
        k = bisect_right(self.starts, a) - 1
        return k >= 0 and self.reach[k] >= b


MAX_TEXT = 10_000_000  # the request body limit bounds texts; spaCy's own default is 1,000,000
