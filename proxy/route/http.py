"""Any OpenAI-compatible server over aiohttp: OpenAI itself, or a self-hosted llama.cpp server,
llama-cpp-python's server or vLLM on the local route.

Each phase of a call has its own time limit (``proxy.config.UpstreamTimeouts``): connecting, the
answer's first byte, each silence once it has begun, and (only if configured) the whole call. A
streamed answer is checked event by event: an event that is not UTF-8 JSON text, a line or event
longer than ``MAX_EVENT_BYTES``, or an error event from the server ends it with
``UpstreamStreamError``, which the relay turns into an error event and an audited upstream error.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

import aiohttp

from proxy.config import LocalBackendConfig, UpstreamTimeouts
from proxy.route.base import BackendUnavailable, UpstreamResponse
from proxy.route.defaults import with_local_defaults
from proxy.tls import client_context

MAX_EVENT_BYTES = 8 * 1024 * 1024  # an SSE line or event longer than this is not a model's answer
MAX_BODY_BYTES = 64 * 1024 * 1024  # nor is a whole answer longer than this


class UpstreamStreamError(BackendUnavailable):
    """The server's event stream broke its format, or reported an error, mid-answer."""


class UpstreamTimeout(BackendUnavailable):
    """The server took longer than one of the time limits."""


class _Clock:
    """The time limits of one call: the first byte's deadline, the silences after it, the whole."""

    def __init__(self, name: str, t: UpstreamTimeouts) -> None:
        now = time.monotonic()
        self.name, self.t = name, t
        self.first = now + t.first_byte_timeout_s
        self.end = now + t.total_timeout_s if t.total_timeout_s else None
        self.begun = False

    def limit(self) -> tuple[float, str]:
        """Seconds the next read may take, and what it means if it takes longer."""
        now = time.monotonic()
        if self.begun:
            wait, what = self.t.idle_timeout_s, f"went silent for {self.t.idle_timeout_s:g}s"
        else:
            wait = self.first - now
            what = f"sent nothing within {self.t.first_byte_timeout_s:g}s"
        if self.end is not None and self.end - now < wait:
            wait, what = self.end - now, f"took longer than {self.t.total_timeout_s:g}s in all"
        return max(wait, 0.0), what

    async def run(self, step: Awaitable[Any]) -> Any:
        wait, what = self.limit()
        try:
            async with asyncio.timeout(wait):
                return await step
        except TimeoutError as e:
            if isinstance(e, aiohttp.ClientError):  # aiohttp's own: the connection timed out
                raise
            raise UpstreamTimeout(f"{self.name} {what}") from e


