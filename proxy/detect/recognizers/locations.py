"""Places that say where someone lives, comes from or goes (LOCATION).

A place name alone is no one's personal data ("Paris is the capital of France", "a haiku about
Kyoto"), so a place the NER model finds counts only in a personal context: a person or an
identifier in the same text (an address block, "Anna moved to Graz"), or a phrase that ties the
place to someone: "I live in", "she was born in", "we moved here from", "I'm originally from",
"coming to ... with me", in every supported language.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from proxy.detect.recognizers.base import OwnRecognizer

# A subject that is a person, then within a few words a verb of living, origin or travel.
_SUBJECT = (
    r"(?:i|i'm|i’m|im|we|we're|we’re|he|she|he's|she's|they|they're|"
    r"my\s+\w+|our\s+\w+|his\s+\w+|her\s+\w+|their\s+\w+)"
)
_VERB = (
    r"(?:live|lives|lived|living|reside|resides|resided|residing|grew\s+up|was\s+born|were\s+born|"
    r"born|raised|moved|moving|move|relocated|relocating|relocate|stay|stays|stayed|staying|"
    r"come|comes|came|coming|go|goes|going|went|travel|travels|travelled|traveled|travelling|"
    r"traveling|fly|flies|flew|flying|visit|visits|visited|visiting|work|works|worked|working|"
    r"arrive|arrives|arrived|arriving|land|landed|return|returns|returned|returning|left|"
    r"headed|heading|drove|driving|"
    r"(?:am|is|are|was|were)\s+(?:originally\s+)?from|originally\s+from|(?:am|is|are|was|were)\s+in)"
)
_PERSONAL_BEFORE = re.compile(
    rf"(?i:(?<![\w'’]){_SUBJECT}(?:\s+\w+){{0,3}}?\s+{_VERB}\b)"
    r"|(?i:\b(?:born\s+in|birthplace|place\s+of\s+birth|hometown|home\s+town|address|"
    r"resident\s+of|lives\s+in|living\s+in|moved\s+(?:here\s+)?(?:to|from)|originally\s+from|"
    r"grew\s+up\s+in|"
    r"wohne|wohnt|wohnen|lebe|lebt|geboren\s+in|stamme\s+aus|stammt\s+aus|umgezogen\s+nach|"
    r"zieht\s+nach|j'habite|j’habite|habite|habitons|vit\s+à|vis\s+à|né\s+à|née\s+à|"
    r"originaire\s+d|déménagé|vivo\s+en|vive\s+en|vivimos\s+en|nací\s+en|nació\s+en|"
    r"nacido\s+en|nacida\s+en|soy\s+de|abito\s+a|abita\s+a|vivo\s+a|vive\s+a|nato\s+a|nata\s+a|"
    r"sono\s+di|woon\s+in|woont\s+in|geboren\s+in|verhuisd\s+naar|kom\s+uit|komt\s+uit|"
    r"mieszkam\s+w|mieszka\s+w|urodził\w*\s+się\s+w|pochodzę\s+z|pochodzi\s+z)\b)"
)
_PERSONAL_AFTER = re.compile(
    r"(?i:\b(?:with\s+me|with\s+us|to\s+visit|where\s+(?:i|we|he|she|they)\s+live|is\s+my\s+home|"
    r"mit\s+mir|avec\s+moi|conmigo|con\s+me|met\s+mij|ze\s+mną)\b)"
)
_SENTENCE_STOP = re.compile(r"[.!?;\n]")


def personal_place(text: str, start: int, end: int) -> bool:
    """Whether the sentence around the place ``text[start:end]`` ties it to a person."""
    lo = max(0, start - 120)
    for m in _SENTENCE_STOP.finditer(text, lo, start):
        lo = m.end()
    hi = min(len(text), end + 60)
    stop = _SENTENCE_STOP.search(text, end, hi)
    hi = stop.start() if stop else hi
    return bool(_PERSONAL_BEFORE.search(text, lo, start) or _PERSONAL_AFTER.search(text, end, hi))


def place_cue(text: str) -> bool:
    """Whether the text ties some place to a person anywhere (places are then NER candidates)."""
    return bool(_PERSONAL_BEFORE.search(text) or _PERSONAL_AFTER.search(text))


_CAP = r"[A-ZÀ-ÖØ-ÞŁŚŻŹĆŃŠŽČŘÞΑ-ΩА-Я][\w'’.\-]*"
_LINK = r"(?:de|du|del|la|le|upon|am|an|der|sur|nad|u)[ \-]"
_PLACE = rf"(?P<place>{_CAP}(?:[ \-](?:{_LINK})?{_CAP}){{0,4}})"
# Found verb first (one fast scan), then its subject just before and the place just after.
# Verbs of living and origin that carry their person in other languages ("ich wohne in").
_RESIDENCE = (
    r"wohne|wohnt|wohnen|lebe|lebt|leben|stamme|stammt|umgezogen|j'habite|j’habite|habite|"
    r"habitons|vit|vis|originaire|vivo|vive|vivimos|nací|nació|nacido|nacida|abito|abita|nato|"
    r"nata|woon|woont|verhuisd|mieszkam|mieszka|urodził\w*\s+się|pochodzę|pochodzi"
)
_VERB_RX = re.compile(
    rf"(?i:(?<![\w'’]){_VERB}(?![\w'’])|(?<![\w'’])(?:{_RESIDENCE})(?![\w'’])"
    r"|(?<![\w'’])(?:i|we|he|she|they)(?:'m|’m|'re|’re|'s|’s|\s+am|\s+are|\s+is)(?=\s+(?:in|at)\b)"
    r"|\bborn\b|\bhometown\b|\bhome\s+town\b|\bhome\s+city\b|\bbirthplace\b)"
)
_SUBJECT_BEFORE = re.compile(
    rf"(?:(?i:(?<![\w'’]){_SUBJECT}|who)|[A-ZÀ-Þ][a-zß-ÿ]+)(?:\s+[\w'’]+){{0,3}}?\s+$"
)
_NEEDS_NO_SUBJECT = re.compile(
    rf"(?i)(?:{_RESIDENCE})$|"
    r"(?:i|we|he|she|they)(?:'m|’m|'re|’re|'s|’s|\s+am|\s+are|\s+is)$|born$|hometown$|"
    r"home\s+town$|home\s+city$|birthplace$"
)
_PLACE_AFTER = re.compile(
    r"(?:\s+(?:here|there|back|up|originally|[a-z]+\s+(?:morning|evening|night|week|year|day)))?"
    r"\s+(?i:in|from|to|at|near|into|à|au|a|en|aus|nach|de|di|da|uit|naar|w|z|ze)?\s*" + _PLACE
)
_TRIP = re.compile(rf"(?i:\b(?:from|to|via|through|then|and\s+then)\s+){_PLACE}")
_TRAILING_WORDS = re.compile(r"(?:\s+(?:[A-ZÀ-Þ][a-zß-ÿ]+day|On|In|At|For|Next|Last))+$")


# "Where: Kisbarát Country Club", "City: Lahti": a place under a label of a form.
_LABELLED = re.compile(
    r"(?im:^[ \t>}]*(?:where|location|city|town|country|place of birth|birthplace|hometown|"
    r"ort|wohnort|ville|lieu|ciudad|lugar|città|luogo|plaats|woonplaats|miejscowość|miasto)"
    rf"[ \t]*:[ \t]*){_PLACE}"
)


class LocationRecognizer(OwnRecognizer):
    """A place right after a phrase that ties it to a person ("we moved here from Cyprus",
    "Ms. Philippen flew to Fortaleza", "who grew up in TRESPARRETT", "I'm in Stachy"), or under
    a form's label ("Where:", "City:")."""

    def __init__(self, language: str) -> None:
        super().__init__("LOCATION", language, f"LocationRecognizer_{language}")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        matches = list(_LABELLED.finditer(text))
        for v in _VERB_RX.finditer(text):
            if not _NEEDS_NO_SUBJECT.search(v.group()) and not _SUBJECT_BEFORE.search(
                text, max(0, v.start() - 60), v.start()
            ):
                continue
            after = _PLACE_AFTER.match(text, v.end())
            if after:
                matches.append(after)
        for m in list(matches):
            # The same trip's other places: "arrived at Hythe this morning from Portugal".
            stop = _SENTENCE_STOP.search(text, m.end())
            matches += _TRIP.finditer(text, m.end(), stop.start() if stop else len(text))
        for m in matches:
            place = m.group("place").rstrip(".")
            place = _TRAILING_WORDS.sub("", place)
            if not place or place.lower() in _NOT_PLACES:
                continue
            start = m.start("place")
            out.append(RecognizerResult("LOCATION", start, start + len(place), 0.8))
        return out


_NOT_PLACES = {"the", "a", "an", "my", "our", "his", "her", "their", "i", "you", "we", "he", "she"}
