"""Art. 9 and Art. 10 data through the detector: said of a person, not of a topic."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.detect.types import NEVER_EXTERNAL, SPECIAL_CATEGORIES
from tests.detect.conftest import found

FLAGGED = [
    ("my colleague is a practising Catholic", "RELIGIOUS_BELIEF"),
    ("Ma collègue est musulmane pratiquante.", "RELIGIOUS_BELIEF"),
    ("Mein Nachbar ist gläubiger Jude.", "RELIGIOUS_BELIEF"),
    ("My mother has diabetes and takes insulin.", "HEALTH_DATA"),
    ("Il est en arrêt maladie depuis lundi pour une dépression.", "HEALTH_DATA"),
    ("Meine Kollegin ist schwanger.", "HEALTH_DATA"),
    ("He was diagnosed with multiple sclerosis last year.", "HEALTH_DATA"),
    ("My brother is gay.", "SEXUAL_ORIENTATION"),
    ("My colleague Jennifer is gay and wants to bring her wife.", "SEXUAL_ORIENTATION"),
    ("Elle est lesbienne.", "SEXUAL_ORIENTATION"),
    ("Mein Chef ist schwul.", "SEXUAL_ORIENTATION"),
    ("The candidate is of Turkish descent.", "ETHNIC_ORIGIN"),
    ("Mon voisin est d'origine maghrébine.", "ETHNIC_ORIGIN"),
    ("Ihr Mann ist türkischer Herkunft.", "ETHNIC_ORIGIN"),
    ("My neighbour votes for the Greens.", "POLITICAL_OPINION"),
    ("Il vote pour le Rassemblement National.", "POLITICAL_OPINION"),
    ("Er ist AfD-Wähler.", "POLITICAL_OPINION"),
    ("She is a union rep for Unison.", "TRADE_UNION_MEMBERSHIP"),
    ("Mon collègue est délégué syndical CGT.", "TRADE_UNION_MEMBERSHIP"),
    ("Meine Kollegin ist Gewerkschaftsmitglied bei ver.di.", "TRADE_UNION_MEMBERSHIP"),
    ("My sister carries the BRCA1 mutation.", "GENETIC_DATA"),
    ("Le test ADN de mon père est revenu.", "GENETIC_DATA"),
    ("We store my fingerprint template on the badge.", "BIOMETRIC_DATA"),
    ("Seine Fingerabdrücke sind im System.", "BIOMETRIC_DATA"),
    ("Tengo depresión y necesito pedir una baja médica.", "HEALTH_DATA"),
    ("Sono incinta e devo comunicarlo al mio capo.", "HEALTH_DATA"),
    ("Ik ben zwanger en wil dit aan mijn werkgever vertellen.", "HEALTH_DATA"),
    ("Jestem w ciąży, jak powiedzieć o tym szefowi?", "HEALTH_DATA"),
    ("As a Muslim, I need a quiet room to pray at work.", "RELIGIOUS_BELIEF"),
    ("Our employee Tom is a member of Unite.", "TRADE_UNION_MEMBERSHIP"),
    ("Mijn collega is een praktiserend moslim en bidt vijf keer per dag.", "RELIGIOUS_BELIEF"),
    ("Mi vecina es evangélica y va al culto cada domingo con su familia.", "RELIGIOUS_BELIEF"),
    ("Il mio vicino vota Fratelli d'Italia da anni.", "POLITICAL_OPINION"),
    ("A minha mãe é filiada no sindicato e vota no Chega.", "POLITICAL_OPINION"),
    ("Mój ojciec głosuje na PiS od zawsze.", "POLITICAL_OPINION"),
    ("The new candidate is Black British and lives in Leeds.", "ETHNIC_ORIGIN"),
    ("Unser Mieter ist vorbestraft, er saß wegen Betrugs im Gefängnis.", "CRIMINAL_OFFENCE"),
    ("Mi cuñado tiene antecedentes penales por un robo.", "CRIMINAL_OFFENCE"),
    ("Mijn zwager heeft een strafblad.", "CRIMINAL_OFFENCE"),
    ("Il a un casier judiciaire chargé.", "CRIMINAL_OFFENCE"),
]

NOT_FLAGGED = [
    "the Catholic Church's history is long",
    "Write an essay about the history of Islam in Spain.",
    "What are the symptoms of diabetes?",
    "I have a question about asthma inhalers in general.",
    "L'histoire de l'Église catholique en France.",
    "Erkläre mir die Geschichte der Gewerkschaften.",
    "My code has a race condition and the button is disabled.",
    "Our new version came out last week.",
    "Herr Krebs kommt morgen um zehn.",
    "Please draft a short reply to Jennifer Gay about the invoice.",
    "My colleague Christian Müller will join the call.",
    "We voted to postpone the release to Friday.",
    "The Jewish Museum in Berlin opens at ten.",
    "Ich habe die Datei in PDF konvertiert.",
    "I need a summary of the latest cancer research for our newsletter.",
    "Our company wants to support employees with disabilities; draft a policy.",
    "We are building an app that uses facial recognition for door access.",
    "My presentation covers depression statistics in Europe.",
    "Help me plan our Pride month event for LGBTQ+ employees.",
    "Our HR policy on sick leave needs updating for 2025.",
    "Schrijf een artikel over de geschiedenis van de vakbonden in Nederland.",
    "Escribe un resumen sobre la historia del PSOE.",
    "Mi serve un piano di marketing per il nuovo prodotto.",
    "New hires are on probation for six months; draft the onboarding email.",
]


def test_types_are_the_contract() -> None:
    from proxy.detect.recognizers.special.lexicon import data

    assert {c for cats in data()["terms"].values() for c in cats} == NEVER_EXTERNAL


@pytest.mark.parametrize(("text", "category"), FLAGGED)
async def test_flagged(detector: Any, text: str, category: str) -> None:
    assert category in {t for t, _ in await found(detector, text)}


@pytest.mark.parametrize("text", NOT_FLAGGED)
async def test_not_flagged(detector: Any, text: str) -> None:
    assert not {t for t, _ in await found(detector, text)} & SPECIAL_CATEGORIES
