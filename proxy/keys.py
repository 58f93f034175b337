"""Local secrets for the embedded defaults: created once, 0600, never logged."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path


def load_or_create_secret(path: Path, nbytes: int = 32) -> bytes:
    """Read a hex secret from ``path``; create it first if missing (safe across processes)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(nbytes))
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)  # atomic: the first writer wins, the others read its value
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    value = path.read_text().strip()
    if not value:
        raise ValueError(f"secret file {path} is empty")
    return bytes.fromhex(value)
