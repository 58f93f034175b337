"""GDPR Art. 9 special categories and Art. 10 criminal-offence data, in every supported language.

The lists live in ``proxy/detect/data/special/`` (one file per category and language, parties and
unions per country, each with its sources) and are compiled by
``python -m proxy.detect.data.make_special`` into ``data/special.json``, which ``lexicon`` loads.
``recognizer`` scores each term or phrase by whether a person stands beside it (see
``SpecialCategoryRecognizer``); an unanchored one carries ``UNANCHORED_SCORE``, which the detector
keeps only when the request identifies a person somewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from presidio_analyzer import EntityRecognizer

from proxy.detect.recognizers.special.recognizer import (
    ANCHORED_SCORE,
    UNANCHORED_SCORE,
    SpecialCategoryRecognizer,
)

__all__ = [
    "ANCHORED_SCORE",
    "UNANCHORED_SCORE",
    "SpecialCategoryRecognizer",
    "special_recognizers",
]


def special_recognizers(languages: Iterable[str]) -> list[EntityRecognizer]:
    """One recognizer per language, each emitting every Art. 9 and Art. 10 entity type."""
    return [SpecialCategoryRecognizer(lang) for lang in languages]
