"""audit stage: every decision as a leaf of an RFC 9162 Merkle tree with signed checkpoints.

``open_audit_log(settings)`` gives the ``AuditLog`` the request path uses (call ``start()`` at app
startup and ``close()`` at cleanup). Records hold no raw values: the request path puts
``audit_log.digest(value)`` in ``value_digests``. Layout: ``records`` (leaf format, digests),
``merkle`` (hashing, proofs), ``signing`` (checkpoint keys), ``sequencer`` (numbering and
checkpoints inside a store's lock), ``store`` (the Store contract), ``stores`` (the registry of
stores by name), ``sqlite``/``postgres`` (the stores), ``log`` (group commit),
``verify``, ``export``, ``cli``, ``admin``.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable

from proxy.audit.log import MerkleAuditLog
from proxy.audit.records import Digester
from proxy.audit.sequencer import Sequencer
from proxy.audit.signing import KeyRing
from proxy.audit.store import Store
from proxy.audit.stores import STORES
from proxy.audit.types import AuditError, AuditLog
from proxy.config import Settings

log = logging.getLogger(__name__)

__all__ = ["AuditError", "AuditLog", "MerkleAuditLog", "open_audit_log", "open_store"]


def open_store(
    settings: Settings, clock: Callable[[], float] = time.time, *, sign: bool = True
) -> Store:
    """The configured store (not yet opened), with its sequencer and signing keys. With
    ``sign=False`` (readers: verify, exports) no signing key is created or loaded."""
    cfg = settings.audit
    keyring = KeyRing(settings.signing_key_dir, clock)
    if sign:
        keyring.ensure()
    seq = Sequencer(cfg.origin, keyring, cfg.checkpoint_every, cfg.checkpoint_interval_s, clock)
    module = importlib.import_module(STORES[cfg.store])
    from_settings: Callable[[Settings, Sequencer], Store] = module.from_settings
    return from_settings(settings, seq)


def open_audit_log(settings: Settings, *, clock: Callable[[], float] = time.time) -> MerkleAuditLog:
    """The audit log for these settings; ``await log.start()`` before the first append."""
    cfg = settings.audit
    key = cfg.hmac_key.get_secret_value() if cfg.hmac_key else None
    if key is None and cfg.store == "postgres":
        log.warning(
            "audit.hmac_key is not set: value digests use a key of this replica's data_dir, so "
            "subject exports will not find records written by other replicas"
        )
    return MerkleAuditLog(
        open_store(settings, clock),
        Digester.from_settings(key, settings.server.data_dir),
        batch_max=cfg.batch_max,
        batch_wait_ms=cfg.batch_wait_ms,
        interval_s=cfg.checkpoint_interval_s,
        clock=clock,
    )
