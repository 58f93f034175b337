"""What runs inside a detection worker process (one ``Engine`` per process)."""

from __future__ import annotations

import os
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from proxy.detect.engine import Engine, EngineConfig

WARMUP_TEXT = "Hi, I am Anna Schmidt, anna.schmidt@example.com, +49 30 901820. Merci, Marie Dupont."


def _exit_with_parent(parent: int) -> None:
    """A worker whose serving process is gone (killed, or exited without shutting the pool down)
    exits too, instead of idling on with its memory and the parent's stdout and stderr."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def serve(conn: Connection, cfg: EngineConfig) -> None:
    """The worker's loop (``proxy.detect.pool``): load the models, say ready, then answer each
    ``("analyze", texts, corrections, keys)`` with ``("ok", spans)`` or
    ``("error", exception type)`` until the serving process sends ``None`` or closes its end."""
    threading.Thread(
        target=_exit_with_parent, args=(os.getppid(),), daemon=True, name="exit-with-parent"
    ).start()
    engine = Engine(cfg)
    engine.analyze_batch([WARMUP_TEXT])
    try:
        conn.send(("ready", os.getpid()))
    except OSError:  # the serving process stopped while the models loaded
        return
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            break
        if msg is None:
            break
        _, texts, corrections, keys = msg
        reply: tuple[str, Any]
        try:
            reply = ("ok", engine.analyze_batch(texts, corrections, keys))
        except Exception as e:  # the type only: the message could quote the text
            reply = ("error", type(e).__name__)
        try:
            conn.send(reply)
        except OSError:
            break
