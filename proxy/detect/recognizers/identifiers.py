"""Identifiers: e-mail, IP addresses, cards, IBAN, crypto wallets, profile URLs, national ids,
EU VAT numbers, passports, US SSN, ITIN and driver's licences.

Every recognizer is one of Presidio's (kept as is, or given our context words and the settings of
its public constructor) or a ``PatternRecognizer`` of ours: candidates by pattern, a checksum from
python-stdnum, context words in every supported language (raised by
``proxy.detect.recognizers.context.WindowContextEnhancer``). The checksum decides in
``validate_result`` where a random number seldom passes it (a valid one scores 1.0), and only
rules candidates out in ``invalidate_result`` where one in ten or so passes by chance: there the
pattern's own score stands, below the threshold when the identifier needs a context word.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

import tldextract
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    CryptoRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    UsItinRecognizer,
    UsLicenseRecognizer,
    UsSsnRecognizer,
)
from stdnum import luhn
from stdnum.de import idnr
from stdnum.es import dni, nie
from stdnum.eu import vat
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.it import codicefiscale
from stdnum.nl import bsn
from stdnum.pl import pesel

_ROLE_MAILBOX = re.compile(
    r"^(?:info|support|noreply|no-reply|donotreply|contact|kontakt|sales|admin|hello|team|office|"
    r"service|help|helpdesk|billing|privacy|security|webmaster|postmaster|hostmaster|abuse|jobs|"
    r"careers|press|media|marketing|newsletter|notifications?|dpo|datenschutz|accounts?|hr|legal)@",
    re.IGNORECASE,
)


class Email(EmailRecognizer):
    """Presidio's e-mail recognizer with the bundled public suffix list (no network at startup);
    role mailboxes (``support@``, ``info@``...) are nobody's personal data."""

    _extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    def __init__(self, language: str) -> None:
        super().__init__(supported_language=language, context=["email", "e-mail", "mail*"])

    def validate_result(self, pattern_text: str) -> bool:
        return self._extract(pattern_text).fqdn != ""

    def invalidate_result(self, pattern_text: str) -> bool:
        return bool(_ROLE_MAILBOX.match(pattern_text))


_VERSION_BEFORE = re.compile(r"(?i)\bv(?:ersion)?\s*$")


class Ip(IpRecognizer):
    """Presidio's IP recognizer for public addresses only (private ranges, loopback and
    documentation networks identify no one) and not after "version"."""

    def __init__(self, language: str) -> None:
        super().__init__(supported_language=language)

    def invalidate_result(self, pattern_text: str) -> bool:
        try:
            return not ipaddress.ip_address(pattern_text).is_global
        except ValueError:
            return True

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        found = super().analyze(text, entities, nlp_artifacts, regex_flags)
        return [r for r in found if not _VERSION_BEFORE.search(text, max(0, r.start - 9), r.start)]


# The word "card" in the supported languages.
CARD_NOUNS = [
    "card*", "karte*", "kreditkarte*", "carte*", "tarjeta*", "carta*", "kaart*", "karta*", "kartą",
]  # fmt: skip
CARD_CONTEXT = [
    *CARD_NOUNS, "credit", "visa", "mastercard", "amex", "maestro", "discover", "jcb", "diners",
    "cc", "cvv", "cvc", "expiry", "exp", "paid", "bezahlt", "payé", "pagó", "pagato", "betaalde",
    "zapłacił*",
]  # fmt: skip


