"""The async detector the pipeline calls: a warmed process pool, a result cache, a revision."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import functools
import hashlib
import importlib.metadata
import importlib.util
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxy.config import Settings, TenantConfig
from proxy.detect import worker
from proxy.detect.cache import ResultCache
from proxy.detect.corrections import Corrections
from proxy.detect.engine import Engine, EngineConfig
from proxy.detect.pool import WorkerDied, WorkerPool
from proxy.detect.store import CorrectionsStore
from proxy.detect.types import DetectionError, Span

log = logging.getLogger(__name__)
_CODE_DIR = Path(__file__).parent


def check_models(models: dict[str, str]) -> None:
    """Raise ``DetectionError`` naming each configured spaCy pipeline that is not installed."""
    for lang, name in models.items():
        if importlib.util.find_spec(name) is None and not Path(name).exists():
            raise DetectionError(
                f"spaCy model '{name}' configured for language '{lang}' "
                f"(detection.spacy_models) is not installed: "
                f"pip install {name.replace('_', '-')}"
            )


def _reassemble(
    n: int, pieces: list[tuple[int, int, int]], raw: list[Any]
) -> list[list[tuple[int, int, str, float]]]:
    """Spans of the pieces back on their texts, at the texts' offsets, in order."""
    if len(raw) != len(pieces):
        raise DetectionError("detection returned a result count that does not match the input")
    out: list[list[tuple[int, int, str, float]]] = [[] for _ in range(n)]
    for (i, start, _), spans in zip(pieces, raw, strict=True):
        out[i].extend((s + start, e + start, t, sc) for s, e, t, sc in spans)
    return out


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


