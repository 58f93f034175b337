# ruff: noqa: E501  (address patterns read best one per line)
"""Street addresses in the European, UK and US forms chat users write them in (STREET_ADDRESS).

A street type word (``Street``, ``-straße``, ``rue``, ``Calle``, ``Via``, ``-straat``, ``ul.``...)
next to a house number; a street name between a building number and a house number in any script
(``64535 Svépomoc 219``, ``449 Πεντέλης 210``); a name and a number after "address:" or "lives
at"; a P.O. box and US military addresses (``Unit 9010 Box 4328 / DPO AP 80308``). What follows
is included in the span: a unit (``Apt. 616``, ``Suite 394``), a postcode and town, a state, and
the next lines of an address block (town, ``KEMINMAA, LL 55306``, country and postcode). Street
names without a number ("the office at Hauptstraße") are not an address of anyone.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from proxy.detect.recognizers.base import OwnRecognizer
from proxy.detect.recognizers.names import common_word

_U = "A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻŠŽČŘĎŤŇŐŰĐÞΑ-ΩА-Я"
_L = "a-zß-öø-ÿąćęłńśźżőšžčřďťňűđðþα-ωά-ώа-я"
_NAME = rf"[{_U}][{_L}'’\-]+"
_NUM = r"\d{1,4}(?:\s?[a-zA-Z](?![a-zA-Z]))?(?:\s?[-/]\s?\d{1,4}(?:[a-zA-Z](?![a-zA-Z]))?)?"
_EN_TYPES = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Place|Pl|Court|Ct|Crescent|Gardens|"
    r"Terrace|Grove|Square|Sq|Hill|Row|Mews|Boulevard|Blvd|Walk|Rise|Parade|Park|Green|View|"
    r"Point|Gate|Vale|Wharf|Yard|Circus|Broadway|Alley|Highway|Union|Springs?|Glens?|Spur|Falls|"
    r"Underpass|Harbou?r|Common|Cent(?:er|re)|Fields?|Cliffs?|Lodge|Plaza|Circle|Inlet|Streets|"
    r"Bypass|Turnpike|Motorway|Junctions?|Pines|Orchard|Camp|Lake|Gateway|Throughway|Prairie|"
    r"Squares|Greens|Meadows?|Heights|Cottages|Manor|Ridge|Bridge|Embankment|Quay|Esplanade|Estates?|Parkway|Way"
)
# Street types written as a word of their own after the name, in lower case: Hungarian (út, utca,
# u., tér, köz, sor, rkp., kapu, fasor), Nordic (gate, gata, vei, veg, vej, gade, stræde, allé,
# vägen, plass, torg), Finnish and Estonian (tie, katu, kuja, tee, tänav, põik, puiestee), Slovene,
# Croatian, Czech and Slovak (ulica, cesta, trg, ulice, náměstí, nábřeží, třída), Greek
# (οδός, πλατεία, λεωφόρος), French (terrasse), Greenlandic (aqq.).
_WORD_TYPES = (
    r"út|utca|u\.|útja|körút|krt\.|tér|tere|köz|sor|sétány|rkp\.|rakpart|kapu|fasor|gate|gata|"
    r"gatan|vei|veien|veg|vegen|vej|gade|stræde|allé|alle|vägen|väg|plass|plads|torg|torget|tie|"
    r"katu|kuja|polku|tee|tänav|põik|puiestee|maantee|ulica|cesta|trg|ulice|náměstí|nábřeží|třída|"
    r"nám\.|οδός|πλατεία|λεωφόρος|terrasse|aqq\.|vegur|braut|stígur"
)
# The same types written as the end of one compound word: Magrethevej, Storgata, Suometsäntie.
_COMPOUND_TYPES = (
    r"vej|vei|veien|vegen|veg|gade|gata|gatan|vägen|väg|stræde|katu|tie|kuja|polku|tänav|braut|"
    r"vegur|stígur|gränd|allé|alle|plads|torv|torget|utca|ulica|cesta"
)
_ANY = rf"[{_U}][{_L}{_U}'’\-]+"  # a word of a street name, capitalized, in any script
_LINK = r"(?:de|del|de\sla|des|du|da|do|dos|das|di|della|van|von|der|den|la|le|nad|u|y|e)"
_STREET_WORDS = rf"{_ANY}(?:\s(?:{_LINK}\s)?{_ANY}){{0,3}}"
_PATTERNS = [
    # 12 Baker Street / 40 Smart Point / Flat 3, 12 Baker St. / 844 99 Eastbourne Rd
    rf"(?:(?:Flat|Apartment|Apt|Unit|Studio)\.?\s\d+[A-Za-z]?,?\s+)?(?:\d{{1,6}}\s)?\d{{1,5}}[A-Za-z]?,?\s(?:{_NAME}\s){{1,3}}(?:{_EN_TYPES})\b\.?",
    # 64535 Svépomoc 219 / 449 Πεντέλης 210 / 7908 Rue de Bouillon 316: number, name, number
    rf"\b\d{{1,6}}\s{_STREET_WORDS}\s\d{{1,5}}[a-zA-Z]?\b(?!\s?(?:%|€|\$|kg|km|ms|mb|gb|years?|days?))",
    # P.O. Box 63 / Unit 9010 Box 4328 / PSC 2353, Box 6937 / USNS Guibord, then FPO AA 49371
    r"(?:\b\d{1,6}\s)?P\.?\s?O\.?\sBox\s\d{1,6}",
    r"(?:\b(?:Unit|PSC)\s\d{3,5},?\sBox\s\d{3,5}|\bUS(?:NS|NV|S|CGC)\s[\w'’\-]+(?:\s[\w'’\-]+)?)"
    r"(?:\s*\n?\s*[AFD]PO\sA[AEP]\s\d{5})?",
    rf"(?:Flat|Apartment|Apt|Unit|Studio)\.?\s\d+[A-Za-z]?,?\s+{_NAME}(?:\s{_NAME}){{1,2}}",
    # Hauptstraße 5 / Schachtallee 7 / Matthijsstraat 8 / Berliner Str. 12a
    rf"(?:{_NAME}\s)?[{_U}][{_L}{_U}\-]*(?i:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|"
    rf"ufer|chaussee|steig|pfad|markt|straat|laan|plein|gracht|kade|dijk|singel|steeg|dreef|hof|"
    rf"boulevard|baan|pad|park|{_COMPOUND_TYPES})\s{_NUM}",
    # Stensås terrasse 38 / Trenerys gate 232 / Rákóczi út 67. / Gosposka ulica 61 / Luige tee 56:
    # a name, then the street type as a word of its own, lower case (Nordic, Baltic, Central
    # European and Balkan forms)
    rf"(?:{_NAME}\s){{1,3}}(?:{_WORD_TYPES})\s{_NUM}\.?",
    rf"(?:{_NAME}\s)(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm)\s{_NUM}",
    # 169, rue Noémi Antoine / 5 avenue de la République / 12 bis rue d'Alésia
    rf"\d{{1,4}}(?:\s?(?:bis|ter))?,?\s(?i:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|"
    rf"quai|route|cours|passage|square|rua|avenida|travessa)\s(?:(?:de\sla|de\sl'|du|des|de|d'|l')\s?)?"
    rf"{_NAME}(?:[\s\-](?:(?:de|du|la|le|des|d')\s)?{_NAME}){{0,3}}",
    # Calle Mayor 5 / Cañada de Diana Valera 169 / Via Roma, 12 / Vicolo Baracca, 73 / Rua X, 36
    rf"(?<![\w.])(?:Calle|C/|C\.|Ctra\.|Trav\.|R\.?|Pl\.|Gl\.|Al\.|Pasaje|Pasadizo|Vial|Cuesta|Alameda|Acceso|Canale|Rotonda|Incrocio|Avenida|Avda\.|Av\.|Plaza|Pza\.|Paseo|Camino|Carretera|Ronda|Travesía|Cañada|"
    rf"Glorieta|Callejón|Urbanización|Rambla|Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Contrada|"
    rf"Borgo|Strada|Lungomare|Rua|Travessa|Largo|Praça|Estrada)\s(?:(?:de|del|de\sla|de\slos|de\slas|"
    rf"dei|della|delle|degli|di|da|do|dos|das)\s)?{_NAME}(?:\s(?:(?:de|del|la|di|da|do)\s)?{_NAME}){{0,3}}"
    rf",?\s(?:n\.?º\s?|nº\s?|no\.?\s?)?{_NUM}",
    # ul. Dębowa 366 / al. Jana Pawła II 12/4
    rf"(?i:ul\.|ulica|al\.|aleja|pl\.|plac|os\.|osiedle)\s(?:{_NAME}(?:-{_NAME})?\s){{1,3}}(?:[IVX]+\s)?{_NUM}",
]
_ADDRESS = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
_UNIT = re.compile(
    r"(?:,?\s(?:Apt\.?|Apartment|Suite|Ste\.?|Flat|Unit|Piso|Puerta|Planta|Piano|Appartamento|Scala|Interno|int\.|"
    r"Etage|Stock|App\.?|Whg\.?|Wohnung|bus|boîte|bte|étage|m\.|lok\.)\s?[\wº°]{1,4}\.?"
    r"|,?\s\d{1,2}\s?[º°ª]\s?[A-Z]?)+",
    re.IGNORECASE,
)
_POSTCODE_TOWN = re.compile(
    rf",?\s(?:\d{{5}}|\d{{4}}\s?[A-Z]{{2}}|\d{{2}}-\d{{3}}|\d{{4}}-\d{{3}}|[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}}"
    rf"|\d{{4}})(?:\s{_NAME}(?:[\s\-]{_NAME})?)?"
    rf"|,\s{_NAME}(?:\s{_NAME})?,?\s(?:[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}})"
)


# "Address: 772 Republica de Chile 7715" / "lives at 68784 Strandalléen 26": the rest of the
# line after an address label or phrase, when it holds a number.
_LABELLED = re.compile(
    r"(?i:\b(?:address|adresse|anschrift|dirección|direccion|indirizzo|adres|endereço|"
    r"billing address|shipping address|delivery address|lieferadresse|rechnungsadresse)\s*[:=]"
    r"|\b(?:lives|living|live|resides|located|situated|office is|offices are)\s+at\b"
    r"|\bmy (?:new )?address is\b|\bhis address:|\bher address:"
    r"|\b(?:zip|zip code|zipcode|postcode|post code|postal code|plz|code postal|código postal)"
    r"(?:\s*[:=]|\s+is))[ \t]*\n?[ \t]*"
)
_LABELLED_VALUE = re.compile(r"[^\n]*\d[^\n]*")
# Lines of an address block after the street: a unit, a town (any case, with a state and
# postcode), a country and postcode, a lone postcode; "nan" is a missing field.
BLOCK_LINE = re.compile(
    rf"[ \t]*\n[ \t>}}?]*(?:"
    rf"(?:Apt\.?|Suite|Unit|Flat|Apartment)\s?[\w]{{1,5}}\.?"
    rf"|,?\s*(?:[{_U}][\w'’.\-]*|nan)(?:[ \-]+(?:[{_U}][\w'’.\-]*|{_LINK}|\d{{1,3}}))*"
    rf"(?:,?\s*(?:[A-Z]{{2}}|nan))?(?:\s*\(\w+\))?(?:\s+\d{{4,6}}|\s+[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}})?"
    rf"|\d{{3,6}}"
    rf")[ \t]*(?=\n|$)"
)
_TOWN_TAIL = re.compile(
    rf",?\s+(?:[{_U}][{_L}{_U}'’.\-]+)(?:\s[{_U}][{_L}{_U}'’.\-]+){{0,2}}"
    rf"(?:,?\s(?:[A-Z]{{2}}|nan))?(?:,?\s\d{{4,6}})?(?:,?\s[{_U}][{_L}{_U}]+(?:\s[{_U}][{_L}{_U}]+)?)?"
)


# A name and a house number with no street type ("Castelao 66", "Männiku 63") is an address when
# the text says so: after a phrase of living, meeting or delivering at a place ("lives on", "the
# north side of", "drops you off at", "send it to"), or when a unit or "St."/"street" follows.
_PLACE_PHRASE = re.compile(
    r"(?i:\b(?:(?:live[sd]?|living|reside[sd]?|residing|stay(?:s|ed|ing)?|located|situated|based|"
    r"is|are|was|were|enter|entrance|stop|meet(?:\s+(?:me|us))?|off|arrived|delivered|deliver|"
    r"sent|send|ship(?:ped)?|mail(?:ed)?|post(?:ed)?|return(?:ed)?|moved?|taxi|"
    r"restaurant\s+is|station\s+is|office\s+is)\s+(?:on|at|to|in|into)"
    r"|(?:side|corner|end|top|bottom)\s+of)\s+)$"
)
_ENGLISH_SMALL = (
    r"(?:for|to|in|on|at|of|the|and|or|with|from|by|an?|is|are|was|be|my|our|your|his|her|their|"
    r"its|this|that|these|those|then|than|version|v|no|nr|number)"
)
_NAME_NUMBER = re.compile(
    rf"(?<![\w.\-]){_ANY}(?:\s(?:{_ANY}|{_LINK}|(?!{_ENGLISH_SMALL}\b)[{_L}]{{1,12}}\.?)){{0,3}}\s\d{{1,4}}[a-zA-Z]?\.?(?![\w,.]\d)"
)
_STREET_AFTER = re.compile(r"\s(?:St\.|Street\b|street\b)")
_NOT_STREET_WORDS = frozenset(
    "room gate page chapter version level floor platform terminal section step phase day week "
    "table figure part line item row column track episode season book volume issue unit box "
    "building block sprint release python windows java ios android node vue angular excel office "
    "iphone galaxy pixel model series type class grade year number no nr".split()
)
# "the corner of Síp utca 71. and Bulat Ports": an intersection names a place as closely as a
# house number does.
_CORNER = re.compile(
    rf"(?i:\bcorner\s+of\s+)(?P<a>{_ANY}(?:[\s.]+(?:{_ANY}|\d{{1,4}}|[{_L}]{{1,8}})){{0,4}}?\.?)"
    rf"\s+and\s+(?P<b>{_ANY}(?:\s(?:{_ANY}|\d{{1,4}}\.?)){{0,3}})"
)
_DATE_WORD = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday)\b\.?\s\d"
)
_REST_OF_LINE = re.compile(r"[ \t]+[^\W\d][^\n,;:!?]{0,30}?(?=[ \t]*\n)")
_LEADING_NUMBER = re.compile(r"(?:\d{1,6}[ \t]){1,2}$")


# "in Schweinfurt 97419", "in GRIGADALE PH36 9QH", "near Ceylon S4P 3Y2": a town with its postcode
# is part of an address even without the street.
_TOWN_POSTCODE = re.compile(
    rf"(?i:\b(?:in|at|near|from|to)\s+)(?P<town>{_ANY}(?:[ \-](?:{_LINK}[ \-])?{_ANY}){{0,3}})"
    r"\s(?P<code>\d{5}|\d{4}(?:\s?[A-Z]{2})?|\d{3}\s\d{2}|\d{2}-\d{3}|"
    r"[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}|[A-Z]\d[A-Z]\s\d[A-Z]\d)(?![\w.,]\d|[\w%])"
)


def _towns_with_postcode(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _TOWN_POSTCODE.finditer(text):
        code, town = m.group("code"), m.group("town")
        if re.fullmatch(r"(?:19|20)\d\d", code) or any(common_word(w) for w in town.split()):
            continue  # "in May 2024", "in Python 3110"
        out.append((m.start("town"), m.end("code")))
    return out


def _named_streets(text: str) -> list[tuple[int, int]]:
    """Name-and-number streets the context calls an address, and intersections."""
    out = []
    for m in _NAME_NUMBER.finditer(text):
        words = m.group().split()
        if words[0].lower() in _NOT_STREET_WORDS or words[-2].lower() in _NOT_STREET_WORDS:
            continue
        end = m.end()
        year = re.fullmatch(r"(?:19|20)\d\d\.?", words[-1])  # "is in Berlin 2025"
        if (
            (_PLACE_PHRASE.search(text, max(0, m.start() - 40), m.start()) and not year)
            or _UNIT.match(text, end)
            or _STREET_AFTER.match(text, end)
        ):
            out.append((m.start(), end))
    for m in _CORNER.finditer(text):
        for g in ("a", "b"):
            a, b = m.start(g), m.end(g)
            while b > a and text[b - 1] in " .":
                b -= 1
            out.append((a, b))
    return out


class AddressRecognizer(OwnRecognizer):
    """Street and house number, with a following postcode and town."""

    def __init__(self, language: str) -> None:
        super().__init__("STREET_ADDRESS", language, f"AddressRecognizer_{language}")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        spans = [(m.start(), m.end()) for m in _ADDRESS.finditer(text)]
        if any(c.isdigit() for c in text):
            spans += _named_streets(text) + _towns_with_postcode(text)
        elif "corner" in text.lower():
            spans += _named_streets(text)
        for m in _LABELLED.finditer(text):
            value = _LABELLED_VALUE.match(text, m.end())
            if value and value.end() > value.start():
                spans.append((value.start(), len(text[: value.end()].rstrip(" .,;"))))
        for start, end in spans:
            if _DATE_WORD.search(text, start, end):
                continue  # "03 January 2027", "on Friday 12"
            lead = _LEADING_NUMBER.search(text, max(0, start - 14), start)
            if lead:  # "6226 Avda. Alameda Sundheim 46": a building number before the street
                start = lead.start()
            unit = _UNIT.match(text, end)
            if unit:
                end = unit.end()
            rest = _REST_OF_LINE.match(text, end)
            if rest and BLOCK_LINE.match(text, rest.end()):
                end = rest.end()  # "97 Rue Sidi Bou said" then the block's next lines
            tail = _POSTCODE_TOWN.match(text, end) or _TOWN_TAIL.match(text, end)
            if tail and "\n" not in tail.group():
                end = tail.end()
            lines = 0
            while lines < 5 and (line := BLOCK_LINE.match(text, end)):
                end, lines = line.end(), lines + 1
            out.append(RecognizerResult("STREET_ADDRESS", start, end, 0.85))
        return out
