"""A scripted backend (the external provider cannot run here): answers each call with the next
scripted answer, or fails as told, and records what it was asked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from proxy.route.base import BackendUnavailable, UpstreamResponse


@dataclass
class FakeStream:
    """Batches of events, then optionally a failure (the stream breaks off); remembers whether it
    was closed and how far it was read."""

    batches: list[list[dict[str, Any]]]
    fail: Exception | None = None
    closed: bool = False
    read: int = 0

    async def __aiter__(self) -> AsyncIterator[list[dict[str, Any]]]:
        try:
            for batch in self.batches:
                self.read += 1
                yield batch
            if self.fail is not None:
                raise self.fail
        finally:
            self.closed = True


@dataclass
class FakeBackend:
    """``answers``: what each call returns in turn; a ``BackendUnavailable`` instance is raised."""

    name: str = "fake"
    placement: Literal["local", "external"] = "external"
    region: str = "US"
    model: str | None = None
    answers: list[UpstreamResponse | BackendUnavailable] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def served_model(self, requested: str) -> str:
        return self.model or requested

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def ready(self) -> bool:
        return True

    async def call(self, endpoint: str, body: dict[str, Any]) -> UpstreamResponse:
        self.calls.append((endpoint, body))
        answer = self.answers.pop(0)
        if isinstance(answer, BackendUnavailable):
            raise answer
        return answer


def streamed(stream: FakeStream) -> UpstreamResponse:
    """A streamed answer over ``stream``, closed through ``UpstreamResponse.close``."""
    gen = stream.__aiter__()

    async def aclose() -> None:
        stream.closed = True

    return UpstreamResponse(status=200, chunks=gen, aclose=aclose)
