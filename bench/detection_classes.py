# ruff: noqa: E501  (sentence templates read best one per line)
"""Generated cases for each class of personal data that leaked in the held-out evaluation of
issue 12, and generated clean prompts (no personal data at all).

Every case is a request: one or more texts (a conversation, or values of structured data with
their key paths) and the gold values in them, of an expected entity type. Values come from Faker
(names of many nationalities, addresses, numbers) and from checksum generators; templates are
written here, in the supported languages. ``cases(seed)`` is reproducible.

Other modules add classes by appending a generator to ``GENERATORS`` (the special-category
cases of ``bench/special_cases.py`` join through ``_load_hooks`` when that file exists: it
exposes ``generators() -> dict[str, Generator]``).
"""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from faker import Faker
from stdnum import luhn
from stdnum.iban import calc_check_digits

LANGS = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT", "nl": "nl_NL", "pl": "pl_PL"}
# Names of nationalities far from the European lexicons (romanized where Faker has it).
FOREIGN_LOCALES = ["ja_JP", "hu_HU", "hr_HR", "fi_FI", "tr_TR", "vi_VN", "id_ID", "cs_CZ", "sk_SK", "sl_SI", "lt_LT", "lv_LV", "et_EE", "ro_RO", "is_IS", "no_NO", "da_DK", "yo_NG", "zu_ZA", "en_IN"]


@dataclass
class Case:
    cls: str
    lang: str
    texts: list[str]
    keys: list[str | None] = field(default_factory=list)
    gold: list[tuple[int, int, int, str]] = field(default_factory=list)  # (text, start, end, type)

    def __post_init__(self) -> None:
        if not self.keys:
            self.keys = [None] * len(self.texts)


Generator = Callable[[random.Random, int], list[Case]]


def fill(template: str, values: dict[str, tuple[str, str]]) -> tuple[str, list[tuple[int, int, str]]]:
    """``template`` with ``{slot}`` replaced by ``values[slot] = (value, entity type)``; the gold
    spans of the slots whose type is not empty."""
    text, gold, i = "", [], 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            text += template[i:]
            break
        k = template.index("}", j)
        text += template[i:j]
        value, etype = values[template[j + 1 : k]]
        if etype:
            gold.append((len(text), len(text) + len(value), etype))
        text += value
        i = k + 1
    return text, gold


def _single(cls: str, lang: str, template: str, values: dict[str, tuple[str, str]]) -> Case:
    text, gold = fill(template, values)
    return Case(cls, lang, [text], gold=[(0, a, b, t) for a, b, t in gold])


def _faker(locale: str, rng: random.Random) -> Faker:
    f = Faker(locale)
    f.seed_instance(rng.randrange(2**31))
    return f


def _romanized_first(f: Faker) -> str:
    for attr in ("first_romanized_name", "first_name"):
        if hasattr(f, attr):
            return str(getattr(f, attr)())
    return str(f.first_name())


def _romanized_last(f: Faker) -> str:
    for attr in ("last_romanized_name", "last_name"):
        if hasattr(f, attr):
            return str(getattr(f, attr)())
    return str(f.last_name())


LONE_NAME = {
    "en": ["I would like to remove my kid {first} from the will. How do I do that?", "Remember me, {first}? We met at the conference.", "Why is {first} so impulsive?", "{first} shouted at {first2}: \"What are you doing here?\"", "Please ask {first} to send the report by Friday."],
    "de": ["Ich möchte meinen Sohn {first} aus dem Testament streichen.", "Kannst du {first} bitte sagen, dass das Meeting ausfällt?", "Erinnerst du dich an mich, {first}?"],
    "fr": ["Je voudrais retirer mon fils {first} du testament.", "Peux-tu dire à {first} que la réunion est annulée ?", "Tu te souviens de moi, {first} ?"],
    "es": ["Quiero quitar a mi hijo {first} del testamento.", "¿Puedes decirle a {first} que la reunión se cancela?"],
    "it": ["Vorrei togliere mio figlio {first} dal testamento.", "Puoi dire a {first} che la riunione è annullata?"],
    "nl": ["Ik wil mijn zoon {first} uit het testament halen.", "Kun je {first} zeggen dat de vergadering niet doorgaat?"],
    "pl": ["Chcę usunąć mojego syna {first} z testamentu.", "Czy możesz powiedzieć {first}, że spotkanie jest odwołane?"],
}


