from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from proxy.config import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.yaml"


def test_the_example_config_loads_and_documents_every_key():
    settings = load_settings(EXAMPLE)
    assert settings.tenants[0].id == "demo"
    raw = yaml.safe_load(EXAMPLE.read_text())
    text = EXAMPLE.read_text()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            assert f"{name}:" in text, f"config.example.yaml does not mention {prefix}{name}"
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, f"{prefix}{name}.")

    walk(Settings, "")
    assert set(raw) == set(Settings.model_fields)


def test_relative_paths_are_relative_to_the_file(tmp_path):
    (tmp_path / "c.yaml").write_text("server:\n  data_dir: state\npolicy:\n  path: pol\n")
    s = load_settings(tmp_path / "c.yaml")
    assert s.server.data_dir == tmp_path / "state" and s.policy.path == tmp_path / "pol"


@pytest.mark.parametrize("text,needle", [
    ("server:\n  prot: 1\n", "server.prot"),
    ("server:\n  port: -1\n", "server.port"),
    ("audit:\n  store: postgres\n", "postgres_dsn is required"),
    ("audit:\n  store: mongo\n", "unknown audit store 'mongo'; choose from sqlite, postgres"),
    ("local:\n  kind: openai_compatible\n", "local.base_url is required"),
    ("tenants:\n  - id: a\n    api_key_sha256: [nothex]\n", "64 hex characters"),
    ("tenants:\n  - id: a\n  - id: a\n", "tenant ids must be unique"),
    ("- just a list\n", "mapping at top level"),
])
def test_invalid_config_is_refused_with_the_key_named(tmp_path, text, needle):
    (tmp_path / "c.yaml").write_text(text)
    with pytest.raises(ConfigError) as e:
        load_settings(tmp_path / "c.yaml")
    assert needle in str(e.value)


def test_secrets_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PRIVACY_PROXY_EXTERNAL__API_KEY", "sk-env")
    monkeypatch.setenv("PRIVACY_PROXY_AUDIT__HMAC_KEY", "h" * 32)
    s = load_settings(EXAMPLE)
    assert s.external.api_key.get_secret_value() == "sk-env"
    assert s.audit.hmac_key.get_secret_value() == "h" * 32
    assert "sk-env" not in repr(s) and "sk-env" not in s.model_dump_json()


def test_openai_api_key_is_the_fallback(monkeypatch):
    monkeypatch.delenv("PRIVACY_PROXY_EXTERNAL__API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    assert load_settings(None).external.api_key.get_secret_value() == "sk-openai"
