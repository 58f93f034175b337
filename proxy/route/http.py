"""Any OpenAI-compatible server over aiohttp: OpenAI itself, or a self-hosted llama.cpp server,
llama-cpp-python's server or vLLM on the local route."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Literal

import aiohttp

from proxy.config import LocalBackendConfig
from proxy.route.base import BackendUnavailable, UpstreamResponse
from proxy.route.defaults import with_local_defaults
from proxy.tls import client_context

_MAX_LINE = 8 * 1024 * 1024  # an SSE line longer than this is not a model's answer


class HttpBackend:
    def __init__(
        self,
        *,
        name: str,
        placement: Literal["local", "external"],
        base_url: str,
        api_key: str | None,
        region: str,
        timeout_s: float,
        model: str | None = None,
        local_defaults: LocalBackendConfig | None = None,
        ca_file: Path | None = None,
    ) -> None:
        self.name = name
        self.placement = placement
        self.region = region
        self._base = base_url.rstrip("/")
        self._key = api_key
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=5)
        self._model = model
        self._defaults = local_defaults
        self._ca_file = ca_file  # verifies the server's certificate (default: the system's CAs)
        self._session: aiohttp.ClientSession | None = None

    def served_model(self, requested: str) -> str:
        return self._model or requested

    async def start(self) -> None:
        headers = {"Authorization": f"Bearer {self._key}"} if self._key else {}
        self._session = aiohttp.ClientSession(
            timeout=self._timeout,
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
        try:
            resp = await self._session.post(url, json=body)
        except (aiohttp.ClientError, TimeoutError) as e:
            raise BackendUnavailable(f"{self.name} unreachable: {type(e).__name__}") from e
        ctype = resp.headers.get("Content-Type", "")
        if body.get("stream") and resp.status == 200 and "text/event-stream" in ctype:
            return UpstreamResponse(status=200, chunks=_sse(resp), aclose=_closer(resp))
        try:
            data = await resp.json(content_type=None)
        except (aiohttp.ClientError, ValueError, TimeoutError) as e:
            resp.release()
            raise BackendUnavailable(f"{self.name} sent an unreadable answer") from e
        finally:
            resp.release()
        if not isinstance(data, dict):
            raise BackendUnavailable(f"{self.name} sent an unreadable answer")
        return UpstreamResponse(status=resp.status, body=data)


def _events(lines: list[bytes], data: list[str]) -> tuple[list[dict[str, Any]], bool]:
    """The JSON objects of the events that ``lines`` complete, and whether ``[DONE]`` came.
    ``data`` holds the ``data`` fields of an event not finished yet, across calls."""
    out: list[dict[str, Any]] = []
    for raw in lines:
        line = raw.decode("utf-8").rstrip("\r")
        if line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
            continue
        if line or not data:
            continue
        payload = "\n".join(data)
        data.clear()
        if payload == "[DONE]":
            return out, True
        obj = json.loads(payload)
        if isinstance(obj, dict):
            out.append(obj)
    return out, False


def _closer(resp: aiohttp.ClientResponse) -> Callable[[], Awaitable[None]]:
    async def aclose() -> None:
        resp.release()

    return aclose


async def _sse(resp: aiohttp.ClientResponse) -> AsyncIterator[list[dict[str, Any]]]:
    """Parse a server-sent event stream into the JSON objects of its ``data`` fields, one list
    per network read (a line cut by a read waits for its end; lines end in LF, CRLF is fine)."""
    data: list[str] = []
    tail = b""
    try:
        async for raw in resp.content.iter_any():
            lines = (tail + raw).split(b"\n")
            tail = lines.pop()
            if len(tail) > _MAX_LINE:
                raise BackendUnavailable("stream sent a line too long")
            batch, done = _events(lines, data)
            if batch:
                yield batch
            if done:
                return
        # A stream that ends without its last blank line (or its last line break).
        batch, _ = _events([tail, b""], data)
        if batch:
            yield batch
    except (aiohttp.ClientError, TimeoutError) as e:
        raise BackendUnavailable("stream broke off") from e
    finally:
        resp.release()
