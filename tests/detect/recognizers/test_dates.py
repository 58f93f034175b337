"""Dates of birth: a date next to birth context, and a date without it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.detect.conftest import found

DETECTED = [
    # (text, entity type, value)
    ("She was born on 12.03.1985 in Lyon.", "DATE_OF_BIRTH", "12.03.1985"),
    ("Date of birth: March 4, 1979", "DATE_OF_BIRTH", "March 4, 1979"),
    ("geboren am 7. Mai 1990", "DATE_OF_BIRTH", "7. Mai 1990"),
    ("née le 3 février 1962", "DATE_OF_BIRTH", "3 février 1962"),
    ('{"birth_date": "1985-03-12"}', "DATE_OF_BIRTH", "1985-03-12"),
    ("She was born on 05/09/1992.", "DATE_OF_BIRTH", "05/09/1992"),
    ("geboren am 31.07.1970", "DATE_OF_BIRTH", "31.07.1970"),
    ("Date of birth: 10-09-2003", "DATE_OF_BIRTH", "10-09-2003"),
    ("DOB 1985/03/12", "DATE_OF_BIRTH", "1985/03/12"),
    ("born 4/18/60 in Ohio", "DATE_OF_BIRTH", "4/18/60"),
]

NOT_DETECTED = [
    # (text, entity type that must not appear)
    ("The meeting is on 12.03.1985 in Lyon.", "DATE_OF_BIRTH"),
    ('{"created_date": "2024-03-12"}', "DATE_OF_BIRTH"),
    ("The report is due 05/09/2025.", "DATE_OF_BIRTH"),
    ("born 45/19/1992", "DATE_OF_BIRTH"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
