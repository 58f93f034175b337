"""The synchronous analysis engine: Presidio with our recognizers, run inside a worker.

One ``Engine`` per worker process (or per detector when ``workers == 0``). ``analyze_batch``
normalizes every text, detects its language, runs the pattern, checksum and lexicon recognizers,
then the language's NER once over the sentences of all texts that may still hold an unfound name
(``proxy.detect.nlp``), scans decoded blobs, applies the tenant's corrections, maps offsets back to
the original text and merges overlapping spans.

Presidio defaults left out on purpose: DATE_TIME (every "May" or "Friday"), LOCATION and NRP
(countries, cities, nationalities: not a person's data by themselves), ORGANIZATION, URL, the US
recognizers (driver licence, bank number, SSN, ITIN, passport: they fire on order numbers and
versions), MEDICAL_LICENSE. Kept: e-mail, credit card, IP address (public ones only), crypto
wallets and spaCy's PERSON (filtered).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from itertools import islice

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    CryptoRecognizer,
    EmailRecognizer,
    IpRecognizer,
)
from spacy.language import Language

from proxy.config import DETECTION_LANGUAGES
from proxy.detect.address import AddressRecognizer
from proxy.detect.corrections import CompiledCorrections, Corrections
from proxy.detect.names import NameRecognizer, known_name, place_context, plausible_person
from proxy.detect.nlp import MAX_TEXT, NameTagger, NoNlpEngine
from proxy.detect.normalize import decoded_blobs, normalize
from proxy.detect.recognizers import id_recognizers
from proxy.detect.special import special_recognizers

NER_COMPONENTS = {"ner", "transformer"}
_LETTER = re.compile(r"[^\W\d_]")
NER_SOURCE = "NER"  # recognizer name of the NER model's PERSON results
NER_SCORE = 0.85  # Presidio's default score for an NER entity
SpanTuple = tuple[int, int, str, float]


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer with the bundled public suffix list (no network at startup)."""

    _extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    def validate_result(self, pattern_text: str) -> bool:
        return self._extract(pattern_text).fqdn != ""


class _Analyzer(AnalyzerEngine):
    """Presidio's analyzer without its context pass: our recognizers weigh their own context
    words (in every language, without lemmas), and the Presidio recognizers we keep validate
    their results."""

    def _enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):  # type: ignore[no-untyped-def]
        return raw_results


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
        getattr(layer, "name", "").startswith("tok2vec-listener") for layer in ner.model.walk()
    )
    keep = NER_COMPONENTS | ({"tok2vec"} if listens else set())
    for name in list(nlp.pipe_names):
        if name not in keep:
            nlp.remove_pipe(name)
    nlp.max_length = MAX_TEXT
    return nlp


class Engine:
    def __init__(self, cfg: EngineConfig) -> None:
        self.cfg = cfg
        langs = tuple(dict.fromkeys((*cfg.languages, *cfg.spacy_models)))
        models = cfg.spacy_models
        self.tagger = NameTagger({x: load_pipeline(models[x]) for x in langs if x in models})
        registry = RecognizerRegistry(supported_languages=list(langs))
        for lang in langs:
            for rec in (
                OfflineEmailRecognizer(supported_language=lang),
                CreditCardRecognizer(supported_language=lang),
                IpRecognizer(supported_language=lang),
                CryptoRecognizer(supported_language=lang),
                NameRecognizer(lang),
                AddressRecognizer(lang),
            ):
                registry.add_recognizer(rec)
        for rec in id_recognizers(langs) + special_recognizers(langs):
            registry.add_recognizer(rec)
        self.nlp_engine = NoNlpEngine(langs)
        self.analyzer = _Analyzer(
            registry=registry,
            nlp_engine=self.nlp_engine,
            supported_languages=list(langs),
            default_score_threshold=cfg.score_threshold,
        )
        self.languages = langs
        self._fallback = "en" if "en" in langs else langs[0]
        self.lingua = None
        if len(langs) > 1:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            iso = [IsoCode639_1.from_str(x) for x in langs if hasattr(IsoCode639_1, x.upper())]
            # Trigram models only: about 20 MB instead of 300 MB per worker for a point of
            # accuracy; short texts fall back to English, whose Art. 9 lexicons cover every
            # language.
            self.lingua = (
                LanguageDetectorBuilder.from_iso_codes_639_1(*iso)
                .with_low_accuracy_mode()
                .with_preloaded_language_models()
                .build()
            )
        self._corrections: dict[str, CompiledCorrections] = {}

    def language_of(self, text: str) -> str:
        if self.lingua is None:  # one language configured: every text is in it
            return self.languages[0]
        letters = sum(1 for _ in islice(_LETTER.finditer(text), 40))
        if letters < 8:
            return self._fallback
        # 300 characters (about 50 words) tell the languages apart as well as the whole text,
        # at a fraction of the time.
        conf = self.lingua.compute_language_confidence_values(text[:300])
        if not conf or conf[0].value < (0.4 if letters < 40 else 0.25):
            return self._fallback
        code = conf[0].language.iso_code_639_1.name.lower()
        return code if code in self.languages else self._fallback

    def analyze_batch(
        self, texts: list[str], corrections: Corrections | None = None
    ) -> list[list[SpanTuple]]:
        normed = [normalize(t) for t in texts]
        found = self._find([n.text for n in normed], [self.language_of(n.text) for n in normed])
        comp = self._compiled(corrections)
        out: list[list[SpanTuple]] = []
        for n, spans in zip(normed, found, strict=True):
            if comp is not None:
                spans = comp.apply(n.text, spans)
            mapped = [(*n.to_original(s, e), t, sc) for s, e, t, sc in spans]
            out.append(merge(mapped))
        return out

    def _find(self, texts: list[str], langs: list[str]) -> list[list[SpanTuple]]:
        """The recognizers first, then NER where a candidate name is left outside their spans,
        then what decoded Base64 and hex blobs hide."""
        found = []
        for text, lang in zip(texts, langs, strict=True):
            art = self.nlp_engine.process_text(text, lang)
            results = self.analyzer.analyze(text, language=lang, nlp_artifacts=art)
            found.append([_trim(text, r) for r in results if keep(text, r)])
        persons = self.tagger.persons(texts, langs, [[(s, e) for s, e, *_ in f] for f in found])
        for text, spans, names in zip(texts, found, persons, strict=True):
            for s, e in names:
                r = RecognizerResult(
                    "PERSON", s, e, NER_SCORE, recognition_metadata={"recognizer_name": NER_SOURCE}
                )
                if keep(text, r):
                    spans.append(_trim(text, r))
        for text, lang, spans in zip(texts, langs, found, strict=True):
            blobs = decoded_blobs(text)
            if not blobs:
                continue
            inner = self._find([d for _, _, d in blobs], [lang] * len(blobs))
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


