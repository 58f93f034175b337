"""Render the Helm chart offline with Helm's own Go SDK (helm-python-sdk): no helm, no cluster.

``SCENARIOS`` maps a name to user values: ``default`` (only what every install must give: the digest
of the proxy image that was pushed) and every ``ci/*-values.yaml``. ``rendered(name)`` gives that
scenario's objects (NOTES.txt left out), rendered once per session.
"""

from __future__ import annotations

import functools
import json
import secrets
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from proxy.config import hash_key

ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = ROOT / "helm" / "privacy-proxy"
RELEASE = "pp"
NAMESPACE = "privacy"

PROXY_DIGEST = "sha256:" + "0" * 63 + "1"
MINIMAL: dict[str, Any] = {"proxy": {"image": {"digest": PROXY_DIGEST}}}
SCENARIOS: dict[str, dict[str, Any]] = {"default": MINIMAL} | {
    p.name.removesuffix("-values.yaml"): yaml.safe_load(p.read_text()) or {}
    for p in sorted((CHART_DIR / "ci").glob("*-values.yaml"))
}

helm.disable_logging()


@functools.cache
def load_chart() -> helm.Chart:
    return helm.Chart.load(CHART_DIR)


def merged(base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` over ``base``, maps merged key by key (as Helm merges values files)."""
    out = dict(base)
    for k, v in values.items():
        out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def render_objects(values: dict[str, Any], name: str = RELEASE) -> list[dict[str, Any]]:
    """Render the chart (with ``MINIMAL`` under ``values``) and parse every manifest into
    objects, in a stable order."""
    out = load_chart().render(merged(MINIMAL, values), name=name, namespace=NAMESPACE,
                              is_install=True)
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


def container(
    objs: list[dict[str, Any]], name: str, deployment: str = f"{RELEASE}-privacy-proxy"
) -> Any:
    spec = one(objs, "Deployment", deployment)["spec"]["template"]["spec"]
    every = spec["containers"] + spec.get("initContainers", [])  # native sidecars are init ones
    return spec, next(c for c in every if c["name"] == name)


def materialize_mounts(
    objs: list[dict[str, Any]], name: str, root: Path, deployment: str = f"{RELEASE}-privacy-proxy"
) -> dict[str, Path]:
    """Lay out a container's volumes as the kubelet would, under ``root`` instead of ``/``:
    ConfigMap volumes (with their ``items``) become files, other volumes empty directories.
    Returns mount path -> local directory or file."""
    spec, c = container(objs, name, deployment)
    configmaps = {o["metadata"]["name"]: o["data"] for o in by_kind(objs, "ConfigMap")}
    volumes = {v["name"]: v for v in spec["volumes"]}
    out: dict[str, Path] = {}
    for m in c.get("volumeMounts", []):
        target = root / m["mountPath"].lstrip("/")
        out[m["mountPath"]] = target
        vol = volumes[m["name"]]
        if "configMap" not in vol:
            target.mkdir(parents=True, exist_ok=True)
            continue
        data = configmaps[vol["configMap"]["name"]]
        if "subPath" in m:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(data[m["subPath"]])
            continue
        for item in vol["configMap"].get("items") or [{"key": k, "path": k} for k in data]:
            f = target / item["path"]
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(data[item["key"]])
    return out


def materialize_proxy_pod(
    objs: list[dict[str, Any]], root: Path, secrets: dict[str, dict[str, str]]
) -> tuple[Path, dict[str, str]]:
    """The proxy container as the kubelet would start it, under ``root`` instead of ``/``.

    Volumes are laid out by ``materialize_mounts``, Secret keys referenced by the container's env
    become variables (a missing non-optional key raises, as the pod would not start), and every
    path in config.yaml under a mount point is moved under ``root``. Returns (config path, env).
    """
    mounts = materialize_mounts(objs, "proxy", root)
    _, proxy = container(objs, "proxy")

    def relocate(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: relocate(v) for k, v in node.items()}
        if isinstance(node, list):
            return [relocate(v) for v in node]
        if isinstance(node, str) and node.startswith("/"):
            for mp in mounts:
                if node == mp or node.startswith(mp.rstrip("/") + "/"):
                    return str(root / node.lstrip("/"))
        return node

    config_path = root / "etc" / "privacy-proxy" / "config.yaml"
    config = relocate(yaml.safe_load(config_path.read_text()))
    config_path.write_text(yaml.safe_dump(config))
    env: dict[str, str] = {}
    for e in proxy.get("env", []):
        if "value" in e:
            env[e["name"]] = e["value"]
            continue
        ref = e["valueFrom"]["secretKeyRef"]
        value = secrets.get(ref["name"], {}).get(ref["key"])
        if value is None:
            if ref.get("optional"):
                continue
            raise LookupError(
                f"Secret {ref['name']} has no key {ref['key']}: the pod would not start"
            )
        env[e["name"]] = value
    return config_path, env


def fake_secrets(tenants: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """What an operator puts in the Secrets the chart references (test values, no real secrets)."""
    return {
        "pp-privacy-proxy-secrets": {
            "postgres-dsn": "postgresql://postgres@127.0.0.1:5432/test",
            "audit-hmac-key": secrets.token_hex(32),
            "pseudonym-key": secrets.token_hex(32),
            "external-api-key": "sk-fake-provider",
            "tenants.json": json.dumps(tenants),
            "admin-keys.json": json.dumps([hash_key("sk-helm-admin")]),
        },
        "model-api-key": {"api-key": secrets.token_hex(16)},
        "pp-privacy-proxy-model-api-key": {"api-key": secrets.token_hex(16)},
        "pp-privacy-proxy-postgresql": {"password": secrets.token_hex(16)},
    }
