"""Person names: titles, given name and surname, lone, foreign, initialled and lower-case names,
greetings, structured keys; product names and companies are not."""

from __future__ import annotations

from typing import Any

import pytest

from tests.detect.conftest import found

DETECTED = [
    # (text, entity type, value)
    ("Please ask John Smith about it.", "PERSON", "John Smith"),
    ("Bitte Frau Schneider informieren.", "PERSON", "Schneider"),
    ("Het contract van Jan de Vries is verlopen.", "PERSON", "Jan de Vries"),
    # A middle initial with one name the lexicons know, of any nationality.
    ("Have you been to a Beaufort A Turgeon concert before?", "PERSON", "Beaufort A Turgeon"),
    ("as regular commenter Elfa H Kristjánsdóttir pointed out", "PERSON", "Elfa H Kristjánsdóttir"),
    ("Directed By:    Jakobine Zeeb", "PERSON", "Jakobine Zeeb"),
    ("Prosimy o kontakt z Panem Kowalskim.", "PERSON", "Kowalskim"),
    ("Wczoraj rozmawiałem z Anną Kowalską o projekcie.", "PERSON", "Anną Kowalską"),
    ("Proszę przekazać dokumenty Tomaszowi Nowakowi.", "PERSON", "Tomaszowi Nowakowi"),
    ("Hi Anna, the build is green.", "PERSON", "Anna"),
    ("Le dossier de Marie Dupont est complet.", "PERSON", "Marie Dupont"),
    ('{"first_name": "Łukasz", "last_name": "Wiśniewski"}', "PERSON", "Wiśniewski"),
    ('{"customer_name": "Anna Schmidt", "plan": "pro"}', "PERSON", "Anna Schmidt"),
    ("Dear Mr. O'Connor, thanks.", "PERSON", "O'Connor"),
    ("Antwort an Herrn Dr. Matthias Vogel schreiben", "PERSON", "Matthias Vogel"),
    ("the customer's name is sophie turner and she lives in leeds", "PERSON", "sophie turner"),
    ("Bonjour, je m'appelle Claire Martin.", "PERSON", "Claire Martin"),
    ("I would like to remove my kid Ralf from the will.", "PERSON", "Ralf"),
    ("Remember me, Steven? We met in Leeds.", "PERSON", "Steven"),
    ("Why is Sven so impulsive?", "PERSON", "Sven"),
    ("Follow up with Đurđa Jovanović in a couple of months.", "PERSON", "Đurđa Jovanović"),
    ("I want to add Terence H Vassiliev as a beneficiary.", "PERSON", "Terence H Vassiliev"),
    ("Brodie H. Walker called about the account.", "PERSON", "Brodie H. Walker"),
    ("i met sophie turner yesterday, she asked about the invoice", "PERSON", "sophie turner"),
    ("Max Mustermann lives in Berlin.", "PERSON", "Max Mustermann"),
    ("My name is Sofia", "PERSON", "Sofia"),
    ('Sophia shouted at John: "What are you doing here?"', "PERSON", "John"),
    ("The true gender of Nikolaj has been under debate for years.", "PERSON", "Nikolaj"),
    # Titles in lower case; a title before a middle initial.
    ("Please put me through to ms. Oyelaran today", "PERSON", "Oyelaran"),
    ("Forward it to Mr. Tobiah K. Wemyss", "PERSON", "Tobiah K. Wemyss"),
    # Slots a sentence keeps for a person, whatever the name.
    ("Everyone at school calls me Ulugbek", "PERSON", "Ulugbek"),
    ("What's your surname? Ekwueme", "PERSON", "Ekwueme"),
    ('"We are late," whispered Oyelaran to the driver.', "PERSON", "Oyelaran"),
    ("Yes, and my stepdaughter Ifeoluwa starts in May.", "PERSON", "Ifeoluwa"),
    ("Tsetseg lives on the corner with her cousins.", "PERSON", "Tsetseg"),
    (
        "Bolat Zhaksylykov, our night shift supervisor, said it was fine.",
        "PERSON",
        "Bolat Zhaksylykov",
    ),
    ("Can you check Quilla's address for the courier?", "PERSON", "Quilla"),
    ("Oyelaran, could you send the slides again?", "PERSON", "Oyelaran"),
    ("Nobody told me, Thandiwe!", "PERSON", "Thandiwe"),
    ("Episode 3, narrated by Ximena Quispe", "PERSON", "Ximena Quispe"),
    ("Ekwueme: Are you ready?\nTsetseg: Almost there, one minute.", "PERSON", "Tsetseg"),
    # Names listed with a person.
    ("The founders were Anna Schmidt, Oyelaran and Quispe.", "PERSON", "Quispe"),
    # The addressee line of a postal block.
    (
        "Tobiah Wemyss\nAcme Analytics Ltd\n14 Harbour Road\nLeith\nEH6 6LX",
        "PERSON",
        "Tobiah Wemyss",
    ),
]

NOT_DETECTED = [
    # (text, entity type that must not appear)
    ("Jordan borders Syria and Iraq.", "PERSON"),
    ("Meet at Terminal B Gates 20-30.", "PERSON"),
    ("Vitamin D Deficiency is common in winter.", "PERSON"),
    ("Our Class A Shares trade on the NYSE.", "PERSON"),
    ("The release ships in May 2025.", "PERSON"),
    ("We deploy on Kubernetes in Frankfurt.", "PERSON"),
    ('{"name": "Project Falcon", "status": "active"}', "PERSON"),
    ("List the differences between Spring Boot 3 and Quarkus.", "PERSON"),
    ("Compare Hugo and Jekyll for a documentation site.", "PERSON"),
    ("Mercedes and Tesla both reported higher deliveries.", "PERSON"),
    ("Summarize what Apple said about the new iPhone.", "PERSON"),
    ("Thanks, Team! Hi Support, my order is late.", "PERSON"),
    ("Note: the API changed.\nAnswer: use v2.", "PERSON"),
    ("Acme Analytics Ltd\n14 Harbour Road\nLeith", "PERSON"),
    ("Compare Kafka, Pulsar and RabbitMQ for throughput.", "PERSON"),
    ("Product: Grafana\nVersion: 7.18\nRegion: Tallinn\nStatus: active", "PERSON"),
    ("Ticket 4411: the Kafka client times out on the Ghent cluster.", "PERSON"),
    ("John Smith from Acme Cloud asked about Project Falcon.", "LOCATION"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
