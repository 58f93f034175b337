"""Long texts cut into bounded, overlapping pieces: every value is found as in the whole text, and
no job grows with the request."""

from __future__ import annotations

import random
from typing import Any

import pytest
from faker import Faker

from proxy.detect.pieces import (
    JOB_CHARS,
    OVERLAP_CHARS,
    PIECE_CHARS,
    TEXT_COST,
    bound,
    reassemble,
    split_batch,
)

_WORDS = ("the report covers revenue churn and the roadmap for next quarter we agreed to ship it "
          "after review please check invoice numbers totals and dates").split()


def _filler(rng: random.Random, words: int) -> str:
    out = []
    for i in range(words):
        w = rng.choice(_WORDS)
        out.append(w.capitalize() if i % 17 == 0 else w)
        if i % 17 == 16:
            out[-1] += rng.choice([".", ".", "!", "?", ".\n"])
    return " ".join(out)


def _long_text(seed: int, values: int) -> tuple[str, list[str]]:
    """Filler prose with ``values`` generated e-mail addresses and phone numbers at random places
    (many land near where the text will be cut)."""
    rng, fake = random.Random(seed), Faker("en_GB")
    fake.seed_instance(seed)
    parts, planted = [], []
    for _ in range(values):
        parts.append(_filler(rng, rng.randint(5, 1800)))
        value = fake.email() if rng.random() < 0.5 else fake.phone_number()
        planted.append(value)
        parts.append(f"contact {value} today")
    parts.append(_filler(rng, 50))
    return " ".join(parts), planted


@pytest.mark.parametrize("seed", range(6))
def test_bound_covers_the_text_in_bounded_pieces_cut_at_spaces(seed: int) -> None:
    text, planted = _long_text(seed, 40)
    pieces = bound(text)
    pos = 0
    for value in planted:  # each value (and some context) stands whole in one piece
        pos = text.index(value, pos)
        lo, hi = max(0, pos - 40), min(len(text), pos + len(value) + 40)
        assert any(a <= lo and hi <= b for a, b in pieces), value
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text) and len(pieces) > 2
    for (a, b), (c, d) in zip(pieces, pieces[1:], strict=False):
        assert a < c <= b < d, "pieces follow each other and overlap or touch"
        assert b - c <= OVERLAP_CHARS
        assert text[b].isspace() or not text[b - 1].isalnum(), "never cut inside a word"
        assert c == 0 or text[c - 1].isspace()
    assert all(b - a <= PIECE_CHARS for a, b in pieces)


def test_a_run_without_spaces_stays_whole() -> None:
    text = "x" * (3 * PIECE_CHARS) + " tail " + "word " * 3000
    pieces = bound(text)
    assert pieces[0] == (0, 3 * PIECE_CHARS)
    assert all(b - a <= PIECE_CHARS for a, b in pieces[1:])


@pytest.mark.parametrize("seed", range(4))
async def test_pieces_find_every_value_the_whole_text_holds(detector: Any, seed: int) -> None:
    """Analyzed piece by piece and reassembled, a long text yields every planted value whole, at
    the same offsets as analyzed in one go."""
    text, planted = _long_text(100 + seed, 30)
    engine = detector.engine
    pieces = [(0, a, b) for a, b in bound(text)]
    raw = engine.analyze_batch([text[a:b] for _, a, b in pieces])
    [spans] = reassemble(1, pieces, raw)
    [whole] = engine.analyze_batch([text])
    got = {text[s:e] for s, e, _, _ in spans}
    found_whole = {text[s:e] for s, e, _, _ in whole}
    wanted = [v for v in planted if any(v in g for g in found_whole)]
    assert len(wanted) >= len(planted) * 0.8  # the planted values are mostly detectable
    for value in wanted:
        assert any(value in g for g in got), value
    want = {(s, e, t) for s, e, t, _ in whole if t in ("EMAIL_ADDRESS", "PHONE_NUMBER")}
    assert want <= {(s, e, t) for s, e, t, _ in spans}
    ordered = sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:], strict=False)), "no overlap"


@pytest.mark.parametrize(("n", "size"), [(1, 1_000_000), (50_000, 3), (200, 8_000), (3, 90_000)])
def test_jobs_stay_bounded_whatever_the_request(n: int, size: int) -> None:
    texts = ["a" * size] * n
    chunks = [texts[i][a:b] for i, t in enumerate(texts) for a, b in bound(t)]
    jobs = split_batch(chunks, 2, max_chars=JOB_CHARS)
    assert [c for job in jobs for c in job] == chunks
    longest_piece = max(len(c) for c in chunks)
    for job in jobs:
        assert sum(len(c) + TEXT_COST for c in job) <= JOB_CHARS + longest_piece + TEXT_COST
