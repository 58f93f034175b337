"""What the texts of one request say together: name coreference (history included) and the
request-level special-category pass."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.detect.request import ANCHORED_BY_REQUEST, UNANCHORED_SCORE, resolve
from proxy.detect.types import SPECIAL_CATEGORIES, Span
from tests.detect.conftest import TENANT


async def test_a_part_of_a_full_name_is_a_person_everywhere_in_the_request(
    detector: Any,
) -> None:
    texts = [
        "Please draft the lease for Megan Scottsdale.",
        "Done. Anything else?",
        "Yes: did Scottsdale sign the annex, and did Megan pay?",
    ]
    out = await detector.detect(texts, TENANT)
    found = {texts[2][s.start : s.end] for s in out[2] if s.entity_type == "PERSON"}
    assert {"Scottsdale", "Megan"} <= found


async def test_coreference_keeps_the_case_of_the_name(detector: Any) -> None:
    texts = ["i met sophie turner yesterday, she asked about the invoice", "did sophie pay?"]
    out = await detector.detect(texts, TENANT)
    assert [texts[1][s.start : s.end] for s in out[1]] == ["sophie"]
    texts = ["Call Henrik Bjornstad tomorrow.", "Check the henrik tab in the sheet."]
    out = await detector.detect(texts, TENANT)
    assert out[1] == []  # the name was capitalized; a lower-case word is not it


async def test_common_words_of_a_name_are_not_spread(detector: Any) -> None:
    texts = ["Please write to Rose Lindqvist about the lease.", "The rose garden opens in May."]
    out = await detector.detect(texts, TENANT)
    assert out[1] == []


def _special(category: str, score: float) -> Span:
    return Span(0, 8, category, score)


@pytest.mark.parametrize("category", sorted(SPECIAL_CATEGORIES | {"CRIMINAL_OFFENCE"}))
def test_an_unanchored_category_is_kept_when_the_request_names_someone(category: str) -> None:
    texts = ["diabetic, asked about a diet", "Patient: Anna Schmidt"]
    spans = [[_special(category, UNANCHORED_SCORE)], [Span(9, 21, "PERSON", 0.85)]]
    out = resolve(texts, spans)
    assert out[0] == [Span(0, 8, category, ANCHORED_BY_REQUEST)]


@pytest.mark.parametrize("identifier", ["EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "US_SSN"])
def test_a_direct_identifier_also_anchors_it(identifier: str) -> None:
    out = resolve(
        ["diabetic", "x"],
        [[_special("HEALTH_DATA", UNANCHORED_SCORE)], [Span(0, 1, identifier, 0.9)]],
    )
    assert [s.score for s in out[0]] == [ANCHORED_BY_REQUEST]


def test_an_unanchored_category_is_dropped_when_the_request_names_no_one() -> None:
    out = resolve(
        ["tell me about diabetes", "Paris"],
        [[_special("HEALTH_DATA", UNANCHORED_SCORE)], [Span(0, 5, "LOCATION", 0.85)]],
    )
    assert out == [[], [Span(0, 5, "LOCATION", 0.85)]]


def test_an_anchored_category_is_left_as_it_is() -> None:
    anchored = _special("RELIGIOUS_BELIEF", 0.85)
    assert resolve(["practising catholic"], [[anchored]]) == [[anchored]]


async def test_the_engine_keeps_unanchored_categories_past_the_threshold(detector: Any) -> None:
    """Special-category recognizers have no score threshold, so an unanchored term survives the
    per-text analysis (and the cache) and the request decides."""
    registry = detector.engine.analyzer.registry
    specials = [
        r
        for r in registry.get_recognizers("en", all_fields=True)
        if set(r.supported_entities) & SPECIAL_CATEGORIES
    ]
    assert specials and all(
        r.score_thresholds == {e: 0.0 for e in r.supported_entities} for r in specials
    )


async def test_a_place_in_a_request_about_someone_is_theirs(detector: Any) -> None:
    texts = ["My name is Anna Graf.", "Book me a table for two in Lisbon on Friday."]
    out = await detector.detect(texts, TENANT)
    assert [(texts[1][s.start : s.end], s.entity_type) for s in out[1]] == [("Lisbon", "LOCATION")]


async def test_a_place_in_a_request_about_no_one_stays(detector: Any) -> None:
    texts = ["You are a travel assistant.", "Book a table for two in Lisbon on Friday."]
    assert await detector.detect(texts, TENANT) == [[], []]
