"""Person names beyond the NER model: titles, known given names, greetings and sign-offs.

The NER model only runs for languages with an installed spaCy pipeline, and even there misses
names in short chat turns. This recognizer adds, for every language:

- a title followed by capitalized words (``Frau Schneider``, ``M. Dupont``, ``Pan Kowalski``);
- a known given name (lexicon.json, from Faker's European locales, minus given names that are also
  common words or places) followed by capitalized surname words (``Jan de Vries``);
- a known given name alone right after a greeting, sign-off or relation word (``Hi Anna``,
  ``my colleague Lukas``), or anywhere when it is no word, place or product name (``Why is Sven
  so impulsive?``).

``plausible_person`` filters PERSON spans from any source: no digits or symbols, capitalized,
not a country, large city, month or weekday.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from proxy.detect.recognizers.base import OwnRecognizer

_LOW = "a-zß-öø-ÿąćęłńśźżšžčřďťňőűđľĺŕ"
_UPC = "A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻŠŽČŘĎŤŇŐŰĐĽĹŔ"
_CAP = (
    rf"(?:[{_UPC}]['’][{_UPC}][{_LOW}]+"  # O'Connor, D'Angelo
    rf"|(?:Mc|Mac|De|Di|Le|La)[{_UPC}][{_LOW}]+"  # McDonald, DeVries
    rf"|[{_UPC}][{_LOW}]+(?:[-'’][{_UPC}]?[{_LOW}]+)?)"
)
_PARTICLE = (
    r"(?:(?:van\s(?:der\s|den\s|de\s)?|von\s(?:der\s)?|de\s(?:la\s)?|del\s|della\s|di\s|da\s"
    r"|du\s|le\s|la\s|dos\s|das\s|ter\s|ten\s|op\s'?t\s)?)"
)
_TITLES = (
    r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Herr|Herrn|Frau|Hr|Fr|Mme|Mlle|Monsieur|Madame|"
    r"Mademoiselle|Señor|Señora|Señorita|Sr|Sra|Srta|Don|Doña|Sig|Sig\.ra|Signor|Signora|"
    r"Signorina|Dott|Dott\.ssa|Ing|Avv|dhr|mevr|mw|meneer|mevrouw|Pan|Pani|Pana|Panią|Panem|"
    r"Panu|Senhor|Senhora|Maître|Me|Doktor|Docteur|Doctor"
)
_TITLE_NAME = re.compile(
    rf"(?<![\w.])(?:{_TITLES}|(?i:mr|mrs|ms|dr|prof)\.)\.?\s+(?:(?:{_TITLES})\.?\s+)*(?P<name>{_CAP}(?:\s(?:[A-Z]\.?\s)?{_PARTICLE}{_CAP}){{0,2}}|{_PARTICLE}{_CAP})"
)
_M_DOT = re.compile(rf"(?<![\w.])M\.\s(?P<name>{_CAP}(?:\s{_CAP})?)")
_WORD = re.compile(rf"(?<![\w@.]){_CAP}(?![\w@])")
_REST = re.compile(rf"(?:[ \t](?:[A-Z]\.?[ \t])?{_PARTICLE}{_CAP}){{1,2}}(?![\w@])")
_GREETING = re.compile(
    r"(?i:\b(?:hi|hello|hey|dear|thanks|thank\s+you|cheers|regards|best|yours|sincerely|"
    r"colleague|coworker|co-worker|friend|boss|manager|wife|husband|partner|son|daughter|mother|"
    r"father|brother|sister|patient|client|customer|employee|neighbou?r|hallo|liebe|lieber|"
    r"grüße|gruß|grüßen|danke|kollege|kollegin|chef|chefin|mitarbeiter|mitarbeiterin|bonjour|"
    r"salut|cher|chère|merci|cordialement|collègue|hola|querido|querida|gracias|saludos|"
    r"compañero|compañera|ciao|caro|cara|grazie|saluti|collega|hoi|beste|groeten|bedankt|"
    r"cześć|dzień\s+dobry|drogi|droga|dziękuję|pozdrawiam|kolega|koleżanka|olá|obrigado|"
    r"named|called|namens|appelle|llamo|chiamo|heet|nazywa|chama)\b)[,:]?\s+(?P<name>"
    + _CAP
    + r")(?![\w@])"
)
_KEY_STRICT = (
    r"first_?name|last_?name|given_?name|family_?name|sur_?name|full_?name|middle_?name|"
    r"maiden_?name|vorname|nachname|familienname|prénom|prenom|nom_de_famille|nombre|apellidos?|"
    r"nome|cognome|voornaam|achternaam|imię|imie|nazwisko|account_?holder|kontoinhaber|titulaire|"
    r"titular|intestatario|rekeninghouder|contact_?person|ansprechpartner(?:in)?"
)
_KEY_LOOSE = r"name|customer|client|patient|employee|contact|user|guest|passenger|applicant|author"
_VALUE = r"[^\W\d_][^\W\d_'’.\-]*(?:[ \-][^\W\d_][^\W\d_'’.\-]*){0,3}"
_KEYED = re.compile(
    rf"(?i:(?<![^\W_])(?P<key>{_KEY_STRICT}|{_KEY_LOOSE})(?![^\W_]))[\"']?\s*[:=]\s*[\"']?(?P<value>{_VALUE})"
)
# "my name is sophie turner": first-person naming, where even a lower-case value is a name.
_NAMED = re.compile(
    r"(?i:\b(?:my\s+name\s+is|name\s+is|ich\s+heiße|ich\s+heisse|mein\s+name\s+ist|"
    r"je\s+m'appelle|je\s+m’appelle|mon\s+nom\s+est|me\s+llamo|mi\s+nombre\s+es|mi\s+chiamo|"
    r"il\s+mio\s+nome\s+è|ik\s+heet|mijn\s+naam\s+is|nazywam\s+się|mam\s+na\s+imię)\s+)"
    r"(?P<value>[^\W\d_]{2,}(?:[ \-](?!(?i:and|und|et|y|e|en|i|from|von|aus|de|da|di|z|from)\b)"
    r"[^\W\d_]{2,})?)"
)
_NOT_SURNAME = {
    "The",
    "And",
    "Or",
    "But",
    "In",
    "On",
    "At",
    "To",
    "For",
    "From",
    "With",
    "By",
    "Of",
    "Is",
    "Was",
    "Are",
    "Has",
    "Had",
    "Will",
    "Can",
    "Der",
    "Die",
    "Das",
    "Und",
    "Ist",
    "Le",
    "La",
    "Les",
    "Et",
    "Est",
    "El",
    "Los",
    "Las",
    "Y",
    "Il",
    "Lo",
    "Gli",
    "E",
    "Het",
    "En",
    "Een",
    "I",
    "You",
    "He",
    "She",
    "We",
    "They",
    "It",
    "My",
    "Your",
    "His",
    "Her",
    "Our",
    "Their",
    "Street",
    "Road",
    "Avenue",
    "Lane",
    "Straße",
    "Strasse",
    "Platz",
    "Weg",
    "Rue",
    "Via",
    "Calle",
    "Plaza",
    "Straat",
    "Laan",
    "Ulica",
    "Station",
    "Airport",
    "Hospital",
    "University",
    "School",
    "Bank",
    "Group",
    "Inc",
    "Ltd",
    "GmbH",
    "AG",
    "SA",
    "Team",
    "Project",
    "Day",
}


@cache
def _data() -> dict[str, frozenset[str]]:
    data = json.loads((Path(__file__).parent.parent / "data" / "lexicon.json").read_text())
    out = {
        "first": frozenset(data["first_names"]),
        "ambiguous": frozenset(data["ambiguous_first_names"]),
        "surnames": frozenset(data["surnames"]),
        "world": frozenset(data["world_given_names"]) | frozenset(data["world_surnames"]),
        "world_first": frozenset(data["world_given_names"]),
        "world_last": frozenset(data["world_surnames"]),
        "not": frozenset(n.lower() for n in data["not_names"])
        | frozenset(n.lower() for n in data["public_figures"]),
        "figures": frozenset(n.lower() for n in data["public_figures"]),
        "places": frozenset(n.lower() for n in data["places"]),
    }
    stop = _stop_words()
    out["first_lower"] = frozenset(n.lower() for n in out["first"]) - stop
    out["surnames_lower"] = frozenset(n.lower() for n in out["surnames"]) - stop
    return out


@cache
def _stop_words() -> frozenset[str]:
    """Stop words of every supported language, lower-cased."""
    import spacy

    from proxy.config import DETECTION_LANGUAGES

    return frozenset(
        w.lower() for lang in DETECTION_LANGUAGES for w in spacy.blank(lang).Defaults.stop_words
    )


def place_name(word: str) -> bool:
    """A country or a large city the lexicons know."""
    return word.lower() in _data()["places"]


def stop_word(word: str) -> bool:
    """A stop word of a supported language."""
    return word.lower() in _stop_words()


def common_word(word: str) -> bool:
    """A stop word of a supported language, or a word the lexicons know is never a name."""
    w = word.lower()
    return w in _stop_words() or w in _data()["not"]


def lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(known given names, lower-cased words that are never a name on their own)."""
    d = _data()
    return d["first"], d["not"]


