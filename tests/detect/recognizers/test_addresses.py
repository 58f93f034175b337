"""Street addresses in the European forms, and street names without a number."""

from __future__ import annotations

from typing import Any

import pytest

from tests.detect.conftest import found

DETECTED = [
    # (text, entity type, value)
    (
        "Send it to 12 Baker Street, London NW1 6XE.",
        "STREET_ADDRESS",
        "12 Baker Street, London NW1 6XE",
    ),
    ("Lieferadresse: Hauptstraße 5, 10115 Berlin", "STREET_ADDRESS", "Hauptstraße 5, 10115 Berlin"),
    (
        "Adresse : 5 avenue de la République, 75011 Paris",
        "STREET_ADDRESS",
        "5 avenue de la République, 75011 Paris",
    ),
    ("Dirección: Calle Mayor 5, 28013 Madrid", "STREET_ADDRESS", "Calle Mayor 5, 28013 Madrid"),
    ("Indirizzo: Via Garibaldi, 12", "STREET_ADDRESS", "Via Garibaldi, 12"),
    ("Adres: Kerkstraat 8, 1017 GK Amsterdam", "STREET_ADDRESS", "Kerkstraat 8, 1017 GK Amsterdam"),
    ("Adres: ul. Dębowa 36, 86-178 Kraków", "STREET_ADDRESS", "ul. Dębowa 36, 86-178 Kraków"),
]

NOT_DETECTED = [
    # (text, entity type that must not appear)
    ("The office at Hauptstraße is closed.", "STREET_ADDRESS"),
    ("Top 10 Garden Centers in Kent", "STREET_ADDRESS"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
