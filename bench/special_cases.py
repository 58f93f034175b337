# ruff: noqa: E501  (sentence templates read best one per line)
"""Generated multilingual cases for GDPR Art. 9 special categories and Art. 10 criminal-offence data.

Every case puts a term of the lexicons (``proxy/detect/data/special.json``: the category's own words
in that language, and the shared party, union and medicine names) into a sentence of one class:

- ``anchored``: said of a person ("My colleague told the team: ...") -> the category, score >= 0.85;
- ``unanchored``: no person in the text ("Note for the file: ...") -> the category at exactly
  ``UNANCHORED_SCORE`` (the detector keeps it only when the request names a person);
- ``topic``: plainly a subject ("Write an essay about ...") -> nothing;
- ``institution``: the name of a body ("the ... headquarters", "la sede del ...") -> nothing
  (political opinions, unions, religions, ethnic origins only).

``clean_prompts()`` are generic technical and business prompts in every language that hold no
special-category data about anyone: no anchored span may come out of them.

Used by ``tests/detect/test_special_generated.py`` and by ``bench/detection.py``
(``await special_report_async(detect)``: the detector's spans per text of one request). Run alone
for the recognizer-level figures:
``.venv/bin/python bench/special_cases.py``.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proxy.detect.recognizers.special import ANCHORED_SCORE, UNANCHORED_SCORE  # noqa: E402
from proxy.detect.recognizers.special.lexicon import SHARED, data  # noqa: E402

LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pl", "pt")
KINDS = ("anchored", "unanchored", "topic", "institution")
NAMED = {"POLITICAL_OPINION", "TRADE_UNION_MEMBERSHIP", "RELIGIOUS_BELIEF", "ETHNIC_ORIGIN"}
TEMPLATES: dict[str, dict[str, list[str]]] = {
    "en": {
        "anchored": ["My colleague told the team: {t}.", "I found out that my brother's file says {t}.", "Her manager wrote: {t}."],
        "unanchored": ["Note for the file: {t}.", "Status: {t}."],
        "topic": ["Write an essay about {t}.", "Explain the history of {t} in simple terms."],
        "institution": ["The {t} headquarters moved to a new building."],
    },
    "fr": {
        "anchored": ["Ma collègue nous a dit : {t}.", "Mon voisin l'a confirmé : {t}.", "Son dossier indique : {t}."],
        "unanchored": ["Note pour le dossier : {t}.", "Statut : {t}."],
        "topic": ["Rédige un article sur {t}.", "Explique l'histoire de {t} simplement."],
        "institution": ["Le siège du {t} a déménagé l'an dernier."],
    },
    "de": {
        "anchored": ["Meine Kollegin hat uns gesagt: {t}.", "Mein Nachbar hat es bestätigt: {t}.", "In seiner Akte steht: {t}."],
        "unanchored": ["Notiz für die Akte: {t}.", "Stand: {t}."],
        "topic": ["Schreibe einen Aufsatz über {t}.", "Erkläre die Geschichte der {t} einfach."],
        "institution": ["Die {t}-Zentrale ist umgezogen."],
    },
    "es": {
        "anchored": ["Mi compañera nos dijo: {t}.", "Mi vecino lo confirmó: {t}.", "En su expediente pone: {t}."],
        "unanchored": ["Nota para el expediente: {t}.", "Estado: {t}."],
        "topic": ["Escribe un artículo sobre {t}.", "Explica la historia de {t} de forma sencilla."],
        "institution": ["La sede del {t} se trasladó el año pasado."],
    },
    "it": {
        "anchored": ["La mia collega ci ha detto: {t}.", "Mio fratello l'ha confermato: {t}.", "Nel suo fascicolo c'è scritto: {t}."],
        "unanchored": ["Nota per la pratica: {t}.", "Stato: {t}."],
        "topic": ["Scrivi un articolo riguardo {t}.", "Spiega la storia di {t} in modo semplice."],
        "institution": ["La sede del {t} si è trasferita l'anno scorso."],
    },
    "nl": {
        "anchored": ["Mijn collega vertelde ons: {t}.", "Mijn buurman bevestigde het: {t}.", "In zijn dossier staat: {t}."],
        "unanchored": ["Notitie voor het archief: {t}.", "Stand van zaken: {t}."],
        "topic": ["Schrijf een artikel over {t}.", "Leg de geschiedenis van {t} eenvoudig uit."],
        "institution": ["De {t}-fractie stemde tegen het voorstel."],
    },
    "pl": {
        "anchored": ["Moja koleżanka nam powiedziała: {t}.", "Mój sąsiad to potwierdził: {t}.", "W jego aktach jest napisane: {t}."],
        "unanchored": ["Notatka do akt: {t}.", "Status: {t}."],
        "topic": ["Napisz artykuł na temat: {t}.", "Wyjaśnij historię: {t}."],
        "institution": ["Siedziba {t} została przeniesiona."],
    },
    "pt": {
        "anchored": ["A minha colega disse-nos: {t}.", "O meu vizinho confirmou: {t}.", "No processo dele consta: {t}."],
        "unanchored": ["Nota para o arquivo: {t}.", "Estado: {t}."],
        "topic": ["Escreve um artigo sobre {t}.", "Explica a história de {t} de forma simples."],
        "institution": ["A sede do {t} mudou-se no ano passado."],
    },
}


@dataclass(frozen=True)
class SpecialCase:
    language: str
    category: str
    kind: str  # anchored | unanchored | topic | institution
    term: str
    text: str
    start: int  # the term in the text
    end: int

    @property
    def expected(self) -> float | None:
        """The score the category must carry over the term (None: no span of any category)."""
        return {"anchored": ANCHORED_SCORE, "unanchored": UNANCHORED_SCORE}.get(self.kind)


def terms(language: str, category: str) -> list[str]:
    """The strong forms of one category a text in ``language`` is matched against (its own
    language's and, for named groups and medicines, the shared lists)."""
    d = data()["terms"]
    out = [f for f, flags in d.get(language, {}).get(category, []) if "w" not in flags]
    return out + shared_terms(category)


def shared_terms(category: str) -> list[str]:
    """The strong forms of the shared lists (party, union and medicine names)."""
    return [f for f, flags in data()["terms"].get(SHARED, {}).get(category, []) if "w" not in flags]


def generate(seed: int = 0, per_cell: int = 6) -> list[SpecialCase]:
    """``per_cell`` terms per category and language, each in one sentence of every class."""
    rng = random.Random(seed)
    cats = sorted({c for cats in data()["terms"].values() for c in cats})
    out: list[SpecialCase] = []
    for lang in LANGUAGES:
        for cat in cats:
            pool = terms(lang, cat)
            names = set(shared_terms(cat)) or {t for t in pool if " " not in t}
            for term in rng.sample(pool, min(per_cell, len(pool))):
                for kind in KINDS:
                    if kind == "institution" and (cat not in NAMED or term not in names):
                        continue
                    tpl = rng.choice(TEMPLATES[lang][kind])
                    text = tpl.format(t=term)
                    start = tpl.index("{t}")
                    out.append(SpecialCase(lang, cat, kind, term, text, start, start + len(term)))
    return out


# Generic technical and business prompts: no one's health, faith, origin, politics, union or record.
_CLEAN: dict[str, tuple[list[str], list[str]]] = {
    "en": (
        ["Can you help me write a {x} for our team?", "I need a {x} before Friday; my manager wants it short.", "Please review my {x} and suggest improvements.", "How do I set up a {x} in our Kubernetes cluster?", "My boss asked me to prepare a {x} for the board meeting.", "Explain the difference between a {x} and a spreadsheet.", "We are migrating our {x} from Java 8 to Java 21, what should I check?", "Draft a polite email to a supplier about a delayed {x}."],
        ["quarterly sales report", "marketing plan", "REST API", "database schema", "job description for a backend developer", "project timeline", "CI pipeline", "pricing page", "customer onboarding checklist", "risk register", "budget forecast", "code review guideline"],
    ),
    "fr": (
        ["Peux-tu m'aider à rédiger un {x} pour notre équipe ?", "J'ai besoin d'un {x} avant vendredi, mon chef le veut court.", "Relis mon {x} et propose des améliorations.", "Comment configurer un {x} dans notre cluster ?", "Mon responsable m'a demandé de préparer un {x} pour le comité.", "Rédige un e-mail poli à un fournisseur au sujet d'un {x} en retard."],
        ["rapport de ventes trimestriel", "plan marketing", "schéma de base de données", "calendrier de projet", "budget prévisionnel", "guide de revue de code", "tableau de bord", "contrat de maintenance"],
    ),
    "de": (
        ["Kannst du mir helfen, einen {x} für unser Team zu schreiben?", "Ich brauche bis Freitag einen {x}, mein Chef will ihn kurz.", "Bitte prüfe meinen {x} und schlage Verbesserungen vor.", "Wie richte ich einen {x} in unserem Cluster ein?", "Meine Vorgesetzte hat mich gebeten, einen {x} für die Vorstandssitzung vorzubereiten.", "Schreibe eine höfliche E-Mail an einen Lieferanten wegen eines verspäteten {x}."],
        ["Quartalsbericht", "Marketingplan", "Projektplan", "Budgetentwurf", "Leitfaden für Code-Reviews", "Wartungsvertrag", "Datenbankentwurf", "Lastenheft"],
    ),
    "es": (
        ["¿Me ayudas a redactar un {x} para nuestro equipo?", "Necesito un {x} antes del viernes; mi jefe lo quiere breve.", "Revisa mi {x} y sugiere mejoras.", "¿Cómo configuro un {x} en nuestro clúster?", "Mi responsable me pidió preparar un {x} para el comité.", "Redacta un correo cortés a un proveedor sobre un {x} retrasado."],
        ["informe de ventas trimestral", "plan de marketing", "esquema de base de datos", "calendario del proyecto", "presupuesto", "contrato de mantenimiento", "panel de control", "manual de usuario"],
    ),
    "it": (
        ["Puoi aiutarmi a scrivere un {x} per il nostro team?", "Mi serve un {x} entro venerdì, il mio capo lo vuole breve.", "Rivedi il mio {x} e suggerisci miglioramenti.", "Come configuro un {x} nel nostro cluster?", "La mia responsabile mi ha chiesto di preparare un {x} per il consiglio.", "Scrivi una email cortese a un fornitore riguardo a un {x} in ritardo."],
        ["rapporto trimestrale sulle vendite", "piano di marketing", "schema del database", "cronoprogramma del progetto", "budget previsionale", "contratto di manutenzione", "cruscotto", "manuale utente"],
    ),
    "nl": (
        ["Kun je me helpen een {x} voor ons team te schrijven?", "Ik heb voor vrijdag een {x} nodig; mijn baas wil het kort.", "Bekijk mijn {x} en stel verbeteringen voor.", "Hoe zet ik een {x} op in ons cluster?", "Mijn leidinggevende vroeg me een {x} voor de directie voor te bereiden.", "Schrijf een beleefde e-mail aan een leverancier over een vertraagd {x}."],
        ["kwartaalrapport", "marketingplan", "databaseschema", "projectplanning", "begroting", "onderhoudscontract", "dashboard", "gebruikershandleiding"],
    ),
    "pl": (
        ["Czy możesz mi pomóc napisać {x} dla naszego zespołu?", "Potrzebuję {x} do piątku, mój szef chce, żeby był krótki.", "Przejrzyj mój {x} i zaproponuj poprawki.", "Jak skonfigurować {x} w naszym klastrze?", "Moja przełożona poprosiła mnie o przygotowanie {x} na zarząd.", "Napisz uprzejmy e-mail do dostawcy w sprawie opóźnionego {x}."],
        ["raport kwartalny", "plan marketingowy", "schemat bazy danych", "harmonogram projektu", "budżet", "umowa serwisowa", "pulpit", "podręcznik użytkownika"],
    ),
    "pt": (
        ["Podes ajudar-me a escrever um {x} para a nossa equipa?", "Preciso de um {x} até sexta; o meu chefe quer que seja curto.", "Revê o meu {x} e sugere melhorias.", "Como configuro um {x} no nosso cluster?", "A minha gestora pediu-me para preparar um {x} para a administração.", "Escreve um e-mail cordial a um fornecedor sobre um {x} atrasado."],
        ["relatório trimestral de vendas", "plano de marketing", "esquema da base de dados", "cronograma do projeto", "orçamento", "contrato de manutenção", "painel de controlo", "manual do utilizador"],
    ),
}


def clean_prompts() -> list[tuple[str, str]]:
    """(language, prompt): every template with every filler."""
    return [(lang, t.format(x=x)) for lang, (tpls, fill) in _CLEAN.items() for t in tpls for x in fill]


Spans = list[tuple[int, int, str, float]]
Analyze = Callable[[str, str], Spans]
"""(text, language) -> spans (start, end, entity type, score)."""
Detect = Callable[[list[str]], Awaitable[list[Spans]]]
"""The texts of one request -> the spans of each (a detector's ``detect`` without the tenant)."""

# A person named earlier in the request (a message of the history): an unanchored term in a later
# message is then kept by the detector's request-level pass.
PERSON_FIRST: dict[str, str] = {
    "en": "This is about our tenant Anna Schmidt.",
    "fr": "Il s'agit de notre locataire Claire Martin.",
    "de": "Es geht um unseren Mieter Jonas Becker.",
    "es": "Se trata de nuestra inquilina Lucía García.",
    "it": "Si tratta del nostro inquilino Marco Rossi.",
    "nl": "Het gaat om onze huurder Daan de Vries.",
    "pl": "Chodzi o naszego najemcę Piotra Nowaka.",
    "pt": "Trata-se da nossa inquilina Ana Ferreira.",
}


def passed(case: SpecialCase, spans: Iterable[tuple[int, int, str, float]], detector: bool = False) -> bool:
    """Whether the spans found in ``case.text`` are what its class expects. Through the detector
    (``detector``), an unanchored term with no person in the request is dropped."""
    from proxy.detect.types import NEVER_EXTERNAL

    over = [(t, sc) for s, e, t, sc in spans if s < case.end and e > case.start]
    if case.expected is None or (detector and case.kind == "unanchored"):
        return not any(t in NEVER_EXTERNAL for t, _ in over)
    if case.kind == "anchored":
        return any(t == case.category and sc >= ANCHORED_SCORE for t, sc in over)
    return any(t == case.category and sc == UNANCHORED_SCORE for t, sc in over)


def _report(cases: list[SpecialCase], results: list[bool], clean: list[tuple[str, str]], flagged: list[tuple[str, str]], extra: dict | None = None) -> dict:
    cells: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    for case, ok in zip(cases, results, strict=True):
        for counter in (cells[f"{case.category}/{case.language}"][case.kind], by_kind[case.kind]):
            counter[0] += ok
            counter[1] += 1
        if not ok:
            failures.append((case.kind, case.language, case.category, case.text))
    return {
        "by_kind": {k: round(v[0] / v[1], 4) for k, v in by_kind.items()},
        "cells": {c: {k: round(v[0] / v[1], 4) for k, v in kinds.items()} for c, kinds in sorted(cells.items())},
        "failures": failures,
        "clean_prompts": len(clean),
        "clean_flagged": flagged,
        **(extra or {}),
    }


def _anchored(spans: Spans) -> bool:
    from proxy.detect.types import NEVER_EXTERNAL

    return any(t in NEVER_EXTERNAL and sc >= ANCHORED_SCORE for _, _, t, sc in spans)


def special_report(analyze: Analyze, seed: int = 0, per_cell: int = 6) -> dict:
    """Recognizer level: pass rates per class and per category x language, and the clean
    prompts that came out with an anchored span."""
    cases = generate(seed, per_cell)
    results = [passed(c, analyze(c.text, c.language)) for c in cases]
    clean = clean_prompts()
    flagged = [(lang, t) for lang, t in clean if _anchored(analyze(t, lang))]
    return _report(cases, results, clean, flagged)


async def special_report_async(detect: Detect, seed: int = 0, per_cell: int = 6) -> dict:
    """Detector level (the hook for ``bench/detection.py``): every case as a one-text request
    (unanchored terms must then be dropped), the unanchored ones again after a message naming a
    person (they must then be kept: ``with_person``), and the clean prompts."""
    from proxy.detect.types import NEVER_EXTERNAL

    cases = generate(seed, per_cell)
    results = [passed(c, (await detect([c.text]))[0], detector=True) for c in cases]
    kept = [0, 0]
    for c in cases:
        if c.kind == "unanchored":
            spans = (await detect([PERSON_FIRST[c.language], c.text]))[1]
            kept[0] += any(t == c.category and s < c.end and e > c.start for s, e, t, _ in spans)
            kept[1] += 1
    clean = clean_prompts()
    flagged = []
    for lang, t in clean:
        if any(tp in NEVER_EXTERNAL for _, _, tp, _ in (await detect([t]))[0]):
            flagged.append((lang, t))
    return _report(cases, results, clean, flagged, {"with_person": round(kept[0] / max(kept[1], 1), 4)})


def recognizer_analyze() -> Analyze:
    """The special-category recognizers alone, for the text's given language (no NER, no engine)."""
    from proxy.detect.recognizers.special import SpecialCategoryRecognizer

    recs = {lang: SpecialCategoryRecognizer(lang) for lang in LANGUAGES}

    def analyze(text: str, lang: str) -> list[tuple[int, int, str, float]]:
        return [(r.start, r.end, r.entity_type, r.score) for r in recs[lang].analyze(text, [])]

    return analyze


def main() -> None:
    rep = special_report(recognizer_analyze())
    print("pass rate by class:", rep["by_kind"])
    print(f"{'category/language':34} " + " ".join(f"{k:>11}" for k in KINDS))
    for cell, kinds in rep["cells"].items():
        print(f"{cell:34} " + " ".join(f"{kinds.get(k, float('nan')):11.2f}" for k in KINDS))
    print(f"clean prompts with an anchored span: {len(rep['clean_flagged'])} of {rep['clean_prompts']}")
    for f in rep["failures"][:40]:
        print("FAIL", *f)
    for f in rep["clean_flagged"][:20]:
        print("CLEAN-FLAGGED", *f)


if __name__ == "__main__":
    main()