def plausible_person(value: str, cased: bool = True, named: bool = False) -> bool:
    """Whether a PERSON candidate looks like a name rather than a word, place, date or code
    (``cased``: it must hold a capital, unless it was named as such: "my name is sophie";
    ``named``: the context says it is a name, so a given name that is also a word or a place,
    "My name is Sofia", still counts)."""
    v = value.strip(" '’\"")
    if not v or any(c.isdigit() or c in "@/\\#_=<>{}[]()" for c in v) or len(v) < 2:
        return False
    toks = [t for t in re.split(r"[\s,]+", v) if t]
    if (cased and not any(t[0].isupper() for t in toks)) or (v.isupper() and len(toks) == 1):
        return False
    if cased and not v.isupper():
        # "Convert this JSON to YAML": every word of a name is capitalized, or a particle.
        if any(
            not (t[0].isupper() or t.lower() in _PARTICLES)
            or (len(t) > 1 and t.isupper() and not _INITIAL.fullmatch(t))
            for t in toks
        ):
            return False
    if toks[-1].lower().strip(".") in _PLACE_NOUNS:
        return False  # "Victoria Station"
    d = _data()
    word = v.removesuffix("'s")
    if named:
        return v.lower() not in d["figures"]
    if len(toks) == 1 and (word.lower() in d["not"] or word in d["ambiguous"]):
        return False
    return v.lower() not in d["not"]