# An idle pool splits one request's text between sentences over several workers, so a single
# request uses every idle core; pieces shorter than this are not worth a worker.
_PIECE_CHARS = 120
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[ \t]+(?=[\"'(\[]?[A-ZÀ-Þ0-9])")


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


def code_revision(cfg: EngineConfig) -> str:
    """Digest of the recognizer code, lexicons, library and model versions, and thresholds."""
    h = hashlib.sha256()
    for p in sorted(_CODE_DIR.rglob("*")):
        if p.suffix in (".py", ".json") and "__pycache__" not in p.parts:
            h.update(p.name.encode())
            h.update(p.read_bytes())
    for dist in (
        "presidio-analyzer",
        "spacy",
        "python-stdnum",
        "phonenumbers",
        "lingua-language-detector",
    ):
        h.update(f"{dist}={_version(dist)}".encode())
    for lang, model in sorted(cfg.spacy_models.items()):
        h.update(f"{lang}:{model}={_version(model)}".encode())
    h.update(f"threshold={cfg.score_threshold}".encode())
    h.update(f"languages={','.join(cfg.languages)}".encode())
    return h.hexdigest()


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


_START_S = 300.0  # longest wait for every detection worker to load its models
_BATCH_CHARS = 16_000  # at most this much text in one call when requests are batched
_BATCH_JOBS = 32


@dataclass(slots=True)
class _Job:
    texts: list[str]
    corrections: Corrections
    future: asyncio.Future[list[list[Any]]]
    owner: object  # the request it belongs to: parts of one request are never merged


def _fail(jobs: list[_Job], err: BaseException) -> None:
    """Fail the jobs still waited for."""
    for job in jobs:
        if not job.future.done():
            job.future.set_exception(err)


class PresidioDetector:
    """Presidio, spaCy and our recognizers, in ``workers`` processes (0: one in-process thread).

    Results are cached per (tenant, revision, text) in process and on disk for every serving process
    (``proxy.detect.cache``), so the earlier turns of a conversation are not analyzed again; any
    change of code, models, thresholds or corrections changes the revision and so misses the cache.
    """

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        """``engine``: an already loaded in-process engine to share (``workers == 0`` only), so
        tests and benchmarks with several settings load spaCy once."""
        d = settings.detection
        self.settings = settings
        self.cfg = EngineConfig(
            spacy_models=dict(d.spacy_models),
            score_threshold=d.score_threshold,
            languages=tuple(d.languages),
        )
        self.workers = d.workers
        self.timeout_s = d.timeout_s
        self.recycle_after = d.recycle_after
        self.store = CorrectionsStore(settings)
        self._base_revision = code_revision(self.cfg)
        self._thread: cf.ThreadPoolExecutor | None = None  # workers == 0
        self._pool: WorkerPool | None = None  # workers > 0
        self._engine: Engine | None = engine
        self._shared_engine = engine is not None
        if engine is not None and (self.workers != 0 or engine.cfg != self.cfg):
            raise ValueError("a shared engine needs workers == 0 and the same detection settings")
        self._broken = False
        self._cache = ResultCache(
            d.cache_size, Path(settings.server.data_dir) / "detection", d.shared_cache_mb
        )
        self._start_lock = asyncio.Lock()
        self._pending: list[_Job] = []
        self._writes: set[asyncio.Future[None]] = set()  # shared-cache writes under way

    @property
    def revision(self) -> str:
        return hashlib.sha256(
            f"{self._base_revision}:{self.store.revision()}".encode()
        ).hexdigest()[:32]

    async def start(self) -> None:
        check_models(self.cfg.spacy_models)
        self.store.load()
        self._cache.open()
        async with self._start_lock:
            await self._start_executor()

    async def _start_executor(self) -> None:
        loop = asyncio.get_running_loop()
        if self.workers == 0:
            self._thread = cf.ThreadPoolExecutor(1, thread_name_prefix="detect")
            if self._engine is None:
                self._engine = await loop.run_in_executor(self._thread, Engine, self.cfg)
            await loop.run_in_executor(
                self._thread, self._engine.analyze_batch, [worker.WARMUP_TEXT], None
            )
        else:
            pool = self._pool = WorkerPool(self.workers, self.cfg, self.recycle_after)
            try:
                # Ready means every worker has loaded its models, so a request's pieces never
                # wait for a late one.
                await pool.start(_START_S)
            except BaseException as e:
                self._pool = None
                await pool.close()
                if isinstance(e, WorkerDied):
                    msg = "detection workers failed to start (see worker log)"
                    raise DetectionError(msg) from e
                raise
            log.info("detection workers ready: %d processes", len(pool.pids))
        self._broken = False

    async def detect(self, texts: list[str], tenant: TenantConfig, keys: list[str | None] | None = None) -> list[list[Span]]:  # noqa: E501
        if self._thread is None and self._pool is None:
            raise DetectionError("detector is not started")
        if self._broken:
            async with self._start_lock:
                if self._broken:
                    await self._restart()
        corrections = self.store.effective(tenant)
        revision = self.revision
        cache, loop = self._cache, asyncio.get_running_loop()
        keys = [cache.key(tenant.id, revision, t) for t in texts]
        results: list[tuple[Span, ...] | None] = [
            cache.get(k) if t else () for k, t in zip(keys, texts, strict=True)
        ]
        missing = [i for i, r in enumerate(results) if r is None]
        if missing and cache.shared:
            # On the loop: a lookup in the shared cache (SQLite in WAL mode, readers never wait)
            # takes microseconds, a hop to a thread and back a quarter of a millisecond.
            got = cache.get_shared([keys[i] for i in missing])
            for i, spans in zip(missing, got, strict=True):
                if spans is not None:
                    results[i] = spans
                    cache.put(keys[i], spans)
        todo = list(dict.fromkeys(texts[i] for i, r in enumerate(results) if r is None))
        if todo:
            fresh = dict(zip(todo, await self._run(todo, corrections), strict=True))
            new: list[tuple[str, tuple[Span, ...]]] = []
            for i, t in enumerate(texts):
                if results[i] is None:
                    results[i] = fresh[t]
                    cache.put(keys[i], fresh[t])
                    new.append((keys[i], fresh[t]))
            if cache.shared:
                # Off the request's path: the answer is known, the disk copy only helps the other
                # serving processes later (put_shared logs its own failures).
                write = loop.run_in_executor(None, cache.put_shared, new)
                self._writes.add(write)
                write.add_done_callback(self._writes.discard)
        return [list(r or ()) for r in results]

    async def _run(self, texts: list[str], corrections: Corrections) -> list[tuple[Span, ...]]:
        loop = asyncio.get_running_loop()
        # In a thread: whole texts. In the pool: a large batch (a long conversation seen for the
        # first time) is split over the workers by size, a small one over the idle workers
        # (``_plan``): either way a request uses every free core.
        pieces = [(i, 0, len(t)) for i, t in enumerate(texts)]
        try:
            if self._thread is not None:
                assert self._engine is not None
                fut = loop.run_in_executor(
                    self._thread, self._engine.analyze_batch, texts, corrections
                )
            else:
                owner = object()
                pieces, parts = self._plan(texts)
                jobs = [_Job(part, corrections, loop.create_future(), owner) for part in parts]
                self._pending.extend(jobs)
                self._pump()
                fut = asyncio.gather(*(j.future for j in jobs))
            raw = await asyncio.wait_for(fut, self.timeout_s)
            if self._thread is None:
                raw = [spans for part in raw for spans in part]
        except TimeoutError as e:
            raise DetectionError(f"detection timed out after {self.timeout_s:g}s") from e
        except WorkerDied as e:
            self._broken = True
            raise DetectionError("a detection worker died; the pool restarts") from e
        except Exception as e:
            raise DetectionError(f"detection failed: {type(e).__name__}") from e
        return [
            tuple(Span(s, e, t, round(sc, 4)) for s, e, t, sc in spans)
            for spans in _reassemble(len(texts), pieces, raw)
        ]

    def _plan(self, texts: list[str]) -> tuple[list[tuple[int, int, int]], list[list[str]]]:
        """The request's pieces, ``(text index, start, end)``, and the jobs they go in. While two
        or more workers are idle and none is waited for, a lone text is cut into as many pieces
        as workers are idle, and a small request's pieces go one (or a few) per job."""
        idle = self._pool.idle if self._pool is not None else 0
        spread = idle >= 2 and not self._pending
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
        pool = self._pool
        if pool is None:
            return
        if pool.broken:  # fail now rather than at the timeout
            pending, self._pending = self._pending, []
            _fail(pending, WorkerDied("a detection worker died"))
            return
        while self._pending and pool.idle > 0:
            first = self._pending.pop(0)
            batch, chars, owners, rest = [first], sum(map(len, first.texts)), {id(first.owner)}, []
            for job in self._pending:
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
            self._pending = rest
            texts = [t for job in batch for t in job.texts]
            try:
                fut = pool.submit(texts, first.corrections)
            except Exception as e:  # the pool is broken
                _fail(batch, e)
                continue
            fut.add_done_callback(functools.partial(self._finished, batch))

    def _finished(self, batch: list[_Job], fut: asyncio.Future[Any]) -> None:
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

    async def _restart(self) -> None:
        old, self._pool = self._pool, None
        if old is not None:
            await old.close(timeout_s=1.0)
        await self._start_executor()

    async def ready(self) -> bool:
        pool_ok = self._pool is not None and not self._pool.broken
        return (self._thread is not None or pool_ok) and not self._broken

    async def flush(self) -> None:
        """Wait for the shared-cache writes under way."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    async def close(self) -> None:
        thread, self._thread = self._thread, None
        pool, self._pool = self._pool, None
        pending, self._pending = self._pending, []
        _fail(pending, DetectionError("the detector is closed"))
        if pool is not None:
            await pool.close()
        if thread is not None:
            await asyncio.get_running_loop().run_in_executor(None, thread.shutdown)
        await self.flush()
        if not self._shared_engine:
            self._engine = None
        self._cache.close()