def lone_names(rng: random.Random, n: int) -> list[Case]:
    out = []
    for lang, loc in LANGS.items():
        f = _faker(loc, rng)
        for _ in range(n):
            tpl = rng.choice(LONE_NAME[lang])
            out.append(_single("names: lone given name", lang, tpl, {"first": (f.first_name(), "PERSON"), "first2": (f.first_name(), "PERSON")}))
    return out


FULL_NAME = {
    "en": ["Follow up with {name} in a couple of months.", "I want to add {name} as a beneficiary to my account.", "{name} will be talking at the conference.", "Please draft a reply to {name} about the delayed invoice."],
    "de": ["Bitte schreib {name} wegen der verspäteten Rechnung.", "{name} hat gestern angerufen und um Rückruf gebeten."],
    "fr": ["Merci d'écrire à {name} au sujet de la facture.", "{name} a appelé hier pour un rendez-vous."],
    "es": ["Escribe a {name} sobre la factura retrasada.", "{name} llamó ayer para pedir una cita."],
    "it": ["Scrivi a {name} per la fattura in ritardo.", "{name} ha chiamato ieri per un appuntamento."],
    "nl": ["Schrijf {name} over de late factuur.", "{name} belde gisteren voor een afspraak."],
    "pl": ["Napisz do {name} w sprawie faktury.", "{name} dzwonił wczoraj w sprawie spotkania."],
}


def foreign_names(rng: random.Random, n: int) -> list[Case]:
    out = []
    for lang in LANGS:
        for _ in range(n):
            f = _faker(rng.choice(FOREIGN_LOCALES), rng)
            name = f"{_romanized_first(f)} {_romanized_last(f)}"
            out.append(_single("names: any nationality", lang, rng.choice(FULL_NAME[lang]), {"name": (name, "PERSON")}))
    return out


def initialled_names(rng: random.Random, n: int) -> list[Case]:
    out = []
    for lang, loc in LANGS.items():
        f = _faker(loc, rng)
        for _ in range(n):
            initial = rng.choice("ABCDEFGHJKLMNPRSTW") + rng.choice([".", ""])
            name = f"{f.first_name()} {initial} {f.last_name()}"
            out.append(_single("names: middle initial", lang, rng.choice(FULL_NAME[lang]), {"name": (name, "PERSON")}))
    return out


LOWER = {
    "en": ["my colleague {name} asked for the file", "can you email {name} about the contract", "i met {name} yesterday and she asked about the invoice"],
    "de": ["mein kollege {name} hat nach der datei gefragt", "bitte schreib {name} wegen des vertrags"],
    "fr": ["mon collègue {name} a demandé le fichier", "écris à {name} pour le contrat"],
    "es": ["mi compañero {name} pidió el archivo"],
    "it": ["il mio collega {name} ha chiesto il file"],
    "nl": ["mijn collega {name} vroeg om het bestand"],
    "pl": ["mój kolega {name} prosił o plik"],
}


def lowercase_names(rng: random.Random, n: int) -> list[Case]:
    out = []
    for lang, loc in LANGS.items():
        f = _faker(loc, rng)
        for _ in range(n):
            name = f"{f.first_name()} {f.last_name()}".lower()
            out.append(_single("names: lower case", lang, rng.choice(LOWER[lang]), {"name": (name, "PERSON")}))
    return out


def coreference(rng: random.Random, n: int) -> list[Case]:
    """A full name in one turn, a part of it alone in a later one."""
    firsts = {
        "en": ("Please prepare the contract for {name}.", "Did {part} say when the payment arrives?"),
        "de": ("Bitte bereite den Vertrag für {name} vor.", "Hat {part} gesagt, wann die Zahlung kommt?"),
        "fr": ("Prépare le contrat pour {name}.", "Est-ce que {part} a dit quand le paiement arrive ?"),
        "es": ("Prepara el contrato para {name}.", "¿Dijo {part} cuándo llega el pago?"),
        "it": ("Prepara il contratto per {name}.", "{part} ha detto quando arriva il pagamento?"),
        "nl": ("Maak het contract klaar voor {name}.", "Heeft {part} gezegd wanneer de betaling komt?"),
        "pl": ("Przygotuj umowę dla {name}.", "Czy {part} powiedział, kiedy przyjdzie płatność?"),
    }
    out = []
    for lang, loc in LANGS.items():
        f = _faker(loc, rng)
        for _ in range(n):
            first, last = f.first_name(), f.last_name()
            part = rng.choice([first, last])
            t1, g1 = fill(firsts[lang][0], {"name": (f"{first} {last}", "PERSON")})
            t2, g2 = fill(firsts[lang][1], {"part": (part, "PERSON")})
            out.append(Case("names: coreference", lang, [t1, "Noted, I will prepare it.", t2], gold=[(0, *g1[0]), (2, *g2[0])]))
    return out


