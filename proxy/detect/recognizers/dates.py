"""Dates of birth: a date next to a birth context word (DATE_OF_BIRTH); other dates are not
personal data.

Numeric dates in every order (day-month-year, month-day-year, year-month-day) with ``.``, ``/``
or ``-``, two- or four-digit years, and written dates in the supported languages. A date alone
scores below the threshold; a birth context word within 50 characters before or 15 after (or the
key of a structured value, such as ``date_of_birth``) raises it above.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

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
_NUMERIC = (
    r"\b(?:\d{1,2}[./-]\s?\d{1,2}[./-]\s?(?:(?:19|20)\d{2}|\d{2})"
    r"|(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2})\b"
)
_WRITTEN = (
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th|er|\.|º)?\s(?:de\s)?(?:{_MONTHS})\.?,?\s(?:de\s)?(?:19|20)\d{{2}}"
    rf"|(?:{_MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?,?\s(?:19|20)\d{{2}})\b"
)
DOB_CONTEXT = [
    "born", "birth", "dob", "d.o.b.", "date of birth", "birthday", "birthdate", "geboren",
    "geb.", "geburtsdatum", "geburtstag", "né", "née", "naissance", "nacido", "nacida",
    "nacimiento", "nato", "nata", "nascita", "geboortedatum", "geboren op", "urodzony",
    "urodzona", "urodzenia", "urodzin", "nascido", "nascida", "birthdate", "bday",
]  # fmt: skip
_SEP = re.compile(r"[./\-\s]+")


def plausible_date(value: str) -> bool:
    """Whether a numeric date's parts are a real day, month and year in some order."""
    parts = [p for p in _SEP.split(value) if p]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return True  # a written date: its pattern already names the month
    a, b, c = (int(p) for p in parts)
    if len(parts[0]) == 4:  # year-month-day
        return 1 <= b <= 12 and 1 <= c <= 31
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


class DateOfBirth(PatternRecognizer):
    """A date next to a birth context word."""

    context_window = (50, 15)

    def __init__(self, language: str) -> None:
        super().__init__(
            supported_entity="DATE_OF_BIRTH",
            patterns=[Pattern("numeric date", _NUMERIC, 0.3), Pattern("date", _WRITTEN, 0.3)],
            context=DOB_CONTEXT,
            supported_language=language,
            global_regex_flags=re.IGNORECASE,
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if plausible_date(pattern_text) else False
