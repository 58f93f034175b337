"""Detection worker processes, each reached over its own socket pair.

``concurrent.futures``' process pool hands every call through a queue, a management thread and a
second queue each way: on a two-core machine about a millisecond per call, as long as analyzing a
short text. Here the event loop writes a job straight to an idle worker's socket and is woken by
the answer itself (``loop.add_reader``): one system call each way.

A worker that dies (killed, out of memory) closes its socket: its job fails with ``WorkerDied``
and the pool is marked broken; the detector restarts it. Workers exit when the serving process
closes its end or is gone.

spaCy keeps every new token string it has seen for the life of the process, about a kilobyte per
request of new text (names, addresses, numbers). So a worker that has analyzed ``recycle_after``
texts is replaced: its successor loads in the background while it keeps serving, then it leaves
once idle. Memory stays bounded and no capacity is lost.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from proxy.detect import worker
from proxy.detect.corrections import Corrections
from proxy.detect.engine import EngineConfig
from proxy.detect.filters import SpanTuple
from proxy.detect.types import DetectionError
from proxy.metrics import DETECTION_WORKER_EXITS

log = logging.getLogger(__name__)
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


class WorkerDied(DetectionError):
    """A detection worker exited; the pool must be restarted."""


@contextmanager
def _single_threaded_children() -> Iterator[None]:
    """Processes started inside inherit one-thread math libraries: the pool already fills the cores,
    and oversubscribed BLAS threads slow spaCy down. The parent's own environment is restored."""
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    os.environ.update({k: "1" for k in _THREAD_VARS})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass(eq=False)
class _Worker:
    proc: BaseProcess
    conn: Connection
    ready: asyncio.Future[int]
    job: asyncio.Future[list[list[SpanTuple]]] | None = None
    alive: bool = field(default=True)
    texts: int = 0  # texts analyzed so far
    successor: _Worker | None = None  # loading to replace this worker
    retiring: bool = False  # its successor is ready: no new jobs, leaves once idle


class WorkerPool:
    """``size`` spawned processes, each with its own ``Engine``; one job per worker at a time."""

    def __init__(self, size: int, cfg: EngineConfig, recycle_after: int = 0) -> None:
        self.size = size
        self.cfg = cfg
        self.recycle_after = recycle_after  # 0: never
        self.broken = False
        self.recycled = 0
        self._workers: list[_Worker] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def pids(self) -> list[int]:
        """The serving workers' process ids (not successors still loading)."""
        return [w.proc.pid for w in self._serving() if w.proc.pid is not None]

    @property
    def idle(self) -> int:
        return sum(1 for w in self._serving() if w.job is None and not w.retiring)

    def _serving(self) -> list[_Worker]:
        return [w for w in self._workers if w.alive and w.ready.done()]

    async def start(self, timeout_s: float) -> None:
        """Start every worker and wait until each has loaded its models and analyzed a text."""
        self._loop = asyncio.get_running_loop()
        for _ in range(self.size):
            self._spawn()
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.gather(*(w.ready for w in self._workers))
        except TimeoutError as e:
            started = len(self._serving())
            raise WorkerDied(f"{started} of {self.size} detection workers started") from e

    def _spawn(self) -> _Worker:
        assert self._loop is not None
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=worker.serve, args=(theirs, self.cfg), name="detect", daemon=True)
        with _single_threaded_children():
            proc.start()
        theirs.close()
        w = _Worker(proc, ours, self._loop.create_future())
        self._workers.append(w)
        self._loop.add_reader(ours.fileno(), self._readable, w)
        return w

    def submit(
        self,
        texts: list[str],
        corrections: Corrections | None,
        keys: list[str | None] | None = None,
    ) -> asyncio.Future[list[list[SpanTuple]]]:
        """Hand a job to an idle worker; its future holds the spans of each text."""
        if self.broken or self._loop is None:
            raise WorkerDied("a detection worker died; the pool restarts")
        w = next((w for w in self._serving() if w.job is None and not w.retiring), None)
        if w is None:
            raise RuntimeError("no idle detection worker")  # the detector asks ``idle`` first
        job = w.job = self._loop.create_future()
        w.texts += len(texts)
        try:
            w.conn.send(("analyze", texts, corrections, keys))
        except OSError:
            self._died(w)  # fails the job
        return job

    def _readable(self, w: _Worker) -> None:
        try:
            kind, payload = w.conn.recv()
        except (EOFError, OSError):
            self._died(w)
            return
        if kind == "ready":
            if not w.ready.done():
                w.ready.set_result(payload)
            old = next((o for o in self._workers if o.successor is w), None)
            if old is not None:  # a replacement is ready: its predecessor takes no more jobs
                old.retiring = True
                if old.job is None:
                    self._retire(old)
            return
        job, w.job = w.job, None
        if job is not None and not job.done():
            if kind == "ok":
                job.set_result(payload)
            else:  # the exception's type name only: its message could quote the text
                job.set_exception(DetectionError(f"detection failed in a worker: {payload}"))
        if w.retiring:
            self._retire(w)
        elif self.recycle_after and w.texts >= self.recycle_after and w.successor is None:
            w.successor = self._spawn()

    def _retire(self, w: _Worker) -> None:
        """Let a replaced worker go: it exits on ``None``, its process is reaped in a thread."""
        assert self._loop is not None
        self._workers.remove(w)
        self._release(w)
        self.recycled += 1
        DETECTION_WORKER_EXITS.labels("replaced").inc()
        log.info("detection worker %s replaced after %d texts", w.proc.pid, w.texts)
        try:
            self._loop.run_in_executor(None, _join, [w], 5.0)
        except RuntimeError:  # the loop is closing: the process exits on its own
            pass

    def _died(self, w: _Worker) -> None:
        if not w.alive:
            return
        self._unwatch(w)
        self.broken = True
        DETECTION_WORKER_EXITS.labels("died").inc()
        _fail(w, WorkerDied("a detection worker died; the pool restarts"))
        log.warning("detection worker %s exited (code %s)", w.proc.pid, w.proc.exitcode)

    def _unwatch(self, w: _Worker) -> None:
        """No more reads from this worker."""
        if w.alive and self._loop is not None:
            self._loop.remove_reader(w.conn.fileno())
        w.alive = False

    def _release(self, w: _Worker) -> None:
        """Stop reading from a worker and ask it to exit (``None``, or its socket's end)."""
        self._unwatch(w)
        try:
            w.conn.send(None)
        except OSError:
            pass
        w.conn.close()

    async def close(self, timeout_s: float = 5.0) -> None:
        """Ask every worker to exit, then end those that do not in time."""
        workers, self._workers = self._workers, []
        for w in workers:
            self._release(w)
            _fail(w, DetectionError("the detector is closed"))
        await asyncio.get_running_loop().run_in_executor(None, _join, workers, timeout_s)


def _fail(w: _Worker, err: Exception) -> None:
    """Fail what still waits on a worker: its start-up and its job."""
    for fut in (w.ready, w.job):
        if fut is not None and not fut.done():
            fut.set_exception(err)
            fut.exception()  # retrieved: a start-up wait may already have given up
    w.job = None


def _join(workers: list[_Worker], timeout_s: float) -> None:
    for w in workers:
        w.proc.join(timeout_s)
        if w.proc.is_alive():
            w.proc.kill()
            w.proc.join(1.0)
