"""Phone numbers: national and international forms, with and without context, look-alikes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.detect.conftest import found

DETECTED = [
    # (text, entity type, value)
    ("Call me on +49 30 901820 tomorrow", "PHONE_NUMBER", "+49 30 901820"),
    # After a card word, a number that fails the Luhn check is still a phone.
    ("Auf der Karte steht 0049 30 90182017.", "PHONE_NUMBER", "0049 30 90182017"),
    # Luhn-valid, but no card network's number: a phone at its full score.
    ("Auf der Karte steht 030100000089.", "PHONE_NUMBER", "030100000089"),
    ("business card: +44 20 7946 0958", "PHONE_NUMBER", "+44 20 7946 0958"),
    ("Mon portable : 06 12 34 56 78", "PHONE_NUMBER", "06 12 34 56 78"),
    ("Ruf an unter 030 901820", "PHONE_NUMBER", "030 901820"),
    ("Mi teléfono es 612 345 678", "PHONE_NUMBER", "612 345 678"),
    ("Call me at 781-618-4959 tomorrow", "PHONE_NUMBER", "781-618-4959"),
    ("reach her on (894) 134-3524", "PHONE_NUMBER", "(894) 134-3524"),
    ("office: 650-752-7354x549", "PHONE_NUMBER", "650-752-7354x549"),
    ("fax 544.587.7175", "PHONE_NUMBER", "544.587.7175"),
    ("my number is 8240084271", "PHONE_NUMBER", "8240084271"),
    ("Tel +49 (0) 30 901820", "PHONE_NUMBER", "+49 (0) 30 901820"),
    ("439 4166 (mobile)", "PHONE_NUMBER", "439 4166"),
    ("ring +31442-425014 later", "PHONE_NUMBER", "+31442-425014"),
    ("Contact card of x@example.org, +31 6 12341601", "PHONE_NUMBER", "+31 6 12341601"),
    ("Order 4711 for Anna, tel. +49 30 901820", "PHONE_NUMBER", "+49 30 901820"),
    # Words of messaging and answering name a number a phone, in foreign groupings too.
    ("Nobody is answering at 38 927155", "PHONE_NUMBER", "38 927155"),
    ("Stop sending messages to 512 3344", "PHONE_NUMBER", "512 3344"),
    ("No SMS arrived on my registered 0476 31 22 08.", "PHONE_NUMBER", "0476 31 22 08"),
]

NOT_DETECTED = [
    # (text, entity type that must not appear)
    ("ISBN 978-3-16-148410-0", "PHONE_NUMBER"),
    ("Order number 4711-0815-42 shipped", "PHONE_NUMBER"),
    ("Version 3.12.1 is out", "PHONE_NUMBER"),
    ("Invoice 781-618-4959 is overdue", "PHONE_NUMBER"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
