"""What both engines share: the policy-directory watch, the decision cache, strict parsing."""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from prometheus_client import Counter

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

DECISION_QUERY = "data.privacy.decision.result"
UNKNOWN_REVISION = "unknown"


class BaseEngine(ABC):
    """A PolicyEngine whose ``revision`` follows the policy directory on disk.

    Subclasses implement ``_evaluate`` (raw ``result`` document for one input, or PolicyError) and
    may react to a new revision in ``_load``. ``decide`` checks the directory at most every
    ``policy.reload_interval_s`` (when ``policy.reload``), then answers from cache or engine.
    """

    name: ClassVar[str]
    needs_local_policy: ClassVar[bool] = True

    def __init__(self, config: PolicyConfig) -> None:
        self.config = config
        self.revision = ""
        self.cache = DecisionCache(config.cache_size)
        self._fingerprint: tuple[Any, ...] | None = None
        self._next_check = 0.0
        self._error: PolicyError | None = None
        self._cacheable = False

    def refresh(self, *, force: bool = False) -> None:
        """Reload the policy when its files changed; a broken policy makes every decision fail."""
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
        except PolicyError as e:
            if self.needs_local_policy:
                self._fail(e)
            else:  # a remote engine without a local copy: no revision, no cache
                self.revision, self._cacheable, self._error = UNKNOWN_REVISION, False, None
            return
        if sources.revision == self.revision and self._error is None:
            return
        try:
            self._load(sources)
        except PolicyError as e:
            self._fail(e)
            return
        if self.revision:
            log.info("policy reloaded: revision %s", sources.revision)
        self.revision, self._cacheable, self._error = sources.revision, True, None
        RELOADS.labels("ok").inc()

    def _fail(self, error: PolicyError) -> None:
        self._error = error
        RELOADS.labels(error.code).inc()
        log.error("policy not loaded (%s): %s", error.code, error)

    def _load(self, sources: PolicySources) -> None:  # noqa: B027 - optional hook
        """Called with the new sources before ``revision`` changes; raise PolicyError to refuse."""

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
