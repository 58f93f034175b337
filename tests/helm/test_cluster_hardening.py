"""Rendered properties of the cluster hardening: TLS on the client and model hops, metrics on their
own port and Service (scrapeable under the locked-down policies), the GGUF fetched by a Job with a
policy of its own while the model pods keep no egress, OPA as a native sidecar that outlives the
proxy, a namespace default-deny, and images pulled by digest."""

from __future__ import annotations

from typing import Any

import helm_python as helm
import pytest
import yaml

from tests.helm.conftest import (
    SCENARIOS,
    by_kind,
    container,
    one,
    render_objects,
    rendered,
)


def _config(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return yaml.safe_load(one(objs, "ConfigMap", "pp-privacy-proxy-config")["data"]["config.yaml"])


def _mounts(c: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["mountPath"]: m for m in c.get("volumeMounts", [])}


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    return obj["spec"]["template"]["metadata"]["labels"]


def _selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    sel = policy["spec"]["podSelector"].get("matchLabels", {})
    return all(labels.get(k) == v for k, v in sel.items())


def test_client_tls_from_a_secret_reloaded_without_a_restart() -> None:
    objs = rendered("locked-down")
    spec, proxy = container(objs, "proxy")
    tls = SCENARIOS["locked-down"]["proxy"]["tls"]
    cfg = _config(objs)["server"]["tls"]
    mount = _mounts(proxy)["/etc/privacy-proxy/tls"]
    assert "subPath" not in mount and mount["readOnly"], "a subPath mount never sees a renewal"
    assert cfg["cert_file"] == "/etc/privacy-proxy/tls/tls.crt"
    assert cfg["key_file"] == "/etc/privacy-proxy/tls/tls.key"
    assert cfg["reload_interval_s"] > 0
    volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
    assert volume["secret"]["secretName"] == tls["secretName"]
    assert {i["key"] for i in volume["secret"]["items"]} == {"tls.crt", "tls.key"}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert proxy[probe]["httpGet"]["scheme"] == "HTTPS"
    (port,) = [p for p in proxy["ports"] if p["containerPort"] == 8080]
    service = one(objs, "Service", "pp-privacy-proxy")
    assert service["spec"]["ports"][0]["targetPort"] == port["name"] == "https"
    test_pod = by_kind(objs, "Pod")[0]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in test_pod["env"]}
    assert env["PROXY_URL"].startswith("https://") and env["CA_FILE"]
    # Without TLS the listener stays plain HTTP and nothing refers to a certificate.
    plain = rendered("default")
    assert "tls" not in _config(plain)["server"]
    assert container(plain, "proxy")[1]["readinessProbe"]["httpGet"]["scheme"] == "HTTP"


def test_tls_without_a_secret_is_refused() -> None:
    for values in ({"proxy": {"tls": {"enabled": True}}}, {"model": {"tls": {"enabled": True}}}):
        with pytest.raises(helm.HelmError, match="secretName"):
            render_objects(values)


