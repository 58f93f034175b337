"""Where analysis runs: one in-process thread (``workers == 0``) or the worker pool, and how the
texts of concurrent requests are cut, batched and handed out."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import functools
import logging
import re
from dataclasses import dataclass
from typing import Any

from proxy.detect import worker
from proxy.detect.corrections import Corrections
from proxy.detect.engine import Engine, EngineConfig
from proxy.detect.filters import SpanTuple
from proxy.detect.pool import WorkerDied, WorkerPool
from proxy.detect.types import DetectionError

log = logging.getLogger(__name__)

_START_S = 300.0  # longest wait for every detection worker to load its models
_BATCH_CHARS = 16_000  # at most this much text in one call when requests are batched
_BATCH_JOBS = 32
# An idle pool splits one request's text between sentences over several workers, so a single
# request uses every idle core; pieces shorter than this are not worth a worker.
_PIECE_CHARS = 120
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[ \t]+(?=[\"'(\[]?[A-ZÀ-Þ0-9])")
Piece = tuple[int, int, int]  # (text index, start, end)


def split_batch(texts: list[str], parts: int, min_chars: int = 2000) -> list[list[str]]:
    """Consecutive chunks of about equal size; one chunk when the batch is small."""
    total = sum(len(t) for t in texts)
    n = max(1, min(parts, len(texts), total // min_chars))
    if n == 1:
        return [texts]
    out: list[list[str]] = [[]]
    size, target = 0, total / n
    for t in texts:
        if size >= target * len(out) and len(out) < n:
            out.append([])
        out[-1].append(t)
        size += len(t)
    return out


def split_text(text: str, parts: int, min_chars: int = _PIECE_CHARS) -> list[tuple[int, int]]:
    """``(start, end)`` of up to ``parts`` consecutive pieces of about equal size, cut only where
    one sentence ends and the next begins on the same line; ``[(0, len(text))]`` otherwise."""
    if parts < 2 or len(text) < 2 * min_chars:
        return [(0, len(text))]
    cuts = [m.end() for m in _SENTENCE_BREAK.finditer(text)]
    starts = [0]
    for k in range(1, parts):
        target = len(text) * k / parts
        best = min(cuts, key=lambda c: abs(c - target), default=None)
        if best is not None and best - starts[-1] >= min_chars and len(text) - best >= min_chars:
            starts.append(best)
    ends = starts[1:] + [len(text)]
    return list(zip(starts, ends, strict=True))


def reassemble(n: int, pieces: list[Piece], raw: list[Any]) -> list[list[SpanTuple]]:
    """Spans of the pieces back on their texts, at the texts' offsets, in order."""
    if len(raw) != len(pieces):
        raise DetectionError("detection returned a result count that does not match the input")
    out: list[list[SpanTuple]] = [[] for _ in range(n)]
    for (i, start, _), spans in zip(pieces, raw, strict=True):
        out[i].extend((s + start, e + start, t, sc) for s, e, t, sc in spans)
    return out


@dataclass(slots=True)
class _Job:
    texts: list[str]
    keys: list[str | None]
    corrections: Corrections
    future: asyncio.Future[list[list[SpanTuple]]]
    owner: object  # the request it belongs to: parts of one request are never merged


def _fail(jobs: list[_Job], err: BaseException) -> None:
    """Fail the jobs still waited for."""
    for job in jobs:
        if not job.future.done():
            job.future.set_exception(err)