def given_name(value: str) -> bool:
    """A single word the lexicons know as a given name of any nationality, never a word."""
    d = _data()
    return (value in d["first"] or value in d["world_first"]) and value not in d["ambiguous"]


def ambiguous_name(value: str) -> bool:
    """A given name that is also a word, a place or a product ("May", "Rose", "Hugo")."""
    return value in _data()["ambiguous"]


def unambiguous_name(value: str) -> bool:
    """A single word the lexicons know as a name and never as a word or a place."""
    d = _data()
    return value not in d["ambiguous"] and known_name(value)


def known_name(value: str) -> bool:
    """A single word that the lexicons know as a given name or a surname, of any nationality."""
    d = _data()
    return (
        value in d["first"]
        or value in d["surnames"]
        or value in d["ambiguous"]
        or value in d["world"]
    )


# Words around a name that say it is a person: pronouns, relations, titles, verbs said of people,
# in every supported language. A lone word the NER model tags needs one of these in its sentence
# unless the lexicons know it as a name.
_CUE_WORDS = (
    r"he|she|him|her|his|hers|himself|herself|he's|she's|mr|mrs|ms|miss|dr|sir|madam|"
    r"friend|kid|kids|son|daughter|wife|husband|partner|boss|colleague|coworker|mother|mom|mum|"
    r"father|dad|brother|sister|uncle|aunt|cousin|grandma|grandpa|neighbou?r|patient|client|"
    r"customer|employee|manager|child|children|baby|boyfriend|girlfriend|fiancée?|tenant|"
    r"student|teacher|doctor|nurse|lawyer|ceo|founder|founders|author|singer|actor|actress|"
    r"said|says|say|told|tells|asked|asks|shouted|yelled|called|calls|named|met|meet|meets|wrote|"
    r"writes|replied|answered|lives|lived|living|born|married|died|works|worked|sang|sung|"
    r"directed|starring|talking|talked|speak|speaks|spoke|thanks|thank|hi|hello|hey|dear|"
    r"remember|visited|knows|knew|loves|loved|hates|likes|gave|given|sent|emailed|texted|"
    r"follow up with|beneficiary|name|named|nickname|surname|write|email|e-mail|call|ask|tell|"
    r"schreib|schreibe|ruf|frag|écris|écrire|appelle|demande|escribe|llama|pregunta|scrivi|"
    r"chiama|chiedi|schrijf|bel|vraag|napisz|zadzwoń|zapytaj|compañero|compañera|collega|kolega|"
    r"koleżanka|collègue|colleague|"
    r"er|ihm|ihn|sein|seine|herr|frau|kollege|kollegin|freund|"
    r"freundin|sohn|tochter|mutter|vater|bruder|schwester|sagte|fragte|wohnt|heißt|"
    r"elle|lui|son|sa|ses|monsieur|madame|ami|amie|fils|fille|mère|père|frère|"
    r"sœur|collègue|dit|habite|appelle|"
    r"él|ella|su|sus|señor|señora|amigo|amiga|hijo|hija|madre|padre|hermano|hermana|"
    r"dijo|vive|llama|"
    r"lei|suo|sua|signor|signora|amico|amica|figlio|figlia|fratello|"
    r"sorella|disse|abita|chiama|"
    r"hij|zij|zijn|haar|meneer|mevrouw|vriend|vriendin|zoon|dochter|moeder|vader|broer|"
    r"zus|zei|woont|heet|"
    r"ona|jego|jej|pan|pani|przyjaciel|syn|córka|matka|ojciec|brat|siostra|"
    r"powiedział|mieszka"
)
PERSON_CUE = re.compile(rf"(?<![\w'’])(?:{_CUE_WORDS})(?![\w'’])", re.IGNORECASE)
_POSSESSIVE_AFTER = re.compile(r"['’]s?\b")
_VOCATIVE = re.compile(r"^\s*[,!?:]|^\s*$")
_SENTENCE_STOP = re.compile(r"[.!?;\n]")


