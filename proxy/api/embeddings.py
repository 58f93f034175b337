"""``POST /v1/embeddings``: every input is inspected; the answer holds vectors, nothing to
restore."""

from __future__ import annotations

from proxy.api.endpoint import OpenAIEndpoint

EMBEDDINGS = OpenAIEndpoint("embeddings", "/v1/embeddings")