@pytest.mark.parametrize("engine, flags", [
    ("llama-server", ["--ssl-cert-file=/etc/model-tls/tls.crt",
                      "--ssl-key-file=/etc/model-tls/tls.key"]),
    ("vllm", ["--ssl-certfile=/etc/model-tls/tls.crt", "--ssl-keyfile=/etc/model-tls/tls.key"]),
    ("llama-cpp-python", ["--ssl_certfile=/etc/model-tls/tls.crt",
                          "--ssl_keyfile=/etc/model-tls/tls.key"]),
])
def test_model_server_serves_tls_with_a_key_and_the_proxy_verifies_it(
    engine: str, flags: list[str]
) -> None:
    values = {"model": {"engine": engine, "tls": {"enabled": True, "secretName": "model-tls"}},
              "images": {"requireDigest": engine != "llama-cpp-python"}}
    objs = render_objects(values)
    mspec, model = container(objs, "model", "pp-privacy-proxy-model")
    assert all(f in model["args"] for f in flags)
    key_env = {"llama-server": "LLAMA_API_KEY", "vllm": "VLLM_API_KEY",
               "llama-cpp-python": "API_KEY"}[engine]
    (key,) = [e for e in model["env"] if e["name"] == key_env]
    assert key["valueFrom"]["secretKeyRef"] == {"name": "pp-privacy-proxy-model-api-key",
                                                "key": "api-key"}
    if "httpGet" in model["readinessProbe"]:
        assert model["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    tls_volume = next(v for v in mspec["volumes"] if v["name"] == "tls")
    assert tls_volume["secret"]["secretName"] == "model-tls"

    pspec, proxy = container(objs, "proxy")
    local = _config(objs)["local"]
    assert local["base_url"] == "https://pp-privacy-proxy-model:8080/v1"
    assert local["ca_file"] == "/etc/privacy-proxy/model-ca/ca.crt"
    ca = next(v for v in pspec["volumes"] if v["name"] == "model-ca")
    assert ca["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}], \
        "the proxy mounts the CA only, never the model server's key"
    assert _mounts(proxy)["/etc/privacy-proxy/model-ca"]["readOnly"]
    (sent,) = [e for e in proxy["env"] if e["name"] == "PRIVACY_PROXY_LOCAL__API_KEY"]
    assert sent["valueFrom"]["secretKeyRef"] == key["valueFrom"]["secretKeyRef"]


def test_the_model_api_key_is_on_by_default_and_can_be_turned_off() -> None:
    _, model = container(rendered("default"), "model", "pp-privacy-proxy-model")
    assert any(e["name"] == "LLAMA_API_KEY" for e in model["env"])
    objs = render_objects({"model": {"apiKey": {"enabled": False}}})
    _, model = container(objs, "model", "pp-privacy-proxy-model")
    _, proxy = container(objs, "proxy")
    assert not any(e["name"] == "LLAMA_API_KEY" for e in model["env"])
    assert not any(e["name"] == "PRIVACY_PROXY_LOCAL__API_KEY" for e in proxy["env"])


def test_metrics_have_their_own_port_service_and_scrape_rule(scenario: str) -> None:
    objs = rendered(scenario)
    _, proxy = container(objs, "proxy")
    ports = {p["name"]: p["containerPort"] for p in proxy["ports"]}
    assert ports["metrics"] == 9464 and 9464 not in [v for k, v in ports.items() if k != "metrics"]
    metrics = _config(objs)["metrics"]
    assert metrics == {"enabled": True, "host": "0.0.0.0", "port": 9464}
    client = one(objs, "Service", "pp-privacy-proxy")
    assert [p["port"] for p in client["spec"]["ports"]] == [8080], "no metrics on the client port"
    svc = one(objs, "Service", "pp-privacy-proxy-metrics")
    assert svc["spec"]["ports"] == [{"name": "metrics", "port": 9464, "targetPort": "metrics",
                                     "protocol": "TCP", "appProtocol": "http"}]
    for monitor in by_kind(objs, "ServiceMonitor"):
        (endpoint,) = monitor["spec"]["endpoints"]
        assert endpoint["port"] == "metrics"
        sel = monitor["spec"]["selector"]["matchLabels"]
        assert all(svc["metadata"]["labels"].get(k) == v for k, v in sel.items())
        assert not all(client["metadata"]["labels"].get(k) == v for k, v in sel.items())
    ingress = one(objs, "NetworkPolicy", "pp-privacy-proxy")["spec"]["ingress"]
    rules = [r for r in ingress if r["ports"] == [{"port": 9464, "protocol": "TCP"}]]
    assert len(rules) == 1, "the metrics port has one ingress rule of its own"
    expected = SCENARIOS[scenario].get("networkPolicy", {}).get("metricsFrom")
    assert rules[0].get("from") == expected


def test_locked_down_prometheus_may_scrape_but_apps_may_not() -> None:
    """The monitoring namespace reaches the metrics port; the apps namespace reaches only the
    client port (as the CNI would evaluate the rules: a peer and a port must both match)."""
    ingress = one(rendered("locked-down"), "NetworkPolicy", "pp-privacy-proxy")["spec"]["ingress"]

    def allowed(namespace: str, pod: dict[str, str], port: int) -> bool:
        for rule in ingress:
            if port not in [p["port"] for p in rule["ports"]]:
                continue
            for peer in rule.get("from", [{}]):
                ns = peer.get("namespaceSelector", {}).get("matchLabels")
                ps = peer.get("podSelector", {}).get("matchLabels")
                if ns is None and ps is not None:
                    ns = {"kubernetes.io/metadata.name": "privacy"}  # a podSelector alone
                if ns is not None and ns != {"kubernetes.io/metadata.name": namespace}:
                    continue
                if ps is not None and not all(pod.get(k) == v for k, v in ps.items()):
                    continue
                return True
        return False

    prometheus = {"app.kubernetes.io/name": "prometheus"}
    assert allowed("monitoring", prometheus, 9464)
    assert not allowed("monitoring", {"app": "grafana"}, 9464)
    assert not allowed("apps", {"app": "web"}, 9464)
    assert allowed("apps", {"app": "web"}, 8080)
    assert not allowed("monitoring", prometheus, 8080)


def test_url_fetch_runs_in_a_job_with_its_own_egress_and_the_model_pod_keeps_none() -> None:
    values = SCENARIOS["url-fetch"]
    objs = rendered("url-fetch")
    (job,) = by_kind(objs, "Job")
    job_labels = _labels(job)
    model = one(objs, "Deployment", "pp-privacy-proxy-model")
    model_labels = _labels(model)
    assert job_labels["app.kubernetes.io/component"] == "model-fetch"
    policies = by_kind(objs, "NetworkPolicy")
    (fetch_policy,) = [p for p in policies if _selects(p, job_labels)]
    (model_policy,) = [p for p in policies if _selects(p, model_labels)]
    assert not _selects(fetch_policy, model_labels), "the fetch egress must not reach model pods"
    assert model_policy["spec"]["egress"] == []
    spec = fetch_policy["spec"]
    assert spec["ingress"] == [] and spec["policyTypes"] == ["Ingress", "Egress"]
    dns, artifacts = spec["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert artifacts["to"] == values["networkPolicy"]["modelFetch"]
    assert artifacts["ports"] == [{"port": 80, "protocol": "TCP"}]
    # The model pod only waits for a verified file: no container of it downloads anything.
    mspec = model["spec"]["template"]["spec"]
    for c in mspec["initContainers"] + mspec["containers"]:
        assert "curl" not in " ".join(c.get("args", [])), c["name"]
    # Job and model pods share the claim the chart creates.
    (claim,) = by_kind(objs, "PersistentVolumeClaim")
    claims = {v["persistentVolumeClaim"]["claimName"] for v in mspec["volumes"]
              if "persistentVolumeClaim" in v}
    job_claims = {v["persistentVolumeClaim"]["claimName"]
                  for v in job["spec"]["template"]["spec"]["volumes"]}
    assert claims == job_claims == {claim["metadata"]["name"]}


def test_a_new_model_is_a_new_fetch_job() -> None:
    """A Job's pod template is immutable: the name follows what the Job fetches."""
    base = SCENARIOS["url-fetch"]
    other = {**base, "model": {**base["model"], "gguf": {**base["model"]["gguf"],
                                                         "sha256": "b" * 64}}}
    names = {by_kind(render_objects(v), "Job")[0]["metadata"]["name"] for v in (base, other)}
    assert len(names) == 2
    assert all(len(n) <= 63 for n in names)


def test_opa_is_a_native_sidecar_that_outlives_the_proxy(scenario: str) -> None:
    objs = rendered(scenario)
    spec = one(objs, "Deployment", "pp-privacy-proxy")["spec"]["template"]["spec"]
    names = [c["name"] for c in spec["initContainers"]]
    assert names == ["install-signing-keys", "opa"]
    assert [c["name"] for c in spec["containers"]] == ["proxy"]
    opa = spec["initContainers"][1]
    assert opa["restartPolicy"] == "Always"
    assert "restartPolicy" not in spec["initContainers"][0], "the key copy runs to completion"
    assert opa["startupProbe"]["httpGet"]["path"] == "/health?bundles"
    sleep = opa["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert 0 < sleep < spec["terminationGracePeriodSeconds"]
    assert "--ignore=.*" in opa["args"]
    assert opa["args"].index("--ignore=.*") < opa["args"].index("/policies")


def test_opa_pre_stop_must_fit_the_grace_period() -> None:
    with pytest.raises(helm.HelmError, match="preStopSleepSeconds"):
        render_objects({"opa": {"preStopSleepSeconds": 60},
                        "proxy": {"terminationGracePeriodSeconds": 30}})


def test_namespace_default_deny_is_an_option() -> None:
    assert not [p for p in by_kind(rendered("default"), "NetworkPolicy")
                if p["spec"]["podSelector"] == {}]
    objs = rendered("locked-down")
    (deny,) = [p for p in by_kind(objs, "NetworkPolicy") if p["spec"]["podSelector"] == {}]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    # Every pod the chart runs is also selected by a policy of its own that allows its traffic.
    workloads = [_labels(o) for o in objs if o["kind"] in {"Deployment", "StatefulSet", "Job"}]
    workloads += [p["metadata"]["labels"] for p in by_kind(objs, "Pod")]
    for labels in workloads:
        own = [p for p in by_kind(objs, "NetworkPolicy")
               if p["spec"]["podSelector"] != {} and _selects(p, labels)]
        assert own, labels["app.kubernetes.io/component"]


def test_images_need_a_digest_unless_explicitly_opted_out() -> None:
    chart_values = {"proxy": {"image": {"digest": ""}}}
    with pytest.raises(helm.HelmError, match=r"proxy\.image\.digest is empty.*crane digest"):
        render_objects(chart_values)
    objs = render_objects({**chart_values, "images": {"requireDigest": False}})
    _, proxy = container(objs, "proxy")
    assert proxy["image"] == "registry.example.com/privacy-proxy/proxy:0.1.0"
    with pytest.raises(helm.HelmError, match=r"model\.images\.llamaCppPython\.digest"):
        render_objects({"model": {"engine": "llama-cpp-python"}})
    _, vllm = container(render_objects({"model": {"engine": "vllm"}}), "model",
                        "pp-privacy-proxy-model")
    assert vllm["image"].startswith("docker.io/vllm/vllm-openai@sha256:")
