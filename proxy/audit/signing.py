"""Ed25519 checkpoint signing keys with rotation, and checkpoint bodies.

The key directory holds ``keys.json`` (every public key ever used, with its validity window:
``not_before`` and ``not_after``, null while current) and the current private key
``<key_id>.pem`` (0600). ``rotate`` closes the current key's window, writes a new key and deletes
the old private key, so old checkpoints still verify (against the public key valid at their time)
but nobody can sign new ones with the old key. Processes sharing the directory pick up a rotation
at their next signature. A checkpoint is the RFC 8785 form of
``{origin, size, root, time, key_id, reason}`` signed as is.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from proxy.audit.records import canonical, parse_time, rfc3339
from proxy.audit.types import AuditError

CLOCK_SKEW_S = 120.0


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    public_key: bytes
    not_before: str
    not_after: str | None

    def valid_at(self, t: str) -> bool:
        """Whether a checkpoint signed at ``t`` falls in this key's window, give or take
        ``CLOCK_SKEW_S`` (replicas' clocks disagree a little)."""
        ts = parse_time(t)
        if ts < parse_time(self.not_before) - CLOCK_SKEW_S:
            return False
        return self.not_after is None or ts <= parse_time(self.not_after) + CLOCK_SKEW_S

    def as_json(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "public_key": base64.b64encode(self.public_key).decode(),
            "not_before": self.not_before,
            "not_after": self.not_after,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PublicKey:
        return cls(d["key_id"], base64.b64decode(d["public_key"]), d["not_before"], d["not_after"])


def key_id_of(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()[:16]


def load_public_keys(path: Path) -> list[PublicKey]:
    """Public keys from a ``keys.json`` (the key directory's, or one exported from it)."""
    try:
        data = json.loads(path.read_text())
        return [PublicKey.from_json(k) for k in data["keys"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise AuditError(f"cannot read public keys from {path}: {type(e).__name__}") from e


def checkpoint_body(origin: str, size: int, root: bytes, t: str, key_id: str, reason: str) -> bytes:
    return canonical(
        {
            "origin": origin,
            "size": size,
            "root": root.hex(),
            "time": t,
            "key_id": key_id,
            "reason": reason,
        }
    )


SignatureStatus = Literal["ok", "forged_signature", "unknown_key", "malformed"]


def check_signature(
    keys: list[PublicKey], body: bytes, signature: bytes
) -> tuple[SignatureStatus, dict[str, Any] | None]:
    """The signature's status and the parsed body of one checkpoint."""
    try:
        cp = json.loads(body)
        key_id, t = cp["key_id"], cp["time"]
        parse_time(t)
    except (ValueError, KeyError, TypeError):
        return "malformed", None
    key = next((k for k in keys if k.key_id == key_id), None)
    if key is None or not key.valid_at(t):
        return "unknown_key", cp
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(signature, body)
    except InvalidSignature:
        return "forged_signature", cp
    return "ok", cp


class KeyRing:
    """The signing side: current private key plus the public key history, in one directory."""

    def __init__(self, key_dir: Path, clock: Callable[[], float] = time.time) -> None:
        self.dir = key_dir
        self.clock = clock
        self._mtime: float | None = None
        self._current: tuple[str, Ed25519PrivateKey] | None = None
        self._keys: list[PublicKey] = []

    @property
    def _index(self) -> Path:
        return self.dir / "keys.json"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.dir / ".lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def ensure(self) -> None:
        """Create the first key if the directory has none, then load."""
        with self._locked():
            if not self._index.exists():
                self._new_key([], self.clock())
        self.load()

    def load(self) -> None:
        try:
            mtime = self._index.stat().st_mtime
            keys = load_public_keys(self._index)
            cur = next((k for k in keys if k.not_after is None), None)
            if cur is None:
                raise AuditError("signing key directory has no current key")
            pem = (self.dir / f"{cur.key_id}.pem").read_bytes()
            priv = serialization.load_pem_private_key(pem, password=None)
        except OSError as e:
            raise AuditError(f"cannot load signing keys from {self.dir}") from e
        if not isinstance(priv, Ed25519PrivateKey):
            raise AuditError("signing key is not Ed25519")
        self._keys, self._current, self._mtime = keys, (cur.key_id, priv), mtime

    def _refresh(self) -> None:
        try:
            mtime = self._index.stat().st_mtime
        except OSError as e:
            raise AuditError("signing key index disappeared") from e
        if mtime != self._mtime:
            self.load()

    def public_keys(self) -> list[PublicKey]:
        self._refresh()
        return list(self._keys)

    def sign(self, origin: str, size: int, root: bytes, t: str, reason: str) -> dict[str, Any]:
        self._refresh()
        assert self._current is not None
        key_id, priv = self._current
        body = checkpoint_body(origin, size, root, t, key_id, reason)
        return {"size": size, "key_id": key_id, "body": body, "signature": priv.sign(body)}

    def rotate(self, now: float | None = None) -> str:
        """Close the current key's window, start a new key; returns the new key id."""
        now = self.clock() if now is None else now
        with self._locked():
            keys = load_public_keys(self._index) if self._index.exists() else []
            old = [k for k in keys if k.not_after is None]
            closed = [
                PublicKey(k.key_id, k.public_key, k.not_before, rfc3339(now))
                if k.not_after is None
                else k
                for k in keys
            ]
            new_id = self._new_key(closed, now)
            for k in old:
                (self.dir / f"{k.key_id}.pem").unlink(missing_ok=True)
        self.load()
        return new_id

    def _new_key(self, keys: list[PublicKey], now: float) -> str:
        priv = Ed25519PrivateKey.generate()
        raw = priv.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        kid = key_id_of(raw)
        pem = priv.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(self.dir / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        keys = [*keys, PublicKey(kid, raw, rfc3339(now), None)]
        tmp = self._index.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": [k.as_json() for k in keys]}, indent=2))
        os.replace(tmp, self._index)
        return kid
