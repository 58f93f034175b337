# ruff: noqa: E501  (templates read best one per line)
"""A second, independent source of Presidio-style English text: our own templates, filled by Faker.

presidio-evaluator's sentences are one shape of text (single sentences, product reviews, address
blocks). Requests to a model come in others, so these templates are written apart from it, in the
shapes the proxy sees: chat requests, e-mails with a greeting and a sign-off, forms ("Label:
value" lines), support tickets, meeting notes and tool-call arguments (JSON). Names are of many
nationalities (Faker locales from Iceland to Japan), phones and addresses in their locale's form.

``generate(seed, n)`` returns ``{"text", "spans"}`` items in presidio-evaluator's gold format
(``[start, end, TYPE]``, GPE for a place), so ``presidio_eval.score`` reads both sources the same
way. ``clean(seed, n)`` returns prompts of the same shapes with no one's data in them (products,
companies, real places as topics): the share of them left unchanged is the false-alarm side.

Run alone: ``.venv/bin/python bench/english_requests.py`` prints a few examples.
"""

from __future__ import annotations

import json
import random
from typing import Any

from faker import Faker

NAME_LOCALES = [
    "en_US", "en_GB", "en_IE", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_BR",
    "sv_SE", "da_DK", "no_NO", "fi_FI", "hu_HU", "cs_CZ", "hr_HR", "tr_TR", "is_IS", "ja_JP",
    "en_IN", "el_GR", "ro_RO", "sk_SK", "sl_SI", "et_EE", "lt_LT", "lv_LV",
]  # fmt: skip
PLACE_LOCALES = ["en_US", "en_GB", "en_AU", "en_CA", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "sv_SE", "da_DK", "fi_FI", "cs_CZ", "pt_PT"]

# {slot}: a value with gold; slots: first, last, full, title_last, initialled, email, phone, street,
# city, country, postcode, address_block, card, iban, ssn, ip. {@x}: a value without gold (products,
# companies, dates).
TEMPLATES = {
    "chat": [
        "can you write a birthday message for my sister {first}? she turns 30 on Sunday",
        "Draft a polite reminder to {full} that the invoice is overdue, she lives in {city}.",
        "I need to change the delivery address on my order to {street}, {city} {postcode}.",
        "My flatmate {first} keeps leaving the lights on, how do I bring it up without a fight?",
        "Summarise this for {title_last}: the server migration moves to the {@weekday} window.",
        "Translate into Spanish: 'Dear {full}, your appointment is confirmed for {@date}.'",
        "What should I pack for a week in {city}? I'm flying there with {first} on {@weekday}.",
        "Please check why the payment with card {card} was declined for {full}.",
        "Our new hire {initialled} starts {@weekday}; write a welcome note for the team channel.",
        "He said his number is {phone}, can you format it for the CRM?",
        "Is it normal that {first} from accounting asks for my SSN {ssn} over chat?",
        "Rewrite this more formally: hey {first}, can u send the deck by tonight",
        "I grew up in {city}, {country}, and want to write a short memoir intro.",
        "Find a good time for a call with {full} ({email}) next week.",
        "Login alerts for {email} keep coming from {ip}; is my account compromised?",
    ],
    "email": [
        "Hi {first},\n\nthanks for the quick reply. I've attached the signed form; my IBAN is {iban}.\n\nBest,\n{full}",
        "Dear {title_last},\n\nPlease find the revised quote attached. You can reach me on {phone}.\n\nKind regards,\n{full}\n{@company}",
        "Hello {first},\n\nCould you send the keys to {street}, {city}? I'll be away until {@date}.\n\nCheers,\n{first2}",
        "Subject: Visit on {@date}\n\n{full} will meet you at reception. Her mobile is {phone}.",
        "Good morning {full},\n\nyour parcel could not be delivered to:\n{address_block}\n\nPlease confirm the address.",
    ],
    "form": [
        "Name: {full}\nEmail: {email}\nPhone: {phone}\nCity: {city}",
        "Full name: {full}\nDate of request: {@date}\nAddress: {street}, {postcode} {city}\nCountry: {country}",
        "Applicant: {full}\nSSN: {ssn}\nEmployer: {@company}",
        "Emergency contact: {full} ({phone})\nRelationship: brother",
        "Ship to:\n{full}\n{address_block}",
    ],
    "ticket": [
        "Ticket #{@order}: customer {full} reports that the app crashes on login. Callback: {phone}.",
        "Incident note: {initialled} could not access the VPN from {ip} at {@time}.",
        "Refund request from {full}, card ending {card}, order {@order}.",
        "Escalation: {title_last} (account {email}) wants to close the account.",
    ],
    "notes": [
        "Meeting notes {@date}: attendees {full}, {full2} and {first3}. Action: {first} sends the draft.",
        "1:1 with {first}: wants to relocate to {city} next year, discuss with {full2}.",
        "Call with {title_last}, who moved from {city} to {city2} in spring.",
    ],
    "tool": [
        '{{"name": "create_contact", "arguments": {{"name": "{full}", "email": "{email}", "phone": "{phone}"}}}}',
        '{{"tool": "book_taxi", "args": {{"passenger": "{full}", "pickup": "{street}, {city}", "notes": "call on arrival"}}}}',
        '{{"function": "update_address", "arguments": {{"customer_id": "{@order}", "street": "{street}", "city": "{city}", "postcode": "{postcode}"}}}}',
        '{{"function": "send_message", "arguments": {{"to": "{first}", "text": "Running 10 minutes late, {first2}"}}}}',
    ],
}

