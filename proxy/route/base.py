"""The Backend protocol: where a decided request goes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol


@dataclass
class UpstreamResponse:
    """A backend's answer: a JSON body, or a stream of parsed SSE ``data`` objects in batches:
    each batch holds the objects that arrived together (one network read, or the tokens a local
    model produced while the last batch was relayed), so that a burst is relayed in one write."""

    status: int
    body: dict[str, Any] | None = None
    chunks: AsyncIterator[list[dict[str, Any]]] | None = None
    aclose: Callable[[], Awaitable[None]] | None = None

    async def close(self) -> None:
        """Release the connection and stop the stream (a local model stops generating); safe to
        call more than once, and on a stream never read."""
        if self.aclose is not None:
            await self.aclose()
        aclose = getattr(self.chunks, "aclose", None)
        if aclose is not None:
            await aclose()


class BackendUnavailable(Exception):
    """The backend cannot be reached or failed before answering."""


class Backend(Protocol):
    """A model server the proxy forwards to.

    ``call`` sends one OpenAI request body (already transformed) for ``endpoint``, OpenAI's name of
    the resource (``chat.completions``, ``completions``, ``embeddings``; an OpenAI-compatible
    server has it at ``/`` + the name with dots as slashes), and returns the answer; it raises
    BackendUnavailable when nothing could be obtained. ``served_model`` is what the backend is
    asked for and what the client is told answered.
    """

    @property
    def name(self) -> str:
        """Names the backend in audit records and logs."""
        ...

    @property
    def placement(self) -> Literal["local", "external"]: ...

    @property
    def region(self) -> str:
        """Where the backend processes data, as audit records report it."""
        ...

    async def start(self) -> None: ...

    async def call(self, endpoint: str, body: dict[str, Any]) -> UpstreamResponse: ...

    async def ready(self) -> bool: ...

    async def close(self) -> None: ...

    def served_model(self, requested: str) -> str: ...
