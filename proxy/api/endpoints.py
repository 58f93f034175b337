"""The OpenAI endpoints the proxy serves: one adapter module each (see ``proxy.api.endpoint``),
registered here, one line each."""

from __future__ import annotations

from proxy.api.chat import CHAT_COMPLETIONS, COMPLETIONS
from proxy.api.embeddings import EMBEDDINGS
from proxy.api.endpoint import Endpoint
from proxy.api.responses import RESPONSES_API

ENDPOINTS: tuple[Endpoint, ...] = (
    CHAT_COMPLETIONS,
    COMPLETIONS,
    EMBEDDINGS,
    RESPONSES_API,
)


def endpoint_named(name: str) -> Endpoint:
    """The endpoint whose ``name`` (``chat.completions``, ...) is ``name``; KeyError otherwise."""
    for api in ENDPOINTS:
        if api.name == name:
            return api
    raise KeyError(name)
