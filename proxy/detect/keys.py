"""The key path of a structured value as context (tool-call arguments, JSON tool results,
response formats, metadata): a value under ``phone``, ``contact.phone`` or ``telefono`` is a
phone number even in an unusual format (``+49(0) 132568386``).

``keyed_spans(text, key)`` marks the whole value (trimmed) with the key's entity type when the
value has that type's shape (digits for a phone or an id, letters for a name); ``context_words``
hands the key's words to Presidio's context pass, so a recognizer whose context words they are
(``ssn``, ``iban``, ``passport``) scores its own finding as if the word stood in the text.

``inline_keyed_spans(text)`` does the same for JSON written inside free text (a record pasted into
a message: ``{"city": "Lahti", "postcode": "52168"}``), pair by pair, with the key that stands
before each value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

SpanTuple = tuple[int, int, str, float]
KEYED_SCORE = 0.9
_SPLIT = re.compile(r"[._\-\s\[\]]+|(?<=[a-z])(?=[A-Z])")
_MONTH_OR_DIGIT = re.compile(r"\d|[A-Za-zäéû]{3,}")


def _digits(n: int) -> Callable[[str], bool]:
    return lambda v: sum(c.isdigit() for c in v) >= n and len(v) <= 40


def _letters(v: str) -> bool:
    return any(c.isalpha() for c in v) and not any(c.isdigit() for c in v) and len(v) <= 80


def _name_value(v: str) -> bool:
    return _letters(v) and 1 <= len(v.split()) <= 5 and "@" not in v


def _anything(v: str) -> bool:
    return any(c.isalnum() for c in v) and len(v) <= 300


def _email(v: str) -> bool:
    return "@" in v or bool(re.search(r"(?i)\s(?:at|\[at\]|\(at\))\s", v))


def _date(v: str) -> bool:
    return bool(_MONTH_OR_DIGIT.search(v)) and any(c.isdigit() for c in v) and len(v) <= 40


def _words(*ws: str) -> str:
    return "|".join(ws)


# (the last words of a key path, entity type, value shape), first match wins. Keys are compared
# in lower case, split into words at ".", "_", "-" and camelCase.
_RULES: list[tuple[re.Pattern[str], str, Callable[[str], bool]]] = [
    (re.compile(rf"(?:^| )(?:{k})$"), t, f)
    for k, t, f in [
        (
            _words("ssn", "social security(?: number| no)?", "sozialversicherungsnummer"),
            "US_SSN",
            _digits(9),
        ),
        (_words("itin"), "US_ITIN", _digits(9)),
        (_words("iban", "iban code", "account iban"), "IBAN_CODE", _digits(8)),
        (
            _words("card(?: number| no)?", "credit card(?: number)?", "cc(?: number)?", "pan"),
            "CREDIT_CARD",
            _digits(12),
        ),
        (
            _words(
                "passport(?: number| no| nr| id)?",
                "reisepass(?:nummer)?",
                "passeport",
                "pasaporte",
                "passaporto",
                "paspoort",
                "paszport",
            ),
            "PASSPORT",
            _digits(2),
        ),
        (_words("bsn", "burgerservicenummer"), "NL_BSN", _digits(8)),
        (_words("pesel"), "PL_PESEL", _digits(11)),
        (_words("nino", "national insurance(?: number)?", "ni number"), "UK_NINO", _digits(6)),
        (_words("nhs(?: number)?"), "UK_NHS", _digits(10)),
        (
            _words("nir", "numero securite sociale", "numéro sécurité sociale"),
            "FR_NIR",
            _digits(13),
        ),
        (_words("dni", "nie", "nif"), "ES_DNI", _digits(7)),
        (_words("codice fiscale", "cf", "fiscal code"), "IT_FISCAL_CODE", _digits(5)),
        (
            _words("steuer id", "steuerid", "idnr", "steueridentifikationsnummer"),
            "DE_TAX_ID",
            _digits(11),
        ),
        (
            _words("vat(?: number| id| no)?", "ust id(?:nr)?", "tva", "partita iva", "btw"),
            "EU_VAT",
            _digits(6),
        ),
        (
            _words(
                "national id(?: number)?",
                "nationalid",
                "id number",
                "id no",
                "personal id",
                "personal number",
                "personnummer",
                "citizen id",
                "identity number",
                "tax id",
                "taxid",
                "tin",
                "tax number",
                "id card(?: number)?",
                "identification number",
                "documento",
                "document number",
                "ausweisnummer",
            ),
            "NATIONAL_ID",
            _digits(5),
        ),
        (
            _words(
                "phone(?: number| no)?",
                "tel",
                "telephone",
                "mobile(?: number)?",
                "mobile phone",
                "cell(?: phone)?",
                "cellphone",
                "fax",
                "handy",
                "telefon(?:nummer)?",
                "mobil",
                "téléphone",
                "telephone",
                "portable",
                "teléfono",
                "telefono",
                "móvil",
                "movil",
                "cellulare",
                "telefoon(?:nummer)?",
                "mobiel",
                "telefonu",
                "komórka",
                "whatsapp",
                "msisdn",
                "contact number",
            ),
            "PHONE_NUMBER",
            _digits(6),
        ),
        (
            _words("e ?mail(?: address)?", "mail", "courriel", "correo", "posta elettronica"),
            "EMAIL_ADDRESS",
            _email,
        ),
        (
            _words(
                "dob",
                "d o b",
                "date of birth",
                "birth date",
                "birthdate",
                "birthday",
                "geburtsdatum",
                "geburtstag",
                "date de naissance",
                "fecha de nacimiento",
                "data di nascita",
                "geboortedatum",
                "data urodzenia",
                "born(?: on)?",
            ),
            "DATE_OF_BIRTH",
            _date,
        ),
        (
            _words("ip", "ip address", "ipv4", "ipv6", "client ip", "remote addr"),
            "IP_ADDRESS",
            _digits(4),
        ),
        (
            _words(
                "address(?: line ?\\d?)?",
                "street(?: address)?",
                "addr",
                "home address",
                "postal address",
                "billing address",
                "shipping address",
                "anschrift",
                "adresse",
                "straße",
                "strasse",
                "dirección",
                "direccion",
                "indirizzo",
                "adres",
                "ulica",
                "postcode",
                "post code",
                "zip(?: code)?",
                "postal code",
                "plz",
                "code postal",
                "código postal",
            ),
            "STREET_ADDRESS",
            _anything,
        ),
        (
            _words(
                "city",
                "town",
                "place of birth",
                "birthplace",
                "hometown",
                "stadt",
                "ort",
                "wohnort",
                "ville",
                "ciudad",
                "città",
                "citta",
                "woonplaats",
                "miasto",
            ),
            "LOCATION",
            _letters,
        ),
        (
            _words(
                "first name",
                "firstname",
                "last name",
                "lastname",
                "given name",
                "family name",
                "surname",
                "full name",
                "fullname",
                "middle name",
                "maiden name",
                "vorname",
                "nachname",
                "prénom",
                "prenom",
                "nom de famille",
                "nombre",
                "apellidos?",
                "nome",
                "cognome",
                "voornaam",
                "achternaam",
                "imię",
                "imie",
                "nazwisko",
                "account holder",
                "kontoinhaber",
                "titulaire",
                "cardholder(?: name)?",
                "contact person",
                "ansprechpartner",
            ),
            "PERSON",
            _name_value,
        ),
    ]
]
# "name" alone is a person's only under a person-like parent: contact.name, patient.name.
_PERSON_PARENT = re.compile(
    r"(?:^| )(?:contact|customer|client|patient|user|employee|person|owner|author|recipient|"
    r"sender|passenger|guest|applicant|member|holder|driver|student|candidate|beneficiary|"
    r"kunde|patient|mitarbeiter|empfänger|absender|destinataire|cliente|paziente|klant|"
    r"pacjent|klient)s? name$"
)
_WHITESPACE = " \t\n\r\"'"


def key_words(key: str | None) -> str:
    """The key path as lower-case words: ``contact.phoneNumber`` -> ``contact phone number``."""
    if not key:
        return ""
    return " ".join(w.lower() for w in _SPLIT.split(key) if w)


def context_words(key: str | None) -> list[str]:
    """The key path's words, for Presidio's context pass."""
    words = key_words(key)
    return [words] if words else []


def keyed_spans(text: str, key: str | None) -> list[SpanTuple]:
    """The whole value as its key's entity type, when the key names one and the value fits."""
    words = key_words(key)
    if not words:
        return []
    start, end = 0, len(text)
    while start < end and text[start] in _WHITESPACE:
        start += 1
    while end > start and text[end - 1] in _WHITESPACE:
        end -= 1
    value = text[start:end]
    if not value:
        return []
    for rx, entity, shape in _RULES:
        if rx.search(words):
            return [(start, end, entity, KEYED_SCORE)] if shape(value) else []
    if _PERSON_PARENT.search(words) and _name_value(value):
        return [(start, end, "PERSON", KEYED_SCORE)]
    return []


# "key": "value" or "key": 123 in free text. The value's span is the raw text between its
# quotes; its shape is judged on the decoded string.
_INLINE_PAIR = re.compile(
    r'"(?P<key>[A-Za-zÀ-ÿ_][\w .\-]{0,60})"\s*:\s*'
    r'(?:"(?P<str>(?:[^"\\]|\\.){1,300})"|(?P<num>\d[\d.]{2,30})(?![\w.]))'
)


def inline_keyed_spans(text: str) -> list[SpanTuple]:
    """Values of JSON pairs inside a free text, typed by their keys (see ``keyed_spans``)."""
    if '":' not in text and '" :' not in text:
        return []
    out: list[SpanTuple] = []
    for m in _INLINE_PAIR.finditer(text):
        group = "str" if m.group("str") is not None else "num"
        raw = m.group(group)
        try:
            # strict=False: the normalizer has already turned escaped line breaks into real ones.
            value = json.loads(f'"{raw}"', strict=False) if group == "str" else raw
        except ValueError:
            continue
        for s, e, entity, score in keyed_spans(value, m.group("key")):
            if value != raw:  # escapes inside: the whole raw value
                s, e = 0, len(raw)
            out.append((m.start(group) + s, m.start(group) + e, entity, score))
    return out
