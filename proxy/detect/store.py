"""Where a tenant's corrections live: the config file, plus runtime changes made through the admin
API, kept in ``<data_dir>/detection/corrections.json`` so that every serving process sees them.

Writes take an exclusive ``flock`` on a sibling lock file, write a temporary file, fsync it and
``os.replace`` it over the old one; readers notice a change by the file's stat signature and
reload. The effective corrections of a tenant are the union of its config and runtime entries.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from pathlib import Path

from proxy.config import Settings, TenantConfig
from proxy.detect.corrections import Corrections, compile_pattern
from proxy.detect.types import DetectionError

MAX_ENTRIES = 1000
MAX_LEN = 200


def from_config(tenant: TenantConfig) -> Corrections:
    c = tenant.corrections
    return Corrections(tuple(c.allow), tuple(c.deny_terms), tuple(c.deny_patterns))


def validate(c: Corrections) -> None:
    """Raise ``ValueError`` if a list is too long, an entry empty or too long, a pattern invalid."""
    for name, values in (
        ("allow", c.allow),
        ("deny_terms", c.deny_terms),
        ("deny_patterns", c.deny_patterns),
    ):
        if len(values) > MAX_ENTRIES:
            raise ValueError(f"{name}: at most {MAX_ENTRIES} entries")
        for v in values:
            if not isinstance(v, str) or not v.strip() or len(v) > MAX_LEN:
                raise ValueError(
                    f"{name}: entries must be non-empty strings of at most {MAX_LEN} characters"
                )
    for p in c.deny_patterns:
        rx = compile_pattern(p)
        if rx.search("") is not None:
            raise ValueError("invalid deny pattern: it matches the empty string")


class CorrectionsStore:
    def __init__(self, settings: Settings) -> None:
        self.dir = Path(settings.server.data_dir) / "detection"
        self.path = self.dir / "corrections.json"
        self.config = {t.id: from_config(t) for t in settings.tenants}
        self._runtime: dict[str, Corrections] = {}
        self._sig: tuple[int, int, int] | None = None
        self._revision = ""
        self._lock = threading.Lock()

    def load(self) -> None:
        for tid, c in self.config.items():
            try:
                validate(c)
            except ValueError as e:
                raise DetectionError(f"tenants[{tid}].corrections: {e}") from None
        self._refresh(force=True)

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _refresh(self, force: bool = False) -> None:
        sig = self._signature()
        if sig == self._sig and not force:
            return
        with self._lock:
            runtime: dict[str, Corrections] = {}
            if sig is not None:
                try:
                    data = json.loads(self.path.read_text())
                    runtime = {
                        tid: Corrections(
                            tuple(v.get("allow", ())),
                            tuple(v.get("deny_terms", ())),
                            tuple(v.get("deny_patterns", ())),
                        )
                        for tid, v in data.get("tenants", {}).items()
                    }
                except (OSError, ValueError, AttributeError) as e:
                    raise DetectionError(f"cannot read {self.path}: {type(e).__name__}") from e
            self._runtime = runtime
            self._sig = sig
            h = hashlib.sha256()
            for tid in sorted(set(self.config) | set(runtime)):
                h.update(f"{tid}:{self.effective_by_id(tid).digest};".encode())
            self._revision = h.hexdigest()

    def revision(self) -> str:
        self._refresh()
        return self._revision

    def runtime(self, tenant_id: str) -> Corrections:
        self._refresh()
        return self._runtime.get(tenant_id, Corrections())

    def effective_by_id(self, tenant_id: str) -> Corrections:
        return self.config.get(tenant_id, Corrections()).union(
            self._runtime.get(tenant_id, Corrections())
        )

    def effective(self, tenant: TenantConfig) -> Corrections:
        self._refresh()
        return from_config(tenant).union(self._runtime.get(tenant.id, Corrections()))

    def put(self, tenant_id: str, new: Corrections) -> Corrections:
        """Replace the tenant's runtime corrections; returns the previous ones."""
        validate(new)
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "corrections.lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = json.loads(self.path.read_text()) if self.path.exists() else {}
                tenants = data.setdefault("tenants", {})
                old = tenants.get(tenant_id, {})
                if new.empty:
                    tenants.pop(tenant_id, None)
                else:
                    tenants[tenant_id] = new.as_dict()
                tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
                with open(tmp, "w") as f:
                    json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
                dfd = os.open(self.dir, os.O_RDONLY)
                try:
                    os.fsync(dfd)
                finally:
                    os.close(dfd)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        self._refresh(force=True)
        return Corrections(
            tuple(old.get("allow", ())),
            tuple(old.get("deny_terms", ())),
            tuple(old.get("deny_patterns", ())),
        )
