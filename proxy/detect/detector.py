"""The detector the pipeline calls: the result cache, the revision, and the lifecycle of the
scheduler that runs the analysis (``proxy.detect.scheduler``)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from proxy.config import Settings, TenantConfig
from proxy.detect.cache import ResultCache
from proxy.detect.engine import Engine, EngineConfig
from proxy.detect.request import resolve
from proxy.detect.revision import check_models, code_revision
from proxy.detect.scheduler import Scheduler
from proxy.detect.store import CorrectionsStore
from proxy.detect.types import DetectionError, Span

_OFF_LOOP_CHARS = 200_000


class PresidioDetector:
    """Presidio, spaCy and our recognizers, in ``workers`` processes (0: one in-process thread).

    Results are cached per (tenant, revision, key path, text) in process and on disk for every
    serving process (``proxy.detect.cache``), so the earlier turns of a conversation are not
    analyzed again; any change of code, models, thresholds or corrections changes the revision and
    so misses the cache. What the texts say together (name coreference, special categories said
    of no one in their own text) is decided for the whole request afterwards
    (``proxy.detect.request``).
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
        if engine is not None and (d.workers != 0 or engine.cfg != self.cfg):
            raise ValueError("a shared engine needs workers == 0 and the same detection settings")
        self.scheduler = Scheduler(self.cfg, d.workers, d.timeout_s, d.recycle_after, engine)
        self._shared_engine = engine is not None
        self.store = CorrectionsStore(settings)
        self._base_revision = code_revision(self.cfg)
        self._cache = ResultCache(
            d.cache_size, Path(settings.server.data_dir) / "detection", d.shared_cache_mb
        )
        self._start_lock = asyncio.Lock()
        self._writes: set[asyncio.Future[None]] = set()  # shared-cache writes under way

    @property
    def revision(self) -> str:
        return hashlib.sha256(
            f"{self._base_revision}:{self.store.revision()}".encode()
        ).hexdigest()[:32]

    @property
    def engine(self) -> Engine | None:
        """The in-process engine (``workers == 0``), once started."""
        return self.scheduler.engine

    async def start(self) -> None:
        check_models(self.cfg.spacy_models)
        self.store.load()
        self._cache.open()
        async with self._start_lock:
            await self.scheduler.start()

    async def detect(
        self, texts: list[str], tenant: TenantConfig, keys: list[str | None] | None = None
    ) -> list[list[Span]]:
        if not self.scheduler.started:
            raise DetectionError("detector is not started")
        if self.scheduler.broken:
            async with self._start_lock:
                if self.scheduler.broken:
                    await self.scheduler.restart()
        fields = keys if keys is not None else [None] * len(texts)
        if len(fields) != len(texts):
            raise DetectionError("detection got a key path count that does not match the texts")
        corrections = self.store.effective(tenant)
        revision = self.revision
        cache, loop = self._cache, asyncio.get_running_loop()
        ckeys = [cache.key(tenant.id, revision, t, f) for t, f in zip(texts, fields, strict=True)]
        results: list[tuple[Span, ...] | None] = [
            cache.get(k) if t else () for k, t in zip(ckeys, texts, strict=True)
        ]
        missing = [i for i, r in enumerate(results) if r is None]
        if missing and cache.shared:
            # On the loop: a lookup in the shared cache (SQLite in WAL mode, readers never wait)
            # takes microseconds, a hop to a thread and back a quarter of a millisecond.
            got = cache.get_shared([ckeys[i] for i in missing])
            for i, spans in zip(missing, got, strict=True):
                if spans is not None:
                    results[i] = spans
                    cache.put(ckeys[i], spans)
        todo = list(
            dict.fromkeys((texts[i], fields[i]) for i, r in enumerate(results) if r is None)
        )
        if todo:
            raw = await self.scheduler.run([t for t, _ in todo], corrections, [f for _, f in todo])
            fresh = {
                item: tuple(Span(s, e, typ, round(sc, 4)) for s, e, typ, sc in spans)
                for item, spans in zip(todo, raw, strict=True)
            }
            new: list[tuple[str, tuple[Span, ...]]] = []
            for i, t in enumerate(texts):
                if results[i] is None:
                    results[i] = fresh[(t, fields[i])]
                    cache.put(ckeys[i], fresh[(t, fields[i])])
                    new.append((ckeys[i], fresh[(t, fields[i])]))
            if cache.shared:
                # Off the request's path: the answer is known, the disk copy only helps the other
                # serving processes later (put_shared logs its own failures).
                write = loop.run_in_executor(None, cache.put_shared, new)
                self._writes.add(write)
                write.add_done_callback(self._writes.discard)
        found = [list(r or ()) for r in results]
        if sum(map(len, texts)) > _OFF_LOOP_CHARS:  # a long request is resolved in a thread
            return await asyncio.to_thread(resolve, texts, found)
        return resolve(texts, found)

    async def ready(self) -> bool:
        return self.scheduler.ready

    async def flush(self) -> None:
        """Wait for the shared-cache writes under way."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    async def close(self) -> None:
        await self.scheduler.close()
        await self.flush()
        if not self._shared_engine:
            self.scheduler.engine = None
        self._cache.close()
