"""Places: someone's (where they live, come from, go), not a place named as a topic."""

from __future__ import annotations

from typing import Any

import pytest

from tests.detect.conftest import found

DETECTED = [
    # (text, entity type, value)
    ("We moved here from Cyprus", "LOCATION", "Cyprus"),
    ("My friend lives in Svratka", "LOCATION", "Svratka"),
    ("I'm originally from Portugal", "LOCATION", "Portugal"),
    ("I will be travelling to Cyprus next week", "LOCATION", "Cyprus"),
    ("Ms. Philippen flew to Fortaleza on Monday morning.", "LOCATION", "Fortaleza"),
    ("Mr. Cole is an old man who grew up in TRESPARRETT.", "LOCATION", "TRESPARRETT"),
    ("Anna Schmidt now works from Graz, write to anna@example.org", "LOCATION", "Graz"),
    ("Ich wohne in Stuttgart.", "LOCATION", "Stuttgart"),
    # A country or large city in a text that names someone.
    ("In Norway, Ingrid Solberg runs the night shift.", "LOCATION", "Norway"),
    ("Tobiah Wemyss arrived at Hythe this morning from Portugal.", "LOCATION", "Portugal"),
]

NOT_DETECTED = [
    # (text, entity type that must not appear)
    ("Paris is the capital of France.", "LOCATION"),
    ("Write a haiku about autumn leaves in Kyoto.", "LOCATION"),
    ("The conference takes place in May in Paris, then in June in Berlin.", "LOCATION"),
    ("Plan a trip from Santa Maria Novella station to Pisa airport.", "LOCATION"),
    ("The server in Frankfurt runs Redis 7.", "LOCATION"),
]


@pytest.mark.parametrize(("text", "entity", "value"), DETECTED)
async def test_detected(detector: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in await found(detector, text)


@pytest.mark.parametrize(("text", "entity"), NOT_DETECTED)
async def test_not_detected(detector: Any, text: str, entity: str) -> None:
    assert entity not in {t for t, _ in await found(detector, text)}
