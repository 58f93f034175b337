"""Which language a text is in: it picks the language's lexicons and its NER pipeline."""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

_LETTER = re.compile(r"[^\W\d_]")


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
        if self.lingua is None:  # one language configured: every text is in it
            return self.languages[0]
        letters = sum(1 for _ in islice(_LETTER.finditer(text), 40))
        if letters < 8:
            return self.fallback
        # 300 characters (about 50 words) tell the languages apart as well as the whole text,
        # at a fraction of the time.
        conf = self.lingua.compute_language_confidence_values(text[:300])
        if not conf or conf[0].value < (0.4 if letters < 40 else 0.25):
            return self.fallback
        code: str = conf[0].language.iso_code_639_1.name.lower()
        return code if code in self.languages else self.fallback
