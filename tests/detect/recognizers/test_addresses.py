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
    # Street types as a word of their own, in lower case (Nordic, Hungarian, Slovene, Estonian).
    (
        "Deliver it to Solbakken gate 14, 0361 Oslo",
        "STREET_ADDRESS",
        "Solbakken gate 14, 0361 Oslo",
    ),
    ("Meet me at Kossuth Lajos utca 12. tomorrow", "STREET_ADDRESS", "Kossuth Lajos utca 12."),
    ("Naslov: Prešernova ulica 3", "STREET_ADDRESS", "Prešernova ulica 3"),
    ("She rents a flat on Pikk tänav 7", "STREET_ADDRESS", "Pikk tänav 7"),
    # Compound street types: Danish -vej, Norwegian -gata, Finnish -katu/-tie.
    (
        "Deliver to Nørrebrogade 41, 2200 København",
        "STREET_ADDRESS",
        "Nørrebrogade 41, 2200 København",
    ),
    ("Ship it to Hämeenkatu 18, Tampere", "STREET_ADDRESS", "Hämeenkatu 18, Tampere"),
    # A building number before a foreign street form; abbreviated types.
    ("Send it to 4411 Ctra. de Toledo 23", "STREET_ADDRESS", "4411 Ctra. de Toledo 23"),
    ("He moved to 902 R Augusta 15, Lisboa", "STREET_ADDRESS", "902 R Augusta 15, Lisboa"),
    # A name and a number that the sentence calls a place of someone, or a unit follows.
    ("My aunt lives on Tammsaare 19.", "STREET_ADDRESS", "Tammsaare 19."),
    ("Parcel for Kalevi 4 Apt. 12 please", "STREET_ADDRESS", "Kalevi 4 Apt. 12"),
    # A town with its postcode.
    ("Our depot in Kettering NN16 8PX is closed.", "STREET_ADDRESS", "Kettering NN16 8PX"),
    ("The clinic moved to Bad Kissingen 97688.", "STREET_ADDRESS", "Bad Kissingen 97688"),
    # An intersection.
    (
        "We live at the corner of Elm Grove and Ocampo Heights.",
        "STREET_ADDRESS",
        "Ocampo Heights",
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
    ("The meeting is on Level 3, the gate is at Terminal 2.", "STREET_ADDRESS"),
    ("We are on Windows 11 and the release is at Sprint 14.", "STREET_ADDRESS"),
    ("The office is in Chapter 7 of the handbook.", "STREET_ADDRESS"),
    ("The conference is in Berlin 2025 and in May 2024.", "STREET_ADDRESS"),
    ("Upgrade to Python 3110 in Docker 2404", "STREET_ADDRESS"),
    ("Retro notes 03 January 2027: deploys to Vienna were slow.", "STREET_ADDRESS"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
