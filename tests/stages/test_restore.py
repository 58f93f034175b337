"""The restore stage: placeholders issued for the request come back in the answer and in its
stream (split anywhere), the model that served it is named, and the upstream is released."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.api.embeddings import EMBEDDINGS
from proxy.context import RequestContext
from proxy.route.base import UpstreamResponse
from proxy.stages.restore import Restore
from proxy.transform.vault import Vault
from tests.fakes.fake_backend import FakeBackend, FakeStream, streamed
from tests.stages.conftest import EMAIL, make_ctx


def with_vault(ctx: RequestContext) -> str:
    ctx.vault = Vault(b"k" * 32, ctx.tenant.id)
    return ctx.vault.placeholder("EMAIL_ADDRESS", EMAIL)


def chunk(content: str | None = None, finish: str | None = None) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {"id": "c1", "object": "chat.completion.chunk", "model": "upstream-name",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


async def collect(ctx: RequestContext) -> list[list[dict[str, Any]]]:
    assert ctx.answer is not None and ctx.answer.events is not None
    return [batch async for batch in ctx.answer.events]


async def test_a_whole_answer_is_restored_and_names_the_served_model() -> None:
    ctx = make_ctx()
    ph = with_vault(ctx)
    body = {"model": "upstream-name", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": f"Mail sent to {ph}."}}]}
    ctx.backend = FakeBackend(model="served-name")
    ctx.upstream = UpstreamResponse(status=200, body=body)
    await Restore()(ctx)
    assert ctx.answer is not None and ctx.answer.status == 200 and ctx.answer.code == "ok"
    assert ctx.answer.body is not None
    assert ctx.answer.body["choices"][0]["message"]["content"] == f"Mail sent to {EMAIL}."
    assert ctx.answer.body["model"] == "served-name"


async def test_an_embedding_is_not_rewritten_beyond_its_model() -> None:
    ctx = make_ctx(api=EMBEDDINGS)
    ph = with_vault(ctx)
    body = {"model": "x", "data": [{"embedding": [0.5]}], "note": ph}
    ctx.backend = FakeBackend()
    ctx.upstream = UpstreamResponse(status=200, body=body)
    await Restore()(ctx)
    assert ctx.answer is not None and ctx.answer.body == {**body, "model": "gpt-4o"}


@pytest.mark.parametrize("body,kept", [
    ({"error": {"message": "rate limited", "type": "rate_limit", "param": None,
                "code": "rate_limit_exceeded"}}, True),
    ({"detail": "something else"}, False),
    (None, False),
])
async def test_an_upstream_error_is_passed_on_in_openai_shape(
    body: dict[str, Any] | None, kept: bool
) -> None:
    ctx = make_ctx()
    ctx.backend = FakeBackend()
    ctx.upstream = UpstreamResponse(status=429, body=body)
    await Restore()(ctx)
    assert ctx.answer is not None and ctx.answer.status == 429
    assert ctx.answer.code == "upstream_error"
    assert ctx.answer.body is not None
    if kept:
        assert ctx.answer.body == body
    else:
        assert ctx.answer.body["error"]["code"] == "upstream_error"


@pytest.mark.parametrize("size", [1, 2, 5, 64])
async def test_a_stream_is_restored_wherever_the_placeholder_is_cut(size: int) -> None:
    ctx = make_ctx(stream=True)
    ph = with_vault(ctx)
    text = f"ECHO: write to {ph} and to {ph}."
    pieces = [text[i:i + size] for i in range(0, len(text), size)]
    stream = FakeStream([[chunk(p) for p in pieces[:3]], *[[chunk(p)] for p in pieces[3:]],
                         [chunk(finish="stop")]])
    ctx.backend = FakeBackend(model="served-name")
    ctx.upstream = streamed(stream)
    await Restore()(ctx)
    batches = await collect(ctx)
    events = [e for b in batches for e in b]
    got = "".join(c["delta"].get("content", "") for e in events for c in e["choices"])
    assert got == f"ECHO: write to {EMAIL} and to {EMAIL}."
    assert all(e["model"] == "served-name" for e in events)
    assert stream.closed


async def test_the_first_event_with_content_leaves_on_its_own() -> None:
    ctx = make_ctx(stream=True)
    ctx.backend = FakeBackend()
    first = [chunk(None), chunk("Hel"), chunk("lo"), chunk(" you")]
    ctx.upstream = streamed(FakeStream([first, [chunk("!"), chunk(finish="stop")]]))
    await Restore()(ctx)
    batches = await collect(ctx)
    assert [len(b) for b in batches] == [2, 2, 2]  # role + first content, then the rest
    assert batches[0][1]["choices"][0]["delta"]["content"] == "Hel"


async def test_text_held_at_an_unfinished_end_is_released() -> None:
    ctx = make_ctx(stream=True)
    ph = with_vault(ctx)
    ctx.backend = FakeBackend()
    ctx.upstream = streamed(FakeStream([[chunk("to " + ph[:-4])]]))  # ends without finish
    await Restore()(ctx)
    events = [e for b in await collect(ctx) for e in b]
    got = "".join(c["delta"].get("content", "") for e in events for c in e["choices"])
    assert got == "to " + ph[:-4]  # not a whole placeholder: given back as it came


async def test_a_stream_left_early_releases_the_upstream() -> None:
    ctx = make_ctx(stream=True)
    ctx.backend = FakeBackend()
    stream = FakeStream([[chunk("a")], [chunk("b")], [chunk("c")]])
    ctx.upstream = streamed(stream)
    await Restore()(ctx)
    assert ctx.answer is not None and ctx.answer.events is not None
    events = ctx.answer.events
    await events.__anext__()
    await events.aclose()  # type: ignore[attr-defined]
    assert stream.closed and stream.read == 1
