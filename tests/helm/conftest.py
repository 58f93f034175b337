"""Render the Helm chart offline with Helm's own Go SDK (helm-python-sdk): no helm, no cluster.

``SCENARIOS`` maps a name to user values: ``default`` (no values) and every ``ci/*-values.yaml``.
``rendered(name)`` gives that scenario's objects (NOTES.txt left out), rendered once per session.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = ROOT / "helm" / "privacy-proxy"
RELEASE = "pp"
NAMESPACE = "privacy"

SCENARIOS: dict[str, dict[str, Any]] = {"default": {}} | {
    p.name.removesuffix("-values.yaml"): yaml.safe_load(p.read_text()) or {}
    for p in sorted((CHART_DIR / "ci").glob("*-values.yaml"))
}

helm.disable_logging()


@functools.cache
def load_chart() -> helm.Chart:
    return helm.Chart.load(CHART_DIR)


def render_objects(values: dict[str, Any], name: str = RELEASE) -> list[dict[str, Any]]:
    """Render the chart and parse every manifest into objects, in a stable order."""
    out = load_chart().render(values, name=name, namespace=NAMESPACE, is_install=True)
    objs: list[dict[str, Any]] = []
    for path in sorted(out):
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(out[path]):
            if doc:
                doc.setdefault("metadata", {}).setdefault("annotations", {})
                objs.append({**doc, "_template": path})
    return objs


@functools.cache
def _rendered(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(render_objects(SCENARIOS[name]))


def rendered(name: str) -> list[dict[str, Any]]:
    return list(_rendered(name))


def by_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] == kind]


def one(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_specs(objs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(object name, pod spec) for every workload and bare pod."""
    specs = []
    for o in objs:
        if o["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            specs.append((o["metadata"]["name"], o["spec"]["template"]["spec"]))
        elif o["kind"] == "Pod":
            specs.append((o["metadata"]["name"], o["spec"]))
    return specs


@pytest.fixture(params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest) -> str:
    return request.param
