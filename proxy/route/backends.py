"""The configured backends: the local model (in process or a self-hosted server) and the external
provider, each built once at startup."""

from __future__ import annotations

from dataclasses import dataclass

from proxy.config import Settings
from proxy.decide.facts import provider_region
from proxy.route.base import Backend
from proxy.route.bridge import ResponsesBridge
from proxy.route.http import HttpBackend


@dataclass
class Backends:
    """Where a decided request can go; ``None``: that route is not configured."""

    local: Backend | None
    external: Backend | None

    def all(self) -> list[Backend]:
        return [b for b in (self.local, self.external) if b is not None]


def build_backends(settings: Settings) -> Backends:
    local: Backend | None = None
    if settings.local.kind == "llama_cpp":
        from proxy.route.llama import LlamaCppBackend

        local = LlamaCppBackend(settings.local)
    elif settings.local.kind == "openai_compatible":
        assert settings.local.base_url
        key = settings.local.api_key.get_secret_value() if settings.local.api_key else None
        local = HttpBackend(name="openai_compatible", placement="local",
                            base_url=settings.local.base_url, api_key=key,
                            region=settings.local.region, timeouts=settings.local,
                            model=settings.local.model_name, local_defaults=settings.local,
                            ca_file=settings.local.ca_file)
    if local is not None:  # the local servers speak chat completions: the Responses API bridged
        local = ResponsesBridge(local)
    external: Backend | None = None
    if settings.external.enabled:
        assert settings.external.api_key is not None
        external = HttpBackend(name=settings.external.name, placement="external",
                               base_url=settings.external.base_url,
                               api_key=settings.external.api_key.get_secret_value(),
                               region=provider_region(settings),
                               timeouts=settings.external,
                               ca_file=settings.external.ca_file)
    return Backends(local=local, external=external)
