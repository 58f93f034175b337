"""Transform: the decided replacement (pseudonymize or redact) written into the request body."""

from __future__ import annotations

from proxy.context import RequestContext
from proxy.errors import ErrorCode, ProxyError
from proxy.transform.vault import Vault, apply_spans


class Transform:
    name = "transform"

    def __init__(self, key: bytes) -> None:
        self.key = key

    async def __call__(self, ctx: RequestContext) -> None:
        d = ctx.decision
        assert d is not None and ctx.extracted is not None
        if ctx.denial is not None or d.transform == "none":
            return
        vault = Vault(self.key, ctx.tenant.id)
        entities = frozenset(d.entities) if d.entities else None
        try:
            for f, spans in zip(ctx.extracted.fields, ctx.spans, strict=True):
                if spans:
                    new, n = apply_spans(f.text, spans, entities, vault, d.transform)
                    if n:
                        f.set(new)
            ctx.extracted.finalize()
        except Exception as e:
            raise ProxyError(ErrorCode.transform_failed,
                             "the request could not be transformed; it was not forwarded") from e
        ctx.vault = vault
