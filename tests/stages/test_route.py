"""The route stage: the decided backend gets the (transformed) body, a denial is answered, and
nothing leaves whose decision is not recorded."""

from __future__ import annotations

import pytest

from proxy.errors import ErrorCode, ProxyError
from proxy.route.base import BackendUnavailable, UpstreamResponse
from proxy.stages.route import Route
from tests.fakes.fake_backend import FakeBackend
from tests.stages.conftest import make_ctx


async def test_the_decided_backend_gets_the_body() -> None:
    backend = FakeBackend(answers=[UpstreamResponse(status=200, body={"ok": True})])
    ctx = make_ctx()
    ctx.backend, ctx.audited = backend, True
    ctx.body["messages"][0]["content"] = "Write to <EMAIL_ADDRESS_abcdef> today."
    await Route()(ctx)
    assert backend.calls == [("chat.completions", ctx.body)]
    assert ctx.upstream is not None and ctx.upstream.body == {"ok": True}
    assert ctx.routed_at is not None and ctx.routed_at >= ctx.started


async def test_a_denial_is_raised_and_nothing_is_called() -> None:
    backend = FakeBackend()
    ctx = make_ctx(route="deny")
    ctx.backend, ctx.audited = backend, True
    ctx.denial = ProxyError(ErrorCode.policy_denied, "denied")
    with pytest.raises(ProxyError) as e:
        await Route()(ctx)
    assert e.value is ctx.denial
    assert backend.calls == []


@pytest.mark.parametrize("audited,has_backend", [(False, True), (True, False)])
async def test_an_unrecorded_decision_is_never_forwarded(audited: bool, has_backend: bool) -> None:
    backend = FakeBackend(answers=[UpstreamResponse(status=200, body={})])
    ctx = make_ctx()
    ctx.audited = audited
    ctx.backend = backend if has_backend else None
    with pytest.raises(ProxyError) as e:
        await Route()(ctx)
    assert e.value.code is ErrorCode.internal_error
    assert backend.calls == []


@pytest.mark.parametrize("placement,code,status", [
    ("local", ErrorCode.local_backend_unavailable, 503),
    ("external", ErrorCode.external_backend_unavailable, 502),
])
async def test_a_backend_that_cannot_answer_fails_the_request(
    placement: str, code: ErrorCode, status: int
) -> None:
    backend = FakeBackend(placement=placement,  # type: ignore[arg-type]
                          answers=[BackendUnavailable("connection refused")])
    ctx = make_ctx(route=placement)
    ctx.backend, ctx.audited = backend, True
    with pytest.raises(ProxyError) as e:
        await Route()(ctx)
    assert e.value.code is code and e.value.status == status
    assert "connection refused" not in e.value.message
