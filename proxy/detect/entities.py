"""What the NER model's entities become: a person, a place, or nothing.

The small spaCy pipelines label many names of people as an organization or a place ("The true
gender of Nikolaj", "said Naile to Caitlin"), and many words as a person ("Quarkus", "Convert").
Presidio reports every entity, so it masks such names by luck and alters most clean prompts. Here:

- an entity whose words are all known names (given names and surnames of every nationality the
  lexicons hold) is a PERSON, whatever its label;
- an entity labelled a person is a PERSON when it looks like a name (capitalized words, no digits,
  not a place or a historical figure) and, as a single word, when the lexicons know it or its
  sentence says it is a person (``person_cue``: "my kid Ralf", "said Naile", "Ralf's", "Remember
  me, Steven?");
- an entity of two to four capitalized words labelled otherwise is a PERSON when one word is a
  known name or it is addressed as a person ("Follow up with Đurđa Jovanović");
- an entity labelled a place is a LOCATION in a personal context (``personal_place``, or a person
  or an identifier in the same text); elsewhere it is a LOCATION "said of no one in its text",
  with ``UNANCHORED_SCORE``, which the request-level pass (``proxy.detect.request``) keeps when
  any text of the request holds a person or an identifier and drops otherwise.

``known_places`` does the same for the countries and large cities of the lexicons, which the NER
windows leave out of texts that speak of no one.

An entity that runs over a line break (an address block) is cut there, each line judged alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from proxy.detect.filters import SpanTuple
from proxy.detect.nlp import OPENERS
from proxy.detect.recognizers.addresses import BLOCK_LINE
from proxy.detect.recognizers.locations import personal_place
from proxy.detect.recognizers.names import (
    NAME_SHAPE,
    ambiguous_name,
    common_word,
    given_name,
    person_cue,
    place_context,
    place_name,
    plausible_person,
    slot_name,
    stop_word,
    unambiguous_name,
)
from proxy.detect.recognizers.special import UNANCHORED_SCORE

NER_SCORE = 0.85  # Presidio's score for an NER entity
PERSON_LABELS = frozenset({"PERSON", "PER"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_LINE = re.compile(r"[^\n]+")
_TOKEN = re.compile(r"[^\s,]+")
_INITIAL = re.compile(r"[A-ZÀ-Þ]\.?")
_WORD_AT = re.compile(r"(\w+)\s+")
_LEADING = re.compile(r"^(?:the|a|an|ex-\w+|dear|hi|hello|hey)\s+", re.IGNORECASE)


def _name_tokens(value: str) -> list[str]:
    return [t.strip("'’\".") for t in _TOKEN.findall(value)]


def _all_known(value: str) -> bool:
    """Every word a known name (a lone word: a known given name; "Renault" and "Philips" are
    companies as often as surnames)."""
    toks = [t.removesuffix("'s").removesuffix("’s") for t in _name_tokens(value)]
    names = [t for t in toks if not _INITIAL.fullmatch(t)]
    if len(names) == 1:
        return given_name(names[0]) and not common_word(names[0])
    return bool(names) and all(unambiguous_name(t) and not common_word(t) for t in names)


def from_ner(
    text: str, entities: Sequence[tuple[int, int, str]], personal: bool
) -> list[SpanTuple]:
    """PERSON and LOCATION spans among ``entities``; ``personal``: the text holds a person or an
    identifier already, so its places are someone's."""
    out: list[SpanTuple] = []
    persons: list[tuple[int, int]] = []
    places: list[tuple[int, int]] = []
    for start, end, label in entities:
        for line in _LINE.finditer(text, start, end):
            s, e = line.start(), line.end()
            lead = _LEADING.match(text, s, e)
            if lead:
                s = lead.end()
            opener = _WORD_AT.match(text, s, e)
            if opener and opener.group(1).lower() in OPENERS and opener.end() < e:
                s = opener.end()  # "Upgrade Vue": an imperative, then a product
            while e > s and text[e - 1] in " .,;:'’\"-":
                e -= 1
            if e <= s:
                continue
            value = text[s:e]
            if _all_known(value) and plausible_person(value, named=True):
                persons.append((s, e))
            elif label in PERSON_LABELS and _person(text, s, e, value):
                persons.append((s, e))
            elif label not in PERSON_LABELS and _mislabelled_person(text, s, e, value):
                persons.append((s, e))
            elif label in PLACE_LABELS and not _all_known(value):
                places.append((s, e))
    out += [(s, e, "PERSON", NER_SCORE) for s, e in persons]
    personal = personal or bool(persons)
    for s, e in places:
        anchored = personal or personal_place(text, s, e)
        out.append((s, e, "LOCATION", NER_SCORE if anchored else UNANCHORED_SCORE))
    return out


_CAPITALIZED = re.compile(r"(?<![\w@./\-])[A-ZÀ-Þ][\w'’\-]+")


def known_places(text: str, spans: Sequence[SpanTuple], personal: bool) -> list[SpanTuple]:
    """Countries and large cities the lexicons know, outside the spans found: LOCATION in a
    personal context, unanchored elsewhere."""
    out: list[SpanTuple] = []
    for m in _CAPITALIZED.finditer(text):
        s, e = m.start(), m.end()
        if not place_name(m.group()) or any(a <= s and e <= b for a, b, *_ in spans):
            continue
        anchored = personal or personal_place(text, s, e)
        out.append((s, e, "LOCATION", NER_SCORE if anchored else UNANCHORED_SCORE))
    return out


