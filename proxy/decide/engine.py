"""What both engines share: the policy-directory watch, the decision cache, strict parsing."""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from prometheus_client import Counter, Gauge

from proxy.config import PolicyConfig
from proxy.decide.cache import DecisionCache
from proxy.decide.parse import parse_decision
from proxy.decide.sources import PolicySources, fingerprint, load_sources
from proxy.decide.types import Decision, PolicyError

log = logging.getLogger(__name__)

DECISIONS = Counter(
    "privacy_proxy_policy_decisions_total",
    "Policy decisions by engine and outcome: cache, evaluated, or the PolicyError code.",
    ["engine", "outcome"],
)
RELOADS = Counter(
    "privacy_proxy_policy_loads_total",
    "Policy (re)loads by outcome: ok or the error code.",
    ["outcome"],
)
RELOAD_FAILED = Gauge(
    "privacy_proxy_policy_reload_failed",
    "1 while the policy files on disk do not load and the last good revision keeps deciding.",
    multiprocess_mode="livemax",
)

DECISION_QUERY = "data.privacy.decision.result"
UNKNOWN_REVISION = "unknown"


class BaseEngine(ABC):
    """A PolicyEngine whose ``revision`` follows the policy directory on disk.

    Subclasses implement ``_evaluate`` (raw ``result`` document for one input, or PolicyError) and
    may compile a new revision in ``_load``. ``decide`` checks the directory at most every
    ``policy.reload_interval_s`` (when ``policy.reload``), then answers from cache or engine.

    A policy that does not load at start is an error (``start`` raises; every decision fails). One
    that stops loading later (a syntax error in an edit) is not: the last good compiled revision
    keeps deciding, ``status()`` and the ``privacy_proxy_policy_reload_failed`` gauge report the
    failure, and each listener in ``reload_listeners`` is called with a ``policy.reload`` event
    (the serving application records it in the audit log).
    """

    name: ClassVar[str]
    needs_local_policy: ClassVar[bool] = True

    def __init__(self, config: PolicyConfig) -> None:
        self.config = config
        self.revision = ""
        self.cache = DecisionCache(config.cache_size)
        self.reload_error: PolicyError | None = None
        self.reload_listeners: list[Callable[[dict[str, Any]], None]] = []
        self._fingerprint: tuple[Any, ...] | None = None
        self._next_check = 0.0
        self._error: PolicyError | None = None
        self._cacheable = False

    @property
    def loaded(self) -> bool:
        """A good revision is compiled and decides (perhaps an older one than on disk)."""
        return self._error is None and self.revision not in ("", UNKNOWN_REVISION)

    def status(self) -> dict[str, Any]:
        """Readiness detail: the revision deciding, and the last reload failure if it persists."""
        err = self.reload_error or self._error
        return {
            "engine": self.name,
            "revision": self.revision or None,
            "loaded": self.loaded,
            "reload_error": None if err is None else {"code": err.code, "message": str(err)},
        }

    def refresh(self, *, force: bool = False) -> None:
        """Reload the policy when its files changed; see the class docstring for failures."""
        if not force and (self._fingerprint is not None and not self.config.reload):
            return
        now = time.monotonic()
        if not force and now < self._next_check:
            return
        self._next_check = now + self.config.reload_interval_s
        fp = fingerprint(self.config.path) if self.config.path.is_dir() else ()
        if fp == self._fingerprint and not force:
            return
        self._fingerprint = fp
        try:
            sources = load_sources(self.config.path)
            if sources.revision == self.revision and self.loaded:
                self._loaded(sources.revision, changed=False)
                return
            self._load(sources)
        except PolicyError as e:
            self._fail(e)
            return
        self._loaded(sources.revision, changed=True)

    def _loaded(self, revision: str, *, changed: bool) -> None:
        previous, recovered = self.revision, self.reload_error is not None
        self.revision, self._cacheable, self._error, self.reload_error = revision, True, None, None
        RELOAD_FAILED.set(0)
        if not changed and not recovered:
            return
        RELOADS.labels("ok").inc()
        if previous:
            log.info("policy reloaded: revision %s", revision)
            self._notify({"outcome": "ok", "policy_revision": revision, "previous": previous})

    def _fail(self, error: PolicyError) -> None:
        RELOADS.labels(error.code).inc()
        if self.loaded:
            # Keep deciding with the last good compiled policy; report the broken files.
            self.reload_error = error
            RELOAD_FAILED.set(1)
            log.error(
                "policy reload failed (%s): %s; revision %s keeps deciding",
                error.code,
                error,
                self.revision,
            )
            self._notify(
                {
                    "outcome": "failed",
                    "error": error.code,
                    "message": str(error)[:500],
                    "policy_revision": self.revision,
                }
            )
        elif self.needs_local_policy:
            self._error = error
            log.error("policy not loaded (%s): %s", error.code, error)
        else:  # a remote engine without a local copy: no revision, no cache
            self.revision, self._cacheable, self._error = UNKNOWN_REVISION, False, None

    def _notify(self, event: dict[str, Any]) -> None:
        for listener in self.reload_listeners:
            try:
                listener({"kind": "policy.reload", "engine": self.name, **event})
            except Exception as e:  # a listener never breaks a decision
                log.error("policy reload listener failed", extra={"error": type(e).__name__})

    def _load(self, sources: PolicySources) -> None:  # noqa: B027 - optional hook
        """Called with the new sources before ``revision`` changes; raise PolicyError to refuse
        (the previous compiled revision must then stay usable)."""

    @abstractmethod
    async def _evaluate(self, input_doc: dict[str, Any]) -> Any: ...

    async def decide(self, input_doc: dict[str, Any]) -> Decision:
        try:
            decision, outcome = await self._decide(input_doc)
        except PolicyError as e:
            DECISIONS.labels(self.name, e.code).inc()
            raise
        DECISIONS.labels(self.name, outcome).inc()
        return decision

    async def _decide(self, input_doc: dict[str, Any]) -> tuple[Decision, str]:
        self.refresh()
        if self._error is not None:
            raise self._error
        revision = self.revision
        key = self.cache.key(input_doc, revision) if self._cacheable else None
        cached = self.cache.get(key)
        if cached is not None:
            return cached, "cache"
        raw = await self._evaluate(input_doc)
        decision = parse_decision(raw, revision=revision, engine=self.name)
        self.cache.put(key, decision)
        return decision, "evaluated"
