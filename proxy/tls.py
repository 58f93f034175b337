"""TLS for the client listener, with the certificate and key reloaded from their files on change.

The listening ``ssl.SSLContext`` never changes; its SNI callback, which runs in every handshake
(with or without a server name), hands the connection the context of the newest chain. A changed
pair is loaded into a fresh context first, so a half-rotated or broken pair (a key that does not
match, a truncated file) is refused as a whole and the last good chain keeps being served.
Kubernetes updates a mounted Secret by swapping a symlink, so both files change at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from cryptography import x509

from proxy.config import TLSConfig

log = logging.getLogger("privacy_proxy.tls")

_VERSIONS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


class TLSError(Exception):
    """The certificate or key cannot be loaded; the message names the files, never their content."""


def load(cfg: TLSConfig) -> tuple[ssl.SSLContext, float]:
    """A server context holding the pair of ``cfg``, and the leaf certificate's expiry (Unix
    time)."""
    if cfg.cert_file is None or cfg.key_file is None:
        raise TLSError("server.tls needs cert_file and key_file")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = _VERSIONS[cfg.min_version]
    ctx.set_alpn_protocols(["http/1.1"])
    try:
        ctx.load_cert_chain(str(cfg.cert_file), str(cfg.key_file))
        leaf = x509.load_pem_x509_certificate(cfg.cert_file.read_bytes())
    except (OSError, ssl.SSLError, ValueError) as e:
        raise TLSError(f"server.tls: cannot load {cfg.cert_file} with {cfg.key_file}: "
                       f"{type(e).__name__}: {e}") from e
    return ctx, leaf.not_valid_after_utc.timestamp()


def check(cfg: TLSConfig) -> None:
    """Raise TLSError unless the pair loads (before serving starts)."""
    load(cfg)


class ServerTLS:
    """The client listener's TLS: ``context`` for the server, ``reload()`` when the files change."""

    def __init__(self, cfg: TLSConfig) -> None:
        from proxy.metrics import TLS_CERT_NOT_AFTER, TLS_RELOADS

        self._cfg = cfg
        self._expiry, self._reloads = TLS_CERT_NOT_AFTER, TLS_RELOADS
        fingerprint = self._fingerprint()
        self._current = self._load()  # raises: a server without its certificate does not start
        self._loaded = self._refused = fingerprint
        self.context = self._current
        self.context.sni_callback = self._select
        self._wake = asyncio.Event()

    def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in (self._cfg.cert_file, self._cfg.key_file):
            assert path is not None
            digest.update(path.read_bytes())
            digest.update(b"\0")
        return digest.hexdigest()

    def _load(self) -> ssl.SSLContext:
        ctx, not_after = load(self._cfg)
        self._expiry.set(not_after)
        return ctx

    def _select(self, conn: ssl.SSLObject, _server_name: str | None, ctx: ssl.SSLContext) -> None:
        if self._current is not ctx:
            conn.context = self._current

    def reload(self) -> bool:
        """Load the files again if their content changed; True when a new chain is now served.
        A pair that does not load is logged, counted and left alone until the files change."""
        try:
            fingerprint = self._fingerprint()
        except OSError as e:
            return self._failed(e)
        if fingerprint in (self._loaded, self._refused):
            return False
        try:
            self._current = self._load()
        except TLSError as e:
            self._refused = fingerprint
            return self._failed(e.__cause__ or e)
        self._loaded = self._refused = fingerprint
        self._reloads.labels(result="loaded").inc()
        log.info("TLS certificate reloaded", extra={"cert_file": str(self._cfg.cert_file)})
        return True

    def _failed(self, e: BaseException) -> bool:
        self._reloads.labels(result="refused").inc()
        log.warning("TLS certificate not reloaded; the previous one is still served",
                    extra={"cert_file": str(self._cfg.cert_file), "error": type(e).__name__})
        return False

    async def watch(self) -> None:
        """Reload every ``reload_interval_s``, and at once on SIGHUP."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._cfg.reload_interval_s)
            self._wake.clear()
            await asyncio.to_thread(self.reload)

    async def cleanup_ctx(self, _app: Any) -> AsyncIterator[None]:
        """aiohttp cleanup context: the watcher runs while the application does."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self._wake.set)
        task = asyncio.create_task(self.watch())
        try:
            yield
        finally:
            loop.remove_signal_handler(signal.SIGHUP)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def client_context(ca_file: Path | None) -> ssl.SSLContext | bool:
    """The context that verifies an upstream server: the system's CAs, or ``ca_file``'s."""
    return ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