class HttpBackend:
    def __init__(
        self,
        *,
        name: str,
        placement: Literal["local", "external"],
        base_url: str,
        api_key: str | None,
        region: str,
        timeout_s: float | None = None,
        timeouts: UpstreamTimeouts | None = None,
        model: str | None = None,
        local_defaults: LocalBackendConfig | None = None,
        ca_file: Path | None = None,
    ) -> None:
        """``timeouts``: the time limits (``timeout_s`` alone: the first byte's, others default)."""
        self.name = name
        self.placement = placement
        self.region = region
        self._base = base_url.rstrip("/")
        self._key = api_key
        if timeouts is None:
            timeouts = UpstreamTimeouts.model_validate(
                {} if timeout_s is None else {"first_byte_timeout_s": timeout_s})
        self.timeouts = timeouts
        self._model = model
        self._defaults = local_defaults
        self._ca_file = ca_file  # verifies the server's certificate (default: the system's CAs)
        self._session: aiohttp.ClientSession | None = None

    def served_model(self, requested: str) -> str:
        return self._model or requested

    async def start(self) -> None:
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        self._session = aiohttp.ClientSession(
            # Only the connection here: the answer's phases are timed per call (``_Clock``).
            timeout=aiohttp.ClientTimeout(total=None,
                                          sock_connect=self.timeouts.connect_timeout_s),
            headers=headers,
            connector=aiohttp.TCPConnector(limit=512, ttl_dns_cache=300,
                                           ssl=client_context(self._ca_file)),
            json_serialize=lambda o: json.dumps(o, ensure_ascii=False),
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def ready(self) -> bool:
        if self.placement == "external":
            return self._session is not None  # never probe a paid provider from a health check
        assert self._session is not None
        try:
            async with self._session.get(f"{self._base}/models",
                                         timeout=aiohttp.ClientTimeout(total=2)) as r:
                return r.status < 500
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def call(self, endpoint: str, body: dict[str, Any]) -> UpstreamResponse:
        assert self._session is not None, "backend not started"
        if self._model:
            body = {**body, "model": self._model}
        if self._defaults is not None:
            body = with_local_defaults(endpoint, body, self._defaults, aliases=True)
        url = f"{self._base}/{endpoint.replace('.', '/')}"
        clock = _Clock(self.name, self.timeouts)
        try:
            resp = await clock.run(self._session.post(url, json=body))
        except aiohttp.ClientError as e:
            raise BackendUnavailable(f"{self.name} unreachable: {type(e).__name__}") from e
        ctype = resp.headers.get("Content-Type", "")
        reads = _reads(resp, clock)
        if body.get("stream") and resp.status == 200 and "text/event-stream" in ctype:
            events: AsyncGenerator[list[dict[str, Any]], None] = _sse(resp, reads)
            try:  # the first event within the first byte's limit, or a plain error answer
                first = await anext(events, None)
            except BaseException:
                await events.aclose()
                raise
            return UpstreamResponse(status=200, chunks=_chain(first, events),
                                    aclose=_closer(resp))
        try:
            raw = bytearray()
            async for part in reads:
                raw += part
                if len(raw) > MAX_BODY_BYTES:
                    raise BackendUnavailable(f"{self.name} sent an answer too large")
            data = json.loads(raw)
        except ValueError as e:
            raise BackendUnavailable(f"{self.name} sent an unreadable answer") from e
        finally:
            resp.release()
        if not isinstance(data, dict):
            raise BackendUnavailable(f"{self.name} sent an unreadable answer")
        return UpstreamResponse(status=resp.status, body=data)


async def _reads(resp: aiohttp.ClientResponse, clock: _Clock) -> AsyncIterator[bytes]:
    """The body as it arrives, each read within the clock's limit."""
    it = resp.content.iter_any().__aiter__()
    while True:
        try:
            data = await clock.run(anext(it))
        except StopAsyncIteration:
            return
        except aiohttp.ClientError as e:
            raise BackendUnavailable(f"{clock.name}: the answer broke off") from e
        clock.begun = True
        yield data


async def _chain(
    first: list[dict[str, Any]] | None, rest: AsyncIterator[list[dict[str, Any]]]
) -> AsyncIterator[list[dict[str, Any]]]:
    if first is not None:
        yield first
    async for batch in rest:
        yield batch


def _bad(what: str) -> UpstreamStreamError:
    return UpstreamStreamError(f"the model stream sent {what}")


def _events(
    lines: list[bytes], data: list[str]
) -> tuple[list[dict[str, Any]], bool, UpstreamStreamError | None]:
    """The JSON objects of the events that ``lines`` complete, whether ``[DONE]`` came, and the
    fault that ends the stream (the events before it are still returned). ``data`` holds the
    ``data`` fields of an event not finished yet, across calls."""
    out: list[dict[str, Any]] = []
    try:
        return out, _parse(lines, data, out), None
    except UpstreamStreamError as e:
        return out, False, e


def _parse(lines: list[bytes], data: list[str], out: list[dict[str, Any]]) -> bool:
    for raw in lines:
        if len(raw) > MAX_EVENT_BYTES:
            raise _bad("a line too long")
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as e:
            raise _bad("bytes that are not UTF-8") from e
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
            if sum(map(len, data)) > MAX_EVENT_BYTES:
                raise _bad("an event too long")
            continue
        if line or not data:
            continue
        payload = "\n".join(data)
        data.clear()
        if payload == "[DONE]":
            return True
        try:
            obj = json.loads(payload)
        except ValueError as e:
            raise _bad("an event that is not JSON") from e
        if not isinstance(obj, dict):
            raise _bad("an event that is not a JSON object")
        if "error" in obj or obj.get("type") == "error":  # the server's own mid-stream error
            raise _bad("an error event")
        out.append(obj)
    return False


def _closer(resp: aiohttp.ClientResponse) -> Callable[[], Awaitable[None]]:
    async def aclose() -> None:
        resp.release()

    return aclose


async def _sse(
    resp: aiohttp.ClientResponse, reads: AsyncIterator[bytes]
) -> AsyncGenerator[list[dict[str, Any]], None]:
    """Parse a server-sent event stream into the JSON objects of its ``data`` fields, one list
    per network read (a line cut by a read waits for its end; lines end in LF, CRLF is fine)."""
    data: list[str] = []
    tail = bytearray()  # a line not finished yet
    try:
        async for raw in reads:
            tail += raw
            if b"\n" not in raw:
                if len(tail) > MAX_EVENT_BYTES:
                    raise _bad("a line too long")
                continue
            lines = bytes(tail).split(b"\n")
            tail = bytearray(lines.pop())
            batch, done, fault = _events(lines, data)
            if batch:
                yield batch  # what came before a fault is relayed, then the fault ends it
            if fault is not None:
                raise fault
            if done:
                return
            if len(tail) > MAX_EVENT_BYTES:
                raise _bad("a line too long")
        # A stream that ends without its last blank line (or its last line break).
        batch, _, fault = _events([bytes(tail), b""], data)
        if batch:
            yield batch
        if fault is not None:
            raise fault
    finally:
        resp.release()
