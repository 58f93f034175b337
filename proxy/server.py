"""Serving on every core: ``server.workers`` processes share the port through SO_REUSEPORT.

The parent forks the workers before any event loop, thread or model exists, restarts a worker that
dies, and forwards SIGTERM/SIGINT (and SIGHUP: reload the TLS certificate now). Each worker builds
its own app (detector pool, policy engine, audit writer, backends); the audit store keeps one
contiguous log across them. Each worker serves the client port (HTTPS when ``server.tls`` names a
certificate, reloaded on change) and the metrics port, where any worker answers for all of them.
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
    from proxy.metrics import metrics_listener
    from proxy.tls import ServerTLS

    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # only a TLS listener has a use for it
    tls = ServerTLS(settings.server.tls) if settings.server.tls.enabled else None
    app = create_app(settings)
    if settings.metrics.enabled:
        host = settings.metrics.host or settings.server.host
        app.cleanup_ctx.insert(0, metrics_listener(host, settings.metrics.port,
                                                   reuse_port=reuse_port))
    if tls is not None:
        app.cleanup_ctx.append(tls.cleanup_ctx)

    async def ignore_further_signals(_app: web.Application) -> None:
        # Shutdown has begun: a second SIGTERM (a process-group kill, then the parent's
        # forward) must not cut short the audit log's final commit and stop checkpoint.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_IGN)

    app.on_shutdown.append(ignore_further_signals)
    web.run_app(app, host=settings.server.host, port=settings.server.port,
                ssl_context=tls.context if tls else None,
                reuse_port=reuse_port, access_log=None, print=None, handle_signals=True,
                shutdown_timeout=10)


def serve(settings: Settings) -> int:
    from proxy import logs
    from proxy.keys import load_or_create_secret

    logs.setup(settings.server.log_level)
    any_port = settings.server.port == 0 or (settings.metrics.enabled
                                             and settings.metrics.port == 0)
    workers = 1 if any_port else settings.server.workers  # a port of their own each otherwise
    settings.server.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.pseudonym.key is None:  # created once, before the workers share it
        load_or_create_secret(settings.server.data_dir / "pseudonym.key")
    if workers > 1:
        prom = settings.server.data_dir / "prometheus"
        shutil.rmtree(prom, ignore_errors=True)
        prom.mkdir(parents=True)
        # Set before prometheus_client is first imported: it picks the value class then.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(prom)
    if settings.server.tls.enabled:
        from proxy.tls import TLSError, check

        try:
            check(settings.server.tls)
        except TLSError as e:
            raise SystemExit(str(e)) from None
    scheme = "https" if settings.server.tls.enabled else "http"
    log.info("starting privacy-proxy", extra={
        "url": f"{scheme}://{settings.server.host}:{settings.server.port}/v1", "workers": workers,
        "metrics": f"{settings.metrics.host or settings.server.host}:{settings.metrics.port}"
        if settings.metrics.enabled else None})
    if workers == 1:
        _run_worker(settings, reuse_port=False)
        return 0
    from prometheus_client import multiprocess

    children: dict[int, int] = {}
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            try:
                _run_worker(settings, reuse_port=True)
            except BaseException as e:  # noqa: BLE001 - the worker's last word, then exit
                log.error("worker failed", extra={"error": type(e).__name__, "detail": str(e)})
                os._exit(1)
            os._exit(0)
        children[pid] = slot

    def forward(signum: int, _frame: object) -> None:
        for pid in list(children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        forward(signal.SIGTERM, frame)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, forward)
    for slot in range(workers):
        spawn(slot)
    failures = 0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        gone = children.pop(pid, None)
        # Its live gauges no longer count.
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
        if gone is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status)
        failures += 1
        log.error("worker exited; restarting", extra={"pid": pid, "exit_code": code})
        if failures > 5 * workers:
            log.error("workers keep failing; stopping")
            stop(signal.SIGTERM, None)
            return 1
        time.sleep(1)
        spawn(gone)
    return 0 if stopping else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: privacy-proxy serve")
