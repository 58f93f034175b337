"""Detection worker processes, each reached over its own socket pair.

``concurrent.futures``' process pool hands every call through a queue, a management thread and a
second queue each way: on a two-core machine about a millisecond per call, as long as analyzing a
short text. Here the event loop writes a job straight to an idle worker's socket and is woken by
the answer itself: one system call each way for a small job. Messages are framed and written as
the socket takes them (``proxy.detect.wire``), so a batch of any size goes through.

A worker that dies (killed, out of memory) closes its socket: its job fails with ``WorkerDied`` and
a fresh worker takes its place, while the others keep serving. A job still running well after
every request waiting for it gave up (``abandon``) gets its worker killed and replaced the same
way, so a text that takes forever cannot hold a worker. Only when no worker is left (or none
comes up) is the pool ``broken``, and the detector starts it again. Workers exit when the serving
process closes its end or is gone.

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
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any

from proxy.detect import wire, worker
from proxy.detect.corrections import Corrections
from proxy.detect.engine import EngineConfig
from proxy.detect.types import DetectionError
from proxy.detect.worker import Group
from proxy.metrics import DETECTION_WORKER_EXITS

log = logging.getLogger(__name__)
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


class WorkerDied(DetectionError):
    """A detection worker exited while it had the job."""


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
    ready: asyncio.Future[int]
    channel: wire.Channel | None = None
    job: asyncio.Future[list[Any]] | None = None
    alive: bool = field(default=True)
    texts: int = 0  # texts analyzed so far
    successor: _Worker | None = None  # loading to replace this worker
    retiring: bool = False  # its successor is ready: no new jobs, leaves once idle
    killed: bool = False  # ended by the pool (``abandon``)
    since: float = 0.0  # when its job was handed over


class WorkerPool:
    """``size`` spawned processes, each with its own ``Engine``; one job per worker at a time.
    ``on_idle`` is called when a worker that was not serving becomes ready to take a job."""

    def __init__(
        self,
        size: int,
        cfg: EngineConfig,
        recycle_after: int = 0,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self.size = size
        self.cfg = cfg
        self.recycle_after = recycle_after  # 0: never
        self.on_idle = on_idle
        self.broken = False
        self.recycled = 0
        self.replaced = 0  # workers that died or were killed, and were replaced
        self._workers: list[_Worker] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False

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
        self._started = True

    def _spawn(self) -> _Worker:
        assert self._loop is not None
        ctx = multiprocessing.get_context("spawn")
        ours, theirs = socket.socketpair()
        proc = ctx.Process(target=worker.serve, args=(theirs, self.cfg), name="detect", daemon=True)
        try:
            with _single_threaded_children():
                proc.start()
        finally:
            theirs.close()
        w = _Worker(proc, self._loop.create_future())
        w.channel = wire.Channel(
            ours, self._loop, lambda msg: self._message(w, msg), lambda: self._lost(w)
        )
        self._workers.append(w)
        return w

    def submit(self, groups: list[Group], corrections: Corrections | None) -> asyncio.Future[Any]:
        """Hand a job to an idle worker; its future holds one result per group: ``("ok", spans
        of each text)`` or ``("error", exception type)``."""
        if self.broken or self._loop is None:
            raise WorkerDied("no detection worker is left; the pool restarts")
        w = next((w for w in self._serving() if w.job is None and not w.retiring), None)
        if w is None:
            raise RuntimeError("no idle detection worker")  # the scheduler asks ``idle`` first
        assert w.channel is not None
        job = w.job = self._loop.create_future()
        w.texts += sum(len(texts) for texts, _ in groups)
        w.since = time.monotonic()
        w.channel.send(("analyze", groups, corrections))  # a closed socket shows as ``_lost``
        return job

    def abandon(self, job: asyncio.Future[Any]) -> None:
        """Kill the worker still running ``job`` (nobody waits for it any more); a fresh one
        takes its place."""
        w = next((w for w in self._workers if w.job is job and w.alive), None)
        if w is None:
            return
        w.killed = True
        log.warning("detection worker %s killed: its job ran %.0fs, past every request's deadline",
                    w.proc.pid, time.monotonic() - w.since)
        w.proc.kill()

    def _message(self, w: _Worker, msg: Any) -> None:
        kind, payload = msg
        if kind == "ready":
            if not w.ready.done():
                w.ready.set_result(payload)
            old = next((o for o in self._workers if o.successor is w), None)
            if old is not None:  # a replacement is ready: its predecessor takes no more jobs
                old.retiring = True
                if old.job is None:
                    self._retire(old)
            if self.on_idle is not None:
                self.on_idle()
            return
        job, w.job = w.job, None
        if job is not None and not job.done():
            job.set_result(payload)
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
        self._reap([w])

    def _lost(self, w: _Worker) -> None:
        """A worker's socket closed: it exited. Its job fails; a serving worker is replaced."""
        if not w.alive:
            return
        w.alive = False
        served = w.ready.done() and not w.ready.cancelled() and w.ready.exception() is None
        reason = "killed" if w.killed else "died"
        DETECTION_WORKER_EXITS.labels(reason).inc()
        log.warning("detection worker %s exited (%s, code %s)", w.proc.pid, reason,
                    w.proc.exitcode)
        _fail(w, WorkerDied("a detection worker exited while analyzing"))
        if w in self._workers:
            self._workers.remove(w)
        self._reap([w])
        for old in self._workers:
            if old.successor is w:
                old.successor = None  # a recycled worker keeps serving; it tries again later
        if served and self._started and not w.retiring:
            self.replaced += 1
            self._spawn()
        if not any(x.alive for x in self._workers):
            self.broken = True

    def _reap(self, workers: list[_Worker]) -> None:
        assert self._loop is not None
        try:
            self._loop.run_in_executor(None, _join, workers, 5.0)
        except RuntimeError:  # the loop is closing: the process exits on its own
            pass

    def _release(self, w: _Worker) -> None:
        """Ask a worker to exit (``None``, or its socket's end) and stop listening to it."""
        w.alive = False
        if w.channel is not None:
            w.channel.send(None)
            w.channel.close()

    async def close(self, timeout_s: float = 5.0) -> None:
        """Ask every worker to exit, then end those that do not in time."""
        workers, self._workers = self._workers, []
        self._started = False
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
