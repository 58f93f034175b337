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
]

NOT_DETECTED = [
    # (text, entity type that must not appear)
    ("Jordan borders Syria and Iraq.", "PERSON"),
    ("The release ships in May 2025.", "PERSON"),
    ("We deploy on Kubernetes in Frankfurt.", "PERSON"),
    ('{"name": "Project Falcon", "status": "active"}', "PERSON"),
    ("List the differences between Spring Boot 3 and Quarkus.", "PERSON"),
    ("Compare Hugo and Jekyll for a documentation site.", "PERSON"),
    ("Mercedes and Tesla both reported higher deliveries.", "PERSON"),
    ("John Smith from Acme Cloud asked about Project Falcon.", "LOCATION"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