def _card_network(digits: str) -> bool:
    """A card network's prefix and length (Visa, Mastercard, Amex, Diners, Discover, JCB, Maestro,
    UnionPay)."""
    n, p2, p3, p4 = len(digits), int(digits[:2]), int(digits[:3]), int(digits[:4])
    return (
        (digits[0] == "4" and n in (13, 16, 19))
        or ((51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16)
        or (p2 in (34, 37) and n == 15)
        or ((300 <= p3 <= 305 or p2 in (36, 38, 39)) and n in (14, 16))
        or ((p4 == 6011 or 644 <= p3 <= 649 or p2 in (65, 62)) and 16 <= n <= 19)
        or (3528 <= p4 <= 3589 and 16 <= n <= 19)
        or ((p2 in (50, 56, 57, 58) or digits[0] == "6") and 12 <= n <= 19)
        or (p4 in (2131, 1800) and n == 15)
    )


def card_number(digits: str) -> bool | None:
    """True: a card number on its own (Luhn, 14+ digits, a network's first digit; issuers' ranges
    change too often to list); None: one with a context word (Luhn, a network's prefix and
    length: Maestro, old Visa); False: none."""
    if not luhn.is_valid(digits):
        return False
    if len(digits) >= 14 and digits[0] in "123456":
        return True
    return None if _card_network(digits) else False


class Card(CreditCardRecognizer):
    """Presidio's card recognizer (Luhn checksum), grouped by spaces, dashes or dots: 14 to 19
    digits starting as a card network's do stand alone; 12 or 13 digits with a network's prefix
    (Maestro, old Visa) need a context word."""

    PATTERNS = [Pattern("card", r"(?<![\d.,-])\d(?:[ .-]?\d){11,18}(?![\d]|[.,-]\d)", 0.3)]

    def __init__(self, language: str) -> None:
        super().__init__(
            patterns=self.PATTERNS,
            context=CARD_CONTEXT,
            supported_language=language,
            replacement_pairs=[("-", ""), (" ", ""), (".", "")],
        )

    def validate_result(self, pattern_text: str) -> bool | None:  # type: ignore[override]
        return card_number(re.sub(r"\D", "", pattern_text))


class Iban(IbanRecognizer):
    """Presidio's IBAN recognizer (country formats, checksum), in any letter case."""

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_language=language,
            context=[
                "iban",
                "account",
                "konto",
                "compte",
                "cuenta",
                "conto",
                "rekening",
                "rachunek",
                "bank",
            ],
            regex_flags=re.DOTALL | re.MULTILINE | re.IGNORECASE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        return super().validate_result(pattern_text.upper())  # type: ignore[no-any-return]


class Crypto(CryptoRecognizer):
    """Presidio's crypto wallet recognizer."""

    def __init__(self, language: str) -> None:
        super().__init__(supported_language=language)


def _compact(s: str) -> str:
    return re.sub(r"[\s.\-/]", "", s).upper()


def _checks(fn: Callable[[str], bool]) -> Callable[[str], bool]:
    """``fn`` on the compacted value; a shape it cannot parse is not valid."""

    def run(value: str) -> bool:
        try:
            return bool(fn(_compact(value)))
        except Exception:  # stdnum raises on shapes it cannot parse
            return False

    return run


class Checksummed(PatternRecognizer):
    """An identifier with a checksum. ``strong``: a valid value scores 1.0 without context; else
    the pattern's score stands (context words raise it) and an invalid value is dropped."""

    ENTITY = ""
    PATTERNS: list[Pattern] = []
    CONTEXT: list[str] = []
    STRONG = True
    FLAGS = re.DOTALL | re.MULTILINE

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=language,
            global_regex_flags=self.FLAGS,
        )

    def check(self, value: str) -> bool:
        raise NotImplementedError

    def validate_result(self, pattern_text: str) -> bool | None:
        valid = self.check(pattern_text)
        return (True if self.STRONG else None) if valid else False


class DeTaxId(Checksummed):
    ENTITY = "DE_TAX_ID"
    PATTERNS = [Pattern("idnr", r"\b\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}\b", 0.6)]
    CONTEXT = [
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
    ]
    STRONG = False

    def check(self, value: str) -> bool:
        return _checks(idnr.is_valid)(value)


class FrNir(Checksummed):
    ENTITY = "FR_NIR"
    PATTERNS = [
        Pattern(
            "nir",
            r"\b[12][ .]?\d{2}[ .]?\d{2}[ .]?(?:\d{2}|2[AB])[ .]?\d{3}[ .]?\d{3}[ .]?\d{2}\b",
            0.95,
        )
    ]
    CONTEXT = [
        "nir",
        "sécurité sociale",
        "securite sociale",
        "sécu",
        "insee",
        "social security",
        "carte vitale",
        "numéro de sécu",
    ]

    def check(self, value: str) -> bool:
        return _checks(nir.is_valid)(value)


class EsDni(Checksummed):
    ENTITY = "ES_DNI"
    PATTERNS = [Pattern("dni", r"\b\d{8}[ -]?[A-Z]\b", 0.85)]
    CONTEXT = ["dni", "nif", "documento", "identidad", "id", "carnet"]

    def check(self, value: str) -> bool:
        return _checks(dni.is_valid)(value)


class EsNie(Checksummed):
    ENTITY = "ES_NIE"
    PATTERNS = [Pattern("nie", r"\b[XYZ][ -]?\d{7}[ -]?[A-Z]\b", 0.95)]
    CONTEXT = ["nie", "extranjero", "residencia", "id", "nif"]

    def check(self, value: str) -> bool:
        return _checks(nie.is_valid)(value)


class ItFiscalCode(Checksummed):
    ENTITY = "IT_FISCAL_CODE"
    PATTERNS = [
        Pattern(
            "codice fiscale",
            r"\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b",
            0.95,
        )
    ]
    CONTEXT = ["codice fiscale", "cf", "fiscal code", "tax code", "c.f."]
    FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE

    def check(self, value: str) -> bool:
        return _checks(codicefiscale.is_valid)(value)


class NlBsn(Checksummed):
    ENTITY = "NL_BSN"
    PATTERNS = [Pattern("bsn", r"\b\d{4}[ .]?\d{2}[ .]?\d{3}\b", 0.4)]
    CONTEXT = [
        "bsn",
        "burgerservicenummer",
        "sofinummer",
        "sofi",
        "citizen service number",
        "burgerservice",
    ]
    STRONG = False

    def check(self, value: str) -> bool:
        return _checks(bsn.is_valid)(value)