def person_cue(text: str, start: int, end: int) -> bool:
    """Whether the sentence around ``text[start:end]`` says it names a person: a cue word within
    60 characters before or 40 after (inside the sentence), a possessive ("Ralf's kid"), or a
    vocative ("Remember me, Steven?", "Renátó, can I...", "Vanessa:")."""
    lo = max(0, start - 60)
    for m in _SENTENCE_STOP.finditer(text, lo, start):
        lo = m.end()
    hi = min(len(text), end + 40)
    stop = _SENTENCE_STOP.search(text, end, hi)
    hi = stop.start() if stop else hi
    if PERSON_CUE.search(text, lo, start) or PERSON_CUE.search(text, end, hi):
        return True
    if _POSSESSIVE_AFTER.match(text, end):
        return True
    before = text[max(0, start - 2) : start]
    return bool(_VOCATIVE.match(text[end : end + 3])) and (
        start == 0 or before.endswith((", ", "\n", ": ")) or text[start - 1] in "\n"
    )


def place_context(text: str, start: int, end: int) -> bool:
    """Whether a PERSON candidate is part of a place name: "Santa Maria Novella", "Pisa airport"."""
    return bool(_SAINT_BEFORE.search(text, max(0, start - 8), start)) or bool(
        _PLACE_AFTER.match(text, end)
    )


