"""A ConfigMap volume laid out exactly as the kubelet lays it out (pkg/volume/util AtomicWriter).

``write(target, payload)`` projects ``{path: bytes}`` into ``target`` the way ``AtomicWriter.Write``
does: the files go into a new timestamped directory ``..YYYY_MM_DD_HH_MM_SS.<random>`` (UTC, made
with ``MkdirTemp``, mode 0755), a ``..data_tmp`` link to it is renamed over ``..data`` (atomic),
each top-level entry of the payload is a relative link ``name -> ..data/name``, visible paths no
longer in the payload are removed, then the previous timestamped directory. Called again with a new
payload it performs the same update a changed ConfigMap gets.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

DATA_DIR = "..data"
NEW_DATA_DIR = "..data_tmp"


def write(target: Path, payload: dict[str, bytes], mode: int = 0o644) -> Path:
    """Project ``payload`` into ``target``; returns the new timestamped directory."""
    for path in payload:
        parts = Path(path).parts
        assert path and not Path(path).is_absolute() and ".." not in parts, path
        assert not parts[0].startswith(".."), path
    target.mkdir(parents=True, exist_ok=True)
    data_dir = target / DATA_DIR
    old = os.readlink(data_dir) if data_dir.is_symlink() else ""
    ts_dir = Path(
        tempfile.mkdtemp(dir=target, prefix=time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime()))
    )
    ts_dir.chmod(0o755)
    for path, content in payload.items():
        full = ts_dir / path
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(content)
        full.chmod(mode)
    tmp_link = target / NEW_DATA_DIR
    tmp_link.symlink_to(ts_dir.name)
    os.rename(tmp_link, data_dir)
    visible = {Path(path).parts[0] for path in payload}
    for name in sorted(visible):
        link = target / name
        if not link.is_symlink():
            link.symlink_to(f"{DATA_DIR}/{name}")
    for entry in os.listdir(target):
        if not entry.startswith("..") and entry not in visible:
            (target / entry).unlink()
    if old:
        shutil.rmtree(target / old)
    return ts_dir


def configmap_payload(
    data: dict[str, str], items: list[dict[str, str]] | None = None
) -> dict[str, bytes]:
    """What a ConfigMap volume projects: every key as a file, or the listed ``items``."""
    chosen = items or [{"key": k, "path": k} for k in data]
    return {item["path"]: data[item["key"]].encode() for item in chosen}