class PlPesel(Checksummed):
    ENTITY = "PL_PESEL"
    PATTERNS = [Pattern("pesel", r"\b\d{11}\b", 0.6)]
    CONTEXT = ["pesel"]
    STRONG = False

    def check(self, value: str) -> bool:
        return _checks(pesel.is_valid)(value)


def _nino(s: str) -> bool:
    c = _compact(s)
    return (
        c[0] not in "DFIQUV"
        and c[1] not in "DFIOQUV"
        and c[:2] not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
    )


class UkNino(Checksummed):
    ENTITY = "UK_NINO"
    PATTERNS = [Pattern("nino", r"\b[A-Z]{2}[ ]?\d{2}[ ]?\d{2}[ ]?\d{2}[ ]?[A-D]\b", 0.7)]
    CONTEXT = ["national insurance", "nino", "ni number", "ni no", "insurance number", "ni"]
    STRONG = False

    def check(self, value: str) -> bool:
        return _nino(value)


class UkNhs(Checksummed):
    ENTITY = "UK_NHS"
    PATTERNS = [Pattern("nhs", r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b", 0.3)]
    CONTEXT = ["nhs", "nhs number", "health service"]
    STRONG = False

    def check(self, value: str) -> bool:
        return _checks(nhs.is_valid)(value)


_VAT_PREFIX = (
    r"(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|GB|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)"
)


class EuVat(Checksummed):
    """EU VAT numbers: valid by python-stdnum, or shaped like one (8 characters, 6 digits) next to
    a VAT context word."""

    ENTITY = "EU_VAT"
    PATTERNS = [Pattern("vat", rf"\b{_VAT_PREFIX}[ ]?[0-9A-Z](?:[ ]?[0-9A-Z]){{4,13}}\b", 0.3)]
    CONTEXT = [
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
        "vat no",
    ]

    def validate_result(self, pattern_text: str) -> bool | None:
        c = _compact(pattern_text)
        try:
            if vat.is_valid(c):
                return True
        except Exception:  # stdnum raises on shapes it cannot parse
            pass
        return None if len(c) >= 8 and sum(ch.isdigit() for ch in c) >= 6 else False


PASSPORT_CONTEXT = [
    "passport*", "reisepass*", "pass", "passnummer", "pass-nr", "passeport*", "pasaporte*",
    "passaport*", "paspoort*", "paszport*", "ausweis*", "personalausweis*", "carte d'identité",
    "cni", "id card", "identity card", "dowód*", "documento", "carta d'identità",
]  # fmt: skip


class Passport(PatternRecognizer):
    """Passport and identity card numbers: 8 or 9 letters and digits (two digits at least), only
    next to a passport context word."""

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_entity="PASSPORT",
            patterns=[Pattern("passport", r"\b(?=[A-Z0-9]*\d[A-Z0-9]*\d)[A-Z0-9]{8,9}\b", 0.3)],
            context=PASSPORT_CONTEXT,
            supported_language=language,
        )


class ProfileUrl(PatternRecognizer):
    """A person's page on a social network (not a company page, search or login)."""

    PATTERN = (
        r"(?<![\w/])(?:https?://)?(?:[a-z]{2,3}\.|www\.)?(?:linkedin\.com/in|xing\.com/profile|"
        r"facebook\.com|instagram\.com|twitter\.com|x\.com|tiktok\.com/@|t\.me)/"
        r"(?!(?:company|groups|pages|explore|search|hashtag|login|share|intent|home|about|features|"
        r"orgs|topics|sponsors|settings|marketplace)\b)[\w.%-]{2,}/?"
    )

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_entity="PROFILE_URL",
            patterns=[Pattern("profile", self.PATTERN, 0.85)],
            context=["profile"],
            supported_language=language,
            global_regex_flags=re.IGNORECASE,
        )


SSN_CONTEXT = [
    "ssn", "ssns", "ssn#", "ss#", "ssid", "social security", "social security number",
    "social security no", "sozialversicherungsnummer", "seguro social", "sécurité sociale",
]  # fmt: skip


class UsSsn(UsSsnRecognizer):
    """Presidio's US Social Security number recognizer and its validation; bare nine digits
    count next to a context word (Presidio scores them 0.05, below any threshold)."""

    def __init__(self, language: str) -> None:
        super().__init__(
            patterns=[Pattern(p.name, p.regex, max(p.score, 0.2)) for p in self.PATTERNS],
            context=SSN_CONTEXT,
            supported_language=language,
        )


class UsItin(UsItinRecognizer):
    """Presidio's US Individual Taxpayer Identification Number recognizer."""

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_language=language,
            context=["itin", "taxpayer", "individual taxpayer", "tax id", "taxid", "tin"],
        )


class UsDriverLicense(UsLicenseRecognizer):
    """Presidio's US driver's licence recognizer: only next to a context word."""

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_language=language,
            context=["driver*", "license", "licence", "permit", "dl", "dln", "lic", "driving"],
        )
