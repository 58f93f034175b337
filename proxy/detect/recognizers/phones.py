"""Phone numbers, validated by phonenumbers (PHONE_NUMBER).

Candidates come from one regex pass (digits grouped by spaces, dashes, dots, slashes and
parentheses, an optional ``+``/``00`` prefix, ``(0)``, an extension such as ``x549`` or
``ext. 12``); each is parsed as an international number, as a national number of the countries
of the text's language (US and Canada for English), or of any of those countries when a phone
context word stands near. A valid number counts alone; a number that is only possible counts when
it is shaped like a phone number (an international prefix, or the North American
``(555) 123-4567`` / ``555-123-4567`` / ``555.123.4567`` grouping) or next to a context word.
"""

from __future__ import annotations

import re

import phonenumbers
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from proxy.detect.recognizers.base import OwnRecognizer
from proxy.detect.recognizers.context import near, words
from proxy.detect.recognizers.identifiers import CARD_NOUNS, PASSPORT_CONTEXT, card_number

PHONE_CONTEXT = words(
    "phone*", "tel", "tel.", "telephone*", "mobile*", "cell*", "call*", "ring", "telefon*",
    "handy*", "mobil*", "rückruf*", "anruf*", "anrufen", "téléphone*", "portable", "rappel*",
    "joindre", "teléfono*", "móvil*", "llam*", "telefono*", "cellulare", "chiama*", "richiam*",
    "telefoon*", "mobiel*", "bel", "bellen", "terugbellen", "telefonu", "komórk*", "zadzwo*",
    "oddzwo*", "whatsapp", "fax", "number", "nummer", "numer", "numéro", "número", "numero", "nr",
    "n°", "no.", "unter", "reach", "text", "sms", "office", "desk", "home", "work", "landline",
    "answer*", "messag*", "registered", "dial*", "voicemail", "contact*", "texted", "reachable",
    "nachricht*", "erreichbar", "joignable", "messagerie", "mensaje*", "messaggi*", "bericht*",
    "wiadomoś*",
)  # fmt: skip
# Words right after a number that name it a phone number: "555 1234 (mobile)", "-Office".
_AFTER = re.compile(r"^[\s\-–(,:]{0,3}(?i:phone|tel|mobile|cell|fax|office|desk|home|work)\b")
NOT_PHONE = words(
    "isbn", "order", "invoice", "ticket", "version", "ref", "bestellung", "bestellnummer",
    "commande", "rechnung", "facture", "sku", "tracking", "issn", "doi", "serial", "build",
    "release", "pedido", "ordine", "zamówienie", "bestelling", "artikel", "article", "case",
    "incident", "vat", "tva", "iva", "ust", "btw", "nip", "iban", "bic", "swift", "siren", "siret",
    "ust-idnr", "mwst", "ssn", "social security", "itin", "nhs", "pesel", "bsn",
)  # fmt: skip
# A number these words name is a card's when the card recognizer takes it ("mit der Karte
# 4350867212651": also a valid German phone number); any other number after them stays a phone
# ("business card: 030 1234567"); the card's type wins the overlap, the phone's span stays.
_UNDER_CARD = 0.51
_CARD_WORDS = words(*CARD_NOUNS, "cartão", "visa", "mastercard", "maestro", "amex", "cc")
_LANG_REGIONS = {
    "en": ("GB", "IE", "US", "CA"),
    "de": ("DE", "AT", "CH"),
    "fr": ("FR", "BE", "CH"),
    "es": ("ES",),
    "it": ("IT",),
    "nl": ("NL", "BE"),
    "pl": ("PL",),
    "pt": ("PT",),
}
_ALL_REGIONS = tuple(dict.fromkeys(r for rs in _LANG_REGIONS.values() for r in rs))

_EXTENSION = r"(?:\s?(?:x|ext\.?|extension|#)\s?\d{1,5})?"
_CANDIDATE = re.compile(
    r"(?<![\w+@/.=:-])(?:\+|00)?\(?\d[\d \-./()]{4,22}\d" + _EXTENSION + r"(?![\w@])",
    re.IGNORECASE,
)
_SHAPED = re.compile(
    r"(?:\+|00)\d.*|\(?\d{3}\)?[ .\-]?\d{3}[ .\-]\d{4}(?:\s?(?:x|ext\.?|extension|#)\s?\d{1,5})?",
    re.IGNORECASE,
)
_PASSPORT = words(*PASSPORT_CONTEXT)
_TRUNK_ZERO = re.compile(r"(?<=\d)\s?\(0\)\s?")
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_DOTTED = re.compile(r"\d+(?:\.\d+)+")
_FR_DOTTED = re.compile(r"\d{2}(?:\.\d{2}){4}")
_NANP_DOTTED = re.compile(r"\d{3}\.\d{3}\.\d{4}")


class Phone(OwnRecognizer):
    """Phone numbers of the text's language's countries (or any, with context), by phonenumbers."""

    def __init__(self, language: str) -> None:
        self.regions = _LANG_REGIONS.get(language, ("GB", "US"))
        super().__init__("PHONE_NUMBER", language, f"Phone_{language}")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        for m in _CANDIDATE.finditer(text):
            raw = m.group().rstrip(" -./(")
            start, end = m.start(), m.start() + len(raw)
            digits = sum(c.isdigit() for c in raw)
            if not 6 <= digits <= 17 or _DATE_LIKE.fullmatch(raw):
                continue
            if (
                _DOTTED.fullmatch(raw)
                and not _FR_DOTTED.fullmatch(raw)
                and not _NANP_DOTTED.fullmatch(raw)
            ):
                continue  # versions, IP addresses
            # "Invoice 781-618-4959", "card 4111 ...": a word before names another number. A
            # number written with its "+" country code is a phone whatever stands before it
            # ("Contact card of ..., +31 6 12341601").
            if not raw.startswith("+") and (
                near(text, start, end, NOT_PHONE, 30, 0) or near(text, start, end, _PASSPORT, 30, 0)
            ):
                continue
            ctx = near(text, start, end, PHONE_CONTEXT, 60, 0) or bool(_AFTER.match(text[end:]))
            score = self._score(raw, digits, ctx)
            if score and digits >= 12 and near(text, start, end, _CARD_WORDS, 30, 0):
                if card_number(re.sub(r"\D", "", raw)) is not False:
                    # A number the card recognizer takes (its context word stands here): kept,
                    # so the value stays protected, but below the card's score.
                    score = min(score, _UNDER_CARD)
            if score:
                out.append(RecognizerResult("PHONE_NUMBER", start, end, score))
        return out

    def _score(self, raw: str, digits: int, ctx: bool) -> float:
        raw = _TRUNK_ZERO.sub(" ", raw)  # "+49 (0)30 901820": the national trunk prefix, shown
        if raw.startswith("+"):
            regions: tuple[str | None, ...] = (None,)
        elif raw.startswith("00"):
            regions = ("GB",)  # 00 is the international prefix of every EU country
        else:
            regions = self.regions + (_ALL_REGIONS if ctx else ())
        possible = False
        for region in regions:
            try:
                num = phonenumbers.parse(raw, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                if not ctx and raw.isdigit() and digits < 10:
                    return 0.0  # nine bare digits alone: an order number as often as a phone
                return 0.95 if ctx else 0.75
            possible = possible or phonenumbers.is_possible_number(num)
        if possible and digits >= 7:
            if ctx:
                return 0.7
            if _SHAPED.fullmatch(raw):
                return 0.6
        return 0.0