CLEAN = {
    "chat": [
        "Write a travel guide for {@city} with three museums and a food market.",
        "Compare {@product} and {@product2} for a small team, in a table.",
        "{@company} reported higher revenue this quarter; draft a neutral summary.",
        "How do I migrate from {@product} {@version} to {@version2}?",
        "Suggest a name for a bakery in {@city}.",
        "Explain the history of {@city} in two paragraphs for a school project.",
    ],
    "email": [
        "Hi team,\n\nthe release of {@product} {@version} moves to {@weekday}. Please review the changelog.\n\nThanks!",
        "Hello all,\n\nour office in {@city} closes early on {@weekday}.\n\nBest regards,\nFacilities",
    ],
    "form": [
        "Product: {@product}\nVersion: {@version}\nRegion: {@city}\nStatus: active",
        "Vendor: {@company}\nCategory: cloud services\nContract end: {@date}",
    ],
    "ticket": [
        "Ticket #{@order}: the {@product} client times out after 30 s on the {@city} cluster.",
        "Incident: {@product} {@version} returns 502 errors since {@time}.",
    ],
    "notes": ["Retro notes {@date}: deploys to {@city} were slow; {@product} upgrade planned."],
    "tool": [
        '{{"name": "search_flights", "arguments": {{"from": "{@city}", "to": "{@city2}", "date": "{@date}"}}}}',
        '{{"function": "get_weather", "arguments": {{"city": "{@city}", "units": "metric"}}}}',
    ],
}
PRODUCTS = ["PostgreSQL", "Redis", "Kafka", "Kubernetes", "Terraform", "Django", "React", "Grafana", "Airflow", "Snowflake", "Excel", "Jira"]
COMPANIES = ["Siemens", "Airbus", "Nestlé", "Philips", "Unilever", "Iberdrola", "Allegro", "Danone", "Ericsson", "Nokia"]
REAL_CITIES = ["Lisbon", "Tallinn", "Ghent", "Bologna", "Kraków", "Aarhus", "Lyon", "Seville", "Utrecht", "Salzburg", "Edinburgh", "Porto", "Vienna", "Oslo"]
SLOT_TYPES = {
    "first": "PERSON", "first2": "PERSON", "first3": "PERSON", "last": "PERSON", "full": "PERSON",
    "full2": "PERSON", "title_last": "PERSON", "initialled": "PERSON", "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER", "street": "STREET_ADDRESS", "address_block": "STREET_ADDRESS",
    "city": "GPE", "city2": "GPE", "country": "GPE", "postcode": "ZIP_CODE", "card": "CREDIT_CARD",
    "iban": "IBAN_CODE", "ssn": "US_SSN", "ip": "IP_ADDRESS",
}  # fmt: skip


