"""Identifiers: checksums valid and not, with and without context, look-alikes."""

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
    ("write to jane.doe@example.com", "EMAIL_ADDRESS", "jane.doe@example.com"),
    ("card 4111 1111 1111 1111 exp 09/28", "CREDIT_CARD", "4111 1111 1111 1111"),
    ("the login came from 84.23.11.7", "IP_ADDRESS", "84.23.11.7"),
    ('{"passport_no": "EA1234567"}', "PASSPORT", "EA1234567"),
    (
        "her profile: https://www.linkedin.com/in/anna-schmidt-4711/",
        "PROFILE_URL",
        "https://www.linkedin.com/in/anna-schmidt-4711/",
    ),
    ("My SSN is 536-22-8726.", "US_SSN", "536-22-8726"),
    ("social security number 536228726", "US_SSN", "536228726"),
    ("My ITIN is 912-70-1234.", "US_ITIN", "912-70-1234"),
    ("driver license number D1234567", "US_DRIVER_LICENSE", "D1234567"),
    ("iban de89 3704 0044 0532 0130 00 please", "IBAN_CODE", "de89 3704 0044 0532 0130 00"),
    ("card 4111.1111.1111.1111 exp 09/28", "CREDIT_CARD", "4111.1111.1111.1111"),
    ("paid with 5555-5555-5555-4444", "CREDIT_CARD", "5555-5555-5555-4444"),
    ("Mastercard 2221 0000 0000 0009", "CREDIT_CARD", "2221 0000 0000 0009"),
    # A card number that is also a valid national phone number: the card word decides the type.
    ("Kunde Corinne Loos hat mit der Karte 4057026140869 bezahlt.", "CREDIT_CARD", "4057026140869"),
    ("Kunde Dolores Wesack hat mit der Karte 572929730834 bezahlt.", "CREDIT_CARD", "572929730834"),
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
    ("write to support@example.com", "EMAIL_ADDRESS"),
    ("card 4111 1111 1111 1112", "CREDIT_CARD"),
    ("the router is at 192.168.1.1", "IP_ADDRESS"),
    ("upgrade to version 10.2.3.4", "IP_ADDRESS"),
    ("see https://github.com/psf/requests, linkedin.com/company/acme", "PROFILE_URL"),
    ("Sample SSN 078-05-1120 from the leaflet", "US_SSN"),
    ("SSN 000-12-3456", "US_SSN"),
    ("build 123456789 passed", "US_SSN"),
    ("Order D1234567 shipped", "US_DRIVER_LICENSE"),
    ("card 4111.1111.1111.1112", "CREDIT_CARD"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
