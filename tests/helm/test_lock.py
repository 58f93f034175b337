"""The lock files that `make` and the proxy image install from agree with pyproject.toml: every
declared dependency is locked at a version its specifier accepts, every locked file has a hash,
and the runtime versions are the same for the image and for the test environment. A dependency
added without `make lock` fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.helm.conftest import ROOT

REQS = ROOT / "requirements"


def _locked(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of a `uv pip compile --generate-hashes` file."""
    out: dict[str, tuple[str, list[str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if m:
            current = canonicalize_name(m.group(1))
            out[current] = (m.group(2), [])
        elif current and (h := re.search(r"--hash=(sha256:[0-9a-f]{64})", line)):
            out[current][1].append(h.group(1))
        elif not line.startswith(" "):
            current = None
    return out


def _declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    dev = [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return runtime, dev


@pytest.mark.parametrize("name", ["runtime.txt", "dev.txt", "build.txt", "tools.txt"])
def test_every_locked_package_is_pinned_with_hashes(name: str) -> None:
    locked = _locked(REQS / name)
    assert locked
    for pkg, (version, hashes) in locked.items():
        assert hashes, f"{name}: {pkg}=={version} has no hash"
    assert "make lock" in (REQS / name).read_text()[:200], "written by `make lock`"


def test_pyproject_dependencies_are_locked_at_accepted_versions() -> None:
    runtime, dev = _declared()
    runtime_lock, dev_lock = _locked(REQS / "runtime.txt"), _locked(REQS / "dev.txt")
    missing = []
    for lock, reqs in ((runtime_lock, runtime), (dev_lock, runtime + dev)):
        for req in reqs:
            if req.marker is not None and not req.marker.evaluate({"sys_platform": "linux"}):
                continue
            pinned = lock.get(canonicalize_name(req.name))
            if pinned is None or not req.specifier.contains(pinned[0], prereleases=True):
                missing.append(f"{req} ({pinned[0] if pinned else 'not locked'})")
    assert missing == [], "run `make lock`: " + ", ".join(missing)


def test_the_image_and_the_tests_run_the_same_runtime_versions() -> None:
    runtime_lock, dev_lock = _locked(REQS / "runtime.txt"), _locked(REQS / "dev.txt")
    differ = {p: (v, dev_lock.get(p, ("absent",))[0]) for p, (v, _) in runtime_lock.items()
              if dev_lock.get(p, ("",))[0] != v}
    assert differ == {}


def test_llama_cpp_python_is_locked_by_its_sdist_hash() -> None:
    """The one package built from source: its sdist's hash, which pip also keys its wheel cache
    on (a rebuild is reused by the next set-up)."""
    version, hashes = _locked(REQS / "dev.txt")["llama-cpp-python"]
    _, runtime_hashes = _locked(REQS / "runtime.txt")["llama-cpp-python"]
    assert hashes == runtime_hashes and len(hashes) >= 1
    assert f"llama-cpp-python=={version}" in (ROOT / "pyproject.toml").read_text()
