"""Decide: the policy's decision, then the invariants the code holds whatever the policy says
(``proxy.decide.request.decide``, shared with ``privacy-proxy policy eval``)."""

from __future__ import annotations

from proxy.config import Settings
from proxy.context import RequestContext
from proxy.decide.request import decide
from proxy.decide.types import PolicyEngine
from proxy.route.backends import Backends


class Decide:
    name = "decide"

    def __init__(self, engine: PolicyEngine, backends: Backends, settings: Settings) -> None:
        self.engine = engine
        self.backends = backends
        self.settings = settings

    async def __call__(self, ctx: RequestContext) -> None:
        await decide(ctx, self.engine, self.backends, self.settings)
