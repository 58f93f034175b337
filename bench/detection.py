# ruff: noqa: E501  (sentence templates read best one per line)
"""Detection quality and speed: privacy-proxy's detector beside Presidio's default configuration.

Data (reproducible, ``--seed``):
- a generated set: chat-like sentences in seven locales (en_GB, de_DE, fr_FR, es_ES, it_IT, nl_NL,
  pl_PL) with Faker values in labeled slots: names, e-mail addresses, phone numbers, IBANs, credit
  cards, IP addresses, the locale's national identifier (checksum-valid), EU VAT numbers, passport
  numbers, dates of birth (with context words) and street addresses;
- a hand-written hard set: evasions (zero-width characters, full-width letters, look-alike Cyrillic
  letters, URL-encoding, base64, ``[at]``), Art. 9 statements in English, French and German, and
  look-alikes that are NOT personal data (version numbers, ISBNs, hashes, order numbers, "Jordan"
  the country, "May" the month, topics such as "the Catholic Church's history").

Also (issue 12): generated cases for each class of personal data that leaked in the held-out
evaluation, per class and per field (``detection_classes.py``), generated clean prompts (share
forwarded unchanged), and presidio-evaluator's ``PresidioSentenceFaker`` sentences through both
detectors, recall per gold type (``presidio_eval.py``). See ``bench/README.md``.

Figures: precision, recall and F2 per entity type and per language (a gold value counts as found
when a span of the same type overlaps it; "leak" is the share of gold values that no span of any
type covers fully); Art. 9 recall and false alarms per request; the share of look-alike prompts
left unchanged; detection time per request (median, warm; wall and CPU time, in process, and through the warmed
worker pool) for a 70-word message and for 1 kB of text. Presidio's default is ``AnalyzerEngine`` with its default recognizers on the same
spaCy model, called with ``language="en"`` as gateways do; its entity names are mapped onto ours
(``ES_NIF`` -> ``ES_DNI``, ``*_PASSPORT`` -> ``PASSPORT``, ``DATE_TIME`` -> ``DATE_OF_BIRTH``...).

Run: ``.venv/bin/python bench/detection.py`` (writes ``bench/results/detection.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faker import Faker
from stdnum import luhn
from stdnum.de import idnr
from stdnum.iso7064 import mod_11_10
from stdnum.nl import bsn
from stdnum.pl import pesel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import detection_classes  # noqa: E402
import english_requests  # noqa: E402
import presidio_eval  # noqa: E402
from special_cases import special_report_async  # noqa: E402

from proxy.config import TenantConfig, load_settings  # noqa: E402
from proxy.detect.detector import PresidioDetector  # noqa: E402
from proxy.detect.types import SPECIAL_CATEGORIES  # noqa: E402

LOCALES = {
    "en": "en_GB",
    "de": "de_DE",
    "fr": "fr_FR",
    "es": "es_ES",
    "it": "it_IT",
    "nl": "nl_NL",
    "pl": "pl_PL",
}
CHECKSUM_TYPES = {
    "IBAN_CODE",
    "CREDIT_CARD",
    "DE_TAX_ID",
    "FR_NIR",
    "ES_DNI",
    "IT_FISCAL_CODE",
    "NL_BSN",
    "PL_PESEL",
    "UK_NINO",
    "EU_VAT",
}
PRESIDIO_MAP = {
    "ES_NIF": "ES_DNI",
    "US_PASSPORT": "PASSPORT",
    "UK_PASSPORT": "PASSPORT",
    "IT_PASSPORT": "PASSPORT",
    "DATE_TIME": "DATE_OF_BIRTH",
    "IT_VAT_CODE": "EU_VAT",
    "DE_VAT_ID": "EU_VAT",
    "NHS": "UK_NHS",
    "UK_NHS": "UK_NHS",
}

# Templates: {slot} or {slot:TYPE}. Slots: name, email, phone, iban, card, ip, nid, vat, passport, dob.
TEMPLATES: dict[str, list[str]] = {
    "en": [
        "Please post the signed contract to {name}, {address}, before Friday.",
        "Hi, could you draft a reply to {name} ({email}) about the delayed shipment?",
        "Please update the CRM: {name}, phone {phone}, moved to the Leeds office.",
        "The refund goes to IBAN {iban}, account holder {name}.",
        "Customer {name} paid with card {card} but the charge failed twice.",
        "We saw repeated failed logins for {email} from {ip} last night.",
        "For payroll I need the National Insurance number {nid} of {name}.",
        "Summarise this complaint from {name}, born on {dob}, who wants a callback on {phone}.",
        "Our supplier's VAT number is {vat}; add it to the invoice template.",
        "Traveller {name}, passport number {passport}, needs a visa letter.",
        "Can you check why {name} did not receive the onboarding email at {email}?",
    ],
    "de": [
        "Bitte schick den unterschriebenen Vertrag an {name}, {address}.",
        "Bitte schreib eine Antwort an {name} ({email}) wegen der verspäteten Lieferung.",
        "Neue Telefonnummer von {name}: {phone}, bitte im CRM eintragen.",
        "Die Erstattung geht an IBAN {iban}, Kontoinhaber {name}.",
        "Kunde {name} hat mit der Karte {card} bezahlt, die Abbuchung schlug fehl.",
        "Für die Lohnabrechnung brauche ich die Steuer-ID {nid} von {name}.",
        "Fasse die Beschwerde von {name} zusammen, geboren am {dob}, Rückruf unter {phone}.",
        "Unsere USt-IdNr. lautet {vat}, bitte auf der Rechnung ergänzen.",
        "Reisende {name}, Reisepassnummer {passport}, braucht ein Einladungsschreiben.",
        "Warum hat {name} die Willkommensmail an {email} nicht bekommen?",
        "Fehlgeschlagene Anmeldungen für {email} von {ip} heute Nacht.",
    ],
    "fr": [
        "Envoie le contrat signé à {name}, {address}, avant vendredi.",
        "Peux-tu rédiger une réponse à {name} ({email}) au sujet de la livraison en retard ?",
        "Nouveau numéro de {name} : {phone}, merci de mettre à jour le CRM.",
        "Le remboursement part sur l'IBAN {iban}, titulaire {name}.",
        "Le client {name} a payé avec la carte {card} mais le paiement a échoué.",
        "Pour la paie, il me faut le numéro de sécurité sociale {nid} de {name}.",
        "Résume la réclamation de {name}, née le {dob}, à rappeler au {phone}.",
        "Notre numéro de TVA est {vat}, ajoute-le au modèle de facture.",
        "Voyageur {name}, numéro de passeport {passport}, a besoin d'une lettre d'invitation.",
        "Pourquoi {name} n'a pas reçu l'e-mail d'accueil à {email} ?",
        "Connexions échouées pour {email} depuis {ip} cette nuit.",
    ],
    "es": [
        "Envía el contrato firmado a {name}, {address}, antes del viernes.",
        "¿Puedes redactar una respuesta a {name} ({email}) sobre el envío retrasado?",
        "Nuevo teléfono de {name}: {phone}, actualiza el CRM por favor.",
        "El reembolso va al IBAN {iban}, titular {name}.",
        "El cliente {name} pagó con la tarjeta {card} pero el cargo falló.",
        "Para la nómina necesito el DNI {nid} de {name}.",
        "Resume la queja de {name}, nacida el {dob}, que quiere que la llamen al {phone}.",
        "Nuestro número de IVA es {vat}, añádelo a la factura.",
        "El viajero {name}, pasaporte {passport}, necesita una carta de invitación.",
        "¿Por qué {name} no recibió el correo de bienvenida en {email}?",
        "Inicios de sesión fallidos para {email} desde {ip} anoche.",
    ],
    "it": [
        "Invia il contratto firmato a {name}, {address}, entro venerdì.",
        "Puoi scrivere una risposta a {name} ({email}) sulla spedizione in ritardo?",
        "Nuovo numero di telefono di {name}: {phone}, aggiorna il CRM.",
        "Il rimborso va sull'IBAN {iban}, intestatario {name}.",
        "Il cliente {name} ha pagato con la carta {card} ma l'addebito non è riuscito.",
        "Per le buste paga mi serve il codice fiscale {nid} di {name}.",
        "Riassumi il reclamo di {name}, nata il {dob}, da richiamare al {phone}.",
        "La nostra partita IVA è {vat}, aggiungila alla fattura.",
        "Il viaggiatore {name}, numero di passaporto {passport}, ha bisogno di una lettera d'invito.",
        "Perché {name} non ha ricevuto l'email di benvenuto a {email}?",
        "Accessi non riusciti per {email} da {ip} stanotte.",
    ],
    "nl": [
        "Stuur het getekende contract naar {name}, {address}, voor vrijdag.",
        "Kun je een antwoord schrijven aan {name} ({email}) over de vertraagde levering?",
        "Nieuw telefoonnummer van {name}: {phone}, graag in het CRM zetten.",
        "De terugbetaling gaat naar IBAN {iban}, rekeninghouder {name}.",
        "Klant {name} betaalde met kaart {card} maar de betaling mislukte.",
        "Voor de salarisadministratie heb ik het BSN {nid} van {name} nodig.",
        "Vat de klacht samen van {name}, geboren op {dob}, terugbellen op {phone}.",
        "Ons btw-nummer is {vat}, zet het op de factuur.",
        "Reiziger {name}, paspoortnummer {passport}, heeft een uitnodigingsbrief nodig.",
        "Waarom heeft {name} de welkomstmail op {email} niet ontvangen?",
        "Mislukte aanmeldingen voor {email} vanaf {ip} vannacht.",
    ],
    "pl": [
        "Wyślij podpisaną umowę do {name}, {address}, przed piątkiem.",
        "Czy możesz napisać odpowiedź do {name} ({email}) w sprawie opóźnionej dostawy?",
        "Nowy numer telefonu {name}: {phone}, zaktualizuj CRM.",
        "Zwrot idzie na IBAN {iban}, właściciel rachunku {name}.",
        "Klient {name} zapłacił kartą {card}, ale płatność się nie powiodła.",
        "Do listy płac potrzebuję numeru PESEL {nid} dla {name}.",
        "Streść reklamację od {name}, data urodzenia {dob}, oddzwonić pod {phone}.",
        "Nasz numer VAT to {vat}, dodaj go do faktury.",
        "Podróżny {name}, numer paszportu {passport}, potrzebuje listu zapraszającego.",
        "Dlaczego {name} nie dostał e-maila powitalnego na {email}?",
        "Nieudane logowania dla {email} z adresu {ip} tej nocy.",
    ],
}
SLOT_TYPE = {
    "name": "PERSON",
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "iban": "IBAN_CODE",
    "card": "CREDIT_CARD",
    "ip": "IP_ADDRESS",
    "vat": "EU_VAT",
    "passport": "PASSPORT",
    "dob": "DATE_OF_BIRTH",
    "address": "STREET_ADDRESS",
}
NID_TYPE = {
    "en": "UK_NINO",
    "de": "DE_TAX_ID",
    "fr": "FR_NIR",
    "es": "ES_DNI",
    "it": "IT_FISCAL_CODE",
    "nl": "NL_BSN",
    "pl": "PL_PESEL",
}

LOOKALIKES = [
    "Upgrade numpy from 1.26.4 to 2.1.0 and pin scipy==1.14.1 in requirements.txt.",
    "The book has ISBN 978-0-13-468599-1 and the second edition ISBN 978-3-16-148410-0.",
    "Verify the download: sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.",
    "Order #A-2024-000123 shipped on 2024-05-03; order 4711-0815-42 is still pending.",
    "Jordan and Egypt signed the water agreement in May.",
    "The conference takes place in May in Paris, then in June in Berlin.",
    "The Catholic Church's history in Europe spans two millennia.",
    "What are the most common symptoms of diabetes?",
    "Explain the history of trade unions in France in three paragraphs.",
    "Our Q3 revenue grew 12% to 4.5 million EUR; see ticket JIRA-4711.",
    "Set the timeout to 30000 ms and retry 3 times; the failing commit is 3f9a2c1d.",
    "Paris is the capital of France and Madrid the capital of Spain.",
    "Le comité se réunit en mai à Lyon pour voter le budget 2025.",
    "Der Server in Frankfurt läuft mit Python 3.11 und Redis 7.2.4.",
    "My code has a race condition and the submit button is disabled.",
    "Release v3.2.1 fixes CVE-2024-3094 in xz 5.6.1.",
    "The UUID 123e4567-e89b-12d3-a456-426614174000 identifies the tenant record.",
    "Call the REST endpoint /api/v2/orders/88231/items?limit=50.",
    "Add 250 g flour, 3 eggs and bake at 180 °C for 35 minutes.",
    "Las ventas de abril subieron un 8 %; el pedido 20240415-77 ya salió.",
    "Il treno delle 8.45 per Milano parte dal binario 12.",
    "De vergadering over versie 4.2 is op 12 maart om 10.00 uur.",
    "Faktura nr 2024/05/118 została wysłana do działu księgowości.",
    "Mercedes and Tesla both reported higher deliveries in the second quarter.",
    "Run docker compose up -d and open http://localhost:8080 in your browser.",
    "The router's address is 192.168.1.1 and the DNS server is 10.0.0.53.",
    "Write a haiku about autumn leaves in Kyoto.",
    "Translate 'Will you join the meeting on Monday?' into German.",
    "Compare PostgreSQL 16 and MySQL 8.4 for a read-heavy workload.",
    "Chelsea beat Arsenal 2-1 in the derby on Sunday.",
    "Explain how facial recognition systems work at airports.",
    "Summarise the history of the Labour Party in the 20th century.",
    "The invoice total is 1,234.56 EUR, due within 30 days, reference INV-2024-0042.",
    "Kubernetes 1.30 deprecates the flowcontrol v1beta2 API.",
    "Our office at Hauptstraße is closed on Christmas Eve.",
    "I need a summary of the latest cancer research for our newsletter.",
    "Our company wants to support employees with disabilities; draft a policy.",
    "My presentation covers depression statistics in Europe.",
    "Schreibe einen Blogartikel über Diabetes und Ernährung.",
    "Rédige une note sur la prévention du cancer du sein pour l'intranet.",
    "What did Einstein say about compound interest?",
    "Sort these numbers: 4711, 0815, 1234567, 89.",
    "The tracking number 1Z999AA10123456784 shows the parcel in Leipzig.",
]

EVASIONS = [
    (
        "zero-width",
        "Contact: jane\u200b.doe@exa\u200cmple.com",
        "EMAIL_ADDRESS",
        "jane.doe@example.com",
    ),
    (
        "full-width",
        "Contact: ｊａｎｅ．ｄｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "EMAIL_ADDRESS",
        "jane.doe@example.com",
    ),
    ("cyrillic", "Contact: jаne.dое@exаmple.com", "EMAIL_ADDRESS", "jane.doe@example.com"),
    ("url-encoded", "Contact: jane.doe%40example.com", "EMAIL_ADDRESS", "jane.doe@example.com"),
    (
        "obfuscated",
        "Contact: jane.doe [at] example [dot] com",
        "EMAIL_ADDRESS",
        "jane.doe@example.com",
    ),
    (
        "base64",
        "Contact: " + base64.b64encode(b"jane.doe@example.com please").decode(),
        "EMAIL_ADDRESS",
        "",
    ),
    ("hex", "Contact: " + b"mail jane.doe@example.com".hex(), "EMAIL_ADDRESS", ""),
    ("spaced iban", "IBAN: DE89 3704 0044 0532 0130 00", "IBAN_CODE", ""),
    (
        "zero-width iban",
        "IBAN DE89\u200b3704\u200b0044\u200b0532\u200b0130\u200b00",
        "IBAN_CODE",
        "",
    ),
    ("nbsp phone", "Phone +49\u00a030\u00a0901820", "PHONE_NUMBER", ""),
]

ART9 = [
    ("en", "My colleague is a practising Catholic and won't work on Sundays.", "RELIGIOUS_BELIEF"),
    ("en", "My mother has diabetes and needs insulin twice a day.", "HEALTH_DATA"),
    ("en", "He was diagnosed with depression last spring and is on sick leave.", "HEALTH_DATA"),
    ("en", "My brother is gay and is getting married next month.", "SEXUAL_ORIENTATION"),
    ("en", "The applicant is of Nigerian descent.", "ETHNIC_ORIGIN"),
    ("en", "My neighbour votes for the Greens every time.", "POLITICAL_OPINION"),
    ("en", "She is a union rep at the Leeds depot.", "TRADE_UNION_MEMBERSHIP"),
    ("en", "My sister tested positive for the BRCA1 mutation.", "GENETIC_DATA"),
    ("en", "We keep my fingerprint template on the badge server.", "BIOMETRIC_DATA"),
    ("en", "I'm pregnant and need to tell my manager.", "HEALTH_DATA"),
    ("fr", "Ma collègue est musulmane pratiquante et fait le ramadan.", "RELIGIOUS_BELIEF"),
    ("fr", "Mon père a un cancer du poumon et commence la chimiothérapie.", "HEALTH_DATA"),
    ("fr", "Il est en arrêt maladie pour un burn-out.", "HEALTH_DATA"),
    ("fr", "Ma sœur est lesbienne.", "SEXUAL_ORIENTATION"),
    ("fr", "Mon voisin est d'origine algérienne.", "ETHNIC_ORIGIN"),
    ("fr", "Il vote pour La France Insoumise.", "POLITICAL_OPINION"),
    ("fr", "Ma collègue est déléguée syndicale CFDT.", "TRADE_UNION_MEMBERSHIP"),
    ("de", "Meine Kollegin ist schwanger und geht bald in Mutterschutz.", "HEALTH_DATA"),
    ("de", "Mein Chef ist schwul.", "SEXUAL_ORIENTATION"),
    ("de", "Er ist praktizierender Muslim.", "RELIGIOUS_BELIEF"),
    ("de", "Ihr Mann ist türkischer Herkunft.", "ETHNIC_ORIGIN"),
    ("de", "Mein Nachbar wählt die AfD.", "POLITICAL_OPINION"),
    ("de", "Mein Kollege ist Mitglied der IG Metall.", "TRADE_UNION_MEMBERSHIP"),
    ("de", "Er ist seit März krankgeschrieben wegen Burnout.", "HEALTH_DATA"),
    ("es", "Mi compañera está embarazada.", "HEALTH_DATA"),
    ("it", "Mio padre ha il diabete.", "HEALTH_DATA"),
    ("es", "Tengo depresión y necesito pedir una baja médica.", "HEALTH_DATA"),
    ("nl", "Mijn collega heeft kanker, hoe kan ik haar steunen?", "HEALTH_DATA"),
    ("pl", "Mój syn ma cukrzycę, co powiedzieć w szkole?", "HEALTH_DATA"),
    ("en", "I'm HIV positive and worried about telling my new employer.", "HEALTH_DATA"),
    ("en", "As a Muslim, I need a quiet room to pray at work.", "RELIGIOUS_BELIEF"),
]

MESSAGE_70 = (
    "Hi team, quick update on the Henderson account: Sarah Henderson called this morning and asked "
    "us to move the delivery to next Thursday. Her new number is +44 20 7946 0958 and she prefers "
    "email at sarah.henderson@example.co.uk. Please also double-check the invoice, the IBAN on file "
    "is GB33 BUKB 2020 1555 5555 55. Thanks, and let me know if anything is unclear."
)


@dataclass
class Sample:
    lang: str
    text: str
    gold: list[tuple[int, int, str]] = field(default_factory=list)


def _idnr(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(9)]
        n = "".join(map(str, digits))
        n += mod_11_10.calc_check_digit(n)
        if idnr.is_valid(n):
            return f"{n[:2]} {n[2:5]} {n[5:8]} {n[8:]}"


def _bsn(rng: random.Random) -> str:
    while True:
        n = f"{rng.randrange(10**8, 10**9):09d}"
        if bsn.is_valid(n):
            return n


def _pesel(fake: Faker) -> str:
    while True:
        n = fake.pesel()
        if pesel.is_valid(n):
            return n


def _nino(rng: random.Random) -> str:
    first, second = "ABCEGHJKLMNOPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
    while True:
        p = rng.choice(first) + rng.choice(second)
        if p not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            d = f"{rng.randrange(10**6):06d}"
            return f"{p} {d[:2]} {d[2:4]} {d[4:]} {rng.choice('ABCD')}"


def _vat(rng: random.Random, lang: str) -> str:
    if lang in ("it", "pl"):
        n = f"{rng.randrange(10**9, 10**10):010d}"
        if lang == "it":
            n = f"{rng.randrange(10**9, 10**10):010d}"
            return "IT" + n + luhn.calc_check_digit(n)
        from stdnum.pl import nip

        while True:
            n = f"{rng.randrange(10**9, 10**10):010d}"
            if nip.is_valid(n):
                return "PL" + n
    n = str(rng.randrange(10**7, 10**8))
    return "DE" + n + mod_11_10.calc_check_digit(n)


def national_id(lang: str, fake: Faker, rng: random.Random) -> str:
    if lang == "en":
        return _nino(rng)
    if lang == "de":
        return _idnr(rng)
    if lang == "fr":
        return fake.ssn()
    if lang == "es":
        return fake.nif()
    if lang == "it":
        return fake.ssn()
    if lang == "nl":
        return _bsn(rng)
    return _pesel(fake)


def generate(seed: int, per_template: int) -> list[Sample]:
    rng = random.Random(seed)
    out: list[Sample] = []
    for lang, loc in LOCALES.items():
        fake = Faker(loc)
        fake.seed_instance(seed)
        for tpl in TEMPLATES[lang]:
            for _ in range(per_template):
                values = {
                    "name": f"{fake.first_name()} {fake.last_name()}",
                    "email": fake.email(),
                    "phone": fake.phone_number(),
                    "iban": fake.iban(),
                    "card": fake.credit_card_number(),
                    "ip": fake.ipv4_public(),
                    "nid": national_id(lang, fake, rng),
                    "vat": _vat(rng, lang),
                    "passport": fake.passport_number(),
                    "address": fake.street_address().replace("\n", ", "),
                    "dob": fake.date_of_birth(minimum_age=18, maximum_age=90).strftime(
                        "%d/%m/%Y" if lang != "de" else "%d.%m.%Y"
                    ),
                }
                text, gold = "", []
                for part in _split_template(tpl):
                    if part.startswith("{"):
                        slot = part[1:-1]
                        v = values[slot]
                        etype = NID_TYPE[lang] if slot == "nid" else SLOT_TYPE[slot]
                        gold.append((len(text), len(text) + len(v), etype))
                        text += v
                    else:
                        text += part
                out.append(Sample(lang, text, gold))
    return out


def _split_template(tpl: str) -> list[str]:
    parts, i = [], 0
    while i < len(tpl):
        j = tpl.find("{", i)
        if j < 0:
            parts.append(tpl[i:])
            break
        k = tpl.index("}", j)
        parts += [tpl[i:j], tpl[j : k + 1]]
        i = k + 1
    return [p for p in parts if p]


class Scores:
    def __init__(self) -> None:
        self.tp: dict[tuple[str, str], int] = defaultdict(int)
        self.fn: dict[tuple[str, str], int] = defaultdict(int)
        self.fp: dict[tuple[str, str], int] = defaultdict(int)
        self.leaked: dict[str, int] = defaultdict(int)
        self.total: dict[str, int] = defaultdict(int)

    def add(self, s: Sample, pred: list[tuple[int, int, str]]) -> None:
        for a, b, t in s.gold:
            hit = any(t == pt and pa < b and a < pb for pa, pb, pt in pred)
            (self.tp if hit else self.fn)[(t, s.lang)] += 1
            self.total[t] += 1
            covered = sum(min(b, pb) - max(a, pa) for pa, pb, _ in pred if pa < b and a < pb)
            if covered < b - a:
                self.leaked[t] += 1
        for pa, pb, pt in pred:
            if not any(pt == t and pa < b and a < pb for a, b, t in s.gold):
                self.fp[(pt, s.lang)] += 1

    def table(self, by_lang: bool) -> dict[str, dict[str, float]]:
        keys = {k for d in (self.tp, self.fn, self.fp) for k in d}
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for t, lang in keys:
            groups[f"{t}/{lang}" if by_lang else t].append((t, lang))
        rows = {}
        for g, ks in sorted(groups.items()):
            tp = sum(self.tp[k] for k in ks)
            fn = sum(self.fn[k] for k in ks)
            fp = sum(self.fp[k] for k in ks)
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            f2 = 5 * p * r / (4 * p + r) if p + r else 0.0
            rows[g] = {"tp": tp, "fn": fn, "fp": fp, "precision": p, "recall": r, "f2": f2}
            if not by_lang and g in self.total:
                rows[g]["leak"] = self.leaked[g] / self.total[g]
        return rows


class PresidioDefault:
    """Presidio's default analyzer (default recognizers) on the same spaCy model, English only."""

    def __init__(self, model: str) -> None:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        provider = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": model}],
            }
        )
        self.engine = AnalyzerEngine(nlp_engine=provider.create_engine())

    def detect(self, text: str) -> list[tuple[int, int, str]]:
        res = self.engine.analyze(text, language="en")
        return [(r.start, r.end, PRESIDIO_MAP.get(r.entity_type, r.entity_type)) for r in res]