_ROLE_MAILBOX = re.compile(
    r"^(?:info|support|noreply|no-reply|donotreply|contact|kontakt|sales|admin|hello|team|office|"
    r"service|help|helpdesk|billing|privacy|security|webmaster|postmaster|hostmaster|abuse|jobs|"
    r"careers|press|media|marketing|newsletter|notifications?|dpo|datenschutz|accounts?|hr|legal)@",
    re.IGNORECASE,
)


def keep(text: str, r: RecognizerResult) -> bool:
    """Drop look-alikes that Presidio's recognizers report but that are not about a person."""
    value = text[r.start : r.end]
    if r.entity_type == "PERSON":
        source = (r.recognition_metadata or {}).get("recognizer_name", "")
        if not plausible_person(value, cased=not source.startswith("NameRecognizer")):
            return False
        by_ner = source == NER_SOURCE
        # The NER model tags capitalized sentence-initial words as names ("Ruf an ..."): a lone
        # token there counts only if it is a known given name.
        if place_context(text, r.start, r.end):
            return False
        # A lone word from the NER model counts if the lexicons know it as a name: the model
        # also tags product names ("Quarkus") and capitalized sentence openers ("Ruf an ...").
        return not (by_ner and " " not in value.strip() and not known_name(value.strip(" '’\"")))
    if r.entity_type == "IP_ADDRESS":
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            return False
        return ip.is_global and not re.search(
            r"(?i)\bv(?:ersion)?\s*$", text[max(0, r.start - 9) : r.start]
        )
    if r.entity_type == "EMAIL_ADDRESS":
        return not _ROLE_MAILBOX.match(value)
    return True


_LEADING_LOWER = re.compile(
    r"(?:(?:(?:de|du|des|la|le|les|l'|d'|van|von|der|den|di|da|del|della|the|a|an|to|for|with|by|"
    r"from|and|und|et|y|e|en|al|au|aux|à|dla|do|z|w|na|per|für|mit|bei|zu|con|para|por|avec|pour|"
    r"chez|met|voor|naar|bij|dear|hi|hello)|(?:Mr|Mrs|Ms|Dr|Prof|Herr|Herrn|Frau|M|Mme|Mlle|Monsieur|Madame|Sr|Sra|"
    r"Sig|Signor|Signora|Pan|Pani|Explain|Ask|Tell|Call|Email|Ping|Thank|Thanks)\.?)\s+)+"
)


def _trim(text: str, r: RecognizerResult) -> SpanTuple:
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


def merge(spans: list[SpanTuple]) -> list[SpanTuple]:
    """Overlapping or touching-inside spans become one span (their union) typed by the best one."""
    out: list[list] = []
    for s, e, t, sc in sorted(spans, key=lambda x: (x[0], -x[1])):
        if s >= e:
            continue
        rank = (sc, _PRIORITY.get(t, 1), e - s)
        if out and s < out[-1][1]:
            cur = out[-1]
            cur[1] = max(cur[1], e)
            if rank > cur[4]:
                cur[2], cur[3], cur[4] = t, sc, rank
        else:
            out.append([s, e, t, sc, rank])
    return [(s, e, t, sc) for s, e, t, sc, _ in out]


# On equal scores, a specific identifier names the union rather than a generic type.
_PRIORITY = {"PHONE_NUMBER": 0, "PERSON": 0, "DATE_OF_BIRTH": 0, "PASSPORT": 0}
