"""European identifiers, phone numbers and dates of birth as Presidio recognizers.

Checksums come from python-stdnum, phone numbers from phonenumbers. Each recognizer finds
candidates with a regular expression, validates them, and scores them by whether a context word
(in any supported language) stands shortly before: identifiers whose checksum is weak (9 to 11
digits that pass by chance once in ten or so) need that context, strong ones do not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import phonenumbers
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from stdnum import iban, luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.eu import vat
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel

from proxy.detect.base import OwnRecognizer


def words(*ws: str) -> re.Pattern[str]:
    """A case-insensitive regex matching any of ``ws`` as a whole word (``stem*``: as a prefix)."""
    alts = "|".join(
        re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w)
        for w in sorted(ws, key=len, reverse=True)
    )
    # "_" separates words too, so JSON keys such as "date_of_birth" or "passport_no" count.
    return re.compile(rf"(?<![^\W_])(?:{alts})(?![^\W_])", re.IGNORECASE)


def near(
    text: str, start: int, end: int, ctx: re.Pattern[str], before: int = 60, after: int = 25
) -> bool:
    """Whether ``ctx`` matches in the window around ``text[start:end]``."""
    return bool(ctx.search(text, max(0, start - before), start)) or bool(
        ctx.search(text, end, min(len(text), end + after))
    )


def _compact(s: str) -> str:
    return re.sub(r"[\s.\-/]", "", s).upper()


@dataclass(frozen=True)
class IdSpec:
    """One identifier type: candidates, validator, context, scores."""

    entity: str
    pattern: str
    validate: Callable[[str], bool]
    context: re.Pattern[str]
    score: float = 0.95
    score_no_context: float | None = 0.95
    flags: int = 0


def _nino(s: str) -> bool:
    c = _compact(s)
    return (
        c[0] not in "DFIQUV"
        and c[1] not in "DFIOQUV"
        and c[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
    )


def _vat_shape(s: str) -> bool:
    c = _compact(s)
    return vat.is_valid(c) or (len(c) >= 8 and sum(ch.isdigit() for ch in c) >= 6)


def _card(s: str) -> bool:
    """Luhn-valid with a card network's prefix and length (Visa, Mastercard, Amex, Diners,
    Discover, JCB, Maestro, UnionPay)."""
    c = _compact(s)
    if not c.isdigit() or not luhn.is_valid(c):
        return False
    n, p2, p4 = len(c), int(c[:2]), int(c[:4])
    return (
        (c[0] == "4" and n in (13, 16, 19))
        or ((51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16)
        or (p2 in (34, 37) and n == 15)
        or ((300 <= int(c[:3]) <= 305 or p2 in (36, 38, 39)) and n in (14, 16))
        or ((p4 == 6011 or 644 <= int(c[:3]) <= 649 or p2 in (65, 62)) and 16 <= n <= 19)
        or (3528 <= p4 <= 3589 and 16 <= n <= 19)
        or ((p2 in (50, 56, 57, 58) or c[0] == "6") and 12 <= n <= 19)
        or (p4 in (2131, 1800) and n == 15)
    )


def _card_long(s: str) -> bool:
    return _card(s) and len(_compact(s)) >= 14


_CARD_CONTEXT = words(
    "card*", "karte*", "kreditkarte*", "carte*", "tarjeta*", "carta*", "kaart*", "karta*",
    "kartą", "visa", "mastercard", "amex", "maestro", "cc", "cvv", "cvc", "expiry", "exp",
    "paid", "bezahlt", "payé", "pagó", "pagato", "betaalde", "zapłacił*",
)  # fmt: skip

PASSPORT_CONTEXT = words(
    "passport*", "reisepass*", "pass", "passnummer", "pass-nr", "passeport*", "pasaporte*",
    "passaport*", "paspoort*", "paszport*", "ausweis*", "personalausweis*", "carte d'identité",
    "cni", "id card", "identity card", "dowód*", "documento", "carta d'identità",
)  # fmt: skip


def _always(s: str) -> bool:
    return True


ID_SPECS: tuple[IdSpec, ...] = (
    IdSpec(
        "PROFILE_URL",
        r"(?<![\w/])(?:https?://)?(?:[a-z]{2,3}\.|www\.)?(?:linkedin\.com/in|xing\.com/profile|"
        r"facebook\.com|instagram\.com|twitter\.com|x\.com|tiktok\.com/@|t\.me)/"
        r"(?!(?:company|groups|pages|explore|search|hashtag|login|share|intent|home|about|features|"
        r"orgs|topics|sponsors|settings|marketplace)\b)[\w.%-]{2,}/?",
        _always,
        words("profile"),
        score=0.9,
        score_no_context=0.85,
        flags=re.IGNORECASE,
    ),
    IdSpec(
        "CREDIT_CARD",
        r"\b\d(?:[ -]?\d){11,18}\b",
        _card_long,
        _CARD_CONTEXT,
        score=0.95,
        score_no_context=0.9,
    ),
    IdSpec(
        "CREDIT_CARD",
        r"\b\d(?:[ -]?\d){11,18}\b",
        _card,
        _CARD_CONTEXT,
        score=0.9,
        score_no_context=None,
    ),
    IdSpec(
        "IBAN_CODE",
        r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b",
        iban.is_valid,
        words(
            "iban", "account", "konto", "compte", "cuenta", "conto", "rekening", "rachunek", "bank"
        ),
        score=1.0,
        score_no_context=1.0,
    ),
    IdSpec(
        "DE_TAX_ID",
        r"\b\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}\b",
        idnr.is_valid,
        words(
            "steuer-id",
            "steuerid",
            "steuer-idnr",
            "idnr",
            "identifikationsnummer",
            "steueridentifikationsnummer",
            "tax id",
            "tin",
            "steuernummer",
            "tax identification",
        ),
        score=0.95,
        score_no_context=0.6,
    ),
    IdSpec(
        "FR_NIR",
        r"\b[12][ .]?\d{2}[ .]?\d{2}[ .]?(?:\d{2}|2[AB])[ .]?\d{3}[ .]?\d{3}[ .]?\d{2}\b",
        nir.is_valid,
        words(
            "nir",
            "sécurité sociale",
            "securite sociale",
            "sécu",
            "insee",
            "social security",
            "carte vitale",
            "numéro de sécu",
        ),
    ),
    IdSpec(
        "ES_DNI",
        r"\b\d{8}[ -]?[A-Z]\b",
        dni.is_valid,
        words("dni", "nif", "documento", "identidad", "id", "carnet"),
        score=0.95,
        score_no_context=0.85,
    ),
    IdSpec(
        "ES_NIE",
        r"\b[XYZ][ -]?\d{7}[ -]?[A-Z]\b",
        nie.is_valid,
        words("nie", "extranjero", "residencia", "id", "nif"),
    ),
    IdSpec(
        "IT_FISCAL_CODE",
        r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b",
        codicefiscale.is_valid,
        words("codice fiscale", "cf", "fiscal code", "tax code", "c.f."),
        flags=re.IGNORECASE,
    ),
    IdSpec(
        "NL_BSN",
        r"\b\d{4}[ .]?\d{2}[ .]?\d{3}\b",
        bsn.is_valid,
        words(
            "bsn",
            "burgerservicenummer",
            "sofinummer",
            "sofi",
            "citizen service number",
            "burgerservice",
        ),
        score=0.9,
        score_no_context=0.4,
    ),
    IdSpec(
        "PL_PESEL",
        r"\b\d{11}\b",
        pesel.is_valid,
        words("pesel"),
        score=0.95,
        score_no_context=0.6,
    ),
    IdSpec(
        "UK_NINO",
        r"\b[A-Z]{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D]\b",
        _nino,
        words("national insurance", "nino", "ni number", "ni no", "insurance number", "ni"),
        score=0.95,
        score_no_context=0.7,
    ),
    IdSpec(
        "UK_NHS",
        r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b",
        nhs.is_valid,
        words("nhs", "nhs number", "health service"),
        score=0.95,
        score_no_context=None,
    ),
    IdSpec(
        "EU_VAT",
        r"\b(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|GB|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI"
        r"|SK|XI)[ ]?[0-9A-Z](?:[ ]?[0-9A-Z]){6,13}\b",
        vat.is_valid,
        words(
            "vat",
            "tva",
            "ust",
            "ust-idnr",
            "ust-id",
            "umsatzsteuer",
            "iva",
            "btw",
            "nip",
            "mwst",
            "partita iva",
            "vat number",
            "vat id",
            "numéro de tva",
        ),
        score=0.95,
        score_no_context=0.9,
    ),
    IdSpec(
        "EU_VAT",
        r"\b(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|GB|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI"
        r"|SK|XI)[ ]?[0-9A-Z](?:[ ]?[0-9A-Z]){4,13}\b",
        _vat_shape,
        words(
            "vat",
            "tva",
            "ust-idnr",
            "ust-id",
            "umsatzsteuer",
            "iva",
            "btw",
            "mwst",
            "partita iva",
            "vat number",
            "vat id",
            "numéro de tva",
            "vat no",
        ),
        score=0.8,
        score_no_context=None,
    ),
    IdSpec(
        "PASSPORT",
        r"\b(?=[A-Z0-9]*\d[A-Z0-9]*\d)[A-Z0-9]{8,9}\b",
        _always,
        PASSPORT_CONTEXT,
        score=0.9,
        score_no_context=None,
    ),
)


class IdRecognizer(OwnRecognizer):
    """Candidates by regex, validated by a checksum, scored by context."""

    def __init__(self, spec: IdSpec, language: str) -> None:
        self.spec = spec
        self.regex = re.compile(spec.pattern, spec.flags)
        super().__init__(spec.entity, language, f"IdRecognizer_{spec.entity}_{language}")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        for m in self.regex.finditer(text):
            start, end = m.span()
            cand = _longest_valid(text, start, end, self.spec.validate)
            if cand is None:
                continue
            start, end = cand
            if near(text, start, end, self.spec.context):
                score = self.spec.score
            elif self.spec.score_no_context is None:
                continue
            else:
                score = self.spec.score_no_context
            out.append(RecognizerResult(self.spec.entity, start, end, score))
        return out


def _longest_valid(
    text: str, start: int, end: int, validate: Callable[[str], bool]
) -> tuple[int, int] | None:
    """The longest prefix of ``text[start:end]`` ending at a group boundary that validates."""
    ends = [end] + [m.start() for m in re.finditer(r" ", text[start:end])][::-1]
    for e in ends:
        e = e if e == end else start + e
        try:
            if validate(text[start:e]):
                return start, e
        except Exception:  # stdnum raises on shapes it cannot parse: not this type
            continue
    return None


PHONE_CONTEXT = words(
    "phone*", "tel", "tel.", "telephone*", "mobile*", "cell*", "call*", "ring", "telefon*",
    "handy*", "mobil*", "rückruf*", "anruf*", "anrufen", "téléphone*", "portable", "rappel*",
    "joindre", "teléfono*", "móvil*", "llam*", "telefono*", "cellulare", "chiama*", "richiam*",
    "telefoon*", "mobiel*", "bel", "bellen", "terugbellen", "telefonu", "komórk*", "zadzwo*",
    "oddzwo*", "whatsapp", "fax", "number", "nummer", "numer", "numéro", "número", "numero", "nr",
    "n°", "no.", "unter",
)  # fmt: skip
_NOT_PHONE = words(
    "isbn",
    "order",
    "invoice",
    "ticket",
    "version",
    "ref",
    "bestellung",
    "bestellnummer",
    "commande",
    "rechnung",
    "facture",
    "sku",
    "tracking",
    "issn",
    "doi",
    "serial",
    "build",
    "release",
    "pedido",
    "ordine",
    "zamówienie",
    "bestelling",
    "artikel",
    "article",
    "case",
    "incident",
    "vat",
    "tva",
    "iva",
    "ust",
    "btw",
    "nip",
    "iban",
    "bic",
    "swift",
    "siren",
    "siret",
    "ust-idnr",
    "mwst",
)
_LANG_REGIONS = {
    "en": ("GB", "IE"),
    "de": ("DE", "AT", "CH"),
    "fr": ("FR", "BE", "CH"),
    "es": ("ES",),
    "it": ("IT",),
    "nl": ("NL", "BE"),
    "pl": ("PL",),
    "pt": ("PT",),
}

_ALL_REGIONS = tuple(dict.fromkeys(r for rs in _LANG_REGIONS.values() for r in rs))


_PHONE_CANDIDATE = re.compile(r"(?<![\w+@/.=:-])(?:\+|00)?\(?\d[\d \-./()]{4,22}\d(?![\w@])")
_DATE_LIKE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_DOTTED = re.compile(r"\d+(?:\.\d+)+")
_FR_DOTTED = re.compile(r"\d{2}(?:\.\d{2}){4}")


class EuPhoneRecognizer(OwnRecognizer):
    """Phone numbers of EU countries, validated by phonenumbers.

    Candidates come from one regex pass; each is parsed as an international number, or as a
    national number of the countries of the text's language, or of any EU country when a phone
    context word stands just before it (short texts are often taken for the wrong language). A
    number that is only possible (not valid) counts next to a context word.
    """

    def __init__(self, language: str) -> None:
        self.regions = _LANG_REGIONS.get(language, ("GB",))
        super().__init__("PHONE_NUMBER", language, f"EuPhoneRecognizer_{language}")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        for m in _PHONE_CANDIDATE.finditer(text):
            raw = m.group()
            digits = sum(c.isdigit() for c in raw)
            if not 6 <= digits <= 15 or _DATE_LIKE.fullmatch(raw):
                continue
            if _DOTTED.fullmatch(raw) and not _FR_DOTTED.fullmatch(raw):
                continue  # versions, IP addresses
            if near(text, m.start(), m.end(), _NOT_PHONE, 30, 0) or near(
                text, m.start(), m.end(), PASSPORT_CONTEXT, 30, 0
            ):
                continue
            score = self._score(raw, digits, near(text, m.start(), m.end(), PHONE_CONTEXT, 60, 0))
            if score:
                out.append(RecognizerResult("PHONE_NUMBER", m.start(), m.end(), score))
        return out

    def _score(self, raw: str, digits: int, ctx: bool) -> float:
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
                return 0.95 if ctx else 0.75
            possible = possible or phonenumbers.is_possible_number(num)
        return 0.7 if ctx and possible and digits >= 7 else 0.0


_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "januar|jänner|februar|märz|maerz|mai|juni|juli|oktober|dezember|"
    "janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    "januari|februari|maart|mei|augustus|"
    "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|"
    "listopada|grudnia"
)
DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\s?\d{1,2}[./-]\s?(?:19|20)\d{2}"
    r"|(?:19|20)\d{2}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th|er|\.|º)?\s(?:de\s)?(?:{_MONTHS})\.?,?\s(?:de\s)?(?:19|20)\d{{2}}"
    rf"|(?:{_MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?,?\s(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)
DOB_CONTEXT = words(
    "born",
    "birth",
    "dob",
    "d.o.b.",
    "date of birth",
    "birthday",
    "birthdate",
    "geboren",
    "geb.",
    "geburtsdatum",
    "geburtstag",
    "né",
    "née",
    "naissance",
    "nacido",
    "nacida",
    "nacimiento",
    "nato",
    "nata",
    "nascita",
    "geboortedatum",
    "urodzony",
    "urodzona",
    "urodzenia",
    "urodzin",
    "nascido",
    "nascida",
)


class DateOfBirthRecognizer(OwnRecognizer):
    """Dates preceded (or closely followed) by a birth context word; other dates are not PII."""

    def __init__(self, language: str) -> None:
        super().__init__("DATE_OF_BIRTH", language, f"DateOfBirthRecognizer_{language}")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            RecognizerResult("DATE_OF_BIRTH", m.start(), m.end(), 0.9)
            for m in DATE.finditer(text)
            if near(text, m.start(), m.end(), DOB_CONTEXT, 50, 15)
        ]


def id_recognizers(languages: Iterable[str]) -> list[EntityRecognizer]:
    out: list[EntityRecognizer] = []
    for lang in languages:
        out += [IdRecognizer(spec, lang) for spec in ID_SPECS]
        out += [EuPhoneRecognizer(lang), DateOfBirthRecognizer(lang)]
    return out