_INITIAL = re.compile(r"[A-ZÀ-Þ]\.")
_PARTICLES = {
    "van", "von", "der", "den", "de", "la", "le", "di", "da", "del", "della", "du", "des", "dos",
    "das", "ter", "ten", "y", "e", "bin", "al", "el", "zu", "af", "op", "'t", "d'", "l'",
}  # fmt: skip
_PLACE_NOUNS = {
    "plc", "llc", "corp", "corporation", "company", "co", "sa", "spa", "nv", "bv", "ab", "asa",
    "trust", "fund", "partners", "holdings", "systems", "technologies", "solutions", "services",
    "capital", "energy", "international", "industries", "limited", "shares", "series",
    "station", "street", "st", "road", "avenue", "airport", "hospital", "university", "school",
    "church", "hotel", "park", "bridge", "tower", "museum", "square", "hall", "centre", "center",
    "stadium", "theatre", "theater", "cathedral", "palace", "castle", "bank", "group", "inc", "ltd",
    "gmbh", "ag", "foundation", "institute", "college", "academy", "clinic", "library", "gallery",
    "arena", "lake", "river", "mountain", "island", "bay", "valley", "county", "city", "port",
    "bahnhof", "flughafen", "straße", "platz", "gare", "aéroport", "aeropuerto", "aeroporto",
    "stazione", "estación",
}  # fmt: skip
_SAINT_BEFORE = re.compile(r"\b(?:Santa|Santo|San|Saint|Sainte|St|Ste|Sankt|São|Sant')\.?\s+$")
_PLACE_AFTER = re.compile(
    r"\s+(?:airport|station|street|road|avenue|hospital|university|square|bridge|tower|museum|"
    r"stadium|cathedral|palace|castle|bahnhof|flughafen|gare|aéroport|aeropuerto|aeroporto|"
    r"stazione)\b",
    re.IGNORECASE,
)


_INFLECTED = {"pl", "cs", "sk"}
_ENDINGS = (
    ("owi", ""),
    ("em", ""),
    ("ą", "a"),
    ("ę", "a"),
    ("y", "a"),
    ("i", "a"),
    ("a", ""),
    ("u", ""),
)


def _base_form(word: str, firsts: frozenset[str]) -> str:
    """The nominative of an inflected given name, if it is a known one: Anną, Annę -> Anna;
    Tomasza, Tomaszem -> Tomasz; Janowi -> Jan. Otherwise the word itself."""
    for ending, base in _ENDINGS:
        if word.endswith(ending) and word[: -len(ending)] + base in firsts:
            return word[: -len(ending)] + base
    return word


