"""Serving on every core: ``server.workers`` processes share the port through SO_REUSEPORT.

The parent forks the workers before any event loop, thread or model exists, restarts a worker that
dies, and forwards SIGTERM/SIGINT. Each worker builds its own app (detector pool, policy engine,
audit writer, backends); the audit store keeps one contiguous log across them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sys
import time

from proxy.config import Settings

log = logging.getLogger("privacy_proxy.server")


def _run_worker(settings: Settings, reuse_port: bool) -> None:
    from aiohttp import web

    from proxy.app import create_app

    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    app = create_app(settings)

    async def ignore_further_signals(_app: web.Application) -> None:
        # Shutdown has begun: a second SIGTERM (a process-group kill, then the parent's
        # forward) must not cut short the audit log's final commit and stop checkpoint.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_IGN)

    app.on_shutdown.append(ignore_further_signals)
    web.run_app(app, host=settings.server.host, port=settings.server.port,
                reuse_port=reuse_port, access_log=None, print=None, handle_signals=True,
                shutdown_timeout=10)


def serve(settings: Settings) -> int:
    from proxy import logs
    from proxy.keys import load_or_create_secret

    logs.setup(settings.server.log_level)
    workers = settings.server.workers if settings.server.port != 0 else 1
    settings.server.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.pseudonym.key is None:  # created once, before the workers share it
        load_or_create_secret(settings.server.data_dir / "pseudonym.key")
    log.info("starting privacy-proxy", extra={
        "url": f"http://{settings.server.host}:{settings.server.port}/v1", "workers": workers})
    if workers == 1:
        _run_worker(settings, reuse_port=False)
        return 0
    prom = settings.server.data_dir / "prometheus"
    shutil.rmtree(prom, ignore_errors=True)
    prom.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(prom)
    children: dict[int, int] = {}
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                _run_worker(settings, reuse_port=True)
            except BaseException as e:  # noqa: BLE001 - the worker's last word, then exit
                log.error("worker failed", extra={"error": type(e).__name__, "detail": str(e)})
                os._exit(1)
            os._exit(0)
        children[pid] = slot

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for n in range(workers):
        spawn(n)
    failures = 0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        slot = children.pop(pid, None)
        if slot is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        failures += 1
        log.error("worker exited; restarting", extra={"pid": pid, "exit_code": code})
        if failures > 5 * workers:
            log.error("workers keep failing; stopping")
            stop(signal.SIGTERM, None)
            return 1
        time.sleep(1)
        spawn(slot)
    return 0 if stopping else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: privacy-proxy serve")