def _odd_phone(rng: random.Random) -> str:
    cc = rng.choice(["+31", "+49", "+33", "+39", "+34", "+48", "+44", "+1"])
    digits = "".join(rng.choice("0123456789") for _ in range(9))
    style = rng.randrange(4)
    if style == 0:
        return f"{cc}(0) {digits}"
    if style == 1:
        return f"{cc}{digits[:3]}-{digits[3:]}"
    if style == 2:
        return f"{cc} {digits[:2]} {digits[2:7]} {digits[7:]}"
    return f"{cc}{digits}"


STRUCTURED_KEYS = [
    ("contact.phone", "PHONE_NUMBER", _odd_phone),
    ("phone", "PHONE_NUMBER", _odd_phone),
    ("telefono", "PHONE_NUMBER", _odd_phone),
    ("patients.date_of_birth", "DATE_OF_BIRTH", lambda r: f"{r.randrange(1, 29):02d}{r.choice('./-')}{r.randrange(1, 13):02d}{r.choice('./-')}{r.randrange(1940, 2006)}"),
    ("dob", "DATE_OF_BIRTH", lambda r: f"{r.randrange(1940, 2006)}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}"),
    ("national_id", "NATIONAL_ID", lambda r: "".join(r.choice("0123456789") for _ in range(9))),
    ("tax_id", "NATIONAL_ID", lambda r: "".join(r.choice("0123456789") for _ in range(11))),
    ("customer.ssn", "US_SSN", lambda r: f"{r.randrange(100, 665)}-{r.randrange(10, 99)}-{r.randrange(1000, 9999)}"),
    ("passport_number", "PASSPORT", lambda r: r.choice("CEFGHKLM") + "".join(r.choice("0123456789") for _ in range(8))),
    ("billing.iban", "IBAN_CODE", lambda r: _iban(r).lower()),
    ("address.street", "STREET_ADDRESS", lambda r: f"{Faker('de_DE').street_name()} {r.randrange(1, 200)}"),
    ("contact.name", "PERSON", lambda r: Faker(r.choice(FOREIGN_LOCALES)).last_name()),
    ("first_name", "PERSON", lambda r: Faker("en_US").first_name()),
    ("email", "EMAIL_ADDRESS", lambda r: Faker("en_US").email()),
]


def structured(rng: random.Random, n: int) -> list[Case]:
    out = []
    for _ in range(n * 4):
        key, etype, make = rng.choice(STRUCTURED_KEYS)
        value = make(rng)
        out.append(Case("structured keys, odd formats", "en", [value], [key], gold=[(0, 0, len(value), etype)]))
    return out


DOB = {
    "en": ["Patient born {dob}, admitted for a check-up.", "Date of birth: {dob}", "He was born on {dob} in a small town."],
    "de": ["Geboren am {dob}, wohnhaft in Köln.", "Geburtsdatum: {dob}"],
    "fr": ["Né le {dob}, il habite à Lyon.", "Date de naissance : {dob}"],
    "es": ["Nacido el {dob}.", "Fecha de nacimiento: {dob}"],
    "it": ["Nato il {dob}.", "Data di nascita: {dob}"],
    "nl": ["Geboren op {dob}.", "Geboortedatum: {dob}"],
    "pl": ["Data urodzenia: {dob}", "Urodzony {dob}."],
}


def dob(rng: random.Random, n: int) -> list[Case]:
    out = []
    for lang in LANGS:
        for _ in range(n):
            d, m, y = rng.randrange(1, 29), rng.randrange(1, 13), rng.randrange(1940, 2010)
            sep = rng.choice("./-")
            value = rng.choice([f"{d:02d}{sep}{m:02d}{sep}{y}", f"{m:02d}{sep}{d:02d}{sep}{y}", f"{y}{sep}{m:02d}{sep}{d:02d}", f"{d}{sep}{m}{sep}{y}"])
            out.append(_single("dates of birth, numeric", lang, rng.choice(DOB[lang]), {"dob": (value, "DATE_OF_BIRTH")}))
    return out