async def _sync(fn: Any, *args: Any) -> Any:
    return fn(*args)


async def timed(make: Any, n: int) -> tuple[float, float]:
    """Median wall and CPU (this process, all threads) milliseconds of ``await make()``."""
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        await make()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


# Detected types that count as the expected one of a class case.
COMPATIBLE = {
    "NATIONAL_ID": {"NATIONAL_ID", "US_SSN", "NL_BSN", "PL_PESEL", "DE_TAX_ID", "UK_NHS", "PASSPORT"},
    "US_ITIN": {"US_ITIN", "US_SSN"},
}


async def class_cases(
    args: argparse.Namespace, ours: PresidioDetector, tenant: TenantConfig, peer: PresidioDefault
) -> dict[str, Any]:
    """Recall per class of issue 12 and per field (free text or structured key), ours and
    Presidio's: ``recall`` (a span of the expected type overlaps the value) and ``protected``
    (no part of the value's text survives in clear)."""
    rows: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for case in detection_classes.cases(args.seed, args.per_class):
        got_ours = await ours.detect(case.texts, tenant, case.keys)
        got_peer = [peer.detect(t) for t in case.texts]
        for i, a, b, etype in case.gold:
            text = case.texts[i]
            field_kind = "structured key" if case.keys[i] else "free text"
            for name, pred in (
                ("privacy-proxy", [(s.start, s.end, s.entity_type) for s in got_ours[i]]),
                ("presidio-default", got_peer[i]),
            ):
                ok = COMPATIBLE.get(etype, {etype})
                typed = any(pt in ok and pa < b and a < pb for pa, pb, pt in pred)
                anon = presidio_eval._anonymized(text, pred)
                protected = text[a:b] not in anon
                for key in (f"class/{case.cls}", f"field/{field_kind}", f"type/{etype}"):
                    c = rows[key][name]
                    c[0] += 1
                    c[1] += typed
                    c[2] += protected
    return {
        key: {name: {"n": n, "recall": r / n, "protected": p / n} for name, (n, r, p) in v.items()}
        for key, v in sorted(rows.items())
    }


