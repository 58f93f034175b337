"""The recognizers, one module per family, and the one list that registers them.

``RECOGNIZERS`` is the registration: each entry makes one recognizer for one language (a
Presidio ``EntityRecognizer``, usually a ``PatternRecognizer`` with context words and a
``validate_result``). To add a recognizer, write it in its family's module, put its examples in
that module's table under ``tests/detect/recognizers/``, and add one line here (and its entity
type to ``proxy.detect.types.ENTITY_TYPES`` if it is a new one).

The special categories (``proxy.detect.recognizers.special``) register beside them; they are
exempt from the score threshold (their weak, unanchored results are weighed for the whole request by
``proxy.detect.request``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from presidio_analyzer import EntityRecognizer, RecognizerRegistry

from proxy.detect.recognizers import addresses, dates, identifiers, locations, names, phones
from proxy.detect.recognizers.special import special_recognizers

RecognizerFactory = Callable[[str], EntityRecognizer]

RECOGNIZERS: tuple[RecognizerFactory, ...] = (
    identifiers.Email,
    identifiers.Ip,
    identifiers.Card,
    identifiers.Iban,
    identifiers.Crypto,
    identifiers.ProfileUrl,
    identifiers.DeTaxId,
    identifiers.FrNir,
    identifiers.EsDni,
    identifiers.EsNie,
    identifiers.ItFiscalCode,
    identifiers.NlBsn,
    identifiers.PlPesel,
    identifiers.UkNino,
    identifiers.UkNhs,
    identifiers.EuVat,
    identifiers.Passport,
    identifiers.UsSsn,
    identifiers.UsItin,
    identifiers.UsDriverLicense,
    phones.Phone,
    dates.DateOfBirth,
    names.NameRecognizer,
    addresses.AddressRecognizer,
    locations.LocationRecognizer,
)


def build_registry(languages: Iterable[str]) -> RecognizerRegistry:
    """Every recognizer for every language, the special categories without a score threshold."""
    langs = list(dict.fromkeys(languages))
    registry = RecognizerRegistry(supported_languages=langs)
    for lang in langs:
        for make in RECOGNIZERS:
            registry.add_recognizer(make(lang))
    for rec in special_recognizers(langs):
        rec.score_thresholds = {entity: 0.0 for entity in rec.supported_entities}
        registry.add_recognizer(rec)
    return registry