def _street(rng: random.Random, lang: str, f: Faker) -> str:
    if lang == "en":
        kind = rng.randrange(3)
        if kind == 0:  # US: <number> <name> <type> Suite|Apt <n>
            return f"{rng.randrange(10, 9999)} {Faker('en_US').last_name()} {rng.choice(['Street', 'Avenue', 'Road', 'Drive', 'Lane', 'Blvd'])} {rng.choice(['Suite', 'Apt'])} {rng.randrange(1, 999)}"
        if kind == 1:  # UK
            return f"{rng.randrange(1, 200)} {f.street_name()}, {f.city()} {f.postcode()}"
        return f"Flat {rng.randrange(1, 40)}, {rng.randrange(1, 200)} {f.street_name()}"
    if lang == "it":
        return f"{rng.choice(['Via', 'Stretto', 'Piazza', 'Viale', 'Corso'])} {f.last_name()}, {rng.randrange(1, 200)}"
    return f.street_address().replace("\n", ", ")


STREET = {
    "en": ["Please ship the order to {address}.", "My new address is {address}, please update it."],
    "de": ["Bitte schick das Paket an {address}.", "Meine neue Adresse ist {address}."],
    "fr": ["Envoie le colis au {address}.", "Ma nouvelle adresse : {address}."],
    "es": ["Envía el paquete a {address}.", "Mi nueva dirección es {address}."],
    "it": ["Spedisci il pacco in {address}.", "Il mio nuovo indirizzo è {address}."],
    "nl": ["Stuur het pakket naar {address}.", "Mijn nieuwe adres is {address}."],
    "pl": ["Wyślij paczkę na adres {address}.", "Mój nowy adres to {address}."],
}


def streets(rng: random.Random, n: int) -> list[Case]:
    out = []
    for lang, loc in LANGS.items():
        f = _faker(loc, rng)
        for _ in range(n):
            out.append(_single("street addresses", lang, rng.choice(STREET[lang]), {"address": (_street(rng, lang, f), "STREET_ADDRESS")}))
    return out


PHONE = {
    "en": ["Call me back on {phone} please.", "My mobile is {phone}."],
    "de": ["Ruf mich unter {phone} zurück.", "Meine Handynummer: {phone}"],
    "fr": ["Rappelle-moi au {phone}.", "Mon portable : {phone}"],
    "es": ["Llámame al {phone}.", "Mi móvil es {phone}."],
    "it": ["Richiamami al {phone}.", "Il mio cellulare è {phone}."],
    "nl": ["Bel me terug op {phone}.", "Mijn mobiel is {phone}."],
    "pl": ["Oddzwoń na {phone}.", "Mój numer komórki to {phone}."],
}


def phones(rng: random.Random, n: int) -> list[Case]:
    out = []
    for lang, loc in LANGS.items():
        f = _faker(loc, rng)
        for _ in range(n):
            raw = f.phone_number()
            digits = "".join(c for c in raw if c.isdigit() or c == "+")
            code = ""
            if digits.startswith("+"):  # keep the country code whole
                code, digits = digits[:3], digits[3:]
            style = rng.randrange(4)
            if style == 0:
                value = code + digits  # no separators
            elif style == 1:
                value = raw.replace(" ", "\u200b ") if " " in raw else "\u200b".join(raw)  # zero-width
            elif style == 2 and code:
                value = f"{code} (0){digits.lstrip('0')[:3]} {digits.lstrip('0')[3:]}"
            else:
                size = rng.choice([2, 3, 4])
                value = (code + " " if code else "") + " ".join(digits[i : i + size] for i in range(0, len(digits), size))
            out.append(_single("phones: odd grouping, (0), invisible", lang, rng.choice(PHONE[lang]), {"phone": (value, "PHONE_NUMBER")}))
    return out


def _iban(rng: random.Random) -> str:
    bban = "".join(rng.choice("0123456789") for _ in range(18))
    check = calc_check_digits("DE00" + bban)
    return f"DE{check}{bban}"


def _card(rng: random.Random) -> str:
    body = rng.choice(["4", "51", "52", "53", "54", "55"]) 
    body += "".join(rng.choice("0123456789") for _ in range(15 - len(body)))
    return body + luhn.calc_check_digit(body)


