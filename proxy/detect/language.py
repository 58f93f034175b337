"""Which language a text is in: it picks the language's lexicons and its NER pipelines.

Names, addresses and e-mail addresses say little about a text's language and mislead a
character-trigram model ("Why is Liisa so impulsive?" reads as Italian, "My name is Sofia" as
Portuguese), so only the words that start with a lower-case letter, and each sentence's first
word, are weighed. Such a text still
gets the English NER model whenever English is a plausible reading of it: the NER languages are
``identify(text)``'s primary language, plus English at a confidence of 5 % or more, or when half
of those words (two at least) are English function words ("is", "so", "at", "with").
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_LOWER_WORD = re.compile(
    r"(?<![\w@./])[a-zß-öø-ÿąćčďęěłńňőřśšťůűźżž][\w'’-]*"
    r"|(?:^|(?<=[.!?:]\s)|(?<=\n))[^\W\d_][\w'’-]*"  # and each sentence's first word
)
_MIN_LETTERS = 8  # fewer letters in lower-case words: too little to tell, the fallback
_ALSO_ENGLISH = 0.05


@cache
def _english_stop_words() -> frozenset[str]:
    import spacy

    return frozenset(spacy.blank("en").Defaults.stop_words)


def _englishy(words: list[str]) -> bool:
    stop = _english_stop_words()
    hits = sum(w.lower() in stop for w in words)
    return hits >= 2 and hits * 2 >= len(words)


class LanguageIdentifier:
    """lingua's trigram models over the configured languages; one language: no identification."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        self.fallback = "en" if "en" in languages else languages[0]
        self.lingua: Any = None
        if len(languages) > 1:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            iso = [IsoCode639_1.from_str(x) for x in languages if hasattr(IsoCode639_1, x.upper())]
            # Trigram models only: about 20 MB instead of 300 MB per worker for a point of
            # accuracy; short texts fall back to English, whose Art. 9 lexicons cover every
            # language.
            self.lingua = (
                LanguageDetectorBuilder.from_iso_codes_639_1(*iso)
                .with_low_accuracy_mode()
                .with_preloaded_language_models()
                .build()
            )

    def __call__(self, text: str) -> str:
        return self.identify(text)[0]

    def identify(self, text: str) -> tuple[str, tuple[str, ...]]:
        """The text's language, and every language whose NER should read it."""
        if self.lingua is None:  # one language configured: every text is in it
            return self.languages[0], self.languages[:1]
        # 300 characters (about 50 words) tell the languages apart as well as the whole text,
        # at a fraction of the time.
        found = [m.group() for m in _LOWER_WORD.finditer(text, 0, 600)]
        words = " ".join(found)[:300]
        if sum(c.isalpha() for c in words) < _MIN_LETTERS:
            return self.fallback, (self.fallback,)
        conf = self.lingua.compute_language_confidence_values(words)
        if not conf or conf[0].value < (0.4 if len(words) < 40 else 0.25):
            return self.fallback, (self.fallback,)
        code: str = conf[0].language.iso_code_639_1.name.lower()
        primary = code if code in self.languages else self.fallback
        english = next((c.value for c in conf if c.language.iso_code_639_1.name == "EN"), 0.0)
        also = (
            ("en",)
            if "en" in self.languages and (english >= _ALSO_ENGLISH or _englishy(found))
            else ()
        )
        return primary, tuple(dict.fromkeys((primary, *also)))
