"""Special categories (Art. 9) and criminal-offence data (Art. 10) in every language, generated.

The cases come from the lexicons themselves (``bench/special_cases.py``): every category in every
language, said of a person (-> the category, anchored), with no person (-> ``UNANCHORED_SCORE``),
as a topic and as an institution (-> nothing). The lists must carry their provenance and the
committed runtime data must be exactly what ``make_special.py`` builds from them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.special_cases import KINDS, LANGUAGES, clean_prompts, generate, passed
from proxy.detect.data import make_special
from proxy.detect.recognizers.special import (
    ANCHORED_SCORE,
    UNANCHORED_SCORE,
    SpecialCategoryRecognizer,
    special_recognizers,
)
from proxy.detect.recognizers.special.lexicon import data
from proxy.detect.types import CRIMINAL_DATA, ENTITY_TYPES, NEVER_EXTERNAL, SPECIAL_CATEGORIES

CASES = generate(seed=0, per_cell=6)
CATEGORIES = sorted(NEVER_EXTERNAL)


@pytest.fixture(scope="module")
def recognizers() -> dict[str, SpecialCategoryRecognizer]:
    return {r.supported_language: r for r in special_recognizers(LANGUAGES)}  # type: ignore[misc]


def spans(recs: dict, lang: str, text: str) -> list[tuple[int, int, str, float]]:
    return [(r.start, r.end, r.entity_type, r.score) for r in recs[lang].analyze(text, [])]


def found(recs: dict, lang: str, text: str) -> dict[str, float]:
    """{category: best score} in ``text``."""
    out: dict[str, float] = {}
    for _, _, t, sc in spans(recs, lang, text):
        out[t] = max(out.get(t, 0.0), sc)
    return out


def test_contract() -> None:
    assert UNANCHORED_SCORE == 0.3
    assert ANCHORED_SCORE >= 0.85
    assert CRIMINAL_DATA == {"CRIMINAL_OFFENCE"}
    assert NEVER_EXTERNAL == SPECIAL_CATEGORIES | CRIMINAL_DATA
    assert NEVER_EXTERNAL <= ENTITY_TYPES
    assert {c for cats in data()["terms"].values() for c in cats} == NEVER_EXTERNAL


def test_every_category_and_language_is_generated() -> None:
    cells = {(c.category, c.language, c.kind) for c in CASES}
    for cat in CATEGORIES:
        for lang in LANGUAGES:
            for kind in ("anchored", "unanchored", "topic"):
                assert (cat, lang, kind) in cells, (cat, lang, kind)


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_generated_cases(recognizers: dict, category: str, language: str) -> None:
    cases = [c for c in CASES if c.category == category and c.language == language]
    failed = [
        (c.kind, c.text)
        for c in cases
        if not passed(c, spans(recognizers, language, c.text))
    ]
    assert not failed
    assert {c.kind for c in cases} >= set(KINDS) - {"institution"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_clean_prompts_have_no_anchored_span(recognizers: dict, language: str) -> None:
    prompts = [t for lang, t in clean_prompts() if lang == language]
    assert len(prompts) >= 30
    flagged = [
        t
        for t in prompts
        if any(sc >= ANCHORED_SCORE for _, _, _, sc in spans(recognizers, language, t))
    ]
    assert not flagged


HELD_OUT_CLASSES = [
    ("nl", "Mijn collega is een praktiserend moslim.", "RELIGIOUS_BELIEF"),
    ("nl", "Zij is praktiserende moslima en draagt een hoofddoek.", "RELIGIOUS_BELIEF"),
    ("es", "Mi vecina es evangélica y va al culto cada domingo.", "RELIGIOUS_BELIEF"),
    ("es", "Mi jefe es miembro de la Iglesia Evangélica Española.", "RELIGIOUS_BELIEF"),
    ("es", "Mi compañero es adventista.", "RELIGIOUS_BELIEF"),
    ("es", "Mi padre vota al PSOE desde siempre.", "POLITICAL_OPINION"),
    ("es", "Mi cuñado es votante de Vox.", "POLITICAL_OPINION"),
    ("it", "Il mio vicino vota Fratelli d'Italia.", "POLITICAL_OPINION"),
    ("nl", "Mijn buurman stemt op de PVV.", "POLITICAL_OPINION"),
    ("de", "Mein Onkel ist SPD-Mitglied.", "POLITICAL_OPINION"),
    ("de", "Meine Schwester wählt die Grünen.", "POLITICAL_OPINION"),
    ("fr", "Mon frère vote LFI depuis 2017.", "POLITICAL_OPINION"),
    ("fr", "Mon frère vote pour La France insoumise.", "POLITICAL_OPINION"),
    ("pt", "A minha mãe vota no Chega.", "POLITICAL_OPINION"),
    ("pl", "Mój ojciec głosuje na PiS.", "POLITICAL_OPINION"),
    ("en", "My uncle is a Tory.", "POLITICAL_OPINION"),
    ("en", "My neighbour voted Reform in the last election.", "POLITICAL_OPINION"),
    ("en", "My boss is a member of the Labour Party.", "POLITICAL_OPINION"),
    ("it", "Mia madre è iscritta alla CGIL.", "TRADE_UNION_MEMBERSHIP"),
    ("nl", "Mijn zus is lid van de FNV.", "TRADE_UNION_MEMBERSHIP"),
    ("de", "Meine Kollegin ist Mitglied bei ver.di.", "TRADE_UNION_MEMBERSHIP"),
    ("en", "The candidate is Black British.", "ETHNIC_ORIGIN"),
    ("en", "Our tenant is Roma.", "ETHNIC_ORIGIN"),
    ("fr", "Notre locataire est rom.", "ETHNIC_ORIGIN"),
    ("es", "Mi vecino es de etnia gitana.", "ETHNIC_ORIGIN"),
    ("de", "Er ist vorbestraft.", "CRIMINAL_OFFENCE"),
    ("de", "Seine Vorstrafe wegen Betrugs steht im Führungszeugnis.", "CRIMINAL_OFFENCE"),
    ("fr", "Il a un casier judiciaire.", "CRIMINAL_OFFENCE"),
    ("es", "Mi vecino tiene antecedentes penales.", "CRIMINAL_OFFENCE"),
    ("it", "Il mio collega ha precedenti penali.", "CRIMINAL_OFFENCE"),
    ("nl", "Mijn zwager heeft een strafblad.", "CRIMINAL_OFFENCE"),
    ("pl", "Mój sąsiad był karany za kradzież.", "CRIMINAL_OFFENCE"),
    ("pt", "O meu colega tem registo criminal.", "CRIMINAL_OFFENCE"),
    ("en", "My brother served time for burglary.", "CRIMINAL_OFFENCE"),
    ("en", "She is on probation after her assault conviction.", "CRIMINAL_OFFENCE"),
    ("en", "He was convicted of fraud in 2019.", "CRIMINAL_OFFENCE"),
    ("en", "I take metformin every morning.", "HEALTH_DATA"),
    ("de", "Ich nehme Ozempic.", "HEALTH_DATA"),
    ("en", "He was diagnosed with multiple sclerosis last year.", "HEALTH_DATA"),
    ("pl", "Mój mąż choruje na cukrzycę.", "HEALTH_DATA"),
    ("fr", "Ma sœur est diabetique.", "HEALTH_DATA"),  # written without its accent
    ("pl", "Moja żona jest katoliczką.", "RELIGIOUS_BELIEF"),
    ("pt", "O meu colega é catolico praticante.", "RELIGIOUS_BELIEF"),
    ("en", "She came out as bi to her parents.", "SEXUAL_ORIENTATION"),
    ("en", "My colleague identifies as non binary.", "SEXUAL_ORIENTATION"),
    ("en", "My sister carries the BRCA1 mutation.", "GENETIC_DATA"),
    ("en", "We store my fingerprint on the badge.", "BIOMETRIC_DATA"),
]


@pytest.mark.parametrize(("language", "text", "category"), HELD_OUT_CLASSES)
def test_said_of_a_person(recognizers: dict, language: str, text: str, category: str) -> None:
    assert found(recognizers, language, text).get(category, 0) >= ANCHORED_SCORE


NOTHING = [
    ("en", "What are the symptoms of diabetes?"),
    ("en", "Write an essay about the history of the SPD."),
    ("en", "I need to reform our onboarding process."),
    ("en", "The button is disabled until the form is valid."),
    ("en", "Our SSH key fingerprint changed after the rebuild."),
    ("en", "The Great Depression changed economic policy."),
    ("en", "New hires are on probation for six months."),
    ("en", "Please draft a short reply to Jennifer Gay about the invoice."),
    ("en", "I am building an app for diabetes patients."),
    ("en", "Help me plan our Pride month event for LGBTQ+ employees."),
    ("de", "Die linke Spalte zeigt den Umsatz."),
    ("de", "Herr Krebs kommt morgen um zehn."),
    ("de", "Heute ist es schwül, ich gehe schwimmen."),
    ("de", "Das hängt von der Version ab und ist abhängig von Java."),
    ("es", "El informe es de baja calidad."),
    ("fr", "Le serveur s'est arrêté cette nuit."),
    ("fr", "Merci d'envoyer le courrier avec accusé de réception."),
    ("it", "Vado a Roma la settimana prossima."),
    ("nl", "Mijn code zit vast in een oneindige lus."),
    ("pt", "Faça o cadastro no site para continuar."),
]


@pytest.mark.parametrize(("language", "text"), NOTHING)
def test_nothing_said_of_anyone(recognizers: dict, language: str, text: str) -> None:
    assert not {c for c, sc in found(recognizers, language, text).items() if sc >= ANCHORED_SCORE}


def test_unanchored_term_scores_exactly_the_constant(recognizers: dict) -> None:
    assert found(recognizers, "en", "diabetes") == {"HEALTH_DATA": UNANCHORED_SCORE}
    assert found(recognizers, "de", "Notiz: vorbestraft.") == {"CRIMINAL_OFFENCE": UNANCHORED_SCORE}


def test_weak_term_needs_a_cue(recognizers: dict) -> None:
    assert "POLITICAL_OPINION" not in found(recognizers, "en", "My plan is to reform the team.")
    assert found(recognizers, "en", "My dad votes for Reform.")["POLITICAL_OPINION"] >= 0.85


def test_english_lexicon_reads_accented_foreign_terms_only_with_accents(recognizers: dict) -> None:
    # "masón" is Spanish; the English lexicon (texts of unsure language) must not read "Mason".
    assert not found(recognizers, "en", "My colleague Mason joined the call.")
    assert found(recognizers, "es", "Mi abuelo era masón.")["RELIGIOUS_BELIEF"] >= 0.85


# ---------------------------------------------------------------- provenance and rebuild


def test_every_list_names_its_source_and_date() -> None:
    files = sorted(make_special.ROOT.rglob("*.txt"))
    assert len(files) >= 9 * 8 + 8
    for path in files:
        meta, lines = make_special.read(path)
        assert len(meta["source"]) > 20, path
        assert meta["as_of"][:2] == "20", path
        assert lines, path
    sources = data()["sources"]
    assert set(sources) == {p.relative_to(make_special.ROOT).as_posix() for p in files}


def test_every_category_has_a_list_per_language() -> None:
    for folder in make_special.CATEGORIES:
        for lang in make_special.LANGS:
            assert (make_special.ROOT / folder / f"{lang}.txt").exists(), (folder, lang)
    for folder in ("political_opinion/parties", "trade_union/unions"):
        countries = {p.stem for p in (make_special.ROOT / folder).glob("*.txt")}
        eu_eea = set(
            "at be bg cy cz de dk ee es fi fr gr hr hu ie it lt lu lv mt nl pl pt ro se si sk"
            .split()
        )
        assert eu_eea | {"is", "li", "no", "gb", "ch", "us"} <= countries, folder


def test_committed_runtime_data_is_what_the_lists_build() -> None:
    built = make_special.render(make_special.build())
    assert built == make_special.OUT.read_text(encoding="utf-8"), (
        "special.json is stale: run python -m proxy.detect.data.make_special"
    )


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "special"
    shutil.copytree(make_special.ROOT, root)
    return root


def test_an_edit_to_a_list_changes_the_build(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "health" / "nl.txt"
    path.write_text(path.read_text(encoding="utf-8") + "zeldzame testziekte\n", encoding="utf-8")
    assert make_special.render(make_special.build(root)) != make_special.OUT.read_text("utf-8")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("# source:", "# origin:", 1), "source"),
        (lambda s: s.replace("# as-of: 2024-06", "# as-of: recently", 1), "as-of"),
        (lambda s: s + "cancer\n", "already HEALTH_DATA"),
        (lambda s: s + "a(b\n", "bad form"),
    ],
)
def test_the_build_refuses_a_broken_list(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    root = _copy(tmp_path)
    path = root / "religion" / "en.txt"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(make_special.BuildError, match=message):
        make_special.build(root)


def test_medication_spellings_are_derived() -> None:
    assert {"metformine", "metformina", "sertralin", "sertralina", "sertralinę"} <= (
        make_special.inn_spellings("metformin") | make_special.inn_spellings("sertraline")
    )