async def clean_share(
    args: argparse.Namespace, ours: PresidioDetector, tenant: TenantConfig, peer: PresidioDefault
) -> dict[str, Any]:
    """The share of clean prompts (generated ones and the look-alikes) forwarded unchanged."""
    prompts = detection_classes.clean_prompts(args.seed, args.clean_per_lang)
    prompts += [("look-alike", t) for t in LOOKALIKES]
    out: dict[str, Any] = {}
    for name in ("privacy-proxy", "presidio-default"):
        altered = []
        for lang, text in prompts:
            if name == "privacy-proxy":
                [spans] = await ours.detect([text], tenant)
                found = [(text[s.start : s.end], s.entity_type) for s in spans]
            else:
                found = [(text[a:b], t) for a, b, t in peer.detect(text)]
            if found:
                altered.append({"lang": lang, "text": text, "found": found})
        out[name] = {
            "prompts": len(prompts),
            "unchanged": 1 - len(altered) / len(prompts),
            "altered_examples": altered[:40],
        }
    return out


async def presidio_sentences(
    args: argparse.Namespace, ours: PresidioDetector, tenant: TenantConfig, peer: PresidioDefault
) -> dict[str, Any]:
    """PresidioSentenceFaker's sentences through both detectors: recall per gold type, and the
    detection time per sentence (indicative: one process, a shared machine)."""
    data = presidio_eval.sentences(args.pe_seed, args.pe_sentences)
    ours_pred, peer_pred, t_ours, t_peer = [], [], [], []
    for d in data:
        t = time.perf_counter()
        [spans] = await ours.detect([d["text"]], tenant)
        t_ours.append(time.perf_counter() - t)
        ours_pred.append([(s.start, s.end, s.entity_type) for s in spans])
        t = time.perf_counter()
        peer_pred.append(peer.detect(d["text"]))
        t_peer.append(time.perf_counter() - t)
    return {
        "seed": args.pe_seed,
        "sentences": len(data),
        "privacy-proxy": presidio_eval.score(data, ours_pred),
        "presidio-default": presidio_eval.score(data, peer_pred),
        "ms_per_sentence": {
            "privacy-proxy": statistics.median(t_ours) * 1000,
            "presidio-default": statistics.median(t_peer) * 1000,
        },
    }


