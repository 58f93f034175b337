"""The NLP engine handed to Presidio: spaCy NER only where it can find a name.

Named-entity recognition is most of the cost of detection, and most sentences of chat traffic hold
no capitalized word that could be a name ("Please also check the invoice."). ``SelectiveNlpEngine``
tokenizes every text with a blank pipeline, runs the language's NER (batched over all texts of a
request) only on the sentences that hold a candidate word, and puts those entities back onto the
whole text's ``Doc`` at their original offsets, so Presidio's ``SpacyRecognizer`` sees a normal
document. Languages without a configured model get tokens only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.util import filter_spans

from proxy.detect.names import lexicon

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+(?=\s|$)|\n|$)|[.!?\n]")
_CAPITALIZED = re.compile(r"(?<![\w@./])[A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻ][a-zß-öø-ÿąćęłńśźżőű'’\-]+")
# Sentence openers that are never a name; a capitalized stop word is not either.
_OPENERS = {
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
    "suggère", "rédige", "liste", "décris", "corrige", "garde", "réponds",
}  # fmt: skip


@Language.component("lower_lemma")
def _lower_lemma(doc):  # type: ignore[no-untyped-def]
    """Lower-cased tokens as lemmas, so Presidio's context words work without a lemmatizer."""
    for tok in doc:
        tok.lemma_ = tok.lower_
    return doc


class SelectiveNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, running NER on the sentences that may hold a name."""

    def __init__(
        self, ner: dict[str, Language], blank: dict[str, Language], config: NerModelConfiguration
    ) -> None:
        super().__init__(
            models=[{"lang_code": k, "model_name": v.meta.get("name", k)} for k, v in ner.items()],
            ner_model_configuration=config,
        )
        self.ner = ner
        self.blank = blank
        self.nlp = blank  # what Presidio's helpers (stop words, languages) look at

    def load(self) -> None:
        pass

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return next(self._artifacts([text], language))

    def process_batch(  # type: ignore[override]
        self, texts: list[str], language: str, batch_size: int = 32, **_: object
    ) -> Iterator[tuple[str, NlpArtifacts]]:
        yield from zip(texts, self._artifacts(texts, language), strict=True)

    def _artifacts(self, texts: list[str], language: str) -> Iterator[NlpArtifacts]:
        docs = list(self.blank[language].pipe(texts))
        ner = self.ner.get(language)
        if ner is not None:
            stop = self.blank[language].Defaults.stop_words
            pieces = [
                (i, s, e) for i, t in enumerate(texts) for s, e in candidate_sentences(t, stop)
            ]
            found = ner.pipe([texts[i][s:e] for i, s, e in pieces], batch_size=32)
            ents: dict[int, list] = {}
            for (i, s, _), sent in zip(pieces, found, strict=True):
                for ent in sent.ents:
                    span = docs[i].char_span(
                        s + ent.start_char,
                        s + ent.end_char,
                        label=ent.label_,
                        alignment_mode="expand",
                    )
                    if span is not None:
                        ents.setdefault(i, []).append(span)
            for i, spans in ents.items():
                docs[i].ents = filter_spans(spans)
        for doc in docs:
            yield self._doc_to_nlp_artifact(doc, language)


def candidate_sentences(text: str, stop_words: set[str]) -> list[tuple[int, int]]:
    """Sentences holding a capitalized word that is neither a stop word, an opener, nor a month,
    weekday or place; names are among them."""
    _, not_names = lexicon()
    out = []
    for m in _SENTENCE.finditer(text):
        for w in _CAPITALIZED.finditer(m.group()):
            low = w.group().lower()
            if low not in stop_words and low not in _OPENERS and low not in not_names:
                out.append(m.span())
                break
    return out


MAX_TEXT = 10_000_000  # the request body limit bounds texts; spaCy's own default is 1,000,000


def blank_pipeline(lang: str) -> Language:
    nlp = spacy.blank(lang)
    nlp.add_pipe("lower_lemma")
    nlp.max_length = MAX_TEXT
    return nlp