def _fakers(locales: list[str], rng: random.Random) -> Faker:
    f = Faker(rng.choice(locales))
    f.seed_instance(rng.randrange(2**31))
    return f


def _first(f: Faker) -> str:
    return str(f.first_romanized_name() if hasattr(f, "first_romanized_name") else f.first_name())


def _last(f: Faker) -> str:
    return str(f.last_romanized_name() if hasattr(f, "last_romanized_name") else f.last_name())


def _values(rng: random.Random) -> dict[str, str]:
    people = [_fakers(NAME_LOCALES, rng) for _ in range(3)]
    place = _fakers(PLACE_LOCALES, rng)
    us = Faker("en_US")
    us.seed_instance(rng.randrange(2**31))
    first, last = _first(people[0]), _last(people[0])
    title = rng.choice(["Mr.", "Ms.", "Mrs.", "Dr."])
    street = place.street_address().replace("\n", ", ")
    return {
        "first": first,
        "last": last,
        "full": f"{first} {last}",
        "first2": _first(people[1]),
        "full2": f"{_first(people[1])} {_last(people[1])}",
        "first3": _first(people[2]),
        "title_last": f"{title} {last}",
        "initialled": f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}",
        "email": people[0].email(),
        "phone": place.phone_number(),
        "street": street,
        "city": place.city(),
        "city2": _fakers(PLACE_LOCALES, rng).city(),
        "country": place.current_country() if hasattr(place, "current_country") else us.country(),
        "postcode": place.postcode(),
        "address_block": f"{street}\n{place.postcode()} {place.city()}",
        "card": us.credit_card_number(),
        "iban": place.iban(),
        "ssn": us.ssn(),
        "ip": us.ipv4_public(),
        # values without gold
        "@weekday": rng.choice(["Monday", "Tuesday", "Thursday", "Friday"]),
        "@date": us.date_between("-1y", "+1y").strftime(rng.choice(["%d %B %Y", "%Y-%m-%d", "%B %d"])),
        "@time": f"{rng.randrange(0, 24):02d}:{rng.randrange(0, 60):02d}",
        "@company": rng.choice(COMPANIES),
        "@order": str(rng.randrange(10**5, 10**7)),
        "@product": rng.choice(PRODUCTS),
        "@product2": rng.choice(PRODUCTS),
        "@version": f"{rng.randrange(1, 9)}.{rng.randrange(0, 20)}",
        "@version2": f"{rng.randrange(9, 20)}.{rng.randrange(0, 5)}",
        "@city": rng.choice(REAL_CITIES),
        "@city2": rng.choice(REAL_CITIES),
    }


def _fill(template: str, values: dict[str, str], shape: str) -> dict[str, Any]:
    text, spans, i = "", [], 0
    while i < len(template):
        if template.startswith("{{", i) or template.startswith("}}", i):
            text += template[i]
            i += 2
            continue
        if template[i] != "{":
            text += template[i]
            i += 1
            continue
        j = template.index("}", i)
        slot = template[i + 1 : j]
        value = values[slot]
        if shape == "tool":
            value = json.dumps(value)[1:-1]
        if not slot.startswith("@"):
            spans.append([len(text), len(text) + len(value), SLOT_TYPES[slot]])
        text += value
        i = j + 1
    return {"text": text, "spans": spans, "shape": shape}


def generate(seed: int, n: int) -> list[dict[str, Any]]:
    """``n`` requests with personal data, round-robin over the shapes."""
    rng = random.Random(seed)
    shapes = sorted(TEMPLATES)
    return [
        _fill(rng.choice(TEMPLATES[shape]), _values(rng), shape)
        for shape in (shapes[k % len(shapes)] for k in range(n))
    ]


def clean(seed: int, n: int) -> list[dict[str, Any]]:
    """``n`` requests of the same shapes with no one's personal data."""
    rng = random.Random(seed)
    shapes = sorted(CLEAN)
    return [
        _fill(rng.choice(CLEAN[shape]), _values(rng), shape)
        for shape in (shapes[k % len(shapes)] for k in range(n))
    ]


if __name__ == "__main__":
    for item in generate(1, 12) + clean(1, 6):
        print(item["shape"], json.dumps(item["text"], ensure_ascii=False), item["spans"])
