"""Route: the request goes where the policy decided (the local model or the external provider),
or, denied, ends here with the policy's refusal (already recorded)."""

from __future__ import annotations

import logging
import time

from proxy.context import RequestContext
from proxy.errors import ErrorCode, ProxyError
from proxy.route.base import BackendUnavailable

log = logging.getLogger("privacy_proxy.pipeline")


class Route:
    name = "route"

    async def __call__(self, ctx: RequestContext) -> None:
        if ctx.denial is not None:
            raise ctx.denial
        backend = ctx.backend
        if backend is None or not ctx.audited:  # nothing leaves before its decision is recorded
            raise ProxyError(ErrorCode.internal_error, "internal error: no recorded decision")
        ctx.routed_at = time.perf_counter()
        try:
            ctx.upstream = await backend.call(ctx.endpoint, ctx.body)
        except BackendUnavailable as e:
            log.warning("backend unavailable", extra={"backend": backend.name, "error": str(e)})
            code = (ErrorCode.local_backend_unavailable if backend.placement == "local"
                    else ErrorCode.external_backend_unavailable)
            raise ProxyError(code, f"the {backend.placement} model is unavailable") from e
