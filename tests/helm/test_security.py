"""Security properties of every rendered object, for the default values and every ci scenario:
non-root containers with limits and no privileges, model pods without any egress, a proxy that may
reach only DNS, the model, PostgreSQL and the configured provider CIDRs, OPA's API closed to the
network, pinned images, and no secret value in any rendered object."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helm.conftest import SCENARIOS, by_kind, one, pod_specs, render_objects, rendered

SECRET_ENV = {
    "PRIVACY_PROXY_AUDIT__POSTGRES_DSN",
    "PRIVACY_PROXY_AUDIT__HMAC_KEY",
    "PRIVACY_PROXY_PSEUDONYM__KEY",
    "PRIVACY_PROXY_EXTERNAL__API_KEY",
    "PRIVACY_PROXY_TENANTS",
    "PRIVACY_PROXY_ADMIN__API_KEY_SHA256",
    "PRIVACY_PROXY_LOCAL__API_KEY",
}
SECRET_CONFIG_KEYS = {"postgres_dsn", "hmac_key", "api_key", "key"}


def _containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("initContainers", []) + spec["containers"]


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _policies_for(objs: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    """The NetworkPolicies that select pods with ``labels`` and allow something. A namespace
    default-deny (an empty selector, no rule) selects them too but allows nothing: policies add
    up, so it changes no allowance and is checked on its own."""
    found = []
    for p in by_kind(objs, "NetworkPolicy"):
        selector = p["spec"]["podSelector"].get("matchLabels", {})
        if not _matches(selector, labels):
            continue
        if not selector:
            assert "ingress" not in p["spec"] and "egress" not in p["spec"], p["metadata"]
            continue
        found.append(p)
    return found


def test_every_container_is_non_root_unprivileged_read_only_with_limits(scenario: str) -> None:
    objs = rendered(scenario)
    specs = pod_specs(objs)
    assert specs
    claims = {
        t["metadata"]["name"]: {"persistentVolumeClaim": {}}
        for o in by_kind(objs, "StatefulSet")
        for t in o["spec"].get("volumeClaimTemplates", [])
    }
    for name, spec in specs:
        pod_sc = spec["securityContext"]
        assert pod_sc["runAsNonRoot"] is True, name
        assert pod_sc["runAsUser"] > 0 and pod_sc["runAsGroup"] > 0, name
        assert pod_sc["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["automountServiceAccountToken"] is False, name
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC")
        for c in _containers(spec):
            where = f"{name}/{c['name']}"
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True and sc["runAsUser"] > 0, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["privileged"] is False, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["capabilities"] == {"drop": ["ALL"]}, where
            assert sc["seccompProfile"]["type"] == "RuntimeDefault", where
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), f"{where} {kind}"
            writable = {m["mountPath"] for m in c.get("volumeMounts", []) if not m.get("readOnly")}
            volumes = claims | {v["name"]: v for v in spec.get("volumes", [])}
            for m in c.get("volumeMounts", []):
                if not m.get("readOnly"):
                    v = volumes[m["name"]]
                    assert "emptyDir" in v or "persistentVolumeClaim" in v, f"{where} {m}"
            assert not any(p in {"/", "/etc", "/usr", "/app"} for p in writable), where


def test_model_pods_have_no_egress_at_all(scenario: str) -> None:
    objs = rendered(scenario)
    models = [o for o in by_kind(objs, "Deployment") if o["metadata"]["name"].endswith("-model")]
    if not models:
        assert SCENARIOS[scenario]["model"]["enabled"] is False
        return
    pod_labels = models[0]["spec"]["template"]["metadata"]["labels"]
    policies = _policies_for(objs, pod_labels)
    assert len(policies) == 1, "exactly one NetworkPolicy selects the model pods"
    spec = policies[0]["spec"]
    assert "Egress" in spec["policyTypes"] and spec["egress"] == []
    # Ingress only from the proxy pods, on the model port.
    proxy = one(objs, "Deployment", "pp-privacy-proxy")
    (rule,) = spec["ingress"]
    (peer,) = rule["from"]
    assert set(peer) == {"podSelector"}
    assert _matches(
        peer["podSelector"]["matchLabels"], proxy["spec"]["template"]["metadata"]["labels"]
    )
    assert not _matches(peer["podSelector"]["matchLabels"], pod_labels)


def test_proxy_egress_is_only_dns_model_postgres_and_provider_cidrs(scenario: str) -> None:
    values = SCENARIOS[scenario]
    objs = rendered(scenario)
    proxy = one(objs, "Deployment", "pp-privacy-proxy")
    labels = proxy["spec"]["template"]["metadata"]["labels"]
    (policy,) = _policies_for(objs, labels)
    spec = policy["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    rules = spec["egress"]
    for rule in rules:
        assert rule.get("to"), "an egress rule without `to` would allow every destination"
        assert rule.get("ports"), "an egress rule without ports would allow every port"
        for peer in rule["to"]:
            assert peer.get("ipBlock", {}).get("cidr") != "0.0.0.0/0"
    ports = [sorted((p["port"], p["protocol"]) for p in r["ports"]) for r in rules]
    assert ports[0] == [(53, "TCP"), (53, "UDP")]
    model_enabled = values.get("model", {}).get("enabled", True)
    expected = 1 + (1 if model_enabled or values["networkPolicy"].get("externalModel") else 0)
    bundled = values.get("postgresql", {}).get("enabled", False)
    postgres = values.get("networkPolicy", {}).get("postgres", [])
    expected += 1 if postgres or bundled else 0
    ext = values.get("externalProvider", {})
    cidrs = ext.get("egressCidrs", []) if ext.get("enabled", True) else []
    expected += 1 if cidrs else 0
    assert len(rules) == expected
    if cidrs:
        assert [p["ipBlock"]["cidr"] for p in rules[-1]["to"]] == cidrs
        assert rules[-1]["ports"] == [{"port": 443, "protocol": "TCP"}]
    if model_enabled:
        model = one(objs, "Deployment", "pp-privacy-proxy-model")
        (peer,) = rules[1]["to"]
        assert _matches(
            peer["podSelector"]["matchLabels"], model["spec"]["template"]["metadata"]["labels"]
        )


def test_proxy_ingress_is_restricted_when_sources_are_given() -> None:
    objs = rendered("locked-down")
    spec = one(objs, "NetworkPolicy", "pp-privacy-proxy")["spec"]
    rule, metrics = spec["ingress"]
    assert rule["ports"] == [{"port": 8080, "protocol": "TCP"}]
    # The metrics port, only from the monitoring namespace's Prometheus.
    assert metrics["ports"] == [{"port": 9464, "protocol": "TCP"}]
    assert metrics["from"] == SCENARIOS["locked-down"]["networkPolicy"]["metricsFrom"]
    sources = rule["from"]
    assert sources[0] == {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "apps"}}
    }
    test_pod = by_kind(objs, "Pod")[0]
    assert _matches(sources[1]["podSelector"]["matchLabels"], test_pod["metadata"]["labels"])


def test_opa_api_is_bound_to_localhost_and_read_only(scenario: str) -> None:
    proxy = one(rendered(scenario), "Deployment", "pp-privacy-proxy")
    opa = next(c for c in _containers(proxy["spec"]["template"]["spec"]) if c["name"] == "opa")
    args = opa["args"]
    assert "--addr=127.0.0.1:8181" in args
    assert "--authorization=basic" in args and "--disable-telemetry" in args
    assert [p["containerPort"] for p in opa["ports"]] == [8282]  # diagnostics only
    assert opa["readinessProbe"]["httpGet"]["path"] == "/health?bundles"
    cfg = yaml.safe_load(
        one(rendered(scenario), "ConfigMap", "pp-privacy-proxy-config")["data"]["config.yaml"]
    )
    assert cfg["policy"]["engine"] == "opa"
    assert cfg["policy"]["opa"]["url"] == "http://127.0.0.1:8181"


def test_no_secret_value_is_rendered(scenario: str) -> None:
    objs = rendered(scenario)
    assert by_kind(objs, "Secret") == [], "the chart never creates Secrets"
    for name, spec in pod_specs(objs):
        for c in _containers(spec):
            for env in c.get("env", []):
                if env["name"] == "PRIVACY_PROXY_AUDIT__POSTGRES_DSN" and "value" in env:
                    # The bundled database's DSN names no password (it comes from PGPASSWORD).
                    assert re.fullmatch(r"postgresql://\w+@[\w.-]+:5432/\w+", env["value"])
                    continue
                if env["name"] in SECRET_ENV or env["name"] == "PGPASSWORD":
                    assert set(env) == {"name", "valueFrom"}, f"{name}/{c['name']} {env['name']}"
                    assert "secretKeyRef" in env["valueFrom"]
                assert not re.search(r"(key|token|password|secret|dsn)", env["name"], re.I) or (
                    "valueFrom" in env
                ), f"{name}/{c['name']} {env['name']} is set inline"
    cfg = yaml.safe_load(one(objs, "ConfigMap", "pp-privacy-proxy-config")["data"]["config.yaml"])

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                assert k not in SECRET_CONFIG_KEYS, f"{path}.{k} is a secret in a ConfigMap"
                walk(v, f"{path}.{k}")
        elif isinstance(node, list):
            for item in node:
                walk(item, path)

    walk(cfg, "config")
    text = json.dumps([{k: v for k, v in o.items() if k != "_template"} for o in objs])
    assert not re.search(r"sk-[A-Za-z0-9]{8,}|postgres(ql)?://[^\s\"]*:[^\s\"]*@", text)


def test_secrets_are_referenced_by_name_from_values() -> None:
    objs = render_objects({"secrets": {"name": "my-secrets", "signingKeys": {"name": "my-keys"}}})
    spec = one(objs, "Deployment", "pp-privacy-proxy")["spec"]["template"]["spec"]
    refs = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in spec["containers"][0]["env"]
        if "valueFrom" in e
    }
    assert refs["PRIVACY_PROXY_AUDIT__POSTGRES_DSN"] == {
        "name": "my-secrets",
        "key": "postgres-dsn",
    }
    assert refs["PRIVACY_PROXY_TENANTS"]["name"] == "my-secrets"
    assert refs["PRIVACY_PROXY_ADMIN__API_KEY_SHA256"]["optional"] is True
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["signing-keys-secret"]["secret"]["secretName"] == "my-keys"
    # The private key is only ever copied to memory, never to the node's disk.
    assert volumes["signing-keys"]["emptyDir"]["medium"] == "Memory"


@pytest.mark.parametrize("with_ring", [True, False])
def test_signing_keys_init_container_copies_the_ring_or_refuses(
    tmp_path: Path, with_ring: bool
) -> None:
    """Runs the rendered init container's script here on a fake Secret mount."""
    spec = one(rendered("default"), "Deployment", "pp-privacy-proxy")["spec"]["template"]["spec"]
    init = next(c for c in spec["initContainers"] if c["name"] == "install-signing-keys")
    src, dst = tmp_path / "secret", tmp_path / "keys"
    src.mkdir()
    dst.mkdir()
    if with_ring:
        (src / "keys.json").write_text('{"keys": []}')
        (src / "abc123.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    env = {"PATH": os.environ["PATH"], "SRC": str(src), "DST": str(dst)}
    run = subprocess.run(
        init["command"] + init["args"], env=env, capture_output=True, text=True, timeout=30
    )
    if with_ring:
        assert run.returncode == 0, run.stderr
        assert sorted(p.name for p in dst.iterdir()) == ["abc123.pem", "keys.json"]
        assert all(p.stat().st_mode & 0o777 == 0o600 for p in dst.iterdir())
    else:
        assert run.returncode != 0 and "keys.json" in run.stderr
        assert list(dst.iterdir()) == []


def test_images_are_pinned_by_digest(scenario: str) -> None:
    opted_out = SCENARIOS[scenario].get("images", {}).get("requireDigest") is False
    for name, spec in pod_specs(rendered(scenario)):
        for c in _containers(spec):
            image = c["image"]
            ref, _, digest = image.partition("@")
            if digest:
                assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), image
                assert ":" not in ref.rsplit("/", 1)[-1], f"{image}: the digest alone names it"
                continue
            assert opted_out, f"{name}/{c['name']} {image} is not pinned by digest"
            tag = ref.rsplit(":", 1)[1] if ":" in ref.rsplit("/", 1)[-1] else ""
            assert tag and tag != "latest", image


