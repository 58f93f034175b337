"""Helpers for tests that run the proxy (or its neighbours) as separate processes."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time

import aiohttp
from aiohttp import web

PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"  # the test database (trust auth)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_ready(
    port: int,
    proc: asyncio.subprocess.Process,
    limit_s: float = 180,
    output: bytearray | None = None,
) -> None:
    """Wait for ``/readyz`` to answer 200; fail with the process's stderr if it exits first
    (``output``: where the caller already collects that stderr)."""
    deadline = time.monotonic() + limit_s
    async with aiohttp.ClientSession() as s:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                if output is not None:
                    await asyncio.sleep(0.5)  # the caller's reader takes in the last words
                    err = output.decode(errors="replace")[-3000:]
                else:
                    err = (await proc.stderr.read()).decode()[-3000:] if proc.stderr else ""
                raise AssertionError(f"serve exited with {proc.returncode}: {err}")
            try:
                async with s.get(f"http://127.0.0.1:{port}/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError("proxy did not become ready")


async def serve_app(
    app: web.Application, shutdown_timeout: float = 60.0, ssl_context: ssl.SSLContext | None = None
) -> tuple[web.AppRunner, int]:
    """Run ``app`` on a free port of 127.0.0.1 in this loop (HTTPS with ``ssl_context``); the
    caller cleans the runner up."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
