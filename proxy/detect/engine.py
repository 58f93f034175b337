"""The synchronous analysis: Presidio with our recognizers, run inside a worker.

One ``Engine`` per worker process (or per detector when ``workers == 0``). ``analyze_batch``
normalizes every text, identifies its language, runs the registered recognizers
(``proxy.detect.recognizers``) through Presidio's ``AnalyzerEngine``, then the language's NER once
over the windows of all texts that may still hold an unfound name (``proxy.detect.nlp``), scans
decoded blobs, applies the tenant's corrections, maps offsets back to the original text and merges
overlapping spans.

Presidio defaults left out on purpose: DATE_TIME (every "May" or "Friday"), NRP (nationalities),
ORGANIZATION, URL, MEDICAL_LICENSE, the US bank number and passport (they fire on order numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import spacy
from presidio_analyzer import AnalyzerEngine
from spacy.language import Language

from proxy.config import DETECTION_LANGUAGES
from proxy.detect.corrections import CompiledCorrections, Corrections
from proxy.detect.entities import (
    block_after_person,
    conjoined_names,
    from_ner,
    known_places,
    name_above_address,
)
from proxy.detect.filters import SpanTuple, keep, merge, trim
from proxy.detect.keys import context_words, inline_keyed_spans, keyed_spans
from proxy.detect.language import LanguageIdentifier
from proxy.detect.nlp import MAX_TEXT, NameTagger, NoNlpEngine
from proxy.detect.normalize import decoded_blobs, normalize
from proxy.detect.recognizers import build_registry
from proxy.detect.recognizers.context import WindowContextEnhancer
from proxy.detect.recognizers.locations import place_cue
from proxy.detect.recognizers.special import UNANCHORED_SCORE
from proxy.detect.types import NEVER_EXTERNAL

NER_COMPONENTS = {"ner", "transformer"}


@dataclass(frozen=True)
class EngineConfig:
    spacy_models: dict[str, str]
    score_threshold: float
    # Pattern and checksum recognizers run for every language, NER only where a spaCy pipeline
    # is configured.
    languages: tuple[str, ...] = field(default=DETECTION_LANGUAGES)


def load_pipeline(model: str) -> Language:
    """The model with only its NER (which carries its own tok2vec in the small pipelines)."""
    nlp = spacy.load(model)
    ner = nlp.get_pipe("ner")
    listens = any(
        getattr(layer, "name", "").startswith("tok2vec-listener")
        for layer in ner.model.walk()  # type: ignore[attr-defined]
    )
    keep_pipes = NER_COMPONENTS | ({"tok2vec"} if listens else set())
    for name in list(nlp.pipe_names):
        if name not in keep_pipes:
            nlp.remove_pipe(name)
    nlp.max_length = MAX_TEXT
    return nlp


class Engine:
    def __init__(self, cfg: EngineConfig) -> None:
        self.cfg = cfg
        langs = tuple(dict.fromkeys((*cfg.languages, *cfg.spacy_models)))
        models = cfg.spacy_models
        self.tagger = NameTagger({x: load_pipeline(models[x]) for x in langs if x in models})
        self.nlp_engine = NoNlpEngine(langs)
        self.analyzer = AnalyzerEngine(
            registry=build_registry(langs),
            nlp_engine=self.nlp_engine,
            supported_languages=list(langs),
            default_score_threshold=cfg.score_threshold,
            context_aware_enhancer=WindowContextEnhancer(),
        )
        self.languages = langs
        self.language_of = LanguageIdentifier(langs)
        self._corrections: dict[str, CompiledCorrections] = {}

    def analyze_batch(
        self,
        texts: list[str],
        corrections: Corrections | None = None,
        keys: list[str | None] | None = None,
    ) -> list[list[SpanTuple]]:
        """Spans of each text at its original offsets; ``keys[i]``: the key path of ``texts[i]``
        when it is a value in structured data (``None``: free text)."""
        normed = [normalize(t) for t in texts]
        found = self._find(
            [n.text for n in normed],
            [self.language_of.identify(n.text) for n in normed],
            keys or [None] * len(texts),
        )
        comp = self._compiled(corrections)
        out: list[list[SpanTuple]] = []
        for n, spans in zip(normed, found, strict=True):
            if comp is not None:
                spans = comp.apply(n.text, spans)
            mapped = [(*n.to_original(s, e), t, sc) for s, e, t, sc in spans]
            out.append(merge(mapped))
        return out

    def _find(
        self,
        texts: list[str],
        langs: list[tuple[str, tuple[str, ...]]],
        keys: list[str | None],
    ) -> list[list[SpanTuple]]:
        """The key of a structured value and the recognizers first, then NER where a candidate
        name is left outside their spans, then what decoded Base64 and hex blobs hide."""
        found = []
        for text, (lang, _), key in zip(texts, langs, keys, strict=True):
            art = self.nlp_engine.process_text(text, lang)
            results = self.analyzer.analyze(
                text, language=lang, nlp_artifacts=art, context=context_words(key)
            )
            keyed = keyed_spans(text, key) if key else _inline(text)
            found.append(keyed + [trim(text, r) for r in results if keep(text, r)])
        # Places are candidates where the text speaks of someone: a person or an identifier
        # found, or "I live in", "born in"...
        personal = [any(_personal(t) for _, _, t, _ in f) for f in found]
        ents = self.tagger.entities(
            texts,
            [ner for _, ner in langs],
            [[(s, e) for s, e, *_ in f] for f in found],
            [p or place_cue(t) for p, t in zip(personal, texts, strict=True)],
        )
        for text, spans, text_ents, p in zip(texts, found, ents, personal, strict=True):
            spans += from_ner(text, text_ents, p)
            if "\n" in text:
                spans += name_above_address(text, spans)
                spans += block_after_person(text, spans)
            spans += conjoined_names(text, spans)
            spans += known_places(text, spans, any(_personal(t) for _, _, t, _ in spans))
        for text, (lang, ner), spans in zip(texts, langs, found, strict=True):
            blobs = decoded_blobs(text)
            if not blobs:
                continue
            inner = self._find(
                [d for _, _, d in blobs], [(lang, ner)] * len(blobs), [None] * len(blobs)
            )
            for (a, b, _), hits in zip(blobs, inner, strict=True):
                if hits:
                    best = max(hits, key=lambda x: (x[3], x[1] - x[0]))
                    spans.append((a, b, best[2], best[3]))
        return found

    def _compiled(self, corrections: Corrections | None) -> CompiledCorrections | None:
        if corrections is None or corrections.empty:
            return None
        key = corrections.digest
        comp = self._corrections.get(key)
        if comp is None:
            if len(self._corrections) > 256:
                self._corrections.clear()
            comp = self._corrections[key] = CompiledCorrections(corrections)
        return comp


def _inline(text: str) -> list[SpanTuple]:
    """JSON pairs written in free text, typed by their keys; a place among them is weighed with
    the request like any place (``d = {"city": "Paris"}`` in a question about code is no one's)."""
    return [
        (s, e, t, UNANCHORED_SCORE if t == "LOCATION" else sc)
        for s, e, t, sc in inline_keyed_spans(text)
    ]


def _personal(entity_type: str) -> bool:
    """A span of this type makes the places of its text someone's."""
    return entity_type not in NEVER_EXTERNAL and entity_type != "LOCATION"
