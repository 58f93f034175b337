"""The key path of a structured value is context: the value under a key that names a type is that
type even in an unusual format; a key that names nothing changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.detect.keys import key_words, keyed_spans
from tests.detect.conftest import TENANT

KEYED = [
    # (key path, value, entity type)
    ("contact.phone", "+31442-425014", "PHONE_NUMBER"),
    ("phone", "+49(0) 132568386", "PHONE_NUMBER"),
    ("customer.mobileNumber", "0049 (0)151 2345 678", "PHONE_NUMBER"),
    ("telefono", "345 678 9012", "PHONE_NUMBER"),
    ("patients.date_of_birth", "05/09/1992", "DATE_OF_BIRTH"),
    ("dob", "31.07.1970", "DATE_OF_BIRTH"),
    ("birthDate", "1970-07-31", "DATE_OF_BIRTH"),
    ("national_id", "123456789", "NATIONAL_ID"),
    ("tax_id", "12 345 678 901", "NATIONAL_ID"),
    ("applicant.ssn", "123 45 6789", "US_SSN"),
    ("passport_no", "X1234567", "PASSPORT"),
    ("billing.iban", "de89 3704 0044 0532 0130 00", "IBAN_CODE"),
    ("address.street", "Rua das Flores 12", "STREET_ADDRESS"),
    ("zip", "97400", "STREET_ADDRESS"),
    ("address.city", "Tampere", "LOCATION"),
    ("first_name", "Ralf", "PERSON"),
    ("contact.name", "ralf lindqvist", "PERSON"),
    ("Nachname", "Müller-Lüdenscheidt", "PERSON"),
    ("email", "ralf (at) example.org", "EMAIL_ADDRESS"),
]

UNKEYED = [
    # (key path, value): keys that name no personal data, or values of the wrong shape
    ("function.name", "get_weather"),
    ("model", "gpt-4o"),
    ("order.id", "123456789"),
    ("phone", "unknown"),
    ("date_of_birth", "not given"),
    ("project.name", "Falcon"),
    (None, "123456789"),
]


@pytest.mark.parametrize(("key", "value", "entity"), KEYED)
async def test_a_value_under_a_typed_key_is_that_type(
    detector: Any, key: str, value: str, entity: str
) -> None:
    [spans] = await detector.detect([value], TENANT, [key])
    assert [(s.entity_type, value[s.start : s.end]) for s in spans] == [(entity, value)]


@pytest.mark.parametrize(("key", "value"), UNKEYED)
async def test_other_keys_and_shapes_change_nothing(
    detector: Any, key: str | None, value: str
) -> None:
    [spans] = await detector.detect([value], TENANT, [key])
    assert spans == []


def test_key_words_split_paths_and_camel_case() -> None:
    assert key_words("contact.phoneNumber") == "contact phone number"
    assert key_words("patients[0].date_of_birth") == "patients 0 date of birth"
    assert keyed_spans("  +31442-425014 ", "phone") == [(2, 15, "PHONE_NUMBER", 0.9)]


async def test_the_key_is_part_of_the_cache_key(detector: Any) -> None:
    value = "0049 (0)151 2345 678 9"
    [free] = await detector.detect([value], TENANT)
    [keyed] = await detector.detect([value], TENANT, ["mobile"])
    [free_again] = await detector.detect([value], TENANT, [None])
    assert [s.entity_type for s in keyed] == ["PHONE_NUMBER"]
    assert free_again == free


async def test_the_key_raises_a_recognizer_s_own_finding(detector: Any) -> None:
    # Nine bare digits are an SSN only next to a context word; the key is one.
    [alone] = await detector.detect(["536228726"], TENANT)
    [keyed] = await detector.detect(["536228726 (primary)"], TENANT, ["ssn"])
    assert "US_SSN" not in {s.entity_type for s in alone}
    assert "US_SSN" in {s.entity_type for s in keyed}


INLINE = [
    # (free text holding JSON, the values that must be found with their types)
    (
        'Update it: {"street": "Taimistonkatu 749", "city": "Konnevesi", "postcode": "15538"}',
        [("Taimistonkatu 749", "STREET_ADDRESS"), ("Konnevesi", "LOCATION"),
         ("15538", "STREET_ADDRESS")],
    ),
    (
        '{"city": "C\\u00e1ceres", "contact": {"phone": "+49(0) 132568386"}, "ssn": 536228726}',
        [("C\\u00e1ceres", "LOCATION"), ("+49(0) 132568386", "PHONE_NUMBER"),
         ("536228726", "US_SSN")],
    ),
    (
        'Ship it: {"address": "Kerkstraat 8\\n1017 GK Amsterdam", "note": "leave at the door"}',
        [("Kerkstraat 8\\n1017 GK Amsterdam", "STREET_ADDRESS")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), INLINE)
async def test_json_inside_a_free_text_is_read_pair_by_pair(
    detector: Any, text: str, expected: list[tuple[str, str]]
) -> None:
    [spans] = await detector.detect([text], TENANT)
    found = {(text[s.start : s.end], s.entity_type) for s in spans}
    assert set(expected) <= found, found


async def test_a_place_in_json_about_no_one_is_left_alone(detector: Any) -> None:
    # The key makes it a place; with no one in the request it is no one's place.
    text = 'In Python, d = {"city": "Paris", "size": 3}: how do I print d["city"]?'
    [spans] = await detector.detect([text], TENANT)
    assert "LOCATION" not in {s.entity_type for s in spans}
