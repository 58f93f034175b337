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
    ("Ship to 4908 Leroy Lane Suite 303 please", "STREET_ADDRESS", "4908 Leroy Lane Suite 303"),
    ("Indirizzo: Stretto Rossi, 5", "STREET_ADDRESS", "Stretto Rossi, 5"),
    ("Indirizzo: Piazza Garibaldi, 12", "STREET_ADDRESS", "Piazza Garibaldi, 12"),
    ("He lives at 68784 Strandalléen 26, Hasle", "STREET_ADDRESS", "68784 Strandalléen 26, Hasle"),
    (
        "The letter arrived at PSC 2353, Box 6937\nAPO AP 86301 last night.",
        "STREET_ADDRESS",
        "PSC 2353, Box 6937\nAPO AP 86301",
    ),
    ("Send it to P.O. Box 63", "STREET_ADDRESS", "P.O. Box 63"),
    ("John had given Maja his address: 449 Πεντέλης 210", "STREET_ADDRESS", "449 Πεντέλης 210"),
    (
        "Address: 772 Republica de Chile 7715 Suite 228",
        "STREET_ADDRESS",
        "772 Republica de Chile 7715 Suite 228",
    ),
    (
        "51751 Olmstraat 69\n Apt. 046\n Echt\n Netherlands 88800",
        "STREET_ADDRESS",
        "51751 Olmstraat 69\n Apt. 046\n Echt\n Netherlands 88800",
    ),
]

NOT_DETECTED = [
    # (text, entity type that must not appear)
    ("The office at Hauptstraße is closed.", "STREET_ADDRESS"),
    ("Top 10 Garden Centers in Kent", "STREET_ADDRESS"),
    ("In 2024 the team shipped 3 releases", "STREET_ADDRESS"),
    ("Upgrade Python 3 to Python 3.12", "STREET_ADDRESS"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