async def own_requests(
    args: argparse.Namespace, ours: PresidioDetector, tenant: TenantConfig, peer: PresidioDefault
) -> dict[str, Any]:
    """Our own Presidio-style English source (``english_requests.py``: chat, e-mail, form, ticket,
    notes, tool-call JSON) through both detectors, scored like presidio-evaluator's sentences,
    with the share of its clean prompts left unchanged."""
    data = english_requests.generate(args.own_seed, args.own_requests)
    clean = english_requests.clean(args.own_seed, args.own_requests // 2)
    out: dict[str, Any] = {"seed": args.own_seed, "requests": len(data), "clean": len(clean)}
    for name in ("privacy-proxy", "presidio-default"):
        preds, altered = [], 0
        for d in data + clean:
            if name == "privacy-proxy":
                [spans] = await ours.detect([d["text"]], tenant)
                pred = [(s.start, s.end, s.entity_type) for s in spans]
            else:
                pred = peer.detect(d["text"])
            if d["spans"]:
                preds.append(pred)
            else:
                altered += bool(pred)
        out[name] = presidio_eval.score(data, preds)
        out[name + "_clean_unchanged"] = 1 - altered / len(clean)
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = load_settings(
        None,
        server={"data_dir": str(ROOT / "data" / "bench")},
        detection={"workers": 0, "cache_size": 0, "shared_cache_mb": 0},
    )
    ours = PresidioDetector(settings)
    await ours.start()
    tenant = TenantConfig(id="bench")
    peer = PresidioDefault(settings.detection.spacy_models["en"])

    async def ours_detect(text: str) -> list[tuple[int, int, str]]:
        [spans] = await ours.detect([text], tenant)
        return [(s.start, s.end, s.entity_type) for s in spans]

    samples = generate(args.seed, args.per_template)
    results: dict[str, Any] = {"samples": len(samples), "seed": args.seed}
    for name, detect in (("privacy-proxy", ours_detect), ("presidio-default", None)):
        sc = Scores()
        for s in samples:
            pred = await detect(s.text) if detect else peer.detect(s.text)
            sc.add(s, pred)
        ev_found = 0
        for _, text, etype, _ in EVASIONS:
            pred = await detect(text) if detect else peer.detect(text)
            ev_found += any(t == etype for _, _, t in pred)
        art9_hit, art9_any = 0, 0
        for _, text, cat in ART9:
            pred = await detect(text) if detect else peer.detect(text)
            types = {t for _, _, t in pred}
            art9_hit += cat in types
            art9_any += bool(types & SPECIAL_CATEGORIES)
        altered = []
        for text in LOOKALIKES:
            pred = await detect(text) if detect else peer.detect(text)
            if pred:
                altered.append({"text": text, "found": sorted({t for _, _, t in pred})})
        results[name] = {
            "by_type": sc.table(by_lang=False),
            "by_type_language": sc.table(by_lang=True),
            "evasions_detected": ev_found / len(EVASIONS),
            "art9_recall": art9_hit / len(ART9),
            "art9_flagged_any": art9_any / len(ART9),
            "lookalikes_altered": len(altered) / len(LOOKALIKES),
            "lookalikes_altered_examples": altered,
        }
    results["classes"] = await class_cases(args, ours, tenant, peer)
    results["clean_prompts"] = await clean_share(args, ours, tenant, peer)

    async def spans(texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
        return [[(s.start, s.end, s.entity_type, s.score) for s in found]
                for found in await ours.detect(texts, tenant)]

    # Special categories and Art. 10 data, per category x language (bench/special_cases.py).
    results["special"] = await special_report_async(spans)
    if args.pe_sentences:
        results["presidio_evaluator"] = await presidio_sentences(args, ours, tenant, peer)
    if args.own_requests:
        results["own_requests"] = await own_requests(args, ours, tenant, peer)
    kb = ((MESSAGE_70 + " ") * 3)[:1024]
    timing: dict[str, Any] = {}
    for label, text in (("70_words", MESSAGE_70), ("1kB", kb)):
        for _ in range(5):
            peer.detect(text)
            await ours.detect([text], tenant)
        peer_wall, peer_cpu = await timed(lambda t=text: _sync(peer.detect, t), args.timing_runs)
        ours_wall, ours_cpu = await timed(lambda t=text: ours.detect([t], tenant), args.timing_runs)
        timing[label] = {
            "privacy-proxy_ms": ours_wall,
            "privacy-proxy_cpu_ms": ours_cpu,
            "presidio-default_ms": peer_wall,
            "presidio-default_cpu_ms": peer_cpu,
            "words": len(text.split()),
            "chars": len(text),
        }
    await ours.close()
    # A ten-turn conversation re-sent whole on every turn, with the result cache on: turn ten
    # analyzes only its new message.
    cached = PresidioDetector(
        load_settings(
            None,
            server={"data_dir": str(ROOT / "data" / "bench")},
            detection={"workers": 0, "shared_cache_mb": 0},
        )
    )
    await cached.start()
    history: list[str] = []
    turns = []
    for turn in range(10):
        history.append(MESSAGE_70.replace("Henderson", f"Henderson{turn}"))
        t0 = time.perf_counter()
        await cached.detect(list(history), tenant)
        turns.append((time.perf_counter() - t0) * 1000)
        history.append(f"Assistant answer {turn}: noted, I will update the account.")
    await cached.close()
    timing["conversation_turn_ms"] = {"turn_1": turns[0], "turn_10": turns[-1], "all": turns}
    if args.pool:
        # The serving configuration: a warmed pool of worker processes, one request at a time.
        pooled = PresidioDetector(
            load_settings(
                None,
                server={"data_dir": str(ROOT / "data" / "bench")},
                detection={"workers": 2, "cache_size": 0, "shared_cache_mb": 0},
            )
        )
        await pooled.start()
        for label, text in (("70_words", MESSAGE_70), ("1kB", kb)):
            for _ in range(5):
                await pooled.detect([text], tenant)
            wall, _ = await timed(lambda t=text: pooled.detect([t], tenant), args.timing_runs)
            timing[label]["privacy-proxy_pool_ms"] = wall
        await pooled.close()
    results["timing"] = timing
    results["machine"] = {
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "load_average_1m": os.getloadavg()[0],
    }
    return results


def print_tables(res: dict[str, Any]) -> None:
    ours, peer = res["privacy-proxy"], res["presidio-default"]
    print(f"\nDetection benchmark: {res['samples']} generated samples (seed {res['seed']})\n")
    print(
        f"{'entity type':<18} {'ours P':>7} {'R':>6} {'F2':>6} {'leak':>6} | {'presidio P':>10} {'R':>6} {'F2':>6} {'leak':>6}"
    )
    types = sorted(set(ours["by_type"]) | set(peer["by_type"]))
    for t in types:
        a, b = ours["by_type"].get(t, {}), peer["by_type"].get(t, {})
        if not a.get("tp", 0) + a.get("fn", 0) and not b.get("tp", 0) + b.get("fn", 0):
            fp_a, fp_b = a.get("fp", 0), b.get("fp", 0)
            print(
                f"{t:<18} {'(no gold; false positives: ours ' + str(fp_a) + ', presidio ' + str(fp_b) + ')'}"
            )
            continue

        def f(d: dict[str, float], k: str) -> str:
            return f"{d[k]:.3f}" if k in d else "  -  "

        print(
            f"{t:<18} {f(a, 'precision'):>7} {f(a, 'recall'):>6} {f(a, 'f2'):>6} {f(a, 'leak'):>6} | "
            f"{f(b, 'precision'):>10} {f(b, 'recall'):>6} {f(b, 'f2'):>6} {f(b, 'leak'):>6}"
        )
    print("\nPer language (ours: recall / F2; presidio: recall / F2)")
    langs = list(LOCALES)
    print(f"{'entity type':<18} " + " ".join(f"{lang:>13}" for lang in langs))
    for t in types:
        cells = []
        for lang in langs:
            a = ours["by_type_language"].get(f"{t}/{lang}")
            b = peer["by_type_language"].get(f"{t}/{lang}")
            if not a or a["tp"] + a["fn"] == 0:
                cells.append(f"{'':>13}")
            else:
                cells.append(
                    f"{a['recall']:.2f}/{a['f2']:.2f}|{(b or {}).get('recall', 0):.2f}".rjust(13)
                )
        if any(c.strip() for c in cells):
            print(f"{t:<18} " + " ".join(cells))
    print()
    for k, label in (
        ("evasions_detected", "evasions detected"),
        ("art9_recall", "Art. 9 requests flagged with the right category"),
        ("lookalikes_altered", "look-alike (clean) prompts altered"),
    ):
        print(f"{label:<50} ours {ours[k]:.3f}   presidio {peer[k]:.3f}")
    print_issue12(res)
    m = res["machine"]
    print(
        f"\nDetection time per request, median, warm ({m['cpu_count']} cores, "
        f"load average {m['load_average_1m']:.1f}); wall / CPU ms:"
    )
    for label, t in res["timing"].items():
        if label == "conversation_turn_ms":
            print(
                f"  ten-turn conversation (whole history re-sent, cache on): turn 1 "
                f"{t['turn_1']:.1f} ms, turn 10 {t['turn_10']:.1f} ms"
            )
            continue
        pool = t.get("privacy-proxy_pool_ms")
        print(
            f"  {label:<9} ({t['chars']:>4} chars): ours {t['privacy-proxy_ms']:.1f} / "
            f"{t['privacy-proxy_cpu_ms']:.1f}   presidio default {t['presidio-default_ms']:.1f} / "
            f"{t['presidio-default_cpu_ms']:.1f}"
            + (f"   ours via the worker pool {pool:.1f}" if pool is not None else "")
        )


def print_issue12(res: dict[str, Any]) -> None:
    """Recall per class and per field, the clean share, and the presidio-evaluator comparison."""
    print("\nIssue 12 classes (recall = a span of the expected type; protected = not in clear)")
    print(f"{'class / field / type':<44} {'n':>4}  {'ours R':>7} {'prot':>6} | {'presidio R':>10} {'prot':>6}")
    for key, v in res["classes"].items():
        a, b = v["privacy-proxy"], v["presidio-default"]
        print(
            f"{key:<44} {a['n']:>4}  {a['recall']:>7.3f} {a['protected']:>6.3f} | "
            f"{b['recall']:>10.3f} {b['protected']:>6.3f}"
        )
    sp = res.get("special")
    if sp:
        print(
            f"\nspecial categories and Art. 10, every category x language: pass rate by kind "
            f"{sp['by_kind']}; unanchored kept after a named person {sp['with_person']:.3f}; "
            f"clean prompts flagged {len(sp['clean_flagged'])} of {sp['clean_prompts']}"
        )
    c = res["clean_prompts"]
    print(
        f"\nclean prompts forwarded unchanged ({c['privacy-proxy']['prompts']}): "
        f"ours {c['privacy-proxy']['unchanged']:.3f}   presidio {c['presidio-default']['unchanged']:.3f}"
    )
    pe = res.get("presidio_evaluator")
    if not pe:
        return
    print(
        f"\npresidio-evaluator PresidioSentenceFaker, {pe['sentences']} sentences (seed {pe['seed']}); "
        "recall protected / covered / typed"
    )
    print_recall_table(pe["privacy-proxy"], pe["presidio-default"])
    ms = pe["ms_per_sentence"]
    print(
        f"detection time per sentence, median: ours {ms['privacy-proxy']:.1f} ms, "
        f"presidio {ms['presidio-default']:.1f} ms"
    )
    own = res.get("own_requests")
    if own:
        print(
            f"\nown English requests (english_requests.py), {own['requests']} (seed {own['seed']}); "
            "recall protected / covered / typed"
        )
        print_recall_table(own["privacy-proxy"], own["presidio-default"])
        print(
            f"its {own['clean']} clean prompts forwarded unchanged: ours "
            f"{own['privacy-proxy_clean_unchanged']:.3f}   presidio "
            f"{own['presidio-default_clean_unchanged']:.3f}"
        )


def in_clear(table: dict[str, Any]) -> tuple[int, int]:
    """(values left in clear, values) over the personal-data types of a recall table."""
    left = total = 0
    for a in table.values():
        if a["personal_data"]:
            left += round(a["n"] * (1 - a["protected"]))
            total += a["n"]
    return left, total


def print_recall_table(ours: dict[str, Any], peer: dict[str, Any]) -> None:
    print(f"{'gold type':<18} {'n':>4}  {'ours':>20} | {'presidio':>20}  {'ours >= presidio (protected)'}")
    for t, a in ours.items():
        b = peer[t]
        flag = "yes" if a["protected"] >= b["protected"] else "NO"
        mark = "" if a["personal_data"] else "  (not personal data alone)"
        print(
            f"{t:<18} {a['n']:>4}  {a['protected']:.3f} {a['covered']:.3f} {a['typed']:.3f}  | "
            f"{b['protected']:.3f} {b['covered']:.3f} {b['typed']:.3f}   {flag}{mark}"
        )
    (lo, to), (lp, tp) = in_clear(ours), in_clear(peer)
    print(
        f"personal-data values in clear: ours {lo} of {to} ({lo / to:.1%}), "
        f"presidio {lp} of {tp} ({lp / tp:.1%})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=20240917)
    ap.add_argument("--per-template", type=int, default=6, help="samples per template and locale")
    ap.add_argument("--timing-runs", type=int, default=50)
    ap.add_argument("--per-class", type=int, default=6, help="cases per issue-12 class and language")
    ap.add_argument("--clean-per-lang", type=int, default=40, help="clean prompts per language")
    ap.add_argument("--pe-sentences", type=int, default=500, help="presidio-evaluator sentences (0: skip)")
    ap.add_argument("--pe-seed", type=int, default=2024)
    ap.add_argument("--own-requests", type=int, default=600, help="own English requests (0: skip)")
    ap.add_argument("--own-seed", type=int, default=1)
    ap.add_argument(
        "--no-pool", dest="pool", action="store_false", help="skip the worker-pool timing"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "detection.json")
    args = ap.parse_args()
    res = asyncio.run(run(args))
    print_tables(res)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=1, ensure_ascii=False))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
