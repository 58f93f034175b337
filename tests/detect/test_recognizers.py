"""Every recognizer: valid and invalid checksums, with and without context, look-alikes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.detect.conftest import found

DETECTED = [
    # (text, entity type, value)
    ("My IBAN is DE89 3704 0044 0532 0130 00.", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
    ("DE89370400440532013000", "IBAN_CODE", "DE89370400440532013000"),
    ("Meine Steuer-ID lautet 36 574 261 809.", "DE_TAX_ID", "36 574 261 809"),
    ("Numéro de sécurité sociale : 1 84 12 76 451 089 46", "FR_NIR", "1 84 12 76 451 089 46"),
    ("184127645108946", "FR_NIR", "184127645108946"),
    ("Mi DNI es 12345678Z", "ES_DNI", "12345678Z"),
    ("NIE X2482300W", "ES_NIE", "X2482300W"),
    ("Codice fiscale: RSSMRA85T10A562S", "IT_FISCAL_CODE", "RSSMRA85T10A562S"),
    ("Mijn BSN is 111222333", "NL_BSN", "111222333"),
    ("PESEL: 44051401359", "PL_PESEL", "44051401359"),
    ("44051401359", "PL_PESEL", "44051401359"),
    ("National Insurance number AB 12 34 56 C", "UK_NINO", "AB 12 34 56 C"),
    ("AB123456C", "UK_NINO", "AB123456C"),
    ("NHS number 943 476 5919", "UK_NHS", "943 476 5919"),
    ("Invoice to DE136695976 please", "EU_VAT", "DE136695976"),
    ("TVA : FR7W 763170669", "EU_VAT", "FR7W 763170669"),
    ("my passport number is C01X00T47", "PASSPORT", "C01X00T47"),
    ("Reisepass Nr. F41586834", "PASSPORT", "F41586834"),
    ("She was born on 12.03.1985 in Lyon.", "DATE_OF_BIRTH", "12.03.1985"),
    ("Date of birth: March 4, 1979", "DATE_OF_BIRTH", "March 4, 1979"),
    ("geboren am 7. Mai 1990", "DATE_OF_BIRTH", "7. Mai 1990"),
    ("née le 3 février 1962", "DATE_OF_BIRTH", "3 février 1962"),
    ("Call me on +49 30 901820 tomorrow", "PHONE_NUMBER", "+49 30 901820"),
    ("Mon portable : 06 12 34 56 78", "PHONE_NUMBER", "06 12 34 56 78"),
    ("Ruf an unter 030 901820", "PHONE_NUMBER", "030 901820"),
    ("Mi teléfono es 612 345 678", "PHONE_NUMBER", "612 345 678"),
    ("write to jane.doe@example.com", "EMAIL_ADDRESS", "jane.doe@example.com"),
    ("card 4111 1111 1111 1111 exp 09/28", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("the login came from 84.23.11.7", "IP_ADDRESS", "84.23.11.7"),
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
    ('{"birth_date": "1985-03-12"}', "DATE_OF_BIRTH", "1985-03-12"),
    ('{"passport_no": "EA1234567"}', "PASSPORT", "EA1234567"),
    ("Dear Mr. O'Connor, thanks.", "PERSON", "O'Connor"),
    (
        "her profile: https://www.linkedin.com/in/anna-schmidt-4711/",
        "PROFILE_URL",
        "https://www.linkedin.com/in/anna-schmidt-4711/",
    ),
    ("Antwort an Herrn Dr. Matthias Vogel schreiben", "PERSON", "Matthias Vogel"),
    ("the customer's name is sophie turner and she lives in leeds", "PERSON", "sophie turner"),
    ("Bonjour, je m'appelle Claire Martin.", "PERSON", "Claire Martin"),
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
    ("My IBAN is DE89 3704 0044 0532 0130 01.", "IBAN_CODE"),
    ("Meine Steuer-ID lautet 36 574 261 808.", "DE_TAX_ID"),
    ("Numéro de sécurité sociale : 1 84 12 76 451 089 47", "FR_NIR"),
    ("Mi DNI es 12345678A", "ES_DNI"),
    ("NIE X2482300A", "ES_NIE"),
    ("Codice fiscale: RSSMRA85T10A562T", "IT_FISCAL_CODE"),
    ("Mijn BSN is 111222334", "NL_BSN"),
    ("Order 111222333 has shipped", "NL_BSN"),
    ("PESEL: 44051401358", "PL_PESEL"),
    ("QQ 12 34 56 C", "UK_NINO"),
    ("NHS number 943 476 5918", "UK_NHS"),
    ("reference 943 476 5919", "UK_NHS"),
    ("build C01X00T47 passed", "PASSPORT"),
    ("The meeting is on 12.03.1985 in Lyon.", "DATE_OF_BIRTH"),
    ("ISBN 978-3-16-148410-0", "PHONE_NUMBER"),
    ("Order number 4711-0815-42 shipped", "PHONE_NUMBER"),
    ("write to support@example.com", "EMAIL_ADDRESS"),
    ("card 4111 1111 1111 1112", "CREDIT_CARD"),
    ("the router is at 192.168.1.1", "IP_ADDRESS"),
    ("upgrade to version 10.2.3.4", "IP_ADDRESS"),
    ("Jordan borders Syria and Iraq.", "PERSON"),
    ("The release ships in May 2025.", "PERSON"),
    ("We deploy on Kubernetes in Frankfurt.", "PERSON"),
    ("The office at Hauptstraße is closed.", "STREET_ADDRESS"),
    ('{"name": "Project Falcon", "status": "active"}', "PERSON"),
    ("see https://github.com/psf/requests, linkedin.com/company/acme", "PROFILE_URL"),
    ('{"created_date": "2024-03-12"}', "DATE_OF_BIRTH"),
    ("Top 10 Garden Centers in Kent", "STREET_ADDRESS"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}


CLEAN = [
    "Upgrade numpy from 1.26.4 to 2.1.0 and pin scipy==1.14.1.",
    "The book has ISBN 978-0-13-468599-1 and costs 39.99 EUR.",
    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "Order #A-2024-000123 was shipped on 2024-05-03 via DHL.",
    "Jordan and Egypt signed the agreement in May.",
    "The Catholic Church's history in Europe spans two millennia.",
    "What are the symptoms of diabetes?",
    "Explain the history of trade unions in France.",
    "Our Q3 revenue grew 12% to 4.5 million; see ticket JIRA-4711.",
    "Set the timeout to 30000 ms and retry 3 times with commit 3f9a2c1.",
    "Paris is the capital of France; Berlin is the capital of Germany.",
    "Le comité se réunit en mai à Lyon pour voter le budget.",
    "Plan a trip from Santa Maria Novella station to Pisa airport.",
    "Erkläre mir die Relativitätstheorie von Albert Einstein in einfachen Worten.",
    "Explain the Victoria Station redevelopment plan.",
    "List the differences between Spring Boot 3 and Quarkus.",
    'Convert this JSON to YAML: {"service": "api", "replicas": 3}',
    "Der Server in Frankfurt läuft mit Python 3.11 und Redis 7.2.",
    "My button is disabled after the upgrade, and my code has a race condition.",
]


@pytest.mark.parametrize("text", CLEAN)
async def test_clean_prompts_untouched(detector: Any, text: str) -> None:
    assert await found(detector, text) == set()
