# ruff: noqa: E501  (address patterns read best one per line)
"""Street addresses in the European forms chat users write them in (STREET_ADDRESS).

A street type word (``Street``, ``-straße``, ``rue``, ``Calle``, ``Via``, ``-straat``, ``ul.``...)
next to a house number; a postcode and town right after are included in the span. Street names
without a number ("the office at Hauptstraße") are not an address of anyone.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from proxy.detect.recognizers.base import OwnRecognizer

_U = "A-ZÀ-ÖØ-ÞĄĆĘŁŃŚŹŻ"
_L = "a-zß-öø-ÿąćęłńśźżő"
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
_PATTERNS = [
    # 12 Baker Street / 40 Smart Point / Flat 3, 12 Baker St.
    rf"(?:(?:Flat|Apartment|Apt|Unit|Studio)\.?\s\d+[A-Za-z]?,?\s+)?\d{{1,4}}[A-Za-z]?,?\s(?:{_NAME}\s){{1,3}}(?:{_EN_TYPES})\b\.?",
    rf"(?:Flat|Apartment|Apt|Unit|Studio)\.?\s\d+[A-Za-z]?,?\s+{_NAME}(?:\s{_NAME}){{1,2}}",
    # Hauptstraße 5 / Schachtallee 7 / Matthijsstraat 8 / Berliner Str. 12a
    rf"(?:{_NAME}\s)?[{_U}][{_L}{_U}\-]*(?i:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|"
    rf"ufer|chaussee|steig|pfad|markt|straat|laan|plein|gracht|kade|dijk|singel|steeg|dreef|hof|"
    rf"boulevard|baan|pad|park)\s{_NUM}",
    rf"(?:{_NAME}\s)(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm)\s{_NUM}",
    # 169, rue Noémi Antoine / 5 avenue de la République / 12 bis rue d'Alésia
    rf"\d{{1,4}}(?:\s?(?:bis|ter))?,?\s(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|"
    rf"quai|route|cours|passage|square|rua|avenida|travessa)\s(?:(?:de\sla|de\sl'|du|des|de|d'|l')\s?)?"
    rf"{_NAME}(?:[\s\-](?:(?:de|du|la|le|des|d')\s)?{_NAME}){{0,3}}",
    # Calle Mayor 5 / Cañada de Diana Valera 169 / Via Roma, 12 / Vicolo Baracca, 73 / Rua X, 36
    rf"(?:Calle|C/|C\.|Pasaje|Pasadizo|Vial|Cuesta|Alameda|Acceso|Canale|Rotonda|Incrocio|Avenida|Avda\.|Av\.|Plaza|Pza\.|Paseo|Camino|Carretera|Ronda|Travesía|Cañada|"
    rf"Glorieta|Callejón|Urbanización|Rambla|Via|Viale|Piazza|Piazzale|Corso|Largo|Vicolo|Contrada|"
    rf"Borgo|Strada|Lungomare|Rua|Travessa|Largo|Praça|Estrada)\s(?:(?:de|del|de\sla|de\slos|de\slas|"
    rf"dei|della|delle|degli|di|da|do|dos|das)\s)?{_NAME}(?:\s(?:(?:de|del|la|di|da|do)\s)?{_NAME}){{0,3}}"
    rf",?\s(?:n\.?º\s?|nº\s?|no\.?\s?)?{_NUM}",
    # ul. Dębowa 366 / al. Jana Pawła II 12/4
    rf"(?:ul\.|ulica|al\.|aleja|pl\.|plac|os\.|osiedle)\s(?:{_NAME}(?:-{_NAME})?\s){{1,3}}(?:[IVX]+\s)?{_NUM}",
]
_ADDRESS = re.compile("|".join(f"(?:{p})" for p in _PATTERNS))
_UNIT = re.compile(
    r"(?:,?\s(?:Apt\.?|Apartment|Flat|Unit|Piso|Puerta|Planta|Piano|Appartamento|Scala|Interno|int\.|"
    r"Etage|Stock|App\.?|Whg\.?|Wohnung|bus|boîte|bte|étage|m\.|lok\.)\s?[\wº°]{1,4}\.?"
    r"|,?\s\d{1,2}\s?[º°ª]\s?[A-Z]?)+",
    re.IGNORECASE,
)
_POSTCODE_TOWN = re.compile(
    rf",?\s(?:\d{{5}}|\d{{4}}\s?[A-Z]{{2}}|\d{{2}}-\d{{3}}|\d{{4}}-\d{{3}}|[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}}"
    rf"|\d{{4}})(?:\s{_NAME}(?:[\s\-]{_NAME})?)?"
    rf"|,\s{_NAME}(?:\s{_NAME})?,?\s(?:[A-Z]{{1,2}}\d[A-Z\d]?\s?\d[A-Z]{{2}})"
)


class AddressRecognizer(OwnRecognizer):
    """Street and house number, with a following postcode and town."""

    def __init__(self, language: str) -> None:
        super().__init__("STREET_ADDRESS", language, f"AddressRecognizer_{language}")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        out = []
        for m in _ADDRESS.finditer(text):
            end = m.end()
            unit = _UNIT.match(text, end)
            if unit:
                end = unit.end()
            tail = _POSTCODE_TOWN.match(text, end)
            if tail:
                end = tail.end()
            out.append(RecognizerResult("STREET_ADDRESS", m.start(), end, 0.85))
        return out