def _person(text: str, start: int, end: int, value: str) -> bool:
    """A name the NER model labels a person: several words, or one word that the lexicons know
    as a name, or that its sentence says is a person (then even "Guy" or "Nancy")."""
    if not plausible_person(value, named=True) or place_context(text, start, end):
        return False
    toks = _name_tokens(value)
    if len(toks) > 1:
        return plausible_person(value)
    word = toks[0].removesuffix("'s").removesuffix("’s")
    if stop_word(word):
        return False
    if common_word(word):
        return False  # a month, a place, a product: "the Kafka client", "the Jira ticket"
    if ambiguous_name(word):
        return person_cue(text, start, end)
    return unambiguous_name(word) or person_cue(text, start, end)


_ADDRESSED = re.compile(
    r"(?i:(?:follow\s+up\s+with|speak\s+(?:to|with)|talk\s+(?:to|with)|meet(?:ing)?\s+with|"
    r"named|called|contact|dear|hi|hello|thanks|thank\s+you|add)\s+)$"
)


def _mislabelled_person(text: str, start: int, end: int, value: str) -> bool:
    """A name of two to four words labelled otherwise: one of its words is a known name, or it
    is addressed as a person ("Follow up with Đurđa Jovanović")."""
    toks = _name_tokens(value)
    if not 2 <= len(toks) <= 4 or not plausible_person(value):
        return False
    if any(common_word(t) for t in toks) or place_context(text, start, end):
        return False
    return any(unambiguous_name(t) for t in toks) or bool(
        _ADDRESSED.search(text, max(0, start - 20), start)
    )


def block_after_person(text: str, spans: Sequence[SpanTuple]) -> list[SpanTuple]:
    """The lines under a name that stands alone on its line (a postal block: "Karen Sandgreen /
    Berhida / Hungary"): its town, country and postcode lines, as LOCATION."""
    out: list[SpanTuple] = []
    for s, e, t, _ in spans:
        if t != "PERSON" or not _LINE_END.match(text, e) or not _line_start(text, s):
            continue
        end, lines = e, 0
        while lines < 4 and (line := BLOCK_LINE.match(text, end)):
            end, lines = line.end(), lines + 1
        if lines:
            start = e + len(text[e:end]) - len(text[e:end].lstrip())
            out.append((start, end, "LOCATION", NER_SCORE))
    return out


_LINE_END = re.compile(r"[ \t]*\n")


def _line_start(text: str, start: int) -> bool:
    line = text[text.rfind("\n", 0, start) + 1 : start]
    return not any(c.isalnum() for c in line)


_BLOCK_PREFIX = re.compile(r"[ \t>}?*\-•|]*")
_NAME_LINE = re.compile(rf"{NAME_SHAPE}[ \t]*$")


def name_above_address(text: str, spans: Sequence[SpanTuple]) -> list[SpanTuple]:
    """The addressee of a postal block: a line holding only a name, at most three lines above an
    address that starts its own line ("Leigha Mackay / La Sagne / Switzerland" has none;
    "Eustaquia Acevedo / (blank) / 4317 Invalidenstrasse 19 / ..." has one)."""
    out: list[SpanTuple] = []
    for s, _, t, _ in spans:
        if t != "STREET_ADDRESS" or not _line_start(text, s):
            continue
        end = text.rfind("\n", 0, s)
        for _ in range(3):
            if end <= 0:
                break
            start = text.rfind("\n", 0, end) + 1
            line = _BLOCK_PREFIX.match(text, start, end)
            assert line is not None
            m = _NAME_LINE.match(text, line.end(), end)
            if m and " " in m.group("name") and _addressee(m.group("name")):
                out.append((m.start("name"), m.end("name"), "PERSON", NER_SCORE))
            end = start - 1
    return out


def _addressee(value: str) -> bool:
    return slot_name(value) and plausible_person(value) and not _COMPANY.search(value)


_COMPANY = re.compile(
    r"(?i:\b(?:inc|ltd|llc|plc|corp|corporation|company|co|group|holdings?|limited|gmbh|ag|sa|nv|"
    r"bv|trust|fund|bank|partners|services|solutions|systems|technologies|international)\b)"
)
_LIST_SEP = r"(?:,\s+(?:and\s+|or\s+|&\s+)?|\s+(?:and|or|&)\s+)"
_UNNAMED = NAME_SHAPE.replace("(?P<name>", "(?:")
_LIST = re.compile(rf"{_UNNAMED}(?:{_LIST_SEP}{_UNNAMED})+")
_ITEM = re.compile(NAME_SHAPE)


def conjoined_names(text: str, spans: Sequence[SpanTuple]) -> list[SpanTuple]:
    """Names listed with a person ("Cocci and Rios", "Svensson, Estrada and Scott"): every
    item of a list that holds a PERSON and that is itself a name shape."""
    persons = [(s, e) for s, e, t, _ in spans if t == "PERSON"]
    if not persons:
        return []
    out: list[SpanTuple] = []
    for m in _LIST.finditer(text):
        items = [(i.start(), i.end()) for i in _ITEM.finditer(text, m.start(), m.end())]
        if not any(s <= a and b <= e or a <= s < b for a, b in items for s, e in persons):
            continue
        for a, b in items:
            covered = any(s <= a and b <= e for s, e in persons)
            value = text[a:b]
            if value.split()[0].lower() in OPENERS:
                continue
            if not covered and slot_name(value) and plausible_person(value):
                out.append((a, b, "PERSON", NER_SCORE))
    return out
