"""Phone numbers: national and international forms, with and without context, look-alikes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.detect.conftest import found

DETECTED = [
    # (text, entity type, value)
    ("Call me on +49 30 901820 tomorrow", "PHONE_NUMBER", "+49 30 901820"),
    ("Mon portable : 06 12 34 56 78", "PHONE_NUMBER", "06 12 34 56 78"),
    ("Ruf an unter 030 901820", "PHONE_NUMBER", "030 901820"),
    ("Mi teléfono es 612 345 678", "PHONE_NUMBER", "612 345 678"),
]

NOT_DETECTED = [
    # (text, entity type that must not appear)
    ("ISBN 978-3-16-148410-0", "PHONE_NUMBER"),
    ("Order number 4711-0815-42 shipped", "PHONE_NUMBER"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
