"""Where NER runs: only on candidate names the other recognizers left outside their spans, each
with six words of context on either side within its sentence."""

from __future__ import annotations

from typing import Any

import pytest
import spacy

from proxy.detect.nlp import candidate_windows
from tests.detect.conftest import found

STOP = spacy.blank("en").Defaults.stop_words


def test_no_window_where_every_candidate_lies_inside_a_found_span() -> None:
    text = "Please draft a short reply to Natalie Pope about the invoice."
    a = text.index("Natalie")
    b = a + len("Natalie Pope")
    assert candidate_windows(text, STOP, [(a, b)]) == []
    [(s, e)] = candidate_windows(text, STOP)  # nothing found yet: the name needs NER
    assert text[s:e] == text  # six words before Natalie, and after Pope, span the sentence


def test_a_window_is_six_words_each_side_and_stays_in_its_sentence() -> None:
    words = " ".join(f"w{i}" for i in range(1, 11))
    text = f"{words} Zorblax {words}. Then Quentor left."
    s, e = candidate_windows(text, STOP)[0]
    assert text[s:e] == "w5 w6 w7 w8 w9 w10 Zorblax w1 w2 w3 w4 w5 w6"
    s, e = candidate_windows(text, STOP)[1]
    assert text[s:e] == "Then Quentor left."


def test_windows_of_nearby_candidates_merge() -> None:
    text = "the reply from Zorblax went to Quentor and then back to the whole team in the end"
    [(s, e)] = candidate_windows(text, STOP)
    assert text[s:e] == "the reply from Zorblax went to Quentor and then back to the whole"


class _CountingNer:
    def __init__(self, nlp: Any) -> None:
        self.nlp, self.texts = nlp, []

    def pipe(self, texts: Any, **kw: Any) -> Any:
        texts = list(texts)
        self.texts += texts
        return self.nlp.pipe(texts, **kw)


@pytest.fixture
def ner_calls(detector: Any, monkeypatch: pytest.MonkeyPatch) -> _CountingNer:
    tagger = detector.engine.tagger
    counting = _CountingNer(tagger.ner["en"])
    monkeypatch.setitem(tagger.ner, "en", counting)
    return counting


async def test_known_names_need_no_ner(detector: Any, ner_calls: _CountingNer) -> None:
    text = "Please draft a short reply to Natalie Pope, who wrote about the invoice yesterday."
    assert ("PERSON", "Natalie Pope") in await found(detector, text)
    assert ner_calls.texts == []


async def test_an_unknown_name_in_a_long_sentence_is_found_through_its_window(
    detector: Any, ner_calls: _CountingNer
) -> None:
    text = (
        "After a long discussion about the budget and the delayed vendor contracts, the committee "
        "finally put Okonkwo Adebayo in charge of the summary for the board meeting next week."
    )
    assert ("PERSON", "Okonkwo Adebayo") in await found(detector, text)
    [window] = ner_calls.texts
    assert "Okonkwo Adebayo" in window and len(window.split()) <= 14
