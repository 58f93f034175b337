"""Fake detectors for failure paths the real one cannot be made to take on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class FakeBrokenDetector:
    """A detector whose every call fails, as a crashed detection pool would."""

    revision = "broken"

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ready(self) -> bool:
        return False

    async def detect(self, texts: list[str], tenant: Any, keys: Any = None) -> Any:
        raise RuntimeError("detector crashed")


class FakeStoreBreakingDetector:
    """The session's real detector, which runs ``breaker`` (once armed) while it detects a
    request: the audit store becomes unwritable in the middle of that request."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.breaker: Callable[[], Awaitable[None]] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def detect(self, texts: list[str], tenant: Any, keys: Any = None) -> Any:
        if self.breaker is not None:
            breaker, self.breaker = self.breaker, None
            await breaker()
        return await self.inner.detect(texts, tenant, keys=keys)


class FakeSlowDetector:
    """A detector that answers nothing for ``delay_s`` (a stuck analysis), then fails."""

    revision = "slow"

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ready(self) -> bool:
        return True

    async def detect(self, texts: list[str], tenant: Any, keys: Any = None) -> Any:
        await asyncio.sleep(self.delay_s)
        raise RuntimeError("still analyzing")