# A capitalized word just before: the name is part of a longer proper noun ("La Maddalena").
_CAPITALIZED_BEFORE = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-ZÀ-Þ][\w'’]*\s+$")
# A given name followed by these is a product or a place: "Hugo site", "Victoria Station".
_NOT_LONE = re.compile(r"[.\-]\w|\s+(?:\d|[A-ZÀ-Þ][a-zß-ÿ]+\s+\d)")
_WORLD_PAIR = re.compile(rf"(?<![\w@.])({_CAP})(?=[ \t](?:[A-Z]\.?[ \t])?({_CAP})(?![\w@]))")
# A middle initial between two capitalized words: "Beaufort A Turgeon", "Elfa H. Kristjánsdóttir".
_INITIALLED = re.compile(rf"(?<![\w@.])({_CAP})[ \t][A-ZÀ-Þ]\.?[ \t]({_CAP})(?![\w@])")
# Words that take a letter after them: "Terminal B", "Class A", "Appendix C".
_LABELLED = frozenset(
    "terminal gate pier platform building wing block level floor room unit section type class "
    "series grade plan vitamin hepatitis model version phase stage schedule exhibit appendix "
    "annex figure table chapter part article option group team division category tier zone "
    "area sector lot row seat track side".split()
)
NAMED = "named"  # recognition metadata: the context itself says this is a name
_LOWER_PAIR = re.compile(r"(?<![\w@.])([a-zß-öø-ÿ]{3,})(?=\s([a-zß-öø-ÿ]{3,})(?![\w@]))")


# Slots a sentence keeps for a person's name, whatever the name (no lexicon needed): after "call
# me", "named", "last name?", a verb of speech ("said Naile"), "directed by", a relation ("my kid
# Jaroslava", "my partner's name ..."); before a verb of speech or of a life ("Shamhan lives
# on", "Polycarp Voronov, the mechanic, said"), a possessive of a relation or of someone's data
# ("Sandra's address"); a vocative ("Renátó, can I ...", "leave me Towa,"); a speaker's label
# in a dialogue ("Arya: What a wife.").
NAME_SHAPE = rf"(?P<name>{_CAP}(?:\s(?:[A-Z]\.?\s)?{_PARTICLE}{_CAP}){{0,2}})(?![\w@])"
_RELATIONS = (
    r"kids?|sons?|daughters?|child|children|wife|husband|partner|spouse|friend|boyfriend|"
    r"girlfriend|fiancée?|boss|colleague|co-?worker|mother|mom|mum|father|dad|brother|sister|"
    r"uncle|aunt|cousin|grand(?:mother|father|ma|pa|son|daughter)|niece|nephew|neighbou?r|"
    r"roommate|flatmate|landlord|landlady|tenant|guardian|step(?:son|daughter|mother|father)|"
    r"baby|manager|assistant|teacher|doctor|lawyer|client|customer|patient"
)
_SPEECH = r"said|says|shouted|yelled|whispered|screamed|asked|told|replied|explained|answered"
_BEFORE_SLOT = re.compile(
    r"(?i:\b(?:(?:call(?:s|ed)?|know[ns]?)\s+me|named|nicknamed|"
    r"(?:last|first|family|given|middle|maiden|full|sur)\s*name(?:\s+is)?\s*[?:]?|"
    r"name\b[^?\n]{0,30}\?\s*(?:\w+:)?|"
    rf"(?:{_SPEECH})(?:\s+to)?|"
    r"(?:directed|written|sung|performed|produced|composed|narrated|authored)\s+by:?|"
    r"starring|featuring|"
    rf"(?:my|our|his|her|their|your)\s+(?:\w+\s+)?(?:{_RELATIONS})(?:['’]s\s+name)?)"
    r"[ \t]+)" + NAME_SHAPE
)
_AFTER_SLOT = re.compile(
    NAME_SHAPE + r"(?:,[^,.;!?\n]{3,40},)?"  # "Polycarp Voronov, the Power plant mechanic, said"
    rf"\s+(?i:(?:{_SPEECH}|lives|lived|grew\s+up|was\s+born|married|died|passed\s+away|"
    r"shouted\s+at|is\s+(?:very\s+)?(?:reliable|kind|nice|friendly|impulsive|late|sick|"
    r"pregnant|married|divorced|retired))\b)"
)
_POSSESSIVE_SLOT = re.compile(
    NAME_SHAPE + rf"['’]s\s+(?i:(?:{_RELATIONS})\b|(?:address|phone|number|e-?mail|birthday|"
    r"killers?|murder(?:er)?|funeral|wedding|family|parents|home|house|car|salary|diagnosis)\b)"
)
_VOCATIVE_SLOT = re.compile(
    r"(?:^|(?<=\n)|(?<=[.!?]\s))[ \t]*" + NAME_SHAPE + r",\s+(?i:can|could|would|will|please|i|we|"
    r"do|did|are|is|have|thanks|thank|you|remember|listen|look|come|wait|where|why|how|what)\b"
)
_ADDRESSED_SLOT = re.compile(
    r"\b(?i:me|hi|hello|hey|dear|thanks|thank\s+you|bye|goodbye),?\s+"
    + NAME_SHAPE
    + r"(?=\s*[,!?:]|\s*$)"
)
# A speaker's line says something: a quote or three words at least ("Product: Grafana" is a form).
_SPEAKER = re.compile(
    r"(?m:^[ \t>]*" + NAME_SHAPE + r"[ \t]*:[ \t]*(?:[\"“'‘]|[^\s:]+[ \t]+[^\s:]+[ \t]+\S))"
)
# Labels that head a line like a speaker's name but are none.
_LABELS = frozenset(
    "note notes answer question bot user assistant system warning error example input output "
    "summary subject date time name address phone email re fwd step title description status "
    "result response request tip hint update todo fix feature bug task goal context agenda "
    "location where when who what why how comment comments reply customer agent client support "
    "admin operator moderator host guest caller q a action notice important attention".split()
)


def _slot_names(text: str) -> list[tuple[int, int]]:
    """Names standing where a sentence puts a person, known to the lexicons or not."""
    if not any(not common_word(w.group()) for w in _WORD.finditer(text)):
        return []  # no capitalized word but stop words, places, months and products
    out = []
    for rx in (_BEFORE_SLOT, _AFTER_SLOT, _POSSESSIVE_SLOT, _VOCATIVE_SLOT, _ADDRESSED_SLOT):
        for m in rx.finditer(text):
            name = m.group("name")
            if not slot_name(name):
                continue
            if rx is _AFTER_SLOT and " " not in name and not known_name(name):
                # "Apple said", "Microsoft says": companies speak too; a lone word before a
                # verb of speech is a name only when the lexicons know it as one.
                if _SPEECH_RX.match(text, m.end("name")):
                    continue
            out.append((m.start("name"), m.end("name")))
    speakers = [
        m
        for m in _SPEAKER.finditer(text)
        if slot_name(m.group("name")) and m.group("name").lower() not in _LABELS
    ]
    if len(speakers) >= 2 or any(known_name(m.group("name")) for m in speakers):
        out += [(m.start("name"), m.end("name")) for m in speakers]
    return out


def slot_name(value: str) -> bool:
    """A capitalized name shape, none of its words a stop word, month, place, product, generic
    addressee ("Team", "Support") or historical figure, and no acronym."""
    words = [w for w in value.split() if not _INITIAL_ANY.fullmatch(w)]
    if not words or value.lower() in _data()["figures"]:
        return False
    if any(w.lower() in _LABELS or w.lower() in _ADDRESSEES for w in words):
        return False
    return not any(common_word(w) or (w.isupper() and len(w) > 1) for w in words)


_INITIAL_ANY = re.compile(r"[A-ZÀ-Þ]\.?")
_SPEECH_RX = re.compile(rf"(?:,[^,.;!?\n]{{3,40}},)?\s+(?i:{_SPEECH})\b")
# Who a message greets or thanks when it is no one in particular.
_ADDRESSEES = frozenset(
    "team all everyone everybody guys folks support sir madam there friends colleagues world "
    "bot assistant chatgpt thanks thank hi hello hey dear cheers regards best morning evening "
    "afternoon night sales hr it finance legal ops devops staff management board committee "
    "leadership partners customers users members".split()
)


def _result(start: int, end: int, score: float, named: bool = False) -> RecognizerResult:
    return RecognizerResult(
        "PERSON", start, end, score, recognition_metadata={NAMED: True} if named else {}
    )


class NameRecognizer(OwnRecognizer):
    """Names by title, by known given name plus surname, by greeting, by structured key, by
    first-person naming, and in lower case by given name plus surname next to a person cue."""

    def __init__(self, language: str) -> None:
        super().__init__("PERSON", language, f"NameRecognizer_{language}")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        firsts, not_names = lexicon()
        out: list[RecognizerResult] = []
        for rx in (_TITLE_NAME, _M_DOT):
            for m in rx.finditer(text):
                if m.group("name").lower() not in not_names:
                    out.append(_result(m.start("name"), m.end("name"), 0.8, named=True))
        d = _data()
        for m in _WORD.finditer(text):
            word = m.group()
            if self.supported_language in _INFLECTED and word not in firsts:
                word = _base_form(word, firsts)
            rest = _REST.match(text, m.end()) if word in firsts or word in d["ambiguous"] else None
            if rest is None:
                if (
                    word in firsts
                    and not stop_word(word)
                    and not _NOT_LONE.match(text, m.end())
                    and not _CAPITALIZED_BEFORE.search(text, max(0, m.start() - 30), m.start())
                ):
                    # "Why is Sven so impulsive?": a lone given name that is no word or place.
                    out.append(_result(m.start(), m.end(), 0.6))
                continue
            toks = rest.group().split()
            surname = toks[-1] in d["surnames"] or toks[-1] in d["world"] or toks[0].islower()
            if word in d["ambiguous"] and not (surname or person_cue(text, m.start(), rest.end())):
                continue  # "Rosa Poza", "Max Mustermann lives..." count, "Rose Garden" does not
            end = m.end()
            for tok in toks:
                if tok in _NOT_SURNAME or tok.lower() in not_names:
                    break
                end = text.index(tok, end) + len(tok)
            if end > m.end() and text[end - 1].isalpha() and text[end - 1].islower():
                out.append(_result(m.start(), end, 0.75))
        for m in _WORLD_PAIR.finditer(text):
            # "Tanaka Hiroshi", "Đurđa Jovanović": a given name and a surname of any nationality.
            first, last = m.group(1), m.group(2)
            if (
                first in d["world_first"]
                and (last in d["world_last"] or last in d["surnames"])
                and not (common_word(first) or common_word(last))
                and first not in d["ambiguous"]
            ):
                out.append(_result(m.start(), m.end(2), 0.7))
        for m in _INITIALLED.finditer(text):
            # The initial is evidence of its own: one known name of any nationality is enough
            # ("Harry S Truman", "Beaufort A Turgeon"); "Vitamin D Deficiency" has none.
            first, last = m.group(1), m.group(2)
            known = (
                first in firsts
                or first in d["world_first"]
                or last in d["surnames"]
                or last in d["world_last"]
            )
            if (
                known
                and first not in d["ambiguous"]
                and first.lower() not in _LABELLED
                and slot_name(m.group())
            ):
                out.append(_result(m.start(), m.end(2), 0.65))
        for m in _KEYED.finditer(text):
            # "first_name": "Anna" / Name: Anna Schmidt / "customer": "Jan de Vries"
            value, strict = m.group("value"), re.fullmatch(_KEY_STRICT, m.group("key"), re.I)
            toks = value.split()
            if (
                strict
                or toks[0] in firsts
                or toks[0] in d["ambiguous"]
                or toks[-1] in d["surnames"]
            ):
                if value.lower() not in not_names:
                    out.append(_result(m.start("value"), m.end("value"), 0.85, named=True))
        for m in _NAMED.finditer(text):
            if m.group("value").lower() not in not_names:
                out.append(_result(m.start("value"), m.end("value"), 0.8, named=True))
        for m in _GREETING.finditer(text):
            name = m.group("name")
            vocative = _VOCATIVE.match(text[m.end("name") : m.end("name") + 3])
            if name in firsts or (vocative and known_name(name) and not common_word(name)):
                out.append(_result(m.start("name"), m.end("name"), 0.7, named=True))
        for start, end in _slot_names(text):
            out.append(_result(start, end, 0.7, named=True))
        lower_pairs = _LOWER_PAIR.finditer(text) if PERSON_CUE.search(text) else ()
        for m in lower_pairs:
            # "i met sophie turner yesterday": a known given name and surname, said of a person.
            first, last = m.group(1), m.group(2)
            end = m.end(2)
            if (
                first in d["first_lower"]
                and last in d["surnames_lower"]
                and person_cue(text, m.start(), end)
            ):
                out.append(_result(m.start(), end, 0.7, named=True))
        return out
