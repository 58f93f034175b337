"""The policy directory: Rego modules and data documents, their revision, and a cheap change check.

Layout (the same one ``opa run -s DIR`` and ``opa test DIR`` read): every ``*.rego`` file is a
module; every ``data.json`` is a base document placed under ``data`` at its directory's path
(``policies/data.json`` is ``data``, ``policies/a/b/data.json`` is ``data.a.b``). ``*_test.rego``
files are tests: they are not part of the compiled policy nor of its revision.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxy.decide.types import PolicyError

TEST_SUFFIX = "_test.rego"


@dataclass(frozen=True, slots=True)
class PolicySources:
    """Everything one compilation needs: modules by relative path, the merged data document."""

    root: Path
    modules: dict[str, str]
    data: dict[str, Any]
    tests: dict[str, str]
    revision: str


def _files(root: Path) -> list[Path]:
    """Policy files under ``root``. Links are followed and dot-directories skipped: a Kubernetes
    ConfigMap volume is ``privacy -> ..data/privacy`` with ``..data`` swapped on update."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".rego") or name == "data.json":
                found.append(Path(dirpath) / name)
    return found


def fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """A cheap summary (names, sizes, mtimes) that changes when any policy file changes."""
    out = []
    for p in _files(root):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        out.append((str(p), st.st_size, st.st_mtime_ns))
    return tuple(out)


def load_sources(root: Path) -> PolicySources:
    """Read the policy directory; raises PolicyError when it is missing, empty or unreadable."""
    if not root.is_dir():
        raise PolicyError("policy_missing", f"policy directory not found: {root}")
    modules: dict[str, str] = {}
    tests: dict[str, str] = {}
    data: dict[str, Any] = {}
    digest = hashlib.sha256()
    for p in _files(root):
        rel = p.relative_to(root).as_posix()
        try:
            raw = p.read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise PolicyError("policy_invalid", f"cannot read policy file {rel}: {e}") from e
        if rel.endswith(TEST_SUFFIX):
            tests[rel] = text
            continue
        # Trailing newlines do not count: Helm's ``|-`` strips them from ConfigMap values, and
        # the revision should match between a checkout and a cluster.
        body = raw.rstrip(b"\n")
        digest.update(f"{rel}\0{len(body)}\0".encode())
        digest.update(body)
        if p.name == "data.json":
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as e:
                raise PolicyError("policy_invalid", f"{rel} is not valid JSON: {e}") from e
            _merge(data, p.parent.relative_to(root).parts, doc, rel)
        else:
            modules[rel] = text
    if not modules:
        raise PolicyError("policy_missing", f"no .rego files under {root}")
    return PolicySources(root, modules, data, tests, digest.hexdigest()[:16])


def _merge(data: dict[str, Any], parts: tuple[str, ...], doc: Any, rel: str) -> None:
    node = data
    for part in parts:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise PolicyError("policy_invalid", f"{rel} conflicts with another data document")
    if not isinstance(doc, dict):
        raise PolicyError("policy_invalid", f"{rel} must hold an object")
    for key, value in doc.items():
        if key in node:
            raise PolicyError("policy_invalid", f"{rel}: key {key!r} is defined twice")
        node[key] = value
