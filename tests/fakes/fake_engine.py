"""Fake policy engines: one that fails, one that always answers the same (a policy written
wrongly), for the invariants and fail-closed paths the real Rego policy never takes."""

from __future__ import annotations

from typing import Any

from proxy.decide.types import Decision


class FakeBrokenEngine:
    """Raises ``exc`` on every decision."""

    revision = "broken"

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ready(self) -> bool:
        return False

    async def decide(self, doc: dict[str, Any]) -> Decision:
        raise self.exc


class FakeFixedEngine:
    """Always answers ``decision``, whatever the input."""

    revision = "fixed"

    def __init__(self, decision: Decision) -> None:
        self.decision = decision

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ready(self) -> bool:
        return True

    async def decide(self, doc: dict[str, Any]) -> Decision:
        return self.decision
