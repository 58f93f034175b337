"""Where analysis runs: one in-process thread (``workers == 0``) or the worker pool, and how the
texts of concurrent requests are cut, batched and handed out.

In the pool, every job is bounded (``proxy.detect.pieces``) and the workers serve the requests in
turn: the next job goes to the request with the fewest jobs running, oldest first. A request with
a megabyte of text gets many jobs and shares the workers with the requests that arrive meanwhile,
instead of holding them all. A job's failure is its requests' only: a worker that dies with a
batch has each of its jobs tried again alone (a job fails when it ends a worker a second time),
and a request that gives up (its timeout) leaves its queued jobs behind and, if its job keeps
running long after, its worker is replaced (``WorkerPool.abandon``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import functools
import logging
from collections import Counter
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from proxy.detect import worker
from proxy.detect.corrections import Corrections
from proxy.detect.engine import Engine, EngineConfig
from proxy.detect.filters import SpanTuple
from proxy.detect.pieces import (
    JOB_CHARS,
    PIECE_CHARS,
    Piece,
    bound,
    cost,
    reassemble,
    split_batch,
    split_text,
)
from proxy.detect.pool import WorkerDied, WorkerPool
from proxy.detect.types import DetectionError

log = logging.getLogger(__name__)

_START_S = 300.0  # longest wait for every detection worker to load its models
_BATCH_JOBS = 32  # jobs of concurrent requests analyzed in one call at most
_OVERRUN_S = 5.0  # a job still running this long after its requests' deadline loses its worker
_ORDER = count()


@dataclass(slots=True)
class _Job:
    texts: list[str]
    keys: list[str | None]
    corrections: Corrections
    future: asyncio.Future[list[list[SpanTuple]]]
    owner: object  # the request it belongs to: parts of one request are never merged
    alone: bool = False  # tried again by itself after its batch's worker died
    seq: int = field(default_factory=lambda: next(_ORDER))

    @property
    def cost(self) -> int:
        return sum(cost(t) for t in self.texts)


def _cancel(timer: asyncio.TimerHandle, _fut: asyncio.Future[Any]) -> None:
    timer.cancel()


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
        self.running: Counter[int] = Counter()  # jobs on workers, by id of their request
        self.turn: dict[int, int] = {}  # when each request arrived or last had a job done
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
            pool = self.pool = WorkerPool(self.workers, self.cfg, self.recycle_after, self._pump)
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
        owner = object()  # this request, as the queue knows it
        pieces: list[Piece] = [(i, 0, len(t)) for i, t in enumerate(texts)]
        fut: asyncio.Future[Any]
        try:
            if self.thread is not None:
                assert self.engine is not None
                fut = loop.run_in_executor(
                    self.thread, self.engine.analyze_batch, texts, corrections, keys
                )
            else:
                self.turn[id(owner)] = next(_ORDER)
                pieces, parts = self.plan(texts)
                piece_keys = iter([keys[i] for i, _, _ in pieces])
                jobs = [
                    _Job(part, [next(piece_keys) for _ in part], corrections,
                         loop.create_future(), owner)
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
        except DetectionError:
            raise
        except Exception as e:
            raise DetectionError(f"detection failed: {type(e).__name__}") from e
        finally:
            self.turn.pop(id(owner), None)
        return reassemble(len(texts), pieces, raw)

    def plan(self, texts: list[str]) -> tuple[list[Piece], list[list[str]]]:
        """The request's pieces, ``(text index, start, end)``, and the jobs they go in. A long
        text is cut into bounded pieces, and the pieces into bounded jobs. While two or more
        workers are idle and none is waited for, a lone text is cut between sentences into as
        many pieces as workers are idle, and a small request's pieces go one (or a few) per job."""
        idle = self.pool.idle if self.pool is not None else 0
        spread = idle >= 2 and not self.pending
        if spread and len(texts) == 1 and len(texts[0]) <= PIECE_CHARS:
            pieces = [(0, a, b) for a, b in split_text(texts[0], idle)]
        else:
            pieces = [(i, a, b) for i, t in enumerate(texts) for a, b in bound(t)]
        chunks = [texts[i][a:b] for i, a, b in pieces]
        parts = split_batch(chunks, self.workers, max_chars=JOB_CHARS)
        if spread and len(parts) == 1 and len(chunks) > 1:
            parts = (
                [[c] for c in chunks]
                if len(chunks) <= idle
                else split_batch(chunks, idle, min_chars=120)
            )
        return pieces, parts

    def _next(self) -> list[_Job]:
        """The next batch: a waiting job of the request with the fewest jobs running, and on a
        tie of the one whose turn is oldest (it arrived, or last had a job done, first): requests
        take the workers in turn. Jobs of other requests join while the batch stays small; jobs
        nobody waits for any more are dropped."""
        self.pending = [j for j in self.pending if not j.future.done()]
        if not self.pending:
            return []
        order = sorted(self.pending, key=lambda j: (
            self.running[id(j.owner)], self.turn.get(id(j.owner), 0), j.seq))
        first = order[0]
        batch, chars, owners = [first], first.cost, {id(first.owner)}
        if not first.alone:
            for job in order[1:]:
                if len(batch) >= _BATCH_JOBS:
                    break
                if (
                    not job.alone
                    and job.corrections == first.corrections
                    and id(job.owner) not in owners
                    and chars + job.cost <= JOB_CHARS
                ):
                    batch.append(job)
                    chars += job.cost
                    owners.add(id(job.owner))
        taken = {id(j) for j in batch}
        self.pending = [j for j in self.pending if id(j) not in taken]
        return batch

    def _pump(self) -> None:
        """Hand waiting jobs to idle workers. While every worker is busy, jobs of concurrent
        requests wait and then go together in one call: spaCy analyzes a batch of texts faster
        than the same texts one by one, so a loaded proxy detects more per second."""
        pool = self.pool
        if pool is None:
            return
        if pool.broken:  # fail now rather than at the timeout
            pending, self.pending = self.pending, []
            self.broken = True
            _fail(pending, WorkerDied("no detection worker is left"))
            return
        while pool.idle > 0:
            batch = self._next()
            if not batch:
                return
            groups = [(job.texts, job.keys) for job in batch]
            try:
                fut = pool.submit(groups, batch[0].corrections)
            except Exception as e:  # the pool is broken
                self.broken = True
                _fail(batch, e)
                continue
            for job in batch:
                self.running[id(job.owner)] += 1
            loop = asyncio.get_running_loop()
            timer = loop.call_later(self.timeout_s + _OVERRUN_S, self._overrun, batch, fut)
            fut.add_done_callback(functools.partial(_cancel, timer))
            fut.add_done_callback(functools.partial(self._finished, batch))

    def _overrun(self, batch: list[_Job], fut: asyncio.Future[Any]) -> None:
        if self.pool is None or fut.done():
            return
        if all(j.future.done() for j in batch):
            self.pool.abandon(fut)
        else:  # a request still waits (its deadline is about to pass): look again shortly
            timer = asyncio.get_running_loop().call_later(1.0, self._overrun, batch, fut)
            fut.add_done_callback(functools.partial(_cancel, timer))

    def _finished(self, batch: list[_Job], fut: asyncio.Future[list[Any]]) -> None:
        for job in batch:
            self.running[id(job.owner)] -= 1
            if self.running[id(job.owner)] <= 0:
                del self.running[id(job.owner)]
            if id(job.owner) in self.turn:  # behind the requests that waited meanwhile
                self.turn[id(job.owner)] = next(_ORDER)
        exc = None if fut.cancelled() else fut.exception()
        if fut.cancelled() or exc is not None:
            if isinstance(exc, WorkerDied):
                # Whether a job's text ended the worker is unknown (it may have died of something
                # else, before reading the job): each job is tried again alone, and fails only
                # if it ends a worker again.
                again = [job for job in batch if not job.alone]
                _fail([job for job in batch if job.alone], exc)
                for job in again:
                    job.alone = True
                self.pending[:0] = again
            else:
                _fail(batch, exc or DetectionError("detection was cancelled"))
        else:
            for job, (kind, payload) in zip(batch, fut.result(), strict=True):
                if job.future.done():
                    continue
                if kind == "ok":
                    job.future.set_result(payload)
                else:  # the exception's type name only: its message could quote the text
                    job.future.set_exception(
                        DetectionError(f"detection failed in a worker: {payload}"))
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
