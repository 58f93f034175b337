"""Generated personal values for the field tests: new ones per seed, never one fixed example."""

from __future__ import annotations

import random

import phonenumbers as pn
from faker import Faker

_REGIONS = ["DE", "NL", "FR", "GB", "IT", "ES", "BE", "AT"]


def email(rng: random.Random) -> str:
    fake = Faker(["en_US", "de_DE", "fr_FR", "nl_NL"])
    fake.seed_instance(rng.getrandbits(32))
    return fake.email()


def phone(rng: random.Random) -> str:
    """A valid mobile number of a European country, international or E.164 form."""
    while True:
        ex = pn.example_number_for_type(rng.choice(_REGIONS), pn.PhoneNumberType.MOBILE)
        nat = str(ex.national_number)
        nat = nat[:-4] + "".join(rng.choice("0123456789") for _ in range(4))
        num = pn.parse(f"+{ex.country_code}{nat}")
        if pn.is_valid_number(num):
            return pn.format_number(num, rng.choice([pn.PhoneNumberFormat.INTERNATIONAL,
                                                     pn.PhoneNumberFormat.E164]))


def name(rng: random.Random) -> str:
    fake = Faker(["en_US", "en_GB", "de_DE", "fr_FR", "nl_NL", "it_IT"])
    fake.seed_instance(rng.getrandbits(32))
    return f"{fake.first_name()} {fake.last_name()}"
