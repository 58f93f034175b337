"""Per-text detection results, cached in process and shared on disk between serving processes.

Keys are keyed digests (HMAC-SHA256 with a secret created once under ``data_dir``) of the tenant,
the detector's revision and the text, so the disk holds no text and no plain digest of one that a
dictionary could match; values are offsets, entity types and scores (JSON, never pickles). A
conversation's earlier turns are then analyzed once, whichever serving process receives the next
turn. The shared cache is an optimization only: a read or write error counts as a miss.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
from collections import OrderedDict
from pathlib import Path

import diskcache  # type: ignore[import-untyped]

from proxy.detect.types import Span
from proxy.keys import load_or_create_secret

log = logging.getLogger(__name__)
Spans = tuple[Span, ...]


class ResultCache:
    """A bounded LRU in memory, backed by an optional ``diskcache`` shared by processes."""

    def __init__(self, size: int, shared_dir: Path | None, shared_mb: int) -> None:
        self.size = size
        self._mem: OrderedDict[str, Spans] = OrderedDict()
        self._shared_dir = shared_dir if shared_mb > 0 else None
        self._shared_mb = shared_mb
        self._disk: diskcache.Cache | None = None
        self._secret = secrets.token_bytes(32)

    def open(self) -> None:
        if self._shared_dir is not None and self._disk is None:
            self._secret = load_or_create_secret(self._shared_dir / "cache.key")
            self._disk = diskcache.Cache(
                str(self._shared_dir / "cache"),
                size_limit=self._shared_mb * 2**20,
                eviction_policy="least-recently-stored",
            )

    @property
    def shared(self) -> bool:
        return self._disk is not None

    def key(self, tenant: str, revision: str, text: str, field: str | None = None) -> str:
        """The cache key of a text (``field``: its key path in structured data, context that
        changes its spans)."""
        msg = f"{tenant}\0{revision}\0{field or ''}\0".encode() + text.encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()

    def get(self, key: str) -> Spans | None:
        hit = self._mem.get(key)
        if hit is not None:
            self._mem.move_to_end(key)
        return hit

    def put(self, key: str, spans: Spans) -> None:
        if self.size <= 0:
            return
        self._mem[key] = spans
        while len(self._mem) > self.size:
            self._mem.popitem(last=False)

    def get_shared(self, keys: list[str]) -> list[Spans | None]:
        """Reads only (microseconds each): callers may stay on the event loop."""
        if self._disk is None:
            return [None] * len(keys)
        out: list[Spans | None] = []
        try:
            for k in keys:
                raw = self._disk.get(k)
                out.append(None if raw is None else _decode(raw))
        except (OSError, sqlite3.Error, ValueError, TypeError) as e:
            log.warning("shared detection cache unreadable: %s", type(e).__name__)
            return [None] * len(keys)
        return out

    def put_shared(self, items: list[tuple[str, Spans]]) -> None:
        """Blocking (run it in an executor)."""
        if self._disk is None:
            return
        try:
            for k, spans in items:
                self._disk.set(k, _encode(spans))
        except (OSError, sqlite3.Error) as e:
            log.warning("shared detection cache unwritable: %s", type(e).__name__)

    def close(self) -> None:
        self._mem.clear()
        if self._disk is not None:
            self._disk.close()
            self._disk = None


def _encode(spans: Spans) -> str:
    return json.dumps([[s.start, s.end, s.entity_type, s.score] for s in spans])


def _decode(raw: str) -> Spans:
    return tuple(Span(int(a), int(b), str(t), float(sc)) for a, b, t, sc in json.loads(raw))