def test_gpu_model_server_shape() -> None:
    objs = rendered("default")
    model = one(objs, "Deployment", "pp-privacy-proxy-model")["spec"]["template"]["spec"]
    (c,) = model["containers"]
    assert c["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert c["resources"]["requests"]["nvidia.com/gpu"] == 1
    assert model["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert model["tolerations"][0]["key"] == "nvidia.com/gpu"
    assert c["command"] == ["/app/llama-server"]
    assert "--parallel=8" in c["args"] and "--ctx-size=65536" in c["args"]
    assert "--model=/models/model.gguf" in c["args"]
    assert "--no-slots" in c["args"], "/slots would expose the prompts being processed"
    assert c["image"] == (
        "ghcr.io/ggml-org/llama.cpp@"
        "sha256:3e7673cce183a55f97a1bc3c80817f3c61452483c13bc088a6766388af4775fe"
    )
    vllm = one(rendered("vllm"), "Deployment", "pp-privacy-proxy-model")["spec"]["template"]["spec"]
    assert vllm["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert "--max-num-seqs=64" in vllm["containers"][0]["args"]
    cpu = one(rendered("llama-cpp-python"), "Deployment", "pp-privacy-proxy-model")
    assert (
        "nvidia.com/gpu"
        not in cpu["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    )


class _FileServer(ThreadingHTTPServer):
    payload = b""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = self.server.payload  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gguf_server() -> Any:
    server = _FileServer(("127.0.0.1", 0), _Handler)
    server.payload = b"GGUF" + os.urandom(4096)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()


ARTIFACTS = [{"podSelector": {"matchLabels": {"app": "artifacts"}}}]


def _fetch_pods(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fetch Job's container and the model pod's verify-model init container."""
    objs = render_objects(values)
    (job,) = by_kind(objs, "Job")
    (fetch,) = job["spec"]["template"]["spec"]["containers"]
    spec = one(objs, "Deployment", "pp-privacy-proxy-model")["spec"]["template"]["spec"]
    (verify,) = spec["initContainers"]
    return fetch, verify


def _run(container: dict[str, Any], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        container["command"] + container["args"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("good_digest", [True, False])
def test_fetch_job_refuses_a_gguf_with_the_wrong_sha256_and_the_model_waits_for_it(
    gguf_server: _FileServer, tmp_path: Path, good_digest: bool
) -> None:
    """Runs the rendered fetch Job's script here, against a local file server, then the model
    pod's verify-model script on what it left on the claim."""
    digest = hashlib.sha256(gguf_server.payload).hexdigest() if good_digest else "0" * 64
    url = f"http://127.0.0.1:{gguf_server.server_address[1]}/m.gguf"
    values = {
        "model": {"gguf": {"source": "url", "url": url, "sha256": digest, "file": "m.gguf"}},
        "networkPolicy": {"modelFetch": ARTIFACTS},
    }
    fetch, verify = _fetch_pods(values)
    env = {e["name"]: e["value"] for e in fetch["env"]} | {"MODEL_DIR": str(tmp_path)}
    verify_env = {e["name"]: e["value"] for e in verify["env"]}
    verify_env |= {"MODEL_DIR": str(tmp_path), "WAIT_SECONDS": "0"}
    assert "MODEL_URL" not in verify_env, "the model pod never downloads"
    run = _run(fetch, env)
    target = tmp_path / "m.gguf"
    if good_digest:
        assert run.returncode == 0, run.stderr
        assert target.read_bytes() == gguf_server.payload
        # A second run finds the verified file and does not download again.
        gguf_server.payload = b"changed"
        again = _run(fetch, env)
        assert again.returncode == 0 and "cached model verified" in again.stdout
        checked = _run(verify, verify_env)
        assert checked.returncode == 0 and "model verified" in checked.stdout
    else:
        assert run.returncode != 0
        assert not target.exists(), "an unverified GGUF must never be where the server loads it"
        checked = _run(verify, verify_env)
        assert checked.returncode != 0 and "fetch Job" in checked.stderr
    target.write_bytes(b"tampered")  # a file that is there but wrong is not loaded either
    assert _run(verify, verify_env).returncode != 0


def test_url_source_requires_a_sha256_and_a_fetch_destination() -> None:
    import helm_python as helm

    with pytest.raises(helm.HelmError, match="sha256"):
        render_objects({"model": {"gguf": {"source": "url", "url": "http://a/b.gguf"}},
                        "networkPolicy": {"modelFetch": ARTIFACTS}})
    ok = {"source": "url", "url": "http://a/b.gguf", "sha256": "a" * 64}
    with pytest.raises(helm.HelmError, match="networkPolicy.modelFetch"):
        render_objects({"model": {"gguf": ok}})
    assert by_kind(render_objects({"model": {"gguf": ok}, "networkPolicy": {"enabled": False}}),
                   "Job")


def test_bundled_postgresql_answers_only_the_proxy_and_reaches_nothing() -> None:
    objs = rendered("bundled-postgresql")
    (sts,) = by_kind(objs, "StatefulSet")
    labels = sts["spec"]["template"]["metadata"]["labels"]
    (policy,) = _policies_for(objs, labels)
    assert policy["spec"]["egress"] == []
    proxy = one(objs, "Deployment", "pp-privacy-proxy")
    (rule,) = policy["spec"]["ingress"]
    (peer,) = rule["from"]
    assert _matches(
        peer["podSelector"]["matchLabels"], proxy["spec"]["template"]["metadata"]["labels"]
    )
    egress = one(objs, "NetworkPolicy", "pp-privacy-proxy")["spec"]["egress"]
    to_pg = [r for r in egress if r["ports"] == [{"port": 5432, "protocol": "TCP"}]]
    assert _matches(to_pg[0]["to"][0]["podSelector"]["matchLabels"], labels)
    assert not by_kind(rendered("default"), "StatefulSet"), "no database unless asked"


def test_serving_containers_have_probes_and_configmaps_fit(scenario: str) -> None:
    objs = rendered(scenario)
    for o in objs:
        if o["kind"] in {"Deployment", "StatefulSet"}:
            for c in o["spec"]["template"]["spec"]["containers"]:
                where = f"{o['metadata']['name']}/{c['name']}"
                assert "readinessProbe" in c and "livenessProbe" in c, where
    for cm in by_kind(objs, "ConfigMap"):
        size = sum(len(v.encode()) for v in cm["data"].values())
        assert size < 900 * 1024, f"{cm['metadata']['name']} is near the 1 MiB ConfigMap limit"
