"""What runs inside a detection worker process (one ``Engine`` per process)."""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from proxy.detect import wire
from proxy.detect.corrections import Corrections
from proxy.detect.engine import Engine, EngineConfig

WARMUP_TEXT = "Hi, I am Anna Schmidt, anna.schmidt@example.com, +49 30 901820. Merci, Marie Dupont."

Group = tuple[list[str], list[str | None]]  # one request's texts in a job, and their key paths


def _exit_with_parent(parent: int) -> None:
    """A worker whose serving process is gone (killed, or exited without shutting the pool down)
    exits too, instead of idling on with its memory and the parent's stdout and stderr."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def analyze(engine: Engine, groups: list[Group], corrections: Corrections | None) -> list[Any]:
    """Each group's spans (``("ok", spans per text)``) or failure (``("error", exception type)``).
    The groups are analyzed in one batch (spaCy is faster on a batch); if that fails, each group
    alone, so one request's poisonous text fails that request only."""
    try:
        texts = [t for g, _ in groups for t in g]
        keys = [k for _, ks in groups for k in ks]
        spans = engine.analyze_batch(texts, corrections, keys)
    except Exception:  # noqa: BLE001 - the groups are tried one by one below
        if len(groups) == 1:
            return [_alone(engine, groups[0], corrections)]
        return [_alone(engine, g, corrections) for g in groups]
    out: list[Any] = []
    pos = 0
    for g, _ in groups:
        out.append(("ok", spans[pos : pos + len(g)]))
        pos += len(g)
    return out


def _alone(engine: Engine, group: Group, corrections: Corrections | None) -> Any:
    try:
        return ("ok", engine.analyze_batch(group[0], corrections, group[1]))
    except Exception as e:  # noqa: BLE001 - the type only: the message could quote the text
        return ("error", type(e).__name__)


def serve(sock: socket.socket, cfg: EngineConfig) -> None:
    """The worker's loop (``proxy.detect.pool``): load the models, say ready, then answer each
    ``("analyze", groups, corrections)`` with ``("done", results per group)`` (``analyze``) until
    the serving process sends ``None`` or closes its end. Messages travel as ``proxy.detect.wire``
    frames, whatever their size."""
    threading.Thread(
        target=_exit_with_parent, args=(os.getppid(),), daemon=True, name="exit-with-parent"
    ).start()
    sock.setblocking(True)
    engine = Engine(cfg)
    engine.analyze_batch([WARMUP_TEXT])
    try:
        wire.send(sock, ("ready", os.getpid()))
    except OSError:  # the serving process stopped while the models loaded
        return
    while True:
        try:
            msg = wire.recv(sock)
        except (EOFError, OSError):
            break
        if msg is None:
            break
        _, groups, corrections = msg
        try:
            wire.send(sock, ("done", analyze(engine, groups, corrections)))
        except OSError:
            break