class Scheduler:
    """Runs ``Engine.analyze_batch`` off the event loop: in ``workers`` processes, or in one
    thread (``workers == 0``, with an already loaded ``engine`` to share if given)."""

    def __init__(
        self,
        cfg: EngineConfig,
        workers: int,
        timeout_s: float,
        recycle_after: int = 0,
        engine: Engine | None = None,
    ) -> None:
        self.cfg = cfg
        self.workers = workers
        self.timeout_s = timeout_s
        self.recycle_after = recycle_after
        self.engine = engine
        self.thread: cf.ThreadPoolExecutor | None = None  # workers == 0
        self.pool: WorkerPool | None = None  # workers > 0
        self.pending: list[_Job] = []
        self.broken = False

    @property
    def started(self) -> bool:
        return self.thread is not None or self.pool is not None

    @property
    def ready(self) -> bool:
        pool_ok = self.pool is not None and not self.pool.broken
        return (self.thread is not None or pool_ok) and not self.broken

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.workers == 0:
            self.thread = cf.ThreadPoolExecutor(1, thread_name_prefix="detect")
            if self.engine is None:
                self.engine = await loop.run_in_executor(self.thread, Engine, self.cfg)
            await loop.run_in_executor(
                self.thread, self.engine.analyze_batch, [worker.WARMUP_TEXT], None
            )
        else:
            pool = self.pool = WorkerPool(self.workers, self.cfg, self.recycle_after)
            try:
                # Ready means every worker has loaded its models, so a request's pieces never
                # wait for a late one.
                await pool.start(_START_S)
            except BaseException as e:
                self.pool = None
                await pool.close()
                if isinstance(e, WorkerDied):
                    msg = "detection workers failed to start (see worker log)"
                    raise DetectionError(msg) from e
                raise
            log.info("detection workers ready: %d processes", len(pool.pids))
        self.broken = False

    async def restart(self) -> None:
        old, self.pool = self.pool, None
        if old is not None:
            await old.close(timeout_s=1.0)
        await self.start()

    async def run(
        self,
        texts: list[str],
        corrections: Corrections,
        keys: list[str | None] | None = None,
    ) -> list[list[SpanTuple]]:
        """Spans of each text (``keys``: their key paths); raises ``DetectionError`` on a timeout
        or any failure."""
        keys = keys or [None] * len(texts)
        loop = asyncio.get_running_loop()
        # In a thread: whole texts. In the pool: a large batch (a long conversation seen for the
        # first time) is split over the workers by size, a small one over the idle workers
        # (``plan``): either way a request uses every free core.
        pieces: list[Piece] = [(i, 0, len(t)) for i, t in enumerate(texts)]
        fut: asyncio.Future[Any]
        try:
            if self.thread is not None:
                assert self.engine is not None
                fut = loop.run_in_executor(
                    self.thread, self.engine.analyze_batch, texts, corrections, keys
                )
            else:
                owner = object()
                pieces, parts = self.plan(texts)
                piece_keys = iter([keys[i] for i, _, _ in pieces])
                jobs = [
                    _Job(
                        part,
                        [next(piece_keys) for _ in part],
                        corrections,
                        loop.create_future(),
                        owner,
                    )
                    for part in parts
                ]
                self.pending.extend(jobs)
                self._pump()
                fut = asyncio.gather(*(j.future for j in jobs))
            raw = await asyncio.wait_for(fut, self.timeout_s)
            if self.thread is None:
                raw = [spans for part in raw for spans in part]
        except TimeoutError as e:
            raise DetectionError(f"detection timed out after {self.timeout_s:g}s") from e
        except WorkerDied as e:
            self.broken = True
            raise DetectionError("a detection worker died; the pool restarts") from e
        except Exception as e:
            raise DetectionError(f"detection failed: {type(e).__name__}") from e
        return reassemble(len(texts), pieces, raw)

    def plan(self, texts: list[str]) -> tuple[list[Piece], list[list[str]]]:
        """The request's pieces, ``(text index, start, end)``, and the jobs they go in. While two
        or more workers are idle and none is waited for, a lone text is cut into as many pieces
        as workers are idle, and a small request's pieces go one (or a few) per job."""
        idle = self.pool.idle if self.pool is not None else 0
        spread = idle >= 2 and not self.pending
        if spread and len(texts) == 1:
            pieces = [(0, a, b) for a, b in split_text(texts[0], idle)]
        else:
            pieces = [(i, 0, len(t)) for i, t in enumerate(texts)]
        chunks = [texts[i][a:b] for i, a, b in pieces]
        parts = split_batch(chunks, self.workers)
        if spread and len(parts) == 1 and len(chunks) > 1:
            parts = (
                [[c] for c in chunks]
                if len(chunks) <= idle
                else split_batch(chunks, idle, min_chars=_PIECE_CHARS)
            )
        return pieces, parts

    def _pump(self) -> None:
        """Hand waiting jobs to idle workers. While every worker is busy, jobs of concurrent
        requests wait and then go together in one call: spaCy analyzes a batch of texts faster
        than the same texts one by one, so a loaded proxy detects more per second."""
        pool = self.pool
        if pool is None:
            return
        if pool.broken:  # fail now rather than at the timeout
            pending, self.pending = self.pending, []
            _fail(pending, WorkerDied("a detection worker died"))
            return
        while self.pending and pool.idle > 0:
            first = self.pending.pop(0)
            batch, chars, owners, rest = [first], sum(map(len, first.texts)), {id(first.owner)}, []
            for job in self.pending:
                size = sum(map(len, job.texts))
                if (
                    job.corrections == first.corrections
                    and id(job.owner) not in owners
                    and chars + size <= _BATCH_CHARS
                    and len(batch) < _BATCH_JOBS
                ):
                    batch.append(job)
                    chars += size
                    owners.add(id(job.owner))
                else:
                    rest.append(job)
            self.pending = rest
            texts = [t for job in batch for t in job.texts]
            keys = [k for job in batch for k in job.keys]
            try:
                fut = pool.submit(texts, first.corrections, keys)
            except Exception as e:  # the pool is broken
                _fail(batch, e)
                continue
            fut.add_done_callback(functools.partial(self._finished, batch))

    def _finished(self, batch: list[_Job], fut: asyncio.Future[list[list[SpanTuple]]]) -> None:
        exc = None if fut.cancelled() else fut.exception()
        if fut.cancelled() or exc is not None:
            _fail(batch, exc or DetectionError("detection was cancelled"))
        else:
            raw, pos = fut.result(), 0
            for job in batch:
                part = raw[pos : pos + len(job.texts)]
                pos += len(job.texts)
                if not job.future.done():
                    job.future.set_result(part)
        self._pump()

    async def close(self) -> None:
        thread, self.thread = self.thread, None
        pool, self.pool = self.pool, None
        pending, self.pending = self.pending, []
        _fail(pending, DetectionError("the detector is closed"))
        if pool is not None:
            await pool.close()
        if thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, thread.shutdown)