def iban_and_cards(rng: random.Random, n: int) -> list[Case]:
    out = []
    for lang in LANGS:
        for _ in range(n):
            iban = _iban(rng)
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower() if rng.random() < 0.5 else iban.lower()
            out.append(_single("IBAN in lower case", lang, "IBAN: {iban}", {"iban": (iban, "IBAN_CODE")}))
            card = _card(rng)
            card = ".".join(card[i : i + 4] for i in range(0, 16, 4))
            out.append(_single("cards grouped by dots", lang, "Card {card}, exp 09/29", {"card": (card, "CREDIT_CARD")}))
    return out


def us_ids(rng: random.Random, n: int) -> list[Case]:
    out = []
    templates = ["His social security number is {v}", "Here's my SSN: {v}", "SSN {v} on file"]
    for _ in range(n * 3):
        area = rng.choice([a for a in range(1, 900) if a != 666])
        v = f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"
        out.append(_single("US SSN", "en", rng.choice(templates), {"v": (v, "US_SSN")}))
    for _ in range(n * 2):
        v = f"9{rng.randrange(10, 100)}-{rng.choice([50, 65, 70, 78, 88, 90, 94])}-{rng.randrange(1000, 10000)}"
        out.append(_single("US ITIN", "en", "My ITIN is {v}.", {"v": (v, "US_ITIN")}))
    return out


GENERATORS: dict[str, Generator] = {
    "lone": lone_names,
    "foreign": foreign_names,
    "initialled": initialled_names,
    "lower": lowercase_names,
    "coreference": coreference,
    "structured": structured,
    "dob": dob,
    "streets": streets,
    "phones": phones,
    "iban_cards": iban_and_cards,
    "us_ids": us_ids,
}


def _load_hooks() -> dict[str, Generator]:
    """Generators of other benches' classes (``bench/special_cases.py``), when present."""
    path = Path(__file__).with_name("special_cases.py")
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location("special_cases", path)
    if spec is None or spec.loader is None:
        return {}
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    # special_cases.py reports its own categories (``special_report_async``); a generators() hook
    # is optional.
    hook = getattr(mod, "generators", None)
    return dict(hook()) if callable(hook) else {}


def cases(seed: int, per_class: int = 6) -> list[Case]:
    rng = random.Random(seed)
    out: list[Case] = []
    for _, gen in sorted({**GENERATORS, **_load_hooks()}.items()):
        out += gen(random.Random(rng.randrange(2**31)), per_class)
    return out


# Clean prompts: capitalized words, places, products, companies, numbers, dates, topics; no one's
# personal data. The share of them left untouched is the false-alarm side of recall.
CLEAN = {
    "en": ["Explain how {product} differs from {product2} for a read-heavy workload.", "Write a short travel guide for {city} in {month}.", "Summarise the history of {city} in three paragraphs.", "{company} reported higher revenue in the {quarter} quarter; draft a market update.", "Upgrade {product} from {version} to {version2} and list the breaking changes.", "What are the best museums in {city} and {city2}?", "Compare the {company} and {company2} annual reports for {year}.", "Translate 'The meeting is on {weekday}' into {language}.", "Order #{order} was shipped on {date}; write a status note.", "The {sport} final between {city} and {city2} ends 2-1; write a headline.", "Draft a tweet about our new office opening in {city} next {month}.", "Give me a recipe with {food} that takes {minutes} minutes.", "Explain the theory of relativity by {figure} in simple words.", "Set the timeout to {minutes}000 ms and retry {small} times in the {product} client."],
    "de": ["Erkläre den Unterschied zwischen {product} und {product2}.", "Schreibe einen Reiseführer für {city} im {month}.", "{company} meldet mehr Umsatz im {quarter} Quartal; fasse das zusammen.", "Der Server in {city} läuft mit {product} {version}.", "Bestellung {order} wurde am {date} verschickt."],
    "fr": ["Explique la différence entre {product} et {product2}.", "Rédige un guide de voyage pour {city} en {month}.", "{company} annonce un chiffre d'affaires en hausse ; résume la nouvelle.", "La commande {order} est partie le {date}."],
    "es": ["Explica la diferencia entre {product} y {product2}.", "Escribe una guía de viaje de {city} para {month}.", "{company} anuncia más ventas; resume la noticia."],
    "it": ["Spiega la differenza tra {product} e {product2}.", "Scrivi una guida di viaggio per {city} a {month}.", "{company} annuncia ricavi in crescita; riassumi la notizia."],
    "nl": ["Leg het verschil uit tussen {product} en {product2}.", "Schrijf een reisgids voor {city} in {month}.", "{company} meldt hogere omzet; vat het nieuws samen."],
    "pl": ["Wyjaśnij różnicę między {product} a {product2}.", "Napisz przewodnik po {city} na {month}.", "{company} ogłasza wyższe przychody; streść wiadomość."],
}
PRODUCTS = ["PostgreSQL", "MySQL", "Redis", "Kafka", "Kubernetes", "Docker", "Terraform", "Spring Boot", "Quarkus", "Django", "Flask", "React", "Angular", "Vue", "Rust", "Go", "Python", "TypeScript", "Elasticsearch", "MongoDB", "Cassandra", "Jenkins", "GitLab", "Hugo", "Jekyll", "Grafana", "Prometheus", "Nginx", "Excel", "Salesforce"]
COMPANIES = ["Siemens", "SAP", "Airbus", "Nestlé", "Volkswagen", "Mercedes", "Tesla", "Apple", "Microsoft", "Philips", "Unilever", "Santander", "Iberdrola", "Enel", "Orlen", "Allegro", "ING", "Renault", "Danone", "Ferrari"]
MONTHS = {"en": ["May", "June", "October"], "de": ["Mai", "Juni", "Oktober"], "fr": ["mai", "juin", "octobre"], "es": ["mayo", "junio"], "it": ["maggio", "giugno"], "nl": ["mei", "juni"], "pl": ["maj", "czerwiec"]}
FIGURES = ["Albert Einstein", "Isaac Newton", "Marie Curie", "Charles Darwin"]
# Real cities (Faker's invented ones are built from people's names: "Lake Elliot", "Port Scott").
CITIES = ["Ljubljana", "Tallinn", "Porto", "Gdynia", "Bergamo", "Utrecht", "Tampere", "Aarhus", "Brno", "Graz", "Lille", "Bilbao", "Kyoto", "Osaka", "Toronto", "Nairobi", "Lima", "Santiago", "Austin", "Seville", "Nantes", "Bremen", "Leipzig", "Genoa", "Eindhoven", "Poznań", "Cork", "Galway", "Bruges", "Ghent", "Salzburg", "Lucerne", "Bordeaux", "Malmö", "Bergen", "Riga", "Vilnius", "Sofia", "Split", "Dubrovnik", "Marrakesh", "Lisbon", "Valencia", "Florence", "Munich", "Hamburg", "Edinburgh", "Cardiff", "Reykjavik", "Helsinki"]


def clean_prompts(seed: int, n_per_lang: int = 40) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for lang in LANGS:
        for _ in range(n_per_lang):
            tpl = rng.choice(CLEAN[lang])
            p1, p2 = rng.sample(PRODUCTS, 2)
            c1, c2 = rng.sample(COMPANIES, 2)
            values = {
                "product": (p1, ""), "product2": (p2, ""), "company": (c1, ""), "company2": (c2, ""),
                "city": (rng.choice(CITIES), ""), "city2": (rng.choice(CITIES), ""), "month": (rng.choice(MONTHS[lang]), ""),
                "quarter": (rng.choice(["first", "second", "third"]), ""), "year": (str(rng.randrange(2015, 2026)), ""),
                "version": (f"{rng.randrange(1, 9)}.{rng.randrange(0, 20)}", ""), "version2": (f"{rng.randrange(9, 20)}.{rng.randrange(0, 5)}", ""),
                "weekday": (rng.choice(["Monday", "Friday"]), ""), "language": (rng.choice(["German", "French", "Spanish"]), ""),
                "order": (f"{rng.randrange(10**5, 10**7)}", ""), "date": (f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}", ""),
                "sport": (rng.choice(["football", "hockey"]), ""), "food": (rng.choice(["lentils", "salmon", "tofu"]), ""),
                "minutes": (str(rng.randrange(10, 60)), ""), "small": (str(rng.randrange(2, 6)), ""), "figure": (rng.choice(FIGURES), ""),
            }
            out.append((lang, fill(tpl, values)[0]))
    return out
